// Heap use of the MQTT engine after CONNACK (issue 17, item 4): a counting operator new/delete
// (this executable's own; test-only) measures what a publish / subscribe / receive loop
// allocates once connected, operation by operation. The same file is built twice:
//
// - default build (iotlite_core_heap_tests, ctest core.HeapAfterConnect.*): the engine does
//   allocate after connect (event queue nodes, the Message's topic/payload, the QoS 1 in-flight
//   copy), but a fixed number of blocks per operation, all freed by the end of the operation:
//   a device's heap after connect does not grow with uptime. The per-operation counts are upper
//   bounds (a change that allocates more fails here; one that allocates less should lower them).
// - IOTLITE_NO_HEAP_AFTER_CONNECT build (iotlite_core_no_heap_tests, tests/size/no_heap_config.h,
//   ctest core.NoHeapAfterConnect.*): the same loop allocates nothing at all, from the first
//   operation after CONNACK (no warm-up), with a full in-flight window and long topics too; beyond
//   the reserved bounds the heap is used, nothing is lost, and the loop is back to zero after.
// docs/firmware.md, "Heap after connect", has the figures.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>
#include <utility>

#include <gtest/gtest.h>

#include "client_harness.hpp"
#include "counting_heap.hpp"

namespace iotlite::mqtt::test {
namespace {

using Counter = ::iotlite::test::HeapCounter;
constexpr bool kNoHeap = IOTLITE_NO_HEAP_AFTER_CONNECT != 0;
#if IOTLITE_NO_HEAP_AFTER_CONNECT
// Both builds' tests are in one ctest run: the suite is named after the build.
#define HeapAfterConnect NoHeapAfterConnect
#endif

class HeapAfterConnect : public ::testing::Test {
protected:
    void SetUp() override {
        // The no-heap build copies every event into the application's Event: reserved once.
        if (kNoHeap) h.client->reserve_event(event_);
        h.connect_fully();
        auto sub = h.client->subscribe({TopicFilter{"d/cmd", QoS::at_least_once}}, h.now);
        ASSERT_TRUE(sub.ok());
        h.feed(suback(1, {0x01}));
        drain();
        // Default build, warm-up: every operation once, so buffers that keep their capacity
        // (output, receive) have grown to this traffic's size before anything is counted. The
        // no-heap build reserved them at create(): counting starts right after the SUBACK.
        for (int i = 0; i < (kNoHeap ? 0 : 3); ++i) {
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
        // Default build: the application is done with it, what the event held is freed now. The
        // no-heap build's application keeps its Event (poll_event copies into its storage).
        if (!kNoHeap) event_ = Event();
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
    EXPECT_LE(allocs / 100, kNoHeap ? 0u : 1u) << "per QoS 0 publish: the `published` event's queue node";
    RecordProperty("allocations_per_qos0_publish", static_cast<int>(allocs / 100));
}

TEST_F(HeapAfterConnect, QoS1PublishAndPuback_FixedAllocationsAllFreed) {
    auto [allocs, live] = measure(100, [&] { publish_qos1_and_ack(); });
    EXPECT_EQ(live, 0) << "the in-flight copy is freed by the PUBACK";
    EXPECT_EQ(allocs % 100, 0u);
    EXPECT_LE(allocs / 100, kNoHeap ? 0u : 3u) << "per QoS 1 publish: the in-flight node, its payload copy, the `published` event's node";
    RecordProperty("allocations_per_qos1_publish", static_cast<int>(allocs / 100));
}

TEST_F(HeapAfterConnect, InboundMessages_FixedAllocationsAllFreed) {
    auto [allocs0, live0] = measure(100, [&] { receive(0); });
    EXPECT_EQ(live0, 0);
    EXPECT_EQ(allocs0 % 100, 0u);
    EXPECT_LE(allocs0 / 100, kNoHeap ? 0u : 3u) << "per message: the event's node, the payload, the subscription ids";
    auto [allocs1, live1] = measure(100, [&] { receive(1); });
    EXPECT_EQ(live1, 0);
    EXPECT_EQ(allocs1 % 100, 0u);
    EXPECT_LE(allocs1 / 100, kNoHeap ? 0u : 3u) << "QoS 1 adds only the PUBACK bytes, in the output buffer's capacity";
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
    // Read before anything below allocates (RecordProperty's key is a std::string).
    const std::size_t allocs = c.allocations();
    const long long peak = c.peak_bytes();
    EXPECT_EQ(c.live_blocks(), 0);
    // The peak above the connected state: one operation's blocks at a time (event node 216 B on
    // x86-64, in-flight node, payload copies), whatever the number of rounds; none at all in the
    // no-heap build.
    EXPECT_LE(peak, kNoHeap ? 0 : 512);
    RecordProperty("peak_bytes_above_connected", static_cast<int>(peak));
    EXPECT_EQ(allocs % 1000, 0u) << "a fixed count per round";
    EXPECT_EQ(h.client->state(), State::connected);
    RecordProperty("allocations_per_round", static_cast<int>(allocs / 1000));
}


#if IOTLITE_NO_HEAP_AFTER_CONNECT

// A PUBLISH of any size (remaining length in 1 or 2 bytes), as the broker writes it.
Bytes publish_packet(const std::string& topic, std::size_t payload_bytes, int qos, std::uint16_t id) {
    Bytes body = {static_cast<std::uint8_t>(topic.size() >> 8), static_cast<std::uint8_t>(topic.size())};
    body.insert(body.end(), topic.begin(), topic.end());
    if (qos) {
        body.push_back(static_cast<std::uint8_t>(id >> 8));
        body.push_back(static_cast<std::uint8_t>(id));
    }
    for (std::size_t i = 0; i < payload_bytes; ++i) body.push_back(static_cast<std::uint8_t>('a' + i % 26));
    Bytes b = {static_cast<std::uint8_t>(0x30 | (qos << 1))};
    std::size_t length = body.size();
    EXPECT_LT(length, 16384u);
    if (length < 128) {
        b.push_back(static_cast<std::uint8_t>(length));
    } else {
        b.push_back(static_cast<std::uint8_t>(0x80 | (length & 0x7F)));
        b.push_back(static_cast<std::uint8_t>(length >> 7));
    }
    b.insert(b.end(), body.begin(), body.end());
    return b;
}

TEST(NoHeapAfterConnectCreate, ReservesThePoolsAtCreate) {
    // What create() sets aside: IOTLITE_EVENT_POOL events and max_inflight publishes, each with a
    // topic of 256 bytes and IOTLITE_RESERVED_PAYLOAD of payload, and the two byte buffers.
    Harness* made = nullptr;
    long long reserved = 0;
    std::size_t blocks = 0;
    {
        Counter c;
        made = new Harness;
        reserved = c.peak_bytes();
        blocks = c.allocations();
    }
    std::unique_ptr<Harness> h(made);
    const long long reserved_storage =
        static_cast<long long>(IOTLITE_EVENT_POOL) * (256 + IOTLITE_RESERVED_PAYLOAD) +
        static_cast<long long>(IOTLITE_MAX_INFLIGHT + 1) * (256 + IOTLITE_RESERVED_PAYLOAD) +  // + the staging publish
        2LL * (IOTLITE_RESERVED_PAYLOAD + 512);
    EXPECT_GE(reserved, reserved_storage);
    RecordProperty("bytes_reserved_by_create", static_cast<int>(reserved));
    RecordProperty("blocks_reserved_by_create", static_cast<int>(blocks));
}

TEST_F(HeapAfterConnect, FullInflightWindowAndLongTopics_AllocateNothing) {
    // A topic longer than std::string's inline buffer, and a subscription for it (subscribing
    // allocates: it is not part of the loop).
    const std::string topic = "factory/line-7/press-42/commands/set-pressure";
    ASSERT_TRUE(h.client->subscribe({TopicFilter{"factory/+/+/commands/#", QoS::at_least_once}}, h.now).ok());
    h.client->on_bytes(suback(2, {0x01}).data(), 5, h.now);
    drain();
    next_id_ = 3;
    const Bytes inbound = publish_packet(topic, IOTLITE_RESERVED_PAYLOAD, 1, 9);
    Counter c;
    for (int round = 0; round < 100; ++round) {
        // The whole in-flight window (max_inflight QoS 1 publishes), then their PUBACKs.
        std::uint16_t first = next_id_;
        for (int i = 0; i < IOTLITE_MAX_INFLIGHT; ++i)
            ASSERT_TRUE(h.client->publish(topic, payload_, sizeof payload_, QoS::at_least_once, false, h.now).ok());
        drain();
        ASSERT_EQ(h.client->inflight_size(), static_cast<std::size_t>(IOTLITE_MAX_INFLIGHT));
        for (int i = 0; i < IOTLITE_MAX_INFLIGHT; ++i) {
            const auto id = static_cast<std::uint16_t>(first + i);
            const std::uint8_t ack[] = {0x40, 0x02, static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)};
            h.client->on_bytes(ack, sizeof ack, h.now);
        }
        next_id_ = static_cast<std::uint16_t>(first + IOTLITE_MAX_INFLIGHT);
        drain();
        // A message of the reserved payload size on the long topic.
        h.client->on_bytes(inbound.data(), inbound.size(), h.now);
        drain();
    }
    EXPECT_EQ(c.allocations(), 0u);
    EXPECT_EQ(c.peak_bytes(), 0);
    EXPECT_EQ(event_.type, Event::Type::message);
    EXPECT_EQ(event_.message.topic, topic);
    EXPECT_EQ(event_.message.payload.size(), static_cast<std::size_t>(IOTLITE_RESERVED_PAYLOAD));
    EXPECT_EQ(h.client->inflight_size(), 0u);
}

TEST_F(HeapAfterConnect, BeyondTheReservedBounds_HeapUsedNothingLost_ThenBackToZero) {
    // 1. A message larger than the reserved payload: allocated, delivered whole.
    const Bytes big = publish_packet("d/cmd", 3 * IOTLITE_RESERVED_PAYLOAD + 7, 0, 0);
    h.client->on_bytes(big.data(), big.size(), h.now);
    ASSERT_TRUE(h.client->poll_event(event_));
    ASSERT_EQ(event_.type, Event::Type::message);
    ASSERT_EQ(event_.message.payload.size(), static_cast<std::size_t>(3 * IOTLITE_RESERVED_PAYLOAD + 7));
    EXPECT_EQ(event_.message.payload.back(), static_cast<std::uint8_t>('a' + (3 * IOTLITE_RESERVED_PAYLOAD + 6) % 26));
    drain();

    // 2. More events pending than the pool holds: one read carrying 3 x IOTLITE_EVENT_POOL
    //    messages, all delivered in order.
    Bytes burst;
    const int count = 3 * IOTLITE_EVENT_POOL;
    for (int i = 0; i < count; ++i) {
        Bytes one = publish("d/cmd", std::to_string(i), 0);
        burst.insert(burst.end(), one.begin(), one.end());
    }
    h.client->on_bytes(burst.data(), burst.size(), h.now);
    h.client->consume_output(h.client->output_size());
    for (int i = 0; i < count; ++i) {
        ASSERT_TRUE(h.client->poll_event(event_));
        ASSERT_EQ(event_.type, Event::Type::message);
        EXPECT_EQ(std::string(event_.message.payload.begin(), event_.message.payload.end()), std::to_string(i));
    }
    EXPECT_FALSE(h.client->poll_event(event_));

    // 3. The loop allocates nothing again: the pool kept its reserved nodes, the extra ones freed.
    auto [allocs, live] = measure(100, [&] {
        publish_qos0();
        publish_qos1_and_ack();
        receive(0);
        receive(1);
    });
    EXPECT_EQ(allocs, 0u);
    EXPECT_EQ(live, 0);
}

TEST_F(HeapAfterConnect, RecycledEvents_CarryNothingOfTheirLastUse) {
    // Every pool node serves a `subscribed` (op id, granted codes), a `published` (op id) and a
    // `message` (topic, payload, subscription ids) in turn; each event must read as a new one.
    std::vector<Event> seen;
    auto take = [&] {
        h.client->consume_output(h.client->output_size());
        Event e;
        while (h.client->poll_event(e)) seen.push_back(e);
    };
    for (int round = 0; round < 3 * IOTLITE_EVENT_POOL; ++round) {
        const std::string filter = "r/" + std::to_string(round);
        auto sub = h.client->subscribe({TopicFilter{filter, QoS::at_least_once}}, h.now);
        ASSERT_TRUE(sub.ok());
        const Bytes ack = suback(next_id_, {0x01});
        ++next_id_;
        h.client->on_bytes(ack.data(), ack.size(), h.now);
        take();
        auto unsub = h.client->unsubscribe({filter}, h.now);
        ASSERT_TRUE(unsub.ok());
        const Bytes unack = unsuback(next_id_);
        ++next_id_;
        h.client->on_bytes(unack.data(), unack.size(), h.now);
        take();
        publish_qos1_and_ack();
        const Bytes m = publish("d/cmd", "{\"n\":" + std::to_string(round) + "}", 0);
        h.client->on_bytes(m.data(), m.size(), h.now);
        take();
    }
    int messages = 0, subscribed = 0;
    for (const Event& e : seen) {
        EXPECT_FALSE(e.session_present);
        EXPECT_EQ(e.error.code, Error().code);
        EXPECT_TRUE(e.error.message.empty());
        EXPECT_EQ(e.delay_ms, 0u);
        EXPECT_EQ(e.attempt, 0u);
        if (e.type == Event::Type::message) {
            ++messages;
            EXPECT_EQ(e.op_id, 0u);
            EXPECT_TRUE(e.granted.empty());
            EXPECT_EQ(e.subscription_ids.size(), 1u);  // d/cmd only: the r/N filters were removed
            EXPECT_EQ(e.message.topic, "d/cmd");
        } else {
            EXPECT_NE(e.op_id, 0u);
            EXPECT_TRUE(e.message.topic.empty());
            EXPECT_TRUE(e.message.payload.empty());
            EXPECT_TRUE(e.subscription_ids.empty());
            if (e.type == Event::Type::subscribed) {
                ++subscribed;
                EXPECT_EQ(e.granted.size(), 1u);
            } else {
                EXPECT_TRUE(e.granted.empty()) << event_type_name(e.type);
            }
        }
    }
    EXPECT_EQ(messages, 3 * IOTLITE_EVENT_POOL);
    EXPECT_EQ(subscribed, 3 * IOTLITE_EVENT_POOL);
}

#endif  // IOTLITE_NO_HEAP_AFTER_CONNECT

}  // namespace
}  // namespace iotlite::mqtt::test
