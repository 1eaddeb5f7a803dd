// The wasm package under faults the stand-in injects: credentials that live 10 s, a wrong
// secret, a server clock 20 minutes ahead. An independent MQTT.js subscriber on the broker's own
// TCP port is the oracle for "no QoS 1 message lost".
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { withStandin, WebSocket, uniqueId, once, waitFor, sleep } from './helpers.mjs';

let pkg;
let standin;
let ep;

withStandin((s) => ({ pkg, standin, ep } = s));

afterEach(async () => {
  await standin.controls.reset();
});

// A WebSocket class that counts the connections the client opens (each is one connect attempt).
function countingWebSocket() {
  const C = class extends WebSocket {
    constructor(...args) {
      super(...args);
      C.opened += 1;
      C.times.push(Date.now());
    }
  };
  C.opened = 0;
  C.times = [];
  return C;
}

function countingFetch() {
  const calls = [];
  const f = (url, init) => {
    calls.push(init.headers['X-Amz-Target'].split('.').pop());
    f.times.push(Date.now());
    return fetch(url, init);
  };
  f.calls = calls;
  f.times = [];
  return f;
}

const cognitoOptions = (extra = {}) => ({
  endpoint: ep.wsUrl,
  region: ep.region,
  clientId: uniqueId('cognito'),
  cognito: { identityPoolId: ep.identityPools.unauthenticated, endpoint: ep.cognitoUrl },
  WebSocket,
  reconnect: { minDelayMs: 200, maxDelayMs: 2000 },
  ...extra,
});

test('IotClient_CredentialsLiving10s_RefreshedAndReconnectedWithNoQoS1Loss', { timeout: 60000 }, async () => {
  standin.controls.setCredentialLifetime(10);
  const topic = `iotlite/wasm/${uniqueId('refresh')}`;
  const oracle = mqtt.connect(`mqtt://127.0.0.1:${ep.brokerTcpPort}`, { clientId: uniqueId('oracle'), reconnectPeriod: 0 });
  const seen = new Set();
  oracle.on('message', (_t, payload) => seen.add(Number(payload.toString())));
  await new Promise((resolve, reject) => { oracle.once('connect', resolve); oracle.once('error', reject); });
  await oracle.subscribeAsync(topic, { qos: 1 });

  const f = countingFetch();
  const WS = countingWebSocket();
  const client = await pkg.IotClient.create(cognitoOptions({ fetch: f, WebSocket: WS, offlineQueue: { maxMessages: 1000 } }));
  const errors = [];
  let connects = 0;
  client.on('error', (e) => errors.push(e));
  client.on('connect', () => { connects += 1; });
  // The client also renews its connection ahead of the credentials' expiry (lifecycle.test.mjs).
  let renewals = 0;
  client.on('disconnect', ({ error }) => { if (/renewing the connection/.test(error.message)) renewals += 1; });
  await client.connect();
  const t0 = Date.now();

  // Publish every 50 ms for 14 s. After the first credentials expired (t0 + 10 s), drop the
  // connection: the reconnect must be signed with the refreshed credentials (the expired ones
  // would get 403 ExpiredToken).
  const publishes = [];
  let n = 0;
  let dropped = false;
  while (Date.now() - t0 < 14000) {
    publishes.push(client.publish(topic, String(n++), { qos: 1 }));
    if (!dropped && Date.now() - t0 > 11000) {
      dropped = true;
      standin.controls.dropConnections();
    }
    await sleep(50);
  }
  await Promise.all(publishes);
  await waitFor(() => seen.size === n, 10000, `the oracle to see ${n} messages (saw ${seen.size})`);
  for (let i = 0; i < n; i++) assert.ok(seen.has(i), `message ${i} reached the broker`);

  // Refreshed ahead of expiry (10 % of 10 s before), not only when the reconnect needed them.
  const refreshes = f.times.filter((_, i) => f.calls[i] === 'GetCredentialsForIdentity');
  assert.ok(refreshes.length >= 2, `credentials refreshed: ${f.calls}`);
  assert.ok(refreshes[1] - t0 < 10000, `second credentials fetched ${refreshes[1] - t0} ms after connecting`);
  assert.equal(connects - renewals, 2, 'one reconnect after the drop (besides renewals)');
  assert.deepEqual(errors.filter((e) => e.code === 'auth_failed'), [], 'no attempt was refused');
  await client.close();
  await oracle.endAsync();
});

test('IotClient_CredentialsRevokedEarly_403DropsTheCacheAndTheNextAttemptFetchesNewOnes', { timeout: 30000 }, async () => {
  const f = countingFetch();
  const client = await pkg.IotClient.create(cognitoOptions({ fetch: f }));
  const errors = [];
  client.on('error', (e) => errors.push(e));
  await client.connect();
  standin.controls.expireCredentials();  // still valid by our clock, rejected by the server's
  standin.controls.dropConnections();
  await once(client, 'connect', 15000);
  assert.deepEqual(errors.map((e) => e.code), ['auth_failed'], 'exactly one refused attempt');
  assert.match(errors.at(-1).message, /HTTP 403.*ExpiredToken/);
  assert.deepEqual(f.calls, ['GetId', 'GetCredentialsForIdentity', 'GetCredentialsForIdentity']);
  await client.close();
});

