// Verifies an AWS IoT presigned WebSocket URL the way AWS IoT does, recomputing the signature
// with AWS's own signer (@smithy/signature-v4): canonical request, string to sign, signing key
// and HMAC all come from that package, not from iotlite. The IoT rule: X-Amz-Security-Token is
// NOT part of the canonical query (it is appended after X-Amz-Signature), so it is removed
// before recomputing and then compared with the token issued for the access key.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4, getCanonicalHeaders } from '@smithy/signature-v4';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
export const MAX_EXPIRES_SECONDS = 86400;

function fail(reason, message) { return { ok: false, reason, message }; }

/** Splits a raw query string into decoded pairs; undefined on a malformed escape. */
export function parseQuery(rawQuery) {
  const pairs = [];
  if (!rawQuery) return pairs;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    try {
      pairs.push([decodeURIComponent(k), decodeURIComponent(v)]);
    } catch {
      return undefined;
    }
  }
  return pairs;
}

/** 20240101T000000Z -> epoch ms, or NaN. */
export function parseAmzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s ?? '');
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

/**
 * Checks a presigned request.
 * @param {object} a
 * @param {string} a.method        HTTP method (GET)
 * @param {string} a.url           request target, path + query as received
 * @param {object} a.headers       request headers (Node's lower-cased object)
 * @param {string} a.region        the region this endpoint serves
 * @param {string} a.service       'iotdevicegateway'
 * @param {import('./credentials.mjs').CredentialStore} a.credentials
 * @param {import('./clock.mjs').Clock} a.clock
 * @returns {Promise<{ok: true, accessKeyId: string, kind: string} | {ok: false, reason: string, message: string}>}
 */
export async function verifyPresignedUrl({ method, url, headers, region, service, credentials, clock }) {
  const qpos = url.indexOf('?');
  const path = qpos < 0 ? url : url.slice(0, qpos);
  const pairs = parseQuery(qpos < 0 ? '' : url.slice(qpos + 1));
  if (!pairs) return fail('IncompleteSignature', 'malformed percent-encoding in the query string');
  const query = {};
  for (const [k, v] of pairs) {
    if (Object.prototype.hasOwnProperty.call(query, k)) return fail('IncompleteSignature', `query parameter ${k} appears twice`);
    query[k] = v;
  }
  for (const k of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature']) {
    if (query[k] === undefined) return fail('MissingAuthenticationToken', `missing query parameter ${k}`);
  }
  if (query['X-Amz-Algorithm'] !== 'AWS4-HMAC-SHA256') return fail('IncompleteSignature', 'X-Amz-Algorithm must be AWS4-HMAC-SHA256');

  const scopeParts = query['X-Amz-Credential'].split('/');
  if (scopeParts.length !== 5 || scopeParts[4] !== 'aws4_request') {
    return fail('IncompleteSignature', 'X-Amz-Credential must be <key>/<yyyymmdd>/<region>/<service>/aws4_request');
  }
  const [accessKeyId, scopeDate, scopeRegion, scopeService] = scopeParts;
  const amzDate = query['X-Amz-Date'];
  const signedAtMs = parseAmzDate(amzDate);
  if (Number.isNaN(signedAtMs)) return fail('IncompleteSignature', 'X-Amz-Date must be yyyymmddThhmmssZ');
  if (scopeDate !== amzDate.slice(0, 8)) return fail('SignatureDoesNotMatch', `credential scope date ${scopeDate} differs from X-Amz-Date ${amzDate}`);
  if (scopeService !== service) return fail('SignatureDoesNotMatch', `credential should be scoped to service '${service}', not '${scopeService}'`);
  if (scopeRegion !== region) return fail('SignatureDoesNotMatch', `credential should be scoped to region '${region}', not '${scopeRegion}'`);
  const signedHeaders = query['X-Amz-SignedHeaders'].split(';');
  if (!signedHeaders.includes('host')) return fail('IncompleteSignature', 'X-Amz-SignedHeaders must include host');

  const cred = credentials.lookup(accessKeyId);
  if (!cred) return fail('UnrecognizedClient', 'the access key id is not known to this endpoint');

  // Recompute with AWS's signer over exactly what the client sent, minus signature and token.
  const unsigned = { ...query };
  delete unsigned['X-Amz-Signature'];
  const token = unsigned['X-Amz-Security-Token'];
  delete unsigned['X-Amz-Security-Token'];
  const picked = {};
  for (const h of signedHeaders) {
    if (headers[h] === undefined) return fail('SignatureDoesNotMatch', `signed header ${h} is missing from the request`);
    picked[h] = Array.isArray(headers[h]) ? headers[h].join(',') : String(headers[h]);
  }
  const request = new HttpRequest({ method, protocol: 'https:', hostname: String(headers.host ?? ''), path, query: unsigned, headers: picked });
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey: cred.secretAccessKey }, region, service, sha256: Sha256 });
  const canonicalHeaders = getCanonicalHeaders(request, undefined, new Set(signedHeaders));
  const canonicalRequest = signer.createCanonicalRequest(request, canonicalHeaders, EMPTY_SHA256);
  const scope = `${scopeDate}/${region}/${service}/aws4_request`;
  const expected = await signer.getSignature(amzDate, scope, signer.getSigningKey({ accessKeyId, secretAccessKey: cred.secretAccessKey }, region, scopeDate, service), canonicalRequest);
  if (expected !== query['X-Amz-Signature']) {
    const hint = token !== undefined ? ' (note: X-Amz-Security-Token must not be in the canonical query)' : '';
    return fail('SignatureDoesNotMatch', `the request signature does not match the signature computed for this canonical request${hint}`);
  }

  if (cred.sessionToken !== undefined) {
    if (token === undefined) return fail('InvalidToken', 'temporary credentials need X-Amz-Security-Token after the signature');
    if (token !== cred.sessionToken) return fail('InvalidToken', 'the security token included in the request is invalid');
  } else if (token !== undefined) {
    return fail('InvalidToken', 'a security token was sent for long-term credentials');
  }

  const now = clock.nowMs();
  if (Math.abs(now - signedAtMs) > MAX_CLOCK_SKEW_MS) {
    const server = new Date(now).toISOString().replace(/[-:]|\.\d{3}/g, '');
    return fail('RequestTimeTooSkewed', `X-Amz-Date ${amzDate} is more than 5 minutes from the server time ${server}`);
  }
  if (query['X-Amz-Expires'] !== undefined) {
    const exp = Number(query['X-Amz-Expires']);
    if (!/^\d+$/.test(query['X-Amz-Expires']) || exp < 1 || exp > MAX_EXPIRES_SECONDS) {
      return fail('AuthorizationQueryParametersError', `X-Amz-Expires must be 1..${MAX_EXPIRES_SECONDS} seconds`);
    }
    if (now > signedAtMs + exp * 1000) return fail('ExpiredUrl', `the presigned URL expired at ${new Date(signedAtMs + exp * 1000).toISOString()}`);
  }
  if (cred.expiresAtMs <= now) return fail('ExpiredToken', 'the security token included in the request is expired');
  return { ok: true, accessKeyId, kind: cred.kind };
}
