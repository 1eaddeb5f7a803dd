// Hostile values through the JS API (issue 11, item 3): every option is checked by create(), and
// every public call answers with an IotError (stable code, the broken rule named) through its
// documented channel — a rejected promise, or a throw for on() / shadow() — never a TypeError, a
// crash, a hang or a busy timer. Runs against the stand-in (static keys) where a connection matters.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { withStandin, standinOptions, packageDir, WebSocket, uniqueId, sleep } from './helpers.mjs';

let pkg;
let shadowPkg;
let standin;
let ep;

withStandin(async (s) => {
  ({ pkg, standin, ep } = s);
  shadowPkg = await import(pathToFileURL(path.join(packageDir, 'shadow.js')).href);
  await shadowPkg.init({ wasmBinary: readFileSync(path.join(packageDir, 'iotlite-shadow.wasm')) });
});

const base = (extra = {}) => standinOptions(ep, 'hostile', { reconnect: { minDelayMs: 1000, maxDelayMs: 2000 }, ...extra });

// Settles `p` within `ms` (a hang is a failure, not a timeout of the whole suite).
const settle = (p, ms = 3000) => Promise.race([p.then((v) => ({ value: v }), (e) => ({ error: e })),
  sleep(ms).then(() => ({ hung: true }))]);

async function expectIotError(p, code, rule, what) {
  const r = await settle(p);
  assert.ok(!r.hung, `${what}: no answer within 3 s`);
  assert.ok(r.error, `${what}: resolved instead of rejecting`);
  assert.ok(r.error instanceof pkg.IotError, `${what}: rejected with ${r.error && r.error.name}: ${r.error && r.error.message}`);
  assert.equal(r.error.code, code, `${what}: ${r.error.message}`);
  assert.match(r.error.message, rule, what);
}

// [what, options (merged into valid ones), the rule the message must name]
const BAD_OPTIONS = [
  ['connectTimeoutMs 0 (could never connect)', { connectTimeoutMs: 0 }, /connectTimeoutMs must be an integer in 1\.\.2147483647, not 0/],
  ['connectTimeoutMs negative', { connectTimeoutMs: -1 }, /connectTimeoutMs must be an integer in 1\.\.2147483647, not -1/],
  ['connectTimeoutMs 2^31 (setTimeout fires at once)', { connectTimeoutMs: 2 ** 31 }, /connectTimeoutMs .* not 2147483648/],
  ['connectTimeoutMs fractional', { connectTimeoutMs: 1.5 }, /connectTimeoutMs/],
  ['connectTimeoutMs NaN', { connectTimeoutMs: NaN }, /connectTimeoutMs .* not NaN/],
  ['connectTimeoutMs as text', { connectTimeoutMs: '1000' }, /connectTimeoutMs .* not string/],
  ['connectTimeoutMs BigInt', { connectTimeoutMs: 1000n }, /connectTimeoutMs .* not bigint/],
  ['offlineQueue.maxMessages -1 (silently disabled the queue)', { offlineQueue: { maxMessages: -1 } }, /offlineQueue\.maxMessages must be an integer in 0\.\./],
  ['offlineQueue.maxBytes fractional', { offlineQueue: { maxBytes: 0.5 } }, /offlineQueue\.maxBytes/],
  ['offlineQueue.policy an Object.prototype member', { offlineQueue: { policy: 'toString' } }, /offlineQueue\.policy must be one of drop_oldest, drop_newest, reject/],
  ['offlineQueue not an object', { offlineQueue: 'big' }, /offlineQueue must be of type object/],
  ['reconnect.minDelayMs negative', { reconnect: { minDelayMs: -5 } }, /reconnect\.minDelayMs/],
  ['reconnect.maxDelayMs Infinity', { reconnect: { maxDelayMs: Infinity } }, /reconnect\.maxDelayMs .* not Infinity/],
  ['reconnect as text', { reconnect: 'always' }, /reconnect must be of type object/],
  ['keepAliveSeconds as text', { keepAliveSeconds: '60' }, /keepAliveSeconds/],
  ['keepAliveSeconds over 65535', { keepAliveSeconds: 1e6 }, /keepAliveSeconds/],
  ['refreshBeforeExpiryMs negative', { refreshBeforeExpiryMs: -1 }, /refreshBeforeExpiryMs/],
  ['clockOffsetMs NaN', { clockOffsetMs: NaN }, /clockOffsetMs/],
  ['cleanSession as text', { cleanSession: 'no' }, /cleanSession must be of type boolean/],
  ['clientId a number', { clientId: 42 }, /clientId must be of type string, not 42/],
  ['WebSocket not a constructor', { WebSocket: 'ws' }, /WebSocket must be of type function/],
  ['garbage region', { region: 'us-east-1; drop' }, /region 'us-east-1; drop' is not an AWS region name such as us-east-1/],
  ['upper-case region', { region: 'US-EAST-1' }, /region 'US-EAST-1' is not an AWS region name/],
  ['credentials and cognito at once', { cognito: { identityPoolId: 'us-east-1:x' } }, /exactly one of credentials, cognito, credentialsProvider, customAuthorizer is required \(credentials, cognito given\)/],
  ['credentials and a customAuthorizer at once', { customAuthorizer: { name: 'a' } }, /exactly one of .* \(credentials, customAuthorizer given\)/],
  ['credentials as text', { credentials: 'AKIDEXAMPLE:secret' }, /credentials must be of type object, not string/],
  ['a numeric session token', { credentials: { accessKeyId: 'AKID', secretAccessKey: 's', sessionToken: 5 } }, /credentials: .*a string sessionToken/],
  ['an invalid credentials expiration', { credentials: { accessKeyId: 'AKID', secretAccessKey: 's', expiration: 'soon' } }, /credentials: .*a finite expiration/],
  ['cognito pool id a number', { credentials: undefined, cognito: { identityPoolId: 5 } }, /cognito\.identityPoolId must be of type string/],
  ['credentialsProvider not a function', { credentials: undefined, credentialsProvider: {} }, /credentialsProvider must be of type function/],
];

