// Unit checks, without sockets, of the rule-engine pieces behind standin_reserved and
// standin_quotas: the reserved-topic templates (lib/topic_rules.mjs), the quota meters with a fake
// clock (lib/quotas.mjs), and the CONNECT / CONNACK rewrites fed with annotated bytes.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { BrokerStream } from '../lib/mqtt_downstream.mjs';
import { MqttInspector, encodePacket } from '../lib/mqtt_inspect.mjs';
import { readProperties } from '../lib/mqtt_properties.mjs';
import { AWS_QUOTAS, ByteShaper, ConnectThrottle, OrderedTimeline, TokenBucket, validateQuotas } from '../lib/quotas.mjs';
import { reservedPublishError, reservedSubscribeError, topicNameError } from '../lib/topic_rules.mjs';
import { publishTopicError } from '../lib/https_api.mjs';

const str = (s) => { const b = Buffer.from(s, 'utf8'); return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]); };

test('ReservedTopics_ShadowJobsProvisioningRules_PublishOnlyToRequests', () => {
  for (const t of ['$aws/things/T/shadow/update', '$aws/things/T/shadow/name/N/delete', '$aws/things/T/jobs/start-next',
    '$aws/things/T/jobs/job-1/update', '$aws/certificates/create-from-csr/cbor', '$aws/provisioning-templates/P/provision/json',
    '$aws/rules/R', '$aws/rules/R/any/topic', '$aws/things/T/defender/metrics/json', 'plain/topic']) {
    assert.equal(reservedPublishError(t), null, t);
  }
  for (const t of ['$aws/things/T/shadow/update/accepted', '$aws/things/T/shadow/update/delta', '$aws/things/T/shadow/update/documents',
    '$aws/things/T/jobs/notify', '$aws/things/T/jobs/get/accepted', '$aws/events/presence/connected/c',
    '$aws/certificates/create/json/rejected', '$aws/things/T/shadow/other', '$aws', '$SYS/broker/uptime', '$iotlite']) {
    assert.match(reservedPublishError(t), /Reserved topics/, t);
  }
});

test('ReservedTopics_Filters_SubscribeOnlyWhereAwsPublishes', () => {
  for (const f of ['$aws/things/T/shadow/update/accepted', '$aws/things/T/shadow/get', '$aws/things/+/shadow/name/+/update/delta',
    '$aws/things/T/shadow/#', '$aws/things/T/jobs/notify-next', '$aws/things/T/jobs/J/update/rejected', '$aws/events/#',
    '$aws/sitewise/asset-models/m/assets/a/properties/p', '$share/g/$aws/things/T/shadow/update/accepted', 'a/#', '#']) {
    assert.equal(reservedSubscribeError(f), null, f);
  }
  for (const f of ['$aws/things/T/jobs/get', '$aws/things/T/jobs/J/update', '$aws/rules/R', '$aws/rules/R/#',
    '$aws/certificates/create/json', '$aws/things/T/unknown', '$SYS/#', '$share/g/$SYS/#']) {
    assert.match(reservedSubscribeError(f), /Reserved topics/, f);
  }
});

test('TopicNameError_SameCheckForMqttAndHttps_NamesTheRule', () => {
  for (const [topic, re] of [['', /empty/], ['a/+/b', /wildcard/], ['a/#', /wildcard/], ['x'.repeat(257), /257 bytes; AWS IoT allows 256/],
    ['1/2/3/4/5/6/7/8/9', /8 '\/' levels; AWS IoT allows 7/], ['a\u0000b', /NUL/]]) {
    assert.match(topicNameError(topic), re);
    assert.equal(publishTopicError(topic), topicNameError(topic), 'HTTPS publish uses the same check');
  }
  assert.equal(topicNameError('$aws/rules/R/1/2/3/4/5/6/7'), null, "Basic Ingest's prefix is not counted");
  assert.equal(topicNameError('', { allowEmpty: true }), null, 'MQTT 5 topic alias');
});

test('TokenBucket_TenPerSecond_BurstOfTenThenOneEveryHundredMs', () => {
  let now = 0;
  const b = new TokenBucket(10, () => now);
  let passed = 0;
  for (let i = 0; i < 30; i++) if (b.take()) passed += 1;
  assert.equal(passed, 10);
  now += 100;
  assert.equal(b.take(), true);
  assert.equal(b.take(), false);
});

