// client.jobs(thing) of the "iotlite/services" entry in Node against the local stand-in's
// AWS IoT Jobs service (jobs made through its /admin control plane, as AWS's CreateJob would): the
// device flow from notify-next to SUCCEEDED, AWS's rejected codes as IotErrors, the rules the C++
// core checks before anything is sent, and close().
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageDir, repoRoot, startStandin, WebSocket, uniqueId } from './helpers.mjs';

let pkg;
let standin;
let ep;

before(async () => {
  for (const f of ['services.js', 'jobs.js', 'service_hub.js', 'services.d.ts', 'iotlite-services.wasm']) {
    if (!existsSync(path.join(packageDir, f))) throw new Error(`the wasm package has no ${f}: build the wasm preset (iotlite_wasm_package)`);
  }
  pkg = await import(pathToFileURL(path.join(packageDir, 'services.js')).href);
  await pkg.init({ wasmBinary: readFileSync(path.join(packageDir, 'iotlite-services.wasm')) });
  standin = await startStandin({ jobsService: true });
  ep = standin.endpoints;
});

after(async () => {
  if (standin) await standin.stop();
});

// The stand-in's control plane (AWS's CreateJob / DescribeJobExecution shapes under /admin).
function control(method, route, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(new URL(route, ep.adminUrl), { method, headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {} }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, json: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

const thingName = (p) => uniqueId(p).replace(/[^a-zA-Z0-9:_-]/g, '_');
const jobId = (p) => uniqueId(p).replace(/[^a-zA-Z0-9_-]/g, '_');

async function connected() {
  const client = await pkg.IotClient.create({
    endpoint: ep.wsUrl, region: ep.region, clientId: uniqueId('jobs'), credentials: ep.testCredentials, WebSocket,
    reconnect: { minDelayMs: 200, maxDelayMs: 2000 },
  });
  await client.connect();
  return client;
}

function nextEvent(jobs, event, pred = () => true, ms = 10000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { jobs.off(event, on); reject(new Error(`no matching "${event}" within ${ms} ms`)); }, ms);
    const on = (arg) => { if (!pred(arg)) return; clearTimeout(t); jobs.off(event, on); resolve(arg); };
    jobs.on(event, on);
  });
}

test('Jobs_DeviceFlow_NotifyNextStartNextInProgressSucceeded', async () => {
  const client = await connected();
  const thing = thingName('dev');
  const jobs = client.jobs(thing);
  assert.equal(client.jobs(thing), jobs, 'one Jobs object per thing');
  await jobs.watch('notify_next');
  const announced = nextEvent(jobs, 'next', (e) => e !== null);

  const id = jobId('flow');
  const made = await control('PUT', `/admin/jobs/${id}`, { targets: [thing], document: { operation: 'install', version: '1.2.3' } });
  assert.equal(made.status, 200, JSON.stringify(made.json));
  const next = await announced;
  assert.equal(next.jobId, id);
  assert.equal(next.status, 'QUEUED');

  const started = await jobs.startNext({ stepTimeoutInMinutes: 5, statusDetails: { agent: 'browser' } });
  assert.equal(started.execution.jobId, id);
  assert.equal(started.execution.status, 'IN_PROGRESS');
  assert.deepEqual(started.execution.jobDocument, { operation: 'install', version: '1.2.3' });
  assert.deepEqual(started.execution.statusDetails, { agent: 'browser' });

  const progress = await jobs.update(id, { status: 'IN_PROGRESS', statusDetails: { step: 'download' }, expectedVersion: started.execution.versionNumber, includeJobExecutionState: true });
  assert.equal(progress.executionState.status, 'IN_PROGRESS');
  const done = await jobs.update(id, { status: 'SUCCEEDED', statusDetails: { step: 'done' } });
  assert.ok(done.timestamp > 0);

  const pending = await jobs.list();
  assert.deepEqual(pending.inProgressJobs, []);
  assert.deepEqual(pending.queuedJobs, []);
  const seen = await control('GET', `/admin/things/${thing}/jobs/${id}`);
  assert.equal(seen.json.execution.status, 'SUCCEEDED', 'the service recorded the outcome');
  assert.deepEqual(seen.json.execution.statusDetails, { step: 'done' });
  await client.close();
});

