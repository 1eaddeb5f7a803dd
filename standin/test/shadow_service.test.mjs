// The shadow service against a real Mosquitto 2.0.11 on a free loopback port: a plain MQTT
// client (mqtt.js) publishes shadow requests on `$aws/...` topics and receives the answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ShadowStore } from '../lib/shadow_store.mjs';
import { startShadowService } from '../lib/shadow_service.mjs';
import { startTestMosquitto, collector } from './helpers_shadowsvc.mjs';

let broker;
let service;
let store;
let now = 1700000000;

before(async () => {
  broker = await startTestMosquitto();
  store = new ShadowStore({ nowSeconds: () => now });
  service = await startShadowService({ brokerUrl: broker.url, store });
});

after(async () => {
  await service?.stop();
  await broker?.stop();
});

test('ShadowService_UpdateGetDeleteOverMosquitto_AnswersOnResponseTopics', async (t) => {
  const P = '$aws/things/svcThing/shadow';
  const c = await collector(broker.url, [`${P}/update/accepted`, `${P}/update/delta`, `${P}/update/documents`,
    `${P}/get/accepted`, `${P}/get/rejected`, `${P}/delete/accepted`]);
  t.after(() => c.close());

  await c.client.publishAsync(`${P}/update`, JSON.stringify({ state: { desired: { power: 'on' } }, clientToken: 'svc-1' }), { qos: 1 });
  assert.deepEqual(await c.next(`${P}/update/accepted`), {
    state: { desired: { power: 'on' } },
    metadata: { desired: { power: { timestamp: now } } },
    version: 1,
    timestamp: now,
    clientToken: 'svc-1',
  });
  assert.deepEqual(await c.next(`${P}/update/delta`), {
    state: { power: 'on' }, metadata: { power: { timestamp: now } }, version: 1, timestamp: now, clientToken: 'svc-1',
  });
  assert.equal((await c.next(`${P}/update/documents`)).current.version, 1);

  await c.client.publishAsync(`${P}/get`, '', { qos: 1 });
  assert.deepEqual((await c.next(`${P}/get/accepted`)).state, { desired: { power: 'on' }, delta: { power: 'on' } });

  await c.client.publishAsync(`${P}/delete`, '{"clientToken":"d"}', { qos: 1 });
  assert.deepEqual(await c.next(`${P}/delete/accepted`), { version: 1, timestamp: now, clientToken: 'd' });
  await c.client.publishAsync(`${P}/get`, '', { qos: 0 });
  assert.deepEqual(await c.next(`${P}/get/rejected`), { code: 404, message: "No shadow exists with name: 'svcThing'" });
});

test('ShadowService_NamedShadowAndRejectedUpdate_PublishedOnNamedTopics', async (t) => {
  const N = '$aws/things/svcThing/shadow/name/cfg';
  const c = await collector(broker.url, [`${N}/update/accepted`, `${N}/update/rejected`]);
  t.after(() => c.close());
  await c.client.publishAsync(`${N}/update`, '{"state":{"reported":{"v":1}}}', { qos: 1 });
  assert.equal((await c.next(`${N}/update/accepted`)).version, 1);
  await c.client.publishAsync(`${N}/update`, '{"state":{"reported":{"v":2}},"version":0,"clientToken":"old"}', { qos: 1 });
  assert.deepEqual(await c.next(`${N}/update/rejected`), { code: 409, message: 'Version conflict', timestamp: now, clientToken: 'old' });
  await c.client.publishAsync(`${N}/update`, 'not json', { qos: 1 });
  assert.deepEqual(await c.next(`${N}/update/rejected`), { code: 400, message: 'Invalid JSON', timestamp: now });
});

test('ShadowService_OwnResponseTopicsAndOtherTopics_NotAnswered', async (t) => {
  // A publication on a response topic (or any non-request topic) must not produce anything,
  // otherwise the service would answer itself. Checked with a marker request afterwards:
  // everything the service published before the marker's answer is in `seen`.
  const P = '$aws/things/quiet/shadow';
  const c = await collector(broker.url, ['$aws/things/quiet/shadow/#']);
  t.after(() => c.close());
  await c.client.publishAsync(`${P}/update/accepted`, '{"state":{}}', { qos: 1 });
  await c.client.publishAsync(`${P}/unknown`, '{}', { qos: 1 });
  await c.client.publishAsync(`${P}/get`, '', { qos: 1 });
  await c.next(`${P}/get/rejected`);
  assert.deepEqual(c.seen.map((m) => m.topic), [`${P}/update/accepted`, `${P}/unknown`, `${P}/get`, `${P}/get/rejected`]);
});

test('ShadowService_BrokerRestart_ReconnectsAndResubscribes', async (t) => {
  const port = broker.port;
  await broker.stop();
  broker = await startTestMosquitto(port);
  // The service reconnects every 500 ms; poll with a bounded number of attempts.
  const P = '$aws/things/afterRestart/shadow';
  const c = await collector(broker.url, [`${P}/get/rejected`]);
  t.after(() => c.close());
  let answered = false;
  for (let attempt = 0; attempt < 20 && !answered; attempt++) {
    await c.client.publishAsync(`${P}/get`, '', { qos: 1 });
    answered = await c.next(`${P}/get/rejected`, 500).then(() => true, () => false);
  }
  assert.ok(answered, 'the service answered after the broker restart');
});

test('ShadowService_StateNullOverMosquitto_AcceptedDocumentsAndEmptyGet', async (t) => {
  const P = '$aws/things/svcNullThing/shadow';
  const c = await collector(broker.url, [`${P}/update/accepted`, `${P}/update/rejected`, `${P}/update/documents`, `${P}/get/accepted`]);
  t.after(() => c.close());
  await c.client.publishAsync(`${P}/update`, '{"state":{"desired":{"a":1}}}', { qos: 1 });
  assert.equal((await c.next(`${P}/update/accepted`)).version, 1);
  // A shadow that did not exist: "previous": null is present.
  assert.equal((await c.next(`${P}/update/documents`)).previous, null);
  await c.client.publishAsync(`${P}/update`, '{"state":null,"clientToken":"wipe"}', { qos: 1 });
  assert.deepEqual(await c.next(`${P}/update/accepted`), { state: null, metadata: {}, version: 2, timestamp: now, clientToken: 'wipe' });
  const docs = await c.next(`${P}/update/documents`);
  assert.deepEqual(docs.previous.state, { desired: { a: 1 } });
  assert.deepEqual(docs.current, { state: {}, metadata: {}, version: 2 });
  await c.client.publishAsync(`${P}/get`, '', { qos: 1 });
  assert.deepEqual(await c.next(`${P}/get/accepted`), { state: {}, metadata: {}, version: 2, timestamp: now });
});
