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

const GOOD = `import { IotClient, IotClientState, IotError, IotMessage, init, topicFilterError, topicMatches } from 'iotlite';

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
  const broken: IotError | null = topicFilterError('a/+/#');
  const routed: boolean = topicMatches('a/+', 'a/b');
  console.log(broken?.rule, routed, client.state === 'connected');
  await client.close();
}
main();
`;

const BAD = `import { IotClient, topicMatches } from 'iotlite';
async function f() {
  const c = await IotClient.create({ endpoint: 'x', clientId: 'y', offlineQueue: { policy: 'drop_everything' } });
  await c.publish('t', 'p', { qos: 2 });
  c.on('connect', (x) => x.nope);
  c.once('statechange', ({ state }) => { const n: number = state; console.log(n); });
}
f();
const matched: string = topicMatches('a/#', 'a');
`;

// The JS conventions (issue 16, item 4): AbortSignal options, async iteration, the WebSocket option
// typed (the DOM's class and the ws package's both fit), and a shadow typed by its state.
const GOOD_CONVENTIONS = `import WebSocketFromWs from 'ws';
import { IotClient as PlainClient, IotError, IotMessage, WebSocketConstructor } from 'iotlite';
import { IotClient } from 'iotlite/shadow';

interface Lamp { color: string; brightness: number; schedule: { on: string; off: string } }

async function main(): Promise<void> {
  const options = { endpoint: 'abc-ats.iot.us-east-1.amazonaws.com', clientId: 'x', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };
  const viaWs = await PlainClient.create({ ...options, WebSocket: WebSocketFromWs });
  const viaDom = await PlainClient.create({ ...options, WebSocket: globalThis.WebSocket });
  const ctor: WebSocketConstructor = WebSocket;
  console.log(viaWs.state, viaDom.state, ctor.name);

  const client = await IotClient.create(options);
  const controller = new AbortController();
  await client.connect({ signal: AbortSignal.timeout(5000) });
  const granted: 0 | 1 = await client.subscribe('a/b', { qos: 1, signal: controller.signal }, (m) => m.text());
  await client.publish('a/b', { granted }, { qos: 1, signal: controller.signal });
  for await (const m of client.messages(['a/#', 'b/#'], { qos: 1, signal: controller.signal, bufferSize: 10, overflow: 'drop_newest' })) {
    const msg: IotMessage = m;
    console.log(msg.topic);
    break;
  }
  try { await client.publish('a/b', 'x', { signal: AbortSignal.abort() }); } catch (e) {
    if (e instanceof IotError && e.code === 'aborted') console.log(e.cause);
  }

  const lamp = client.shadow<Lamp>('lamp-1');
  const doc = await lamp.get();
  const color: string | null | undefined = doc.state?.reported?.color;
  const on: string | null | undefined = doc.state?.desired?.schedule?.on;
  await lamp.update({ desired: { color: 'red', schedule: { on: '07:00' } } });
  await lamp.report({ brightness: null });
  await lamp.desire({ schedule: null });
  lamp.on('delta', ({ state, version }) => { const b: number | undefined = state.brightness; console.log(b, version); });
  lamp.on('documents', ({ current }) => console.log(current.state?.reported?.brightness));
  const mirror = lamp.state;
  if (mirror) { const off: string | undefined = mirror.desired.schedule?.off; console.log(off); }
  const untyped = client.shadow('other');
  await untyped.update({ desired: { anything: [1, 2] } });
  console.log(color, on);
  await client.close();
}
main();
`;

const BAD_CONVENTIONS = `import { IotClient } from 'iotlite/shadow';
interface Lamp { color: string; brightness: number }
async function f() {
  const c = await IotClient.create({ endpoint: 'x', clientId: 'y', WebSocket: Date });
  await c.publish('t', 'p', { signal: 'soon' });
  c.messages('a/#', { overflow: 'block' });
  const lamp = c.shadow<Lamp>('lamp');
  await lamp.update({ desired: { colour: 'red' } });
  await lamp.report({ brightness: 'high' });
  lamp.on('delta', ({ state }) => { const n: number | undefined = state.color; console.log(n); });
}
f();
`;

