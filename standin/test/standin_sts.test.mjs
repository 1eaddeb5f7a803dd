// The stand-in's STS AssumeRole (lib/sts.mjs): requests signed with AWS's own signer
// (@smithy/signature-v4) get AWS's XML answer with temporary credentials that the WebSocket
// gateway then accepts; bad signatures, unknown keys, roles of another account and parameters
// outside STS's rules get STS's XML error shape with its codes.
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { startStandin } from '../standin.mjs';
import { connectWs, nextMessage, presignWsUrl } from './helpers.mjs';

let s;
before(async () => { s = await startStandin(); });
after(async () => { await s?.stop(); });

const ROLE = 'arn:aws:iam::123456789012:role/iotlite-device';

/** POSTs a form to the stand-in's STS, signed (or not) with @smithy/signature-v4. */
async function sts(form, { accessKeyId, secretAccessKey, sessionToken, sign = true, tamper = false, date = new Date() } = {}) {
  const key = accessKeyId ?? s.endpoints.testCredentials.accessKeyId;
  const secret = secretAccessKey ?? s.endpoints.testCredentials.secretAccessKey;
  const body = new URLSearchParams(form).toString();
  const host = `localhost:${s.endpoints.stsPort}`;
  let request = new HttpRequest({
    method: 'POST', protocol: 'https:', hostname: 'localhost', port: s.endpoints.stsPort, path: '/',
    headers: { host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body,
  });
  if (sign) {
    const signer = new SignatureV4({ credentials: { accessKeyId: key, secretAccessKey: secret, sessionToken }, region: 'us-east-1', service: 'sts', sha256: Sha256 });
    request = await signer.sign(request, { signingDate: date });
  }
  const sent = tamper ? body.replace('RoleSessionName=t1', 'RoleSessionName=t2') : body;
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', servername: 'localhost', port: s.endpoints.stsPort, method: 'POST', path: '/', headers: request.headers, ca: readFileSync(s.endpoints.caCertPath, 'utf8') }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => { text += d; }).on('end', () => resolve({ status: res.statusCode, text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(sent);
  });
}

const tag = (xml, name) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
const assumeForm = (extra = {}) => ({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: ROLE, RoleSessionName: 't1', ...extra });

