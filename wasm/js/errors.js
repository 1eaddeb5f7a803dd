// IotError: every error the package reports. `code` is the stable Errc name from
// base/include/iotlite/result.hpp; the message names the broken rule or the server's answer.

// Index = the numeric value of iotlite::Errc: generated at build time from errc_name() (see
// wasm/src/boundary.hpp).
import { ERROR_CODES } from './wasm-boundary.js';

export { ERROR_CODES };

// The one redaction of text that enters the package from outside (runtime and server error
// texts): everything after a "?" (the query of a URL: a presigned URL's X-Amz-Signature,
// X-Amz-Credential and X-Amz-Security-Token, a custom authorizer's token) and the value of every
// X-Amz-*, token or signature parameter seen without its "?" are cut. Bun, for one, puts the
// whole URL of a refused WebSocket in its error text.
export const redact = (text) => String(text).replace(/(\?|(?:X-Amz-[\w-]+|token|signature)=)[^\s"'`<>]+/gi, '$1[redacted]');

export class IotError extends Error {
  // Every message goes through redact(): this constructor is where runtime text becomes ours.
  constructor(code, message, details) {
    super(redact(message));
    this.name = 'IotError';
    this.code = code;
    if (details) Object.assign(this, details);
  }
}

export const errcValue = (name) => ERROR_CODES.indexOf(name);

// `e` as an IotError: kept if it is one, else wrapped with `code` (its text redacted).
export const asIotError = (e, code, prefix = '') =>
  (e instanceof IotError ? e : new IotError(code, prefix + String(e && e.message || e)));

// The package's recurring errors, one wording each (the plain client, MQTT 5, tabs).
export const bad = (what, must, v) => new IotError('invalid_argument', `${what} must be ${must}, not ${typeof v == 'number' ? v : typeof v}`);
export const closed = () => new IotError('invalid_state', 'the client is closed: close() is final, create a new client');
// The DOM's AbortSignal convention: the rejection keeps the signal's reason (as `cause`).
export const aborted = (signal) => new IotError('aborted', `aborted (${signal.reason && signal.reason.message || signal.reason})`, { cause: signal.reason });

// options.signal, checked: an AbortSignal or nothing; throws IotError aborted if it already is.
export function signalOf(o) {
  const s = o && o.signal;
  if (s != null && typeof s.addEventListener != 'function') throw bad('signal', 'an AbortSignal', s);
  if (s && s.aborted) throw aborted(s);
  return s;
}
