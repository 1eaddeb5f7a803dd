// Shared helpers for the stand-in's own tests. The presigned URLs are made with AWS's signer
// (@smithy/signature-v4), independently of iotlite's C++ signer.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import mqtt from 'mqtt';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import WebSocket from 'ws';

/** RFC 3986 strict encoding, as SigV4 wants. */
export const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

/**
 * Presigns GET /mqtt for host:port with @smithy/signature-v4. The session token is appended
 * after the signature (the AWS IoT rule), never signed.
 */
export async function presignWsUrl({ scheme = 'ws', port, host = '127.0.0.1', region = 'us-east-1', service = 'iotdevicegateway',
  accessKeyId, secretAccessKey, sessionToken, date = new Date(), expiresIn = 3600 }) {
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region, service, sha256: Sha256 });
  const request = new HttpRequest({ method: 'GET', protocol: `${scheme}:`, hostname: host, port, path: '/mqtt', headers: { host: `${host}:${port}` } });
  const signed = await signer.presign(request, { signingDate: date, expiresIn });
  const q = Object.entries(signed.query).map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  const token = sessionToken ? `&X-Amz-Security-Token=${enc(sessionToken)}` : '';
  return `${scheme}://${host}:${port}/mqtt?${q}${token}`;
}

/** Opens a WebSocket upgrade and resolves with {status, body, headers} on refusal or {ws} on success. */
export function tryUpgrade(url, { protocols = ['mqtt'], ...opts } = {}) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, { rejectUnauthorized: false, ...opts });
    ws.on('open', () => resolve({ status: 101, ws }));
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: body ? JSON.parse(body) : null }));
    });
    ws.on('error', (e) => resolve({ status: 0, error: e }));
  });
}

/** Connects mqtt.js through a given WebSocket URL (no reconnect). */
export function connectWs(url, { clientId = `t-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, ...opts } = {}) {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000,
      transformWsUrl: () => url,
      wsOptions: { rejectUnauthorized: false },
      ...opts,
    });
    client.once('connect', () => resolve(client));
    client.once('error', (e) => { client.end(true); reject(e); });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/** Resolves with the first message on `topic` (rejects after timeoutMs). */
export function nextMessage(client, topic, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no message on ${topic} within ${timeoutMs} ms`)), timeoutMs);
    client.on('message', function onMsg(tp, payload) {
      if (tp !== topic) return;
      clearTimeout(t);
      client.off('message', onMsg);
      resolve(payload);
    });
  });
}

/** Resolves when the client's connection closes (rejects after timeoutMs). */
export function closed(client, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs);
    client.once('close', () => { clearTimeout(t); resolve(); });
  });
}

/** JSON request to a loopback HTTP endpoint. */
export function request(url, { method = 'POST', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
    const req = http.request(url, { method, headers: { ...(data !== undefined ? { 'content-length': Buffer.byteLength(data) } : {}), ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
    });
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

export const admin = (standin, route, body = {}) => request(`${standin.endpoints.adminUrl}/${route}`, { method: route === 'state' ? 'GET' : 'POST', headers: { 'content-type': 'application/json' }, body: route === 'state' ? undefined : body });

/** Cognito call with the AWS JSON 1.1 protocol. */
export const cognito = (standin, op, body) => request(standin.endpoints.cognitoUrl, {
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${op}` },
  body,
});

/** Static-key presigned URL for the stand-in's ws:// (or wss://) port. */
export function staticUrl(standin, extra = {}) {
  const e = standin.endpoints;
  const scheme = extra.scheme ?? 'ws';
  return presignWsUrl({ port: scheme === 'ws' ? e.wsPort : e.wssPort, ...e.testCredentials, ...extra });
}

/** An mqtt.js client over a client-certificate TLS door (8883-style, or ALPN when `alpn` is set). */
export function connectCert(port, { ca, key, cert, alpn = null, ...opts }) {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtts://127.0.0.1:${port}`, {
      protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ca, rejectUnauthorized: true,
      key, cert, ...(alpn ? { ALPNProtocols: [alpn] } : {}), ...opts,
    });
    client.once('connect', () => resolve(client));
    client.once('error', (e) => { client.end(true); reject(e); });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/**
 * Every MQTT door of a stand-in, each as `(mqttJsOptions) => Promise<client>`: the SigV4 gateway
 * over ws and wss, ALPN x-amzn-mqtt-ca and the 8883-style port (both with `device`'s certificate,
 * from POST /admin/certs). For tests that run one rule on every door.
 */
export function doors(standin, device) {
  const e = standin.endpoints;
  const ca = readFileSync(e.caCertPath, 'utf8');
  const cert = { ca, key: device.keyPem, cert: device.certPem };
  return {
    Ws: async (opts) => connectWs(await staticUrl(standin), opts),
    Wss: async (opts) => connectWs(await staticUrl(standin, { scheme: 'wss' }), opts),
    Alpn443: (opts) => connectCert(e.alpnPort, { ...cert, alpn: 'x-amzn-mqtt-ca', ...opts }),
    Mqtt8883: (opts) => connectCert(e.mqttTlsPort, { ...cert, ...opts }),
  };
}
