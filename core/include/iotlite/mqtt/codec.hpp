// MQTT 3.1.1 encoder and whole-packet decoder. Pure functions, no state.
//
// Encoders append one complete packet (fixed header + variable header + payload) to `out`.
// They return Errc::invalid_argument when a field cannot be represented in MQTT
// (a string or binary field over 65535 bytes, remaining length over 268435455, an empty
// SUBSCRIBE/UNSUBSCRIBE, packet id 0 where one is required). They do not apply the AWS
// limits: those are checked by topic.hpp / Client before encoding.
//
// decode_packet() takes exactly one complete packet. Every malformation is
// Errc::protocol_error with a message naming the rule (bad remaining length, reserved
// fixed-header flags, truncated field, invalid UTF-8, QoS 2/3, trailing bytes...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "iotlite/mqtt/packet.hpp"
#include "iotlite/result.hpp"

namespace iotlite::mqtt {

// Largest remaining length representable in 4 bytes (§2.2.3).
inline constexpr std::uint32_t max_remaining_length = 268435455;

Result<void> encode(const ConnectPacket& packet, std::vector<std::uint8_t>& out);
Result<void> encode(const ConnackPacket& packet, std::vector<std::uint8_t>& out);
Result<void> encode(const PublishPacket& packet, std::vector<std::uint8_t>& out);
Result<void> encode(const PubackPacket& packet, std::vector<std::uint8_t>& out);
Result<void> encode(const SubscribePacket& packet, std::vector<std::uint8_t>& out);
Result<void> encode(const SubackPacket& packet, std::vector<std::uint8_t>& out);
Result<void> encode(const UnsubscribePacket& packet, std::vector<std::uint8_t>& out);
Result<void> encode(const UnsubackPacket& packet, std::vector<std::uint8_t>& out);
Result<void> encode(const PingreqPacket& packet, std::vector<std::uint8_t>& out);
Result<void> encode(const PingrespPacket& packet, std::vector<std::uint8_t>& out);
Result<void> encode(const DisconnectPacket& packet, std::vector<std::uint8_t>& out);
Result<void> encode(const Packet& packet, std::vector<std::uint8_t>& out);

// Appends the variable-length remaining-length encoding (1..4 bytes). value must be
// <= max_remaining_length.
void encode_remaining_length(std::uint32_t value, std::vector<std::uint8_t>& out);

// Decodes the body of one packet whose fixed header byte 1 is `first_byte` and whose
// body (variable header + payload, `size` = remaining length) is at `body`.
Result<Packet> decode_body(std::uint8_t first_byte, const std::uint8_t* body, std::size_t size);

// Decodes exactly one complete packet (fixed header included). Trailing bytes after the
// packet, or a packet that is cut short, are Errc::protocol_error.
Result<Packet> decode_packet(const std::uint8_t* data, std::size_t size);

}  // namespace iotlite::mqtt
