// AWS STS AssumeRole over SigV4-signed HTTPS (STS API Reference, "AssumeRole"; Query protocol):
//   POST / HTTP/1.1, Content-Type: application/x-www-form-urlencoded; charset=utf-8
//   Action=AssumeRole&Version=2011-06-15&RoleArn=...&RoleSessionName=...[&DurationSeconds=N]
//   [&ExternalId=...]
// signed with the source credentials for service "sts" (header signing). The answer is read by
// parse_assume_role_response (sts_response.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "iotlite/connection/credentials_provider.hpp"
#include "iotlite/firmware/http_client.hpp"
#include "iotlite/result.hpp"
#include "iotlite/sigv4/credentials.hpp"

namespace iotlite::cli {

struct AssumeRoleParams {
    std::string role_arn;
    std::string session_name;      // role_session_name; iotlite-<time> when the profile has none
    std::string external_id;       // "" : not sent
    std::uint32_t duration_seconds = 0;  // 0: not sent (STS's default, 3600 s)
};

// Where AssumeRole goes: an https:// URL's parts and the SigV4 scope region.
struct StsEndpoint {
    std::string host;        // DNS name (mbedTLS verifies DNS names only)
    std::uint16_t port = 443;
    std::string path = "/";
    std::string signing_region;
    std::string url;         // as given or made, for messages
};

// AWS's endpoint for `region` ("" : the global https://sts.amazonaws.com, signed for us-east-1).
StsEndpoint default_sts_endpoint(const std::string& region);
// An endpoint_url / AWS_ENDPOINT_URL_STS value: https://host[:port][/path]. Errors
// (invalid_argument): not https:// (iotlite speaks TLS to STS only), empty host, bad port, an
// IPv6 literal. signing_region: `region`, else us-east-1.
Result<StsEndpoint> sts_endpoint_from_url(std::string_view url, const std::string& region);

// The checks STS makes on the parameters (role ARN form, session name 2-64 characters of
// [\w+=,.@-], duration 900-43200 s, external id 2-1224 characters of [\w+=,.@:/-]), made before
// anything is sent. Errors: invalid_argument naming the profile key and the rule.
Result<void> validate_assume_role_params(const AssumeRoleParams& params);

// The signed request (no I/O). Errors: validate_assume_role_params', the signer's.
Result<firmware::HttpRequest> build_assume_role_request(const StsEndpoint& endpoint, const AssumeRoleParams& params,
                                                        const sigv4::Credentials& source, std::int64_t now_s);

// Performs it over TLS (the server verified with `ca_pem`) within timeout_ms and reads the
// answer. Errors: build_assume_role_request's, the transport's (io_error, crypto_error,
// timeout ...), parse_assume_role_response's. No error holds a secret of `source` or of the answer.
Result<connection::TimedCredentials> assume_role(const StsEndpoint& endpoint, const AssumeRoleParams& params,
                                                 const sigv4::Credentials& source, const std::string& ca_pem,
                                                 std::uint32_t timeout_ms);

}  // namespace iotlite::cli
