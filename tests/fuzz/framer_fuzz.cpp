// libFuzzer target: the streaming Framer + packet decoder + encoder.
//
// Input: byte 0 picks the framer's max packet size and the fragmentation seed; the rest is an
// inbound byte stream. Checked properties (a violation traps, so libFuzzer reports it):
//   1. Fragmentation does not matter: feeding the stream in pseudo-random chunks yields the same
//      packets and the same error as feeding it at once.
//   2. Every decoded packet re-encodes, and decoding that encoding gives the same bytes again
//      (encode(decode(encode(p))) == encode(p)).
//   3. decode_packet() on the re-encoded bytes agrees with the framer.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "iotlite/mqtt/codec.hpp"
#include "iotlite/mqtt/framer.hpp"

using iotlite::mqtt::Framer;
using iotlite::mqtt::Packet;

namespace {

void check(bool condition) {
    if (!condition) __builtin_trap();
}

struct Outcome {
    std::vector<std::vector<std::uint8_t>> packets;  // re-encoded
    bool error = false;
};

// Drains the framer; stops at the first error (errors are sticky).
bool drain(Framer& framer, Outcome& out) {
    for (int guard = 0; guard < 100000; ++guard) {
        auto next = framer.next();
        if (!next.ok()) {
            check(next.error().code == iotlite::Errc::protocol_error);
            check(!next.error().message.empty());
            // Sticky: asking again gives the error again.
            check(!framer.next().ok());
            out.error = true;
            return false;
        }
        if (!next.value().has_value()) return true;
        const Packet& packet = *next.value();
        std::vector<std::uint8_t> bytes;
        auto encoded = iotlite::mqtt::encode(packet, bytes);
        check(encoded.ok());
        auto again = iotlite::mqtt::decode_packet(bytes.data(), bytes.size());
        check(again.ok());
        check(iotlite::mqtt::packet_type(again.value()) == iotlite::mqtt::packet_type(packet));
        std::vector<std::uint8_t> bytes2;
        check(iotlite::mqtt::encode(again.value(), bytes2).ok());
        check(bytes2 == bytes);
        out.packets.push_back(std::move(bytes));
    }
    check(false);  // a stream of at most max_len bytes cannot hold 100000 packets
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t control = data[0];
    const std::uint8_t* stream = data + 1;
    const std::size_t len = size - 1;
    // Small limits reach the "too large" path with short inputs; 0x80 bit selects a roomy one.
    const std::size_t max_packet = (control & 0x80) ? 128 * 1024 + 1024 : 2 + (control & 0x3F) * 8;

    Outcome whole;
    {
        Framer framer(max_packet);
        framer.feed(stream, len);
        drain(framer, whole);
    }

    Outcome chunked;
    {
        Framer framer(max_packet);
        std::uint32_t x = 0x9E3779B9u ^ control;
        std::size_t pos = 0;
        while (pos < len) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            const std::size_t chunk = 1 + (x % 7 == 0 ? x % 300 : x % 5);
            const std::size_t n = chunk < len - pos ? chunk : len - pos;
            framer.feed(stream + pos, n);
            pos += n;
            if (!drain(framer, chunked)) break;
        }
    }

    check(whole.error == chunked.error);
    check(whole.packets == chunked.packets);

    // reset() clears the error and the buffer: a valid PINGRESP decodes afterwards.
    {
        Framer framer(max_packet);
        framer.feed(stream, len);
        Outcome ignored;
        drain(framer, ignored);
        framer.reset();
        check(framer.buffered() == 0);
        const std::uint8_t pingresp[] = {0xD0, 0x00};
        framer.feed(pingresp, sizeof pingresp);
        auto next = framer.next();
        check(next.ok() && next.value().has_value());
        check(iotlite::mqtt::packet_type(*next.value()) == iotlite::mqtt::PacketType::pingresp);
    }
    return 0;
}
