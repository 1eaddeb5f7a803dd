// "iotlite/durable" in Chromium (IndexedDB, Web Locks, BroadcastChannel, a real reload) against
// the local stand-in. The oracle is MQTT.js subscribed straight to the stand-in's Mosquitto: what
// the gateway let through, in arrival order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { startStandin } from '../../standin/standin.mjs';
import { admin, checkPrerequisites, serveTestPage, launchChromium, openPage, sleep, until } from './harness.mjs';

// The page: the package from ./iotlite/, the stand-in's endpoint and test keys from config.json.
const PAGE = `<!doctype html><meta charset="utf-8"><title>durable</title>
<script type="module">
import { IotClient } from './iotlite/index.js';
import { DurableQueue } from './iotlite/durable.js';
const cfg = await (await fetch('./config.json')).json();
// A client (not connected) with a durable queue named \`name\` on it, as window.c / window.q.
window.open_ = async (clientId, name, bounds = {}) => {
  window.c = await IotClient.create({ endpoint: cfg.endpoint, region: cfg.region, clientId, credentials: cfg.credentials });
  window.q = await DurableQueue.open(window.c, { name, ...bounds });
  window.outcomes = [];
};
// Stores each message; resolves with what publish() did; records what each \`sent\` did later.
window.put = async (topic, payloads, qos = 1) => {
  const out = [];
  for (const p of payloads) {
    try {
      const { id, sent } = await window.q.publish(topic, p, { qos });
      sent.then(() => window.outcomes.push([p, 'sent']), (e) => window.outcomes.push([p, e.code, e.rule]));
      out.push(typeof id);
    } catch (e) {
      out.push([e.code, e.rule, e.limit, e.actual]);
    }
  }
  return out;
};
window.stored = async () => (await window.q.messages()).map((m) => new TextDecoder().decode(m.payload));
document.body.dataset.ready = 'true';
</script>`;

let standin, server, context, tmp, oracle;
const received = [];  // [topic, payload] in arrival order

before(async () => {
  await checkPrerequisites();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'iotlite-durable-'));
  standin = await startStandin({});
  const e = standin.endpoints;
  server = await serveTestPage(path.join(tmp, 'site'), PAGE, e);
  context = await launchChromium(path.join(tmp, 'profile'));
  oracle = await mqtt.connectAsync(`mqtt://127.0.0.1:${e.brokerTcpPort}`, { clientId: `durable-oracle-${process.pid}`, reconnectPeriod: 0 });
  oracle.on('message', (t, p) => received.push([t, p.toString()]));
  await oracle.subscribeAsync('durable/#', { qos: 1 });
});

after(async () => {
  for (const stop of [() => oracle?.endAsync(), () => context?.close(), () => server?.stop(), () => standin?.stop()]) {
    try { await stop(); } catch { /* stop the rest */ }
  }
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

const open = () => openPage(context, server.url);
// The payloads the oracle got on `topic`, in order, after the store drained and a quiet 700 ms
// (a duplicate would arrive within it).
async function arrivals(topic, count) {
  await until(`${count} messages on ${topic}`, () => received.filter(([t]) => t === topic).length >= count);
  await sleep(700);
  return received.filter(([t]) => t === topic).map(([, p]) => p);
}
const range = (prefix, n) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

test('DurableQueue_PublishedOfflineThenReload_EverySentOnceInOrderAfterConnect', async () => {
  const page = await open();
  await page.evaluate(() => window.open_('durable-reload-1', 'durable-reload'));
  assert.deepEqual(await page.evaluate(() => window.put('durable/reload', ['m0', 'm1', 'm2', 'm3', 'm4'])), Array(5).fill('number'));
  assert.equal(await page.evaluate(() => window.c.state), 'idle');
  await page.reload();  // what was stored survives: nothing was ever connected
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 10000 });
  await page.evaluate(() => window.open_('durable-reload-1', 'durable-reload'));
  assert.deepEqual(await page.evaluate(() => window.stored()), range('m', 5));
  await page.evaluate(() => window.put('durable/reload', ['m5', 'm6'], 0));
  await page.evaluate(() => window.put('durable/reload', ['m7'], 1));
  assert.equal(received.filter(([t]) => t === 'durable/reload').length, 0, 'nothing is sent before connect');
  await page.evaluate(() => window.c.connect());
  assert.deepEqual(await arrivals('durable/reload', 8), range('m', 8));
  await until('the store to empty', async () => (await page.evaluate(() => window.stored())).length === 0);
  // This page's own publishes (m5..m7) completed once each; m0..m4 belonged to the page before.
  assert.deepEqual(await page.evaluate(() => window.outcomes), [['m5', 'sent'], ['m6', 'sent'], ['m7', 'sent']]);
  assert.deepEqual(page.errors, []);
  await page.evaluate(() => window.c.close());
  await page.close();
});

