// Turns an IotError (or any Error) into words a user can act on: a title, the detail the package
// gave, and hints. Pure: the page passes in what it knows (phase, clock offset, credentials mode).

const fmtOffset = (ms) => {
  const n = Math.round(Number(ms) || 0);
  if (n === 0) return '0 ms (this computer\u2019s clock is used as is)';
  return `${n > 0 ? '+' : ''}${n} ms`;
};

// A hint for the rule ids the package sets (IotError.rule), with the limit and the value found.
function ruleHints(err) {
  if (!err || !err.rule) return [];
  const bound = err.limit !== undefined && err.actual !== undefined ? ` (limit ${err.limit}, found ${err.actual})` : '';
  return [`Rule broken: ${err.rule}${bound}.`];
}

/**
 * @param {Error & {code?: string, status?: number, service?: string, cognitoType?: string}} err
 * @param {object} ctx
 * @param {'connect'|'subscribe'|'unsubscribe'|'publish'|'shadow'|'jobs'} ctx.phase
 * @param {number} [ctx.clockOffsetMs]  the offset the client signs with
 * @param {'cognito'|'static'} [ctx.authMode]
 * @param {string} [ctx.accessKeyId]      static keys: the key id (not secret), for the ASIA hint
 * @param {boolean} [ctx.hasSessionToken]
 * @param {boolean} [ctx.hasLogins]        Cognito: a logins provider and token were given
 * @param {boolean} [ctx.reachable]      result of the page's reachability probe, when it ran
 * @param {boolean} [ctx.everConnected]  this client was connected before
 * @param {string} [ctx.endpointUrl]     where the client connects (the package's parse of it)
 * @returns {{title: string, detail: string, hints: string[], kind: string}}
 */
