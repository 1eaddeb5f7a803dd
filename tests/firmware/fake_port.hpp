// A port with fake time for Session tests without sockets or real time (test-only): the clock
// moves only when the Session waits, by the whole timeout unless the transport has bytes ready.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "iotlite/firmware/port.hpp"

namespace iotlite::firmware::test {

struct FakeClock final : Clock {
    std::uint64_t now = 1000;
    std::uint64_t now_ms() override { return now; }
    std::int64_t unix_time_s() override { return 1700000000; }
};
struct FakeRandom final : Random {
    Result<void> fill(std::uint8_t* out, std::size_t n) override {
        std::memset(out, 7, n);
        return {};
    }
};
// Waiting = time passes: the whole timeout, unless the transport says it has bytes ready.
struct FakeWaiter final : Waiter {
    FakeClock& clock;
    std::uint32_t waits = 0;
    explicit FakeWaiter(FakeClock& c) : clock(c) {}
    void wait(const IoWait& w, std::uint32_t timeout_ms) override {
        ++waits;
        if (!w.ready_now) clock.now += timeout_ms;
    }
};
struct NoTcp final : TcpConnector {
    Result<std::unique_ptr<Transport>> open(const std::string&, std::uint16_t) override {
        return make_error(Errc::unsupported, "not used");
    }
};

}  // namespace iotlite::firmware::test
