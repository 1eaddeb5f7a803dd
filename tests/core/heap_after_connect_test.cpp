// Heap use of the MQTT engine after CONNACK (issue 17, item 4): a counting operator new/delete
// (this executable's own; test-only) measures what a publish / subscribe / receive loop
// allocates once connected, operation by operation.
//
// What it asserts is what is true today (docs/firmware.md, "Heap after connect"): the engine
// does allocate after connect (event queue nodes, the Message's topic/payload, the QoS 1
// in-flight copy), but a fixed number of blocks per operation, all freed by the end of the
// operation: a device's heap after connect does not grow with uptime and has a fixed peak for
// a given traffic pattern. The per-operation counts are upper bounds (a change that allocates
// more fails here; one that allocates less passes and should lower them).
#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>

#include <gtest/gtest.h>

#include "client_harness.hpp"

namespace {

// Counting is on only inside a Counter's scope; the harness's own vectors are counted too, so
// every measurement below moves the harness's work out of the counted region.
struct HeapStats {
    bool on = false;
    std::size_t allocations = 0;
    long long live_blocks = 0;
    long long live_bytes = 0;  // since counting started (negative: older blocks freed)
    long long peak_bytes = 0;
};
HeapStats g_heap;

// Each block carries its size in a header, so that frees are counted in bytes too.
constexpr std::size_t kHeader = alignof(std::max_align_t);

void* counted_alloc(std::size_t size) {
    auto* p = static_cast<unsigned char*>(std::malloc(size + kHeader));
    if (!p) std::abort();  // no exceptions in the code under test; out of memory is fatal here
    *reinterpret_cast<std::size_t*>(p) = size;
    if (g_heap.on) {
        ++g_heap.allocations;
        ++g_heap.live_blocks;
        g_heap.live_bytes += static_cast<long long>(size);
        if (g_heap.live_bytes > g_heap.peak_bytes) g_heap.peak_bytes = g_heap.live_bytes;
    }
    return p + kHeader;
}
void counted_free(void* block) {
    if (!block) return;
    unsigned char* p = static_cast<unsigned char*>(block) - kHeader;
    if (g_heap.on) {
        --g_heap.live_blocks;
        g_heap.live_bytes -= static_cast<long long>(*reinterpret_cast<std::size_t*>(p));
    }
    std::free(p);
}

}  // namespace

