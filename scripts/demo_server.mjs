#!/usr/bin/env node
// The demo site's helpers: assemble the static site and serve it on 127.0.0.1.
//
//   node scripts/demo_server.mjs assemble --package <wasm package dir> --out build/site [--standin <endpoints.json>]
//       copies web/* and the package (to <out>/iotlite/), and writes <out>/config.json from the
//       stand-in's JSON line when --standin is given (the page works without config.json too).
//   node scripts/demo_server.mjs serve --root build/site [--port 8080] [--no-fallback]
//       serves <root> on 127.0.0.1; if the port is busy, a free one (unless --no-fallback).
//       Prints one JSON line {"event":"listening","url":...}; stops on SIGINT/SIGTERM, when its
//       stdin pipe closes or when its parent exits.
//
// Also imported by the browser tests (tests/web), which assemble and serve their own copy.
import { promises as fs, fstatSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_DIR = path.join(REPO, 'web');
// What the page loads: the services entry (services.js, which imports shadow.js, index.js and the
// rest) and its engine iotlite-services.wasm (the page never loads iotlite.wasm); a partial package
// still fails loudly in the page.
const REQUIRED_PACKAGE_FILES = ['package.json', 'index.js', 'shadow.js', 'services.js', 'iotlite-services.wasm'];

/** The page's config.json for the local stand-in, from the stand-in's JSON line. */
export function configFromStandin(e) {
  return {
    label: 'the local AWS IoT Core stand-in',
    endpoint: e.wsUrl,
    region: e.region,
    authMode: 'cognito',
    cognito: { identityPoolId: e.identityPools?.unauthenticated, endpoint: e.cognitoUrl },
    // Fake, public test keys of the stand-in (standin/standin.mjs DEFAULT_CONFIG).
    staticCredentials: e.testCredentials ?? undefined,
    topic: 'demo',
    shadow: { thing: 'demo-thing' },
    standin: { adminUrl: e.adminUrl },
  };
}

/** Throws a message saying how to build the package when `dir` is not an assembled package. */
export async function checkPackage(dir) {
  const missing = [];
  for (const f of REQUIRED_PACKAGE_FILES) {
    try { await fs.access(path.join(dir, f)); } catch { missing.push(f); }
  }
  if (missing.length) {
    throw new Error(`the iotlite browser package is not built: ${missing.join(', ')} missing in ${dir} `
      + '(build it with: source scripts/env.sh && cmake --preset wasm && cmake --build --preset wasm)');
  }
}

/** web/* + the package in <outDir>/iotlite/ + config.json (when config is given). */
export async function assembleSite({ packageDir, outDir, config = null, webDir = WEB_DIR }) {
  await checkPackage(packageDir);
  await fs.rm(outDir, { recursive: true, force: true });
  await fs.mkdir(outDir, { recursive: true });
  await fs.cp(webDir, outDir, { recursive: true, filter: (src) => !src.endsWith('.md') });
  await fs.cp(packageDir, path.join(outDir, 'iotlite'), { recursive: true });
  if (config) await fs.writeFile(path.join(outDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  return outDir;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves `root` read-only on 127.0.0.1. Resolves to {port, url, stop()}.
 * `port` 0 = a free port; with `fallback`, a busy port falls back to a free one.
 */
export async function startStaticServer({ root, port = 0, fallback = true, log = () => {} }) {
  const base = path.resolve(root);
  const server = http.createServer(async (req, res) => {
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') { send(405, 'only GET and HEAD\n'); return; }
    let rel;
    try { rel = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { send(400, 'bad path\n'); return; }
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(base, `.${rel}`);
    if (file !== base && !file.startsWith(base + path.sep)) { send(403, 'outside the site\n'); return; }
    try {
      const data = await fs.readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': data.length,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : data);
      log(`200 ${rel}`);
    } catch {
      send(404, `not found: ${rel}\n`);
      log(`404 ${rel}`);
    }
  });
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const listen = (p) => new Promise((resolve, reject) => {
    const onError = (e) => { server.off('listening', onOk); reject(e); };
    const onOk = () => { server.off('error', onError); resolve(server.address().port); };
    server.once('error', onError);
    server.once('listening', onOk);
    server.listen(p, '127.0.0.1');
  });
  let bound;
  try {
    bound = await listen(port);
  } catch (e) {
    if (e.code !== 'EADDRINUSE' || !fallback || port === 0) throw e;
    log(`port ${port} is busy; using a free port`);
    bound = await listen(0);
  }
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}/`,
    stop: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const opts = { command };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => {
      if (i + 1 >= rest.length) throw new Error(`${a} needs a value`);
      return rest[++i];
    };
    if (a === '--package') opts.packageDir = value();
    else if (a === '--out') opts.outDir = value();
    else if (a === '--standin') opts.standin = value();
    else if (a === '--root') opts.root = value();
    else if (a === '--port') {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`--port expects 0..65535, got '${v}'`);
      opts.port = Number(v);
    } else if (a === '--no-fallback') opts.fallback = false;
    else if (a === '--quiet') opts.quiet = true;
    else throw new Error(`unknown argument '${a}'`);
  }
  return opts;
}

const USAGE = `usage: node scripts/demo_server.mjs assemble --package DIR --out DIR [--standin endpoints.json]
       node scripts/demo_server.mjs serve --root DIR [--port N] [--no-fallback] [--quiet]`;

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
    if (o.command === 'assemble') {
      if (!o.packageDir || !o.outDir) throw new Error('assemble needs --package and --out');
      const config = o.standin ? configFromStandin(JSON.parse(await fs.readFile(o.standin, 'utf8'))) : null;
      await assembleSite({ packageDir: o.packageDir, outDir: o.outDir, config });
      process.stderr.write(`demo_server: site assembled in ${o.outDir}${config ? ' (config.json for the stand-in)' : ''}\n`);
      return;
    }
    if (o.command !== 'serve') throw new Error(o.command ? `unknown command '${o.command}'` : 'no command');
    if (!o.root) throw new Error('serve needs --root');
  } catch (e) {
    process.stderr.write(`demo_server: ${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  const log = o.quiet ? () => {} : (line) => process.stderr.write(`demo_server: ${line}\n`);
  let server;
  try {
    server = await startStaticServer({ root: o.root, port: o.port ?? 8080, fallback: o.fallback ?? true, log });
  } catch (e) {
    process.stderr.write(`demo_server: cannot listen: ${e.message}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    process.exit(0);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, stop);
  try {
    const st = fstatSync(0);
    if (st.isFIFO() || st.isSocket()) { process.stdin.on('end', stop); process.stdin.resume(); }
  } catch { /* no stdin */ }
  const parent = process.ppid;
  setInterval(() => { if (process.ppid !== parent) stop(); }, 500);
  process.stdout.write(JSON.stringify({ event: 'listening', url: server.url, port: server.port, root: path.resolve(o.root) }) + '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
