// MQTT 5 properties and reason codes: property blocks written by hand from the OASIS MQTT 5.0
// spec (§2.2.2 properties, §1.5 data representations, §2.4 reason codes), byte by byte, and
// compared with what the encoder emits / decoded into the expected values; every refusal rule
// of the decoder and the encoder, one test each. ctest names core.Mqtt5*.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "iotlite/mqtt/properties.hpp"
#include "iotlite/mqtt/reason_code.hpp"
#include "iotlite/mqtt/topic.hpp"

using namespace iotlite;
using namespace iotlite::mqtt;

namespace {

using Bytes = std::vector<std::uint8_t>;
using P = PropertyId;

Bytes enc(const Properties& p, PacketType packet) {
    Bytes out;
    auto r = encode_properties(p, packet, out);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    auto size = properties_size(p, packet);
    EXPECT_TRUE(size.ok());
    if (size.ok()) {
        EXPECT_EQ(size.value(), out.size());
    }
    return out;
}

Properties dec_ok(PacketType packet, const Bytes& b) {
    auto r = decode_properties(packet, b.data(), b.size());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : Properties{};
}

Error dec_err(PacketType packet, const Bytes& b) {
    auto r = decode_properties(packet, b.data(), b.size());
    EXPECT_FALSE(r.ok());
    return r.ok() ? Error{} : r.error();
}

Error enc_err(const Properties& p, PacketType packet) {
    Bytes out;
    auto r = encode_properties(p, packet, out);
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(out.empty());  // nothing appended on error
    return r.ok() ? Error{} : r.error();
}

bool has_text(const Error& e, const char* text) { return e.message.find(text) != std::string::npos; }

// A protocol error of the decoder: code, rule, and a message naming the packet and the rule.
void expect_refused(const Error& e, const char* rule, const char* packet, const char* words) {
    EXPECT_EQ(e.code, Errc::protocol_error);
    EXPECT_STREQ(e.rule, rule);
    EXPECT_TRUE(has_text(e, packet)) << e.message;
    EXPECT_TRUE(has_text(e, words)) << e.message;
}

}  // namespace

// ---- each data type, encoded and decoded -------------------------------------------------------

TEST(Mqtt5Properties, ByteProperty_PayloadFormatIndicator_RoundTripsSpecBytes) {
    Properties p;
    p.set(P::payload_format_indicator, 1);
    const Bytes expected = {
        0x02,        // property length 2
        0x01, 0x01,  // 0x01 payload format indicator: 1 (UTF-8 payload), §3.3.2.3.2
    };
    EXPECT_EQ(enc(p, PacketType::publish), expected);
    Properties d = dec_ok(PacketType::publish, expected);
    EXPECT_TRUE(d.has(P::payload_format_indicator));
    EXPECT_EQ(d.integer(P::payload_format_indicator), 1u);
    EXPECT_EQ(d, p);
}

TEST(Mqtt5Properties, TwoByteProperty_ReceiveMaximum_RoundTripsBigEndian) {
    Properties p;
    p.set(P::receive_maximum, 0x1234);
    const Bytes expected = {
        0x03,              // property length 3
        0x21, 0x12, 0x34,  // 0x21 receive maximum: 4660, two-byte big-endian (§1.5.2)
    };
    EXPECT_EQ(enc(p, PacketType::connect), expected);
    EXPECT_EQ(dec_ok(PacketType::connect, expected).integer(P::receive_maximum), 0x1234u);
}

TEST(Mqtt5Properties, FourByteProperty_MessageExpiry_RoundTripsBigEndian) {
    Properties p;
    p.set(P::message_expiry_interval, 604800);
    const Bytes expected = {
        0x05,                          // property length 5
        0x02, 0x00, 0x09, 0x3A, 0x80,  // 0x02 message expiry interval: 604800 s (§1.5.3)
    };
    EXPECT_EQ(enc(p, PacketType::publish), expected);
    EXPECT_EQ(dec_ok(PacketType::publish, expected).integer(P::message_expiry_interval), 604800u);
}

TEST(Mqtt5Properties, VarintProperty_SubscriptionIdentifiers_RoundTripOneToFourBytes) {
    Properties p;
    p.subscription_ids = {1, 128, 268435455};
    const Bytes expected = {
        0x0A,                          // property length 10
        0x0B, 0x01,                    // 0x0B subscription identifier: 1 (one-byte VBI)
        0x0B, 0x80, 0x01,              // 0x0B subscription identifier: 128 (two-byte VBI, §1.5.5)
        0x0B, 0xFF, 0xFF, 0xFF, 0x7F,  // 0x0B subscription identifier: 268435455 (largest VBI)
    };
    EXPECT_EQ(enc(p, PacketType::publish), expected);
    Properties d = dec_ok(PacketType::publish, expected);
    EXPECT_EQ(d.subscription_ids, (std::vector<std::uint32_t>{1, 128, 268435455}));
    EXPECT_TRUE(d.has(P::subscription_identifier));
}

TEST(Mqtt5Properties, Utf8Property_ContentType_RoundTrips) {
    Properties p;
    p.set(P::content_type, "json");
    const Bytes expected = {
        0x07,                                // property length 7
        0x03, 0x00, 0x04, 'j', 's', 'o', 'n',  // 0x03 content type: "json" (§1.5.4)
    };
    EXPECT_EQ(enc(p, PacketType::publish), expected);
    EXPECT_EQ(dec_ok(PacketType::publish, expected).bytes(P::content_type), "json");
}

