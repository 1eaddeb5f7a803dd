// AWS STS AssumeRole for CLI profiles (role_arn + source_profile), on its own HTTPS port:
//   POST /  Content-Type: application/x-www-form-urlencoded
//   Action=AssumeRole&Version=2011-06-15&RoleArn=...&RoleSessionName=...[&DurationSeconds=N][&ExternalId=...]
// SigV4 header-signed for service `sts` with a key the stand-in knows (its static test keys or
// temporary credentials it issued: role chaining), checked by the HTTPS door's verifier
// (https_api.mjs verifySigV4, i.e. AWS's own @smithy/signature-v4). The answer is AWS's XML
// (STS API Reference, "AssumeRole"); the temporary credentials it carries go into the same
// CredentialStore as Cognito's, so every door accepts them until they expire.
// Errors are STS's XML error shape: <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>.
//
// Roles: `roles` null (the default) = any role of the stand-in's account, MaxSessionDuration 1 h
// (AWS's default); or a list of { arn, externalId?, maxSessionDurationSeconds? }: only those.
// A role of another account is AccessDenied, as for a role whose trust policy does not name us.
import https from 'node:https';
import { randomBytes, randomUUID } from 'node:crypto';
import { verifySigV4 } from './https_api.mjs';
import { closeServer, listen, readBody } from './net_util.mjs';

const MAX_BODY_BYTES = 16 * 1024;
const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const DEFAULT_DURATION_SECONDS = 3600;
const MIN_DURATION_SECONDS = 900;
const DEFAULT_MAX_SESSION_SECONDS = 3600;

class StsError extends Error {
  constructor(status, code, message, type = 'Sender') { super(message); this.status = status; this.code = code; this.type = type; }
}

export const xmlEscape = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);

/** STS's error document. */
export function errorXml(code, message, requestId, type = 'Sender') {
  return `<ErrorResponse xmlns="${XMLNS}">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${xmlEscape(code)}</Code>\n` +
    `    <Message>${xmlEscape(message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`;
}

/** AssumeRole's answer document. */
export function assumeRoleXml({ roleArn, sessionName, credentials, expiration, requestId, accountId }) {
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  const roleId = 'AROA' + randomBytes(8).toString('hex').toUpperCase();
  return `<AssumeRoleResponse xmlns="${XMLNS}">\n  <AssumeRoleResult>\n    <AssumedRoleUser>\n` +
    `      <AssumedRoleId>${roleId}:${xmlEscape(sessionName)}</AssumedRoleId>\n` +
    `      <Arn>arn:aws:sts::${accountId}:assumed-role/${xmlEscape(roleName)}/${xmlEscape(sessionName)}</Arn>\n` +
    '    </AssumedRoleUser>\n    <Credentials>\n' +
    `      <AccessKeyId>${credentials.accessKeyId}</AccessKeyId>\n` +
    `      <SecretAccessKey>${xmlEscape(credentials.secretAccessKey)}</SecretAccessKey>\n` +
    `      <SessionToken>${xmlEscape(credentials.sessionToken)}</SessionToken>\n` +
    `      <Expiration>${expiration}</Expiration>\n` +
    '    </Credentials>\n  </AssumeRoleResult>\n' +
    `  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</AssumeRoleResponse>\n`;
}

// The signature verifier's refusals under the codes STS uses for them.
const SIGNATURE_CODES = {
  MissingAuthenticationTokenException: [403, 'MissingAuthenticationToken'],
  IncompleteSignatureException: [400, 'IncompleteSignature'],
  InvalidSignatureException: [403, 'SignatureDoesNotMatch'],
  UnrecognizedClientException: [403, 'InvalidClientTokenId'],
};

const validation = (message) => new StsError(400, 'ValidationError', `1 validation error detected: ${message}`);

/**
 * Checks the AssumeRole parameters as STS does. Returns { roleArn, sessionName, durationSeconds,
 * externalId } or throws StsError.
 */
