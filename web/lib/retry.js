// Can a failed connection attempt succeed when the client retries it with the same settings?
// Decided from the package's IotError fields (code, status, service) and its documented rules,
// never from the message text; plus two things only the page knows: the credentials mode and
// the result of its reachability probe. Pure.
//
// The package's rules used (core/include/iotlite/connection/http_status.hpp, cognito.hpp):
// - invalid_argument / invalid_topic / unsupported: an input breaks a rule (Cognito's
//   ResourceNotFoundException and InvalidParameterException are invalid_argument too: an
//   unknown or malformed identity pool). The same input breaks it again.
// - auth_failed from Cognito (NotAuthorizedException): the pool refuses these logins (or guests).
// - auth_failed with HTTP 401/403 from the upgrade: a bad, expired or skewed signature or a policy
//   deny. The client fetches fresh credentials from Cognito (or the credentialsProvider) before
//   it retries, so that may mend it; fixed static keys are signed the same way every time.
// - limit_exceeded may be a throttle (Cognito TooManyRequestsException: "retry later"), and
//   io_error / timeout / closed / server_error may be transient: retried.
// The one gap: in a browser a refused upgrade is an io_error without status (browsers hide it).
// With static keys, an endpoint that answers HTTP (the probe) but refuses every WebSocket before
// the first CONNACK is taken as that refusal: nothing changes between the retries.

const INPUT_BROKEN = new Set(['invalid_argument', 'invalid_topic', 'unsupported']);

/**
 * @param {{code?: string, status?: number, service?: string}} err
 * @param {object} ctx
 * @param {'cognito'|'static'} ctx.authMode
 * @param {boolean} [ctx.reachable]      the probe's answer (undefined: not known)
 * @param {boolean} [ctx.everConnected]  this client had a CONNACK before
 * @returns {{final: boolean, why: string}}
 */
export function retryVerdict(err, ctx = {}) {
  const code = err && err.code;
  const fromCognito = !!err && err.service === 'cognito';
  if (INPUT_BROKEN.has(code)) {
    return { final: true, why: fromCognito ? 'Cognito refused the identity pool id as it is' : 'a setting breaks a rule' };
  }
  if (code === 'auth_failed' && fromCognito) {
    return { final: true, why: 'Cognito refuses to issue credentials for this pool and these logins' };
  }
  const fixedKeys = ctx.authMode === 'static';
  if (fixedKeys && code === 'auth_failed' && (err.status === 401 || err.status === 403)) {
    return { final: true, why: `the endpoint refused these keys (HTTP ${err.status}) and every retry signs with the same keys and clock offset` };
  }
  if (fixedKeys && code === 'io_error' && !fromCognito && ctx.reachable === true && !ctx.everConnected) {
    return { final: true, why: 'the endpoint answers but refused the WebSocket, and every retry signs with the same keys and clock offset' };
  }
  return { final: false, why: '' };
}