test('IotClient_WrongSecret_ClearAuthErrorAndBackoffNotAStorm', { timeout: 30000 }, async () => {
  const WS = countingWebSocket();
  const client = await pkg.IotClient.create({
    endpoint: ep.wsUrl, region: ep.region, clientId: uniqueId('wrong'), WebSocket: WS,
    credentials: { accessKeyId: ep.testCredentials.accessKeyId, secretAccessKey: 'not-the-secret' },
    reconnect: { minDelayMs: 100, maxDelayMs: 1600 },
  });
  const errors = [];
  const delays = [];
  client.on('error', (e) => errors.push(e));
  client.on('reconnecting', (r) => delays.push(r.delayMs));
  await assert.rejects(client.connect(), (e) => {
    assert.equal(e.code, 'auth_failed');
    assert.match(e.message, /HTTP 403/);
    assert.match(e.message, /SignatureDoesNotMatch|signature/i);
    assert.doesNotMatch(e.message, /not-the-secret/);
    return true;
  });
  await sleep(4000);
  const attempts = WS.opened;
  await client.close();
  // Backoff from 100 ms doubling to 1.6 s, but never two attempts within the engine's 1 s floor
  // (AWS allows 1 CONNECT per second per client id): 3 to 5 attempts in ~4 s; a storm is hundreds.
  assert.ok(attempts >= 3 && attempts <= 6, `${attempts} attempts in ~4 s`);
  for (let i = 1; i < WS.times.length; i++) {
    assert.ok(WS.times[i] - WS.times[i - 1] >= 950, `attempt ${i} came ${WS.times[i] - WS.times[i - 1]} ms after the previous`);
  }
  assert.ok(delays.length >= attempts - 1);
  assert.ok(delays.every((d) => d >= 100 && d <= 1600), `delays ${delays}`);
  assert.ok(errors.length >= attempts - 1 && errors.every((e) => e.code === 'auth_failed'), errors.map((e) => e.code).join());
});

test('IotClient_ServerClock20MinAhead_ConfiguredOffsetConnectsAtOnce', { timeout: 30000 }, async () => {
  const skew = 20 * 60 * 1000;
  standin.controls.setClockSkew(skew);
  const WS = countingWebSocket();
  const client = await pkg.IotClient.create({
    endpoint: ep.wsUrl, region: ep.region, clientId: uniqueId('skew'), WebSocket: WS,
    credentials: ep.testCredentials, clockOffsetMs: skew,
  });
  await client.connect();
  assert.equal(WS.opened, 1);
  await client.close();

  // Without the offset the same client is refused (the stand-in really enforces the window).
  const WS2 = countingWebSocket();
  const unsynced = await pkg.IotClient.create({
    endpoint: ep.wsUrl, region: ep.region, clientId: uniqueId('skew'), WebSocket: WS2,
    credentials: ep.testCredentials, reconnect: false,
  });
  await assert.rejects(unsynced.connect(), (e) => e.code === 'auth_failed' && /HTTP 403/.test(e.message));
  await unsynced.close();
});

test('IotClient_ServerClock20MinAhead_OffsetLearntFrom403DateThenConnects', { timeout: 30000 }, async () => {
  const skew = 20 * 60 * 1000;
  standin.controls.setClockSkew(skew);
  const WS = countingWebSocket();
  const client = await pkg.IotClient.create({
    endpoint: ep.wsUrl, region: ep.region, clientId: uniqueId('skew'), WebSocket: WS,
    credentials: ep.testCredentials, reconnect: { minDelayMs: 100, maxDelayMs: 400 },
  });
  const connected = once(client, 'connect', 10000);
  await assert.rejects(client.connect(), (e) => e.code === 'auth_failed');
  await connected;
  assert.equal(WS.opened, 2, 'refused once, then accepted');
  assert.ok(Math.abs(client.clockOffsetMs - skew) < 2000, `learnt offset ${client.clockOffsetMs}`);
  await client.close();
});

test('IotClient_ServerClock20MinAhead_OffsetLearntFromCognitoDateBeforeSigning', { timeout: 30000 }, async () => {
  const skew = 20 * 60 * 1000;
  standin.controls.setClockSkew(skew);
  const WS = countingWebSocket();
  const client = await pkg.IotClient.create(cognitoOptions({ WebSocket: WS }));
  await client.connect();
  assert.equal(WS.opened, 1, 'the first attempt was signed with the corrected clock');
  assert.ok(Math.abs(client.clockOffsetMs - skew) < 2000, `learnt offset ${client.clockOffsetMs}`);
  await client.close();
});