export function checkAssumeRole(params, { accountId, roles }) {
  const action = params.get('Action');
  if (action === null) throw new StsError(400, 'MissingAction', 'Missing Action');
  if (action !== 'AssumeRole' || params.get('Version') !== '2011-06-15') {
    throw new StsError(400, 'InvalidAction', `Could not find operation ${action} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`);
  }
  const roleArn = params.get('RoleArn');
  const sessionName = params.get('RoleSessionName');
  if (roleArn === null) throw validation("Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
  if (sessionName === null) throw validation("Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
  if (roleArn.length < 20 || roleArn.length > 2048) throw validation(`Value at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048`);
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    throw validation("Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64");
  }
  const m = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+$/.exec(roleArn);
  if (!m) throw new StsError(400, 'ValidationError', `${roleArn} is invalid`);
  let durationSeconds = DEFAULT_DURATION_SECONDS;
  const d = params.get('DurationSeconds');
  if (d !== null) {
    if (!/^\d{1,6}$/.test(d) || Number(d) < MIN_DURATION_SECONDS || Number(d) > 43200) {
      throw validation(`Value '${d}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`);
    }
    durationSeconds = Number(d);
  }
  const externalId = params.get('ExternalId');
  if (externalId !== null && !/^[\w+=,.@:/-]{2,1224}$/.test(externalId)) {
    throw validation("Value at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]* and have length between 2 and 1224");
  }
  const role = roles ? roles.find((r) => r.arn === roleArn) : (m[1] === accountId ? { arn: roleArn } : undefined);
  if (!role || (role.externalId !== undefined && role.externalId !== externalId)) {
    throw new StsError(403, 'AccessDenied', `User: arn:aws:iam::${accountId}:user/iotlite-standin is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
  }
  const maxSession = role.maxSessionDurationSeconds ?? DEFAULT_MAX_SESSION_SECONDS;
  if (durationSeconds > maxSession) {
    throw new StsError(400, 'ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  return { roleArn, sessionName, durationSeconds, externalId };
}

/**
 * @param {object} o
 * @param {number} [o.port=0]      0 = a free port (loopback only)
 * @param {{key: string, cert: string}} o.tls  the stand-in's server certificate
 * @param {string} o.accountId
 * @param {Array<{arn: string, externalId?: string, maxSessionDurationSeconds?: number}>|null} [o.roles]
 * @param {import('./credentials.mjs').CredentialStore} o.credentials
 * @param {import('./clock.mjs').Clock} o.clock
 */
export async function startSts({ port = 0, tls, accountId, roles = null, credentials, clock, log = () => {} }) {
  function reply(res, status, xml, requestId) {
    res.writeHead(status, {
      'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml), 'x-amzn-requestid': requestId, date: clock.httpDate(),
    });
    res.end(xml);
  }

  const server = https.createServer({ key: tls.key, cert: tls.cert }, async (req, res) => {
    const requestId = randomUUID();
    try {
      let body;
      try {
        body = await readBody(req, MAX_BODY_BYTES);
      } catch (e) {
        if (e.tooLarge) throw new StsError(413, 'RequestEntityTooLarge', `the request body exceeds ${MAX_BODY_BYTES} bytes`);
        throw e;
      }
      if (req.method !== 'POST') throw new StsError(400, 'InvalidAction', `${req.method} is not supported by this stand-in; POST a form`);
      const qpos = req.url.indexOf('?');
      const err = await verifySigV4({
        method: req.method, rawPath: qpos < 0 ? req.url : req.url.slice(0, qpos), search: qpos < 0 ? '' : req.url.slice(qpos + 1),
        headers: req.headers, body, lookupSecret: (id) => credentials.validSecret(id), nowMs: clock.nowMs(), services: ['sts'],
      });
      if (err) {
        const [status, code] = SIGNATURE_CODES[err.type] ?? [403, 'AccessDenied'];
        throw new StsError(status, code, err.message);
      }
      const ctype = String(req.headers['content-type'] ?? '');
      if (!ctype.startsWith('application/x-www-form-urlencoded')) {
        throw new StsError(400, 'InvalidParameterValue', `Content-Type must be application/x-www-form-urlencoded, got '${ctype.slice(0, 80)}'`);
      }
      const params = new URLSearchParams(body.toString('utf8'));
      const asked = checkAssumeRole(params, { accountId, roles });
      const issued = credentials.issue({ lifetimeSeconds: asked.durationSeconds });
      const expiration = new Date(issued.expiresAtMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
      log(`sts: AssumeRole ${asked.roleArn} as ${asked.sessionName} for ${asked.durationSeconds} s ok`);
      reply(res, 200, assumeRoleXml({ ...asked, credentials: issued, expiration, requestId, accountId }), requestId);
    } catch (e) {
      const stsError = e instanceof StsError ? e : new StsError(500, 'InternalFailure', 'internal error', 'Receiver');
      if (!(e instanceof StsError)) log(`sts: ${e.message}`);
      log(`sts: ${stsError.code}: ${stsError.message}`);
      if (stsError.status === 413) res.once('finish', () => req.destroy());  // the rest of the body is not read
      reply(res, stsError.status, errorXml(stsError.code, stsError.message, requestId, stsError.type), requestId);
    }
  });
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const bound = await listen(server, port);
  return { port: bound, stop: () => closeServer(server, sockets) };
}
