// `iotlite pub`, `sub` and `shadow` against the local AWS IoT Core stand-in (started here as a
// child process, stopped at the end): WSS+SigV4 (ws:// and wss://), mTLS with a stand-in-issued
// certificate on the 8883-style port and on the ALPN port, Mosquitto's own clients as independent
// peers, --profile from a temporary credentials file, shadow get/update/delete, a wrong secret
// (403, exit 1 within the timeout), bad flags (exit 2, one line) and no secret in any output.
// mosquitto habits: -h/-p, -L, pub -l and --repeat, sub -F (mosquitto_sub's output of the same
// message is the oracle), -R, -T, -E, -U, -W exiting 27, a closed port failing at once, -u/-P
// through the stand-in's custom authorizer, a Will published on an abrupt end, --quiet.
// MQTT 5 (-V 5, -D, sub -F's property specifiers, --retain-as-published): properties both ways with
// mosquitto_pub / mosquitto_sub -V 5 as the independent peers, reason codes and reason strings in
// one-line errors (a fake broker's control bytes never reach the terminal), session takeover.
//
// The gateway's signature check is @smithy/signature-v4's, not ours, so a delivered message
// means the CLI's presigned URLs are right. Every CLI run carries -W and is killed by the harness
// after a hard bound, so nothing here can hang.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startStandinProcess } from './processes.mjs';
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';

const CLI = process.env.IOTLITE_CLI;
const HARD_LIMIT_MS = 30000;  // no CLI run may take longer than this, whatever happens
const WRONG_SECRET = 'wrongSecretKeyThatMustNeverBePrinted/0123456';
const FAKE_TOKEN = 'FwoGZXIvYXdzSessionTokenThatMustNeverBePrinted+/=';
const CUSTOM_PASSWORD = 'customAuthorizerPasswordNeverPrinted';

let standin;   // startStandinProcess(): { child, endpoints, log(), stop() }
let scratch;   // temp dir for credentials files and payload files
let secret;    // the stand-in's static secret key
const outputs = [];  // every stdout/stderr, checked for secrets at the end

// Runs a program; resolves {code, out, err, ms}. Killed (SIGKILL) after HARD_LIMIT_MS.
// onStderrLine(line) sees stderr as it arrives (readiness lines).
function run(file, args, { env = {}, input, onStderrLine, onStdout, onSpawn } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(file, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (onSpawn) onSpawn(child);
    let out = '';
    let err = '';
    let pending = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), HARD_LIMIT_MS);
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; if (onStdout) onStdout(out); });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      err += d;
      pending += d;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (onStderrLine) onStderrLine(line);
      }
    });
    child.stdin.on('error', () => {});
    if (input !== undefined) child.stdin.end(input); else child.stdin.end();
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const r = { code, signal, out, err, ms: Date.now() - started };
      outputs.push(`${out}\n${err}`);  // the arguments themselves may hold secrets on purpose
      resolve(r);
    });
  });
}

const cli = (args, opts) => run(CLI, args, opts);

// Environment credentials of the stand-in's static test key.
function awsEnv(extra = {}) {
  const c = standin.endpoints.testCredentials;
  return { AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, ...extra };
}

// Connection flags per transport.
function conn(kind, device) {
  const e = standin.endpoints;
  switch (kind) {
    case 'ws': return ['--endpoint', `127.0.0.1:${e.wsPort}`, '--scheme', 'ws', '--region', e.region];
    // mbedTLS checks DNS names only, and the stand-in's certificate carries "localhost".
    case 'wss': return ['--endpoint', `localhost:${e.wssPort}`, '--cafile', e.caCertPath, '--region', e.region];
    case 'mtls': return ['--endpoint', `localhost:${e.mqttTlsPort}`, '--cafile', e.caCertPath, '--cert', device.certPath,
      '--key', device.keyPath];
    case 'alpn': return ['--endpoint', `localhost:${e.alpnPort}`, '--alpn', '--cafile', e.caCertPath,
      '--cert', device.certPath, '--key', device.keyPath];
    default: throw new Error(kind);
  }
}

async function issueCert(thing) {
  const res = await fetch(`${standin.endpoints.adminUrl}/certs`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ thing }),
  });
  assert.equal(res.status, 200);
  return res.json();
}

let topicCounter = 0;
const freshTopic = (what) => `iotlite/cli-test/${process.pid}/${what}-${++topicCounter}`;

// Starts `iotlite sub` and resolves once it printed "subscribed" (-d), with its completion promise
// and output(text): resolves when stdout so far equals `text` (or the sub ends).
function startSub(args, env, onLine = () => {}) {
  return new Promise((resolve, reject) => {
    let ready = false;
    let stdout = '';
    const waiters = [];
    const output = (text) => new Promise((r) => { waiters.push({ text, r }); check(); });
    const check = () => { for (const w of waiters) if (stdout === w.text) w.r(); };
    let child;
    const done = cli(['sub', '-d', ...args], {
      env,
      onSpawn: (c) => { child = c; },
      onStdout: (all) => { stdout = all; check(); },
      onStderrLine: (line) => {
        onLine(line);
        if (!ready && /: subscribed to \d+ filter/.test(line)) {
          ready = true;
          resolve({ done, output: (text) => Promise.race([output(text), done]), signal: (sig) => child.kill(sig) });
        }
      },
    });
    done.then((r) => { if (!ready) reject(new Error(`sub ended before subscribing: ${r.code} ${r.err}`)); });
  });
}

function assertOneLineError(r, code, pattern, command) {
  assert.equal(r.code, code, `exit code; stderr: ${r.err}`);
  assert.equal(r.out, '');
  const lines = r.err.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `exactly one stderr line, got: ${JSON.stringify(r.err)}`);
  assert.ok(lines[0].startsWith(`iotlite ${command}: `), lines[0]);
  assert.match(lines[0], pattern);
}

before(async () => {
  assert.ok(CLI, 'IOTLITE_CLI must point at the built iotlite binary');
  scratch = mkdtempSync(join(tmpdir(), 'iotlite-cli-test-'));
  standin = await startStandinProcess();
  secret = standin.endpoints.testCredentials.secretAccessKey;
});