TEST(Mqtt5Properties, EmptyString_IsPresentAndDistinctFromAbsent) {
    const Bytes expected = {
        0x03,              // property length 3
        0x03, 0x00, 0x00,  // 0x03 content type: "" (an empty string is a value)
    };
    Properties d = dec_ok(PacketType::publish, expected);
    EXPECT_TRUE(d.has(P::content_type));
    EXPECT_EQ(d.bytes(P::content_type), "");
    EXPECT_NE(d, Properties{});
    EXPECT_EQ(enc(d, PacketType::publish), expected);
}

TEST(Mqtt5Properties, BinaryProperty_CorrelationDataWithZeroBytes_RoundTrips) {
    Properties p;
    p.set(P::correlation_data, std::string_view("\x00\xFF\x00", 3));
    const Bytes expected = {
        0x06,                          // property length 6
        0x09, 0x00, 0x03, 0x00, 0xFF, 0x00,  // 0x09 correlation data: 3 bytes, any value (§1.5.6)
    };
    EXPECT_EQ(enc(p, PacketType::publish), expected);
    EXPECT_EQ(dec_ok(PacketType::publish, expected).bytes(P::correlation_data), std::string_view("\x00\xFF\x00", 3));
}

TEST(Mqtt5Properties, Utf8PairProperty_UserProperties_KeepTheirOrderAndRepeats) {
    const Bytes wire = {
        0x18,                                     // property length 24
        0x26, 0x00, 0x01, 'b', 0x00, 0x01, '2',   // 0x26 user property "b" = "2"
        0x26, 0x00, 0x01, 'a', 0x00, 0x01, '1',   // 0x26 user property "a" = "1"
        0x01, 0x00,                               // 0x01 payload format indicator: 0, between them
        0x26, 0x00, 0x01, 'b', 0x00, 0x02, '2', '2',  // 0x26 user property "b" = "22" (same name again)
    };
    Properties d = dec_ok(PacketType::publish, wire);
    ASSERT_EQ(d.user_properties.size(), 3u);
    EXPECT_EQ(d.user_properties[0], (UserProperty{"b", "2"}));
    EXPECT_EQ(d.user_properties[1], (UserProperty{"a", "1"}));
    EXPECT_EQ(d.user_properties[2], (UserProperty{"b", "22"}));
    // Encoded identifiers ascending: the indicator first, then the user properties in order.
    const Bytes expected = {
        0x18,                                     // property length 24
        0x01, 0x00,                               // 0x01 payload format indicator: 0
        0x26, 0x00, 0x01, 'b', 0x00, 0x01, '2',   // "b" = "2"
        0x26, 0x00, 0x01, 'a', 0x00, 0x01, '1',   // "a" = "1"
        0x26, 0x00, 0x01, 'b', 0x00, 0x02, '2', '2',  // "b" = "22"
    };
    EXPECT_EQ(enc(d, PacketType::publish), expected);
    EXPECT_EQ(dec_ok(PacketType::publish, expected), d);
}

TEST(Mqtt5Properties, ConnackAsAwsSendsIt_DecodesEveryFieldAndReencodesTheSameBytes) {
    const Bytes wire = {
        0x22,                           // property length 34
        0x11, 0x00, 0x00, 0x0E, 0x10,   // 0x11 session expiry interval: 3600 s
        0x13, 0x00, 0x3C,               // 0x13 server keep alive: 60 s
        0x1F, 0x00, 0x02, 'o', 'k',     // 0x1F reason string: "ok"
        0x21, 0x00, 0x64,               // 0x21 receive maximum: 100
        0x22, 0x00, 0x08,               // 0x22 topic alias maximum: 8
        0x24, 0x01,                     // 0x24 maximum QoS: 1
        0x25, 0x01,                     // 0x25 retain available: 1
        0x27, 0x00, 0x02, 0x00, 0x00,   // 0x27 maximum packet size: 131072
        0x28, 0x01,                     // 0x28 wildcard subscription available: 1
        0x29, 0x00,                     // 0x29 subscription identifiers available: 0
        0x2A, 0x01,                     // 0x2A shared subscription available: 1
    };
    Properties d = dec_ok(PacketType::connack, wire);
    EXPECT_EQ(d.integer(P::session_expiry_interval), 3600u);
    EXPECT_EQ(d.integer(P::server_keep_alive), 60u);
    EXPECT_EQ(d.bytes(P::reason_string), "ok");
    EXPECT_EQ(d.integer(P::receive_maximum), 100u);
    EXPECT_EQ(d.integer(P::topic_alias_maximum), 8u);
    EXPECT_EQ(d.integer(P::maximum_qos), 1u);
    EXPECT_EQ(d.integer(P::retain_available), 1u);
    EXPECT_EQ(d.integer(P::maximum_packet_size), 131072u);
    EXPECT_EQ(d.integer(P::wildcard_subscription_available), 1u);
    EXPECT_TRUE(d.has(P::subscription_identifier_available));
    EXPECT_EQ(d.integer(P::subscription_identifier_available), 0u);
    EXPECT_EQ(d.integer(P::shared_subscription_available), 1u);
    EXPECT_FALSE(d.has(P::assigned_client_identifier));
    EXPECT_FALSE(d.has(P::authentication_method));
    EXPECT_EQ(enc(d, PacketType::connack), wire);
}

