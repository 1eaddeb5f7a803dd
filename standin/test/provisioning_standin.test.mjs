// Fleet provisioning by claim through the real stand-in: a device (mqtt.js on the 8883-style
// door) connects with the claim certificate from the ready line, gets a certificate from its own
// CSR (key made with the openssl CLI on the device side, never sent) or a key pair from the
// service, registers its thing with the template's parameters, then connects with the new
// identity and receives a job. With a policy set loaded, the guide's claim policy governs the
// claim certificate and the template's policy the new one.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startStandin } from '../standin.mjs';
import { admin, connectCert, request } from './helpers.mjs';

let s;
let ca;
let claim;
let work;
const logs = [];
before(async () => {
  s = await startStandin({ log: (line) => logs.push(line) });
  ca = readFileSync(s.endpoints.caCertPath, 'utf8');
  const c = s.endpoints.provisioningClaim;
  claim = { cert: readFileSync(c.certPath, 'utf8'), key: readFileSync(c.keyPath, 'utf8') };
  work = mkdtempSync(path.join(os.tmpdir(), 'iotlite-prov-test-'));
});
after(async () => {
  await s?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const TEMPLATE = 'iotlite-fleet';
const REGISTER = `$aws/provisioning-templates/${TEMPLATE}/provision/json`;
const api = (method, p, body) => request(new URL(p, s.endpoints.adminUrl).href, { method, headers: { 'content-type': 'application/json' }, body });
let seq = 0;
const connect = (identity, opts = {}) => connectCert(s.endpoints.mqttTlsPort, { ca, ...identity, clientId: `prov-${process.pid}-${++seq}`, ...opts });

/** Publishes and waits (bounded) for topic/accepted or topic/rejected. */
function call(client, topic, body, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { client.off('message', on); reject(new Error(`no answer on ${topic}/accepted|rejected within ${ms} ms`)); }, ms);
    function on(t, payload) {
      if (t !== `${topic}/accepted` && t !== `${topic}/rejected`) return;
      clearTimeout(timer);
      client.off('message', on);
      resolve(t.endsWith('/accepted') ? { accepted: JSON.parse(String(payload)) } : { rejected: JSON.parse(String(payload)) });
    }
    client.on('message', on);
    client.publish(topic, body === undefined ? '' : JSON.stringify(body), { qos: 1 });
  });
}

async function claimClient(extraFilters = []) {
  const c = await connect({ key: claim.key, cert: claim.cert });
  const topics = ['$aws/certificates/create/json', '$aws/certificates/create-from-csr/json', REGISTER];
  const granted = await c.subscribeAsync([...topics.flatMap((t) => [`${t}/accepted`, `${t}/rejected`]), ...extraFilters], { qos: 1 });
  assert.ok(granted.every((g) => g.qos !== 128), `claim subscriptions refused: ${JSON.stringify(granted)}`);
  return c;
}

/** The device side: an EC key and a CSR with CN `cn`, made with the openssl CLI. */
function deviceCsr(cn) {
  const key = path.join(work, `${cn}.key`);
  const csr = path.join(work, `${cn}.csr`);
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key], { stdio: 'ignore' });
  execFileSync('openssl', ['req', '-new', '-key', key, '-out', csr, '-subj', `/CN=${cn}`], { stdio: 'ignore' });
  return { keyPem: readFileSync(key, 'utf8'), csrPem: readFileSync(csr, 'utf8') };
}

function checkIssued(certificatePem, certificateId, keyPem) {
  const x = new X509Certificate(certificatePem);
  assert.ok(x.verify(new X509Certificate(ca).publicKey), 'signed by the stand-in CA');
  assert.equal(certificateId, x.fingerprint256.replace(/:/g, '').toLowerCase());
  assert.match(certificateId, /^[0-9a-f]{64}$/);
  const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  assert.deepEqual(x.publicKey.export({ type: 'spki', format: 'der' }), fromKey, 'the certificate carries the device key');
}

async function jobRoundTrip(thing, identity, jobId) {
  const d = await connect(identity, { clientId: thing });
  try {
    const granted = await d.subscribeAsync([`$aws/things/${thing}/jobs/notify-next`, `$aws/things/${thing}/jobs/start-next/accepted`], { qos: 1 });
    assert.ok(granted.every((g) => g.qos !== 128), JSON.stringify(granted));
    const notified = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no notify-next within 5 s')), 5_000);
      d.on('message', (t, p) => { if (t.endsWith('/notify-next')) { clearTimeout(timer); resolve(JSON.parse(String(p))); } });
    });
    assert.equal((await api('PUT', `/admin/jobs/${jobId}`, { targets: [thing], document: { op: 'hello' } })).status, 200);
    assert.equal((await notified).execution.jobId, jobId);
    const started = await call(d, `$aws/things/${thing}/jobs/start-next`, {});
    assert.equal(started.accepted.execution.status, 'IN_PROGRESS');
    return d;
  } catch (e) {
    d.end(true);
    throw e;
  }
}

