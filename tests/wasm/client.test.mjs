// The wasm package in Node against the local stand-in: static keys, Cognito (unauthenticated and
// with logins), validation errors from the C++ core, and 1,000 QoS 1 messages round-tripping.
// The stand-in's gateway checks every presigned URL with @smithy/signature-v4 (not our signer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { withStandin, standinOptions, startStandin, WebSocket, uniqueId, once, waitFor, repoRoot, sleep, packageDir } from './helpers.mjs';

let pkg;
let standin;
let ep;

withStandin((s) => ({ pkg, standin, ep } = s));

const staticOptions = (extra = {}) => standinOptions(ep, 'static', { reconnect: { minDelayMs: 200, maxDelayMs: 2000 }, ...extra });

// Counts Cognito operations by X-Amz-Target while delegating to the real fetch.
function countingFetch() {
  const calls = [];
  const f = (url, init) => {
    calls.push(init.headers['X-Amz-Target'].split('.').pop());
    return fetch(url, init);
  };
  f.calls = calls;
  return f;
}

async function roundTrip(client, topic, text) {
  const got = new Promise((resolve) => {
    client.subscribe(topic, { qos: 1 }, (m) => resolve(m)).then((granted) => assert.equal(granted, 1));
  });
  // The SUBACK precedes the PUBLISH on the same connection, so the broker has the subscription.
  await new Promise((r) => setTimeout(r, 0));
  await waitFor(() => client.state === 'connected', 5000, 'connected');
  await client.publish(topic, text, { qos: 1 });
  const m = await Promise.race([got, new Promise((_, rej) => setTimeout(() => rej(new Error(`no message on ${topic}`)), 5000))]);
  assert.equal(m.topic, topic);
  assert.equal(m.text(), text);
  assert.equal(m.qos, 1);
}

test('ErrorCodes_MatchResultHpp_SameOrderAsErrc', () => {
  const header = readFileSync(path.join(repoRoot, 'base/include/iotlite/result.hpp'), 'utf8');
  const body = header.slice(header.indexOf('enum class Errc {'), header.indexOf('};', header.indexOf('enum class Errc {')));
  const names = [...body.matchAll(/^\s+([a-z_]+)\s*(?:=\s*0)?,/gm)].map((m) => m[1]);
  assert.ok(names.length >= 18, `parsed ${names.length} Errc values from result.hpp`);
  assert.deepEqual(pkg.ERROR_CODES, names);
});

