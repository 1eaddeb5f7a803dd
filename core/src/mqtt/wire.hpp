// Internal wire layer shared by the public codec (codec.hpp, framer.hpp) and the client engine.
//
// The engine never builds a Packet variant: it writes packets straight from its own fields and
// reads inbound packets as views into the receive buffer. The public encode()/decode_body() are
// thin layers over the same functions, so the rules (and their error texts) exist once, and a
// device image that only uses the Client links none of the variant machinery.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "byte_buffer.hpp"
#include "iotlite/mqtt/packet.hpp"
#include "iotlite/mqtt/properties.hpp"
#include "iotlite/result.hpp"

namespace iotlite::mqtt::detail {

using Rule = const char*;  // nullptr: no rule broken; otherwise the rule's text

// Whether MQTT 5 is compiled in (iotlite/config.hpp, IOTLITE_MQTT5). Every MQTT 5 path is reached
// through a test of this constant, so that with 0 the compiler drops them and the properties code
// is not linked.
inline constexpr bool mqtt5_compiled = IOTLITE_MQTT5 != 0;

// ---- primitives -------------------------------------------------------------------------------

// Appends a whole packet of `body` body bytes: writes the fixed header and returns where the
// body goes. One grow() per packet keeps the growth code out of every field write.
std::uint8_t* begin_packet(ByteBuffer& out, std::uint8_t first, std::size_t body);
std::uint8_t* put16(std::uint8_t* p, std::size_t v);
// A 2-byte length and the bytes.
std::uint8_t* put_bytes(std::uint8_t* p, const void* data, std::size_t size);

// Cursor over a packet body. Decoders return nullptr on success or the rule that was
// broken (a string literal); one Error is built from it at the end, so each failure site
// costs a pointer rather than a string construction (code size on Cortex-M).
struct Reader {
    const std::uint8_t* p;
    std::size_t n;
    std::size_t pos = 0;

    std::size_t left() const { return n - pos; }
    bool u8(std::uint8_t& v) {
        if (left() < 1) return false;
        v = p[pos++];
        return true;
    }
    bool u16(std::uint16_t& v) {
        if (left() < 2) return false;
        v = static_cast<std::uint16_t>((p[pos] << 8) | p[pos + 1]);
        pos += 2;
        return true;
    }
    bool bytes(std::string_view& v) {
        std::uint16_t len;
        if (!u16(len) || left() < len) return false;
        v = std::string_view(reinterpret_cast<const char*>(p + pos), len);
        pos += len;
        return true;
    }
};

// The two rules of a length-prefixed UTF-8 field.
struct Utf8Field {
    Rule truncated;
    Rule invalid;
};
// A length-prefixed UTF-8 string field checked against MQTT's UTF-8 rules.
Rule read_utf8(Reader& r, std::string_view& out, const Utf8Field& field);
// A packet identifier (must not be 0).
Rule read_id(Reader& r, std::uint16_t& id);
extern const char kTrailing[];  // "unexpected bytes after the last field"

// ---- writing. No checks: callers have validated every size. ---------------------------------

// The CONNECT properties the engine sends (MQTT 5 §3.1.2.11), written from its config's fields;
// 0 / empty: not sent.
struct Connect5 {
    std::uint32_t session_expiry_s;
    std::uint16_t receive_maximum;
    std::uint16_t topic_alias_maximum;
    std::uint32_t maximum_packet_size;
    const std::vector<UserProperty>& user_properties;
};
// CONNECT. `will`, `username`, `password` may be null (absent). `v5` null: MQTT 3.1.1 (protocol
// level 4); otherwise MQTT 5 (level 5) with these CONNECT properties and the will's properties.
void write_connect(ByteBuffer& out, std::string_view client_id, std::uint16_t keep_alive_s,
                   bool clean_session, const Will* will, const std::string* username, const std::string* password,
                   const Connect5* v5 = nullptr);
// The MQTT 5 part of a PUBLISH: its properties (may be null) and the Topic Alias (0: none; with
// an alias the topic may be empty, §3.3.2.3.4).
struct Publish5 {
    const Properties* properties;
    std::uint16_t topic_alias;
};
// The whole PUBLISH's size (fixed header included), for the broker's Maximum Packet Size.
std::size_t publish_size(std::string_view topic, std::size_t size, QoS qos, const Publish5* v5);
void write_publish(ByteBuffer& out, std::string_view topic, const std::uint8_t* payload,
                   std::size_t size, QoS qos, bool retain, bool dup, std::uint16_t packet_id, const Publish5* v5 = nullptr);
// v5: an empty property block after the packet id and, in SUBSCRIBE, the subscription options
// byte (§3.8.3.1: QoS, No Local, Retain As Published, Retain Handling) instead of the QoS byte.
void write_subscribe(ByteBuffer& out, std::uint16_t packet_id, const std::vector<TopicFilter>& filters, bool v5 = false);
void write_unsubscribe(ByteBuffer& out, std::uint16_t packet_id, const std::vector<std::string>& filters, bool v5 = false);
// Packets of 2 or 4 bytes: `first` byte, remaining length 0 or 2 (the packet id).
void write_short(ByteBuffer& out, std::uint8_t first, bool with_id, std::uint16_t packet_id);
// MQTT 5 DISCONNECT with a reason code and no properties (§3.14.2.2.1: remaining length 1).
void write_disconnect(ByteBuffer& out, std::uint8_t reason_code);

// ---- MQTT 5 property blocks, in place (properties.cpp) ------------------------------------------

// Variable Byte Integers (§1.5.5): bytes of `v`, and writing it.
std::size_t varint_size(std::uint32_t v);
std::uint8_t* put_varint(std::uint8_t* p, std::uint32_t v);

struct PropertyView {
    std::uint8_t id;
    std::uint32_t value;  // integer properties
    std::string_view a, b;  // UTF-8 / binary (a), a user property's name (a) and value (b)
};
using PropertyVisit = void (*)(void* context, const PropertyView& property);
// Checks the block at data[0..size) for `packet` with every rule of decode_properties(), stores
// nothing, calls visit for each property. Returns the block's bytes (length prefix included).
Result<std::size_t> walk_properties(PacketType packet, const std::uint8_t* data, std::size_t size, PropertyVisit visit,
                                    void* context);
// Bytes of the block of `p` (null: none) plus `extra` property bytes, length prefix included.
// No checks: the engine validated `p` when it was handed over.
std::size_t properties_block_size(const Properties* p, std::size_t extra = 0);
// Writes that block: the length, the Topic Alias when non-zero (extra = 3), p's properties.
std::uint8_t* put_properties(std::uint8_t* out, const Properties* p, std::uint16_t topic_alias = 0);

// ---- reading -----------------------------------------------------------------------------------

// One inbound packet as a view into its body. Only the fields of `type` are set.
struct Inbound {
    PacketType type = PacketType::pingresp;
    std::uint8_t flags = 0;
    std::uint16_t packet_id = 0;     // PUBLISH (QoS 1), PUBACK, SUBACK, UNSUBACK
    bool session_present = false;    // CONNACK
    std::uint8_t return_code = 0;    // CONNACK
    QoS qos = QoS::at_most_once;     // PUBLISH
    bool retain = false;             // PUBLISH
    bool dup = false;                // PUBLISH
    std::string_view topic;          // PUBLISH
    const std::uint8_t* data = nullptr;  // PUBLISH payload / SUBACK return codes / MQTT 5 UNSUBACK reason codes
    std::size_t size = 0;

