#include "iotlite/mqtt/codec.hpp"

#include <string_view>

#include "format.hpp"
#include "iotlite/mqtt/topic.hpp"
#include "wire.hpp"

namespace iotlite::mqtt {

using detail::begin_packet;
using detail::error_fmt;
using detail::put16;
using detail::read_id;
using detail::read_utf8;
using detail::Reader;
using detail::Rule;
using detail::Utf8Field;
using detail::kTrailing;

namespace {
// The writers append to the engine's ByteBuffer; the public encoders append its bytes to `out`.
template <typename Write>
void append_written(std::vector<std::uint8_t>& out, Write write) {
    detail::ByteBuffer bytes;
    write(bytes);
    out.insert(out.end(), bytes.data(), bytes.data() + bytes.size());
}
}  // namespace

namespace {

Error too_long(const char* field) {
    return error_fmt(Errc::invalid_argument, "% is longer than 65535 bytes (MQTT 2-byte length)", field);
}

Result<void> check_body(std::size_t body_size) {
    if (body_size > max_remaining_length)
        return make_error(Errc::invalid_argument, IOTLITE_TEXT("packet body exceeds MQTT's maximum remaining length 268435455"));
    return {};
}

constexpr Utf8Field kClientId{IOTLITE_TEXT("client identifier is truncated (runs past the remaining length)"),
                              IOTLITE_TEXT("client identifier is not valid MQTT UTF-8")};
constexpr Utf8Field kWillTopic{IOTLITE_TEXT("will topic is truncated (runs past the remaining length)"),
                               IOTLITE_TEXT("will topic is not valid MQTT UTF-8")};
constexpr Utf8Field kUserName{IOTLITE_TEXT("user name is truncated (runs past the remaining length)"),
                              IOTLITE_TEXT("user name is not valid MQTT UTF-8")};
constexpr Utf8Field kTopicFilter{IOTLITE_TEXT("topic filter is truncated (runs past the remaining length)"),
                                 IOTLITE_TEXT("topic filter is not valid MQTT UTF-8")};

Rule read_utf8(Reader& r, std::string& out, const Utf8Field& field) {
    std::string_view v;
    Rule e = detail::read_utf8(r, v, field);
    out.assign(v.data(), v.size());
    return e;
}


Rule decode_connect(Reader& r, ConnectPacket& c) {
    std::string_view protocol;
    std::uint8_t level, flags;
    if (!r.bytes(protocol)) return IOTLITE_TEXT("protocol name is truncated (runs past the remaining length)");
    if (protocol != "MQTT") return IOTLITE_TEXT("protocol name is not \"MQTT\"");
    if (!r.u8(level)) return IOTLITE_TEXT("protocol level is missing");
    if (level != protocol_level_311) return IOTLITE_TEXT("protocol level is not 4 (MQTT 3.1.1)");
    if (!r.u8(flags)) return IOTLITE_TEXT("connect flags are missing");
    if (flags & connect_flags::reserved) return IOTLITE_TEXT("reserved connect flag bit 0 is set");
    if (!r.u16(c.keep_alive_s)) return IOTLITE_TEXT("keep alive is truncated (runs past the remaining length)");
    bool will = flags & connect_flags::will, user = flags & connect_flags::username, pass = flags & connect_flags::password;
    unsigned will_qos = (flags & connect_flags::will_qos_mask) >> connect_flags::will_qos_shift;
    if (!will && (will_qos != 0 || (flags & connect_flags::will_retain))) return IOTLITE_TEXT("will QoS/retain set without will flag");
    if (will_qos > 1) return IOTLITE_TEXT("will QoS above 1 is not supported");
    if (pass && !user) return IOTLITE_TEXT("password flag set without username flag");
    c.clean_session = flags & connect_flags::clean_session;
    if (Rule e = read_utf8(r, c.client_id, kClientId)) return e;
    if (will) {
        Will& w = c.will.emplace();
        std::string_view payload;
        if (Rule e = read_utf8(r, w.topic, kWillTopic)) return e;
        if (!r.bytes(payload)) return IOTLITE_TEXT("will message is truncated (runs past the remaining length)");
        w.payload.assign(payload.begin(), payload.end());
        w.qos = static_cast<QoS>(will_qos);
        w.retain = flags & connect_flags::will_retain;
    }
    if (user) {
        if (Rule e = read_utf8(r, c.username.emplace(), kUserName)) return e;
    }
    if (pass) {
        std::string_view password;
        if (!r.bytes(password)) return IOTLITE_TEXT("password is truncated (runs past the remaining length)");
        c.password.emplace(password);
    }
    return r.left() ? kTrailing : nullptr;
}

Rule decode_subscribe(Reader& r, SubscribePacket& s) {
    if (Rule e = read_id(r, s.packet_id)) return e;
    while (r.left() > 0) {
        TopicFilter& f = s.filters.emplace_back();
        std::uint8_t qos;
        if (Rule e = read_utf8(r, f.filter, kTopicFilter)) return e;
        if (!r.u8(qos)) return IOTLITE_TEXT("requested QoS is missing");
        if (qos > 2) return IOTLITE_TEXT("requested QoS byte has reserved bits set");
        if (qos == 2) return IOTLITE_TEXT("requested QoS 2 is not supported");
        f.qos = static_cast<QoS>(qos);
    }
    return s.filters.empty() ? IOTLITE_TEXT("no topic filter (at least one is required)") : nullptr;
}

Rule decode_unsubscribe(Reader& r, UnsubscribePacket& u) {
    if (Rule e = read_id(r, u.packet_id)) return e;
    while (r.left() > 0) {
        if (Rule e = read_utf8(r, u.filters.emplace_back(), kTopicFilter)) return e;
    }
    return u.filters.empty() ? IOTLITE_TEXT("no topic filter (at least one is required)") : nullptr;
}


}  // namespace

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
        if (value > 0) byte |= remaining_length_continuation;
        out.push_back(byte);
    } while (value > 0);
}

