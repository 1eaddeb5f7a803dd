// iotlite::connection::retry_verdict — can a connection attempt that failed with an Error succeed
// when it is made again with the same settings? The one rule of every driver: the CLI ends its run
// on a final error, the browser package says it in `IotError.retryable` / `finalBecause`, and the
// demo page stops its client on it. The engine itself keeps its reconnect policy (backoff, the
// 1 s CONNECT floor, not fighting a session takeover); this answers the application's question.
//
// Final (no retry with the same settings can succeed), by the Error's code and its cause fields:
//   invalid_argument, invalid_topic,  an input breaks a rule; the same input breaks it again
//   unsupported                       (from the identity service: Cognito refused the pool id or a
//                                     parameter: ResourceNotFound, InvalidParameter)
//   crypto_error                      the key or certificate cannot be used
//   protocol_error                    the exchange breaks MQTT (malformed bytes, or the server's
//                                     0x81/0x82): the same exchange breaks it again
//   auth_failed                       from the identity service: it will not issue credentials
//                                     for this pool and these logins (NotAuthorized); from the
//                                     endpoint (HTTP 401/403, CONNACK 4/5, MQTT 5 0x86/0x87/0x8A/
//                                     0x8C, expired credentials): final with fixed credentials,
//                                     retryable when every retry fetches fresh ones
//   unsupported with MQTT 5 0x9C/0x9D a redirection (this client does not follow them)
//   connection_refused                unless the cause is transient: HTTP 429 or 5xx, CONNACK 3
//                                     (server unavailable), MQTT 5 0x88 server unavailable,
//                                     0x89 server busy
//   limit_exceeded with MQTT 5 0x95   the CONNECT (its Will) is over the server's packet size
// Everything else may pass on a retry: io_error, timeout, closed, server_error, limit_exceeded
// (throttles and quotas: later, with backoff), and the rest.
#pragma once

#include <cstdint>

#include "iotlite/result.hpp"

namespace iotlite::connection {

// What a retry presents.
enum class RetryCredentials : std::uint8_t {
    fixed,      // the same keys, certificate or token every time (static keys, X.509, a token)
    refreshed,  // fetched anew after a refusal (Cognito, a credentials provider, credential_process)
};

// Whose answer the error is.
enum class ErrorOrigin : std::uint8_t {
    endpoint,          // the AWS IoT endpoint, the network or the client itself
    identity_service,  // the service that issues credentials (Cognito, STS)
};

// Why a retry cannot succeed (stable ids: JS `IotError.finalBecause`).
enum class FinalBecause : std::uint8_t {
    none,                  // a retry may succeed
    input_rule,            // a setting breaks a rule
    identity_input,        // the identity service refused the pool id or a parameter
    identity_refuses,      // the identity service will not issue credentials for these settings
    credentials_refused,   // the endpoint refused fixed credentials
    key_unusable,          // the key or certificate cannot be used (the crypto backend refused it)
    protocol,              // the exchange breaks the MQTT protocol
    refused,               // the endpoint refused the connection, not for a transient reason
    connect_too_large,     // the CONNECT is over the server's maximum packet size
};

struct RetryVerdict {
    bool can_succeed = true;
    FinalBecause because = FinalBecause::none;
};

// By the Error's code and cause fields (Error::http_status, Error::mqtt_reason).
RetryVerdict retry_verdict(Errc code, std::uint16_t http_status, std::uint8_t mqtt_reason, RetryCredentials credentials,
                           ErrorOrigin origin = ErrorOrigin::endpoint);
inline RetryVerdict retry_verdict(const Error& error, RetryCredentials credentials,
                                  ErrorOrigin origin = ErrorOrigin::endpoint) {
    return retry_verdict(error.code, error.http_status, error.mqtt_reason, credentials, origin);
}

// Stable lower_snake name of `because` ("credentials_refused"), for JS and logs.
const char* final_because_name(FinalBecause because);

// One sentence for people: why the same settings fail again ("" for none; "" when texts are
// compiled out, IOTLITE_ERROR_TEXTS 0).
const char* final_because_text(FinalBecause because);

}  // namespace iotlite::connection
