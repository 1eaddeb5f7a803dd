#include "iotlite/mqtt/reason_code.hpp"

#include <cstring>

#include "iotlite/mqtt/properties.hpp"

// MQTT 5.0 §2.4: one row per reason code (its packets and its Errc), the names beside it.
namespace iotlite::mqtt {
namespace {

constexpr std::uint16_t bit(PacketType t) { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(t)); }
constexpr std::uint16_t CA = bit(PacketType::connack), PA = bit(PacketType::puback), RC = bit(PacketType::pubrec),
                        RL = bit(PacketType::pubrel), PC = bit(PacketType::pubcomp), SA = bit(PacketType::suback),
                        UA = bit(PacketType::unsuback), D = bit(PacketType::disconnect), AU = bit(packet_type_auth);
// The six packets that carry the generic failures 0x80, 0x83, 0x87.
constexpr std::uint16_t kGeneric = CA | PA | RC | SA | UA | D;

struct Row {
    std::uint8_t code;
    std::uint8_t errc;  // an Errc, in one byte (the table is 4 bytes a row)
    std::uint16_t packets;
};
constexpr std::uint8_t E(Errc e) { return static_cast<std::uint8_t>(e); }

constexpr Row kRows[] = {
    {0x00, E(Errc::ok), CA | PA | RC | RL | PC | SA | UA | D | AU},
    {0x01, E(Errc::ok), SA},
    {0x02, E(Errc::ok), SA},
    {0x04, E(Errc::ok), D},
    {0x10, E(Errc::ok), PA | RC},
    {0x11, E(Errc::ok), UA},
    {0x18, E(Errc::ok), AU},
    {0x19, E(Errc::ok), AU},
    {0x80, E(Errc::server_error), kGeneric},
    {0x81, E(Errc::protocol_error), CA | D},
    {0x82, E(Errc::protocol_error), CA | D},
    {0x83, E(Errc::server_error), kGeneric},
    {0x84, E(Errc::connection_refused), CA},
    {0x85, E(Errc::connection_refused), CA},
    {0x86, E(Errc::auth_failed), CA},
    {0x87, E(Errc::auth_failed), kGeneric},
    {0x88, E(Errc::connection_refused), CA},
    {0x89, E(Errc::server_error), CA | D},
    {0x8A, E(Errc::auth_failed), CA},
    {0x8B, E(Errc::closed), D},
    {0x8C, E(Errc::auth_failed), CA | D},
    {0x8D, E(Errc::timeout), D},
    {0x8E, E(Errc::closed), D},
    {0x8F, E(Errc::invalid_topic), SA | UA | D},
    {0x90, E(Errc::invalid_topic), CA | PA | RC | D},
    {0x91, E(Errc::protocol_error), PA | RC | SA | UA},
    {0x92, E(Errc::protocol_error), RL | PC},
    {0x93, E(Errc::protocol_error), D},
    {0x94, E(Errc::protocol_error), D},
    {0x95, E(Errc::limit_exceeded), CA | D},
    {0x96, E(Errc::limit_exceeded), D},
    {0x97, E(Errc::limit_exceeded), CA | PA | RC | SA | D},
    {0x98, E(Errc::closed), D},
    {0x99, E(Errc::invalid_argument), CA | PA | RC | D},
    {0x9A, E(Errc::unsupported), CA | D},
    {0x9B, E(Errc::unsupported), CA | D},
    {0x9C, E(Errc::unsupported), CA | D},
    {0x9D, E(Errc::unsupported), CA | D},
    {0x9E, E(Errc::unsupported), SA | D},
    {0x9F, E(Errc::limit_exceeded), CA | D},
    {0xA0, E(Errc::closed), D},
    {0xA1, E(Errc::unsupported), SA | D},
    {0xA2, E(Errc::unsupported), SA | D},
};

#if IOTLITE_ERROR_TEXTS
// The names in row order, each ended by a NUL (one literal: no pointer table).
const char kNames[] = (
    "success\0"
    "granted QoS 1\0"
    "granted QoS 2\0"
    "disconnect with will message\0"
    "no matching subscribers\0"
    "no subscription existed\0"
    "continue authentication\0"
    "re-authenticate\0"
    "unspecified error\0"
    "malformed packet\0"
    "protocol error\0"
    "implementation specific error\0"
    "unsupported protocol version\0"
    "client identifier not valid\0"
    "bad user name or password\0"
    "not authorized\0"
    "server unavailable\0"
    "server busy\0"
    "banned\0"
    "server shutting down\0"
    "bad authentication method\0"
    "keep alive timeout\0"
    "session taken over\0"
    "topic filter invalid\0"
    "topic name invalid\0"
    "packet identifier in use\0"
    "packet identifier not found\0"
    "receive maximum exceeded\0"
    "topic alias invalid\0"
    "packet too large\0"
    "message rate too high\0"
    "quota exceeded\0"
    "administrative action\0"
    "payload format invalid\0"
    "retain not supported\0"
    "QoS not supported\0"
    "use another server\0"
    "server moved\0"
    "shared subscriptions not supported\0"
    "connection rate exceeded\0"
    "maximum connect time\0"
    "subscription identifiers not supported\0"
    "wildcard subscriptions not supported\0");
#endif

const Row* find(std::uint8_t code) {
    for (const Row& row : kRows)
        if (row.code == code) return &row;
    return nullptr;
}

std::uint16_t packet_bit(PacketType packet) {
    const auto t = static_cast<unsigned>(packet);
    return t >= 1 && t <= 15 ? bit(packet) : 0;
}

}  // namespace

bool reason_code_allowed(std::uint8_t code, PacketType packet) {
    const Row* row = find(code);
    return row && (row->packets & packet_bit(packet));
}

const char* reason_code_name(std::uint8_t code, PacketType packet) {
    if (code == 0x00 && packet == PacketType::disconnect) return IOTLITE_TEXT("normal disconnection");
    if (code == 0x00 && packet == PacketType::suback) return IOTLITE_TEXT("granted QoS 0");
    const Row* row = find(code);
    if (!row) return IOTLITE_TEXT("unknown reason code");
#if IOTLITE_ERROR_TEXTS
    const char* name = kNames;
    for (const Row* r = kRows; r != row; ++r) name += std::strlen(name) + 1;
    return name;
#else
    return "";
#endif
}

Errc errc_for_reason_code(std::uint8_t code, PacketType packet) {
    if (!is_error(code)) return Errc::ok;
    const Row* row = find(code);
    if (!row) return Errc::protocol_error;
    // A CONNACK error means the connection was refused, whatever the general cause.
    if (packet == PacketType::connack && (row->errc == E(Errc::server_error) || row->errc == E(Errc::closed)))
        return Errc::connection_refused;
    return static_cast<Errc>(row->errc);
}

}  // namespace iotlite::mqtt
