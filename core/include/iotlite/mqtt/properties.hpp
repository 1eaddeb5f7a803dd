// MQTT 5 properties (OASIS MQTT Version 5.0, §2.2.2): the identifiers, their data types, the
// packets each may appear in, a Properties value, and the decoder/encoder of a property block
// (the Variable Byte Integer property length followed by the properties).
//
// This is a layer of its own: the MQTT 5 codec and the engine build on it. The decoder takes
// bytes from the wire, so every bound is checked and every failure is Errc::protocol_error whose
// Error::rule is one of the rules::property_* ids below (see each for its limit/actual). The
// encoder takes the application's values and refuses, with Errc::invalid_argument and the same
// rule ids, anything the decoder would refuse: what it writes always decodes to the same value.
// Neither applies AWS IoT's limits (limits::max_topic_alias... in topic.hpp): the engine does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iotlite/mqtt/packet.hpp"
#include "iotlite/mqtt/topic.hpp"
#include "iotlite/result.hpp"

namespace iotlite::mqtt {

// AUTH (MQTT 5 §3.15) is fixed-header type 15, reserved in MQTT 3.1.1, so PacketType does not
// name it yet. AWS IoT does not support AUTH; the engine refuses it, but its properties decode.
inline constexpr PacketType packet_type_auth = static_cast<PacketType>(15);

// Property identifiers (§2.2.2.2). The identifier is a Variable Byte Integer on the wire; every
// defined one is below 128, so it takes one byte.
enum class PropertyId : std::uint8_t {
    payload_format_indicator = 0x01,           // byte 0/1; PUBLISH, Will
    message_expiry_interval = 0x02,            // four-byte, seconds; PUBLISH, Will
    content_type = 0x03,                       // UTF-8; PUBLISH, Will
    response_topic = 0x08,                     // UTF-8; PUBLISH, Will
    correlation_data = 0x09,                   // binary; PUBLISH, Will
    subscription_identifier = 0x0B,            // VBI 1..268435455; PUBLISH (repeatable), SUBSCRIBE
    session_expiry_interval = 0x11,            // four-byte, seconds; CONNECT, CONNACK, DISCONNECT
    assigned_client_identifier = 0x12,         // UTF-8; CONNACK
    server_keep_alive = 0x13,                  // two-byte, seconds; CONNACK
    authentication_method = 0x15,              // UTF-8; CONNECT, CONNACK, AUTH
    authentication_data = 0x16,                // binary; CONNECT, CONNACK, AUTH
    request_problem_information = 0x17,        // byte 0/1; CONNECT
    will_delay_interval = 0x18,                // four-byte, seconds; Will
    request_response_information = 0x19,       // byte 0/1; CONNECT
    response_information = 0x1A,               // UTF-8; CONNACK
    server_reference = 0x1C,                   // UTF-8; CONNACK, DISCONNECT
    reason_string = 0x1F,                      // UTF-8; CONNACK, PUBACK..PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH
    receive_maximum = 0x21,                    // two-byte, 1..65535; CONNECT, CONNACK
    topic_alias_maximum = 0x22,                // two-byte; CONNECT, CONNACK
    topic_alias = 0x23,                        // two-byte, 1..topic alias maximum; PUBLISH
    maximum_qos = 0x24,                        // byte 0/1; CONNACK
    retain_available = 0x25,                   // byte 0/1; CONNACK
    user_property = 0x26,                      // UTF-8 pair, repeatable; every packet with properties
    maximum_packet_size = 0x27,                // four-byte, >= 1; CONNECT, CONNACK
    wildcard_subscription_available = 0x28,    // byte 0/1; CONNACK
    subscription_identifier_available = 0x29,  // byte 0/1; CONNACK
    shared_subscription_available = 0x2A,      // byte 0/1; CONNACK
};

// Data representations of §1.5.
enum class PropertyType : std::uint8_t {
    byte,          // §1.5.1
    two_byte,      // §1.5.2, big-endian
    four_byte,     // §1.5.3, big-endian
    varint,        // §1.5.5 Variable Byte Integer, 1..4 bytes
    utf8,          // §1.5.4, 2-byte length + UTF-8 (no U+0000)
    utf8_pair,     // §1.5.7, two UTF-8 strings
    binary,        // §1.5.6, 2-byte length + bytes
};

// Largest Variable Byte Integer (§1.5.5): the bound of a property length and a subscription id.
inline constexpr std::uint32_t max_varint = 268435455;

// False for an identifier MQTT 5 does not define.
bool is_property_id(std::uint8_t id);
// The type of a defined identifier.
PropertyType property_type(PropertyId id);
// Short lower-case name ("topic alias"); "" when texts are compiled out (IOTLITE_ERROR_TEXTS 0).
const char* property_name(PropertyId id);
// Whether `id` may appear in the property block of `packet` / of CONNECT's Will Properties
// (§3.1.3.2). PINGREQ and PINGRESP have no property block: nothing is allowed there.
bool property_allowed(PropertyId id, PacketType packet);
bool property_allowed_in_will(PropertyId id);
// Whether `id` may appear more than once in `packet`: User Property everywhere, Subscription
// Identifier in PUBLISH (one per matching subscription, §3.3.2.3.8); every other property is a
// Protocol Error the second time (§2.2.2.2 and each packet's section).
bool property_repeatable(PropertyId id, PacketType packet);

// Ids of the rules a property block can break (Error::rule). limit / actual per rule:
namespace rules {
inline constexpr const char* property_length = "property.length";          // bytes left (or max_varint) / the length
inline constexpr const char* property_varint = "property.varint";          // 4 / 5 (bytes of the integer)
inline constexpr const char* property_identifier = "property.identifier";  // 0 / the identifier (unknown or not allowed here)
inline constexpr const char* property_truncated = "property.truncated";    // bytes left / bytes the field needs (at least)
inline constexpr const char* property_repeated = "property.repeated";      // 1 / the identifier
inline constexpr const char* property_value = "property.value";            // the bound crossed / the value
inline constexpr const char* property_utf8 = "property.utf8";              // 0 / the identifier
inline constexpr const char* property_bytes = "property.bytes";            // 65535 / the size (encoder only)
inline constexpr const char* property_trailing = "property.trailing";      // 0 / bytes after the block
}  // namespace rules

namespace detail {
struct PropertiesAccess;  // the codec's direct access to the arrays (properties.cpp)
}  // namespace detail

struct UserProperty {
    std::string name;
    std::string value;
    bool operator==(const UserProperty& o) const { return name == o.name && value == o.value; }
    bool operator!=(const UserProperty& o) const { return !(*this == o); }
};

// The properties of one block. Present and absent are distinct (an empty Content Type is a
// value); a presence bitmask rather than std::optional per property keeps it small on
// Cortex-M. Integers of every width live in one array and strings/binary data in another, so
// encoding and decoding are one table-driven loop. Only strings, binary data and the two lists
// allocate, and only when present.
class Properties {
public:
    // Present? For user_property / subscription_identifier: their list is not empty.
    bool has(PropertyId id) const;
    // An integer property (byte, two-byte, four-byte): its value, 0 when absent or not an integer.
    std::uint32_t integer(PropertyId id) const;
    // A UTF-8 string or binary property: its bytes, empty when absent or not of those types.
    std::string_view bytes(PropertyId id) const;

