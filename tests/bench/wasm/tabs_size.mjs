// Bundle size of the minimal app (connect with Cognito guest credentials, subscribe, publish) on
// one connection for all tabs ("iotlite/tabs"), measured like size.mjs (esbuild --bundle --minify
// for the browser, gzip -9), with code splitting, as a bundler ships tabs.js's lazy imports:
//   - what every tab loads: the entry chunk (SharedWorker mode: no engine in the tab);
//   - the SharedWorker (tabs-worker.js bundled on its own) + iotlite.wasm, loaded once by the worker;
//   - leader mode (no SharedWorker): the entry + its lazy chunks (the client and the hub) + the wasm;
//   - with services: true, the services chunk the hub imports then, and iotlite-services.wasm
//     instead of iotlite.wasm (the worker and a leader tab both bundled with code splitting).
// Usage: node tabs_size.mjs <package dir>
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { gzipSync, constants } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const packageDir = path.resolve(process.argv[2] || path.join(repoRoot, 'build/wasm/wasm/package'));
const gz = (buf) => gzipSync(buf, { level: constants.Z_BEST_COMPRESSION }).length;

const APP = `import { IotClient } from 'iotlite/tabs';
const client = await IotClient.create({
  endpoint: 'abc123example-ats.iot.us-east-1.amazonaws.com',
  clientId: 'web-app-1',
  cognito: { identityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000', storage: localStorage },
});
await client.connect();
await client.subscribe('demo/in', { qos: 1 }, (m) => console.log(m.topic, m.text()));
await client.publish('demo/out', { hello: 'world' }, { qos: 1 });
`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'iotlite-tabs-size-'));
try {
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(packageDir, path.join(dir, 'node_modules/iotlite'), 'dir');
  writeFileSync(path.join(dir, 'app.js'), APP);
  writeFileSync(path.join(dir, 'worker.js'), "import 'iotlite/tabs-worker.js';\n");
  const esbuild = path.join(repoRoot, 'node_modules/.bin/esbuild');
  const bundle = (entry, out) => {
    execFileSync(esbuild, [entry, '--bundle', '--minify', '--format=esm', '--platform=browser', '--target=es2022',
      '--splitting', `--outdir=${path.join(dir, out)}`, '--log-level=error'], { cwd: dir });
    const names = readdirSync(path.join(dir, out));
    const files = Object.fromEntries(names.map((f) => {
      const text = readFileSync(path.join(dir, out, f), 'utf8');
      // esbuild's minified imports: import("./x.js") is lazy, from"./x.js" / import"./x.js" static.
      // (Other "./x.js" strings, e.g. the worker's URL in tabs.js, are not chunks of this bundle.)
      const lazy = [...text.matchAll(/import\("\.\/([^"]+)"\)/g)].map((m) => m[1]).filter((x) => names.includes(x));
      const all = [...text.matchAll(/"\.\/([^"]+\.js)"/g)].map((m) => m[1]).filter((x) => names.includes(x));
      return [f, { gz: gz(Buffer.from(text)), lazy, eager: all.filter((x) => !lazy.includes(x)) }];
    }));
    // What loading `roots` loads: their static imports, and the lazy ones `follow` accepts.
    const closure = (roots, follow) => {
      const seen = new Set();
      const visit = (f) => {
        if (seen.has(f)) return;
        seen.add(f);
        files[f].eager.forEach(visit);
        files[f].lazy.filter(follow).forEach(visit);
      };
      roots.forEach(visit);
      return seen;
    };
    const size = (set) => [...set].reduce((a, f) => a + files[f].gz, 0);
    // The services build's chunk (services.js: esbuild names a lazy chunk after its source file).
    const services = (f) => f.startsWith('services-');
    return { files, closure, size, services };
  };
  const app = bundle('app.js', 'app');
  const entrySet = app.closure(['app.js'], () => false);
  const entry = app.size(entrySet);
  const leaderSet = app.closure(['app.js'], (f) => !app.services(f));
  const lazy = app.size(leaderSet) - entry;
  const leaderServices = app.size(app.closure(['app.js'], () => true)) - entry - lazy;
  const w = bundle('worker.js', 'worker');
  const workerSet = w.closure(['worker.js'], (f) => !w.services(f));
  const worker = w.size(workerSet);
  const workerServices = w.size(w.closure(['worker.js'], () => true)) - worker;
  const wasm = gz(readFileSync(path.join(packageDir, 'iotlite.wasm')));
  const servicesWasm = gz(readFileSync(path.join(packageDir, 'iotlite-services.wasm')));
  const r = { tabEntryGz: entry, lazyChunksGz: lazy, workerGz: worker, wasmGz: wasm, servicesJsGz: { worker: workerServices, leader: leaderServices }, servicesWasmGz: servicesWasm };
  console.log(JSON.stringify(r));
  console.log(`every tab (entry chunk, SharedWorker mode):   ${entry} B gz`);
  console.log(`SharedWorker (tabs-worker.js bundle) + wasm:  ${worker} + ${wasm} = ${worker + wasm} B gz`);
  console.log(`leader mode, per tab (entry + lazy chunks + wasm): ${entry} + ${lazy} + ${wasm} = ${entry + lazy + wasm} B gz`);
  console.log(`services: true instead (the services chunk + iotlite-services.wasm instead of iotlite.wasm): worker ${worker} + ${workerServices} + ${servicesWasm} = ${worker + workerServices + servicesWasm} B gz, `
    + `leader tab ${entry} + ${lazy} + ${leaderServices} + ${servicesWasm} = ${entry + lazy + leaderServices + servicesWasm} B gz`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