test('Provisioning_CsrPathUnderPolicies_ClaimRegistersThenNewIdentityConnectsAndGetsAJob', async (t) => {
  // The guide's claim policy ("Provisioning by claim"), plus the create-from-csr topics the CSR path uses.
  const arn = (x) => `arn:aws:iot:us-east-1:123456789012:${x}`;
  const set = {
    policies: { claim: { Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: ['iot:Connect'], Resource: '*' },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: [arn('topic/$aws/certificates/create/*'), arn('topic/$aws/certificates/create-from-csr/*'), arn(`topic/$aws/provisioning-templates/${TEMPLATE}/provision/*`)] },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [arn('topicfilter/$aws/certificates/create/*'), arn('topicfilter/$aws/certificates/create-from-csr/*'), arn(`topicfilter/$aws/provisioning-templates/${TEMPLATE}/provision/*`)] },
    ] } },
    certificates: { 'iotlite-provisioning-claim': ['claim'] },
  };
  assert.equal((await api('PUT', '/admin/policies', set)).status, 200);
  t.after(() => api('DELETE', '/admin/policies'));

  const thing = 'device-SN42';
  const { keyPem, csrPem } = deviceCsr(thing);
  const c = await claimClient();
  t.after(() => c.endAsync(true));
  const made = await call(c, '$aws/certificates/create-from-csr/json', { certificateSigningRequest: csrPem });
  assert.ok(made.accepted, JSON.stringify(made));
  assert.deepEqual(Object.keys(made.accepted).sort(), ['certificateId', 'certificateOwnershipToken', 'certificatePem']);
  checkIssued(made.accepted.certificatePem, made.accepted.certificateId, keyPem);
  const identity = { key: keyPem, cert: made.accepted.certificatePem };

  // Not registered yet: no policy names the new certificate, so AWS's default deny refuses it.
  await assert.rejects(connect(identity, { clientId: thing }));

  const reg = await call(c, REGISTER, { certificateOwnershipToken: made.accepted.certificateOwnershipToken, parameters: { SerialNumber: 'SN42' } });
  assert.deepEqual(reg.accepted, { deviceConfiguration: {}, thingName: thing });
  const desc = await api('GET', `/admin/certificates/${made.accepted.certificateId}`);
  assert.deepEqual([desc.json.certificateDescription.status, desc.json.thingName], ['ACTIVE', thing]);
  assert.deepEqual((await api('GET', `/admin/things/${thing}`)).json, { thingName: thing, attributes: { serialNumber: 'SN42' }, principals: [made.accepted.certificateId] });

  // The template's policy now governs the new identity: its own thing's topics only.
  const d = await jobRoundTrip(thing, identity, 'prov-job-1');
  t.after(() => d.endAsync(true));
  // mqtt.js 5 turns SUBACK 0x80 into an error that carries the packet.
  const refused = await d.subscribeAsync('$aws/things/someone-else/jobs/notify', { qos: 1 }).then(() => null, (e) => e);
  assert.deepEqual(refused?.packet?.granted, [128], 'another thing\'s topic is refused by the template policy');
});

