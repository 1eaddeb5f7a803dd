#include "iotlite/firmware/transport_factory.hpp"

#include "iotlite/connection/endpoint.hpp"
#include "iotlite/connection/http_date.hpp"
#include "iotlite/firmware/http_client.hpp"
#include "iotlite/firmware/tls_transport.hpp"
#include "iotlite/firmware/websocket_transport.hpp"

namespace iotlite::firmware {

Result<WebSocketUrl> parse_websocket_url(const std::string& url) {
    Result<connection::Endpoint> parsed = connection::parse_endpoint(url);
    if (!parsed.ok()) return parsed.error();
    const connection::Endpoint& e = parsed.value();
    if (e.scheme == connection::EndpointScheme::none) {
        return make_error(Errc::invalid_argument, IOTLITE_TEXT("WebSocket URL must start with wss:// or ws://"));
    }
    WebSocketUrl out;
    out.secure = e.scheme == connection::EndpointScheme::wss;
    const std::uint16_t default_port = out.secure ? 443 : 80;
    out.host = e.host;
    out.port = e.port_or(default_port);
    // The Host header is the URL's authority exactly as written (lowercased): it is what the
    // presigned URL signed, an explicit default port or leading zeros included.
    const std::size_t begin = url.find("://") + 3;
    const std::size_t end = url.find('/', begin);
    out.authority = url.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    for (char& c : out.authority) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    out.resource = e.resource.empty() ? std::string("/") : e.resource;
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
            return make_error(Errc::invalid_argument, IOTLITE_TEXT("this target needs the device certificate and key, none configured"));
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
                // An unreadable Date, or one over the skew bound, is not applied (a hint only).
                const std::int64_t local = port_.clock.unix_time_s();
                Result<std::int64_t> server = connection::parse_http_date(date);
                if (!server.ok()) return;
                clock_offset_s_ = server.value() - local;
                if (skew_ != nullptr) (void)skew_->observe(server.value(), local);
            };
            Result<std::unique_ptr<WebSocketTransport>> ws = WebSocketTransport::create(
                std::move(lower.value()), u.authority, u.resource, port_.random, "mqtt", learn_offset);
            if (!ws.ok()) return ws.error();
            return std::unique_ptr<Transport>(std::move(ws.value()));
        }
    }
    return make_error(Errc::invalid_argument, IOTLITE_TEXT("unknown transport kind"));
}

}  // namespace iotlite::firmware
