// Bundle size of a browser app that uses the device shadow ("iotlite/shadow"): connect with
// Cognito guest credentials, get + update a shadow, listen to its deltas; and of one that uses
// the shadow and AWS IoT Jobs ("iotlite/services", issue 15's ≤ 64 KiB gz budget): the same plus
// a job agent's calls. Measured like size.mjs (esbuild --bundle --minify for the browser,
// gzip -9), JS + the entry's .wasm, next to the minimal app (the plain entry and iotlite.wasm) in
// the same run.
// Usage: node shadow_size.mjs <package dir>
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync, readFileSync, rmSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const packageDir = path.resolve(process.argv[2] || path.join(repoRoot, 'build/wasm/wasm/package'));
const gz = (buf) => gzipSync(buf, { level: constants.Z_BEST_COMPRESSION }).length;
const br = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n) => (n / 1024).toFixed(1);

const CONNECT = `const client = await IotClient.create({
  endpoint: 'abc123example-ats.iot.us-east-1.amazonaws.com',
  clientId: 'web-' + crypto.randomUUID(),
  cognito: { identityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000' },
});
await client.connect();
`;
const MINIMAL = `import { IotClient } from 'iotlite';
${CONNECT}await client.subscribe('demo/in', { qos: 1 }, (m) => console.log(m.topic, m.text()));
await client.publish('demo/out', { hello: 'world' }, { qos: 1 });
`;
const SHADOW = `import { IotClient } from 'iotlite/shadow';
${CONNECT}await client.subscribe('demo/in', { qos: 1 }, (m) => console.log(m.topic, m.text()));
await client.publish('demo/out', { hello: 'world' }, { qos: 1 });
const lamp = client.shadow('lamp-1');
lamp.on('delta', (d) => console.log('delta', d.state, lamp.state));
console.log(await lamp.get().catch((e) => e.code));
const doc = await lamp.update({ desired: { color: 'red' } }, { version: lamp.version });
console.log(doc.version);
`;

const SERVICES = SHADOW.replace("'iotlite/shadow'", "'iotlite/services'") + `const jobs = client.jobs('lamp-1');
jobs.on('next', async (execution) => {
  if (!execution) return;
  await jobs.update(execution.jobId, { status: 'IN_PROGRESS', statusDetails: { step: 'download' } });
  await jobs.update(execution.jobId, { status: 'SUCCEEDED', expectedVersion: execution.versionNumber + 1 });
});
console.log(await jobs.list(), await jobs.startNext({ stepTimeoutInMinutes: 5 }));
`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'iotlite-shadow-size-'));
try {
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(packageDir, path.join(dir, 'node_modules/iotlite'), 'dir');
  const esbuild = path.join(repoRoot, 'node_modules/.bin/esbuild');
  const measure = (name, source, wasmFile) => {
    writeFileSync(path.join(dir, name), source);
    execFileSync(esbuild, [name, '--bundle', '--minify', '--format=esm', '--platform=browser', '--target=es2022',
      `--outdir=${path.join(dir, 'out')}`, '--log-level=error'], { cwd: dir });
    const js = readFileSync(path.join(dir, 'out', name));
    const wasm = readFileSync(path.join(packageDir, wasmFile));
    return { js: js.length, jsGz: gz(js), wasm: wasm.length, wasmGz: gz(wasm), totalGz: gz(js) + gz(wasm), totalBr: br(js) + br(wasm) };
  };
  const minimal = measure('minimal.js', MINIMAL, 'iotlite.wasm');
  const shadow = measure('shadow.js', SHADOW, 'iotlite-shadow.wasm');
  const services = measure('services.js', SERVICES, 'iotlite-services.wasm');
  console.log(JSON.stringify({ minimal, shadow, services }));
  for (const [label, r] of [['minimal app (iotlite)', minimal], ['shadow app (iotlite/shadow)', shadow],
    ['shadow + jobs app (iotlite/services)', services]]) {
    console.log(`${label.padEnd(36)} JS ${kb(r.js)} KiB min / ${kb(r.jsGz)} KiB gz + wasm ${kb(r.wasm)} KiB / ${kb(r.wasmGz)} KiB gz`
      + ` = ${kb(r.totalGz)} KiB gz (${r.totalGz} bytes); brotli ${kb(r.totalBr)} KiB`);
  }
  console.log(`shadow app - minimal app: +${kb(shadow.totalGz - minimal.totalGz)} KiB gz; shadow + jobs app - minimal app: +${kb(services.totalGz - minimal.totalGz)} KiB gz`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
