#include "iotlite/mqtt/properties.hpp"

#include <cstring>

#include "format.hpp"
#include "wire.hpp"

// MQTT 5.0 §2.2.2: one table row per property identifier drives the decoder, the encoder and
// the queries, so a property's type, packets and range are written once.
namespace iotlite::mqtt {

using detail::Reader;

namespace {

// Bit of a packet type in Row::packets; bit 0 (type 0 is reserved) stands for CONNECT's Will
// Properties (§3.1.3.2).
constexpr std::uint16_t bit(PacketType t) { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(t)); }
constexpr std::uint16_t kWill = 1;
constexpr std::uint16_t kConnect = bit(PacketType::connect), kConnack = bit(PacketType::connack),
                        kPublish = bit(PacketType::publish), kSubscribe = bit(PacketType::subscribe),
                        kDisconnect = bit(PacketType::disconnect), kAuth = bit(packet_type_auth);
// The acknowledgements that carry a Reason String (§3.4.2.2.2 .. §3.11.2.1.2).
constexpr std::uint16_t kAcks = bit(PacketType::puback) | bit(PacketType::pubrec) | bit(PacketType::pubrel) |
                                bit(PacketType::pubcomp) | bit(PacketType::suback) | bit(PacketType::unsuback);
// User Property: every packet with a property block, i.e. all but PINGREQ/PINGRESP (§2.2.2.2).
constexpr std::uint16_t kAllBlocks = kWill | kConnect | kConnack | kPublish | kAcks | kSubscribe |
                                     bit(PacketType::unsubscribe) | kDisconnect | kAuth;

// Value rules beyond the type's own range.
enum Range : std::uint8_t {
    any,
    flag,           // 0 or 1
    nonzero,        // >= 1
    topic_name,     // a UTF-8 topic name: no wildcard (Response Topic, §3.3.2.3.5)
};

constexpr std::uint8_t kNoSlot = 0xFF;

struct Row {
    std::uint8_t id;
    PropertyType type;
    std::uint8_t slot;  // index into Properties' integer or text array
    Range range;
    std::uint16_t packets;
};

using T = PropertyType;
// §2.2.2.2's table, identifiers ascending. Row index = presence bit.
constexpr Row kRows[] = {
    {0x01, T::byte, 0, flag, kPublish | kWill},           // payload format indicator, §3.3.2.3.2
    {0x02, T::four_byte, 1, any, kPublish | kWill},       // message expiry interval, §3.3.2.3.3
    {0x03, T::utf8, 0, any, kPublish | kWill},            // content type, §3.3.2.3.9
    {0x08, T::utf8, 1, topic_name, kPublish | kWill},     // response topic, §3.3.2.3.5
    {0x09, T::binary, 2, any, kPublish | kWill},          // correlation data, §3.3.2.3.6
    {0x0B, T::varint, kNoSlot, nonzero, kPublish | kSubscribe},  // subscription identifier, §3.3.2.3.8, §3.8.2.1.2
    {0x11, T::four_byte, 2, any, kConnect | kConnack | kDisconnect},  // session expiry interval, §3.1.2.11.2
    {0x12, T::utf8, 3, any, kConnack},                    // assigned client identifier, §3.2.2.3.7
    {0x13, T::two_byte, 3, any, kConnack},                // server keep alive, §3.2.2.3.14
    {0x15, T::utf8, 4, any, kConnect | kConnack | kAuth}, // authentication method, §3.1.2.11.9
    {0x16, T::binary, 5, any, kConnect | kConnack | kAuth},  // authentication data, §3.1.2.11.10
    {0x17, T::byte, 4, flag, kConnect},                   // request problem information, §3.1.2.11.7
    {0x18, T::four_byte, 5, any, kWill},                  // will delay interval, §3.1.3.2.2
    {0x19, T::byte, 6, flag, kConnect},                   // request response information, §3.1.2.11.6
    {0x1A, T::utf8, 6, any, kConnack},                    // response information, §3.2.2.3.15
    {0x1C, T::utf8, 7, any, kConnack | kDisconnect},      // server reference, §3.2.2.3.16
    {0x1F, T::utf8, 8, any, kConnack | kAcks | kDisconnect | kAuth},  // reason string, §3.2.2.3.9
    {0x21, T::two_byte, 7, nonzero, kConnect | kConnack}, // receive maximum, §3.1.2.11.3, §3.2.2.3.3
    {0x22, T::two_byte, 8, any, kConnect | kConnack},     // topic alias maximum, §3.1.2.11.5
    {0x23, T::two_byte, 9, nonzero, kPublish},            // topic alias, §3.3.2.3.4
    {0x24, T::byte, 10, flag, kConnack},                  // maximum QoS, §3.2.2.3.4
    {0x25, T::byte, 11, flag, kConnack},                  // retain available, §3.2.2.3.5
    {0x26, T::utf8_pair, kNoSlot, any, kAllBlocks},       // user property, §3.1.2.11.8
    {0x27, T::four_byte, 12, nonzero, kConnect | kConnack},  // maximum packet size, §3.1.2.11.4
    {0x28, T::byte, 13, flag, kConnack},                  // wildcard subscription available, §3.2.2.3.11
    {0x29, T::byte, 14, flag, kConnack},                  // subscription identifiers available, §3.2.2.3.12
    {0x2A, T::byte, 15, flag, kConnack},                  // shared subscription available, §3.2.2.3.13
};
constexpr std::size_t kRowCount = sizeof kRows / sizeof kRows[0];
static_assert(kRowCount <= 32, "one presence bit per row");

#if IOTLITE_ERROR_TEXTS
// The names in row order, each ended by a NUL (one literal: no pointer table).
const char kNames[] = (
    "payload format indicator\0"
    "message expiry interval\0"
    "content type\0"
    "response topic\0"
    "correlation data\0"
    "subscription identifier\0"
    "session expiry interval\0"
    "assigned client identifier\0"
    "server keep alive\0"
    "authentication method\0"
    "authentication data\0"
    "request problem information\0"
    "will delay interval\0"
    "request response information\0"
    "response information\0"
    "server reference\0"
    "reason string\0"
    "receive maximum\0"
    "topic alias maximum\0"
    "topic alias\0"
    "maximum QoS\0"
    "retain available\0"
    "user property\0"
    "maximum packet size\0"
    "wildcard subscription available\0"
    "subscription identifier available\0"
    "shared subscription available\0");
#endif

constexpr std::uint8_t kMaxId = 0x2A;
// Identifier -> row index + 1 (0: not an MQTT 5 property).
struct Index {
    std::uint8_t row[kMaxId + 1] = {};
    constexpr Index() {
        for (std::size_t i = 0; i < kRowCount; ++i) row[kRows[i].id] = static_cast<std::uint8_t>(i + 1);
    }
};
constexpr Index kIndex{};

constexpr bool is_integer(T t) { return t == T::byte || t == T::two_byte || t == T::four_byte; }
constexpr bool is_text(T t) { return t == T::utf8 || t == T::binary; }

const Row* find(std::uint32_t id) {
    if (id > kMaxId || kIndex.row[id] == 0) return nullptr;
    return &kRows[kIndex.row[id] - 1];
}
std::size_t row_index(const Row* row) { return static_cast<std::size_t>(row - kRows); }

const char* name_of(const Row* row) {
#if IOTLITE_ERROR_TEXTS
    const char* name = kNames;
    for (std::size_t i = row_index(row); i > 0; --i) name += std::strlen(name) + 1;
    return name;
#else
    (void)row;
    return "";
#endif
}

// Where a block sits: the packet's bit, its name for messages, whether Subscription Identifier
// may repeat (PUBLISH only).
struct Block {
    std::uint16_t bit;
    const char* name;
    bool repeat_subscription_ids;
};

Block block_of(PacketType packet) {
    const auto t = static_cast<unsigned>(packet);
    const bool defined = t >= 1 && t <= 15;  // 0 is reserved (and bit 0 is the Will's)
    return {defined ? bit(packet) : std::uint16_t{0}, packet == packet_type_auth ? "AUTH" : packet_type_name(packet),
            packet == PacketType::publish};
}
constexpr Block kWillBlock{kWill, "CONNECT will", false};

// ---- errors: one out-of-line builder, so that each refusal site is one call (code size) ---------

enum Problem : std::uint8_t {
    // the block: message arguments (packet, actual, limit)
    length_truncated, length_varint, length_over, trailing, id_varint, unknown_id, total_over,
    // one property: message arguments (packet, "0x23", name, X, limit); X is `actual`, except
    // for not_allowed (the packet) and zero (the allowed range)
    not_allowed, truncated, value_varint, repeated, not_flag, zero, too_big, not_utf8, wildcard, too_long,
    none,
};

// Problem -> the rule it breaks (Error::rule) and, with texts, the message.
const char* const kProblemRules[] = {
    rules::property_truncated, rules::property_varint,   rules::property_length,     rules::property_trailing,
    rules::property_varint,    rules::property_identifier, rules::property_length,   rules::property_identifier,
    rules::property_truncated, rules::property_varint,   rules::property_repeated,   rules::property_value,
    rules::property_value,     rules::property_value,    rules::property_utf8,       rules::property_value,
    rules::property_bytes,
};
static_assert(sizeof kProblemRules / sizeof kProblemRules[0] == none, "one rule per problem");
#if IOTLITE_ERROR_TEXTS
// The rules: property length §2.2.2.1, Variable Byte Integers §1.5.5, identifiers and repeats
// §2.2.2.2, UTF-8 §1.5.4 (no U+0000, no surrogates), each value's range in its packet's section
// (kRows above).
const char* const kProblemTexts[] = {
    "% property length is truncated",
    "% property length is a variable byte integer over 4 bytes",
    "% property length % runs past the % bytes left",
    "% has % unexpected bytes after its properties",
    "% property identifier is not a complete variable byte integer",
    "% property identifier % is not defined by MQTT 5",
    "% properties take % bytes; MQTT 5 allows 268435455",
    "% property % (%) is not allowed in %",
    "% property % (%) is truncated (runs past the property length)",
    "% property % (%) is a variable byte integer over 4 bytes",
    "% property % (%) appears more than once; MQTT 5 allows it once",
    "% property % (%) is %; MQTT 5 requires 0 or 1",
    "% property % (%) is 0; MQTT 5 requires %",
    "% property % (%) is %; MQTT 5 allows at most %",
    "% property % (%) is not valid MQTT UTF-8",
    "% property % (%) contains a wildcard; MQTT 5 requires a topic name",
    "% property % (%) has % bytes; MQTT allows 65535",
};
static_assert(sizeof kProblemTexts / sizeof kProblemTexts[0] == none, "one text per problem");
#endif

[[gnu::noinline]] Error property_error(Problem problem, Errc code, const Block& b, const Row* row, std::uint32_t limit,
                                       std::uint32_t actual) {
    const detail::RuleBreak broken{kProblemRules[problem], limit, actual};
#if IOTLITE_ERROR_TEXTS
    using detail::Arg;
    if (!row) {
        const Arg args[] = {b.name, actual, limit};
        return detail::format_rule_error(broken, code, kProblemTexts[problem], args, 3);
    }
    const std::uint8_t id = row->id;
    const char hex[5] = {'0', 'x', "0123456789ABCDEF"[id >> 4], "0123456789ABCDEF"[id & 15], 0};
    const char* range = id == 0x23 ? "1..topic alias maximum" : id == 0x0B ? "1..268435455" : "at least 1";
    const Arg x = problem == not_allowed ? Arg(b.name) : problem == zero ? Arg(range) : Arg(actual);
    const Arg args[] = {b.name, hex, name_of(row), x, limit};
    return detail::format_rule_error(broken, code, kProblemTexts[problem], args, 5);
#else
    (void)b;
    (void)row;
    return detail::code_rule_error(broken, code);
#endif
}

// ---- the wire ----------------------------------------------------------------------------------

enum class Got { ok, truncated, too_long };

// A Variable Byte Integer (§1.5.5) at p[pos..end): at most 4 bytes, so at most max_varint.
// Non-minimal encodings are read as their value (like the fixed header's remaining length).
Got read_varint(const std::uint8_t* p, std::size_t end, std::size_t& pos, std::uint32_t& value) {
    value = 0;
    for (unsigned i = 0; i < 4; ++i) {
        if (pos >= end) return Got::truncated;
        std::uint8_t b = p[pos++];
        value |= static_cast<std::uint32_t>(b & remaining_length_value_bits) << (7 * i);
        if (!(b & remaining_length_continuation)) return Got::ok;
    }
    return Got::too_long;
}

}  // namespace

