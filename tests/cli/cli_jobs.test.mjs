// `iotlite jobs list|next|describe|update|agent` against the local AWS IoT Core stand-in (started
// here, stopped at the end), over WebSocket + SigV4 with the stand-in's static test key. Jobs are
// made, canceled and inspected through the stand-in's control plane (/admin, shaped like AWS's
// CreateJob / CancelJobExecution / DescribeJobExecution): that view, not the CLI's output, is the
// oracle for what the service recorded. Each refusal of bad input is checked against a port where
// nothing listens, so exit 2 proves the CLI refused before connecting. The agent runs real
// commands: one succeeds (the document read from stdin, the job id from IOTLITE_JOB_ID, shell
// syntax in the document never run), one fails (its exit code in statusDetails), one is canceled
// mid-run (its process group gone), one ignores SIGTERM (SIGKILL after --kill-grace), one outlives
// its step timer (the stand-in's clock moved). Every CLI run carries -W and is killed by the
// harness after a hard bound, and every wait here is bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startStandinProcess } from './processes.mjs';

const CLI = process.env.IOTLITE_CLI;
const DEVICE = process.env.IOTLITE_DEVICE;  // the example device (programs/device)
const HARD_LIMIT_MS = 30000;  // no CLI run may take longer than this, whatever happens

let standin;  // startStandinProcess(): { child, endpoints, log(), stop() }
let scratch;
const outputs = [];  // every stdout/stderr, checked for the secret key at the end

// Runs the CLI (or `file`); resolves {code, signal, out, err, ms}. Killed (SIGKILL) after
// HARD_LIMIT_MS. onStderr(all) sees stderr as it arrives.
function cli(args, { env = awsEnv(), onStderr, file = CLI } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(file, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), HARD_LIMIT_MS);
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { err += d; if (onStderr) onStderr(err); });
    child.stdin.on('error', () => {});
    child.stdin.end();
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      outputs.push(`${out}\n${err}`);
      resolve({ code, signal, out, err, ms: Date.now() - started });
    });
  });
}

function awsEnv() {
  const c = standin.endpoints.testCredentials;
  return { AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey };
}

const ws = () => ['--endpoint', `127.0.0.1:${standin.endpoints.wsPort}`, '--scheme', 'ws', '--region', standin.endpoints.region, '-W', '10'];