void* operator new(std::size_t size) { return counted_alloc(size); }
void* operator new[](std::size_t size) { return counted_alloc(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_alloc(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return counted_alloc(size); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }

namespace iotlite::mqtt::test {
namespace {

// Allocations made and blocks still live inside one scope.
struct Counter {
    Counter() {
        g_heap.allocations = 0;
        g_heap.live_blocks = 0;
        g_heap.live_bytes = 0;
        g_heap.peak_bytes = 0;
        g_heap.on = true;
    }
    ~Counter() { g_heap.on = false; }
    std::size_t allocations() const { return g_heap.allocations; }
    long long live_blocks() const { return g_heap.live_blocks; }
    long long peak_bytes() const { return g_heap.peak_bytes; }
};

class HeapAfterConnect : public ::testing::Test {
protected:
    void SetUp() override {
        h.connect_fully();
        auto sub = h.client->subscribe({TopicFilter{"d/cmd", QoS::at_least_once}}, h.now);
        ASSERT_TRUE(sub.ok());
        h.feed(suback(1, {0x01}));
        drain();
        // Warm-up: every operation once, so buffers that keep their capacity (output, receive)
        // have grown to this traffic's size before anything is counted.
        for (int i = 0; i < 3; ++i) {
            publish_qos0();
            publish_qos1_and_ack();
            receive(0);
            receive(1);
        }
        drain();
    }

    // Writes the engine's output away and takes its events into one reused Event, as a driver does.
    void drain() {
        h.client->consume_output(h.client->output_size());
        while (h.client->poll_event(event_)) ++events_seen_;
        event_ = Event();  // the application is done with it: what the event held is freed now
    }
    void publish_qos0() {
        ASSERT_TRUE(h.client->publish("d/telemetry", payload_, sizeof payload_, QoS::at_most_once, false, h.now).ok());
        drain();
    }
    void publish_qos1_and_ack() {
        auto id = h.client->publish("d/telemetry", payload_, sizeof payload_, QoS::at_least_once, false, h.now);
        ASSERT_TRUE(id.ok());
        drain();
        // The PUBLISH the engine wrote carries packet id next_id_ (the engine counts from 1).
        const std::uint8_t ack[] = {0x40, 0x02, static_cast<std::uint8_t>(next_id_ >> 8), static_cast<std::uint8_t>(next_id_)};
        ++next_id_;
        h.client->on_bytes(ack, sizeof ack, h.now);
        drain();
    }
    void receive(int qos) {
        const Bytes& b = qos ? inbound_qos1_ : inbound_qos0_;
        h.client->on_bytes(b.data(), b.size(), h.now);
        drain();
    }

    Harness h;
    Event event_;
    std::size_t events_seen_ = 0;
    std::uint16_t next_id_ = 2;  // id 1 went to the SUBSCRIBE
    const std::uint8_t payload_[8] = {'{', '"', 't', '"', ':', '2', '1', '}'};
    const Bytes inbound_qos0_ = publish("d/cmd", "{\"led\":1}", 0);
    const Bytes inbound_qos1_ = publish("d/cmd", "{\"led\":0}", 1, 7);
};

// One measurement: allocations of `op` run `n` times, and the blocks it left allocated.
template <typename Op>
std::pair<std::size_t, long long> measure(int n, Op op) {
    Counter c;
    for (int i = 0; i < n; ++i) op();
    return {c.allocations(), c.live_blocks()};
}

TEST_F(HeapAfterConnect, QoS0Publish_FixedAllocationsAllFreed) {
    auto [allocs, live] = measure(100, [&] { publish_qos0(); });
    EXPECT_EQ(live, 0) << "a QoS 0 publish keeps no block once its event is taken";
    EXPECT_EQ(allocs % 100, 0u) << "the same count every time";
    // Written straight from the caller's bytes (no copy of topic or payload): only the
    // `published` event's queue node.
    EXPECT_LE(allocs / 100, 1u) << "per QoS 0 publish: the `published` event's queue node";
    RecordProperty("allocations_per_qos0_publish", static_cast<int>(allocs / 100));
}

TEST_F(HeapAfterConnect, QoS1PublishAndPuback_FixedAllocationsAllFreed) {
    auto [allocs, live] = measure(100, [&] { publish_qos1_and_ack(); });
    EXPECT_EQ(live, 0) << "the in-flight copy is freed by the PUBACK";
    EXPECT_EQ(allocs % 100, 0u);
    EXPECT_LE(allocs / 100, 3u) << "per QoS 1 publish: the in-flight node, its payload copy, the `published` event's node";
    RecordProperty("allocations_per_qos1_publish", static_cast<int>(allocs / 100));
}

TEST_F(HeapAfterConnect, InboundMessages_FixedAllocationsAllFreed) {
    auto [allocs0, live0] = measure(100, [&] { receive(0); });
    EXPECT_EQ(live0, 0);
    EXPECT_EQ(allocs0 % 100, 0u);
    EXPECT_LE(allocs0 / 100, 3u) << "per message: the event's node, the payload, the subscription ids";
    auto [allocs1, live1] = measure(100, [&] { receive(1); });
    EXPECT_EQ(live1, 0);
    EXPECT_EQ(allocs1 % 100, 0u);
    EXPECT_LE(allocs1 / 100, 3u) << "QoS 1 adds only the PUBACK bytes, in the output buffer's capacity";
    RecordProperty("allocations_per_inbound_qos0", static_cast<int>(allocs0 / 100));
    RecordProperty("allocations_per_inbound_qos1", static_cast<int>(allocs1 / 100));
}

TEST_F(HeapAfterConnect, KeepAlivePingRoundTrip_AllocatesNothing) {
    const std::uint8_t pingresp[] = {0xD0, 0x00};
    auto [allocs, live] = measure(20, [&] {
        h.advance(60 * 1000);  // PINGREQ due (keep-alive 60 s)
        drain();
        h.client->on_bytes(pingresp, sizeof pingresp, h.now);
        drain();
    });
    EXPECT_EQ(allocs, 0u);
    EXPECT_EQ(live, 0);
    EXPECT_EQ(h.client->state(), State::connected);
}

TEST_F(HeapAfterConnect, MixedLoop_HeapDoesNotGrowWithUptime) {
    // 1000 rounds of everything: the blocks live at the end are those live at the start.
    Counter c;
    for (int i = 0; i < 1000; ++i) {
        publish_qos0();
        publish_qos1_and_ack();
        receive(0);
        receive(1);
    }
    const std::size_t allocs = c.allocations();
    EXPECT_EQ(c.live_blocks(), 0);
    // The peak above the connected state: one operation's blocks at a time (event node 216 B on
    // x86-64, in-flight node, payload copies), whatever the number of rounds.
    EXPECT_LE(c.peak_bytes(), 512);
    RecordProperty("peak_bytes_above_connected", static_cast<int>(c.peak_bytes()));
    EXPECT_EQ(allocs % 1000, 0u) << "a fixed count per round";
    EXPECT_EQ(h.client->state(), State::connected);
    RecordProperty("allocations_per_round", static_cast<int>(allocs / 1000));
}

}  // namespace
}  // namespace iotlite::mqtt::test