namespace detail {
std::size_t varint_size(std::uint32_t v) { return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : 4; }

std::uint8_t* put_varint(std::uint8_t* p, std::uint32_t v) {
    do {
        auto b = static_cast<std::uint8_t>(v & remaining_length_value_bits);
        v >>= 7;
        if (v) b |= remaining_length_continuation;
        *p++ = b;
    } while (v);
    return p;
}
}  // namespace detail

namespace {
using detail::put_varint;
using detail::varint_size;

std::size_t integer_width(T t) { return t == T::byte ? 1 : t == T::two_byte ? 2 : 4; }

// One property as decoded or about to be encoded: the integer, or one or two strings.
struct Entry {
    const Row* row;
    std::uint32_t v;
    std::string_view a, b;
};

// A broken rule, before it becomes an Error.
struct Check {
    Problem problem;
    std::uint32_t limit, actual;
};

// The rules decoder and encoder share: allowed here, value in range, text valid.
Check check_entry(const Block& b, const Entry& e) {
    const Row& row = *e.row;
    const std::uint32_t v = e.v;
    const std::uint32_t max = row.type == T::two_byte ? 0xFFFF : row.type == T::varint ? max_varint : UINT32_MAX;
    if (!(row.packets & b.bit)) return {not_allowed, 0, row.id};
    if (row.range == flag && v > 1) return {not_flag, 1, v};
    if (row.range == nonzero && v == 0) return {zero, 1, 0};
    if (v > max) return {too_big, max, v};  // only the encoder gets here
    if ((row.type == T::utf8 || row.type == T::utf8_pair) &&
        (!is_valid_mqtt_utf8(e.a) || (row.type == T::utf8_pair && !is_valid_mqtt_utf8(e.b))))
        return {not_utf8, 0, row.id};
    if (row.range == topic_name && e.a.find_first_of("+#") != std::string_view::npos) return {wildcard, 0, row.id};
    return {none, 0, 0};
}

using Visit = bool (*)(void* context, const Entry& entry);

}  // namespace

