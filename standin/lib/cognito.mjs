// A Cognito identity-pool endpoint (the two calls a browser makes without AWS credentials):
//   POST /  X-Amz-Target: AWSCognitoIdentityService.GetId                     -> { IdentityId }
//   POST /  X-Amz-Target: AWSCognitoIdentityService.GetCredentialsForIdentity -> { IdentityId, Credentials }
// Content-Type application/x-amz-json-1.1, unsigned. Errors are AWS JSON 1.1 style:
// HTTP 400 with {"__type": "...Exception", "message": "..."} and x-amzn-ErrorType.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { listen, closeServer } from './net_util.mjs';

const TARGET_PREFIX = 'AWSCognitoIdentityService.';
const MAX_BODY = 64 * 1024;

class CognitoError extends Error {
  constructor(type, message, status = 400) { super(message); this.type = type; this.status = status; }
}

function corsHeaders(req) {
  return {
    'access-control-allow-origin': req.headers.origin ?? '*',
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'content-type, x-amz-target, x-amz-user-agent, x-amz-date, x-amz-security-token, authorization, amz-sdk-invocation-id, amz-sdk-request',
    'access-control-expose-headers': 'Date, x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage',
    'access-control-max-age': '600',
    vary: 'Origin',
  };
}

/**
 * @param {object} o
 * @param {number} o.port                   0 = free port
 * @param {string} o.region
 * @param {Array<{id: string, allowUnauthenticated: boolean, logins?: Record<string, string>}>} o.pools
 *        `logins`: provider name -> the one token this pool accepts for it
 * @param {() => number} o.lifetimeSeconds  lifetime of issued credentials
 * @param {import('./credentials.mjs').CredentialStore} o.credentials
 * @param {import('./clock.mjs').Clock} o.clock
 */
export async function startCognito({ port = 0, region, pools, lifetimeSeconds, credentials, clock, log }) {
  const identities = new Map(); // IdentityId -> { poolId, authenticated }

  function checkLogins(pool, logins) {
    const entries = Object.entries(logins ?? {});
    if (entries.length === 0) {
      if (!pool.allowUnauthenticated) throw new CognitoError('NotAuthorizedException', 'Unauthenticated access is not supported for this identity pool.');
      return false;
    }
    for (const [provider, token] of entries) {
      if (!pool.logins || !(provider in pool.logins)) throw new CognitoError('NotAuthorizedException', `Invalid login token. Provider '${provider}' is not configured for this identity pool.`);
      if (typeof token !== 'string' || token !== pool.logins[provider]) throw new CognitoError('NotAuthorizedException', 'Invalid login token. Token is not valid for the provider.');
    }
    return true;
  }

  const operations = {
    GetId(body) {
      const poolId = body.IdentityPoolId;
      if (typeof poolId !== 'string' || !/^[\w-]+:[0-9a-f-]+$/.test(poolId)) {
        throw new CognitoError('InvalidParameterException', '1 validation error detected: Value at \'identityPoolId\' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+');
      }
      if (poolId.split(':')[0] !== region) throw new CognitoError('ResourceNotFoundException', `IdentityPool '${poolId}' not found.`);
      const pool = pools.find((p) => p.id === poolId);
      if (!pool) throw new CognitoError('ResourceNotFoundException', `IdentityPool '${poolId}' not found.`);
      const authenticated = checkLogins(pool, body.Logins);
      const identityId = `${region}:${randomUUID()}`;
      identities.set(identityId, { poolId, authenticated });
      return { IdentityId: identityId };
    },
    GetCredentialsForIdentity(body) {
      const identityId = body.IdentityId;
      if (typeof identityId !== 'string' || identityId.length === 0) {
        throw new CognitoError('InvalidParameterException', '1 validation error detected: Value null at \'identityId\' failed to satisfy constraint: Member must not be null');
      }
      const identity = identities.get(identityId);
      if (!identity) throw new CognitoError('ResourceNotFoundException', `Identity '${identityId}' not found.`);
      const pool = pools.find((p) => p.id === identity.poolId);
      checkLogins(pool, body.Logins);
      const c = credentials.issue({
        lifetimeSeconds: lifetimeSeconds(), identityId, poolId: pool.id, poolName: pool.name, authenticated: identity.authenticated,
      });
      return {
        IdentityId: identityId,
        Credentials: {
          AccessKeyId: c.accessKeyId,
          SecretKey: c.secretAccessKey,
          SessionToken: c.sessionToken,
          Expiration: Math.floor(c.expiresAtMs / 1000),
        },
      };
    },
  };

  function reply(req, res, status, obj, extra = {}) {
    const body = JSON.stringify(obj);
    res.writeHead(status, {
      ...corsHeaders(req),
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': randomUUID(),
      date: clock.httpDate(),
      ...extra,
    });
    res.end(body);
  }

  function fail(req, res, err) {
    log(`cognito: ${err.type}: ${err.message}`);
    reply(req, res, err.status, { __type: err.type, message: err.message }, { 'x-amzn-errortype': `${err.type}:` });
  }

  const server = http.createServer((req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...corsHeaders(req), date: clock.httpDate() });
      res.end();
      return;
    }
    if (req.method !== 'POST' || req.url.split('?')[0] !== '/') {
      fail(req, res, new CognitoError('UnknownOperationException', `${req.method} ${req.url} is not an operation; POST / with X-Amz-Target`, 404));
      return;
    }
    const chunks = [];
    let size = 0;
    req.on('data', (d) => {
      size += d.length;
      if (size > MAX_BODY) { req.destroy(); return; }
      chunks.push(d);
    });
    req.on('end', () => {
      try {
        const target = String(req.headers['x-amz-target'] ?? '');
        const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
        if (!Object.hasOwn(operations, op)) throw new CognitoError('UnknownOperationException', `unknown X-Amz-Target '${target}'`);
        const ctype = String(req.headers['content-type'] ?? '');
        if (!ctype.startsWith('application/x-amz-json-1.1')) {
          throw new CognitoError('SerializationException', `Content-Type must be application/x-amz-json-1.1, got '${ctype}'`);
        }
        let body;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        } catch {
          throw new CognitoError('SerializationException', 'the request body is not valid JSON');
        }
        if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new CognitoError('SerializationException', 'the request body must be a JSON object');
        const result = operations[op](body);
        log(`cognito: ${op} ok`);
        reply(req, res, 200, result);
      } catch (e) {
        if (e instanceof CognitoError) fail(req, res, e);
        else fail(req, res, new CognitoError('InternalErrorException', 'internal error', 500));
      }
    });
  });
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const bound = await listen(server, port);
  return { port: bound, stop: () => closeServer(server, sockets) };
}
