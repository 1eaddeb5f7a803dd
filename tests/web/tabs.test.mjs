// "iotlite/tabs" (wasm/js/tabs.js) in Chromium: three tabs (pages of one browser context) of one
// app on loopback share one MQTT connection at the local stand-in, in both modes: a SharedWorker,
// and, with SharedWorker hidden from the page, a leader tab elected by Web Locks talking over a
// BroadcastChannel. Oracles independent of the package: the stand-in's own log ("accepted": one
// line per WebSocket connection it let through) and admin state (live relayed connections, sampled
// all along), its subscriptions-per-connection quota (set to 3 here: a filter still subscribed
// at the broker makes the next distinct one fail with SUBACK 0x80), and MQTT.js connected straight
// to the stand-in's Mosquitto, publishing to the tabs and receiving what they published.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { startStandin } from '../../standin/standin.mjs';
import { startStaticServer } from '../../scripts/demo_server.mjs';
import { PACKAGE_DIR, REPO, admin, checkPrerequisites, serveTestPage, launchChromium, openPage, sleep, until } from './harness.mjs';

// The app: the package from ./iotlite/, the stand-in's endpoint and test keys from config.json.
// "?noshared" hides SharedWorker from the page (the fallback). A tab records every message its
// handlers and its "message" listener got, and every state it was told.
const APP = (from) => `if (location.search.includes('noshared')) delete window.SharedWorker;
import { IotClient } from '${from}';
const cfg = await (await fetch('./config.json')).json();
window.got = [];
window.states = [];
window.events = [];
window.start = async (clientId, provider, extra = {}) => {
  const auth = provider ? { credentialsProvider: async () => { window.provided = (window.provided || 0) + 1; return cfg.credentials; } } : { credentials: cfg.credentials };
  window.c = await IotClient.create({ endpoint: cfg.endpoint, region: cfg.region, clientId, ...auth, ...extra });
  window.c.on('statechange', (e) => window.states.push(e.state));
  window.c.on('message', (m) => window.got.push(['message', m.topic, m.text()]));
  for (const e of ['connect', 'disconnect', 'error']) window.c.on(e, () => window.events.push(e));
  return window.c.sharing;
};
window.sub = (f, qos = 1) => window.c.subscribe(f, { qos }, (m) => window.got.push([f, m.topic, m.text()])).catch((e) => [e.code, e.message]);
window.unsub = (f) => window.c.unsubscribe(f).then(() => 'ok', (e) => [e.code, e.message]);
window.pub = (t, p, qos = 1) => window.c.publish(t, p, { qos }).then(() => 'ok', (e) => [e.code, e.message]);
// Publishes without waiting; window.outcomes gets [payload, 'ok' | code] as each completes.
window.outcomes = [];
// The first n messages of filter through messages(), then break.
window.collect = (f, n) => { window.collected = (async () => { const out = []; for await (const m of window.c.messages(f, { qos: 1 })) { out.push(m.text()); if (out.length === n) break; } return out; })(); };
window.pubLater = (t, payloads) => { for (const p of payloads) window.pub(t, p).then((r) => window.outcomes.push([p, r])); };
document.body.dataset.ready = 'true';
`;
const PAGE = `<!doctype html><meta charset="utf-8"><title>tabs</title>\n<script type="module">\n${APP('./iotlite/tabs.js')}</script>`;

let standin, server, context, tmp, oracle, sampler, sampling = true;
const standinLog = [];
const received = [];  // [topic, payload] the oracle got, in arrival order
let maxLive = 0;      // the most live relayed connections the stand-in ever had at once