Result<void> encode(const ConnectPacket& c, std::vector<std::uint8_t>& out) {
    if (c.client_id.size() > 0xFFFF) return too_long(IOTLITE_TEXT("client identifier"));
    std::size_t body = 10 + 2 + c.client_id.size();
    if (c.will) {
        if (c.will->topic.size() > 0xFFFF) return too_long(IOTLITE_TEXT("will topic"));
        if (c.will->payload.size() > 0xFFFF) return too_long(IOTLITE_TEXT("will message"));
        body += 4 + c.will->topic.size() + c.will->payload.size();
    }
    if (c.password && !c.username)
        return make_error(Errc::invalid_argument, IOTLITE_TEXT("CONNECT password given without a user name (MQTT 3.1.2.9)"));
    if (c.username) {
        if (c.username->size() > 0xFFFF) return too_long(IOTLITE_TEXT("user name"));
        body += 2 + c.username->size();
    }
    if (c.password) {
        if (c.password->size() > 0xFFFF) return too_long(IOTLITE_TEXT("password"));
        body += 2 + c.password->size();
    }
    auto ok = check_body(body);
    if (!ok) return ok;
    append_written(out, [&](detail::ByteBuffer& b) {
        detail::write_connect(b, c.client_id, c.keep_alive_s, c.clean_session, c.will ? &*c.will : nullptr,
                              c.username ? &*c.username : nullptr, c.password ? &*c.password : nullptr);
    });
    return {};
}

Result<void> encode(const ConnackPacket& c, std::vector<std::uint8_t>& out) {
    out.insert(out.end(), {first_byte(PacketType::connack), 0x02 /* remaining length */,
                           static_cast<std::uint8_t>(c.session_present ? connack_session_present : 0), c.return_code});
    return {};
}

Result<void> encode(const PublishPacket& p, std::vector<std::uint8_t>& out) {
    if (p.topic.size() > 0xFFFF) return too_long(IOTLITE_TEXT("topic name"));
    bool qos1 = p.qos == QoS::at_least_once;
    if (qos1 && p.packet_id == 0) return make_error(Errc::invalid_argument, IOTLITE_TEXT("QoS 1 PUBLISH needs a packet id 1..65535"));
    auto ok = check_body(2 + p.topic.size() + (qos1 ? 2 : 0) + p.payload.size());
    if (!ok) return ok;
    append_written(out, [&](detail::ByteBuffer& b) {
        detail::write_publish(b, p.topic, p.payload.data(), p.payload.size(), p.qos, p.retain, p.dup, p.packet_id);
    });
    return {};
}

Result<void> encode(const PubackPacket& p, std::vector<std::uint8_t>& out) {
    append_written(out, [&](detail::ByteBuffer& b) {
        detail::write_short(b, first_byte(PacketType::puback), true, p.packet_id);
    });
    return {};
}

Result<void> encode(const SubscribePacket& s, std::vector<std::uint8_t>& out) {
    if (s.filters.empty()) return make_error(Errc::invalid_argument, IOTLITE_TEXT("SUBSCRIBE needs at least one topic filter"));
    if (s.packet_id == 0) return make_error(Errc::invalid_argument, IOTLITE_TEXT("SUBSCRIBE needs a packet id 1..65535"));
    std::size_t body = 2;
    for (const auto& f : s.filters) {
        if (f.filter.size() > 0xFFFF) return too_long(IOTLITE_TEXT("topic filter"));
        body += 3 + f.filter.size();
    }
    auto ok = check_body(body);
    if (!ok) return ok;
    append_written(out, [&](detail::ByteBuffer& b) { detail::write_subscribe(b, s.packet_id, s.filters); });
    return {};
}

Result<void> encode(const SubackPacket& s, std::vector<std::uint8_t>& out) {
    auto ok = check_body(2 + s.codes.size());
    if (!ok) return ok;
    append_written(out, [&](detail::ByteBuffer& b) {
        std::uint8_t* p = put16(begin_packet(b, first_byte(PacketType::suback), 2 + s.codes.size()), s.packet_id);
        for (auto c : s.codes) *p++ = static_cast<std::uint8_t>(c);
    });
    return {};
}

