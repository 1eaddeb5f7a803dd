// The engine's no-heap-after-connect build (IOTLITE_NO_HEAP_AFTER_CONNECT, tests/size/no_heap_config.h)
// on the emulated Cortex-M4 (QEMU mps2-an386, newlib-nano, semihosting): a device's loop after
// CONNACK — QoS 0 and QoS 1 publishes, PUBACKs, inbound QoS 0 and QoS 1 messages, keep-alive
// round trips — makes no call to malloc. Every malloc of the image goes through __wrap_malloc
// (-Wl,--wrap=malloc; operator new calls malloc), which counts them. The broker's bytes are
// written out by hand from MQTT 3.1.1; time is a variable. Prints the figures for docs/firmware.md
// ("Heap after connect") and ends with the "scenario: all N checks passed" line run_qemu.sh wants.
#include <malloc.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

#include "iotlite/mqtt/client.hpp"
#include "memory_stats.h"

static_assert(IOTLITE_NO_HEAP_AFTER_CONNECT, "built with tests/size/no_heap_config.h");

extern "C" void initialise_monitor_handles(void);
extern "C" void* __real_malloc(std::size_t size);  // NOLINT: the linker's --wrap names

namespace {
unsigned g_mallocs = 0;
}  // namespace

extern "C" void* __wrap_malloc(std::size_t size) {  // NOLINT
    ++g_mallocs;
    return __real_malloc(size);
}

namespace {

using iotlite::mqtt::Event;
using iotlite::mqtt::QoS;

int checks = 0;
int failed = 0;
bool check(bool ok, const char* what) {
    ++checks;
    std::printf("%s %2d  %s\n", ok ? "ok  " : "FAIL", checks, what);
    if (!ok) ++failed;
    return ok;
}

// The device's poll loop: the engine's output goes to the "socket" (dropped here: the broker's
// answers are scripted), every event into the one Event the application keeps.
struct Device {
    std::unique_ptr<iotlite::mqtt::Client> client;
    Event event;
    std::uint64_t now = 1000;
    unsigned published = 0, messages = 0, other = 0;
    std::size_t last_payload = 0;

    void drain() {
        client->consume_output(client->output_size());
        while (client->poll_event(event)) {
            if (event.type == Event::Type::published)
                ++published;
            else if (event.type == Event::Type::message) {
                ++messages;
                last_payload = event.message.payload.size();
            } else {
                ++other;
            }
        }
    }
    void feed(const std::uint8_t* bytes, std::size_t size) {
        client->on_bytes(bytes, size, now);
        drain();
    }
};

// A PUBLISH from the broker on "d/cmd" with an 8-byte payload: QoS 0, or QoS 1 with packet id 7.
constexpr std::uint8_t kInbound0[] = {0x30, 15, 0, 5, 'd', '/', 'c', 'm', 'd', '{', '"', 'l', '"', ':', '1', '}', ' '};
constexpr std::uint8_t kInbound1[] = {0x32, 17, 0, 5, 'd', '/', 'c', 'm', 'd', 0, 7, '{', '"', 'l', '"', ':', '0', '}', ' '};

}  // namespace

