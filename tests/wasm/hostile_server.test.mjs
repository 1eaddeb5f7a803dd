// Hostile and refusing servers (issue 11, items 6 and 7), in Node with `ws`:
//  - a refused upgrade's HTTP status reaches IotError.status as data through the engine (and the
//    server's answer .reason), for 401 / 500 from a loopback server and a 403 from the stand-in;
//  - one oversized frame is refused from its header (ws maxPayload, set from the engine's largest
//    inbound packet), reported as a protocol error naming the bound, and RSS stays bounded;
//  - core's retry verdict (IotError.retryable / finalBecause) on refused attempts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { withStandin, WebSocket, uniqueId, sleep } from './helpers.mjs';
import { refusingServer, oversizedFrameServer } from './hostile_servers.mjs';

let pkg;
let standin;
withStandin((s) => ({ pkg, standin } = s));

const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' };
const within = (p, ms, what) => Promise.race([p, sleep(ms).then(() => { throw new Error(`${what}: no answer within ${ms} ms`); })]);

// [status, the server's body, code, the expected reason (the body, a query in it redacted)]
for (const [status, body, code, reason] of [[401, 'token expired', 'auth_failed', 'token expired'],
  [500, 'gateway on fire for /mqtt?X-Amz-Security-Token=LEAKED-TOKEN', 'connection_refused', 'gateway on fire for /mqtt?[redacted]']]) {
  test(`RefusedUpgrade_Http${status}_IotErrorCarriesStatusAndReasonAsData`, async () => {
    const server = await refusingServer(status, body);
    try {
      const client = await pkg.IotClient.create({ endpoint: server.url, region: 'us-east-1', clientId: uniqueId('refused'),
        credentials: KEYS, WebSocket, reconnect: { minDelayMs: 1000, maxDelayMs: 2000 } });
      const events = [];
      client.on('error', (e) => events.push(e));
      const e = await within(client.connect().then(() => null, (x) => x), 5000, 'connect()');
      await client.close();
      assert.ok(e instanceof pkg.IotError, String(e));
      assert.equal(e.code, code);
      assert.equal(e.status, status, `status as data (message: ${e.message})`);
      assert.equal(e.reason, reason);
      assert.ok(!e.message.includes('LEAKED-TOKEN'), e.message);
      assert.equal(events.length, 1);
      assert.equal(events[0].status, status, 'the error event carries it too');
    } finally {
      await server.close();
    }
  });
}

test('RefusedUpgrade_StandIn403BadSignature_StatusAndReasonReachTheApplication', async () => {
  const ep = standin.endpoints;
  const client = await pkg.IotClient.create({ endpoint: ep.wsUrl, region: ep.region, clientId: uniqueId('bad-sig'),
    credentials: { ...ep.testCredentials, secretAccessKey: 'a-wrong-secret-key' }, WebSocket, reconnect: false });
  const e = await within(client.connect().then(() => null, (x) => x), 5000, 'connect()');
  await client.close();
  assert.ok(e instanceof pkg.IotError, String(e));
  assert.equal(e.code, 'auth_failed');
  assert.equal(e.status, 403);
  assert.equal(typeof e.reason, 'string');
  assert.ok(e.reason.length > 0);
  assert.ok(!e.reason.includes('a-wrong-secret-key') && !e.message.includes('a-wrong-secret-key'));
});

// Core's retry rule (connection::retry_verdict) on each failed attempt's IotError: a refusal that
// fixed keys cannot mend is final; fresh credentials (a provider) may mend a 401/403; throttles and
// server errors pass later; other refusals are final.
for (const [status, source, retryable, because] of [[403, 'credentials', false, 'credentials_refused'],
  [403, 'credentialsProvider', true, undefined], [429, 'credentials', true, undefined], [503, 'credentials', true, undefined],
  [404, 'credentialsProvider', false, 'refused']]) {
  test(`RefusedUpgrade_Http${status}_${source}_Retryable${retryable}`, async () => {
    const server = await refusingServer(status, 'no');
    try {
      const auth = source === 'credentials' ? { credentials: KEYS } : { credentialsProvider: async () => KEYS };
      const client = await pkg.IotClient.create({ endpoint: server.url, region: 'us-east-1', clientId: uniqueId('verdict'),
        ...auth, WebSocket, reconnect: { minDelayMs: 1000, maxDelayMs: 2000 } });
      const events = [];
      client.on('error', (e) => events.push(e));
      const e = await within(client.connect().then(() => null, (x) => x), 5000, 'connect()');
      await client.close();
      assert.ok(e instanceof pkg.IotError, String(e));
      assert.equal(e.status, status);
      assert.equal(e.retryable, retryable, e.message);
      assert.equal(e.finalBecause, because);
      assert.equal(events[0].retryable, retryable, 'the error event carries it too');
    } finally {
      await server.close();
    }
  });
}

test('Cognito_UnknownIdentityPool_FinalBecauseIdentityInput', async () => {
  const ep = standin.endpoints;
  const client = await pkg.IotClient.create({ endpoint: ep.wsUrl, region: ep.region, clientId: uniqueId('no-pool'), WebSocket,
    cognito: { identityPoolId: `${ep.region}:00000000-0000-0000-0000-000000000000`, endpoint: ep.cognitoUrl }, reconnect: false });
  const e = await within(client.connect().then(() => null, (x) => x), 5000, 'connect()');
  await client.close();
  assert.ok(e instanceof pkg.IotError, String(e));
  assert.equal(e.service, 'cognito');
  assert.equal(e.cognitoType, 'ResourceNotFoundException');
  assert.equal(e.retryable, false);
  assert.equal(e.finalBecause, 'identity_input');
});

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const rss = () => { gc(); gc(); return process.memoryUsage().rss; };

// 150 MB: the frame (over ws's own default limit of 100 MiB); 60 MB: under that default,
// which a driver without maxPayload buffers whole and copies into the wasm heap for good.
for (const mb of [150, 60]) {
  test(`OversizedFrame_${mb}MB_RefusedFromItsHeaderAsProtocolErrorAndRssStaysBounded`, { timeout: 60000 }, async () => {
    const server = await oversizedFrameServer(mb * 1000 * 1000);
    try {
      const before = rss();
      const client = await pkg.IotClient.create({ endpoint: server.url, region: 'us-east-1', clientId: uniqueId('big'),
        credentials: KEYS, WebSocket, reconnect: false });
      const e = await within(client.connect().then(() => null, (x) => x), 30000, 'connect()');
      await client.close();
      await sleep(200);
      const grown = rss() - before;
      assert.ok(grown < 32 * 1024 * 1024, `RSS grew by ${(grown / 1048576).toFixed(1)} MiB`);
      assert.ok(e instanceof pkg.IotError, String(e));
      assert.equal(e.code, 'protocol_error', e.message);
      assert.match(e.message, /WebSocket frame \(WS_ERR_UNSUPPORTED_MESSAGE_LENGTH\) refused \(messages are limited to 264192 bytes\)/);
      assert.ok(server.stats.sent < 16 * 1024 * 1024, `the client read ${server.stats.sent} bytes of the frame before refusing it`);
    } finally {
      await server.close();
    }
  });
}
