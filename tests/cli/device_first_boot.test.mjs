// The example device's first boot (programs/device, --identity-dir; issue 15, item 3) against the
// local stand-in (started in this process, stopped at the end): Fleet Provisioning by claim with
// the claim certificate from the stand-in's ready line and a CSR made by the device, then the
// device as its new thing; a later boot with the stored identity; a rejected provisioning; a
// half-written and a damaged identity directory.
// Independent oracles: node:crypto checks the stored files (the certificate signed by the
// stand-in's CA, carrying the stored key, subject CN = the --thing value), the stand-in's admin API
// shows the thing and its certificates, and the device's shadow is read back over the stand-in's
// HTTPS shadow API with node's TLS client and the new identity. Every device run is killed after a
// hard bound.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runBounded } from './processes.mjs';
import { startStandin } from '../../standin/standin.mjs';
import { request } from '../../standin/test/helpers.mjs';

const DEVICE = process.env.IOTLITE_DEVICE;
const HARD_LIMIT_MS = 40000;
const TEMPLATE = 'iotlite-fleet';

let s;
let scratch;
let ca;
const outputs = [];  // every stdout/stderr, checked for private keys at the end
const keys = [];     // every private key stored

before(async () => {
  assert.ok(DEVICE, 'IOTLITE_DEVICE must name the iotlite_device binary');
  s = await startStandin();
  ca = readFileSync(s.endpoints.caCertPath, 'utf8');
  scratch = mkdtempSync(join(tmpdir(), 'iotlite-first-boot-'));
});
after(async () => {
  await s?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const runDevice = (args) => runBounded(DEVICE, args, { limitMs: HARD_LIMIT_MS, outputs });

// --once: the device stops when its first shadow report is accepted.
function bootArgs(dir, serial, { template = TEMPLATE, claim = s.endpoints.provisioningClaim } = {}) {
  return ['--endpoint', `localhost:${s.endpoints.mqttTlsPort}`, '--ca', s.endpoints.caCertPath,
    '--identity-dir', dir, '--provision-template', template, '--claim-cert', claim.certPath, '--claim-key', claim.keyPath,
    '--provision-param', `SerialNumber=${serial}`, '--thing', `device-${serial}`,
    '--once', '--interval', '3600', '--duration', '30'];
}

const adminGet = (route) => request(`${s.endpoints.adminUrl}/${route}`, { method: 'GET' });

// GET /things/{thing}/shadow over the HTTPS door with the device's own certificate (node's TLS).
function restShadow(thing, certPem, keyPem) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: s.endpoints.httpsMtlsPort, path: `/things/${thing}/shadow`, method: 'GET',
      ca, cert: certPem, key: keyPem, servername: 'localhost' }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The stored identity checked against the CA and its key; the stand-in's records of it. */
async function checkIdentity(dir, serial) {
  const certPem = readFileSync(join(dir, 'certificate.pem'), 'utf8');
  const keyPem = readFileSync(join(dir, 'private.key'), 'utf8');
  keys.push(keyPem);
  const thing = JSON.parse(readFileSync(join(dir, 'thing.json'), 'utf8'));
  assert.equal(thing.thingName, `device-${serial}`);
  assert.equal(thing.template, TEMPLATE);
  const x = new X509Certificate(certPem);
  assert.ok(x.verify(new X509Certificate(ca).publicKey), 'signed by the stand-in CA');
  assert.equal(x.subject, `CN=device-${serial}`, 'the CSR the device made carries --thing as CN');
  assert.equal(thing.certificateId, x.fingerprint256.replace(/:/g, '').toLowerCase());
  assert.deepEqual(x.publicKey.export({ type: 'spki', format: 'der' }),
    createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' }), 'the certificate carries the stored key');
  const cert = await adminGet(`certificates/${thing.certificateId}`);
  assert.equal(cert.status, 200, cert.text);
  assert.equal(cert.json.certificateDescription.status, 'ACTIVE');
  return { thing, certPem, keyPem };
}

test('DeviceFirstBoot_NoIdentity_ProvisionsThenReportsItsShadowAsTheNewThing', async () => {
  const dir = join(scratch, 'd601');
  const r = await runDevice(bootArgs(dir, 601));
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^identity: none in .*: provisioning by claim \(template iotlite-fleet\)$/m);
  assert.match(r.stdout, /^provisioned: thing device-601 /m);
  assert.match(r.stdout, /^connected to localhost:\d+ as device-601 /m, 'the new identity is the client id');
  assert.doesNotMatch(r.stdout, /reconnecting/, 'the claim connection used another client id (1 CONNECT/s per client id)');
  assert.match(r.stdout, /^shadow: update accepted/m);
  const { thing, certPem, keyPem } = await checkIdentity(dir, 601);
  const made = await adminGet('things/device-601');
  assert.equal(made.status, 200, made.text);
  assert.deepEqual(made.json.principals, [thing.certificateId]);
  const shadow = await restShadow('device-601', certPem, keyPem);
  assert.equal(shadow.status, 200, shadow.text);
  assert.deepEqual(JSON.parse(shadow.text).state.reported, { led: false }, 'the device reported its led as device-601');
});

test('DeviceFirstBoot_StoredIdentity_UsedWithoutTheClaim', async () => {
  const dir = join(scratch, 'd601');
  const before = readFileSync(join(dir, 'certificate.pem'), 'utf8');
  const id = JSON.parse(readFileSync(join(dir, 'thing.json'), 'utf8')).certificateId;
  // The claim files are not even read: paths that do not exist would fail a provisioning.
  const missing = { certPath: join(scratch, 'no-claim.crt'), keyPath: join(scratch, 'no-claim.key') };
  await new Promise((r) => setTimeout(r, 1100));  // AWS: 1 CONNECT per second per client id
  const r = await runDevice(bootArgs(dir, 601, { claim: missing }));
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, new RegExp(`^identity: thing device-601 \\(certificate ${id.slice(0, 12)}\\.\\.\\.\\) from `, 'm'));
  assert.doesNotMatch(r.stdout, /provision/);
  assert.match(r.stdout, /^connected to localhost:\d+ as device-601 /m);
  assert.equal(readFileSync(join(dir, 'certificate.pem'), 'utf8'), before, 'the identity is unchanged');
  const made = await adminGet('things/device-601');
  assert.deepEqual(made.json.principals, [id], 'no second certificate was attached to the thing');
});