TEST(Mqtt5Properties, PublishWithEveryPublishProperty_RoundTrips) {
    const Bytes wire = {
        0x25,                                    // property length 37
        0x01, 0x01,                              // 0x01 payload format indicator: 1
        0x02, 0x00, 0x00, 0x00, 0x3C,            // 0x02 message expiry interval: 60 s
        0x03, 0x00, 0x04, 'j', 's', 'o', 'n',    // 0x03 content type: "json"
        0x08, 0x00, 0x03, 'r', '/', '1',         // 0x08 response topic: "r/1"
        0x09, 0x00, 0x02, 0x00, 0xFF,            // 0x09 correlation data: 00 FF
        0x0B, 0x05,                              // 0x0B subscription identifier: 5
        0x23, 0x00, 0x02,                        // 0x23 topic alias: 2
        0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // 0x26 user property "k" = "v"
    };
    Properties d = dec_ok(PacketType::publish, wire);
    EXPECT_EQ(d.bytes(P::response_topic), "r/1");
    EXPECT_EQ(d.integer(P::topic_alias), 2u);
    EXPECT_EQ(d.subscription_ids, std::vector<std::uint32_t>{5});
    EXPECT_EQ(enc(d, PacketType::publish), wire);
}

TEST(Mqtt5Properties, LongBlock_TwoBytePropertyLengthPrefix) {
    Properties p;
    p.user_properties.push_back({"n", std::string(200, 'x')});
    Bytes out = enc(p, PacketType::puback);
    // 1 id + 2 + 1 name + 2 + 200 value = 206 = 0xCE: VBI 0xCE 0x01 (78 + 1 * 128).
    ASSERT_EQ(out.size(), 2u + 206u);
    EXPECT_EQ(out[0], 0xCE);
    EXPECT_EQ(out[1], 0x01);
    EXPECT_EQ(out[2], 0x26);
    EXPECT_EQ(dec_ok(PacketType::puback, out), p);
}

TEST(Mqtt5Properties, EmptyBlock_IsOneZeroByteInEveryPacket) {
    for (unsigned t = 1; t <= 15; ++t) {
        const auto packet = static_cast<PacketType>(t);
        EXPECT_EQ(enc(Properties{}, packet), Bytes{0x00}) << t;
        EXPECT_TRUE(dec_ok(packet, Bytes{0x00}).empty()) << t;
    }
}

TEST(Mqtt5Properties, WillProperties_RoundTripWithWillDelay) {
    Properties p;
    p.set(P::will_delay_interval, 30);
    p.set(P::content_type, "t");
    Bytes out;
    ASSERT_TRUE(encode_will_properties(p, out).ok());
    const Bytes expected = {
        0x09,                          // property length 9
        0x03, 0x00, 0x01, 't',         // 0x03 content type: "t"
        0x18, 0x00, 0x00, 0x00, 0x1E,  // 0x18 will delay interval: 30 s (§3.1.3.2.2)
    };
    EXPECT_EQ(out, expected);
    auto d = decode_will_properties(out.data(), out.size());
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d.value(), p);
    EXPECT_EQ(will_properties_size(p).value(), expected.size());
    // Will Delay Interval belongs to the Will only: in CONNECT's own block it is refused.
    Error e = dec_err(PacketType::connect, {0x05, 0x18, 0x00, 0x00, 0x00, 0x1E});
    expect_refused(e, rules::property_identifier, "CONNECT", "not allowed");
}

TEST(Mqtt5Properties, Consumed_ReportsTheBlockAndLeavesThePayload) {
    const Bytes wire = {
        0x02, 0x01, 0x01,  // properties: payload format indicator 1
        'h', 'i',          // what follows (a PUBLISH payload)
    };
    std::size_t consumed = 0;
    auto r = decode_properties(PacketType::publish, wire.data(), wire.size(), &consumed);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(consumed, 3u);
}

// ---- the allowed sets, from §2.2.2.2's table -----------------------------------------------------

