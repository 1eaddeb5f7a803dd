// "iotlite/mqtt5" (issue 14, items 2 and 5): the package speaking MQTT 5 through the stand-in's
// SigV4 WebSocket gateway, with MQTT.js 5 (protocolVersion 5, through the same door, its URL
// presigned by AWS's own @smithy/signature-v4) as the independent peer: properties both ways,
// request/response with MQTT.js as the responder, reason codes of the stand-in's refusals, and
// every option's validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { withStandin, standinOptions, packageDir, repoRoot, startStandin, WebSocket, uniqueId, sleep } from './helpers.mjs';
import { staticUrl, connectWs } from '../../standin/test/helpers.mjs';

let plain;
let pkg;
let standin;
let ep;

withStandin(async (s) => {
  ({ pkg: plain, standin, ep } = s);
  pkg = await import(pathToFileURL(path.join(packageDir, 'mqtt5.js')).href);
  await pkg.init({ wasmBinary: readFileSync(path.join(packageDir, 'iotlite-mqtt5.wasm')) });
});

const options = (extra = {}) => standinOptions(ep, 'v5', { protocolVersion: 5, reconnect: false, ...extra });

// MQTT.js 5 through the stand-in's SigV4 gateway (the door our package uses).
async function mqttjs(extra = {}) {
  const c = await connectWs(await staticUrl(standin), { protocolVersion: 5, clientId: uniqueId('mqttjs'), ...extra });
  return c;
}

// The next message MQTT.js receives on `topic`: {payload, packet}.
const nextPacket = (c, topic, ms = 5000) => new Promise((resolve, reject) => {
  const t = setTimeout(() => reject(new Error(`MQTT.js: no message on ${topic} within ${ms} ms`)), ms);
  c.on('message', function on(tp, payload, packet) {
    if (tp !== topic) return;
    clearTimeout(t);
    c.off('message', on);
    resolve({ payload, packet });
  });
});

const expectError = (promise, check) => assert.rejects(promise, (e) => {
  assert.ok(e instanceof pkg.IotError, `an IotError, not ${e}`);
  for (const [k, v] of Object.entries(check)) {
    if (v instanceof RegExp) assert.match(String(e[k]), v, `${k} of ${e.message}`);
    else assert.equal(e[k], v, `${k} of "${e.message}"`);
  }
  return true;
});

test('Mqtt5_PlainEntry_RefusesProtocolVersion5NamingTheEntry', async () => {
  await expectError(plain.IotClient.create(options()), { code: 'unsupported', rule: 'protocol_version', message: /iotlite\/mqtt5/ });
  // 4 is the default everywhere and may be said.
  const c = await plain.IotClient.create(options({ protocolVersion: 4 }));
  await c.close();
  // The package.json entry, its node condition and its types.
  const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  assert.deepEqual(manifest.exports['./mqtt5'], { types: './mqtt5.d.ts', node: './node-mqtt5.js', default: './mqtt5.js' });
  for (const f of ['mqtt5.js', 'node-mqtt5.js', 'mqtt5.d.ts', 'wasm-names-mqtt5.js', 'iotlite-mqtt5.wasm']) assert.ok(manifest.files.includes(f), f);
});

