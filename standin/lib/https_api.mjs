// The HTTPS side of the stand-in (AWS IoT data plane): HTTPS publish and the Device Shadow REST
// API, served twice:
//  - the 8443-style server, which requires a client certificate issued by the device CA;
//  - the 443-style server, which requires SigV4 header signing (service `iotdata`), checked by
//    AWS's own signer (@smithy/signature-v4) so that a pass means our signer is right.
// Routes: POST /topics/{url-encoded topic}?qos=0|1, GET|POST|DELETE /things/{thing}/shadow[?name=],
// GET /api/things/shadow/ListNamedShadowsForThing/{thing}[?pageSize=&nextToken=],
// GET /retainedMessage/{url-encoded topic} (GetRetainedMessage),
// GET /retainedMessage[?maxResults=&nextToken=] (ListRetainedMessages).
import https from 'node:https';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import mqtt from 'mqtt';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { readBody } from './net_util.mjs';
import { RetainedMessages } from './retained.mjs';
import { reservedPublishError, topicNameError } from './topic_rules.mjs';
import { certificateFields } from './policy_set.mjs';

export const PUBLISH_LIMITS = Object.freeze({
  maxTopicBytes: 256,
  maxTopicSlashes: 7, // not counting the `$aws/rules/<rule>/` prefix
  maxPayloadBytes: 128 * 1024,
});

const MAX_BODY_BYTES = 256 * 1024; // read limit; larger bodies are cut off with 413
const MAX_SKEW_MS = 5 * 60 * 1000;
const PUBLISH_TIMEOUT_MS = 5_000;
// ListRetainedMessages: maxResults is 1-200 (API reference); the stand-in's default page is 200.
const MAX_RETAINED_RESULTS = 200;

/**
 * The SigV4 service names the data plane accepts. The SDKs' iot-data model signs with `iotdata`;
 * the developer guide's "Device Shadow REST API" page says "you must use iotdevicegateway as
 * the service name", and older SDKs (aws-sdk-android AWSIotData, aws_erlang) sign with it.
 * AWS IoT answers both, so the stand-in accepts both (standin/README.md).
 */
export const DATA_PLANE_SERVICES = Object.freeze(['iotdata', 'iotdevicegateway']);

// x-amzn-ErrorType per status, as the iot-data API names its errors.
const ERROR_TYPES = {
  400: 'InvalidRequestException',
  401: 'UnauthorizedException',
  403: 'ForbiddenException',
  404: 'ResourceNotFoundException',
  405: 'MethodNotAllowedException',
  409: 'ConflictException',
  413: 'RequestEntityTooLargeException',
  415: 'UnsupportedDocumentEncodingException',
  429: 'ThrottlingException',
  500: 'InternalFailureException',
  503: 'ServiceUnavailableException',
};

const SIG_MISMATCH = 'The request signature we calculated does not match the signature you provided. '
  + 'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const BAD_TOKEN = 'The security token included in the request is invalid.';

/** The topic a request path names after `prefix` (percent-decoded, checked like a publish topic):
 *  {topic}, or {error} with the text of the 400 answer. */
function topicFromPath(rawPath, prefix) {
  let topic;
  try {
    topic = decodeURIComponent(rawPath.slice(prefix.length));
  } catch {
    return { error: 'topic is not valid percent-encoding' };
  }
  const error = publishTopicError(topic);
  return error ? { error } : { topic };
}

/**
 * Validates an HTTPS publish topic against the AWS IoT limits; returns an error text or null. The
 * same check as every MQTT door's (lib/topic_rules.mjs).
 */
export function publishTopicError(topic) {
  return topicNameError(topic);
}

function amzDateToMs(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s ?? '');
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

const toAmzDate = (ms) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

// Query string to the object form HttpRequest takes; values percent-decoded ('+' kept literal,
// as SigV4 canonicalisation treats it).
function parseQuery(search) {
  const query = {};
  if (!search) return query;
  for (const part of search.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    if (k in query) query[k] = [].concat(query[k], v);
    else query[k] = v;
  }
  return query;
}

/**
 * Checks a SigV4 header-signed request. Returns null when valid, else { status, message, type }.
 * Exported for reuse and unit tests.
 */
