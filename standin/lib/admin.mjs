// Fault controls and the device-certificate issuer over a loopback HTTP/JSON API.
// Every route maps to one method of the `controls` object that startStandin() also returns.
import http from 'node:http';
import { listen, closeServer } from './net_util.mjs';
import { jobsAdminRoute } from './jobs_admin.mjs';
import { provisioningAdminRoute } from './provisioning_admin.mjs';
import { ControlError } from './control_error.mjs';

// Policy sets (PUT /admin/policies) are the largest bodies: a set for many principals can pass 16 KB.
const MAX_BODY = 256 * 1024;

class BadRequest extends Error {}
class NotFound extends Error {}

function boolParam(params, key) {
  const v = params.get(key);
  if (v === null) return false; // AWS's default for both DeleteConnection options
  if (v !== 'true' && v !== 'false') throw new BadRequest(`"${key}" must be true or false`);
  return v === 'true';
}

/**
 * DELETE /admin/connections/{clientId}?cleanSession=&preventWillMessage=, shaped like the IoT
 * data plane's DeleteConnection (`DELETE /connections/{clientId}`, API reference): the client id
 * is percent-encoded, can't start with '$'; both options default to false; 404 when no client
 * with that id is connected.
 */
async function deleteConnection(controls, rawId, params) {
  let clientId;
  try { clientId = decodeURIComponent(rawId); } catch { throw new BadRequest('client id is not valid percent-encoding'); }
  if (!clientId) throw new BadRequest('client id is empty');
  if (clientId.startsWith('$')) throw new BadRequest(`client id '${clientId}' starts with '$'; DeleteConnection refuses such ids`);
  const cleanSession = boolParam(params, 'cleanSession');
  const preventWillMessage = boolParam(params, 'preventWillMessage');
  const closed = await controls.deleteConnection(clientId, { cleanSession, preventWillMessage });
  if (closed === 0) {
    throw new NotFound(`no connection with client id '${clientId}' on any door (ws, wss, ALPN, 8883)`);
  }
  return { clientId, closed, cleanSession, preventWillMessage };
}

function number(body, key, { min = -Infinity, max = Infinity } = {}) {
  const v = body[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new BadRequest(`"${key}" must be a number in [${min}, ${max}]`);
  }
  return v;
}

/** Routes: see standin/README.md ("Admin API"). */
export async function startAdmin({ port = 0, controls, clock, log }) {
  const routes = {
    'GET /admin/state': () => controls.state(),
    'POST /admin/drop': () => ({ dropped: controls.dropConnections() }),
    'POST /admin/broker/stop': async () => { await controls.stopBroker(); return controls.state(); },
    'POST /admin/broker/start': async () => { await controls.startBroker(); return controls.state(); },
    'POST /admin/clock': (b) => {
      const skewMs = 'skewSeconds' in b ? number(b, 'skewSeconds', { min: -1e7, max: 1e7 }) * 1000 : number(b, 'skewMs', { min: -1e10, max: 1e10 });
      controls.setClockSkew(skewMs);
      return controls.state();
    },
    'POST /admin/latency': (b) => { controls.setLatency(number(b, 'ms', { min: 0, max: 60_000 })); return controls.state(); },
    'POST /admin/credentials/expire': () => ({ expired: controls.expireCredentials() }),
    'POST /admin/credentials/lifetime': (b) => { controls.setCredentialLifetime(number(b, 'seconds', { min: 1, max: 43200 })); return controls.state(); },
    'POST /admin/certs': async (b) => {
      if (typeof b.thing !== 'string') throw new BadRequest('"thing" (the thing name) is required');
      try {
        return await controls.issueDeviceCert(b.thing);
      } catch (e) {
        throw new BadRequest(e.message);
      }
    },
    'POST /admin/reset': async () => { await controls.reset(); return controls.state(); },
    // IoT policies (standin/README.md, "IoT policies"): the body is a policy set, as in
    // --policy FILE; DELETE goes back to allow-all. An invalid set is 400 and changes nothing.
    'GET /admin/policies': () => controls.getPolicies(),
    'PUT /admin/policies': (b) => {
      try { controls.setPolicies(b); } catch (e) { throw new BadRequest(e.message); }
      return controls.getPolicies();
    },
    'DELETE /admin/policies': () => { controls.setPolicies(null); return controls.getPolicies(); },
  };

  function send(res, status, obj) {
    const body = JSON.stringify(obj);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), date: clock.httpDate(), 'access-control-allow-origin': '*' });
    res.end(body);
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (d) => { size += d.length; if (size <= MAX_BODY) chunks.push(d); });
    req.on('end', async () => {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, POST, PUT, DELETE', 'access-control-allow-headers': 'content-type' });
        res.end();
        return;
      }
      const url = new URL(req.url, 'http://admin.invalid');
      const conn = /^\/admin\/connections\/([^/]+)$/.exec(req.url.split('?')[0]);
      const route = conn && req.method === 'DELETE'
        ? () => deleteConnection(controls, conn[1], url.searchParams)
        : routes[`${req.method} ${req.url.split('?')[0]}`]
          // Jobs (lib/jobs_admin.mjs): AWS's CreateJob/CancelJob/... paths under /admin.
          ?? jobsAdminRoute(controls.jobs, req.method, url.pathname, url.searchParams)
          // Fleet provisioning (lib/provisioning_admin.mjs): templates, certificates, things.
          ?? provisioningAdminRoute(controls.provisioning, req.method, url.pathname, url.searchParams);
      if (!route) { send(res, 404, { error: `no route ${req.method} ${req.url}`, routes: Object.keys(routes) }); return; }
      try {
        if (size > MAX_BODY) throw new BadRequest('body too large');
        const text = Buffer.concat(chunks).toString('utf8');
        let body = {};
        if (text) {
          try { body = JSON.parse(text); } catch { throw new BadRequest('body is not JSON'); }
        }
        if (body === null || typeof body !== 'object') throw new BadRequest('body must be a JSON object');
        const result = await route(body);
        log(`admin: ${req.method} ${req.url}`);
        send(res, 200, result);
      } catch (e) {
        if (e instanceof BadRequest) send(res, 400, { error: e.message });
        else if (e instanceof NotFound) send(res, 404, { error: e.message });
        // A control-plane error that carries AWS's status and exception name (Jobs, provisioning).
        else if (e instanceof ControlError) send(res, e.status, { error: e.message, code: e.code });
        else { log(`admin: ${req.url} failed: ${e.stack}`); send(res, 500, { error: e.message }); }
      }
    });
  });
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const bound = await listen(server, port);
  return { port: bound, stop: () => closeServer(server, sockets) };
}