// A burst of 14 QoS 1 publishes of 100-126 KB (1.6 MB) made at once. Two things must hold:
// - The stand-in's gateway, like any WebSocket server, refuses a message over its bound (512 KB)
//   with 1009. Sent as one WebSocket message, the burst was refused at every reconnect, forever;
//   the client now sends at most 16 KiB per message (core's mqtt::max_websocket_message_bytes).
// - The engine keeps each publish until its PUBACK, so the wasm heap grows past the 1 MiB it
//   starts with (this test runs early in the file for that). Growing detaches the old buffer, and
//   the package renews its views of the heap when they read as empty.
// Every message must reach both of its subscriptions whole, with its bytes, qos and topic.
test('IotClient_BurstOverTheGatewayBound_SentInBoundedMessagesArrivesWholeWhileTheHeapGrows', async () => {
  const { loadEngine } = await import(pathToFileURL(path.join(packageDir, 'engine.js')).href);
  const { EXPORT_MEMORY } = await import(pathToFileURL(path.join(packageDir, 'wasm-names.js')).href);
  const memory = (await loadEngine()).exports[EXPORT_MEMORY];
  const messageSizes = [];
  class RecordingWebSocket extends WebSocket {
    send(data, ...rest) {
      messageSizes.push(data.byteLength);
      return super.send(data, ...rest);
    }
  }
  const client = await pkg.IotClient.create(staticOptions({ WebSocket: RecordingWebSocket }));
  const drops = [];
  client.on('disconnect', ({ error }) => drops.push(error.message));
  await client.connect();
  const topic = `iotlite/wasm/grow/${uniqueId('m')}`;
  const exact = [];
  const wildcard = [];
  await client.subscribe(topic, { qos: 1 }, (m) => exact.push(m));
  await client.subscribe('iotlite/wasm/grow/+', { qos: 1 }, (m) => wildcard.push(m));
  const before = memory.buffer.byteLength;
  // Message i: its index in the first byte, then bytes of a pattern of its own.
  const payloads = Array.from({ length: 14 }, (_, i) => Uint8Array.from({ length: 100000 + i * 2000 }, (_, k) => (k ? (k * (i + 7)) & 0xff : i)));
  const acknowledged = Promise.all(payloads.map((p) => client.publish(topic, p, { qos: 1 })));
  // The broker may deliver a message once per matching subscription (MQTT 3.1.1, 3.3.5), and the
  // client hands each copy to both handlers: every copy is checked, and every index must come.
  const indices = (got) => new Set(got.map((m) => m.payload[0]));
  const complete = () => indices(exact).size === payloads.length && indices(wildcard).size === payloads.length;
  try {
    await waitFor(() => drops.length > 0 || complete(), 20000, 'every message on both subscriptions');
    assert.deepEqual(drops, [], 'no connection was lost');
    await acknowledged;
    assert.ok(Math.max(...messageSizes) <= 16 * 1024, `largest WebSocket message ${Math.max(...messageSizes)} bytes`);
    assert.ok(memory.buffer.byteLength > before, `the heap grew (${before} -> ${memory.buffer.byteLength} bytes)`);
    for (const m of [...exact, ...wildcard]) {
      const i = m.payload[0];
      assert.equal(m.topic, topic);
      assert.equal(m.qos, 1);
      assert.deepEqual(m.payload, payloads[i], `message ${i}`);
    }
  } finally {
    acknowledged.catch(() => {});  // rejected with "closed" by close() when the test failed
    await client.close();
  }
});

test('IotClient_StaticKeys_ConnectsSubscribesAndReceivesItsQoS1Publish', async () => {
  const client = await pkg.IotClient.create(staticOptions());
  const connected = once(client, 'connect');
  await client.connect();
  assert.equal((await connected).sessionPresent, false);
  assert.equal(client.state, 'connected');
  await roundTrip(client, `iotlite/wasm/${uniqueId('t')}`, 'hello from wasm');
  await client.close();
  assert.equal(client.state, 'closed');
});

test('IotClient_StateChange_EachChangeOnceInOrderEndingConnectedThenClosed', async () => {
  const client = await pkg.IotClient.create(staticOptions());
  const seen = [];
  client.on('statechange', (x) => seen.push(x));
  await client.connect();
  await waitFor(() => seen.length > 0 && seen[seen.length - 1].state === 'connected', 5000, 'statechange to connected');
  await client.close();
  assert.equal(seen[0].previous, 'idle');
  for (let i = 0; i < seen.length; i++) {
    assert.notEqual(seen[i].state, seen[i].previous, 'a change to the same state');
    if (i > 0) assert.equal(seen[i].previous, seen[i - 1].state, 'each change starts where the last ended');
  }
  assert.deepEqual(seen[seen.length - 1], { state: 'closed', previous: 'connected' });
  assert.equal(client.state, 'closed');
});

test('IotClient_Once_NextEventOnlyAndOffRemovesItFirst', async () => {
  const client = await pkg.IotClient.create(staticOptions());
  const onceCalls = [];
  const removed = [];
  const dropped = (x) => removed.push(x);
  client.once('statechange', (x) => onceCalls.push(x));
  client.once('statechange', dropped);
  client.off('statechange', dropped);
  await client.connect();
  await client.close();
  assert.equal(onceCalls.length, 1, 'a once listener runs for one event');
  assert.equal(onceCalls[0].previous, 'idle');
  assert.equal(removed.length, 0, 'off() removes a once listener');
  assert.throws(() => client.once('connect', 'not a function'), (e) => e instanceof pkg.IotError && e.code === 'invalid_argument');
});

