// MQTT 3.1.1 codec: packets written by hand from the OASIS spec, field by field, and
// compared with what the encoder emits / decoded into the expected structs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "iotlite/mqtt/codec.hpp"

using namespace iotlite;
using namespace iotlite::mqtt;

namespace {

using Bytes = std::vector<std::uint8_t>;

template <typename P>
Bytes enc(const P& p) {
    Bytes out;
    auto r = encode(p, out);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return out;
}

Packet dec_ok(const Bytes& b) {
    auto r = decode_packet(b.data(), b.size());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : Packet(DisconnectPacket{});
}

Error dec_err(const Bytes& b) {
    auto r = decode_packet(b.data(), b.size());
    EXPECT_FALSE(r.ok());
    return r.ok() ? Error{} : r.error();
}

}  // namespace

TEST(CodecConnect, MinimalCleanSession_EncodesSpecBytes) {
    ConnectPacket c;
    c.client_id = "dev1";
    c.keep_alive_s = 60;
    c.clean_session = true;
    const Bytes expected = {
        0x10,                          // fixed header: CONNECT, flags 0
        0x10,                          // remaining length 16
        0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name
        0x04,                          // protocol level 4 (3.1.1)
        0x02,                          // connect flags: clean session
        0x00, 0x3C,                    // keep alive 60 s
        0x00, 0x04, 'd', 'e', 'v', '1',  // client identifier
    };
    EXPECT_EQ(enc(c), expected);
}

TEST(CodecConnect, WillUserPassword_EncodesSpecBytes) {
    ConnectPacket c;
    c.client_id = "dev1";
    c.keep_alive_s = 300;
    c.clean_session = true;
    c.will = Will{"w/t", {'b', 'y', 'e'}, QoS::at_least_once, true};
    c.username = "u";
    c.password = "pw";
    const Bytes expected = {
        0x10,                             // CONNECT
        0x21,                             // remaining length 33 = 10 + 6 + 5 + 5 + 3 + 4
        0x00, 0x04, 'M', 'Q', 'T', 'T',   // protocol name
        0x04,                             // level
        0xEE,                             // user 0x80 | password 0x40 | will retain 0x20 | will QoS1 0x08 | will 0x04 | clean 0x02
        0x01, 0x2C,                       // keep alive 300 s
        0x00, 0x04, 'd', 'e', 'v', '1',   // client id
        0x00, 0x03, 'w', '/', 't',        // will topic
        0x00, 0x03, 'b', 'y', 'e',        // will message
        0x00, 0x01, 'u',                  // user name
        0x00, 0x02, 'p', 'w',             // password
    };
    EXPECT_EQ(enc(c), expected);
    Packet p = dec_ok(expected);
    auto* d = std::get_if<ConnectPacket>(&p);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->client_id, "dev1");
    EXPECT_EQ(d->keep_alive_s, 300);
    ASSERT_TRUE(d->will.has_value());
    EXPECT_EQ(d->will->topic, "w/t");
    EXPECT_EQ(d->will->qos, QoS::at_least_once);
    EXPECT_TRUE(d->will->retain);
    EXPECT_EQ(d->username.value_or(""), "u");
    EXPECT_EQ(d->password.value_or(""), "pw");
}

TEST(CodecConnect, PersistentSessionNoWill_EncodesZeroFlags) {
    ConnectPacket c;
    c.client_id = "a";
    c.keep_alive_s = 1200;
    c.clean_session = false;
    const Bytes expected = {
        0x10, 0x0D,                        // CONNECT, remaining length 13
        0x00, 0x04, 'M', 'Q', 'T', 'T',    // protocol name
        0x04,                              // level
        0x00,                              // no flags: persistent session
        0x04, 0xB0,                        // keep alive 1200 s
        0x00, 0x01, 'a',                   // client id
    };
    EXPECT_EQ(enc(c), expected);
}

TEST(CodecConnect, PasswordWithoutUser_IsRejected) {
    ConnectPacket c;
    c.client_id = "a";
    c.password = "x";
    Bytes out;
    EXPECT_FALSE(encode(c, out).ok());
    // And on the wire: password flag 0x40 without user flag 0x80.
    const Bytes wire2 = {0x10, 0x10,                          // CONNECT, remaining length 16
                         0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04,  // name, level
                         0x42,                                // password + clean, no user name
                         0x00, 0x3C,                          // keep alive
                         0x00, 0x01, 'a',                     // client id
                         0x00, 0x01, 'x'};                    // password
    EXPECT_EQ(dec_err(wire2).code, Errc::protocol_error);
}

