// IotError: every error the package reports. `code` is the stable Errc name from
// sigv4/include/iotlite/result.hpp; the message names the broken rule or the server's answer.

// Index = the numeric value of iotlite::Errc (the order of the enum in result.hpp).
export const ERROR_CODES = [
  'ok', 'invalid_argument', 'limit_exceeded', 'invalid_topic', 'invalid_state', 'not_connected',
  'queue_full', 'dropped', 'protocol_error', 'connection_refused', 'auth_failed', 'timeout',
  'closed', 'crypto_error', 'io_error', 'server_error', 'conflict', 'unsupported',
];

export class IotError extends Error {
  constructor(code, message, details) {
    super(message);
    this.name = 'IotError';
    this.code = code;
    if (details) Object.assign(this, details);
  }
}

export const errcValue = (name) => ERROR_CODES.indexOf(name);
