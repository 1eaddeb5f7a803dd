// Why a TCP connect failed, for the CLI's "fail fast" rule: a port with nothing listening
// (ECONNREFUSED) or a host name that does not resolve cannot start working within one tool run,
// so pub / sub / shadow stop at once, as mosquitto_pub does, instead of retrying until -W.
// The firmware TCP transport reports both as Errc::io_error with text only; the CLI never
// matches text, so after such a failure it asks the network itself with one more connect.
#pragma once

#include <cstdint>
#include <string>

namespace iotlite::cli {

enum class TcpProbe : std::uint8_t {
    reachable,      // the connect succeeded (the failure was elsewhere: TLS, WebSocket, ...)
    refused,        // ECONNREFUSED: nothing listens on host:port
    unknown_host,   // the name does not resolve (EAI_NONAME)
    inconclusive,   // anything else (timeout, unreachable network, ...): keep retrying
};

// Connects to the first address of host:port as the transport does, waiting at most
// timeout_ms, then closes.
TcpProbe probe_tcp(const std::string& host, std::uint16_t port, std::uint32_t timeout_ms);

}  // namespace iotlite::cli
