// iotlite::connection::TargetBuilder — what the engine's "need a target" asks for, built the same
// way for every driver. For connect attempt N it produces the mqtt::ConnectionTarget:
//   sigv4      wss://<host>[:port]/mqtt?X-Amz-...  presigned afresh on every attempt with the
//              credentials of the provider at that moment and the skew-corrected time (AWS IoT:
//              re-sign per connect, credentials rotate and URLs age); ws:// for a local stand-in
//   custom_authorizer  wss://<host>[:port]/mqtt?x-amz-customauthorizer-name=..&<token key>=..
//              [&x-amz-customauthorizer-signature=..] plus the optional MQTT username/password
//              (the token signature is computed by the application: the core holds no private key)
//   mtls       MQTT over TLS with the device certificate, port 8883
//   alpn       the same on port 443 with ALPN "x-amzn-mqtt-ca"
// Default ports follow AWS (443 for WebSocket and ALPN, 8883 for MQTT over TLS, 80 for ws://);
// an explicit endpoint port wins. Reads no clock: the caller passes its wall clock.
#pragma once

#include <cstdint>
#include <string>

#include "iotlite/connection/clock_skew.hpp"
#include "iotlite/connection/credentials_provider.hpp"
#include "iotlite/connection/endpoint.hpp"
#include "iotlite/mqtt/client.hpp"
#include "iotlite/result.hpp"
#include "iotlite/sigv4/iot_websocket_url.hpp"

namespace iotlite::connection {

enum class AuthMode : std::uint8_t { sigv4, custom_authorizer, mtls, alpn };

inline constexpr const char* kAwsMqttAlpn = "x-amzn-mqtt-ca";
inline constexpr std::uint16_t kMqttTlsPort = 8883;
inline constexpr std::uint16_t kHttpsPort = 443;
inline constexpr std::uint16_t kPlainWebSocketPort = 80;

struct CustomAuthorizer {
    std::string name;                  // x-amz-customauthorizer-name
    std::string token_key_name = "token";
    std::string token;                 // secret-ish: never logged
    std::string signature;             // x-amz-customauthorizer-signature (base64), optional
    std::string username;              // optional MQTT CONNECT username
    std::string password;              // optional MQTT CONNECT password; never logged
};

struct TargetConfig {
    Endpoint endpoint;                 // from parse_endpoint
    AuthMode mode = AuthMode::sigv4;
    bool secure = true;                // WebSocket modes: false = ws:// (a local stand-in only);
                                       // an endpoint given as ws:// or wss:// sets it
    std::string region;                // sigv4: overrides the region inferred from the endpoint
    std::uint32_t expires_seconds = 0; // sigv4: X-Amz-Expires, 0 = omitted (as aws-crt)
    CustomAuthorizer authorizer;       // custom_authorizer only
    std::string service = "iotdevicegateway";  // sigv4; another only to check older SDKs' vectors
};

class TargetBuilder {
public:
    // credentials: required for sigv4 (kept by reference; usually a CredentialsCache), ignored
    // otherwise. Errors (Errc::invalid_argument naming the rule): sigv4 without credentials or
    // without a region (neither given nor inferable), a given region that is not an AWS region
    // name (is_aws_region_name), an authorizer name outside AWS's 1..128 of [A-Za-z0-9_=,@-],
    // a ws:// / wss:// URL with a path other than /mqtt, an authorizer without a name, a ws://
    // endpoint for mtls/alpn, or an endpoint the signer refuses (checked by a dry-run presign
    // with placeholder credentials, so a bad endpoint fails here and not on every attempt).
    static Result<TargetBuilder> create(TargetConfig config, CredentialsProvider* credentials);

    // The target for connect attempt `attempt` at wall-clock `local_unix_ms`. Errors: the
    // credential provider's (the engine then backs off and asks again), the signer's.
    Result<mqtt::ConnectionTarget> build(std::uint32_t attempt, std::int64_t local_unix_ms);

    // A connect attempt failed with `error` (the engine's error / disconnected event): an upgrade
    // refused for the credentials (auth_failed with an HTTP status: 401/403, revoked or expired
    // early) makes the credentials provider forget them, so the next attempt fetches fresh ones.
    void on_attempt_failed(const Error& error);

    ClockSkew& clock_skew() { return skew_; }
    const ClockSkew& clock_skew() const { return skew_; }
    const TargetConfig& config() const { return config_; }
    const std::string& region() const { return region_; }  // sigv4: the signing region
    std::uint16_t port() const { return port_; }            // the port connected to
    // "wss://host:443/mqtt (SigV4, region r)", "mqtts://host:8883 (client certificate)", ... Never a secret.
    std::string describe() const;

private:
    TargetBuilder(TargetConfig config, CredentialsProvider* credentials);
    // Presigns `request` (credentials and time set) for this builder's endpoint, region and options.
    Result<std::string> sign(sigv4::IotUrlRequest& request);
    TargetConfig config_;
    CredentialsProvider* credentials_;
    ClockSkew skew_;
    sigv4::IotUrlSigner signer_;
    std::string region_;
    std::uint16_t port_ = 0;
};

}  // namespace iotlite::connection
