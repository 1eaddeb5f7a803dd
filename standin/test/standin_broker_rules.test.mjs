// AWS IoT broker semantics that Mosquitto lacks, on every door (ws, wss, ALPN, 8883-style): the
// keep-alive clamp with its 1.5 x disconnect, retained messages delivered on subscription only to
// exact-topic subscriptions, `#` not matching the parent level, and 50 subscriptions per
// connection. The stand-in here runs with a 3-4 s keep-alive range (the `awsRules` option) so the
// disconnect takes seconds (AWS's 30-1200 s is checked on the bytes in standin_units), so every
// other client here pings every 2 s.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startStandin } from '../standin.mjs';
import { admin, closed, doors, nextMessage } from './helpers.mjs';

let s;
let DOORS;
before(async () => {
  s = await startStandin({ awsRules: { keepAliveMinSeconds: 3, keepAliveMaxSeconds: 4 } });
  const r = await admin(s, 'certs', { thing: 'rules-thing' });
  assert.equal(r.status, 200, r.text);
  DOORS = doors(s, r.json);
});
after(async () => { await s?.stop(); });

/** Every client here but the silent one pings this often: well inside 1.5 x the 3 s minimum. */
const PING_S = 2;

let seq = 0;
const uniqueId = (door) => `rules-${door}-${process.pid}-${++seq}`;

/** Resolves true if a message arrives on `topic` within `ms`, false otherwise. */
const arrivesWithin = (client, topic, ms) => nextMessage(client, topic, ms).then(() => true, () => false);

for (const door of ['Ws', 'Wss', 'Alpn443', 'Mqtt8883']) {
  test(`BrokerRules_${door}_KeepAliveZeroSilent_ClosedAfterOneAndAHalfTheMaximumWhilePingingClientStays`, async () => {
    // Keep-alive 0 means "no keep-alive" to Mosquitto; AWS uses its maximum (here 4 s) instead and
    // disconnects after 1.5 x 4 s without a packet. The control, connected at the same time: a
    // client that pings every 2 s (its 2 s clamped up to the 3 s minimum) stays connected.
    const silent = await DOORS[door]({ clientId: uniqueId(door), keepalive: 0 });
    const pinging = await DOORS[door]({ clientId: uniqueId(door), keepalive: PING_S });
    try {
      let pingingGone = false;
      pinging.once('close', () => { pingingGone = true; });
      // performance.now(): monotonic; this machine's wall clock can jump.
      const t0 = performance.now();
      await closed(silent, 20_000);
      const took = Math.round(performance.now() - t0);
      assert.ok(took >= 5_000 && took <= 15_000, `closed after ${took} ms; expected about 6000`);
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(pingingGone, false, 'a pinging client was disconnected');
    } finally {
      silent.end(true);
      await pinging.endAsync();
    }
  });

  test(`BrokerRules_${door}_RetainedMessage_OnlyOnExactSubscription`, async () => {
    const base = `rules/${door}/retained`;
    const publisher = await DOORS[door]({ clientId: uniqueId(door), keepalive: PING_S });
    const c = await DOORS[door]({ clientId: uniqueId(door), keepalive: PING_S });
    try {
      await publisher.publishAsync(`${base}/a`, 'kept', { qos: 1, retain: true });
      // A wildcard subscription gets no retained message (QoS 1: the stand-in acknowledges the
      // held-back copy to Mosquitto, so later messages still flow)...
      const viaWildcard = arrivesWithin(c, `${base}/a`, 1_000);
      await c.subscribeAsync(`${base}/+`, { qos: 1 });
      assert.equal(await viaWildcard, false, 'retained message delivered to a wildcard subscription');
      // ...but later messages on the topic do arrive through it,
      const live = nextMessage(c, `${base}/a`);
      await publisher.publishAsync(`${base}/a`, 'live', { qos: 1 });
      assert.equal(String(await live), 'live');
      // and an exact subscription gets the retained message, RETAIN set.
      const exact = new Promise((resolve) => c.on('message', (t, p, packet) => { if (packet.retain) resolve(String(p)); }));
      await publisher.publishAsync(`${base}/a`, 'kept again', { qos: 1, retain: true });
      await c.subscribeAsync(`${base}/a`, { qos: 1 });
      assert.equal(await Promise.race([exact, new Promise((r) => setTimeout(() => r('none'), 5_000))]), 'kept again');
    } finally {
      await publisher.publishAsync(`${base}/a`, '', { qos: 1, retain: true }); // clear it
      await Promise.all([publisher.endAsync(), c.endAsync()]);
    }
  });

  test(`BrokerRules_${door}_HashFilter_DoesNotMatchTheParentLevel`, async () => {
    const base = `rules/${door}/sensor`;
    const publisher = await DOORS[door]({ clientId: uniqueId(door), keepalive: PING_S });
    const c = await DOORS[door]({ clientId: uniqueId(door), keepalive: PING_S });
    try {
      await c.subscribeAsync(`${base}/#`, { qos: 1 });
      const parent = arrivesWithin(c, base, 1_000);
      await publisher.publishAsync(base, 'parent', { qos: 1 });
      assert.equal(await parent, false, `'${base}/#' received '${base}'`);
      const child = nextMessage(c, `${base}/temperature`);
      await publisher.publishAsync(`${base}/temperature`, 'child', { qos: 1 });
      assert.equal(String(await child), 'child');
    } finally { await Promise.all([publisher.endAsync(), c.endAsync()]); }
  });

  test(`BrokerRules_${door}_51stSubscription_Suback0x80AndNotDelivered`, async () => {
    const base = `rules/${door}/quota`;
    const publisher = await DOORS[door]({ clientId: uniqueId(door), keepalive: PING_S });
    const c = await DOORS[door]({ clientId: uniqueId(door), keepalive: PING_S });
    try {
      for (let k = 0; k < 50; k += 8) {
        const batch = Object.fromEntries([...Array(Math.min(8, 50 - k)).keys()].map((j) => [`${base}/f${k + j}`, { qos: 1 }]));
        const granted = await c.subscribeAsync(batch);
        assert.deepEqual(granted.map((g) => g.qos), Object.keys(batch).map(() => 1));
      }
      // Re-subscribing to a filter replaces it (still 50); a new filter would be the 51st.
      // mqtt.js rejects a SUBSCRIBE with a failure code and hands over the SUBACK.
      const suback = await c.subscribeAsync({ [`${base}/f0`]: { qos: 1 }, [`${base}/extra`]: { qos: 1 } })
        .then(() => null, (e) => e.packet);
      assert.deepEqual(suback?.granted, [1, 0x80]);
      const refused = arrivesWithin(c, `${base}/extra`, 1_000);
      await publisher.publishAsync(`${base}/extra`, 'x', { qos: 1 });
      assert.equal(await refused, false, 'delivered on a refused subscription');
      const kept = nextMessage(c, `${base}/f3`);
      await publisher.publishAsync(`${base}/f3`, 'y', { qos: 1 });
      assert.equal(String(await kept), 'y');
      // An UNSUBSCRIBE frees a place.
      await c.unsubscribeAsync(`${base}/f1`);
      const again = await c.subscribeAsync(`${base}/extra`, { qos: 1 });
      assert.deepEqual(again.map((g) => g.qos), [1]);
    } finally { await Promise.all([publisher.endAsync(), c.endAsync()]); }
  });
}
