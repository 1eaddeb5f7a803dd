// Bundler smoke test: a fresh consumer app in a temp dir imports the package by name (through a
// node_modules symlink, as a file: dependency installs it) and is bundled with zero configuration
// by esbuild and by Vite. The output must pull in no Node built-ins, and the bundled app must
// really run: it connects to the stand-in, subscribes, publishes and receives its message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync, readFileSync, readdirSync, copyFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadPackage, packageDir, repoRoot, startStandin, uniqueId } from './helpers.mjs';

let standin;
let dir;

const APP = `import { IotClient } from 'iotlite';

async function main(cfg) {
  const client = await IotClient.create({
    endpoint: cfg.endpoint, region: cfg.region, clientId: cfg.clientId, credentials: cfg.credentials,
    cognito: cfg.cognito, WebSocket: cfg.WebSocket, wasmBinary: cfg.wasmBinary, reconnect: cfg.reconnect,
  });
  await client.connect();
  let resolveNext;
  client.subscribe(cfg.topic, { qos: 1 }, (m) => resolveNext(m.text()));
  const roundTrip = async (text) => {
    const got = new Promise((resolve) => { resolveNext = resolve; });
    await client.publish(cfg.topic, text, { qos: 1 });
    return got;
  };
  const text = await roundTrip('bundled ' + cfg.clientId);
  if (!cfg.revoke) {
    await client.close();
    return text;
  }
  // The server revokes the credentials and drops the connection: the browser cannot see the 403
  // of the next upgrades, yet the client must fetch new credentials and come back.
  const errors = [];
  client.on('error', (e) => errors.push(e.code));
  const back = new Promise((resolve) => client.on('connect', resolve));
  await globalThis.iotliteRevoke();
  await back;
  const again = await roundTrip('after revocation');
  await client.close();
  return [text, again, errors.join(',')].join('|');
}

const cfg = globalThis.__IOTLITE_SMOKE__;
if (cfg) cfg.result = main(cfg);
`;

// Runs a bundle in a fresh Node process, as a page would: the WebSocket and (unless the .wasm
// is inlined) the .wasm bytes are injected because Node has neither a global WebSocket nor
// fetch() for file URLs. Resolves with what the app received.
const RUNNER = `import WebSocket from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'node_modules/ws/wrapper.mjs')).href)};
import { readFileSync } from 'node:fs';
const [bundle, wasm, cfgJson] = process.argv.slice(2);
const cfg = JSON.parse(cfgJson);
globalThis.__IOTLITE_SMOKE__ = { ...cfg, WebSocket, wasmBinary: wasm === '-' ? undefined : readFileSync(wasm) };
await import(bundle);
const text = await globalThis.__IOTLITE_SMOKE__.result;
process.stdout.write(JSON.stringify({ text }));
`;

