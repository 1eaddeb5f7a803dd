// AWS IoT's per-connection quotas on every MQTT door of the stand-in (ws, wss, ALPN x-amzn-mqtt-ca,
// 8883-style), each with a small configured value (`awsRules`) so that it shows within seconds:
// publishes per second each way (excess dropped), inbound bytes per second (excess delayed), CONNECTs per
// second per client id (excess refused), unacknowledged QoS 1 each way, the WebSocket connection
// duration, the persistent session expiry, the MQTT 5 Server Keep Alive and the duplicate client
// id take-over. AWS's defaults are checked in standin_units.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startStandin } from '../standin.mjs';
import { admin, closed, doors, nextMessage } from './helpers.mjs';

const RULES = {
  publishesPerSecond: 10,
  inboundBytesPerSecond: 64 * 1024,
  inboundUnackedQos1: 4,
  outboundUnackedQos1: 5,
  persistentSessionSeconds: 3,
};
const LIFETIME_S = 3;

let s; // the quotas above
let short; // WebSocket connections last LIFETIME_S
let DOORS;
let SHORT_DOORS;
before(async () => {
  [s, short] = await Promise.all([startStandin({ awsRules: RULES }), startStandin({ awsRules: { webSocketMaxSeconds: LIFETIME_S } })]);
  for (const [standin, set] of [[s, (d) => { DOORS = d; }], [short, (d) => { SHORT_DOORS = d; }]]) {
    const r = await admin(standin, 'certs', { thing: 'quotas-thing' });
    assert.equal(r.status, 200, r.text);
    set(doors(standin, r.json));
  }
});
after(async () => { await Promise.all([s?.stop(), short?.stop()]); });

let seq = 0;
const uniqueId = (door) => `quotas-${door}-${process.pid}-${++seq}`;
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });
/** Messages on `topic` counted for `ms`. */
function countFor(client, topic, ms) {
  let n = 0;
  const onMsg = (t) => { if (t === topic) n += 1; };
  client.on('message', onMsg);
  return sleep(ms).then(() => { client.off('message', onMsg); return n; });
}
/** Past AWS's 1 CONNECT/s per client id (and a margin for a loaded machine). */
const CONNECT_GAP_MS = 1_200;