namespace detail {
// Reads Properties' arrays directly (one walk for sizing, checking and writing).
struct PropertiesAccess {
    // Calls visit for every property present, in write order (identifiers ascending, each list
    // in its order); stops at the first false and returns false.
    static bool for_each(const Properties& p, Visit visit, void* context) {
        for (std::size_t i = 0; i < kRowCount; ++i) {
            const Row& row = kRows[i];
            if (row.type == T::utf8_pair) {
                for (const auto& u : p.user_properties)
                    if (!visit(context, Entry{&row, 0, u.name, u.value})) return false;
            } else if (row.type == T::varint) {
                for (std::uint32_t s : p.subscription_ids)
                    if (!visit(context, Entry{&row, s, {}, {}})) return false;
            } else if (p.present_ >> i & 1u) {
                Entry e{&row, 0, {}, {}};
                if (is_text(row.type)) e.a = p.texts_[row.slot]; else e.v = p.integers_[row.slot];
                if (!visit(context, e)) return false;
            }
        }
        return true;
    }

    // Adds a decoded property; false when it is one that may not repeat and is already there.
    static bool store(Properties& p, const Row& row, const Entry& e, bool repeat_subscription_ids) {
        if (row.type == T::utf8_pair) {
            p.user_properties.push_back({std::string(e.a), std::string(e.b)});
            return true;
        }
        if (row.type == T::varint) {
            if (!repeat_subscription_ids && !p.subscription_ids.empty()) return false;
            p.subscription_ids.push_back(e.v);
            return true;
        }
        const std::uint32_t bit = 1u << row_index(&row);
        if (p.present_ & bit) return false;
        p.present_ |= bit;
        if (is_text(row.type)) p.texts_[row.slot].assign(e.a.data(), e.a.size()); else p.integers_[row.slot] = e.v;
        return true;
    }
};
}  // namespace detail

