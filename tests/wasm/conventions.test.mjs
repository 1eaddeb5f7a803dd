// The package's JS conventions (issue 16, item 4) end to end against the stand-in: AbortSignal on
// connect / subscribe / publish (the DOM's convention: an aborted signal rejects, the reason kept;
// what can be undone is), async iteration with client.messages(), and connect() after close().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withStandin, standinOptions, uniqueId, waitFor, sleep } from './helpers.mjs';

let pkg;
let standin;
let ep;

withStandin((s) => ({ pkg, standin, ep } = s));

const options = (extra = {}) => standinOptions(ep, 'conv', { reconnect: { minDelayMs: 200, maxDelayMs: 2000 }, ...extra });

async function connected(extra) {
  const client = await pkg.IotClient.create(options(extra));
  await client.connect();
  return client;
}

// Every message the client receives, by topic (the "message" event sees all of them).
function received(client) {
  const seen = [];
  client.on('message', (m) => seen.push(`${m.topic} ${m.text()}`));
  return seen;
}

// Publishes `marker` on a topic the client is subscribed to and waits for it: the broker delivers
// one connection's QoS 1 messages in order, so whatever was published before has arrived by then.
async function settle(client, seen) {
  const marker = `iotlite/conv/${uniqueId('marker')}`;
  await client.subscribe(marker, { qos: 1 });
  await client.publish(marker, 'marker', { qos: 1 });
  await waitFor(() => seen.includes(`${marker} marker`), 5000, 'the marker message');
  await client.unsubscribe(marker);
}

// How many of the received messages are on `topic`.
const on = (seen, topic) => seen.filter((s) => s.startsWith(`${topic} `)).length;

const isAborted = (reason) => (e) => {
  assert.ok(e instanceof pkg.IotError, `not an IotError: ${e}`);
  assert.equal(e.code, 'aborted');
  assert.equal(e.cause, reason);
  return true;
};

test('Signal_AlreadyAborted_EveryCallRejectsAtOnceAndNothingHappens', async () => {
  const client = await pkg.IotClient.create(options());
  const reason = new Error('user left the page');
  const signal = AbortSignal.abort(reason);
  await assert.rejects(client.connect({ signal }), isAborted(reason));
  assert.equal(client.state, 'idle');  // never started

  await client.connect();
  const seen = received(client);
  const topic = `iotlite/conv/${uniqueId('t')}`;
  await assert.rejects(client.subscribe(topic, { qos: 1, signal }, () => assert.fail('handler called')), isAborted(reason));
  await assert.rejects(client.subscribe([topic, `${topic}/x`], { signal }), isAborted(reason));
  await client.subscribe(`${topic}/own`, { qos: 1 });
  await assert.rejects(client.publish(`${topic}/own`, 'must not be sent', { qos: 1, signal }), isAborted(reason));
  await settle(client, seen);
  assert.deepEqual(seen.filter((s) => s.startsWith(topic)), []);
  await client.close();
});

test('Signal_NotAnAbortSignal_RejectsInvalidArgument', async () => {
  const client = await pkg.IotClient.create(options());
  await assert.rejects(client.connect({ signal: 'soon' }), { code: 'invalid_argument', message: /signal must be an AbortSignal/ });
  await assert.rejects(client.publish('a/b', 'x', { signal: {} }), { code: 'invalid_argument' });
  await client.close();
});

test('Connect_AbortedBeforeConnack_RejectsAbortedAndStopsConnecting', async () => {
  const client = await pkg.IotClient.create(options());
  const controller = new AbortController();
  const p = client.connect({ signal: controller.signal });
  controller.abort();  // the default reason: a DOMException "AbortError"
  await assert.rejects(p, (e) => e.code === 'aborted' && e.cause instanceof DOMException && e.cause.name === 'AbortError');
  await waitFor(() => client.state === 'closed', 2000, 'the client to close');
  let connects = 0;
  client.on('connect', () => connects++);
  await sleep(1500);  // past the engine's 1 s backoff floor: no further attempt
  assert.equal(connects, 0);
});