test('ByteShaper_OverTheRate_DelaysInOrderNeverDrops', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  let now = 0;
  const shaper = new ByteShaper(1000, () => now);
  const ran = [];
  const waits = [0, 1, 2, 3].map((i) => shaper.run(500, () => ran.push(i)));
  // 1000 bytes/s: one second's worth passes at once (the first two), then one every 0.5 s.
  assert.deepEqual(waits, [0, 0, 500, 1000]);
  assert.deepEqual(ran, [0, 1]);
  now = 499;
  mock.timers.tick(499);
  assert.deepEqual(ran, [0, 1]);
  now = 500;
  mock.timers.tick(1);
  assert.deepEqual(ran, [0, 1, 2]);
  now = 1000;
  mock.timers.tick(500);
  assert.deepEqual(ran, [0, 1, 2, 3]);
  // One chunk larger than the allowance waits for its own size: 3000 bytes at 1000 bytes/s.
  const big = new ByteShaper(1000, () => now);
  assert.equal(big.run(3000, () => {}), 2000);
  big.stop();
  shaper.stop();
  mock.timers.reset();
});

test('ConnectThrottle_OnePerSecondPerClientId_OtherIdsIndependent', () => {
  let now = 0;
  const t = new ConnectThrottle(1, () => now);
  assert.equal(t.admit('a'), true);
  assert.equal(t.admit('b'), true);
  now = 999;
  assert.equal(t.admit('a'), false);
  now = 1000;
  assert.equal(t.admit('a'), true);
});

test('AwsQuotas_Defaults_AsTheQuotaTable', () => {
  assert.deepEqual({ ...AWS_QUOTAS }, {
    publishesPerSecond: 100, outboundPublishesPerSecond: 100, inboundBytesPerSecond: 512 * 1024, connectsPerSecondPerClientId: 1, inboundUnackedQos1: 100,
    outboundUnackedQos1: 100, webSocketMaxSeconds: 86400, persistentSessionSeconds: 3600,
  });
  assert.throws(() => validateQuotas({ ...AWS_QUOTAS, publishesPerSecond: 0 }), /awsRules.publishesPerSecond/);
});

test('Inspector_WillOnReservedTopic_StrippedFromTheConnectKeepsTheRest', () => {
  const ins = new MqttInspector();
  // CONNECT 3.1.1: flags 0x2e = Will (0x04), Will QoS 1 (0x08), Will Retain (0x20), clean session (0x02).
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0x2e, 0, 60]), str('dev-1'), str('$aws/things/T/shadow/update'), str('{"state":{}}')]);
  const { packets, violation } = ins.push(encodePacket(0x10, body));
  assert.equal(violation, null);
  const expected = Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 60]), str('dev-1')]);
  assert.deepEqual(packets, [encodePacket(0x10, expected)]);
});

test('Inspector_DollarClientId_Violation', () => {
  const ins = new MqttInspector();
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 60]), str('$dev')]);
  assert.match(ins.push(encodePacket(0x10, body)).violation, /starts with '\$'/);
});

test('BrokerStream_Mqtt5ConnackAfterClamp_CarriesServerKeepAlive', () => {
  const ins = new MqttInspector();
  // CONNECT 5: keep-alive 10, properties: Session Expiry Interval (0x11) = 60.
  const body = Buffer.concat([str('MQTT'), Buffer.from([5, 0x00, 0, 10, 5, 0x11, 0, 0, 0, 60]), str('dev-5')]);
  assert.equal(ins.push(encodePacket(0x10, body)).violation, null);
  assert.equal(ins.persistentSession, true);
  assert.equal(ins.sessionExpirySeconds, 60);
  const stream = new BrokerStream(ins);
  // CONNACK 5: flags 0, reason 0, properties: Receive Maximum (0x21) = 20.
  const { toClient } = stream.push(Buffer.from([0x20, 6, 0, 0, 3, 0x21, 0, 20]));
  // Server Keep Alive (0x13) = 30 added; Receive Maximum is AWS's (lib/mqtt5_rules.mjs, suite standin_mqtt5).
  assert.equal(toClient.length, 1);
  const props = new Map(readProperties(toClient[0], 4).props.map((p) => [p.id, p.value]));
  assert.equal(props.get(0x13), 30);
  assert.equal(props.get(0x21), 100);
});

