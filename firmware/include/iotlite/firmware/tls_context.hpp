// iotlite::firmware::TlsContext — parsed credentials and the mbedTLS configuration shared by
// every TLS connection of one kind (parse the PEMs once, not per reconnect).
//
// Always: the server certificate is verified against ca_pem (MBEDTLS_SSL_VERIFY_REQUIRED)
// and against the host name of each connection, and the host name is sent as SNI.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "iotlite/firmware/port.hpp"
#include "iotlite/result.hpp"

namespace iotlite::firmware {

struct TlsSettings {
    std::string ca_pem;     // trusted root(s), PEM; required
    std::string cert_pem;   // client certificate chain, PEM; empty: no client certificate
    std::string key_pem;    // client private key, PEM (unencrypted); required with cert_pem
    std::string alpn;       // one ALPN protocol, e.g. "x-amzn-mqtt-ca"; empty: no ALPN
    // RFC 6066 maximum fragment length to request: 0 (none), 512, 1024, 2048 or 4096. Must hold
    // our largest handshake message (the certificate): 512 is too small for typical certificates.
    // Smaller records from the server; mbedTLS 2.28 does not shrink its own buffers for it
    // (MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH is off in Debian's build), see docs/firmware.md.
    std::uint16_t max_fragment_len = 0;
};

class TlsContext {
public:
    // Errors: invalid_argument (no CA, key without certificate, bad max_fragment_len, a PEM that
    // does not parse: the message names which one, never its content), crypto_error (DRBG seed).
    // `random` must outlive the context.
    static Result<std::shared_ptr<TlsContext>> create(const TlsSettings& settings, Random& random);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    // The settings, with the three PEM texts emptied once parsed.
    const TlsSettings& settings() const;
    // The mbedtls_ssl_config* to pass to mbedtls_ssl_setup (opaque here to keep mbedTLS headers
    // out of this header).
    const void* ssl_config() const;

private:
    TlsContext();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace iotlite::firmware
