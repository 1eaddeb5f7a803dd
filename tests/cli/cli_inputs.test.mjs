// Hostile files and JSON given to `iotlite` (and the example device's PEM flags): every file is
// read through one bounded reader (programs/cli/bounded_file.hpp) and every JSON input has its
// nesting checked on the bytes before it is parsed (programs/cli/json_input.hpp). Each case must
// end quickly with exit 2 and ONE stderr line naming the rule. Nothing here connects anywhere:
// the checks happen before any connection (a case that gets past them would time out on
// 127.0.0.1:1 and fail its assertions).
//
// Before the bounded reader, `pub -f /dev/zero`, `--cafile /dev/zero` and a /dev/zero
// credentials file grew without bound (killed here after HARD_LIMIT_MS), `pub -f <directory>`
// published an empty message, and `shadow update --document` with 3,000 nested objects
// overflowed the stack (ASan: stack-overflow).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const CLI = process.env.IOTLITE_CLI;
const DEVICE = process.env.IOTLITE_DEVICE;  // optional: the example device
// Run by hand without it, the example device's cases are skipped saying so (ctest always sets it).
const NEEDS_DEVICE = { skip: DEVICE ? false : 'IOTLITE_DEVICE is not set (ctest sets it to the iotlite_device it built)' };
// A case that is not refused up front is killed after this long (the old code grew past 1.5 GB
// in 4 s on /dev/zero), and fails: every case must end within QUICK_MS.
const HARD_LIMIT_MS = 4000;
const QUICK_MS = 3000;
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETMARKER01';
const KEY_MARKER = 'PRIVATE-KEY-CONTENT-MARKER-0123456789';

const AWS_LIMIT = 131072;  // AWS IoT payload limit (128 KB)
const PEM_LIMIT = 524288;  // kPemFileLimit
const AWS_CONFIG_LIMIT = 524288;  // kAwsConfigFileLimit
const INPUT_LIMIT = 262144;  // kInputFileLimit
const JSON_DEPTH = 32;  // kMaxJsonInputDepth (= core's shadow::limits::max_json_nesting)

let scratch;
const outputs = [];

function run(file, args, { env = {}, stdin } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(file, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, ...env },
      stdio: [stdin ?? 'ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), HARD_LIMIT_MS);
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      outputs.push(`${out}\n${err}`);
      resolve({ code, signal, out, err, ms: Date.now() - started });
    });
  });
}

function assertRefused(r, prefix, pattern, what) {
  assert.equal(r.signal, null, `${what}: killed after ${HARD_LIMIT_MS} ms (not refused up front)`);
  assert.equal(r.code, 2, `${what}: exit code; stderr: ${r.err.slice(0, 500)}`);
  assert.equal(r.out, '', what);
  const lines = r.err.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `${what}: exactly one stderr line, got ${JSON.stringify(r.err.slice(0, 500))}`);
  assert.ok(lines[0].startsWith(prefix), `${what}: ${lines[0]}`);
  assert.match(lines[0], pattern, what);
  assert.ok(r.ms < QUICK_MS, `${what}: took ${r.ms} ms`);
}

const cli = (args, opts) => run(CLI, args, opts);
const ws = ['--endpoint', '127.0.0.1:1', '--scheme', 'ws', '--region', 'us-east-1', '-W', '1'];
const wss = ['--endpoint', 'localhost:1', '--region', 'us-east-1', '-W', '1'];
const creds = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET };
const nested = (n, open = '{"a":', close = '}') => `${open.repeat(n)}1${close.repeat(n)}`;
const file = (name, content) => { const p = join(scratch, name); writeFileSync(p, content); return p; };

before(() => {
  assert.ok(CLI, 'IOTLITE_CLI must point at the built iotlite binary');
  scratch = mkdtempSync(join(tmpdir(), 'iotlite-cli-inputs-'));
  mkdirSync(join(scratch, 'a-directory'));
  const fifo = spawnSync('mkfifo', [join(scratch, 'a-fifo')]);
  assert.equal(fifo.status, 0, 'mkfifo');
});

after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

test('pub -f: a device, a directory or a FIFO is not a regular file; exit 2 at once', async () => {
  for (const [path, kind] of [['/dev/zero', 'a character device'], [join(scratch, 'a-directory'), 'a directory'],
    [join(scratch, 'a-fifo'), 'a FIFO']]) {
    const r = await cli(['pub', ...ws, '-t', 'a/b', '-f', path], { env: creds });
    assertRefused(r, 'iotlite pub: ', new RegExp(`^iotlite pub: -f ${path.replace(/[/.]/g, '\\$&')}: not a regular file \\(${kind}\\)$`), path);
  }
});

