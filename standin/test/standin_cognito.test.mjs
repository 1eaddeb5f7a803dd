// The Cognito identity endpoint: both pools, AWS-style errors, CORS, and temporary credentials
// that the gateway accepts until they expire.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startStandin } from '../standin.mjs';
import { admin, cognito, connectWs, nextMessage, presignWsUrl, request, tryUpgrade } from './helpers.mjs';

let s;
before(async () => { s = await startStandin({ credentialLifetimeSeconds: 60 }); });
after(async () => { await s?.stop(); });

async function credentialsFor(poolId, logins) {
  const id = await cognito(s, 'GetId', { IdentityPoolId: poolId, ...(logins ? { Logins: logins } : {}) });
  assert.equal(id.status, 200, id.text);
  const cr = await cognito(s, 'GetCredentialsForIdentity', { IdentityId: id.json.IdentityId, ...(logins ? { Logins: logins } : {}) });
  assert.equal(cr.status, 200, cr.text);
  return cr.json;
}

const urlFor = (c, extra = {}) => presignWsUrl({
  port: s.endpoints.wsPort, accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken, ...extra,
});

test('Cognito_UnauthenticatedPool_IssuesCredentialsTheGatewayAccepts', async () => {
  const r = await credentialsFor(s.endpoints.identityPools.unauthenticated);
  assert.match(r.IdentityId, /^us-east-1:[0-9a-f-]{36}$/);
  const c = r.Credentials;
  assert.match(c.AccessKeyId, /^ASIA/);
  assert.ok(c.SecretKey.length >= 40 && c.SessionToken.length > 40);
  const now = Date.now() / 1000;
  assert.ok(Number.isInteger(c.Expiration) && c.Expiration > now && c.Expiration <= now + 61, `Expiration ${c.Expiration}`);
  const client = await connectWs(await urlFor(c));
  try {
    await client.subscribeAsync('iotlite/cognito', { qos: 1 });
    const got = nextMessage(client, 'iotlite/cognito');
    await client.publishAsync('iotlite/cognito', 'via cognito');
    assert.equal(String(await got), 'via cognito');
  } finally { await client.endAsync(); }
});

test('Cognito_TokenInCanonicalQuery_Refused', async () => {
  // Generic SigV4 presigning signs the token; AWS IoT refuses such URLs, so must we.
  const { Credentials: c } = await credentialsFor(s.endpoints.identityPools.unauthenticated);
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { Sha256 } = await import('@aws-crypto/sha256-js');
  const { HttpRequest } = await import('@smithy/protocol-http');
  const signer = new SignatureV4({ credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken }, region: 'us-east-1', service: 'iotdevicegateway', sha256: Sha256 });
  const host = `127.0.0.1:${s.endpoints.wsPort}`;
  const signed = await signer.presign(new HttpRequest({ method: 'GET', hostname: '127.0.0.1', path: '/mqtt', headers: { host } }));
  const q = Object.entries(signed.query).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const r = await tryUpgrade(`ws://${host}/mqtt?${q}`);
  assert.equal(r.status, 403);
  assert.equal(r.body.reason, 'SignatureDoesNotMatch');
});

test('Cognito_WrongSessionToken_403InvalidToken', async () => {
  const { Credentials: c } = await credentialsFor(s.endpoints.identityPools.unauthenticated);
  const r = await tryUpgrade(await urlFor({ ...c, SessionToken: c.SessionToken + 'x' }));
  assert.equal(r.status, 403);
  assert.equal(r.body.reason, 'InvalidToken');
  const r2 = await tryUpgrade(await urlFor({ ...c, SessionToken: undefined }));
  assert.equal(r2.status, 403);
  assert.equal(r2.body.reason, 'InvalidToken');
});

test('Cognito_AuthenticatedPoolWithLogin_IssuesCredentials', async () => {
  const p = s.endpoints.identityPools;
  const r = await credentialsFor(p.authenticated, { [p.loginProvider]: p.loginToken });
  const client = await connectWs(await urlFor(r.Credentials));
  await client.endAsync();
});

test('Cognito_AuthenticatedPoolWithoutLogins_NotAuthorizedException', async () => {
  const r = await cognito(s, 'GetId', { IdentityPoolId: s.endpoints.identityPools.authenticated });
  assert.equal(r.status, 400);
  assert.equal(r.json.__type, 'NotAuthorizedException');
  assert.match(r.json.message, /Unauthenticated access is not supported/);
  assert.match(r.headers['x-amzn-errortype'], /^NotAuthorizedException/);
});

