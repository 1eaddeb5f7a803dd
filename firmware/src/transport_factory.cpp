#include "iotlite/firmware/transport_factory.hpp"

#include <cstdlib>

#include "iotlite/firmware/http_client.hpp"
#include "iotlite/firmware/tls_transport.hpp"
#include "iotlite/firmware/websocket_transport.hpp"

namespace iotlite::firmware {

Result<WebSocketUrl> parse_websocket_url(const std::string& url) {
    WebSocketUrl out;
    std::string rest;
    if (url.rfind("wss://", 0) == 0) {
        out.secure = true;
        out.port = 443;
        rest = url.substr(6);
    } else if (url.rfind("ws://", 0) == 0) {
        out.secure = false;
        out.port = 80;
        rest = url.substr(5);
    } else {
        return make_error(Errc::invalid_argument, "WebSocket URL must start with wss:// or ws://");
    }
    std::size_t slash = rest.find('/');
    out.authority = rest.substr(0, slash);
    out.resource = slash == std::string::npos ? std::string("/") : rest.substr(slash);
    if (out.authority.empty()) return make_error(Errc::invalid_argument, "WebSocket URL has no host");
    // host[:port], or [IPv6]:port with the brackets left out of the host (what the resolver wants).
    std::string port_text;
    bool has_port = false;
    if (out.authority.front() == '[') {
        std::size_t close = out.authority.find(']');
        if (close == std::string::npos) return make_error(Errc::invalid_argument, "WebSocket URL has an IPv6 host without ']'");
        out.host = out.authority.substr(1, close - 1);
        std::string after = out.authority.substr(close + 1);
        if (!after.empty() && after[0] != ':')
            return make_error(Errc::invalid_argument, "WebSocket URL has text after the IPv6 host's ']' that is not ':port'");
        has_port = !after.empty();
        if (has_port) port_text = after.substr(1);
    } else {
        std::size_t colon = out.authority.rfind(':');
        has_port = colon != std::string::npos;
        out.host = out.authority.substr(0, colon);
        if (has_port) port_text = out.authority.substr(colon + 1);
    }
    if (has_port) {
        if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos)
            return make_error(Errc::invalid_argument, "WebSocket URL has a malformed port");
        unsigned long p = std::strtoul(port_text.c_str(), nullptr, 10);
        if (p == 0 || p > 65535) return make_error(Errc::invalid_argument, "WebSocket URL port must be 1..65535");
        out.port = static_cast<std::uint16_t>(p);
    }
    if (out.host.empty()) return make_error(Errc::invalid_argument, "WebSocket URL has no host");
    return out;
}

TransportFactory::TransportFactory(Port port, DeviceCredentials credentials)
    : port_(port), credentials_(std::move(credentials)) {}

Result<std::shared_ptr<TlsContext>> TransportFactory::context(const std::string& alpn, bool with_client_cert) {
    for (const Cached& c : contexts_)
        if (c.alpn == alpn && c.with_client_cert == with_client_cert) return c.context;
    TlsSettings settings;
    settings.ca_pem = credentials_.ca_pem;
    if (with_client_cert) {
        if (credentials_.cert_pem.empty())
            return make_error(Errc::invalid_argument, "this target needs the device certificate and key, none configured");
        settings.cert_pem = credentials_.cert_pem;
        settings.key_pem = credentials_.key_pem;
    }
    settings.alpn = alpn;
    settings.max_fragment_len = credentials_.max_fragment_len;
    Result<std::shared_ptr<TlsContext>> made = TlsContext::create(settings, port_.random);
    if (!made.ok()) return made.error();
    contexts_.push_back(Cached{alpn, with_client_cert, made.value()});
    return made.value();
}

Result<std::unique_ptr<Transport>> TransportFactory::open_tls(const std::string& host, std::uint16_t port,
                                                              const std::string& alpn, bool with_client_cert) {
    Result<std::shared_ptr<TlsContext>> ctx = context(alpn, with_client_cert);
    if (!ctx.ok()) return ctx.error();
    Result<std::unique_ptr<Transport>> tcp = port_.tcp.open(host, port);
    if (!tcp.ok()) return tcp.error();
    Result<std::unique_ptr<TlsTransport>> tls = TlsTransport::create(std::move(tcp.value()), ctx.value(), host);
    if (!tls.ok()) return tls.error();
    return std::unique_ptr<Transport>(std::move(tls.value()));
}

Result<std::unique_ptr<Transport>> TransportFactory::open(const mqtt::ConnectionTarget& target) {
    switch (target.kind) {
        case mqtt::TransportKind::tcp:
            return port_.tcp.open(target.host, target.port);
        case mqtt::TransportKind::tls:
            return open_tls(target.host, target.port, target.alpn, true);
        case mqtt::TransportKind::websocket: {
            Result<WebSocketUrl> url = parse_websocket_url(target.url);
            if (!url.ok()) return url.error();
            const WebSocketUrl& u = url.value();
            Result<std::unique_ptr<Transport>> lower =
                u.secure ? open_tls(u.host, u.port, std::string(), false) : port_.tcp.open(u.host, u.port);
            if (!lower.ok()) return lower.error();
            auto learn_offset = [this](const std::string& date) {
                Result<std::int64_t> server = parse_http_date(date);
                if (server.ok()) clock_offset_s_ = server.value() - port_.clock.unix_time_s();
            };
            Result<std::unique_ptr<WebSocketTransport>> ws = WebSocketTransport::create(
                std::move(lower.value()), u.authority, u.resource, port_.random, "mqtt", learn_offset);
            if (!ws.ok()) return ws.error();
            return std::unique_ptr<Transport>(std::move(ws.value()));
        }
    }
    return make_error(Errc::invalid_argument, "unknown transport kind");
}

}  // namespace iotlite::firmware
