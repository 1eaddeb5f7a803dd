#include <cstring>

#include "iotlite/mqtt/codec.hpp"
#include "iotlite/mqtt/properties.hpp"
#include "iotlite/mqtt/reason_code.hpp"
#include "iotlite/mqtt/topic.hpp"
#include "format.hpp"
#include "wire.hpp"

// The part of the codec the client engine links: writers, the inbound view parser, and the
// rule texts they use. Public-only decoding (CONNECT, SUBSCRIBE, UNSUBSCRIBE bodies, which a
// client never receives) lives in codec.cpp, so that its strings stay out of a device image
// (string literals of one object file share one section, which --gc-sections keeps whole).
namespace iotlite::mqtt {

const char* packet_type_name(PacketType type) {
    static const char* const names[] = {"reserved",    "CONNECT", "CONNACK", "PUBLISH", "PUBACK",
                                        "PUBREC",      "PUBREL",  "PUBCOMP", "SUBSCRIBE", "SUBACK",
                                        "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"};
    auto i = static_cast<unsigned>(type);
    return i < sizeof names / sizeof names[0] ? names[i] : "reserved";
}

namespace detail {

namespace {

std::size_t length_bytes(std::size_t remaining) {
    return remaining < 128 ? 1 : remaining < 16384 ? 2 : remaining < 2097152 ? 3 : 4;
}

// Fields of the packets a client receives whose truncation is a rule: the rule is the field's
// name, an entry of this table, and inbound_error() adds " is truncated (runs past the remaining
// length)", stored once (code size on Cortex-M).
// With IOTLITE_ERROR_TEXTS 0 each entry is a distinct 1-byte "" (they are compared by address).
const char kTruncated[][IOTLITE_ERROR_TEXTS ? 18 : 1] = {IOTLITE_TEXT("variable header"), IOTLITE_TEXT("packet identifier"),
                                                         IOTLITE_TEXT("topic name")};

constexpr Utf8Field kTopicName{kTruncated[2], IOTLITE_TEXT("topic name is not valid MQTT UTF-8")};
// Sentinels (compared by address) whose messages need numbers: see inbound_error().
const char kReservedType[] = "t";  // never shown
const char kBadFlags[] = "f";      // never shown

std::uint8_t required_flags(PacketType type) {
    return (type == PacketType::subscribe || type == PacketType::unsubscribe || type == PacketType::pubrel)
               ? header_flags::reserved_0010
               : header_flags::none;
}

}  // namespace

const char kIdZero[] = IOTLITE_TEXT("packet identifier is 0");
const char kTrailing[] = IOTLITE_TEXT("unexpected bytes after the last field");

std::uint8_t* begin_packet(ByteBuffer& out, std::uint8_t first, std::size_t body) {
    std::uint8_t* p = out.grow(1 + length_bytes(body) + body);
    *p++ = first;
    auto value = static_cast<std::uint32_t>(body);
    do {
        auto byte = static_cast<std::uint8_t>(value % 128);
        value /= 128;
        if (value > 0) byte |= remaining_length_continuation;
        *p++ = byte;
    } while (value > 0);
    return p;
}

std::uint8_t* put16(std::uint8_t* p, std::size_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v & 0xFF);
    return p + 2;
}

std::uint8_t* put_bytes(std::uint8_t* p, const void* data, std::size_t size) {
    p = put16(p, size);
    if (size) std::memcpy(p, data, size);
    return p + size;
}

// A length-prefixed UTF-8 string field checked against MQTT's UTF-8 rules.
Rule read_utf8(Reader& r, std::string_view& out, const Utf8Field& field) {
    if (!r.bytes(out)) return field.truncated;
    if (!is_valid_mqtt_utf8(out)) return field.invalid;
    return nullptr;
}

Rule read_id(Reader& r, std::uint16_t& id) {
    if (!r.u16(id)) return kTruncated[1];
    return id == 0 ? kIdZero : nullptr;
}


namespace {

// The CONNECT property block without its length: identifiers ascending.
std::size_t connect_properties_size(const Connect5& c) {
    std::size_t n = (c.session_expiry_s ? 5 : 0) + (c.receive_maximum ? 3 : 0) + (c.topic_alias_maximum ? 3 : 0) +
                    (c.maximum_packet_size ? 5 : 0);
    for (const auto& u : c.user_properties) n += 5 + u.name.size() + u.value.size();
    return n;
}

std::uint8_t* put32(std::uint8_t* p, std::uint32_t v) { return put16(put16(p, v >> 16), v & 0xFFFF); }

std::uint8_t* put_connect_properties(std::uint8_t* p, const Connect5& c) {
    p = put_varint(p, static_cast<std::uint32_t>(connect_properties_size(c)));
    if (c.session_expiry_s) {
        *p++ = static_cast<std::uint8_t>(PropertyId::session_expiry_interval);
        p = put32(p, c.session_expiry_s);
    }
    if (c.receive_maximum) {
        *p++ = static_cast<std::uint8_t>(PropertyId::receive_maximum);
        p = put16(p, c.receive_maximum);
    }
    if (c.topic_alias_maximum) {
        *p++ = static_cast<std::uint8_t>(PropertyId::topic_alias_maximum);
        p = put16(p, c.topic_alias_maximum);
    }
    for (const auto& u : c.user_properties) {
        *p++ = static_cast<std::uint8_t>(PropertyId::user_property);
        p = put_bytes(put_bytes(p, u.name.data(), u.name.size()), u.value.data(), u.value.size());
    }
    if (c.maximum_packet_size) {
        *p++ = static_cast<std::uint8_t>(PropertyId::maximum_packet_size);
        p = put32(p, c.maximum_packet_size);
    }
    return p;
}

}  // namespace

void write_connect(ByteBuffer& out, std::string_view client_id, std::uint16_t keep_alive_s,
                   bool clean_session, const Will* will, const std::string* username, const std::string* password,
                   const Connect5* v5) {
    if (!mqtt5_compiled) v5 = nullptr;
    std::size_t body = 10 + 2 + client_id.size();
    std::uint8_t flags = clean_session ? connect_flags::clean_session : 0;
    if (v5) {
        std::size_t props = connect_properties_size(*v5);
        body += varint_size(static_cast<std::uint32_t>(props)) + props;
    }
    if (will) {
        body += 4 + will->topic.size() + will->payload.size();
        if (v5) body += properties_block_size(will->properties.get());
        flags |= connect_flags::will |
                 static_cast<std::uint8_t>(static_cast<unsigned>(will->qos) << connect_flags::will_qos_shift) |
                 (will->retain ? connect_flags::will_retain : 0);
    }
    if (username) {
        body += 2 + username->size();
        flags |= connect_flags::username;
    }
    if (password) {
        body += 2 + password->size();
        flags |= connect_flags::password;
    }
    std::uint8_t* p = begin_packet(out, first_byte(PacketType::connect), body);
    p = put_bytes(p, "MQTT", 4);
    *p++ = v5 ? protocol_level_5 : protocol_level_311;
    *p++ = flags;
    p = put16(p, keep_alive_s);
    if (v5) p = put_connect_properties(p, *v5);
    p = put_bytes(p, client_id.data(), client_id.size());
    if (will) {
        if (v5) p = put_properties(p, will->properties.get());
        p = put_bytes(p, will->topic.data(), will->topic.size());
        p = put_bytes(p, will->payload.data(), will->payload.size());
    }
    if (username) p = put_bytes(p, username->data(), username->size());
    if (password) put_bytes(p, password->data(), password->size());
}

namespace {
std::size_t publish_body(std::string_view topic, std::size_t size, QoS qos, const Publish5* v5) {
    if (!mqtt5_compiled) v5 = nullptr;
    return 2 + topic.size() + (qos == QoS::at_least_once ? 2 : 0) + size +
           (v5 ? properties_block_size(v5->properties, v5->topic_alias ? 3 : 0) : 0);
}
}  // namespace

std::size_t publish_size(std::string_view topic, std::size_t size, QoS qos, const Publish5* v5) {
    std::size_t body = publish_body(topic, size, qos, v5);
    return 1 + length_bytes(body) + body;
}

void write_publish(ByteBuffer& out, std::string_view topic, const std::uint8_t* payload,
                   std::size_t size, QoS qos, bool retain, bool dup, std::uint16_t packet_id, const Publish5* v5) {
    if (!mqtt5_compiled) v5 = nullptr;
    bool qos1 = qos == QoS::at_least_once;
    auto flags = static_cast<std::uint8_t>((dup ? header_flags::publish_dup : 0) | (qos1 ? header_flags::publish_qos1 : 0) |
                                           (retain ? header_flags::publish_retain : 0));
    std::uint8_t* p = begin_packet(out, first_byte(PacketType::publish, flags), publish_body(topic, size, qos, v5));
    p = put_bytes(p, topic.data(), topic.size());
    if (qos1) p = put16(p, packet_id);
    if (v5) p = put_properties(p, v5->properties, v5->topic_alias);
    if (size) std::memcpy(p, payload, size);
}

void write_subscribe(ByteBuffer& out, std::uint16_t packet_id, const std::vector<TopicFilter>& filters, bool v5) {
    v5 = mqtt5_compiled && v5;
    std::size_t body = 2 + v5;
    for (const auto& f : filters) body += 3 + f.filter.size();
    std::uint8_t* p = put16(begin_packet(out, first_byte(PacketType::subscribe, header_flags::reserved_0010), body), packet_id);
    if (v5) *p++ = 0;  // property length 0
    for (const auto& f : filters) {
        p = put_bytes(p, f.filter.data(), f.filter.size());
        // MQTT 5 §3.8.3.1: bits 0-1 QoS, 2 No Local, 3 Retain As Published, 4-5 Retain Handling
        // (Client::subscribe() refuses the options on 3.1.1, so they are 0 there).
        *p++ = static_cast<std::uint8_t>(static_cast<unsigned>(f.qos) | (f.no_local ? 0x04u : 0u) |
                                         (f.retain_as_published ? 0x08u : 0u) | (f.retain_handling & 3u) << 4);
    }
}

void write_unsubscribe(ByteBuffer& out, std::uint16_t packet_id, const std::vector<std::string>& filters, bool v5) {
    v5 = mqtt5_compiled && v5;
    std::size_t body = 2 + v5;
    for (const auto& f : filters) body += 2 + f.size();
    std::uint8_t* p = put16(begin_packet(out, first_byte(PacketType::unsubscribe, header_flags::reserved_0010), body), packet_id);
    if (v5) *p++ = 0;  // property length 0
    for (const auto& f : filters) p = put_bytes(p, f.data(), f.size());
}

void write_disconnect(ByteBuffer& out, std::uint8_t reason_code) {
    *begin_packet(out, first_byte(PacketType::disconnect), 1) = reason_code;
}

void write_short(ByteBuffer& out, std::uint8_t first, bool with_id, std::uint16_t packet_id) {
    std::uint8_t* p = begin_packet(out, first, with_id ? 2 : 0);
    if (with_id) put16(p, packet_id);
}

const char kPropertyRule[] = "p";  // never shown: the Error is Inbound::property_error

namespace {

// Picks what the engine uses out of an MQTT 5 property block (walk_properties() checked it).
void take_property(void* context, const PropertyView& v) {
    Inbound& in = *static_cast<Inbound*>(context);
    switch (static_cast<PropertyId>(v.id)) {
        case PropertyId::reason_string: in.reason_string = v.a; break;
        case PropertyId::assigned_client_identifier: in.assigned_client_id = v.a; break;
        case PropertyId::server_keep_alive:
            in.server_keep_alive = static_cast<std::uint16_t>(v.value);
            in.has_server_keep_alive = true;
            break;
        case PropertyId::receive_maximum: in.receive_maximum = static_cast<std::uint16_t>(v.value); break;
        case PropertyId::topic_alias_maximum: in.topic_alias_maximum = static_cast<std::uint16_t>(v.value); break;
        case PropertyId::maximum_qos: in.maximum_qos = static_cast<std::uint8_t>(v.value); break;
        case PropertyId::retain_available: in.retain_available = v.value != 0; break;
        case PropertyId::maximum_packet_size: in.maximum_packet_size = v.value; break;
        case PropertyId::topic_alias: in.topic_alias = static_cast<std::uint16_t>(v.value); break;
        default: in.app_properties = true; break;
    }
}

// A PUBLISH's fixed-header flags and the start of its variable header, alike in both versions
// (§3.3.1, §3.3.2): QoS, DUP and RETAIN; the topic name; the packet id of a QoS 1 message. MQTT 5
// allows an empty topic name (a Topic Alias stands for it, §3.3.2.3.4); 3.1.1 does not.
Rule read_publish_start(std::uint8_t flags, Reader& r, Inbound& in, bool v5) {
    unsigned qos = (flags & header_flags::publish_qos_mask) >> header_flags::publish_qos_shift;
    if (qos == 3) return IOTLITE_TEXT("QoS bits are 3 (reserved)");
    if (qos == 2) return IOTLITE_TEXT("QoS 2 is not supported (AWS IoT and this client use QoS 0 and 1 only)");
    in.qos = static_cast<QoS>(qos);
    in.dup = flags & header_flags::publish_dup;
    in.retain = flags & header_flags::publish_retain;
    if (in.dup && qos == 0) return IOTLITE_TEXT("DUP flag set on a QoS 0 message");
    if (Rule e = read_utf8(r, in.topic, kTopicName)) return e;
    if (!v5 && in.topic.empty()) return IOTLITE_TEXT("topic name is empty");
    if (in.topic.find_first_of("+#") != std::string_view::npos) return IOTLITE_TEXT("topic name contains a wildcard");
    return qos > 0 ? read_id(r, in.packet_id) : nullptr;
}

// The property block at the reader's position, for `type`; moves the reader past it.
Rule read_properties(Reader& r, PacketType type, Inbound& in) {
    Result<std::size_t> block = walk_properties(type, r.p + r.pos, r.left(), take_property, &in);
    if (!block) {
        in.property_error = block.error();
        return kPropertyRule;
    }
    r.pos += block.value();
    return nullptr;
}

// A reason code of `type` (MQTT 5 §2.4's table).
Rule check_reason(std::uint8_t code, PacketType type) {
    return reason_code_allowed(code, type) ? nullptr : IOTLITE_TEXT("reason code is not one MQTT 5 defines for this packet");
}

// Reason codes, one per filter, up to the end of a SUBACK / UNSUBACK.
Rule read_reason_list(Reader& r, PacketType type, Inbound& in) {
    if (r.left() == 0) return IOTLITE_TEXT("no reason code (at least one is required)");
    in.data = r.p + r.pos;
    in.size = r.left();
    for (std::size_t i = 0; i < in.size; ++i)
        if (Rule e = check_reason(in.data[i], type)) return e;
    return nullptr;
}

// MQTT 5 bodies (OASIS MQTT 5.0, chapter 3). Type and flags are checked by the caller.
Rule parse_inbound5(PacketType type, std::uint8_t flags, Reader& r, Inbound& in) {
    switch (type) {
        case PacketType::connack: {  // §3.2.2: flags, reason code, properties
            std::uint8_t ack;
            if (!r.u8(ack) || !r.u8(in.return_code)) return kTruncated[0];
            if (ack & ~connack_session_present) return IOTLITE_TEXT("reserved acknowledge flag bits are set");
            if (Rule e = check_reason(in.return_code, type)) return e;
            if (is_error(in.return_code) && (ack & connack_session_present)) return IOTLITE_TEXT("session present set with an error reason code");
            in.session_present = ack & connack_session_present;
            if (Rule e = read_properties(r, type, in)) return e;
            break;
        }
        case PacketType::publish: {  // §3.3.2: topic, packet id (QoS 1), properties; payload
            if (Rule e = read_publish_start(flags, r, in, true)) return e;
            in.properties = r.p + r.pos;
            if (Rule e = read_properties(r, type, in)) return e;
            in.properties_size = static_cast<std::size_t>(r.p + r.pos - in.properties);
            // §3.3.2.3.4: an empty topic name needs a Topic Alias.
            if (in.topic.empty() && in.topic_alias == 0) return IOTLITE_TEXT("topic name is empty and there is no topic alias");
            in.data = r.p + r.pos;
            in.size = r.left();
            return nullptr;
        }
        case PacketType::puback:  // §3.4.2.1: a remaining length of 2 is reason code 0, no properties
            if (Rule e = read_id(r, in.packet_id)) return e;
            if (r.u8(in.return_code)) {
                if (Rule e = check_reason(in.return_code, type)) return e;
                if (r.left())
                    if (Rule e = read_properties(r, type, in)) return e;
            }
            break;
        case PacketType::suback:    // §3.9.2, §3.9.3
        case PacketType::unsuback:  // §3.11.2, §3.11.3
            if (Rule e = read_id(r, in.packet_id)) return e;
            if (Rule e = read_properties(r, type, in)) return e;
            return read_reason_list(r, type, in);
        case PacketType::disconnect:  // §3.14.2.1: remaining length 0 is 0x00, < 2 has no properties
            if (r.u8(in.return_code)) {
                if (Rule e = check_reason(in.return_code, type)) return e;
                if (r.left())
                    if (Rule e = read_properties(r, type, in)) return e;
            }
            break;
        case PacketType::pingreq:
        case PacketType::pingresp: break;
        default: return IOTLITE_TEXT("QoS 2 flow is not supported");  // PUBREC, PUBREL, PUBCOMP
    }
    return r.left() ? kTrailing : nullptr;
}

}  // namespace

Rule parse_inbound(std::uint8_t first, const std::uint8_t* body, std::size_t size, Inbound& in, bool v5) {
    v5 = mqtt5_compiled && v5;
    unsigned t = packet_type_bits(first);
    // MQTT 5 defines type 15 (AUTH, §3.15); AWS IoT has no enhanced authentication.
    if (v5 && t == packet_type_reserved_high) return IOTLITE_TEXT("AUTH is not supported (AWS IoT has no enhanced authentication)");
    if (t == packet_type_reserved_low || t == packet_type_reserved_high) return kReservedType;
    auto type = static_cast<PacketType>(t);
    std::uint8_t flags = header_flag_bits(first);
    // Fixed-header flags are fixed for every type except PUBLISH (§2.2.2).
    if (type != PacketType::publish && flags != required_flags(type)) return kBadFlags;
    in.type = type;
    in.flags = flags;
    Reader r{body, size, 0};
    if (v5 && type != PacketType::connect && type != PacketType::subscribe && type != PacketType::unsubscribe)
        return parse_inbound5(type, flags, r, in);
    switch (type) {
        case PacketType::connect:
        case PacketType::subscribe:
        case PacketType::unsubscribe: return nullptr;  // left to decode_body()
        case PacketType::connack: {
            std::uint8_t ack;
            if (!r.u8(ack) || !r.u8(in.return_code)) return kTruncated[0];
            if (r.left()) return kTrailing;
            if (ack & ~connack_session_present) return IOTLITE_TEXT("reserved acknowledge flag bits are set");
            if (in.return_code > static_cast<std::uint8_t>(ConnackCode::not_authorized)) return IOTLITE_TEXT("return code is above 5 (reserved)");
            if (in.return_code != 0 && (ack & connack_session_present)) return IOTLITE_TEXT("session present set with a non-zero return code");
            in.session_present = ack & connack_session_present;
            return nullptr;
        }
        case PacketType::publish: {
            if (Rule e = read_publish_start(flags, r, in, false)) return e;
            in.data = r.p + r.pos;
            in.size = r.left();
            return nullptr;
        }
        case PacketType::puback:
        case PacketType::unsuback:
            if (Rule e = read_id(r, in.packet_id)) return e;
            break;
        case PacketType::suback:
            if (Rule e = read_id(r, in.packet_id)) return e;
            if (r.left() == 0) return IOTLITE_TEXT("no return code (at least one is required)");
            in.data = r.p + r.pos;
            in.size = r.left();
            for (std::size_t i = 0; i < in.size; ++i) {
                std::uint8_t code = in.data[i];
                if (code > static_cast<std::uint8_t>(SubackCode::granted_qos2) && code != static_cast<std::uint8_t>(SubackCode::failure)) return IOTLITE_TEXT("return code is not 0x00, 0x01, 0x02 or 0x80");
            }
            return nullptr;
        case PacketType::pingreq:
        case PacketType::pingresp:
        case PacketType::disconnect: break;
        default: return IOTLITE_TEXT("QoS 2 flow is not supported");  // PUBREC, PUBREL, PUBCOMP
    }
    return r.left() ? kTrailing : nullptr;
}

Error inbound_error(const char* prefix, std::uint8_t first, Rule rule) {
    auto type = static_cast<PacketType>(packet_type_bits(first));
    if (rule == kReservedType)
        return error_fmt(Errc::protocol_error, "%packet type % is reserved", prefix, packet_type_bits(first));
    const char* name = IOTLITE_TEXT(packet_type_name(type));
    if (rule == kBadFlags)
        return error_fmt(Errc::protocol_error, "%%: fixed-header flags are %, MQTT requires %", prefix, name,
                         header_flag_bits(first), required_flags(type));
    const char* format = "%%: %";
    for (const char* field : kTruncated)
        if (rule == field) format = "%%: % is truncated (runs past the remaining length)";
    return error_fmt(Errc::protocol_error, format, prefix, name, rule);
}

void append_compacting(ByteBuffer& buffer, std::size_t& read_pos, const std::uint8_t* data, std::size_t size) {
    if (size == 0) return;
    if (read_pos > 0 && (read_pos == buffer.size() || read_pos >= 4096)) {
        std::size_t keep = buffer.size() - read_pos;
        if (keep) std::memmove(buffer.data(), buffer.data() + read_pos, keep);
        buffer.shrink(keep);
        read_pos = 0;
    }
    std::memcpy(buffer.grow(size), data, size);
}

// memmove/resize/memcpy rather than erase/insert (Framer only; the engine uses the one above).
void append_compacting(std::vector<std::uint8_t>& buffer, std::size_t& read_pos, const std::uint8_t* data, std::size_t size) {
    if (size == 0) return;
    if (read_pos > 0 && (read_pos == buffer.size() || read_pos >= 4096)) {
        std::size_t keep = buffer.size() - read_pos;
        if (keep) std::memmove(buffer.data(), buffer.data() + read_pos, keep);
        buffer.resize(keep);
        read_pos = 0;
    }
    std::size_t old = buffer.size();
    buffer.resize(old + size);
    std::memcpy(buffer.data() + old, data, size);
}

int parse_fixed_header(const std::uint8_t* p, std::size_t avail, std::size_t& header_size, std::uint32_t& remaining) {
    if (avail < 2) return 0;
    std::uint32_t length = 0;
    std::size_t i = 1;
    for (unsigned shift = 0;; shift += 7) {
        if (i > 4) return -1;
        if (i >= avail) return 0;
        std::uint8_t b = p[i++];
        length |= static_cast<std::uint32_t>(b & remaining_length_value_bits) << shift;
        if (!(b & remaining_length_continuation)) break;
    }
    header_size = i;
    remaining = length;
    return 1;
}

Error long_length_error(const char* prefix) {
    return error_fmt(Errc::protocol_error, "%malformed remaining length: longer than 4 bytes", prefix);
}

Error oversize_error(const char* prefix, std::size_t total, std::size_t max) {
    return error_fmt(Errc::protocol_error, "%inbound packet of % bytes exceeds the configured maximum of %", prefix, total, max);
}

}  // namespace detail
}  // namespace iotlite::mqtt
