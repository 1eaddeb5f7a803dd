// Streaming framer: any fragmentation, remaining lengths of 1-4 bytes, malformed input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "iotlite/mqtt/framer.hpp"

using namespace iotlite;
using namespace iotlite::mqtt;

namespace {

using Bytes = std::vector<std::uint8_t>;

// A QoS 0 PUBLISH on topic "t" built by hand: fixed header, remaining length in
// `rl_bytes` bytes (as the spec's encoding gives for that size), topic, payload of `n` bytes.
Bytes publish_with_payload(std::size_t n) {
    std::size_t rl = 3 + n;  // topic length (2) + 't' (1) + payload
    Bytes b = {0x30};
    std::size_t v = rl;
    do {  // §2.2.3 algorithm, written independently of the encoder
        std::uint8_t byte = v % 128;
        v /= 128;
        b.push_back(static_cast<std::uint8_t>(byte | (v ? 0x80 : 0)));
    } while (v);
    b.insert(b.end(), {0x00, 0x01, 't'});
    for (std::size_t i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(i * 7));
    return b;
}

struct Stream {
    Bytes bytes;
    std::vector<std::size_t> payload_sizes;  // expected packets, in order
};

Stream make_stream() {
    Stream s;
    // Remaining lengths: 4 (1 byte), 203 (2 bytes), 20003 (3 bytes), 2100003 (4 bytes).
    for (std::size_t n : {std::size_t{1}, std::size_t{200}, std::size_t{20000}, std::size_t{2100000}}) {
        Bytes p = publish_with_payload(n);
        s.bytes.insert(s.bytes.end(), p.begin(), p.end());
        s.payload_sizes.push_back(n);
    }
    // Interleave small fixed-size packets too.
    s.bytes.insert(s.bytes.end(), {0xD0, 0x00});              // PINGRESP
    s.bytes.insert(s.bytes.end(), {0x40, 0x02, 0x00, 0x07});  // PUBACK id 7
    return s;
}

}  // namespace

TEST(FramerFragmentation, ChunkSweep_YieldsSamePackets) {
    const Stream s = make_stream();
    // Header sizes: 1-byte RL -> 2, 2-byte -> 3, 3-byte -> 4, 4-byte -> 5.
    ASSERT_EQ(s.bytes[1], 4);
    for (std::size_t chunk : {1, 2, 3, 5, 7, 11, 13, 17, 64, 1000, 65536, 1 << 22}) {
        Framer f(3 * 1024 * 1024);
        std::vector<std::size_t> got_payloads;
        int pingresps = 0, pubacks = 0;
        for (std::size_t pos = 0; pos < s.bytes.size(); pos += chunk) {
            std::size_t n = std::min(chunk, s.bytes.size() - pos);
            f.feed(s.bytes.data() + pos, n);
            for (;;) {
                auto r = f.next();
                ASSERT_TRUE(r.ok()) << r.error().message;
                if (!r.value()) break;
                Packet& p = *r.value();
                if (auto* pub = std::get_if<PublishPacket>(&p)) {
                    got_payloads.push_back(pub->payload.size());
                    ASSERT_EQ(pub->topic, "t");
                    for (std::size_t i = 0; i < pub->payload.size(); i += 997)
                        ASSERT_EQ(pub->payload[i], static_cast<std::uint8_t>(i * 7));
                } else if (std::holds_alternative<PingrespPacket>(p)) {
                    ++pingresps;
                } else if (auto* a = std::get_if<PubackPacket>(&p)) {
                    EXPECT_EQ(a->packet_id, 7);
                    ++pubacks;
                }
            }
        }
        EXPECT_EQ(got_payloads, s.payload_sizes) << "chunk " << chunk;
        EXPECT_EQ(pingresps, 1) << "chunk " << chunk;
        EXPECT_EQ(pubacks, 1) << "chunk " << chunk;
        EXPECT_EQ(f.buffered(), 0u);
    }
}

TEST(FramerLimits, PacketExactlyAtMaximum_IsAccepted) {
    Bytes p = publish_with_payload(1000);  // header 3 + body 1003 = 1006 bytes
    ASSERT_EQ(p.size(), 1006u);
    Framer f(1006);
    f.feed(p.data(), p.size());
    auto r = f.next();
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.value().has_value());
}

TEST(FramerLimits, PacketOneOverMaximum_IsRejectedFromHeader) {
    Bytes p = publish_with_payload(1000);
    Framer f(1005);
    f.feed(p.data(), 3);  // only the fixed header: rejected before the body arrives
    auto r = f.next();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::protocol_error);
    EXPECT_NE(r.error().message.find("1006"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("1005"), std::string::npos) << r.error().message;
}