before(async () => {
  await checkPrerequisites();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'iotlite-tabs-'));
  standin = await startStandin({ log: (l) => standinLog.push(l), awsRules: { subscriptionsPerConnection: 3 } });
  const e = standin.endpoints;
  server = await serveTestPage(path.join(tmp, 'site'), PAGE, e);
  context = await launchChromium(path.join(tmp, 'profile'));
  oracle = await mqtt.connectAsync(`mqtt://127.0.0.1:${e.brokerTcpPort}`, { clientId: `tabs-oracle-${process.pid}`, reconnectPeriod: 0 });
  oracle.on('message', (t, p) => received.push([t, p.toString()]));
  await oracle.subscribeAsync('tabs/+/out', { qos: 1 });
  // The oracle's own connection is TCP straight to Mosquitto: not a relayed one.
  const sample = async () => {
    const r = await fetch(`${e.adminUrl}/state`).then((x) => x.json()).catch(() => null);
    if (r) maxLive = Math.max(maxLive, r.liveRelays);
    if (sampling) sampler = setTimeout(sample, 50);
  };
  await sample();
});

after(async () => {
  sampling = false;
  clearTimeout(sampler);
  for (const stop of [() => oracle?.endAsync(), () => context?.close(), () => server?.stop(), () => standin?.stop()]) {
    try { await stop(); } catch { /* stop the rest */ }
  }
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

const open = (query = '', url = server.url) => openPage(context, `${url}${query}`);
const accepted = () => standinLog.filter((l) => / accepted \(/.test(l)).length;
const liveRelays = async () => (await (await fetch(`${standin.endpoints.adminUrl}/state`)).json()).liveRelays;
const got = (page) => page.evaluate(() => window.got);
// What the handlers of `page` got (not the "message" listener), sorted.
const handled = async (page) => (await got(page)).filter(([f]) => f !== 'message').map((x) => x.join(' ')).sort();
const messages = async (page) => (await got(page)).filter(([f]) => f === 'message').map(([, t, p]) => `${t} ${p}`).sort();

test('Tabs_SharedWorkerThreeTabs_OneConnectionEveryTabItsMessagesSubscriptionsCounted', async () => {
  const before = accepted();
  const [a, b, c] = [await open(), await open(), await open()];
  // A worker script that cannot be loaded: create() says so (and does not hang).
  assert.deepEqual(await a.evaluate(() => window.start('tabs-worker-0', false, { workerUrl: './missing-worker.js' }).catch((e) => [e.code, e.message])),
    ['io_error', 'the SharedWorker ./missing-worker.js could not be started']);
  // Tab a's options create the connection: a credentialsProvider, called in a tab by the worker.
  assert.equal(await a.evaluate(() => window.start('tabs-worker-1', true)), 'worker');
  assert.equal(await b.evaluate(() => window.start('tabs-worker-1', true)), 'worker');
  assert.equal(await c.evaluate(() => window.start('tabs-worker-1', true)), 'worker');
  for (const p of [a, b, c]) assert.deepEqual(await p.evaluate(() => window.c.connect()), { sessionPresent: false });
  for (const p of [a, b, c]) {
    assert.equal(await p.evaluate(() => window.c.state), 'connected');
    assert.ok((await p.evaluate(() => window.states)).includes('connected'));
  }
  assert.equal(accepted() - before, 1, 'one WebSocket connection at the stand-in');
  assert.equal(await liveRelays(), 1);
  assert.ok(await a.evaluate(() => window.provided) >= 1, 'tab a\'s credentialsProvider was called');
  // The shared connection's endpoint and clock offset, as the worker's client has them.
  const endpoint = { secure: false, host: new URL(standin.endpoints.wsUrl).host, path: '/mqtt' };
  for (const p of [a, b, c]) assert.deepEqual(await p.evaluate(() => [window.c.endpoint, window.c.clockOffsetMs]), [endpoint, 0]);

  // a and b share one filter, a and c have one each: 3 filters at the broker (the quota's 3).
  assert.equal(await a.evaluate(() => window.sub('tabs/w/shared')), 1);
  assert.equal(await b.evaluate(() => window.sub('tabs/w/shared')), 1);
  assert.equal(await a.evaluate(() => window.sub('tabs/w/a')), 1);
  assert.equal(await c.evaluate(() => window.sub('tabs/w/c', 0)), 0);
  for (const t of ['tabs/w/shared', 'tabs/w/a', 'tabs/w/c']) await oracle.publishAsync(t, `to ${t}`, { qos: 1 });
  await until('the messages', async () => (await got(a)).length === 4 && (await got(b)).length === 2 && (await got(c)).length === 2);
  await sleep(300);  // a duplicate would come within it
  assert.deepEqual(await handled(a), ['tabs/w/a tabs/w/a to tabs/w/a', 'tabs/w/shared tabs/w/shared to tabs/w/shared']);
  assert.deepEqual(await messages(a), ['tabs/w/a to tabs/w/a', 'tabs/w/shared to tabs/w/shared']);
  assert.deepEqual(await handled(b), ['tabs/w/shared tabs/w/shared to tabs/w/shared']);
  assert.deepEqual(await handled(c), ['tabs/w/c tabs/w/c to tabs/w/c']);

  // Publish from every tab.
  for (const [p, n] of [[a, 'a'], [b, 'b'], [c, 'c']]) assert.equal(await p.evaluate((x) => window.pub('tabs/w/out', `from ${x}`), n), 'ok');
  await until('three publishes', () => received.filter(([t]) => t === 'tabs/w/out').length === 3);
  assert.deepEqual(received.filter(([t]) => t === 'tabs/w/out').map(([, p]) => p), ['from a', 'from b', 'from c']);

  // a leaves the shared filter: b still has it, so no UNSUBSCRIBE: b still gets its messages.
  assert.equal(await a.evaluate(() => window.unsub('tabs/w/shared')), 'ok');
  await oracle.publishAsync('tabs/w/shared', 'second', { qos: 1 });
  await until('b\'s second message', async () => (await got(b)).length === 4);
  // b's page closes (no close() call): the worker releases its subscription, the last one of the
  // filter, so the broker's count drops to 2 and c's new filter fits the quota of 3...
  await b.close();
  await until('the UNSUBSCRIBE of tabs/w/shared', async () => (await c.evaluate(() => window.sub('tabs/w/c2'))) === 1, 10000);
  // ...and a fourth does not (the oracle is live): the refusal reaches the tab as an IotError.
  const [code, message] = await c.evaluate(() => window.sub('tabs/w/c3'));
  assert.equal(code, 'server_error');
  assert.match(message, /tabs\/w\/c3.*0x80/);
  assert.equal(accepted() - before, 1, 'still the one connection');
  assert.equal(await a.evaluate(() => window.c.state), 'connected');
  // a's closing leaves c connected; c's closing (the last tab) ends the connection.
  await a.evaluate(() => window.c.close());
  await oracle.publishAsync('tabs/w/c', 'after a left', { qos: 1 });
  await until('c\'s message after a left', async () => (await handled(c)).includes('tabs/w/c tabs/w/c after a left'));
  assert.equal(await liveRelays(), 1);
  await c.evaluate(() => window.c.close());
  await until('the connection to close', async () => (await liveRelays()) === 0, 5000);
  assert.equal(maxLive, 1, 'never more than one connection at once');
  for (const p of [a, c]) { assert.deepEqual(p.errors, []); await p.close(); }
});

test('Tabs_LeaderTabsWithoutSharedWorker_OneConnectionAndLeaderCloseLosesNoQos1Publish', async () => {
  const before = accepted();
  // A persistent session (cleanSession false): the broker keeps what it had sent the old leader
  // unacknowledged, and sends it again to the new one.
  const start = () => window.start('tabs-leader-1', false, { cleanSession: false });
  const a = await open('?noshared');
  assert.equal(await a.evaluate(start), 'follower');
  await until('a to lead', async () => (await a.evaluate(() => window.c.sharing)) === 'leader', 5000);
  const [b, c] = [await open('?noshared'), await open('?noshared')];
  assert.equal(await b.evaluate(start), 'follower');
  assert.equal(await c.evaluate(start), 'follower');
  for (const p of [b, c, a]) assert.deepEqual(await p.evaluate(() => window.c.connect()), { sessionPresent: false });
  assert.equal(accepted() - before, 1, 'one WebSocket connection at the stand-in');
  assert.equal(await liveRelays(), 1);
  for (const p of [b, c]) assert.equal(await p.evaluate(() => window.c.state), 'connected');
  const endpoint = { secure: false, host: new URL(standin.endpoints.wsUrl).host, path: '/mqtt' };
  for (const p of [a, b, c]) assert.deepEqual(await p.evaluate(() => [window.c.endpoint, window.c.clockOffsetMs]), [endpoint, 0]);

  // Three filters at the broker (the quota's 3): one for all tabs, one each for b and c.
  for (const p of [a, b, c]) assert.equal(await p.evaluate(() => window.sub('tabs/l/all')), 1);
  assert.equal(await b.evaluate(() => window.sub('tabs/l/b')), 1);
  assert.equal(await c.evaluate(() => window.sub('tabs/l/c')), 1);
  for (const t of ['tabs/l/b', 'tabs/l/c', 'tabs/l/all']) await oracle.publishAsync(t, `to ${t}`, { qos: 1 });
  await until('the messages', async () => (await got(a)).length === 2 && (await got(b)).length === 4 && (await got(c)).length === 4);
  await sleep(300);  // a duplicate would come within it
  assert.deepEqual(await handled(a), ['tabs/l/all tabs/l/all to tabs/l/all']);
  assert.deepEqual(await handled(b), ['tabs/l/all tabs/l/all to tabs/l/all', 'tabs/l/b tabs/l/b to tabs/l/b']);
  assert.deepEqual(await handled(c), ['tabs/l/all tabs/l/all to tabs/l/all', 'tabs/l/c tabs/l/c to tabs/l/c']);

  // The stand-in delays relayed data 1.5 s each way: b's QoS 1 publishes reach the broker (the
  // oracle sees them) about 1.5 s before their PUBACKs are back at the leader a, whose page
  // closes in between.
  await admin(standin, '/latency', { ms: 1500 });
  const burst = ['h0', 'h1', 'h2', 'h3', 'h4'];
  try {
    await b.evaluate((x) => window.pubLater('tabs/l/out', x), burst);
    await c.evaluate(() => window.pubLater('tabs/l/out', ['c0']));
    await until('the first copies', () => burst.every((p) => received.some(([t, x]) => t === 'tabs/l/out' && x === p)));
    assert.deepEqual(await b.evaluate(() => window.outcomes), [], 'no PUBACK yet');
    assert.equal(maxLive, 1, 'never more than one connection at once');
    // A QoS 1 message for c the broker hands to the leader's connection now cannot reach a
    // before its page closes: the broker sends it again to the next leader (b, next in the lock's
    // queue), which must have c's hello (its subscriptions) by then.
    await oracle.publishAsync('tabs/l/c', 'in flight', { qos: 1 });
    await a.close();
  } finally {
    await admin(standin, '/latency', { ms: 0 });
  }
  // Published while there is no leader: sent by the next one.
  await b.evaluate(() => window.pubLater('tabs/l/out', ['h5']));
  await until('b\'s publishes to complete', async () => (await b.evaluate(() => window.outcomes)).length === 6, 20000);
  assert.deepEqual((await b.evaluate(() => window.outcomes)).sort(), [...burst, 'h5'].map((p) => [p, 'ok']));
  await until('c\'s publish to complete', async () => (await c.evaluate(() => window.outcomes)).length === 1);
  await until('the message in flight at the handover', async () => (await handled(c)).includes('tabs/l/c tabs/l/c in flight'));
  assert.deepEqual(await c.evaluate(() => window.outcomes), [['c0', 'ok']]);
  const out = received.filter(([t]) => t === 'tabs/l/out').map(([, p]) => p);
  for (const p of [...burst, 'h5', 'c0']) assert.ok(out.includes(p), `${p} reached the broker (${out})`);
  // Sent again by the new leader: at least once, so the unacknowledged ones arrived twice.
  assert.ok(out.filter((p) => p === 'h0').length === 2, `h0 re-sent (${out})`);

  const roles = [await b.evaluate(() => window.c.sharing), await c.evaluate(() => window.c.sharing)].sort();
  assert.deepEqual(roles, ['follower', 'leader']);
  assert.equal(accepted() - before, 2, 'the new leader\'s connection, and no other');
  await until('one live connection', async () => (await liveRelays()) === 1, 5000);
  // (The old connection's end and the new one's start are seen by the stand-in in either order
  // when a page is closed: only the state after the handover is checked.)
  maxLive = 0;
  for (const p of [b, c]) await until('connected', async () => (await p.evaluate(() => window.c.state)) === 'connected');
  // The subscriptions were made again by the new leader.
  for (const p of [b, c]) await p.evaluate(() => { window.got = []; });
  for (const t of ['tabs/l/b', 'tabs/l/c', 'tabs/l/all']) await oracle.publishAsync(t, `again ${t}`, { qos: 1 });
  await until('the messages after the handover', async () => (await got(b)).length === 4 && (await got(c)).length === 4);
  await sleep(300);
  assert.deepEqual(await handled(b), ['tabs/l/all tabs/l/all again tabs/l/all', 'tabs/l/b tabs/l/b again tabs/l/b']);
  assert.deepEqual(await handled(c), ['tabs/l/all tabs/l/all again tabs/l/all', 'tabs/l/c tabs/l/c again tabs/l/c']);
  assert.ok((await b.evaluate(() => window.states)).includes('connected'));
  assert.equal(maxLive, 1, 'never more than one connection at once');
  for (const p of [b, c]) {
    await p.evaluate(() => window.c.close());
    assert.deepEqual(p.errors, []);
  }
  await until('the connection to close', async () => (await liveRelays()) === 0, 5000);
  for (const p of [b, c]) await p.close();
});

test('Tabs_ArrayWithAFilterTheBrokerRefuses_TheTabForgetsItAndTheNextLeaderDoesNotSubscribeIt', async () => {
  // The plain client's rule (the engine drops a refused filter): a filter answered 0x80 is not
  // subscribed again later. Here "later" is a new leader, which subscribes what the tabs' hellos
  // list: a refused filter still listed there would become live without the app knowing.
  const start = () => window.start('tabs-refused-1');
  const a = await open('?noshared');
  assert.equal(await a.evaluate(start), 'follower');
  await until('a to lead', async () => (await a.evaluate(() => window.c.sharing)) === 'leader', 5000);
  const b = await open('?noshared');
  assert.equal(await b.evaluate(start), 'follower');
  for (const p of [a, b]) assert.deepEqual(await p.evaluate(() => window.c.connect()), { sessionPresent: false });
  // Four filters in one call, against the broker's quota of 3 per connection: one is refused.
  const filters = ['tabs/r/1', 'tabs/r/2', 'tabs/r/3', 'tabs/r/4'];
  const codes = await b.evaluate((fs) => window.c.subscribe(fs, { qos: 1 }, (m) => window.got.push(['array', m.topic, m.text()])), filters);
  assert.deepEqual([...codes].sort(), [1, 1, 1, 0x80]);
  const refused = filters[codes.indexOf(0x80)];
  const granted = filters.filter((f) => f !== refused);
  // One granted filter is left: two at the broker, so a third would fit the quota.
  assert.equal(await b.evaluate((f) => window.unsub(f), granted[0]), 'ok');
  await a.close();  // b leads: a new connection, subscribed from the hellos
  await until('b to lead', async () => (await b.evaluate(() => window.c.sharing)) === 'leader', 10000);
  await until('connected', async () => (await b.evaluate(() => window.c.state)) === 'connected', 10000);
  await b.evaluate(() => { window.got = []; });
  // The refused filter's message first, then the kept ones' (one publisher: in this order).
  await oracle.publishAsync(refused, 'refused earlier', { qos: 1 });
  for (const f of granted.slice(1)) await oracle.publishAsync(f, 'kept', { qos: 1 });
  await until('the kept filters\' messages', async () => (await handled(b)).length >= 2, 10000);
  await sleep(300);
  assert.deepEqual(await handled(b), granted.slice(1).map((f) => `array ${f} kept`).sort());
  await b.evaluate(() => window.c.close());
  assert.deepEqual(b.errors, []);
  await b.close();
  await until('the connection to close', async () => (await liveRelays()) === 0, 5000);
});

test('Tabs_ViteBuiltApp_WorkerBundledByViteAndTwoTabsOnOneConnection', { timeout: 120000 }, async () => {
  // The app as a user builds it: Vite, zero config, "iotlite/tabs" from node_modules. Vite must
  // recognise the package's SharedWorker and bundle it (with the engine's .wasm) on its own.
  const app = path.join(tmp, 'vite-app');
  await fs.mkdir(path.join(app, 'node_modules'), { recursive: true });
  await fs.symlink(PACKAGE_DIR, path.join(app, 'node_modules/iotlite'), 'dir');
  await fs.writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'tabs-app', private: true, type: 'module' }));
  await fs.writeFile(path.join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><title>tabs</title><script type="module" src="/main.js"></script>');
  await fs.writeFile(path.join(app, 'main.js'), APP('iotlite/tabs'));
  execFileSync(path.join(REPO, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: app, env: { ...process.env, NODE_ENV: 'production' } });
  const assets = await fs.readdir(path.join(app, 'dist/assets'));
  assert.ok(assets.some((f) => /^tabs-worker-.*\.js$/.test(f)), `the worker is an asset of its own: ${assets}`);
  await fs.copyFile(path.join(tmp, 'site/config.json'), path.join(app, 'dist/config.json'));
  const vite = await startStaticServer({ root: path.join(app, 'dist'), port: 0 });
  try {
    const before = accepted();
    const [a, b] = [await open('', vite.url), await open('', vite.url)];
    for (const p of [a, b]) assert.equal(await p.evaluate(() => window.start('tabs-vite-1')), 'worker');
    for (const p of [a, b]) assert.deepEqual(await p.evaluate(() => window.c.connect()), { sessionPresent: false });
    assert.equal(accepted() - before, 1, 'one WebSocket connection at the stand-in');
    assert.equal(await b.evaluate(() => window.sub('tabs/v/b')), 1);
    await oracle.publishAsync('tabs/v/b', 'to b', { qos: 1 });
    await until('b\'s message', async () => (await handled(b)).length === 1);
    assert.equal(await a.evaluate(() => window.pub('tabs/v/out', 'from a')), 'ok');
    // messages(): an async iterable of a filter's messages; break ends it.
    await a.evaluate(() => window.collect('tabs/v/iter', 2));
    assert.equal(await a.evaluate(() => window.sub('tabs/v/iter')), 1, 'the filter is subscribed (the hub answers once its SUBACK came)');
    for (const p of ['i0', 'i1', 'i2']) await oracle.publishAsync('tabs/v/iter', p, { qos: 1 });
    assert.deepEqual(await a.evaluate(() => window.collected), ['i0', 'i1']);
    await until('a\'s handler to get all three', async () => (await handled(a)).length === 3);
    await until('a\'s publish', () => received.some(([t, p]) => t === 'tabs/v/out' && p === 'from a'));
    for (const p of [a, b]) {
      await p.evaluate(() => window.c.close());
      assert.deepEqual(p.errors, []);
      await p.close();
    }
    await until('the connection to close', async () => (await liveRelays()) === 0, 5000);
  } finally {
    await vite.stop();
  }
});
