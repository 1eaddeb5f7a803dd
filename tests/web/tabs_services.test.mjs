// "iotlite/tabs" with services: true in Chromium: client.shadow() and client.jobs() of tabs that
// share one connection, in both modes (SharedWorker; leader tab with SharedWorker hidden), against
// the stand-in's shadow and Jobs services. Oracles independent of the package: the stand-in's log
// (one "accepted" line per WebSocket connection), MQTT.js straight on its Mosquitto playing another
// device, and its Jobs control plane.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { startStandin } from '../../standin/standin.mjs';
import { checkPrerequisites, serveTestPage, launchChromium, openPage, sleep, until } from './harness.mjs';

// A tab of the app: window.start(clientId, extra) joins the shared connection; window.events gets
// [thing, event, arg] for every shadow / Jobs event the tab listens to (window.listen).
const PAGE = `<!doctype html><meta charset="utf-8"><title>tabs services</title>
<script type="module">
if (location.search.includes('noshared')) delete window.SharedWorker;
import { IotClient } from './iotlite/tabs.js';
const cfg = await (await fetch('./config.json')).json();
window.events = [];
window.start = async (clientId, extra = {}) => {
  window.c = await IotClient.create({ endpoint: cfg.endpoint, region: cfg.region, clientId, credentials: cfg.credentials, ...extra });
  await window.c.connect();
  return window.c.sharing;
};
window.listen = (kind, thing, event) => {
  const h = kind === 'shadow' ? window.c.shadow(thing) : window.c.jobs(thing);
  h.on(event, (arg) => window.events.push([thing, event, event === 'error' ? [arg.code, arg.message] : arg]));
};
window.call = (kind, thing, call, ...args) => (kind === 'shadow' ? window.c.shadow(thing) : window.c.jobs(thing))[call](...args)
  .then((v) => ['ok', v], (e) => [e.code, e.message, e.awsCode ?? null]);
window.mirror = (thing) => { const s = window.c.shadow(thing); return [s.state, s.version ?? null]; };
document.body.dataset.ready = 'true';
</script>`;

let standin, server, context, tmp, device;
const standinLog = [];

before(async () => {
  await checkPrerequisites();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'iotlite-tabs-svc-'));
  standin = await startStandin({ log: (l) => standinLog.push(l) });
  const e = standin.endpoints;
  server = await serveTestPage(path.join(tmp, 'site'), PAGE, e);
  context = await launchChromium(path.join(tmp, 'profile'));
  device = await mqtt.connectAsync(`mqtt://127.0.0.1:${e.brokerTcpPort}`, { clientId: `tabs-svc-device-${process.pid}`, reconnectPeriod: 0 });
});