test('pub -f: a payload file over AWS IoT\'s 128 KB is refused by its size; one of exactly 128 KB is read', async () => {
  const big = file('big.bin', Buffer.alloc(140000, 'x'));
  const r = await cli(['pub', ...ws, '-t', 'a/b', '-f', big], { env: creds });
  assertRefused(r, 'iotlite pub: ', /: payload file is 140000 bytes; AWS IoT allows 131072 \(128 KB\)$/, 'big payload');
  // At the limit the file is accepted and the command goes on to connect (nobody listens: exit 1
  // at once, the port refused).
  const exact = file('exact.bin', Buffer.alloc(AWS_LIMIT, 'y'));
  const ok = await cli(['pub', ...ws, '-t', 'a/b', '-f', exact], { env: creds });
  assert.equal(ok.code, 1, ok.err);
  assert.match(ok.err, /cannot connect to .*: connection refused by 127\.0\.0\.1:1/);
  // -s reads stdin with the same bound.
  const zero = openSync('/dev/zero', 'r');
  try {
    const s = await cli(['pub', ...ws, '-t', 'a/b', '-s'], { env: creds, stdin: zero });
    assertRefused(s, 'iotlite pub: ', /payload has \d+ bytes; AWS IoT allows 131072/, 'pub -s < /dev/zero');
  } finally {
    closeSync(zero);
  }
});

test('--cafile, --cert, --key: PEM files are regular files of at most 512 KiB; the key is never printed', async () => {
  const r = await cli(['pub', ...wss, '--cafile', '/dev/zero', '-t', 'a', '-m', 'x'], { env: creds });
  assertRefused(r, 'iotlite pub: ', /^iotlite pub: --cafile \/dev\/zero: not a regular file \(a character device\)$/, '--cafile /dev/zero');
  const bundle = file('bundle.pem', `${'-----BEGIN CERTIFICATE-----\n'.padEnd(600000, 'A')}\n`);
  const b = await cli(['sub', ...wss, '--cafile', bundle, '-t', 'a'], { env: creds });
  assertRefused(b, 'iotlite sub: ', new RegExp(`: PEM file is \\d+ bytes; iotlite reads at most ${PEM_LIMIT} \\(512 KiB\\)$`), 'big CA');

  const ca = '/etc/ssl/certs/ca-certificates.crt';  // a real bundle (215 KB) is within the limit
  const cert = file('device.crt', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const key = file('device.key', `-----BEGIN PRIVATE KEY-----\n${KEY_MARKER}\n${'B'.repeat(PEM_LIMIT)}\n-----END PRIVATE KEY-----\n`);
  const c = await cli(['pub', ...wss.slice(0, 2), '--cafile', ca, '--cert', '/dev/zero', '--key', key, '-t', 'a', '-m', 'x']);
  assertRefused(c, 'iotlite pub: ', /^iotlite pub: --cert \/dev\/zero: not a regular file/, '--cert /dev/zero');
  const k = await cli(['pub', ...wss.slice(0, 2), '--cafile', ca, '--cert', cert, '--key', key, '-t', 'a', '-m', 'x']);
  assertRefused(k, 'iotlite pub: ', /^iotlite pub: --key .*device\.key: PEM file is \d+ bytes; iotlite reads at most 524288/, 'big key');
  const d = await cli(['pub', ...wss.slice(0, 2), '--cafile', ca, '--cert', cert, '--key', join(scratch, 'a-directory'),
    '-t', 'a', '-m', 'x']);
  assertRefused(d, 'iotlite pub: ', /^iotlite pub: --key .*a-directory: not a regular file \(a directory\)$/, '--key dir');
});

test('the AWS credentials file: a device or an oversized file is refused naming the rule, its secret never printed', async () => {
  const z = await cli(['pub', ...ws, '-t', 'a', '-m', 'x'], { env: { AWS_SHARED_CREDENTIALS_FILE: '/dev/zero' } });
  assertRefused(z, 'iotlite pub: ', /^iotlite pub: the credentials file \/dev\/zero: not a regular file \(a character device\)$/,
    'credentials /dev/zero');
  const p = await cli(['sub', ...ws, '--profile', 'p', '-t', 'a'], { env: { AWS_SHARED_CREDENTIALS_FILE: '/dev/zero' } });
  assertRefused(p, 'iotlite sub: ', /^iotlite sub: --profile: the credentials file \/dev\/zero: not a regular file/, '--profile');
  const fifo = await cli(['shadow', 'get', '--thing', 't', ...ws], { env: { AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'a-fifo') } });
  assertRefused(fifo, 'iotlite shadow: ', /credentials file .*a-fifo: not a regular file \(a FIFO\)$/, 'credentials FIFO');

  const lines = [`[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = ${SECRET}\n`];
  while (lines.join('').length <= AWS_CONFIG_LIMIT) lines.push(`# padding ${SECRET}\n`);
  const big = file('credentials', lines.join(''));
  const b = await cli(['pub', ...ws, '-t', 'a', '-m', 'x'], { env: { AWS_SHARED_CREDENTIALS_FILE: big } });
  assertRefused(b, 'iotlite pub: ', /: AWS credentials file is \d+ bytes; iotlite reads at most 524288 \(512 KiB\)$/, 'big credentials');
});