test('DeviceFirstBoot_UnknownTemplate_Exit1WithAwsErrorNothingStored', async () => {
  const dir = join(scratch, 'unknown');
  const r = await runDevice(bootArgs(dir, 602, { template: 'no-such-template' }));
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /^iotlite_device: provisioning: RegisterThing rejected: 404 ResourceNotFound/m);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  for (const f of ['thing.json', 'certificate.pem', 'private.key']) assert.ok(!existsSync(join(dir, f)), f);
  assert.equal((await adminGet('things/device-602')).status, 404);
});

test('DeviceFirstBoot_HalfWrittenIdentity_ProvisionsAgain', async () => {
  // A save cut short before thing.json: key and certificate of an earlier identity, no thing.json.
  const dir = join(scratch, 'half');
  mkdirSync(dir, { mode: 0o700 });
  copyFileSync(join(scratch, 'd601', 'certificate.pem'), join(dir, 'certificate.pem'));
  copyFileSync(join(scratch, 'd601', 'private.key'), join(dir, 'private.key'));
  const r = await runDevice(bootArgs(dir, 603));
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^identity: none in /m);
  assert.match(r.stdout, /^connected to localhost:\d+ as device-603 /m);
  const { thing } = await checkIdentity(dir, 603);
  const old = JSON.parse(readFileSync(join(scratch, 'd601', 'thing.json'), 'utf8')).certificateId;
  assert.notEqual(thing.certificateId, old, 'a new certificate replaced the leftover one');
});

test('DeviceFirstBoot_DamagedIdentity_ProvisionsAgain', async () => {
  const dir = join(scratch, 'damaged');
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, 'thing.json'), '{"thingName": "device-604", "certif');
  const r = await runDevice(bootArgs(dir, 604));
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^identity: .* unusable \(.*\): provisioning again$/m);
  assert.match(r.stdout, /^provisioned: thing device-604 /m);
  await checkIdentity(dir, 604);
});

test('DeviceFirstBoot_BadFlags_Exit2BeforeConnecting', async () => {
  const dir = join(scratch, 'bad');
  const cases = [
    [(a) => { a[a.indexOf(TEMPLATE)] = 'bad.name'; }, /--provision-template: .*outside \[0-9A-Za-z_-\]/],
    [(a) => { a.splice(a.indexOf('--claim-key'), 2); }, /--identity-dir needs --provision-template, --claim-cert and --claim-key/],
    [(a) => { a.splice(a.indexOf('--identity-dir'), 2); }, /need --identity-dir DIR/],
    [(a) => { a.push('--cert', 'x.crt'); }, /with --identity-dir the identity comes from DIR/],
    [(a) => { a.push('--provision-param', 'novalue'); }, /--provision-param must be KEY=VALUE/],
  ];
  for (const [edit, message] of cases) {
    const args = bootArgs(dir, 605);
    edit(args);
    const r = await runDevice(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.ok(!existsSync(dir), 'nothing created before the flags are right');
});

test('DeviceFirstBoot_Outputs_NeverCarryAPrivateKey', () => {
  assert.ok(keys.length >= 3);
  const claimKey = readFileSync(s.endpoints.provisioningClaim.keyPath, 'utf8');
  for (const text of outputs) {
    assert.ok(!text.includes('PRIVATE KEY'), 'no PEM key in any output');
    for (const key of [...keys, claimKey]) {
      const body = key.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
      assert.ok(!text.includes(body.slice(0, 40)));
    }
  }
});
