// Presigned AWS IoT WebSocket URLs per second: the wasm signer (through the package's own call
// path) vs the `aws4` npm package in the same Node process. Both sign GET /mqtt for
// iotdevicegateway with a session token appended after the signature; both cache the signing key.
// Usage: node presign.mjs <package dir>
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import aws4 from 'aws4';

const packageDir = path.resolve(process.argv[2]);
const pkg = await import(pathToFileURL(path.join(packageDir, 'index.js')).href);
const native = await pkg.init({ wasmBinary: readFileSync(path.join(packageDir, 'iotlite.wasm')) });

const host = 'abc123example-ats.iot.us-east-1.amazonaws.com';
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

const base = Math.floor(Date.now() / 1000);
const ours = () => native.presign(host, 'us-east-1', creds, base, true);
const anchor = () => {
  const o = aws4.sign({ host, path: '/mqtt', service: 'iotdevicegateway', region: 'us-east-1', signQuery: true },
    { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey });
  return `wss://${host}${o.path}&X-Amz-Security-Token=${encodeURIComponent(creds.sessionToken)}`;
};
const longTerm = { accessKeyId: 'AKIAIOTLITEBENCH0001', secretAccessKey: creds.secretAccessKey };
const oursNoToken = () => native.presign(host, 'us-east-1', longTerm, base, true);
const anchorNoToken = () => `wss://${host}${aws4.sign({ host, path: '/mqtt', service: 'iotdevicegateway', region: 'us-east-1', signQuery: true },
  longTerm).path}`;
// Sanity: both produce a URL of the expected shape.
if (!/X-Amz-Signature=[0-9a-f]{64}&X-Amz-Security-Token=/.test(ours())) throw new Error('unexpected wasm URL');
if (!/X-Amz-Signature=[0-9a-f]{64}&X-Amz-Security-Token=/.test(anchor())) throw new Error('unexpected aws4 URL');

// Each signer alone in its own process (no garbage from the other one), alternating, 3 each.
const only = process.argv.find((a) => a.startsWith('--only='));
if (only) {
  const which = only.slice(7);
  const [t, l] = which === 'ours' ? [ours, oursNoToken] : [anchor, anchorNoToken];
  const [r1, r2] = rates([t, l], 10, 100);
  console.log(JSON.stringify({ withToken: r1, longTerm: r2 }));
  process.exit(0);
}

const [o, a] = rates([ours, anchor]);
const [o2, a2] = rates([oursNoToken, anchorNoToken]);
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
const fmt = (x, y) => `iotlite wasm ${Math.round(x)}, aws4 ${Math.round(y)}, ratio ${(x / y).toFixed(2)}x`;
console.log(JSON.stringify({
  sameProcess: { withToken: [Math.round(o), Math.round(a)], longTerm: [Math.round(o2), Math.round(a2)] },
  isolated: { withToken: [Math.round(io), Math.round(ia)], longTerm: [Math.round(io2), Math.round(ia2)] },
}));
console.log(`presigns/s, same process, ${creds.sessionToken.length}-byte session token: ${fmt(o, a)}`);
console.log(`presigns/s, same process, long-term keys: ${fmt(o2, a2)}`);
console.log(`presigns/s, one process per signer (median of 3), session token: ${fmt(io, ia)}`);
console.log(`presigns/s, one process per signer (median of 3), long-term keys: ${fmt(io2, ia2)}`);