    // MQTT 5 only. return_code above holds the reason code of CONNACK, PUBACK and DISCONNECT.
    std::string_view reason_string;            // any packet with a Reason String
    const std::uint8_t* properties = nullptr;  // PUBLISH: its property block (length prefix included)
    std::size_t properties_size = 0;
    bool app_properties = false;               // PUBLISH: a property other than the Topic Alias
    std::uint16_t topic_alias = 0;             // PUBLISH
    // CONNACK (absent: the spec's default)
    std::uint32_t maximum_packet_size = 0;     // 0: no limit
    std::uint16_t receive_maximum = 65535;
    std::uint16_t topic_alias_maximum = 0;
    std::uint16_t server_keep_alive = 0;
    bool has_server_keep_alive = false;
    std::uint8_t maximum_qos = 2;
    bool retain_available = true;
    std::string_view assigned_client_id;
    Error property_error;                      // when parse_inbound() returns kPropertyRule
};

// parse_inbound()'s rule for a broken property block: the Error is Inbound::property_error.
extern const char kPropertyRule[];

// Checks the packet type and the fixed-header flags of every packet, and decodes CONNACK,
// PUBLISH, PUBACK, SUBACK, UNSUBACK and the body-less packets completely (PUBREC/PUBREL/PUBCOMP
// are refused). CONNECT, SUBSCRIBE and UNSUBSCRIBE bodies are not read: decode_body() checks
// them, the engine refuses them as unexpected from a broker.
// Returns nullptr or the broken rule; turn a rule into an Error with inbound_error().
// v5: MQTT 5 (reason codes, properties, DISCONNECT from the broker; AUTH refused).
Rule parse_inbound(std::uint8_t first_byte, const std::uint8_t* body, std::size_t size, Inbound& in, bool v5 = false);

// ---- framing (Framer and the engine's own receive buffer) ---------------------------------------

// The fixed header at p[0..avail): 1 with header_size and remaining set, 0 when more bytes are
// needed, -1 when the remaining length runs past 4 bytes.
int parse_fixed_header(const std::uint8_t* p, std::size_t avail, std::size_t& header_size, std::uint32_t& remaining);

// Appends data[0..size) to a receive buffer read from `read_pos`, first dropping the bytes
// already consumed (when all are, or 4 KB or more are), so the buffer holds at most one partial
// packet plus what the driver just handed over.
void append_compacting(ByteBuffer& buffer, std::size_t& read_pos, const std::uint8_t* data, std::size_t size);
// The same for Framer's buffer.
void append_compacting(std::vector<std::uint8_t>& buffer, std::size_t& read_pos, const std::uint8_t* data, std::size_t size);

// Errc::protocol_error with the message prefixed by `prefix` ("" or "protocol error: "):
// "<TYPE>: <rule>" (and the reserved-type and fixed-header-flags texts) for parse_inbound()'s rule;
Error inbound_error(const char* prefix, std::uint8_t first_byte, Rule rule);
// "malformed remaining length: longer than 4 bytes";
Error long_length_error(const char* prefix);
// "inbound packet of N bytes exceeds the configured maximum of M".
Error oversize_error(const char* prefix, std::size_t total, std::size_t max);

}  // namespace iotlite::mqtt::detail
