// AWS IoT's reserved topics (developer guide, "Reserved topics") on every door of the stand-in:
// the MQTT doors (ws, wss, ALPN x-amzn-mqtt-ca, 8883-style) through the one rule engine, and HTTPS
// publish on both HTTPS ports. A client may publish only to request topics (shadow get/update/
// delete, jobs, provisioning, Basic Ingest rules) and subscribe only where AWS allows; forging a
// service answer closes the connection (MQTT 3.1.1) or gets PUBACK 0x87 (MQTT 5); a Will on a
// reserved topic is never published; a '$' client id is refused.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { startStandin } from '../standin.mjs';
import { admin, closed, doors, nextMessage } from './helpers.mjs';

let s;
let DOORS;
let device;
before(async () => {
  s = await startStandin();
  const r = await admin(s, 'certs', { thing: 'reserved-thing' });
  assert.equal(r.status, 200, r.text);
  device = r.json;
  DOORS = doors(s, device);
});
after(async () => { await s?.stop(); });

let seq = 0;
const uniqueId = (door) => `reserved-${door}-${process.pid}-${++seq}`;
const arrivesWithin = (client, topic, ms) => nextMessage(client, topic, ms).then(() => true, () => false);
const THING = 'reserved-thing';
const SHADOW = `$aws/things/${THING}/shadow`;

for (const door of ['Ws', 'Wss', 'Alpn443', 'Mqtt8883']) {
  const connect = (opts) => DOORS[door]({ clientId: uniqueId(door), ...opts });

  test(`Reserved_${door}_PublishToShadowResponseTopic_ConnectionClosedAndNothingForged`, async () => {
    const observer = await connect();
    const forger = await connect();
    forger.on('error', () => {});
    try {
      await observer.subscribeAsync(`${SHADOW}/update/accepted`, { qos: 1 });
      const forged = arrivesWithin(observer, `${SHADOW}/update/accepted`, 1_500);
      const gone = closed(forger);
      forger.publish(`${SHADOW}/update/accepted`, '{"state":{"reported":{"forged":true}}}', { qos: 1 });
      await gone;
      assert.equal(await forged, false, 'a forged service answer reached a subscriber');
    } finally {
      forger.end(true);
      await observer.endAsync();
    }
  });

  test(`Reserved_${door}_Mqtt5PublishToResponseTopic_Puback0x87ConnectionKept`, async () => {
    const c = await connect({ protocolVersion: 5 });
    try {
      const err = await c.publishAsync(`${SHADOW}/get/accepted`, '{}', { qos: 1 }).then(() => null, (e) => e);
      assert.equal(err?.code, 0x87, `expected PUBACK 0x87, got ${err?.code ?? 'success'}`);
      // The connection is kept: a normal round trip still works.
      const topic = `reserved/${door}/after-0x87`;
      await c.subscribeAsync(topic, { qos: 1 });
      const got = nextMessage(c, topic);
      await c.publishAsync(topic, 'still here', { qos: 1 });
      assert.equal(String(await got), 'still here');
    } finally { await c.endAsync(); }
  });

  for (const [name, topic] of [
    ['UnknownAwsTopic', '$aws/things/reserved-thing/unknown'],
    ['OtherDollarTopic', '$iotlite/made-up'],
    ['JobsNotifyTopic', `$aws/things/${THING}/jobs/notify`],
    ['ProvisioningAcceptedTopic', '$aws/certificates/create/json/accepted'],
  ]) {
    test(`Reserved_${door}_PublishTo${name}_ConnectionClosed`, async () => {
      const c = await connect();
      c.on('error', () => {});
      const gone = closed(c);
      c.publish(topic, '{}');
      await gone;
      c.end(true);
    });
  }

  test(`Reserved_${door}_RequestTopics_PublishAllowedAndShadowAnswers`, async () => {
    const c = await connect();
    try {
      await c.subscribeAsync(`${SHADOW}/update/accepted`, { qos: 1 });
      const accepted = nextMessage(c, `${SHADOW}/update/accepted`);
      // Jobs, provisioning and Basic Ingest requests pass the rule engine too (no service answers).
      await c.publishAsync(`$aws/things/${THING}/jobs/get`, '{}', { qos: 1 });
      await c.publishAsync('$aws/certificates/create/json', '{}', { qos: 1 });
      await c.publishAsync('$aws/rules/iotliteRule/a/b/c/d/e/f/g', '{}', { qos: 1 }); // prefix not counted
      await c.publishAsync(`${SHADOW}/update`, JSON.stringify({ state: { reported: { door } } }), { qos: 1 });
      assert.equal(JSON.parse(await accepted).state.reported.door, door);
    } finally { await c.endAsync(); }
  });

  test(`Reserved_${door}_SubscribeToRequestAndUnknownTopics_Suback0x80OthersGranted`, async () => {
    const c = await connect();
    try {
      const filters = {
        [`$aws/things/${THING}/jobs/get`]: { qos: 1 }, // a request topic: publish only
        '$aws/rules/iotliteRule': { qos: 1 }, // publish only
        '$SYS/#': { qos: 0 }, // not an AWS topic (Mosquitto's own)
        '$aws/unknown/+': { qos: 0 },
        [`${SHADOW}/update/delta`]: { qos: 1 },
        [`$aws/things/${THING}/jobs/notify-next`]: { qos: 1 },
        '$aws/events/presence/connected/+': { qos: 0 },
        [`${SHADOW}/get`]: { qos: 1 }, // shadow requests are "Publish/Subscribe"
      };
      const suback = await c.subscribeAsync(filters).then(() => null, (e) => e.packet);
      assert.deepEqual(suback?.granted, [0x80, 0x80, 0x80, 0x80, 1, 1, 0, 1]);
    } finally { await c.endAsync(); }
  });

  test(`Reserved_${door}_WillOnShadowUpdate_NeverPublishedConnectionKept`, async () => {
    const observer = await connect();
    try {
      await observer.subscribeAsync(`${SHADOW}/update/accepted`, { qos: 1 });
      const c = await connect({
        will: { topic: `${SHADOW}/update`, payload: Buffer.from(JSON.stringify({ state: { reported: { will: door } } })), qos: 1, retain: false },
      });
      // The connection is kept (the Will was taken out, not refused)...
      const topic = `reserved/${door}/will-kept`;
      await c.subscribeAsync(topic, { qos: 1 });
      const got = nextMessage(c, topic);
      await c.publishAsync(topic, 'ok', { qos: 1 });
      assert.equal(String(await got), 'ok');
      // ...and an abrupt end publishes no Will: the shadow is not updated.
      const updated = arrivesWithin(observer, `${SHADOW}/update/accepted`, 2_000);
      c.stream.destroy();
      c.end(true);
      assert.equal(await updated, false, 'the Will on a reserved topic was published');
    } finally { await observer.endAsync(); }
  });

  test(`Reserved_${door}_DollarClientId_ConnectionClosed`, async () => {
    await assert.rejects(DOORS[door]({ clientId: `$iotlite-${door}` }));
  });
}