export async function verifySigV4({ method, rawPath, search, headers, body, lookupSecret, nowMs, services = ['iotdata'] }) {
  const fail = (message, type = 'ForbiddenException') => ({ status: 403, message, type });
  const auth = headers.authorization;
  if (!auth) return fail('Missing Authentication Token', 'MissingAuthenticationTokenException');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;_.-]+),\s*Signature=([0-9a-f]{64})$/
    .exec(auth);
  if (!m) return fail(`Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' in AWS4-HMAC-SHA256 form.`, 'IncompleteSignatureException');
  const [, accessKeyId, scopeDate, region, service, signedList, signature] = m;
  if (!services.includes(service)) return fail(`Credential should be scoped to correct service: '${services[0]}'.`, 'InvalidSignatureException');
  const signed = signedList.split(';');
  if (!signed.includes('host')) return fail(`'Host' must be a signed header.`, 'InvalidSignatureException');
  const amzDate = headers['x-amz-date'];
  const reqMs = amzDateToMs(amzDate);
  if (!signed.includes('x-amz-date') || Number.isNaN(reqMs)) {
    return fail(`'X-Amz-Date' must be a signed header in the form YYYYMMDDTHHMMSSZ.`, 'IncompleteSignatureException');
  }
  if (amzDate.slice(0, 8) !== scopeDate) {
    return fail(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}'`, 'InvalidSignatureException');
  }
  if (reqMs < nowMs - MAX_SKEW_MS) {
    return fail(`Signature expired: ${amzDate} is now earlier than ${toAmzDate(nowMs - MAX_SKEW_MS)} (${toAmzDate(nowMs)} - 5 min.)`, 'InvalidSignatureException');
  }
  if (reqMs > nowMs + MAX_SKEW_MS) {
    return fail(`Signature not yet current: ${amzDate} is still later than ${toAmzDate(nowMs + MAX_SKEW_MS)} (${toAmzDate(nowMs)} + 5 min.)`, 'InvalidSignatureException');
  }
  const creds = lookupSecret(accessKeyId);
  if (!creds || !creds.secretAccessKey) return fail(BAD_TOKEN, 'UnrecognizedClientException');
  const token = headers['x-amz-security-token'];
  if ((creds.sessionToken || token) && creds.sessionToken !== token) {
    return fail(BAD_TOKEN, 'UnrecognizedClientException');
  }
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const claimed = headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== 'UNSIGNED-PAYLOAD' && claimed !== bodyHash) {
    return fail('The provided x-amz-content-sha256 header does not match what was computed.', 'InvalidSignatureException');
  }
  // Re-sign exactly the headers the client signed, with the client's date and the known secret.
  const signedHeaders = {};
  for (const h of signed) {
    const v = headers[h];
    if (v === undefined) return fail(SIG_MISMATCH, 'InvalidSignatureException');
    signedHeaders[h] = Array.isArray(v) ? v.join(',') : v;
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey: creds.secretAccessKey },
    region,
    service,
    sha256: Sha256,
    applyChecksum: false,
  });
  const request = new HttpRequest({
    method,
    protocol: 'https:',
    hostname: String(headers.host ?? '').replace(/:\d+$/, ''),
    path: rawPath,
    query: parseQuery(search),
    headers: signedHeaders,
    body,
  });
  const out = await signer.sign(request, { signingDate: new Date(reqMs), signableHeaders: new Set(signed) });
  const expected = /Signature=([0-9a-f]{64})/.exec(out.headers.authorization)?.[1] ?? '';
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return fail(SIG_MISMATCH, 'InvalidSignatureException');
  return null;
}

/** The access key id of a (verified) SigV4 Authorization header. */
function sigv4KeyId(authorization) {
  return /Credential=([^/,\s]+)\//.exec(String(authorization ?? ''))?.[1];
}

/** The identity of a client-certificate connection: IoT policies attach to the certificate. */
function certificateIdentity(socket) {
  const peer = socket.getPeerCertificate?.() ?? {};
  return { kind: 'certificate', certificate: certificateFields(peer) };
}

