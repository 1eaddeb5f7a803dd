// The HTTPS data plane of the stand-in: the client-certificate server (8443-style) and the SigV4
// server (443-style), against a real Mosquitto, with a CA and certificates made by the openssl
// CLI and requests signed by AWS's own signer (@smithy/signature-v4).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import aws4 from 'aws4';
import { ShadowStore } from '../lib/shadow_store.mjs';
import { startShadowService } from '../lib/shadow_service.mjs';
import { startHttpsApi } from '../lib/https_api.mjs';
import { startTestMosquitto, collector } from './helpers_shadowsvc.mjs';
import mqtt from 'mqtt';

let dir;
let pem;
let broker;
let service;
let api;
let skewMs = 0;
const NOW = 1700000000;

const CREDS = {
  AKIDSTATIC: { secretAccessKey: 'static-secret-key-for-tests-only' },
  ASIATEMP: { secretAccessKey: 'temp-secret-key-for-tests-only', sessionToken: 'temp-session-token-for-tests' },
};

function openssl(...args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makePki() {
  const ext = path.join(dir, 'server.ext');
  fs.writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  const clientExt = path.join(dir, 'client.ext');
  fs.writeFileSync(clientExt, 'extendedKeyUsage=clientAuth\n');
  const ecKey = (name) => openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  // Device CA, and a second CA that the server does not trust.
  for (const ca of ['ca', 'rogue-ca']) {
    ecKey(ca);
    openssl('req', '-x509', '-new', '-key', `${ca}.key`, '-sha256', '-days', '2', '-subj', `/CN=iotlite test ${ca}`, '-out', `${ca}.crt`);
  }
  const issue = (name, caName, extFile, cn) => {
    ecKey(name);
    openssl('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-CAcreateserial',
      '-days', '2', '-sha256', '-extfile', extFile, '-out', `${name}.crt`);
  };
  issue('server', 'ca', ext, 'localhost');
  issue('device', 'ca', clientExt, 'device-1');
  issue('rogue', 'rogue-ca', clientExt, 'rogue-device');
  const read = (f) => fs.readFileSync(path.join(dir, f), 'utf8');
  return {
    ca: read('ca.crt'), serverKey: read('server.key'), serverCert: read('server.crt'),
    deviceKey: read('device.key'), deviceCert: read('device.crt'),
    rogueKey: read('rogue.key'), rogueCert: read('rogue.crt'),
  };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iotlite-httpsapi-'));
  pem = makePki();
  broker = await startTestMosquitto();
  const store = new ShadowStore({ nowSeconds: () => NOW });
  service = await startShadowService({ brokerUrl: broker.url, store });
  api = await startHttpsApi({
    host: '127.0.0.1',
    mtlsPort: 0,
    sigv4Port: 0,
    tls: { key: pem.serverKey, cert: pem.serverCert, ca: pem.ca },
    brokerUrl: broker.url,
    store,
    lookupSecret: (id) => CREDS[id],
    clockSkewMs: () => skewMs,
  });
});

