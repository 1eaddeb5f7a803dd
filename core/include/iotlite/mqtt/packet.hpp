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
