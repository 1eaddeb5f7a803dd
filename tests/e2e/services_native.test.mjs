// End-to-end services scenario, native side (issue 15, item 5), against the local stand-in
// (started in this process, stopped at the end). A fresh device provisions by claim, reconnects
// with its new identity and runs as a job agent; three jobs are then made for the new thing through
// the stand-in's control plane (/admin, AWS's CreateJob shape):
//   job 1 runs and reports SUCCEEDED;
//   job 2 is canceled mid-run (CancelJob, force): the agent sees it on jobs/notify-next, confirms
//     with DescribeJobExecution (TerminalStateReached), stops the command's process group (SIGTERM)
//     and reports nothing more; the command never finishes its work;
//   job 3 is started with stepTimeoutInMinutes 1 and the stand-in's clock is moved 2 minutes on:
//     the service times it out (TIMED_OUT) and the agent stops its command the same way.
// Three runs cover both provisioning paths, both doors and both agents:
//   - the example device's first boot (CSR made on the device) over mTLS, then its --jobs-exec agent
//     over mTLS as the new thing;
//   - `iotlite provision --csr` over mTLS, then `iotlite jobs agent` over WSS + SigV4 (Fleet
//     Provisioning needs the claim certificate, so it is mTLS only; over WSS the connection is
//     authenticated by the SigV4 key and the thing name says whose jobs are run);
//   - `iotlite provision` (CreateKeysAndCertificate) over mTLS, then `iotlite jobs agent` over mTLS
//     with the new certificate and key.
// IoT policies are loaded (AWS's evaluation, default deny), so the new identity is what lets the
// device act as its thing: the claim certificate may only provision, and is refused the thing's
// jobs topics; the template (made with CreateProvisioningTemplate) attaches the device policy.
// Oracles independent of the agent: the stand-in's admin API (executions, jobs, things,
// certificates), its policy engine, node:crypto (the stored certificate against the stand-in's
// CA), /proc (the command's process group), files the command writes. Every child is killed after
// a hard bound, every wait is bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startStandin } from '../../standin/standin.mjs';
import { adminApi } from './admin.mjs';

const CLI = process.env.IOTLITE_CLI;
const DEVICE = process.env.IOTLITE_DEVICE;
const HARD_LIMIT_MS = 40000;  // no child may run longer than this, whatever happens
const TEMPLATE = 'e2e-fleet';