test('BrokerStream_OutboundQos1AtTheQuota_LogsTheHoldAndPubackFreesAPlace', () => {
  const ins = new MqttInspector({ outboundUnackedQos1: 2 });
  ins.push(encodePacket(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 60]), str('dev-o')])));
  const lines = [];
  const stream = new BrokerStream(ins, (l) => lines.push(l));
  // PUBLISH QoS 1 (0x32): topic 't', packet id 1 then 2, payload 'x'.
  for (const id of [1, 2]) stream.push(encodePacket(0x32, Buffer.concat([str('t'), Buffer.from([0, id]), Buffer.from('x')])));
  assert.equal(lines.length, 1);
  assert.match(lines[0], /held back: 2 sent and not yet acknowledged; AWS IoT allows 2/);
  ins.push(Buffer.from([0x40, 0x02, 0, 1])); // the client's PUBACK for id 1
  assert.deepEqual([...ins.outboundUnacked], [2]);
});

test('OrderedTimeline_LatencyDropsWhileDataWaits_KeepsTheOrder', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  let now = 0;
  const t = new OrderedTimeline(() => now);
  const ran = [];
  t.at(150, () => ran.push('delayed'));
  // The latency is back to 0 while the first waits (and its timer may fire late): the second
  // must not overtake it.
  now = 160;
  t.at(160, () => ran.push('after'));
  assert.deepEqual(ran, []);
  mock.timers.tick(160);
  assert.deepEqual(ran, ['delayed', 'after']);
  t.at(100, () => ran.push('now')); // nothing waits and its time has come: at once
  assert.deepEqual(ran, ['delayed', 'after', 'now']);
  t.stop();
  mock.timers.reset();
});

test('BrokerStream_Mqtt5SessionExpiryOverTheQuota_ConnackCarriesTheQuota', () => {
  const ins = new MqttInspector({ persistentSessionSeconds: 3600 });
  // CONNECT 5: keep-alive 60 (in range), Session Expiry Interval (0x11) = 0xFFFFFFFF (never).
  const body = Buffer.concat([str('MQTT'), Buffer.from([5, 0x00, 0, 60, 5, 0x11, 0xff, 0xff, 0xff, 0xff]), str('dev-s')]);
  assert.equal(ins.push(encodePacket(0x10, body)).violation, null);
  const { toClient } = new BrokerStream(ins).push(Buffer.from([0x20, 3, 0, 0, 0]));
  // Session Expiry Interval = 3600; no Server Keep Alive (60 s was in range).
  assert.equal(toClient.length, 1);
  const props = new Map(readProperties(toClient[0], 4).props.map((p) => [p.id, p.value]));
  assert.equal(props.get(0x11), 3600);
  assert.equal(props.has(0x13), false);
});

test('BrokerStream_OutboundPublishesOverTheRate_DroppedQos1AcknowledgedOneLogLine', () => {
  const ins = new MqttInspector({ outboundPublishesPerSecond: 3 });
  ins.push(encodePacket(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 60]), str('sub-1')])));
  ins.push(encodePacket(0x82, Buffer.concat([Buffer.from([0, 1]), str('out/x'), Buffer.from([1])])));
  const lines = [];
  const down = new BrokerStream(ins, (line) => lines.push(line));
  const msg = (id) => encodePacket(0x32, Buffer.concat([str('out/x'), Buffer.from([0, id]), Buffer.from('p')]));
  // Five QoS 1 messages at once to a 3/s connection: three delivered, two acknowledged to the broker.
  const out = down.push(Buffer.concat([1, 2, 3, 4, 5].map(msg)));
  assert.equal(out.toClient.length, 3);
  assert.deepEqual(out.toBroker.map((b) => [...b]), [[0x40, 2, 0, 4], [0x40, 2, 0, 5]]);
  assert.equal(down.droppedOverRate, 2);
  const rated = lines.filter((l) => /publishes\/s/.test(l));
  assert.equal(rated.length, 1, 'the first drop is logged, not every one');
  assert.match(rated[0], /over 3 publishes\/s to this connection \(quotas, "Publish requests per second per connection", inbound and outbound\)/);
  // Non-PUBLISH packets are not metered.
  assert.equal(down.push(encodePacket(0xd0, Buffer.alloc(0))).toClient.length, 1);
});

test('BrokerStream_OutboundRate_DefaultsToPublishesPerSecondThenAws', () => {
  assert.equal(new MqttInspector().outboundPublishBucket.rate, 100);
  assert.equal(new MqttInspector({ publishesPerSecond: 7 }).outboundPublishBucket.rate, 7);
  assert.equal(new MqttInspector({ publishesPerSecond: 7, outboundPublishesPerSecond: 2 }).outboundPublishBucket.rate, 2);
  assert.equal(new MqttInspector({ publishesPerSecond: 7, outboundPublishesPerSecond: 2 }).publishBucket.rate, 7);
});
