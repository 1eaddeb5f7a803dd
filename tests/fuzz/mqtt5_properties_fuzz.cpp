// libFuzzer target: MQTT 5 property blocks (core/src/mqtt/properties.cpp) and reason codes.
//
// Input: the whole input is a property block (Variable Byte Integer length, then properties,
// then anything), decoded for every place a block can be: CONNECT's Will Properties and the 15
// packet types (PINGREQ/PINGRESP included, where nothing is allowed). Checked properties (a
// violation traps, so libFuzzer reports it):
//   1. A refusal is Errc::protocol_error with a message and one of the rules::property_* ids.
//   2. Decoding with `consumed` succeeds exactly when decoding the block alone does and the block
//      ends at the input's end; consumed never passes the input's end.
//   3. Every property decoded is allowed in that place, and only User Property / PUBLISH's
//      Subscription Identifier repeat.
//   4. What decoded re-encodes (the encoder refuses nothing the decoder accepted), in
//      properties_size() bytes, and decode(encode(x)) == x; encoding that again gives the same bytes.
//   5. Reason codes: byte 0 as a code has a name in every packet, Errc::ok exactly below 0x80.
//
// Seeds (tests/fuzz/corpus/mqtt5_properties/, written from MQTT 5.0 §2.2.2 and §1.5, hex):
//   connack_aws             22 11 00 00 0e 10 13 00 3c 1f 00 02 6f 6b 21 00 64 22 00 08 24 01 25 01
//                           27 00 02 00 00 28 01 29 00 2a 01  (a CONNACK block as AWS IoT sends one)
//   publish_all             25 01 01 02 00 00 00 3c 03 00 04 6a 73 6f 6e 08 00 03 72 2f 31 09 00 02
//                           00 ff 0b 05 23 00 02 26 00 01 6b 00 01 76  (every PUBLISH property)
//   publish_then_payload    02 01 01 68 69  (a block, then payload bytes)
//   user_properties_order   18 26 00 01 62 00 01 32 26 00 01 61 00 01 31 01 00 26 00 01 62 00 02 32 32
//   subscription_ids_varint 0a 0b 01 0b 80 01 0b ff ff ff 7f  (1-, 2- and 4-byte VBIs)
//   will_delay_content_type 09 03 00 01 74 18 00 00 00 1e  (Will Properties)
//   auth_method_data        0b 15 00 03 41 57 53 16 00 02 01 02  (CONNECT/CONNACK/AUTH)
//   disconnect_reason_server_reference  12 1f 00 04 62 75 73 79 1c 00 03 61 2e 62 11 00 00 00 00
//   long_user_property      ce 01 26 00 01 6e 00 c8 + 200 x 78  (a two-byte property length)
//   empty                   00
//   topic_alias_twice       06 23 00 01 23 00 02  (refused: repeated)
//   length_five_byte_varint ff ff ff ff 01  (refused: a VBI over 4 bytes)
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "iotlite/mqtt/properties.hpp"
#include "iotlite/mqtt/reason_code.hpp"

using namespace iotlite;
using namespace iotlite::mqtt;

namespace {

void check(bool condition) {
    if (!condition) __builtin_trap();
}

bool known_rule(const char* rule) {
    const char* const all[] = {rules::property_length,    rules::property_varint, rules::property_identifier,
                               rules::property_truncated, rules::property_repeated, rules::property_value,
                               rules::property_utf8,      rules::property_trailing};
    for (const char* r : all)  // by text: a literal's address may differ between object files
        if (std::strcmp(rule, r) == 0) return true;
    return false;
}

// place 0: Will Properties; 1..15: the packet type.
Result<Properties> decode_at(unsigned place, const std::uint8_t* data, std::size_t size, std::size_t* consumed) {
    return place == 0 ? decode_will_properties(data, size, consumed)
                      : decode_properties(static_cast<PacketType>(place), data, size, consumed);
}

Result<std::size_t> size_at(unsigned place, const Properties& p) {
    return place == 0 ? will_properties_size(p) : properties_size(p, static_cast<PacketType>(place));
}

bool allowed_at(unsigned place, PropertyId id) {
    return place == 0 ? property_allowed_in_will(id) : property_allowed(id, static_cast<PacketType>(place));
}

std::vector<std::uint8_t> encode_at(unsigned place, const Properties& p) {
    std::vector<std::uint8_t> out;
    auto r = place == 0 ? encode_will_properties(p, out) : encode_properties(p, static_cast<PacketType>(place), out);
    check(r.ok());
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    for (unsigned place = 0; place <= 15; ++place) {
        std::size_t consumed = SIZE_MAX;
        auto prefix = decode_at(place, data, size, &consumed);
        auto whole = decode_at(place, data, size, nullptr);
        if (!prefix.ok()) {
            const Error& e = prefix.error();
            check(e.code == Errc::protocol_error && !e.message.empty() && known_rule(e.rule));
            check(!whole.ok());
        } else {
            check(consumed >= 1 && consumed <= size);
            check(whole.ok() == (consumed == size));
            if (whole.ok()) check(whole.value() == prefix.value());
        }
        if (!whole.ok()) {
            const Error& e = whole.error();
            check(e.code == Errc::protocol_error && !e.message.empty() && known_rule(e.rule));
        }
        if (!prefix.ok()) continue;

        const Properties& p = prefix.value();
        for (unsigned id = 1; id <= 0x2A; ++id) {
            if (!is_property_id(static_cast<std::uint8_t>(id))) continue;
            if (p.has(static_cast<PropertyId>(id))) check(allowed_at(place, static_cast<PropertyId>(id)));
        }
        if (p.subscription_ids.size() > 1) check(place == static_cast<unsigned>(PacketType::publish));

        auto sized = size_at(place, p);
        check(sized.ok());
        std::vector<std::uint8_t> bytes = encode_at(place, p);
        check(bytes.size() == sized.value());
        check(bytes.size() <= consumed);  // minimal integers and the same fields: never longer
        std::size_t used = 0;
        auto again = decode_at(place, bytes.data(), bytes.size(), &used);
        check(again.ok() && used == bytes.size());
        check(again.value() == p);
        check(encode_at(place, again.value()) == bytes);
    }

    if (size > 0) {
        const std::uint8_t code = data[0];
        for (unsigned t = 1; t <= 15; ++t) {
            const auto packet = static_cast<PacketType>(t);
            check(reason_code_name(code, packet) != nullptr);
            check((errc_for_reason_code(code, packet) == Errc::ok) == !is_error(code));
        }
    }
    return 0;
}