test('Provisioning_KeysPath_CreateKeysAndCertificateThenRegisterAndConnect', async (t) => {
  const c = await claimClient();
  t.after(() => c.endAsync(true));
  const made = await call(c, '$aws/certificates/create/json');
  assert.ok(made.accepted, JSON.stringify(made));
  assert.deepEqual(Object.keys(made.accepted).sort(), ['certificateId', 'certificateOwnershipToken', 'certificatePem', 'privateKey']);
  checkIssued(made.accepted.certificatePem, made.accepted.certificateId, made.accepted.privateKey);
  const identity = { key: made.accepted.privateKey, cert: made.accepted.certificatePem };
  // Not ACTIVE before RegisterThing (PENDING_ACTIVATION): AWS IoT accepts ACTIVE certificates only.
  await assert.rejects(connect(identity), /closed before CONNACK|ECONNRESET|socket hang up|EPIPE/);
  const reg = await call(c, REGISTER, { certificateOwnershipToken: made.accepted.certificateOwnershipToken, parameters: { SerialNumber: 'SN7' } });
  assert.equal(reg.accepted.thingName, 'device-SN7');
  const d = await jobRoundTrip('device-SN7', identity, 'prov-job-2');
  await d.endAsync(true);
  // UpdateCertificate: INACTIVE ends the live connection and refuses the next; ACTIVE again admits it.
  const id = made.accepted.certificateId;
  const live = await connect(identity);
  const ended = new Promise((resolve) => live.once('close', resolve));
  assert.equal((await api('PUT', `/admin/certificates/${id}?newStatus=INACTIVE`)).status, 200);
  await Promise.race([ended, new Promise((_, reject) => setTimeout(() => reject(new Error('the live connection stayed')), 5000))]);
  live.end(true);
  assert.equal((await api('GET', `/admin/certificates/${id}`)).json.certificateDescription.status, 'INACTIVE');
  await assert.rejects(connect(identity), /closed before CONNACK|ECONNRESET|socket hang up|EPIPE/);
  // HTTPS publish (8443) with it: 403 naming the status.
  const https403 = await new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: s.endpoints.httpsMtlsPort, method: 'POST', path: '/topics/prov/inactive?qos=1',
      ca, key: identity.key, cert: identity.cert }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end('x');
  });
  assert.equal(https403.status, 403);
  assert.match(https403.text, /is INACTIVE; AWS IoT accepts ACTIVE certificates only/);
  assert.match(logs.join('\n'), new RegExp(`refused, certificate ${id.slice(0, 12)}\\.\\.\\. is INACTIVE; AWS IoT accepts ACTIVE certificates only`));
  const bad = await api('PUT', `/admin/certificates/${id}?newStatus=PENDING_TRANSFER`);
  assert.deepEqual([bad.status, bad.json.code], [400, 'InvalidRequestException']);
  assert.equal((await api('PUT', `/admin/certificates/${id}?newStatus=ACTIVE`)).status, 200);
  const again = await connect(identity);
  await again.endAsync(true);
});

test('Provisioning_Rejections_TokenForgedExpiredTemplateMissingCsrInvalid', async (t) => {
  const c = await claimClient(['$aws/provisioning-templates/nope/provision/json/+']);
  t.after(async () => { await admin(s, 'clock', { skewMs: 0 }); await c.endAsync(true); });
  const forged = await call(c, REGISTER, { certificateOwnershipToken: 'forged', parameters: { SerialNumber: 'x' } });
  assert.deepEqual([forged.rejected.statusCode, forged.rejected.errorCode], [400, 'InvalidCertificateOwnershipToken']);
  const empty = await call(c, REGISTER, { parameters: { SerialNumber: 'x' } });
  assert.equal(empty.rejected.errorMessage, 'Certificate ownership token cannot be empty.');
  const badCsr = await call(c, '$aws/certificates/create-from-csr/json', { certificateSigningRequest: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n' });
  assert.deepEqual([badCsr.rejected.statusCode, badCsr.rejected.errorCode], [400, 'InvalidCertificateSigningRequest']);

  const made = await call(c, '$aws/certificates/create/json');
  const token = made.accepted.certificateOwnershipToken;
  const missing = await call(c, '$aws/provisioning-templates/nope/provision/json', { certificateOwnershipToken: token });
  assert.deepEqual([missing.rejected.statusCode, missing.rejected.errorCode], [404, 'ResourceNotFound']);
  // One hour and a second later (the stand-in's clock), the token is no longer valid.
  assert.equal((await admin(s, 'clock', { skewSeconds: 3601 })).status, 200);
  const expired = await call(c, REGISTER, { certificateOwnershipToken: token, parameters: { SerialNumber: 'late' } });
  assert.deepEqual([expired.rejected.statusCode, expired.rejected.errorCode], [400, 'InvalidCertificateOwnershipToken']);
  assert.match(expired.rejected.errorMessage, /expired/);
});

test('Provisioning_AdminTemplates_CreateDescribeAndErrors', async () => {
  const body = { Parameters: { Name: { Type: 'String' } }, Resources: {
    thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'Name' } } },
    certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' } } },
  } };
  const r = await api('POST', '/admin/provisioning-templates', { templateName: 'custom', templateBody: JSON.stringify(body) });
  assert.deepEqual(r.json, { templateArn: 'arn:aws:iot:us-east-1:123456789012:provisioningtemplate/custom', templateName: 'custom', defaultVersionId: 1 });
  assert.equal((await api('GET', '/admin/provisioning-templates/custom')).json.enabled, true);
  const dup = await api('POST', '/admin/provisioning-templates', { templateName: 'custom', templateBody: body });
  assert.deepEqual([dup.status, dup.json.code], [409, 'ResourceAlreadyExistsException']);
  assert.equal((await api('POST', '/admin/provisioning-templates', { templateName: 'bad', templateBody: { Resources: {} } })).status, 400);
  assert.equal((await api('GET', '/admin/provisioning-templates/none')).status, 404);
  assert.equal((await api('GET', '/admin/certificates/none')).status, 404);
});