test('Jobs_StaleExpectedVersion_RejectsConflictWithAwsCodeAndResponse', async () => {
  const client = await connected();
  const thing = thingName('stale');
  const id = jobId('v');
  assert.equal((await control('PUT', `/admin/jobs/${id}`, { targets: [thing], document: { op: 'x' } })).status, 200);
  const jobs = client.jobs(thing);
  await jobs.startNext();
  await assert.rejects(jobs.update(id, { status: 'IN_PROGRESS', expectedVersion: 99 }), (e) => {
    assert.equal(e.name, 'IotError');
    assert.equal(e.code, 'conflict');
    assert.equal(e.awsCode, 'VersionMismatch');
    assert.equal(e.response.code, 'VersionMismatch');
    assert.match(e.message, /jobs update rejected: VersionMismatch/);
    return true;
  });
  await jobs.update(id, { status: 'FAILED', statusDetails: { exitCode: '3' } });
  await assert.rejects(jobs.update(id, { status: 'SUCCEEDED' }), (e) => {
    assert.equal(e.code, 'server_error');
    assert.match(e.awsCode, /^(InvalidStateTransition|TerminalStateReached)$/);
    return true;
  });
  const none = await jobs.describe('$next');
  assert.equal(none.execution, undefined, 'nothing pending: no execution');
  await client.close();
});