after(async () => {
  await standin?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('pub/sub over WebSocket + SigV4 (ws://): sub -C 1 -v prints what pub sent, both exit 0', async () => {
  const topic = freshTopic('ws');
  const sub = await startSub([...conn('ws'), '-t', topic, '-C', '1', '-v', '-W', '20'], awsEnv());
  // --insecure-ws is the spelled-out form of --scheme ws.
  const e = standin.endpoints;
  const pub = await cli(['pub', '--endpoint', `127.0.0.1:${e.wsPort}`, '--insecure-ws', '--region', e.region, '-t', topic,
    '-m', 'hello over ws', '-q', '1', '-W', '10'], { env: awsEnv() });
  assert.equal(pub.code, 0, pub.err);
  assert.equal(pub.out, '');
  const r = await sub.done;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `${topic} hello over ws\n`);
});

test('pub/sub over WSS + SigV4 (TLS verified against --cafile), session token in AWS_SESSION_TOKEN refused as AWS does', async () => {
  const topic = freshTopic('wss');
  const sub = await startSub([...conn('wss'), '-t', topic, '-C', '1', '-W', '20'], awsEnv());
  const pub = await cli(['pub', ...conn('wss'), '-t', topic, '-m', 'hello over wss', '-W', '10'], { env: awsEnv() });
  assert.equal(pub.code, 0, pub.err);
  const r = await sub.done;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'hello over wss\n');

  // A static key with a session token: the stand-in, like AWS, refuses the token (403).
  const t = await cli(['pub', ...conn('ws'), '-t', topic, '-m', 'x', '-W', '5'], { env: awsEnv({ AWS_SESSION_TOKEN: FAKE_TOKEN }) });
  assertOneLineError(t, 1, /HTTP 403.*InvalidToken/, 'pub');
});

test('mTLS with a stand-in-issued certificate (8883-style port) and over the ALPN port', async () => {
  const device = await issueCert('iotlite-cli-device');
  const topic = freshTopic('mtls');
  const sub = await startSub([...conn('mtls', device), '-t', topic, '-C', '2', '-q', '1', '-W', '20'], {});
  const p1 = await cli(['pub', ...conn('mtls', device), '-t', topic, '-m', 'via 8883', '-q', '1', '-W', '10']);
  assert.equal(p1.code, 0, p1.err);
  const p2 = await cli(['pub', ...conn('alpn', device), '-t', topic, '-m', 'via alpn', '-q', '1', '-W', '10']);
  assert.equal(p2.code, 0, p2.err);
  const r = await sub.done;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'via 8883\nvia alpn\n');
});

test('mTLS: a server certificate not signed by --cafile fails fast with the verification reason, exit 1', async () => {
  const device = await issueCert('iotlite-cli-untrusted');
  const args = conn('mtls', device);
  args[args.indexOf('--cafile') + 1] = '/etc/ssl/certs/Amazon_Root_CA_1.pem';
  const r = await cli(['pub', ...args, '-t', 'a/b', '-m', 'x', '-W', '8']);
  assertOneLineError(r, 1, /server certificate verification failed.*not correctly signed by the trusted CA.*--cafile/, 'pub');
  assert.ok(r.ms < 8000, `failed fast (${r.ms} ms)`);
});

test('independent peers: sub receives what mosquitto_pub publishes to the broker; mosquitto_sub receives a retained iotlite pub', async () => {
  const e = standin.endpoints;
  const topic = freshTopic('mosq');
  const sub = await startSub([...conn('ws'), '-t', topic, '-C', '1', '-v', '-W', '20'], awsEnv());
  const mp = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(e.brokerTcpPort), '-t', topic, '-m', 'from mosquitto', '-q', '1']);
  assert.equal(mp.code, 0, mp.err);
  const r = await sub.done;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `${topic} from mosquitto\n`);

  // -r: the broker keeps it, so a later mosquitto_sub gets it without any race.
  const retained = freshTopic('retained');
  const pub = await cli(['pub', ...conn('ws'), '-t', retained, '-m', 'kept', '-r', '-q', '1', '-W', '10'], { env: awsEnv() });
  assert.equal(pub.code, 0, pub.err);
  const ms = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(e.brokerTcpPort), '-t', retained, '-C', '1', '-W', '10', '-v']);
  assert.equal(ms.code, 0, ms.err);
  assert.equal(ms.out, `${retained} kept\n`);
});

test('a dropped connection: sub reconnects by itself (re-signed), re-subscribes and gets the next message', async () => {
  const topic = freshTopic('drop');
  let connects = 0;
  let resolveSecond;
  const secondConnect = new Promise((r) => { resolveSecond = r; });
  const sub = await startSub([...conn('ws'), '-t', topic, '-C', '2', '-W', '25'], awsEnv(),
    (line) => { if (/: connected as /.test(line) && ++connects === 2) resolveSecond(); });
  const p1 = await cli(['pub', ...conn('ws'), '-t', topic, '-m', 'before', '-q', '1', '-W', '10'], { env: awsEnv() });
  assert.equal(p1.code, 0, p1.err);
  await sub.output('before\n');  // delivered before the drop (QoS 0 in flight would be lost)
  const res = await fetch(`${standin.endpoints.adminUrl}/drop`, { method: 'POST' });
  assert.equal(res.status, 200);
  // Either the sub reconnects, or it ended (a failure: its exit is checked right below).
  await Promise.race([secondConnect, sub.done]);
  // Retained: delivered live if the automatic re-subscribe already landed, else on re-subscribe.
  const p2 = await cli(['pub', ...conn('ws'), '-t', topic, '-m', 'after', '-q', '1', '-r', '-W', '10'], { env: awsEnv() });
  assert.equal(p2.code, 0, p2.err);
  const r = await sub.done;
  const why = () => `sub: ${JSON.stringify(r.out)} ${r.err}\nstand-in log tail:\n${standin.log().slice(-2000)}\nbroker log tail:\n${
    readFileSync(join(standin.endpoints.tempDir, 'mosquitto.log'), 'utf8').slice(-3000)}`;
  assert.equal(r.code, 0, why());
  assert.equal(r.out, 'before\nafter\n', why());
  assert.match(r.err, /connect attempt 2 /);
  // Clear the retained message.
  const clear = await cli(['pub', ...conn('ws'), '-t', topic, '-n', '-r', '-q', '1', '-W', '10'], { env: awsEnv() });
  assert.equal(clear.code, 0, clear.err);
});

test('sub without -C or -W runs until SIGINT / SIGTERM, then disconnects and exits 0', async () => {
  for (const sig of ['SIGINT', 'SIGTERM']) {
    const sub = await startSub([...conn('ws'), '-t', freshTopic('forever')], awsEnv());
    const t0 = Date.now();
    sub.signal(sig);
    const r = await sub.done;
    assert.equal(r.code, 0, `${sig}: ${r.err}`);
    assert.ok(Date.now() - t0 < 3000, `${sig}: stopped promptly`);
    assert.match(r.err, /disconnected: disconnect\(\) called by the application/);
  }
});