// IoT policies (the stand-in's policy engine, AWS's evaluation, default deny): the claim certificate
// may only provision; a new certificate gets the template's policy `e2e-device` (its own client id
// and topics, through the thing policy variable) when RegisterThing attaches it to its thing; the
// SigV4 key (the WSS door) may run any device-* thing's jobs.
const ARN = 'arn:aws:iot:us-east-1:123456789012';
const THING = '${iot:Connection.Thing.ThingName}';
const PROVISIONING_TOPICS = ['$aws/certificates/create/*', '$aws/certificates/create-from-csr/*', `$aws/provisioning-templates/${TEMPLATE}/provision/*`];
const POLICIES = {
  policies: {
    'e2e-claim': { Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}:client/*` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: PROVISIONING_TOPICS.map((t) => `${ARN}:topic/${t}`) },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: PROVISIONING_TOPICS.map((t) => `${ARN}:topicfilter/${t}`) },
    ] },
    'e2e-device': { Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}:client/${THING}` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: [`${ARN}:topic/$aws/things/${THING}/*`, `${ARN}:topic/devices/${THING}/*`] },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [`${ARN}:topicfilter/$aws/things/${THING}/*`, `${ARN}:topicfilter/devices/${THING}/*`] },
    ] },
    'e2e-sigv4-jobs': { Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}:client/*` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: `${ARN}:topic/$aws/things/device-*/jobs/*` },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${ARN}:topicfilter/$aws/things/device-*/jobs/*` },
    ] },
  },
  certificates: { 'iotlite-provisioning-claim': ['e2e-claim'] },  // no "*": any other certificate has no policy
  staticCredentials: { '*': ['e2e-sigv4-jobs'] },
};
// CreateProvisioningTemplate: thing device-<SerialNumber>, the certificate ACTIVE, policy e2e-device.
const TEMPLATE_BODY = {
  Parameters: { SerialNumber: { Type: 'String' }, 'AWS::IoT::Certificate::Id': { Type: 'String' } },
  Resources: {
    thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { 'Fn::Join': ['', ['device-', { Ref: 'SerialNumber' }]] } } },
    certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
    policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'e2e-device' } },
  },
};

let s;
let ep;
let scratch;
const outputs = [];  // every stdout/stderr, checked for keys and the secret at the end

before(async () => {
  assert.ok(CLI && DEVICE, 'IOTLITE_CLI and IOTLITE_DEVICE must name the built binaries');
  s = await startStandin({ policies: POLICIES });
  ep = s.endpoints;
  const made = await admin('POST', '/provisioning-templates', { templateName: TEMPLATE, templateBody: TEMPLATE_BODY });
  assert.equal(made.status, 200, made.text);
  scratch = mkdtempSync(join(tmpdir(), 'iotlite-e2e-'));
});
after(async () => {
  await s?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, probe, ms = 20000) {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(100)) {
    const v = await probe();
    if (v) return v;
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

// Starts `file args`; returns {child, done: Promise<{code, signal, out, err}>, text()}.
function start(file, args, env = {}) {
  const child = spawn(file, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  const killer = setTimeout(() => child.kill('SIGKILL'), HARD_LIMIT_MS);
  const done = new Promise((resolve) => child.on('close', (code, signal) => {
    clearTimeout(killer);
    outputs.push(out, err);
    resolve({ code, signal, out, err });
  }));
  return { child, done, text: () => `${out}\n${err}` };
}

// The stand-in's /admin (tests/e2e/admin.mjs), once `ep` is known.
const admin = (...args) => adminApi(ep).admin(...args);
const execution = (...args) => adminApi(ep).execution(...args);

// The live (not zombie) processes of process group `pgid` (Linux /proc).
function liveInGroup(pgid) {
  const live = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try { stat = readFileSync(`/proc/${entry}/stat`, 'utf8'); } catch { continue; }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');  // after "pid (comm) "
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') live.push(Number(entry));
  }
  return live;
}

// The stored identity: a certificate the stand-in's CA signed, ACTIVE, attached to the thing.
async function checkIdentity(dir, thing) {
  const certPem = readFileSync(join(dir, 'certificate.pem'), 'utf8');
  const stored = JSON.parse(readFileSync(join(dir, 'thing.json'), 'utf8'));
  assert.equal(stored.thingName, thing);
  const x = new X509Certificate(certPem);
  assert.ok(x.verify(new X509Certificate(readFileSync(ep.caCertPath, 'utf8')).publicKey), 'signed by the stand-in CA');
  assert.equal(stored.certificateId, x.fingerprint256.replace(/:/g, '').toLowerCase());
  const cert = await admin('GET', `/certificates/${stored.certificateId}`);
  assert.equal(cert.status, 200, cert.text);
  assert.equal(cert.json.certificateDescription.status, 'ACTIVE');
  const made = await admin('GET', `/things/${thing}`);
  assert.equal(made.status, 200, made.text);
  assert.deepEqual(made.json.principals, [stored.certificateId]);
  return { certPath: join(dir, 'certificate.pem'), keyPath: join(dir, 'private.key'), subject: x.subject };
}

// The command every agent runs: the document on stdin is kept; "quick" work ends at once, "long"
// work sleeps 60 s and then marks itself finished (a mark that must never appear for a job stopped
// by the service). $$ is the command's process group (the agent starts it as a group leader).
function jobCommand(dir) {
  return `doc=$(cat); printf %s "$doc" > '${dir}'/"$IOTLITE_JOB_ID".json; echo $$ > '${dir}'/"$IOTLITE_JOB_ID".pid; ` +
    `case "$doc" in *'"long"'*) sleep 60; touch '${dir}'/"$IOTLITE_JOB_ID".finished ;; esac`;
}

/**
 * The three-job scenario for `thing`, whose agent (`run`, already started) logs
 * "no pending job; waiting for jobs/notify-next" once it is connected and idle. Returns the ids.
 */
async function threeJobs(thing, run, dir, label) {
  await waitFor(`${label}: the agent waiting for jobs/notify-next`, () => /no pending job; waiting for jobs\/notify-next/.test(run.text()), 30000);
  const ids = [`${label}-1-succeeds`, `${label}-2-canceled`, `${label}-3-timed-out`];
  const docs = [{ operation: 'quick', n: 1 }, { operation: 'long', n: 2 }, { operation: 'long', n: 3 }];
  for (let i = 0; i < 3; ++i) {
    const made = await admin('PUT', `/jobs/${ids[i]}`, { targets: [thing], document: docs[i] });
    assert.equal(made.status, 200, made.text);
  }
  const pidOf = (id) => waitFor(`${id}: the command to start`, () => existsSync(join(dir, `${id}.pid`)) && Number(readFileSync(join(dir, `${id}.pid`), 'utf8')));
  const running = (id) => waitFor(`${id}: the IN_PROGRESS report`, async () => {
    const x = await execution(thing, id);
    return x.status === 'IN_PROGRESS' && x.statusDetails?.step === 'running' && x;
  });

  // Job 1: SUCCEEDED, with the document the service holds given to the command.
  await waitFor(`${ids[0]}: SUCCEEDED`, async () => (await execution(thing, ids[0])).status === 'SUCCEEDED');
  assert.deepEqual(JSON.parse(readFileSync(join(dir, `${ids[0]}.json`), 'utf8')), docs[0]);

  // Job 2: canceled mid-run.
  const pid2 = await pidOf(ids[1]);
  const x2 = await running(ids[1]);
  assert.ok(liveInGroup(pid2).length >= 2, 'the shell and its sleep run');
  const canceled = await admin('PUT', `/jobs/${ids[1]}/cancel?force=true`, {});
  assert.equal(canceled.status, 200, canceled.text);
  await waitFor(`${ids[1]}: the command's process group to end`, () => liveInGroup(pid2).length === 0, 10000);

  // Job 3: the step timer (1 minute, asked for by the agent) runs out on the stand-in's clock.
  const pid3 = await pidOf(ids[2]);
  const x3 = await running(ids[2]);
  assert.ok(x3.approximateSecondsBeforeTimedOut > 0 && x3.approximateSecondsBeforeTimedOut <= 60,
    `StartNext carried stepTimeoutInMinutes 1 (${x3.approximateSecondsBeforeTimedOut} s left)`);
  try {
    assert.equal((await admin('POST', '/clock', { skewSeconds: 120 })).status, 200);
    await waitFor(`${ids[2]}: the command's process group to end`, () => liveInGroup(pid3).length === 0, 10000);
  } finally {
    await admin('POST', '/clock', { skewSeconds: 0 });
  }

  // The service's view, independent of the agent's output.
  const [e1, e2, e3] = [await execution(thing, ids[0]), await execution(thing, ids[1]), await execution(thing, ids[2])];
  assert.deepEqual([e1.status, e1.statusDetails], ['SUCCEEDED', { exitCode: '0' }]);
  assert.equal(e1.versionNumber, 4, 'QUEUED 1 -> StartNext 2 -> IN_PROGRESS report 3 -> SUCCEEDED 4');
  assert.equal(e2.status, 'CANCELED');
  assert.equal(e2.versionNumber, x2.versionNumber + 1, 'only the cancel changed it after the IN_PROGRESS report');
  assert.equal(e3.status, 'TIMED_OUT');
  assert.equal(e3.versionNumber, x3.versionNumber + 1, 'only the timeout changed it after the IN_PROGRESS report');
  assert.equal((await admin('GET', `/jobs/${ids[0]}`)).json.job.status, 'COMPLETED');
  const job2 = (await admin('GET', `/jobs/${ids[1]}`)).json.job;
  assert.deepEqual([job2.status, job2.forceCanceled], ['CANCELED', true]);
  assert.equal((await admin('GET', `/jobs/${ids[2]}`)).json.job.status, 'COMPLETED', 'a timed-out execution is terminal');
  for (const id of ids.slice(1)) assert.ok(!existsSync(join(dir, `${id}.finished`)), `${id}: the stopped command never finished its work`);
  return ids;
}

// AWS allows 1 CONNECT per second per client id: the provisioning client and the agent may share one.
const connectGap = () => sleep(1100);

test('E2E_DeviceFirstBootCsrPath_Mtls_ThreeJobsSucceededCanceledTimedOut', async () => {
  const dir = join(scratch, 'device');
  const work = mkdtempSync(join(scratch, 'work-device-'));
  const thing = 'device-e2e701';
  const claim = ep.provisioningClaim;
  const run = start(DEVICE, ['--endpoint', `localhost:${ep.mqttTlsPort}`, '--ca', ep.caCertPath,
    '--identity-dir', dir, '--provision-template', TEMPLATE, '--claim-cert', claim.certPath, '--claim-key', claim.keyPath,
    '--provision-param', 'SerialNumber=e2e701', '--thing', thing, '--interval', '3600', '--duration', '35',
    '--jobs-exec', jobCommand(work), '--jobs-max', '3', '--jobs-step-timeout', '1']);
  try {
    const ids = await threeJobs(thing, run, work, 'dev');
    const r = await run.done;
    assert.equal(r.code, 1, `exit 1: not every job SUCCEEDED\n${r.out}\n${r.err}`);
    assert.match(r.out, /^provisioned: thing device-e2e701 /m);
    assert.match(r.out, /^connected to localhost:\d+ as device-e2e701 /m, 'the new identity is the client id');
    assert.match(r.out, new RegExp(`^job ${ids[0]}: succeeded$`, 'm'));
    assert.match(r.out, new RegExp(`^job ${ids[1]}: canceled: .*CANCELED`, 'm'));
    assert.match(r.out, new RegExp(`^job ${ids[2]}: canceled: .*TIMED_OUT`, 'm'));
    assert.match(r.out, new RegExp(`^jobs: job ${ids[1]}: .*stopping the command \\(SIGTERM`, 'm'));
  } finally {
    run.child.kill('SIGKILL');
  }
  const { subject } = await checkIdentity(dir, thing);
  assert.equal(subject, `CN=${thing}`, 'CreateCertificateFromCsr: the CSR made on the device names the thing');
});

test('E2E_ClaimCertificate_CannotActAsTheThing_OnlyItsNewIdentityCan', async () => {
  // The policy engine is what makes the new identity necessary: the claim certificate is refused
  // where the provisioned one (previous test) ran the thing's jobs.
  const claim = ep.provisioningClaim;
  const r = await start(CLI, ['jobs', 'list', '--thing', 'device-e2e701', '--endpoint', `localhost:${ep.mqttTlsPort}`,
    '--cafile', ep.caCertPath, '--cert', claim.certPath, '--key', claim.keyPath, '-i', 'device-e2e701', '-W', '5']).done;
  // The claim policy lets it connect (as AWS's guide's claim policy does: iot:Connect on *), but
  // not subscribe to the thing's jobs topics: SUBACK 0x80.
  assert.equal(r.code, 1, `the claim certificate was let in: ${r.out}`);
  assert.equal(r.out, '');
  assert.match(r.err, /^iotlite jobs: list failed: the broker refused the subscription to '\$aws\/things\/device-e2e701\/jobs\/get\/accepted' \(SUBACK 0x80\)/);
});

// `iotlite provision` (CSR or keys path) over mTLS into `dir`; returns the stored identity.
async function cliProvision(dir, serial, csr) {
  const claim = ep.provisioningClaim;
  const r = await start(CLI, ['provision', '--endpoint', `localhost:${ep.mqttTlsPort}`, '--cafile', ep.caCertPath,
    '--template', TEMPLATE, '--claim-cert', claim.certPath, '--claim-key', claim.keyPath, '--out', dir, '-W', '10',
    '--param', `SerialNumber=${serial}`, ...(csr ? ['--csr', '--common-name', `device-${serial}`] : [])]).done;
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).thingName, `device-${serial}`);
  return checkIdentity(dir, `device-${serial}`);
}

