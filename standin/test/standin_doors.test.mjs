// One AWS rule engine in front of every door: each limit the inspector (lib/mqtt_inspect.mjs)
// enforces is tried on ws, wss, ALPN x-amzn-mqtt-ca and the 8883-style port, and the admin
// faults (drop, DeleteConnection, latency) reach the 8883-style door too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startStandin } from '../standin.mjs';
import { admin, closed, doors, nextMessage, request } from './helpers.mjs';

let s;
let DOORS;
before(async () => {
  s = await startStandin();
  const r = await admin(s, 'certs', { thing: 'doors-thing' });
  assert.equal(r.status, 200, r.text);
  DOORS = doors(s, r.json);
});
after(async () => { await s?.stop(); });

let seq = 0;
const uniqueId = (door) => `doors-${door}-${process.pid}-${++seq}`;
const DOOR_NAMES = ['Ws', 'Wss', 'Alpn443', 'Mqtt8883'];

/** What each rule's violation does on a connected client; the server must then close it. */
const RULES = {
  ClientId200Bytes: { connectOpts: { clientId: 'c'.repeat(200) } },
  TopicWith8Slashes: { act: (c) => c.publish('a/b/c/d/e/f/g/h/i', 'x') },
  Topic257Bytes: { act: (c) => c.publish('t'.repeat(257), 'x') },
  Payload140Kb: { act: (c) => c.publish('doors/big', Buffer.alloc(140 * 1024, 1)) },
  PublishQos2: { act: (c) => c.publish('doors/q2', 'x', { qos: 2 }) },
  SubscribeQos2: { act: (c) => c.subscribe('doors/q2', { qos: 2 }) },
  NineFiltersInOneSubscribe: { act: (c) => c.subscribe(Object.fromEntries([...Array(9).keys()].map((i) => [`doors/f${i}`, { qos: 0 }]))) },
  WillQos2: { connectOpts: { will: { topic: 'doors/will', payload: Buffer.from('x'), qos: 2, retain: false } } },
  WillTopicWith8Slashes: { connectOpts: { will: { topic: 'a/b/c/d/e/f/g/h/i', payload: Buffer.from('x'), qos: 0, retain: false } } },
  RetainOnReservedTopic: { act: (c) => c.publish('$aws/things/doors-thing/shadow/update', '{}', { retain: true }) },
};

for (const door of DOOR_NAMES) {
  const connect = (opts) => DOORS[door](opts);
  test(`Doors_${door}_WithinLimits_RoundTrips`, async () => {
    // A QoS 1 Will on an ordinary topic is fine; so is a 128-byte client id.
    const c = await connect({ clientId: `${uniqueId(door)}-`.padEnd(128, 'x'), will: { topic: `doors/${door}/will`, payload: Buffer.from('w'), qos: 1, retain: false } });
    try {
      const topic = `doors/${door}/ok/a/b/c/d/e`; // 7 slashes: the most AWS allows
      await c.subscribeAsync(topic, { qos: 1 });
      const got = nextMessage(c, topic);
      await c.publishAsync(topic, Buffer.alloc(128 * 1024, 2), { qos: 1 }); // exactly 128 KB
      assert.equal((await got).length, 128 * 1024);
    } finally { await c.endAsync(); }
  });

  for (const [rule, { connectOpts, act }] of Object.entries(RULES)) {
    test(`Doors_${door}_${rule}_ConnectionClosed`, async () => {
      if (connectOpts) {
        await assert.rejects(connect(connectOpts));
        return;
      }
      const c = await connect({ clientId: uniqueId(door) });
      c.on('error', () => {});
      const gone = closed(c);
      act(c);
      await gone;
      c.end(true);
    });
  }
}

test('Doors_Mqtt8883AdminDrop_ClosesTheConnection', async () => {
  const c = await DOORS.Mqtt8883({ clientId: uniqueId('drop') });
  const gone = closed(c);
  const r = await admin(s, 'drop');
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.dropped >= 1, r.text);
  await gone;
  c.end(true);
});

test('Doors_Mqtt8883DeleteConnection_ClosesAndPublishesWill', async () => {
  const observer = await DOORS.Mqtt8883({ clientId: uniqueId('observer') });
  try {
    await observer.subscribeAsync('doors/will/8883', { qos: 1 });
    const id = uniqueId('dc');
    const c = await DOORS.Mqtt8883({ clientId: id, will: { topic: 'doors/will/8883', payload: Buffer.from('gone'), qos: 1, retain: false } });
    const gone = closed(c);
    const will = nextMessage(observer, 'doors/will/8883');
    const res = await request(`${s.endpoints.adminUrl}/connections/${encodeURIComponent(id)}`, { method: 'DELETE' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.closed, 1);
    await gone;
    c.end(true);
    assert.equal(String(await will), 'gone');
  } finally { await observer.endAsync(); }
});

test('Doors_Mqtt8883Latency_DelaysTheRoundTrip', async () => {
  const c = await DOORS.Mqtt8883({ clientId: uniqueId('lat') });
  try {
    await c.subscribeAsync('doors/latency', { qos: 1 });
    assert.equal((await admin(s, 'latency', { ms: 300 })).status, 200);
    const got = nextMessage(c, 'doors/latency');
    const t0 = performance.now(); // monotonic; this machine's wall clock can jump
    await c.publishAsync('doors/latency', 'slow', { qos: 1 });
    await got;
    // Up and down are each delayed by 300 ms.
    const took = Math.round(performance.now() - t0);
    assert.ok(took >= 550, `round trip took ${took} ms`);
  } finally {
    await admin(s, 'latency', { ms: 0 });
    await c.endAsync();
  }
});
