// Certificate ports: Mosquitto's 8883-style TLS listener (client certificate required) and the
// 443-style ALPN x-amzn-mqtt-ca relay; device certificates come from POST /admin/certs.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import mqtt from 'mqtt';
import { after, before, test } from 'node:test';
import { startStandin } from '../standin.mjs';
import { admin, nextMessage } from './helpers.mjs';

let s;
let device;
let ca;
before(async () => {
  s = await startStandin();
  ca = readFileSync(s.endpoints.caCertPath, 'utf8');
  const r = await admin(s, 'certs', { thing: 'tls-test-thing' });
  assert.equal(r.status, 200, r.text);
  device = r.json;
});
after(async () => { await s?.stop(); });

function connectTls(port, opts) {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtts://127.0.0.1:${port}`, {
      protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ca, rejectUnauthorized: true, ...opts,
    });
    client.once('connect', () => resolve(client));
    client.once('error', (e) => { client.end(true); reject(e); });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/** A bare TLS handshake; resolves with { ok, alpn, error }. */
function handshake(port, opts) {
  return new Promise((resolve) => {
    const sock = tls.connect({ host: '127.0.0.1', port, ca, ...opts });
    sock.once('secureConnect', () => {
      const alpn = sock.alpnProtocol;
      // The server may still close right after the handshake: wait briefly for data/close.
      sock.once('close', () => resolve({ ok: true, alpn, closedByServer: true }));
      setTimeout(() => { sock.destroy(); resolve({ ok: true, alpn, closedByServer: false }); }, 300);
    });
    sock.once('error', (e) => resolve({ ok: false, error: e }));
  });
}

test('Certs_AdminIssuesPairSignedByTheCa', () => {
  assert.match(device.certPem, /BEGIN CERTIFICATE/);
  assert.match(device.keyPem, /PRIVATE KEY/);
  assert.equal(readFileSync(device.certPath, 'utf8'), device.certPem);
  const x = new X509Certificate(device.certPem);
  assert.equal(x.subject, 'CN=tls-test-thing');
  assert.ok(x.checkIssued(new X509Certificate(ca)));
});

test('Mqtt8883_WithDeviceCertificate_RoundTrips', async () => {
  const client = await connectTls(s.endpoints.mqttTlsPort, { key: device.keyPem, cert: device.certPem });
  try {
    await client.subscribeAsync('iotlite/tls/echo', { qos: 1 });
    const got = nextMessage(client, 'iotlite/tls/echo');
    await client.publishAsync('iotlite/tls/echo', 'over 8883', { qos: 1 });
    assert.equal(String(await got), 'over 8883');
  } finally { await client.endAsync(); }
});

test('Mqtt8883_WithoutClientCertificate_Refused', async () => {
  await assert.rejects(connectTls(s.endpoints.mqttTlsPort, {}));
});

test('Mqtt8883_CertificateFromAnotherCa_Refused', async () => {
  const { createCa } = await import('../lib/ca.mjs');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/iotlite-otherca-');
  try {
    const other = await createCa(dir);
    const foreign = await other.issueDevice('intruder');
    await assert.rejects(connectTls(s.endpoints.mqttTlsPort, { key: foreign.keyPem, cert: foreign.certPem }));
    await assert.rejects(connectTls(s.endpoints.alpnPort, { key: foreign.keyPem, cert: foreign.certPem, ALPNProtocols: ['x-amzn-mqtt-ca'] }));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('Alpn443_XAmznMqttCaWithCertificate_RelaysMqtt', async () => {
  const client = await connectTls(s.endpoints.alpnPort, { key: device.keyPem, cert: device.certPem, ALPNProtocols: ['x-amzn-mqtt-ca'] });
  try {
    await client.subscribeAsync('iotlite/alpn/echo', { qos: 1 });
    const got = nextMessage(client, 'iotlite/alpn/echo');
    await client.publishAsync('iotlite/alpn/echo', 'over alpn', { qos: 1 });
    assert.equal(String(await got), 'over alpn');
  } finally { await client.endAsync(); }
});

test('Alpn443_OtherAlpn_HandshakeRefused', async () => {
  const r = await handshake(s.endpoints.alpnPort, { key: device.keyPem, cert: device.certPem, ALPNProtocols: ['http/1.1'] });
  assert.equal(r.ok, false);
  assert.match(String(r.error.code ?? r.error.message), /ALPN|NO_APPLICATION_PROTOCOL|no_application_protocol/i);
});

test('Alpn443_NoAlpn_ClosedAfterHandshake', async () => {
  const r = await handshake(s.endpoints.alpnPort, { key: device.keyPem, cert: device.certPem });
  assert.ok(!r.ok || r.closedByServer, JSON.stringify(r));
});

test('Alpn443_NoClientCertificate_Refused', async () => {
  await assert.rejects(connectTls(s.endpoints.alpnPort, { ALPNProtocols: ['x-amzn-mqtt-ca'] }));
});
