// `iotlite` with AWS CLI profiles against the stand-in: a profile with role_arn + source_profile
// gets temporary credentials from the stand-in's STS (lib/sts.mjs, SigV4 checked by AWS's own
// signer) and publishes over WebSocket + SigV4 with them; a role chained from that role does
// too; a credential_process profile supplies credentials from a script; sign-url takes
// --profile. Loops, unsupported keys (SSO) and STS refusals end with one line naming the rule,
// and no secret of any profile or of STS's answer appears in any output.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startStandin } from '../standin.mjs';
import { connectWs, nextMessage, presignWsUrl, tryUpgrade } from './helpers.mjs';

const CLI = process.env.IOTLITE_CLI;
const HARD_LIMIT_MS = 30_000;
const ROLE = 'arn:aws:iam::123456789012:role/iotlite-device';

let s;
let dir;
let sub;  // a subscriber with the static test key
const outputs = [];
const issuedSecrets = new Set();  // every secret STS handed out (read from the stand-in's store)

before(async () => {
  s = await startStandin();
  dir = mkdtempSync(join(tmpdir(), 'iotlite-profiles-'));
  const c = s.endpoints.testCredentials;
  const proc = join(dir, 'creds.sh');
  writeFileSync(proc, `#!/bin/sh\necho "credential_process ran" >&2\nprintf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}\\n' "${c.accessKeyId}" "${c.secretAccessKey}"\n`);
  chmodSync(proc, 0o755);
  const stale = join(dir, 'stale.sh');
  writeFileSync(stale, `#!/bin/sh\nprintf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s", "SessionToken": "t", "Expiration": "2001-01-01T00:00:00Z"}\\n' "${c.accessKeyId}" "${c.secretAccessKey}"\n`);
  chmodSync(stale, 0o755);
  writeFileSync(join(dir, 'config'), [
    '[default]',
    'region = us-east-1',
    '[profile base]',
    'region = us-east-1',
    '[profile role]',
    `role_arn = ${ROLE}`,
    'source_profile = base',
    'role_session_name = cli-e2e',
    'duration_seconds = 900',
    'region = us-east-1',
    'services = standin',
    `ca_bundle = ${s.endpoints.caCertPath}`,
    '[profile chained]',
    `role_arn = ${ROLE}`,
    'source_profile = role',
    'services = standin',
    `ca_bundle = ${s.endpoints.caCertPath}`,
    '[profile other-account]',
    'role_arn = arn:aws:iam::999999999999:role/elsewhere',
    'source_profile = base',
    `endpoint_url = ${s.endpoints.stsUrl}`,
    `ca_bundle = ${s.endpoints.caCertPath}`,
    '[profile proc]',
    `credential_process = ${proc}`,
    '[profile stale]',
    `credential_process = ${stale}`,
    '[profile loop-a]',
    `role_arn = ${ROLE}`,
    'source_profile = loop-b',
    '[profile loop-b]',
    `role_arn = ${ROLE}`,
    'source_profile = loop-a',
    '[profile sso]',
    'sso_start_url = https://example.awsapps.com/start',
    'sso_role_name = Dev',
    '[services standin]',
    'sts =',
    `  endpoint_url = ${s.endpoints.stsUrl}`,
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'credentials'), `[base]\naws_access_key_id = ${c.accessKeyId}\naws_secret_access_key = ${c.secretAccessKey}\n`);
  sub = await connectWs(await presignWsUrl({ port: s.endpoints.wsPort, accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }));
});

after(async () => {
  await sub?.endAsync();
  await s?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cli(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(CLI, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, AWS_CONFIG_FILE: join(dir, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), HARD_LIMIT_MS);
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
    child.on('close', (code) => {
      clearTimeout(killer);
      outputs.push(out + err);
      resolve({ code, out, err });
    });
  });
}

const ws = () => ['--endpoint', `127.0.0.1:${s.endpoints.wsPort}`, '--scheme', 'ws', '--region', s.endpoints.region];

function noteIssuedSecrets() {
  for (const c of s.credentials.keys.values()) if (c.kind === 'temporary') { issuedSecrets.add(c.secretAccessKey); issuedSecrets.add(c.sessionToken); }
}

async function publishedVia(profileArgs, env, topic) {
  await sub.subscribeAsync(topic, { qos: 1 });
  const got = nextMessage(sub, topic, 15_000);
  const r = await cli(['pub', ...ws(), ...profileArgs, '-t', topic, '-m', `hello ${topic}`, '-q', '1', '-W', '15', '-d'], env);
  assert.equal(r.code, 0, r.err);
  assert.equal(String(await got), `hello ${topic}`);
  return r;
}