// `iotlite jobs agent` for `thing` with `conn` flags; checks its JSON outcome lines.
async function cliAgentScenario(thing, conn, env, label) {
  const work = mkdtempSync(join(scratch, `work-${label}-`));
  const run = start(CLI, ['jobs', 'agent', '--thing', thing, '--max-jobs', '3', '--step-timeout', '1',
    '--exec', jobCommand(work), ...conn], env);
  try {
    const ids = await threeJobs(thing, run, work, label);
    const r = await run.done;
    assert.equal(r.code, 1, `exit 1: not every job SUCCEEDED\n${r.err}`);
    const lines = r.out.split('\n').filter((l) => l).map((l) => JSON.parse(l));
    assert.equal(lines.length, 3, r.out);
    assert.deepEqual(lines[0], { jobId: ids[0], outcome: 'succeeded', status: 'SUCCEEDED', exitCode: 0 });
    // Killed by SIGTERM (15). TerminalStateReached carries no executionState (AWS sends one only
    // with InvalidStateTransition and VersionMismatch), so the status is in the message only.
    assert.deepEqual([lines[1].jobId, lines[1].outcome, lines[1].signal], [ids[1], 'canceled', 15]);
    assert.match(lines[1].detail, /^TerminalStateReached .*CANCELED/);
    assert.deepEqual([lines[2].jobId, lines[2].outcome, lines[2].signal], [ids[2], 'canceled', 15]);
    assert.match(lines[2].detail, /^TerminalStateReached .*TIMED_OUT/);
  } finally {
    run.child.kill('SIGKILL');
  }
}