Result<void> encode(const UnsubscribePacket& u, std::vector<std::uint8_t>& out) {
    if (u.filters.empty()) return make_error(Errc::invalid_argument, IOTLITE_TEXT("UNSUBSCRIBE needs at least one topic filter"));
    if (u.packet_id == 0) return make_error(Errc::invalid_argument, IOTLITE_TEXT("UNSUBSCRIBE needs a packet id 1..65535"));
    std::size_t body = 2;
    for (const auto& f : u.filters) {
        if (f.size() > 0xFFFF) return too_long(IOTLITE_TEXT("topic filter"));
        body += 2 + f.size();
    }
    auto ok = check_body(body);
    if (!ok) return ok;
    append_written(out, [&](detail::ByteBuffer& b) { detail::write_unsubscribe(b, u.packet_id, u.filters); });
    return {};
}

Result<void> encode(const UnsubackPacket& u, std::vector<std::uint8_t>& out) {
    append_written(out, [&](detail::ByteBuffer& b) {
        detail::write_short(b, first_byte(PacketType::unsuback), true, u.packet_id);
    });
    return {};
}
Result<void> encode(const PingreqPacket&, std::vector<std::uint8_t>& out) {
    append_written(out, [&](detail::ByteBuffer& b) {
        detail::write_short(b, first_byte(PacketType::pingreq), false, 0);
    });
    return {};
}
Result<void> encode(const PingrespPacket&, std::vector<std::uint8_t>& out) {
    append_written(out, [&](detail::ByteBuffer& b) {
        detail::write_short(b, first_byte(PacketType::pingresp), false, 0);
    });
    return {};
}
Result<void> encode(const DisconnectPacket&, std::vector<std::uint8_t>& out) {
    append_written(out, [&](detail::ByteBuffer& b) {
        detail::write_short(b, first_byte(PacketType::disconnect), false, 0);
    });
    return {};
}

Result<void> encode(const Packet& packet, std::vector<std::uint8_t>& out) {
    return std::visit([&out](const auto& p) { return encode(p, out); }, packet);
}

Result<Packet> decode_body(std::uint8_t first_byte, const std::uint8_t* body, std::size_t size) {
    detail::Inbound in;
    Rule rule = detail::parse_inbound(first_byte, body, size, in);
    Packet out;
    if (!rule) {
        Reader r{body, size, 0};
        switch (in.type) {
            case PacketType::connect: rule = decode_connect(r, out.emplace<ConnectPacket>()); break;
            case PacketType::subscribe: rule = decode_subscribe(r, out.emplace<SubscribePacket>()); break;
            case PacketType::unsubscribe: rule = decode_unsubscribe(r, out.emplace<UnsubscribePacket>()); break;
            case PacketType::connack: out.emplace<ConnackPacket>(ConnackPacket{in.session_present, in.return_code}); break;
            case PacketType::publish: {
                PublishPacket& p = out.emplace<PublishPacket>();
                p.topic.assign(in.topic.data(), in.topic.size());
                p.payload.assign(in.data, in.data + in.size);
                p.qos = in.qos;
                p.retain = in.retain;
                p.dup = in.dup;
                p.packet_id = in.packet_id;
                break;
            }
            case PacketType::puback: out.emplace<PubackPacket>().packet_id = in.packet_id; break;
            case PacketType::unsuback: out.emplace<UnsubackPacket>().packet_id = in.packet_id; break;
            case PacketType::suback: {
                SubackPacket& s = out.emplace<SubackPacket>();
                s.packet_id = in.packet_id;
                for (std::size_t i = 0; i < in.size; ++i) s.codes.push_back(static_cast<SubackCode>(in.data[i]));
                break;
            }
            case PacketType::pingreq: out.emplace<PingreqPacket>(); break;
            case PacketType::pingresp: out.emplace<PingrespPacket>(); break;
            default: out.emplace<DisconnectPacket>(); break;
        }
    }
    if (rule) return detail::inbound_error("", first_byte, rule);
    return out;
}

Result<Packet> decode_packet(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return make_error(Errc::protocol_error, IOTLITE_TEXT("packet is shorter than a 2-byte fixed header"));
    std::uint32_t length = 0;
    std::size_t i = 1;
    for (unsigned shift = 0;; shift += 7) {
        if (i > 4) return make_error(Errc::protocol_error, IOTLITE_TEXT("remaining length is longer than 4 bytes"));
        if (i >= size) return make_error(Errc::protocol_error, IOTLITE_TEXT("remaining length is cut short"));
        std::uint8_t b = data[i++];
        length |= static_cast<std::uint32_t>(b & remaining_length_value_bits) << shift;
        if (!(b & remaining_length_continuation)) break;
    }
    if (size - i != length)
        return make_error(Errc::protocol_error, IOTLITE_TEXT(size - i < length ? "packet is shorter than its remaining length"
                                                                                : "bytes follow the end of the packet"));
    return decode_body(data[0], data + i, length);
}

}  // namespace iotlite::mqtt