// HTTPS publish: the same reserved-topic rule, answered 403 ForbiddenException as AWS answers an
// unauthorized publish; a request topic is published (200).
function httpsRequest({ port, path, headers = {}, body, cert }) {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, method: 'POST', path, headers, ca: readFileSync(s.endpoints.caCertPath), agent: false, timeout: 5_000,
      ...(cert ? { cert: device.certPem, key: device.keyPem } : {}),
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const HTTPS_DOORS = {
  HttpsMtls: (topic, body) => httpsRequest({ port: s.endpoints.httpsMtlsPort, path: `/topics/${encodeURIComponent(topic)}?qos=1`, body, cert: true }),
  HttpsSigv4: async (topic, body) => {
    const port = s.endpoints.httpsSigv4Port;
    const signer = new SignatureV4({ credentials: s.endpoints.testCredentials, region: s.endpoints.region, service: 'iotdata', sha256: Sha256 });
    const path = `/topics/${encodeURIComponent(topic)}`;
    const req = new HttpRequest({ method: 'POST', protocol: 'https:', hostname: '127.0.0.1', port, path, query: { qos: '1' }, headers: { host: `127.0.0.1:${port}` }, body });
    const out = await signer.sign(req);
    return httpsRequest({ port, path: `${path}?qos=1`, headers: out.headers, body });
  },
};

for (const [door, publish] of Object.entries(HTTPS_DOORS)) {
  test(`Reserved_${door}_PublishToResponseOrDollarTopic_403`, async () => {
    for (const topic of [`${SHADOW}/update/accepted`, `$aws/things/${THING}/jobs/notify-next`, '$iotlite/made-up', '$aws/unknown']) {
      const r = await publish(topic, '{}');
      assert.equal(r.status, 403, `${topic}: ${r.status} ${r.body}`);
      assert.equal(r.headers['x-amzn-errortype'], 'ForbiddenException');
    }
  });

  test(`Reserved_${door}_PublishToShadowUpdate_200AndShadowAnswers`, async () => {
    const observer = await DOORS.Mqtt8883({ clientId: uniqueId(door) });
    try {
      await observer.subscribeAsync(`${SHADOW}/update/accepted`, { qos: 1 });
      const accepted = nextMessage(observer, `${SHADOW}/update/accepted`);
      const r = await publish(`${SHADOW}/update`, JSON.stringify({ state: { reported: { door } } }));
      assert.equal(r.status, 200, r.body);
      assert.equal(JSON.parse(await accepted).state.reported.door, door);
    } finally { await observer.endAsync(); }
  });
}