    // Sets and marks present. False (nothing changed) when `id` is not of that kind (integers:
    // byte, two-byte, four-byte; text: UTF-8 or binary). Values are checked by the encoder.
    bool set(PropertyId id, std::uint32_t value);
    bool set(PropertyId id, std::string_view value);
    // Absent again (the lists are cleared for user_property / subscription_identifier).
    void clear(PropertyId id);
    // No property present.
    bool empty() const { return present_ == 0 && user_properties.empty() && subscription_ids.empty(); }

    // Repeatable properties, in wire order (§3.3.2.3.7: the order of User Properties is kept).
    std::vector<UserProperty> user_properties;
    std::vector<std::uint32_t> subscription_ids;

    bool operator==(const Properties& o) const;
    bool operator!=(const Properties& o) const { return !(*this == o); }

    static constexpr std::size_t integer_slots = 16;
    static constexpr std::size_t text_slots = 9;

private:
    friend struct detail::PropertiesAccess;
    std::uint32_t present_ = 0;                // bit i: the property of row i of the table
    std::uint32_t integers_[integer_slots] = {};
    std::string texts_[text_slots];
};

// Decodes a property block at data[0..size): the property length, then the properties.
// consumed null: the block must end exactly at `size` (else rules::property_trailing);
// otherwise *consumed = bytes of the block (length prefix included) and what follows is the
// caller's (a PUBLISH payload, a CONNECT's Will Topic). Errors: Errc::protocol_error.
Result<Properties> decode_properties(PacketType packet, const std::uint8_t* data, std::size_t size,
                                     std::size_t* consumed = nullptr);
// The same for CONNECT's Will Properties (§3.1.3.2).
Result<Properties> decode_will_properties(const std::uint8_t* data, std::size_t size, std::size_t* consumed = nullptr);

// Bytes of the block encode_properties() writes (length prefix included), after checking every
// property is allowed in `packet`, not repeated, in range, valid UTF-8 and <= 65535 bytes, and
// the block <= max_varint: the engine's pre-sizing. Errors: Errc::invalid_argument.
Result<std::size_t> properties_size(const Properties& properties, PacketType packet);
Result<std::size_t> will_properties_size(const Properties& properties);
// Writes the block at `out` (exactly properties_size() bytes, checked before) and returns the
// end. Order: identifiers ascending; the subscription ids and the user properties each in their
// list's order, at their identifier's place.
std::uint8_t* write_properties(std::uint8_t* out, const Properties& properties);
// properties_size() + write_properties() appended to `out`.
Result<void> encode_properties(const Properties& properties, PacketType packet, std::vector<std::uint8_t>& out);
Result<void> encode_will_properties(const Properties& properties, std::vector<std::uint8_t>& out);

}  // namespace iotlite::mqtt
