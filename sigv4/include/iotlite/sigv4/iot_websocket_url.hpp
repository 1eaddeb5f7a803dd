// The presigned AWS IoT MQTT-over-WebSocket URL:
//
//   wss://<host>[:port]/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=<akid>%2F<scope>
//       &X-Amz-Date=<t>[&X-Amz-Expires=<s>]&X-Amz-SignedHeaders=host&X-Amz-Signature=<sig>
//       [&X-Amz-Security-Token=<uri-encoded token>]
//
// GET /mqtt, only `host` signed, the empty-payload hash, and the session token NOT signed but
// appended after the signature (AWS IoT developer guide; aws-crt-cpp sets omit_session_token).
// The host is lowercased; a port other than the scheme's default is part of the URL and of the
// signed host, because that is the Host header a WebSocket client sends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "iotlite/result.hpp"
#include "iotlite/sigv4/credentials.hpp"
#include "iotlite/sigv4/hmac_sha256.hpp"
#include "iotlite/sigv4/sha256.hpp"

namespace iotlite::sigv4 {

enum class UrlScheme { wss, ws };  // ws:// only for a local stand-in

struct IotUrlRequest {
    std::string endpoint;   // "xxxx-ats.iot.us-east-1.amazonaws.com" or "host:port"
    std::string region;     // empty: inferred from "*.iot.<region>.amazonaws.com[.cn]"
    Credentials credentials;
    std::int64_t time = 0;  // signing time, epoch seconds (UTC)
    // X-Amz-Expires; 0 = omitted (what aws-crt and the JS/Java v1 SDKs do: AWS IoT then allows
    // the usual 15-minute skew window). At most 86400, AWS IoT's maximum.
    std::uint32_t expires_seconds = 0;
    UrlScheme scheme = UrlScheme::wss;
    std::string service = "iotdevicegateway";  // configurable only to check the older SDKs' vectors
    // Keep an explicit default port (":443" for wss, ":80" for ws) in the URL and the signed host,
    // as the Java v1 SDK does. Off: the default port is dropped, matching what browsers and the
    // `ws` package send in Host.
    bool keep_default_port = false;
};

// The region from "<prefix>.iot.<region>.amazonaws.com" (also ".com.cn", any port).
// Errc::invalid_argument naming the expected form when it cannot be inferred.
Result<std::string> infer_iot_region(std::string_view endpoint);

// An AWS region name as AWS writes them: "us-east-1", "us-gov-west-1", "cn-north-1": a two-letter
// partition prefix, one or more lowercase words and a number, joined by '-' (4..32 characters).
// The one region-name rule: inferred regions (infer_iot_region, connection::parse_endpoint) and
// given ones (connection::TargetBuilder, Cognito) are checked with it.
bool is_aws_region_name(std::string_view region);

// Signs IoT URLs, caching the signing key and the fixed prefix of the canonical request per
// (credentials, date, region, service). Reuse one object to sign repeatedly (e.g. every reconnect).
// Not thread-safe: use one object per thread. The cache only saves work; results never depend on it.
class IotUrlSigner {
public:
    // Errc::invalid_argument: empty/invalid endpoint or port, region not given and not inferable,
    // missing access key id or secret, time out of range, expires over 86400.
    // Errc::crypto_error: the SHA-256 backend failed.
    Result<std::string> presign(const IotUrlRequest& request);
    // Same, writing into `url` (its capacity is reused).
    Result<void> presign_into(const IotUrlRequest& request, std::string& url);
    // The same for an endpoint its caller parsed already: connection::TargetBuilder, whose
    // parse_endpoint accepts only endpoints presign_into accepts, with the same region (the
    // endpoint fuzz target checks that). `authority` is the lowercased host[:port] exactly as it
    // is signed and connected to (at most 300 characters), `region` non-empty; request.endpoint,
    // request.region and request.keep_default_port are not read. Errors as presign, minus the
    // endpoint's.
    Result<void> presign_authority_into(const IotUrlRequest& request, std::string_view authority,
                                        std::string_view region, std::string& url);

private:
    Result<void> prepare_cache(const IotUrlRequest& request, std::string_view date, std::string_view region);

    bool cache_valid_ = false;
    std::string cached_access_key_id_;
    std::string cached_secret_;
    std::string cached_date_;
    std::string cached_region_;
    std::string cached_service_;
    std::string query_prefix_;  // "X-Amz-Algorithm=...&X-Amz-Credential=...&X-Amz-Date="
    std::string scope_;         // "<date>/<region>/<service>/aws4_request"
    HmacSha256 signing_key_;
    Sha256 canonical_prefix_;   // hash state after "GET\n/mqtt\n" + query_prefix_
};

// One-shot convenience (no cache kept between calls).
Result<std::string> presign_iot_websocket_url(const IotUrlRequest& request);

}  // namespace iotlite::sigv4
