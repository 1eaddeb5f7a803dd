// MQTT 3.1.1 control packets as plain structs (OASIS MQTT 3.1.1, chapter 3).
//
// Every packet a client sends or receives. QoS 2 flows (PUBREC/PUBREL/PUBCOMP) are
// recognised by type only: the decoder reports them as protocol errors, since AWS IoT
// never uses QoS 2.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "iotlite/mqtt/types.hpp"

namespace iotlite::mqtt {

// Fixed-header packet type (high nibble of byte 1).
enum class PacketType : std::uint8_t {
    connect = 1,
    connack = 2,
    publish = 3,
    puback = 4,
    pubrec = 5,
    pubrel = 6,
    pubcomp = 7,
    subscribe = 8,
    suback = 9,
    unsubscribe = 10,
    unsuback = 11,
    pingreq = 12,
    pingresp = 13,
    disconnect = 14,
};

const char* packet_type_name(PacketType type);

// Byte 1 of the fixed header: the packet type in the high nibble, its flags in the low one.
// Type values 0 and 15 are reserved (§2.2.1).
constexpr std::uint8_t first_byte(PacketType type, std::uint8_t flags = 0) {
    return static_cast<std::uint8_t>((static_cast<unsigned>(type) << 4) | flags);
}
constexpr unsigned packet_type_bits(std::uint8_t first_byte) { return first_byte >> 4; }
constexpr std::uint8_t header_flag_bits(std::uint8_t first_byte) { return first_byte & 0x0F; }
inline constexpr unsigned packet_type_reserved_low = 0;
inline constexpr unsigned packet_type_reserved_high = 15;

// Remaining length (§2.2.3): 7 value bits per byte, the high bit says another byte follows.
inline constexpr std::uint8_t remaining_length_continuation = 0x80;
inline constexpr std::uint8_t remaining_length_value_bits = 0x7F;

// Fixed-header flag values (low nibble of byte 1, MQTT 3.1.1 §2.2.2). They are fixed for every
// type except PUBLISH: 0b0010 for PUBREL, SUBSCRIBE and UNSUBSCRIBE, 0 for the others.
namespace header_flags {
inline constexpr std::uint8_t none = 0x00;
inline constexpr std::uint8_t reserved_0010 = 0x02;  // PUBREL, SUBSCRIBE, UNSUBSCRIBE (§3.6.1, §3.8.1, §3.10.1)
inline constexpr std::uint8_t publish_retain = 0x01;  // §3.3.1.3
inline constexpr std::uint8_t publish_qos1 = 0x02;    // QoS in bits 2-1 (§3.3.1.2): 1
inline constexpr std::uint8_t publish_qos_mask = 0x06;
inline constexpr unsigned publish_qos_shift = 1;
inline constexpr std::uint8_t publish_dup = 0x08;  // §3.3.1.1
}  // namespace header_flags

// CONNECT flags byte of the variable header (§3.1.2.3).
namespace connect_flags {
inline constexpr std::uint8_t reserved = 0x01;  // must be 0
inline constexpr std::uint8_t clean_session = 0x02;
inline constexpr std::uint8_t will = 0x04;
inline constexpr std::uint8_t will_qos_mask = 0x18;
inline constexpr unsigned will_qos_shift = 3;
inline constexpr std::uint8_t will_retain = 0x20;
inline constexpr std::uint8_t password = 0x40;
inline constexpr std::uint8_t username = 0x80;
}  // namespace connect_flags

// CONNACK acknowledge flags (§3.2.2.1): only bit 0 is defined.
inline constexpr std::uint8_t connack_session_present = 0x01;
// Protocol level of MQTT 3.1.1 in CONNECT (§3.1.2.2), and of MQTT 5 (MQTT 5.0 §3.1.2.2).
inline constexpr std::uint8_t protocol_level_311 = 4;
inline constexpr std::uint8_t protocol_level_5 = 5;

// CONNACK return codes (§3.2.2.3).
enum class ConnackCode : std::uint8_t {
    accepted = 0,
    unacceptable_protocol_version = 1,
    identifier_rejected = 2,
    server_unavailable = 3,
    bad_username_or_password = 4,
    not_authorized = 5,
};

struct ConnectPacket {
    std::string client_id;
    std::uint16_t keep_alive_s = 0;
    bool clean_session = true;
    std::optional<Will> will;
    std::optional<std::string> username;
    std::optional<std::string> password;  // binary data in MQTT; std::string as a byte container
};

struct ConnackPacket {
    bool session_present = false;
    std::uint8_t return_code = 0;  // see ConnackCode; values > 5 are decoded as-is (reserved)
};

struct PublishPacket {
    std::string topic;
    std::vector<std::uint8_t> payload;
    QoS qos = QoS::at_most_once;
    bool retain = false;
    bool dup = false;
    std::uint16_t packet_id = 0;  // QoS 1 only (1..65535)
    // MQTT 5 properties of an outgoing publish (the engine's; the 3.1.1 codec ignores them).
    PropertiesPtr properties{};
};

struct PubackPacket {
    std::uint16_t packet_id = 0;
};

struct SubscribePacket {
    std::uint16_t packet_id = 0;
    std::vector<TopicFilter> filters;  // at least one
};

struct SubackPacket {
    std::uint16_t packet_id = 0;
    std::vector<SubackCode> codes;  // one per filter of the SUBSCRIBE
};

struct UnsubscribePacket {
    std::uint16_t packet_id = 0;
    std::vector<std::string> filters;  // at least one
};

struct UnsubackPacket {
    std::uint16_t packet_id = 0;
};

struct PingreqPacket {};
struct PingrespPacket {};
struct DisconnectPacket {};

// One decoded packet. Use std::get_if<...>(&packet) (no exceptions).
using Packet = std::variant<ConnectPacket, ConnackPacket, PublishPacket, PubackPacket, SubscribePacket,
                            SubackPacket, UnsubscribePacket, UnsubackPacket, PingreqPacket, PingrespPacket,
                            DisconnectPacket>;

PacketType packet_type(const Packet& packet);

}  // namespace iotlite::mqtt
