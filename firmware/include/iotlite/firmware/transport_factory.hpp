// iotlite::firmware::TransportFactory — builds the transport stack an engine target asks for:
//   tcp        TCP
//   tls        TCP + TLS with the device's client certificate (+ ALPN, e.g. x-amzn-mqtt-ca on 443)
//   websocket  TCP + TLS (server verified, no client certificate) + WebSocket for wss://
//              (TCP + WebSocket for ws://, local tests only)
// TLS contexts (parsed PEMs) are built on first use and reused across reconnects.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "iotlite/connection/clock_skew.hpp"
#include "iotlite/firmware/port.hpp"
#include "iotlite/firmware/tls_context.hpp"
#include "iotlite/firmware/transport.hpp"
#include "iotlite/mqtt/client.hpp"

namespace iotlite::firmware {

struct DeviceCredentials {
    std::string ca_pem;     // trusted root for the endpoint (AWS: Amazon Root CA 1)
    std::string cert_pem;   // device certificate (tls targets); may be empty for wss-only use
    std::string key_pem;    // device private key
    std::uint16_t max_fragment_len = 0;  // see TlsSettings
};

// Parts of a ws:// or wss:// URL (read by connection::parse_endpoint, the one endpoint parser).
struct WebSocketUrl {
    bool secure = true;
    std::string host;       // without port
    std::uint16_t port = 443;
    std::string authority;  // Host header: the URL's host[:port] as written (lowercased)
    std::string resource;   // path + query, starts with '/' ("/" when the URL has none)
};

// Errors: invalid_argument naming what is wrong (no ws:// or wss:// scheme, then the rules of
// connection::parse_endpoint: empty host, bad port, ...).
Result<WebSocketUrl> parse_websocket_url(const std::string& url);

class TransportFactory {
public:
    TransportFactory(Port port, DeviceCredentials credentials);

    // Errors: invalid_argument (bad target / URL / PEM), plus those of TlsContext::create.
    Result<std::unique_ptr<Transport>> open(const mqtt::ConnectionTarget& target);
    // TLS to host:port; with_client_cert selects whether the device certificate is presented.
    Result<std::unique_ptr<Transport>> open_tls(const std::string& host, std::uint16_t port, const std::string& alpn,
                                                bool with_client_cert);

    // The clock-skew policy fed with the Date header of every WebSocket upgrade answer (a refused
    // upgrade included), usually the TargetBuilder's: the next presigned URL then uses the
    // corrected time, so a device with a wrong clock recovers after one 403. Not owned; may be null.
    void set_clock_skew(connection::ClockSkew* skew) { skew_ = skew; }
    // Server clock minus our wall clock, in seconds, from the Date header of the last WebSocket
    // upgrade answer (0 until one was seen); diagnostics only, the policy decides what is applied.
    std::int64_t observed_clock_offset_s() const { return clock_offset_s_; }

private:
    Result<std::shared_ptr<TlsContext>> context(const std::string& alpn, bool with_client_cert);
    Port port_;
    DeviceCredentials credentials_;
    struct Cached {
        std::string alpn;
        bool with_client_cert;
        std::shared_ptr<TlsContext> context;
    };
    std::vector<Cached> contexts_;
    std::int64_t clock_offset_s_ = 0;
    connection::ClockSkew* skew_ = nullptr;
};

}  // namespace iotlite::firmware
