// The service hook of IotClient (client.attach, wasm/README.md "Services") with a probe service on
// the plain package against the local stand-in: routing (what a service consumes never reaches
// the application, lifecycle events reach both), its deadline honoured by the client's timer,
// its events handed out only from the pump, and the closing poll before the engine is freed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { withStandin, standinOptions, packageDir, uniqueId, waitFor } from './helpers.mjs';

let pkg;
let ev;  // the generated event type constants
let standin;
let ep;

withStandin(async (s) => {
  ({ pkg, standin, ep } = s);
  ev = await import(pathToFileURL(path.join(packageDir, 'wasm-boundary.js')).href);
});

const options = () => standinOptions(ep, 'hook', { reconnect: { minDelayMs: 200, maxDelayMs: 2000 } });

// A minimal service: subscribes on the engine itself and consumes that SUBACK; wakes at a
// deadline it is given; records everything the client does to it.
class Probe {
  constructor(n, h, pump) {
    Object.assign(this, { n, h, pump, seen: [], polls: [], ownSubAck: null, at: -1, woke: null, inApiCall: false, pollsInApiCall: 0 });
  }
  subscribe(filter) {
    this.op = this.n.subscribe(this.h, filter, 1, performance.now());
    this.pump();
  }
  onEvent(e) {
    this.seen.push(e.type);
    if (e.type === ev.EV_SUBSCRIBED && e.opId === this.op) { this.ownSubAck = e; return true; }
    return false;
  }
  deadline(at) { return this.at >= 0 && (at < 0 || this.at < at) ? this.at : at; }
  poll(closing) {
    if (this.inApiCall) this.pollsInApiCall++;
    this.polls.push(closing === true);
    if (this.at >= 0 && performance.now() >= this.at) { this.woke = performance.now(); this.at = -1; }
  }
}

function attachProbe(client) {
  let probe;
  client.attach((n, h, pump) => (probe = new Probe(n, h, pump)));
  return probe;
}

test('Attach_ProbeSubscribes_ItsSubackConsumedAndConnectSeenByBoth', async () => {
  const client = await pkg.IotClient.create(options());
  const probe = attachProbe(client);
  let appConnects = 0;
  client.on('connect', () => appConnects++);
  await client.connect();
  assert.equal(appConnects, 1);
  assert.ok(probe.seen.includes(ev.EV_CONNECTED), 'the service was not offered the connected event');
  // An application subscription completes normally next to the service's own one.
  const appSub = client.subscribe(`hook/${uniqueId('app')}`, { qos: 1 });
  probe.subscribe(`hook/${uniqueId('svc')}`);
  assert.equal(await appSub, 1);
  await waitFor(() => probe.ownSubAck, 5000, "the probe's SUBACK");
  assert.deepEqual(probe.ownSubAck.granted, [1]);
  // The application's subscription was not consumed by the probe: it was offered and passed on.
  assert.equal(probe.seen.filter((t) => t === ev.EV_SUBSCRIBED).length, 2);
  await client.close();
});

test('Attach_ServiceDeadline_ClientPumpsAtIt', async () => {
  const client = await pkg.IotClient.create({ ...options(), keepAliveSeconds: 1200 });
  const probe = attachProbe(client);
  await client.connect();
  const due = probe.at = performance.now() + 300;
  probe.pump();  // the next pump re-arms the timer at min(engine, services)
  await waitFor(() => probe.woke !== null, 3000, 'the probe woken at its deadline');
  assert.ok(probe.woke >= due, `woken ${due - probe.woke} ms early`);
  await client.close();
});

test('Attach_ApiCalls_PollNeverRunsInsideThem', async () => {
  const client = await pkg.IotClient.create(options());
  const probe = attachProbe(client);
  await client.connect();
  probe.inApiCall = true;
  const p = client.publish(`hook/${uniqueId('pub')}`, 'x', { qos: 1 });
  const s = client.subscribe(`hook/${uniqueId('sub')}`);
  probe.inApiCall = false;
  assert.equal(probe.pollsInApiCall, 0);
  await Promise.all([p, s]);
  await client.close();
});

test('Close_AttachedService_LastPollIsClosingThenAttachRefusedHandle', async () => {
  const client = await pkg.IotClient.create(options());
  const probe = attachProbe(client);
  await client.connect();
  await client.close();
  assert.equal(probe.polls.at(-1), true, 'no closing poll');
  assert.equal(probe.polls.filter((c) => c).length, 1);
  // After close() a new service gets handle 0 (and must refuse, as the shadow entry does).
  let handle = -1;
  client.attach((n, h) => { handle = h; return new Probe(n, h, () => {}); });
  assert.equal(handle, 0);
});
