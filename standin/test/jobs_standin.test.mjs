// AWS IoT Jobs through the real stand-in: an independent MQTT client (mqtt.js) on the 8883-style
// certificate door and on the SigV4 WebSocket gateway, the rule engine, Mosquitto and the Jobs
// service; jobs made and canceled through the admin API (PUT /admin/jobs/{jobId}, ...). Every
// device API, the notify / notify-next streams, every rejected code, a forced cancel mid-run, a
// step timeout (the stand-in's clock advanced) and the 32 KB job document.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startStandin } from '../standin.mjs';
import { admin, doors, request } from './helpers.mjs';

let s;
let DOORS;
before(async () => {
  s = await startStandin();
  const r = await admin(s, 'certs', { thing: 'jobs-device' });
  assert.equal(r.status, 200, r.text);
  DOORS = doors(s, r.json);
});
after(async () => { await s?.stop(); });

let seq = 0;
/** Connects on `door`, subscribes to `filters` and records every message; next() waits (bounded). */
async function device(door, filters) {
  const client = await DOORS[door]({ clientId: `jobs-${door}-${process.pid}-${++seq}` });
  const seen = [];
  const waiters = new Set();
  client.on('message', (topic, payload) => {
    seen.push({ topic, body: JSON.parse(String(payload)) });
    for (const w of waiters) w();
  });
  const granted = await client.subscribeAsync(filters, { qos: 1 });
  assert.ok(granted.every((g) => g.qos !== 128), `a subscription was refused: ${JSON.stringify(granted)}`);
  return {
    client,
    seen,
    /** The first message not yet taken on one of `topics` ({topic, body}); rejects after `ms`. */
    nextOf(topics, ms = 5_000) {
      return new Promise((resolve, reject) => {
        const take = () => {
          const m = seen.find((x) => topics.includes(x.topic) && !x.taken);
          if (!m) return false;
          m.taken = true;
          clearTimeout(timer);
          waiters.delete(take);
          resolve(m);
          return true;
        };
        const timer = setTimeout(() => { waiters.delete(take); reject(new Error(`no message on ${topics.join(' or ')} within ${ms} ms; seen ${seen.map((x) => x.topic).join(', ')}`)); }, ms);
        if (!take()) waiters.add(take);
      });
    },
    /** The body of the first message not yet taken on `topic`. */
    async next(topic, ms) { return (await this.nextOf([topic], ms)).body; },
    /** Publishes `body` on `topic`; resolves with {accepted: body} or {rejected: body}. */
    async call(topic, body, ms = 5_000) {
      const answer = this.nextOf([`${topic}/accepted`, `${topic}/rejected`], ms);
      answer.catch(() => {});
      await client.publishAsync(topic, typeof body === 'string' ? body : JSON.stringify(body), { qos: 1 });
      const m = await answer;
      return m.topic.endsWith('/accepted') ? { accepted: m.body } : { rejected: m.body };
    },
    close: () => client.endAsync(true),
  };
}

const jobsApi = (method, path, body) => request(new URL(path, s.endpoints.adminUrl).href, {
  method, headers: { 'content-type': 'application/json' }, body,
});
const nowSeconds = () => Math.floor(s.clock.nowMs() / 1000);
const filtersFor = (thing) => [`$aws/things/${thing}/jobs/notify`, `$aws/things/${thing}/jobs/notify-next`, `$aws/things/${thing}/jobs/+/accepted`,
  `$aws/things/${thing}/jobs/+/rejected`, `$aws/things/${thing}/jobs/+/+/accepted`, `$aws/things/${thing}/jobs/+/+/rejected`];

