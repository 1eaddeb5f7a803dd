// iotlite::connection::CognitoIdentity — credentials from a Cognito identity pool, sans-I/O.
//
// The driver performs the HTTP requests (fetch in the browser, the firmware HTTPS client); this
// class writes each request as data and reads each answer:
//   start(logins)          -> CognitoRequest (GetId, or GetCredentialsForIdentity when the
//                             identity id is already known)
//   on_answer(answer, ...) -> the next CognitoRequest to send (after GetId), or the credentials
//                             and identity id, or an Error
// Requests (Cognito API reference, AWS JSON 1.1): unsigned `POST /` to
// cognito-identity.<region>.amazonaws.com with Content-Type `application/x-amz-json-1.1` and
// X-Amz-Target `AWSCognitoIdentityService.GetId` / `.GetCredentialsForIdentity`; bodies
//   {"IdentityPoolId":"...","AccountId":"...","Logins":{"provider":"token"}}
//   {"IdentityId":"...","Logins":{"provider":"token"}}
// Answers: {"IdentityId":"..."} and {"IdentityId":"...","Credentials":{"AccessKeyId":"...",
// "SecretKey":"...","SessionToken":"...","Expiration":1.7E9}} (Expiration: epoch seconds).
// Errors: {"__type":"...#NotAuthorizedException","message":"..."} with a 4xx/5xx status.
//
// Time frames: Expiration is server time. TimedCredentials::expiration_ms keeps it so (epoch ms),
// the frame of every CredentialsProvider's now_ms (the wall clock corrected by ClockSkew). The
// answer's `Date` feeds the ClockSkew given to on_answer, so a device with a wrong clock still
// refreshes at the right moment.
//
// A cached identity id (given in the config, or learnt by an earlier GetId) that Cognito refuses
// with NotAuthorized, ResourceNotFound or InvalidParameter (a deleted identity, one of another
// login) is dropped and the fetch starts over once with GetId, as the JS package did; drivers
// that store the id see CognitoStep::identity_id become "" and then the new id.
//
// JSON-free: the answers are read by a small scanner of our own (src/connection/json_scan.*).
// Never reads a clock, never logs; login tokens and the secret key never appear in a message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iotlite/connection/clock_skew.hpp"
#include "iotlite/connection/credentials_provider.hpp"
#include "iotlite/result.hpp"

namespace iotlite::connection {

// Bounds (GetId / GetCredentialsForIdentity API reference, and ours for the answer).
inline constexpr std::size_t kCognitoMaxPoolIdLength = 55;
inline constexpr std::size_t kCognitoMaxIdentityIdLength = 55;
inline constexpr std::size_t kCognitoMaxAccountIdLength = 15;
inline constexpr std::size_t kCognitoMaxLogins = 10;
inline constexpr std::size_t kCognitoMaxProviderLength = 128;
inline constexpr std::size_t kCognitoMaxTokenLength = 50000;
inline constexpr std::size_t kCognitoMaxAnswerBytes = 64 * 1024;  // a session token is ~1-2 KB
inline constexpr std::size_t kCognitoMaxMessageShown = 200;       // of Cognito's error message

struct CognitoConfig {
    std::string identity_pool_id;  // "<region>:<guid>", required
    std::string region;            // "": inferred from the pool id
    std::string account_id;        // optional (GetId's AccountId, digits)
    std::string identity_id;       // optional: a known identity id (e.g. stored by the app)
    // true: identity_id is the application's own choice; it is never dropped and re-created.
    bool identity_id_fixed = false;
    // "": https://cognito-identity.<region>.amazonaws.com. Otherwise host[:port], or an
    // https:// or http:// URL with an optional "/" (plain http is for a local stand-in only).
    std::string endpoint;
};

struct CognitoLogin {
    std::string provider;  // e.g. "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc", "accounts.google.com"
    std::string token;     // never logged, never in a message
};

enum class CognitoOperation : std::uint8_t { get_id, get_credentials_for_identity };

// One HTTP request, as data. The body holds the login tokens: never log it.
struct CognitoRequest {
    CognitoOperation operation = CognitoOperation::get_id;
    bool secure = true;              // https; false: plain http (a local stand-in)
    std::string host;                // for the connection (an IPv6 literal without brackets)
    std::uint16_t port = 443;
    std::string authority;           // the Host header: host, plus ":port" when not the scheme's default
    std::string url;                 // "https://authority/": what fetch() takes
    std::string method = "POST";
    std::string path = "/";
    std::vector<std::pair<std::string, std::string>> headers;  // Content-Type, X-Amz-Target
    std::string body;
};

// What the driver got back. `date` is the Date header ("" when there was none).
struct CognitoAnswer {
    std::uint16_t status = 0;
    std::string_view body;
    std::string_view date;
};

struct CognitoStep {
    bool done = false;            // true: `credentials` hold the result; false: send `request`
    CognitoRequest request;       // !done: the next request
    TimedCredentials credentials; // done: never logged
    std::string identity_id;      // the identity id now known ("" after one was dropped)
};

// The Errc and rule id of a Cognito error answer, from its exception name (`__type` after the last
// '#'): the table of on_answer below; an unknown name: the status's Errc (errc_for_http_status)
// and rule "cognito.error", or for a 2xx status (an answer that is not the API's)
// Errc::protocol_error and rule "cognito.answer". The one table of Cognito's errors: the browser
// package, which keeps its own JSON reading for size, asks the wasm module for it.
struct CognitoErrorKind {
    Errc code;
    const char* rule;
};
CognitoErrorKind cognito_error_kind(std::string_view exception, std::uint16_t status);

class CognitoIdentity {
public:
    // Errors: Errc::invalid_argument with rule
    //   "cognito.pool_id"     empty, over 55 characters or not [\w-]+:[0-9a-f-]+
    //   "cognito.region"      not an AWS region name (e.g. us-east-1, us-gov-west-1)
    //   "cognito.account_id"  not 1..15 digits
    //   "cognito.identity_id" over 55 characters or not [\w-]+:[0-9a-f-]+
    //   "cognito.endpoint"    a scheme other than http(s)://, a path, or parse_endpoint's refusal
    static Result<CognitoIdentity> create(CognitoConfig config);