namespace {

std::size_t entry_size(const Entry& e) {
    switch (e.row->type) {
        case T::varint: return 1 + varint_size(e.v);
        case T::utf8_pair: return 5 + e.a.size() + e.b.size();
        case T::utf8:
        case T::binary: return 3 + e.a.size();
        default: return 1 + integer_width(e.row->type);
    }
}

std::size_t body_size(const Properties& p) {
    std::size_t n = 0;
    detail::PropertiesAccess::for_each(
        p, [](void* n, const Entry& e) { return *static_cast<std::size_t*>(n) += entry_size(e), true; }, &n);
    return n;
}

Result<std::size_t> checked_size(const Block& b, const Properties& p) {
    struct Walk {
        const Block& b;
        std::size_t bytes;
        const Row* row;
        Check broken;
    } walk{b, 0, nullptr, {none, 0, 0}};
    if (p.subscription_ids.size() > 1 && !b.repeat_subscription_ids && (kSubscribe & b.bit))  // SUBSCRIBE: one
        walk.row = find(0x0B), walk.broken = {repeated, 1, 0x0B};
    else
        detail::PropertiesAccess::for_each(p, [](void* context, const Entry& e) {
            Walk& w = *static_cast<Walk*>(context);
            const std::size_t longest = e.a.size() > e.b.size() ? e.a.size() : e.b.size();
            w.row = e.row;
            w.broken = longest > 0xFFFF ? Check{too_long, 0xFFFF, static_cast<std::uint32_t>(longest > UINT32_MAX ? UINT32_MAX : longest)}
                                        : check_entry(w.b, e);
            w.bytes += entry_size(e);
            return w.broken.problem == none;
        }, &walk);
    if (walk.broken.problem != none)
        return property_error(walk.broken.problem, Errc::invalid_argument, b, walk.row, walk.broken.limit, walk.broken.actual);
    const std::size_t n = walk.bytes;
    if (n > max_varint)
        return property_error(total_over, Errc::invalid_argument, b, nullptr, max_varint,
                              static_cast<std::uint32_t>(n > UINT32_MAX ? UINT32_MAX : n));
    return varint_size(static_cast<std::uint32_t>(n)) + n;
}

// A decoder refusal as the Result itself, out of line (one call per site).
[[gnu::noinline]] Result<std::size_t> refuse(Problem problem, const Block& b, const Row* row, std::uint32_t limit,
                                             std::uint32_t actual) {
    return property_error(problem, Errc::protocol_error, b, row, limit, actual);
}

using RowVisit = void (*)(void* context, const Row& row, const Entry& entry);

// Checks the block at data[0..size) (every rule of the decoder) and calls visit for each property,
// in wire order. to_end: the block must end at `size`. Returns the bytes of the block.
Result<std::size_t> walk_block(const Block& b, const std::uint8_t* data, std::size_t size, bool to_end, RowVisit visit,
                               void* context) {
    std::size_t pos = 0;
    std::uint32_t length = 0;
    Got got = read_varint(data, size, pos, length);
    if (got != Got::ok) {
        const auto n = static_cast<std::uint32_t>(size);
        return got == Got::truncated ? refuse(length_truncated, b, nullptr, n, n + 1)
                                     : refuse(length_varint, b, nullptr, 4, 5);
    }
    if (length > size - pos)
        return refuse(length_over, b, nullptr, static_cast<std::uint32_t>(size - pos), length);
    const std::size_t end = pos + length;
    if (to_end && end != size)
        return refuse(trailing, b, nullptr, 0, static_cast<std::uint32_t>(size - end));
    std::uint32_t seen = 0;  // presence bit per row of the properties that may not repeat
    Reader r{data, end, pos};
    while (r.left() > 0) {
        std::uint32_t id = 0;
        if (read_varint(data, end, r.pos, id) != Got::ok) return refuse(id_varint, b, nullptr, 4, 5);
        const Row* row = find(id);
        if (!row) return refuse(unknown_id, b, nullptr, 0, id);
        const std::size_t left = r.left();
        Entry e{row, 0, {}, {}};
        std::size_t need = 0;  // bytes the value needs, when it runs past the block
        if (is_integer(row->type)) {
            const std::size_t width = integer_width(row->type);
            if (left < width) need = width;
            for (std::size_t k = 0; k < width && !need; ++k) e.v = (e.v << 8) | data[r.pos++];
        } else if (row->type == T::varint) {
            got = read_varint(data, end, r.pos, e.v);
            if (got == Got::too_long) return refuse(value_varint, b, row, 4, 5);
            if (got == Got::truncated) need = left + 1;
        } else {
            const std::size_t at = r.pos;  // Reader::bytes() moves past the length even when it fails
            if (!r.bytes(e.a) || (row->type == T::utf8_pair && !r.bytes(e.b)))
                need = left < 2 ? 2 : row->type == T::utf8_pair ? left + 1 : 2 + ((std::size_t{data[at]} << 8) | data[at + 1]);
        }
        if (need)
            return refuse(truncated, b, row, static_cast<std::uint32_t>(left), static_cast<std::uint32_t>(need));
        const Check c = check_entry(b, e);
        if (c.problem != none) return refuse(c.problem, b, row, c.limit, c.actual);
        const bool repeatable = row->type == T::utf8_pair || (row->type == T::varint && b.repeat_subscription_ids);
        const std::uint32_t bit = 1u << row_index(row);
        if (!repeatable && (seen & bit)) return refuse(repeated, b, row, 1, id);
        seen |= bit;
        visit(context, *row, e);
    }
    return end;
}

Result<Properties> decode_block(const Block& b, const std::uint8_t* data, std::size_t size, std::size_t* consumed) {
    Result<Properties> result{Properties{}};  // filled in place, returned without another move
    Result<std::size_t> walked = walk_block(b, data, size, consumed == nullptr, [](void* out, const Row& row, const Entry& e) {
        detail::PropertiesAccess::store(*static_cast<Properties*>(out), row, e, true);
    }, &result.value());
    if (!walked) return walked.error();
    if (consumed) *consumed = walked.value();
    return result;
}

std::uint8_t* put_text(std::uint8_t* p, std::string_view s) { return detail::put_bytes(p, s.data(), s.size()); }

Result<void> append_block(const Block& b, const Properties& p, std::vector<std::uint8_t>& out) {
    auto size = checked_size(b, p);
    if (!size) return size.error();
    std::size_t old = out.size();
    out.resize(old + size.value());
    write_properties(out.data() + old, p);
    return detail::succeeded();
}

}  // namespace

