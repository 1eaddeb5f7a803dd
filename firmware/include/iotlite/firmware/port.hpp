// The port layer: what the firmware driver needs from the platform besides a transport.
// A POSIX implementation is in posix_port.hpp; an RTOS provides its own (tick counter,
// hardware RNG, a wait on its network stack's event group).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

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

// Opens a plain TCP stream to host:port (non-blocking; connect() steps it).
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