test('IotClient_Will_PublishedWhenTheConnectionDropsWithoutDisconnect', async () => {
  const topic = `iotlite/wasm/${uniqueId('will')}`;
  const watcher = await pkg.IotClient.create(staticOptions());
  await watcher.connect();
  const got = [];
  await watcher.subscribe(topic, { qos: 1 }, (m) => got.push(m));
  // The WebSocket of the client with a Will, kept so the test can cut it without a DISCONNECT.
  const sockets = [];
  class KeptWebSocket extends WebSocket {
    constructor(...args) { super(...args); sockets.push(this); }
  }
  const dying = await pkg.IotClient.create(staticOptions({
    WebSocket: KeptWebSocket, reconnect: false,
    will: { topic, payload: { status: 'offline' }, qos: 1, retain: false },
  }));
  await dying.connect();
  sockets[sockets.length - 1].terminate();  // TCP gone, no DISCONNECT: the broker publishes the Will
  await waitFor(() => got.length === 1, 10000, 'the Will');
  assert.deepEqual(got[0].json(), { status: 'offline' });
  assert.equal(got[0].qos, 1);
  await dying.close();
  await watcher.close();
});

test('IotClient_WillBrokenRules_CreateRejectsNamingTheRule', async () => {
  const reject = async (will) => {
    try {
      await pkg.IotClient.create(staticOptions({ will }));
    } catch (e) {
      assert.ok(e instanceof pkg.IotError, String(e));
      return e;
    }
    return assert.fail(`create() accepted the Will ${JSON.stringify(will)}`);
  };
  const levels = await reject({ topic: 'a/b/c/d/e/f/g/h/i', payload: 'x' });
  assert.equal(levels.code, 'limit_exceeded');
  assert.match(levels.message, /will/i);
  assert.equal(levels.rule, 'topic.levels');
  const wildcard = await reject({ topic: 'a/+', payload: 'x' });
  assert.equal(wildcard.code, 'invalid_topic');
  const qos2 = await reject({ topic: 'a/b', qos: 2 });
  assert.match(qos2.message, /QoS 2/);
  const notString = await reject({ topic: 7 });
  assert.equal(notString.code, 'invalid_argument');
  assert.match(notString.message, /will\.topic must be a string/);
});

test('IotClient_SubscribeArray_TenFiltersInBatchesOfEightEachDelivers', async () => {
  const client = await pkg.IotClient.create(staticOptions());
  await client.connect();
  const base = `iotlite/wasm/${uniqueId('many')}`;
  const filters = Array.from({ length: 10 }, (_, i) => `${base}/${i}`);
  const got = [];
  const granted = await client.subscribe(filters, { qos: 1 }, (m) => got.push(m.topic));
  assert.deepEqual(granted, Array(10).fill(1));
  for (const f of filters) await client.publish(f, 'x', { qos: 1 });
  await waitFor(() => got.length === 10, 5000, '10 messages');
  assert.deepEqual([...got].sort(), [...filters].sort());
  // Unsubscribing one filter of the batch keeps the handler for the others.
  await client.unsubscribe(filters[0]);
  await client.publish(filters[1], 'y', { qos: 1 });
  await waitFor(() => got.length === 11, 5000, 'a message after unsubscribing another filter');
  await client.close();
});

test('IotClient_SubscribeArray_OneBadFilterRejectsAndNothingStaysSubscribed', async () => {
  const client = await pkg.IotClient.create(staticOptions());
  await client.connect();
  const base = `iotlite/wasm/${uniqueId('allornot')}`;
  const good = Array.from({ length: 9 }, (_, i) => `${base}/${i}`);
  const got = [];
  client.on('message', (m) => got.push(m.topic));
  // The 10th filter (second batch) breaks AWS's 7 levels: the first batch is taken back.
  await assert.rejects(client.subscribe([...good, 'a/b/c/d/e/f/g/h/i'], { qos: 1 }), (e) => e.code === 'limit_exceeded' && e.rule === 'topic.levels');
  await assert.rejects(client.subscribe([]), (e) => e.code === 'invalid_argument');
  await assert.rejects(client.subscribe(['a/b', 7]), (e) => e.code === 'invalid_topic' && /a topic filter must be a string, not number/.test(e.message));
  // A control subscription proves the broker delivers; the taken-back filters get nothing.
  const control = `${base}/control`;
  await client.subscribe(control, { qos: 1 });
  for (const f of good.slice(0, 8)) await client.publish(f, 'x', { qos: 1 });
  await client.publish(control, 'c', { qos: 1 });
  await waitFor(() => got.includes(control), 5000, 'the control message');
  await sleep(200);
  assert.deepEqual(got, [control]);
  await client.close();
});