// ---- queries -------------------------------------------------------------------------------------

bool is_property_id(std::uint8_t id) { return find(id) != nullptr; }
PropertyType property_type(PropertyId id) {
    const Row* row = find(static_cast<std::uint8_t>(id));
    return row ? row->type : T::byte;
}
const char* property_name(PropertyId id) {
    const Row* row = find(static_cast<std::uint8_t>(id));
    return row ? name_of(row) : "";
}
bool property_allowed(PropertyId id, PacketType packet) {
    const Row* row = find(static_cast<std::uint8_t>(id));
    return row && (row->packets & block_of(packet).bit);
}
bool property_allowed_in_will(PropertyId id) {
    const Row* row = find(static_cast<std::uint8_t>(id));
    return row && (row->packets & kWill);
}
bool property_repeatable(PropertyId id, PacketType packet) {
    return property_allowed(id, packet) &&
           (id == PropertyId::user_property || (id == PropertyId::subscription_identifier && packet == PacketType::publish));
}

// ---- Properties ----------------------------------------------------------------------------------

bool Properties::has(PropertyId id) const {
    if (id == PropertyId::user_property) return !user_properties.empty();
    if (id == PropertyId::subscription_identifier) return !subscription_ids.empty();
    const Row* row = find(static_cast<std::uint8_t>(id));
    return row && (present_ >> row_index(row) & 1u);
}