test('payload sources: -f file, -s stdin and -n null message arrive byte for byte; several -t filters', async () => {
  const a = freshTopic('src-a');
  const b = freshTopic('src-b');
  const file = join(scratch, 'payload.bin');
  writeFileSync(file, 'from a file');
  const sub = await startSub([...conn('ws'), '-t', a, '-t', b, '-C', '3', '-v', '-W', '20'], awsEnv());
  for (const [args, input] of [[['-t', a, '-f', file], undefined], [['-t', b, '-s'], 'from stdin'], [['-t', a, '-n'], undefined]]) {
    const p = await cli(['pub', ...conn('ws'), ...args, '-q', '1', '-W', '10'], { env: awsEnv(), input });
    assert.equal(p.code, 0, p.err);
  }
  const r = await sub.done;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `${a} from a file\n${b} from stdin\n${a} \n`);
});

test('--profile reads ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE); a missing profile is exit 2 naming it', async () => {
  const c = standin.endpoints.testCredentials;
  const file = join(scratch, 'credentials');
  writeFileSync(file, [
    '# a comment',
    '[default]',
    'aws_access_key_id = AKIDNOTTHEONE',
    `aws_secret_access_key = ${WRONG_SECRET}`,
    '',
    '[profile standin]',
    `aws_access_key_id=${c.accessKeyId}`,
    '; another comment',
    's3 =',
    '  max_concurrent_requests = 20',  // nested settings (indented) are skipped, as by the AWS CLI
    `aws_secret_access_key   =   ${c.secretAccessKey}   `,
    `region = ${standin.endpoints.region}`,
    '[wrong]',
    `aws_access_key_id = ${c.accessKeyId}`,
    `aws_secret_access_key = ${WRONG_SECRET}`,
    '',
  ].join('\n'));
  const env = { AWS_SHARED_CREDENTIALS_FILE: file };
  const topic = freshTopic('profile');
  const sub = await startSub([...conn('ws'), '--profile', 'standin', '-t', topic, '-C', '1', '-W', '20'], env);
  const pub = await cli(['pub', ...conn('ws'), '--profile', 'standin', '-t', topic, '-m', 'profiled', '-W', '10'], { env });
  assert.equal(pub.code, 0, pub.err);
  const r = await sub.done;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'profiled\n');

  // AWS_PROFILE selects the profile too; its region is used when neither --region nor the
  // endpoint gives one (127.0.0.1 does not).
  const noRegion = conn('ws').slice(0, 4);
  const ap = await cli(['pub', ...noRegion, '-t', topic, '-m', 'x', '-q', '1', '-W', '10'], { env: { ...env, AWS_PROFILE: 'standin' } });
  assert.equal(ap.code, 0, ap.err);  // QoS 1: exit 0 means CONNACK and PUBACK came back
  const apw = await cli(['pub', ...noRegion, '-t', topic, '-m', 'x', '-W', '5'], { env: { ...env, AWS_PROFILE: 'wrong' } });
  assertOneLineError(apw, 2, /--region is required/, 'pub');  // [wrong] has no region

  // Without --profile and without AWS_* variables, [default] is used: a key the stand-in does not know.
  const d = await cli(['pub', ...conn('ws'), '-t', topic, '-m', 'x', '-W', '5'], { env });
  assertOneLineError(d, 1, /HTTP 403.*UnrecognizedClient.*profile 'default'/, 'pub');
  const w = await cli(['pub', ...conn('ws'), '--profile', 'wrong', '-t', topic, '-m', 'x', '-W', '5'], { env });
  assertOneLineError(w, 1, /HTTP 403.*SignatureDoesNotMatch/, 'pub');

  const m = await cli(['pub', ...conn('ws'), '--profile', 'nosuch', '-t', topic, '-m', 'x'], { env });
  assertOneLineError(m, 2, /profile 'nosuch' not found in .*credentials/, 'pub');
  writeFileSync(join(scratch, 'partial'), `[p]\naws_access_key_id = ${c.accessKeyId}\n`);
  const p = await cli(['pub', ...conn('ws'), '--profile', 'p', '-t', topic, '-m', 'x'],
    { env: { AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'partial') } });
  assertOneLineError(p, 2, /profile 'p' in .* has no aws_secret_access_key/, 'pub');
});

test('shadow: update then get shows the document; a stale --version is 409; delete then get is 404, exit 1', async () => {
  const thing = `cli-thing-${process.pid}`;
  const base = ['--thing', thing, ...conn('ws'), '-W', '10'];
  const env = awsEnv();
  const u = await cli(['shadow', 'update', ...base, '--desired', '{"color":"red"}', '--reported', '{"color":"blue"}'], { env });
  assert.equal(u.code, 0, u.err);
  const updated = JSON.parse(u.out);
  assert.deepEqual(updated.state, { desired: { color: 'red' }, reported: { color: 'blue' } });
  assert.equal(updated.version, 1);

  const g = await cli(['shadow', 'get', ...base], { env });
  assert.equal(g.code, 0, g.err);
  const got = JSON.parse(g.out);
  assert.deepEqual(got.state, { desired: { color: 'red' }, reported: { color: 'blue' }, delta: { color: 'red' } });
  assert.equal(got.version, 1);

  const stale = await cli(['shadow', 'update', ...base, '--reported', '{"color":"red"}', '--version', '7'], { env });
  assertOneLineError(stale, 1, /update rejected: 409 /, 'shadow');

  // --document with its own version: a shadow never created is at version 0 (AWS semantics).
  const doc = '{"state":{"reported":{"n":1}},"version":0}';
  const named = await cli(['shadow', 'update', ...base, '--name', 'cfg', '--document', doc], { env });
  assert.equal(named.code, 0, named.err);
  assert.deepEqual(JSON.parse(named.out).state, { reported: { n: 1 } });
  assert.equal(JSON.parse(named.out).version, 1);
  const named2 = await cli(['shadow', 'update', ...base, '--name', 'cfg', '--document', doc], { env });
  assertOneLineError(named2, 1, /update rejected: 409 Version conflict/, 'shadow');

  const d = await cli(['shadow', 'delete', ...base], { env });
  assert.equal(d.code, 0, d.err);
  assert.equal(JSON.parse(d.out).version, 1);
  const g2 = await cli(['shadow', 'get', ...base], { env });
  assertOneLineError(g2, 1, /get rejected: 404 .*No shadow exists/, 'shadow');
  // The named shadow is a different document and still exists.
  const g3 = await cli(['shadow', 'get', ...base, '--name', 'cfg'], { env });
  assert.equal(g3.code, 0, g3.err);
  assert.deepEqual(JSON.parse(g3.out).state, { reported: { n: 1 } });
});

test('a wrong secret key: a clear 403 error and exit 1 well within the timeout, the secret never printed', async () => {
  for (const cmd of [['pub', '-t', 'a/b', '-m', 'x'], ['sub', '-t', 'a/b'], ['shadow', 'get', '--thing', 't']]) {
    const r = await cli([...cmd, ...conn('ws'), '-W', '6'], { env: awsEnv({ AWS_SECRET_ACCESS_KEY: WRONG_SECRET }) });
    assertOneLineError(r, 1, /HTTP 403 .*SignatureDoesNotMatch.*check the access key and secret key/, cmd[0]);
    assert.ok(r.ms < 6000, `${cmd[0]} exits before -W (${r.ms} ms)`);
    assert.ok(!r.err.includes(WRONG_SECRET));
  }
});

