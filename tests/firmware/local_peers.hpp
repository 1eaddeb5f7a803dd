// Test fixture: the local peers the firmware transports are tested against.
//   - a fresh PKI (pki.sh, openssl CLI) in a temp dir
//   - Mosquitto: plain TCP, TLS with client certificates required, TLS with an expired server cert
//   - peer.mjs (Node): ALPN relay, WSS + SigV4 gateway, HTTPS echo with client cert / SigV4
// Everything on 127.0.0.1, killed and removed in the destructor.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "iotlite/firmware/transport_factory.hpp"

namespace iotlite::firmware::test {

class LocalPeers {
public:
    LocalPeers() = default;
    ~LocalPeers();
    LocalPeers(const LocalPeers&) = delete;
    LocalPeers& operator=(const LocalPeers&) = delete;

    // Empty string on success, else what failed.
    std::string start(bool with_node_peer = true);

    std::string pem(const std::string& file) const;  // e.g. "ca.crt"; NUL-free text
    // ca.crt, device.crt and device.key: the CA the peers' certificates chain to and a device
    // certificate they accept.
    DeviceCredentials device_credentials() const;
    const std::string& dir() const { return dir_; }

    std::uint16_t mqtt_plain = 0;    // Mosquitto, plain TCP
    std::uint16_t mqtt_tls = 0;      // Mosquitto, TLS + client cert (8883-style)
    std::uint16_t mqtt_expired = 0;  // Mosquitto, TLS with an expired server certificate
    std::uint16_t alpn = 0;          // Node, TLS + client cert + ALPN x-amzn-mqtt-ca (443-style)
    std::uint16_t wss = 0;           // Node, WSS + SigV4 presigned URL check
    std::uint16_t https_cert = 0;    // Node, HTTPS + client cert (8443-style)
    std::uint16_t https_sigv4 = 0;   // Node, HTTPS + SigV4 (443-style)

private:
    std::string dir_;
    pid_t mosquitto_ = -1;
    pid_t node_ = -1;
    int node_stdin_ = -1;
};

std::uint16_t free_port();
// Credentials the WSS / SigV4 peers accept (region us-east-1).
inline constexpr const char* kAccessKeyId = "AKIDFIRMWARETEST";
inline constexpr const char* kSecretKey = "firmware-test-secret";

}  // namespace iotlite::firmware::test