// "iotlite/durable" (durable.d.ts): the README's use, and misuse.
const GOOD_DURABLE = `import { IotClient, IotError } from 'iotlite';
import { DurableQueue, StoredPublish } from 'iotlite/durable';
async function main(): Promise<void> {
  const client = await IotClient.create({ endpoint: 'x', clientId: 'y', cognito: { identityPoolId: 'us-east-1:0' } });
  const q: DurableQueue = await DurableQueue.open(client, { name: 'y', maxMessages: 10, maxBytes: 4096, policy: 'reject' });
  const r: StoredPublish = await q.publish('a/b', { x: 1 }, { qos: 1, retain: false });
  const id: number = r.id;
  await r.sent;
  q.on('dropped', ({ error }) => { const e: IotError = error; console.log(e.code, e.rule, id); });
  q.on('sent', ({ topic }) => console.log(topic.length));
  for (const m of await q.messages()) console.log(m.payload.byteLength, m.qos, m.retain);
  q.close();
}
main();
`;

const BAD_DURABLE = `import { IotClient } from 'iotlite';
import { DurableQueue } from 'iotlite/durable';
async function f(c: IotClient) {
  await DurableQueue.open(c, { name: 'y', policy: 'lifo' });
  await DurableQueue.open(c, { maxBytes: 3 });
  await (await DurableQueue.open(c, { name: 'y' })).publish('t', 'p', { qos: 2 });
}
console.log(f);
`;

// "iotlite/mqtt5" (mqtt5.d.ts): MQTT.js's names for connect properties, publish properties,
// subscription options, received properties, reason codes and request(); and misuse.
const GOOD_MQTT5 = `import { IotClient, IotError, IotMessage, MessageProperties, UserProperties, init } from 'iotlite/mqtt5';
async function main(): Promise<void> {
  await init();
  const client = await IotClient.create({
    endpoint: 'x', clientId: 'y', cognito: { identityPoolId: 'us-east-1:0' }, protocolVersion: 5,
    properties: { sessionExpiryInterval: 3600, receiveMaximum: 10, topicAliasMaximum: 8, userProperties: { app: 'demo' } },
    requests: { responseTopic: 'replies/y', maxInFlight: 4, timeoutMs: 5000 },
    will: { topic: 'status/y', payload: 'gone', qos: 1, properties: { contentType: 'text/plain', willDelayInterval: 5, userProperties: { a: 'b' } } },
  });
  await client.connect();
  await client.subscribe('a/#', { qos: 1, nl: true, rap: false, rh: 1 }, (m: IotMessage) => {
    const p: MessageProperties | undefined = m.properties;
    const up: UserProperties | undefined = p && p.userProperties;
    const cd: Uint8Array | undefined = p?.correlationData;
    console.log(up, cd, p?.contentType, p?.messageExpiryInterval, p?.payloadFormatIndicator, p?.responseTopic);
  });
  await client.subscribe(['b/1', 'b/2'], { noLocal: true, retainAsPublished: true, retainHandling: 2 });
  await client.publish('a/b', 'x', { qos: 1, properties: { userProperties: { k: ['1', '2'] }, correlationData: 'id-1', responseTopic: 'r/1',
    contentType: 'text/plain', messageExpiryInterval: 60, payloadFormatIndicator: true } });
  const reply: IotMessage = await client.request('svc/echo', { q: 1 }, { timeoutMs: 1000, signal: AbortSignal.timeout(2000), qos: 0,
    properties: { contentType: 'application/json' } });
  console.log(reply.text(), client.responseTopic.length);
  try { await client.publish('$aws/x', 'x', { qos: 1 }); } catch (e) {
    if (e instanceof IotError) { const code: number | undefined = e.reasonCode; const reason: string | undefined = e.reason; console.log(code, reason); }
  }
  await client.close();
}
main();
`;