test('IotClient_UnsubscribeThenSubscribeAgainAtOnce_TheNewHandlerKeepsItsMessages', async () => {
  const client = await pkg.IotClient.create(staticOptions());
  await client.connect();
  const topic = `iotlite/wasm/${uniqueId('resub')}`;
  const old = [];
  const fresh = [];
  await client.subscribe(topic, { qos: 1 }, (m) => old.push(m.text()));
  // The UNSUBACK of the first call arrives after the second SUBSCRIBE was made: it ends the first
  // handler only.
  const unsubscribed = client.unsubscribe(topic);
  await client.subscribe(topic, { qos: 1 }, (m) => fresh.push(m.text()));
  await unsubscribed;
  await client.publish(topic, 'after', { qos: 1 });
  await waitFor(() => fresh.length === 1, 5000, 'the new handler gets the message');
  assert.deepEqual(fresh, ['after']);
  assert.deepEqual(old, []);
  await client.close();
});

test('IotClient_PayloadKinds_StringBytesAndObjectArriveAsSent', async () => {
  const client = await pkg.IotClient.create(staticOptions());
  await client.connect();
  const topic = `iotlite/wasm/${uniqueId('kinds')}`;
  const got = [];
  await client.subscribe(topic, { qos: 1 }, (m) => got.push(m));
  await client.publish(topic, 'text', { qos: 1 });
  await client.publish(topic, new Uint8Array([0, 1, 2, 255]), { qos: 1 });
  await client.publish(topic, { a: 1, b: [true, null] }, { qos: 1 });
  await waitFor(() => got.length === 3, 5000, '3 messages');
  assert.equal(got[0].text(), 'text');
  assert.deepEqual([...got[1].payload], [0, 1, 2, 255]);
  assert.deepEqual(got[2].json(), { a: 1, b: [true, null] });
  await client.close();
});

test('IotClient_CognitoUnauthenticated_GetsCredentialsCachesIdentityAndConnects', async () => {
  const storage = new Map();
  const store = { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v), removeItem: (k) => storage.delete(k) };
  const f1 = countingFetch();
  const cognito = { identityPoolId: ep.identityPools.unauthenticated, endpoint: ep.cognitoUrl, storage: store };
  const client = await pkg.IotClient.create({ ...staticOptions({ credentials: undefined, cognito, fetch: f1 }) });
  await client.connect();
  assert.deepEqual(f1.calls, ['GetId', 'GetCredentialsForIdentity']);
  const identityId = storage.get(`iotlite.cognito.${ep.identityPools.unauthenticated}`);
  assert.match(identityId, /^us-east-1:[0-9a-f-]{36}$/);
  await roundTrip(client, `iotlite/wasm/${uniqueId('cognito')}`, 'guest');
  await client.close();

  // A second page load with the same storage skips GetId.
  const f2 = countingFetch();
  const again = await pkg.IotClient.create({ ...staticOptions({ credentials: undefined, cognito, fetch: f2 }) });
  await again.connect();
  assert.deepEqual(f2.calls, ['GetCredentialsForIdentity']);
  await again.close();
});