after(async () => {
  await api?.stop();
  await service?.stop();
  await broker?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** One HTTPS request; resolves { status, headers, body (string) } or rejects on a TLS/socket error. */
function request({ port, method = 'GET', path: p, headers = {}, body, cert, key }) {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, method, path: p, headers, ca: pem.ca, cert, key, agent: false, timeout: 5_000,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const device = (opts) => request({ port: api.mtlsPort, cert: pem.deviceCert, key: pem.deviceKey, ...opts });

async function signed({ method = 'POST', path: p, query = {}, body = '', accessKeyId = 'AKIDSTATIC', secretAccessKey,
  sessionToken, signingDate = new Date(), service: svc = 'iotdata', extraHeaders = {} }) {
  const c = CREDS[accessKeyId];
  const signer = new SignatureV4({
    credentials: {
      accessKeyId,
      secretAccessKey: secretAccessKey ?? c?.secretAccessKey ?? 'unknown',
      sessionToken: sessionToken === undefined ? c?.sessionToken : sessionToken || undefined,
    },
    region: 'us-east-1',
    service: svc,
    sha256: Sha256,
  });
  const req = new HttpRequest({
    method, protocol: 'https:', hostname: '127.0.0.1', port: api.sigv4Port, path: p, query,
    headers: { host: `127.0.0.1:${api.sigv4Port}`, 'content-type': 'application/json', ...extraHeaders },
    body,
  });
  const out = await signer.sign(req, { signingDate });
  const qs = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return request({ port: api.sigv4Port, method, path: qs ? `${p}?${qs}` : p, headers: out.headers, body });
}

test('HttpsApi_MtlsDevicePublish_ReachesMqttSubscriberAndAnswersOK', async (t) => {
  const c = await collector(broker.url, ['dev/telemetry/1']);
  t.after(() => c.close());
  const res = await device({ method: 'POST', path: `/topics/${encodeURIComponent('dev/telemetry/1')}?qos=1`, body: '{"t":21.5}' });
  assert.equal(res.status, 200);
  assert.equal(JSON.parse(res.body).message, 'OK');
  assert.deepEqual(await c.next('dev/telemetry/1'), { t: 21.5 });
});

test('HttpsApi_PublishOnShadowUpdateTopic_ShadowServiceAnswersOnMqtt', async (t) => {
  const P = '$aws/things/viaHttps/shadow';
  const c = await collector(broker.url, [`${P}/update/accepted`]);
  t.after(() => c.close());
  const res = await device({ method: 'POST', path: `/topics/${encodeURIComponent(`${P}/update`)}?qos=1`, body: '{"state":{"reported":{"via":"https"}},"clientToken":"h1"}' });
  assert.equal(res.status, 200);
  const acc = await c.next(`${P}/update/accepted`);
  assert.deepEqual([acc.state, acc.version, acc.clientToken], [{ reported: { via: 'https' } }, 1, 'h1']);
});

test('HttpsApi_MtlsWithoutClientCertificate_HandshakeRefused', async () => {
  // TLS 1.3 reports the server's refusal as an alert after the client's handshake completes:
  // "certificate required" (alert 116) or a reset, depending on timing.
  await assert.rejects(
    request({ port: api.mtlsPort, method: 'POST', path: '/topics/x?qos=0', body: '{}' }),
    (e) => /certificate required|alert number 116|ECONNRESET|socket hang up/i.test(`${e.code} ${e.message}`),
  );
});

test('HttpsApi_MtlsCertificateFromUntrustedCa_HandshakeRefused', async () => {
  await assert.rejects(
    request({ port: api.mtlsPort, method: 'POST', path: '/topics/x?qos=0', body: '{}', cert: pem.rogueCert, key: pem.rogueKey }),
    (e) => /unknown ca|alert number 48|ECONNRESET|socket hang up/i.test(`${e.code} ${e.message}`),
  );
});

test('HttpsApi_PublishLimits_AwsStyleErrors', async () => {
  const cases = [
    [`/topics/${encodeURIComponent('a/+/c')}`, '{}', 400, /wildcard/],
    [`/topics/${encodeURIComponent('a/#')}`, '{}', 400, /wildcard/],
    [`/topics/${encodeURIComponent('1/2/3/4/5/6/7/8/9')}`, '{}', 400, /has 8 '\/' levels; AWS IoT allows 7/],
    [`/topics/${'t'.repeat(257)}`, '{}', 400, /257 bytes; AWS IoT allows 256/],
    [`/topics/ok?qos=2`, '{}', 400, /qos '2'/],
    [`/topics/ok?qos=1`, Buffer.alloc(128 * 1024 + 1, 0x61), 413, /131073 bytes; AWS IoT allows 131072/],
    ['/topics/', '{}', 400, /topic is empty/],
  ];
  for (const [p, body, status, re] of cases) {
    const res = await device({ method: 'POST', path: p, body });
    assert.equal(res.status, status, p);
    assert.match(JSON.parse(res.body).message, re, p);
    assert.ok(res.headers['x-amzn-errortype'], p);
  }
  // At the limits: 7 slashes (plus the uncounted $aws/rules/<rule>/ prefix) and 128 KB.
  const atLimits = [
    [`/topics/${encodeURIComponent('1/2/3/4/5/6/7/8')}?qos=0`, '{}'],
    [`/topics/${encodeURIComponent('$aws/rules/myRule/1/2/3/4/5/6/7/8')}?qos=0`, '{}'],
    ['/topics/big?qos=0', Buffer.alloc(128 * 1024, 0x61)],
  ];
  for (const [p, body] of atLimits) assert.equal((await device({ method: 'POST', path: p, body })).status, 200, p);
});

test('HttpsApi_BodyOverReadLimit_413AndConnectionClosed', async () => {
  const res = await device({ method: 'POST', path: '/topics/huge?qos=0', body: Buffer.alloc(300 * 1024, 0x61) })
    .catch((e) => ({ error: e }));
  // Either the 413 arrives before the server closes, or the close wins the race: never a 200.
  if (res.error) assert.match(`${res.error.code} ${res.error.message}`, /ECONNRESET|EPIPE|socket hang up/);
  else assert.equal(res.status, 413);
});

test('HttpsApi_MtlsShadowRest_GetUpdateDeleteWithMqttNotifications', async (t) => {
  const P = '$aws/things/restLamp/shadow';
  const c = await collector(broker.url, [`${P}/update/accepted`, `${P}/update/delta`, `${P}/delete/accepted`]);
  t.after(() => c.close());
  const missing = await device({ path: '/things/restLamp/shadow' });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers['x-amzn-errortype'], 'ResourceNotFoundException');
  assert.deepEqual(JSON.parse(missing.body), { code: 404, message: "No shadow exists with name: 'restLamp'" });

  const upd = await device({ method: 'POST', path: '/things/restLamp/shadow', body: '{"state":{"desired":{"on":true}}}' });
  assert.equal(upd.status, 200);
  const expectedAccepted = {
    state: { desired: { on: true } }, metadata: { desired: { on: { timestamp: NOW } } }, version: 1, timestamp: NOW,
  };
  assert.deepEqual(JSON.parse(upd.body), expectedAccepted);
  assert.deepEqual(await c.next(`${P}/update/accepted`), expectedAccepted);
  assert.deepEqual((await c.next(`${P}/update/delta`)).state, { on: true });

  const conflict = await device({ method: 'POST', path: '/things/restLamp/shadow', body: '{"state":{"desired":{"on":false}},"version":5}' });
  assert.equal(conflict.status, 409);
  assert.equal(conflict.headers['x-amzn-errortype'], 'ConflictException');
  assert.equal(JSON.parse(conflict.body).message, 'Version conflict');

  const got = await device({ path: '/things/restLamp/shadow' });
  assert.equal(got.status, 200);
  assert.deepEqual(JSON.parse(got.body).state, { desired: { on: true }, delta: { on: true } });

  const del = await device({ method: 'DELETE', path: '/things/restLamp/shadow' });
  assert.equal(del.status, 200);
  assert.deepEqual(JSON.parse(del.body), { version: 1, timestamp: NOW });
  assert.deepEqual(await c.next(`${P}/delete/accepted`), { version: 1, timestamp: NOW });
  assert.equal((await device({ path: '/things/restLamp/shadow' })).status, 404);
});

test('HttpsApi_NamedShadowRest_UsesNameQueryParameter', async () => {
  const upd = await device({ method: 'POST', path: '/things/restLamp/shadow?name=config', body: '{"state":{"reported":{"mode":"eco"}}}' });
  assert.equal(upd.status, 200);
  assert.deepEqual(JSON.parse((await device({ path: '/things/restLamp/shadow?name=config' })).body).state, { reported: { mode: 'eco' } });
  const other = await device({ path: '/things/restLamp/shadow?name=other' });
  assert.deepEqual(JSON.parse(other.body), { code: 404, message: "No shadow exists with name: 'restLamp~other'" });
  assert.equal((await device({ method: 'PUT', path: '/things/restLamp/shadow' })).status, 405);
  const list = await device({ path: '/api/things/shadow/ListNamedShadowsForThing/restLamp?pageSize=10' });
  assert.equal(list.status, 200);
  assert.deepEqual(JSON.parse(list.body).results, ['config']);
});

test('HttpsApi_SigV4SignedBySmithy_PublishAccepted', async (t) => {
  const c = await collector(broker.url, ['$aws/rules/r1/in', 'sig/v4/ok']);
  t.after(() => c.close());
  const res = await signed({ path: `/topics/${encodeURIComponent('sig/v4/ok')}`, query: { qos: '1' }, body: '{"via":"sigv4"}' });
  assert.equal(res.status, 200, res.body);
  assert.deepEqual(await c.next('sig/v4/ok'), { via: 'sigv4' });
  // Temporary credentials: the session token header is required and must match.
  const temp = await signed({ accessKeyId: 'ASIATEMP', path: '/topics/sig%2Fv4%2Fok', query: { qos: '0' }, body: '{"via":"temp"}' });
  assert.equal(temp.status, 200, temp.body);
  assert.deepEqual(await c.next('sig/v4/ok'), { via: 'temp' });
});

test('HttpsApi_SigV4SignedByAws4Package_AcceptedToo', async (t) => {
  // A second, independent signer (the aws4 npm package) must agree with the smithy check,
  // including the double-encoded '%2F' of an encoded topic and a named-shadow query.
  const c = await collector(broker.url, ['$aws/things/a4/shadow/name/n1/update/accepted', 'aws4/topic']);
  t.after(() => c.close());
  const send = async (method, p, body) => {
    const opts = aws4.sign({
      host: `127.0.0.1:${api.sigv4Port}`, method, path: p, service: 'iotdata', region: 'ap-northeast-1',
      headers: { 'content-type': 'application/json' }, body,
    }, { accessKeyId: 'ASIATEMP', ...CREDS.ASIATEMP });
    return request({ port: api.sigv4Port, method, path: p, headers: opts.headers, body });
  };
  const pub = await send('POST', `/topics/${encodeURIComponent('aws4/topic')}?qos=1`, '{"n":1}');
  assert.equal(pub.status, 200, pub.body);
  assert.deepEqual(await c.next('aws4/topic'), { n: 1 });
  const upd = await send('POST', '/things/a4/shadow?name=n1', '{"state":{"reported":{"k":"v"}}}');
  assert.equal(upd.status, 200, upd.body);
  assert.equal((await c.next('$aws/things/a4/shadow/name/n1/update/accepted')).version, 1);
});

test('HttpsApi_SigV4ShadowRest_GetAfterUpdate', async () => {
  const upd = await signed({ path: '/things/sigThing/shadow', body: '{"state":{"reported":{"rssi":-60}}}' });
  assert.equal(upd.status, 200, upd.body);
  const got = await signed({ method: 'GET', path: '/things/sigThing/shadow', body: '' });
  assert.equal(got.status, 200, got.body);
  assert.deepEqual(JSON.parse(got.body).state, { reported: { rssi: -60 } });
});

test('HttpsApi_SigV4Rejections_403WithAwsMessages', async () => {
  const p = '/topics/sig%2Fdenied';
  const cases = [
    ['wrong secret', { secretAccessKey: 'not-the-secret' }, /signature we calculated does not match/],
    ['unknown key', { accessKeyId: 'AKIDUNKNOWN' }, /security token included in the request is invalid/],
    ['missing session token', { accessKeyId: 'ASIATEMP', sessionToken: '' }, /security token included in the request is invalid/],
    ['wrong session token', { accessKeyId: 'ASIATEMP', sessionToken: 'other-token' }, /security token included in the request is invalid/],
    ['wrong service', { service: 's3' }, /scoped to correct service: 'iotdata'/],
    ['date 6 minutes old', { signingDate: new Date(Date.now() - 6 * 60_000) }, /^Signature expired: /],
    ['date 6 minutes ahead', { signingDate: new Date(Date.now() + 6 * 60_000) }, /^Signature not yet current: /],
  ];
  for (const [what, opts, re] of cases) {
    const res = await signed({ path: p, query: { qos: '0' }, body: '{}', ...opts });
    assert.equal(res.status, 403, what);
    assert.match(JSON.parse(res.body).message, re, what);
    assert.ok(res.headers['x-amzn-errortype'], what);
  }
  const unsigned = await request({ port: api.sigv4Port, method: 'POST', path: `${p}?qos=0`, body: '{}' });
  assert.equal(unsigned.status, 403);
  assert.equal(JSON.parse(unsigned.body).message, 'Missing Authentication Token');
});

test('HttpsApi_SigV4BodyChangedAfterSigning_403', async () => {
  // Sign one body, send another: the payload hash is part of the signature.
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'AKIDSTATIC', secretAccessKey: CREDS.AKIDSTATIC.secretAccessKey },
    region: 'eu-west-1', service: 'iotdata', sha256: Sha256, applyChecksum: false,
  });
  const req = new HttpRequest({
    method: 'POST', protocol: 'https:', hostname: '127.0.0.1', path: '/topics/tamper', query: { qos: '0' },
    headers: { host: `127.0.0.1:${api.sigv4Port}` }, body: '{"amount":1}',
  });
  const out = await signer.sign(req);
  const ok = await request({ port: api.sigv4Port, method: 'POST', path: '/topics/tamper?qos=0', headers: out.headers, body: '{"amount":1}' });
  assert.equal(ok.status, 200, ok.body);
  const bad = await request({ port: api.sigv4Port, method: 'POST', path: '/topics/tamper?qos=0', headers: out.headers, body: '{"amount":9}' });
  assert.equal(bad.status, 403);
});

