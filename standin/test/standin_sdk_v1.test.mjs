// AWS's own v1 JS SDK (aws-iot-device-sdk, unmodified, from npm) against the stand-in: its
// thingShadow signs its own wss:// URL (service iotdevicegateway, host with the port when it is
// not 443), offers only the WebSocket subprotocol "mqttv3.1", and runs the shadow protocol
// (subscribe to the response topics, clientToken, versions). An update/get round trip passing
// here means a v1 SDK application works against the stand-in as written.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { startStandin } from '../standin.mjs';

const require = createRequire(import.meta.url);
const awsIot = require('aws-iot-device-sdk');

let s;
before(async () => { s = await startStandin(); });
after(async () => { await s?.stop(); });

/** Waits for the next 'status' event of `shadow` for `token` (bounded). */
function statusOf(shadow, token, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no status for clientToken ${token} within ${timeoutMs} ms`)), timeoutMs);
    shadow.on('status', function onStatus(thing, stat, clientToken, doc) {
      if (clientToken !== token) return;
      clearTimeout(t);
      shadow.removeListener('status', onStatus);
      resolve({ thing, stat, doc });
    });
  });
}

test('SdkV1_ThingShadowOverSigV4WebSocket_UpdateThenGetRoundTrip', async () => {
  const e = s.endpoints;
  const shadow = awsIot.thingShadow({
    protocol: 'wss',
    host: '127.0.0.1',
    port: e.wssPort,
    region: e.region,
    accessKeyId: e.testCredentials.accessKeyId,
    secretKey: e.testCredentials.secretAccessKey,
    clientId: `sdk-v1-${process.pid}`,
    websocketOptions: { ca: readFileSync(e.caCertPath) }, // the stand-in's CA; the SDK adds its subprotocol
    baseReconnectTimeMs: 1000,
    maximumReconnectTimeMs: 2000,
  });
  const errors = [];
  shadow.on('error', (err) => errors.push(err));
  try {
    await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no connect within 10 s; errors: ${errors.map(String).join('; ')}`)), 10_000);
      shadow.once('connect', () => { clearTimeout(t); resolve(); });
    });
    await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('register did not complete within 10 s')), 10_000);
      shadow.register('sdkV1Lamp', { ignoreDeltas: false, persistentSubscribe: true }, (err, failed) => {
        clearTimeout(t);
        if (err || (failed && failed.length)) reject(new Error(`register failed: ${err ?? JSON.stringify(failed)}`));
        else resolve();
      });
    });

    const delta = new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no delta within 10 s')), 10_000);
      shadow.once('delta', (thing, doc) => { clearTimeout(t); resolve({ thing, doc }); });
    });
    const updToken = shadow.update('sdkV1Lamp', { state: { desired: { color: 'green' }, reported: { color: 'red' } } });
    assert.equal(typeof updToken, 'string', 'update() did not start (another request in flight?)');
    const upd = await statusOf(shadow, updToken);
    assert.equal(upd.stat, 'accepted');
    assert.equal(upd.thing, 'sdkV1Lamp');
    assert.equal(upd.doc.version, 1);
    const d = await delta;
    assert.deepEqual(d.doc.state, { color: 'green' });

    const getToken = shadow.get('sdkV1Lamp');
    assert.equal(typeof getToken, 'string');
    const got = await statusOf(shadow, getToken);
    assert.equal(got.stat, 'accepted');
    assert.deepEqual(got.doc.state, { desired: { color: 'green' }, reported: { color: 'red' }, delta: { color: 'green' } });
    assert.deepEqual(Object.keys(got.doc.metadata).sort(), ['delta', 'desired', 'reported']);
    assert.equal(got.doc.version, 1);
    assert.deepEqual(errors, []);
  } finally {
    await new Promise((resolve) => { shadow.end(true, resolve); });
  }
});