test('a closed port fails fast: exit 1 within 3 s naming the address (as mosquitto_pub), not after -W', async () => {
  for (const cmd of [['pub', '-t', 'a', '-m', 'x'], ['sub', '-t', 'a']]) {
    const r = await cli([...cmd, '-h', '127.0.0.1', '-p', '1', '--scheme', 'ws', '--region', 'us-east-1', '-W', '20'], { env: awsEnv() });
    assertOneLineError(r, 1, /^iotlite \w+: cannot connect to ws:\/\/127\.0\.0\.1:1\/mqtt .*: connection refused by 127\.0\.0\.1:1 \(nothing listens on that port\)$/, cmd[0]);
    assert.ok(r.ms < 3000, `${cmd[0]} took ${r.ms} ms`);
  }
  // mosquitto_pub, the oracle: the same exit status at once.
  const m = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', '1', '-t', 'a', '-m', 'x']);
  assert.equal(m.code, 1);
});

test('an upgrade refused with HTTP 503 is retried until -W (exit 27), one refused with 404 ends at once (exit 1): core\'s retry rule', async () => {
  for (const [status, code] of [[503, 27], [404, 1]]) {
    let upgrades = 0;
    const server = createHttpServer((req, res) => { upgrades += 1; res.writeHead(status, { connection: 'close' }).end('no'); });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    try {
      const r = await cli(['pub', '--endpoint', `127.0.0.1:${server.address().port}`, '--scheme', 'ws', '--region', 'us-east-1',
        '-t', 'a', '-m', 'x', '-W', '3'], { env: awsEnv() });
      assert.equal(r.code, code, `HTTP ${status}: ${r.err}`);
      assert.match(r.err, new RegExp(`HTTP ${status}`));
      if (status === 503) {
        assert.ok(r.ms >= 2900, `HTTP 503: gave up after ${r.ms} ms, before -W`);
        assert.ok(upgrades >= 2, `HTTP 503: ${upgrades} attempt(s)`);
      } else {
        assert.ok(r.ms < 2500, `HTTP 404: took ${r.ms} ms`);
        assert.equal(upgrades, 1);
      }
    } finally {
      server.close();
    }
  }
});

test('a port that accepts but never answers: bounded by -W, exit 27 (mosquitto\'s timeout code), no tight loop', async () => {
  const silent = createServer(() => {});  // accepts TCP, never speaks
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const r = await cli(['pub', '--endpoint', `127.0.0.1:${silent.address().port}`, '--scheme', 'ws', '--region', 'us-east-1',
      '-t', 'a', '-m', 'x', '-W', '2', '-d'], { env: awsEnv() });
    assert.equal(r.code, 27, r.err);
    const lines = r.err.split('\n').filter((l) => l !== '');
    assert.match(lines.at(-1), /^iotlite pub: could not connect to ws:\/\/127\.0\.0\.1:\d+\/mqtt .* within 2 s/);
    assert.ok(r.ms >= 1900 && r.ms < 5000, `took ${r.ms} ms`);
    const attempts = lines.filter((l) => /connect attempt \d+/.test(l)).length;
    assert.ok(attempts >= 1 && attempts <= 3, `${attempts} attempts in 2 s`);
  } finally {
    silent.close();
  }
  const s = await cli(['sub', ...conn('ws'), '-t', freshTopic('quiet'), '-C', '1', '-W', '2'], { env: awsEnv() });
  assertOneLineError(s, 27, /timed out after 2 s \(-W\) with 0 of 1 messages/, 'sub');
});

test('sub -W without -C: exit 27 like mosquitto_sub -W against the broker (the oracle)', async () => {
  const s = await cli(['sub', ...conn('ws'), '-t', freshTopic('w'), '-W', '1'], { env: awsEnv() });
  assertOneLineError(s, 27, /^iotlite sub: timed out after 1 s \(-W\)$/, 'sub');
  const m = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(standin.endpoints.brokerTcpPort), '-t', freshTopic('w'), '-W', '1']);
  assert.equal(m.code, s.code);
});

test('mosquitto spellings: -h/-p for pub, -L ws://HOST:PORT/TOPIC for sub, --tls-alpn x-amzn-mqtt-ca is --alpn', async () => {
  const e = standin.endpoints;
  const topic = freshTopic('hp');
  const sub = await startSub(['-L', `ws://127.0.0.1:${e.wsPort}/${topic}`, '--region', e.region, '-C', '1', '-v', '-W', '20'], awsEnv());
  const pub = await cli(['pub', '-h', '127.0.0.1', '-p', String(e.wsPort), '--scheme', 'ws', '--region', e.region, '-t', topic,
    '-m', 'spelled like mosquitto', '-q', '1', '-W', '10'], { env: awsEnv() });
  assert.equal(pub.code, 0, pub.err);
  const r = await sub.done;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `${topic} spelled like mosquitto\n`);

  const device = await issueCert('iotlite-cli-mosq');
  const alpnTopic = freshTopic('alpn');
  const a = await cli(['pub', '-L', `mqtts://localhost:${e.alpnPort}/${alpnTopic}`, '--tls-alpn', 'x-amzn-mqtt-ca', '--cafile', e.caCertPath,
    '--cert', device.certPath, '--key', device.keyPath, '-m', 'x', '-q', '1', '-W', '10']);
  assert.equal(a.code, 0, a.err);
});

test('pub -l: one message per stdin line (empty lines too, \\r kept, a last partial line sent); a line over 128 KB is exit 2', async () => {
  const topic = freshTopic('lines');
  const sub = await startSub([...conn('ws'), '-t', topic, '-C', '4', '-F', '[%p]', '-W', '20'], awsEnv());
  const pub = await cli(['pub', ...conn('ws'), '-t', topic, '-l', '-q', '1', '-W', '10'], { env: awsEnv(), input: 'one\n\nthr\r\nlast' });
  assert.equal(pub.code, 0, pub.err);
  const r = await sub.done;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, '[one]\n[]\n[thr\r]\n[last]\n');

  const long = await cli(['pub', ...conn('ws'), '-t', topic, '-l', '-W', '10'], { env: awsEnv(), input: `ok\n${'a'.repeat(131073)}\n` });
  assertOneLineError(long, 2, /^iotlite pub: -l: line 2 is longer than 131072 bytes \(AWS IoT's payload limit; one line is one message\)$/, 'pub');
});

test('pub --repeat 3 --repeat-delay 0.3: three messages, spaced by the delay', async () => {
  const topic = freshTopic('repeat');
  const sub = await startSub([...conn('ws'), '-t', topic, '-C', '3', '-W', '20'], awsEnv());
  const pub = await cli(['pub', ...conn('ws'), '-t', topic, '-m', 'again', '--repeat', '3', '--repeat-delay', '0.3', '-q', '1', '-W', '10'],
    { env: awsEnv() });
  assert.equal(pub.code, 0, pub.err);
  assert.ok(pub.ms >= 600, `two delays of 0.3 s: took ${pub.ms} ms`);
  const r = await sub.done;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'again\nagain\nagain\n');
});

