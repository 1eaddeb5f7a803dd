// The parts written separately (shadow service, HTTPS API) are wired into the stand-in: a
// SigV4 WebSocket client gets shadow answers through the gateway, and an HTTPS publish with a
// device certificate reaches it.
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { startStandin } from '../standin.mjs';
import { admin, connectWs, nextMessage, staticUrl } from './helpers.mjs';

let s;
before(async () => { s = await startStandin(); });
after(async () => { await s?.stop(); });

test('Wiring_ShadowUpdateOverGateway_AcceptedAndDocumentVersioned', async () => {
  assert.equal(s.endpoints.shadowService, true);
  const client = await connectWs(await staticUrl(s));
  try {
    const base = '$aws/things/wiring-thing/shadow/update';
    await client.subscribeAsync([`${base}/accepted`, `${base}/rejected`], { qos: 1 });
    const accepted = nextMessage(client, `${base}/accepted`);
    await client.publishAsync(base, JSON.stringify({ state: { reported: { on: true } }, clientToken: 'w1' }), { qos: 1 });
    const doc = JSON.parse(String(await accepted));
    assert.equal(doc.clientToken, 'w1');
    assert.equal(doc.version, 1);
    assert.deepEqual(doc.state.reported, { on: true });
  } finally { await client.endAsync(); }
});

test('Wiring_HttpsPublishWithDeviceCert_ReachesWebSocketSubscriber', async () => {
  assert.ok(s.endpoints.httpsMtlsPort > 0 && s.endpoints.httpsSigv4Port > 0);
  const cert = (await admin(s, 'certs', { thing: 'https-thing' })).json;
  const client = await connectWs(await staticUrl(s));
  try {
    await client.subscribeAsync('iotlite/wiring/https', { qos: 1 });
    const got = nextMessage(client, 'iotlite/wiring/https');
    const status = await new Promise((resolve, reject) => {
      const req = https.request({
        host: '127.0.0.1', port: s.endpoints.httpsMtlsPort, method: 'POST', path: `/topics/${encodeURIComponent('iotlite/wiring/https')}?qos=1`,
        key: cert.keyPem, cert: cert.certPem, ca: s.ca.caPem,
      }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
      req.on('error', reject);
      req.end('from https');
    });
    assert.equal(status, 200);
    assert.equal(String(await got), 'from https');
  } finally { await client.endAsync(); }
});

// SigV4 (service iotdata) on the HTTPS port, with the stand-in's own credential store behind it:
// a static key and a Cognito-issued key (with its session token) are both accepted.
async function sigv4Publish(creds, topic, body) {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { Sha256 } = await import('@aws-crypto/sha256-js');
  const signer = new SignatureV4({ service: 'iotdata', region: s.endpoints.region, sha256: Sha256, credentials: creds });
  const host = `127.0.0.1:${s.endpoints.httpsSigv4Port}`;
  const signed = await signer.sign({
    method: 'POST', protocol: 'https:', hostname: '127.0.0.1', port: s.endpoints.httpsSigv4Port,
    path: `/topics/${encodeURIComponent(topic)}`, query: { qos: '1' }, headers: { host }, body,
  });
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: s.endpoints.httpsSigv4Port, method: 'POST', ca: s.ca.caPem,
      path: `/topics/${encodeURIComponent(topic)}?qos=1`, headers: signed.headers,
    }, (res) => { let text = ''; res.on('data', (d) => { text += d; }); res.on('end', () => resolve({ status: res.statusCode, text })); });
    req.on('error', reject);
    req.end(body);
  });
}

test('Wiring_HttpsPublishWithSigV4StaticAndCognitoKeys_Accepted', async () => {
  const c = s.endpoints.testCredentials;
  const staticAnswer = await sigv4Publish({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }, 'iotlite/wiring/sigv4', 'static');
  assert.equal(staticAnswer.status, 200, staticAnswer.text);

  const post = async (target, body) => {
    const res = await fetch(s.endpoints.cognitoUrl, {
      method: 'POST', body: JSON.stringify(body),
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${target}` },
    });
    return res.json();
  };
  const { IdentityId } = await post('GetId', { IdentityPoolId: s.endpoints.identityPools.unauthenticated });
  const { Credentials: t } = await post('GetCredentialsForIdentity', { IdentityId });
  const temporary = { accessKeyId: t.AccessKeyId, secretAccessKey: t.SecretKey, sessionToken: t.SessionToken };
  const cognitoAnswer = await sigv4Publish(temporary, 'iotlite/wiring/sigv4', 'cognito');
  assert.equal(cognitoAnswer.status, 200, cognitoAnswer.text);

  const wrong = await sigv4Publish({ ...temporary, sessionToken: undefined }, 'iotlite/wiring/sigv4', 'no token');
  assert.equal(wrong.status, 403);
});
