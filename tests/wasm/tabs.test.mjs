// "iotlite/tabs" in Node: the hub (tabs_hub.js) that owns the shared connection, driven by scripted
// peers (what tabs.js sends) against the stand-in, with MQTT.js on the stand-in's broker as the
// oracle; the tab side's option checks; tabs.d.ts under tsc --strict. The browser behaviour itself
// (SharedWorker, Web Locks, BroadcastChannel, three tabs) is tests/web/tabs.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync, rmSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { loadPackage, packageDir, repoRoot, startStandin, waitFor, sleep, uniqueId, WebSocket } from './helpers.mjs';

let standin, oracle, Hub, tabs, dir;
const received = [];

before(async () => {
  await loadPackage();
  ({ Hub } = await import(pathToFileURL(path.join(packageDir, 'tabs_hub.js')).href));
  tabs = await import(pathToFileURL(path.join(packageDir, 'tabs.js')).href);
  // The services build the hub loads for options.services (fetching its .wasm by URL, which
  // Node 20's fetch cannot do for a file: URL): loaded here from the bytes.
  const services = await import(pathToFileURL(path.join(packageDir, 'services.js')).href);
  await services.init({ wasmBinary: readFileSync(path.join(packageDir, 'iotlite-services.wasm')) });
  // What a SharedWorker has and Node 20 lacks: a global WebSocket (the hub's client uses it).
  globalThis.WebSocket ??= WebSocket;
  standin = await startStandin({ shadowService: true });
  oracle = await mqtt.connectAsync(`mqtt://127.0.0.1:${standin.endpoints.brokerTcpPort}`, { clientId: uniqueId('tabs-oracle'), reconnectPeriod: 0 });
  oracle.on('message', (t, p) => received.push([t, p.toString()]));
  await oracle.subscribeAsync('hub/+/out', { qos: 1 });
});

