#include "iotlite/mqtt/codec.hpp"

#include <string_view>

#include "format.hpp"
#include "iotlite/mqtt/topic.hpp"

namespace iotlite::mqtt {

using detail::error_of;

namespace {

Error too_long(const char* field) {
    return error_of(Errc::invalid_argument, {field, " is longer than 65535 bytes (MQTT 2-byte length)"});
}

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

void put_bytes(std::vector<std::uint8_t>& out, const void* data, std::size_t size) {
    put16(out, static_cast<std::uint16_t>(size));
    const auto* p = static_cast<const std::uint8_t*>(data);
    out.insert(out.end(), p, p + size);
}

// Writes the fixed header for a body of `body_size` bytes.
Result<void> header(std::vector<std::uint8_t>& out, std::uint8_t first, std::size_t body_size) {
    if (body_size > max_remaining_length)
        return make_error(Errc::invalid_argument, "packet body exceeds MQTT's maximum remaining length 268435455");
    out.push_back(first);
    encode_remaining_length(static_cast<std::uint32_t>(body_size), out);
    return {};
}

Result<void> simple(std::vector<std::uint8_t>& out, PacketType type, std::uint8_t flags, std::uint16_t id,
                    bool with_id) {
    out.push_back(static_cast<std::uint8_t>((static_cast<unsigned>(type) << 4) | flags));
    out.push_back(with_id ? 2 : 0);
    if (with_id) put16(out, id);
    return {};
}

// Cursor over a packet body. Decoders return nullptr on success or the rule that was
// broken (a string literal); decode_body() turns it into one Error, so each failure site
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
    bool bytes(std::string& v) {
        std::uint16_t len;
        if (!u16(len) || left() < len) return false;
        v.assign(reinterpret_cast<const char*>(p + pos), len);
        pos += len;
        return true;
    }
};

using Rule = const char*;  // nullptr: no rule broken

struct Utf8Field {
    Rule truncated;
    Rule invalid;
};
constexpr Utf8Field kClientId{"client identifier is truncated (runs past the remaining length)",
                              "client identifier is not valid MQTT UTF-8"};
constexpr Utf8Field kWillTopic{"will topic is truncated (runs past the remaining length)",
                               "will topic is not valid MQTT UTF-8"};
constexpr Utf8Field kUserName{"user name is truncated (runs past the remaining length)",
                              "user name is not valid MQTT UTF-8"};
constexpr Utf8Field kTopicName{"topic name is truncated (runs past the remaining length)",
                               "topic name is not valid MQTT UTF-8"};
constexpr Utf8Field kTopicFilter{"topic filter is truncated (runs past the remaining length)",
                                 "topic filter is not valid MQTT UTF-8"};
constexpr Rule kIdTruncated = "packet identifier is truncated (runs past the remaining length)";
constexpr Rule kIdZero = "packet identifier is 0";
constexpr Rule kTrailing = "unexpected bytes after the last field";

// A length-prefixed UTF-8 string field checked against MQTT's UTF-8 rules.
Rule read_utf8(Reader& r, std::string& out, const Utf8Field& field) {
    if (!r.bytes(out)) return field.truncated;
    if (!is_valid_mqtt_utf8(out)) return field.invalid;
    return nullptr;
}

Rule read_id(Reader& r, std::uint16_t& id) {
    if (!r.u16(id)) return kIdTruncated;
    return id == 0 ? kIdZero : nullptr;
}

Rule decode_connect(Reader& r, ConnectPacket& c) {
    std::string protocol;
    std::uint8_t level, flags;
    if (!r.bytes(protocol)) return "protocol name is truncated (runs past the remaining length)";
    if (protocol != "MQTT") return "protocol name is not \"MQTT\"";
    if (!r.u8(level)) return "protocol level is missing";
    if (level != 4) return "protocol level is not 4 (MQTT 3.1.1)";
    if (!r.u8(flags)) return "connect flags are missing";
    if (flags & 0x01) return "reserved connect flag bit 0 is set";
    if (!r.u16(c.keep_alive_s)) return "keep alive is truncated (runs past the remaining length)";
    bool will = flags & 0x04, user = flags & 0x80, pass = flags & 0x40;
    unsigned will_qos = (flags >> 3) & 3;
    if (!will && (will_qos != 0 || (flags & 0x20))) return "will QoS/retain set without will flag";
    if (will_qos > 1) return "will QoS above 1 is not supported";
    if (pass && !user) return "password flag set without username flag";
    c.clean_session = flags & 0x02;
    if (Rule e = read_utf8(r, c.client_id, kClientId)) return e;
    if (will) {
        Will& w = c.will.emplace();
        std::string payload;
        if (Rule e = read_utf8(r, w.topic, kWillTopic)) return e;
        if (!r.bytes(payload)) return "will message is truncated (runs past the remaining length)";
        w.payload.assign(payload.begin(), payload.end());
        w.qos = static_cast<QoS>(will_qos);
        w.retain = flags & 0x20;
    }
    if (user) {
        if (Rule e = read_utf8(r, c.username.emplace(), kUserName)) return e;
    }
    if (pass) {
        if (!r.bytes(c.password.emplace())) return "password is truncated (runs past the remaining length)";
    }
    return r.left() ? kTrailing : nullptr;
}

Rule decode_publish(Reader& r, std::uint8_t flags, PublishPacket& pub) {
    unsigned qos = (flags >> 1) & 3;
    if (qos == 3) return "QoS bits are 3 (reserved)";
    if (qos == 2) return "QoS 2 is not supported (AWS IoT and this client use QoS 0 and 1 only)";
    pub.qos = static_cast<QoS>(qos);
    pub.dup = flags & 0x08;
    pub.retain = flags & 0x01;
    if (pub.dup && qos == 0) return "DUP flag set on a QoS 0 message";
    if (Rule e = read_utf8(r, pub.topic, kTopicName)) return e;
    if (pub.topic.empty()) return "topic name is empty";
    if (pub.topic.find_first_of("+#") != std::string::npos) return "topic name contains a wildcard";
    if (qos > 0) {
        if (Rule e = read_id(r, pub.packet_id)) return e;
    }
    pub.payload.assign(r.p + r.pos, r.p + r.n);
    return nullptr;
}

Rule decode_subscribe(Reader& r, SubscribePacket& s) {
    if (Rule e = read_id(r, s.packet_id)) return e;
    while (r.left() > 0) {
        TopicFilter& f = s.filters.emplace_back();
        std::uint8_t qos;
        if (Rule e = read_utf8(r, f.filter, kTopicFilter)) return e;
        if (!r.u8(qos)) return "requested QoS is missing";
        if (qos > 2) return "requested QoS byte has reserved bits set";
        if (qos == 2) return "requested QoS 2 is not supported";
        f.qos = static_cast<QoS>(qos);
    }
    return s.filters.empty() ? "no topic filter (at least one is required)" : nullptr;
}

Rule decode_suback(Reader& r, SubackPacket& s) {
    if (Rule e = read_id(r, s.packet_id)) return e;
    if (r.left() == 0) return "no return code (at least one is required)";
    while (r.left() > 0) {
        std::uint8_t code = r.p[r.pos++];
        if (code > 2 && code != 0x80) return "return code is not 0x00, 0x01, 0x02 or 0x80";
        s.codes.push_back(static_cast<SubackCode>(code));
    }
    return nullptr;
}

Rule decode_unsubscribe(Reader& r, UnsubscribePacket& u) {
    if (Rule e = read_id(r, u.packet_id)) return e;
    while (r.left() > 0) {
        if (Rule e = read_utf8(r, u.filters.emplace_back(), kTopicFilter)) return e;
    }
    return u.filters.empty() ? "no topic filter (at least one is required)" : nullptr;
}

Rule decode_connack(Reader& r, ConnackPacket& c) {
    std::uint8_t ack;
    if (!r.u8(ack) || !r.u8(c.return_code)) return "variable header is truncated (runs past the remaining length)";
    if (r.left()) return kTrailing;
    if (ack & 0xFE) return "reserved acknowledge flag bits are set";
    if (c.return_code > 5) return "return code is above 5 (reserved)";
    if (c.return_code != 0 && (ack & 1)) return "session present set with a non-zero return code";
    c.session_present = ack & 1;
    return nullptr;
}

// Decodes into `out` (emplacing the right alternative) or names the broken rule.
Rule decode_into(PacketType type, std::uint8_t flags, Reader& r, Packet& out) {
    switch (type) {
        case PacketType::connect: return decode_connect(r, out.emplace<ConnectPacket>());
        case PacketType::connack: return decode_connack(r, out.emplace<ConnackPacket>());
        case PacketType::publish: return decode_publish(r, flags, out.emplace<PublishPacket>());
        case PacketType::puback:
            if (Rule e = read_id(r, out.emplace<PubackPacket>().packet_id)) return e;
            return r.left() ? kTrailing : nullptr;
        case PacketType::unsuback:
            if (Rule e = read_id(r, out.emplace<UnsubackPacket>().packet_id)) return e;
            return r.left() ? kTrailing : nullptr;
        case PacketType::subscribe: return decode_subscribe(r, out.emplace<SubscribePacket>());
        case PacketType::suback: return decode_suback(r, out.emplace<SubackPacket>());
        case PacketType::unsubscribe: return decode_unsubscribe(r, out.emplace<UnsubscribePacket>());
        case PacketType::pingreq: out.emplace<PingreqPacket>(); break;
        case PacketType::pingresp: out.emplace<PingrespPacket>(); break;
        case PacketType::disconnect: out.emplace<DisconnectPacket>(); break;
        default: return "QoS 2 flow is not supported";  // PUBREC, PUBREL, PUBCOMP
    }
    return r.left() ? kTrailing : nullptr;  // the packets without a body
}

}  // namespace