test('sub -F prints exactly what mosquitto_sub -F prints for the same (retained) message', async () => {
  const e = standin.endpoints;
  const topic = freshTopic('format');
  const format = '[%t|%p|%q|%r|%l|%x|%X|%%|@Y|@@|\\t|\\\\]';
  const pub = await cli(['pub', ...conn('ws'), '-t', topic, '-m', 'h\u00e9 llo', '-r', '-q', '1', '-W', '10'], { env: awsEnv() });
  assert.equal(pub.code, 0, pub.err);
  const ours = await cli(['sub', ...conn('ws'), '-t', topic, '-C', '1', '-F', format, '-W', '10'], { env: awsEnv() });
  const theirs = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(e.brokerTcpPort), '-t', topic, '-C', '1', '-F', format, '-W', '10']);
  assert.equal(theirs.code, 0, theirs.err);
  assert.equal(ours.code, 0, ours.err);
  assert.equal(ours.out, theirs.out);
  assert.match(ours.out, new RegExp(`^\\[${topic}\\|h\u00e9 llo\\|0\\|1\\|7\\|`));
  const oursN = await cli(['sub', ...conn('ws'), '-t', topic, '-C', '1', '-F', '%t', '-N', '-W', '10'], { env: awsEnv() });
  assert.equal(oursN.out, topic);
  const clear = await cli(['pub', ...conn('ws'), '-t', topic, '-n', '-r', '-q', '1', '-W', '10'], { env: awsEnv() });
  assert.equal(clear.code, 0, clear.err);
});

test('sub -R skips retained messages and -T filters topics out; neither counts for -C', async () => {
  const kept = freshTopic('stale');
  const noisy = freshTopic('noisy');
  const p0 = await cli(['pub', ...conn('ws'), '-t', kept, '-m', 'stale', '-r', '-q', '1', '-W', '10'], { env: awsEnv() });
  assert.equal(p0.code, 0, p0.err);
  const sub = await startSub([...conn('ws'), '-t', kept, '-t', noisy, '-T', noisy, '-R', '-C', '1', '-v', '-W', '20'], awsEnv());
  for (const [topic, m] of [[noisy, 'filtered out'], [kept, 'live']]) {
    const p = await cli(['pub', ...conn('ws'), '-t', topic, '-m', m, '-q', '1', '-W', '10'], { env: awsEnv() });
    assert.equal(p.code, 0, p.err);
  }
  const r = await sub.done;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `${kept} live\n`);
  const clear = await cli(['pub', ...conn('ws'), '-t', kept, '-n', '-r', '-q', '1', '-W', '10'], { env: awsEnv() });
  assert.equal(clear.code, 0, clear.err);
});

test('sub -E exits once subscribed; -U unsubscribes (alone: then exits; with -t: that filter stops delivering)', async () => {
  const e1 = await cli(['sub', ...conn('ws'), '-t', freshTopic('e'), '-E', '-W', '10'], { env: awsEnv() });
  assert.equal(e1.code, 0, e1.err);
  assert.ok(e1.ms < 5000, `took ${e1.ms} ms`);
  const u1 = await cli(['sub', ...conn('ws'), '-U', freshTopic('u'), '-d', '-W', '10'], { env: awsEnv() });
  assert.equal(u1.code, 0, u1.err);
  assert.match(u1.err, /unsubscribed from 1 filter/);

  const stay = freshTopic('stay');
  const gone = freshTopic('gone');
  let resolveUnsubscribed;
  const unsubscribed = new Promise((r) => { resolveUnsubscribed = r; });
  const sub = await startSub([...conn('ws'), '-t', stay, '-t', gone, '-U', gone, '-C', '1', '-v', '-W', '20'], awsEnv(),
    (line) => { if (/unsubscribed from 1 filter/.test(line)) resolveUnsubscribed(); });
  await unsubscribed;
  for (const topic of [gone, stay]) {
    const p = await cli(['pub', ...conn('ws'), '-t', topic, '-m', 'm', '-q', '1', '-W', '10'], { env: awsEnv() });
    assert.equal(p.code, 0, p.err);
  }
  const r = await sub.done;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `${stay} m\n`);
});

test('-u/-P with --authorizer: the stand-in\'s custom authorizer lets the token in; a wrong token is a 403 with the authorizer hint', async () => {
  const e = standin.endpoints;
  const a = e.customAuthorizer;
  const base = ['-h', '127.0.0.1', '-p', String(e.wsPort), '--scheme', 'ws', '--authorizer', a.name, '--token-key-name', a.tokenKeyName,
    '-u', 'device'];
  const topic = freshTopic('authz');
  const sub = await startSub([...base, '-P', CUSTOM_PASSWORD, '--token', a.token, '-t', topic, '-C', '1', '-W', '20'], {});
  const pub = await cli(['pub', ...base, '-P', CUSTOM_PASSWORD, '--token', a.token, '-t', topic, '-m', 'authorized', '-q', '1', '-W', '10']);
  assert.equal(pub.code, 0, pub.err);
  const r = await sub.done;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'authorized\n');
  assert.match(r.err, /custom authorizer iotlite-authorizer, user device/);

  const bad = await cli(['pub', ...base, '-P', CUSTOM_PASSWORD, '--token', 'not-the-token', '-t', topic, '-m', 'x', '-W', '5']);
  assertOneLineError(bad, 1, /HTTP 403 .*AuthorizerDenied.*check --authorizer, --token/, 'pub');
});

test('--will-topic: the broker publishes the Will when the connection ends without DISCONNECT', async () => {
  const will = freshTopic('will');
  const watcher = await startSub([...conn('ws'), '-t', will, '-C', '1', '-v', '-W', '20'], awsEnv());
  const doomed = await startSub([...conn('ws'), '-t', freshTopic('doomed'), '--will-topic', will, '--will-payload', 'gone',
    '--will-qos', '1'], awsEnv());
  doomed.signal('SIGKILL');  // no DISCONNECT
  await doomed.done;
  const r = await watcher.done;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `${will} gone\n`);
});

test('--quiet: no error line, the exit status still tells', async () => {
  const r = await cli(['pub', ...conn('ws'), '-t', 'a', '-m', 'x', '--insecure', '--quiet'], { env: awsEnv() });
  assert.equal(r.code, 2);
  assert.equal(r.err, '');
  const c = await cli(['sub', '-h', '127.0.0.1', '-p', '1', '--scheme', 'ws', '--region', 'us-east-1', '-t', 'a', '--quiet'], { env: awsEnv() });
  assert.equal(c.code, 1);
  assert.equal(c.err, '');
});