TEST(FramerMalformed, FiveByteRemainingLength_IsProtocolError) {
    Framer f(1 << 30);
    const Bytes b = {0x30, 0x80, 0x80, 0x80, 0x80, 0x01};
    for (auto byte : b) f.feed(&byte, 1);
    auto r = f.next();
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("remaining length"), std::string::npos);
}

TEST(FramerMalformed, ErrorIsSticky_UntilReset) {
    Framer f(1024);
    const Bytes bad = {0x41, 0x02, 0x00, 0x01};  // PUBACK with a reserved flag bit
    f.feed(bad.data(), bad.size());
    EXPECT_FALSE(f.next().ok());
    const Bytes good = {0xD0, 0x00};
    f.feed(good.data(), good.size());
    EXPECT_FALSE(f.next().ok());
    f.reset();
    f.feed(good.data(), good.size());
    auto r = f.next();
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.value().has_value());
}

TEST(FramerMalformed, TruncatedFieldInsidePacket_IsProtocolError) {
    Framer f(1024);
    // PUBLISH remaining length 3 but the topic length field says 9 bytes.
    const Bytes b = {0x30, 0x03, 0x00, 0x09, 'a'};
    f.feed(b.data(), b.size());
    auto r = f.next();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::protocol_error);
    EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << r.error().message;
}

TEST(FramerPartial, IncompletePacket_WaitsForMoreBytes) {
    Framer f(1024);
    const Bytes b = {0x40, 0x02, 0x00};
    f.feed(b.data(), b.size());
    auto r = f.next();
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r.value().has_value());
    EXPECT_EQ(f.buffered(), 3u);
}

// ---- next_frame(): undecoded frames for the client engine ----------------------------------------

TEST(FramerNextFrame, SplitPacket_NeedsMoreThenGivesRawBody) {
    Framer framer(1024);
    const Bytes puback = {0x40, 0x02, 0x12, 0x34};  // PUBACK id 0x1234
    std::uint8_t first = 0;
    const std::uint8_t* body = nullptr;
    std::size_t size = 0;
    framer.feed(puback.data(), 3);
    EXPECT_EQ(framer.next_frame(first, body, size), 0);
    framer.feed(puback.data() + 3, 1);
    ASSERT_EQ(framer.next_frame(first, body, size), 1);
    EXPECT_EQ(first, 0x40);
    ASSERT_EQ(size, 2u);
    EXPECT_EQ(body[0], 0x12);
    EXPECT_EQ(body[1], 0x34);
    EXPECT_EQ(framer.next_frame(first, body, size), 0);
    EXPECT_EQ(framer.buffered(), 0u);
}

TEST(FramerNextFrame, BodyIsNotDecoded_MalformedBodyStillFramed) {
    // A PUBACK with packet id 0 is malformed for next()/decode_body, but next_frame() only frames.
    Framer framer(1024);
    const Bytes bad = {0x40, 0x02, 0x00, 0x00};
    std::uint8_t first = 0;
    const std::uint8_t* body = nullptr;
    std::size_t size = 0;
    framer.feed(bad.data(), bad.size());
    ASSERT_EQ(framer.next_frame(first, body, size), 1);
    EXPECT_EQ(size, 2u);
    EXPECT_FALSE(framer.error().has_value());
}

TEST(FramerNextFrame, OversizePacket_StickyErrorNamingBothSizes) {
    Framer framer(10);
    const Bytes big = {0x30, 0x0B};  // total 13 bytes > 10
    std::uint8_t first = 0;
    const std::uint8_t* body = nullptr;
    std::size_t size = 0;
    framer.feed(big.data(), big.size());
    EXPECT_EQ(framer.next_frame(first, body, size), -1);
    ASSERT_TRUE(framer.error().has_value());
    EXPECT_EQ(framer.error()->code, Errc::protocol_error);
    EXPECT_EQ(framer.error()->message, "inbound packet of 13 bytes exceeds the configured maximum of 10");
    EXPECT_EQ(framer.next_frame(first, body, size), -1);  // sticky
    auto next = framer.next();
    ASSERT_FALSE(next.ok());
    EXPECT_EQ(next.error().message, "inbound packet of 13 bytes exceeds the configured maximum of 10");
    framer.reset();
    EXPECT_FALSE(framer.error().has_value());
}
