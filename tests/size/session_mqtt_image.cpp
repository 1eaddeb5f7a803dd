// The "MQTT-only device (Session)" Cortex-M4 image of the size table (tests/size/size_table.sh):
// an application that connects, subscribes, publishes and handles events through
// firmware::Session, with trivial Port and Transport stubs standing in for the integrator's
// socket/TLS. No service attached, no SigV4: what --gc-sections keeps is the engine + codec, the
// Session's poll loop and the C++ runtime they use. Never run.
#include <cstdint>
#include <memory>

#include "iotlite/firmware/session.hpp"

namespace {

using namespace iotlite;

struct StubClock final : firmware::Clock {
    std::uint64_t now_ms() override { return 0; }
    std::int64_t unix_time_s() override { return 0; }
};
struct StubRandom final : firmware::Random {
    Result<void> fill(std::uint8_t*, std::size_t) override { return {}; }
};
struct StubWaiter final : firmware::Waiter {
    void wait(const firmware::IoWait&, std::uint32_t) override {}
};
struct StubTcp final : firmware::TcpConnector {
    Result<std::unique_ptr<firmware::Transport>> open(const std::string&, std::uint16_t) override {
        return make_error(Errc::unsupported, "no network in the size image");
    }
};
// Stands for the device's TCP/TLS socket: opens at once, accepts every byte, never receives.
class StubTransport final : public firmware::Transport {
public:
    Result<bool> connect(std::uint64_t) override { return true; }
    std::int32_t send(const std::uint8_t*, std::size_t n) override { return static_cast<std::int32_t>(n); }
    std::int32_t recv(std::uint8_t*, std::size_t) override { return 0; }
    void close() override {}
    firmware::IoWait io_wait() const override { return firmware::IoWait{}; }
    const Error& last_error() const override { return error_; }

private:
    Error error_;
};

}  // namespace

int main() {
    StubClock clock;
    StubRandom random;
    StubWaiter waiter;
    StubTcp tcp;
    firmware::Port port{clock, random, waiter, tcp};

    mqtt::Config c;
    c.client_id = "d";
    auto session = firmware::Session::create(
        c, port, [](std::uint32_t) -> Result<mqtt::ConnectionTarget> { return mqtt::ConnectionTarget{}; },
        [](const mqtt::ConnectionTarget&) -> Result<std::unique_ptr<firmware::Transport>> {
            return std::unique_ptr<firmware::Transport>(new StubTransport());
        });
    if (!session.ok()) return 1;
    firmware::Session& s = *session.value();
    int received = 0;
    s.set_event_handler([&](const mqtt::Event& e) {
        if (e.type == mqtt::Event::Type::message) received += static_cast<int>(e.message.payload.size());
    });
    (void)s.start();
    (void)s.subscribe({mqtt::TopicFilter{"devices/d/cmd", mqtt::QoS::at_least_once}});
    (void)s.publish("devices/d/telemetry", "{\"t\":21}", mqtt::QoS::at_least_once);
    s.run_until([&] { return received > 0; }, 10);
    (void)s.unsubscribe({"devices/d/cmd"});
    s.stop(10);
    return received;
}