test('Sts_AssumeRoleSigned_ReturnsAwsXmlWithCredentialsTheGatewayAccepts', async () => {
  const r = await sts(assumeForm({ DurationSeconds: '900' }));
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers['content-type'], /^text\/xml/);
  assert.match(r.text, /^<AssumeRoleResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/);
  assert.equal(tag(r.text, 'Arn'), 'arn:aws:sts::123456789012:assumed-role/iotlite-device/t1');
  const key = tag(r.text, 'AccessKeyId');
  const secret = tag(r.text, 'SecretAccessKey');
  const token = tag(r.text, 'SessionToken').replace(/&amp;/g, '&');
  assert.match(key, /^ASIA[0-9A-F]{16}$/);
  const expires = Date.parse(tag(r.text, 'Expiration'));
  assert.match(tag(r.text, 'Expiration'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(Math.abs(expires - (Date.now() + 900_000)) < 5_000, tag(r.text, 'Expiration'));
  assert.ok(tag(r.text, 'RequestId'));

  const client = await connectWs(await presignWsUrl({ port: s.endpoints.wsPort, accessKeyId: key, secretAccessKey: secret, sessionToken: token }));
  try {
    await client.subscribeAsync('iotlite/sts', { qos: 1 });
    const got = nextMessage(client, 'iotlite/sts');
    await client.publishAsync('iotlite/sts', 'via sts');
    assert.equal(String(await got), 'via sts');
  } finally { await client.endAsync(); }

  // Role chaining: the temporary credentials may assume a role again.
  const chained = await sts(assumeForm(), { accessKeyId: key, secretAccessKey: secret, sessionToken: token });
  assert.equal(chained.status, 200, chained.text);
  // Without their session token they are refused.
  const noToken = await sts(assumeForm(), { accessKeyId: key, secretAccessKey: secret });
  assert.equal(noToken.status, 403);
  assert.equal(tag(noToken.text, 'Code'), 'InvalidClientTokenId');
});

test('Sts_BadSignatureUnknownKeyOrSkew_RefusedInStsErrorShape', async () => {
  const tampered = await sts(assumeForm(), { tamper: true });
  assert.equal(tampered.status, 403);
  assert.match(tampered.text, /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/);
  assert.equal(tag(tampered.text, 'Type'), 'Sender');
  assert.equal(tag(tampered.text, 'Code'), 'SignatureDoesNotMatch');
  const unknown = await sts(assumeForm(), { accessKeyId: 'AKIDUNKNOWN000000000', secretAccessKey: 'x' });
  assert.equal(unknown.status, 403);
  assert.equal(tag(unknown.text, 'Code'), 'InvalidClientTokenId');
  const unsigned = await sts(assumeForm(), { sign: false });
  assert.equal(tag(unsigned.text, 'Code'), 'MissingAuthenticationToken');
  const skewed = await sts(assumeForm(), { date: new Date(Date.now() - 20 * 60_000) });
  assert.equal(skewed.status, 403);
  assert.match(tag(skewed.text, 'Message'), /Signature expired/);
  // An IoT-scoped signature is not an STS one.
  assert.doesNotMatch(tampered.text, new RegExp(s.endpoints.testCredentials.secretAccessKey.replace(/[/+]/g, '.')));
});

test('Sts_ParametersOutsideStsRules_ValidationErrorAccessDeniedInvalidAction', async () => {
  const cases = [
    [assumeForm({ RoleArn: 'arn:aws:iam::999999999999:role/other' }), 403, 'AccessDenied', /not authorized to perform: sts:AssumeRole/],
    [assumeForm({ DurationSeconds: '100' }), 400, 'ValidationError', /durationSeconds/],
    [assumeForm({ DurationSeconds: '7200' }), 400, 'ValidationError', /MaxSessionDuration/],
    [assumeForm({ RoleSessionName: 'x' }), 400, 'ValidationError', /roleSessionName/],
    [assumeForm({ RoleArn: 'not-an-arn-at-all-but-long' }), 400, 'ValidationError', /is invalid/],
    [{ Action: 'AssumeRole', Version: '2011-06-15', RoleSessionName: 't1' }, 400, 'ValidationError', /roleArn/],
    [assumeForm({ Action: 'GetSessionToken' }), 400, 'InvalidAction', /GetSessionToken/],
  ];
  for (const [form, status, code, message] of cases) {
    const r = await sts(form);
    assert.equal(r.status, status, `${JSON.stringify(form)}: ${r.text}`);
    assert.equal(tag(r.text, 'Code'), code);
    assert.match(tag(r.text, 'Message'), message);
  }
});

test('Sts_ConfiguredRoles_OnlyThoseWithTheirExternalId', async () => {
  const own = await startStandin({ sts: { roles: [{ arn: ROLE, externalId: 'ext-1', maxSessionDurationSeconds: 7200 }] } });
  const saved = s;
  s = own;
  try {
    assert.equal((await sts(assumeForm({ ExternalId: 'ext-1', DurationSeconds: '7200' }))).status, 200);
    const wrongId = await sts(assumeForm({ ExternalId: 'ext-2' }));
    assert.equal(tag(wrongId.text, 'Code'), 'AccessDenied');
    const other = await sts(assumeForm({ RoleArn: 'arn:aws:iam::123456789012:role/unlisted', ExternalId: 'ext-1' }));
    assert.equal(tag(other.text, 'Code'), 'AccessDenied');
  } finally {
    s = saved;
    await own.stop();
  }
});

test('Sts_BodyOverTheReadLimit_413RequestEntityTooLarge', async () => {
  // The stand-in reads at most 16 KB of a request (lib/sts.mjs MAX_BODY_BYTES); the rest is not
  // read, so the server may close before the client has written it all: never a 200.
  const r = await sts(assumeForm({ Policy: 'p'.repeat(20_000) })).catch((e) => ({ error: e }));
  if (r.error) assert.match(`${r.error.code} ${r.error.message}`, /ECONNRESET|EPIPE|socket hang up/);
  else {
    assert.equal(r.status, 413, r.text);
    assert.equal(tag(r.text, 'Code'), 'RequestEntityTooLarge');
  }
});
