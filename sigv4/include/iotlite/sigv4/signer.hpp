// SigV4 in inspectable stages, in the style of aws-c-auth:
//
//   build_canonical_request -> build_string_to_sign -> derive_signing_key + compute_signature
//
// sign_request runs all of them and returns every intermediate product with the signed request.
// Every function that can fail returns a Result; error messages never contain a secret.
#pragma once

#include <string>
#include <string_view>

#include "iotlite/result.hpp"
#include "iotlite/sigv4/amz_date.hpp"
#include "iotlite/sigv4/credentials.hpp"
#include "iotlite/sigv4/http_request.hpp"
#include "iotlite/sigv4/sha256.hpp"
#include "iotlite/sigv4/signing_config.hpp"

namespace iotlite::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct CanonicalRequest {
    std::string text;            // the canonical request itself
    std::string signed_headers;  // "host;x-amz-date"
    std::string payload_hash;    // hex SHA-256 of the body
};

struct SignedRequest {
    HttpRequest request;         // the input plus the signing headers or query parameters
    CanonicalRequest canonical;
    std::string string_to_sign;
    std::string signature;       // 64 lowercase hex characters
    std::string authorization;   // header signing: the Authorization value; empty for query signing
};

// Path handling used by the canonical request: optional normalisation, then encoding.
std::string normalize_uri_path(std::string_view path);
std::string canonical_uri(std::string_view raw_path, const SigningConfig& config);
// Parses a raw query, percent-decodes and re-encodes every key and value, sorts by key then value.
std::string canonical_query_string(std::string_view raw_query);
// Trims and collapses whitespace runs (including folded lines) to single spaces.
std::string canonical_header_value(std::string_view value);

// "20150830/us-east-1/service/aws4_request"
std::string credential_scope(std::string_view date, std::string_view region, std::string_view service);

// Stage 1. Includes the parameters/headers the signer adds (X-Amz-Date, the token unless omitted,
// x-amz-content-sha256 when asked, and in query mode X-Amz-Algorithm/-Credential/-Date/[-Expires]/
// -SignedHeaders). Errc::invalid_argument for a missing method/region/service/access key, a time
// out of range or an expiry over 7 days.
Result<CanonicalRequest> build_canonical_request(const HttpRequest& request, const SigningConfig& config,
                                                 const Credentials& credentials);

// Stage 2: "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256(canonical request)>".
Result<std::string> build_string_to_sign(std::string_view canonical_request, const SigningConfig& config);

// Stage 3: HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request".
Result<Digest> derive_signing_key(std::string_view secret_access_key, std::string_view date,
                                  std::string_view region, std::string_view service);

// Stage 4: lowercase hex HMAC-SHA256(signing key, string to sign).
Result<std::string> compute_signature(const Digest& signing_key, std::string_view string_to_sign);

// All stages, and the signed request (header signing: headers added; query signing: parameters
// appended to the raw query, the token last when omit_session_token is set).
Result<SignedRequest> sign_request(const HttpRequest& request, const SigningConfig& config,
                                   const Credentials& credentials);

}  // namespace iotlite::sigv4
