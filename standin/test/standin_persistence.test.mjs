// Persistent sessions survive broker restarts (issue 11, item 9). AWS IoT keeps a persistent
// session (clean session = false: the session, its subscriptions and its queued QoS 1
// messages) for an hour; the stand-in's Mosquitto runs with persistence so a restart keeps
// them. Clients go through the stand-in's SigV4 WebSocket gateway, restarts through the admin
// API (the fault control every test uses), and the publisher never waits for a restart to
// pass: messages are in flight and queued for an offline subscriber while the broker restarts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import mqtt from 'mqtt';
import { startStandin } from '../standin.mjs';
import { admin, closed, connectWs, nextMessage, staticUrl } from './helpers.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const uid = (what) => `iotlite-persist-${what}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;

let s;
const logLines = [];
// The 10,000-message run offers about 1,250 QoS 1 messages/s on one connection, far past AWS's
// per-connection quotas (100 publishes/s, 100 unacknowledged QoS 1; lib/quotas.mjs): this suite
// tests the broker's persistence, so those two quotas are lifted here.
before(async () => {
  s = await startStandin({ log: (line) => logLines.push(line), awsRules: { publishesPerSecond: 1_000_000, inboundUnackedQos1: 1_000_000 } });
});
/** The stand-in's "mosquitto exited (<code or signal>)" lines: (0) is a clean exit after SIGTERM. */
const brokerExits = () => logLines.filter((l) => l.startsWith('mosquitto exited')).map((l) => l.split(':')[0]);
after(async () => { await s?.stop(); });

