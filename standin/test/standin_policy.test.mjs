// AWS IoT policies enforced by the stand-in on its doors (lib/iot_policy.mjs, lib/policy_set.mjs):
// the guest-role policy of web/AWS.md, read from the Markdown file itself so the test fails when
// the doc drifts, runs the demo's flows; without iot:RetainPublish the retain checkbox's publish
// closes the connection and the log says why. Then the other identities (certificate, static
// key, custom authorizer), iot:Receive, HTTPS 403, the admin route and --policy FILE.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startStandin } from '../standin.mjs';
import {
  admin, closed, cognito, connectCert, connectWs, nextMessage, presignWsUrl, request, staticUrl,
} from './helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const AWS_MD = path.join(HERE, '..', '..', 'web', 'AWS.md');
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const ARN = `arn:aws:iot:${REGION}:${ACCOUNT}`;

/**
 * The guest role's policy from web/AWS.md: the ```json block whose Statement grants AWS IoT actions
 * (the other one is the role's trust policy, for sts:AssumeRoleWithWebIdentity), REGION/ACCOUNT
 * filled in.
 */
function awsMdGuestPolicy() {
  const md = readFileSync(AWS_MD, 'utf8');
  const blocks = [...md.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);
  const policies = blocks.filter((b) => b.includes('"Statement"') && b.includes('"iot:'));
  assert.equal(policies.length, 1, 'web/AWS.md should have exactly one AWS IoT policy document');
  const trust = blocks.filter((b) => b.includes('sts:AssumeRoleWithWebIdentity'));
  assert.equal(trust.length, 1, "web/AWS.md should have the guest role's trust policy");
  assert.equal(JSON.parse(trust[0]).Statement[0].Principal.Federated, 'cognito-identity.amazonaws.com');
  return JSON.parse(policies[0].replaceAll('REGION', REGION).replaceAll('ACCOUNT', ACCOUNT));
}

let s;
let device; // certificate issued for the thing 'lamp-1'
const logs = [];
before(async () => {
  s = await startStandin({
    region: REGION,
    accountId: ACCOUNT,
    log: (line) => logs.push(line),
    customAuthorizers: [{
      name: 'iotlite-authorizer', tokenKeyName: 'token', token: 'iotlite-allow',
      // What the authorizer's Lambda returns: connect as any client, publish only to auth/*.
      policyDocuments: [{ Version: '2012-10-17', Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
        { Effect: 'Allow', Action: 'iot:Publish', Resource: `${ARN}:topic/auth/*` },
      ] }],
    }],
  });
  const r = await admin(s, 'certs', { thing: 'lamp-1' });
  assert.equal(r.status, 200, r.text);
  device = r.json;
});
after(async () => { if (process.env.POLICY_TEST_LOG) console.error(logs.join("\n")); await s?.stop(); });

const setPolicies = (set) => request(`${s.endpoints.adminUrl}/policies`, {
  method: set === null ? 'DELETE' : 'PUT', headers: { 'content-type': 'application/json' }, body: set === null ? undefined : set,
});

/** Cognito guest credentials (the demo's flow: GetId, then GetCredentialsForIdentity). */
async function guestUrl() {
  const id = await cognito(s, 'GetId', { IdentityPoolId: s.endpoints.identityPools.unauthenticated });
  assert.equal(id.status, 200, id.text);
  const c = await cognito(s, 'GetCredentialsForIdentity', { IdentityId: id.json.IdentityId });
  assert.equal(c.status, 200, c.text);
  const { AccessKeyId, SecretKey, SessionToken } = c.json.Credentials;
  return presignWsUrl({ port: s.endpoints.wsPort, accessKeyId: AccessKeyId, secretAccessKey: SecretKey, sessionToken: SessionToken });
}

const guestSet = (doc) => ({ cognito: { roles: { unauthenticated: { unauthenticated: [doc] } } } });
let seq = 0;
const webId = () => `iotlite-web-${process.pid}x${++seq}`;
const logSince = (n) => logs.slice(n).join('\n');
const arrivesWithin = (client, topic, ms) => nextMessage(client, topic, ms).then(() => true, () => false);

