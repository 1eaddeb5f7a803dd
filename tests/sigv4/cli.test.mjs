// The `iotlite` CLI's sign-url and sigv4 commands: good input (checked against AWS's own JS signer
// and AWS's test-suite files), bad input (exit 2, exactly one line on stderr naming the problem),
// and that no secret key or session token is ever echoed in an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';

const CLI = process.env.IOTLITE_CLI;
const SUITE = join(process.env.IOTLITE_SIGV4_TESTDATA ?? '', 'aws-c-auth-v4');
const AKID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const TOKEN = 'FwoGZXIvYXdzEXAMPLE/token+with=chars';
const BASE_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin' };  // no AWS_* unless a test adds them

function run(args, env = {}) {
  const r = spawnSync(CLI, args, { env: { ...BASE_ENV, ...env }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function expectUsageError(r, pattern, command = 'sign-url') {
  assert.equal(r.code, 2, `exit code; stderr: ${r.err}`);
  assert.equal(r.out, '');
  const lines = r.err.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `exactly one stderr line, got: ${JSON.stringify(r.err)}`);
  assert.ok(r.err.endsWith('\n'));
  assert.ok(lines[0].startsWith(`iotlite ${command}: `), lines[0]);
  assert.match(lines[0], pattern);
  assert.ok(!r.err.includes(SECRET) && !r.err.includes(TOKEN), 'no secret in stderr');
}

async function smithyUrl({ host, region, time, token, expires }) {
  const signer = new SignatureV4({ credentials: { accessKeyId: AKID, secretAccessKey: SECRET }, region,
    service: 'iotdevicegateway', sha256: Sha256, applyChecksum: false });
  const p = await signer.presign(new HttpRequest({ method: 'GET', hostname: host, path: '/mqtt', headers: { host } }),
    { signingDate: new Date(time), expiresIn: expires });
  const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  const order = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];
  const q = order.map((k) => `${k}=${enc(p.query[k])}`).join('&') + (token ? `&X-Amz-Security-Token=${enc(token)}` : '');
  return `wss://${host}/mqtt?${q}`;
}

test('help: iotlite, sign-url and sigv4 print usage and exit 0', () => {
  for (const args of [['--help'], ['sign-url', '--help'], ['sigv4', '--help']]) {
    const r = run(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.out, /usage: iotlite/);
  }
});

test('sign-url: flags and environment credentials give the URL AWS\'s JS signer gives', async () => {
  const args = ['sign-url', '--endpoint', 'Example-ATS.iot.eu-west-1.amazonaws.com', '--time', '2026-01-01T00:00:00Z',
    '--expires', '3600'];
  const expected = await smithyUrl({ host: 'example-ats.iot.eu-west-1.amazonaws.com', region: 'eu-west-1',
    time: Date.UTC(2026, 0, 1), token: TOKEN, expires: 3600 });
  const viaFlags = run([...args, '--access-key-id', AKID, '--secret-access-key', SECRET, '--session-token', TOKEN]);
  assert.equal(viaFlags.code, 0, viaFlags.err);
  assert.equal(viaFlags.out, expected + '\n');
  // Secrets as flags still work, with a warning saying why they should not be there.
  assert.equal(viaFlags.err, 'iotlite sign-url: warning: --secret-access-key on the command line is visible to other users (ps) ' +
    'and stays in the shell history; use AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or --profile\n');
  assert.ok(!viaFlags.out.includes(SECRET), 'the secret key never appears in the URL');
  const viaEnv = run(args, { AWS_ACCESS_KEY_ID: AKID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN });
  assert.equal(viaEnv.code, 0, viaEnv.err);
  assert.equal(viaEnv.out, expected + '\n');
  assert.equal(viaEnv.err, '');
});

test('sign-url: --profile and AWS_PROFILE read the AWS config and credentials files; the profile region signs a custom endpoint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iotlite-signurl-'));
  try {
    writeFileSync(join(dir, 'credentials'), `[dev]\naws_access_key_id = ${AKID}\naws_secret_access_key = ${SECRET}\naws_session_token = ${TOKEN}\n`);
    writeFileSync(join(dir, 'config'), '[profile dev]\nregion = eu-west-1\n[profile sso]\nsso_session = corp\n');
    const env = { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config') };
    const args = ['sign-url', '--endpoint', 'Example-ATS.iot.eu-west-1.amazonaws.com', '--time', '2026-01-01T00:00:00Z', '--expires', '3600'];
    const expected = await smithyUrl({ host: 'example-ats.iot.eu-west-1.amazonaws.com', region: 'eu-west-1',
      time: Date.UTC(2026, 0, 1), token: TOKEN, expires: 3600 });
    const viaProfile = run([...args, '--profile', 'dev'], env);
    assert.equal(viaProfile.code, 0, viaProfile.err);
    assert.equal(viaProfile.out, expected + '\n');
    assert.equal(viaProfile.err, '');
    const viaAwsProfile = run(args, { ...env, AWS_PROFILE: 'dev' });
    assert.equal(viaAwsProfile.out, expected + '\n');
    const custom = run(['sign-url', '--endpoint', 'broker.example.com', '--profile', 'dev'], env);
    assert.equal(custom.code, 0, custom.err);
    assert.match(custom.out, /X-Amz-Credential=AKIDEXAMPLE%2F\d{8}%2Feu-west-1%2Fiotdevicegateway/);
    // Credentials from the environment: AWS_PROFILE's region still applies, as in the AWS CLI.
    const envCreds = run(['sign-url', '--endpoint', 'broker.example.com'],
      { ...env, AWS_PROFILE: 'dev', AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: SECRET });
    assert.equal(envCreds.code, 0, envCreds.err);
    assert.match(envCreds.out, /X-Amz-Credential=AKIDFROMENV%2F\d{8}%2Feu-west-1%2Fiotdevicegateway/);
    expectUsageError(run([...args, '--profile', 'nosuch'], env), /--profile: profile 'nosuch' not found in .*config or .*credentials/);
    expectUsageError(run([...args, '--profile', 'sso'], env), /profile 'sso': sso_session \(IAM Identity Center \(SSO\)\) is not supported/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sign-url: explicit region, port and ws scheme for a local stand-in', () => {
  const r = run(['sign-url', '--endpoint', '127.0.0.1:9001', '--region', 'us-east-1', '--scheme', 'ws',
    '--time', '2026-01-01T00:00:00Z', '--access-key-id', AKID, '--secret-access-key', SECRET]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ws:\/\/127\.0\.0\.1:9001\/mqtt\?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-east-1%2Fiotdevicegateway%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=[0-9a-f]{64}\n$/);
});

test('sign-url: without --time the current time is used', () => {
  const before = Date.now();
  const r = run(['sign-url', '--endpoint', 'a-ats.iot.us-east-1.amazonaws.com'], { AWS_ACCESS_KEY_ID: AKID, AWS_SECRET_ACCESS_KEY: SECRET });
  assert.equal(r.code, 0, r.err);
  const m = r.out.match(/X-Amz-Date=(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z/);
  assert.ok(m, r.out);
  const signed = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  assert.ok(signed >= Math.floor(before / 1000) * 1000 - 1000 && signed <= Date.now() + 1000, `${signed} vs ${before}`);
});

test('sign-url: bad input exits 2 with one line naming the problem and no secret', () => {
  const creds = ['--access-key-id', AKID, '--secret-access-key', SECRET, '--session-token', TOKEN];
  const ok = ['--endpoint', 'a-ats.iot.us-east-1.amazonaws.com', '--time', '2026-01-01T00:00:00Z'];
  expectUsageError(run(['sign-url', ...ok]), /no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile/);
  expectUsageError(run(['sign-url', ...ok], { AWS_ACCESS_KEY_ID: AKID }), /AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not/);
  expectUsageError(run(['sign-url', ...ok, '--access-key-id', AKID, '--session-token', TOKEN]),
    /--access-key-id and --secret-access-key must be given together/);
  expectUsageError(run(['sign-url', ...ok, ...creds, '--profile', 'x']), /--profile and --access-key-id.* exclude each other/);
  expectUsageError(run(['sign-url', '--endpoint', 'a-ats.iot.us-east-1.amazonaws.com', '--time', '2026-13-01T00:00:00Z', ...creds]),
    /--time: time '2026-13-01T00:00:00Z' has a month outside 01-12; expected ISO-8601 UTC such as 2026-01-01T00:00:00Z/);
  expectUsageError(run(['sign-url', '--endpoint', 'a-ats.iot.us-east-1.amazonaws.com', '--time', 'tomorrow', ...creds]), /--time: .*is malformed/);
  expectUsageError(run(['sign-url', '--endpoint', 'broker.example.com', ...creds]),
    /cannot infer the AWS region from endpoint 'broker\.example\.com': expected <prefix>\.iot\.<region>\.amazonaws\.com/);
  expectUsageError(run(['sign-url', ...ok, ...creds, '--regoin', 'us-east-1']), /unknown flag '--regoin'/);
  // A mistyped secret flag: the flag name is named, its value never echoed.
  expectUsageError(run(['sign-url', ...ok, `--secret-acess-key=${SECRET}`]), /unknown flag '--secret-acess-key'/);
  expectUsageError(run(['sign-url', ...ok, ...creds, SECRET]), /unexpected argument at position \d+/);
  expectUsageError(run(['sign-url', ...ok, ...creds, '--expires', '86401']), /--expires must be a whole number of seconds from 1 to 86400/);
  expectUsageError(run(['sign-url', ...ok, ...creds, '--expires', '1h']), /--expires must be/);
  expectUsageError(run(['sign-url', ...ok, ...creds, '--scheme', 'https']), /--scheme must be wss or ws/);
  expectUsageError(run(['sign-url', '--time', '2026-01-01T00:00:00Z', ...creds]), /--endpoint is required/);
  expectUsageError(run(['sign-url', '--endpoint', 'wss://a-ats.iot.us-east-1.amazonaws.com/mqtt', ...creds]), /no scheme, path or spaces/);
  expectUsageError(run(['sign-url', '--endpoint', 'a-ats.iot.us-east-1.amazonaws.com:99999', ...creds]), /must be 1-65535/);
  expectUsageError(run(['sign-url', ...ok, '--access-key-id']), /--access-key-id needs a value/);
  const unknown = run(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.err, "iotlite: unknown command 'frobnicate' (try iotlite --help)\n");
});

const CASES = readdirSync(SUITE, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

test(`sigv4: every aws-c-auth v4 case (${CASES.length}) prints each stage byte for byte`, () => {
  assert.equal(CASES.length, 38);
  for (const name of CASES) {
    const dir = join(SUITE, name);
    for (const mode of ['header', 'query']) {
      for (const stage of ['canonical-request', 'string-to-sign', 'signature']) {
        const r = run(['sigv4', '--context', join(dir, 'context.json'), '--request', join(dir, 'request.txt'),
          '--mode', mode, '--stage', stage]);
        assert.equal(r.code, 0, `${name} ${mode} ${stage}: ${r.err}`);
        assert.equal(r.out, readFileSync(join(dir, `${mode}-${stage}.txt`), 'utf8'), `${name} ${mode} ${stage}`);
      }
      // signed-request: same request line and the same set of lines (order is not normative).
      const r = run(['sigv4', '--context', join(dir, 'context.json'), '--request', join(dir, 'request.txt'),
        '--mode', mode, '--stage', 'signed-request']);
      assert.equal(r.code, 0, r.err);
      const expected = readFileSync(join(dir, `${mode}-signed-request.txt`), 'utf8');
      if (mode === 'header') {
        assert.deepEqual(r.out.split('\n').sort(), expected.split('\n').sort(), `${name} header signed-request`);
      } else {
        const sig = readFileSync(join(dir, 'query-signature.txt'), 'utf8');
        assert.ok(r.out.split('\n')[0].includes(`X-Amz-Signature=${sig}`), `${name} query signed-request`);
      }
    }
  }
});

test('sigv4: bad input exits 2 with one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iotlite-cli-'));
  try {
    const ctx = join(SUITE, 'get-vanilla', 'context.json');
    const req = join(SUITE, 'get-vanilla', 'request.txt');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"credentials": ');
    const badTime = join(dir, 'time.json');
    writeFileSync(badTime, JSON.stringify({ credentials: { access_key_id: 'A', secret_access_key: SECRET }, region: 'r', service: 's', timestamp: '2015-08-30 12:36' }));
    const ok = ['--request', req, '--mode', 'header', '--stage', 'signature'];
    expectUsageError(run(['sigv4', '--context', join(dir, 'missing.json'), ...ok]), /cannot read the --context file/, 'sigv4');
    expectUsageError(run(['sigv4', '--context', bad, ...ok]), /not a JSON object/, 'sigv4');
    expectUsageError(run(['sigv4', '--context', badTime, ...ok]), /context 'timestamp': time .* is malformed/, 'sigv4');
    expectUsageError(run(['sigv4', '--context', ctx, '--request', req, '--mode', 'both', '--stage', 'signature']), /--mode must be header or query/, 'sigv4');
    expectUsageError(run(['sigv4', '--context', ctx, '--request', req, '--mode', 'query', '--stage', 'everything']), /--stage must be/, 'sigv4');
    expectUsageError(run(['sigv4', '--context', ctx, '--mode', 'query', '--stage', 'signature']), /--request is required/, 'sigv4');
    expectUsageError(run(['sigv4', '--context', ctx, '--request', ctx, '--mode', 'query', '--stage', 'signature']), /--request: request line 1/, 'sigv4');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