test('bad input: exit 2 with exactly one line naming the problem, before any connection', async () => {
  const ws = conn('ws');
  const cases = [
    [['pub', ...ws, '-m', 'x'], /-t TOPIC is required/],
    [['pub', ...ws, '-t', 'a/b'], /exactly one of -m MESSAGE, -f FILE, -s \(stdin\), -l \(stdin lines\) or -n/],
    // mosquitto's flags that do not map onto AWS IoT, or malformed: refused naming the option and the rule.
    [['pub', ...ws, '-t', 'a', '-m', 'x', '--insecure'], /--insecure is refused: AWS IoT requires the client to verify the server's certificate/],
    [['sub', ...ws, '-t', 'a', '--insecure'], /--insecure is refused/],
    [['pub', '-L', `mqtt://u:${CUSTOM_PASSWORD}@h/t`, '-m', 'x'], /-L mqtt:\/\/: AWS IoT has no plain MQTT port \(1883\)/],
    [['pub', '-L', 'mqtts://localhost/t', '-m', 'x'], /-L mqtts:\/\/: MQTT over TLS to AWS IoT authenticates with a client certificate/],
    [['pub', '-L', 'http://h/t', '-m', 'x'], /-L: unsupported scheme 'http:\/\/'/],
    [['pub', ...ws, '-t', 'a', '-m', 'x', '--tls-alpn', 'mqtt'], /--tls-alpn: AWS IoT takes MQTT on port 443 with ALPN x-amzn-mqtt-ca/],
    [['pub', '-h', 'localhost', '-p', '0', '-t', 'a', '-m', 'x'], /-p must be a port number from 1 to 65535/],
    [['pub', '-h', 'localhost', '--endpoint', 'localhost', '-t', 'a', '-m', 'x'], /give the host with -h or with --endpoint, not both/],
    [['pub', ...ws, '-t', 'a', '-l', '--repeat', '2'], /--repeat applies to -m, -f, -s and -n, not to -l/],
    [['pub', ...ws, '-t', 'a', '-m', 'x', '--repeat', '0'], /--repeat must be a whole number from 1 to 1000000/],
    [['pub', ...ws, '-t', 'a', '-m', 'x', '--repeat-delay', '1.2345'], /--repeat-delay must be seconds from 0 to 3600 with at most 3 decimals/],
    [['pub', ...ws, '-t', 'a', '-m', 'x', '-P', CUSTOM_PASSWORD], /-P needs -u/],
    [['pub', ...ws, '-t', 'a', '-m', 'x', '--will-qos', '1'], /--will-qos needs --will-topic/],
    [['pub', '--endpoint', 'localhost:1', '--region', 'us-east-1', '-t', 'a', '-m', 'x', '--capath', '/nonexistent'],
      /--capath \/nonexistent: cannot open/],
    [['sub', ...ws, '-t', 'a', '-F', '%m'], /-F: '%m' is not supported: the message id is not exposed/],
    [['sub', ...ws, '-t', 'a', '-F', '%i'], /-F: invalid format specifier '%i'/],
    [['sub', ...ws, '-t', 'a', '-T', 'a/#/b'], /-T: .*'#' must be the last level/],
    [['sub', ...ws, '-U', 'a/#/b'], /-U: .*'#' must be the last level/],
    [['pub', ...ws, '-t', 'a/b/c/d/e/f/g/h/i', '-m', 'x'], /topic has 8 '\/' levels; AWS IoT allows 7/],
    [['pub', ...ws, '-t', 'x'.repeat(257), '-m', 'x'], /256/],
    [['pub', ...ws, '-t', 'a/+', '-m', 'x'], /wildcard/],
    [['pub', ...ws, '-t', 'a', '-m', 'x', '-q', '2'], /QoS 0 and 1 only/],
    [['pub', ...ws, '-t', 'a', '-m', 'x', '-k', '10'], /keep-alive is 10 s; AWS IoT allows 30 to 1200 s/],
    [['pub', ...ws, '-t', 'a', '-m', 'x', '-i', 'c'.repeat(129)], /client id/i],
    [['pub', ...ws, '-t', 'a', '-m', 'x', '--bogus'], /unknown flag '--bogus'/],
    [['pub', ...ws, '-t', 'a', '-m', 'x', '-W', '0'], /-W must be a whole number of seconds/],
    [['pub', ...ws, '-t', 'a', '-m', 'x', '--cert', '/nonexistent.crt'], /--cert and --key must be given together/],
    [['pub', ...ws.slice(0, 2), '-t', 'a', '-m', 'x'], /--region is required/],
    [['pub', '-t', 'a', '-m', 'x'], /--endpoint is required/],
    [['pub', '--endpoint', 'h:99999', '-t', 'a', '-m', 'x'], /port must be 1\.\.65535/],
    [['pub', '--endpoint', 'localhost:1', '--cafile', '/etc/hostname', '--region', 'us-east-1', '-t', 'a', '-m', 'x'], /CA certificate does not parse/],
    [['sub', ...ws, '-C', '1'], /-t FILTER is required \(repeatable\), or -U FILTER/],
    [['sub', ...ws, '-t', 'a/#/b'], /'#' must be the last level/],
    [['sub', ...ws, '-t', 'a', '-C', 'zero'], /-C must be a whole number/],
    [['shadow', 'get', ...ws], /--thing is required/],
    [['shadow', 'fetch', '--thing', 't', ...ws], /unknown operation 'fetch'/],
    [['shadow', 'update', '--thing', 't', ...ws], /update needs --desired/],
    [['shadow', 'update', '--thing', 't', '--desired', `{"k":"${WRONG_SECRET}"`, ...ws], /--desired is not valid JSON/],
    [['shadow', 'get', '--thing', 'bad thing', ...ws], /thing name/],
    // A value in the wrong place is never echoed (it could be a secret).
    [['pub', ...ws, '-t', 'a', '-m', 'x', WRONG_SECRET], /unexpected argument at position \d+/],
  ];
  for (const [args, pattern] of cases) {
    const r = await cli(args, { env: awsEnv() });
    assertOneLineError(r, 2, pattern, args[0]);
    assert.ok(r.ms < 5000, `usage errors do not connect (${r.ms} ms): ${args.join(' ')}`);
  }
  const none = await cli(['pub', ...ws, '-t', 'a', '-m', 'x']);  // HOME is an empty scratch dir
  assertOneLineError(none, 2, /no AWS credentials/, 'pub');
  const help = await cli(['pub', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /usage: iotlite pub/);
});

// ---------------------------------------------------------------- MQTT 5 (-V 5, -D, -F properties)

// The properties every test below sends, as mosquitto_pub's -D words, and what %-specifiers print.
const V5_PROPS = [
  '-D', 'publish', 'content-type', 'application/json',
  '-D', 'publish', 'correlation-data', 'req-42',
  '-D', 'publish', 'response-topic', 'replies/cli',
  '-D', 'publish', 'payload-format-indicator', '1',
  '-D', 'publish', 'message-expiry-interval', '3600',
  '-D', 'publish', 'user-property', 'k', 'v 1',
  '-D', 'publish', 'user-property', 'k', 'v2',
];
const V5_FORMAT = '%t|%p|%C|%D|%R|%F|%P|%A|%S';  // %E apart: it counts down (checked on its own)
const v5Line = (topic) => `${topic}|{"t":21}|application/json|req-42|replies/cli|1|k:v 1 k:v2||\n`;

test('MQTT 5: iotlite pub -V 5 -D ... reaches mosquitto_sub -V 5 -F with every property intact (ws and mTLS)', async () => {
  const e = standin.endpoints;
  const device = await issueCert('iotlite-cli-v5-pub');
  for (const [kind, env] of [['ws', awsEnv()], ['mtls', {}]]) {
    const topic = freshTopic(`v5-pub-${kind}`);
    // Retained: the broker keeps the message with its properties, so mosquitto_sub needs no race.
    const pub = await cli(['pub', ...conn(kind, device), '-V', 'mqttv5', '-t', topic, '-m', '{"t":21}', '-r', '-q', '1',
      ...V5_PROPS, '-W', '10'], { env });
    assert.equal(pub.code, 0, pub.err);
    assert.equal(pub.out, '');
    const theirs = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(e.brokerTcpPort), '-V', '5', '-t', topic,
      '-C', '1', '-F', `${V5_FORMAT}|%E`, '-W', '10']);
    assert.equal(theirs.code, 0, theirs.err);
    const [line, expiry] = [theirs.out.slice(0, theirs.out.lastIndexOf('|') + 1), theirs.out.slice(theirs.out.lastIndexOf('|') + 1)];
    assert.equal(`${line.slice(0, -1)}\n`, v5Line(topic), kind);
    assert.ok(Number(expiry) > 3500 && Number(expiry) <= 3600, `message expiry left: ${expiry}`);
    const clear = await cli(['pub', ...conn(kind, device), '-t', topic, '-n', '-r', '-q', '1', '-W', '10'], { env });
    assert.equal(clear.code, 0, clear.err);
  }
});

