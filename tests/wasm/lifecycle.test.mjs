// Page lifecycle of the browser package (issue 16, item 1; wasm/README.md "Page lifecycle"): the
// client watches a window and a document (here EventTargets standing in for them, passed as
// options.lifecycle) against the stand-in; and the keep-alive under Chrome's throttling of hidden
// pages (timers run once a minute), on a virtual clock with a scripted broker.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { loadPackage, startStandin, WebSocket, uniqueId, once, waitFor, sleep } from './helpers.mjs';

let pkg;
let standin;
let ep;
const WS_MAX_S = 8;  // the stand-in's "WebSocket connection duration" quota (AWS: 24 h)

before(async () => {
  pkg = await loadPackage();
  standin = await startStandin({ awsRules: { webSocketMaxSeconds: WS_MAX_S } });
  ep = standin.endpoints;
});
after(async () => { if (standin) await standin.stop(); });
afterEach(async () => { await standin.controls.reset(); });

// A window and a document as the lifecycle code sees them.
function page() {
  const win = new EventTarget();
  win.navigator = { onLine: true };
  const doc = new EventTarget();
  doc.visibilityState = 'visible';
  const fire = (target, type, props = {}) => target.dispatchEvent(Object.assign(new Event(type), props));
  return { win, doc, fire };
}

// Counts the sockets the client opens (one per attempt), with their URLs and close codes.
function countingWebSocket() {
  const C = class extends WebSocket {
    constructor(url, ...rest) {
      super(url, ...rest);
      C.urls.push(url);
      this.addEventListener('close', (e) => C.closes.push(e.code));
    }
  };
  C.urls = [];
  C.closes = [];
  return C;
}

const options = (p, extra = {}) => ({
  endpoint: ep.wsUrl, region: ep.region, clientId: uniqueId('life'), credentials: ep.testCredentials, WebSocket,
  lifecycle: { window: p.win, document: p.doc }, ...extra,
});

async function oracle() {
  const o = mqtt.connect(`mqtt://127.0.0.1:${ep.brokerTcpPort}`, { clientId: uniqueId('oracle'), reconnectPeriod: 0 });
  await new Promise((resolve, reject) => { o.once('connect', resolve); o.once('error', reject); });
  return o;
}

test('Lifecycle_Offline_NoAttemptUntilOnlineThenAtOnce', { timeout: 30000 }, async () => {
  const p = page();
  const WS = countingWebSocket();
  const client = await pkg.IotClient.create(options(p, { WebSocket: WS, reconnect: { minDelayMs: 1000, maxDelayMs: 1000 } }));
  await client.connect();
  p.fire(p.win, 'offline');
  standin.controls.dropConnections();
  await once(client, 'disconnect');
  // The stand-in would accept an attempt (it only dropped the connection): 3.5 s at a 1 s backoff
  // would be 3 attempts.
  await sleep(3500);
  assert.equal(WS.urls.length, 1, 'no attempt while offline');
  assert.equal(client.state, 'waiting_target');
  const t = Date.now();
  p.fire(p.win, 'online');
  await once(client, 'connect', 5000);
  assert.ok(Date.now() - t < 1000, `connected ${Date.now() - t} ms after "online"`);
  assert.equal(WS.urls.length, 2);
  await client.close();
});

for (const [what, wake] of [
  ['Online', (p) => p.fire(p.win, 'online')],
  ['Visible', (p) => { p.doc.visibilityState = 'visible'; p.fire(p.doc, 'visibilitychange'); }],
  ['Resume', (p) => p.fire(p.doc, 'resume')],
]) {
  test(`Lifecycle_${what}DuringA20sBackoff_ReconnectsAtOnce`, { timeout: 30000 }, async () => {
    const p = page();
    const client = await pkg.IotClient.create(options(p, { reconnect: { minDelayMs: 20000, maxDelayMs: 30000 } }));
    await client.connect();
    const delays = [];
    client.on('reconnecting', (r) => delays.push(r.delayMs));
    p.doc.visibilityState = 'hidden';
    p.fire(p.doc, 'visibilitychange');
    standin.controls.dropConnections();
    await waitFor(() => delays.length, 5000, 'the reconnecting event');
    assert.ok(delays[0] >= 20000, `backoff ${delays[0]} ms`);
    await sleep(1100);  // AWS's 1 CONNECT per second per client id is kept in any case
    const t = Date.now();
    wake(p);
    await once(client, 'connect', 5000);
    assert.ok(Date.now() - t < 1000, `connected ${Date.now() - t} ms after the page woke, not after the backoff`);
    await client.close();
  });
}