after(async () => {
  await oracle?.endAsync();
  await standin?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// A scripted tab: what the hub sent it, and requests with answers awaited.
function peer(hub, id) {
  const p = { id, got: [], answers: new Map(), calls: [] };
  p.send = (m) => {
    p.got.push(m);
    if (m.t == 'done') p.answers.get(m.op)?.(m);
    if (m.t == 'call') p.calls.push(m);
  };
  let op = 0;
  p.request = (m, opId = ++op) => new Promise((resolve) => { p.answers.set(opId, resolve); hub.receive(p, { ...m, t: 'op', tab: id, op: opId }); });
  p.messages = () => p.got.filter((m) => m.t == 'msg').map((m) => `${m.topic} ${new TextDecoder().decode(m.payload)} [${m.filters}]`);
  return p;
}
const hello = (clientId, extra = {}) => {
  const e = standin.endpoints;
  return { t: 'hello', clientId, options: { endpoint: e.wsUrl, region: e.region, clientId, credentials: e.testCredentials }, fns: [], connect: false, subs: [], ...extra };
};
const welcomed = async (p) => { await waitFor(() => p.got.some((m) => m.t == 'welcome'), 5000, 'welcome'); return p.got.find((m) => m.t == 'welcome'); };

test('TabsHub_SameFilterTwoTabsQos0ThenQos1_OneDeliveryPerTabAndUnsubscribeAtTheLast', async () => {
  const hub = new Hub();
  const [a, b] = [peer(hub, 'a'), peer(hub, 'b')];
  const id = uniqueId('hub-refcount');
  hub.receive(a, hello(id));
  hub.receive(b, hello(id));
  const w = await welcomed(a);
  assert.deepEqual({ ...w, info: undefined }, { t: 'welcome', state: 'idle', info: undefined, error: undefined });
  assert.equal((await a.request({ k: 'connect' })).ok, true);
  assert.deepEqual((await b.request({ k: 'connect' })).value, { sessionPresent: false }, 'connected already: at once');
  assert.deepEqual(await a.request({ k: 'sub', filter: 'hub/f/#', qos: 0 }), { t: 'done', op: 2, ok: true, value: 0 });
  // b asks for QoS 1: the hub subscribes the filter again at QoS 1 (a second subscription of the
  // engine), yet each tab gets each message once.
  assert.equal((await b.request({ k: 'sub', filter: 'hub/f/#', qos: 1 })).value, 1);
  await oracle.publishAsync('hub/f/x', 'one', { qos: 1 });
  await waitFor(() => a.messages().length && b.messages().length, 5000, 'the message');
  await sleep(300);
  assert.deepEqual(a.messages(), ['hub/f/x one [hub/f/#]']);
  assert.deepEqual(b.messages(), ['hub/f/x one [hub/f/#]']);
  assert.equal(b.got.find((m) => m.t == 'msg').qos, 1);
  // a leaves the filter: b keeps getting it; b leaves (its page gone): nobody does.
  assert.equal((await a.request({ k: 'unsub', filter: 'hub/f/#' })).ok, true);
  await oracle.publishAsync('hub/f/y', 'two', { qos: 1 });
  await waitFor(() => b.messages().length == 2, 5000, 'the second message');
  hub.leave(b);
  await sleep(300);  // the UNSUBSCRIBE's way to the broker
  await oracle.publishAsync('hub/f/z', 'three', { qos: 1 });
  await sleep(500);
  assert.deepEqual(a.messages(), ['hub/f/x one [hub/f/#]']);
  assert.equal(b.messages().length, 2);
  // Every tab was told each state change.
  assert.deepEqual(a.got.filter((m) => m.t == 'ev' && m.name == 'statechange').map((m) => m.arg.state).at(-1), 'connected');
  await hub.close();
});

test('TabsHub_RequestSentAgainWithItsId_PublishedOnceAnsweredOnce', async () => {
  const hub = new Hub();
  const a = peer(hub, 'a');
  hub.receive(a, hello(uniqueId('hub-dedupe'), { connect: true }));
  await welcomed(a);
  const before = received.length;
  // A tab sends a pending request again when a new leader appears; the same hub must not run it twice.
  const first = a.request({ k: 'pub', topic: 'hub/d/out', payload: 'once', qos: 1 }, 77);
  hub.receive(a, { t: 'op', tab: 'a', op: 77, k: 'pub', topic: 'hub/d/out', payload: 'once', qos: 1 });
  assert.equal((await first).ok, true);
  await sleep(500);
  assert.deepEqual(received.slice(before), [['hub/d/out', 'once']]);
  assert.equal(a.got.filter((m) => m.t == 'done').length, 1);
  // Bad requests are answered with the engine's IotError, as data.
  const bad = await a.request({ k: 'pub', topic: 'hub/#', payload: 'x', qos: 1 });
  assert.equal(bad.ok, false);
  assert.equal(bad.error.code, 'invalid_topic');
  assert.match(bad.error.message, /wildcard/i);
  await hub.close();
});

test('TabsHub_CredentialsProviderInATab_CalledThroughTheTabAndItsErrorsReported', async () => {
  const hub = new Hub();
  const [a, b] = [peer(hub, 'a'), peer(hub, 'b')];
  const id = uniqueId('hub-provider');
  const h = hello(id, { fns: ['credentialsProvider'] });
  delete h.options.credentials;
  h.options.credentialsProvider = null;
  hub.receive(a, h);
  hub.receive(b, hello(id));
  await welcomed(a);
  // The worker's client asks tab a, which answers with its provider's credentials.
  const connected = a.request({ k: 'connect' });
  await waitFor(() => a.calls.length == 1, 5000, 'the call');
  assert.equal(a.calls[0].path, 'credentialsProvider');
  assert.equal(b.calls.length, 0);
  hub.receive(a, { t: 'ret', tab: 'a', call: a.calls[0].call, ok: true, value: standin.endpoints.testCredentials });
  assert.equal((await connected).ok, true);
  await hub.close();

  // A provider that fails: connect() rejects with its error, as with the plain client.
  const hub2 = new Hub();
  const c = peer(hub2, 'c');
  hub2.receive(c, { ...h, clientId: `${id}-2`, options: { ...h.options, clientId: `${id}-2`, reconnect: false } });
  await welcomed(c);
  const failed = c.request({ k: 'connect' });
  await waitFor(() => c.calls.length == 1, 5000, 'the call');
  hub2.receive(c, { t: 'ret', tab: 'c', call: c.calls[0].call, ok: false, error: { code: 'auth_failed', message: 'credentialsProvider failed: no session' } });
  const r = await failed;
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 'auth_failed');
  assert.match(r.error.message, /no session/);
  await hub2.close();
});

test('TabsHub_ClientClosedForGoodWithReconnectOff_NextConnectMakesANewOneWithTheSubscriptions', async () => {
  const hub = new Hub();
  const a = peer(hub, 'a');
  const h = hello(uniqueId('hub-again'));
  h.options.reconnect = false;
  hub.receive(a, h);
  await welcomed(a);
  const first = await a.request({ k: 'connect' });
  assert.equal(first.ok, true, JSON.stringify(first));
  assert.equal((await a.request({ k: 'sub', filter: 'hub/r/#', qos: 1 })).value, 1);
  // The stand-in drops the connection: without reconnecting, the hub's client is closed for good.
  await fetch(`${standin.endpoints.adminUrl}/drop`, { method: 'POST' });
  await waitFor(() => a.got.some((m) => m.t == 'ev' && m.name == 'statechange' && m.arg.state == 'closed'), 5000, 'the closed state');
  assert.ok(a.got.some((m) => m.t == 'ev' && m.name == 'disconnect' && m.arg.error.code), 'the disconnect, with its error as data');
  // The next connect makes a new client, subscribed again to what the tabs hold (after AWS's
  // 1 CONNECT per second per client id, which the stand-in enforces).
  await sleep(1100);
  const again = await a.request({ k: 'connect' });
  assert.equal(again.ok, true, JSON.stringify(again));
  await sleep(300);  // the SUBSCRIBE's way to the broker
  await oracle.publishAsync('hub/r/1', 'back', { qos: 1 });
  await waitFor(() => a.messages().length == 1, 5000, 'the message after the new connection');
  assert.deepEqual(a.messages(), ['hub/r/1 back [hub/r/#]']);
  await hub.close();
});

test('TabsHub_RefusedConnect_TheTabsGetCoresRetryVerdictAsData', async () => {
  const hub = new Hub();
  const a = peer(hub, 'a');
  const h = hello(uniqueId('hub-refused'));
  h.options.credentials = { ...h.options.credentials, secretAccessKey: 'a-wrong-secret' };
  h.options.reconnect = false;
  hub.receive(a, h);
  await welcomed(a);
  const r = await a.request({ k: 'connect' });
  assert.equal(r.ok, false, JSON.stringify(r));
  // With reconnect off the failed attempt ends the client: a disconnect event with the error.
  const event = () => a.got.find((m) => m.t == 'ev' && m.name == 'disconnect');
  await waitFor(() => event(), 5000, 'the disconnect event');
  // The answer and the event carry the verdict (fixed keys refused with HTTP 403).
  for (const e of [r.error, event().arg.error]) {
    assert.equal(e?.code, 'auth_failed', JSON.stringify(e));
    assert.equal(e.retryable, false);
    assert.equal(e.finalBecause, 'credentials_refused');
  }
  await hub.close();
});

test('TabsHub_ServerClock20MinAhead_TheTabsGetTheSharedEndpointAndTheOffsetItLearnt', { timeout: 30000 }, async () => {
  const skew = 20 * 60 * 1000;
  standin.controls.setClockSkew(skew);
  try {
    const hub = new Hub();
    const a = peer(hub, 'a');
    const h = hello(uniqueId('hub-clock'));
    h.options.reconnect = { minDelayMs: 100, maxDelayMs: 400 };
    hub.receive(a, h);
    // The welcome: the endpoint as core parsed the options' URL, and the configured offset (none).
    const { info } = await welcomed(a);
    const url = new URL(standin.endpoints.wsUrl);
    assert.deepEqual(info, { endpoint: { secure: false, host: url.host, path: '/mqtt' }, clockOffsetMs: 0 });
    // The first attempt is refused (403, the server's clock is 20 min ahead); the client learns the
    // offset from its Date and the next attempt connects: the tabs hear the learnt offset.
    assert.equal((await a.request({ k: 'connect' })).ok, false);
    await waitFor(() => a.got.some((m) => m.t == 'ev' && m.name == 'connect'), 10000, 'the connect event');
    const connected = a.got.find((m) => m.t == 'ev' && m.name == 'connect');
    assert.ok(Math.abs(connected.info.clockOffsetMs - skew) < 2000, `learnt offset ${connected.info.clockOffsetMs}`);
    assert.deepEqual(connected.info.endpoint, info.endpoint);
    // A tab that joins later is welcomed with it.
    const b = peer(hub, 'b');
    hub.receive(b, hello(h.clientId));
    assert.equal((await welcomed(b)).info.clockOffsetMs, connected.info.clockOffsetMs);
    await hub.close();
  } finally {
    standin.controls.setClockSkew(0);
  }
});

test('TabsHub_HelloWithAnotherClientIdOrBadOptions_RefusedNamingTheRule', async () => {
  const hub = new Hub();
  const [a, b, c] = [peer(hub, 'a'), peer(hub, 'b'), peer(hub, 'c')];
  hub.receive(a, hello('hub-one'));
  await welcomed(a);
  hub.receive(b, hello('hub-two'));
  const w = await welcomed(b);
  assert.equal(w.error.code, 'invalid_argument');
  assert.match(w.error.message, /clientId "hub-two" is not the shared connection's "hub-one"/);
  await hub.close();
  const hub2 = new Hub();
  hub2.receive(c, hello('hub-three', { options: { ...hello('x').options, clientId: 'hub-three', keepAliveSeconds: 5 } }));
  const w2 = await welcomed(c);
  assert.equal(w2.error.code, 'limit_exceeded');
  assert.match(w2.error.message, /keep/i);
  await hub2.close();
});

// Services on the shared connection (options.services): one Shadow and one Jobs object of the
// hub's client serve every tab; the stand-in's shadow and Jobs services answer, MQTT.js on its
// broker plays another device.
test('TabsHub_Services_OneShadowForEveryTabEventsToTheListenersMirrorToEveryHolder', { timeout: 20000 }, async () => {
  const hub = new Hub();
  const [a, b] = [peer(hub, 'a'), peer(hub, 'b')];
  const id = uniqueId('hub-svc');
  const thing = uniqueId('hub-thing');
  const h = hello(id);
  h.options.services = true;
  hub.receive(a, h);
  hub.receive(b, hello(id));
  await welcomed(a);
  await welcomed(b);
  assert.equal((await a.request({ k: 'connect' })).ok, true);
  const key = [thing, ''];
  // a listens to delta, b to documents (each listening watches its stream on the hub's Shadow).
  const opened = await a.request({ k: 'svcopen', kind: 'shadow', key, events: ['delta'] });
  assert.equal(opened.ok, true, JSON.stringify(opened));
  assert.deepEqual(opened.value, { state: null, version: undefined });
  assert.equal((await b.request({ k: 'svcopen', kind: 'shadow', key, events: ['documents'] })).ok, true);
  // b's request runs on the hub's Shadow: the accepted document, and the mirror after it.
  const updated = await b.request({ k: 'svc', kind: 'shadow', key, call: 'desire', args: [{ led: 'on' }] });
  assert.equal(updated.ok, true, JSON.stringify(updated));
  assert.equal(updated.value.value.version, 1);
  assert.deepEqual(updated.value.mirror.state.desired, { led: 'on' });
  // Each tab hears the events it listens to, and only those; both get the mirror.
  await waitFor(() => a.got.some((m) => m.t == 'sev' && m.event == 'delta'), 5000, "a's delta");
  await waitFor(() => b.got.some((m) => m.t == 'sev' && m.event == 'documents'), 5000, "b's documents");
  const delta = a.got.find((m) => m.t == 'sev');
  assert.deepEqual([delta.kind, delta.key, delta.arg.state], ['shadow', key, { led: 'on' }]);
  assert.deepEqual(a.got.filter((m) => m.t == 'sev').map((m) => m.event), ['delta']);
  assert.deepEqual(b.got.filter((m) => m.t == 'sev').map((m) => m.event), ['documents']);
  for (const p of [a, b]) {
    await waitFor(() => p.got.some((m) => m.t == 'svcm' && m.mirror.version == 1), 5000, `${p.id}'s mirror`);
  }
  // Another device reports: the documents stream brings it to the hub's Shadow, and every holder's
  // mirror has it (a, which does not listen to documents, too).
  await oracle.publishAsync(`$aws/things/${thing}/shadow/update`, JSON.stringify({ state: { reported: { led: 'on' } } }), { qos: 1 });
  for (const p of [a, b]) {
    await waitFor(() => p.got.some((m) => m.t == 'svcm' && m.mirror.version == 2), 5000, `${p.id}'s mirror at version 2`);
    const last = p.got.filter((m) => m.t == 'svcm').at(-1).mirror;
    assert.deepEqual(last.state.reported, { led: 'on' });
    assert.deepEqual(last.state.delta, {});
  }
  assert.equal(a.got.filter((m) => m.t == 'sev' && m.event == 'documents').length, 0);
  // Rules and refusals come back as the plain client's errors.
  const bad = await a.request({ k: 'svc', kind: 'shadow', key: ['bad thing', ''], call: 'get', args: [] });
  assert.equal(bad.ok, false);
  assert.equal(bad.error.code, 'invalid_argument');
  assert.match(bad.error.message, /thing name has a character outside \[a-zA-Z0-9:_-\] at offset 3/);
  const unknown = await a.request({ k: 'svc', kind: 'shadow', key, call: 'constructor', args: [] });
  assert.match(unknown.error.message, /shadow has no call constructor/);
  // Jobs: a listener of "next" hears a job created by the control plane.
  assert.equal((await b.request({ k: 'svcopen', kind: 'jobs', key: [thing], events: ['next'] })).ok, true);
  await sleep(300);  // the notify-next SUBSCRIBE's way to the broker
  const created = await fetch(`${standin.endpoints.adminUrl}/jobs/${thing}-job`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ targets: [thing], document: { op: 'x' } }) });
  assert.equal(created.status, 200);
  await waitFor(() => b.got.some((m) => m.t == 'sev' && m.kind == 'jobs' && m.event == 'next'), 5000, "b's next");
  assert.deepEqual(b.got.find((m) => m.t == 'sev' && m.kind == 'jobs').arg.jobDocument, { op: 'x' });
  const started = await a.request({ k: 'svc', kind: 'jobs', key: [thing], call: 'startNext', args: [{}] });
  assert.equal(started.value.value.execution.status, 'IN_PROGRESS');
  assert.equal(started.value.mirror, null);
  await hub.close();
});