export function explain(err, ctx = {}) {
  const code = err && err.code ? err.code : 'error';
  const detail = String((err && err.message) || err);
  // From the error's fields only (the package sets service and cognitoType), never its text.
  const cognitoType = err && err.cognitoType;
  const fromCognito = !!err && err.service === 'cognito';
  const offset = `Clock offset in use: ${fmtOffset(ctx.clockOffsetMs)}.`;
  const forbiddenHints = () => {
    const h = [];
    if (ctx.authMode === 'static') {
      h.push('The secret access key is wrong or does not belong to this access key id (a signature mismatch).');
      if (/^ASIA/.test(ctx.accessKeyId ?? '') && !ctx.hasSessionToken) {
        h.push('This access key id (ASIA\u2026) is temporary: it needs its session token.');
      } else if (ctx.hasSessionToken) {
        h.push('Temporary credentials expire: the session token may be out of date.');
      }
    }
    h.push(`This computer\u2019s clock may be off by more than 5 minutes: AWS refuses signatures from a skewed clock. ${offset} Set \u201cClock offset\u201d to correct it.`);
    h.push('The region must be the endpoint\u2019s region (it is part of the signature).');
    return h;
  };

  if (code === 'auth_failed' && (err.status === 403 || err.status === 401)) {
    return { kind: 'forbidden', title: `The endpoint refused the signed connection: HTTP ${err.status} Forbidden`, detail, hints: forbiddenHints() };
  }
  if (code === 'auth_failed' && cognitoType) {
    return {
      kind: 'cognito', title: `Cognito refused to issue credentials (${cognitoType})`, detail,
      hints: ctx.hasLogins
        ? ['The logins provider name and token must be ones the pool is configured for, and the token must be fresh (ID tokens expire after an hour by default).']
        : ['This pool refuses identities without a login: enable \u201cunauthenticated access\u201d (guest access) on the identity pool, or fill in the logins provider and token.'],
    };
  }
  if (code === 'invalid_argument' && cognitoType) {
    return {
      kind: 'cognito', title: `Cognito does not know this identity pool (${cognitoType})`, detail,
      hints: ['Check the identity pool id (region:uuid) and that the Cognito endpoint is the pool\u2019s region.'],
    };
  }
  if (code === 'io_error' && fromCognito) {
    return {
      kind: 'network', title: 'Cognito could not be reached', detail,
      hints: ['Check the Cognito endpoint (leave it empty for AWS) and the network. The browser blocks endpoints that do not answer CORS.'],
    };
  }
  if (code === 'io_error' && ctx.phase === 'connect') {
    // Browsers hide why a WebSocket failed: the page's probe of the endpoint (ctx.reachable) tells
    // a refusal from silence. Until it has answered, nothing is said about a 403.
    const where = ctx.endpointUrl ? ` at ${ctx.endpointUrl}` : '';
    const again = ctx.everConnected ? ' when reconnecting' : '';
    if (ctx.reachable === false) {
      return {
        kind: 'network', title: `The endpoint could not be reached${again}`,
        detail: `nothing answers${where} (the connection was refused, timed out or has no route)`,
        hints: ['Check the endpoint host name and port, and the network (for AWS: the account\u2019s iot:Data-ATS endpoint).'],
      };
    }
    if (ctx.reachable !== true) {
      return {
        kind: 'checking', title: `The WebSocket could not be opened${again}; checking whether the endpoint answers\u2026`,
        detail: `the WebSocket${where} failed`, hints: [],
      };
    }
    return {
      kind: 'forbidden',
      title: `The endpoint answered but refused the WebSocket${again}: almost certainly HTTP 403 Forbidden`,
      detail,
      hints: ['Browsers hide the HTTP status of a refused WebSocket; AWS IoT answers 403 to a bad signature, unknown or expired credentials, or a skewed clock.', ...forbiddenHints()],
    };
  }
  // The package's message names the broken rule (e.g. the region that cannot be inferred): it is
  // the title, not a generic "not valid".
  if (code === 'invalid_argument' && ctx.phase === 'connect' && detail) {
    return { kind: code, title: `${detail.charAt(0).toUpperCase()}${detail.slice(1)}`, detail, hints: ruleHints(err) };
  }
  const simple = {
    invalid_topic: ['The topic or filter breaks an AWS IoT rule', ['Topics have at most 7 "/" levels and 256 bytes; wildcards (+, #) are only allowed in subscriptions, as whole levels.']],
    limit_exceeded: ['An AWS IoT limit was exceeded', ['AWS IoT limits: topics have at most 7 "/" levels and 256 bytes; payloads 128 KB; client ids 128 bytes; 50 subscriptions per connection.']],
    invalid_argument: ['An input is not valid', []],
    not_connected: ['Not connected', ['Connect first; QoS 1 publishes made while reconnecting are queued.']],
    queue_full: ['The offline queue is full', ['Wait for the connection to come back.']],
    dropped: ['The message was dropped from the offline queue', []],
    timeout: ['No answer in time', ['The endpoint accepted the WebSocket but did not answer MQTT in time: check the network, or the policy (AWS IoT may close silently).']],
    closed: [ctx.phase === 'connect' ? 'The connection was closed' : 'The client was closed or the connection dropped', [
      'AWS IoT closes the connection when the policy denies an action (iot:Connect for this client id, iot:Publish or iot:Subscribe on a topic),',
      'or when another connection uses the same client id.',
    ]],
    connection_refused: ['The server refused the connection', ['A CONNACK refusal usually means the policy does not allow iot:Connect for this client id.']],
    server_error: ['The server refused the request', ['A refused subscription (SUBACK 0x80) means the policy does not allow iot:Subscribe on this filter.']],
    protocol_error: ['The server broke the MQTT protocol', []],
    conflict: ['Version conflict', ['The shadow changed meanwhile: get it again and retry.']],
    crypto_error: ['Signing failed', []],
    unsupported: ['Not supported here', []],
    io_error: ['The connection failed', ['Check the network; the client retries with backoff.']],
    auth_failed: ['Authentication failed', forbiddenHints()],
  };
  const [title, hints] = simple[code] ?? ['Unexpected error', []];
  return { kind: code, title, detail, hints };
}
