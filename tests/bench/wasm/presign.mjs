// Presigned AWS IoT WebSocket URLs per second: the wasm signer (through the package's own call
// path: core's TargetBuilder for a configured client handle, as every connect attempt) vs the
// `aws4` npm package in the same Node process. Both sign GET /mqtt for
// iotdevicegateway with a session token appended after the signature (a 900-byte all-letters one,
// and a 900-byte base64 one, whose '+' and '/' get percent-encoded), or with long-term keys;
// both cache the signing key.
// Usage: node presign.mjs <package dir>
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import aws4 from 'aws4';

const packageDir = path.resolve(process.argv[2]);
const pkg = await import(pathToFileURL(path.join(packageDir, 'index.js')).href);
const native = await pkg.init({ wasmBinary: readFileSync(path.join(packageDir, 'iotlite.wasm')) });

const host = 'abc123example-ats.iot.us-east-1.amazonaws.com';
// A client handle configured like IotClient.create does it; target(..., provide = false) returns
// the URL instead of handing it to the engine.
const handle = native.create('bench', { keepAliveSeconds: 60, cleanSession: true, reconnect: false, minDelayMs: 1000,
  maxDelayMs: 30000, queueMessages: 0, queueBytes: 0, queuePolicy: 0, seed: 1, connectTimeoutMs: 10000 });
native.configure(handle, host, 'us-east-1', null, 0);
const presign = (c, epochSeconds) => native.target(handle, 1, c, epochSeconds * 1000, 0, false);
const creds = {
  accessKeyId: 'ASIAIOTLITEBENCH0001',
  secretAccessKey: 'benchSecretKeyNotReal/0123456789abcdefghij',
  sessionToken: 'IQoJb3JpZ2luX2VjE'.padEnd(900, 'x'),
};

// Alternates 100 ms slices of each signer (30 rounds) so load changes on the shared machine
// hit both sides alike; returns calls per second for each.
function rates(fns, rounds = 30, sliceMs = 100) {
  for (const fn of fns) for (let i = 0; i < 3000; i++) fn(i);  // warm-up (JIT, caches)
  const calls = fns.map(() => 0);
  const time = fns.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, k) => {
      const t0 = performance.now();
      let t = t0;
      let n = 0;
      while (t - t0 < sliceMs) {
        for (let i = 0; i < 100; i++) fn(n++);
        t = performance.now();
      }
      calls[k] += n;
      time[k] += t - t0;
    });
  }
  return calls.map((n, k) => n / (time[k] / 1000));
}

// A real STS/Cognito session token is base64: a '+' or '/' (percent-encoded in the URL) every ~30
// characters, which the all-'x' token above does not exercise. Deterministic bytes, so every run
// signs the same token.
let seed = 0x2545f491;
const tokenBytes = Buffer.alloc(675, 0).map(() => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24);
const base64Creds = { ...creds, sessionToken: tokenBytes.toString('base64') };

// Each call signs a different second of one UTC day (the signing key is cached per day on both
// sides; aws4 takes the current time itself), so no signer can answer from a per-URL cache.
const day = Math.floor(Date.now() / 86400000) * 86400;
const when = (i) => day + 3600 + (i % 3600);
const ours = (i = 0) => presign(creds, when(i));
const anchorWith = (c) => () => {
  const o = aws4.sign({ host, path: '/mqtt', service: 'iotdevicegateway', region: 'us-east-1', signQuery: true },
    { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey });
  return `wss://${host}${o.path}&X-Amz-Security-Token=${encodeURIComponent(c.sessionToken)}`;
};
const anchor = anchorWith(creds);
const oursBase64 = (i = 0) => presign(base64Creds, when(i));
const anchorBase64 = anchorWith(base64Creds);
const longTerm = { accessKeyId: 'AKIAIOTLITEBENCH0001', secretAccessKey: creds.secretAccessKey };
const oursNoToken = (i = 0) => presign(longTerm, when(i));
const anchorNoToken = () => `wss://${host}${aws4.sign({ host, path: '/mqtt', service: 'iotdevicegateway', region: 'us-east-1', signQuery: true },
  longTerm).path}`;
// Sanity: both produce a URL of the expected shape, with the token encoded the same way.
if (!/X-Amz-Signature=[0-9a-f]{64}&X-Amz-Security-Token=/.test(ours())) throw new Error('unexpected wasm URL');
if (!/X-Amz-Signature=[0-9a-f]{64}&X-Amz-Security-Token=/.test(anchor())) throw new Error('unexpected aws4 URL');
const tokenParam = (url) => url.slice(url.indexOf('&X-Amz-Security-Token='));
if (!/%2B|%2F/.test(tokenParam(anchorBase64())) || tokenParam(oursBase64()) !== tokenParam(anchorBase64())) {
  throw new Error('the base64 token is not encoded as aws4 + encodeURIComponent encode it');
}

// Each signer alone in its own process (no garbage from the other one), alternating, 3 each.
const only = process.argv.find((a) => a.startsWith('--only='));
if (only) {
  const which = only.slice(7);
  const [t, l, b] = which === 'ours' ? [ours, oursNoToken, oursBase64] : [anchor, anchorNoToken, anchorBase64];
  const [r1, r2, r3] = rates([t, l, b], 10, 100);
  console.log(JSON.stringify({ withToken: r1, longTerm: r2, base64Token: r3 }));
  process.exit(0);
}

const [o, a] = rates([ours, anchor]);
const [o2, a2] = rates([oursNoToken, anchorNoToken]);
const [o3, a3] = rates([oursBase64, anchorBase64]);
const { execFileSync } = await import('node:child_process');
const isolated = { ours: [], aws4: [] };
for (let i = 0; i < 3; i++) {
  for (const which of ['ours', 'aws4']) {
    isolated[which].push(JSON.parse(execFileSync(process.execPath, [process.argv[1], packageDir, `--only=${which}`], { encoding: 'utf8' })));
  }
}
const med = (xs) => xs.slice().sort((x, y) => x - y)[1];
const io = med(isolated.ours.map((r) => r.withToken));
const ia = med(isolated.aws4.map((r) => r.withToken));
const io2 = med(isolated.ours.map((r) => r.longTerm));
const ia2 = med(isolated.aws4.map((r) => r.longTerm));
const io3 = med(isolated.ours.map((r) => r.base64Token));
const ia3 = med(isolated.aws4.map((r) => r.base64Token));
const fmt = (x, y) => `iotlite wasm ${Math.round(x)}, aws4 ${Math.round(y)}, ratio ${(x / y).toFixed(2)}x`;
console.log(JSON.stringify({
  sameProcess: { withToken: [Math.round(o), Math.round(a)], longTerm: [Math.round(o2), Math.round(a2)], base64Token: [Math.round(o3), Math.round(a3)] },
  isolated: { withToken: [Math.round(io), Math.round(ia)], longTerm: [Math.round(io2), Math.round(ia2)], base64Token: [Math.round(io3), Math.round(ia3)] },
}));
console.log(`presigns/s, same process, ${creds.sessionToken.length}-byte session token: ${fmt(o, a)}`);
console.log(`presigns/s, same process, long-term keys: ${fmt(o2, a2)}`);
console.log(`presigns/s, same process, ${base64Creds.sessionToken.length}-byte base64 session token: ${fmt(o3, a3)}`);
console.log(`presigns/s, one process per signer (median of 3), session token: ${fmt(io, ia)}`);
console.log(`presigns/s, one process per signer (median of 3), long-term keys: ${fmt(io2, ia2)}`);
console.log(`presigns/s, one process per signer (median of 3), base64 session token: ${fmt(io3, ia3)}`);
