// Property-based tests (fast-check) of what the package reads: Cognito answers, the endpoint (core's parser),
// the options of create() and payload conversion. Whatever the input, the answer is a valid value
// or an IotError — never a TypeError, a crash or a hang. Fixed seed: a failure reproduces.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { loadPackage, packageDir, WebSocket } from './helpers.mjs';

let pkg;
let client;
let credentials;
let native;
before(async () => {
  pkg = await loadPackage();
  native = await pkg.init();  // loaded by loadPackage: the engine's bound exports
  client = await import(pathToFileURL(path.join(packageDir, 'client.js')).href);
  credentials = await import(pathToFileURL(path.join(packageDir, 'credentials.js')).href);
});

const SEED = 20261202;
const RUNS = { seed: SEED, numRuns: 400 };
const isIotError = (e) => e instanceof pkg.IotError && pkg.ERROR_CODES.includes(e.code) && typeof e.message === 'string';
const anything = fc.anything({ withBigInt: true, withDate: true, withTypedArray: true, withNullPrototype: true,
  withBoxedValues: true, withMap: true, withSet: true, withSparseArray: true });

// ---- Cognito answers ----

// A field that is usually right, sometimes of another type or shape.
const field = (good) => fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: fc.jsonValue() });
const credentialsAnswer = fc.record({
  IdentityId: field(fc.constant('us-east-1:0000-id')),
  Credentials: field(fc.record({
    AccessKeyId: field(fc.constantFrom('ASIAEXAMPLE', '')),
    SecretKey: field(fc.string({ minLength: 1, maxLength: 40 })),
    SessionToken: field(fc.string({ maxLength: 60 })),
    Expiration: fc.oneof(fc.integer({ min: 0, max: 4e9 }), fc.double(), fc.string(), fc.constant(null), fc.jsonValue()),
  }, { requiredKeys: [] })),
  __type: field(fc.constantFrom('NotAuthorizedException', 'ResourceNotFoundException', 'x#InternalErrorException')),
  message: fc.jsonValue(),
}, { requiredKeys: [] });
const body = fc.oneof(
  credentialsAnswer.map((j) => JSON.stringify(j)),
  fc.jsonValue().map((j) => JSON.stringify(j)),
  fc.string(),
  fc.constantFrom('', 'null', '[]', '"text"', '{', '{"Credentials":null}', '\u0000'));
const answer = fc.record({
  status: fc.constantFrom(200, 200, 200, 400, 403, 500, 0),
  getIdBody: body,
  credsBody: body,
  knownId: fc.boolean(),
  throwsIn: fc.constantFrom(null, null, null, 'fetch', 'text'),
});

test('Cognito_ArbitraryAnswers_ValidCredentialsOrIotErrorAndNoRefreshLoop', async () => {
  await fc.assert(fc.asyncProperty(answer, async (a) => {
    let calls = 0;
    const fetch = async (url, init) => {
      calls++;
      if (a.throwsIn === 'fetch') throw new TypeError('network down');
      const getId = init.headers['X-Amz-Target'].endsWith('GetId');
      return {
        ok: a.status >= 200 && a.status < 300, status: a.status, headers: { get: () => null },
        text: async () => { if (a.throwsIn === 'text') throw new TypeError('body stream broken'); return getId ? a.getIdBody : a.credsBody; },
      };
    };
    const now = Date.now();
    // What the source tells the application about fresh credentials: never a key or a token.
    const onCredentials = (info) => assert.deepEqual(Object.keys(info).sort(), ['expiration', 'identityId']);
    const source = credentials.createCredentialSource({ cognito: { identityPoolId: 'us-east-1:pool', identityId: a.knownId ? 'us-east-1:known' : undefined } },
      { fetch, wallNow: () => now, refreshAt: (e, at) => native.refreshAt(e, at, -1),
        cognitoErrc: (type, status) => native.cognitoErrc(type, status), learnServerDate() {}, onError() {}, onCredentials });
    try {
      const c = await source.get();
      assert.ok(typeof c.accessKeyId === 'string' && c.accessKeyId, 'accessKeyId');
      assert.ok(typeof c.secretAccessKey === 'string' && c.secretAccessKey, 'secretAccessKey');
      assert.ok(c.sessionToken === undefined || c.sessionToken === null || typeof c.sessionToken === 'string', 'sessionToken');
      assert.ok(c.expiration === undefined || Number.isFinite(c.expiration), `expiration ${c.expiration}`);
      const expiration = JSON.parse(a.credsBody).Credentials.Expiration;
      // Epoch seconds, kept in server time (the frame of ctx.wallNow()).
      if (typeof expiration === 'number') assert.equal(c.expiration, expiration * 1000);
      assert.equal(typeof c.identityId, 'string');
      // No refresh loop: nothing is fetched on its own, and valid credentials are cached (a second
      // get() fetches nothing). Credentials expired on arrival (a wrong clock) are not cached: the
      // next connect attempt, paced by the engine's backoff, fetches again.
      const before = calls;
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(calls, before, 'credentials fetched on their own');
      if (!(c.expiration <= now)) {
        await source.get();
        assert.equal(calls, before, 'credentials refetched at once');
      }
    } catch (e) {
      assert.ok(isIotError(e), `not an IotError: ${e && e.name}: ${e && e.message}`);
    } finally {
      source.stop();
    }
  }), RUNS);
});