test('JobsStandin_Mqtt8883_CreateStartUpdateSucceed_TheWholeDeviceFlow', async (t) => {
  const thing = 'jobs-flow';
  const P = `$aws/things/${thing}/jobs`;
  const d = await device('Mqtt8883', filtersFor(thing));
  t.after(() => d.close());
  const t0 = nowSeconds();

  const created = await jobsApi('PUT', '/admin/jobs/flow-1', { targets: [thing], document: { operation: 'install', version: '1.2.3' }, description: 'flow' });
  assert.equal(created.status, 200, created.text);
  assert.deepEqual(created.json, { jobArn: 'arn:aws:iot:us-east-1:123456789012:job/flow-1', jobId: 'flow-1', description: 'flow' });
  const notify = await d.next(`${P}/notify`);
  assert.deepEqual(notify.jobs.QUEUED.map((j) => [j.jobId, j.versionNumber, j.executionNumber]), [['flow-1', 1, 1]]);
  assert.ok(notify.timestamp >= t0 && notify.timestamp <= nowSeconds(), 'timestamp in epoch seconds');
  const next = await d.next(`${P}/notify-next`);
  assert.deepEqual({ ...next.execution, queuedAt: 0, lastUpdatedAt: 0 }, {
    jobId: 'flow-1', status: 'QUEUED', queuedAt: 0, lastUpdatedAt: 0, versionNumber: 1, executionNumber: 1, jobDocument: { operation: 'install', version: '1.2.3' },
  });

  const pending = await d.call(`${P}/get`, { clientToken: 'gp-1' });
  assert.equal(pending.accepted.clientToken, 'gp-1');
  assert.deepEqual(pending.accepted.inProgressJobs, []);
  assert.deepEqual(pending.accepted.queuedJobs.map((j) => j.jobId), ['flow-1']);

  const started = await d.call(`${P}/start-next`, { statusDetails: { step: 'download' }, stepTimeoutInMinutes: 10, clientToken: 'sn-1' });
  const x = started.accepted.execution;
  assert.equal(started.accepted.clientToken, 'sn-1');
  assert.deepEqual([x.jobId, x.thingName, x.status, x.versionNumber, x.statusDetails.step], ['flow-1', thing, 'IN_PROGRESS', 2, 'download']);
  assert.ok(x.startedAt >= t0 && x.approximateSecondsBeforeTimedOut > 590 && x.approximateSecondsBeforeTimedOut <= 600);

  const described = await d.call(`${P}/$next/get`, { clientToken: 'dn' });
  assert.equal(described.accepted.execution.jobId, 'flow-1');
  const progress = await d.call(`${P}/flow-1/update`, { status: 'IN_PROGRESS', statusDetails: { progress: '50%' }, expectedVersion: 2, includeJobExecutionState: true, clientToken: 'u-1' });
  assert.deepEqual(progress.accepted.executionState, { status: 'IN_PROGRESS', statusDetails: { progress: '50%' }, versionNumber: 3 });

  const done = await d.call(`${P}/flow-1/update`, { status: 'SUCCEEDED', statusDetails: { progress: '100%' }, expectedVersion: '3', includeJobDocument: true, clientToken: 'u-2' });
  assert.deepEqual(done.accepted.jobDocument, { operation: 'install', version: '1.2.3' });
  assert.deepEqual((await d.next(`${P}/notify`)).jobs, {});
  assert.equal((await d.next(`${P}/notify-next`)).execution, undefined);

  const after = await d.call(`${P}/flow-1/get`, { clientToken: 'late' });
  assert.equal(after.rejected.code, 'TerminalStateReached');
  const view = await jobsApi('GET', `/admin/things/${thing}/jobs/flow-1`);
  assert.equal(view.json.execution.status, 'SUCCEEDED');
  assert.equal((await jobsApi('GET', '/admin/jobs/flow-1')).json.job.status, 'COMPLETED');
});

