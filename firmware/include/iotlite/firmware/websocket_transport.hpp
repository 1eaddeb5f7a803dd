// iotlite::firmware::WebSocketTransport — a WebSocket client (RFC 6455) over any lower
// Transport (TLS for wss://). The opening handshake is done here (Sec-WebSocket-Key/Accept
// with mbedTLS SHA-1 + base64, subprotocol "mqtt"); frames go through wslay. send()/recv()
// carry the MQTT byte stream: each send() is one binary frame, inbound frames are streamed
// chunk by chunk (no whole-message buffering).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "iotlite/firmware/port.hpp"
#include "iotlite/firmware/transport.hpp"

namespace iotlite::firmware {

class WebSocketTransport final : public Transport {
public:
    // host: the Host header (e.g. "abc-ats.iot.eu-west-1.amazonaws.com" or "host:port" when the
    // port is not the default); resource: path and query, e.g. a SigV4-presigned "/mqtt?X-Amz-...".
    // on_server_date, if set, receives the Date header of the upgrade answer (101 or refused):
    // the caller can learn its clock offset from it (a skewed clock gets 403 from AWS).
    // Errors: invalid_argument (no lower transport, empty host, resource not starting with '/').
    static Result<std::unique_ptr<WebSocketTransport>> create(
        std::unique_ptr<Transport> lower, std::string host, std::string resource, Random& random,
        std::string subprotocol = "mqtt", std::function<void(const std::string&)> on_server_date = nullptr);
    ~WebSocketTransport() override;
    WebSocketTransport(const WebSocketTransport&) = delete;
    WebSocketTransport& operator=(const WebSocketTransport&) = delete;

    // Steps the lower connect, then the HTTP upgrade. Errors (final), besides the lower ones:
    //   auth_failed         HTTP 401/403 (e.g. an expired or skewed SigV4 signature); the
    //                       message carries the status line and the start of the body
    //   connection_refused  any other non-101 answer, or no/wrong subprotocol
    //                       (for a refused answer, Error::http_status is its status)
    //   protocol_error      malformed answer, bad Sec-WebSocket-Accept
    //   limit_exceeded      the answer's head breaks a bound of http_answer_parser.hpp (status
    //                       line, header line, header count, 8 KB head), named with its limit
    Result<bool> connect(std::uint64_t now_ms) override;
    std::int32_t send(const std::uint8_t* data, std::size_t size) override;
    std::int32_t recv(std::uint8_t* data, std::size_t size) override;
    void close() override;
    IoWait io_wait() const override;
    const Error& last_error() const override;

private:
    WebSocketTransport();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace iotlite::firmware