int main() {
    initialise_monitor_handles();
    std::printf("iotlite no-heap-after-connect engine on Cortex-M4 (QEMU mps2-an386, newlib-nano)\n");
    const unsigned in_use_before = static_cast<unsigned>(mallinfo().uordblks);
    const unsigned mallocs_before = g_mallocs;

    Device d;
    iotlite::mqtt::Config config;
    config.client_id = "mcu-no-heap";
    auto created = iotlite::mqtt::Client::create(config);
    if (!check(created.ok(), "Client::create")) return 1;
    d.client = std::move(created).value();
    d.client->reserve_event(d.event);
    const unsigned reserved_bytes = static_cast<unsigned>(mallinfo().uordblks) - in_use_before;
    const unsigned reserved_blocks = g_mallocs - mallocs_before;

    // Connect: need_target -> a TCP target -> open -> CONNECT written -> CONNACK accepted.
    check(d.client->connect(d.now).ok(), "connect() starts an attempt");
    iotlite::mqtt::ConnectionTarget target;
    target.kind = iotlite::mqtt::TransportKind::tcp;
    target.host = "broker.local";
    target.port = 8883;
    d.client->provide_target(iotlite::Result<iotlite::mqtt::ConnectionTarget>(target), d.now);
    d.client->on_open(d.now);
    const std::uint8_t connack[] = {0x20, 0x02, 0x00, 0x00};
    d.feed(connack, sizeof connack);
    check(d.client->state() == iotlite::mqtt::State::connected, "CONNACK: connected");
    check(d.client->subscribe({iotlite::mqtt::TopicFilter{"d/cmd", QoS::at_least_once}}, d.now).ok(), "subscribe d/cmd");
    const std::uint8_t suback[] = {0x90, 0x03, 0x00, 0x01, 0x01};
    d.feed(suback, sizeof suback);
    const unsigned other_before = d.other;

    // The loop, counted from the first operation after the SUBACK.
    const unsigned mallocs_at_connect = g_mallocs;
    const unsigned in_use_at_connect = static_cast<unsigned>(mallinfo().uordblks);
    const std::uint8_t payload[] = {'{', '"', 't', '"', ':', '2', '1', '}'};
    const std::uint8_t pingresp[] = {0xD0, 0x00};
    std::uint16_t next_id = 2;  // id 1 went to the SUBSCRIBE
    constexpr unsigned kRounds = 1000;
    bool all_ok = true;
    for (unsigned round = 1; round <= kRounds; ++round) {
        all_ok &= d.client->publish("d/telemetry", payload, sizeof payload, QoS::at_most_once, false, d.now).ok();
        d.drain();
        all_ok &= d.client->publish("d/telemetry", payload, sizeof payload, QoS::at_least_once, false, d.now).ok();
        d.drain();
        const std::uint8_t puback[] = {0x40, 0x02, static_cast<std::uint8_t>(next_id >> 8), static_cast<std::uint8_t>(next_id)};
        ++next_id;  // 1000 rounds: no wrap-around
        d.feed(puback, sizeof puback);
        d.feed(kInbound0, sizeof kInbound0);
        d.feed(kInbound1, sizeof kInbound1);
        if (round % 100 == 0) {  // a quiet minute: PINGREQ out, PINGRESP back
            d.now += 60 * 1000;
            d.client->on_tick(d.now);
            d.drain();
            d.feed(pingresp, sizeof pingresp);
        }
    }
    const unsigned mallocs_after_connect = g_mallocs - mallocs_at_connect;
    const unsigned in_use_after = static_cast<unsigned>(mallinfo().uordblks);

    check(all_ok, "every publish() accepted");
    check(d.published == 2 * kRounds, "a `published` event for every QoS 0 and QoS 1 publish");
    check(d.messages == 2 * kRounds && d.last_payload == 8, "every inbound message delivered whole");
    check(d.other == other_before, "no other event (no disconnect, no error)");
    check(d.client->state() == iotlite::mqtt::State::connected, "still connected after 10 keep-alive intervals");
    check(mallocs_after_connect == 0, "no malloc after connect");
    check(in_use_after == in_use_at_connect, "heap in use unchanged by the loop");

    std::printf("measure: Client::create() + reserve_event() set aside %u bytes in %u blocks (mallinfo uordblks; "
                "4 events, 4 in flight, 256-byte payloads)\n",
                reserved_bytes, reserved_blocks);
    std::printf("measure: %u rounds (QoS 0 + QoS 1 publish, PUBACK, 2 inbound messages; 10 pings): %u mallocs, "
                "heap in use %u -> %u bytes\n",
                kRounds, mallocs_after_connect, in_use_at_connect, in_use_after);
    std::printf("measure: heap peak %u bytes (highest program break above the end of .bss), stack high-water %u bytes\n",
                static_cast<unsigned>(mcu_heap_peak_bytes()), static_cast<unsigned>(mcu_stack_high_water_bytes()));
    if (failed) {
        std::printf("scenario: %d of %d checks failed\n", failed, checks);
        return 1;
    }
    std::printf("scenario: all %d checks passed\n", checks);
    return 0;
}
