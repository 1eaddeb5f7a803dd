// AWS IoT Core's MQTT 5 in the stand-in (lib/mqtt5_rules.mjs): the CONNACK advertises AWS's
// values instead of Mosquitto's, the rule engine applies AWS's MQTT 5 limits (topic alias
// maximum, maximum packet size, message expiry, no subscription identifiers, no enhanced
// authentication), and an MQTT 5 client whose connection a rule ends is told why (a CONNACK or
// DISCONNECT with the reason code and the rule as Reason String). Bytes first, then mqtt.js 5
// (an independent MQTT 5 client) through every door.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStandin } from '../standin.mjs';
import { BrokerStream } from '../lib/mqtt_downstream.mjs';
import { MqttInspector } from '../lib/mqtt_inspect.mjs';
import { AWS_MQTT5, REASON, refusalPacket } from '../lib/mqtt5_rules.mjs';
import { readProperties } from '../lib/mqtt_properties.mjs';
import { admin, doors, nextMessage } from './helpers.mjs';

// --- bytes ------------------------------------------------------------------------------------

const varint = (n) => { const out = []; do { let b = n % 128; n = Math.floor(n / 128); if (n) b |= 0x80; out.push(b); } while (n); return out; };
const packet = (header, body) => Buffer.concat([Buffer.from([header, ...varint(body.length)]), body]);
const str = (s) => { const b = Buffer.from(s); return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]); };
const props = (...raws) => { const body = Buffer.concat(raws); return Buffer.concat([Buffer.from(varint(body.length)), body]); };
const u16p = (id, v) => Buffer.from([id, v >> 8, v & 0xff]);
const u32p = (id, v) => { const b = Buffer.alloc(5); b[0] = id; b.writeUInt32BE(v, 1); return b; };

/** An MQTT 5 CONNECT (clean start, keep-alive 60 s) with the given CONNECT properties. */
const connect5 = (clientId, ...properties) => packet(0x10, Buffer.concat([
  str('MQTT'), Buffer.from([5, 0x02, 0, 60]), props(...properties), str(clientId),
]));
/** An MQTT 5 QoS 0 PUBLISH. */
const publish5 = (topic, payload, ...properties) => packet(0x30, Buffer.concat([str(topic), props(...properties), Buffer.from(payload)]));
/** An MQTT 5 SUBSCRIBE (packet id 10, QoS 1) with the given SUBSCRIBE properties. */
const subscribe5 = (filter, ...properties) => packet(0x82, Buffer.concat([Buffer.from([0, 10]), props(...properties), str(filter), Buffer.from([1])]));

const connected = () => { const i = new MqttInspector(); assert.equal(i.push(connect5('dev')).violation, null); return i; };

