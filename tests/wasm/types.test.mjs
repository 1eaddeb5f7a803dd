// index.d.ts against the TypeScript compiler: a consumer app using the README's API type-checks
// under --strict with Node-style package resolution ("exports" + "types"), and misuse is caught.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadPackage, packageDir, repoRoot } from './helpers.mjs';

let dir;
const tsc = path.join(repoRoot, 'node_modules/.bin/tsc');

const GOOD = `import { IotClient, IotClientState, IotError, IotMessage, init } from 'iotlite';

async function main(): Promise<void> {
  await init();
  const client: IotClient = await IotClient.create({
    endpoint: 'abc-ats.iot.us-east-1.amazonaws.com',
    clientId: 'x',
    cognito: { identityPoolId: 'us-east-1:0000', logins: async () => ({ provider: 'token' }), storage: localStorage },
    reconnect: { minDelayMs: 100, maxDelayMs: 1000 },
    offlineQueue: { maxMessages: 10, policy: 'reject' },
    clockOffsetMs: 0,
    will: { topic: 'devices/x/status', payload: { online: false }, qos: 1, retain: true },
  });
  client.on('reconnecting', ({ delayMs, attempt }) => console.log(delayMs.toFixed(0), attempt));
  client.on('disconnect', ({ error }) => console.log(error.code));
  client.on('error', (e) => { const c: string = e.code; console.log(c, e.status); });
  client.on('disconnect', ({ error }) => { const r: number | undefined = error.mqttReason; const rule: string | undefined = error.rule; console.log(r, rule, error.limit, error.actual); });
  client.clockOffsetMs = 2000;
  client.on('message', (m: IotMessage) => console.log(m.topic, m.text(), m.payload.byteLength));
  client.once('statechange', ({ state, previous }) => { const s: IotClientState = state; console.log(s, previous); });
  client.on('message', (m) => { const t = m.json<{ temperature: number }>(); console.log(t.temperature.toFixed(1)); });
  const { sessionPresent } = await client.connect();
  const granted: 0 | 1 = await client.subscribe('a/b', { qos: 1 }, (m) => m.json());
  const codes: (0 | 1 | 0x80)[] = await client.subscribe(['a/1', 'a/2'], { qos: 1 }, (m) => m.text());
  console.log(codes.length);
  await client.publish('a/b', { granted, sessionPresent }, { qos: 1, retain: false });
  await client.publish('a/b', new Uint8Array([1, 2]));
  try { await client.publish('a/#', 'x'); } catch (e) { if (e instanceof IotError && e.code === 'invalid_topic') console.log(e.message); }
  await client.unsubscribe('a/b');
  console.log(client.state === 'connected');
  await client.close();
}
main();
`;

const BAD = `import { IotClient } from 'iotlite';
async function f() {
  const c = await IotClient.create({ endpoint: 'x', clientId: 'y', offlineQueue: { policy: 'drop_everything' } });
  await c.publish('t', 'p', { qos: 2 });
  c.on('connect', (x) => x.nope);
  c.once('statechange', ({ state }) => { const n: number = state; console.log(n); });
}
f();
`;

function runTsc(file) {
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [] },
    files: [file],
  }));
  return new Promise((resolve) => {
    execFile(tsc, ['-p', dir], { timeout: 60000 }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, out: stdout + stderr }));
  });
}

before(async () => {
  await loadPackage();
  dir = mkdtempSync(path.join(os.tmpdir(), 'iotlite-types-'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(packageDir, path.join(dir, 'node_modules/iotlite'), 'dir');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'ts-consumer', private: true, type: 'module' }));
  writeFileSync(path.join(dir, 'good.ts'), GOOD);
  writeFileSync(path.join(dir, 'bad.ts'), BAD);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('IndexDts_ReadmeStyleApp_TypeChecksUnderStrict', { timeout: 90000 }, async () => {
  const { code, out } = await runTsc('good.ts');
  assert.equal(code, 0, out);
});

test('IndexDts_Misuse_RejectedByTheCompiler', { timeout: 90000 }, async () => {
  const { code, out } = await runTsc('bad.ts');
  assert.notEqual(code, 0);
  assert.match(out, /bad\.ts\(3,\d+\): error TS2322: Type '"drop_everything"' is not assignable/);
  assert.match(out, /bad\.ts\(4,\d+\): error TS2322: Type '2' is not assignable to type '0 \| 1 \| undefined'/);
  assert.match(out, /bad\.ts\(5,\d+\): error TS2339: Property 'nope' does not exist/);
  assert.match(out, /bad\.ts\(6,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
  assert.equal(out.match(/error TS/g).length, 4, out);
});
