// A small Cortex-M4 image for the size table (tests/size/size_table.sh): it references the
// engine, the shadow client (attached to the Session as a service), SigV4 (presigned URL + header
// signing) and the firmware Session, so that --gc-sections keeps what a device using them would
// keep. Never run. session_mqtt_image.cpp is the same device without shadow and SigV4.
#include <cstdint>

#include "iotlite/firmware/session.hpp"
#include "iotlite/mqtt/client.hpp"
#include "iotlite/services/shadow/shadow_client.hpp"
#include "iotlite/sigv4/iot_websocket_url.hpp"
#include "iotlite/sigv4/signer.hpp"

namespace {

using namespace iotlite;

struct NullClock final : firmware::Clock {
    std::uint64_t now_ms() override { return 0; }
    std::int64_t unix_time_s() override { return 0; }
};
struct NullRandom final : firmware::Random {
    Result<void> fill(std::uint8_t*, std::size_t) override { return {}; }
};
struct NullWaiter final : firmware::Waiter {
    void wait(const firmware::IoWait&, std::uint32_t) override {}
};
struct NullTcp final : firmware::TcpConnector {
    Result<std::unique_ptr<firmware::Transport>> open(const std::string&, std::uint16_t) override {
        return make_error(Errc::unsupported, "no network in the size image");
    }
};

}  // namespace

// Keeps the engine-only part measurable on its own (see the "engine" row).
extern "C" int iotlite_size_engine_only(void) {
    mqtt::Config c;
    c.client_id = "d";
    auto client = mqtt::Client::create(c);
    if (!client.ok()) return 1;
    mqtt::Client& cl = *client.value();
    (void)cl.connect(0);
    (void)cl.subscribe({mqtt::TopicFilter{"a/b", mqtt::QoS::at_least_once}}, 0);
    (void)cl.publish("a/b", nullptr, 0, mqtt::QoS::at_least_once, false, 0);
    cl.on_bytes(nullptr, 0, 0);
    cl.on_tick(0);
    mqtt::Event e;
    while (cl.poll_event(e)) {}
    cl.consume_output(cl.output_size());
    return 0;
}

int main() {
    NullClock clock;
    NullRandom random;
    NullWaiter waiter;
    NullTcp tcp;
    firmware::Port port{clock, random, waiter, tcp};

    sigv4::IotUrlRequest req;
    req.endpoint = "x.iot.eu-west-1.amazonaws.com";
    req.credentials = sigv4::Credentials{"AKID", "secret", ""};
    auto url = sigv4::presign_iot_websocket_url(req);
    sigv4::HttpRequest http;
    http.method = "POST";
    http.path = "/topics/a";
    sigv4::SigningConfig cfg;
    cfg.region = "eu-west-1";
    cfg.service = "iotdata";
    auto signed_request = sigv4::sign_request(http, cfg, req.credentials);

    mqtt::Config c;
    c.client_id = "d";
    auto session = firmware::Session::create(
        c, port, [](std::uint32_t) -> Result<mqtt::ConnectionTarget> { return mqtt::ConnectionTarget{}; },
        [](const mqtt::ConnectionTarget&) -> Result<std::unique_ptr<firmware::Transport>> {
            return make_error(Errc::unsupported, "none");
        });
    if (!session.ok()) return 1;
    auto sc = shadow::ShadowClient::create(session.value()->client(), shadow::ShadowConfig{});
    if (!sc.ok() || !session.value()->attach(*sc.value()).ok()) return 1;
    (void)sc.value()->update_json(shadow::ShadowId{"t", ""}, "{\"reported\":{\"led\":true}}", 0);
    (void)session.value()->start();
    session.value()->run_until([] { return false; }, 10);
    return (url.ok() ? 0 : 1) + (signed_request.ok() ? 0 : 1) + iotlite_size_engine_only();
}