test('E2E_CliProvisionCsrPath_AgentOverWssSigv4_ThreeJobsSucceededCanceledTimedOut', async () => {
  await cliProvision(join(scratch, 'cli-csr'), 'e2e702', true);
  await connectGap();
  const c = ep.testCredentials;
  await cliAgentScenario('device-e2e702',
    ['--endpoint', `localhost:${ep.wssPort}`, '--scheme', 'wss', '--cafile', ep.caCertPath, '--region', ep.region, '-W', '10'],
    { AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey }, 'wss');
});

test('E2E_CliProvisionKeysPath_AgentOverMtlsWithTheNewCertificate_ThreeJobsSucceededCanceledTimedOut', async () => {
  const id = await cliProvision(join(scratch, 'cli-keys'), 'e2e703', false);
  assert.match(id.subject, /CN=provisioned-/, 'CreateKeysAndCertificate: the stand-in chose the subject');
  await connectGap();
  await cliAgentScenario('device-e2e703',
    ['--endpoint', `localhost:${ep.mqttTlsPort}`, '--cafile', ep.caCertPath, '--cert', id.certPath, '--key', id.keyPath,
      '-i', 'device-e2e703', '-W', '10'], {}, 'mtls');
});

test('E2E_Outputs_NeverCarryAKeyOrTheSecret', () => {
  assert.ok(outputs.length >= 10);
  const secret = ep.testCredentials.secretAccessKey;
  for (const text of outputs) {
    assert.ok(!text.includes('PRIVATE KEY'), 'no PEM key in any output');
    assert.ok(!text.includes(secret) && !text.includes(encodeURIComponent(secret)), 'the secret key never appears');
  }
});