/**
 * Starts the two HTTPS servers on `host` (loopback).
 * @param {object} o
 * @param {string} [o.host='127.0.0.1']
 * @param {number} [o.mtlsPort=0] 0 = a free port
 * @param {number} [o.sigv4Port=0] 0 = a free port
 * @param {{key: string, cert: string, ca: string}} o.tls server key+cert (PEM) and the device CA
 * @param {string} o.brokerUrl mqtt://127.0.0.1:port
 * @param {import('./shadow_store.mjs').ShadowStore} o.store
 * @param {(accessKeyId: string) => ({secretAccessKey: string, sessionToken?: string}|undefined)} o.lookupSecret
 * @param {() => number} [o.clockSkewMs] the stand-in clock's offset from real time (fault control)
 * @param {string[]} [o.sigv4Services] credential-scope services accepted; default
 *   DATA_PLANE_SERVICES (`iotdata` and `iotdevicegateway`).
 * @param {RetainedMessages} [o.retained] the retained-message reader (one is made if absent)
 * @param {(line: string) => void} [o.log]
 * @param {import('./policy_set.mjs').PolicyAuthority} [o.policies] IoT policies (allow-all when absent)
 * @param {(accessKeyId: string) => object} [o.identityForKey] the identity a SigV4 key stands for
 * @param {(certificateId: string) => string|null} [o.certificateRefusal] why a client certificate
 *   may not authenticate (not ACTIVE), or null
 */