test('IotClient_CognitoWithLogins_ConnectsAndAWrongTokenIsAnAuthError', async () => {
  const pools = ep.identityPools;
  const cognito = { identityPoolId: pools.authenticated, endpoint: ep.cognitoUrl, logins: { [pools.loginProvider]: pools.loginToken } };
  const client = await pkg.IotClient.create(staticOptions({ credentials: undefined, cognito }));
  const fetched = [];
  client.on('credentials', (c) => fetched.push(c));
  await client.connect();
  // The app learns the expiry and the identity from the package (not by re-reading Cognito's
  // answers), and nothing secret comes with them.
  assert.equal(fetched.length, 1);
  assert.deepEqual(Object.keys(fetched[0]).sort(), ['expiration', 'identityId']);
  assert.ok(fetched[0].expiration > Date.now() + 60_000, `expiration ${fetched[0].expiration}`);
  assert.match(fetched[0].identityId, /^[a-z]{2}-[a-z]+-\d:/);
  await roundTrip(client, `iotlite/wasm/${uniqueId('login')}`, 'signed in');
  await client.close();

  const bad = await pkg.IotClient.create(staticOptions({
    credentials: undefined, reconnect: false,
    cognito: { ...cognito, logins: async () => ({ [pools.loginProvider]: 'not-the-token' }) },
  }));
  await assert.rejects(bad.connect(), (e) => {
    assert.equal(e.code, 'auth_failed');
    assert.match(e.message, /Cognito GetId: NotAuthorizedException: Invalid login token/);
    // The cause survives the round trip through the engine as data, not only as text.
    assert.equal(e.service, 'cognito');
    assert.equal(e.cognitoType, 'NotAuthorizedException');
    assert.equal(e.status, 400);
    return true;
  });
  await bad.close();
});

test('IotClient_CredentialsProvider_CalledOnceWhileValidAndItsFailureIsAnAuthError', async () => {
  let calls = 0;
  const provider = async () => {
    calls += 1;
    return { ...ep.testCredentials, expiration: new Date(Date.now() + 3600 * 1000) };
  };
  const client = await pkg.IotClient.create(staticOptions({ credentials: undefined, credentialsProvider: provider }));
  await client.connect();
  standin.controls.dropConnections();  // a reconnect re-signs, with the cached credentials
  await once(client, 'connect', 10000);
  assert.equal(calls, 1);
  await client.close();

  const failing = await pkg.IotClient.create(staticOptions({
    credentials: undefined, reconnect: false, credentialsProvider: async () => { throw new Error('token service down'); },
  }));
  await assert.rejects(failing.connect(), (e) => e.code === 'auth_failed' && /credentialsProvider failed: token service down/.test(e.message));
  await failing.close();
});

test('IotClient_ConnackRefused_ErrorCarriesTheReturnCodeAsMqttReason', async () => {
  // A loopback WebSocket peer that answers every CONNECT with CONNACK return code 5 (not authorized).
  const { WebSocketServer } = await import('ws');
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'mqtt' });
  await new Promise((r) => server.once('listening', r));
  server.on('connection', (sock) => sock.once('message', () => sock.send(Uint8Array.of(0x20, 0x02, 0x00, 0x05))));
  const client = await pkg.IotClient.create({
    endpoint: `ws://127.0.0.1:${server.address().port}/mqtt`, clientId: uniqueId('refused'), WebSocket, reconnect: false,
    customAuthorizer: { name: 'probe', token: 't' },
  });
  await assert.rejects(client.connect(), (e) => {
    assert.ok(e instanceof pkg.IotError, 'an IotError');
    assert.equal(e.code, 'auth_failed', e.message);
    assert.equal(e.mqttReason, 5);
    assert.equal(e.rule, undefined);
    // Core's retry rule: an authorizer's token is the same on every retry.
    assert.equal(e.retryable, false);
    assert.equal(e.finalBecause, 'credentials_refused');
    return true;
  });
  await client.close();
  await new Promise((r) => server.close(r));
});

test('IotClient_CustomAuthorizer_ConnectsWithTheTokenInTheQuery', async () => {
  const ca = ep.customAuthorizer;
  const client = await pkg.IotClient.create({
    endpoint: ep.wsUrl, clientId: uniqueId('authz'), WebSocket,
    customAuthorizer: { name: ca.name, tokenKeyName: ca.tokenKeyName, token: ca.token },
  });
  await client.connect();
  await roundTrip(client, `iotlite/wasm/${uniqueId('authz')}`, 'authorized');
  await client.close();
});