test('Cognito_WrongLoginToken_NotAuthorizedException', async () => {
  const p = s.endpoints.identityPools;
  const r = await cognito(s, 'GetId', { IdentityPoolId: p.authenticated, Logins: { [p.loginProvider]: 'forged' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.__type, 'NotAuthorizedException');
});

test('Cognito_CredentialsForAuthIdentityWithoutLogins_NotAuthorizedException', async () => {
  const p = s.endpoints.identityPools;
  const id = await cognito(s, 'GetId', { IdentityPoolId: p.authenticated, Logins: { [p.loginProvider]: p.loginToken } });
  const r = await cognito(s, 'GetCredentialsForIdentity', { IdentityId: id.json.IdentityId });
  assert.equal(r.status, 400);
  assert.equal(r.json.__type, 'NotAuthorizedException');
});

test('Cognito_UnknownPool_ResourceNotFoundException', async () => {
  const r = await cognito(s, 'GetId', { IdentityPoolId: 'us-east-1:00000000-0000-4000-8000-0000000000ff' });
  assert.equal(r.status, 400);
  assert.equal(r.json.__type, 'ResourceNotFoundException');
});

test('Cognito_UnknownIdentity_ResourceNotFoundException', async () => {
  const r = await cognito(s, 'GetCredentialsForIdentity', { IdentityId: 'us-east-1:11111111-2222-4333-8444-555555555555' });
  assert.equal(r.status, 400);
  assert.equal(r.json.__type, 'ResourceNotFoundException');
});

test('Cognito_MalformedPoolId_InvalidParameterException', async () => {
  const r = await cognito(s, 'GetId', { IdentityPoolId: 'not a pool' });
  assert.equal(r.status, 400);
  assert.equal(r.json.__type, 'InvalidParameterException');
});

test('Cognito_UnknownTargetAndBadJson_AwsErrors', async () => {
  const r = await cognito(s, 'ListIdentityPools', {});
  assert.equal(r.json.__type, 'UnknownOperationException');
  const bad = await cognito(s, 'GetId', '{not json');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.__type, 'SerializationException');
});

test('Cognito_Preflight_AllowsAmzHeadersAndExposesDate', async () => {
  const r = await request(s.endpoints.cognitoUrl, {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-amz-target,x-amz-user-agent' },
  });
  assert.equal(r.status, 204);
  assert.equal(r.headers['access-control-allow-origin'], 'http://localhost:5173');
  for (const h of ['content-type', 'x-amz-target', 'x-amz-user-agent']) assert.ok(r.headers['access-control-allow-headers'].includes(h), h);
  const post = await cognito(s, 'GetId', { IdentityPoolId: s.endpoints.identityPools.unauthenticated });
  assert.match(post.headers['access-control-expose-headers'], /\bDate\b/);
  assert.ok(Math.abs(Date.parse(post.headers.date) - Date.now()) < 5000);
});

test('Cognito_CredentialsAfterLifetime_Refused', async () => {
  const { Credentials: c } = await credentialsFor(s.endpoints.identityPools.unauthenticated);
  const ok = await tryUpgrade(await urlFor(c));
  assert.equal(ok.status, 101);
  ok.ws.close();
  // The lifetime is 60 s: move the stand-in's clock 61 s on instead of sleeping (a URL signed
  // "now" by the client is still within the 5-minute window).
  await admin(s, 'clock', { skewSeconds: 59 });
  const still = await tryUpgrade(await urlFor(c));
  assert.equal(still.status, 101);
  still.ws.close();
  await admin(s, 'clock', { skewSeconds: 61 });
  try {
    const r = await tryUpgrade(await urlFor(c));
    assert.equal(r.status, 403);
    assert.equal(r.body.reason, 'ExpiredToken');
  } finally {
    await admin(s, 'clock', { skewSeconds: 0 });
  }
});

test('Cognito_ExpireAllFault_RefusesIssuedCredentials', async () => {
  await admin(s, 'credentials/lifetime', { seconds: 3600 });
  const { Credentials: c } = await credentialsFor(s.endpoints.identityPools.unauthenticated);
  const r0 = await admin(s, 'credentials/expire');
  assert.ok(r0.json.expired >= 1);
  const r = await tryUpgrade(await urlFor(c));
  assert.equal(r.status, 403);
  assert.equal(r.body.reason, 'ExpiredToken');
  // Static keys are not affected.
  const st = await tryUpgrade(await presignWsUrl({ port: s.endpoints.wsPort, ...s.endpoints.testCredentials }));
  assert.equal(st.status, 101);
  st.ws.close();
});