test('Create_EachHostileOption_RejectsWithInvalidArgumentNamingTheOption', async () => {
  for (const [what, extra, rule] of BAD_OPTIONS) {
    const p = pkg.IotClient.create(base(extra));
    p.then((c) => clients.push(c), () => {});
    await expectIotError(p, 'invalid_argument', rule, what);
  }
  for (const options of [null, 5, 'endpoint', Symbol('x')]) {
    await expectIotError(pkg.IotClient.create(options), 'invalid_argument', /options must be an object/, `create(${typeof options})`);
  }
  // The message never prints an option's value unless it is a number or a region.
  await expectIotError(pkg.IotClient.create(base({ credentials: 'wJalrXUtnFEMI-SECRET' })), 'invalid_argument', /^(?!.*wJalr)/, 'secret in the message');
  // Valid options still create a client (reconnect: false, a null option = its default).
  const ok = await pkg.IotClient.create(base({ reconnect: false, keepAliveSeconds: null, region: 'us-gov-west-1' }));
  await ok.close();
});

const clients = [];
after(async () => { for (const c of clients) await c.close(); });

test('Publish_64MiBPayload_RefusedByCoresRuleBeforeItIsCopiedIntoTheEngine', async () => {
  // The engine's memory only grows: a payload copied into it before the refusal would cost the
  // page its size for good. The oracle is the process's resident memory around the call.
  const client = await pkg.IotClient.create(base());
  clients.push(client);
  const big = new Uint8Array(64 * 1024 * 1024).fill(7);  // resident before the baseline
  const rss = process.memoryUsage().rss;
  await assert.rejects(client.publish('a/b', big, { qos: 1 }), (e) => e instanceof pkg.IotError && e.code === 'limit_exceeded'
    && e.message === 'payload has 67108864 bytes; AWS IoT allows 131072 (128 KB)' && e.rule === 'payload.bytes' && e.limit === 131072);
  const grown = process.memoryUsage().rss - rss;
  assert.ok(grown < 16 * 1024 * 1024, `resident memory grew by ${grown} bytes`);
  // Within the limit, the same call is accepted (queued: the client is not connected).
  client.publish('a/b', big.subarray(0, 131072), { qos: 1 }).catch(() => {});
});

test('HugeStrings_20MCharacterTopicAndFilter_RefusedWithoutGrowingTheEngine', async () => {
  // No argument the engine can take comes near 1 MiB: a larger one is refused by the module before
  // anything is copied (its memory never shrinks). The oracle is the process's resident memory.
  const client = await pkg.IotClient.create(base());
  clients.push(client);
  const huge = 'a/'.repeat(10_000_000);
  const rss = process.memoryUsage().rss;
  const tooLarge = (e) => e instanceof pkg.IotError && e.code === 'limit_exceeded' && e.rule === 'call.bytes' && e.limit === 1048576
    && e.message === 'argument too large (a call takes at most 1 MiB)';
  await assert.rejects(client.publish(huge, 'x'), tooLarge);
  await assert.rejects(client.subscribe(huge), tooLarge);
  assert.ok(tooLarge(pkg.topicFilterError(huge)));
  assert.equal(pkg.topicMatches('a/#', huge), false);
  const grown = process.memoryUsage().rss - rss;
  assert.ok(grown < 16 * 1024 * 1024, `resident memory grew by ${grown} bytes`);
  // Core's own rule still names what is wrong with a long topic under the bound.
  await assert.rejects(client.publish('t'.repeat(1000), 'x'), (e) => e.rule === 'topic.bytes' && e.actual === 1000);
});

