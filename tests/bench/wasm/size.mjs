// Bundle size of a minimal browser app (connect with Cognito guest credentials, subscribe,
// publish): ours vs MQTT.js + aws4fetch doing the same, both bundled and minified by esbuild for
// the browser, then gzip -9. Also the same app speaking MQTT 5 ("iotlite/mqtt5", protocolVersion
// 5, iotlite-mqtt5.wasm), the opt-in entry, when the package has it. Usage: node size.mjs <package dir>
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const packageDir = path.resolve(process.argv[2] || path.join(repoRoot, 'build/wasm/wasm/package'));
const gz = (buf) => gzipSync(buf, { level: constants.Z_BEST_COMPRESSION }).length;
const br = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n) => (n / 1024).toFixed(1);

const OURS = `import { IotClient } from 'iotlite';
const client = await IotClient.create({
  endpoint: 'abc123example-ats.iot.us-east-1.amazonaws.com',
  clientId: 'web-' + crypto.randomUUID(),
  cognito: { identityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000' },
});
await client.connect();
await client.subscribe('demo/in', { qos: 1 }, (m) => console.log(m.topic, m.text()));
await client.publish('demo/out', { hello: 'world' }, { qos: 1 });
`;

// The same app on the MQTT 5 entry.
const OURS5 = OURS.replace("from 'iotlite'", "from 'iotlite/mqtt5'").replace("  cognito:", "  protocolVersion: 5,\n  cognito:");

// The same app with MQTT.js + aws4fetch: Cognito by hand with fetch, a SigV4 query-signed URL
// (session token appended after signing, as AWS IoT requires), then mqtt.connect.
const ANCHOR = `import mqtt from 'mqtt';
import { AwsV4Signer } from 'aws4fetch';
const region = 'us-east-1';
const endpoint = 'abc123example-ats.iot.us-east-1.amazonaws.com';
const cognito = async (target, body) => (await fetch('https://cognito-identity.' + region + '.amazonaws.com/', {
  method: 'POST', body: JSON.stringify(body),
  headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityService.' + target },
})).json();
const { IdentityId } = await cognito('GetId', { IdentityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000' });
const { Credentials: c } = await cognito('GetCredentialsForIdentity', { IdentityId });
const signer = new AwsV4Signer({ url: 'wss://' + endpoint + '/mqtt', method: 'GET', service: 'iotdevicegateway', region,
  accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, signQuery: true });
const { url } = await signer.sign();
const client = mqtt.connect(url.toString() + '&X-Amz-Security-Token=' + encodeURIComponent(c.SessionToken),
  { clientId: 'web-' + crypto.randomUUID(), protocolVersion: 4 });
client.on('connect', async () => {
  await client.subscribeAsync('demo/in', { qos: 1 });
  await client.publishAsync('demo/out', JSON.stringify({ hello: 'world' }), { qos: 1 });
});
client.on('message', (topic, payload) => console.log(topic, payload.toString()));
`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'iotlite-size-'));
try {
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(packageDir, path.join(dir, 'node_modules/iotlite'), 'dir');
  for (const dep of ['mqtt', 'aws4fetch']) symlinkSync(path.join(repoRoot, 'node_modules', dep), path.join(dir, 'node_modules', dep), 'dir');
  writeFileSync(path.join(dir, 'ours.js'), OURS);
  writeFileSync(path.join(dir, 'anchor.js'), ANCHOR);
  writeFileSync(path.join(dir, 'ours5.js'), OURS5);
  const esbuild = path.join(repoRoot, 'node_modules/.bin/esbuild');
  const bundle = (entry) => {
    execFileSync(esbuild, [entry, '--bundle', '--minify', '--format=esm', '--platform=browser', '--target=es2022',
      `--outdir=${path.join(dir, 'out')}`, '--log-level=error'], { cwd: dir, env: { ...process.env, NODE_PATH: path.join(repoRoot, 'node_modules') } });
    return readFileSync(path.join(dir, 'out', entry));
  };
  const oursJs = bundle('ours.js');
  const wasm = readFileSync(path.join(packageDir, 'iotlite.wasm'));
  const anchorJs = bundle('anchor.js');
  const ours = { js: oursJs.length, jsGz: gz(oursJs), wasm: wasm.length, wasmGz: gz(wasm), jsBr: br(oursJs), wasmBr: br(wasm) };
  ours.totalGz = ours.jsGz + ours.wasmGz;
  ours.totalBr = ours.jsBr + ours.wasmBr;
  const anchor = { js: anchorJs.length, jsGz: gz(anchorJs), jsBr: br(anchorJs) };
  let ours5;
  if (existsSync(path.join(packageDir, 'iotlite-mqtt5.wasm'))) {
    const js5 = bundle('ours5.js');
    const wasm5 = readFileSync(path.join(packageDir, 'iotlite-mqtt5.wasm'));
    ours5 = { js: js5.length, jsGz: gz(js5), wasm: wasm5.length, wasmGz: gz(wasm5), jsBr: br(js5), wasmBr: br(wasm5) };
    ours5.totalGz = ours5.jsGz + ours5.wasmGz;
    ours5.totalBr = ours5.jsBr + ours5.wasmBr;
  }
  console.log(JSON.stringify({ ours, anchor, ...(ours5 ? { ours5 } : {}) }));
  console.log(`iotlite app:            JS ${kb(ours.js)} KB min / ${kb(ours.jsGz)} KB gz + wasm ${kb(ours.wasm)} KB / ${kb(ours.wasmGz)} KB gz = ${kb(ours.totalGz)} KB gz`);
  if (ours5) console.log(`iotlite MQTT 5 app:     JS ${kb(ours5.js)} KB min / ${kb(ours5.jsGz)} KB gz + wasm ${kb(ours5.wasm)} KB / ${kb(ours5.wasmGz)} KB gz = ${kb(ours5.totalGz)} KB gz (iotlite/mqtt5)`);
  console.log(`MQTT.js + aws4fetch app: JS ${kb(anchor.js)} KB min / ${kb(anchor.jsGz)} KB gz`);
  console.log(`ratio (anchor / ours, gz): ${(anchor.jsGz / ours.totalGz).toFixed(2)}x`);
  console.log(`brotli -q 11: iotlite ${kb(ours.totalBr)} KB (JS ${kb(ours.jsBr)} + wasm ${kb(ours.wasmBr)}), MQTT.js + aws4fetch ${kb(anchor.jsBr)} KB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
