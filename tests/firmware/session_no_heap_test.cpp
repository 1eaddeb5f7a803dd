// firmware::Session in the IOTLITE_NO_HEAP_AFTER_CONNECT build (tests/size/no_heap_config.h):
// a device loop through the Session (QoS 1 publishes, their PUBACKs, the messages the broker
// sends back, keep-alive pings) allocates nothing after CONNACK. The broker is a scripted
// transport that itself allocates nothing (a fixed ring of bytes), so every allocation counted
// is the Session's or the engine's (tests/support/counting_heap.hpp). ctest firmware.NoHeapSession.*
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <memory>

#include "counting_heap.hpp"
#include "fake_port.hpp"
#include "iotlite/firmware/session.hpp"

static_assert(IOTLITE_NO_HEAP_AFTER_CONNECT, "built with tests/size/no_heap_config.h");

namespace iotlite::firmware::test {
namespace {

using Counter = ::iotlite::test::HeapCounter;

// MQTT 3.1.1 as AWS IoT answers a device subscribed to its own topic: CONNACK, SUBACK (QoS 1
// granted), PUBACK for a QoS 1 PUBLISH and the same message delivered back at QoS 0, PINGRESP.
// The engine writes whole packets and send() takes everything, so each call holds whole packets.
class EchoBroker final : public Transport {
public:
    explicit EchoBroker(std::size_t* pings) : pings_(pings) {}
    Result<bool> connect(std::uint64_t) override { return true; }
    std::int32_t send(const std::uint8_t* d, std::size_t n) override {
        for (std::size_t at = 0; at < n;) {
            // Remaining length: 7 bits per byte, low bits first (3.1.1 §2.2.3).
            std::size_t length = 0, i = 1;
            for (unsigned shift = 0;; shift += 7) {
                const std::uint8_t b = d[at + i++];
                length |= static_cast<std::size_t>(b & 0x7F) << shift;
                if (!(b & 0x80)) break;
            }
            answer(d + at, i, length);
            at += i + length;
        }
        return static_cast<std::int32_t>(n);
    }
    std::int32_t recv(std::uint8_t* d, std::size_t n) override {
        std::size_t k = 0;
        for (; k < n && head_ != tail_; ++k) d[k] = ring_[head_++ % ring_.size()];
        return static_cast<std::int32_t>(k);
    }
    void close() override {}
    IoWait io_wait() const override {
        IoWait w;
        w.ready_now = head_ != tail_;
        return w;
    }
    const Error& last_error() const override { return error_; }

private:
    void put(std::uint8_t b) { ring_[tail_++ % ring_.size()] = b; }
    void answer(const std::uint8_t* p, std::size_t header, std::size_t length) {
        const std::uint8_t* body = p + header;
        switch (p[0] >> 4) {
            case 1:  // CONNECT
                for (std::uint8_t b : {0x20, 0x02, 0x00, 0x00}) put(b);
                break;
            case 8:  // SUBSCRIBE with one filter
                for (std::uint8_t b : {std::uint8_t{0x90}, std::uint8_t{0x03}, body[0], body[1], std::uint8_t{0x01}}) put(b);
                break;
            case 12:  // PINGREQ
                ++*pings_;
                for (std::uint8_t b : {0xD0, 0x00}) put(b);
                break;
            case 3: {  // PUBLISH
                const std::size_t topic_end = 2 + (std::size_t{body[0]} << 8 | body[1]);
                const bool qos1 = (p[0] & 0x06) == 0x02;
                if (qos1)
                    for (std::uint8_t b : {std::uint8_t{0x40}, std::uint8_t{0x02}, body[topic_end], body[topic_end + 1]}) put(b);
                // Delivered back at QoS 0: the topic and the payload, without the packet id.
                const std::size_t payload_at = topic_end + (qos1 ? 2 : 0);
                const std::size_t out_length = topic_end + (length - payload_at);
                put(0x30);
                if (out_length < 128) {
                    put(static_cast<std::uint8_t>(out_length));
                } else {
                    put(static_cast<std::uint8_t>(0x80 | (out_length & 0x7F)));
                    put(static_cast<std::uint8_t>(out_length >> 7));
                }
                for (std::size_t i = 0; i < topic_end; ++i) put(body[i]);
                for (std::size_t i = payload_at; i < length; ++i) put(body[i]);
                break;
            }
            default: break;
        }
    }
    std::array<std::uint8_t, 8192> ring_{};
    std::size_t head_ = 0, tail_ = 0;
    std::size_t* pings_;
    Error error_;
};

TEST(NoHeapSession, PublishEchoAndPingLoop_AllocatesNothingAfterConnect) {
    FakeClock clock;
    FakeRandom random;
    FakeWaiter waiter{clock};
    NoTcp tcp;
    mqtt::Config c;
    c.client_id = "no-heap-device";
    c.keep_alive_s = 30;

    std::size_t pings = 0;  // PINGREQs the broker answered
    std::unique_ptr<Session> s;
    long long reserved = 0;
    {
        Counter at_create;
        auto created = Session::create(
            c, Port{clock, random, waiter, tcp},
            [](std::uint32_t) -> Result<mqtt::ConnectionTarget> {
                return mqtt::ConnectionTarget{mqtt::TransportKind::tcp, "", "broker", 8883, "", "", ""};
            },
            [&pings](const mqtt::ConnectionTarget&) -> Result<std::unique_ptr<Transport>> {
                return std::unique_ptr<Transport>(new EchoBroker(&pings));
            });
        reserved = at_create.peak_bytes();
        ASSERT_TRUE(created.ok());
        s = std::move(created.value());
    }
    RecordProperty("session_bytes_reserved_by_create", static_cast<int>(reserved));

    // What the application's handler sees, in fixed storage.
    std::size_t connected = 0, subscribed = 0, published = 0, messages = 0, other = 0;
    std::array<char, 64> last_payload{};
    std::size_t last_payload_size = 0;
    s->set_event_handler([&](const mqtt::Event& e) {
        switch (e.type) {
            case mqtt::Event::Type::connected: ++connected; break;
            case mqtt::Event::Type::subscribed: ++subscribed; break;
            case mqtt::Event::Type::published: ++published; break;
            case mqtt::Event::Type::message:
                ++messages;
                last_payload_size = e.message.payload.size();
                std::memcpy(last_payload.data(), e.message.payload.data(), std::min(last_payload_size, last_payload.size()));
                break;
            default: ++other; break;
        }
    });
    ASSERT_TRUE(s->start().ok());
    ASSERT_TRUE(s->run_until([&] { return connected == 1; }, 10000));
    ASSERT_TRUE(s->subscribe({mqtt::TopicFilter{"things/no-heap-device/echo", mqtt::QoS::at_least_once}}).ok());
    ASSERT_TRUE(s->run_until([&] { return subscribed == 1; }, 10000));

    // Made before counting: a std::function is the application's, not the loop's.
    std::size_t want = 0;
    const std::function<bool()> round_done = [&] { return published == want && messages == want; };
    std::size_t pings_want = 0;
    const std::function<bool()> pinged = [&] { return pings == pings_want; };
    const std::uint64_t start_ms = clock.now;
    const std::size_t pings_before = pings;
    Counter counter;
    char payload[] = "{\"temperature\":21.5,\"seq\":000}";
    for (int round = 1; round <= 200; ++round) {
        payload[26] = static_cast<char>('0' + round / 100);
        payload[27] = static_cast<char>('0' + round / 10 % 10);
        payload[28] = static_cast<char>('0' + round % 10);
        ASSERT_TRUE(s->publish("things/no-heap-device/echo", payload, mqtt::QoS::at_least_once).ok());
        want = static_cast<std::size_t>(round);
        ASSERT_TRUE(s->run_until(round_done, 10000));
        ASSERT_EQ(last_payload_size, sizeof payload - 1);  // (no std::string here: it would allocate)
        ASSERT_EQ(std::memcmp(last_payload.data(), payload, last_payload_size), 0);
        if (round % 10 == 0) {  // idle for a while: a keep-alive PINGREQ goes out (its PINGRESP comes back)
            pings_want = pings + 1;
            ASSERT_TRUE(s->run_until(pinged, 60000));
        }
    }
    const std::size_t allocations = counter.allocations();
    const long long peak = counter.peak_bytes();
    EXPECT_EQ(allocations, 0u);
    EXPECT_EQ(peak, 0);
    EXPECT_EQ(other, 0u) << "no disconnect, no error";
    EXPECT_EQ(s->state(), mqtt::State::connected);
    EXPECT_GE(clock.now - start_ms, 20u * 30000u) << "20 keep-alive intervals of 30 s";
    EXPECT_EQ(pings - pings_before, 20u) << "keep-alive round trips were part of the loop";
    RecordProperty("rounds", 200);
    RecordProperty("allocations_after_connect", static_cast<int>(allocations));
}

}  // namespace
}  // namespace iotlite::firmware::test