test('JSON inputs: nesting is checked on the bytes before parsing (3,000 levels: exit 2, no stack overflow)', async () => {
  const deep = `{"state":${nested(3000)}}`;
  const d = await cli(['shadow', 'update', '--thing', 't', ...ws, '--document', deep], { env: creds });
  assertRefused(d, 'iotlite shadow: ',
    /^iotlite shadow: --document nests JSON more than 32 levels deep; iotlite accepts at most 32$/, '--document 3000');
  const a = await cli(['shadow', 'update', '--thing', 't', ...ws, '--desired', nested(3000, '[', ']')], { env: creds });
  assertRefused(a, 'iotlite shadow: ', /^iotlite shadow: --desired nests JSON more than 32 levels/, '--desired arrays');
  // Brackets inside strings do not count; 33 levels are one too many.
  const r = await cli(['shadow', 'update', '--thing', 't', ...ws, '--reported', `{"s":"${'{'.repeat(5000)}","x":${nested(JSON_DEPTH)}}`],
    { env: creds });
  assertRefused(r, 'iotlite shadow: ', /^iotlite shadow: --reported nests JSON more than 32 levels/, '--reported 33');
});

test('sigv4: --context / --request are bounded regular files; a deep --context is refused before parsing', async () => {
  const request = file('request.txt', 'GET / HTTP/1.1\nHost:example.amazonaws.com\n\n');
  const base = ['--mode', 'header', '--stage', 'signature'];
  const z = await cli(['sigv4', '--context', '/dev/zero', '--request', request, ...base]);
  assertRefused(z, 'iotlite sigv4: ', /^iotlite sigv4: --context \/dev\/zero: not a regular file/, '--context /dev/zero');
  const ctx = file('context.json', JSON.stringify({ credentials: { access_key_id: 'AKID', secret_access_key: SECRET },
    region: 'us-east-1', service: 'service', timestamp: '2015-08-30T12:36:00Z', extra: JSON.parse(nested(5)) }));
  const dir = await cli(['sigv4', '--context', ctx, '--request', join(scratch, 'a-directory'), ...base]);
  assertRefused(dir, 'iotlite sigv4: ', /^iotlite sigv4: --request .*a-directory: not a regular file \(a directory\)$/, '--request dir');
  const bigRequest = file('big-request.txt', `POST / HTTP/1.1\nHost:example.amazonaws.com\n\n${'x'.repeat(INPUT_LIMIT)}`);
  const b = await cli(['sigv4', '--context', ctx, '--request', bigRequest, ...base]);
  assertRefused(b, 'iotlite sigv4: ', /: input file is \d+ bytes; iotlite reads at most 262144 \(256 KiB\)$/, 'big request');
  const deep = file('deep.json', `{"credentials":{"secret_access_key":"${SECRET}"},"x":${nested(3000)}}`);
  const d = await cli(['sigv4', '--context', deep, '--request', request, ...base]);
  assertRefused(d, 'iotlite sigv4: ', /^iotlite sigv4: the --context file nests JSON more than 32 levels deep/, 'deep context');
  // A file that cannot be read is named, with the reason.
  const missing = join(scratch, 'no-such-request.txt');
  const m = await cli(['sigv4', '--context', ctx, '--request', missing, ...base]);
  assertRefused(m, 'iotlite sigv4: ', new RegExp(`^iotlite sigv4: cannot read the --request file \\(--request ${missing}: cannot open \\(No such file or directory\\)\\)$`), 'missing request');
  // The well-formed context still signs (5 levels of an unused member are fine).
  const ok = await cli(['sigv4', '--context', ctx, '--request', request, ...base]);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^[0-9a-f]{64}$/);
});

