#include "iotlite/connection/target_builder.hpp"

#include "iotlite/sigv4/encoding.hpp"

namespace iotlite::connection {

namespace {

bool websocket_mode(AuthMode mode) { return mode == AuthMode::sigv4 || mode == AuthMode::custom_authorizer; }

std::int64_t floor_div_1000(std::int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

}  // namespace

TargetBuilder::TargetBuilder(TargetConfig config, CredentialsProvider* credentials)
    : config_(std::move(config)), credentials_(credentials) {}

Result<TargetBuilder> TargetBuilder::create(TargetConfig config, CredentialsProvider* credentials) {
    if (config.endpoint.host.empty()) return make_error(Errc::invalid_argument, "target: no endpoint (use parse_endpoint)");
    if (config.endpoint.scheme != EndpointScheme::none) {
        if (!websocket_mode(config.mode)) {
            return make_error(Errc::invalid_argument,
                              "endpoint '" + config.endpoint.authority(0) +
                                  "': a ws:// or wss:// URL is for WebSocket connections, "
                                  "not MQTT over TLS with a client certificate");
        }
        config.secure = config.endpoint.scheme == EndpointScheme::wss;
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
    if (c.mode == AuthMode::custom_authorizer && c.authorizer.name.empty()) {
        return make_error(Errc::invalid_argument, "custom authorizer: the authorizer name is empty");
    }
    if (c.mode != AuthMode::sigv4) return b;
    if (credentials == nullptr) return make_error(Errc::invalid_argument, "SigV4 needs a credentials provider");
    b.region_ = !c.region.empty() ? c.region : e.region;
    if (b.region_.empty()) {
        return make_error(Errc::invalid_argument,
                          "endpoint '" + e.authority(0) +
                              "': the region cannot be inferred (not <prefix>.iot.<region>.amazonaws.com[.cn]); "
                              "give the region explicitly");
    }
    // Dry run with placeholder credentials (public AWS example values): the signer's own checks
    // of the region and host run once here.
    sigv4::IotUrlRequest probe;
    probe.endpoint = e.authority(c.secure ? kHttpsPort : kPlainWebSocketPort);
    probe.region = b.region_;
    probe.credentials = sigv4::Credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
    probe.time = 1767225600;  // 2026-01-01
    probe.expires_seconds = c.expires_seconds;
    probe.service = c.service;
    probe.scheme = c.secure ? sigv4::UrlScheme::wss : sigv4::UrlScheme::ws;
    if (auto url = sigv4::presign_iot_websocket_url(probe); !url.ok()) return url.error();
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
            request.endpoint = e.authority(default_ws_port);
            request.region = region_;
            request.credentials = creds.value().credentials;
            request.time = floor_div_1000(now_ms);
            request.expires_seconds = config_.expires_seconds;
            request.service = config_.service;
            request.scheme = config_.secure ? sigv4::UrlScheme::wss : sigv4::UrlScheme::ws;
            Result<std::string> url = signer_.presign(request);
            if (!url.ok()) return url.error();
            t.kind = mqtt::TransportKind::websocket;
            t.url = std::move(url.value());
            return t;
        }
        case AuthMode::custom_authorizer: {
            const CustomAuthorizer& a = config_.authorizer;
            t.kind = mqtt::TransportKind::websocket;
            t.url = (config_.secure ? "wss://" : "ws://") + e.authority(default_ws_port) + "/mqtt?x-amz-customauthorizer-name=";
            sigv4::append_uri_encoded(t.url, a.name, false);
            if (!a.token.empty()) {
                t.url += '&';
                sigv4::append_uri_encoded(t.url, a.token_key_name.empty() ? std::string("token") : a.token_key_name, false);
                t.url += '=';
                sigv4::append_uri_encoded(t.url, a.token, false);
            }
            if (!a.signature.empty()) {
                t.url += "&x-amz-customauthorizer-signature=";
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