    // Starts a fetch (any fetch under way is abandoned). Errors: Errc::invalid_argument, rule
    // "cognito.logins": over 10 logins, a provider name of 0 or over 128 bytes, a token of 0 or
    // over 50000 bytes, a provider twice, or text that is not UTF-8 (limit/actual say which bound).
    Result<CognitoRequest> start(std::vector<CognitoLogin> logins);

    // Reads the answer to the last request. local_ms: the driver's wall clock (epoch ms) when it
    // arrived; with `skew`, a readable Date is observed (an unreadable or out-of-bound one is
    // ignored: a hint only). Errors (each with http_status = answer.status):
    //   Errc::invalid_state     rule "cognito.state": no request is waiting for its answer
    //   Errc::limit_exceeded    rule "cognito.answer_bytes": a body over kCognitoMaxAnswerBytes
    //   a non-2xx answer: rule "cognito.<ExceptionName>" for the exceptions of the two API
    //     references, Errc: NotAuthorizedException auth_failed; ResourceNotFoundException,
    //     InvalidParameterException invalid_argument; TooManyRequestsException,
    //     LimitExceededException limit_exceeded (throttled / over a quota: retry later);
    //     ResourceConflictException conflict; InvalidIdentityPoolConfigurationException,
    //     ExternalServiceException, InternalErrorException server_error. Any other answer:
    //     rule "cognito.error", Errc from errc_for_http_status. The message quotes Cognito's
    //     (at most kCognitoMaxMessageShown bytes, printable ASCII, login tokens cut out).
    //   a 2xx answer that is not what the API reference says: Errc::protocol_error, rule
    //     "cognito.answer" (a missing or mistyped IdentityId / Credentials / AccessKeyId /
    //     SecretKey / SessionToken / Expiration, an empty key id or secret) or the scanner's
    //     "json.*" rule (malformed JSON, too deep, ...) or "json.number" (Expiration beyond
    //     year 9999); an Expiration at or before 1970 is "cognito.answer" too.
    Result<CognitoStep> on_answer(const CognitoAnswer& answer, std::int64_t local_ms, ClockSkew* skew = nullptr);

    const std::string& region() const { return region_; }
    const std::string& identity_id() const { return identity_id_; }
    bool waiting() const { return waiting_; }

private:
    CognitoIdentity() = default;
    CognitoRequest make_request(CognitoOperation operation) const;
    Error answer_error(const CognitoAnswer& answer, std::string_view type, std::string_view message) const;

    CognitoConfig config_;
    std::string region_;
    bool secure_ = true;
    std::string host_;
    std::uint16_t port_ = 443;
    std::string authority_;
    std::string identity_id_;
    std::vector<CognitoLogin> logins_;  // of the fetch under way
    CognitoOperation pending_ = CognitoOperation::get_id;
    bool waiting_ = false;
    bool may_restart_ = false;  // this fetch may still drop a cached identity id and start over
};

}  // namespace iotlite::connection