const BAD_MQTT5 = `import { IotClient } from 'iotlite/mqtt5';
async function f() {
  const c = await IotClient.create({ endpoint: 'x', clientId: 'y', cognito: { identityPoolId: 'u' }, protocolVersion: 3 });
  await c.subscribe('a', { rh: 3 });
  await c.publish('a', 'x', { properties: { payloadFormatIndicator: 1 } });
  await c.request('a', 'x', { properties: { correlationData: 'mine' } });
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
  writeFileSync(path.join(dir, 'good_conventions.ts'), GOOD_CONVENTIONS);
  writeFileSync(path.join(dir, 'bad_conventions.ts'), BAD_CONVENTIONS);
  writeFileSync(path.join(dir, 'good_durable.ts'), GOOD_DURABLE);
  writeFileSync(path.join(dir, 'bad_durable.ts'), BAD_DURABLE);
  writeFileSync(path.join(dir, 'good_mqtt5.ts'), GOOD_MQTT5);
  writeFileSync(path.join(dir, 'bad_mqtt5.ts'), BAD_MQTT5);
  // The ws package and its types (which need Node's), as a Node app that uses ws has them.
  mkdirSync(path.join(dir, 'node_modules/@types'));
  for (const dep of ['ws', '@types/ws', '@types/node', 'undici-types']) {
    symlinkSync(path.join(repoRoot, 'node_modules', dep), path.join(dir, 'node_modules', dep), 'dir');
  }
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
  assert.match(out, /bad\.ts\(9,\d+\): error TS2322: Type 'boolean' is not assignable to type 'string'/);
  assert.equal(out.match(/error TS/g).length, 5, out);
});

test('IndexDts_SignalsIterationWebSocketAndTypedShadow_TypeCheckUnderStrict', { timeout: 90000 }, async () => {
  const { code, out } = await runTsc('good_conventions.ts');
  assert.equal(code, 0, out);
});

test('IndexDts_SignalsIterationWebSocketAndTypedShadowMisuse_RejectedByTheCompiler', { timeout: 90000 }, async () => {
  const { code, out } = await runTsc('bad_conventions.ts');
  assert.notEqual(code, 0);
  const at = (line) => new RegExp(`bad_conventions\\.ts\\(${line},\\d+\\): error TS\\d+`);
  for (const line of [4, 5, 6, 8, 9, 10]) assert.match(out, at(line), out);
  assert.match(out, /'"block"' is not assignable/);
  assert.match(out, /'colour' does not exist in type/);
  assert.match(out, /Type 'string' is not assignable to type 'number'/);
  assert.equal(out.match(/error TS/g).length, 6, out);
});

test('DurableDts_ReadmeStyleApp_TypeChecksUnderStrict', { timeout: 90000 }, async () => {
  const { code, out } = await runTsc('good_durable.ts');
  assert.equal(code, 0, out);
});

test('DurableDts_Misuse_RejectedByTheCompiler', { timeout: 90000 }, async () => {
  const { code, out } = await runTsc('bad_durable.ts');
  assert.notEqual(code, 0);
  assert.match(out, /bad_durable\.ts\(4,\d+\): error TS2322: Type '"lifo"' is not assignable/);
  assert.match(out, /bad_durable\.ts\(5,\d+\): error TS2741: Property 'name' is missing/);
  assert.match(out, /bad_durable\.ts\(6,\d+\): error TS2322: Type '2' is not assignable to type '0 \| 1 \| undefined'/);
  assert.equal(out.match(/error TS/g).length, 3, out);
});

test('Mqtt5Dts_MqttJsNamesAndRequest_TypeCheckUnderStrict', { timeout: 90000 }, async () => {
  const { code, out } = await runTsc('good_mqtt5.ts');
  assert.equal(code, 0, out);
});

test('Mqtt5Dts_Misuse_RejectedByTheCompiler', { timeout: 90000 }, async () => {
  const { code, out } = await runTsc('bad_mqtt5.ts');
  assert.notEqual(code, 0);
  assert.match(out, /bad_mqtt5\.ts\(3,\d+\): error TS2322: Type '3' is not assignable to type '4 \| 5 \| undefined'/);
  assert.match(out, /bad_mqtt5\.ts\(4,\d+\): error TS2/);
  assert.match(out, /bad_mqtt5\.ts\(5,\d+\): error TS2322: Type 'number' is not assignable to type 'boolean/);
  assert.match(out, /bad_mqtt5\.ts\(6,\d+\): error TS2/);
  assert.equal(out.match(/error TS/g).length, 4, out);
});