test('IotClient_InvalidTopicsAndPayloads_RejectWithTheRuleNamed', async () => {
  const client = await pkg.IotClient.create(staticOptions());
  await client.connect();
  // cause: the rule as data (core's Error::rule / limit / actual across the wasm boundary).
  const expectError = async (promise, code, pattern, cause) => {
    await assert.rejects(promise, (e) => {
      assert.ok(e instanceof pkg.IotError, 'an IotError');
      assert.equal(e.code, code, e.message);
      assert.match(e.message, pattern);
      if (cause) assert.deepEqual({ rule: e.rule, limit: e.limit, actual: e.actual }, cause);
      return true;
    });
  };
  await expectError(client.publish('a/b/c/d/e/f/g/h/i', 'x'), 'limit_exceeded', /topic has 8 '\/' levels; AWS IoT allows 7/,
    { rule: 'topic.levels', limit: 7, actual: 8 });
  await expectError(client.publish(`t/${'x'.repeat(300)}`, 'x'), 'limit_exceeded', /topic has 302 bytes; AWS IoT allows 256/,
    { rule: 'topic.bytes', limit: 256, actual: 302 });
  await expectError(client.publish('a/+/b', 'x'), 'invalid_topic', /contains a wildcard/);
  await expectError(client.publish('', 'x'), 'invalid_topic', /topic is empty/);
  await expectError(client.subscribe('a/#/b', { qos: 0 }), 'invalid_topic', /'#' must be the last level/);
  await expectError(client.publish('ok/topic', new Uint8Array(128 * 1024 + 1)), 'limit_exceeded', /payload has 131073 bytes; AWS IoT allows 131072/,
    { rule: 'payload.bytes', limit: 131072, actual: 131073 });
  await expectError(client.publish('ok/topic', 'x', { qos: 2 }), 'invalid_argument', /QoS 2 requested; AWS IoT supports QoS 0 and 1 only/);
  await expectError(client.publish(undefined, 'x'), 'invalid_topic', /must be a string, not undefined/);
  // The connection survived every rejected call.
  await roundTrip(client, `iotlite/wasm/${uniqueId('valid')}`, 'still fine');
  await client.close();
  await expectError(client.publish('ok/topic', 'x'), 'invalid_state', /closed/);

  await assert.rejects(pkg.IotClient.create(staticOptions({ clientId: undefined })),
    (e) => e.code === 'invalid_argument' && /client id is empty; AWS IoT requires 1 to 128 bytes/.test(e.message));
  await assert.rejects(pkg.IotClient.create(staticOptions({ clientId: 'c'.repeat(129) })),
    (e) => e.code === 'limit_exceeded' && /client id has 129 bytes/.test(e.message));
  await assert.rejects(pkg.IotClient.create(staticOptions({ endpoint: 'iot.example.com', region: undefined })),
    (e) => e.code === 'invalid_argument' && /endpoint 'iot.example.com': the region cannot be inferred/.test(e.message));
  await assert.rejects(pkg.IotClient.create(staticOptions({ endpoint: 'https://x.iot.us-east-1.amazonaws.com' })),
    (e) => e.code === 'invalid_argument' && /scheme 'https:\/\/' is not supported/.test(e.message));
  await assert.rejects(pkg.IotClient.create(staticOptions({ credentials: undefined })),
    (e) => e.code === 'invalid_argument' && /one of credentials, cognito, credentialsProvider, customAuthorizer is required/.test(e.message));
  await assert.rejects(pkg.IotClient.create(staticOptions({ keepAliveSeconds: 5 })),
    (e) => e.code === 'limit_exceeded' && /keep-alive is 5 s; AWS IoT allows 30 to 1200 s/.test(e.message));
});

test('IotClient_SubscribeAndPublishBeforeConnect_QueuedThenDeliveredAfterConnack', async () => {
  const client = await pkg.IotClient.create(staticOptions());
  const topic = `iotlite/wasm/${uniqueId('early')}`;
  const got = new Promise((resolve) => { client.subscribe(topic, { qos: 1 }, (m) => resolve(m.text())); });
  const published = client.publish(topic, 'queued while offline', { qos: 1 });
  await client.connect();
  await published;
  assert.equal(await got, 'queued while offline');
  await client.close();
});