test('Lifecycle_BackForwardCache_ClosedCleanlyNoAttemptsThenSessionRestoredWithItsQoS1', { timeout: 30000 }, async () => {
  const p = page();
  const WS = countingWebSocket();
  const topic = `iotlite/wasm/${uniqueId('bfcache')}`;
  const client = await pkg.IotClient.create(options(p, { WebSocket: WS, cleanSession: false, reconnect: { minDelayMs: 1000, maxDelayMs: 1000 } }));
  await client.connect();
  const got = [];
  await client.subscribe(topic, { qos: 1 }, (m) => got.push(m.text()));
  p.fire(p.win, 'pagehide', { persisted: true });
  await waitFor(() => WS.closes.length, 3000, 'the socket to close');
  assert.deepEqual(WS.closes, [1000], 'a normal closure');
  const o = await oracle();
  await o.publishAsync(topic, 'while in the cache', { qos: 1 });
  await sleep(2500);
  assert.equal(WS.urls.length, 1, 'no attempt while in the back/forward cache');
  const t = Date.now();
  p.fire(p.win, 'pageshow', { persisted: true });
  const c = await once(client, 'connect', 5000);
  assert.ok(Date.now() - t < 1000, `reconnected ${Date.now() - t} ms after pageshow`);
  assert.equal(c.sessionPresent, true);
  await waitFor(() => got.length, 5000, 'the QoS 1 message sent while the page was cached');
  assert.deepEqual(got, ['while in the cache']);
  await o.endAsync();
  await client.close();
});

test('Lifecycle_ConnectionNearTheWebSocketLimit_RenewedAtAQuietMomentBeforeTheBrokerClosesIt', { timeout: 40000 }, async () => {
  const p = page();
  const WS = countingWebSocket();
  const topic = `iotlite/wasm/${uniqueId('renew')}`;
  // The stand-in closes WebSockets after WS_MAX_S; the client renews 5 s before.
  const client = await pkg.IotClient.create(options(p, { WebSocket: WS, cleanSession: false, renewAfterMs: (WS_MAX_S - 5) * 1000 }));
  const disconnects = [];
  const events = [];
  client.on('disconnect', ({ error }) => { disconnects.push(error.message); events.push('disconnect'); });
  await client.connect();
  const got = [];
  await client.subscribe(topic, { qos: 1 }, (m) => got.push(Number(m.text())));
  // A PUBACK 1.2 s away (600 ms latency each way) when the renewal falls due: it waits for it.
  await sleep((WS_MAX_S - 5) * 1000 - 300);
  standin.controls.setLatency(600);
  const acked = client.publish(topic, '0', { qos: 1 }).then(() => events.push('puback'));
  await acked;
  standin.controls.setLatency(0);
  await waitFor(() => disconnects.length, 5000, 'the renewal');
  assert.deepEqual(events.slice(0, 2), ['puback', 'disconnect'], 'renewed after the QoS 1 publish was acknowledged');
  await waitFor(() => client.state === 'connected', 5000, 'the renewed connection');
  // Messages keep flowing over three connections: none lost (QoS 1, persistent session).
  const o = await oracle();
  for (let i = 1; i <= 40; i++) { await o.publishAsync(topic, String(i), { qos: 1 }); await sleep(150); }
  await waitFor(() => got.length >= 41, 10000, 'every message');
  assert.deepEqual([...new Set(got)].sort((a, b) => a - b), [...Array(41).keys()]);
  assert.ok(WS.urls.length >= 3, `${WS.urls.length} connections`);
  assert.equal(new Set(WS.urls).size, WS.urls.length, 'each connection signed anew');
  for (const m of disconnects) assert.match(m, /renewing the connection/, 'never closed by the broker\'s limit');
  await o.endAsync();
  await client.close();
});

test('Lifecycle_CredentialsExpiring_RenewedWithFreshOnesAheadOfExpiry', { timeout: 30000 }, async () => {
  const p = page();
  const handed = [];
  const client = await pkg.IotClient.create(options(p, {
    credentials: undefined, refreshBeforeExpiryMs: 3000,
    credentialsProvider: async () => { handed.push(Date.now()); return { ...ep.testCredentials, expiration: new Date(Date.now() + 9000) }; },
  }));
  const connects = [];
  client.on('connect', () => connects.push(Date.now()));
  await client.connect();
  await waitFor(() => connects.length >= 2, 15000, 'the renewal');
  // Renewed 3 s before the first credentials' expiry (core's refresh deadline), signed with the
  // second ones; before the stand-in's WS_MAX_S limit.
  const d = connects[1] - handed[0];
  assert.ok(d >= 5500 && d < 7500, `renewed ${d} ms after the first credentials (they expire at 9000)`);
  assert.ok(handed.length >= 2 && handed[1] <= connects[1], `credentials at ${handed.map((t) => t - handed[0])}, connections at ${connects.map((t) => t - handed[0])}`);
  await client.close();
});

test('Lifecycle_Option_CheckedAndFalseWatchesNothing', async () => {
  const p = page();
  await assert.rejects(pkg.IotClient.create(options(p, { lifecycle: 'yes' })), { code: 'invalid_argument', message: /lifecycle must be/ });
  const client = await pkg.IotClient.create(options(p, { lifecycle: false, reconnect: { minDelayMs: 1000, maxDelayMs: 1000 } }));
  await client.connect();
  p.fire(p.win, 'offline');
  standin.controls.dropConnections();
  await once(client, 'connect', 5000);  // "offline" was not watched
  await client.close();
});

