// Unit tests of the stand-in's Jobs store (lib/jobs_store.mjs) with a fake clock, no sockets.
// The expected payloads are the AWS IoT developer guide's own examples ("Jobs notifications",
// "Jobs workflow", "Jobs device MQTT API"), copied as data; limits from the API reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  JobsStore, JOB_LIMITS, EXECUTION_STATUS, canTransition, isTerminal, parseJobsTopic,
} from '../lib/jobs_store.mjs';

function fixture(startSeconds = 1700000000) {
  const clock = { ms: startSeconds * 1000 };
  const store = new JobsStore({ nowMs: () => clock.ms });
  const at = (seconds) => { clock.ms = seconds * 1000; };
  // One MQTT request: returns {accepted|rejected, others} by topic.
  const send = (topic, body) => {
    const out = store.handleMqtt(topic, body === undefined ? Buffer.alloc(0) : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
    return out.map((m) => ({ topic: m.topic, body: JSON.parse(m.payload) }));
  };
  return { store, clock, at, send };
}

const withoutTimestamp = ({ timestamp, ...rest }) => rest; // eslint-disable-line no-unused-vars
const T = '$aws/things/MyThing/jobs';

test('JobsStore_GuideNotificationSeries_SamePayloadsAsTheDeveloperGuide', () => {
  // jobs-comm-notifications: "The following series of examples show the notifications that are
  // published to each topic as job executions are created and change from one state to another."
  // The guide's notifications carry a timestamp one second after the change; the stand-in stamps
  // the change's own second, so timestamps are compared with the fake clock instead.
  const { store, at, send } = fixture();
  const doc = { operation: 'test' };
  const topics = (msgs) => msgs.map((m) => m.topic);
  const body = (msgs, topic) => withoutTimestamp(JSON.parse(msgs.find((m) => m.topic === topic).payload));

  at(1517016947);
  let msgs = store.createJob({ jobId: 'job1', targets: ['MyThing'], document: doc }).messages;
  assert.deepEqual(topics(msgs), [`${T}/notify`, `${T}/notify-next`]);
  assert.deepEqual(body(msgs, `${T}/notify`), { jobs: { QUEUED: [{ jobId: 'job1', queuedAt: 1517016947, lastUpdatedAt: 1517016947, executionNumber: 1, versionNumber: 1 }] } });
  assert.deepEqual(body(msgs, `${T}/notify-next`), {
    execution: { jobId: 'job1', status: 'QUEUED', queuedAt: 1517016947, lastUpdatedAt: 1517016947, versionNumber: 1, executionNumber: 1, jobDocument: { operation: 'test' } },
  });
  assert.equal(JSON.parse(msgs[0].payload).timestamp, 1517016947);

  at(1517017191);
  msgs = store.createJob({ jobId: 'job2', targets: ['MyThing'], document: doc }).messages;
  // "A notification is not published to the jobs/notify-next topic because the next job in the queue (job1) has not changed."
  assert.deepEqual(topics(msgs), [`${T}/notify`]);
  assert.deepEqual(body(msgs, `${T}/notify`), { jobs: { QUEUED: [
    { jobId: 'job1', queuedAt: 1517016947, lastUpdatedAt: 1517016947, executionNumber: 1, versionNumber: 1 },
    { jobId: 'job2', queuedAt: 1517017191, lastUpdatedAt: 1517017191, executionNumber: 1, versionNumber: 1 },
  ] } });

  // "When job1 starts to execute, its status changes to IN_PROGRESS. No notifications are published."
  at(1517017472);
  let out = send(`${T}/job1/update`, { status: 'IN_PROGRESS' });
  assert.deepEqual(out.map((m) => m.topic), [`${T}/job1/update/accepted`]);

  at(1517017905);
  msgs = store.createJob({ jobId: 'job3', targets: ['MyThing'], document: doc }).messages;
  assert.deepEqual(topics(msgs), [`${T}/notify`]);
  assert.deepEqual(body(msgs, `${T}/notify`), { jobs: {
    IN_PROGRESS: [{ jobId: 'job1', queuedAt: 1517016947, lastUpdatedAt: 1517017472, startedAt: 1517017472, executionNumber: 1, versionNumber: 2 }],
    QUEUED: [
      { jobId: 'job2', queuedAt: 1517017191, lastUpdatedAt: 1517017191, executionNumber: 1, versionNumber: 1 },
      { jobId: 'job3', queuedAt: 1517017905, lastUpdatedAt: 1517017905, executionNumber: 1, versionNumber: 1 },
    ],
  } });

  at(1517186269);
  out = send(`${T}/job1/update`, { status: 'SUCCEEDED' });
  assert.deepEqual(out.map((m) => m.topic), [`${T}/notify`, `${T}/notify-next`, `${T}/job1/update/accepted`]);
  assert.deepEqual(withoutTimestamp(out[0].body), { jobs: { QUEUED: [
    { jobId: 'job2', queuedAt: 1517017191, lastUpdatedAt: 1517017191, executionNumber: 1, versionNumber: 1 },
    { jobId: 'job3', queuedAt: 1517017905, lastUpdatedAt: 1517017905, executionNumber: 1, versionNumber: 1 },
  ] } });
  assert.deepEqual(withoutTimestamp(out[1].body), {
    execution: { jobId: 'job2', status: 'QUEUED', queuedAt: 1517017191, lastUpdatedAt: 1517017191, versionNumber: 1, executionNumber: 1, jobDocument: { operation: 'test' } },
  });

  // job3 to IN_PROGRESS ahead of job2: only notify-next ("no job has been added or removed").
  at(1517186779);
  out = send(`${T}/job3/update`, { status: 'IN_PROGRESS' });
  assert.deepEqual(out.map((m) => m.topic), [`${T}/notify-next`, `${T}/job3/update/accepted`]);
  assert.deepEqual(withoutTimestamp(out[0].body), {
    execution: { jobId: 'job3', status: 'IN_PROGRESS', queuedAt: 1517017905, startedAt: 1517186779, lastUpdatedAt: 1517186779, versionNumber: 2, executionNumber: 1, jobDocument: { operation: 'test' } },
  });

  // The device rejects job2: notify only.
  at(1517189392);
  out = send(`${T}/job2/update`, { status: 'REJECTED' });
  assert.deepEqual(out.map((m) => m.topic), [`${T}/notify`, `${T}/job2/update/accepted`]);
  assert.deepEqual(withoutTimestamp(out[0].body), { jobs: { IN_PROGRESS: [
    { jobId: 'job3', queuedAt: 1517017905, lastUpdatedAt: 1517186779, startedAt: 1517186779, executionNumber: 1, versionNumber: 2 },
  ] } });

  // job3 force deleted: {"jobs": {}} and a notify-next with only a timestamp.
  at(1517189551);
  msgs = store.deleteJob('job3', { force: true }).messages;
  assert.deepEqual(msgs.map((m) => JSON.parse(m.payload)), [{ timestamp: 1517189551, jobs: {} }, { timestamp: 1517189551 }]);
  assert.deepEqual(topics(msgs), [`${T}/notify`, `${T}/notify-next`]);
});

test('JobsStore_TransitionTable_MatchesTheLifecycleTable', () => {
  // iot-jobs-lifecycle: SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED, CANCELED are terminal;
  // QUEUED and IN_PROGRESS are not. Written out here, not derived from the module's table.
  const legal = new Set([
    'QUEUED>IN_PROGRESS', 'QUEUED>SUCCEEDED', 'QUEUED>FAILED', 'QUEUED>REJECTED', 'QUEUED>CANCELED', 'QUEUED>REMOVED',
    'IN_PROGRESS>IN_PROGRESS', 'IN_PROGRESS>SUCCEEDED', 'IN_PROGRESS>FAILED', 'IN_PROGRESS>REJECTED',
    'IN_PROGRESS>TIMED_OUT', 'IN_PROGRESS>CANCELED', 'IN_PROGRESS>REMOVED',
  ]);
  for (const from of EXECUTION_STATUS) {
    assert.equal(isTerminal(from), !['QUEUED', 'IN_PROGRESS'].includes(from), from);
    for (const to of EXECUTION_STATUS) assert.equal(canTransition(from, to), legal.has(`${from}>${to}`), `${from} -> ${to}`);
  }
});

test('JobsStore_GuideWorkflow_StartNextUpdateWithStringVersionAndSucceeded', () => {
  // jobs-workflow-jobs-online: the device sends "expectedVersion":"1" (a string) and statusDetails.
  const { store, at, send } = fixture();
  at(1489097374);
  store.createJob({ jobId: '0023', targets: ['MyThing'], document: { url: 'https://example.invalid/fw.bin' } });
  let out = send(`${T}/0023/get`, { clientToken: 'client-001' });
  assert.deepEqual(out, [{ topic: `${T}/0023/get/accepted`, body: {
    clientToken: 'client-001', timestamp: 1489097374,
    execution: { jobId: '0023', thingName: 'MyThing', status: 'QUEUED', queuedAt: 1489097374, lastUpdatedAt: 1489097374, versionNumber: 1, executionNumber: 1, jobDocument: { url: 'https://example.invalid/fw.bin' } },
  } }]);
  // includeJobDocument false leaves the document out.
  assert.equal(send(`${T}/0023/get`, { includeJobDocument: false })[0].body.execution.jobDocument, undefined);

  at(1489097400);
  out = send(`${T}/0023/update`, { status: 'IN_PROGRESS', statusDetails: { progress: '50%' }, expectedVersion: '1', clientToken: 'client001' });
  assert.deepEqual(out.at(-1), { topic: `${T}/0023/update/accepted`, body: { clientToken: 'client001', timestamp: 1489097400 } });
  out = send(`${T}/0023/update`, { status: 'SUCCEEDED', statusDetails: { progress: '100%' }, expectedVersion: '2', clientToken: 'client-001', includeJobExecutionState: true, includeJobDocument: true });
  assert.deepEqual(out.map((m) => m.topic), [`${T}/notify`, `${T}/notify-next`, `${T}/0023/update/accepted`]);
  assert.deepEqual(withoutTimestamp(out[0].body), { jobs: {} });
  assert.deepEqual(out[2].body, {
    executionState: { status: 'SUCCEEDED', statusDetails: { progress: '100%' }, versionNumber: 3 },
    jobDocument: { url: 'https://example.invalid/fw.bin' }, timestamp: 1489097400, clientToken: 'client-001',
  });
  assert.equal(store.describeJob('0023').job.status, 'COMPLETED');
});

test('JobsStore_StartNextAndGetPending_InProgressFirstThenQueueOrder', () => {
  const { store, at, send } = fixture();
  at(100);
  store.createJob({ jobId: 'a', targets: ['MyThing'], document: { n: 1 } });
  at(101);
  store.createJob({ jobId: 'b', targets: ['arn:aws:iot:us-east-1:123456789012:thing/MyThing'], document: { n: 2 } });
  at(102);
  let out = send(`${T}/start-next`, { statusDetails: { step: 'download' }, clientToken: 'sn' });
  assert.deepEqual(out.at(-1).body, {
    execution: { jobId: 'a', thingName: 'MyThing', status: 'IN_PROGRESS', statusDetails: { step: 'download' }, queuedAt: 100, startedAt: 102, lastUpdatedAt: 102, versionNumber: 2, executionNumber: 1, jobDocument: { n: 1 } },
    timestamp: 102, clientToken: 'sn',
  });
  // Already IN_PROGRESS: returned again, details unchanged.
  out = send(`${T}/start-next`, { statusDetails: { step: 'other' } });
  assert.deepEqual(out.at(-1).body.execution.statusDetails, { step: 'download' });
  assert.equal(out.at(-1).body.execution.versionNumber, 2);
  // b to IN_PROGRESS too: both IN_PROGRESS, ordered by queuing.
  send(`${T}/b/update`, { status: 'IN_PROGRESS' });
  out = send(`${T}/get`, { clientToken: 'gp' });
  assert.deepEqual(out.at(-1).body.inProgressJobs.map((j) => j.jobId), ['a', 'b']);
  assert.deepEqual(out.at(-1).body.queuedJobs, []);
  assert.equal(send(`${T}/$next/get`, {}).at(-1).body.execution.jobId, 'a');
  send(`${T}/a/update`, { status: 'FAILED' });
  send(`${T}/b/update`, { status: 'SUCCEEDED' });
  // Nothing pending: no execution field, for start-next and $next alike.
  assert.deepEqual(send(`${T}/start-next`, { clientToken: 'e' }).at(-1).body, { timestamp: 102, clientToken: 'e' });
  assert.deepEqual(send(`${T}/$next/get`, undefined).at(-1).body, { timestamp: 102 });
  assert.deepEqual(send(`${T}/get`, '').at(-1).body, { inProgressJobs: [], queuedJobs: [], timestamp: 102 });
});

test('JobsStore_EveryRejectedCode_ErrorResponseShape', () => {
  const { store, at, send } = fixture();
  at(500);
  store.createJob({ jobId: 'j', targets: ['MyThing'], document: { op: 'x' } });
  const rej = (topic, body) => { const out = send(topic, body); assert.equal(out.at(-1).topic, `${topic}/rejected`); return out.at(-1).body; };

  assert.deepEqual(Object.keys(rej(`${T}/bad.id/get`, { clientToken: 'c1' })).sort(), ['clientToken', 'code', 'message', 'timestamp']);
  assert.equal(rej(`${T}/bad.id/get`, {}).code, 'InvalidTopic');
  assert.equal(rej(`${T}/$next/update`, { status: 'IN_PROGRESS' }).code, 'InvalidTopic');
  assert.equal(rej(`${T}/j/frobnicate`, {}).code, 'InvalidTopic');
  assert.equal(rej(`${T}/j/get`, '{"clientToken":').code, 'InvalidJson');
  assert.equal(rej(`${T}/j/get`, Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1')).code, 'InvalidJson');
  assert.equal(rej(`${T}/j/update`, {}).code, 'InvalidRequest'); // no status
  assert.equal(rej(`${T}/j/update`, { status: 'QUEUED' }).code, 'InvalidRequest');
  assert.equal(rej(`${T}/j/update`, { status: 'IN_PROGRESS', clientToken: 'x'.repeat(65) }).code, 'InvalidRequest');
  assert.equal(rej(`${T}/nope/get`, { clientToken: 'nf' }).code, 'ResourceNotFound');
  assert.equal(rej(`${T}/j/get`, { executionNumber: 2 }).code, 'ResourceNotFound');

  const vm = rej(`${T}/j/update`, { status: 'IN_PROGRESS', expectedVersion: 7, clientToken: 'v' });
  assert.deepEqual(withoutTimestamp(vm), { code: 'VersionMismatch', message: vm.message, clientToken: 'v', executionState: { status: 'QUEUED', versionNumber: 1 } });

  store.setFaults({ throttle: 1, internalError: 1 });
  assert.equal(rej(`${T}/get`, {}).code, 'RequestThrottled');
  assert.equal(rej(`${T}/get`, {}).code, 'InternalError');
  assert.equal(send(`${T}/get`, {}).at(-1).topic, `${T}/get/accepted`);

  send(`${T}/j/update`, { status: 'SUCCEEDED', statusDetails: { result: 'ok' } });
  const ist = rej(`${T}/j/update`, { status: 'IN_PROGRESS', clientToken: 'late' });
  assert.equal(ist.code, 'InvalidStateTransition');
  assert.deepEqual(ist.executionState, { status: 'SUCCEEDED', statusDetails: { result: 'ok' }, versionNumber: 2 });
  assert.equal(rej(`${T}/j/get`, {}).code, 'TerminalStateReached');
  // The service's own topics are never answered.
  for (const own of [`${T}/notify`, `${T}/notify-next`, `${T}/get/accepted`, `${T}/j/update/rejected`, `${T}/x/y/rejected`]) {
    assert.deepEqual(send(own, {}), [], own);
  }
});

test('JobsStore_StatusDetailsAndTimerLimits_AtAndPastEachLimit', () => {
  const { store, send } = fixture();
  store.createJob({ jobId: 'j', targets: ['MyThing'], document: {} });
  const code = (body) => send(`${T}/j/update`, { status: 'IN_PROGRESS', ...body }).at(-1).body.code ?? 'accepted';
  const pairs = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
  assert.equal(code({ statusDetails: pairs(JOB_LIMITS.maxStatusDetails) }), 'accepted');
  assert.equal(code({ statusDetails: pairs(JOB_LIMITS.maxStatusDetails + 1) }), 'InvalidRequest');
  assert.equal(code({ statusDetails: { ['k'.repeat(128)]: 'v' } }), 'accepted');
  assert.equal(code({ statusDetails: { ['k'.repeat(129)]: 'v' } }), 'InvalidRequest');
  assert.equal(code({ statusDetails: { 'bad key': 'v' } }), 'InvalidRequest');
  assert.equal(code({ statusDetails: { k: 'v'.repeat(1024) } }), 'accepted');
  assert.equal(code({ statusDetails: { k: 'v'.repeat(1025) } }), 'InvalidRequest');
  assert.equal(code({ statusDetails: { k: '' } }), 'InvalidRequest');
  assert.equal(code({ statusDetails: { k: 'line\nbreak' } }), 'InvalidRequest');
  assert.equal(code({ statusDetails: { k: 5 } }), 'InvalidRequest');
  assert.equal(code({ stepTimeoutInMinutes: 10080 }), 'accepted');
  assert.equal(code({ stepTimeoutInMinutes: 10081 }), 'InvalidRequest');
  assert.equal(code({ stepTimeoutInMinutes: 0 }), 'InvalidRequest');
  assert.equal(code({ stepTimeoutInMinutes: 1.5 }), 'InvalidRequest');
  assert.equal(code({ stepTimeoutInMinutes: -1 }), 'accepted'); // cancels the step timer (UpdateJobExecution only)
  assert.equal(send(`${T}/start-next`, { stepTimeoutInMinutes: -1 }).at(-1).body.code, 'InvalidRequest');
  assert.equal(code({ includeJobDocument: 'yes' }), 'InvalidRequest');
  assert.equal(code({ expectedVersion: 'one' }), 'InvalidRequest');
});

test('JobsStore_DocumentSize_32768BytesAcceptedOneMoreRefused', () => {
  const { store, send } = fixture();
  const docOf = (bytes) => { const base = '{"p":""}'; return `{"p":"${'x'.repeat(bytes - base.length)}"}`; };
  assert.equal(Buffer.byteLength(docOf(32768)), 32768);
  store.createJob({ jobId: 'big', targets: ['MyThing'], document: docOf(32768) });
  assert.equal(send(`${T}/big/get`, {}).at(-1).body.execution.jobDocument.p.length, 32768 - 8);
  assert.throws(() => store.createJob({ jobId: 'big2', targets: ['MyThing'], document: docOf(32769) }),
    (e) => e.status === 400 && e.code === 'InvalidRequestException' && /32769 bytes.*32768/.test(e.message));
  assert.throws(() => store.createJob({ jobId: 'big', targets: ['MyThing'], document: {} }), (e) => e.status === 409);
  assert.throws(() => store.createJob({ jobId: 'arr', targets: ['MyThing'], document: '[1]' }), (e) => e.status === 400);
});

test('JobsStore_StepTimer_TimesOutAtTheDeadlineAndAnUpdateReplacesIt', () => {
  const { store, clock, send } = fixture(1000);
  store.createJob({ jobId: 's', targets: ['MyThing'], document: {} });
  const start = send(`${T}/start-next`, { stepTimeoutInMinutes: 2 }).at(-1).body.execution;
  assert.equal(start.approximateSecondsBeforeTimedOut, 120);
  clock.ms += 60_000;
  // A new step timer replaces the old one: now 3 minutes from here.
  send(`${T}/s/update`, { status: 'IN_PROGRESS', stepTimeoutInMinutes: 3 });
  clock.ms += 179_999;
  assert.deepEqual(store.tick(), []);
  assert.equal(send(`${T}/s/get`, {}).at(-1).body.execution.status, 'IN_PROGRESS');
  clock.ms += 1;
  const out = store.tick().map((m) => ({ topic: m.topic, body: JSON.parse(m.payload) }));
  assert.deepEqual(out.map((m) => m.topic), [`${T}/notify`, `${T}/notify-next`]);
  assert.deepEqual(withoutTimestamp(out[0].body), { jobs: {} });
  assert.equal(store.describeJobExecution('s', 'MyThing').execution.status, 'TIMED_OUT');
  assert.equal(store.describeJobExecution('s', 'MyThing').execution.versionNumber, 4);
  assert.equal(send(`${T}/s/update`, { status: 'SUCCEEDED' }).at(-1).body.code, 'InvalidStateTransition');
});

test('JobsStore_InProgressTimer_BoundsTheStepTimerAsInTheGuidesExample', () => {
  // jobs-configurations-details, "How timers work": a 20-minute in-progress timer from 12:00; a
  // step timer of 9 minutes set at 12:13 still ends at 12:20.
  const { store, clock, send } = fixture(0);
  store.createJob({ jobId: 'w', targets: ['MyThing'], document: {}, timeoutConfig: { inProgressTimeoutInMinutes: 20 } });
  send(`${T}/w/update`, { status: 'IN_PROGRESS' }); // 12:00
  clock.ms = 5 * 60_000;
  send(`${T}/w/update`, { status: 'IN_PROGRESS', stepTimeoutInMinutes: 7 }); // ends 12:12
  clock.ms = 10 * 60_000;
  send(`${T}/w/update`, { status: 'IN_PROGRESS', stepTimeoutInMinutes: 5 }); // ends 12:15
  clock.ms = 13 * 60_000;
  send(`${T}/w/update`, { status: 'IN_PROGRESS', stepTimeoutInMinutes: 9 }); // 12:22, bounded to 12:20
  clock.ms = 20 * 60_000 - 1;
  assert.equal(store.tick().length, 0);
  clock.ms = 20 * 60_000;
  assert.equal(store.tick().length, 2);
  assert.equal(store.describeJobExecution('w', 'MyThing').execution.status, 'TIMED_OUT');
});

test('JobsStore_CancelJob_QueuedCanceledInProgressOnlyWithForce', () => {
  const { store, send } = fixture();
  store.createJob({ jobId: 'c', targets: ['t1', 't2'], document: {} });
  send('$aws/things/t1/jobs/c/update', { status: 'IN_PROGRESS' });
  let r = store.cancelJob('c');
  assert.deepEqual(r.messages.map((m) => m.topic), ['$aws/things/t2/jobs/notify', '$aws/things/t2/jobs/notify-next']);
  assert.equal(store.describeJobExecution('c', 't1').execution.status, 'IN_PROGRESS');
  assert.equal(store.describeJobExecution('c', 't2').execution.status, 'CANCELED');
  r = store.cancelJob('c', { force: true });
  assert.deepEqual(r.messages.map((m) => m.topic), ['$aws/things/t1/jobs/notify', '$aws/things/t1/jobs/notify-next']);
  const late = send('$aws/things/t1/jobs/c/update', { status: 'SUCCEEDED' }).at(-1).body;
  assert.equal(late.code, 'InvalidStateTransition');
  assert.equal(late.executionState.status, 'CANCELED');
  assert.equal(store.describeJob('c').job.forceCanceled, true);
});

test('JobsStore_CancelAndDeleteExecution_ForceAndVersionRules', () => {
  const { store, send } = fixture();
  store.createJob({ jobId: 'd', targets: ['MyThing'], document: {} });
  send(`${T}/d/update`, { status: 'IN_PROGRESS' });
  assert.throws(() => store.cancelJobExecution('d', 'MyThing'), (e) => e.status === 409 && e.code === 'InvalidStateTransitionException');
  assert.throws(() => store.cancelJobExecution('d', 'MyThing', { force: true, expectedVersion: 1 }), (e) => e.code === 'VersionConflictException');
  assert.throws(() => store.deleteJobExecution('d', 'MyThing', 1), (e) => e.status === 409);
  store.cancelJobExecution('d', 'MyThing', { force: true, expectedVersion: 2 });
  assert.throws(() => store.cancelJobExecution('d', 'MyThing', { force: true }), (e) => e.status === 409);
  assert.throws(() => store.deleteJobExecution('d', 'MyThing', 2), (e) => e.status === 404);
  assert.deepEqual(store.deleteJobExecution('d', 'MyThing', 1).messages, []); // was no longer pending
  assert.equal(send(`${T}/d/get`, {}).at(-1).body.code, 'ResourceNotFound');
});

test('JobsStore_ParseTopic_RequestsIgnoredTopicsAndInvalidOnes', () => {
  assert.deepEqual(parseJobsTopic('$aws/things/T/jobs/get'), { thing: 'T', op: 'getPending' });
  assert.deepEqual(parseJobsTopic('$aws/things/T/jobs/start-next'), { thing: 'T', op: 'startNext' });
  assert.deepEqual(parseJobsTopic('$aws/things/T/jobs/$next/get'), { thing: 'T', op: 'describe', jobId: '$next' });
  assert.deepEqual(parseJobsTopic('$aws/things/T/jobs/get/update'), { thing: 'T', op: 'update', jobId: 'get' });
  assert.deepEqual(parseJobsTopic('$aws/things/T/jobs/notify'), { ignore: true });
  assert.ok(parseJobsTopic(`$aws/things/T/jobs/${'j'.repeat(65)}/get`).invalid);
  assert.ok(parseJobsTopic('$aws/things/a.b/jobs/get').invalid);
  assert.equal(parseJobsTopic('$aws/things/T/shadow/get'), null);
});
