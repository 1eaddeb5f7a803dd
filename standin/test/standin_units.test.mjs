// Unit checks of the stand-in's pieces without sockets: the presigned-URL verifier against
// published AWS IoT vectors (../shared/testdata/sigv4/iot-websocket-vectors.md, V1-V5: the
// Java v1 and Python v1 SDK tests, service `iotdata`), and the MQTT limit inspector fed with
// hand-annotated bytes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Clock } from '../lib/clock.mjs';
import { CredentialStore } from '../lib/credentials.mjs';
import { MqttInspector, topicLevelSlashes } from '../lib/mqtt_inspect.mjs';
import { verifyPresignedUrl } from '../lib/sigv4_verify.mjs';

function fixedClock(iso) {
  const c = new Clock(0);
  c.nowMs = () => Date.parse(iso);
  return c;
}

async function verify(url, { host, key, secret, token, now }) {
  const credentials = new CredentialStore({ clock: fixedClock(now) });
  credentials.add({ accessKeyId: key, secretAccessKey: secret, sessionToken: token, kind: token ? 'temporary' : 'static' });
  const target = url.slice(url.indexOf('/mqtt'));
  return verifyPresignedUrl({ method: 'GET', url: target, headers: { host }, region: 'us-east-1', service: 'iotdata', credentials, clock: fixedClock(now) });
}

describe('presigned URL verifier vs published vectors', () => {
  const java = { key: '123', secret: '456', now: '2016-01-01T00:01:00Z' };
  const V1 = 'wss://hostname.iot.us-east-1.amazonaws.com:443/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=123%2F20160101%2Fus-east-1%2Fiotdata%2Faws4_request&X-Amz-Date=20160101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=08b80c7273fa6c9d8bd815081c80e60818f2bf974213993a1cd4463a5785b1ce';
  const V2 = 'wss://iot.us-east-1.amazonaws.com/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=123%2F20160101%2Fus-east-1%2Fiotdata%2Faws4_request&X-Amz-Date=20160101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=b50019dd3ec2d316a6a7938f363f6c792b5f58c04e1e6535d6ae277bf8cf3304';
  const V4 = 'wss://data.iot.us-east-1.amazonaws.com:443/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=TRUSTMETHISIDISFAKE0%2F20170628%2Fus-east-1%2Fiotdata%2Faws4_request&X-Amz-Date=20170628T204845Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=b79a4d7e31ccbf96b22d93cce1b500b9ee611ec966159547e140ae32e4dcebed';
  const V5_TOKEN = 'FQoDYXdzEGcaDNSwicOypVyhiHj4JSLUAXTsOXu1YGT/OaltzXujI+cwvEA3zPoUdebHOkaUmRBO3o34J/3r2/+hBqZZNSpyzKsBge1MXPwbM2G5ojz3aY4Qj+zD3hEMu9nxk3rhKkmTQWLoB4ZrPRG6GJGkoLMAL1sSEh9kqbHN6XIt3F2E+Wn2BhDoGA7ZsXSg+pgIntkSZcLT7pCX8pTEaEtRBhJQVc5GTYhG9y9mgjpeVRsbEj8yDJzSWDpLGgR7APSvCFX2H+DwsKM564Z4IzjpbntIlLXdQwOytd65dgTlWZkmmYpTwVh+KMq+0MoF';
  // As published: Python's quote() left '/' unencoded.
  const V5_SUFFIX = '&X-Amz-Security-Token=FQoDYXdzEGcaDNSwicOypVyhiHj4JSLUAXTsOXu1YGT/OaltzXujI%2BcwvEA3zPoUdebHOkaUmRBO3o34J/3r2/%2BhBqZZNSpyzKsBge1MXPwbM2G5ojz3aY4Qj%2BzD3hEMu9nxk3rhKkmTQWLoB4ZrPRG6GJGkoLMAL1sSEh9kqbHN6XIt3F2E%2BWn2BhDoGA7ZsXSg%2BpgIntkSZcLT7pCX8pTEaEtRBhJQVc5GTYhG9y9mgjpeVRsbEj8yDJzSWDpLGgR7APSvCFX2H%2BDwsKM564Z4IzjpbntIlLXdQwOytd65dgTlWZkmmYpTwVh%2BKMq%2B0MoF';
  const python = { key: 'TRUSTMETHISIDISFAKE0', secret: 'trustMeThisSecretKeyIsSoFakeAaBbCc00Dd11', now: '2017-06-28T20:50:00Z' };

  test('Verifier_V1HostWithPort_Accepted', async () => {
    assert.deepEqual(await verify(V1, { ...java, host: 'hostname.iot.us-east-1.amazonaws.com:443' }), { ok: true, accessKeyId: '123', kind: 'static' });
  });
  test('Verifier_V1HostWithoutPort_SignatureDoesNotMatch', async () => {
    const r = await verify(V1, { ...java, host: 'hostname.iot.us-east-1.amazonaws.com' });
    assert.equal(r.reason, 'SignatureDoesNotMatch');
  });
  test('Verifier_V2_Accepted', async () => {
    assert.equal((await verify(V2, { ...java, host: 'iot.us-east-1.amazonaws.com' })).ok, true);
  });
  test('Verifier_V3TokenAppendedAfterSignature_Accepted', async () => {
    assert.equal((await verify(V2 + '&X-Amz-Security-Token=abc', { ...java, token: 'abc', host: 'iot.us-east-1.amazonaws.com' })).ok, true);
  });
  test('Verifier_V4WithExpires_AcceptedThenSkewedSixMinutesLater', async () => {
    assert.equal((await verify(V4, { ...python, host: 'data.iot.us-east-1.amazonaws.com' })).ok, true);
    // X-Amz-Date must stay within 5 minutes of the server clock whatever X-Amz-Expires says.
    const late = await verify(V4, { ...python, host: 'data.iot.us-east-1.amazonaws.com', now: '2017-06-28T20:54:46Z' });
    assert.equal(late.reason, 'RequestTimeTooSkewed');
  });
  test('Verifier_V5TokenPythonEncoded_Accepted', async () => {
    assert.equal((await verify(V4 + V5_SUFFIX, { ...python, token: V5_TOKEN, host: 'data.iot.us-east-1.amazonaws.com' })).ok, true);
  });
  test('Verifier_V5OtherToken_InvalidToken', async () => {
    const r = await verify(V4 + V5_SUFFIX, { ...python, token: V5_TOKEN + 'x', host: 'data.iot.us-east-1.amazonaws.com' });
    assert.equal(r.reason, 'InvalidToken');
  });
});