test('JobsStandin_WsSigV4_EveryRejectedCodeWithAwsErrorShape', async (t) => {
  const thing = 'jobs-rejects';
  const P = `$aws/things/${thing}/jobs`;
  const d = await device('Ws', filtersFor(thing));
  t.after(() => d.close());
  assert.equal((await jobsApi('PUT', '/admin/jobs/rj', { targets: [thing], document: { op: 'x' } })).status, 200);
  const code = async (topic, body) => {
    const r = await d.call(topic, body);
    assert.ok(r.rejected, `${topic}: expected rejected, got ${JSON.stringify(r)}`);
    assert.equal(typeof r.rejected.message, 'string');
    assert.equal(typeof r.rejected.timestamp, 'number');
    return r.rejected;
  };
  // A jobId outside [a-zA-Z0-9_-] passes the reserved-topic rules (any level) but maps to no API.
  assert.deepEqual(Object.keys(await code(`${P}/bad.id/get`, { clientToken: 'it' })).sort(), ['clientToken', 'code', 'message', 'timestamp']);
  assert.equal((await code(`${P}/bad.id/get`, {})).code, 'InvalidTopic');
  assert.equal((await code(`${P}/rj/get`, '{not json')).code, 'InvalidJson');
  assert.equal((await code(`${P}/rj/update`, { statusDetails: { a: 'b' } })).code, 'InvalidRequest');
  assert.equal((await code(`${P}/rj/update`, { status: 'IN_PROGRESS', statusDetails: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) })).code, 'InvalidRequest');
  assert.equal((await code(`${P}/missing/get`, {})).code, 'ResourceNotFound');
  const vm = await code(`${P}/rj/update`, { status: 'IN_PROGRESS', expectedVersion: 5, clientToken: 'vm' });
  assert.deepEqual([vm.code, vm.clientToken, vm.executionState], ['VersionMismatch', 'vm', { status: 'QUEUED', versionNumber: 1 }]);

  const faults = await jobsApi('POST', '/admin/faults/jobs', { throttle: 1, internalError: 1 });
  assert.equal(faults.status, 200, faults.text);
  assert.equal((await code(`${P}/get`, {})).code, 'RequestThrottled');
  assert.equal((await code(`${P}/get`, {})).code, 'InternalError');
  assert.ok((await d.call(`${P}/get`, {})).accepted, 'faults are used up');

  assert.ok((await d.call(`${P}/rj/update`, { status: 'FAILED', statusDetails: { reason: 'disk' } })).accepted);
  const ist = await code(`${P}/rj/update`, { status: 'SUCCEEDED' });
  assert.deepEqual([ist.code, ist.executionState], ['InvalidStateTransition', { status: 'FAILED', statusDetails: { reason: 'disk' }, versionNumber: 2 }]);
  assert.equal((await code(`${P}/rj/get`, {})).code, 'TerminalStateReached');
});

test('JobsStandin_CancelMidRun_WithoutForceKeptWithForceCanceledAndDeviceRefused', async (t) => {
  const thing = 'jobs-cancel';
  const P = `$aws/things/${thing}/jobs`;
  const d = await device('Mqtt8883', filtersFor(thing));
  t.after(() => d.close());
  assert.equal((await jobsApi('PUT', '/admin/jobs/cx', { targets: [thing], document: { op: 'long' } })).status, 200);
  await d.next(`${P}/notify`);
  assert.equal((await d.call(`${P}/start-next`, {})).accepted.execution.status, 'IN_PROGRESS');

  assert.equal((await jobsApi('PUT', '/admin/jobs/cx/cancel')).status, 200);
  assert.equal((await jobsApi('GET', `/admin/things/${thing}/jobs/cx`)).json.execution.status, 'IN_PROGRESS');
  const refused = await jobsApi('PUT', `/admin/things/${thing}/jobs/cx/cancel`);
  assert.deepEqual([refused.status, refused.json.code], [409, 'InvalidStateTransitionException']);

  assert.equal((await jobsApi('PUT', '/admin/jobs/cx/cancel?force=true')).status, 200);
  assert.deepEqual((await d.next(`${P}/notify`)).jobs, {});
  const late = await d.call(`${P}/cx/update`, { status: 'SUCCEEDED', clientToken: 'late' });
  assert.equal(late.rejected.code, 'InvalidStateTransition');
  assert.equal(late.rejected.executionState.status, 'CANCELED');
  assert.equal((await jobsApi('GET', '/admin/jobs/cx')).json.job.forceCanceled, true);

  // A canceled (terminal) execution can be deleted without force.
  assert.equal((await jobsApi('DELETE', `/admin/things/${thing}/jobs/cx/executionNumber/1`)).status, 200);
  assert.equal((await d.call(`${P}/cx/get`, {})).rejected.code, 'ResourceNotFound');
});

test('JobsStandin_StepTimeout_ClockAdvancedPastTheTimer_TimedOutAndNotified', async (t) => {
  const thing = 'jobs-timeout';
  const P = `$aws/things/${thing}/jobs`;
  const d = await device('Mqtt8883', filtersFor(thing));
  t.after(async () => { await admin(s, 'clock', { skewMs: 0 }); await d.close(); });
  assert.equal((await jobsApi('PUT', '/admin/jobs/slow', { targets: [thing], document: { op: 'slow' } })).status, 200);
  await d.next(`${P}/notify`);
  assert.equal((await d.call(`${P}/start-next`, { stepTimeoutInMinutes: 1 })).accepted.execution.status, 'IN_PROGRESS');
  // 59 s later the execution still runs; past 60 s the service times it out by itself.
  assert.equal((await admin(s, 'clock', { skewSeconds: 59 })).status, 200);
  assert.equal((await d.call(`${P}/slow/get`, {})).accepted.execution.status, 'IN_PROGRESS');
  assert.equal((await admin(s, 'clock', { skewSeconds: 61 })).status, 200);
  assert.deepEqual((await d.next(`${P}/notify`, 3_000)).jobs, {});
  assert.equal((await jobsApi('GET', `/admin/things/${thing}/jobs/slow`)).json.execution.status, 'TIMED_OUT');
  const late = await d.call(`${P}/slow/update`, { status: 'SUCCEEDED' });
  assert.deepEqual([late.rejected.code, late.rejected.executionState.status], ['InvalidStateTransition', 'TIMED_OUT']);
});