test('Connect_AbortedAfterConnack_NoEffect', async () => {
  const controller = new AbortController();
  const client = await pkg.IotClient.create(options());
  assert.deepEqual(await client.connect({ signal: controller.signal }), { sessionPresent: false });
  controller.abort();
  await sleep(50);
  assert.equal(client.state, 'connected');
  await client.close();
});

test('Subscribe_AbortedBeforeSuback_RejectsAndUnsubscribes', async () => {
  const client = await connected();
  const seen = received(client);
  const topic = `iotlite/conv/${uniqueId('t')}`;
  const controller = new AbortController();
  let handled = 0;
  const p = client.subscribe(topic, { qos: 1, signal: controller.signal }, () => handled++);
  controller.abort('changed my mind');
  await assert.rejects(p, isAborted('changed my mind'));
  // The broker no longer has it: a message on the topic does not come back.
  await client.publish(topic, 'after the abort', { qos: 1 });
  await settle(client, seen);
  assert.deepEqual(seen.filter((s) => s.startsWith(topic)), []);
  assert.equal(handled, 0);
  await client.close();
});

test('Subscribe_AbortedBeforeSubackOfArray_UnsubscribesEveryFilter', async () => {
  const client = await connected();
  const seen = received(client);
  const base = `iotlite/conv/${uniqueId('t')}`;
  const filters = Array.from({ length: 10 }, (_, i) => `${base}/${i}`);  // two SUBSCRIBEs (8 + 2)
  const controller = new AbortController();
  const p = client.subscribe(filters, { qos: 1, signal: controller.signal });
  controller.abort();
  await assert.rejects(p, { code: 'aborted' });
  for (const f of filters) await client.publish(f, 'x', { qos: 1 });
  await settle(client, seen);
  assert.deepEqual(seen.filter((s) => s.startsWith(base)), []);
  await client.close();
});

test('Subscribe_AbortedWhileAnotherCallSubscribesTheSameFilter_TheOtherKeepsItsMessages', async () => {
  const client = await connected();
  const topic = `iotlite/conv/${uniqueId('t')}`;
  const kept = [];
  await client.subscribe(topic, { qos: 1 }, (m) => kept.push(m.text()));
  const controller = new AbortController();
  let aborted = 0;
  const p = client.subscribe(topic, { qos: 1, signal: controller.signal }, () => aborted++);
  controller.abort();
  await assert.rejects(p, { code: 'aborted' });
  await client.publish(topic, 'still subscribed', { qos: 1 });
  await waitFor(() => kept.length === 1, 5000, 'the message of the first subscription');
  assert.deepEqual(kept, ['still subscribed']);
  assert.equal(aborted, 0);
  await client.close();
});

test('Subscribe_AbortedAfterSuback_StaysSubscribed', async () => {
  const client = await connected();
  const topic = `iotlite/conv/${uniqueId('t')}`;
  const controller = new AbortController();
  const got = [];
  assert.equal(await client.subscribe(topic, { qos: 1, signal: controller.signal }, (m) => got.push(m.text())), 1);
  controller.abort();
  await client.publish(topic, 'kept', { qos: 1 });
  await waitFor(() => got.length === 1, 5000, 'the message');
  await client.close();
});

test('Publish_AbortedWhileQueuedOffline_RejectsAtOnceAndIsNeverSent', async () => {
  // An independent subscriber (another client of the package) sees what reaches the broker.
  const watcher = await connected();
  const topic = `iotlite/conv/${uniqueId('q')}`;
  const seen = [];
  await watcher.subscribe(`${topic}/#`, { qos: 1 }, (m) => seen.push(m.topic));
  const client = await pkg.IotClient.create(options());  // not connected: publishes wait in the offline queue
  const controller = new AbortController();
  const kept = client.publish(`${topic}/before`, 'x', { qos: 1 });
  const p = client.publish(`${topic}/aborted`, 'x', { qos: 1, signal: controller.signal });
  const after = client.publish(`${topic}/after`, 'x', { qos: 1 });
  controller.abort(new Error('too late'));
  await assert.rejects(p, (e) => e.code === 'aborted' && e.cause.message === 'too late');
  // Withdrawn from the engine's offline queue: the others go out in order once connected, it never.
  await client.connect();
  await kept;
  await after;
  await waitFor(() => seen.length >= 2, 5000, 'the two queued messages');
  await sleep(300);
  assert.deepEqual(seen, [`${topic}/before`, `${topic}/after`]);
  await client.close();
  await watcher.close();
});