export async function startHttpsApi({
  host = '127.0.0.1', mtlsPort = 0, sigv4Port = 0, tls, brokerUrl, store, lookupSecret,
  clockSkewMs = () => 0, sigv4Services = DATA_PLANE_SERVICES, retained, log = () => {},
  policies = null, identityForKey = (accessKeyId) => ({ kind: 'static', accessKeyId }), certificateRefusal = null,
}) {
  const client = await mqtt.connectAsync(brokerUrl, {
    clientId: `iotlite-https-api-${randomUUID().slice(0, 8)}`,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 500,
    connectTimeout: 5_000,
  });
  client.on('error', (e) => log(`https api: mqtt error: ${e.message}`));

  const nowMs = () => Date.now() + clockSkewMs();
  const retainedReader = retained ?? new RetainedMessages({ brokerUrl, nowMs });

  function send(res, status, bodyObj, extraHeaders = {}) {
    const body = typeof bodyObj === 'string' ? bodyObj : JSON.stringify(bodyObj);
    const headers = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      date: new Date(nowMs()).toUTCString(),
      'x-amzn-requestid': randomUUID(),
      ...extraHeaders,
    };
    if (status >= 400 && ERROR_TYPES[status] && !headers['x-amzn-errortype']) {
      headers['x-amzn-errortype'] = ERROR_TYPES[status];
    }
    res.writeHead(status, headers);
    res.end(body);
  }

  // A broker that goes away mid-publish must not hang the HTTP answer: bounded wait.
  function brokerPublish(topic, payload, qos, retain = false) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`publish to ${topic} not acknowledged within ${PUBLISH_TIMEOUT_MS} ms`), { unavailable: true })), PUBLISH_TIMEOUT_MS);
    });
    return Promise.race([client.publishAsync(topic, payload, { qos, retain }), timeout]).finally(() => clearTimeout(timer));
  }

  async function publishAll(messages) {
    await Promise.all(messages.map((m) => brokerPublish(m.topic, m.payload, 1)));
  }

  async function route(req, res, body, rawPath, search) {
    const query = parseQuery(search);
    if (rawPath.startsWith('/topics/')) {
      if (req.method !== 'POST') return send(res, 405, { message: `${req.method} is not allowed on /topics; use POST` });
      const { topic, error: topicErr } = topicFromPath(rawPath, '/topics/');
      if (topicErr) return send(res, 400, { message: topicErr });
      const qosText = query.qos ?? '0';
      if (qosText !== '0' && qosText !== '1') {
        return send(res, 400, { message: `qos '${qosText}' is not supported; AWS IoT accepts 0 or 1` });
      }
      if (body.length > PUBLISH_LIMITS.maxPayloadBytes) {
        return send(res, 413, { message: `payload is ${body.length} bytes; AWS IoT allows ${PUBLISH_LIMITS.maxPayloadBytes}` });
      }
      // Publish's `retain` query parameter (API reference, iot-data Publish): a boolean.
      const retainText = query.retain ?? 'false';
      if (retainText !== 'true' && retainText !== 'false') {
        return send(res, 400, { message: `retain '${retainText}' is not a boolean (true or false)` });
      }
      const retain = retainText === 'true';
      // Reserved topics: HTTPS publish follows the MQTT doors' rule (a response topic, an unknown
      // `$aws/` topic or any other `$` topic is refused), answered as AWS answers an unauthorized
      // publish: 403 ForbiddenException.
      const reserved = reservedPublishError(topic);
      if (reserved) {
        log(`https (${req.iotDoor ?? 'publish'}): publish refused 403: ${reserved}`);
        return send(res, 403, { message: 'Forbidden', traceId: randomUUID() });
      }
      if (forbidden(req, res, retain ? ['iot:Publish', 'iot:RetainPublish'] : ['iot:Publish'], `topic/${topic}`)) return undefined;
      if (!client.connected) return send(res, 503, { message: 'the message broker is not reachable' });
      try {
        await brokerPublish(topic, body, Number(qosText), retain);
      } catch (e) {
        if (e.unavailable) return send(res, 503, { message: e.message });
        throw e;
      }
      if (retain) retainedReader.noteStored(topic);
      return send(res, 200, { message: 'OK', traceId: randomUUID() });
    }
    if (rawPath === '/retainedMessage' || rawPath.startsWith('/retainedMessage/')) {
      if (req.method !== 'GET') return send(res, 405, { message: `${req.method} is not allowed; use GET` });
      return retainedRoute(req, res, rawPath, query);
    }
    const lm = /^\/api\/things\/shadow\/ListNamedShadowsForThing\/([^/]+)$/.exec(rawPath);
    if (lm) {
      if (req.method !== 'GET') return send(res, 405, { message: `${req.method} is not allowed; use GET` });
      let thing;
      try {
        thing = decodeURIComponent(lm[1]);
      } catch {
        return send(res, 400, { message: 'thing name is not valid percent-encoding' });
      }
      const r = store.restListNamed(thing, { pageSize: query.pageSize, nextToken: query.nextToken });
      return send(res, r.status, r.body);
    }
    const sm = /^\/things\/([^/]+)\/shadow$/.exec(rawPath);
    if (sm) {
      let thing;
      try {
        thing = decodeURIComponent(sm[1]);
      } catch {
        return send(res, 400, { message: 'thing name is not valid percent-encoding' });
      }
      const name = query.name === undefined ? null : String(query.name);
      const action = { GET: 'iot:GetThingShadow', POST: 'iot:UpdateThingShadow', DELETE: 'iot:DeleteThingShadow' }[req.method];
      // Shadow actions are on thing/<thing>[/<shadow name>] (guide, "AWS IoT Core action resources").
      if (action && forbidden(req, res, [action], `thing/${thing}${name === null ? '' : `/${name}`}`)) return undefined;
      let r;
      if (req.method === 'GET') r = store.restGet(thing, name);
      else if (req.method === 'POST') r = store.restUpdate(thing, name, body);
      else if (req.method === 'DELETE') r = store.restDelete(thing, name);
      else return send(res, 405, { message: `${req.method} is not allowed on a shadow; use GET, POST or DELETE` });
      if (r.publish.length) {
        // The shadow change is committed either way; only its MQTT announcement can be lost.
        const lost = client.connected ? await publishAll(r.publish).then(() => null, (e) => e) : new Error('broker not connected');
        if (lost) log(`https api: shadow notifications not published: ${lost.message}`);
      }
      return send(res, r.status, r.body);
    }
    return send(res, 404, { message: `No route for ${req.method} ${rawPath}` });
  }

  /**
   * IoT policy check of the request's identity: answers 403 ForbiddenException and returns true
   * when a policy denies one of `actions` on `resource`. The body is AWS's: {"message":
   * "Forbidden", "traceId"} (as the iot-data SDKs report it, e.g. aws-sdk-js-v3 issue #5562);
   * the stand-in's log line names the deciding statement.
   */
  function forbidden(req, res, actions, resource) {
    if (!policies?.loaded) return false;
    for (const action of actions) {
      const v = policies.authorize(req.iotIdentity, action, resource, { label: `https (${req.iotDoor})` });
      if (!v.allowed) {
        const traceId = randomUUID();
        send(res, 403, { message: 'Forbidden', traceId });
        return true;
      }
    }
    return false;
  }

  // GetRetainedMessage / ListRetainedMessages (API reference, iot-data): payload and
  // userProperties are base64; lastModifiedTime is epoch milliseconds; a topic with no retained
  // message is 404 ResourceNotFoundException.
  async function retainedRoute(req, res, rawPath, query) {
    if (!client.connected) return send(res, 503, { message: 'the message broker is not reachable' });
    if (rawPath === '/retainedMessage') {
      let size = MAX_RETAINED_RESULTS;
      if (query.maxResults !== undefined) {
        size = Number(query.maxResults);
        if (!Number.isInteger(size) || size < 1 || size > MAX_RETAINED_RESULTS) {
          return send(res, 400, { message: `maxResults '${query.maxResults}' is not an integer from 1 to ${MAX_RETAINED_RESULTS}` });
        }
      }
      const all = await retainedReader.list();
      let start = 0;
      if (query.nextToken) {
        // The token is opaque to clients: the last topic of the previous page, base64url.
        const after = Buffer.from(String(query.nextToken), 'base64url').toString('utf8');
        start = all.findIndex((m) => m.topic > after);
        if (start < 0) start = all.length;
      }
      const page = all.slice(start, start + size);
      const out = { retainedTopics: page };
      if (start + size < all.length) out.nextToken = Buffer.from(page.at(-1).topic, 'utf8').toString('base64url');
      return send(res, 200, out);
    }
    const { topic, error: topicErr } = topicFromPath(rawPath, '/retainedMessage/');
    if (topicErr) return send(res, 400, { message: topicErr });
    if (forbidden(req, res, ['iot:GetRetainedMessage'], `topic/${topic}`)) return undefined;
    const m = await retainedReader.get(topic);
    if (!m) return send(res, 404, { message: `No retained message exists for topic '${topic}'` });
    const out = { topic: m.topic, payload: m.payload.toString('base64'), qos: m.qos, lastModifiedTime: m.lastModifiedTime };
    if (m.userProperties && Object.keys(m.userProperties).length) {
      // A base64 JSON array of one-key objects, e.g. [{"deviceName":"alpha"},{"deviceCnt":"45"}].
      const list = [];
      for (const [k, v] of Object.entries(m.userProperties)) {
        for (const one of [].concat(v)) list.push({ [k]: one });
      }
      out.userProperties = Buffer.from(JSON.stringify(list)).toString('base64');
    }
    return send(res, 200, out);
  }

  function handler(kind) {
    return async (req, res) => {
      try {
        const url = req.url ?? '/';
        const q = url.indexOf('?');
        const rawPath = q < 0 ? url : url.slice(0, q);
        const search = q < 0 ? '' : url.slice(q + 1);
        let body;
        try {
          body = await readBody(req, MAX_BODY_BYTES);
        } catch (e) {
          if (e.tooLarge) {
            res.once('finish', () => req.destroy());
            send(res, 413, { message: `request body exceeds ${MAX_BODY_BYTES} bytes` }, { connection: 'close' });
            return;
          }
          throw e;
        }
        if (kind === 'sigv4') {
          const err = await verifySigV4({
            method: req.method, rawPath, search, headers: req.headers, body, lookupSecret, nowMs: nowMs(), services: sigv4Services,
          });
          if (err) return send(res, err.status, { message: err.message }, { 'x-amzn-errortype': err.type });
        }
        req.iotDoor = kind;
        req.iotIdentity = kind === 'sigv4' ? identityForKey(sigv4KeyId(req.headers.authorization)) : certificateIdentity(req.socket);
        const refusal = kind === 'mtls' && certificateRefusal?.(req.iotIdentity.certificate.certificateId);
        if (refusal) return send(res, 403, { message: refusal }, { 'x-amzn-errortype': 'ForbiddenException' });
        await route(req, res, body, rawPath, search);
      } catch (e) {
        log(`https api (${kind}): ${e.message}`);
        if (!res.headersSent) send(res, 500, { message: 'Internal service failure' });
        else res.destroy();
      }
    };
  }

  const mtls = https.createServer({
    key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: true,
  }, handler('mtls'));
  const sigv4 = https.createServer({ key: tls.key, cert: tls.cert }, handler('sigv4'));

  const listen = (srv, port) => new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, host, () => { srv.off('error', reject); resolve(srv.address().port); });
  });
  let boundMtls;
  let boundSigv4;
  try {
    boundMtls = await listen(mtls, mtlsPort);
    boundSigv4 = await listen(sigv4, sigv4Port);
  } catch (e) {
    mtls.close();
    sigv4.close();
    await client.endAsync(true);
    throw e;
  }

  const close = (srv) => new Promise((resolve) => {
    if (!srv.listening) return resolve();
    srv.close(() => resolve());
    srv.closeAllConnections();
  });

  return {
    mtlsPort: boundMtls,
    sigv4Port: boundSigv4,
    async stop() {
      await Promise.all([close(mtls), close(sigv4)]);
      await client.endAsync(true);
    },
  };
}
