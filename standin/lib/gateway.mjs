// The WebSocket gateway: GET /mqtt with subprotocol "mqtt" or "mqttv3.1" over ws:// and wss://.
// Each upgrade is authenticated like AWS IoT does (SigV4 presigned URL, or a custom authorizer
// token), answered 403 otherwise, and then relayed to Mosquitto through the RelayHub.
import http from 'node:http';
import https from 'node:https';
import { WebSocketServer } from 'ws';
import { rejectUpgrade } from './aws_errors.mjs';
import { listen, closeServer } from './net_util.mjs';
import { parseQuery, verifyPresignedUrl } from './sigv4_verify.mjs';

const AUTHORIZER_PARAM = 'x-amz-customauthorizer-name';

/**
 * WebSocket subprotocols the gateway accepts. `mqtt` is the MQTT 3.1.1/5 name; `mqttv3.1` is what
 * AWS's own v1 JS SDK (aws-iot-device-sdk, device/lib/ws.js) offers, and AWS IoT accepts it.
 * The answer names the one the client offered (first match in the client's order); an upgrade
 * offering neither is refused with 400 (kept from before: AWS documents no other name).
 */
export const SUBPROTOCOLS = Object.freeze(['mqtt', 'mqttv3.1']);

/** The subprotocol to answer for a Sec-WebSocket-Protocol header, or null. */
export function pickSubprotocol(header) {
  const offered = String(header ?? '').split(',').map((s) => s.trim());
  return offered.find((p) => SUBPROTOCOLS.includes(p)) ?? null;
}

/**
 * Custom authorizer check. AWS IoT takes `x-amz-customauthorizer-name`, the token under the
 * authorizer's token key name and (with signing enabled) `x-amz-customauthorizer-signature`
 * from either the upgrade request's headers or its query string. The stand-in's authorizer
 * stands for a Lambda that allows exactly the configured token (signing disabled).
 */
function checkCustomAuthorizer(req, authorizers) {
  const q = req.url.indexOf('?');
  const pairs = parseQuery(q < 0 ? '' : req.url.slice(q + 1)) ?? [];
  const param = (name) => {
    const hit = pairs.find(([k]) => k.toLowerCase() === name.toLowerCase());
    return hit ? hit[1] : req.headers[name.toLowerCase()];
  };
  const name = param(AUTHORIZER_PARAM);
  if (name === undefined) return null; // not a custom-authorizer request
  const auth = authorizers.find((a) => a.name === name);
  if (!auth) return { ok: false, reason: 'AuthorizerNotFound', message: `no custom authorizer named '${name}'` };
  const token = param(auth.tokenKeyName);
  if (token === undefined) return { ok: false, reason: 'AuthorizerDenied', message: `missing token '${auth.tokenKeyName}'` };
  if (token !== auth.token) return { ok: false, reason: 'AuthorizerDenied', message: 'the custom authorizer denied the token' };
  return { ok: true, principal: `authorizer:${name}`, authorizer: name };
}

/**
 * @param {object} o
 * @param {number} o.wsPort, o.wssPort  0 = free port
 * @param {{key: string, cert: string}} o.tls
 * @param {string} o.region
 * @param {Array<{name: string, tokenKeyName: string, token: string}>} o.customAuthorizers
 * @param {import('./credentials.mjs').CredentialStore} o.credentials
 * @param {import('./clock.mjs').Clock} o.clock
 * @param {import('./relay.mjs').RelayHub} o.hub
 */
export async function startGateway({ wsPort = 0, wssPort = 0, tls, region, customAuthorizers = [], credentials, clock, hub, log }) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 512 * 1024,
    handleProtocols: (protocols) => [...protocols].find((p) => SUBPROTOCOLS.includes(p)) ?? false,
  });
  let counter = 0;

  async function onUpgrade(req, socket, head, scheme) {
    const id = `${scheme}#${++counter}`;
    socket.on('error', () => {});
    const reject = (status, reason, detail) => {
      log(`${id}: upgrade refused ${status} ${reason}: ${detail}`);
      rejectUpgrade(socket, { status, reason, detail, date: clock.httpDate() });
    };
    const path = req.url.split('?')[0];
    if (path !== '/mqtt') return reject(404, 'NotFound', `path ${path} is not served; use /mqtt`);
    if (!pickSubprotocol(req.headers['sec-websocket-protocol'])) {
      return reject(400, 'BadRequest', `Sec-WebSocket-Protocol must offer ${SUBPROTOCOLS.map((p) => `"${p}"`).join(' or ')}`);
    }

    let verdict = checkCustomAuthorizer(req, customAuthorizers);
    if (!verdict) {
      verdict = await verifyPresignedUrl({
        method: req.method, url: req.url, headers: req.headers, region, service: 'iotdevicegateway', credentials, clock,
      });
    }
    if (!verdict.ok) return reject(403, verdict.reason, verdict.message);
    if (socket.destroyed) return undefined;

    wss.handleUpgrade(req, socket, head, (ws) => {
      log(`${id}: accepted (${verdict.principal ?? verdict.accessKeyId})`);
      hub.attach({
        label: id,
        webSocket: true, // AWS's WebSocket connection duration quota applies (lib/relay.mjs)
        // The identity the IoT policies apply to (lib/policy_set.mjs).
        identity: verdict.authorizer ? { kind: 'authorizer', name: verdict.authorizer } : credentials.identity(verdict.accessKeyId),
        send: (buf) => { if (ws.readyState === ws.OPEN) ws.send(buf, { binary: true }); },
        // lastPacket: the MQTT 5 CONNACK/DISCONNECT naming the rule (lib/relay.mjs), sent first.
        close: (reason, lastPacket) => {
          if (ws.readyState === ws.CLOSED) return;
          if (lastPacket && ws.readyState === ws.OPEN) ws.send(lastPacket, { binary: true });
          ws.close(reason.startsWith('AWS IoT limit') ? 1008 : 1000, reason.slice(0, 120));
          setTimeout(() => ws.terminate(), 1000).unref();
        },
        onData: (cb) => ws.on('message', (data, isBinary) => {
          if (!isBinary) { hub.log(`${id}: text frame`); ws.close(1003, 'MQTT needs binary frames'); return; }
          cb(Buffer.isBuffer(data) ? data : Buffer.concat(data));
        }),
        onClose: (cb) => ws.on('close', cb),
      });
    });
    return undefined;
  }

  function plainHandler(req, res) {
    res.writeHead(426, { 'content-type': 'text/plain', date: clock.httpDate() });
    res.end('this endpoint only serves WebSocket upgrades on /mqtt\n');
  }

  const sockets = new Set();
  const track = (srv) => srv.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const wsServer = http.createServer(plainHandler);
  const wssServer = https.createServer({ key: tls.key, cert: tls.cert }, plainHandler);
  track(wsServer);
  wssServer.on('secureConnection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  wsServer.on('upgrade', (req, socket, head) => { onUpgrade(req, socket, head, 'ws').catch((e) => { log(`ws upgrade error: ${e.stack}`); socket.destroy(); }); });
  wssServer.on('upgrade', (req, socket, head) => { onUpgrade(req, socket, head, 'wss').catch((e) => { log(`wss upgrade error: ${e.stack}`); socket.destroy(); }); });
  wssServer.on('tlsClientError', () => {});

  const boundWs = await listen(wsServer, wsPort);
  const boundWss = await listen(wssServer, wssPort);
  return {
    wsPort: boundWs,
    wssPort: boundWss,
    async stop() {
      for (const c of wss.clients) c.terminate();
      await Promise.all([closeServer(wsServer, sockets), closeServer(wssServer, sockets)]);
    },
  };
}
