// Cortex-M4 size image for the MQTT engine + codec (tests/size/engine_arm.sh). Never run.
//
// Built twice from this one file:
//   -DIOTLITE_SIZE_BASELINE  main() does the application-side work any user of the engine does
//                            anyway (std::string, std::vector<std::uint8_t>, new/delete), and
//                            nothing else;
//   (default)                the same, plus a Client driven through every input and output of
//                            its API, so that --gc-sections keeps what a device's poll loop keeps.
// The difference in .text (text + rodata) between the two links is the engine + codec cost.
// Inputs come from volatile globals so that nothing is constant-folded away.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#ifndef IOTLITE_SIZE_BASELINE
#include "iotlite/mqtt/client.hpp"
#endif

extern "C" {
volatile std::uint8_t g_rx[64];
volatile std::size_t g_rx_len;
volatile std::uint64_t g_now;
volatile std::uint32_t g_sink;
}

namespace {

// What the application does with strings and buffers regardless of the engine.
std::string app_strings(std::vector<std::uint8_t>& payload) {
    std::string topic = "dt/";
    topic += "device-";
    topic.append(1, static_cast<char>('0' + g_rx_len % 10));
    payload.assign(topic.begin(), topic.end());
    payload.push_back(static_cast<std::uint8_t>(g_rx[0]));
    std::string copy = topic;
    copy.resize(copy.size() - 1);
    return copy + "/x";
}

}  // namespace

int main() {
    std::vector<std::uint8_t> payload;
    std::string topic = app_strings(payload);
    std::uint8_t rx[64];
    for (std::size_t i = 0; i < sizeof rx; ++i) rx[i] = g_rx[i];
    std::uint64_t now = g_now;
    std::uint32_t sink = static_cast<std::uint32_t>(topic.size() + payload.size() + rx[1] + now);

#ifndef IOTLITE_SIZE_BASELINE
    using namespace iotlite;
    mqtt::Config config;
    config.client_id = topic;
    auto created = mqtt::Client::create(config);
    if (!created) return 1;
    mqtt::Client& client = *created.value();
    (void)client.connect(now);
    mqtt::ConnectionTarget target;
    target.kind = mqtt::TransportKind::tcp;
    target.host = topic;
    target.port = 8883;
    client.provide_target(target, now);
    client.on_open(now);
    client.on_bytes(rx, g_rx_len, now);
    auto sub = client.subscribe({mqtt::TopicFilter{topic, mqtt::QoS::at_least_once}}, now);
    auto pub = client.publish(topic, payload.data(), payload.size(), mqtt::QoS::at_least_once, false, now);
    auto unsub = client.unsubscribe({topic}, now);
    sink += sub.ok() + pub.ok() + unsub.ok();
    client.on_tick(now + 1000);
    mqtt::Event event;
    while (client.poll_event(event)) {
        sink += static_cast<std::uint32_t>(event.type) + event.op_id + event.message.payload.size() +
                static_cast<std::uint32_t>(event.error.code) + event.error.message.size();
    }
    sink += static_cast<std::uint32_t>(client.output_size()) + (client.output_data() != nullptr);
    client.consume_output(client.output_size());
    sink += static_cast<std::uint32_t>(client.next_deadline_ms()) + static_cast<std::uint32_t>(client.state());
    client.on_closed(make_error(Errc::closed, "closed"), now);
    client.disconnect(now);
#endif
    g_sink = sink;
    return 0;
}
