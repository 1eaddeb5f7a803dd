// The port layer: what the firmware driver needs from the platform besides a transport.
// A POSIX implementation is in posix_port.hpp; an RTOS provides its own (tick counter,
// hardware RNG, a wait on its network stack's event group).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "iotlite/firmware/transport.hpp"
#include "iotlite/result.hpp"

namespace iotlite::firmware {

// Time: a monotonic millisecond clock for the engine, and the wall clock for signing.
class Clock {
public:
    virtual ~Clock() = default;
    // Monotonic milliseconds. Never goes backwards.
    virtual std::uint64_t now_ms() = 0;
    // Seconds since 1970-01-01 UTC (SigV4 signing time; an RTOS sets it from SNTP).
    virtual std::int64_t unix_time_s() = 0;
};

// Cryptographically strong random bytes (TLS, WebSocket key and masks, backoff seed).
// crypto_error when the source fails.
class Random {
public:
    virtual ~Random() = default;
    virtual Result<void> fill(std::uint8_t* out, std::size_t size) = 0;
};

// Blocks until `wait` is satisfied or timeout_ms passed (0: just check). The only place the
// driver sleeps. A port without a native handle may simply sleep for min(timeout, a tick).
class Waiter {
public:
    virtual ~Waiter() = default;
    virtual void wait(const IoWait& wait, std::uint32_t timeout_ms) = 0;
};

// One address a host name resolved to, with the port to connect to.
struct IpAddress {
    enum class Family : std::uint8_t { v4, v6 };
    Family family = Family::v4;
    std::uint8_t bytes[16] = {};  // network byte order; v4 uses the first 4
    std::uint16_t port = 0;
};

// Name resolution. AWS IoT endpoints resolve to IPv4 and IPv6 addresses; a TcpConnector's
// transport tries every address returned, in order, until one connects (a host whose IPv6 route
// is broken still reaches the endpoint over IPv4). A port implements it with its stack's
// resolver (getaddrinfo with AF_UNSPEC, lwIP's netconn_gethostbyname_addrtype, ...).
class Resolver {
public:
    virtual ~Resolver() = default;
    // Every address of `host` (a name or a literal IPv4/IPv6 address), in the order to try them,
    // each with `port`. Never an empty list on success; io_error naming the host when it does
    // not resolve.
    virtual Result<std::vector<IpAddress>> resolve(const std::string& host, std::uint16_t port) = 0;
};

// Opens a plain TCP stream to host:port (non-blocking; connect() steps it). Name resolution is
// the connector's (the POSIX one takes a Resolver): all addresses are tried.
class TcpConnector {
public:
    virtual ~TcpConnector() = default;
    virtual Result<std::unique_ptr<Transport>> open(const std::string& host, std::uint16_t port) = 0;
};

// The platform, by reference. The objects outlive everything built from the Port.
struct Port {
    Clock& clock;
    Random& random;
    Waiter& waiter;
    TcpConnector& tcp;
};

}  // namespace iotlite::firmware