describe('MQTT 5 rules on the bytes', () => {
  test('Mqtt5Rules_TopicAliasAboveTheMaximum_Violation0x94', () => {
    const i = connected();
    assert.equal(i.push(publish5('a/b', 'x', u16p(0x23, 8))).violation, null);
    const v = i.push(publish5('a/c', 'x', u16p(0x23, 9))).violation;
    assert.match(v, /topic alias 9; AWS IoT's Topic Alias Maximum is 8/);
    assert.equal(i.reasonCode, REASON.topicAliasInvalid);
  });

  test('Mqtt5Rules_TopicAliasZero_Violation0x94', () => {
    const i = connected();
    assert.match(i.push(publish5('a/b', 'x', u16p(0x23, 0))).violation, /topic alias 0/);
    assert.equal(i.reasonCode, 0x94);
  });

  test('Mqtt5Rules_SubscriptionIdentifierInSubscribe_Violation0xA1', () => {
    const i = connected();
    const v = i.push(subscribe5('a/b', Buffer.from([0x0b, 0x05]))).violation;
    assert.match(v, /Subscription Identifier; AWS IoT does not support subscription identifiers/);
    assert.equal(i.reasonCode, 0xa1);
  });

  test('Mqtt5Rules_SubscriptionIdentifierInClientPublish_ProtocolError', () => {
    const i = connected();
    assert.match(i.push(publish5('a/b', 'x', Buffer.from([0x0b, 0x01]))).violation, /§3\.3\.4: protocol error/);
    assert.equal(i.reasonCode, REASON.protocolError);
  });

  test('Mqtt5Rules_MessageExpiryOverSevenDays_ForwardedAsSevenDays', () => {
    const i = connected();
    const lines = [];
    i.onRefusal = (line) => lines.push(line);
    const { packets, violation } = i.push(publish5('a/b', 'x', u32p(0x02, 10 * 86400)));
    assert.equal(violation, null);
    // The forwarded PUBLISH: header 0x30, 1-byte length, topic (2 + 3), then the properties.
    const forwarded = readProperties(packets[0], 2 + 5).props;
    assert.deepEqual(forwarded.map((p) => [p.id, p.value]), [[0x02, AWS_MQTT5.messageExpiryMaxSeconds]]);
    assert.match(lines[0], /Message Expiry Interval 864000 s used as 604800 s/);
    // Within the bound: unchanged.
    const ok = i.push(publish5('a/b', 'x', u32p(0x02, 604800))).packets[0];
    assert.equal(readProperties(ok, 7).props[0].value, 604800);
  });

  test('Mqtt5Rules_AuthenticationMethodInConnect_ConnackRefusal0x8C', () => {
    const i = new MqttInspector();
    const method = Buffer.concat([Buffer.from([0x15]), str('SCRAM-SHA-1')]);
    assert.match(i.push(connect5('dev', method)).violation, /Authentication Method 'SCRAM-SHA-1'/);
    assert.equal(i.reasonCode, REASON.badAuthenticationMethod);
    assert.equal(i.connected, false);
  });

  test('Mqtt5Rules_AuthPacket_ProtocolError', () => {
    const i = connected();
    assert.match(i.push(packet(0xf0, Buffer.from([0x18, 0x00]))).violation, /AUTH packet/);
    assert.equal(i.reasonCode, REASON.protocolError);
  });

  test('Mqtt5Rules_PacketOverTheAdvertisedMaximum_Violation0x95', () => {
    const i = new MqttInspector({ maximumPacketSize: 100 });
    i.push(connect5('dev'));
    assert.equal(i.push(publish5('t', 'y'.repeat(80))).violation, null);
    assert.match(i.push(publish5('t', 'y'.repeat(100))).violation, /over the Maximum Packet Size of 100 bytes/);
    assert.equal(i.reasonCode, REASON.packetTooLarge);
  });

  test('Mqtt5Rules_ClientIdStartingWithDollar_ConnackRefusal0x85', () => {
    const i = new MqttInspector();
    assert.match(i.push(connect5('$dev')).violation, /starts with '\$'/);
    assert.equal(i.reasonCode, REASON.clientIdentifierNotValid);
  });

  test('RefusalPacket_Disconnect_ReasonCodeAndReasonString', () => {
    const p = refusalPacket({ connecting: false, code: 0x94, reason: 'alias 9' });
    // DISCONNECT, remaining 12: reason code 0x94, properties 10: Reason String (0x1F) "alias 9".
    assert.deepEqual([...p], [0xe0, 12, 0x94, 10, 0x1f, 0, 7, ...Buffer.from('alias 9')]);
  });

  test('RefusalPacket_Connack_FlagsReasonCodeThenProperties', () => {
    const p = refusalPacket({ connecting: true, code: 0x87, reason: 'no' });
    // CONNACK (remaining 8): acknowledge flags 0, reason code 0x87, properties 5: Reason String "no".
    assert.deepEqual([...p], [0x20, 8, 0x00, 0x87, 5, 0x1f, 0, 2, 0x6e, 0x6f]);
  });

  test('RefusalPacket_OverTheClientsMaximumPacketSize_ReasonStringLeftOut', () => {
    const p = refusalPacket({ connecting: false, code: 0x95, reason: 'x'.repeat(50), clientMaximumPacketSize: 20 });
    assert.deepEqual([...p], [0xe0, 2, 0x95, 0]);
  });

  test('RefusalPacket_LongReason_CutAt256BytesOnACharacterBoundary', () => {
    const p = refusalPacket({ connecting: false, code: 0x82, reason: 'é'.repeat(200) });
    // Remaining length 262 takes two bytes: the reason code is at 3, the properties at 4.
    const reason = readProperties(p, 4).props[0].value;
    assert.ok(reason.length <= 256, `${reason.length} bytes`);
    assert.equal(reason.toString('utf8'), 'é'.repeat(128));
  });

  test('Downstream_Connack_MosquittoValuesReplacedByAws', () => {
    const i = connected();
    const d = new BrokerStream(i);
    // Mosquitto 2.0's CONNACK: Topic Alias Maximum 10, Receive Maximum 20, and an assigned
    // client identifier that must pass through.
    const assigned = Buffer.concat([Buffer.from([0x12]), str('auto-1')]);
    const fromBroker = packet(0x20, Buffer.concat([Buffer.from([0, 0]), props(u16p(0x22, 10), u16p(0x21, 20), assigned)]));
    const [out] = d.push(fromBroker).toClient;
    const got = new Map(readProperties(out, 4).props.map((p) => [p.id, p.value]));
    assert.equal(got.get(0x22), 8, 'Topic Alias Maximum');
    assert.equal(got.get(0x21), 100, 'Receive Maximum');
    assert.equal(got.get(0x24), 1, 'Maximum QoS');
    assert.equal(got.get(0x25), 1, 'Retain Available');
    assert.equal(got.get(0x27), 131072, 'Maximum Packet Size');
    assert.equal(got.get(0x28), 1, 'Wildcard Subscription Available');
    assert.equal(got.get(0x29), 0, 'Subscription Identifiers Available');
    assert.equal(got.get(0x2a), 1, 'Shared Subscription Available');
    assert.equal(String(got.get(0x12)), 'auto-1', 'Assigned Client Identifier kept');
  });

  test('Downstream_RefusingConnack_PassesUnchanged', () => {
    const i = connected();
    const refusing = packet(0x20, Buffer.from([0, 0x87, 0]));
    assert.deepEqual(new BrokerStream(i).push(refusing).toClient[0], refusing);
  });
});

// --- mqtt.js 5 through every door ----------------------------------------------------------------

let s;
let DOORS;
before(async () => {
  s = await startStandin({ awsRules: { keepAliveMinSeconds: 30, keepAliveMaxSeconds: 1200 } });
  const r = await admin(s, 'certs', { thing: 'mqtt5-thing' });
  assert.equal(r.status, 200, r.text);
  DOORS = doors(s, r.json);
});
after(async () => { await s?.stop(); });

let seq = 0;
const uniqueId = (door) => `m5-${door}-${process.pid}-${++seq}`;
const v5 = (door, extra = {}) => DOORS[door]({ clientId: uniqueId(door), protocolVersion: 5, ...extra });

/** The DISCONNECT the server sends before closing (rejects after `ms`). */
const serverDisconnect = (client, ms = 5000) => new Promise((resolve, reject) => {
  const t = setTimeout(() => reject(new Error(`no DISCONNECT within ${ms} ms`)), ms);
  client.once('disconnect', (p) => { clearTimeout(t); resolve(p); });
});

for (const door of ['Ws', 'Wss', 'Alpn443', 'Mqtt8883']) {
  test(`Mqtt5_${door}_Connack_AdvertisesAwsIotCoreValues`, async () => {
    const c = await v5(door);
    try {
      const p = c.connackPacket.properties;
      assert.equal(p.topicAliasMaximum, 8);
      assert.equal(p.receiveMaximum, 100);
      assert.equal(p.maximumQoS, 1);
      assert.equal(p.retainAvailable, true);
      assert.equal(p.maximumPacketSize, 131072);
      assert.equal(p.wildcardSubscriptionAvailable, true);
      assert.equal(p.subscriptionIdentifiersAvailable, false);
      assert.equal(p.sharedSubscriptionAvailable, true);
    } finally {
      await c.endAsync();
    }
  });

  test(`Mqtt5_${door}_TopicAliasNine_DisconnectTopicAliasInvalidWithTheRule`, async () => {
    const c = await v5(door);
    const gone = serverDisconnect(c);
    // Raw bytes: mqtt.js refuses an alias above the CONNACK's maximum itself.
    c.stream.write(publish5('m5/alias', 'x', u16p(0x23, 9)));
    const d = await gone;
    c.end(true);
    assert.equal(d.reasonCode, 0x94);
    assert.match(d.properties.reasonString, /topic alias 9; AWS IoT's Topic Alias Maximum is 8/);
  });
}

test('Mqtt5_Ws_SubscriptionIdentifier_DisconnectNotSupported', async () => {
  const c = await v5('Ws');
  const gone = serverDisconnect(c);
  c.stream.write(subscribe5('m5/subid', Buffer.from([0x0b, 0x07])));
  const d = await gone;
  c.end(true);
  assert.equal(d.reasonCode, 0xa1);
  assert.match(d.properties.reasonString, /does not support subscription identifiers/);
});

test('Mqtt5_Mqtt8883_QoS2Publish_DisconnectQoSNotSupported', async () => {
  const c = await v5('Mqtt8883');
  const gone = serverDisconnect(c);
  c.stream.write(packet(0x34, Buffer.concat([str('m5/q2'), Buffer.from([0, 1]), props(), Buffer.from('x')])));
  const d = await gone;
  c.end(true);
  assert.equal(d.reasonCode, REASON.qosNotSupported);
  assert.match(d.properties.reasonString, /QoS 2; AWS IoT supports QoS 0 and 1 only/);
});

test('Mqtt5_Ws_DollarClientId_ConnackRefusalWithReasonString', async () => {
  await assert.rejects(v5('Ws', { clientId: '$m5-dollar' }), (e) => {
    assert.equal(e.code, REASON.clientIdentifierNotValid);
    return true;
  });
});

test('Mqtt5_Ws_MessageExpiryTenDays_SubscriberSeesAtMostSevenDays', async () => {
  const sub = await v5('Ws');
  const pub = await v5('Wss');
  try {
    await sub.subscribeAsync('m5/expiry', { qos: 1 });
    const got = new Promise((resolve) => sub.once('message', (t, payload, p) => resolve(p)));
    await pub.publishAsync('m5/expiry', 'x', { qos: 1, properties: { messageExpiryInterval: 10 * 86400 } });
    const p = await got;
    // Mosquitto hands on the remaining lifetime: at most AWS's 7 days, less the time in transit.
    assert.ok(p.properties.messageExpiryInterval <= 604800 && p.properties.messageExpiryInterval > 604800 - 60,
      `message expiry ${p.properties.messageExpiryInterval} s`);
  } finally {
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  }
});

test('Mqtt5_Ws_PropertiesCrossTheStandIn_UserPropertiesCorrelationResponseTopicContentType', async () => {
  const sub = await v5('Ws');
  const pub = await v5('Mqtt8883');
  try {
    await sub.subscribeAsync('m5/props', { qos: 1 });
    const got = new Promise((resolve) => sub.once('message', (t, payload, p) => resolve(p)));
    const properties = {
      payloadFormatIndicator: true, contentType: 'application/json', responseTopic: 'm5/reply',
      correlationData: Buffer.from([1, 2, 3]), userProperties: { a: '1', b: 'two' },
    };
    await pub.publishAsync('m5/props', '{}', { qos: 1, properties });
    const p = (await got).properties;
    assert.equal(p.payloadFormatIndicator, true);
    assert.equal(p.contentType, 'application/json');
    assert.equal(p.responseTopic, 'm5/reply');
    assert.deepEqual([...p.correlationData], [1, 2, 3]);
    assert.deepEqual({ ...p.userProperties }, { a: '1', b: 'two' });
  } finally {
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  }
});

test('Mqtt5_Ws_SecondConnectionSameClientId_OlderOneToldSessionTakenOver', async () => {
  const id = uniqueId('takeover');
  const first = await v5('Ws', { clientId: id });
  const told = serverDisconnect(first, 10_000);
  // AWS allows 1 CONNECT per second per client id (lib/quotas.mjs): the second waits it out.
  await new Promise((r) => setTimeout(r, 1_100));
  const second = await v5('Wss', { clientId: id });
  try {
    assert.equal((await told).reasonCode, 0x8e);
  } finally {
    first.end(true);
    await second.endAsync();
  }
});

test('Mqtt5_Ws_SharedSubscription_OneOfTheGroupGetsEachMessage', async () => {
  const a = await v5('Ws');
  const b = await v5('Alpn443');
  const pub = await v5('Wss');
  try {
    await a.subscribeAsync('$share/g1/m5/shared', { qos: 1 });
    await b.subscribeAsync('$share/g1/m5/shared', { qos: 1 });
    let count = 0;
    for (const c of [a, b]) c.on('message', () => { count += 1; });
    for (let n = 0; n < 6; n++) await pub.publishAsync('m5/shared', String(n), { qos: 1 });
    const all = nextMessage(pub, 'never', 1_000).catch(() => null);  // a bounded wait for deliveries
    await all;
    assert.equal(count, 6, 'each message goes to exactly one member of the share group');
  } finally {
    await Promise.all([a.endAsync(), b.endAsync(), pub.endAsync()]);
  }
});