test('CliProfiles_RoleArnWithSourceProfile_AssumesRoleAtStandinStsAndPublishes', async () => {
  const before = s.credentials.keys.size;
  const r = await publishedVia(['--profile', 'role'], {}, 'iotlite/profiles/role');
  // The connection used a key STS issued (ASIA...), not the source profile's.
  assert.match(r.err, /access key ASIA[0-9A-F]{16} from profile 'role'/);
  assert.ok(s.credentials.keys.size > before, 'STS issued no credentials');
  // A role chained from that role (AWS_PROFILE this time).
  const chained = await publishedVia([], { AWS_PROFILE: 'chained' }, 'iotlite/profiles/chained');
  assert.match(chained.err, /access key ASIA/);
  noteIssuedSecrets();
});

test('CliProfiles_CredentialProcess_SuppliesTheCredentialsAndItsStderrPassesThrough', async () => {
  const r = await publishedVia(['--profile', 'proc'], {}, 'iotlite/profiles/proc');
  assert.match(r.err, /credential_process ran/);
  assert.match(r.err, new RegExp(`access key ${s.endpoints.testCredentials.accessKeyId} from profile 'proc'`));
});

test('CliProfiles_SignUrlWithProfile_UrlCarriesTheRoleTokenAndTheGatewayAcceptsIt', async () => {
  const r = await cli(['sign-url', '--endpoint', `127.0.0.1:${s.endpoints.wsPort}`, '--scheme', 'ws', '--profile', 'role']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  assert.match(r.out, /X-Amz-Credential=ASIA[0-9A-F]{16}%2F\d{8}%2Fus-east-1%2Fiotdevicegateway/);
  assert.match(r.out, /&X-Amz-Security-Token=/);
  const up = await tryUpgrade(r.out.trim());
  assert.equal(up.status, 101, JSON.stringify(up.body));
  up.ws.close();
  noteIssuedSecrets();
  // Secrets on the command line: still accepted, with a warning naming why.
  const c = s.endpoints.testCredentials;
  const flagged = await cli(['sign-url', '--endpoint', `127.0.0.1:${s.endpoints.wsPort}`, '--scheme', 'ws', '--region', 'us-east-1',
    '--access-key-id', c.accessKeyId, '--secret-access-key', c.secretAccessKey]);
  assert.equal(flagged.code, 0, flagged.err);
  assert.match(flagged.err, /^iotlite sign-url: warning: --secret-access-key on the command line is visible to other users \(ps\)/);
  outputs.pop();  // its arguments hold the static secret on purpose; its output was checked above
  assert.doesNotMatch(flagged.err, new RegExp(c.secretAccessKey.replace(/[/+]/g, '.')));
});

test('CliProfiles_LoopUnsupportedKeyAndStsRefusal_OneLineNamingTheRule', async () => {
  const loop = await cli(['pub', ...ws(), '--profile', 'loop-a', '-t', 't', '-m', 'x', '-W', '5']);
  assert.equal(loop.code, 2);
  assert.match(loop.err, /^iotlite pub: --profile: profile 'loop-b': source_profile 'loop-a' loops back to a profile already in the chain\n$/);
  const sso = await cli(['pub', ...ws(), '--profile', 'sso', '-t', 't', '-m', 'x', '-W', '5']);
  assert.equal(sso.code, 2);
  assert.match(sso.err, /^iotlite pub: --profile: profile 'sso': sso_role_name \(IAM Identity Center \(SSO\)\) is not supported by iotlite/);
  const denied = await cli(['pub', ...ws(), '--profile', 'other-account', '-t', 't', '-m', 'x', '-W', '5']);
  assert.notEqual(denied.code, 0);
  assert.match(denied.err, /^iotlite pub: --profile: profile 'other-account' \(role_arn\): STS AssumeRole: HTTP 403 AccessDenied: User: .* is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::999999999999:role\/elsewhere\n$/);
  const expired = await cli(['pub', ...ws(), '--profile', 'stale', '-t', 't', '-m', 'x', '-W', '5']);
  assert.equal(expired.code, 2);
  assert.match(expired.err, /^iotlite pub: the temporary credentials from profile 'stale' expired \d+ s ago \(their Expiration\): get fresh ones\n$/);
  const gone = await cli(['pub', ...ws(), '--profile', 'role', '-t', 't', '-m', 'x', '-W', '5'], { AWS_ENDPOINT_URL_STS: 'https://localhost:1/' });
  assert.notEqual(gone.code, 0);
  assert.match(gone.err, /STS https:\/\/localhost:1\/: /);
});

test('CliProfiles_AllOutputs_HoldNoSecret', () => {
  noteIssuedSecrets();
  const secrets = [s.endpoints.testCredentials.secretAccessKey, ...issuedSecrets].filter(Boolean);
  assert.ok(secrets.length >= 3);
  for (const o of outputs) for (const secret of secrets) assert.ok(!o.includes(secret), 'a secret was printed');
});