test('Publish_HostilePayloadsAndQos_RejectWithIotErrorAndSendNothing', async () => {
  const client = await pkg.IotClient.create(base());
  clients.push(client);
  await client.connect();
  const topic = `iotlite/wasm/${uniqueId('hostile')}`;
  const received = [];
  await client.subscribe(topic, { qos: 1 }, (m) => received.push(m));
  const circular = { a: 1 };
  circular.self = circular;
  const payloads = [['circular', circular], ['BigInt', 10n], ['object holding a BigInt', { n: 1n }], ['function', () => 1],
    ['Symbol', Symbol('s')], ['throwing toJSON', { toJSON() { throw new Error('no'); } }]];
  for (const [what, payload] of payloads) {
    await expectIotError(client.publish(topic, payload), 'invalid_argument', /the payload must be JSON-serialisable, not/, `payload: ${what}`);
  }
  for (const qos of [257, -1, 1.5, '1', 1n, true]) {
    await expectIotError(client.publish(topic, 'x', { qos }), 'invalid_argument', /qos must be 0 or 1 \(AWS IoT\)/, `qos ${String(qos)}`);
    await expectIotError(client.subscribe(`${topic}/q`, { qos }), 'invalid_argument', /qos must be 0 or 1/, `subscribe qos ${String(qos)}`);
  }
  await expectIotError(client.publish(topic, 'x', { qos: 2 }), 'invalid_argument', /QoS 2 requested; AWS IoT supports QoS 0 and 1 only/, 'qos 2 (the engine\'s rule)');
  // Nothing of the above reached the broker; a valid publish still does.
  await client.publish(topic, 'valid', { qos: 1 });
  await sleep(300);
  assert.deepEqual(received.map((m) => m.text()), ['valid']);
  assert.equal(received[0].qos, 1);
  await client.close();
});

test('Subscribe_NonFunctionHandler_RejectsInsteadOfCrashingAtTheFirstMessage', async () => {
  const client = await pkg.IotClient.create(base());
  clients.push(client);
  await client.connect();
  const topic = `iotlite/wasm/${uniqueId('handler')}`;
  for (const handler of [42, 'print', {}, Symbol('h')]) {
    await expectIotError(client.subscribe(topic, { qos: 0 }, handler), 'invalid_argument', /the handler must be a function/, `handler ${typeof handler}`);
  }
  // Had one of them been accepted, this message would throw a TypeError out of the event loop.
  await client.publish(topic, 'first message', { qos: 1 });
  await sleep(300);
  // on() is documented to throw (synchronously) for a listener that is not a function.
  assert.throws(() => client.on('message', 42), (e) => e instanceof pkg.IotError && e.code === 'invalid_argument' && /listener must be a function/.test(e.message));
  await client.close();
  // After close(): connect() rejects (it does not throw).
  let p;
  assert.doesNotThrow(() => { p = client.connect(); });
  await expectIotError(p, 'invalid_state', /closed/, 'connect after close');
});

test('ShadowUpdate_CircularOrBigIntState_ReturnsARejectedPromiseNotASyncThrow', async () => {
  const client = await shadowPkg.IotClient.create(base());
  clients.push(client);
  const lamp = client.shadow('hostile-lamp');
  const circular = {};
  circular.self = circular;
  const calls = [
    ['update(circular)', () => lamp.update({ desired: circular }), /the shadow state must be JSON-serialisable/],
    ['update(BigInt)', () => lamp.update({ desired: { n: 1n } }), /the shadow state must be JSON-serialisable/],
    ['update(function)', () => lamp.update(() => 1), /the shadow state must be JSON-serialisable/],
    ['get(options 5)', () => lamp.get(5), /options must be an object/],
    ['update timeoutMs -1', () => lamp.update({ desired: {} }, { timeoutMs: -1 }), /timeoutMs must be an integer/],
    ['update timeoutMs 2^31', () => lamp.update({ desired: {} }, { timeoutMs: 2 ** 31 }), /timeoutMs must be an integer/],
    ['update clientToken 5', () => lamp.update({ desired: {} }, { clientToken: 5 }), /clientToken must be a string/],
    ['update version "3"', () => lamp.update({ desired: {} }, { version: '3' }), /version must be a non-negative integer/],
    ['watch(Symbol)', () => lamp.watch(Symbol('s')), /stream must be "delta" or "documents"/],
  ];
  for (const [what, call, rule] of calls) {
    let p;
    assert.doesNotThrow(() => { p = call(); }, `${what} threw synchronously`);
    const r = await settle(p);
    assert.ok(r.error instanceof shadowPkg.IotError, `${what}: ${r.hung ? 'hung' : r.error ? `${r.error.name}: ${r.error.message}` : 'resolved'}`);
    assert.ok(['invalid_argument', 'limit_exceeded'].includes(r.error.code), `${what}: ${r.error.code}`);
    assert.match(r.error.message, rule, what);
  }
  assert.throws(() => lamp.on('delta', 'x'), (e) => e instanceof shadowPkg.IotError && e.code === 'invalid_argument');
  await client.close();
});
