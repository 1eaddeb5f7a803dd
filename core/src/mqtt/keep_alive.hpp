// Internal: the keep-alive timer of a connected session (MQTT 3.1.1 §3.1.2.10).
//
// A PINGREQ is due when nothing was sent OR nothing was received for keep_alive_s (so the client
// always sends within keep-alive, and an application that keeps publishing cannot hide a path that
// went silent); then the PINGRESP must come within min(ping_timeout_ms, keep_alive_s / 2), else the
// session is dead: a silent path is detected within 1.5 x keep_alive_s whatever the outbound traffic.
// The timer is an output (deadline()); the engine calls tick() when it passes.
#pragma once

#include <cstdint>

namespace iotlite::mqtt::detail {

class KeepAlive {
public:
    static constexpr std::uint64_t never = UINT64_MAX;
    enum class Action : std::uint8_t { none, send_ping, timed_out };

    KeepAlive(std::uint16_t keep_alive_s, std::uint32_t ping_timeout_ms)
        : keep_alive_ms_(keep_alive_s * 1000u), ping_timeout_ms_(ping_timeout_ms) {}

    // MQTT 5: the broker's Server Keep Alive replaces ours (§3.2.2.3.14); 0 turns keep-alive off.
    void set_interval(std::uint16_t keep_alive_s) { keep_alive_ms_ = keep_alive_s * 1000u; }
    void sent(std::uint64_t now) { last_send_ = now; }
    void received(std::uint64_t now) { last_recv_ = now; }
    // The PINGRESP arrived, or the connection is gone: no PINGRESP is awaited any more.
    void stop_waiting() { ping_deadline_ = never; }

    // What is due at `now`: send_ping (the PINGREQ is then awaited from now; the caller sends it),
    // timed_out (the PINGRESP did not come in time), or none.
    Action tick(std::uint64_t now) {
        if (ping_deadline_ != never) return now >= ping_deadline_ ? Action::timed_out : Action::none;
        if (keep_alive_ms_ == 0 || now < ping_due()) return Action::none;
        ping_deadline_ = now + ping_timeout();
        return Action::send_ping;
    }
    // When tick() must run next: the PINGRESP deadline while one is awaited, else the PINGREQ due time.
    std::uint64_t deadline() const { return ping_deadline_ != never ? ping_deadline_ : keep_alive_ms_ ? ping_due() : never; }
    bool awaiting_pingresp() const { return ping_deadline_ != never; }

    std::uint64_t ping_due() const { return (last_send_ < last_recv_ ? last_send_ : last_recv_) + keep_alive_ms_; }
    std::uint32_t ping_timeout() const {
        std::uint32_t half = keep_alive_ms_ / 2;
        return ping_timeout_ms_ < half ? ping_timeout_ms_ : half;
    }

private:
    std::uint32_t keep_alive_ms_;
    std::uint32_t ping_timeout_ms_;
    std::uint64_t last_send_ = 0;
    std::uint64_t last_recv_ = 0;  // last complete packet from the broker
    std::uint64_t ping_deadline_ = never;  // set while a PINGREQ awaits its PINGRESP
};

}  // namespace iotlite::mqtt::detail