describe('MQTT limit inspector', () => {
  const connect = (clientId) => {
    const id = Buffer.from(clientId);
    const vh = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, /* "MQTT" */ 0x04, /* level 4 */ 0x02, /* clean */ 0x00, 0x3c /* keep-alive 60 */]);
    const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
    return packet(0x10, Buffer.concat([vh, payload]));
  };
  const publish = (topic, payloadLen, qos = 0) => {
    const t = Buffer.from(topic);
    const parts = [Buffer.from([t.length >> 8, t.length & 0xff]), t];
    if (qos) parts.push(Buffer.from([0x00, 0x01])); // packet id
    parts.push(Buffer.alloc(payloadLen));
    return packet(0x30 | (qos << 1), Buffer.concat(parts));
  };
  function packet(header, body) {
    const len = [];
    let n = body.length;
    do { let b = n % 128; n = Math.floor(n / 128); if (n) b |= 0x80; len.push(b); } while (n);
    return Buffer.concat([Buffer.from([header, ...len]), body]);
  }

  test('Inspector_PacketsSplitAcrossChunks_ReassembledAndForwardedWhole', () => {
    const i = new MqttInspector();
    const bytes = Buffer.concat([connect('dev'), publish('a/b', 10)]);
    const out = [];
    for (const b of bytes) out.push(...i.push(Buffer.from([b])).packets);
    assert.equal(out.length, 2);
    assert.deepEqual(Buffer.concat(out), bytes);
  });
  test('Inspector_PublishBeforeConnect_Violation', () => {
    assert.match(new MqttInspector().push(publish('a', 0)).violation, /first packet must be CONNECT/);
  });
  test('Inspector_FiveByteRemainingLength_Malformed', () => {
    const i = new MqttInspector();
    assert.match(i.push(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f])).violation, /malformed remaining length/);
  });
  test('Inspector_RulesPrefix_NotCountedInLevels', () => {
    assert.equal(topicLevelSlashes('$aws/rules/r1/a/b'), 1);
    assert.equal(topicLevelSlashes('$aws/things/t/shadow/update'), 4);
    const i = new MqttInspector();
    i.push(connect('dev'));
    assert.equal(i.push(publish('$aws/rules/r/1/2/3/4/5/6/7/8', 0)).violation, null);
    assert.match(i.push(publish('1/2/3/4/5/6/7/8/9', 0)).violation, /8 '\/' levels; AWS IoT allows 7/);
  });
  test('Inspector_PayloadLimit_ExactlyAtLimitPasses', () => {
    const i = new MqttInspector();
    i.push(connect('dev'));
    assert.equal(i.push(publish('t', 131072, 1)).violation, null);
    assert.match(i.push(publish('t', 131073, 1)).violation, /131073 bytes; AWS IoT allows 131072/);
  });
});
