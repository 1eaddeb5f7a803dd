// End-to-end services scenario, browser package side (issue 15, item 5): a web device on the
// "iotlite/services" entry (the package as shipped, run in Node with `ws` as its WebSocket) connects
// over WSS + SigV4 to the local stand-in (the stand-in's CA given to `ws`; the signature checked
// by the stand-in's gateway with AWS's own code) and runs jobs with client.jobs(thing). Three jobs
// are made through the stand-in's control plane (/admin, AWS's CreateJob shape):
//   job 1 runs and reports SUCCEEDED;
//   job 2 is canceled mid-run (CancelJob, force): the web device sees jobs/notify-next move on,
//     asks DescribeJobExecution, gets TerminalStateReached, aborts the work (its AbortSignal fires,
//     the work's timer is cleared) and reports nothing more;
//   job 3 is started with stepTimeoutInMinutes 1 and the stand-in's clock is moved 2 minutes on:
//     the service times it out (TIMED_OUT) and the web device aborts the work the same way.
// The oracle is the stand-in's admin API (statuses, versions, the job's status), not the web
// device's own record. Every wait is bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageDir, startStandin, WebSocket, waitFor, sleep } from '../wasm/helpers.mjs';
import { adminApi } from './admin.mjs';

let pkg;
let standin;
let ep;
let openClient;  // closed in after() too, so a failed assertion cannot leave it reconnecting

before(async () => {
  for (const f of ['services.js', 'jobs.js', 'iotlite-services.wasm']) {
    if (!existsSync(path.join(packageDir, f))) throw new Error(`the wasm package has no ${f}: build the wasm preset (iotlite_wasm_package)`);
  }
  pkg = await import(pathToFileURL(path.join(packageDir, 'services.js')).href);
  await pkg.init({ wasmBinary: readFileSync(path.join(packageDir, 'iotlite-services.wasm')) });
  standin = await startStandin({ jobsService: true });
  ep = standin.endpoints;
});

after(async () => {
  if (openClient) await openClient.close().catch(() => {});
  if (standin) await standin.stop();
});

// The stand-in's /admin (tests/e2e/admin.mjs), once `ep` is known.
const admin = (...args) => adminApi(ep).admin(...args);
const execution = (...args) => adminApi(ep).execution(...args);

/**
 * The web device's job agent, as an application would write it on client.jobs(thing): take the
 * next job (StartNext with a step timeout), report IN_PROGRESS, run the work, report SUCCEEDED or
 * FAILED. When jobs/notify-next stops naming the running job, DescribeJobExecution tells whether it
 * ended on the service (TerminalStateReached: canceled, timed out, removed); then the work is
 * aborted and nothing more is reported (AWS refuses updates of a terminal execution).
 * `work(doc, signal)` resolves true / false, or rejects when `signal` aborts.
 */
function webAgent(jobs, work, { maxJobs, stepTimeoutInMinutes }) {
  const outcomes = [];
  let current = null;   // { jobId, abort: AbortController, execution }
  let wake = null;      // resolves a wait for notify-next to name a job
  const log = [];
  jobs.on('next', (next) => {
    if (!current && next && wake) { wake(); wake = null; }
    if (current && (!next || next.jobId !== current.jobId)) {
      const running = current;
      jobs.describe(running.jobId).then(() => {}, (e) => {
        if (e.awsCode === 'TerminalStateReached' && running === current) {
          log.push(`${running.jobId}: ${e.message}`);
          running.ended = e.response?.message ?? e.message;
          running.abort.abort(new Error('the job ended on the service'));
        }
      });
    }
  });
  const done = (async () => {
    await jobs.watch('notify_next');
    while (outcomes.length < maxJobs) {
      const waiting = new Promise((resolve) => { wake = resolve; });
      const started = await jobs.startNext({ stepTimeoutInMinutes, statusDetails: { agent: 'web' } });
      const x = started.execution;
      if (!x) {
        log.push('no pending job; waiting for jobs/notify-next');
        await waiting;
        continue;
      }
      wake = null;
      current = { jobId: x.jobId, abort: new AbortController(), execution: x };
      let outcome;
      try {
        const progress = await jobs.update(x.jobId, { status: 'IN_PROGRESS', statusDetails: { step: 'running' }, expectedVersion: x.versionNumber });
        assert.ok(progress.timestamp > 0);
        const ok = await work(x.jobDocument, current.abort.signal);
        await jobs.update(x.jobId, { status: ok ? 'SUCCEEDED' : 'FAILED', statusDetails: { result: ok ? 'ok' : 'failed' } });
        outcome = { jobId: x.jobId, outcome: ok ? 'succeeded' : 'failed' };
      } catch (e) {
        if (!current.abort.signal.aborted) throw e;
        outcome = { jobId: x.jobId, outcome: 'stopped', why: current.ended };
      }
      outcomes.push(outcome);
      current = null;
    }
    return outcomes;
  })();
  return { done, log, running: () => current };
}