test('TabsHub_ServicesWithoutTheOption_RefusedNamingIt', async () => {
  const hub = new Hub();
  const a = peer(hub, 'a');
  hub.receive(a, hello(uniqueId('hub-nosvc')));
  await welcomed(a);
  const r = await a.request({ k: 'svcopen', kind: 'shadow', key: ['t', ''], events: ['delta'] });
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 'unsupported');
  assert.match(r.error.message, /services: true/);
  await hub.close();
});

test('TabsEntry_OptionsARuntimeCannotShare_RefusedWithIotError', async () => {
  const base = { endpoint: standin.endpoints.wsUrl, region: standin.endpoints.region, clientId: 'x', credentials: standin.endpoints.testCredentials };
  const code = (p) => p.then(() => 'resolved', (e) => `${e.constructor.name} ${e.code}: ${e.message}`);
  assert.match(await code(tabs.IotClient.create({ ...base, clientId: '' })), /^IotError invalid_argument: clientId must be a non-empty string/);
  assert.match(await code(tabs.IotClient.create({ ...base, sharing: 'tab' })), /^IotError invalid_argument: sharing must be "auto", "worker" or "leader"/);
  // Node has neither SharedWorker nor Web Locks.
  assert.match(await code(tabs.IotClient.create(base)), /^IotError unsupported: no SharedWorker, and no Web Locks/);
  assert.match(await code(tabs.IotClient.create({ ...base, sharing: 'worker' })), /^IotError unsupported: sharing "worker": no SharedWorker/);
  // What a SharedWorker cannot be given (checked before one is started).
  globalThis.SharedWorker = class { constructor() { throw new Error('not to be started'); } };
  try {
    assert.match(await code(tabs.IotClient.create({ ...base, WebSocket })), /^IotError invalid_argument: options.WebSocket cannot be used with a SharedWorker/);
    assert.match(await code(tabs.IotClient.create({ ...base, credentials: { ...base.credentials, refresh: () => 1 } })),
      /^IotError invalid_argument: the options must be structured-cloneable to reach the SharedWorker .*functions are allowed only as credentialsProvider, cognito.logins/);
  } finally {
    delete globalThis.SharedWorker;
  }
});