after(async () => {
  for (const stop of [() => device?.endAsync(), () => context?.close(), () => server?.stop(), () => standin?.stop()]) {
    try { await stop(); } catch { /* stop the rest */ }
  }
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

const open = (query = '') => openPage(context, `${server.url}${query}`);
const accepted = () => standinLog.filter((l) => / accepted \(/.test(l)).length;
const events = (page, event) => page.evaluate((ev) => window.events.filter((x) => x[1] === ev).map((x) => x[2]), event);
const createJob = async (jobId, thing, document) => {
  const r = await fetch(`${standin.endpoints.adminUrl}/jobs/${jobId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ targets: [thing], document }) });
  assert.equal(r.status, 200, await r.text());
};

test('TabsServices_SharedWorkerTwoTabs_OneShadowAndJobsOnOneConnection', async () => {
  const before = accepted();
  const thing = `tabs-svc-${process.pid}`;
  const [a, b] = [await open(), await open()];
  for (const p of [a, b]) assert.equal(await p.evaluate(() => window.start('tabs-svc-1', { services: true })), 'worker');
  // a listens to the shadow's delta; b changes the desired state.
  await a.evaluate((t) => window.listen('shadow', t, 'delta'), thing);
  await sleep(300);  // the delta SUBSCRIBE's way to the broker
  const [ok, doc] = await b.evaluate((t) => window.call('shadow', t, 'desire', { led: 'on' }), thing);
  assert.equal(ok, 'ok', JSON.stringify(doc));
  assert.equal(doc.version, 1);
  await until("a's delta", async () => (await events(a, 'delta')).length === 1);
  assert.deepEqual((await events(a, 'delta'))[0].state, { led: 'on' });
  // Both tabs read the one mirror of the hub's Shadow.
  for (const p of [a, b]) await until('the mirror', async () => (await p.evaluate((t) => window.mirror(t), thing))[1] === 1);
  assert.deepEqual((await a.evaluate((t) => window.mirror(t), thing))[0].desired, { led: 'on' });
  // Another device reports: the delta is gone in the mirror after the next accepted answer.
  device.publish(`$aws/things/${thing}/shadow/update`, JSON.stringify({ state: { reported: { led: 'on' } } }), { qos: 1 });
  await sleep(300);
  const [got] = await b.evaluate((t) => window.call('shadow', t, 'get'), thing);
  assert.equal(got, 'ok');
  for (const p of [a, b]) await until('version 2 in every tab', async () => (await p.evaluate((t) => window.mirror(t), thing))[1] === 2);
  assert.deepEqual((await a.evaluate((t) => window.mirror(t), thing))[0].delta, {});

  // Jobs: b hears notify-next, a starts the job.
  await b.evaluate((t) => window.listen('jobs', t, 'next'), thing);
  await sleep(300);
  await createJob(`${thing}-job`, thing, { operation: 'reboot' });
  await until("b's next", async () => (await events(b, 'next')).some((x) => x && x.jobId === `${thing}-job`));
  assert.deepEqual((await events(b, 'next')).find((x) => x).jobDocument, { operation: 'reboot' });
  const [started, answer] = await a.evaluate((t) => window.call('jobs', t, 'startNext', { statusDetails: { by: 'tab a' } }), thing);
  assert.equal(started, 'ok', JSON.stringify(answer));
  assert.equal(answer.execution.status, 'IN_PROGRESS');
  const stale = await a.evaluate(([t, j]) => window.call('jobs', t, 'update', j, { status: 'SUCCEEDED', expectedVersion: 1 }), [thing, `${thing}-job`]);
  assert.deepEqual([stale[0], stale[2]], ['conflict', 'VersionMismatch'], 'AWS\'s code reaches the tab');

  // Core's rules, through the hub's engine: a thing name AWS refuses rejects the request, and
  // listening to its delta is an "error" event (as with the services build in one tab).
  await a.evaluate(() => { window.listen('shadow', 'bad thing', 'error'); window.listen('shadow', 'bad thing', 'delta'); });
  const bad = await a.evaluate(() => window.call('shadow', 'bad thing', 'get'));
  assert.equal(bad[0], 'invalid_argument');
  assert.match(bad[1], /thing name has a character outside \[a-zA-Z0-9:_-\] at offset 3/);
  await until('the error event', async () => (await events(a, 'error')).length >= 1);
  assert.equal((await events(a, 'error'))[0][0], 'invalid_argument');

  assert.equal(accepted() - before, 1, 'one WebSocket connection at the stand-in for both tabs');
  for (const p of [a, b]) {
    await p.evaluate(() => window.c.close());
    assert.deepEqual(p.errors, []);
    await p.close();
  }
});

test('TabsServices_LeaderTabGoes_TheNextLeaderListensForTheFollowersShadow', async () => {
  const thing = `tabs-svc-l-${process.pid}`;
  const a = await open('?noshared');
  await a.evaluate(() => window.start('tabs-svc-2', { services: true }));
  await until('a to lead', async () => (await a.evaluate(() => window.c.sharing)) === 'leader', 5000);
  const b = await open('?noshared');
  assert.equal(await b.evaluate(() => window.start('tabs-svc-2', { services: true })), 'follower');
  await b.evaluate((t) => window.listen('shadow', t, 'delta'), thing);
  await sleep(300);
  device.publish(`$aws/things/${thing}/shadow/update`, JSON.stringify({ state: { desired: { n: 1 } } }), { qos: 1 });
  await until("b's first delta", async () => (await events(b, 'delta')).length === 1);
  // The leader's page closes: b leads, opens the connection again and listens for its own delta.
  await a.close();
  await until('b to lead', async () => (await b.evaluate(() => [window.c.sharing, window.c.state])).join() === 'leader,connected');
  await sleep(500);  // the new connection's SUBSCRIBEs
  device.publish(`$aws/things/${thing}/shadow/update`, JSON.stringify({ state: { desired: { n: 2 } } }), { qos: 1 });
  await until("b's delta after the handover", async () => (await events(b, 'delta')).length === 2);
  assert.deepEqual((await events(b, 'delta')).map((d) => d.state), [{ n: 1 }, { n: 2 }]);
  const [ok, doc] = await b.evaluate((t) => window.call('shadow', t, 'get'), thing);
  assert.equal(ok, 'ok');
  assert.deepEqual(doc.state.desired, { n: 2 });
  await b.evaluate(() => window.c.close());
  assert.deepEqual(b.errors, []);
  await b.close();
});

test('TabsServices_ConnectionWithoutServices_ShadowRefusedNamingTheOption', async () => {
  const a = await open();
  assert.equal(await a.evaluate(() => window.start('tabs-svc-3')), 'worker');
  const r = await a.evaluate(() => window.call('shadow', 'lamp', 'get'));
  assert.equal(r[0], 'unsupported');
  assert.match(r[1], /services: true/);
  await a.evaluate(() => window.c.close());
  await a.close();
});