test('HttpsApi_ServerClockSkewed_OldSignatureRejectedAndDateHeaderShowsSkew', async (t) => {
  t.after(() => { skewMs = 0; });
  skewMs = 10 * 60_000; // the stand-in's clock runs 10 minutes ahead
  const res = await signed({ path: '/topics/skew', query: { qos: '0' }, body: '{}' });
  assert.equal(res.status, 403);
  assert.match(JSON.parse(res.body).message, /^Signature expired: /);
  const serverDate = Date.parse(res.headers.date);
  assert.ok(Math.abs(serverDate - (Date.now() + skewMs)) < 5_000, `Date header ${res.headers.date} carries the skew`);
  // A client that learned the offset from the Date header signs with it and is accepted.
  const fixed = await signed({ path: '/topics/skew', query: { qos: '0' }, body: '{}', signingDate: new Date(Date.now() + skewMs) });
  assert.equal(fixed.status, 200, fixed.body);
});

test('HttpsApi_BrokerDown_Publish503AndShadowRestStillAnswers', async () => {
  const port = broker.port;
  await broker.stop();
  try {
    // The API's MQTT client notices the closed connection promptly; poll a bounded number of times.
    let res;
    for (let i = 0; i < 50; i++) {
      res = await device({ method: 'POST', path: '/topics/down?qos=1', body: '{}' });
      if (res.status === 503) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(res.status, 503);
    assert.equal(res.headers['x-amzn-errortype'], 'ServiceUnavailableException');
    const upd = await device({ method: 'POST', path: '/things/downThing/shadow', body: '{"state":{"reported":{"a":1}}}' });
    assert.equal(upd.status, 200);
  } finally {
    broker = await startTestMosquitto(port);
  }
});

// The data plane is signed for `iotdata` by the SDKs' iot-data client, and for
// `iotdevicegateway` by the developer guide's Device Shadow REST API page and older SDKs:
// AWS IoT answers both, and so does the stand-in (standin/README.md).
test('HttpsApi_SigV4SignedForIotdevicegateway_ShadowRestAndPublishAccepted', async () => {
  await apiReady();
  const upd = await signed({ path: '/things/gwThing/shadow', body: '{"state":{"desired":{"fan":"on"}}}', service: 'iotdevicegateway' });
  assert.equal(upd.status, 200, upd.body);
  const got = await signed({ method: 'GET', path: '/things/gwThing/shadow', service: 'iotdevicegateway' });
  assert.equal(got.status, 200, got.body);
  const doc = JSON.parse(got.body);
  assert.deepEqual(doc.state.delta, { fan: 'on' });
  assert.deepEqual(doc.metadata.delta, { fan: { timestamp: NOW } });
  const pub = await signed({ path: '/topics/gw%2Fpub', query: { qos: '0' }, body: '{}', service: 'iotdevicegateway' });
  assert.equal(pub.status, 200, pub.body);
});

/** Waits (bounded) until the API's broker client is connected again after the broker-down test. */
async function apiReady() {
  for (let i = 0; i < 100; i++) {
    const res = await device({ method: 'POST', path: '/topics/ready%2Fprobe?qos=0', body: '{}' });
    if (res.status === 200) return;
    await new Promise((r) => { setTimeout(r, 50); });
  }
  assert.fail('the HTTPS API did not reconnect to the broker within 5 s');
}

/** Publishes straight to the broker (as the 8883-style door does) with MQTT 5 options. */
async function brokerPublish(topic, payload, opts) {
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, clientId: `ret-pub-${Math.random().toString(16).slice(2, 8)}` });
  try {
    await c.publishAsync(topic, payload, opts);
  } finally {
    await c.endAsync();
  }
}