TEST(CodecConnack, AllReturnCodes_DecodeAsSent) {
    for (std::uint8_t code = 0; code <= 5; ++code) {
        const Bytes wire = {0x20,   // CONNACK
                            0x02,   // remaining length 2
                            0x00,   // acknowledge flags: no session present
                            code};  // return code
        Packet p = dec_ok(wire);
        auto* a = std::get_if<ConnackPacket>(&p);
        ASSERT_NE(a, nullptr);
        EXPECT_EQ(a->return_code, code);
        EXPECT_FALSE(a->session_present);
        EXPECT_EQ(enc(*a), wire);
    }
}

TEST(CodecConnack, SessionPresent_DecodesFlag) {
    Packet p = dec_ok({0x20, 0x02, 0x01 /* session present */, 0x00 /* accepted */});
    EXPECT_TRUE(std::get<ConnackPacket>(p).session_present);
}

TEST(CodecConnack, MalformedVariants_AreProtocolErrors) {
    EXPECT_EQ(dec_err({0x20, 0x02, 0x02 /* reserved ack bit */, 0x00}).code, Errc::protocol_error);
    EXPECT_EQ(dec_err({0x20, 0x02, 0x00, 0x06 /* reserved return code */}).code, Errc::protocol_error);
    EXPECT_EQ(dec_err({0x20, 0x02, 0x01 /* session present with refusal */, 0x05}).code, Errc::protocol_error);
    EXPECT_EQ(dec_err({0x21 /* flags must be 0 */, 0x02, 0x00, 0x00}).code, Errc::protocol_error);
    EXPECT_EQ(dec_err({0x20, 0x01 /* too short */, 0x00}).code, Errc::protocol_error);
    EXPECT_EQ(dec_err({0x20, 0x03, 0x00, 0x00, 0x00 /* extra byte */}).code, Errc::protocol_error);
}

TEST(CodecPublish, Qos0Retain_EncodesSpecBytes) {
    PublishPacket p;
    p.topic = "a/b";
    p.payload = {'h', 'i'};
    p.retain = true;
    const Bytes expected = {
        0x31,                        // PUBLISH, DUP 0, QoS 0, RETAIN 1
        0x07,                        // remaining length 7
        0x00, 0x03, 'a', '/', 'b',   // topic name
        'h', 'i',                    // payload (no packet id at QoS 0)
    };
    EXPECT_EQ(enc(p), expected);
    Packet d = dec_ok(expected);
    auto& q = std::get<PublishPacket>(d);
    EXPECT_EQ(q.topic, "a/b");
    EXPECT_TRUE(q.retain);
    EXPECT_EQ(q.qos, QoS::at_most_once);
    EXPECT_EQ(q.payload, p.payload);
}

TEST(CodecPublish, Qos1Dup_EncodesSpecBytes) {
    PublishPacket p;
    p.topic = "t";
    p.qos = QoS::at_least_once;
    p.dup = true;
    p.packet_id = 0x1234;
    p.payload = {0x00, 0xFF};
    const Bytes expected = {
        0x3A,              // PUBLISH, DUP 1 (0x08), QoS 1 (0x02), RETAIN 0
        0x07,              // remaining length 7
        0x00, 0x01, 't',   // topic name
        0x12, 0x34,        // packet identifier
        0x00, 0xFF,        // payload
    };
    EXPECT_EQ(enc(p), expected);
    Packet d = dec_ok(expected);
    auto& q = std::get<PublishPacket>(d);
    EXPECT_TRUE(q.dup);
    EXPECT_EQ(q.packet_id, 0x1234);
}

TEST(CodecPublish, EmptyPayload_RoundTrips) {
    const Bytes wire = {0x30, 0x03, 0x00, 0x01, 'x'};  // PUBLISH QoS 0, topic "x", no payload
    Packet d = dec_ok(wire);
    EXPECT_TRUE(std::get<PublishPacket>(d).payload.empty());
}