test('IotClient_OfflineQueueRejectPolicy_SecondPublishFailsNamingTheQueue', async () => {
  const client = await pkg.IotClient.create(staticOptions({ offlineQueue: { maxMessages: 1, policy: 'reject' } }));
  const first = client.publish('iotlite/wasm/q', 'one', { qos: 1 });
  await assert.rejects(client.publish('iotlite/wasm/q', 'two', { qos: 1 }),
    (e) => e.code === 'queue_full' && /offline queue is full \(1 messages/.test(e.message));
  await assert.rejects(pkg.IotClient.create(staticOptions({ offlineQueue: { policy: 'sometimes' } })),
    (e) => e.code === 'invalid_argument' && /offlineQueue.policy must be one of drop_oldest, drop_newest, reject/.test(e.message));
  await client.close();
  await assert.rejects(first, (e) => e.code === 'closed');
});

test('IotClient_1000QoS1Messages_AllRoundTripIntact', async (t) => {
  // A burst as fast as the engine goes: AWS discards what exceeds 100 publishes/s and 100
  // unacknowledged QoS 1 per connection, and the engine does not pace to those quotas yet, so this
  // test (about integrity, not pacing) gets a stand-in of its own with both quotas lifted.
  const burst = await startStandin({ awsRules: { publishesPerSecond: 1_000_000, inboundUnackedQos1: 1_000_000 } });
  t.after(() => burst.stop());
  const client = await pkg.IotClient.create(staticOptions({
    endpoint: burst.endpoints.wsUrl, offlineQueue: { maxMessages: 2000, maxBytes: 4 * 1024 * 1024 },
  }));
  await client.connect();
  const topic = `iotlite/wasm/${uniqueId('bulk')}`;
  const received = new Map();
  await client.subscribe(topic, { qos: 1 }, (m) => {
    const id = new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0);
    received.set(id, m.payload);
  });
  const sent = [];
  for (let i = 0; i < 1000; i++) {
    const p = new Uint8Array(16 + (i % 200));
    new DataView(p.buffer).setUint32(0, i);
    for (let j = 4; j < p.length; j++) p[j] = (i * 31 + j * 7) & 0xff;
    sent.push(p);
  }
  await Promise.all(sent.map((p) => client.publish(topic, p, { qos: 1 })));
  await waitFor(() => received.size === 1000, 20000, `1000 messages (have ${received.size})`);
  for (let i = 0; i < 1000; i++) assert.deepEqual(received.get(i), sent[i], `message ${i}`);
  await client.close();
});

// A client that closes by itself (reconnect: false, connection lost) holds no timer: a Node
// process that never calls close() still exits (it used to wait for the 23.5 h renewal timer).
test('IotClient_ClosedByItself_LeavesNoTimerBehind', async () => {
  const { spawn } = await import('node:child_process');
  const { pathToFileURL } = await import('node:url');
  const { packageDir } = await import('./helpers.mjs');
  const script = `
    const pkg = await import(${JSON.stringify(pathToFileURL(path.join(packageDir, 'node.js')).href)});
    const { default: WS } = await import('ws');
    const o = JSON.parse(process.env.IOTLITE_TEST_OPTIONS);
    let sock;
    class Kept extends WS { constructor(...a) { super(...a); sock = this; } }
    const c = await pkg.IotClient.create({ ...o, WebSocket: Kept, reconnect: false });
    c.on('disconnect', () => console.log('disconnected:', c.state));
    await c.connect();
    console.log('connected');
    sock.terminate();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, IOTLITE_TEST_OPTIONS: JSON.stringify({ endpoint: ep.wsUrl, region: ep.region, clientId: uniqueId('self'), credentials: ep.testCredentials }) },
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const code = await Promise.race([new Promise((r) => child.once('exit', (c) => r(c))), sleep(15000).then(() => 'still running')]);
  if (code === 'still running') child.kill('SIGKILL');
  assert.equal(code, 0, `the process should exit by itself: ${out}`);
  assert.match(out, /connected\ndisconnected: closed/);
});