// ---- Chrome's throttling of hidden pages, on a virtual clock --------------------------------
// Once a page is hidden (for 5 minutes, in Chrome 88+), its chained timers run at most once a
// minute, on aligned wake-ups (https://developer.chrome.com/blog/timer-throttling-in-chrome-88);
// network events are not delayed. AWS closes a connection that sent nothing for 1.5 x keep-alive.
// The model: every timer runs at the first whole minute at or after its time; the broker answers
// in 20 ms. The page is hidden from the start.
async function throttledRun({ lifecycle, minutes, frozenPingresp = false }) {
  let now = 0;
  const tasks = [];  // {at, fn}
  const add = (at, fn) => tasks.push({ at, fn });
  const saved = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, performance: globalThis.performance };
  const realImmediate = setImmediate;
  let ids = 0;
  globalThis.setTimeout = (fn, ms = 0) => {
    const t = { at: Math.ceil((now + Math.max(0, ms)) / 60000) * 60000, fn, id: ++ids };
    tasks.push(t);
    return t.id;
  };
  globalThis.clearTimeout = (id) => { const i = tasks.findIndex((t) => t.id === id); if (i >= 0) tasks.splice(i, 1); };
  Object.defineProperty(globalThis, 'performance', { value: { now: () => now }, configurable: true, writable: true });
  const sends = [];  // virtual times of the client's packets
  const FakeSocket = class extends EventTarget {
    constructor() {
      super();
      this.readyState = 0;
      add(now + 20, () => { this.readyState = 1; this.dispatchEvent(new Event('open')); });
    }
    send(bytes) {
      sends.push(now);
      for (let i = 0; i < bytes.length;) {
        const type = bytes[i] >> 4;
        let len = 0, mul = 1, j = i + 1;
        for (; bytes[j] & 0x80; j++, mul *= 128) len += (bytes[j] & 0x7f) * mul;
        len += bytes[j] * mul;
        i = j + 1 + len;
        const reply = type === 1 ? [0x20, 2, 0, 0] : type === 12 ? [0xd0, 0] : null;
        if (!reply) continue;
        const deliver = () => this.dispatchEvent(Object.assign(new Event('message'), { data: new Uint8Array(reply).buffer }));
        // A frozen page: the PINGRESP is queued behind the timer task that judges it.
        if (frozenPingresp && type === 12 && sends.length > 2) add(Math.ceil((now + 1) / 60000) * 60000 + 1, deliver);
        else add(now + 20, deliver);
      }
    }
    close() { this.readyState = 3; }
  };
  const p = page();
  p.doc.visibilityState = 'hidden';
  const client = await pkg.IotClient.create({
    endpoint: 'ws://127.0.0.1:1/mqtt', region: 'us-east-1', clientId: uniqueId('throttled'), credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
    WebSocket: FakeSocket, keepAliveSeconds: 60, lifecycle: lifecycle ? { window: p.win, document: p.doc } : false,
  });
  const disconnects = [];
  const onDisconnect = ({ error }) => disconnects.push(error.message);
  client.on('disconnect', onDisconnect);
  try {
    client.connect().catch(() => {});
    for (let steps = 0; steps < 10000; steps++) {
      await new Promise((r) => realImmediate(r));  // the microtasks (pumps, promises) of the last task
      if (!tasks.length) break;
      tasks.sort((a, b) => a.at - b.at);
      if (tasks[0].at > minutes * 60000) break;
      const t = tasks.shift();
      now = Math.max(now, t.at);
      t.fn();
    }
  } finally {
    client.off('disconnect', onDisconnect);
    await client.close();
    Object.assign(globalThis, { setTimeout: saved.setTimeout, clearTimeout: saved.clearTimeout });
    Object.defineProperty(globalThis, 'performance', { value: saved.performance, configurable: true, writable: true });
  }
  let gap = 0;
  for (let i = 1; i < sends.length; i++) gap = Math.max(gap, sends[i] - sends[i - 1]);
  return { gap, sends, disconnects };
}

test('Lifecycle_HiddenPageTimersOncePerMinute_PingsWithin1_5xKeepAliveAndNoFalseTimeout', async () => {
  const r = await throttledRun({ lifecycle: true, minutes: 12 });
  assert.ok(r.sends.length >= 11, `${r.sends.length} packets in 12 minutes`);
  assert.ok(r.gap <= 90000, `the longest silence was ${r.gap} ms (AWS closes at 90 s)`);
  assert.deepEqual(r.disconnects, []);
});

test('Lifecycle_HiddenPageWithoutTheLifecycle_ModelShowsTheMissedPing', async () => {
  // The control: without knowing the page is hidden, the ping waits for the next wake-up.
  const r = await throttledRun({ lifecycle: false, minutes: 12 });
  assert.ok(r.gap > 90000, `the longest silence was ${r.gap} ms`);
});

test('Lifecycle_LateTimerWithThePingrespQueuedBehindIt_NoFalseKeepAliveTimeout', async () => {
  const r = await throttledRun({ lifecycle: true, minutes: 6, frozenPingresp: true });
  assert.deepEqual(r.disconnects, []);
});
