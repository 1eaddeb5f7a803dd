// Fault controls through the admin API: drop connections, stop/start the broker on the same
// ports, clock skew (403 + Date header), relay latency, and input checking.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { startStandin } from '../standin.mjs';
import { admin, closed, connectWs, nextMessage, request, staticUrl, tryUpgrade } from './helpers.mjs';

let s;
before(async () => { s = await startStandin(); });
afterEach(async () => { await admin(s, 'reset'); });
after(async () => { await s?.stop(); });

test('Faults_Drop_ClosesEveryRelayedConnection', async () => {
  const a = await connectWs(await staticUrl(s));
  const b = await connectWs(await staticUrl(s, { scheme: 'wss' }));
  const gone = Promise.all([closed(a), closed(b)]);
  const r = await admin(s, 'drop');
  assert.equal(r.status, 200);
  assert.equal(r.json.dropped, 2);
  await gone;
  a.end(true); b.end(true);
  // New connections work again right away.
  const c = await connectWs(await staticUrl(s));
  await c.endAsync();
});

test('Faults_BrokerStopStart_SamePortsAndClientsCanComeBack', async () => {
  const before_ = (await admin(s, 'state')).json;
  const client = await connectWs(await staticUrl(s));
  const gone = closed(client);
  const stopped = await admin(s, 'broker/stop');
  assert.equal(stopped.json.brokerRunning, false);
  await gone;
  client.end(true);
  // While it is down the upgrade succeeds but the relay closes: no CONNACK.
  await assert.rejects(connectWs(await staticUrl(s)));
  const started = await admin(s, 'broker/start');
  assert.equal(started.json.brokerRunning, true);
  assert.notEqual(started.json.brokerPid, before_.brokerPid);
  const again = await connectWs(await staticUrl(s));
  await again.subscribeAsync('iotlite/faults/restart', { qos: 1 });
  const got = nextMessage(again, 'iotlite/faults/restart');
  await again.publishAsync('iotlite/faults/restart', 'back', { qos: 1 });
  assert.equal(String(await got), 'back');
  await again.endAsync();
});

test('Faults_ClockSkew_RefusesFreshUrlsAndShiftsDateHeader', async () => {
  const r = await admin(s, 'clock', { skewSeconds: 600 });
  assert.equal(r.json.clockSkewMs, 600_000);
  const up = await tryUpgrade(await staticUrl(s));
  assert.equal(up.status, 403);
  assert.equal(up.body.reason, 'RequestTimeTooSkewed');
  const shift = Date.parse(up.headers.date) - Date.now();
  assert.ok(shift > 590_000 && shift < 610_000, `Date header off by ${shift} ms`);
  // A client that learned the offset from Date signs with the server's time and gets in.
  const fixed = await tryUpgrade(await staticUrl(s, { date: new Date(Date.now() + shift) }));
  assert.equal(fixed.status, 101);
  fixed.ws.close();
});

test('Faults_Latency_DelaysRelayedFramesInOrder', async () => {
  const client = await connectWs(await staticUrl(s));
  try {
    await client.subscribeAsync('iotlite/faults/latency', { qos: 0 });
    const t0 = performance.now();
    let got = nextMessage(client, 'iotlite/faults/latency');
    await client.publishAsync('iotlite/faults/latency', 'fast');
    await got;
    const base = performance.now() - t0;
    await admin(s, 'latency', { ms: 150 });
    const seen = [];
    client.on('message', (t, p) => seen.push(String(p)));
    const t1 = performance.now();
    got = nextMessage(client, 'iotlite/faults/latency');
    for (const p of ['1', '2', '3']) client.publish('iotlite/faults/latency', p);
    await got;
    const slow = performance.now() - t1;
    // Up and down are both delayed: at least 2 x 150 ms for a round trip.
    assert.ok(slow >= 290, `round trip ${slow.toFixed(0)} ms with 150 ms latency (without: ${base.toFixed(0)} ms)`);
    // The other two follow within the same latency; wait for them (bounded) rather than a fixed
    // pause, which a loaded machine can outlast.
    for (const end = performance.now() + 5000; seen.length < 3 && performance.now() < end;) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(seen.slice(0, 3), ['1', '2', '3']);
  } finally { await client.endAsync(); }
});

test('Faults_AdminBadInput_400NamingTheField', async () => {
  const r = await admin(s, 'latency', { ms: 'slow' });
  assert.equal(r.status, 400);
  assert.match(r.json.error, /"ms"/);
  const c = await admin(s, 'certs', { thing: '../etc/passwd' });
  assert.equal(c.status, 400);
  const unknown = await request(`${s.endpoints.adminUrl}/nope`, { method: 'POST' });
  assert.equal(unknown.status, 404);
});