TEST(CodecPublish, MalformedVariants_AreProtocolErrors) {
    // QoS 2 from the broker: not supported by AWS or by this client.
    EXPECT_EQ(dec_err({0x34, 0x05, 0x00, 0x01, 't', 0x00, 0x01}).code, Errc::protocol_error);
    // QoS bits 11: reserved.
    EXPECT_EQ(dec_err({0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01}).code, Errc::protocol_error);
    // QoS 1 with packet id 0.
    EXPECT_EQ(dec_err({0x32, 0x05, 0x00, 0x01, 't', 0x00, 0x00}).code, Errc::protocol_error);
    // QoS 1 cut short before the packet id.
    EXPECT_EQ(dec_err({0x32, 0x04, 0x00, 0x01, 't', 0x00}).code, Errc::protocol_error);
    // Topic length says 5, only 1 byte present.
    EXPECT_EQ(dec_err({0x30, 0x03, 0x00, 0x05, 't'}).code, Errc::protocol_error);
    // Invalid UTF-8 topic (lone continuation byte 0x80).
    EXPECT_EQ(dec_err({0x30, 0x03, 0x00, 0x01, 0x80}).code, Errc::protocol_error);
    // Overlong encoding of '/' (C0 AF) is invalid UTF-8.
    EXPECT_EQ(dec_err({0x30, 0x04, 0x00, 0x02, 0xC0, 0xAF}).code, Errc::protocol_error);
    // U+0000 in the topic.
    EXPECT_EQ(dec_err({0x30, 0x04, 0x00, 0x02, 'a', 0x00}).code, Errc::protocol_error);
    // Wildcard in a topic name.
    EXPECT_EQ(dec_err({0x30, 0x03, 0x00, 0x01, '#'}).code, Errc::protocol_error);
    // DUP on QoS 0.
    EXPECT_EQ(dec_err({0x38, 0x03, 0x00, 0x01, 't'}).code, Errc::protocol_error);
}

TEST(CodecPuback, Id_EncodesSpecBytes) {
    const Bytes expected = {0x40,         // PUBACK
                            0x02,         // remaining length 2
                            0xAB, 0xCD};  // packet identifier
    EXPECT_EQ(enc(PubackPacket{0xABCD}), expected);
    EXPECT_EQ(std::get<PubackPacket>(dec_ok(expected)).packet_id, 0xABCD);
    EXPECT_EQ(dec_err({0x41 /* reserved flag set */, 0x02, 0x00, 0x01}).code, Errc::protocol_error);
    EXPECT_EQ(dec_err({0x40, 0x01, 0x00}).code, Errc::protocol_error);
}

TEST(CodecSubscribe, TwoFilters_EncodesSpecBytes) {
    SubscribePacket s{10, {{"a/+", QoS::at_least_once}, {"#", QoS::at_most_once}}};
    const Bytes expected = {
        0x82,                       // SUBSCRIBE, reserved flags 0010
        0x0C,                       // remaining length 12
        0x00, 0x0A,                 // packet identifier 10
        0x00, 0x03, 'a', '/', '+',  // filter 1
        0x01,                       // requested QoS 1
        0x00, 0x01, '#',            // filter 2
        0x00,                       // requested QoS 0
    };
    EXPECT_EQ(enc(s), expected);
    Packet dp = dec_ok(expected);
    auto& d = std::get<SubscribePacket>(dp);
    ASSERT_EQ(d.filters.size(), 2u);
    EXPECT_EQ(d.filters[0].filter, "a/+");
    EXPECT_EQ(d.filters[1].qos, QoS::at_most_once);
    EXPECT_EQ(dec_err({0x80 /* flags must be 0010 */, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x00}).code,
              Errc::protocol_error);
}

TEST(CodecSuback, FailureCode_DecodesPerFilter) {
    const Bytes wire = {0x90,               // SUBACK
                        0x05,               // remaining length 5
                        0x00, 0x0A,         // packet identifier 10
                        0x01,               // filter 1: granted QoS 1
                        0x80,               // filter 2: failure
                        0x00};              // filter 3: granted QoS 0
    auto d = std::get<SubackPacket>(dec_ok(wire));
    EXPECT_EQ(d.packet_id, 10);
    ASSERT_EQ(d.codes.size(), 3u);
    EXPECT_EQ(d.codes[0], SubackCode::granted_qos1);
    EXPECT_EQ(d.codes[1], SubackCode::failure);
    EXPECT_EQ(d.codes[2], SubackCode::granted_qos0);
    EXPECT_EQ(enc(d), wire);
    EXPECT_EQ(dec_err({0x90, 0x03, 0x00, 0x0A, 0x03 /* invalid return code */}).code, Errc::protocol_error);
    EXPECT_EQ(dec_err({0x90, 0x02, 0x00, 0x0A /* no return code */}).code, Errc::protocol_error);
}

TEST(CodecUnsubscribe, OneFilter_EncodesSpecBytes) {
    const Bytes expected = {0xA2,                   // UNSUBSCRIBE, reserved flags 0010
                            0x07,                   // remaining length 7
                            0x00, 0x05,             // packet identifier 5
                            0x00, 0x03, 'x', '/', 'y'};  // filter
    EXPECT_EQ(enc(UnsubscribePacket{5, {"x/y"}}), expected);
    EXPECT_EQ(std::get<UnsubscribePacket>(dec_ok(expected)).filters.at(0), "x/y");
}