test('Jobs_RulesBroken_RejectedBeforeAnythingIsSent', async () => {
  const client = await connected();
  const jobs = client.jobs(thingName('rules'));
  const refused = async (promise, code, pattern) => assert.rejects(promise, (e) => {
    assert.equal(e.name, 'IotError');
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
  await refused(jobs.update('a/b', { status: 'SUCCEEDED' }), 'invalid_argument', /job id has a character outside \[a-zA-Z0-9_-\]/);
  await refused(jobs.update('$next', { status: 'SUCCEEDED' }), 'invalid_argument', /job id/);
  await refused(jobs.update('j', { status: 'QUEUED' }), 'invalid_argument', /QUEUED cannot be set by a device/);
  await refused(jobs.update('j', { status: 'DONE' }), 'invalid_argument', /"status" must be one of/);
  const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
  await refused(jobs.update('j', { status: 'IN_PROGRESS', statusDetails: eleven }), 'limit_exceeded', /statusDetails has 11 pairs; AWS allows 10/);
  await refused(jobs.update('j', { status: 'IN_PROGRESS', statusDetails: { k: 5 } }), 'invalid_argument', /statusDetails "k" must be a string/);
  await refused(jobs.startNext({ stepTimeoutInMinutes: 10081 }), 'invalid_argument', /stepTimeoutInMinutes is 10081; AWS allows 1\.\.10080/);
  // Checked as the number it is, not cut to 32 bits (2^32 + 1 once became 1).
  await refused(jobs.startNext({ stepTimeoutInMinutes: 2 ** 32 + 1 }), 'invalid_argument', /stepTimeoutInMinutes is 4294967297; AWS allows/);
  await refused(jobs.update('j', { status: 'IN_PROGRESS', expectedVersion: '2' }), 'invalid_argument', /"expectedVersion" must be an integer/);
  await refused(jobs.startNext({ stepTimeout: 5 }), 'invalid_argument', /"stepTimeout" is not a field of StartNextPendingJobExecution/);
  await refused(jobs.describe(42), 'invalid_argument', /jobId must be a string/);
  await refused(jobs.list({ timeoutMs: -1 }), 'invalid_argument', /timeoutMs must be an integer/);
  assert.throws(() => client.jobs('bad/thing'), (e) => e.code === 'invalid_argument' && /thing name/.test(e.message));
  await client.close();
});

// The states AWS's developer guide calls terminal ("Jobs device MQTT API", JobExecution: status;
// "Job execution states": SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED and CANCELED end an
// execution) and those UpdateJobExecution lets a device set (IN_PROGRESS, SUCCEEDED, FAILED,
// REJECTED): the package's functions answer from core's rules, without init().
test('Jobs_StatusRules_TerminalAndDeviceSettableAsAwsDocumentsThem', async () => {
  const all = ['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED'];
  assert.deepEqual(all.filter(pkg.isTerminalJobStatus), ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED']);
  assert.deepEqual(all.filter(pkg.isDeviceJobStatus), ['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED']);
  for (const odd of ['succeeded', '', undefined, 'DONE']) {
    assert.equal(pkg.isTerminalJobStatus(odd), false, String(odd));
    assert.equal(pkg.isDeviceJobStatus(odd), false, String(odd));
  }
  // The device-settable rule is the one the client enforces: every other status is refused.
  const client = await connected();
  const jobs = client.jobs(thingName('states'));
  for (const status of all.filter((s) => !pkg.isDeviceJobStatus(s))) {
    await assert.rejects(jobs.update('j', { status }), (e) => e.code === 'invalid_argument', status);
  }
  await client.close();
});

test('Jobs_Close_RejectsPendingAndLaterCalls', async () => {
  const client = await connected();
  const jobs = client.jobs(thingName('close'));
  const pending = assert.rejects(jobs.list({ timeoutMs: 60000 }), (e) => e.code === 'closed' && /closed before the jobs response/.test(e.message));
  await client.close();
  await pending;
  await assert.rejects(jobs.list(), (e) => e.code === 'invalid_state');
  assert.throws(() => client.jobs('another'), (e) => e.code === 'invalid_state');
});

test('JobsDts_ConsumerApp_TypeChecksUnderStrictAndMisuseIsCaught', { timeout: 90000 }, async () => {
  const tsc = path.join(repoRoot, 'node_modules/.bin/tsc');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iotlite-jobs-types-'));
  try {
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(packageDir, path.join(dir, 'node_modules/iotlite'), 'dir');
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'ts-jobs', private: true, type: 'module' }));
    writeFileSync(path.join(dir, 'good.ts'), `import { IotClient, IotError, Jobs, JobExecution, isTerminalJobStatus } from 'iotlite/services';
interface Install { operation: 'install'; version: string }
async function main(client: IotClient): Promise<void> {
  const jobs: Jobs = client.jobs('pump-7');
  jobs.on('next', (e: JobExecution | null) => console.log(e?.jobId, e?.status));
  jobs.on('notify', (m) => console.log(m.jobs?.QUEUED?.length));
  const started = await jobs.startNext<Install>({ stepTimeoutInMinutes: 10, statusDetails: { agent: 'web' } });
  const version: string | undefined = started.execution?.jobDocument?.version;
  const id = started.execution?.jobId ?? '';
  if (started.execution && isTerminalJobStatus(started.execution.status)) return;
  try {
    await jobs.update(id, { status: 'SUCCEEDED', expectedVersion: started.execution?.versionNumber, stepTimeoutInMinutes: -1 });
  } catch (e) { if (e instanceof IotError && e.code === 'conflict') console.log(e); }
  const pending = await jobs.list({ timeoutMs: 5000 });
  console.log(version, pending.queuedJobs?.map((j) => j.jobId), (await jobs.describe('$next')).execution);
}
main;
`);
    writeFileSync(path.join(dir, 'bad.ts'), `import { IotClient } from 'iotlite/services';
async function f(c: IotClient) {
  await c.jobs('t').update('j', { status: 'QUEUED' });
  c.jobs('t').on('nexts', () => {});
  await c.jobs('t').update('j', {});
}
f;
`);
    const run = (file) => {
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [] },
        files: [file],
      }));
      return new Promise((resolve) => execFile(tsc, ['-p', dir], { timeout: 60000 }, (err, so, se) => resolve({ code: err ? err.code : 0, out: so + se })));
    };
    const good = await run('good.ts');
    assert.equal(good.code, 0, good.out);
    const bad = await run('bad.ts');
    assert.notEqual(bad.code, 0);
    assert.match(bad.out, /bad\.ts\(3,\d+\): error TS2322: Type '"QUEUED"' is not assignable to type 'DeviceJobStatus'/);
    assert.match(bad.out, /bad\.ts\(4,\d+\): error TS2769/);
    assert.match(bad.out, /bad\.ts\(5,\d+\): error TS2741: Property 'status' is missing/);
    assert.equal(bad.out.match(/error TS/g).length, 3, bad.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