test('Messages_ForAwait_YieldsInOrderAndBreakUnsubscribes', async () => {
  const client = await connected();
  const seen = received(client);
  const topic = `iotlite/conv/${uniqueId('t')}`;
  const iterable = client.messages(`${topic}/#`, { qos: 1 });
  await settle(client, seen);  // subscribed (SUBSCRIBEs are handled in order)
  for (let i = 0; i < 3; i++) await client.publish(`${topic}/${i}`, `m${i}`, { qos: 1 });
  const got = [];
  for await (const m of iterable) {
    assert.ok(m instanceof pkg.IotMessage);
    got.push(`${m.topic} ${m.text()}`);
    if (got.length === 3) break;
  }
  assert.deepEqual(got, [0, 1, 2].map((i) => `${topic}/${i} m${i}`));
  // break ended it: unsubscribed, nothing more arrives.
  const before = seen.length;
  await client.publish(`${topic}/after`, 'x', { qos: 1 });
  await settle(client, seen);
  assert.deepEqual(seen.slice(before).filter((s) => s.startsWith(topic)), []);
  await client.close();
});

test('Messages_BufferFullDropOldest_KeepsTheNewest', async () => {
  const client = await connected();
  const seen = received(client);
  const topic = `iotlite/conv/${uniqueId('t')}`;
  const it = client.messages(topic, { qos: 1, bufferSize: 2 })[Symbol.asyncIterator]();
  await settle(client, seen);
  for (let i = 0; i < 4; i++) await client.publish(topic, `m${i}`, { qos: 1 });
  await waitFor(() => on(seen, topic) === 4, 5000, 'four messages');
  assert.equal((await it.next()).value.text(), 'm2');
  assert.equal((await it.next()).value.text(), 'm3');
  assert.equal((await it.return()).done, true);
  assert.equal((await it.next()).done, true);
  await client.close();
});

test('Messages_BufferFullDropNewest_KeepsTheOldest', async () => {
  const client = await connected();
  const seen = received(client);
  const topic = `iotlite/conv/${uniqueId('t')}`;
  const it = client.messages(topic, { qos: 1, bufferSize: 2, overflow: 'drop_newest' })[Symbol.asyncIterator]();
  await settle(client, seen);
  for (let i = 0; i < 4; i++) await client.publish(topic, `m${i}`, { qos: 1 });
  await waitFor(() => on(seen, topic) === 4, 5000, 'four messages');
  assert.equal((await it.next()).value.text(), 'm0');
  assert.equal((await it.next()).value.text(), 'm1');
  await it.return();
  await client.close();
});

test('Messages_BufferFullError_YieldsTheBufferedThenThrowsQueueFull', async () => {
  const client = await connected();
  const seen = received(client);
  const topic = `iotlite/conv/${uniqueId('t')}`;
  const iterable = client.messages(topic, { qos: 1, bufferSize: 2, overflow: 'error' });
  await settle(client, seen);
  for (let i = 0; i < 3; i++) await client.publish(topic, `m${i}`, { qos: 1 });
  await waitFor(() => on(seen, topic) === 3, 5000, 'three messages');
  const got = [];
  await assert.rejects(async () => { for await (const m of iterable) got.push(m.text()); },
    (e) => e instanceof pkg.IotError && e.code === 'queue_full' && e.rule === 'messages.buffer' && e.limit === 2);
  assert.deepEqual(got, ['m0', 'm1']);
  // And it unsubscribed.
  const before = seen.length;
  await client.publish(topic, 'after', { qos: 1 });
  await settle(client, seen);
  assert.deepEqual(seen.slice(before).filter((s) => s.startsWith(topic)), []);
  await client.close();
});