TEST(CodecUnsuback, Id_EncodesSpecBytes) {
    const Bytes expected = {0xB0, 0x02, 0x00, 0x05};  // UNSUBACK, length 2, packet id 5
    EXPECT_EQ(enc(UnsubackPacket{5}), expected);
    EXPECT_EQ(std::get<UnsubackPacket>(dec_ok(expected)).packet_id, 5);
}

TEST(CodecPing, ReqRespDisconnect_EncodeTwoBytes) {
    EXPECT_EQ(enc(PingreqPacket{}), (Bytes{0xC0, 0x00}));     // PINGREQ, length 0
    EXPECT_EQ(enc(PingrespPacket{}), (Bytes{0xD0, 0x00}));    // PINGRESP, length 0
    EXPECT_EQ(enc(DisconnectPacket{}), (Bytes{0xE0, 0x00}));  // DISCONNECT, length 0
    EXPECT_TRUE(std::holds_alternative<PingrespPacket>(dec_ok({0xD0, 0x00})));
    EXPECT_EQ(dec_err({0xD0, 0x01, 0x00 /* PINGRESP has no body */}).code, Errc::protocol_error);
    EXPECT_EQ(dec_err({0xD1 /* flags must be 0 */, 0x00}).code, Errc::protocol_error);
}

TEST(CodecRemainingLength, BoundaryValues_UseSpecByteCounts) {
    // §2.2.3 table: 0..127 one byte, 128..16383 two, 16384..2097151 three, ..268435455 four.
    struct Case { std::uint32_t value; Bytes bytes; };
    const Case cases[] = {
        {0, {0x00}},
        {127, {0x7F}},
        {128, {0x80, 0x01}},
        {16383, {0xFF, 0x7F}},
        {16384, {0x80, 0x80, 0x01}},
        {2097151, {0xFF, 0xFF, 0x7F}},
        {2097152, {0x80, 0x80, 0x80, 0x01}},
        {268435455, {0xFF, 0xFF, 0xFF, 0x7F}},
    };
    for (const auto& c : cases) {
        Bytes out;
        encode_remaining_length(c.value, out);
        EXPECT_EQ(out, c.bytes) << c.value;
    }
}

TEST(CodecRemainingLength, FiveBytes_IsProtocolError) {
    Error e = dec_err({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});
    EXPECT_EQ(e.code, Errc::protocol_error);
    EXPECT_NE(e.message.find("remaining length"), std::string::npos) << e.message;
}

TEST(CodecDecode, ReservedAndQos2Types_AreProtocolErrors) {
    EXPECT_EQ(dec_err({0x00, 0x00}).code, Errc::protocol_error);               // type 0 reserved
    EXPECT_EQ(dec_err({0xF0, 0x00}).code, Errc::protocol_error);               // type 15 reserved
    EXPECT_EQ(dec_err({0x50, 0x02, 0x00, 0x01}).code, Errc::protocol_error);   // PUBREC
    EXPECT_EQ(dec_err({0x62, 0x02, 0x00, 0x01}).code, Errc::protocol_error);   // PUBREL
    EXPECT_EQ(dec_err({0x70, 0x02, 0x00, 0x01}).code, Errc::protocol_error);   // PUBCOMP
    EXPECT_EQ(dec_err({0x30}).code, Errc::protocol_error);                     // no length byte
}

TEST(CodecEncode, OversizeField_IsInvalidArgument) {
    PublishPacket p;
    p.topic.assign(65536, 'a');
    Bytes out;
    auto r = encode(p, out);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    SubscribePacket empty{1, {}};
    EXPECT_FALSE(encode(empty, out).ok());
}

// Truncated fields: the engine's fields share one " is truncated (...)" text, the codec-only
// fields keep their own; both read the same.
TEST(CodecDecode, TruncatedFields_NameThePacketAndTheField) {
    EXPECT_EQ(dec_err({0x40, 0x01, 0x00}).message, "PUBACK: packet identifier is truncated (runs past the remaining length)");
    EXPECT_EQ(dec_err({0x82, 0x01, 0x00}).message, "SUBSCRIBE: packet identifier is truncated (runs past the remaining length)");
    EXPECT_EQ(dec_err({0x20, 0x01, 0x00}).message, "CONNACK: variable header is truncated (runs past the remaining length)");
    EXPECT_EQ(dec_err({0x30, 0x03, 0x00, 0x05, 't'}).message,
              "PUBLISH: topic name is truncated (runs past the remaining length)");
    // CONNECT (protocol name, level 4, clean session, keep-alive 60) with a client id cut short.
    EXPECT_EQ(dec_err({0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x05}).message,
              "CONNECT: client identifier is truncated (runs past the remaining length)");
    EXPECT_EQ(dec_err({0xB0, 0x02, 0x00, 0x00}).message, "UNSUBACK: packet identifier is 0");
}