std::uint32_t Properties::integer(PropertyId id) const {
    const Row* row = find(static_cast<std::uint8_t>(id));
    return row && is_integer(row->type) ? integers_[row->slot] : 0;
}

std::string_view Properties::bytes(PropertyId id) const {
    const Row* row = find(static_cast<std::uint8_t>(id));
    return row && is_text(row->type) ? std::string_view(texts_[row->slot]) : std::string_view();
}

bool Properties::set(PropertyId id, std::uint32_t value) {
    const Row* row = find(static_cast<std::uint8_t>(id));
    if (!row || !is_integer(row->type)) return false;
    integers_[row->slot] = value;
    present_ |= 1u << row_index(row);
    return true;
}

bool Properties::set(PropertyId id, std::string_view value) {
    const Row* row = find(static_cast<std::uint8_t>(id));
    if (!row || !is_text(row->type)) return false;
    texts_[row->slot].assign(value.data(), value.size());
    present_ |= 1u << row_index(row);
    return true;
}

void Properties::clear(PropertyId id) {
    if (id == PropertyId::user_property) user_properties.clear();
    if (id == PropertyId::subscription_identifier) subscription_ids.clear();
    const Row* row = find(static_cast<std::uint8_t>(id));
    if (!row || row->slot == kNoSlot) return;
    // Absent values are zero / empty, so operator== can compare the arrays whole.
    if (is_integer(row->type)) integers_[row->slot] = 0; else texts_[row->slot].clear();
    present_ &= ~(1u << row_index(row));
}

bool Properties::operator==(const Properties& o) const {
    if (present_ != o.present_ || user_properties != o.user_properties || subscription_ids != o.subscription_ids) return false;
    for (std::size_t i = 0; i < integer_slots; ++i)
        if (integers_[i] != o.integers_[i]) return false;
    for (std::size_t i = 0; i < text_slots; ++i)
        if (texts_[i] != o.texts_[i]) return false;
    return true;
}

