// Can a failed connection attempt succeed when the client retries it with the same settings?
// The package answers that by core's one rule (core/include/iotlite/connection/retry.hpp), on
// every failed attempt's IotError: `retryable`, and `finalBecause` when it is false. The page
// only words the answer, and adds the one thing only it knows: the result of its reachability
// probe. Pure.
//
// The gap the probe fills: in a browser a refused upgrade is an io_error without status (browsers
// hide it), so core cannot tell a 403 from an endpoint that is down. With fixed keys, an endpoint
// that answers HTTP (the probe) but refuses every WebSocket before the first CONNACK is taken as
// that refusal: nothing changes between the retries.

const WHY = {
  input_rule: 'a setting breaks a rule',
  identity_input: 'Cognito refused the identity pool id as it is',
  identity_refuses: 'Cognito refuses to issue credentials for this pool and these logins',
  credentials_refused: 'the endpoint refused these keys and every retry signs with the same keys and clock offset',
  key_unusable: 'the key or certificate cannot be used',
  protocol: 'the exchange breaks the MQTT protocol, and the same exchange breaks it again',
  refused: 'the endpoint refused the connection, and not for a reason that passes',
  connect_too_large: 'the CONNECT packet (its Last Will) is larger than the server accepts',
};

/**
 * @param {{code?: string, service?: string, retryable?: boolean, finalBecause?: string}} err
 * @param {object} ctx
 * @param {'cognito'|'static'} ctx.authMode
 * @param {boolean} [ctx.reachable]      the probe's answer (undefined: not known)
 * @param {boolean} [ctx.everConnected]  this client had a CONNACK before
 * @returns {{final: boolean, why: string}}
 */
export function retryVerdict(err, ctx = {}) {
  if (err && err.retryable === false) {
    const why = WHY[err.finalBecause] ?? `no retry can succeed (${err.finalBecause})`;
    return { final: true, why: err.finalBecause === 'credentials_refused' && err.status ? `${why} (HTTP ${err.status})` : why };
  }
  if (ctx.authMode === 'static' && err && err.code === 'io_error' && err.service !== 'cognito' && ctx.reachable === true && !ctx.everConnected) {
    return { final: true, why: 'the endpoint answers but refused the WebSocket, and every retry signs with the same keys and clock offset' };
  }
  return { final: false, why: '' };
}