test('MQTT 5: mosquitto_pub -V 5 -D ... reaches iotlite sub -V 5 -F with every property intact, byte for byte as mosquitto_sub prints it', async () => {
  const e = standin.endpoints;
  const device = await issueCert('iotlite-cli-v5-sub');
  // Live: our sub is subscribed before mosquitto_pub publishes.
  const live = freshTopic('v5-live');
  const sub = await startSub([...conn('mtls', device), '-V', '5', '-t', live, '-C', '1', '-q', '1', '-F', `${V5_FORMAT}|%E`,
    '-W', '20'], {});
  const mp = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(e.brokerTcpPort), '-V', '5', '-t', live,
    '-m', '{"t":21}', '-q', '1', ...V5_PROPS]);
  assert.equal(mp.code, 0, mp.err);
  const r = await sub.done;
  assert.equal(r.code, 0, r.err);
  const cut = r.out.lastIndexOf('|');
  assert.equal(`${r.out.slice(0, cut)}\n`, v5Line(live));
  const expiry = Number(r.out.slice(cut + 1));
  assert.ok(expiry > 3500 && expiry <= 3600, `message expiry left: ${r.out}`);

  // Retained, read by both: the same bytes (the oracle is mosquitto_sub's own -F).
  const kept = freshTopic('v5-kept');
  const mr = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(e.brokerTcpPort), '-V', '5', '-t', kept,
    '-m', '{"t":21}', '-r', '-q', '1', ...V5_PROPS]);
  assert.equal(mr.code, 0, mr.err);
  const format = `[${V5_FORMAT}|%q|%r|%l|%x]`;
  const ours = await cli(['sub', ...conn('ws'), '-V', '5', '-t', kept, '-C', '1', '-F', format, '-W', '10'], { env: awsEnv() });
  const theirs = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(e.brokerTcpPort), '-V', '5', '-t', kept, '-C', '1',
    '-F', format, '-W', '10']);
  assert.equal(theirs.code, 0, theirs.err);
  assert.equal(ours.code, 0, ours.err);
  assert.equal(ours.out, theirs.out);
  assert.match(ours.out, /\|application\/json\|req-42\|replies\/cli\|1\|k:v 1 k:v2\|/);
  // On MQTT 3.1.1 the same message has no properties: the specifiers print nothing.
  const v311 = await cli(['sub', ...conn('ws'), '-t', kept, '-C', '1', '-F', '%C|%P|%R', '-W', '10'], { env: awsEnv() });
  assert.equal(v311.code, 0, v311.err);
  assert.equal(v311.out, '||\n');
  const clear = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(e.brokerTcpPort), '-t', kept, '-n', '-r']);
  assert.equal(clear.code, 0, clear.err);
});

test('MQTT 5: sub --retain-as-published keeps RETAIN on a live message; without it the flag is cleared (%r)', async () => {
  const e = standin.endpoints;
  for (const [extra, flag] of [[['--retain-as-published'], '1'], [[], '0']]) {
    const topic = freshTopic('v5-rap');
    const sub = await startSub([...conn('ws'), '-V', '5', ...extra, '-t', topic, '-C', '1', '-F', '%r %p', '-W', '20'], awsEnv());
    const mp = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(e.brokerTcpPort), '-V', '5', '-t', topic, '-m', 'live',
      '-r', '-q', '1']);
    assert.equal(mp.code, 0, mp.err);
    const r = await sub.done;
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `${flag} live\n`, extra.join(' '));
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(e.brokerTcpPort), '-t', topic, '-n', '-r']);
  }
});

