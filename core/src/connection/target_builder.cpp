#include "iotlite/connection/target_builder.hpp"

#include "../mqtt/format.hpp"
#include "iotlite/sigv4/encoding.hpp"

namespace iotlite::connection {

namespace {

using mqtt::detail::error_fmt;

bool websocket_mode(AuthMode mode) { return mode == AuthMode::sigv4 || mode == AuthMode::custom_authorizer; }

std::int64_t floor_div_1000(std::int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

// AWS IoT authorizer names (CreateAuthorizer): 1..128 characters of [A-Za-z0-9_=,@-].
constexpr std::size_t kMaxAuthorizerName = 128;
bool authorizer_name_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '=' ||
           ch == ',' || ch == '@' || ch == '-';
}

}  // namespace

TargetBuilder::TargetBuilder(TargetConfig config, CredentialsProvider* credentials)
    : config_(std::move(config)), credentials_(credentials) {}

Result<TargetBuilder> TargetBuilder::create(TargetConfig config, CredentialsProvider* credentials) {
    if (config.endpoint.host.empty()) return make_error(Errc::invalid_argument, "target: no endpoint (use parse_endpoint)");
    if (config.endpoint.scheme != EndpointScheme::none) {
        if (!websocket_mode(config.mode)) {
            return error_fmt(Errc::invalid_argument,
                             "endpoint '%': a ws:// or wss:// URL is for WebSocket connections, "
                             "not MQTT over TLS with a client certificate",
                             config.endpoint.host);
        }
        config.secure = config.endpoint.scheme == EndpointScheme::wss;
        // AWS IoT serves MQTT over WebSocket on /mqtt only; a URL may spell it or leave it out.
        const std::string& path = config.endpoint.resource;
        if (!path.empty() && path != "/" && path != "/mqtt") {
            return error_fmt(Errc::invalid_argument, "endpoint path '%': AWS IoT's MQTT over WebSocket path is /mqtt",
                             std::string_view(path).substr(0, 80));
        }
    }
    TargetBuilder b(std::move(config), credentials);
    const TargetConfig& c = b.config_;
    const Endpoint& e = c.endpoint;
    switch (c.mode) {
        case AuthMode::sigv4:
        case AuthMode::custom_authorizer:
            b.port_ = e.port_or(c.secure ? kHttpsPort : kPlainWebSocketPort);
            break;
        case AuthMode::mtls: b.port_ = e.port_or(kMqttTlsPort); break;
        case AuthMode::alpn: b.port_ = e.port_or(kHttpsPort); break;
    }
    if (c.mode == AuthMode::custom_authorizer) {
        // An empty name is allowed: AWS IoT then invokes the endpoint's default authorizer.
        const std::string& name = c.authorizer.name;
        if (name.size() > kMaxAuthorizerName) {
            return error_fmt(Errc::invalid_argument, "custom authorizer name has % characters; AWS IoT allows %",
                             name.size(), kMaxAuthorizerName)
                .with_rule("authorizer.name", kMaxAuthorizerName, static_cast<std::uint32_t>(name.size()));
        }
        for (char ch : name) {
            if (!authorizer_name_char(ch)) {
                return error_fmt(Errc::invalid_argument,
                                 "custom authorizer name '%' has a character outside [A-Za-z0-9_=,@-] (AWS IoT)",
                                 std::string_view(name).substr(0, 128));
            }
        }
    }
    if (c.mode != AuthMode::sigv4) return b;
    if (credentials == nullptr) return make_error(Errc::invalid_argument, "SigV4 needs a credentials provider");
    if (!c.region.empty() && !is_aws_region_name(c.region)) {
        return error_fmt(Errc::invalid_argument, "region '%' is not an AWS region name such as us-east-1",
                         std::string_view(c.region).substr(0, 40));
    }
    b.region_ = !c.region.empty() ? c.region : e.region;
    if (b.region_.empty()) {
        return error_fmt(Errc::invalid_argument,
                         "endpoint '%': the region cannot be inferred (not <prefix>.iot.<region>.amazonaws.com[.cn]); "
                         "give the region explicitly",
                         e.host);
    }
    // Dry run with placeholder credentials (public AWS example values): the signer's own checks
    // of the region and host run once here.
    // The endpoint itself was checked by parse_endpoint, which accepts only what the signer does.
    sigv4::IotUrlRequest probe;
    probe.credentials = sigv4::Credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
    probe.time = 1767225600;  // 2026-01-01
    if (auto url = b.sign(probe); !url.ok()) return url.error();
    return b;
}

Result<mqtt::ConnectionTarget> TargetBuilder::build(std::uint32_t, std::int64_t local_unix_ms) {
    mqtt::ConnectionTarget t;
    const Endpoint& e = config_.endpoint;
    const std::uint16_t default_ws_port = config_.secure ? kHttpsPort : kPlainWebSocketPort;
    switch (config_.mode) {
        case AuthMode::sigv4: {
            const std::int64_t now_ms = local_unix_ms + skew_.offset_s() * 1000;
            Result<TimedCredentials> creds = credentials_->fetch(now_ms);
            if (!creds.ok()) return creds.error();
            sigv4::IotUrlRequest request;
            request.credentials = std::move(creds.value().credentials);
            request.time = floor_div_1000(now_ms);
            Result<std::string> url = sign(request);
            if (!url.ok()) return url.error();
            t.kind = mqtt::TransportKind::websocket;
            t.url = std::move(url.value());
            return t;
        }
        case AuthMode::custom_authorizer: {
            const CustomAuthorizer& a = config_.authorizer;
            t.kind = mqtt::TransportKind::websocket;
            t.url = (config_.secure ? "wss://" : "ws://") + e.authority(default_ws_port) + "/mqtt";
            char sep = '?';
            if (!a.name.empty()) {
                t.url += "?x-amz-customauthorizer-name=";
                sigv4::append_uri_encoded(t.url, a.name, false);
                sep = '&';
            }
            if (!a.token.empty()) {
                t.url += sep;
                sep = '&';
                sigv4::append_uri_encoded(t.url, a.token_key_name.empty() ? std::string("token") : a.token_key_name, false);
                t.url += '=';
                sigv4::append_uri_encoded(t.url, a.token, false);
            }
            if (!a.signature.empty()) {
                t.url += sep;
                t.url += "x-amz-customauthorizer-signature=";
                sigv4::append_uri_encoded(t.url, a.signature, false);
            }
            t.username = a.username;
            t.password = a.password;
            return t;
        }
        case AuthMode::mtls:
        case AuthMode::alpn:
            t.kind = mqtt::TransportKind::tls;
            t.host = e.host;
            t.port = port_;
            if (config_.mode == AuthMode::alpn) t.alpn = kAwsMqttAlpn;
            return t;
    }
    return make_error(Errc::invalid_argument, "unknown authentication mode");
}

void TargetBuilder::on_attempt_failed(const Error& error) {
    if (config_.mode == AuthMode::sigv4 && error.code == Errc::auth_failed && error.http_status != 0) {
        credentials_->invalidate();
    }
}

Result<std::string> TargetBuilder::sign(sigv4::IotUrlRequest& request) {
    request.expires_seconds = config_.expires_seconds;
    request.service = config_.service;
    request.scheme = config_.secure ? sigv4::UrlScheme::wss : sigv4::UrlScheme::ws;
    std::string url;
    const std::string authority = config_.endpoint.authority(config_.secure ? kHttpsPort : kPlainWebSocketPort);
    if (auto ok = signer_.presign_authority_into(request, authority, region_, url); !ok) return ok.error();
    return url;
}

std::string TargetBuilder::describe() const {
    const std::string hostport_shown = config_.endpoint.ipv6 ? "[" + config_.endpoint.host + "]:" + std::to_string(port_)
                                                             : config_.endpoint.host + ":" + std::to_string(port_);
    const char* scheme = config_.secure ? "wss://" : "ws://";
    switch (config_.mode) {
        case AuthMode::sigv4: return scheme + hostport_shown + "/mqtt (SigV4, region " + region_ + ")";
        case AuthMode::custom_authorizer:
            return scheme + hostport_shown + "/mqtt (custom authorizer " + config_.authorizer.name + ")";
        case AuthMode::mtls: return "mqtts://" + hostport_shown + " (client certificate)";
        case AuthMode::alpn: return "mqtts://" + hostport_shown + " (client certificate, ALPN x-amzn-mqtt-ca)";
    }
    return hostport_shown;
}

}  // namespace iotlite::connection