/** Bounded wait for a condition (polling); throws with `what` after timeoutMs. */
async function until(cond, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

async function restartBroker({ whileDown = () => {} } = {}) {
  const stopped = await admin(s, 'broker/stop');
  assert.equal(stopped.status, 200);
  assert.equal(stopped.json.brokerRunning, false);
  await sleep(200); // down for a while: clients fail to reconnect, the publisher keeps going
  whileDown();
  const started = await admin(s, 'broker/start');
  assert.equal(started.status, 200);
  assert.equal(started.json.brokerRunning, true);
}

/**
 * A retrying MQTT.js client through the gateway: reconnects every 100 ms with the same
 * presigned URL. Persistent (clean session false) unless `clean` is given.
 */
function retryingClient(url, { clientId, clean = false, ...opts }) {
  return mqtt.connect(url, {
    clientId, clean, protocolVersion: 4, reconnectPeriod: 100, connectTimeout: 3000, keepalive: 30,
    transformWsUrl: () => url, wsOptions: { rejectUnauthorized: false }, ...opts,
  });
}

test('Persistence_Config_BrokerPersistsIntoTheTempDir', () => {
  const conf = readFileSync(path.join(s.endpoints.tempDir, 'mosquitto.conf'), 'utf8');
  assert.match(conf, /^persistence true$/m);
  assert.ok(conf.includes(`persistence_location ${s.endpoints.tempDir}${path.sep}\n`), conf);
  assert.match(conf, /^persistence_file mosquitto\.db$/m);
  assert.match(conf, /^persistent_client_expiration 1h$/m);
  assert.match(conf, /^autosave_on_changes false$/m);
});

test('Persistence_GracefulRestart_KeepsSessionSubscriptionQueuedAndRetained', async () => {
  const url = await staticUrl(s);
  const clientId = uid('small');
  const topic = 'iotlite/persist/small';
  const first = await connectWs(url, { clientId, clean: false });
  await first.subscribeAsync(`${topic}/#`, { qos: 1 });
  await first.endAsync(); // offline; the session stays

  const pub = await connectWs(url);
  for (const m of ['q1', 'q2', 'q3']) await pub.publishAsync(`${topic}/data`, m, { qos: 1 });
  await pub.publishAsync(`${topic}/retained`, 'kept', { qos: 1, retain: true });
  await pub.endAsync();

  const exitsBefore = brokerExits().length;
  await restartBroker();
  // A graceful stop: the guard sent SIGTERM and Mosquitto ran its exit path (which writes the
  // database), rather than being killed.
  assert.deepEqual(brokerExits().slice(exitsBefore), ['mosquitto exited (0)']);

  const got = [];
  // AWS IoT admits 1 CONNECT per second per client id (lib/quotas.mjs): not sooner than that.
  await sleep(1_200);
  // The handler is there before CONNACK: queued messages follow it at once.
  const back = retryingClient(url, { clientId, resubscribe: false, reconnectPeriod: 0 });
  back.on('message', (t, p) => { if (t === `${topic}/data`) got.push(String(p)); });
  try {
    await new Promise((resolve, reject) => { back.once('connect', resolve); back.once('error', reject); });
    // The session (and so the subscription) is still there: no SUBSCRIBE is sent again.
    assert.equal(back.connackPacket.sessionPresent, true, 'no session after a graceful broker restart');
    await until(() => got.length >= 3, 5000, 'the 3 queued messages');
    assert.deepEqual(got.slice(0, 3), ['q1', 'q2', 'q3']);
  } finally { await back.endAsync(); }

  // The retained message survived too.
  const fresh = await connectWs(url);
  try {
    const m = nextMessage(fresh, `${topic}/retained`);
    await fresh.subscribeAsync(`${topic}/retained`, { qos: 1 });
    assert.equal(String(await m), 'kept');
  } finally {
    await fresh.publishAsync(`${topic}/retained`, '', { qos: 1, retain: true }); // clear it
    await fresh.endAsync();
  }
});

test('Persistence_BrokerSigkilled_AutosaveStillKeepsTheSession', async () => {
  // Not something the stand-in does itself (its restarts are graceful), but a crashed
  // Mosquitto must not lose a session older than one autosave interval.
  const url = await staticUrl(s);
  const clientId = uid('crash');
  const first = await connectWs(url, { clientId, clean: false });
  await first.subscribeAsync('iotlite/persist/crash', { qos: 1 });
  await first.endAsync();
  const conf = readFileSync(path.join(s.endpoints.tempDir, 'mosquitto.conf'), 'utf8');
  const autosave = Number(/^autosave_interval (\d+)$/m.exec(conf)?.[1] ?? 2);
  assert.ok(autosave >= 1 && autosave <= 5, `autosave_interval ${autosave}: a crash may lose more than 5 s`);
  await sleep(autosave * 1000 + 1500);
  const { brokerPid } = (await admin(s, 'state')).json;
  assert.ok(brokerPid > 0);
  process.kill(brokerPid, 'SIGKILL');
  const deadline = Date.now() + 5000;
  while ((await admin(s, 'state')).json.brokerRunning) {
    assert.ok(Date.now() < deadline, 'the stand-in did not notice that Mosquitto died');
    await sleep(50);
  }
  assert.equal((await admin(s, 'broker/start')).json.brokerRunning, true);
  const back = await connectWs(url, { clientId, clean: false, resubscribe: false });
  try {
    assert.equal(back.connackPacket.sessionPresent, true, 'session lost by a SIGKILLed broker despite autosave');
    const m = nextMessage(back, 'iotlite/persist/crash');
    const pub = await connectWs(url);
    await pub.publishAsync('iotlite/persist/crash', 'after crash', { qos: 1 });
    await pub.endAsync();
    assert.equal(String(await m), 'after crash');
  } finally { await back.endAsync(); }
});

test('Persistence_10000Qos1With5BrokerRestarts_NothingLostAtPersistentSubscriber', { timeout: 90_000 }, async (t) => {
  const TOTAL = 10_000;
  const RESTARTS = 5;
  const BATCH = 25; // messages per 20 ms tick: about 1,250 messages/s offered
  const topic = 'iotlite/persist/stream';
  const url = await staticUrl(s);
  const t0 = performance.now();
  const exitsBefore = brokerExits().length;

  const received = new Set();
  let deliveries = 0;
  const connacks = []; // sessionPresent of every subscriber CONNACK after the first
  const errors = [];
  const subId = uid('sub');
  let sub = null;
  let subConnects = 0;
  let subscribed = null;
  // Stalling: the subscriber stops acknowledging (MQTT.js handles packets one at a time, so
  // it stops reading too) and the broker holds its in-flight window and a growing queue.
  let stalled = false;
  // A careful subscriber: it subscribes again whenever the broker answers without a session,
  // so what is counted below is what the broker lost, not a missing subscription.
  function connectSubscriber() {
    const c = retryingClient(url, { clientId: subId, resubscribe: false });
    c.handleMessage = (packet, done) => { if (!stalled) done(); }; // a stalled connection is dropped, never acked
    c.on('connect', (connack) => {
      if (subConnects++ > 0) connacks.push(connack.sessionPresent);
      if (!connack.sessionPresent) subscribed = c.subscribeAsync(topic, { qos: 1 });
    });
    c.on('message', (tp, payload) => {
      if (tp !== topic) return;
      deliveries++;
      received.add(Number(String(payload)));
    });
    c.on('error', (e) => { if (!/ECONNREFUSED|closed|ECONNRESET|Unexpected server response/i.test(e.message)) errors.push(`sub: ${e.message}`); });
    return c;
  }
  sub = connectSubscriber();
  await new Promise((resolve, reject) => { sub.once('connect', resolve); sub.once('error', reject); });
  await subscribed;

  const pub = retryingClient(url, { clientId: uid('pub'), clean: true });
  pub.on('error', (e) => { if (!/ECONNREFUSED|closed|ECONNRESET|Unexpected server response/i.test(e.message)) errors.push(`pub: ${e.message}`); });
  await new Promise((resolve, reject) => { pub.once('connect', resolve); pub.once('error', reject); });

  // The publisher offers messages at its own pace and never waits for acknowledgements or for
  // a restart to pass: unacknowledged ones stay in MQTT.js's outgoing store and are sent again
  // after each reconnect.
  let sent = 0;
  const acked = new Set();
  // MQTT.js replays its outgoing store after a reconnect and queues new publishes until the
  // replay ends; when the connection closes again before that (the next restart, on a loaded
  // machine), it fails the queued ones with "Connection closed" instead of keeping them. They
  // never reached the broker, so a careful publisher offers them again: what is counted below is
  // what the broker lost.
  let offeredAgain = 0;
  let finished = false;
  const publishOne = (id) => pub.publish(topic, String(id), { qos: 1 }, (err) => {
    if (!err) acked.add(id);
    else if (/^Connection closed$/.test(err.message) && !finished) { offeredAgain++; setTimeout(() => publishOne(id), 50); }
    else errors.push(`publish ${id}: ${err.message}`);
  });
  const publishing = (async () => {
    while (sent < TOTAL) {
      for (let k = 0; k < BATCH && sent < TOTAL; k++, sent++) publishOne(sent);
      await sleep(20);
    }
  })();

  // Restarts at fixed points of the stream. Before the 2nd and 4th the subscriber goes
  // offline (its messages queue in the broker) and it comes back only after the restart;
  // before the others it stalls (its in-flight window and a queue are held by the broker).
  const restarts = [];
  const atRestart = [];
  const faults = (async () => {
    for (let k = 0; k < RESTARTS; k++) {
      const at = Math.round(((k + 1) * TOTAL) / (RESTARTS + 1));
      const offline = k % 2 === 1;
      if (offline) {
        await until(() => sent >= at - 1000, 60_000, `${at - 1000} messages offered`);
        const gone = closed(sub, 5000);
        sub.end(true); // no DISCONNECT handling needed: the session is persistent
        await gone;
      } else {
        await until(() => sent >= at - 600, 60_000, `${at - 600} messages offered`);
        stalled = true;
      }
      await until(() => sent >= at, 60_000, `${at} messages offered`);
      const r0 = performance.now();
      await restartBroker({
        // Nothing moves while the broker is down: what it acknowledged and the subscriber has
        // not seen lives only in the broker (queued or in flight), and what the publisher sent
        // without an acknowledgement must be sent again.
        whileDown: () => {
          atRestart.push({
            restart: k + 1, subscriber: offline ? 'offline' : 'stalled', offered: sent, acked: acked.size, received: received.size,
            heldByBroker: [...acked].filter((id) => !received.has(id)).length, publisherUnacked: sent - acked.size,
          });
          stalled = false; // its connection is gone; the reconnected one acknowledges again
        },
      });
      restarts.push(Math.round(performance.now() - r0));
      if (offline) {
        await until(() => sent >= Math.min(TOTAL, at + 400), 60_000, 'more messages offered after the restart');
        sub = connectSubscriber();
      }
    }
  })();

  await Promise.all([publishing, faults]);
  const settle = Date.now() + 30_000; // after the last message was offered
  while ((acked.size < TOTAL || received.size < TOTAL) && Date.now() < settle) await sleep(50);
  const elapsed = Math.round(performance.now() - t0);
  finished = true;
  await Promise.all([sub.endAsync(true), pub.endAsync(true)]);

  const missing = [];
  for (let i = 0; i < TOTAL && missing.length < 20; i++) if (!received.has(i)) missing.push(i);
  const summary = `offered ${sent}, acked ${acked.size}, distinct received ${received.size} ` +
    `(deliveries ${deliveries}), lost ${TOTAL - received.size}, first missing ${JSON.stringify(missing)}; ` +
    `sessionPresent after reconnects ${JSON.stringify(connacks)}; restarts (ms) ${JSON.stringify(restarts)}; ` +
    `at each restart ${JSON.stringify(atRestart)}; offered again after MQTT.js failed them ${offeredAgain}; ` +
    `connections the stand-in closed by an AWS rule ${JSON.stringify(logLines.filter((l) => /AWS IoT (limit|quota)/.test(l)).slice(0, 3))}; ` +
    `${elapsed} ms; errors ${JSON.stringify(errors.slice(0, 5))}`;
  t.diagnostic(summary);
  assert.equal(restarts.length, RESTARTS, summary);
  assert.deepEqual(brokerExits().slice(exitsBefore), Array(RESTARTS).fill('mosquitto exited (0)'), 'every restart is graceful');
  // The restarts really hit traffic: every one with publishes in flight and hundreds of
  // acknowledged messages held only by the broker (for the offline subscriber, more than
  // Mosquitto's default queue bound of 1000 by the time it is back).
  assert.ok(atRestart.every((r) => r.publisherUnacked > 0), `a restart without publishes in flight: ${summary}`);
  assert.ok(atRestart.every((r) => r.heldByBroker >= 200), `a restart with nothing held by the broker: ${summary}`);
  assert.deepEqual(errors, [], summary);
  assert.equal(acked.size, TOTAL, `not every message was acknowledged by the broker: ${summary}`);
  assert.equal(TOTAL - received.size, 0, `messages lost at the persistent subscriber: ${summary}`);
  assert.ok(connacks.length >= RESTARTS, summary);
  assert.ok(connacks.every((p) => p === true), `a reconnect found no session: ${summary}`);
});