test('HttpsApi_GetRetainedMessage_Base64PayloadQosAndStoreTime', async () => {
  await apiReady();
  const before = Date.now();
  const pub = await device({ method: 'POST', path: `/topics/${encodeURIComponent('ret/get/one')}?qos=1&retain=true`, body: 'hello retained' });
  assert.equal(pub.status, 200, pub.body);
  const after = Date.now();
  for (const get of [
    () => device({ path: `/retainedMessage/${encodeURIComponent('ret/get/one')}` }),
    () => signed({ method: 'GET', path: `/retainedMessage/${encodeURIComponent('ret/get/one')}` }),
  ]) {
    const res = await get();
    assert.equal(res.status, 200, res.body);
    const body = JSON.parse(res.body);
    assert.equal(body.topic, 'ret/get/one');
    assert.equal(Buffer.from(body.payload, 'base64').toString(), 'hello retained');
    assert.equal(body.qos, 1);
    assert.ok(body.lastModifiedTime >= before && body.lastModifiedTime <= after, `lastModifiedTime ${body.lastModifiedTime} not in [${before}, ${after}]`);
    assert.equal('userProperties' in body, false);
  }
});

test('HttpsApi_GetRetainedMessageWithUserProperties_Base64JsonArrayAndQos0', async () => {
  await apiReady();
  await brokerPublish('ret/get/props', Buffer.from([0, 1, 2, 255]), { qos: 0, retain: true, properties: { userProperties: { deviceName: 'alpha', deviceCnt: '45' } } });
  const res = await device({ path: `/retainedMessage/${encodeURIComponent('ret/get/props')}` });
  assert.equal(res.status, 200, res.body);
  const body = JSON.parse(res.body);
  assert.deepEqual([...Buffer.from(body.payload, 'base64')], [0, 1, 2, 255]);
  assert.equal(body.qos, 0);
  assert.deepEqual(JSON.parse(Buffer.from(body.userProperties, 'base64').toString()), [{ deviceName: 'alpha' }, { deviceCnt: '45' }]);
});