namespace {
// The table of §2.2.2.2, transcribed independently of the implementation: identifier, then the
// packets ("WILL" = CONNECT's Will Properties).
struct SpecRow {
    std::uint8_t id;
    std::vector<std::string> packets;
};
const std::vector<SpecRow>& spec_table() {
    static const std::vector<SpecRow> rows = {
        {0x01, {"PUBLISH", "WILL"}},
        {0x02, {"PUBLISH", "WILL"}},
        {0x03, {"PUBLISH", "WILL"}},
        {0x08, {"PUBLISH", "WILL"}},
        {0x09, {"PUBLISH", "WILL"}},
        {0x0B, {"PUBLISH", "SUBSCRIBE"}},
        {0x11, {"CONNECT", "CONNACK", "DISCONNECT"}},
        {0x12, {"CONNACK"}},
        {0x13, {"CONNACK"}},
        {0x15, {"CONNECT", "CONNACK", "AUTH"}},
        {0x16, {"CONNECT", "CONNACK", "AUTH"}},
        {0x17, {"CONNECT"}},
        {0x18, {"WILL"}},
        {0x19, {"CONNECT"}},
        {0x1A, {"CONNACK"}},
        {0x1C, {"CONNACK", "DISCONNECT"}},
        {0x1F, {"CONNACK", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "SUBACK", "UNSUBACK", "DISCONNECT", "AUTH"}},
        {0x21, {"CONNECT", "CONNACK"}},
        {0x22, {"CONNECT", "CONNACK"}},
        {0x23, {"PUBLISH"}},
        {0x24, {"CONNACK"}},
        {0x25, {"CONNACK"}},
        {0x26, {"CONNECT", "CONNACK", "PUBLISH", "WILL", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "SUBSCRIBE",
                "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "DISCONNECT", "AUTH"}},
        {0x27, {"CONNECT", "CONNACK"}},
        {0x28, {"CONNACK"}},
        {0x29, {"CONNACK"}},
        {0x2A, {"CONNACK"}},
    };
    return rows;
}
const char* const kPacketNames[16] = {"WILL",   "CONNECT", "CONNACK",  "PUBLISH",     "PUBACK",   "PUBREC",
                                      "PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK",     "UNSUBSCRIBE", "UNSUBACK",
                                      "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"};

// A block holding one property `id` with the smallest valid value of its type.
Bytes one_property(std::uint8_t id, PropertyType type) {
    Bytes body = {id};
    switch (type) {
        case PropertyType::byte: body.push_back(1); break;
        case PropertyType::two_byte: body.insert(body.end(), {0, 1}); break;
        case PropertyType::four_byte: body.insert(body.end(), {0, 0, 0, 1}); break;
        case PropertyType::varint: body.push_back(1); break;
        case PropertyType::utf8:
        case PropertyType::binary: body.insert(body.end(), {0, 0}); break;
        case PropertyType::utf8_pair: body.insert(body.end(), {0, 0, 0, 0}); break;
    }
    Bytes out = {static_cast<std::uint8_t>(body.size())};
    out.insert(out.end(), body.begin(), body.end());
    return out;
}
}  // namespace

TEST(Mqtt5Properties, AllowedSets_EveryPacketAcceptsExactlyTheSpecTable) {
    std::set<std::uint8_t> defined;
    for (const SpecRow& row : spec_table()) {
        defined.insert(row.id);
        ASSERT_TRUE(is_property_id(row.id)) << int(row.id);
        const auto id = static_cast<PropertyId>(row.id);
        const Bytes block = one_property(row.id, property_type(id));
        for (unsigned t = 0; t <= 15; ++t) {
            const bool expected =
                std::find(row.packets.begin(), row.packets.end(), kPacketNames[t]) != row.packets.end();
            auto r = t == 0 ? decode_will_properties(block.data(), block.size())
                            : decode_properties(static_cast<PacketType>(t), block.data(), block.size());
            EXPECT_EQ(r.ok(), expected) << "property 0x" << std::hex << int(row.id) << " in " << kPacketNames[t];
            if (!r.ok()) {
                EXPECT_STREQ(r.error().rule, rules::property_identifier);
            }
            const bool allowed = t == 0 ? property_allowed_in_will(id) : property_allowed(id, static_cast<PacketType>(t));
            EXPECT_EQ(allowed, expected) << int(row.id) << " " << t;
        }
    }
    EXPECT_EQ(defined.size(), 27u);
    for (unsigned id = 0; id < 256; ++id)
        EXPECT_EQ(is_property_id(static_cast<std::uint8_t>(id)), defined.count(static_cast<std::uint8_t>(id)) == 1) << id;
}

TEST(Mqtt5Properties, Types_MatchTheSpecTable) {
    EXPECT_EQ(property_type(P::payload_format_indicator), PropertyType::byte);
    EXPECT_EQ(property_type(P::message_expiry_interval), PropertyType::four_byte);
    EXPECT_EQ(property_type(P::content_type), PropertyType::utf8);
    EXPECT_EQ(property_type(P::correlation_data), PropertyType::binary);
    EXPECT_EQ(property_type(P::subscription_identifier), PropertyType::varint);
    EXPECT_EQ(property_type(P::server_keep_alive), PropertyType::two_byte);
    EXPECT_EQ(property_type(P::authentication_data), PropertyType::binary);
    EXPECT_EQ(property_type(P::will_delay_interval), PropertyType::four_byte);
    EXPECT_EQ(property_type(P::topic_alias), PropertyType::two_byte);
    EXPECT_EQ(property_type(P::user_property), PropertyType::utf8_pair);
    EXPECT_EQ(property_type(P::maximum_packet_size), PropertyType::four_byte);
    EXPECT_EQ(property_type(P::shared_subscription_available), PropertyType::byte);
    EXPECT_STREQ(property_name(P::topic_alias), "topic alias");
    EXPECT_STREQ(property_name(P::payload_format_indicator), "payload format indicator");  // first row
    EXPECT_STREQ(property_name(P::shared_subscription_available), "shared subscription available");  // last row
}

TEST(Mqtt5Properties, Repeatable_OnlyUserPropertyAndPublishSubscriptionIds) {
    EXPECT_TRUE(property_repeatable(P::user_property, PacketType::connack));
    EXPECT_TRUE(property_repeatable(P::subscription_identifier, PacketType::publish));
    EXPECT_FALSE(property_repeatable(P::subscription_identifier, PacketType::subscribe));
    EXPECT_FALSE(property_repeatable(P::reason_string, PacketType::puback));
    EXPECT_FALSE(property_repeatable(P::user_property, PacketType::pingreq));
}

// ---- decoder refusals, one rule each ---------------------------------------------------------------

TEST(Mqtt5PropertiesRefused, PropertyLengthOverRemainingBytes_NamesTheLengthRule) {
    Error e = dec_err(PacketType::publish, {
        0x05,        // property length 5
        0x01, 0x01,  // only 2 bytes follow
    });
    expect_refused(e, rules::property_length, "PUBLISH", "runs past the 2 bytes left");
    EXPECT_EQ(e.limit, 2u);
    EXPECT_EQ(e.actual, 5u);
}

TEST(Mqtt5PropertiesRefused, PropertyLengthOverFourBytes_NamesTheVarintRule) {
    Error e = dec_err(PacketType::connack, {0xFF, 0xFF, 0xFF, 0xFF, 0x01});  // a fifth VBI byte
    expect_refused(e, rules::property_varint, "CONNACK", "over 4 bytes");
    EXPECT_EQ(e.limit, 4u);
}

TEST(Mqtt5PropertiesRefused, PropertyLengthCutShort_NamesTheTruncatedRule) {
    expect_refused(dec_err(PacketType::connack, {0x80}), rules::property_truncated, "CONNACK", "length is truncated");
    expect_refused(dec_err(PacketType::connack, {}), rules::property_truncated, "CONNACK", "length is truncated");
}

TEST(Mqtt5PropertiesRefused, UndefinedIdentifier_NamesTheIdentifierRule) {
    Error e = dec_err(PacketType::publish, {
        0x02,        // property length 2
        0x05, 0x00,  // identifier 0x05: not defined by §2.2.2.2
    });
    expect_refused(e, rules::property_identifier, "PUBLISH", "not defined by MQTT 5");
    EXPECT_EQ(e.actual, 5u);
}

TEST(Mqtt5PropertiesRefused, IdentifierNotAllowedInPacket_NamesPropertyAndPacket) {
    Error e = dec_err(PacketType::connack, {
        0x03,              // property length 3
        0x23, 0x00, 0x01,  // 0x23 topic alias: PUBLISH only
    });
    expect_refused(e, rules::property_identifier, "CONNACK property 0x23 (topic alias)", "not allowed in CONNACK");
    EXPECT_EQ(e.actual, 0x23u);
}

TEST(Mqtt5PropertiesRefused, NonRepeatablePropertyTwice_NamesTheRepeatedRule) {
    Error e = dec_err(PacketType::puback, {
        0x08,                         // property length 8
        0x1F, 0x00, 0x01, 'a',        // 0x1F reason string "a"
        0x1F, 0x00, 0x01, 'b',        // 0x1F reason string again
    });
    expect_refused(e, rules::property_repeated, "PUBACK property 0x1F (reason string)", "more than once");
    EXPECT_EQ(e.actual, 0x1Fu);
}

TEST(Mqtt5PropertiesRefused, SubscriptionIdentifierTwiceInSubscribe_NamesTheRepeatedRule) {
    Error e = dec_err(PacketType::subscribe, {
        0x04,        // property length 4
        0x0B, 0x01,  // 0x0B subscription identifier 1
        0x0B, 0x02,  // 0x0B again: only PUBLISH may carry several (§3.8.2.1.2)
    });
    expect_refused(e, rules::property_repeated, "SUBSCRIBE", "more than once");
}

TEST(Mqtt5PropertiesRefused, PayloadFormatIndicatorTwo_NamesTheValueRule) {
    Error e = dec_err(PacketType::publish, {0x02, 0x01, 0x02});  // 0x01 payload format indicator: 2
    expect_refused(e, rules::property_value, "PUBLISH property 0x01 (payload format indicator) is 2", "requires 0 or 1");
    EXPECT_EQ(e.limit, 1u);
    EXPECT_EQ(e.actual, 2u);
}

TEST(Mqtt5PropertiesRefused, ReceiveMaximumZero_NamesTheValueRule) {
    Error e = dec_err(PacketType::connack, {0x03, 0x21, 0x00, 0x00});  // 0x21 receive maximum: 0
    expect_refused(e, rules::property_value, "CONNACK property 0x21 (receive maximum) is 0", "at least 1");
    EXPECT_EQ(e.actual, 0u);
}

TEST(Mqtt5PropertiesRefused, MaximumPacketSizeZero_NamesTheValueRule) {
    Error e = dec_err(PacketType::connack, {0x05, 0x27, 0x00, 0x00, 0x00, 0x00});  // 0x27 maximum packet size: 0
    expect_refused(e, rules::property_value, "(maximum packet size) is 0", "at least 1");
}

TEST(Mqtt5PropertiesRefused, MaximumQosTwo_NamesTheValueRule) {
    Error e = dec_err(PacketType::connack, {0x02, 0x24, 0x02});  // 0x24 maximum QoS: 2 (only 0 or 1 may be sent)
    expect_refused(e, rules::property_value, "(maximum QoS) is 2", "requires 0 or 1");
}

TEST(Mqtt5PropertiesRefused, AvailabilityFlagsAboveOne_NameTheValueRule) {
    for (std::uint8_t id : {0x25, 0x28, 0x29, 0x2A}) {  // retain / wildcard / subscription id / shared available
        Error e = dec_err(PacketType::connack, {0x02, id, 0x02});
        expect_refused(e, rules::property_value, "CONNACK", "requires 0 or 1");
        EXPECT_TRUE(has_text(e, property_name(static_cast<PropertyId>(id)))) << e.message;
    }
}

TEST(Mqtt5PropertiesRefused, RequestInformationFlagsAboveOne_NameTheValueRule) {
    for (std::uint8_t id : {0x17, 0x19}) {  // request problem / response information
        Error e = dec_err(PacketType::connect, {0x02, id, 0x05});
        expect_refused(e, rules::property_value, "CONNECT", "requires 0 or 1");
        EXPECT_EQ(e.actual, 5u);
    }
}

TEST(Mqtt5PropertiesRefused, TopicAliasZero_NamesTheValueRule) {
    Error e = dec_err(PacketType::publish, {0x03, 0x23, 0x00, 0x00});  // 0x23 topic alias: 0
    EXPECT_EQ(e.message, "PUBLISH property 0x23 (topic alias) is 0; MQTT 5 requires 1..topic alias maximum");
    expect_refused(e, rules::property_value, "PUBLISH", "is 0");
}

TEST(Mqtt5PropertiesRefused, SubscriptionIdentifierZero_NamesTheValueRule) {
    Error e = dec_err(PacketType::publish, {0x02, 0x0B, 0x00});  // 0x0B subscription identifier: 0
    expect_refused(e, rules::property_value, "(subscription identifier) is 0", "1..268435455");
}

TEST(Mqtt5PropertiesRefused, SubscriptionIdentifierOverFourBytes_NamesTheVarintRule) {
    Error e = dec_err(PacketType::publish, {0x06, 0x0B, 0x80, 0x80, 0x80, 0x80, 0x01});
    expect_refused(e, rules::property_varint, "(subscription identifier)", "over 4 bytes");
}

TEST(Mqtt5PropertiesRefused, InvalidUtf8String_NamesTheUtf8Rule) {
    // 0xC0 0x80: an overlong encoding of U+0000.
    Error e = dec_err(PacketType::publish, {0x05, 0x03, 0x00, 0x02, 0xC0, 0x80});
    expect_refused(e, rules::property_utf8, "PUBLISH property 0x03 (content type)", "not valid MQTT UTF-8");
    EXPECT_EQ(e.actual, 0x03u);
}

TEST(Mqtt5PropertiesRefused, NulCharacterInString_NamesTheUtf8Rule) {
    Error e = dec_err(PacketType::connack, {0x05, 0x1F, 0x00, 0x02, 'a', 0x00});  // reason string "a\0"
    expect_refused(e, rules::property_utf8, "(reason string)", "not valid MQTT UTF-8");
}

TEST(Mqtt5PropertiesRefused, InvalidUtf8InUserPropertyValue_NamesTheUtf8Rule) {
    Error e = dec_err(PacketType::puback, {0x07, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 0xFF});
    expect_refused(e, rules::property_utf8, "(user property)", "not valid MQTT UTF-8");
}

TEST(Mqtt5PropertiesRefused, ResponseTopicWithWildcard_NamesTheValueRule) {
    Error e = dec_err(PacketType::publish, {0x05, 0x08, 0x00, 0x02, 'a', '#'});  // 0x08 response topic "a#"
    expect_refused(e, rules::property_value, "(response topic)", "wildcard");
}

TEST(Mqtt5PropertiesRefused, TruncatedFourByteValue_NamesTheTruncatedRule) {
    Error e = dec_err(PacketType::publish, {0x03, 0x02, 0x00, 0x00});  // 0x02 message expiry: 2 of 4 bytes
    expect_refused(e, rules::property_truncated, "(message expiry interval)", "truncated");
    EXPECT_EQ(e.limit, 2u);
    EXPECT_EQ(e.actual, 4u);
}

TEST(Mqtt5PropertiesRefused, StringRunsPastPropertyLength_NamesTheTruncatedRule) {
    // The string's length (5) runs past the block (3 bytes after the identifier), though more
    // bytes follow the block: the property length bounds every field.
    Error e = dec_err(PacketType::publish, {0x04, 0x03, 0x00, 0x05, 'a', 'b', 'c', 'd', 'e'});
    EXPECT_STREQ(e.rule, rules::property_trailing);  // without `consumed`, trailing bytes come first
    std::size_t consumed = 0;
    const Bytes wire = {0x04, 0x03, 0x00, 0x05, 'a', 'b', 'c', 'd', 'e'};
    auto r = decode_properties(PacketType::publish, wire.data(), wire.size(), &consumed);
    ASSERT_FALSE(r.ok());
    expect_refused(r.error(), rules::property_truncated, "(content type)", "runs past the property length");
    EXPECT_EQ(r.error().limit, 3u);
    EXPECT_EQ(r.error().actual, 7u);
}

TEST(Mqtt5PropertiesRefused, UserPropertyWithoutValue_NamesTheTruncatedRule) {
    Error e = dec_err(PacketType::disconnect, {0x04, 0x26, 0x00, 0x01, 'k'});  // name, then nothing
    expect_refused(e, rules::property_truncated, "DISCONNECT property 0x26 (user property)", "truncated");
}

TEST(Mqtt5PropertiesRefused, TrailingBytesAfterBlock_NamesTheTrailingRule) {
    Error e = dec_err(PacketType::puback, {0x00, 0x01});
    expect_refused(e, rules::property_trailing, "PUBACK", "1 unexpected bytes");
    EXPECT_EQ(e.actual, 1u);
}

TEST(Mqtt5PropertiesRefused, AnyPropertyInPingreq_IsNotAllowed) {
    expect_refused(dec_err(PacketType::pingreq, {0x07, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v'}),
                   rules::property_identifier, "PINGREQ", "not allowed in PINGREQ");
}

// ---- encoder refusals ------------------------------------------------------------------------------

TEST(Mqtt5PropertiesEncode, PropertyNotAllowedInPacket_InvalidArgument) {
    Properties p;
    p.set(P::topic_alias, 3);
    Error e = enc_err(p, PacketType::connect);
    EXPECT_EQ(e.code, Errc::invalid_argument);
    EXPECT_STREQ(e.rule, rules::property_identifier);
    EXPECT_TRUE(has_text(e, "CONNECT property 0x23 (topic alias) is not allowed in CONNECT")) << e.message;
    EXPECT_FALSE(properties_size(p, PacketType::connect).ok());
}

TEST(Mqtt5PropertiesEncode, StringOver65535Bytes_InvalidArgument) {
    Properties p;
    p.set(P::correlation_data, std::string(65536, 'x'));
    Error e = enc_err(p, PacketType::publish);
    EXPECT_EQ(e.code, Errc::invalid_argument);
    EXPECT_STREQ(e.rule, rules::property_bytes);
    EXPECT_EQ(e.limit, 65535u);
    EXPECT_EQ(e.actual, 65536u);
    Properties u;
    u.user_properties.push_back({"k", std::string(70000, 'v')});
    EXPECT_STREQ(enc_err(u, PacketType::publish).rule, rules::property_bytes);
}

TEST(Mqtt5PropertiesEncode, ValuesTheDecoderRefuses_AreRefusedToo) {
    Properties zero_max;
    zero_max.set(P::receive_maximum, 0);
    EXPECT_STREQ(enc_err(zero_max, PacketType::connect).rule, rules::property_value);
    Properties wide;
    wide.set(P::topic_alias, 70000);  // a two-byte property
    Error e = enc_err(wide, PacketType::publish);
    EXPECT_STREQ(e.rule, rules::property_value);
    EXPECT_EQ(e.limit, 65535u);
    Properties flag;
    flag.set(P::request_problem_information, 2);
    EXPECT_STREQ(enc_err(flag, PacketType::connect).rule, rules::property_value);
    Properties big_id;
    big_id.subscription_ids = {268435456};
    EXPECT_STREQ(enc_err(big_id, PacketType::publish).rule, rules::property_value);
    Properties two_ids;
    two_ids.subscription_ids = {1, 2};
    EXPECT_STREQ(enc_err(two_ids, PacketType::subscribe).rule, rules::property_repeated);
    Properties bad_text;
    bad_text.user_properties.push_back({std::string("\xED\xA0\x80"), "v"});  // a surrogate
    EXPECT_STREQ(enc_err(bad_text, PacketType::publish).rule, rules::property_utf8);
    Properties wildcard;
    wildcard.set(P::response_topic, "r/+");
    EXPECT_STREQ(enc_err(wildcard, PacketType::publish).rule, rules::property_value);
}

// ---- the Properties value ----------------------------------------------------------------------------

TEST(Mqtt5PropertiesValue, SetOfTheWrongKind_ChangesNothing) {
    Properties p;
    EXPECT_FALSE(p.set(P::content_type, 5u));
    EXPECT_FALSE(p.set(P::receive_maximum, std::string_view("x")));
    EXPECT_FALSE(p.set(P::user_property, 1u));
    EXPECT_TRUE(p.empty());
    EXPECT_TRUE(p.set(P::server_keep_alive, 0u));
    EXPECT_TRUE(p.has(P::server_keep_alive));  // 0 is a value
    EXPECT_FALSE(p.empty());
    p.clear(P::server_keep_alive);
    EXPECT_FALSE(p.has(P::server_keep_alive));
    EXPECT_EQ(p, Properties{});
    EXPECT_EQ(p.bytes(P::receive_maximum), "");
    EXPECT_EQ(p.integer(P::content_type), 0u);
}

// ---- AWS IoT's MQTT 5 limits, in one place (topic.hpp's limits) ------------------------------------

// AWS IoT Core developer guide, "MQTT" > "MQTT 5 supported features" and "AWS IoT Core message
// broker and protocol limits and quotas" (docs.aws.amazon.com/iot/latest/developerguide/mqtt.html):
// topic alias maximum 8, maximum packet size 128 KB, message expiry 1 s .. 604,800 s (7 days),
// persistent session expiry 1 h by default, adjustable up to 7 days.
TEST(Mqtt5AwsLimits, Constants_AreTheDocumentedValues) {
    EXPECT_EQ(limits::max_topic_alias, 8u);
    EXPECT_EQ(limits::max_packet_bytes, 131072u);
    EXPECT_EQ(limits::max_packet_bytes, limits::max_payload_bytes);
    EXPECT_EQ(limits::min_message_expiry_s, 1u);
    EXPECT_EQ(limits::max_message_expiry_s, 7u * 24 * 3600);
    EXPECT_EQ(limits::max_session_expiry_s, 7u * 24 * 3600);
    // The CONNACK AWS sends decodes, and its advertised limits match the constants.
    const Bytes connack = {0x0A, 0x22, 0x00, 0x08, 0x27, 0x00, 0x02, 0x00, 0x00, 0x24, 0x01};
    Properties d = dec_ok(PacketType::connack, connack);
    EXPECT_EQ(d.integer(P::topic_alias_maximum), limits::max_topic_alias);
    EXPECT_EQ(d.integer(P::maximum_packet_size), limits::max_packet_bytes);
}

// ---- reason codes (§2.4) -------------------------------------------------------------------------------

namespace {
// §2.4's table, transcribed: code, then the packets that may carry it.
const std::vector<SpecRow>& reason_table() {
    static const std::vector<SpecRow> rows = {
        {0x00, {"CONNACK", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "UNSUBACK", "AUTH", "DISCONNECT", "SUBACK"}},
        {0x01, {"SUBACK"}},
        {0x02, {"SUBACK"}},
        {0x04, {"DISCONNECT"}},
        {0x10, {"PUBACK", "PUBREC"}},
        {0x11, {"UNSUBACK"}},
        {0x18, {"AUTH"}},
        {0x19, {"AUTH"}},
        {0x80, {"CONNACK", "PUBACK", "PUBREC", "SUBACK", "UNSUBACK", "DISCONNECT"}},
        {0x81, {"CONNACK", "DISCONNECT"}},
        {0x82, {"CONNACK", "DISCONNECT"}},
        {0x83, {"CONNACK", "PUBACK", "PUBREC", "SUBACK", "UNSUBACK", "DISCONNECT"}},
        {0x84, {"CONNACK"}},
        {0x85, {"CONNACK"}},
        {0x86, {"CONNACK"}},
        {0x87, {"CONNACK", "PUBACK", "PUBREC", "SUBACK", "UNSUBACK", "DISCONNECT"}},
        {0x88, {"CONNACK"}},
        {0x89, {"CONNACK", "DISCONNECT"}},
        {0x8A, {"CONNACK"}},
        {0x8B, {"DISCONNECT"}},
        {0x8C, {"CONNACK", "DISCONNECT"}},
        {0x8D, {"DISCONNECT"}},
        {0x8E, {"DISCONNECT"}},
        {0x8F, {"SUBACK", "UNSUBACK", "DISCONNECT"}},
        {0x90, {"CONNACK", "PUBACK", "PUBREC", "DISCONNECT"}},
        {0x91, {"PUBACK", "PUBREC", "SUBACK", "UNSUBACK"}},
        {0x92, {"PUBREL", "PUBCOMP"}},
        {0x93, {"DISCONNECT"}},
        {0x94, {"DISCONNECT"}},
        {0x95, {"CONNACK", "DISCONNECT"}},
        {0x96, {"DISCONNECT"}},
        {0x97, {"CONNACK", "PUBACK", "PUBREC", "SUBACK", "DISCONNECT"}},
        {0x98, {"DISCONNECT"}},
        {0x99, {"CONNACK", "PUBACK", "PUBREC", "DISCONNECT"}},
        {0x9A, {"CONNACK", "DISCONNECT"}},
        {0x9B, {"CONNACK", "DISCONNECT"}},
        {0x9C, {"CONNACK", "DISCONNECT"}},
        {0x9D, {"CONNACK", "DISCONNECT"}},
        {0x9E, {"SUBACK", "DISCONNECT"}},
        {0x9F, {"CONNACK", "DISCONNECT"}},
        {0xA0, {"DISCONNECT"}},
        {0xA1, {"SUBACK", "DISCONNECT"}},
        {0xA2, {"SUBACK", "DISCONNECT"}},
    };
    return rows;
}
}  // namespace

TEST(Mqtt5ReasonCode, Allowed_EveryCodeInExactlyItsSpecPackets) {
    std::vector<const SpecRow*> by_code(256, nullptr);
    for (const SpecRow& row : reason_table()) by_code[row.id] = &row;
    for (unsigned code = 0; code < 256; ++code) {
        for (unsigned t = 1; t <= 15; ++t) {
            const SpecRow* row = by_code[code];
            const bool expected =
                row && std::find(row->packets.begin(), row->packets.end(), kPacketNames[t]) != row->packets.end();
            EXPECT_EQ(reason_code_allowed(static_cast<std::uint8_t>(code), static_cast<PacketType>(t)), expected)
                << "code 0x" << std::hex << code << " in " << kPacketNames[t];
        }
    }
}

TEST(Mqtt5ReasonCode, IsError_FromHex80) {
    EXPECT_FALSE(is_error(std::uint8_t{0x00}));
    EXPECT_FALSE(is_error(std::uint8_t{0x7F}));
    EXPECT_TRUE(is_error(std::uint8_t{0x80}));
    EXPECT_TRUE(is_error(ReasonCode::session_taken_over));
    EXPECT_FALSE(is_error(ReasonCode::no_matching_subscribers));
}

TEST(Mqtt5ReasonCode, Names_ShortAndPerPacketForZero) {
    EXPECT_STREQ(reason_code_name(0x8E, PacketType::disconnect), "session taken over");
    EXPECT_STREQ(reason_code_name(0x97, PacketType::puback), "quota exceeded");
    EXPECT_STREQ(reason_code_name(0x00, PacketType::connack), "success");
    EXPECT_STREQ(reason_code_name(0x00, PacketType::disconnect), "normal disconnection");
    EXPECT_STREQ(reason_code_name(0x00, PacketType::suback), "granted QoS 0");
    EXPECT_STREQ(reason_code_name(0x03, PacketType::suback), "unknown reason code");
    EXPECT_STREQ(reason_code_name(0x01, PacketType::suback), "granted QoS 1");  // second row
    EXPECT_STREQ(reason_code_name(0xA2, PacketType::suback), "wildcard subscriptions not supported");  // last row
    for (const SpecRow& row : reason_table()) EXPECT_STRNE(reason_code_name(row.id, PacketType::connack), "unknown reason code");
}

TEST(Mqtt5ReasonCode, Errc_MapsEachFamily) {
    for (unsigned code = 0; code < 0x80; ++code)
        EXPECT_EQ(errc_for_reason_code(static_cast<std::uint8_t>(code), PacketType::puback), Errc::ok) << code;
    EXPECT_EQ(errc_for_reason_code(0x87, PacketType::puback), Errc::auth_failed);
    EXPECT_EQ(errc_for_reason_code(0x86, PacketType::connack), Errc::auth_failed);
    EXPECT_EQ(errc_for_reason_code(0x97, PacketType::puback), Errc::limit_exceeded);  // quota exceeded
    EXPECT_EQ(errc_for_reason_code(0x96, PacketType::disconnect), Errc::limit_exceeded);  // message rate too high
    EXPECT_EQ(errc_for_reason_code(0x9F, PacketType::connack), Errc::limit_exceeded);  // connection rate exceeded
    EXPECT_EQ(errc_for_reason_code(0x8E, PacketType::disconnect), Errc::closed);  // session taken over
    EXPECT_EQ(errc_for_reason_code(0x9C, PacketType::connack), Errc::unsupported);  // use another server
    EXPECT_EQ(errc_for_reason_code(0x9D, PacketType::disconnect), Errc::unsupported);  // server moved
    EXPECT_EQ(errc_for_reason_code(0x8D, PacketType::disconnect), Errc::timeout);
    EXPECT_EQ(errc_for_reason_code(0x90, PacketType::puback), Errc::invalid_topic);
    EXPECT_EQ(errc_for_reason_code(0x82, PacketType::disconnect), Errc::protocol_error);
    EXPECT_EQ(errc_for_reason_code(0x80, PacketType::disconnect), Errc::server_error);
    EXPECT_EQ(errc_for_reason_code(0x80, PacketType::connack), Errc::connection_refused);  // a refused connection
    EXPECT_EQ(errc_for_reason_code(0x85, PacketType::connack), Errc::connection_refused);
    EXPECT_EQ(errc_for_reason_code(0xFF, PacketType::disconnect), Errc::protocol_error);  // undefined
    for (const SpecRow& row : reason_table())
        if (is_error(row.id)) {
            EXPECT_NE(errc_for_reason_code(row.id, PacketType::disconnect), Errc::ok) << int(row.id);
        }
}