async function adminCall(method, path, body) {
  const res = await fetch(`${standin.endpoints.adminUrl}${path}`, {
    method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
}

async function createJob(jobId, thing, document) {
  const r = await adminCall('PUT', `/jobs/${jobId}`, { targets: [thing], document });
  assert.equal(r.status, 200, r.text);
}

// The execution as the service holds it (any status).
async function execution(thing, jobId) {
  const r = await adminCall('GET', `/things/${thing}/jobs/${jobId}`);
  assert.equal(r.status, 200, r.text);
  return r.json.execution;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `probe` every 100 ms until it returns a truthy value; fails after `ms`.
async function waitFor(what, probe, ms = 10000) {
  for (let waited = 0; waited < ms; waited += 100) {
    const v = await probe();
    if (v) return v;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function assertOneLineError(r, code, pattern) {
  assert.equal(r.code, code, `exit code; stderr: ${r.err}`);
  assert.equal(r.out, '');
  const lines = r.err.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `exactly one stderr line, got: ${JSON.stringify(r.err)}`);
  assert.ok(lines[0].startsWith('iotlite jobs: '), lines[0]);
  assert.match(lines[0], pattern);
}

// The agent's JSON lines on stdout.
const outcomes = (out) => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));

// The live (not zombie) processes of process group `pgid`, from /proc (Linux): a killed
// command's children are re-parented and reaped by init a moment later, and kill(-pgid, 0)
// still succeeds on zombies.
function liveInGroup(pgid) {
  const live = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try { stat = readFileSync(`/proc/${entry}/stat`, 'utf8'); } catch { continue; }
    // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') live.push(Number(entry));
  }
  return live;
}

// Bounded: the group must be empty within 3 s.
async function assertGroupGone(pgid) {
  await waitFor(`process group ${pgid} to end`, () => liveInGroup(pgid).length === 0, 3000);
}

before(async () => {
  assert.ok(CLI, 'IOTLITE_CLI must point at the built iotlite binary');
  scratch = mkdtempSync(join(tmpdir(), 'iotlite-cli-jobs-'));
  standin = await startStandinProcess();
});

after(async () => {
  await standin?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('CliJobs_ListDescribeNextUpdate_AnswersAsTheServiceRecordsThem', async () => {
  const thing = 'cli-jobs-api';
  const base = ['--thing', thing, ...ws()];
  const document = { operation: 'install', version: '1.2.3' };
  await createJob('api-1', thing, document);

  const list = await cli(['jobs', 'list', ...base]);
  assert.equal(list.code, 0, list.err);
  const pending = JSON.parse(list.out);
  assert.deepEqual(pending.inProgressJobs, []);
  assert.deepEqual(pending.queuedJobs.map((j) => [j.jobId, j.versionNumber, j.executionNumber]), [['api-1', 1, 1]]);

  const next = await cli(['jobs', 'describe', '$next', ...base]);
  assert.equal(next.code, 0, next.err);
  const described = JSON.parse(next.out).execution;
  assert.deepEqual([described.jobId, described.status, described.jobDocument], ['api-1', 'QUEUED', document]);
  const bare = await cli(['jobs', 'describe', 'api-1', '--no-document', '--execution-number', '1', ...base]);
  assert.equal(bare.code, 0, bare.err);
  assert.equal(JSON.parse(bare.out).execution.jobDocument, undefined);
  const wrongNumber = await cli(['jobs', 'describe', 'api-1', '--execution-number', '7', ...base]);
  assertOneLineError(wrongNumber, 1, /^iotlite jobs: describe rejected: ResourceNotFound /);

  const started = await cli(['jobs', 'next', '--step-timeout', '5', '--detail', 'step=download', '--detail', 'try=1', ...base]);
  assert.equal(started.code, 0, started.err);
  const x = JSON.parse(started.out).execution;
  assert.deepEqual([x.jobId, x.status, x.versionNumber, x.statusDetails], ['api-1', 'IN_PROGRESS', 2, { step: 'download', try: '1' }]);
  assert.ok(x.approximateSecondsBeforeTimedOut > 290 && x.approximateSecondsBeforeTimedOut <= 300, String(x.approximateSecondsBeforeTimedOut));
  assert.deepEqual((await execution(thing, 'api-1')).statusDetails, { step: 'download', try: '1' });

  const stale = await cli(['jobs', 'update', 'api-1', '--status', 'IN_PROGRESS', '--expected-version', '1', ...base]);
  assertOneLineError(stale, 1, /^iotlite jobs: update rejected: VersionMismatch /);
  assert.equal((await execution(thing, 'api-1')).versionNumber, 2, 'a rejected update changes nothing');

  const progress = await cli(['jobs', 'update', 'api-1', '--status', 'IN_PROGRESS', '--expected-version', '2',
    '--detail', 'progress=50%', '--step-timeout', '3', ...base]);
  assert.equal(progress.code, 0, progress.err);
  assert.deepEqual(JSON.parse(progress.out).executionState, { status: 'IN_PROGRESS', statusDetails: { 'progress': '50%' }, versionNumber: 3 });

  const done = await cli(['jobs', 'update', 'api-1', '--status', 'SUCCEEDED', '--execution-number', '1', ...base]);
  assert.equal(done.code, 0, done.err);
  assert.equal(JSON.parse(done.out).executionState.status, 'SUCCEEDED');
  const recorded = await execution(thing, 'api-1');
  assert.deepEqual([recorded.status, recorded.versionNumber], ['SUCCEEDED', 4]);

  const terminal = await cli(['jobs', 'describe', 'api-1', ...base]);
  assertOneLineError(terminal, 1, /^iotlite jobs: describe rejected: TerminalStateReached /);
  const again = await cli(['jobs', 'update', 'api-1', '--status', 'FAILED', ...base]);
  assert.equal(again.code, 1);
  assert.match(again.err, /^iotlite jobs: update rejected: (InvalidStateTransition|TerminalStateReached) /);

  // Nothing pending: StartNext is accepted without an execution.
  const none = await cli(['jobs', 'next', ...base]);
  assert.equal(none.code, 0, none.err);
  assert.equal(JSON.parse(none.out).execution, undefined);
});

test('CliJobs_BadInput_RefusedBeforeConnectingNamingTheRule', async () => {
  // Nothing listens on port 1: a CLI that tried to connect would exit 1, not 2.
  const closed = ['--endpoint', '127.0.0.1:1', '--scheme', 'ws', '--region', 'us-east-1', '-W', '5'];
  const t = ['--thing', 'cli-jobs-refusals', ...closed];
  const eleven = Array.from({ length: 11 }, (_, i) => ['--detail', `k${i}=v`]).flat();
  const cases = [
    [['jobs'], /missing operation/],
    [['jobs', 'run', ...t], /unknown operation 'run'/],
    [['jobs', 'list', ...closed], /--thing is required/],
    [['jobs', 'list', '--thing', 'bad thing', ...closed], /thing name has a character outside/],
    [['jobs', 'describe', ...t], /describe needs a job id/],
    [['jobs', 'describe', 'job with spaces', ...t], /job id has a character outside \[a-zA-Z0-9_-\]/],
    [['jobs', 'describe', 'j'.repeat(65), ...t], /job id has 65 bytes; AWS allows 64/],
    [['jobs', 'update', '$next', '--status', 'FAILED', ...t], /job id/],
    [['jobs', 'update', 'j1', ...t], /update needs --status/],
    [['jobs', 'update', 'j1', '--status', 'DONE', ...t], /--status 'DONE' is not a job execution status/],
    [['jobs', 'update', 'j1', '--status', 'CANCELED', ...t], /status CANCELED cannot be set by a device/],
    [['jobs', 'update', 'j1', '--status', 'FAILED', ...eleven, ...t], /update: statusDetails has 11 pairs; AWS allows 10/],
    [['jobs', 'update', 'j1', '--status', 'FAILED', '--detail', 'bad key=v', ...t], /statusDetails key 'bad key' has a character outside \[a-zA-Z0-9:_-\]/],
    [['jobs', 'update', 'j1', '--status', 'FAILED', '--detail', 'novalue', ...t], /--detail must be KEY=VALUE/],
    [['jobs', 'update', 'j1', '--status', 'FAILED', '--detail', 'k=a', '--detail', 'k=b', ...t], /statusDetails key 'k' is given twice/],
    [['jobs', 'update', 'j1', '--status', 'FAILED', '--expected-version', 'x', ...t], /--expected-version must be a whole number/],
    [['jobs', 'next', '--step-timeout', '0', ...t], /stepTimeoutInMinutes is 0; AWS allows 1\.\.10080/],
    [['jobs', 'next', '--step-timeout', '10081', ...t], /stepTimeoutInMinutes is 10081; AWS allows 1\.\.10080/],
    [['jobs', 'next', '--client-token', 'c'.repeat(65), ...t], /clientToken has 65 bytes; AWS allows 64/],
    [['jobs', 'describe', 'j1', '--status', 'FAILED', ...t], /--status is not a flag of jobs describe/],
    [['jobs', 'list', '--exec', 'true', ...t], /--exec is not a flag of jobs list/],
    [['jobs', 'agent', ...t], /agent needs --exec CMD/],
    [['jobs', 'agent', '--exec', 'true', '--step-timeout', '20000', ...t], /stepTimeoutInMinutes is 20000; AWS allows 1\.\.10080/],
    [['jobs', 'agent', '--exec', 'true', '--once', '--max-jobs', '3', ...t], /--once is --max-jobs 1/],
    [['jobs', 'agent', '--exec', 'true', '--kill-grace', '0', ...t], /--kill-grace must be a whole number from 1/],
  ];
  for (const [args, pattern] of cases) {
    const r = await cli(args);
    assertOneLineError(r, 2, pattern);
    assert.ok(r.ms < 5000, `usage errors do not connect (${r.ms} ms): ${args.join(' ')}`);
  }
  const help = await cli(['jobs', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /usage: iotlite jobs list/);
  assert.match(help.out, /Exit status: 0 accepted/);
});

test('CliJobs_AgentSucceeds_DocumentOnStdinJobIdInEnvironmentShellSyntaxNeverRun', async () => {
  const thing = 'cli-jobs-agent-ok';
  const out = join(scratch, 'doc.json');
  const idFile = join(scratch, 'job-id');
  const injected = join(scratch, 'injected');
  // Shell syntax in the document (a command substitution) reaches CMD's stdin only, never a shell.
  const document = { operation: 'echo', text: `$(touch ${injected}) \`touch ${injected}\``, n: 42 };
  await createJob('agent-ok', thing, document);
  const r = await cli(['jobs', 'agent', '--thing', thing, '--once', '--exec', `cat > '${out}'; printf %s "$IOTLITE_JOB_ID" > '${idFile}'`, ...ws()]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(outcomes(r.out), [{ jobId: 'agent-ok', outcome: 'succeeded', status: 'SUCCEEDED', exitCode: 0 }]);
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), document);
  assert.equal(readFileSync(idFile, 'utf8'), 'agent-ok');
  assert.ok(!existsSync(injected), 'the document was never given to a shell');
  const x = await execution(thing, 'agent-ok');
  assert.deepEqual([x.status, x.statusDetails], ['SUCCEEDED', { exitCode: '0' }]);
  // QUEUED (1) -> IN_PROGRESS by StartNext (2) -> IN_PROGRESS report (3) -> SUCCEEDED (4).
  assert.equal(x.versionNumber, 4);
});

test('CliJobs_AgentCommandFails_FailedWithItsExitCode', async () => {
  const thing = 'cli-jobs-agent-fail';
  await createJob('agent-fail', thing, { operation: 'break' });
  const r = await cli(['jobs', 'agent', '--thing', thing, '--once', '--exec', 'cat >/dev/null; echo broken >&2; exit 3', ...ws()]);
  assert.equal(r.code, 1, r.err);
  assert.deepEqual(outcomes(r.out), [{ jobId: 'agent-fail', outcome: 'failed', status: 'FAILED', exitCode: 3 }]);
  assert.match(r.err, /^broken$/m, "CMD's output goes to stderr");
  const x = await execution(thing, 'agent-fail');
  assert.deepEqual([x.status, x.statusDetails], ['FAILED', { exitCode: '3' }]);
});

test('CliJobs_AgentMaxJobs_RunsQueuedJobsInOrderThenExits', async () => {
  const thing = 'cli-jobs-agent-two';
  await createJob('two-a', thing, { n: 1 });
  await createJob('two-b', thing, { n: 2 });
  await createJob('two-c', thing, { n: 3 });
  const r = await cli(['jobs', 'agent', '--thing', thing, '--max-jobs', '2', '--exec', 'test "$IOTLITE_JOB_ID" = two-a', ...ws()]);
  assert.equal(r.code, 1, 'one of the two failed');
  assert.deepEqual(outcomes(r.out).map((o) => [o.jobId, o.outcome]), [['two-a', 'succeeded'], ['two-b', 'failed']]);
  assert.equal((await execution(thing, 'two-c')).status, 'QUEUED', 'the third job is left alone');
});

test('CliJobs_AgentJobCanceledWhileRunning_CommandKilledAndAgentMovesOn', async () => {
  const thing = 'cli-jobs-agent-cancel';
  const pidFile = join(scratch, 'cancel.pid');
  await createJob('agent-cancel', thing, { operation: 'long' });
  const run = cli(['jobs', 'agent', '--thing', thing, '--once', '--exec', `echo $$ > '${pidFile}'; sleep 60`, ...ws()]);
  const pid = await waitFor('the command to start', () => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')));
  await waitFor('the IN_PROGRESS report', async () => (await execution(thing, 'agent-cancel')).statusDetails?.step === 'running');
  assert.ok(liveInGroup(pid).length >= 2, 'sh and its sleep run');
  const canceled = await adminCall('PUT', `/things/${thing}/jobs/agent-cancel/cancel?force=true`, {});
  assert.equal(canceled.status, 200, canceled.text);
  const r = await run;
  assert.equal(r.code, 1, r.err);
  assert.ok(r.ms < 15000, `ended soon after the cancel (${r.ms} ms)`);
  const [o] = outcomes(r.out);
  assert.deepEqual([o.jobId, o.outcome, o.signal], ['agent-cancel', 'canceled', 15]);
  assert.match(o.detail, /TerminalStateReached .*CANCELED/);
  await assertGroupGone(pid);  // the command and its child (sleep)
  assert.equal((await execution(thing, 'agent-cancel')).status, 'CANCELED');
});

test('CliJobs_AgentCommandIgnoresSigterm_KilledAfterTheGracePeriod', async () => {
  const thing = 'cli-jobs-agent-stubborn';
  const pidFile = join(scratch, 'stubborn.pid');
  await createJob('agent-stubborn', thing, {});
  const run = cli(['jobs', 'agent', '--thing', thing, '--once', '--kill-grace', '1',
    '--exec', `trap '' TERM; echo $$ > '${pidFile}'; sleep 60`, ...ws()]);
  const pid = await waitFor('the command to start', () => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')));
  await waitFor('the IN_PROGRESS report', async () => (await execution(thing, 'agent-stubborn')).statusDetails?.step === 'running');
  const canceled = await adminCall('PUT', `/things/${thing}/jobs/agent-stubborn/cancel?force=true`, {});
  assert.equal(canceled.status, 200, canceled.text);
  const r = await run;
  assert.equal(r.code, 1, r.err);
  const [o] = outcomes(r.out);
  assert.deepEqual([o.outcome, o.signal], ['canceled', 9]);
  assert.match(r.err, /outlived the grace period; SIGKILL/);
  await assertGroupGone(pid);
});

test('CliJobs_AgentStepTimeoutRunsOut_ServiceTimesItOutAndTheCommandIsKilled', async () => {
  const thing = 'cli-jobs-agent-timeout';
  const pidFile = join(scratch, 'timeout.pid');
  await createJob('agent-timeout', thing, {});
  const run = cli(['jobs', 'agent', '--thing', thing, '--once', '--step-timeout', '1', '--exec', `echo $$ > '${pidFile}'; sleep 60`, ...ws()]);
  const pid = await waitFor('the command to start', () => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')));
  const x = await waitFor('the IN_PROGRESS report', async () => {
    const e = await execution(thing, 'agent-timeout');
    return e.statusDetails?.step === 'running' && e;
  });
  assert.ok(x.approximateSecondsBeforeTimedOut > 0 && x.approximateSecondsBeforeTimedOut <= 60, 'StartNext carried stepTimeoutInMinutes 1');
  // Two minutes later by the stand-in's clock: its step timer has run out.
  assert.equal((await adminCall('POST', '/clock', { skewSeconds: 120 })).status, 200);
  try {
    const r = await run;
    assert.equal(r.code, 1, r.err);
    const [o] = outcomes(r.out);
    assert.equal(o.outcome, 'canceled');
    assert.match(o.detail, /TIMED_OUT/);
    await assertGroupGone(pid);
    assert.equal((await execution(thing, 'agent-timeout')).status, 'TIMED_OUT');
  } finally {
    await adminCall('POST', '/clock', { skewSeconds: 0 });
  }
});

test('CliJobs_AgentOnceNoJobWithinW_Exits27', async () => {
  const r = await cli(['jobs', 'agent', '--thing', 'cli-jobs-agent-idle', '--once', '--exec', 'true',
    '--endpoint', `127.0.0.1:${standin.endpoints.wsPort}`, '--scheme', 'ws', '--region', standin.endpoints.region, '-W', '2']);
  assert.equal(r.code, 27, r.err);
  assert.equal(r.out, '');
  assert.match(r.err, /no job arrived within the timeout \(-W\)/);
});

test('CliJobs_AgentWaiting_StartsAJobCreatedLater', async () => {
  const thing = 'cli-jobs-agent-later';
  let stderr = '';
  const run = cli(['jobs', 'agent', '--thing', thing, '--once', '--exec', 'cat >/dev/null', ...ws()],
    { onStderr: (all) => { stderr = all; } });
  // Created once the agent has found nothing pending: notify-next must bring it.
  await waitFor('the agent to find no job', () => stderr.includes('no pending job; waiting for jobs/notify-next'));
  await createJob('agent-later', thing, { late: true });
  const r = await run;
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(outcomes(r.out).map((o) => [o.jobId, o.outcome]), [['agent-later', 'succeeded']]);
});

test('CliJobs_ExampleDeviceJobsExec_SameAgentRunsTheJobs', async () => {
  assert.ok(DEVICE, 'IOTLITE_DEVICE must point at the built iotlite_device binary');
  const thing = 'cli-jobs-device';
  const out = join(scratch, 'device-doc.json');
  await createJob('device-ok', thing, { step: 1 });
  await createJob('device-fail', thing, { step: 2 });
  const e = standin.endpoints;
  // Over WSS + SigV4 (the CA-verified name is localhost); the first job succeeds, the second fails.
  const r = await cli(['--endpoint', `localhost:${e.wssPort}`, '--ca', e.caCertPath, '--mode', 'wss', '--region', e.region,
    '--thing', thing, '--interval', '3600', '--duration', '25', '--jobs-max', '2',
    '--jobs-exec', `cat >> '${out}'; test "$IOTLITE_JOB_ID" = device-ok`], { file: DEVICE });
  assert.equal(r.code, 1, `one job failed: ${r.out} ${r.err}`);
  assert.match(r.out, /^job device-ok: succeeded$/m);
  assert.match(r.out, /^job device-fail: failed$/m);
  assert.equal(readFileSync(out, 'utf8'), '{"step":1}{"step":2}');
  const ok = await execution(thing, 'device-ok');
  const failed = await execution(thing, 'device-fail');
  assert.deepEqual([ok.status, ok.statusDetails, failed.status, failed.statusDetails],
    ['SUCCEEDED', { exitCode: '0' }, 'FAILED', { exitCode: '1' }]);
});

test('CliJobs_NoSecretInAnyOutput', () => {
  assert.ok(outputs.length > 30, `outputs collected: ${outputs.length}`);
  const secret = standin.endpoints.testCredentials.secretAccessKey;
  for (const o of outputs) {
    for (const s of [secret, encodeURIComponent(secret)]) assert.ok(!o.includes(s), `the secret key leaked in: ${o.slice(0, 200)}`);
  }
});
