// Unit checks of the stand-in's pieces without sockets: the presigned-URL verifier against
// published AWS IoT vectors (../shared/testdata/sigv4/iot-websocket-vectors.md, V1-V5: the
// Java v1 and Python v1 SDK tests, service `iotdata`), and the MQTT limit inspector fed with
// hand-annotated bytes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Clock } from '../lib/clock.mjs';
import { CredentialStore } from '../lib/credentials.mjs';
import { BrokerStream, awsFilterMatches } from '../lib/mqtt_downstream.mjs';
import { KEEP_ALIVE, MqttInspector, SUBSCRIPTIONS_PER_CONNECTION, clampKeepAlive, isWildcardFilter, topicLevelSlashes } from '../lib/mqtt_inspect.mjs';
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
  const connect = (clientId, keepAlive = 60) => {
    const id = Buffer.from(clientId);
    const vh = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, /* "MQTT" */ 0x04, /* level 4 */ 0x02, /* clean */ keepAlive >> 8, keepAlive & 0xff]);
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

  const subscribe = (filter, qos = 1) => {
    const f = Buffer.from(filter);
    return packet(0x82, Buffer.concat([Buffer.from([0x00, 0x07 /* packet id */, f.length >> 8, f.length & 0xff]), f, Buffer.from([qos])]));
  };
  const unsubscribe = (filter) => {
    const f = Buffer.from(filter);
    return packet(0xa2, Buffer.concat([Buffer.from([0x00, 0x08, f.length >> 8, f.length & 0xff]), f]));
  };
  /** The keep-alive field of a forwarded v3.1.1 CONNECT: bytes 10-11 of the packet (2-byte header). */
  const keepAliveOf = (forwarded) => forwarded.readUInt16BE(10);

  test('KeepAlive_AwsRange_ZeroAndAboveMaxUseMaxBelowMinUsesMin', () => {
    assert.deepEqual(KEEP_ALIVE, { minSeconds: 30, maxSeconds: 1200 });
    assert.equal(clampKeepAlive(0), 1200);
    assert.equal(clampKeepAlive(1), 30);
    assert.equal(clampKeepAlive(29), 30);
    assert.equal(clampKeepAlive(30), 30);
    assert.equal(clampKeepAlive(1200), 1200);
    assert.equal(clampKeepAlive(1201), 1200);
    assert.equal(clampKeepAlive(65535), 1200);
  });
  test('Inspector_ConnectKeepAlive_RewrittenToAwsRangeBeforeTheBroker', () => {
    for (const [asked, used] of [[0, 1200], [5, 30], [60, 60], [3600, 1200]]) {
      const i = new MqttInspector();
      const { packets, violation } = i.push(connect('dev', asked));
      assert.equal(violation, null);
      assert.equal(keepAliveOf(packets[0]), used, `keep-alive ${asked}`);
      assert.equal(i.keepAliveRequested, asked);
      assert.equal(i.keepAliveUsed, used);
    }
  });
  test('Inspector_WildcardFilters_NotCountedAsExact', () => {
    assert.equal(isWildcardFilter('a/+/c'), true);
    assert.equal(isWildcardFilter('a/#'), true);
    assert.equal(isWildcardFilter('#'), true);
    assert.equal(isWildcardFilter('$share/g/a/b'), true);
    assert.equal(isWildcardFilter('a/b+c/d'), false); // '+' inside a level is not a wildcard
    const i = new MqttInspector();
    i.push(connect('dev'));
    i.push(Buffer.concat([subscribe('a/b'), subscribe('a/+'), subscribe('x/y')]));
    assert.deepEqual([...i.exactFilters].sort(), ['a/b', 'x/y']);
    i.push(unsubscribe('a/b'));
    assert.deepEqual([...i.exactFilters], ['x/y']);
  });
  test('Inspector_RetainOnReservedTopic_Violation', () => {
    const i = new MqttInspector();
    i.push(connect('dev'));
    const retained = (topic) => { const p = publish(topic, 2); p[0] |= 1; return p; };
    assert.equal(i.push(retained('plain/topic')).violation, null);
    assert.equal(i.push(publish('$aws/things/t/shadow/update', 2)).violation, null); // no RETAIN: fine
    assert.match(i.push(retained('$aws/things/t/shadow/update')).violation, /RETAIN to the reserved topic/);
  });

  const subscribeMany = (filters, id = 7) => packet(0x82, Buffer.concat([
    Buffer.from([id >> 8, id & 0xff]),
    ...filters.map((f) => Buffer.concat([Buffer.from([0, Buffer.byteLength(f)]), Buffer.from(f), Buffer.from([1])])),
  ]));
  const filtersOf = (subscribePacket) => {
    const out = [];
    for (let at = 4; at < subscribePacket.length;) { // 2-byte header (short packets), packet id
      const n = subscribePacket.readUInt16BE(at);
      out.push(subscribePacket.toString('utf8', at + 2, at + 2 + n));
      at += 2 + n + 1;
    }
    return out;
  };
  const fill = (i) => {
    for (let k = 0; k < SUBSCRIPTIONS_PER_CONNECTION; k += 8) {
      const batch = [...Array(Math.min(8, SUBSCRIPTIONS_PER_CONNECTION - k)).keys()].map((j) => `f/${k + j}`);
      assert.equal(i.push(subscribeMany(batch, 1 + k)).packets.length, 1);
    }
  };

  test('Inspector_SubscriptionQuota_NewFilterPast50RefusedRestForwardedSubackPatched', () => {
    assert.equal(SUBSCRIPTIONS_PER_CONNECTION, 50);
    const i = new MqttInspector();
    i.push(connect('dev'));
    fill(i);
    assert.equal(i.subscriptions.size, 50);
    // 'f/0' is already subscribed (a replacement, not a 51st); 'g/new' would be the 51st.
    const { packets, replies, violation } = i.push(subscribeMany(['f/0', 'g/new', 'f/1'], 0x0102));
    assert.equal(violation, null);
    assert.deepEqual(replies, []);
    assert.deepEqual(filtersOf(packets[0]), ['f/0', 'f/1']);
    assert.equal(i.subscriptions.has('g/new'), false);
    // Mosquitto grants the two it saw; the client gets three codes, 0x80 in the middle.
    const d = new BrokerStream(i);
    const out = d.push(Buffer.from([0x90, 0x04, 0x01, 0x02, 0x01, 0x01]));
    assert.deepEqual(out.toClient, [Buffer.from([0x90, 0x05, 0x01, 0x02, 0x01, 0x80, 0x01])]);
    // Another SUBACK with the same id later (a new SUBSCRIBE) is not patched again.
    assert.deepEqual(d.push(Buffer.from([0x90, 0x03, 0x01, 0x02, 0x00])).toClient, [Buffer.from([0x90, 0x03, 0x01, 0x02, 0x00])]);
  });
  test('Inspector_SubscriptionQuota_AllRefused_StandInAnswersSubackItself', () => {
    const i = new MqttInspector();
    i.push(connect('dev'));
    fill(i);
    const { packets, replies } = i.push(subscribeMany(['x/1', 'x/2'], 0x0009));
    assert.deepEqual(packets, []);
    assert.deepEqual(replies, [Buffer.from([0x90, 0x04, 0x00, 0x09, 0x80, 0x80])]);
  });
  test('Inspector_SubscriptionQuota_UnsubscribeFreesASlot', () => {
    const i = new MqttInspector({ subscriptionsPerConnection: 2 });
    i.push(connect('dev'));
    i.push(subscribeMany(['a', 'b']));
    assert.deepEqual(i.push(subscribeMany(['c'])).packets, []);
    i.push(unsubscribe('a'));
    assert.deepEqual(filtersOf(i.push(subscribeMany(['c'])).packets[0]), ['c']);
  });

  describe('broker-to-client stream', () => {
    const retainedPublish = (topic, qos, id = 0x1234) => {
      const p = publish(topic, 3, qos);
      p[0] |= 1;
      if (qos) p.writeUInt16BE(id, 2 + 2 + Buffer.byteLength(topic));
      return p;
    };
    const setup = (...filters) => {
      const i = new MqttInspector();
      i.push(connect('dev'));
      for (const f of filters) i.push(subscribe(f));
      return new BrokerStream(i);
    };

    test('BrokerStream_RetainedForWildcardOnly_DroppedAndQos1AckedToBroker', () => {
      const d = setup('a/+');
      const out = d.push(retainedPublish('a/b', 1, 0x0102));
      assert.deepEqual(out.toClient, []);
      assert.deepEqual(out.toBroker, [Buffer.from([0x40, 0x02, 0x01, 0x02])]);
      const q0 = d.push(retainedPublish('a/c', 0));
      assert.deepEqual(q0, { toClient: [], toBroker: [] });
      assert.equal(d.droppedRetained, 2);
    });
    test('BrokerStream_RetainedOnExactSubscription_Delivered', () => {
      const d = setup('a/+', 'a/b');
      const p = retainedPublish('a/b', 1);
      assert.deepEqual(d.push(p), { toClient: [p], toBroker: [] });
    });
    test('BrokerStream_LiveMessageOnWildcard_Delivered', () => {
      const d = setup('a/#');
      const live = publish('a/b', 5, 1); // RETAIN clear: a live message
      assert.deepEqual(d.push(live), { toClient: [live], toBroker: [] });
    });
    test('AwsFilterMatches_HashNeedsALevel_PlusOneLevel', () => {
      assert.equal(awsFilterMatches('sensor/#', 'sensor/temperature/room1'), true);
      assert.equal(awsFilterMatches('sensor/#', 'sensor/'), true);
      assert.equal(awsFilterMatches('sensor/#', 'sensor'), false); // AWS; MQTT 3.1.1 would match
      assert.equal(awsFilterMatches('#', 'a'), true);
      assert.equal(awsFilterMatches('#', '$aws/things/t/shadow/get'), false);
      assert.equal(awsFilterMatches('a/+/c', 'a/b/c'), true);
      assert.equal(awsFilterMatches('a/+', 'a/b/c'), false);
      assert.equal(awsFilterMatches('a/b', 'a/b'), true);
    });
    test('BrokerStream_OnlyParentLevelMatch_DroppedAndQos1Acked', () => {
      const d = setup('sensor/#');
      const parent = publish('sensor', 2, 1);
      parent.writeUInt16BE(0x0a0b, 2 + 2 + 'sensor'.length);
      assert.deepEqual(d.push(parent), { toClient: [], toBroker: [Buffer.from([0x40, 0x02, 0x0a, 0x0b])] });
      const child = publish('sensor/t', 2);
      assert.deepEqual(d.push(child), { toClient: [child], toBroker: [] });
      assert.equal(d.droppedParentLevel, 1);
    });
    test('BrokerStream_ParentAlsoSubscribedExactly_Delivered', () => {
      const d = setup('sensor/#', 'sensor');
      const parent = publish('sensor', 2);
      assert.deepEqual(d.push(parent), { toClient: [parent], toBroker: [] });
    });
    test('BrokerStream_PacketsSplitAcrossChunks_ReassembledInOrder', () => {
      const d = setup('a/b');
      const bytes = Buffer.concat([Buffer.from([0x20, 0x02, 0x00, 0x00]) /* CONNACK */, retainedPublish('a/b', 1), retainedPublish('z/z', 0), publish('a/b', 4)]);
      const toClient = [];
      for (const b of bytes) toClient.push(...d.push(Buffer.from([b])).toClient);
      assert.equal(toClient.length, 3);
      assert.equal(Buffer.concat(toClient).length, bytes.length - retainedPublish('z/z', 0).length);
    });
  });
});