const char* packet_type_name(PacketType type) {
    static const char* const names[] = {"reserved",    "CONNECT", "CONNACK", "PUBLISH", "PUBACK",
                                        "PUBREC",      "PUBREL",  "PUBCOMP", "SUBSCRIBE", "SUBACK",
                                        "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT"};
    auto i = static_cast<unsigned>(type);
    return i < sizeof names / sizeof names[0] ? names[i] : "reserved";
}

PacketType packet_type(const Packet& packet) {
    static const PacketType types[] = {PacketType::connect,     PacketType::connack,  PacketType::publish,
                                       PacketType::puback,      PacketType::subscribe, PacketType::suback,
                                       PacketType::unsubscribe, PacketType::unsuback, PacketType::pingreq,
                                       PacketType::pingresp,    PacketType::disconnect};
    return types[packet.index()];
}

void encode_remaining_length(std::uint32_t value, std::vector<std::uint8_t>& out) {
    do {
        std::uint8_t byte = value % 128;
        value /= 128;
        if (value > 0) byte |= 0x80;
        out.push_back(byte);
    } while (value > 0);
}

Result<void> encode(const ConnectPacket& c, std::vector<std::uint8_t>& out) {
    if (c.client_id.size() > 0xFFFF) return too_long("client identifier");
    std::size_t body = 10 + 2 + c.client_id.size();
    std::uint8_t flags = c.clean_session ? 0x02 : 0;
    if (c.will) {
        if (c.will->topic.size() > 0xFFFF) return too_long("will topic");
        if (c.will->payload.size() > 0xFFFF) return too_long("will message");
        body += 4 + c.will->topic.size() + c.will->payload.size();
        flags |= 0x04 | static_cast<std::uint8_t>(static_cast<unsigned>(c.will->qos) << 3) |
                 (c.will->retain ? 0x20 : 0);
    }
    if (c.password && !c.username)
        return make_error(Errc::invalid_argument, "CONNECT password given without a user name (MQTT 3.1.2.9)");
    if (c.username) {
        if (c.username->size() > 0xFFFF) return too_long("user name");
        body += 2 + c.username->size();
        flags |= 0x80;
    }
    if (c.password) {
        if (c.password->size() > 0xFFFF) return too_long("password");
        body += 2 + c.password->size();
        flags |= 0x40;
    }
    auto ok = header(out, 0x10, body);
    if (!ok) return ok;
    put_bytes(out, "MQTT", 4);
    out.push_back(4);  // protocol level 3.1.1
    out.push_back(flags);
    put16(out, c.keep_alive_s);
    put_bytes(out, c.client_id.data(), c.client_id.size());
    if (c.will) {
        put_bytes(out, c.will->topic.data(), c.will->topic.size());
        put_bytes(out, c.will->payload.data(), c.will->payload.size());
    }
    if (c.username) put_bytes(out, c.username->data(), c.username->size());
    if (c.password) put_bytes(out, c.password->data(), c.password->size());
    return {};
}