test('E2E_WebDeviceOverWssSigv4_ThreeJobsSucceededCanceledTimedOut', { timeout: 60000 }, async () => {
  const ca = readFileSync(ep.caCertPath);
  // `ws` with the stand-in's CA: the wss:// door's certificate is verified, not ignored.
  class CaWebSocket extends WebSocket {
    constructor(url, protocols, options) { super(url, protocols, { ...options, ca }); }
  }
  const client = await pkg.IotClient.create({
    endpoint: `wss://localhost:${ep.wssPort}/mqtt`, region: ep.region, clientId: `web-e2e-${process.pid}`,
    credentials: ep.testCredentials, WebSocket: CaWebSocket, reconnect: { minDelayMs: 200, maxDelayMs: 2000 },
  });
  openClient = client;
  let connects = 0;
  client.on('connect', () => { ++connects; });
  await client.connect();
  const thing = `web-e2e-${process.pid}`;
  const jobs = client.jobs(thing);

  // The work: "quick" is done at once; "long" takes 60 s unless aborted (its timer then cleared).
  const live = new Map();  // job document's n -> its running work's timer
  const finished = [];
  const work = (doc, signal) => new Promise((resolve, reject) => {
    if (doc.operation === 'quick') { finished.push(doc.n); resolve(true); return; }
    const timer = setTimeout(() => { live.delete(doc.n); finished.push(doc.n); resolve(true); }, 60000);
    live.set(doc.n, timer);
    signal.addEventListener('abort', () => { clearTimeout(timer); live.delete(doc.n); reject(signal.reason); }, { once: true });
  });
  const agent = webAgent(jobs, work, { maxJobs: 3, stepTimeoutInMinutes: 1 });
  let agentError;
  agent.done.catch((e) => { agentError = e; });
  await waitFor(() => agent.log.includes('no pending job; waiting for jobs/notify-next') || agentError, 10000, 'the web device to wait for jobs');
  assert.equal(agentError, undefined);

  const ids = [`web-${process.pid}-1-succeeds`, `web-${process.pid}-2-canceled`, `web-${process.pid}-3-timed-out`];
  const docs = [{ operation: 'quick', n: 1 }, { operation: 'long', n: 2 }, { operation: 'long', n: 3 }];
  for (let i = 0; i < 3; ++i) {
    const made = await admin('PUT', `/jobs/${ids[i]}`, { targets: [thing], document: docs[i] });
    assert.equal(made.status, 200, made.text);
  }
  const runningOn = async (id) => {
    let x;
    await waitFor(() => agent.running()?.jobId === id || agentError, 20000, `${id} to run`);
    for (const until = Date.now() + 20000; Date.now() < until; await sleep(50)) {
      x = await execution(thing, id);
      if (x.statusDetails?.step === 'running') return x;
    }
    throw new Error(`${id}: no IN_PROGRESS report`);
  };

  // Job 2 running (job 1 done before it): cancel it.
  const x2 = await runningOn(ids[1]);
  assert.equal((await execution(thing, ids[0])).status, 'SUCCEEDED');
  // The agent starts the work once its IN_PROGRESS report is answered: wait for it, bounded.
  await waitFor(() => live.has(2), 10000, "job 2's work to start");
  const canceled = await admin('PUT', `/jobs/${ids[1]}/cancel?force=true`, {});
  assert.equal(canceled.status, 200, canceled.text);

  // Job 3 running: its step timer (1 minute) runs out on the stand-in's clock.
  const x3 = await runningOn(ids[2]);
  await waitFor(() => live.has(3), 10000, "job 3's work to start");
  assert.deepEqual([...live.keys()], [3], 'job 2 was stopped before job 3 was taken');
  assert.ok(x3.approximateSecondsBeforeTimedOut > 0 && x3.approximateSecondsBeforeTimedOut <= 60,
    `StartNext carried stepTimeoutInMinutes 1 (${x3.approximateSecondsBeforeTimedOut} s left)`);
  let outcomes;
  try {
    assert.equal((await admin('POST', '/clock', { skewSeconds: 120 })).status, 200);
    outcomes = await Promise.race([agent.done, sleep(15000).then(() => { throw new Error('the web device did not end within 15 s'); })]);
  } finally {
    await admin('POST', '/clock', { skewSeconds: 0 });
  }
  assert.equal(agentError, undefined);

  assert.deepEqual(outcomes.map((o) => [o.jobId, o.outcome]), [[ids[0], 'succeeded'], [ids[1], 'stopped'], [ids[2], 'stopped']]);
  assert.match(outcomes[1].why, /terminal status CANCELED/);
  assert.match(outcomes[2].why, /terminal status TIMED_OUT/);
  assert.equal(live.size, 0, 'no work left running');
  assert.deepEqual(finished, [1], 'only job 1 finished its work');

  // The service's view.
  const [e1, e2, e3] = [await execution(thing, ids[0]), await execution(thing, ids[1]), await execution(thing, ids[2])];
  assert.deepEqual([e1.status, e1.statusDetails, e1.versionNumber], ['SUCCEEDED', { result: 'ok' }, 4]);
  assert.deepEqual([e2.status, e2.versionNumber], ['CANCELED', x2.versionNumber + 1], 'nothing reported after the cancel');
  assert.deepEqual([e3.status, e3.versionNumber], ['TIMED_OUT', x3.versionNumber + 1], 'nothing reported after the timeout');
  assert.equal((await admin('GET', `/jobs/${ids[0]}`)).json.job.status, 'COMPLETED');
  assert.deepEqual((await admin('GET', `/jobs/${ids[1]}`)).json.job.status, 'CANCELED');
  assert.equal((await admin('GET', `/jobs/${ids[2]}`)).json.job.status, 'COMPLETED');
  const pending = await jobs.list();
  assert.deepEqual([pending.inProgressJobs, pending.queuedJobs], [[], []], 'nothing left for the thing');
  assert.equal(connects, 1, 'one connection did it all (the moved clock forced no reconnect)');
  await client.close();
});