test('JobsStandin_Document32KB_DeliveredWholeOverMqttAndOneByteMoreIs400', async (t) => {
  const thing = 'jobs-big';
  const P = `$aws/things/${thing}/jobs`;
  const d = await device('Ws', filtersFor(thing));
  t.after(() => d.close());
  const text = (bytes) => `{"blob":"${'z'.repeat(bytes - 11)}"}`;
  assert.equal(Buffer.byteLength(text(32768)), 32768);
  const tooBig = await jobsApi('PUT', '/admin/jobs/big2', { targets: [thing], document: text(32769) });
  assert.deepEqual([tooBig.status, tooBig.json.code], [400, 'InvalidRequestException']);
  assert.match(tooBig.json.error, /32769 bytes; AWS IoT Jobs allows 32768/);
  assert.equal((await jobsApi('PUT', '/admin/jobs/big', { targets: [thing], document: text(32768) })).status, 200);
  const got = await d.call(`${P}/big/get`, { clientToken: 'big' });
  assert.equal(JSON.stringify(got.accepted.execution.jobDocument), text(32768));
});

test('JobsStandin_AdminErrors_AwsStatusesAndExceptionNames', async () => {
  const create = (id, body) => jobsApi('PUT', `/admin/jobs/${id}`, body);
  assert.equal((await create('adm', { targets: ['jobs-admin'], document: {} })).status, 200);
  const dup = await create('adm', { targets: ['jobs-admin'], document: {} });
  assert.deepEqual([dup.status, dup.json.code], [409, 'ResourceAlreadyExistsException']);
  assert.equal((await create('bad.id', { targets: ['t'], document: {} })).status, 400);
  assert.equal((await create('nodoc', { targets: ['t'] })).status, 400);
  assert.equal((await create('notargets', { targets: [], document: {} })).status, 400);
  assert.equal((await create('badtimeout', { targets: ['t'], document: {}, timeoutConfig: { inProgressTimeoutInMinutes: 10081 } })).status, 400);
  const missing = await jobsApi('GET', '/admin/jobs/none');
  assert.deepEqual([missing.status, missing.json.code], [404, 'ResourceNotFoundException']);
  const queued = await jobsApi('DELETE', '/admin/things/jobs-admin/jobs/adm/executionNumber/1');
  assert.deepEqual([queued.status, queued.json.code], [409, 'InvalidStateTransitionException']);
  assert.equal((await jobsApi('DELETE', '/admin/things/jobs-admin/jobs/adm/executionNumber/1?force=true')).status, 200);
  assert.equal((await jobsApi('PUT', '/admin/jobs/adm/cancel?force=maybe')).status, 400);
  assert.equal((await jobsApi('DELETE', '/admin/jobs/adm')).status, 200);
  assert.equal((await jobsApi('GET', '/admin/jobs/adm')).status, 404);
});

test('JobsStandin_BrokerRestart_ServiceReconnectsAndJobsAreKept', async (t) => {
  const thing = 'jobs-restart';
  const P = `$aws/things/${thing}/jobs`;
  assert.equal((await jobsApi('PUT', '/admin/jobs/kept', { targets: [thing], document: { op: 'kept' } })).status, 200);
  assert.equal((await admin(s, 'broker/stop')).status, 200);
  assert.equal((await admin(s, 'broker/start')).status, 200);
  // The service reconnects every 500 ms: ask until it answers, a bounded number of times.
  const d = await device('Mqtt8883', filtersFor(thing));
  t.after(() => d.close());
  let answer = null;
  for (let attempt = 0; attempt < 20 && !answer; attempt++) {
    answer = await d.call(`${P}/get`, { clientToken: `r${attempt}` }, 500).catch(() => null);
  }
  assert.ok(answer?.accepted, 'the Jobs service answered after the broker restart');
  assert.deepEqual(answer.accepted.queuedJobs.map((j) => j.jobId), ['kept']);
});