Result<void> encode(const ConnackPacket& c, std::vector<std::uint8_t>& out) {
    out.insert(out.end(), {0x20, 0x02, static_cast<std::uint8_t>(c.session_present ? 1 : 0), c.return_code});
    return {};
}

Result<void> encode(const PublishPacket& p, std::vector<std::uint8_t>& out) {
    if (p.topic.size() > 0xFFFF) return too_long("topic name");
    bool qos1 = p.qos == QoS::at_least_once;
    if (qos1 && p.packet_id == 0) return make_error(Errc::invalid_argument, "QoS 1 PUBLISH needs a packet id 1..65535");
    std::uint8_t first = static_cast<std::uint8_t>(0x30 | (p.dup ? 0x08 : 0) | (qos1 ? 0x02 : 0) | (p.retain ? 1 : 0));
    auto ok = header(out, first, 2 + p.topic.size() + (qos1 ? 2 : 0) + p.payload.size());
    if (!ok) return ok;
    put_bytes(out, p.topic.data(), p.topic.size());
    if (qos1) put16(out, p.packet_id);
    out.insert(out.end(), p.payload.begin(), p.payload.end());
    return {};
}

Result<void> encode(const PubackPacket& p, std::vector<std::uint8_t>& out) {
    return simple(out, PacketType::puback, 0, p.packet_id, true);
}

