// iotlite::connection::errc_for_http_status — the one HTTP status -> Errc table of every driver
// (firmware HTTPS publish and shadow REST, the firmware and JS WebSocket upgrade, Cognito).
//
// Two uses of a status, one table:
//   HttpStatusUse::request  an HTTPS request (publish, shadow REST, Cognito): 2xx is success
//   HttpStatusUse::upgrade  a WebSocket upgrade (GET /mqtt): only 101 is success; a refusal
//                           is connection_refused unless the row says otherwise
//
// status       request            upgrade            why (AWS IoT "AWS IoT errors" and "Device
//                                                    Shadow error messages"; Cognito API reference)
// 101          server_error       ok                 Switching Protocols: only an upgrade wants it
// 2xx          ok                 connection_refused an answer that is not 101 did not upgrade
// 401, 403     auth_failed        auth_failed        Unauthorized / Forbidden: a bad, expired or
//                                                    clock-skewed signature, a policy deny,
//                                                    Cognito NotAuthorizedException (403)
// 409          conflict           connection_refused shadow version conflict; Cognito
//                                                    ResourceConflictException
// 413          limit_exceeded     connection_refused payload over AWS IoT's 128 KB
// 429          limit_exceeded     connection_refused throttled: a quota (shadow: > 10 in-flight
//                                                    requests; Cognito TooManyRequestsException);
//                                                    retry later, with backoff
// other 4xx    server_error       connection_refused 400 Bad Request, 404 Not Found (no such
//                                                    thing/shadow), 415, 422, ...: the server
//                                                    refused the request; http_status tells which
// 5xx          server_error       connection_refused 500 internal error, 503 unavailable: transient
// anything else server_error      connection_refused 1xx (but 101), 3xx (redirects are not
//                                                    followed), out-of-range numbers
// Callers put the status itself in Error::http_status, so nothing is lost by the grouping.
#pragma once

#include <cstdint>

#include "iotlite/result.hpp"

namespace iotlite::connection {

enum class HttpStatusUse : std::uint8_t { request, upgrade };

// Errc::ok when the status is success for that use, else the Errc of the table above.
Errc errc_for_http_status(std::uint16_t status, HttpStatusUse use = HttpStatusUse::request);

}  // namespace iotlite::connection