test('DurableQueue_PublishWhileConnected_SentAndRemovedAndAnUnsendableOneRefusedUnstored', async () => {
  const page = await open();
  await page.evaluate(() => window.open_('durable-online-1', 'durable-online'));
  await page.evaluate(() => window.c.connect());
  await page.evaluate(() => window.put('durable/online', ['o0', 'o1', 'o2']));
  assert.deepEqual(await arrivals('durable/online', 3), ['o0', 'o1', 'o2']);
  await until('three sent', async () => (await page.evaluate(() => window.outcomes)).length === 3);
  assert.deepEqual(await page.evaluate(() => window.stored()), []);
  // What the client can never send is refused by core's rules before it is stored: a wildcard in
  // a publish topic, 8 '/' levels, a payload over 128 KB.
  assert.deepEqual(await page.evaluate(() => window.put('durable/online/#', ['bad'])), [['invalid_topic', undefined, undefined, undefined]]);
  assert.deepEqual(await page.evaluate(() => window.put('durable/a/b/c/d/e/f/g/h', ['deep'])), [['limit_exceeded', 'topic.levels', 7, 8]]);
  assert.deepEqual(await page.evaluate(() => window.put('durable/online', [new Uint8Array(131073)])), [['limit_exceeded', 'payload.bytes', 131072, 131073]]);
  assert.deepEqual(await page.evaluate(() => window.stored()), []);
  await page.evaluate(() => window.put('durable/online', ['o3']));
  assert.deepEqual(await arrivals('durable/online', 4), ['o0', 'o1', 'o2', 'o3']);
  await until('four outcomes', async () => (await page.evaluate(() => window.outcomes)).length === 4);
  assert.deepEqual((await page.evaluate(() => window.outcomes)).map(([p, code]) => [p, code]),
    [['o0', 'sent'], ['o1', 'sent'], ['o2', 'sent'], ['o3', 'sent']]);
  assert.deepEqual(await page.evaluate(() => window.stored()), []);
  await page.evaluate(() => window.c.close());
  await page.close();
});

test('DurableQueue_ReloadWhileQos1AwaitsPuback_SentAgainByTheNextPage', async () => {
  // The documented at-least-once case: the stand-in delays relayed data by 1.5 s each way, so the
  // subscriber has the message about 1.5 s before the PUBACK is back; the page reloads between.
  const page = await open();
  await page.evaluate(() => window.open_('durable-inflight-1', 'durable-inflight'));
  await page.evaluate(() => window.c.connect());
  await admin(standin, '/latency', { ms: 1500 });
  try {
    await page.evaluate(() => window.put('durable/inflight', ['q0']));
    await until('the first copy', () => received.some(([t]) => t === 'durable/inflight'));
    assert.deepEqual(await page.evaluate(() => window.outcomes), [], 'no PUBACK yet');
    await page.reload();
  } finally {
    await admin(standin, '/latency', { ms: 0 });
  }
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 10000 });
  await page.evaluate(() => window.open_('durable-inflight-1', 'durable-inflight'));
  assert.deepEqual(await page.evaluate(() => window.stored()), ['q0'], 'kept until its PUBACK');
  await page.evaluate(() => window.c.connect());
  assert.deepEqual(await arrivals('durable/inflight', 2), ['q0', 'q0']);
  await until('the store to empty', async () => (await page.evaluate(() => window.stored())).length === 0);
  await page.evaluate(() => window.c.close());
  await page.close();
});