test('Mqtt5_NodeCondition_ImportByNameReadsTheWasmFromDiskAndConnects', async () => {
  // A consumer project: "iotlite/mqtt5" resolved by name (the "node" condition: node-mqtt5.js),
  // nothing injected (no wasmBinary, no WebSocket: Node 20 takes the "ws" package).
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iotlite-mqtt5-'));
  try {
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(packageDir, path.join(dir, 'node_modules/iotlite'), 'dir');
    symlinkSync(path.join(repoRoot, 'node_modules/ws'), path.join(dir, 'node_modules/ws'), 'dir');
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(path.join(dir, 'probe.mjs'), `import { IotClient } from 'iotlite/mqtt5';
const [endpoint, region, accessKeyId, secretAccessKey, topic] = process.argv.slice(2);
const c = await IotClient.create({ endpoint, region, clientId: 'probe-' + process.pid, credentials: { accessKeyId, secretAccessKey }, protocolVersion: 5, reconnect: false });
await c.connect();
const got = new Promise((resolve) => c.subscribe(topic, { qos: 1 }, resolve));
await new Promise((r) => setTimeout(r, 200));
await c.publish(topic, 'x', { qos: 1, properties: { contentType: 'text/plain', userProperties: { from: 'node' } } });
const m = await got;
console.log(JSON.stringify(m.properties));
await c.close();
`);
    const { accessKeyId, secretAccessKey } = ep.testCredentials;
    const out = await new Promise((resolve, reject) => execFile(process.execPath,
      ['probe.mjs', ep.wsUrl, ep.region, accessKeyId, secretAccessKey, `iotlite/v5/${uniqueId('node')}`],
      { cwd: dir, timeout: 30000 }, (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout))));
    assert.deepEqual(JSON.parse(out), { contentType: 'text/plain', userProperties: { from: 'node' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Mqtt5_CreateOptions_EachRefusedWithItsCodeAndRule', async () => {
  await expectError(pkg.IotClient.create(options({ protocolVersion: 3 })), { code: 'invalid_argument', rule: 'protocol_version' });
  await expectError(pkg.IotClient.create(options({ properties: { authenticationMethod: 'SCRAM' } })), { code: 'unsupported', rule: 'mqtt5.auth' });
  await expectError(pkg.IotClient.create(options({ properties: { requestProblemInformation: true } })), { code: 'unsupported', rule: 'connect.property' });
  await expectError(pkg.IotClient.create(options({ properties: { sessionExpirySeconds: 5 } })), { code: 'invalid_argument', message: /sessionExpirySeconds.*unknown option/ });
  // The engine's rules: AWS's 7-day session expiry, MQTT 5 settings on a 3.1.1 client.
  await expectError(pkg.IotClient.create(options({ properties: { sessionExpiryInterval: 604801 } })), { rule: 'session_expiry.seconds', limit: 604800, actual: 604801 });
  await expectError(pkg.IotClient.create(options({ protocolVersion: 4, properties: { sessionExpiryInterval: 60 } })), { rule: 'mqtt5.only' });
  await expectError(pkg.IotClient.create(options({ properties: { receiveMaximum: 0 } })), { code: 'invalid_argument', message: /receiveMaximum must be an integer in 1\.\.65535/ });
  await expectError(pkg.IotClient.create(options({ properties: { userProperties: { a: 1 } } })), { code: 'invalid_argument', message: /userProperties\.a/ });
  await expectError(pkg.IotClient.create(options({ will: { topic: 'w', payload: 'x', properties: { topicAlias: 2 } } })), { code: 'unsupported', rule: 'publish.property' });
  await expectError(pkg.IotClient.create(options({ protocolVersion: 4, will: { topic: 'w', payload: 'x', properties: { contentType: 't' } } })), { rule: 'mqtt5.only' });
  await expectError(pkg.IotClient.create(options({ requests: { maxInFlight: 101 } })), { code: 'invalid_argument', rule: 'request.max_in_flight', limit: 100, actual: 101 });
  await expectError(pkg.IotClient.create(options({ requests: { timeoutMs: 0 } })), { code: 'invalid_argument', rule: 'request.timeout_ms' });
  await expectError(pkg.IotClient.create(options({ requests: { maxInFlight: 1.5 } })), { code: 'invalid_argument', message: /requests\.maxInFlight must be an integer/ });
  await expectError(pkg.IotClient.create(options({ requests: { responseTopic: 'resp/+/x' } })), { code: 'invalid_topic', message: /response topic/ });
  // The default response topic needs a client id that is a valid topic level.
  const wild = await pkg.IotClient.create(options({ clientId: 'dev+1' }));
  await expectError(wild.request('svc/x', 'q'), { code: 'invalid_topic', message: /give a response topic/ });
  await wild.close();
});

test('Mqtt5_CallOptions_RefusedBeforeAnythingIsSent', async () => {
  const c = await pkg.IotClient.create(options());
  await c.connect();
  await expectError(c.publish('t/a', 'x', { properties: { topicAlias: 1 } }), { code: 'unsupported', rule: 'publish.property' });
  await expectError(c.publish('t/a', 'x', { properties: { subscriptionIdentifier: 3 } }), { code: 'unsupported', rule: 'subscription_identifier' });
  await expectError(c.subscribe('t/#', { properties: { subscriptionIdentifier: 3 } }), { code: 'unsupported', rule: 'subscription_identifier' });
  await expectError(c.publish('t/a', 'x', { properties: { messageExpiryInterval: 0 } }), { rule: 'message_expiry.seconds' });
  await expectError(c.publish('t/a', 'x', { properties: { messageExpiryInterval: 604801 } }), { rule: 'message_expiry.seconds', limit: 604800 });
  await expectError(c.publish('t/a', 'x', { properties: { payloadFormatIndicator: 1 } }), { code: 'invalid_argument', message: /payloadFormatIndicator must be a boolean/ });
  await expectError(c.publish('t/a', 'x', { properties: { contentType: 'a\u0000b' } }), { code: 'invalid_argument' });
  await expectError(c.subscribe('t/#', { rh: 3 }), { rule: 'subscribe.options' });  // the engine's rule
  await expectError(c.subscribe('t/#', { rh: '1' }), { code: 'invalid_argument', message: /rh must be an integer/ });
  await expectError(c.subscribe('$share/g/t/#', { nl: true }), { rule: 'subscribe.options' });
  await expectError(c.request('svc/x', 'q', { properties: { correlationData: 'mine' } }), { code: 'invalid_argument', rule: 'request.properties' });
  await expectError(c.request('svc/x', 'q', { timeoutMs: 0 }), { code: 'invalid_argument', message: /timeoutMs/ });
  await c.close();
  // A 3.1.1 client of this entry refuses MQTT 5 properties by the engine's rule.
  const v4 = await pkg.IotClient.create(options({ protocolVersion: undefined }));
  await v4.connect();
  await expectError(v4.publish('t/a', 'x', { properties: { contentType: 'text/plain' } }), { rule: 'mqtt5.only' });
  await v4.close();
});

test('Mqtt5_PropertiesToMqttJs_ArriveWithMqttJsNames', async () => {
  const topic = `iotlite/v5/${uniqueId('out')}`;
  const peer = await mqttjs();
  const ours = await pkg.IotClient.create(options());
  try {
    await peer.subscribeAsync(topic, { qos: 1 });
    await ours.connect();
    const got = nextPacket(peer, topic);
    await ours.publish(topic, '{"t":21.5}', { qos: 1, properties: {
      userProperties: { unit: 'celsius', tag: ['a', 'b'] },
      correlationData: new Uint8Array([0, 1, 2, 255]),
      responseTopic: 'iotlite/v5/replies',
      contentType: 'application/json',
      messageExpiryInterval: 120,
      payloadFormatIndicator: true,
    } });
    const { payload, packet } = await got;
    assert.equal(payload.toString(), '{"t":21.5}');
    const p = packet.properties;
    assert.deepEqual({ ...p.userProperties }, { unit: 'celsius', tag: ['a', 'b'] });  // MQTT.js: a null-prototype object
    assert.deepEqual([...p.correlationData], [0, 1, 2, 255]);
    assert.equal(p.responseTopic, 'iotlite/v5/replies');
    assert.equal(p.contentType, 'application/json');
    assert.equal(p.payloadFormatIndicator, true);
    // The broker forwards the remaining lifetime (MQTT 5 §3.3.2.3.3): at most what was sent.
    assert.ok(p.messageExpiryInterval > 0 && p.messageExpiryInterval <= 120, String(p.messageExpiryInterval));
  } finally {
    await ours.close();
    await peer.endAsync();
  }
});

test('Mqtt5_PropertiesFromMqttJs_ReceivedWithMqttJsNames', async () => {
  const topic = `iotlite/v5/${uniqueId('in')}`;
  const peer = await mqttjs();
  const ours = await pkg.IotClient.create(options());
  try {
    await ours.connect();
    const got = new Promise((resolve) => ours.subscribe(topic, { qos: 1 }, resolve));
    await sleep(300);  // the SUBACK (subscribe resolves later than the handler is set)
    await peer.publishAsync(topic, Buffer.from('hello'), { qos: 1, properties: {
      userProperties: { k: 'v', dup: ['1', '2'] },
      correlationData: Buffer.from([9, 8, 7]),
      responseTopic: 'iotlite/v5/back',
      contentType: 'text/plain',
      messageExpiryInterval: 300,
      payloadFormatIndicator: true,
    } });
    const m = await got;
    assert.equal(m.text(), 'hello');
    assert.ok(m.properties.correlationData instanceof Uint8Array);
    assert.deepEqual([...m.properties.correlationData], [9, 8, 7]);
    assert.deepEqual(m.properties.userProperties, { k: 'v', dup: ['1', '2'] });
    assert.equal(m.properties.responseTopic, 'iotlite/v5/back');
    assert.equal(m.properties.contentType, 'text/plain');
    assert.equal(m.properties.payloadFormatIndicator, true);
    assert.ok(m.properties.messageExpiryInterval > 0 && m.properties.messageExpiryInterval <= 300);
    // Without properties: none on the message.
    const plainMsg = new Promise((resolve) => ours.subscribe(`${topic}/bare`, { qos: 0 }, resolve));
    await sleep(300);
    await peer.publishAsync(`${topic}/bare`, 'x', { qos: 0 });
    assert.equal((await plainMsg).properties, undefined);
  } finally {
    await ours.close();
    await peer.endAsync();
  }
});

test('Mqtt5_DefaultVersion_Is311EvenOnTheMqtt5Entry', async () => {
  const topic = `iotlite/v5/${uniqueId('v4')}`;
  const peer = await mqttjs();
  const ours = await pkg.IotClient.create(options({ protocolVersion: undefined }));
  try {
    await ours.connect();
    const got = new Promise((resolve) => ours.subscribe(topic, { qos: 1 }, resolve));
    await sleep(300);
    await peer.publishAsync(topic, 'x', { qos: 1, properties: { contentType: 'text/plain', userProperties: { a: 'b' } } });
    // A 3.1.1 session carries no properties: the broker dropped them on the way.
    assert.equal((await got).properties, undefined);
  } finally {
    await ours.close();
    await peer.endAsync();
  }
});

test('Mqtt5_NoLocal_OwnPublishNotEchoed', async () => {
  const topic = `iotlite/v5/${uniqueId('nl')}`;
  const ours = await pkg.IotClient.create(options());
  try {
    await ours.connect();
    const seen = [];
    await ours.subscribe(topic, { qos: 1, nl: true }, (m) => seen.push(m.text()));
    const echo = [];
    await ours.subscribe(`${topic}/echo`, { qos: 1, noLocal: false }, (m) => echo.push(m.text()));
    await ours.publish(topic, 'mine', { qos: 1 });
    await ours.publish(`${topic}/echo`, 'mine too', { qos: 1 });
    await sleep(500);
    assert.deepEqual(seen, []);
    assert.deepEqual(echo, ['mine too']);
  } finally {
    await ours.close();
  }
});

// MQTT.js answering requests: to the request's response topic, echoing its correlation data.
async function responder(serviceTopic, answer) {
  const peer = await mqttjs();
  await peer.subscribeAsync(serviceTopic, { qos: 1 });
  peer.on('message', (topic, payload, packet) => {
    if (topic !== serviceTopic) return;
    const p = packet.properties || {};
    answer(peer, payload.toString(), p);
  });
  return peer;
}

test('Mqtt5_Request_MqttJsResponds_MatchedByCorrelationData', async () => {
  const service = `iotlite/v5/${uniqueId('svc')}`;
  const received = [];
  // Answers in reverse order of arrival, once two requests are in, with a decoy first: the same
  // response topic with correlation data nobody sent.
  const held = [];
  const peer = await responder(service, (c, text, p) => {
    received.push({ text, responseTopic: p.responseTopic, correlationData: p.correlationData, userProperties: p.userProperties });
    held.push([text, p]);
    if (held.length < 2) return;
    c.publish(p.responseTopic, 'decoy', { qos: 1, properties: { correlationData: Buffer.from('not-a-request') } });
    for (const [t, q] of held.reverse()) {
      c.publish(q.responseTopic, `answer to ${t}`, { qos: 1, properties: { correlationData: q.correlationData, contentType: 'text/plain' } });
    }
  });
  const clientId = uniqueId('requester');
  const ours = await pkg.IotClient.create(options({ clientId }));
  try {
    await ours.connect();
    const [a, b] = await Promise.all([
      ours.request(service, 'A', { properties: { userProperties: { op: 'a' } } }),
      ours.request(service, 'B', { timeoutMs: 5000 }),
    ]);
    assert.equal(a.text(), 'answer to A');
    assert.equal(b.text(), 'answer to B');
    assert.equal(a.properties.contentType, 'text/plain');
    assert.equal(a.topic, ours.responseTopic);
    assert.equal(ours.responseTopic, `iotlite/response/${clientId}`);  // the default
    // What MQTT.js saw: our response topic, distinct correlation data, the request's own properties kept.
    assert.equal(received.length, 2);
    assert.ok(received.every((r) => r.responseTopic === ours.responseTopic));
    assert.notDeepEqual([...received[0].correlationData], [...received[1].correlationData]);
    assert.deepEqual({ ...received.find((r) => r.text === 'A').userProperties }, { op: 'a' });
    // A later request reuses the one subscription and still matches.
    held.length = 0;
    const [c1, c2] = await Promise.all([ours.request(service, 'C'), ours.request(service, 'D')]);
    assert.deepEqual([c1.text(), c2.text()], ['answer to C', 'answer to D']);
  } finally {
    await ours.close();
    await peer.endAsync();
  }
});

test('Mqtt5_Request_TimeoutAbortBoundAndClose', async () => {
  const silent = `iotlite/v5/${uniqueId('silent')}`;
  const ours = await pkg.IotClient.create(options({ requests: { maxInFlight: 2, responseTopic: `iotlite/v5/${uniqueId('resp')}` } }));
  await ours.connect();
  const t0 = Date.now();
  await expectError(ours.request(silent, 'q', { timeoutMs: 300 }), { code: 'timeout', message: /within 300 ms/ });
  assert.ok(Date.now() - t0 >= 280, `timed out after ${Date.now() - t0} ms`);
  const controller = new AbortController();
  const aborted = ours.request(silent, 'q', { signal: controller.signal, timeoutMs: 60000 });
  setTimeout(() => controller.abort(new Error('user left')), 50);
  await expectError(aborted, { code: 'aborted' });
  // The bound: two in flight, the third refused (not queued) with the rule; closing ends both.
  const p1 = ours.request(silent, '1', { timeoutMs: 60000 });
  const p2 = ours.request(silent, '2', { timeoutMs: 60000 });
  await expectError(ours.request(silent, '3'), { code: 'queue_full', rule: 'request.in_flight', limit: 2, actual: 3 });
  const closing = ours.close();
  await expectError(p1, { code: 'closed' });
  await expectError(p2, { code: 'closed' });
  await closing;
  await expectError(ours.request(silent, 'after'), { code: 'invalid_state' });
});

test('Mqtt5_ReasonCodes_PubackAndSubackRefusalsOfTheStandin', async () => {
  const ours = await pkg.IotClient.create(options());
  try {
    await ours.connect();
    // A reserved topic: the stand-in (as AWS) refuses it; MQTT 5 answers PUBACK / SUBACK 0x87.
    await expectError(ours.publish('$aws/iotlite/forbidden', 'x', { qos: 1 }), { reasonCode: 0x87, reason: 'not authorized', mqttReason: 0x87 });
    await expectError(ours.subscribe('$aws/iotlite/forbidden', { qos: 1 }), { reasonCode: 0x87, reason: 'not authorized' });
    // The connection stays (MQTT 5: refusals do not close it).
    const topic = `iotlite/v5/${uniqueId('alive')}`;
    const got = new Promise((resolve) => ours.subscribe(topic, { qos: 1 }, resolve));
    await sleep(200);
    await ours.publish(topic, 'still here', { qos: 1 });
    assert.equal((await got).text(), 'still here');
    assert.equal(ours.state, 'connected');
  } finally {
    await ours.close();
  }
});

test('Mqtt5_ReasonCodes_ConnackRefusalByPolicy', async () => {
  const guarded = await startStandin({
    policies: {
      policies: {
        p: { Version: '2012-10-17', Statement: [
          { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:*:*:client/allowed-*' },
          { Effect: 'Allow', Action: ['iot:Publish', 'iot:Subscribe', 'iot:Receive'], Resource: '*' }] },
      },
      staticCredentials: { '*': ['p'] },
    },
  });
  try {
    const e = guarded.endpoints;
    const base = { ...options(), endpoint: e.wsUrl, credentials: e.testCredentials };
    const refused = await pkg.IotClient.create({ ...base, clientId: uniqueId('denied') });
    await expectError(refused.connect(), { code: 'auth_failed', reasonCode: 0x87, reason: 'not authorized', message: /CONNACK 0x87/ });
    await refused.close();
    const allowed = await pkg.IotClient.create({ ...base, clientId: uniqueId('allowed') });
    await allowed.connect();
    await allowed.close();
  } finally {
    await guarded.stop();
  }
});

test('Mqtt5_ReasonCodes_ServerDisconnectSessionTakenOver_ClosesWithoutFighting', async () => {
  const clientId = uniqueId('taken');
  const first = await pkg.IotClient.create(options({ clientId, reconnect: { minDelayMs: 1000, maxDelayMs: 2000 } }));
  const second = await pkg.IotClient.create(options({ clientId }));
  try {
    await first.connect();
    const gone = new Promise((resolve) => first.on('disconnect', ({ error }) => resolve(error)));
    // A request waiting on the client the engine closes ends with it, not at its timeout.
    const pending = first.request(`iotlite/v5/${uniqueId('nobody')}`, 'q', { timeoutMs: 60000 });
    const ended = pending.then(() => null, (err) => err);
    await sleep(1100);  // AWS: 1 CONNECT per second per client id
    await second.connect();
    const e = await gone;
    assert.ok(e instanceof pkg.IotError);
    assert.equal(e.reasonCode, 0x8e, e.message);
    assert.equal(e.reason, 'session taken over');
    // The engine's policy: never fight another connection for the client id.
    await sleep(1500);
    assert.equal(first.state, 'closed');
    assert.equal(second.state, 'connected');
    const err = await ended;
    assert.equal(err && err.code, 'closed', String(err));
  } finally {
    await first.close();
    await second.close();
  }
});

test('Mqtt5_SessionExpiryInterval_KeepsTheSessionAcrossConnections', async () => {
  const topic = `iotlite/v5/${uniqueId('session')}`;
  const peer = await mqttjs();
  // expiry: the Session Expiry Interval asked; the broker keeps the session only when it is > 0.
  const round = async (clientId, expiry) => {
    const o = options({ clientId, cleanSession: false, properties: { sessionExpiryInterval: expiry } });
    const first = await pkg.IotClient.create(o);
    await first.connect();
    await first.subscribe(topic, { qos: 1 });
    await first.close();
    await peer.publishAsync(topic, `while away (${expiry})`, { qos: 1 });
    await sleep(1100);  // AWS: 1 CONNECT per second per client id
    const again = await pkg.IotClient.create(o);
    const got = [];
    again.on('message', (m) => got.push(m.text()));
    const { sessionPresent } = await again.connect();
    await sleep(500);
    await again.close();
    return { sessionPresent, got };
  };
  try {
    assert.deepEqual(await round(uniqueId('keep'), 60), { sessionPresent: true, got: ['while away (60)'] });
    assert.deepEqual(await round(uniqueId('drop'), 0), { sessionPresent: false, got: [] });
  } finally {
    await peer.endAsync();
  }
});

test('Mqtt5_WillProperties_DeliveredToMqttJsWhenTheConnectionDrops', async () => {
  const topic = `iotlite/v5/${uniqueId('will')}`;
  // MQTT.js on the broker itself: the stand-in's fault control drops every gateway connection.
  const mqtt = (await import('mqtt')).default;
  const oracle = await mqtt.connectAsync(`mqtt://127.0.0.1:${ep.brokerTcpPort}`, { clientId: uniqueId('oracle'), protocolVersion: 5, reconnectPeriod: 0 });
  const ours = await pkg.IotClient.create(options({ will: { topic, payload: 'gone', qos: 1, properties: {
    contentType: 'text/plain', userProperties: { reason: 'dropped' }, correlationData: 'w-1', responseTopic: 'iotlite/v5/w',
    messageExpiryInterval: 300, payloadFormatIndicator: true, willDelayInterval: 0 } } }));
  try {
    await oracle.subscribeAsync(topic, { qos: 1 });
    await ours.connect();
    const got = nextPacket(oracle, topic, 10000);
    standin.controls.dropConnections();
    const { payload, packet } = await got;
    assert.equal(payload.toString(), 'gone');
    const p = packet.properties;
    assert.equal(p.contentType, 'text/plain');
    assert.deepEqual({ ...p.userProperties }, { reason: 'dropped' });
    assert.equal(p.correlationData.toString(), 'w-1');
    assert.equal(p.responseTopic, 'iotlite/v5/w');
    assert.equal(p.payloadFormatIndicator, true);
    assert.ok(p.messageExpiryInterval > 0 && p.messageExpiryInterval <= 300);
  } finally {
    await ours.close();
    await oracle.endAsync();
  }
});

test('Mqtt5_ArbitraryOptions_IotErrorOrSuccessNeverAnotherException', async () => {
  const fc = (await import('fast-check')).default;
  const isIotError = (e) => e instanceof pkg.IotError && (pkg.ERROR_CODES.includes(e.code) || e.code === 'aborted') && typeof e.message === 'string';
  const anything = fc.anything({ withBigInt: true, withTypedArray: true, withNullPrototype: true, withSparseArray: true });
  // Usually MQTT.js-shaped, sometimes anything.
  const field = (good) => fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: anything });
  const props = fc.record({
    userProperties: field(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.array(fc.string())))),
    correlationData: field(fc.oneof(fc.string(), fc.uint8Array())),
    responseTopic: field(fc.string()),
    contentType: field(fc.string()),
    messageExpiryInterval: field(fc.integer({ min: -1, max: 700000 })),
    payloadFormatIndicator: field(fc.boolean()),
    topicAlias: field(fc.integer()),
    willDelayInterval: field(fc.nat()),
    sessionExpiryInterval: field(fc.integer({ min: -1, max: 700000 })),
    receiveMaximum: field(fc.integer({ min: -1, max: 70000 })),
  }, { requiredKeys: [] });
  const settle = async (p) => { try { await p; return null; } catch (e) { return e; } };
  // create(): connect properties, Will properties, requests, protocolVersion.
  await fc.assert(fc.asyncProperty(props, props, fc.constantFrom(undefined, 4, 5, 3, '5'), field(fc.record({ maxInFlight: fc.integer(), timeoutMs: fc.integer(), responseTopic: fc.string() }, { requiredKeys: [] })),
    async (p, wp, protocolVersion, requests) => {
      const e = await settle(pkg.IotClient.create(options({ protocolVersion, properties: p, will: { topic: 'w/t', payload: 'x', properties: wp }, requests })).then((c) => c.close()));
      assert.ok(e === null || isIotError(e), String(e && e.stack || e));
    }), { seed: 20261203, numRuns: 200 });
  // publish() / subscribe() / request() options on a client that is not connected (nothing queued;
  // an accepted request times out after 1 ms).
  const c = await pkg.IotClient.create(options({ offlineQueue: { maxMessages: 0 } }));
  try {
    await fc.assert(fc.asyncProperty(props, field(fc.record({ nl: field(fc.boolean()), rap: field(fc.boolean()), rh: field(fc.integer({ min: -1, max: 4 })) }, { requiredKeys: [] })),
      async (p, so) => {
        for (const e of [await settle(c.publish('t/a', 'x', { qos: 1, properties: p })),
          // Accepted, a subscribe waits for a SUBACK that never comes: the signal ends it.
          await settle(c.subscribe('t/#', { ...so, signal: AbortSignal.timeout(20) })),
          await settle(c.request('t/a', 'x', { timeoutMs: 1, properties: p }))]) {
          assert.ok(e === null || isIotError(e), String(e && e.stack || e));
        }
      }), { seed: 20261203, numRuns: 200 });
  } finally {
    await c.close();
  }
});