test('the example device: --ca / --cert / --key go through the same bounded reader', NEEDS_DEVICE, async () => {
  const r = await run(DEVICE, ['--endpoint', 'localhost', '--ca', '/dev/zero', '--once', '--duration', '1']);
  assert.equal(r.signal, null, 'killed: /dev/zero was read');
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /^iotlite_device: --ca \/dev\/zero: not a regular file \(a character device\) \(see iotlite_device --help\)$/m);
  assert.ok(r.ms < QUICK_MS, `took ${r.ms} ms`);
  const key = file('dev.key', `${KEY_MARKER}\n${'C'.repeat(PEM_LIMIT)}`);
  const k = await run(DEVICE, ['--endpoint', 'localhost', '--ca', '/etc/ssl/certs/ca-certificates.crt',
    '--cert', join(scratch, 'device.crt'), '--key', key, '--once']);
  assert.equal(k.code, 2, k.err);
  assert.match(k.err, /^iotlite_device: --key .*dev\.key: PEM file is \d+ bytes; iotlite reads at most 524288/m);
});

test('the example device: --help, a missing required flag named as missing, strict numbers', NEEDS_DEVICE, async () => {
  const help = await run(DEVICE, ['--help']);
  assert.equal(help.code, 0, help.err);
  assert.match(help.out, /^usage: iotlite_device --endpoint HOST\[:PORT\] --ca CA\.pem/);
  assert.match(help.out, /--once/);
  const cases = [
    [[], /^iotlite_device: missing required flag --endpoint HOST\[:PORT\]/],
    [['--endpoint', 'localhost'], /^iotlite_device: missing required flag --ca FILE/],
    [['--endpoint', 'localhost', '--ca', '/etc/ssl/certs/Amazon_Root_CA_1.pem'], /^iotlite_device: missing required flag --cert FILE \(modes tls and alpn/],
    [['--endpoint', 'localhost', '--port', '12ab'], /^iotlite_device: --port must be a whole number from 1 to 65535/],
    [['--endpoint', 'localhost', '--interval', '0'], /^iotlite_device: --interval must be whole seconds from 1 to 86400/],
    [['--endpoint', 'localhost', '--jobs-exec', 'true', '--jobs-step-timeout', '10081'],
      /^iotlite_device: --jobs-step-timeout: stepTimeoutInMinutes must be whole minutes; AWS allows 1\.\.10080/],
    [['--endpoint', 'localhost', '--jobs-exec', 'true', '--jobs-step-timeout', '0'], /stepTimeoutInMinutes .*AWS allows 1\.\.10080/],
    [['--endpoint', 'localhost', '--ca', '/etc/ssl/certs/Amazon_Root_CA_1.pem', '--jobs-step-timeout', '5'],
      /^iotlite_device: --jobs-step-timeout needs --jobs-exec CMD/],
    [['--endpoint', 'localhost', '--ca', '/etc/ssl/certs/Amazon_Root_CA_1.pem', '--jobs-max', '2'],
      /^iotlite_device: --jobs-max needs --jobs-exec CMD/],
    [['--endpoint'], /^iotlite_device: --endpoint needs a value/],
    [['--endpoint', 'localhost', SECRET], /^iotlite_device: unexpected argument at position 3/],
  ];
  for (const [args, pattern] of cases) {
    const r = await run(DEVICE, args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.equal(r.err.split('\n').filter((l) => l !== '').length, 1, r.err);
    assert.match(r.err, pattern);
  }
});

test('the example device: never connected (a closed port) is exit 1 with the reason, events in words', NEEDS_DEVICE, async () => {
  const r = await run(DEVICE, ['--endpoint', '127.0.0.1:1', '--mode', 'wss', '--region', 'us-east-1',
    '--ca', '/etc/ssl/certs/Amazon_Root_CA_1.pem', '--duration', '2'],
  { env: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET } });
  assert.equal(r.signal, null);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /^device iotlite-device: connecting to 127\.0\.0\.1:1 \(MQTT over WebSocket, SigV4\)$/m);
  assert.match(r.out, /^reconnecting in \d+\.\d s \(attempt 2; TCP connect to 127\.0\.0\.1:1 failed: Connection refused\)$/m);
  assert.match(r.err, /^iotlite_device: never connected to 127\.0\.0\.1:1: TCP connect to 127\.0\.0\.1:1 failed: Connection refused$/m);
});

test('no secret or key content appears in any output of this suite', () => {
  assert.ok(outputs.length > 15, `outputs collected: ${outputs.length}`);
  for (const o of outputs) {
    assert.ok(!o.includes(SECRET), `the secret leaked: ${o.slice(0, 200)}`);
    assert.ok(!o.includes(KEY_MARKER), `key content leaked: ${o.slice(0, 200)}`);
  }
});
