// What to sign with: scope, time and the options AWS's own signers expose
// (the flags of aws-c-auth's aws_signing_config_aws, under the same meanings).
#pragma once

#include <cstdint>
#include <string>

namespace iotlite::sigv4 {

enum class SignatureType {
    headers,  // adds X-Amz-Date (+ token, + x-amz-content-sha256) and an Authorization header
    query,    // presigned URL: X-Amz-Algorithm, -Credential, -Date, -SignedHeaders, [-Expires], -Signature
};

struct SigningConfig {
    SignatureType type = SignatureType::headers;
    std::string region;             // credential-scope region, e.g. "us-east-1"
    std::string service;            // credential-scope service, e.g. "iotdevicegateway"
    std::int64_t time = 0;          // signing time, epoch seconds (UTC)
    // Query signing only: X-Amz-Expires in seconds; 0 = no X-Amz-Expires parameter (as aws-c-auth).
    // At most 604800 (7 days), the SigV4 limit.
    std::uint32_t expires_seconds = 0;
    // Remove "." and ".." segments and collapse repeated '/' before encoding (false for S3).
    bool normalize_path = true;
    // Percent-encode the path as given (true: the usual AWS behaviour; false: S3, path used as is).
    bool double_uri_encode = true;
    // Header signing only: add and sign "x-amz-content-sha256: <payload hash>".
    bool add_content_sha256_header = false;
    // Leave X-Amz-Security-Token out of the canonical request and append it after signing
    // (AWS IoT's rule for presigned WebSocket URLs; aws-c-auth's omit_session_token).
    bool omit_session_token = false;
};

}  // namespace iotlite::sigv4
