// Internal: the reconnect backoff of the engine (see ReconnectConfig in client.hpp).
//
// Full jitter above a floor, n = consecutive failures before this one (from 0):
//   cap(n) = min(max_delay, floor * 2^(n+1))
//   delay  = floor + uniform[0, cap(n) - floor]
// so every retry waits at least the floor (no hot reconnect loop against a broker that refuses at
// once), the jitter window doubles per failure and saturates at max_delay. The floor is
// max(min_delay_ms, limits::min_connect_interval_ms): AWS IoT allows 1 CONNECT per second per
// client id, whatever the config says; max_delay is raised to the floor likewise.
#pragma once

#include <cstdint>

#include "iotlite/mqtt/topic.hpp"

namespace iotlite::mqtt::detail {

// splitmix64: tiny, seedable, good enough for jitter (not for anything secret).
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next();
    // Uniform in [0, bound] by multiply-shift (Lemire); bias below 2^-32, and no 64-bit
    // division (which would pull __udivmoddi4 into Cortex-M builds).
    std::uint32_t upto(std::uint32_t bound);

private:
    std::uint64_t state_;
};

class Backoff {
public:
    // min_delay_ms <= max_delay_ms (Client::create() checks it).
    Backoff(std::uint32_t min_delay_ms, std::uint32_t max_delay_ms, std::uint64_t seed);

    // The delay before the next attempt; counts one more failure.
    std::uint32_t next_delay();
    // The maximum delay (MQTT 5: the broker said it is busy or throttling); counts one more failure.
    std::uint32_t max_delay() {
        ++failures_;
        return max_;
    }
    // A connection stayed up long enough: the next delay starts from the floor's window again.
    void reset() { failures_ = 0; }

    std::uint32_t floor() const { return floor_; }
    // Upper bound of the delay after n consecutive failures.
    std::uint32_t cap(std::uint32_t n) const;
    std::uint32_t failures() const { return failures_; }

private:
    std::uint32_t floor_;
    std::uint32_t max_;
    std::uint32_t failures_ = 0;
    Rng rng_;
};

// ---- implementation (inline: see the note in client.cpp on code size) ----

inline std::uint64_t Rng::next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

inline std::uint32_t Rng::upto(std::uint32_t bound) {
    return static_cast<std::uint32_t>(((next() >> 32) * (std::uint64_t{bound} + 1)) >> 32);
}

inline Backoff::Backoff(std::uint32_t min_delay_ms, std::uint32_t max_delay_ms, std::uint64_t seed)
    : floor_(min_delay_ms > limits::min_connect_interval_ms ? min_delay_ms : limits::min_connect_interval_ms),
      max_(max_delay_ms > floor_ ? max_delay_ms : floor_),
      rng_(seed) {}

inline std::uint32_t Backoff::cap(std::uint32_t n) const {
    std::uint64_t cap = std::uint64_t{floor_} << (n + 1 < 32 ? n + 1 : 32);
    return cap < max_ ? static_cast<std::uint32_t>(cap) : max_;
}

inline std::uint32_t Backoff::next_delay() {
    std::uint32_t delay = floor_ + rng_.upto(cap(failures_) - floor_);
    ++failures_;
    return delay;
}

}  // namespace iotlite::mqtt::detail