const GOOD = `import { IotClient, IotError, IotMessage } from 'iotlite/tabs';
async function main(): Promise<void> {
  const client: IotClient = await IotClient.create({ endpoint: 'x', clientId: 'y', cognito: { identityPoolId: 'us-east-1:0', storage: localStorage }, sharing: 'auto' });
  client.on('statechange', ({ state }) => console.log(state, client.sharing));
  client.on('message', (m: IotMessage) => console.log(m.topic, m.text()));
  await client.connect({ signal: AbortSignal.timeout(5000) });
  const q: 0 | 1 = await client.subscribe('a/b', { qos: 1 }, (m) => m.json<{ n: number }>().n);
  const codes: (0 | 1 | 0x80)[] = await client.subscribe(['a/1', 'a/2']);
  await client.publish('a/b', { q, codes, host: client.endpoint.host, secure: client.endpoint.secure, offset: client.clockOffsetMs + 1 }, { qos: 1 });
  try { await client.unsubscribe('a/b'); } catch (e) { if (e instanceof IotError) console.log(e.code); }
  for await (const m of client.messages('a/#', { qos: 1, bufferSize: 10, overflow: 'error' })) { console.log(m.topic); break; }
  const svc = await IotClient.create({ endpoint: 'x', clientId: 'z', services: true });
  const lamp = svc.shadow('lamp').on('delta', (d) => console.log(d.version));
  await lamp.desire({ led: 'on' });
  const v: number | undefined = lamp.version;
  const { execution } = await svc.jobs('lamp').startNext<{ op: string }>({ stepTimeoutInMinutes: 5 });
  if (execution) await svc.jobs('lamp').update(execution.jobId, { status: 'SUCCEEDED', expectedVersion: execution.versionNumber });
  console.log(v, lamp.state?.desired, execution?.jobDocument?.op);
  await client.close();
}
main();
`;
const BAD = `import { IotClient } from 'iotlite/tabs';
async function f() {
  const c = await IotClient.create({ endpoint: 'x', clientId: 'y', sharing: 'tab' });
  await c.publish('t', 'p', { qos: 2 });
  const s: 'worker' | 'leader' = c.sharing;
  c.clockOffsetMs = 1000;
  await c.jobs('t').update('j', { status: 'QUEUED' });
}
console.log(f);
`;

