// `iotlite provision` against the local stand-in (started in this process, stopped at the end):
// Fleet Provisioning by claim with the claim certificate from the stand-in's ready line, on both
// paths (CreateKeysAndCertificate, and --csr: the key made by the CLI, only the CSR sent), then
// rejections (an unknown template, a missing parameter) and local refusals.
// Independent oracles: node:crypto checks the files (the certificate signed by the stand-in's CA,
// carrying the stored key), MQTT.js connects with the new identity (the stand-in's policy engine
// governs it: client id = the thing name), the stand-in's admin API shows the thing and the ACTIVE
// certificate. Every CLI run carries -W and is killed after a hard bound.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runBounded } from './processes.mjs';
import { startStandin } from '../../standin/standin.mjs';
import { connectCert, request } from '../../standin/test/helpers.mjs';

const CLI = process.env.IOTLITE_CLI;
const HARD_LIMIT_MS = 30000;
const TEMPLATE = 'iotlite-fleet';

let s;
let scratch;
let ca;
const outputs = [];  // every stdout/stderr, checked for private keys at the end
const keys = [];     // every private key written

before(async () => {
  assert.ok(CLI, 'IOTLITE_CLI must name the iotlite binary');
  s = await startStandin();
  ca = readFileSync(s.endpoints.caCertPath, 'utf8');
  scratch = mkdtempSync(join(tmpdir(), 'iotlite-cli-prov-'));
});
after(async () => {
  await s?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const run = (args) => runBounded(CLI, args, { limitMs: HARD_LIMIT_MS, outputs });

function provisionArgs(out, extra) {
  const claim = s.endpoints.provisioningClaim;
  return ['provision', '--endpoint', `localhost:${s.endpoints.mqttTlsPort}`, '--cafile', s.endpoints.caCertPath,
    '--template', TEMPLATE, '--claim-cert', claim.certPath, '--claim-key', claim.keyPath, '--out', out, '-W', '10', ...extra];
}

const adminGet = (route) => request(`${s.endpoints.adminUrl}/${route}`, { method: 'GET' });

/** The stored identity: files, modes, the certificate against the CA and the key; the stand-in's records. */
async function checkIdentity(out, serial) {
  const certPem = readFileSync(join(out, 'certificate.pem'), 'utf8');
  const keyPem = readFileSync(join(out, 'private.key'), 'utf8');
  keys.push(keyPem);
  assert.equal(statSync(join(out, 'private.key')).mode & 0o777, 0o600, 'private.key is 0600');
  const thing = JSON.parse(readFileSync(join(out, 'thing.json'), 'utf8'));
  assert.equal(thing.thingName, `device-${serial}`, 'the template names the thing device-<SerialNumber>');
  const x = new X509Certificate(certPem);
  assert.ok(x.verify(new X509Certificate(ca).publicKey), 'signed by the stand-in CA');
  assert.equal(thing.certificateId, x.fingerprint256.replace(/:/g, '').toLowerCase());
  assert.deepEqual(x.publicKey.export({ type: 'spki', format: 'der' }),
    createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' }), 'the certificate carries the stored key');
  const cert = await adminGet(`certificates/${thing.certificateId}`);
  assert.equal(cert.status, 200, cert.text);
  assert.equal(cert.json.certificateDescription.status, 'ACTIVE');
  const made = await adminGet(`things/${thing.thingName}`);
  assert.equal(made.status, 200, made.text);
  assert.deepEqual(made.json.principals, [thing.certificateId]);
  // The CLI has just connected as the thing: AWS allows 1 CONNECT per second per client id.
  await new Promise((r) => setTimeout(r, 1100));
  // MQTT.js with the new identity: connects as the thing (the template's policy allows that client id only).
  const device = await connectCert(s.endpoints.mqttTlsPort, { ca, key: keyPem, cert: certPem, clientId: thing.thingName });
  await device.endAsync();
  return { thing, x };
}

test('Provision_KeysPath_IdentityStoredAndUsable', async () => {
  const out = join(scratch, 'keys');
  const r = await run(provisionArgs(out, ['--param', 'SerialNumber=501']));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).thingName, 'device-501');
  const { x } = await checkIdentity(out, 501);
  assert.match(x.subject, /CN=provisioned-/, 'CreateKeysAndCertificate: the stand-in chose the subject');
});

test('Provision_CsrPath_KeyMadeHereAndSubjectIsTheCommonName', async () => {
  const out = join(scratch, 'csr');
  const r = await run(provisionArgs(out, ['--csr', '--common-name', 'device-502', '--param', 'SerialNumber=502']));
  assert.equal(r.code, 0, r.stderr);
  const { x } = await checkIdentity(out, 502);
  assert.equal(x.subject, 'CN=device-502');
  assert.equal(x.publicKey.asymmetricKeyDetails.namedCurve, 'prime256v1');
});

test('Provision_UnknownTemplate_RejectedExit1NothingStored', async () => {
  const out = join(scratch, 'unknown');
  const args = provisionArgs(out, ['--param', 'SerialNumber=503']);
  args[args.indexOf(TEMPLATE)] = 'no-such-template';
  const r = await run(args);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /RegisterThing rejected: 404 ResourceNotFound/);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  assert.ok(!existsSync(join(out, 'private.key')) && !existsSync(join(out, 'certificate.pem')));
});

test('Provision_MissingParameter_RejectedInvalidParametersExit1', async () => {
  const out = join(scratch, 'noparam');
  const r = await run(provisionArgs(out, ['--csr', '--common-name', 'device-504']));
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /RegisterThing rejected: 400 InvalidParameters/);
  assert.ok(!existsSync(join(out, 'private.key')));
});

test('Provision_BadInput_Exit2OneLineBeforeConnecting', async () => {
  const out = join(scratch, 'bad');
  const cases = [
    [(a) => { a[a.indexOf(TEMPLATE)] = 'x'.repeat(37); }, /template name has 37 bytes; AWS allows 36/],
    [(a) => { a[a.indexOf(TEMPLATE)] = 'bad.name'; }, /outside \[0-9A-Za-z_-\]/],
    [(a) => { a.push('--param', 'novalue'); }, /--param must be KEY=VALUE/],
    [(a) => { a.push('--common-name', 'x'); }, /--common-name is for --csr only/],
    [(a) => { a.push('--csr', '--common-name', 'a,O=evil'); }, /common name has a character outside/],
    [(a) => { a.splice(a.indexOf('--claim-key'), 2); }, /--claim-cert and --claim-key are required/],
  ];
  for (const [edit, message] of cases) {
    const args = provisionArgs(out, []);
    edit(args);
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});

test('Provision_Outputs_NeverCarryAPrivateKey', () => {
  assert.ok(keys.length >= 2);
  for (const text of outputs) {
    assert.ok(!text.includes('PRIVATE KEY'), 'no PEM key in any output');
    for (const key of keys) {
      const body = key.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
      assert.ok(!text.includes(body.slice(0, 40)));
    }
  }
});