test('PolicyAwsMd_GuestRolePolicy_DemoFlowsWork', async () => {
  assert.equal((await setPolicies(guestSet(awsMdGuestPolicy()))).status, 200);
  const c = await connectWs(await guestUrl(), { clientId: webId() });
  try {
    // Subscribe + publish + receive, as the page's panels do.
    const [g] = await c.subscribeAsync('demo/#', { qos: 1 });
    assert.equal(g.qos, 1);
    const got = nextMessage(c, 'demo/hello');
    await c.publishAsync('demo/hello', 'hi', { qos: 1 });
    assert.equal(String(await got), 'hi');
    // The retain checkbox: a retained publish is allowed (iot:RetainPublish) and delivered.
    const kept = nextMessage(c, 'demo/kept');
    await c.publishAsync('demo/kept', 'stay', { qos: 1, retain: true });
    assert.equal(String(await kept), 'stay');
    // The shadow panel: exact response topics first, then the request.
    const shadow = '$aws/things/demo-thing/shadow';
    const [a] = await c.subscribeAsync([`${shadow}/update/accepted`, `${shadow}/update/rejected`], { qos: 1 });
    assert.equal(a.qos, 1);
    const accepted = nextMessage(c, `${shadow}/update/accepted`);
    await c.publishAsync(`${shadow}/update`, JSON.stringify({ state: { desired: { on: true } } }), { qos: 1 });
    assert.deepEqual(JSON.parse(String(await accepted)).state, { desired: { on: true } });
    // Outside the policy: SUBACK 0x80 (mqtt.js reports it as an error), the connection stays.
    await assert.rejects(c.subscribeAsync('other/#', { qos: 1 }), (e) => e.packet?.granted?.[0] === 0x80);
    assert.equal(c.connected, true);
    await c.publishAsync('demo/still-open', 'yes', { qos: 1 });
  } finally {
    await c.endAsync();
  }
});

test('PolicyAwsMd_ClientIdOutsideThePolicy_ClosedAfterConnect', async () => {
  assert.equal((await setPolicies(guestSet(awsMdGuestPolicy()))).status, 200);
  const n = logs.length;
  await assert.rejects(connectWs(await guestUrl(), { clientId: `someone-${process.pid}` }), /closed before CONNACK|connack|close/i);
  assert.match(logSince(n), /iot:Connect on arn:aws:iot:us-east-1:123456789012:client\/someone-\d+ denied for Cognito unauthenticated identity us-east-1:[0-9a-f-]+: no statement allows it/);
});

test('PolicyAwsMd_PublishOutsideThePolicy_ConnectionClosed', async () => {
  assert.equal((await setPolicies(guestSet(awsMdGuestPolicy()))).status, 200);
  const c = await connectWs(await guestUrl(), { clientId: webId() });
  const n = logs.length;
  const gone = closed(c);
  c.publish('elsewhere/x', 'no', { qos: 0 });
  await gone;
  assert.match(logSince(n), /iot:Publish on arn:aws:iot:us-east-1:123456789012:topic\/elsewhere\/x denied/);
  c.end(true);
});

