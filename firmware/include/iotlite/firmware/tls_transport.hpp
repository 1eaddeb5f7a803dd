// iotlite::firmware::TlsTransport — TLS (mbedTLS) over any lower Transport, non-blocking.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "iotlite/firmware/tls_context.hpp"
#include "iotlite/firmware/transport.hpp"

namespace iotlite::firmware {

class TlsTransport final : public Transport {
public:
    // `hostname` is sent as SNI and checked against the server certificate.
    // Errors: invalid_argument (empty hostname), crypto_error (mbedtls_ssl_setup).
    static Result<std::unique_ptr<TlsTransport>> create(std::unique_ptr<Transport> lower,
                                                        std::shared_ptr<TlsContext> context,
                                                        const std::string& hostname);
    ~TlsTransport() override;
    TlsTransport(const TlsTransport&) = delete;
    TlsTransport& operator=(const TlsTransport&) = delete;

    // Steps the lower connect, then the handshake. Errors (final):
    //   crypto_error        server certificate not trusted / expired / wrong name (mbedTLS reason)
    //   auth_failed         the server rejected our client certificate (TLS alert named)
    //   connection_refused  the requested ALPN protocol was not accepted
    //   invalid_argument    max_fragment_len too small for our certificate message
    //   io_error / closed   from the lower transport (e.g. the server closed mid-handshake)
    Result<bool> connect(std::uint64_t now_ms) override;
    std::int32_t send(const std::uint8_t* data, std::size_t size) override;
    std::int32_t recv(std::uint8_t* data, std::size_t size) override;
    void close() override;
    IoWait io_wait() const override;
    const Error& last_error() const override;

    // The ALPN protocol the server selected ("" if none), after connect() returned true.
    std::string alpn_selected() const;

private:
    TlsTransport();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace iotlite::firmware
