// Local peers for the firmware transport tests (loopback only, port 0). Not the stand-in:
// a small, independent set of servers whose behaviour the tests control.
//
//   node peer.mjs --dir <pki dir> --mqtt-port <Mosquitto plain TCP port>
//
// Prints one JSON line {"alpn":p,"wss":p,"https_cert":p,"https_sigv4":p} and serves until stdin
// closes or it is killed:
//   alpn         TLS, client certificate required (ca.crt), ALPN x-amzn-mqtt-ca only; relays to Mosquitto
//   wss          HTTPS + WebSocket upgrade on /mqtt, subprotocol mqtt; 403 unless the URL is presigned
//                with the test credentials (checked with AWS's @smithy/signature-v4) and X-Amz-Date is
//                within 5 minutes; relays binary frames to Mosquitto
//   https_cert   HTTPS, client certificate required: echoes each request as JSON
//   https_sigv4  HTTPS, no client certificate: 403 unless the Authorization header verifies
//                (service iotdata, region us-east-1, the test credentials); else echoes as JSON
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import https from 'node:https';
import path from 'node:path';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, v, i, a) => (i % 2 === 0 ? [...acc, [v.replace(/^--/, ''), a[i + 1]]] : acc), []));
const dir = args.dir;
const mqttPort = Number(args['mqtt-port']);
const read = (f) => fs.readFileSync(path.join(dir, f));
const CREDS = { accessKeyId: 'AKIDFIRMWARETEST', secretAccessKey: 'firmware-test-secret' };
const REGION = 'us-east-1';

function relay(socket) {
  const upstream = net.connect(mqttPort, '127.0.0.1');
  socket.pipe(upstream).pipe(socket);
  const end = () => { socket.destroy(); upstream.destroy(); };
  socket.on('error', end); upstream.on('error', end); socket.on('close', end); upstream.on('close', end);
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

function amzDateToDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : null;
}

async function expectedSignature(service, method, host, rawPath, query, headers, body, date, presign) {
  const signer = new SignatureV4({ credentials: CREDS, region: REGION, service, sha256: Sha256, applyChecksum: false });
  const req = new HttpRequest({ method, protocol: 'https:', hostname: host.split(':')[0], path: rawPath, query,
    headers: { host, ...headers }, body });
  if (presign) {
    const out = await signer.presign(req, { signingDate: date, unsignableHeaders: new Set() });
    return out.query['X-Amz-Signature'];
  }
  const out = await signer.sign(req, { signingDate: date });
  const m = /Signature=([0-9a-f]{64})/.exec(out.headers.authorization);
  return m && m[1];
}

function parseQuery(q) {
  const out = {};
  for (const part of (q || '').split('&').filter(Boolean)) {
    const i = part.indexOf('=');
    const k = decodeURIComponent(i < 0 ? part : part.slice(0, i));
    out[k] = decodeURIComponent(i < 0 ? '' : part.slice(i + 1));
  }
  return out;
}

// --- ALPN 443-style MQTT over TLS
const alpn = tls.createServer({
  key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt'),
  requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['x-amzn-mqtt-ca'],
}, relay);
alpn.on('tlsClientError', () => {});

// --- WSS with presigned URL
const wssHttps = https.createServer({ key: read('server.key'), cert: read('server.crt') }, (req, res) => {
  res.writeHead(404); res.end();
});
wssHttps.on('tlsClientError', () => {});
const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
function refuse(socket, status, text, body) {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
wssHttps.on('upgrade', async (req, socket, head) => {
  const [rawPath, rawQuery] = req.url.split('?');
  const q = parseQuery(rawQuery);
  const date = amzDateToDate(q['X-Amz-Date']);
  if (rawPath !== '/mqtt' || !date || !q['X-Amz-Signature']) return refuse(socket, 403, 'Forbidden', '{"message":"Missing Authentication Token"}');
  const expires = q['X-Amz-Expires'] ? Number(q['X-Amz-Expires']) : 0;
  const age = Date.now() - date.getTime();
  if (age < -300000 || age > (expires ? expires * 1000 : 300000)) return refuse(socket, 403, 'Forbidden', '{"message":"Signature expired"}');
  // @smithy's presign always emits X-Amz-Expires, so the signature is checked with AWS's code
  // when the URL carries one (the tests presign with an expiry); without it only the window is.
  if (expires) {
    const signedQuery = { ...q };
    for (const k of ['X-Amz-Signature', 'X-Amz-Security-Token', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires']) delete signedQuery[k];
    const signer = new SignatureV4({ credentials: CREDS, region: REGION, service: 'iotdevicegateway', sha256: Sha256 });
    const r = new HttpRequest({ method: 'GET', protocol: 'https:', hostname: req.headers.host, path: rawPath, query: signedQuery, headers: { host: req.headers.host } });
    const out = await signer.presign(r, { signingDate: date, expiresIn: expires });
    if (out.query['X-Amz-Signature'] !== q['X-Amz-Signature']) return refuse(socket, 403, 'Forbidden', '{"message":"The request signature we calculated does not match the signature you provided."}');
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => {});
    relay(stream);
  });
});

// --- HTTPS echo servers
function echo(req, res, extra) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const out = JSON.stringify({ method: req.method, url: req.url, body, ...extra });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) });
    res.end(out);
  });
}
const httpsCert = https.createServer({ key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: true },
  (req, res) => echo(req, res, { client: req.socket.getPeerCertificate().subject?.CN }));
httpsCert.on('tlsClientError', () => {});
const httpsSig = https.createServer({ key: read('server.key'), cert: read('server.crt') }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const auth = req.headers.authorization || '';
    const date = amzDateToDate(req.headers['x-amz-date']);
    const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
    let ok = false;
    if (m && date) {
      const [rawPath, rawQuery] = req.url.split('?');
      const signed = {};
      for (const h of m[2].split(';')) if (h !== 'host') signed[h] = req.headers[h];
      const sig = await expectedSignature('iotdata', req.method, req.headers.host, rawPath, parseQuery(rawQuery), signed, body, date, false);
      ok = sig === m[3];
    }
    if (!ok) {
      const out = '{"message":"The request signature we calculated does not match the signature you provided."}';
      res.writeHead(403, { 'Content-Type': 'application/json', 'Content-Length': out.length });
      return res.end(out);
    }
    const out = JSON.stringify({ method: req.method, url: req.url, body, signed: true });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) });
    res.end(out);
  });
});

const ports = {
  alpn: await listen(alpn),
  wss: await listen(wssHttps),
  https_cert: await listen(httpsCert),
  https_sigv4: await listen(httpsSig),
};
process.stdout.write(JSON.stringify(ports) + '\n');
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