function runTsc(file) {
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [] },
    files: [file],
  }));
  return new Promise((resolve) => {
    execFile(path.join(repoRoot, 'node_modules/.bin/tsc'), ['-p', dir], { timeout: 60000 }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, out: stdout + stderr }));
  });
}

test('TabsDts_AppAndMisuse_CheckedUnderStrict', { timeout: 120000 }, async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'iotlite-tabs-types-'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(packageDir, path.join(dir, 'node_modules/iotlite'), 'dir');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'ts-consumer', private: true, type: 'module' }));
  writeFileSync(path.join(dir, 'good.ts'), GOOD);
  writeFileSync(path.join(dir, 'bad.ts'), BAD);
  const good = await runTsc('good.ts');
  assert.equal(good.code, 0, good.out);
  const bad = await runTsc('bad.ts');
  assert.match(bad.out, /bad\.ts\(3,\d+\): error TS2322: Type '"tab"' is not assignable/);
  assert.match(bad.out, /bad\.ts\(4,\d+\): error TS2322: Type '2' is not assignable to type '0 \| 1 \| undefined'/);
  assert.match(bad.out, /bad\.ts\(5,\d+\): error TS2322: Type '[^']*"follower"[^']*' is not assignable/);
  assert.match(bad.out, /bad\.ts\(6,\d+\): error TS2540: Cannot assign to 'clockOffsetMs' because it is a read-only property/);
  assert.match(bad.out, /bad\.ts\(7,\d+\): error TS2322: Type '"QUEUED"' is not assignable to type 'DeviceJobStatus'/);
  assert.equal(bad.out.match(/error TS/g).length, 5, bad.out);
});
