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

// Parts of a ws:// or wss:// URL.
struct WebSocketUrl {
    bool secure = true;
    std::string host;       // without port
    std::uint16_t port = 443;
    std::string authority;  // Host header: host, or host:port when the port is not the default
    std::string resource;   // path + query, starts with '/'
};

// Errors: invalid_argument naming what is wrong (scheme, empty host, bad port).
Result<WebSocketUrl> parse_websocket_url(const std::string& url);

class TransportFactory {
public:
    TransportFactory(Port port, DeviceCredentials credentials);

    // Errors: invalid_argument (bad target / URL / PEM), plus those of TlsContext::create.
    Result<std::unique_ptr<Transport>> open(const mqtt::ConnectionTarget& target);
    // TLS to host:port; with_client_cert selects whether the device certificate is presented.
    Result<std::unique_ptr<Transport>> open_tls(const std::string& host, std::uint16_t port, const std::string& alpn,
                                                bool with_client_cert);

    // Server clock minus our wall clock, in seconds, from the Date header of the last WebSocket
    // upgrade answer (0 until one was seen). Add it to the signing time of presigned URLs so that
    // a device with a wrong clock recovers after one 403 instead of failing forever.
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
};

}  // namespace iotlite::firmware