Result<void> encode(const SubscribePacket& s, std::vector<std::uint8_t>& out) {
    if (s.filters.empty()) return make_error(Errc::invalid_argument, "SUBSCRIBE needs at least one topic filter");
    if (s.packet_id == 0) return make_error(Errc::invalid_argument, "SUBSCRIBE needs a packet id 1..65535");
    std::size_t body = 2;
    for (const auto& f : s.filters) {
        if (f.filter.size() > 0xFFFF) return too_long("topic filter");
        body += 3 + f.filter.size();
    }
    auto ok = header(out, 0x82, body);
    if (!ok) return ok;
    put16(out, s.packet_id);
    for (const auto& f : s.filters) {
        put_bytes(out, f.filter.data(), f.filter.size());
        out.push_back(static_cast<std::uint8_t>(f.qos));
    }
    return {};
}

Result<void> encode(const SubackPacket& s, std::vector<std::uint8_t>& out) {
    auto ok = header(out, 0x90, 2 + s.codes.size());
    if (!ok) return ok;
    put16(out, s.packet_id);
    for (auto c : s.codes) out.push_back(static_cast<std::uint8_t>(c));
    return {};
}

Result<void> encode(const UnsubscribePacket& u, std::vector<std::uint8_t>& out) {
    if (u.filters.empty()) return make_error(Errc::invalid_argument, "UNSUBSCRIBE needs at least one topic filter");
    if (u.packet_id == 0) return make_error(Errc::invalid_argument, "UNSUBSCRIBE needs a packet id 1..65535");
    std::size_t body = 2;
    for (const auto& f : u.filters) {
        if (f.size() > 0xFFFF) return too_long("topic filter");
        body += 2 + f.size();
    }
    auto ok = header(out, 0xA2, body);
    if (!ok) return ok;
    put16(out, u.packet_id);
    for (const auto& f : u.filters) put_bytes(out, f.data(), f.size());
    return {};
}

Result<void> encode(const UnsubackPacket& u, std::vector<std::uint8_t>& out) {
    return simple(out, PacketType::unsuback, 0, u.packet_id, true);
}
Result<void> encode(const PingreqPacket&, std::vector<std::uint8_t>& out) {
    return simple(out, PacketType::pingreq, 0, 0, false);
}
Result<void> encode(const PingrespPacket&, std::vector<std::uint8_t>& out) {
    return simple(out, PacketType::pingresp, 0, 0, false);
}
Result<void> encode(const DisconnectPacket&, std::vector<std::uint8_t>& out) {
    return simple(out, PacketType::disconnect, 0, 0, false);
}

Result<void> encode(const Packet& packet, std::vector<std::uint8_t>& out) {
    return std::visit([&out](const auto& p) { return encode(p, out); }, packet);
}

Result<Packet> decode_body(std::uint8_t first_byte, const std::uint8_t* body, std::size_t size) {
    auto type = static_cast<PacketType>(first_byte >> 4);
    std::uint8_t flags = first_byte & 0x0F;
    if (type == PacketType{0} || first_byte >> 4 == 15)
        return error_of(Errc::protocol_error, {"packet type ", detail::decimal(first_byte >> 4), " is reserved"});
    const char* name = packet_type_name(type);
    // Fixed-header flags are fixed for every type except PUBLISH (§2.2.2).
    std::uint8_t required =
        (type == PacketType::subscribe || type == PacketType::unsubscribe || type == PacketType::pubrel) ? 2 : 0;
    if (type != PacketType::publish && flags != required)
        return error_of(Errc::protocol_error, {name, ": fixed-header flags are ", detail::decimal(flags),
                                               ", MQTT requires ", detail::decimal(required)});
    Reader r{body, size, 0};
    Packet out;
    if (Rule rule = decode_into(type, flags, r, out)) return error_of(Errc::protocol_error, {name, ": ", rule});
    return out;
}

Result<Packet> decode_packet(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return make_error(Errc::protocol_error, "packet is shorter than a 2-byte fixed header");
    std::uint32_t length = 0;
    std::size_t i = 1;
    for (unsigned shift = 0;; shift += 7) {
        if (i > 4) return make_error(Errc::protocol_error, "remaining length is longer than 4 bytes");
        if (i >= size) return make_error(Errc::protocol_error, "remaining length is cut short");
        std::uint8_t b = data[i++];
        length |= static_cast<std::uint32_t>(b & 0x7F) << shift;
        if (!(b & 0x80)) break;
    }
    if (size - i != length)
        return make_error(Errc::protocol_error, size - i < length ? "packet is shorter than its remaining length"
                                                                   : "bytes follow the end of the packet");
    return decode_body(data[0], data + i, length);
}

}  // namespace iotlite::mqtt
