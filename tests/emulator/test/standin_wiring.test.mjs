// The parts written separately (shadow service, HTTPS API) are wired into the stand-in: a
// SigV4 WebSocket client gets shadow answers through the gateway, and an HTTPS publish with a
// device certificate reaches it.
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { startStandin } from '../standin.mjs';
import { admin, connectWs, nextMessage, staticUrl } from './helpers.mjs';

let s;
before(async () => { s = await startStandin(); });
after(async () => { await s?.stop(); });

test('Wiring_ShadowUpdateOverGateway_AcceptedAndDocumentVersioned', async () => {
  assert.equal(s.endpoints.shadowService, true);
  const client = await connectWs(await staticUrl(s));
  try {
    const base = '$aws/things/wiring-thing/shadow/update';
    await client.subscribeAsync([`${base}/accepted`, `${base}/rejected`], { qos: 1 });
    const accepted = nextMessage(client, `${base}/accepted`);
    await client.publishAsync(base, JSON.stringify({ state: { reported: { on: true } }, clientToken: 'w1' }), { qos: 1 });
    const doc = JSON.parse(String(await accepted));
    assert.equal(doc.clientToken, 'w1');
    assert.equal(doc.version, 1);
    assert.deepEqual(doc.state.reported, { on: true });
  } finally { await client.endAsync(); }
});

test('Wiring_HttpsPublishWithDeviceCert_ReachesWebSocketSubscriber', async () => {
  assert.ok(s.endpoints.httpsMtlsPort > 0 && s.endpoints.httpsSigv4Port > 0);
  const cert = (await admin(s, 'certs', { thing: 'https-thing' })).json;
  const client = await connectWs(await staticUrl(s));
  try {
    await client.subscribeAsync('iotlite/wiring/https', { qos: 1 });
    const got = nextMessage(client, 'iotlite/wiring/https');
    const status = await new Promise((resolve, reject) => {
      const req = https.request({
        host: '127.0.0.1', port: s.endpoints.httpsMtlsPort, method: 'POST', path: `/topics/${encodeURIComponent('iotlite/wiring/https')}?qos=1`,
        key: cert.keyPem, cert: cert.certPem, ca: s.ca.caPem,
      }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
      req.on('error', reject);
      req.end('from https');
    });
    assert.equal(status, 200);
    assert.equal(String(await got), 'from https');
  } finally { await client.endAsync(); }
});