// ---- decode / encode -----------------------------------------------------------------------------

Result<Properties> decode_properties(PacketType packet, const std::uint8_t* data, std::size_t size, std::size_t* consumed) {
    return decode_block(block_of(packet), data, size, consumed);
}

Result<Properties> decode_will_properties(const std::uint8_t* data, std::size_t size, std::size_t* consumed) {
    return decode_block(kWillBlock, data, size, consumed);
}

Result<std::size_t> properties_size(const Properties& properties, PacketType packet) {
    return checked_size(block_of(packet), properties);
}

Result<std::size_t> will_properties_size(const Properties& properties) { return checked_size(kWillBlock, properties); }

// The properties of `p` without the length prefix.
static std::uint8_t* write_body(std::uint8_t* out, const Properties& p) {
    detail::PropertiesAccess::for_each(p, [](void* context, const Entry& e) {
        std::uint8_t*& o = *static_cast<std::uint8_t**>(context);
        *o++ = e.row->id;
        switch (e.row->type) {
            case T::varint: o = put_varint(o, e.v); break;
            case T::utf8_pair: o = put_text(put_text(o, e.a), e.b); break;
            case T::utf8:
            case T::binary: o = put_text(o, e.a); break;
            default:
                for (std::size_t k = integer_width(e.row->type); k-- > 0;) *o++ = static_cast<std::uint8_t>(e.v >> (8 * k));
        }
        return true;
    }, &out);
    return out;
}

std::uint8_t* write_properties(std::uint8_t* out, const Properties& p) {
    return write_body(put_varint(out, static_cast<std::uint32_t>(body_size(p))), p);
}

Result<void> encode_properties(const Properties& properties, PacketType packet, std::vector<std::uint8_t>& out) {
    return append_block(block_of(packet), properties, out);
}

Result<void> encode_will_properties(const Properties& properties, std::vector<std::uint8_t>& out) {
    return append_block(kWillBlock, properties, out);
}

// ---- PropertiesPtr (types.hpp) ------------------------------------------------------------------

PropertiesPtr::PropertiesPtr(const Properties& value) : p_(new Properties(value)) {}
PropertiesPtr::PropertiesPtr(Properties&& value) : p_(new Properties(std::move(value))) {}
PropertiesPtr::PropertiesPtr(const PropertiesPtr& other) : p_(other.p_ ? new Properties(*other.p_) : nullptr) {}
PropertiesPtr& PropertiesPtr::operator=(const PropertiesPtr& other) {
    if (this != &other) *this = PropertiesPtr(other);
    return *this;
}
PropertiesPtr& PropertiesPtr::operator=(PropertiesPtr&& other) noexcept {
    if (this != &other) {
        delete p_;
        p_ = other.p_;
        other.p_ = nullptr;
    }
    return *this;
}
PropertiesPtr::~PropertiesPtr() { delete p_; }

// ---- the engine's in-place access (wire.hpp) -----------------------------------------------------

namespace detail {

Result<std::size_t> walk_properties(PacketType packet, const std::uint8_t* data, std::size_t size, PropertyVisit visit,
                                    void* context) {
    struct Forward {
        PropertyVisit visit;
        void* context;
    } forward{visit, context};
    return walk_block(block_of(packet), data, size, false, [](void* f, const Row& row, const Entry& e) {
        const Forward& to = *static_cast<const Forward*>(f);
        to.visit(to.context, PropertyView{row.id, e.v, e.a, e.b});
    }, &forward);
}

std::size_t properties_block_size(const Properties* p, std::size_t extra) {
    const std::size_t n = (p ? body_size(*p) : 0) + extra;
    return varint_size(static_cast<std::uint32_t>(n)) + n;
}

std::uint8_t* put_properties(std::uint8_t* out, const Properties* p, std::uint16_t topic_alias) {
    const std::size_t n = (p ? body_size(*p) : 0) + (topic_alias ? 3 : 0);
    out = put_varint(out, static_cast<std::uint32_t>(n));
    if (topic_alias) {
        *out++ = static_cast<std::uint8_t>(PropertyId::topic_alias);
        out = put16(out, topic_alias);
    }
    return p ? write_body(out, *p) : out;
}

}  // namespace detail

}  // namespace iotlite::mqtt