test('DurableQueue_Policies_BoundedByMessagesAndBytesLikeTheEngine', async () => {
  const page = await open();
  // drop_oldest (the default): the two oldest are evicted, their `sent` rejects with the rule.
  await page.evaluate(() => window.open_('durable-pol-1', 'durable-oldest', { maxMessages: 3 }));
  await page.evaluate(() => { window.range5 = () => ['p0', 'p1', 'p2', 'p3', 'p4']; });
  assert.deepEqual(await page.evaluate(() => window.put('durable/oldest', window.range5())), Array(5).fill('number'));
  assert.deepEqual(await page.evaluate(() => window.stored()), ['p2', 'p3', 'p4']);
  await until('two dropped', async () => (await page.evaluate(() => window.outcomes)).length === 2);
  assert.deepEqual(await page.evaluate(() => window.outcomes), [['p0', 'dropped', 'durable.max_messages'], ['p1', 'dropped', 'durable.max_messages']]);
  // ...and only the survivors are sent.
  await page.evaluate(() => window.c.connect());
  assert.deepEqual(await arrivals('durable/oldest', 3), ['p2', 'p3', 'p4']);
  await page.evaluate(() => window.c.close());

  // drop_newest: the new ones are not stored; reject: refused with queue_full.
  await page.evaluate(() => window.open_('durable-pol-2', 'durable-newest', { maxMessages: 3, policy: 'drop_newest' }));
  assert.deepEqual(await page.evaluate(() => window.put('durable/newest', window.range5())),
    ['number', 'number', 'number', ['dropped', 'durable.max_messages', 3, 4], ['dropped', 'durable.max_messages', 3, 4]]);
  assert.deepEqual(await page.evaluate(() => window.stored()), ['p0', 'p1', 'p2']);
  await page.evaluate(() => window.open_('durable-pol-3', 'durable-reject', { maxMessages: 3, policy: 'reject' }));
  assert.deepEqual(await page.evaluate(() => window.put('durable/reject', window.range5())),
    ['number', 'number', 'number', ['queue_full', 'durable.max_messages', 3, 4], ['queue_full', 'durable.max_messages', 3, 4]]);
  assert.deepEqual(await page.evaluate(() => window.stored()), ['p0', 'p1', 'p2']);

  // Bytes: topic + payload, "durable/b" (9) + 5 = 14 each; 30 hold two. A third evicts the
  // oldest; one larger than maxBytes alone is never stored (dropped, or queue_full under reject).
  await page.evaluate(() => window.open_('durable-pol-4', 'durable-bytes', { maxBytes: 30 }));
  assert.deepEqual(await page.evaluate(() => window.put('durable/b', ['b0___', 'b1___', 'b2___'])), Array(3).fill('number'));
  assert.deepEqual(await page.evaluate(() => window.stored()), ['b1___', 'b2___']);
  assert.deepEqual(await page.evaluate(() => window.put('durable/b', ['x'.repeat(22)])), [['dropped', 'durable.max_bytes', 30, 31]]);
  // Its words name no policy (evicting the oldest could never have made room), as the engine's do.
  assert.equal(await page.evaluate(() => window.q.publish('durable/b', 'x'.repeat(22)).then(() => 'stored', (e) => e.message)),
    "dropped: message of 31 bytes exceeds the durable queue's maxBytes 30");
  assert.deepEqual(await page.evaluate(() => window.stored()), ['b1___', 'b2___']);
  await until('one dropped', async () => (await page.evaluate(() => window.outcomes)).length === 1);
  assert.deepEqual(await page.evaluate(() => window.outcomes), [['b0___', 'dropped', 'durable.max_bytes']]);
  // Bad options are refused by name.
  assert.match(await page.evaluate(() => window.open_('durable-pol-5', 'x', { policy: 'lifo' }).catch((e) => `${e.code}: ${e.message}`)),
    /^invalid_argument: options.policy must be one of drop_oldest, drop_newest, reject/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('DurableQueue_TwoTabsOneStore_EachStoredMessageSentOnce', async () => {
  const [a, b] = [await open(), await open()];
  // Two tabs, two connections (distinct client ids), one store: both hold stored messages when
  // they connect at the same moment. Only the Web Lock's holder sends; it removes before it lets go.
  await a.evaluate(() => window.open_('durable-tab-a', 'durable-tabs'));
  await b.evaluate(() => window.open_('durable-tab-b', 'durable-tabs'));
  for (let i = 0; i < 5; ++i) {
    await a.evaluate((p) => window.put('durable/tabs', [p]), `a${i}`);
    await b.evaluate((p) => window.put('durable/tabs', [p]), `b${i}`);
  }
  const order = range('', 5).flatMap((i) => [`a${i}`, `b${i}`]);
  assert.deepEqual(await a.evaluate(() => window.stored()), order);
  await Promise.all([a.evaluate(() => window.c.connect()), b.evaluate(() => window.c.connect())]);
  assert.deepEqual(await arrivals('durable/tabs', 10), order);
  // Every tab's own publishes completed once, whichever tab sent them.
  for (const [page, mine] of [[a, order.filter((p) => p[0] === 'a')], [b, order.filter((p) => p[0] === 'b')]]) {
    await until('five sent', async () => (await page.evaluate(() => window.outcomes)).length === 5);
    assert.deepEqual(await page.evaluate(() => window.outcomes), mine.map((p) => [p, 'sent']));
  }
  // Both connected: each write wakes the other tab too (BroadcastChannel), so both drain at once.
  await a.evaluate(() => { window.outcomes = []; });
  await b.evaluate(() => { window.outcomes = []; });
  const burst = range('', 8).flatMap((i) => [`A${i}`, `B${i}`]);
  for (const p of burst) await (p[0] === 'A' ? a : b).evaluate((x) => window.put('durable/tabs2', [x]), p);
  assert.deepEqual(await arrivals('durable/tabs2', 16), burst);
  for (const [page, tab] of [[a, 'A'], [b, 'B']]) {
    await until('eight sent', async () => (await page.evaluate(() => window.outcomes)).length === 8);
    assert.deepEqual(await page.evaluate(() => window.outcomes), burst.filter((p) => p[0] === tab).map((p) => [p, 'sent']));
  }
  for (const page of [a, b]) {
    await page.evaluate(() => window.c.close());
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});
