// Bundle size of the minimal app (connect with Cognito guest credentials, subscribe, publish) on
// one connection for all tabs ("iotlite/tabs"), measured like size.mjs (esbuild --bundle --minify
// for the browser, gzip -9), with code splitting, as a bundler ships tabs.js's lazy imports:
//   - what every tab loads: the entry chunk (SharedWorker mode: no engine in the tab);
//   - the SharedWorker (tabs-worker.js bundled on its own) + iotlite.wasm, loaded once by the worker;
//   - leader mode (no SharedWorker): the entry + its lazy chunks (the client and the hub) + the wasm.
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
  const bundle = (entry, out, split) => {
    execFileSync(esbuild, [entry, '--bundle', '--minify', '--format=esm', '--platform=browser', '--target=es2022',
      ...(split ? ['--splitting'] : []), `--outdir=${path.join(dir, out)}`, '--log-level=error'], { cwd: dir });
    return Object.fromEntries(readdirSync(path.join(dir, out)).map((f) => [f, gz(readFileSync(path.join(dir, out, f)))]));
  };
  const app = bundle('app.js', 'app', true);
  const entry = app['app.js'];
  const lazy = Object.entries(app).filter(([f]) => f !== 'app.js').reduce((a, [, n]) => a + n, 0);
  const worker = bundle('worker.js', 'worker', false)['worker.js'];
  const wasm = gz(readFileSync(path.join(packageDir, 'iotlite.wasm')));
  const r = { tabEntryGz: entry, lazyChunksGz: lazy, workerGz: worker, wasmGz: wasm };
  console.log(JSON.stringify(r));
  console.log(`every tab (entry chunk, SharedWorker mode):   ${entry} B gz`);
  console.log(`SharedWorker (tabs-worker.js bundle) + wasm:  ${worker} + ${wasm} = ${worker + wasm} B gz`);
  console.log(`leader mode, per tab (entry + lazy chunks + wasm): ${entry} + ${lazy} + ${wasm} = ${entry + lazy + wasm} B gz`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