test('MQTT 5: refusals exit 1 with one line naming the reason code and the broker\'s reason string', async () => {
  const device = await issueCert('iotlite-cli-v5-refusals');
  // CONNACK 0x85: the stand-in, like AWS IoT, refuses a client id starting with '$' (its rule as Reason String).
  const c = await cli(['pub', ...conn('mtls', device), '-V', '5', '-i', '$not-allowed', '-t', 'a/b', '-m', 'x', '-W', '8']);
  assertOneLineError(c, 1, /CONNACK 0x85 client identifier not valid: \S/, 'pub');
  assert.ok(c.ms < 8000, `failed fast (${c.ms} ms)`);
  // PUBACK 0x87: a reserved topic devices may not publish to.
  const p = await cli(['pub', ...conn('mtls', device), '-V', '5', '-t', '$aws/things/x/shadow/update/accepted', '-m', '{}',
    '-q', '1', '-W', '8']);
  assertOneLineError(p, 1, /publish failed: PUBACK 0x87 not authorized/, 'pub');
  // SUBACK 0x87: a reserved filter AWS never publishes to (MQTT 3.1.1 would get 0x80).
  const s = await cli(['sub', ...conn('mtls', device), '-V', '5', '-t', '$aws/nothing/here', '-W', '8']);
  assertOneLineError(s, 1, /refused the subscription to '\$aws\/nothing\/here' \(SUBACK 0x87 not authorized/, 'sub');
  const s311 = await cli(['sub', ...conn('mtls', device), '-t', '$aws/nothing/here', '-W', '8']);
  assertOneLineError(s311, 1, /refused the subscription to '\$aws\/nothing\/here' \(SUBACK 0x80;/, 'sub');
});

test('MQTT 5: a broker\'s reason string with control bytes reaches the terminal as one clean line', async () => {
  // A fake broker behind ws://: CONNACK 0x87 whose Reason String carries ESC sequences and a newline.
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'mqtt' });
  await new Promise((r) => wss.once('listening', r));
  const reason = Buffer.from('policy\x1b[2J denied\r\nfake line\x07');
  wss.on('connection', (socket) => {
    socket.once('message', () => {
      const props = Buffer.concat([Buffer.from([0x1f, reason.length >> 8, reason.length & 0xff]), reason]);
      const body = Buffer.concat([Buffer.from([0x00, 0x87, props.length]), props]);
      socket.send(Buffer.concat([Buffer.from([0x20, body.length]), body]));
    });
  });
  try {
    const r = await cli(['pub', '--endpoint', `127.0.0.1:${wss.address().port}`, '--scheme', 'ws', '--region', 'us-east-1',
      '-V', '5', '-t', 'a/b', '-m', 'x', '-W', '8'], { env: awsEnv() });
    assertOneLineError(r, 1, /CONNACK 0x87 not authorized: policy\?\[2J denied\?\?fake line\?/, 'pub');
    assert.doesNotMatch(r.err.trimEnd(), /[\x00-\x08\x0b-\x1f\x7f]/);
  } finally {
    await new Promise((r) => wss.close(r));
  }
});

test('MQTT 5 flags: bad -V, -D with -V 311, unsupported properties: exit 2, one line naming the flag', async () => {
  const base = ['--endpoint', '127.0.0.1:1', '--scheme', 'ws', '--region', 'us-east-1', '-t', 'a/b'];
  const cases = [
    [['pub', ...base, '-m', 'x', '-V', '3'], /-V must be 5, mqttv5, 311 or mqttv311/],
    [['pub', ...base, '-m', 'x', '-V', 'mqttv31'], /-V mqttv31: AWS IoT Core speaks MQTT 3\.1\.1 and 5/],
    [['pub', ...base, '-m', 'x', '-V', '311', '-D', 'publish', 'content-type', 'x'], /-D requires MQTT 5: -V 311 was given/],
    [['pub', ...base, '-m', 'x', '-D', 'publish', 'topic-alias', '2'], /-D publish topic-alias: not supported: iotlite's engine assigns topic aliases/],
    [['sub', ...base, '-V', '5', '-D', 'subscribe', 'subscription-identifier', '3'], /-D subscribe subscription-identifier: not supported/],
    [['sub', ...base, '--retain-as-published'], /--retain-as-published is an MQTT 5 subscription option: add -V 5/],
  ];
  for (const [args, pattern] of cases) {
    const r = await cli(args, { env: awsEnv() });
    assertOneLineError(r, 2, pattern, args[0]);
  }
});
test('MQTT 5: -D will ... and -D connect ...: the Will arrives with its properties (mosquitto_sub -V 5 -F as the watcher)', async () => {
  const e = standin.endpoints;
  const will = freshTopic('v5-will');
  // mosquitto_sub straight on the broker; it prints nothing until the Will comes, so give it a moment.
  const watcher = run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(e.brokerTcpPort), '-V', '5', '-t', will, '-C', '1',
    '-F', '%t|%p|%C|%R|%D|%P', '-W', '20']);
  await new Promise((r) => setTimeout(r, 500));
  const doomed = await startSub([...conn('ws'), '-V', '5', '-t', freshTopic('v5-doomed'), '--will-topic', will,
    '--will-payload', 'gone', '--will-qos', '1', '-D', 'will', 'content-type', 'text/plain', '-D', 'will', 'response-topic',
    'wills/ack', '-D', 'will', 'correlation-data', 'w1', '-D', 'will', 'user-property', 'why', 'killed',
    '-D', 'connect', 'user-property', 'fleet', 'blue', '-D', 'connect', 'session-expiry-interval', '0'], awsEnv());
  doomed.signal('SIGKILL');  // no DISCONNECT: the broker publishes the Will
  await doomed.done;
  const r = await watcher;
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `${will}|gone|text/plain|wills/ack|w1|why:killed\n`);
});

test('MQTT 5: DISCONNECT 0x8E (another connection took the client id) ends sub at once, exit 1 naming the code', async () => {
  const id = `iotlite-cli-v5-takeover-${process.pid}`;
  const topic = freshTopic('v5-takeover');
  const sub = await startSub([...conn('ws'), '-V', '5', '-i', id, '-t', topic, '-W', '20'], awsEnv());
  // AWS IoT (and the stand-in) allow 1 CONNECT per second per client id: let that second pass.
  await new Promise((r) => setTimeout(r, 1100));
  const started = Date.now();
  const pub = await cli(['pub', ...conn('ws'), '-V', '5', '-i', id, '-t', topic, '-m', 'x', '-W', '10'], { env: awsEnv() });
  assert.equal(pub.code, 0, pub.err);
  const r = await sub.done;
  assert.equal(r.code, 1, r.err);
  const lines = r.err.split('\n').filter((l) => l !== '' && !/^iotlite sub: (connect attempt|connected as|subscribed|disconnected|retrying)/.test(l));
  assert.equal(lines.length, 1, r.err);
  assert.match(lines[0], /^iotlite sub: connection lost: DISCONNECT 0x8E session taken over/);
  assert.ok(Date.now() - started < 10000, 'not after -W');
});

test('no secret key, wrong secret or session token appears in any output of this suite', () => {
  assert.ok(outputs.length > 40, `outputs collected: ${outputs.length}`);
  for (const o of outputs) {
    for (const s of [secret, WRONG_SECRET, FAKE_TOKEN, CUSTOM_PASSWORD, encodeURIComponent(secret), encodeURIComponent(FAKE_TOKEN)]) {
      assert.ok(!o.includes(s), `a secret leaked in: ${o.slice(0, 200)}`);
    }
  }
});