before(async () => {
  await loadPackage();  // fails (not skips) when the package is not built
  standin = await startStandin();
  dir = mkdtempSync(path.join(os.tmpdir(), 'iotlite-consumer-'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'consumer-app', private: true, type: 'module', dependencies: { iotlite: `file:${packageDir}` },
  }));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(packageDir, path.join(dir, 'node_modules/iotlite'), 'dir');
  writeFileSync(path.join(dir, 'app.js'), APP);
  writeFileSync(path.join(dir, 'app-inline.js'), APP.replace("from 'iotlite'", "from 'iotlite/inline'"));
  writeFileSync(path.join(dir, 'app-mqtt5.js'), APP.replace("from 'iotlite'", "from 'iotlite/mqtt5'")
    .replace('reconnect: cfg.reconnect,', 'reconnect: cfg.reconnect, protocolVersion: 5,'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="/app.js"></script>\n');
  writeFileSync(path.join(dir, 'runner.mjs'), RUNNER);
});

after(async () => {
  if (standin) await standin.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// No Node built-in may be referenced: a bundle for the browser has no imports left at all.
function assertBrowserClean(code, label) {
  const forbid = (re, what) => {
    const m = re.exec(code);
    assert.ok(!m, `${label}: ${what}: ...${m ? code.slice(Math.max(0, m.index - 60), m.index + 60) : ''}...`);
  };
  forbid(/\brequire\s*\(/, 'require(');
  forbid(/\bimport\s*\(\s*["'`]/, 'dynamic import of a module');
  forbid(/(^|[;\s}])import\s*[\w{*][^;]*?from\s*["'`]/m, 'static import left in the bundle');
  for (const mod of ['fs', 'path', 'module', 'url', 'crypto', 'os', 'child_process', 'worker_threads', 'net', 'tls', 'http', 'https']) {
    forbid(new RegExp(`["'\`](node:)?${mod}["'\`]`), `reference to Node's "${mod}"`);
  }
  forbid(/["'`]node:/, 'a node: specifier');
  forbid(/\b__dirname\b|\b__filename\b|\bBuffer\.from\b/, 'Node globals');
}

function run(bundle, wasm) {
  const cfg = {
    endpoint: standin.endpoints.wsUrl, region: standin.endpoints.region, clientId: uniqueId('bundled'),
    credentials: standin.endpoints.testCredentials, topic: `iotlite/wasm/${uniqueId('bundle')}`,
  };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(dir, 'runner.mjs'), pathToFileURL(bundle).href, wasm, JSON.stringify(cfg)],
      { timeout: 30000 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`bundled app failed: ${err.message}\n${stderr}`));
        const { text } = JSON.parse(stdout);
        assert.equal(text, `bundled ${cfg.clientId}`);
        resolve();
      });
  });
}

const esbuild = path.join(repoRoot, 'node_modules/.bin/esbuild');
const vite = path.join(repoRoot, 'node_modules/.bin/vite');

test('Esbuild_ZeroConfigBundle_NoNodeBuiltinsAndTheAppRuns', { timeout: 60000 }, async () => {
  const out = path.join(dir, 'esbuild-out');
  execFileSync(esbuild, ['app.js', '--bundle', '--format=esm', '--minify', `--outdir=${out}`, '--log-level=warning'], { cwd: dir });
  const code = readFileSync(path.join(out, 'app.js'), 'utf8');
  assertBrowserClean(code, 'esbuild');
  // esbuild keeps the standard `new URL('./iotlite.wasm', import.meta.url)`: the .wasm is served
  // next to the bundle (copied, as esbuild users deploy it).
  assert.match(code, /new URL\(["'](\.\/)?iotlite\.wasm["'],\s*import\.meta\.url\)/);
  copyFileSync(path.join(packageDir, 'iotlite.wasm'), path.join(out, 'iotlite.wasm'));
  await run(path.join(out, 'app.js'), path.join(out, 'iotlite.wasm'));
});

test('Esbuild_Mqtt5Entry_BundlesItsOwnWasmAndTheAppRunsOnMqtt5', { timeout: 60000 }, async () => {
  const out = path.join(dir, 'esbuild-mqtt5');
  execFileSync(esbuild, ['app-mqtt5.js', '--bundle', '--format=esm', '--minify', `--outdir=${out}`, '--log-level=warning'], { cwd: dir });
  const code = readFileSync(path.join(out, 'app-mqtt5.js'), 'utf8');
  assertBrowserClean(code, 'esbuild mqtt5');
  assert.match(code, /new URL\(["'](\.\/)?iotlite-mqtt5\.wasm["'],\s*import\.meta\.url\)/);
  copyFileSync(path.join(packageDir, 'iotlite-mqtt5.wasm'), path.join(out, 'iotlite-mqtt5.wasm'));
  await run(path.join(out, 'app-mqtt5.js'), path.join(out, 'iotlite-mqtt5.wasm'));
});

test('Esbuild_InlineEntry_RunsWithoutAnySeparateWasmFile', { timeout: 60000 }, async () => {
  const out = path.join(dir, 'esbuild-inline');
  execFileSync(esbuild, ['app-inline.js', '--bundle', '--format=esm', '--minify', `--outdir=${out}`, '--log-level=warning'], { cwd: dir });
  const code = readFileSync(path.join(out, 'app-inline.js'), 'utf8');
  assertBrowserClean(code, 'esbuild inline');
  await run(path.join(out, 'app-inline.js'), '-');
});

test('Vite_ZeroConfigBuild_RunsInChromiumWithCognitoAndRecoversFromRevokedCredentials', { timeout: 120000 }, async () => {
  assert.ok(!existsSync(path.join(dir, 'vite.config.js')) && !existsSync(path.join(dir, 'vite.config.ts')));
  execFileSync(vite, ['build', '--logLevel', 'warn'], { cwd: dir, env: { ...process.env, NODE_ENV: 'production' } });
  const assets = path.join(dir, 'dist/assets');
  const files = readdirSync(assets);
  const js = files.filter((f) => f.endsWith('.js'));
  const wasm = files.filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `one .wasm asset emitted: ${files}`);
  assert.deepEqual(readFileSync(path.join(assets, wasm[0])), readFileSync(path.join(packageDir, 'iotlite.wasm')));
  assert.equal(js.length, 1, `one JS chunk: ${files}`);
  const code = readFileSync(path.join(assets, js[0]), 'utf8');
  assertBrowserClean(code, 'vite');
  assert.ok(code.includes(wasm[0]), 'the bundle references the emitted .wasm by its hashed name');
  // Vite's output is a page (its module-preload helper needs a document): run it in Chromium,
  // with the browser's own WebSocket, fetch of the emitted .wasm and Cognito over CORS fetch.
  await runInChromium(path.join(dir, 'dist'));
});

// Serves `root` on 127.0.0.1 and loads index.html in headless Chromium.
async function runInChromium(root) {
  const { chromium } = await import('playwright-core');
  const http = await import('node:http');
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = http.createServer((req, res) => {
    const file = path.join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/$/, '/index.html'));
    if (!file.startsWith(root) || !existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const profile = mkdtempSync(path.join(os.tmpdir(), 'iotlite-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const ep = standin.endpoints;
    const cfg = {
      endpoint: ep.wsUrl, region: ep.region, clientId: uniqueId('chromium'), topic: `iotlite/wasm/${uniqueId('chromium')}`,
      cognito: { identityPoolId: ep.identityPools.unauthenticated, endpoint: ep.cognitoUrl },
      reconnect: { minDelayMs: 100, maxDelayMs: 400 }, revoke: true,
    };
    await page.exposeFunction('iotliteRevoke', () => {
      standin.controls.expireCredentials();
      standin.controls.dropConnections();
    });
    await page.addInitScript((c) => { globalThis.__IOTLITE_SMOKE__ = c; }, cfg);
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => globalThis.__IOTLITE_SMOKE__ && globalThis.__IOTLITE_SMOKE__.result, null, { timeout: 20000 });
    const text = await page.evaluate(() => globalThis.__IOTLITE_SMOKE__.result);
    assert.deepEqual(errors, []);
    // Two refused upgrades the browser reports without a status, then fresh credentials connect.
    assert.equal(text, `bundled ${cfg.clientId}|after revocation|io_error,io_error`);
  } finally {
    await browser.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