for (const door of ['Ws', 'Wss', 'Alpn443', 'Mqtt8883']) {
  const connect = (opts) => DOORS[door]({ clientId: uniqueId(door), ...opts });

  test(`Quotas_${door}_PublishBurstOverTheRate_ExcessDropped`, async () => {
    const topic = `quotas/${door}/rate`;
    const sub = await connect();
    const pub = await connect();
    try {
      await sub.subscribeAsync(topic, { qos: 0 });
      const counted = countFor(sub, topic, 2_000);
      for (let i = 0; i < 40; i++) pub.publish(topic, `m${i}`); // one burst, QoS 0
      const n = await counted;
      // The bucket holds one second's worth (10); a slow machine may refill a few more.
      assert.ok(n >= 5 && n <= 20, `${n} of 40 delivered; expected about ${RULES.publishesPerSecond}`);
      // The control: once the second has passed, a publish goes through again.
      const again = nextMessage(sub, topic);
      pub.publish(topic, 'after');
      assert.equal(String(await again), 'after');
    } finally { await Promise.all([sub.endAsync(), pub.endAsync()]); }
  });

  test(`Quotas_${door}_OutboundPublishesOverTheRate_ExcessDropped`, async () => {
    // Two publishers, each within its own inbound rate (10 each), send 20 to one subscriber at
    // once: the quota counts the publishes the broker sends to the connection too (AWS: inbound
    // and outbound), so about one second's worth (10) reaches it.
    const topic = `quotas/${door}/outbound`;
    const sub = await connect();
    const pubs = [await connect(), await connect()];
    try {
      await sub.subscribeAsync(topic, { qos: 0 });
      const counted = countFor(sub, topic, 2_000);
      for (const p of pubs) for (let i = 0; i < 10; i++) p.publish(topic, `m${i}`);
      const n = await counted;
      assert.ok(n >= 5 && n <= 15, `${n} of 20 delivered; expected about ${RULES.publishesPerSecond}`);
      // The control: a second later a message reaches the subscriber again.
      const again = nextMessage(sub, topic);
      pubs[0].publish(topic, 'after');
      assert.equal(String(await again), 'after');
    } finally { await Promise.all([sub.endAsync(), ...pubs.map((p) => p.endAsync())]); }
  });

  test(`Quotas_${door}_BytesOverTheThroughput_DelayedNotDropped`, async () => {
    const topic = `quotas/${door}/bytes`;
    const sub = await connect();
    const pub = await connect();
    try {
      await sub.subscribeAsync(topic, { qos: 1 });
      const all = new Promise((resolve) => {
        let n = 0;
        sub.on('message', (t) => { if (t === topic && ++n === 6) resolve(); });
      });
      const t0 = performance.now(); // monotonic
      // 6 x 32 KiB = 192 KiB at 64 KiB/s: one second's worth passes at once, the rest is spaced.
      for (let i = 0; i < 6; i++) pub.publish(topic, Buffer.alloc(32 * 1024, i), { qos: 1 });
      await Promise.race([all, sleep(20_000).then(() => { throw new Error('not all 6 messages arrived within 20 s'); })]);
      const took = performance.now() - t0;
      assert.ok(took >= 1_000, `192 KiB passed in ${Math.round(took)} ms at 64 KiB/s; expected a delay of about 1.5 s`);
    } finally { await Promise.all([sub.endAsync(), pub.endAsync()]); }
  });

  test(`Quotas_${door}_SecondConnectWithinASecond_RefusedThenAdmitted`, async () => {
    const clientId = uniqueId(door);
    const first = await DOORS[door]({ clientId });
    await first.endAsync();
    await assert.rejects(DOORS[door]({ clientId }), 'a second CONNECT within a second was admitted');
    await sleep(CONNECT_GAP_MS);
    const later = await DOORS[door]({ clientId });
    await later.endAsync();
  });

  test(`Quotas_${door}_InboundUnackedQos1OverTheQuota_ExcessDropped`, async () => {
    const topic = `quotas/${door}/inbound-unacked`;
    const sub = await connect();
    const pub = await connect();
    try {
      await sub.subscribeAsync(topic, { qos: 1 });
      // The latency fault delays the broker's PUBACKs: 8 QoS 1 PUBLISHes are then in flight at once.
      assert.equal((await admin(s, 'latency', { ms: 400 })).status, 200);
      const counted = countFor(sub, topic, 3_000);
      for (let i = 0; i < 8; i++) pub.publish(topic, `m${i}`, { qos: 1 });
      assert.equal(await counted, RULES.inboundUnackedQos1);
    } finally {
      await admin(s, 'latency', { ms: 0 });
      pub.end(true);
      await sub.endAsync();
    }
  });

  test(`Quotas_${door}_OutboundUnackedQos1_HeldBackUntilAcknowledged`, async () => {
    const topic = `quotas/${door}/outbound-unacked`;
    const sub = await connect();
    const pub = await connect();
    // The subscriber withholds its PUBACKs (mqtt.js goes on reading; the acks wait here).
    const held = [];
    let holding = true;
    const send = sub._sendPacket.bind(sub);
    sub._sendPacket = (packet, cb, ...rest) => {
      if (packet.cmd !== 'puback' || !holding) return send(packet, cb, ...rest);
      held.push(() => send(packet, undefined, ...rest));
      process.nextTick(() => cb?.());
      return undefined;
    };
    try {
      await sub.subscribeAsync(topic, { qos: 1 });
      let n = 0;
      sub.on('message', (t) => { if (t === topic) n += 1; });
      for (let i = 0; i < 8; i++) await pub.publishAsync(topic, `m${i}`, { qos: 1 });
      await sleep(1_500);
      assert.equal(n, RULES.outboundUnackedQos1, 'messages sent past the unacknowledged QoS 1 quota');
      holding = false;
      for (const f of held.splice(0)) f();
      for (let i = 0; i < 50 && n < 8; i++) await sleep(100);
      assert.equal(n, 8, 'held-back messages not delivered after the acknowledgements');
    } finally { await Promise.all([sub.endAsync(), pub.endAsync()]); }
  });

  test(`Quotas_${door}_PersistentSession_KeptWithinTheQuotaThenDiscarded`, async () => {
    const clientId = uniqueId(door);
    const opts = { clientId, clean: false };
    const first = await DOORS[door](opts);
    await first.subscribeAsync(`quotas/${door}/session`, { qos: 1 });
    await first.endAsync();
    await sleep(CONNECT_GAP_MS);
    const within = await DOORS[door](opts);
    const present = within.connackPacket?.sessionPresent;
    await within.endAsync();
    assert.equal(present, true, 'the session was gone within the quota');
    await sleep(RULES.persistentSessionSeconds * 1000 + 2_000);
    const late = await DOORS[door](opts);
    const presentLate = late.connackPacket?.sessionPresent;
    await late.endAsync();
    assert.equal(presentLate, false, `the session outlived ${RULES.persistentSessionSeconds} s`);
  });

  test(`Quotas_${door}_Mqtt5KeepAliveBelowTheRange_ConnackCarriesServerKeepAlive`, async () => {
    const c = await connect({ protocolVersion: 5, keepalive: 10 });
    try {
      assert.equal(c.connackPacket?.properties?.serverKeepAlive, 30);
    } finally { await c.endAsync(); }
    const inRange = await connect({ protocolVersion: 5, keepalive: 60 });
    try {
      assert.equal(inRange.connackPacket?.properties?.serverKeepAlive, undefined);
    } finally { await inRange.endAsync(); }
  });

  test(`Quotas_${door}_Mqtt5SessionExpiryOverTheQuota_ConnackCarriesTheQuota`, async () => {
    const c = await connect({ protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 3600 } });
    try {
      assert.equal(c.connackPacket?.properties?.sessionExpiryInterval, RULES.persistentSessionSeconds);
    } finally { await c.endAsync(); }
  });

  test(`Quotas_${door}_DuplicateClientId_OlderConnectionClosed`, async () => {
    const clientId = uniqueId(door);
    const older = await DOORS[door]({ clientId });
    older.on('error', () => {});
    const gone = closed(older, 10_000);
    await sleep(CONNECT_GAP_MS);
    const newer = await DOORS[door]({ clientId });
    try {
      await gone;
      const topic = `quotas/${door}/takeover`;
      await newer.subscribeAsync(topic, { qos: 1 });
      const got = nextMessage(newer, topic);
      await newer.publishAsync(topic, 'newer', { qos: 1 });
      assert.equal(String(await got), 'newer');
    } finally {
      older.end(true);
      await newer.endAsync();
    }
  });

  test(`Quotas_${door}_WebSocketDuration_${door.startsWith('W') ? 'ClosedAfterTheQuota' : 'DoesNotApply'}`, async () => {
    // keepalive 30 s: only the duration quota can end these connections here.
    const c = await SHORT_DOORS[door]({ clientId: uniqueId(door), keepalive: 30 });
    c.on('error', () => {});
    const t0 = performance.now();
    try {
      if (door.startsWith('W')) {
        await closed(c, 15_000);
        const took = performance.now() - t0;
        assert.ok(took >= LIFETIME_S * 1000 - 500, `closed after ${Math.round(took)} ms; the quota is ${LIFETIME_S} s`);
      } else {
        let gone = false;
        c.once('close', () => { gone = true; });
        await sleep(LIFETIME_S * 1000 + 1_500);
        assert.equal(gone, false, 'a certificate door connection was closed by the WebSocket quota');
      }
    } finally { c.end(true); }
  });
}