test('Messages_SignalAborts_LoopThrowsAbortedAndUnsubscribes', async () => {
  const client = await connected();
  const seen = received(client);
  const topic = `iotlite/conv/${uniqueId('t')}`;
  const controller = new AbortController();
  const loop = (async () => {
    const got = [];
    for await (const m of client.messages(topic, { signal: controller.signal })) {
      got.push(m.text());
      controller.abort('enough');
    }
    return got;
  })();
  const ended = assert.rejects(loop, isAborted('enough'));  // attached before the loop can end
  await settle(client, seen);
  await client.publish(topic, 'one', { qos: 1 });
  await ended;
  const before = seen.length;
  await client.publish(topic, 'after', { qos: 1 });
  await settle(client, seen);
  assert.deepEqual(seen.slice(before).filter((s) => s.startsWith(topic)), []);
  // Already aborted: the first next() rejects.
  await assert.rejects(client.messages(topic, { signal: controller.signal }).next(), isAborted('enough'));
  await client.close();
});

test('Messages_ClientClosed_LoopEnds', async () => {
  const client = await connected();
  const loop = (async () => { let n = 0; for await (const m of client.messages('iotlite/conv/closing')) n += m ? 1 : 0; return n; })();
  await sleep(50);
  await client.close();
  assert.equal(await loop, 0);
});

test('Messages_BadArguments_FirstNextRejects', async () => {
  const client = await connected();
  await assert.rejects(client.messages('a/b', { bufferSize: 0 }).next(), { code: 'invalid_argument', message: /bufferSize/ });
  await assert.rejects(client.messages('a/b', { overflow: 'block' }).next(), { code: 'invalid_argument', message: /overflow/ });
  await assert.rejects(client.messages('a/#/b').next(), { code: 'invalid_topic' });
  await client.close();
});

test('Connect_AfterClose_RejectsInvalidStateLikeTheOtherCalls', async () => {
  const client = await connected();
  await client.close();
  for (const call of [() => client.connect(), () => client.publish('a/b', 'x'), () => client.subscribe('a/b'), () => client.unsubscribe('a/b')]) {
    await assert.rejects(call(), (e) => e instanceof pkg.IotError && e.code === 'invalid_state' && /close\(\) is final/.test(e.message));
  }
  await assert.rejects(client.messages('a/b').next(), { code: 'invalid_state' });
});

// MQTT 5 options on the plain (3.1.1) entry would be dropped without a word: each is refused,
// naming the option and the entry that has it.
test('Mqtt5OptionsOnThePlainEntry_RefusedNotDropped', async () => {
  const isV5Only = (what) => (e) => {
    assert.ok(e instanceof pkg.IotError, String(e));
    assert.equal(e.code, 'unsupported');
    assert.equal(e.rule, 'mqtt5.only');
    assert.match(e.message, new RegExp(`^${what}: an MQTT 5 option; import from "iotlite/mqtt5"`));
    return true;
  };
  await assert.rejects(pkg.IotClient.create(options({ properties: { sessionExpiryInterval: 60 } })), isV5Only('properties'));
  await assert.rejects(pkg.IotClient.create(options({ will: { topic: 'w', payload: 'x', properties: { contentType: 't' } } })), isV5Only('properties'));
  const client = await pkg.IotClient.create(options());
  await assert.rejects(client.publish('a/b', 'x', { qos: 1, properties: { userProperties: { k: 'v' } } }), isV5Only('properties'));
  await assert.rejects(client.subscribe('a/b', { qos: 1, nl: true }, () => {}), isV5Only('nl'));
  await assert.rejects(client.subscribe(['a/b', 'c/d'], { retainHandling: 2 }, () => {}), isV5Only('retainHandling'));
  assert.equal(client.state, 'idle', 'nothing was started by a refused call');
  await client.close();
});