test('PolicyAwsMd_WithoutRetainPublish_RetainedPublishClosesAndLogSaysWhy', async () => {
  const doc = awsMdGuestPolicy();
  for (const st of doc.Statement) {
    if (Array.isArray(st.Action)) st.Action = st.Action.filter((a) => a !== 'iot:RetainPublish');
  }
  assert.ok(!JSON.stringify(doc).includes('RetainPublish'));
  assert.equal((await setPolicies(guestSet(doc))).status, 200);
  const c = await connectWs(await guestUrl(), { clientId: webId() });
  // The control: the same topic without RETAIN is allowed.
  await c.publishAsync('demo/retain-test', 'plain', { qos: 1 });
  const n = logs.length;
  const gone = closed(c);
  c.publish('demo/retain-test', 'kept', { qos: 1, retain: true });
  await gone;
  const log = logSince(n);
  assert.match(log, /iot:RetainPublish on arn:aws:iot:us-east-1:123456789012:topic\/demo\/retain-test denied for Cognito unauthenticated identity .*: no statement allows it \(policies 'cognito\.roles\.unauthenticated\.unauthenticated\[0\]'\)/);
  assert.match(log, /closed \(.*not authorized: iot:RetainPublish on topic\/demo\/retain-test/);
  c.end(true);
});

test('PolicyCognitoAuthenticated_Wss_RolePolicyAndIdentityPolicyBothNeeded', async () => {
  const e = s.endpoints;
  const logins = { [e.identityPools.loginProvider]: e.identityPools.loginToken };
  const id = await cognito(s, 'GetId', { IdentityPoolId: e.identityPools.authenticated, Logins: logins });
  assert.equal(id.status, 200, id.text);
  const identityId = id.json.IdentityId;
  const c = await cognito(s, 'GetCredentialsForIdentity', { IdentityId: identityId, Logins: logins });
  const { AccessKeyId, SecretKey, SessionToken } = c.json.Credentials;
  const url = () => presignWsUrl({ scheme: 'wss', port: e.wssPort, accessKeyId: AccessKeyId, secretAccessKey: SecretKey, sessionToken: SessionToken });
  const role = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };
  const own = { Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}:client/\${cognito-identity.amazonaws.com:sub}` },
  ] };
  // The role allows everything, but no IoT policy is attached to this identity: closed.
  assert.equal((await setPolicies({ cognito: { roles: { authenticated: { authenticated: [role] } } } })).status, 200);
  const n = logs.length;
  await assert.rejects(connectWs(await url(), { clientId: identityId }));
  assert.match(logSince(n), /iot:Connect .* denied for Cognito authenticated identity .*: no policy is attached to this identity; checked: the IoT policies attached to the Cognito identity/);
  // With the identity's own policy (AttachPolicy to the identity id): connected as its sub.
  assert.equal((await setPolicies({ cognito: { roles: { authenticated: { authenticated: [role] } }, identities: { [identityId]: [own] } } })).status, 200);
  await new Promise((r) => setTimeout(r, 1100)); // AWS's 1 CONNECT per second per client id
  const ok = await connectWs(await url(), { clientId: identityId });
  await ok.endAsync();
});

test('PolicyReceive_DeniedTopic_NotDeliveredOtherTopicDelivered', async () => {
  // The IAM user's static key: subscribe to everything under feed/, receive only feed/open.
  assert.equal((await setPolicies({
    policies: {
      user: { Version: '2012-10-17', Statement: [
        { Effect: 'Allow', Action: ['iot:Connect', 'iot:Publish', 'iot:Subscribe'], Resource: '*' },
        { Effect: 'Allow', Action: 'iot:Receive', Resource: `${ARN}:topic/feed/*` },
        { Sid: 'closed', Effect: 'Deny', Action: 'iot:Receive', Resource: `${ARN}:topic/feed/closed` },
      ] },
    },
    staticCredentials: { '*': ['user'] },
  })).status, 200);
  const c = await connectWs(await staticUrl(s), { clientId: `recv-${process.pid}` });
  try {
    await c.subscribeAsync('feed/#', { qos: 1 });
    const n = logs.length;
    const closedTopic = arrivesWithin(c, 'feed/closed', 1500);
    await c.publishAsync('feed/closed', 'x', { qos: 1 });
    const open = nextMessage(c, 'feed/open');
    await c.publishAsync('feed/open', 'y', { qos: 1 });
    assert.equal(String(await open), 'y');
    assert.equal(await closedTopic, false, 'a message on a topic iot:Receive denies was delivered');
    assert.match(logSince(n), /iot:Receive on arn:aws:iot:us-east-1:123456789012:topic\/feed\/closed denied for static key AKID\w+: explicitly denied by policy 'user' statement 3 \(Sid closed\)/);
  } finally {
    await c.endAsync();
  }
});

test('PolicyMqtt5_PublishDenied_Puback0x87AndTheConnectionStays', async () => {
  assert.equal((await setPolicies({
    staticCredentials: { '*': [{ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: ['iot:Connect', 'iot:Subscribe', 'iot:Receive'], Resource: '*' },
      { Effect: 'Allow', Action: 'iot:Publish', Resource: `${ARN}:topic/v5/open` },
    ] }] },
  })).status, 200);
  const c = await connectWs(await staticUrl(s), { clientId: `v5-${process.pid}`, protocolVersion: 5 });
  try {
    await assert.rejects(c.publishAsync('v5/closed', 'no', { qos: 1 }), (e) => e.code === 0x87);
    assert.equal(c.connected, true);
    await c.publishAsync('v5/open', 'yes', { qos: 1 });
  } finally {
    await c.endAsync();
  }
});

const certSet = () => ({
  policies: {
    thing: { Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}:client/\${iot:Connection.Thing.ThingName}` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: `${ARN}:topic/things/\${iot:Certificate.Subject.CommonName}/*` },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${ARN}:topicfilter/things/\${iot:Certificate.Subject.CommonName}/*` },
      { Effect: 'Allow', Action: 'iot:GetThingShadow', Resource: `${ARN}:thing/\${iot:Certificate.Subject.CommonName}` },
    ] },
  },
  certificates: { '*': ['thing'] },
});

for (const door of ['Mqtt8883', 'Alpn443']) {
  test(`PolicyCertificate_${door}_ThingAndCommonNameVariables_AllowOwnTopicsOnly`, async () => {
    assert.equal((await setPolicies(certSet())).status, 200);
    const e = s.endpoints;
    const opts = { ca: readFileSync(e.caCertPath, 'utf8'), key: device.keyPem, cert: device.certPem, ...(door === 'Alpn443' ? { alpn: 'x-amzn-mqtt-ca' } : {}) };
    const port = door === 'Alpn443' ? e.alpnPort : e.mqttTlsPort;
    // The client id must be the certificate's thing for ${iot:Connection.Thing.ThingName}.
    await assert.rejects(connectCert(port, { ...opts, clientId: 'not-the-thing' }));
    // AWS's 1 CONNECT per second per client id: the other door's test used 'lamp-1' just before.
    await new Promise((r) => setTimeout(r, 1100));
    const c = await connectCert(port, { ...opts, clientId: 'lamp-1' });
    try {
      const [g] = await c.subscribeAsync('things/lamp-1/#', { qos: 1 });
      assert.equal(g.qos, 1);
      const got = nextMessage(c, 'things/lamp-1/state');
      await c.publishAsync('things/lamp-1/state', 'on', { qos: 1 });
      assert.equal(String(await got), 'on');
      const gone = closed(c);
      c.publish('things/lamp-2/state', 'off', { qos: 0 });
      await gone;
    } finally {
      c.end(true);
    }
  });
}

function httpsMtls(p, method = 'GET', body) {
  const e = s.endpoints;
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: e.httpsMtlsPort, path: p, method, ca: readFileSync(e.caCertPath, 'utf8'), key: device.keyPem, cert: device.certPem,
    }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, json: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('PolicyHttps_DeniedPublishAndShadow_403ForbiddenException', async () => {
  assert.equal((await setPolicies(certSet())).status, 200);
  const ok = await httpsMtls('/topics/things%2Flamp-1%2Fx?qos=1', 'POST', '{}');
  assert.equal(ok.status, 200);
  const n = logs.length;
  const denied = await httpsMtls('/topics/things%2Flamp-2%2Fx?qos=1', 'POST', '{}');
  assert.equal(denied.status, 403);
  assert.equal(denied.headers['x-amzn-errortype'], 'ForbiddenException');
  assert.equal(denied.json.message, 'Forbidden');
  assert.match(logSince(n), /https \(mtls\): iot:Publish on arn:aws:iot:us-east-1:123456789012:topic\/things\/lamp-2\/x denied for certificate CN=lamp-1/);
  // Shadow REST: GetThingShadow allowed on its own thing (404: no shadow yet), Update denied.
  assert.equal((await httpsMtls('/things/lamp-1/shadow')).status, 404);
  assert.equal((await httpsMtls('/things/lamp-1/shadow', 'POST', '{"state":{"reported":{"on":1}}}')).status, 403);
  assert.equal((await httpsMtls('/things/lamp-2/shadow')).status, 403);
});

test('PolicyCustomAuthorizer_LambdaPolicyDocuments_Enforced', async () => {
  assert.equal((await setPolicies({})).status, 200); // a set loaded: default deny, authorizer's own documents
  const a = s.endpoints.customAuthorizer;
  const url = `ws://127.0.0.1:${s.endpoints.wsPort}/mqtt?x-amz-customauthorizer-name=${a.name}&${a.tokenKeyName}=${a.token}`;
  const c = await connectWs(url, { clientId: `auth-${process.pid}` });
  await c.publishAsync('auth/x', 'ok', { qos: 1 });
  const gone = closed(c);
  c.publish('elsewhere', 'no', { qos: 0 });
  await gone;
  c.end(true);
});

test('PolicyAdmin_InvalidSetAndDelete_400KeepsOldThenAllowAll', async () => {
  assert.equal((await setPolicies({ staticCredentials: { '*': [] } })).status, 200); // nothing allowed
  await assert.rejects(connectWs(await staticUrl(s), { clientId: `deny-${process.pid}` }));
  const bad = await setPolicies({ policies: { p: { Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*', Condition: {} }] } } });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /'Condition' is not supported/);
  const state = await request(`${s.endpoints.adminUrl}/policies`, { method: 'GET' });
  assert.deepEqual(state.json, { loaded: true, policySet: { staticCredentials: { '*': [] } } });
  assert.equal((await setPolicies(null)).status, 200);
  const c = await connectWs(await staticUrl(s), { clientId: `allow-${process.pid}` });
  await c.endAsync();
});

test('PolicyCli_PolicyFile_LoadedAtStartAndBadFileExit2', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iotlite-policy-'));
  try {
    const good = path.join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(guestSet(awsMdGuestPolicy())));
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"certificates": {"*": ["nope"]}}');
    const run = (file) => new Promise((resolve) => {
      const p = spawn(process.execPath, [path.join(HERE, '..', 'standin.mjs'), '--policy', file, '--quiet'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
      p.stdout.on('data', async (d) => {
        out += d;
        if (!out.includes('\n')) return;
        const ready = JSON.parse(out.split('\n')[0]);
        const r = await request(`${ready.adminUrl}/policies`, { method: 'GET' });
        p.kill('SIGTERM');
        p.once('exit', (code) => { clearTimeout(t); resolve({ code, policies: r.json }); });
      });
      p.stderr.on('data', (d) => { err += d; });
      p.once('exit', (code) => { if (!out) { clearTimeout(t); resolve({ code, err }); } });
    });
    const ok = await run(good);
    assert.equal(ok.policies.loaded, true);
    assert.equal(ok.policies.policySet.cognito.roles.unauthenticated.unauthenticated[0].Version, '2012-10-17');
    const failed = await run(bad);
    assert.equal(failed.code, 2);
    assert.match(failed.err, /certificates\.\* names the policy 'nope'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const staticSet = (...Statement) => ({ staticCredentials: { '*': [{ Version: '2012-10-17', Statement }] } });
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

test('PolicyWill_Ws_WillTopicOutsideThePolicy_ConnectRefusedAndLogSaysWhy', async () => {
  assert.equal((await setPolicies(staticSet(
    { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
    { Effect: 'Allow', Action: 'iot:Publish', Resource: `${ARN}:topic/will/ok` },
  ))).status, 200);
  const url = await staticUrl(s);
  const will = (topic, retain = false) => ({ topic, payload: Buffer.from('gone'), qos: 1, retain });
  let n = logs.length;
  await assert.rejects(connectWs(url, { clientId: `will-a-${process.pid}`, will: will('will/other') }), /closed before CONNACK|connack|close/i);
  assert.match(logSince(n), /iot:Publish on arn:aws:iot:us-east-1:123456789012:topic\/will\/other denied for static key .*: no statement allows it/);
  assert.match(logSince(n), /Will refused at CONNECT: not authorized: iot:Publish on topic\/will\/other/);
  // A retained Will also needs iot:RetainPublish, which this policy does not grant.
  n = logs.length;
  await assert.rejects(connectWs(url, { clientId: `will-b-${process.pid}`, will: will('will/ok', true) }), /closed before CONNACK|connack|close/i);
  assert.match(logSince(n), /Will refused at CONNECT: not authorized: iot:RetainPublish on topic\/will\/ok/);
  // The control: the allowed topic without RETAIN connects.
  const c = await connectWs(url, { clientId: `will-c-${process.pid}`, will: will('will/ok') });
  await c.endAsync();
});

test('PolicyWill_Mqtt8883_WillOnAnotherThingsTopic_ConnectRefused', async () => {
  assert.equal((await setPolicies(certSet())).status, 200);
  const e = s.endpoints;
  const opts = { ca: readFileSync(e.caCertPath, 'utf8'), key: device.keyPem, cert: device.certPem, clientId: 'lamp-1' };
  await sleep(1_200); // 1 CONNECT/s per client id: earlier tests connected as lamp-1
  const n = logs.length;
  await assert.rejects(connectCert(e.mqttTlsPort, { ...opts, will: { topic: 'things/lamp-2/status', payload: Buffer.from('x'), qos: 0, retain: false } }));
  assert.match(logSince(n), /Will refused at CONNECT: not authorized: iot:Publish on topic\/things\/lamp-2\/status/);
  await sleep(1_200);
  const c = await connectCert(e.mqttTlsPort, { ...opts, will: { topic: 'things/lamp-1/status', payload: Buffer.from('x'), qos: 0, retain: false } });
  await c.endAsync();
});

/** The SUBACK codes the client receives for one SUBSCRIBE (read from the packet, whatever mqtt.js makes of them). */
function subackCodes(client, filters) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no SUBACK within 5 s')), 5000);
    const onPacket = (p) => {
      if (p.cmd !== 'suback') return;
      clearTimeout(t);
      client.off('packetreceive', onPacket);
      resolve(p.granted);
    };
    client.on('packetreceive', onPacket);
    client.subscribe(filters, { qos: 1 }, () => {});
  });
}