// A broker that refuses every UNSUBSCRIBE (UNSUBACK 0x87 with a Reason String): AWS IoT Core sends
// reason codes on UNSUBACK in MQTT 5; the stand-in's Mosquitto never refuses one, so this loopback
// WebSocket server speaks the few packets the test needs (CONNECT -> CONNACK, SUBSCRIBE -> SUBACK,
// UNSUBSCRIBE -> UNSUBACK 0x87) with no signature check.
test('Unsubscribe_Unsuback0x87_RejectsWithReasonCodeAndString', async () => {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const reason = Buffer.from('not allowed here');
  wss.on('connection', (sock) => {
    sock.on('message', (data) => {
      const b = Buffer.from(data);
      const type = b[0] >> 4;
      let i = 1; let len = 0; let mul = 1;
      do { len += (b[i] & 0x7f) * mul; mul *= 128; } while (b[i++] & 0x80);
      const packetId = b.subarray(i, i + 2);
      if (type === 1) sock.send(Buffer.from([0x20, 3, 0, 0, 0]));  // CONNACK, success, no properties
      if (type === 8) sock.send(Buffer.concat([Buffer.from([0x90, 4]), packetId, Buffer.from([0, 1])]));  // SUBACK QoS 1
      if (type === 10) {
        const props = Buffer.concat([Buffer.from([0x1f, 0, reason.length]), reason]);
        const body = Buffer.concat([packetId, Buffer.from([props.length]), props, Buffer.from([0x87])]);
        sock.send(Buffer.concat([Buffer.from([0xb0, body.length]), body]));
      }
    });
  });
  try {
    const client = await pkg.IotClient.create({ endpoint: `ws://127.0.0.1:${wss.address().port}/mqtt`, region: 'us-east-1',
      clientId: uniqueId('unsub'), credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' },
      WebSocket, protocolVersion: 5, reconnect: false });
    await client.connect();
    assert.equal(await client.subscribe('a/b', { qos: 1 }, () => {}), 1);
    await assert.rejects(client.unsubscribe('a/b'), (e) => {
      assert.ok(e instanceof pkg.IotError, String(e));
      assert.equal(e.reasonCode, 0x87);
      assert.match(e.message, /UNSUBACK 0x87/);
      assert.match(e.message, /not allowed here/);
      return true;
    });
    await client.close();
  } finally {
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));
  }
});

test('Mqtt5Properties_LoneSurrogates_RefusedByCoresUtf8RuleNotSentAsReplacementCharacters', async () => {
  // A JS string with half a UTF-16 pair has no UTF-8 form; it reaches core as WTF-8 and core's
  // property encoder refuses it, naming the property (TextEncoder would send U+FFFD instead).
  const client = await pkg.IotClient.create(options());
  try {
    const refused = (p) => client.publish('a/b', 'x', { qos: 1, properties: p }).then(() => 'accepted', (e) => `${e.code}: ${e.message}`);
    assert.equal(await refused({ userProperties: { k: 'v\ud800' } }), 'invalid_argument: PUBLISH property 0x26 (user property) is not valid MQTT UTF-8');
    assert.equal(await refused({ contentType: 'text/\udc00' }), 'invalid_argument: PUBLISH property 0x03 (content type) is not valid MQTT UTF-8');
    assert.equal(await refused({ responseTopic: 'r/\ud800' }), 'invalid_topic: response topic: topic is not valid UTF-8');
  } finally {
    await client.close();
  }
});