test('TopicRules_FilterErrorAndMatching_CoresRulesExactlyAsSubscribeAppliesThem', async () => {
  // Matching: the examples of MQTT 3.1.1 §4.7, and AWS IoT's reserved topics.
  const yes = [['sport/tennis/player1/#', 'sport/tennis/player1'], ['sport/tennis/player1/#', 'sport/tennis/player1/ranking'],
    ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon'], ['sport/#', 'sport'], ['#', 'a/b/c'],
    ['sport/tennis/+', 'sport/tennis/player1'], ['sport/+', 'sport/'], ['+/+', '/finance'], ['/+', '/finance'],
    ['$SYS/#', '$SYS/monitor/Clients'], ['$aws/things/+/shadow/#', '$aws/things/t1/shadow/update/delta']];
  const no = [['sport/tennis/+', 'sport/tennis/player1/ranking'], ['sport/+', 'sport'], ['+', '/finance'], ['a/b', 'a/b/c'],
    ['a/b/c', 'a/b'], ['#', '$SYS/x'], ['+/monitor/Clients', '$SYS/monitor/Clients'], ['sport/#/x', 'sport/a/x']];
  for (const [f, t] of yes) assert.equal(pkg.topicMatches(f, t), true, `${f} matches ${t}`);
  for (const [f, t] of no) assert.equal(pkg.topicMatches(f, t), false, `${f} does not match ${t}`);
  // The rules: every refusal is the IotError subscribe() rejects the filter with.
  assert.equal(pkg.topicFilterError('a/+/b/#'), null);
  assert.equal(pkg.topicFilterError('a/b/c/d/e/f/g/#'), null, '7 "/": AWS IoT\'s most');
  const client = await pkg.IotClient.create(options());
  try {
    for (const f of ['', 'sport/tennis#', 'sport/#/ranking', 'sport+', 'a/b/c/d/e/f/g/h/#', 'f'.repeat(257), 'a\u0000b', '\ud800', 'a/\udc00/#']) {
      const e = pkg.topicFilterError(f);
      assert.ok(e instanceof pkg.IotError, `${JSON.stringify(f)} refused`);
      await assert.rejects(client.subscribe(f, { qos: 1 }), (r) => r instanceof pkg.IotError && r.code === e.code && r.message === e.message
        && r.rule === e.rule && r.limit === e.limit && r.actual === e.actual);
    }
    // A lone surrogate has no UTF-8 form: refused by core's UTF-8 rule, not sent as U+FFFD (another
    // topic) as TextEncoder would have it.
    assert.match(pkg.topicFilterError('a/\udc00/#').message, /^topic filter is not valid UTF-8$/);
    await assert.rejects(client.publish('a/\ud800', 'x'), (e) => e.code === 'invalid_topic' && e.message === 'topic is not valid UTF-8');
    await assert.rejects(pkg.IotClient.create(options({ clientId: 'dev\udc00' })),
      (e) => e.code === 'invalid_argument' && e.message === 'client id is not valid UTF-8');
    assert.equal(pkg.topicMatches('a/\ud83d\ude00/+', 'a/\ud83d\ude00/b'), true, 'a surrogate pair is one code point');
  } finally {
    await client.close();
  }
  const levels = pkg.topicFilterError('a/b/c/d/e/f/g/h/#');
  assert.deepEqual([levels.code, levels.message, levels.rule, levels.limit, levels.actual],
    ['limit_exceeded', "topic filter has 8 '/' levels; AWS IoT allows 7", 'topic.levels', 7, 8]);
  assert.match(pkg.topicFilterError('sport/#/ranking').message, /'#' must be the last level/);
  // Not a string: an IotError, never a TypeError.
  assert.throws(() => pkg.topicFilterError(42), (e) => e instanceof pkg.IotError && e.code === 'invalid_topic');
  assert.throws(() => pkg.topicMatches(null, 'a'), (e) => e instanceof pkg.IotError && e.code === 'invalid_topic');
  assert.equal(pkg.topicMatches('a/#', 42), false);
  assert.equal(pkg.topicMatches('a/#/b', 'a/x/b'), false, 'a filter that breaks a rule matches nothing');
});

test('TopicRules_BeforeAnEngineIsLoaded_IotErrorSaysToInit', async () => {
  // A fresh process: nothing loaded the engine yet.
  const { execFileSync } = await import('node:child_process');
  const { pathToFileURL } = await import('node:url');
  const { packageDir } = await import('./helpers.mjs');
  const script = `const m = await import(${JSON.stringify(pathToFileURL(`${packageDir}/index.js`).href)});
try { m.topicFilterError('a/b'); console.log('no error'); } catch (e) { console.log(e.constructor.name, e.code, e.message); }`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(out.trim(), 'IotError invalid_state the engine is not loaded yet: await init() (or IotClient.create()) first');
});
