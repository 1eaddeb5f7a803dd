// Deterministic random-input sweep (a cheap, always-on cousin of the libFuzzer targets):
// random and mutated byte streams into the decoder, the framer and Client::on_bytes must
// never crash (ASan/UBSan build) and must leave the client in a consistent state.
#include <gtest/gtest.h>

#include "client_harness.hpp"
#include "iotlite/mqtt/codec.hpp"

using namespace iotlite;
using namespace iotlite::mqtt;
using namespace iotlite::mqtt::test;

namespace {

struct TestRng {
    std::uint64_t s;
    std::uint32_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return static_cast<std::uint32_t>(s >> 11);
    }
};

// Valid broker traffic to mutate.
Bytes valid_stream() {
    Bytes s;
    for (const Bytes& b : {suback(1, {0x01, 0x80}), publish("a/b", "hello", 1, 7), puback(3), unsuback(2),
                           Bytes{0xD0, 0x00}, publish("x", "", 0, 0, true)})
        s.insert(s.end(), b.begin(), b.end());
    return s;
}

}  // namespace

TEST(RobustnessDecode, RandomBytes_NeverCrash) {
    TestRng rng{0x1234567};
    int ok = 0;
    for (int i = 0; i < 20000; ++i) {
        Bytes b(rng.next() % 24);
        for (auto& x : b) x = static_cast<std::uint8_t>(rng.next());
        if (i % 2 && b.size() >= 2) {  // plausible header: a real first byte, a matching length
            static const std::uint8_t firsts[] = {0x10, 0x20, 0x30, 0x31, 0x32, 0x3B, 0x40, 0x82,
                                                  0x90, 0xA2, 0xB0, 0xC0, 0xD0, 0xE0};
            b[0] = firsts[rng.next() % sizeof firsts];
            b[1] = static_cast<std::uint8_t>(b.size() - 2);
            if (b.size() > 3 && rng.next() % 2) b[2] = 0;  // short string / id high byte
        }
        auto r = decode_packet(b.data(), b.size());
        if (r.ok()) {
            ++ok;
            Bytes again;  // whatever decodes must re-encode to a decodable packet
            ASSERT_TRUE(encode(r.value(), again).ok());
            auto r2 = decode_packet(again.data(), again.size());
            ASSERT_TRUE(r2.ok()) << r2.error().message;
            EXPECT_EQ(packet_type(r2.value()), packet_type(r.value()));
        } else {
            EXPECT_EQ(r.error().code, Errc::protocol_error);
            EXPECT_FALSE(r.error().message.empty());
        }
    }
    EXPECT_GT(ok, 0);  // the sweep does reach valid packets
}

TEST(RobustnessClient, MutatedBrokerStreams_ErrorOrContinueCleanly) {
    TestRng rng{42};
    const Bytes base = valid_stream();
    int protocol_errors = 0, clean = 0;
    for (int i = 0; i < 3000; ++i) {
        Config c = base_config();
        c.max_inbound_packet = 64;
        Harness h(c);
        h.connect_fully();
        h.client->subscribe({{"a/+", QoS::at_least_once}, {"b", QoS::at_most_once}}, h.now);
        h.client->unsubscribe({"zzz"}, h.now);
        h.take_output();
        Bytes s = base;
        int mutations = 1 + static_cast<int>(rng.next() % 4);
        for (int m = 0; m < mutations; ++m) {
            std::size_t pos = rng.next() % s.size();
            switch (rng.next() % 3) {
                case 0: s[pos] = static_cast<std::uint8_t>(rng.next()); break;
                case 1: s.erase(s.begin() + static_cast<std::ptrdiff_t>(pos)); break;
                default: s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<std::uint8_t>(rng.next()));
            }
        }
        // Random fragmentation.
        for (std::size_t pos = 0; pos < s.size();) {
            std::size_t n = std::min<std::size_t>(1 + rng.next() % 9, s.size() - pos);
            h.client->on_bytes(s.data() + pos, n, h.now);
            pos += n;
        }
        auto ev = h.take_events();
        bool lost = false;
        for (const auto& e : ev)
            if (e.type == Event::Type::disconnected) {
                lost = true;
                EXPECT_EQ(e.error.code, Errc::protocol_error) << e.error.message;
            }
        if (lost) {
            ++protocol_errors;
            EXPECT_EQ(h.client->state(), State::backing_off);
            EXPECT_EQ(h.client->output_size(), 0u);
            h.reconnect_fully(false);  // and the client recovers
        } else {
            ++clean;
            EXPECT_EQ(h.client->state(), State::connected);
        }
    }
    EXPECT_GT(protocol_errors, 100);
    EXPECT_GT(clean, 10);
}

// The engine decodes inbound packets as views (not through decode_packet()); both must apply the
// same rules with the same texts. For every malformed packet a broker could send, the client's
// reason is "protocol error: " + decode_packet()'s message. Packet types a broker never sends
// (CONNECT, SUBSCRIBE, UNSUBSCRIBE) are refused as unexpected whatever their body.
TEST(RobustnessClient, MalformedPackets_SameRuleTextAsDecoder) {
    TestRng rng{0xC0FFEE};
    static const std::uint8_t firsts[] = {0x00, 0x10, 0x20, 0x30, 0x31, 0x32, 0x34, 0x36, 0x38, 0x3A, 0x40, 0x41, 0x50,
                                          0x62, 0x70, 0x82, 0x90, 0x92, 0xA2, 0xB0, 0xC0, 0xD0, 0xD1, 0xE0, 0xF0};
    int compared = 0;
    for (int i = 0; i < 4000; ++i) {
        Bytes b(2 + rng.next() % 12);
        for (auto& x : b) x = static_cast<std::uint8_t>(rng.next() % 4 == 0 ? rng.next() % 4 : rng.next());
        b[0] = firsts[rng.next() % sizeof firsts];
        b[1] = static_cast<std::uint8_t>(b.size() - 2);
        auto decoded = decode_packet(b.data(), b.size());
        if (decoded.ok()) continue;
        Harness h;
        h.connect_fully();
        h.take_events();
        h.feed(b);
        auto ev = h.take_events();
        ASSERT_GE(ev.size(), 2u);
        ASSERT_EQ(ev[1].type, Event::Type::disconnected);
        EXPECT_EQ(ev[1].error.code, Errc::protocol_error);
        auto type = static_cast<PacketType>(b[0] >> 4);
        bool never_from_broker = (type == PacketType::connect || type == PacketType::subscribe ||
                                  type == PacketType::unsubscribe) &&
                                 decoded.error().message.find("fixed-header flags") == std::string::npos;
        if (never_from_broker) {
            EXPECT_EQ(ev[1].error.message,
                      std::string("protocol error: unexpected ") + packet_type_name(type) + " from the broker");
        } else {
            EXPECT_EQ(ev[1].error.message, "protocol error: " + decoded.error().message) << int(b[0]);
            ++compared;
        }
    }
    EXPECT_GT(compared, 1000);
}

TEST(RobustnessClient, MalformedConnectFromBroker_RefusedAsUnexpected) {
    Harness h;
    h.connect_fully();
    h.take_events();
    h.feed({0x10, 0x02, 0x00, 0x09});  // CONNECT with a truncated protocol name
    auto ev = h.take_events();
    ASSERT_GE(ev.size(), 2u);
    EXPECT_EQ(ev[1].error.message, "protocol error: unexpected CONNECT from the broker");
}