// ---- Endpoint parsing ----

const endpointText = fc.oneof(
  fc.string(),
  fc.webUrl().map((u) => u.replace(/^https?/, 'wss')),
  fc.tuple(fc.constantFrom('', 'ws://', 'wss://', 'http://', 'WSS://', 'ws:/'), fc.domain(),
    fc.constantFrom('', ':443', ':0', ':99999', ':x'), fc.constantFrom('', '/', '/mqtt', '/mqtt?x=1', '/other', '#f'))
    .map((p) => p.join('')),
  anything);

// The endpoint goes to core's parse_endpoint + TargetBuilder (through the wasm boundary): a client
// whose endpoint is {secure, host, path: '/mqtt'}, or IotError invalid_argument.
test('CreateWithEndpoint_ArbitraryInput_ClientOrIotError', async () => {
  await fc.assert(fc.asyncProperty(endpointText, async (text) => {
    let c;
    try {
      c = await pkg.IotClient.create({ endpoint: text, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 's' }, WebSocket });
    } catch (e) {
      assert.ok(isIotError(e), `not an IotError: ${e && e.name}: ${e && e.message}`);
      assert.equal(e.code, 'invalid_argument');
      return;
    }
    const target = c.endpoint;
    await c.close();
    assert.equal(typeof text, 'string');
    assert.equal(typeof target.secure, 'boolean');
    assert.equal(target.secure, !/^ws:/i.test(text), `secure of ${text}`);
    assert.ok(typeof target.host === 'string' && target.host.length > 0 && target.host === target.host.toLowerCase(), `host of ${text}`);
    assert.ok(!target.host.includes('/'), `host of ${text}`);
    assert.equal(target.path, '/mqtt');
  }), { seed: SEED, numRuns: 2000 });
});

// ---- Options of create() ----

const optionValue = fc.oneof(anything, fc.integer(), fc.double(), fc.constantFrom(-1, 0, 1, 2 ** 31, 2 ** 31 - 1, 1e300, NaN, -Infinity),
  fc.constantFrom('us-east-1', 'US', '', 'drop_oldest'), fc.func(fc.anything()));
const OPTION_NAMES = ['region', 'clientId', 'credentials', 'cognito', 'credentialsProvider', 'customAuthorizer',
  'refreshBeforeExpiryMs', 'keepAliveSeconds', 'cleanSession', 'reconnect', 'offlineQueue', 'clockOffsetMs',
  'connectTimeoutMs', 'WebSocket', 'fetch'];
const hostileOptions = fc.record({
  overrides: fc.dictionary(fc.constantFrom(...OPTION_NAMES), optionValue, { maxKeys: 4 }),
  reconnect: fc.record({ minDelayMs: optionValue, maxDelayMs: optionValue }, { requiredKeys: [] }),
  offlineQueue: fc.record({ maxMessages: optionValue, maxBytes: optionValue, policy: optionValue }, { requiredKeys: [] }),
  nested: fc.boolean(),
});

test('Create_ArbitraryOptions_ClientOrIotError', async () => {
  await fc.assert(fc.asyncProperty(hostileOptions, async (h) => {
    const options = { endpoint: 'ws://127.0.0.1:1/mqtt', region: 'us-east-1', clientId: 'prop',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, WebSocket,
      ...(h.nested ? { reconnect: h.reconnect, offlineQueue: h.offlineQueue } : {}), ...h.overrides };
    let c;
    try {
      c = await pkg.IotClient.create(options);
    } catch (e) {
      assert.ok(isIotError(e), `not an IotError: ${e && e.name}: ${e && e.message}`);
      return;
    }
    assert.equal(c.state, 'idle');
    await c.close();
  }), { seed: SEED, numRuns: 1000 });
});

// ---- Payload conversion ----

const circular = () => { const o = { a: [1] }; o.a.push(o); return o; };
const payload = fc.oneof(anything, fc.string(), fc.uint8Array(), fc.func(fc.anything()), fc.constant(Symbol('s')),
  fc.constant(10n), fc.constant(null).map(circular), fc.jsonValue());

test('ToPayload_ArbitraryValues_BytesOrIotError', () => {
  const encoder = new TextEncoder();
  fc.assert(fc.property(payload, (value) => {
    let bytes;
    try {
      bytes = client.toPayload(value);
    } catch (e) {
      assert.ok(isIotError(e), `not an IotError: ${e && e.name}: ${e && e.message}`);
      assert.equal(e.code, 'invalid_argument');
      return;
    }
    assert.ok(bytes instanceof Uint8Array);
    if (typeof value === 'string') assert.deepEqual(bytes, encoder.encode(value));
    else if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer)) {
      assert.deepEqual(bytes, encoder.encode(JSON.stringify(value)));
    }
  }), { seed: SEED, numRuns: 2000 });
});