test('PolicyMqtt5_SubscribeDenied_Suback0x87AndMqtt311Keeps0x80', async () => {
  assert.equal((await setPolicies(staticSet(
    { Effect: 'Allow', Action: ['iot:Connect', 'iot:Receive', 'iot:Publish'], Resource: '*' },
    { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [`${ARN}:topicfilter/v5/open`, `${ARN}:topicfilter/$aws/things/T/jobs/get`] },
  ))).status, 200);
  const url = await staticUrl(s);
  // Denied by policy (v5/closed) and by the reserved-topic rules ($aws/.../jobs/get, allowed by the policy).
  const filters = ['v5/open', 'v5/closed', '$aws/things/T/jobs/get'];
  const c5 = await connectWs(url, { clientId: `sub5-${process.pid}`, protocolVersion: 5 });
  const c4 = await connectWs(url, { clientId: `sub4-${process.pid}` });
  try {
    assert.deepEqual(await subackCodes(c5, filters), [1, 0x87, 0x87]);
    assert.equal(c5.connected, true);
    assert.deepEqual(await subackCodes(c4, filters), [1, 0x80, 0x80]);
  } finally {
    await Promise.all([c5.endAsync(), c4.endAsync()]);
  }
});

test('PolicyMqtt5_TopicAlias_CheckedAgainstTheAliasedTopic', async () => {
  assert.equal((await setPolicies(staticSet(
    { Effect: 'Allow', Action: ['iot:Connect', 'iot:Subscribe', 'iot:Receive'], Resource: '*' },
    { Effect: 'Allow', Action: 'iot:Publish', Resource: `${ARN}:topic/alias/open` },
  ))).status, 200);
  const url = await staticUrl(s);
  const sub = await connectWs(url, { clientId: `alias-sub-${process.pid}` });
  const c = await connectWs(url, { clientId: `alias-pub-${process.pid}`, protocolVersion: 5 });
  try {
    await sub.subscribeAsync('alias/open', { qos: 1 });
    // Alias 1 = alias/open (allowed), then used alone: delivered under its topic.
    const first = nextMessage(sub, 'alias/open');
    await c.publishAsync('alias/open', 'first', { qos: 1, properties: { topicAlias: 1 } });
    assert.equal(String(await first), 'first');
    const got = nextMessage(sub, 'alias/open');
    await c.publishAsync('', 'by-alias', { qos: 1, properties: { topicAlias: 1 } });
    assert.equal(String(await got), 'by-alias');
    // Alias 2 = alias/closed (denied): the alias alone is denied as well (PUBACK 0x87).
    await assert.rejects(c.publishAsync('alias/closed', 'no', { qos: 1, properties: { topicAlias: 2 } }), (e) => e.code === 0x87);
    const n = logs.length;
    await assert.rejects(c.publishAsync('', 'no', { qos: 1, properties: { topicAlias: 2 } }), (e) => e.code === 0x87);
    assert.match(logSince(n), /iot:Publish on arn:aws:iot:us-east-1:123456789012:topic\/alias\/closed denied/);
    assert.equal(c.connected, true);
  } finally {
    await Promise.all([sub.endAsync(), c.endAsync()]);
  }
});