test('HttpsApi_GetRetainedMessageNoneOrCleared_404ResourceNotFound', async () => {
  await apiReady();
  const none = await device({ path: `/retainedMessage/${encodeURIComponent('ret/never/set')}` });
  assert.equal(none.status, 404, none.body);
  assert.equal(none.headers['x-amzn-errortype'], 'ResourceNotFoundException');
  await brokerPublish('ret/get/cleared', 'x', { qos: 1, retain: true });
  assert.equal((await device({ path: `/retainedMessage/${encodeURIComponent('ret/get/cleared')}` })).status, 200);
  // An empty retained payload removes the retained message (MQTT 3.1.1 §3.3.1.3).
  await brokerPublish('ret/get/cleared', '', { qos: 1, retain: true });
  assert.equal((await device({ path: `/retainedMessage/${encodeURIComponent('ret/get/cleared')}` })).status, 404);
  const bad = await device({ path: `/retainedMessage/${encodeURIComponent('a/+/b')}` });
  assert.equal(bad.status, 400, bad.body);
});

test('HttpsApi_ListRetainedMessages_SummariesWithoutPayloadAndPagination', async () => {
  await apiReady();
  await brokerPublish('ret/list/a', 'aa', { qos: 0, retain: true });
  await brokerPublish('ret/list/b', 'bbbb', { qos: 1, retain: true });
  await brokerPublish('ret/list/c', 'c', { qos: 1, retain: true });
  const all = await device({ path: '/retainedMessage' });
  assert.equal(all.status, 200, all.body);
  const listed = JSON.parse(all.body).retainedTopics.filter((m) => m.topic.startsWith('ret/list/'));
  assert.deepEqual(listed.map(({ lastModifiedTime, ...rest }) => rest), [
    { topic: 'ret/list/a', payloadSize: 2, qos: 0 },
    { topic: 'ret/list/b', payloadSize: 4, qos: 1 },
    { topic: 'ret/list/c', payloadSize: 1, qos: 1 },
  ]);
  for (const m of listed) assert.equal(typeof m.lastModifiedTime, 'number');
  // Pages of 2 walk the same list, in order, with a nextToken until the last page.
  const total = JSON.parse(all.body).retainedTopics.map((m) => m.topic);
  const walked = [];
  let token;
  for (let page = 0; page < 20; page++) {
    const q = `maxResults=2${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`;
    const res = await signed({ method: 'GET', path: '/retainedMessage', query: Object.fromEntries(new URLSearchParams(q)) });
    assert.equal(res.status, 200, res.body);
    const body = JSON.parse(res.body);
    assert.ok(body.retainedTopics.length <= 2);
    walked.push(...body.retainedTopics.map((m) => m.topic));
    token = body.nextToken;
    if (!token) break;
  }
  assert.deepEqual(walked, total);
  for (const bad of ['0', '201', 'x']) {
    assert.equal((await device({ path: `/retainedMessage?maxResults=${bad}` })).status, 400, bad);
  }
});
