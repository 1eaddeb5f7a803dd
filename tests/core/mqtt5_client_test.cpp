// The engine in MQTT 5 mode (Config::protocol_version 5) against a scripted broker with the fake
// clock. Every packet is written out by hand from OASIS MQTT Version 5.0 (chapter 3), one comment
// per field, in both directions: what the client must write, and what a broker sends it.
#include <gtest/gtest.h>

#include "client_harness.hpp"
#include "iotlite/mqtt/properties.hpp"
#include "iotlite/mqtt/topic.hpp"

using namespace iotlite;
using namespace iotlite::mqtt;
using namespace iotlite::mqtt::test;

namespace {

Config v5_config() {
    Config c = base_config();
    c.protocol_version = 5;
    c.max_inbound_packet = 2048;  // sent as Maximum Packet Size 0x00000800
    return c;
}

// CONNACK, session present 0, success, no properties (§3.2.2.3.1: the property length is there).
const Bytes kConnackOk = {0x20, 0x03, 0x00, 0x00, 0x00};

// From idle to connected with `connack` as the broker's answer; returns the CONNECT bytes.
Bytes connect5(Harness& h, const Bytes& connack = kConnackOk) {
    EXPECT_TRUE(h.client->connect(h.now).ok());
    Bytes connect = h.open_attempt();
    h.feed(connack);
    EXPECT_EQ(h.client->state(), State::connected);
    h.take_events();
    return connect;
}

const Event* last_of(Harness& h, Event::Type type) {
    auto all = h.of_type(type);
    return all.empty() ? nullptr : all.back();
}

const std::uint8_t kHi[] = {'h', 'i'};

}  // namespace

// ---- CONNECT / CONNACK ------------------------------------------------------------------------------

TEST(Mqtt5Connect, Properties_WrittenAfterKeepAliveInIdentifierOrder) {
    Config c = v5_config();
    c.session_expiry_s = 3600;
    c.receive_maximum = 20;
    c.topic_alias_maximum = 4;
    c.connect_user_properties = {{"app", "x"}};
    Harness h(c);
    ASSERT_TRUE(h.client->connect(h.now).ok());
    const Bytes expected = {
        0x10, 0x2A,                          // CONNECT, remaining length 42
        0x00, 0x04, 'M', 'Q', 'T', 'T',      // protocol name (§3.1.2.1)
        0x05,                                // protocol version 5 (§3.1.2.2)
        0x02,                                // connect flags: clean start (§3.1.2.4)
        0x00, 0x3C,                          // keep alive 60 (§3.1.2.10)
        0x19,                                // property length 25 (§3.1.2.11.1)
        0x11, 0x00, 0x00, 0x0E, 0x10,        //   session expiry interval 3600 (§3.1.2.11.2)
        0x21, 0x00, 0x14,                    //   receive maximum 20 (§3.1.2.11.3)
        0x22, 0x00, 0x04,                    //   topic alias maximum 4 (§3.1.2.11.5)
        0x26, 0x00, 0x03, 'a', 'p', 'p',     //   user property name "app" (§3.1.2.11.8)
        0x00, 0x01, 'x',                     //     value "x"
        0x27, 0x00, 0x00, 0x08, 0x00,        //   maximum packet size 2048 (§3.1.2.11.4)
        0x00, 0x04, 'd', 'e', 'v', '1',      // client identifier (§3.1.3.1)
    };
    EXPECT_EQ(h.open_attempt(), expected);
}

TEST(Mqtt5Connect, WillMessageExpiryOutsideAwsBounds_RefusedByCreateNamingTheRule) {
    for (std::uint32_t bad : {0u, 604801u}) {
        Config c = v5_config();
        Properties wp;
        wp.set(PropertyId::message_expiry_interval, bad);
        c.will = Will{"w", {'b'}, QoS::at_least_once, false, PropertiesPtr(wp)};
        auto r = Client::create(c);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(std::string(r.error().rule), rules::message_expiry_seconds);
        EXPECT_EQ(r.error().actual, bad);
        EXPECT_EQ(r.error().message, "will: message expiry interval is " + std::to_string(bad) + " s; AWS IoT allows 1 to 604800");
    }
    for (std::uint32_t good : {1u, 604800u}) {
        Config c = v5_config();
        Properties wp;
        wp.set(PropertyId::message_expiry_interval, good);
        c.will = Will{"w", {'b'}, QoS::at_least_once, false, PropertiesPtr(wp)};
        EXPECT_TRUE(Client::create(c).ok()) << good;
    }
}

TEST(Mqtt5Connect, WillWithProperties_WillPropertiesBeforeWillTopic) {
    Config c = v5_config();
    Properties wp;
    wp.set(PropertyId::content_type, "t");
    wp.set(PropertyId::will_delay_interval, 5u);
    c.will = Will{"w", {'b'}, QoS::at_least_once, true, PropertiesPtr(wp)};
    Harness h(c);
    ASSERT_TRUE(h.client->connect(h.now).ok());
    ConnectionTarget t = h.tcp_target();
    t.username = "u";
    t.password = "p";
    h.client->provide_target(t, h.now);
    h.client->on_open(h.now);
    const Bytes expected = {
        0x10, 0x2C,                          // CONNECT, remaining length 44
        0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,  // protocol name, version 5
        0xEE,                                // user name, password, will retain, will QoS 1, will, clean start
        0x00, 0x3C,                          // keep alive 60
        0x05, 0x27, 0x00, 0x00, 0x08, 0x00,  // properties (5): maximum packet size 2048
        0x00, 0x04, 'd', 'e', 'v', '1',      // client identifier
        0x09,                                // will property length 9 (§3.1.3.2.1)
        0x03, 0x00, 0x01, 't',               //   content type "t" (§3.1.3.2.5)
        0x18, 0x00, 0x00, 0x00, 0x05,        //   will delay interval 5 (§3.1.3.2.2)
        0x00, 0x01, 'w',                     // will topic (§3.1.3.3)
        0x00, 0x01, 'b',                     // will payload (§3.1.3.4)
        0x00, 0x01, 'u',                     // user name (§3.1.3.5)
        0x00, 0x01, 'p',                     // password (§3.1.3.6)
    };
    EXPECT_EQ(h.take_output(), expected);
}

TEST(Mqtt5Connect, ConnackProperties_AppliedToTheConnection) {
    Harness h(v5_config());
    const Bytes connack = {
        0x20, 0x1C,                          // CONNACK, remaining length 28
        0x00,                                // acknowledge flags: no session (§3.2.2.1)
        0x00,                                // reason code: success (§3.2.2.2)
        0x19,                                // property length 25
        0x12, 0x00, 0x05, 's', 'r', 'v', '-', '1',  // assigned client identifier "srv-1" (§3.2.2.3.7)
        0x13, 0x00, 0x1E,                    // server keep alive 30 (§3.2.2.3.14)
        0x21, 0x00, 0x02,                    // receive maximum 2 (§3.2.2.3.3)
        0x24, 0x01,                          // maximum QoS 1 (§3.2.2.3.4)
        0x25, 0x00,                          // retain available 0 (§3.2.2.3.5)
        0x27, 0x00, 0x00, 0x00, 0x40,        // maximum packet size 64 (§3.2.2.3.6)
        0x2A, 0x01,                          // shared subscription available 1 (§3.2.2.3.13)
    };
    connect5(h, connack);
    EXPECT_EQ(h.client->assigned_client_id(), "srv-1");
    // Server Keep Alive 30 replaces our 60: the PINGREQ is due 30 s after the last packet.
    EXPECT_EQ(h.client->next_deadline_ms(), h.now + 30000);

    // Retain Available 0: a retained publish is refused by name.
    auto retained = h.client->publish("t", kHi, 2, QoS::at_most_once, true, h.now);
    ASSERT_FALSE(retained.ok());
    EXPECT_EQ(std::string(retained.error().rule), rules::retain_available);

    // Maximum Packet Size 64: a PUBLISH of 65 bytes is refused (1 + 1 + 2+1 topic + 1 props + 59 payload).
    std::vector<std::uint8_t> payload(59, 'x');
    auto big = h.client->publish("t", payload.data(), payload.size(), QoS::at_most_once, false, h.now);
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(std::string(big.error().rule), rules::packet_bytes);
    EXPECT_EQ(big.error().limit, 64u);
    EXPECT_EQ(big.error().actual, 65u);
    EXPECT_TRUE(h.client->publish("t", payload.data(), 58, QoS::at_most_once, false, h.now).ok());  // 64 bytes
    h.take_output();

    // Receive Maximum 2: a third QoS 1 publish waits for a PUBACK although max_inflight is 32.
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.client->publish("t", kHi, 2, QoS::at_least_once, false, h.now).ok());
    EXPECT_EQ(h.client->inflight_size(), 2u);
    EXPECT_EQ(h.client->offline_queue_size(), 1u);
    h.take_output();
    h.feed({0x40, 0x02, 0x00, 0x01});  // PUBACK id 1, remaining length 2: success (§3.4.2.1)
    EXPECT_EQ(h.client->inflight_size(), 2u);
    EXPECT_EQ(h.client->offline_queue_size(), 0u);
}

TEST(Mqtt5Connect, ConnackMaximumQos0_Qos1PublishRefusedQos0Sent) {
    Harness h(v5_config());
    connect5(h, {0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x00});  // CONNACK success, properties: maximum QoS 0
    auto r = h.client->publish("t", kHi, 2, QoS::at_least_once, false, h.now);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::unsupported);
    EXPECT_EQ(std::string(r.error().rule), rules::maximum_qos);
    EXPECT_EQ(r.error().limit, 0u);
    EXPECT_EQ(r.error().actual, 1u);
    EXPECT_TRUE(h.client->publish("t", kHi, 2, QoS::at_most_once, false, h.now).ok());
}

TEST(Mqtt5Connect, QueuedPublishAboveTheNewMaximumPacketSize_FailsWhenSent) {
    Harness h(v5_config());
    ASSERT_TRUE(h.client->connect(h.now).ok());
    std::vector<std::uint8_t> payload(100, 'x');
    auto big = h.client->publish("t", payload.data(), payload.size(), QoS::at_least_once, false, h.now).value();
    auto small = h.client->publish("t", kHi, 2, QoS::at_least_once, false, h.now).value();
    EXPECT_EQ(h.client->offline_queue_size(), 2u);  // offline: no broker limit known yet
    h.open_attempt();
    h.feed({0x20, 0x08, 0x00, 0x00, 0x05, 0x27, 0x00, 0x00, 0x00, 0x40});  // CONNACK, maximum packet size 64
    const Event* f = last_of(h, Event::Type::publish_failed);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->op_id, big);
    EXPECT_EQ(std::string(f->error.rule), rules::packet_bytes);
    EXPECT_EQ(f->error.actual, 108u);  // 1 + 1 + (3 topic + 2 id + 1 props + 100)
    // Only the small one went out: PUBLISH QoS 1, remaining length 8, "t", id 1, no properties, "hi".
    EXPECT_EQ(h.take_output(), (Bytes{0x32, 0x08, 0x00, 0x01, 't', 0x00, 0x01, 0x00, 'h', 'i'}));
    EXPECT_EQ(h.client->inflight_size(), 1u);
    (void)small;
}

TEST(Mqtt5Connect, ConnackNotAuthorized_ReasonCodeAndReasonStringInTheError) {
    Harness h(v5_config());
    ASSERT_TRUE(h.client->connect(h.now).ok());
    h.open_attempt();
    h.feed({
        0x20, 0x0B,                          // CONNACK, remaining length 11
        0x00,                                // acknowledge flags
        0x87,                                // reason code: not authorized
        0x08,                                // property length 8
        0x1F, 0x00, 0x05, 'p', 'o', 'l', 'i', 'y',  // reason string "poliy" (§3.2.2.3.9)
    });
    const Event* e = last_of(h, Event::Type::error);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->error.code, Errc::auth_failed);
    EXPECT_EQ(e->error.mqtt_reason, 0x87);
    EXPECT_EQ(e->error.message, "CONNACK 0x87 not authorized: poliy");
    EXPECT_EQ(h.client->state(), State::backing_off);
    ASSERT_NE(last_of(h, Event::Type::reconnecting), nullptr);
}

TEST(Mqtt5Connect, ConnackQuotaExceeded_BacksOffAtTheMaximumDelay) {
    Harness h(v5_config());
    ASSERT_TRUE(h.client->connect(h.now).ok());
    h.open_attempt();
    h.feed({0x20, 0x03, 0x00, 0x97, 0x00});  // CONNACK: flags 0, 0x97 quota exceeded, no properties
    const Event* r = last_of(h, Event::Type::reconnecting);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->delay_ms, 30000u);  // reconnect.max_delay_ms, not the first jitter window (1..2 s)
    const Event* e = last_of(h, Event::Type::error);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->error.code, Errc::limit_exceeded);  // reason_code.hpp: 0x97 is a throttle
    EXPECT_EQ(e->error.mqtt_reason, 0x97);
}

TEST(Mqtt5Connect, ConnackRepeatedProperty_MalformedAndDisconnect0x81) {
    Harness h(v5_config());
    ASSERT_TRUE(h.client->connect(h.now).ok());
    h.open_attempt();
    h.feed({0x20, 0x09, 0x00, 0x00, 0x06,
            0x21, 0x00, 0x05,    // receive maximum 5
            0x21, 0x00, 0x06});  // receive maximum again: a Protocol Error (§3.2.2.3.3)
    const Event* e = last_of(h, Event::Type::error);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->error.code, Errc::protocol_error);
    EXPECT_EQ(std::string(e->error.rule), rules::property_repeated);
    EXPECT_EQ(e->error.message.rfind("protocol error: ", 0), 0u);
    EXPECT_EQ(h.take_output(), (Bytes{0xE0, 0x01, 0x81}));  // DISCONNECT, remaining length 1, 0x81 malformed packet
}

TEST(Mqtt5Connect, AuthFromTheBroker_RefusedAsProtocolError) {
    Harness h(v5_config());
    connect5(h);
    h.feed({0xF0, 0x00});  // AUTH (type 15), remaining length 0: success (§3.15.2.1)
    const Event* e = last_of(h, Event::Type::disconnected);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->error.code, Errc::protocol_error);
    EXPECT_NE(e->error.message.find("AUTH is not supported"), std::string::npos);
    EXPECT_EQ(h.take_output(), (Bytes{0xE0, 0x01, 0x81}));
}

// ---- PUBLISH / PUBACK ---------------------------------------------------------------------------

TEST(Mqtt5Publish, Properties_WrittenBetweenPacketIdAndPayload) {
    Harness h(v5_config());
    connect5(h);
    Properties p;
    p.set(PropertyId::payload_format_indicator, 1u);
    p.set(PropertyId::message_expiry_interval, 60u);
    p.set(PropertyId::content_type, "json");
    p.set(PropertyId::response_topic, "r/1");
    p.set(PropertyId::correlation_data, std::string_view("\xCA\xFE", 2));
    p.user_properties = {{"k", "v"}};
    ASSERT_TRUE(h.client->publish("t/1", kHi, 2, QoS::at_least_once, false, p, h.now).ok());
    const Bytes expected = {
        0x32, 0x2A,                          // PUBLISH QoS 1, remaining length 42
        0x00, 0x03, 't', '/', '1',           // topic name (§3.3.2.1)
        0x00, 0x01,                          // packet identifier 1 (§3.3.2.2)
        0x20,                                // property length 32 (§3.3.2.3.1)
        0x01, 0x01,                          //   payload format indicator 1: UTF-8 (§3.3.2.3.2)
        0x02, 0x00, 0x00, 0x00, 0x3C,        //   message expiry interval 60 (§3.3.2.3.3)
        0x03, 0x00, 0x04, 'j', 's', 'o', 'n',  // content type "json" (§3.3.2.3.9)
        0x08, 0x00, 0x03, 'r', '/', '1',     //   response topic "r/1" (§3.3.2.3.5)
        0x09, 0x00, 0x02, 0xCA, 0xFE,        //   correlation data CA FE (§3.3.2.3.6)
        0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property k=v (§3.3.2.3.7)
        'h', 'i',                            // payload
    };
    EXPECT_EQ(h.take_output(), expected);
}

TEST(Mqtt5Publish, WithoutProperties_EmptyPropertyBlock) {
    Harness h(v5_config());
    connect5(h);
    ASSERT_TRUE(h.client->publish("t", kHi, 2, QoS::at_most_once, false, h.now).ok());
    // PUBLISH QoS 0, remaining length 6: topic "t", property length 0, payload "hi".
    EXPECT_EQ(h.take_output(), (Bytes{0x30, 0x06, 0x00, 0x01, 't', 0x00, 'h', 'i'}));
}

TEST(Mqtt5Publish, InboundProperties_CarriedByTheMessage) {
    Harness h(v5_config());
    connect5(h);
    h.feed({
        0x30, 0x16,                          // PUBLISH QoS 0, remaining length 22
        0x00, 0x03, 't', '/', '1',           // topic name
        0x0E,                                // property length 14
        0x03, 0x00, 0x04, 'j', 's', 'o', 'n',  // content type "json"
        0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // user property k=v
        'h', 'i',                            // payload
    });
    const Event* m = last_of(h, Event::Type::message);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->message.topic, "t/1");
    ASSERT_NE(m->message.properties, nullptr);
    EXPECT_EQ(m->message.properties->bytes(PropertyId::content_type), "json");
    ASSERT_EQ(m->message.properties->user_properties.size(), 1u);
    EXPECT_EQ(m->message.properties->user_properties[0].name, "k");
    EXPECT_EQ(m->message.properties->user_properties[0].value, "v");
    EXPECT_EQ(m->message.payload, (std::vector<std::uint8_t>{'h', 'i'}));
}

TEST(Mqtt5Publish, InboundWithoutProperties_NoPropertiesObject) {
    Harness h(v5_config());
    connect5(h);
    h.feed({0x32, 0x08, 0x00, 0x01, 'a', 0x00, 0x07, 0x00, 'h', 'i'});  // QoS 1 "a", id 7, no properties
    const Event* m = last_of(h, Event::Type::message);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->message.properties, nullptr);
    EXPECT_EQ(h.take_output(), (Bytes{0x40, 0x02, 0x00, 0x07}));  // PUBACK id 7, success in its short form
}

TEST(Mqtt5Publish, PubackReasonCodes_NoMatchingSubscribersSucceedsErrorsFailTheOp) {
    Harness h(v5_config());
    connect5(h);
    auto a = h.client->publish("t", kHi, 2, QoS::at_least_once, false, h.now).value();
    auto b = h.client->publish("t", kHi, 2, QoS::at_least_once, false, h.now).value();
    h.take_output();
    h.feed({0x40, 0x03, 0x00, 0x01, 0x10});  // PUBACK id 1, 0x10 no matching subscribers (a success, §3.4.2.1)
    h.feed({0x40, 0x0A, 0x00, 0x02,          // PUBACK id 2
            0x87,                            // reason code: not authorized
            0x06, 0x1F, 0x00, 0x03, 'a', 'c', 'l'});  // properties: reason string "acl"
    auto done = h.of_type(Event::Type::published);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0]->op_id, a);
    const Event* f = last_of(h, Event::Type::publish_failed);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->op_id, b);
    EXPECT_EQ(f->error.code, Errc::auth_failed);
    EXPECT_EQ(f->error.mqtt_reason, 0x87);
    EXPECT_EQ(f->error.message, "PUBACK 0x87 not authorized: acl");
}

TEST(Mqtt5Publish, RefusedProperties_NamedRules) {
    Harness h(v5_config());
    connect5(h);
    Properties alias;
    alias.set(PropertyId::topic_alias, 1u);
    EXPECT_EQ(std::string(h.client->publish("t", kHi, 2, QoS::at_most_once, false, alias, h.now).error().rule),
              rules::publish_property);
    Properties expiry;
    expiry.set(PropertyId::message_expiry_interval, 604801u);
    auto r = h.client->publish("t", kHi, 2, QoS::at_most_once, false, expiry, h.now);
    EXPECT_EQ(std::string(r.error().rule), rules::message_expiry_seconds);
    EXPECT_EQ(r.error().limit, 604800u);

    Harness v4;  // the same properties on MQTT 3.1.1
    v4.connect_fully();
    Properties ct;
    ct.set(PropertyId::content_type, "json");
    auto v4r = v4.client->publish("t", kHi, 2, QoS::at_most_once, false, ct, v4.now);
    ASSERT_FALSE(v4r.ok());
    EXPECT_EQ(std::string(v4r.error().rule), rules::mqtt5_only);
}

// ---- topic aliases ---------------------------------------------------------------------------------

TEST(Mqtt5TopicAlias, Outbound_SecondPublishSendsOnlyTheAliasAndReconnectResetsIt) {
    Harness h(v5_config());
    const Bytes connack_aliases = {0x20, 0x06, 0x00, 0x00, 0x03, 0x22, 0x00, 0x02};  // topic alias maximum 2
    connect5(h, connack_aliases);
    ASSERT_TRUE(h.client->publish("a/b", kHi, 2, QoS::at_most_once, false, h.now).ok());
    ASSERT_TRUE(h.client->publish("a/b", kHi, 2, QoS::at_most_once, false, h.now).ok());
    const Bytes expected = {
        0x30, 0x0B, 0x00, 0x03, 'a', '/', 'b',  // PUBLISH QoS 0, remaining length 11, topic "a/b"
        0x03, 0x23, 0x00, 0x01,              // properties (3): topic alias 1 (§3.3.2.3.4)
        'h', 'i',
        0x30, 0x08, 0x00, 0x00,              // PUBLISH, remaining length 8, empty topic name
        0x03, 0x23, 0x00, 0x01,              // topic alias 1
        'h', 'i',
    };
    EXPECT_EQ(h.take_output(), expected);

    h.client->on_closed(Error(Errc::closed, "gone"), h.now);
    h.advance_to(h.client->next_deadline_ms());
    h.open_attempt();
    h.feed(connack_aliases);
    ASSERT_TRUE(h.client->publish("a/b", kHi, 2, QoS::at_most_once, false, h.now).ok());
    EXPECT_EQ(h.take_output(), (Bytes{0x30, 0x0B, 0x00, 0x03, 'a', '/', 'b', 0x03, 0x23, 0x00, 0x01, 'h', 'i'}));
}

TEST(Mqtt5TopicAlias, Outbound_NeverAboveAwsMaximumOf8) {
    Harness h(v5_config());
    connect5(h, {0x20, 0x06, 0x00, 0x00, 0x03, 0x22, 0x00, 0x64});  // the broker allows 100 aliases
    for (int i = 0; i < 9; ++i) {
        std::string topic = "t" + std::to_string(i);
        ASSERT_TRUE(h.client->publish(topic, kHi, 2, QoS::at_most_once, false, h.now).ok());
    }
    Bytes out = h.take_output();
    // Each packet: 30 0A 00 02 't' d 03 23 00 NN 'h' 'i' (12 bytes); the 9th reuses slot 1.
    ASSERT_EQ(out.size(), 9u * 12u);
    for (int i = 0; i < 9; ++i) EXPECT_EQ(out[12 * i + 9], i < 8 ? i + 1 : 1) << i;
}

TEST(Mqtt5TopicAlias, Inbound_ResolvedThenUnknownAliasIsDisconnect0x94) {
    Config c = v5_config();
    c.topic_alias_maximum = 2;
    Harness h(c);
    connect5(h);
    h.feed({0x30, 0x0B, 0x00, 0x03, 'x', '/', 'y', 0x03, 0x23, 0x00, 0x02, 'h', 'i'});  // "x/y", alias 2
    h.feed({0x30, 0x08, 0x00, 0x00, 0x03, 0x23, 0x00, 0x02, 'h', 'o'});            // "", alias 2
    auto msgs = h.of_type(Event::Type::message);
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_EQ(msgs[1]->message.topic, "x/y");
    EXPECT_EQ(msgs[1]->message.properties, nullptr);  // the alias is the engine's, not a property the app sees

    h.feed({0x30, 0x08, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01, 'h', 'o'});  // alias 1 was never set
    const Event* d = last_of(h, Event::Type::disconnected);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->error.code, Errc::protocol_error);
    EXPECT_EQ(h.take_output(), (Bytes{0xE0, 0x01, 0x94}));  // DISCONNECT 0x94 topic alias invalid
}

TEST(Mqtt5TopicAlias, Inbound_AboveOurMaximumIsDisconnect0x94) {
    Harness h(v5_config());  // topic_alias_maximum 0: no alias accepted
    connect5(h);
    h.feed({0x30, 0x0B, 0x00, 0x03, 'x', '/', 'y', 0x03, 0x23, 0x00, 0x01, 'h', 'i'});
    EXPECT_EQ(h.take_output(), (Bytes{0xE0, 0x01, 0x94}));
    EXPECT_EQ(h.client->state(), State::backing_off);
}

TEST(Mqtt5Limits, InboundAboveOurMaximumPacketSize_Disconnect0x95) {
    Harness h(v5_config());  // Maximum Packet Size 2048
    connect5(h);
    Bytes big = {0x30, 0x80, 0x10};  // PUBLISH, remaining length 2048 (0x80 0x10): 2051 bytes in all
    h.feed(big);
    EXPECT_EQ(h.take_output(), (Bytes{0xE0, 0x01, 0x95}));  // DISCONNECT 0x95 packet too large
    const Event* d = last_of(h, Event::Type::disconnected);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->error.code, Errc::protocol_error);
}

// ---- SUBSCRIBE / UNSUBSCRIBE --------------------------------------------------------------------

TEST(Mqtt5Subscribe, OptionsByteAndSubackReasonCodes) {
    Harness h(v5_config());
    connect5(h);
    TopicFilter a{"a/+", QoS::at_least_once};
    a.no_local = true;
    a.retain_as_published = true;
    a.retain_handling = 2;
    auto op = h.client->subscribe({a, TopicFilter{"b", QoS::at_most_once}}, h.now).value();
    const Bytes expected = {
        0x82, 0x0D,                          // SUBSCRIBE, remaining length 13
        0x00, 0x01,                          // packet identifier 1
        0x00,                                // property length 0 (§3.8.2.1)
        0x00, 0x03, 'a', '/', '+',           // topic filter
        0x2D,                                // options: retain handling 2, RAP, no local, QoS 1 (§3.8.3.1)
        0x00, 0x01, 'b',                     // topic filter
        0x00,                                // options: QoS 0
    };
    EXPECT_EQ(h.take_output(), expected);
    h.feed({0x90, 0x0A, 0x00, 0x01,          // SUBACK id 1, remaining length 10
            0x05, 0x1F, 0x00, 0x02, 'n', 'o',  // properties: reason string "no"
            0x01,                            // a/+: granted QoS 1
            0x87});                          // b: not authorized
    const Event* s = last_of(h, Event::Type::subscribed);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->op_id, op);
    ASSERT_EQ(s->granted.size(), 2u);
    EXPECT_EQ(static_cast<int>(s->granted[0]), 0x01);
    EXPECT_EQ(static_cast<int>(s->granted[1]), 0x87);
    EXPECT_EQ(s->error.mqtt_reason, 0x87);
    EXPECT_EQ(s->error.code, Errc::auth_failed);
    EXPECT_EQ(s->error.message, "SUBACK 0x87 not authorized: no");
}

TEST(Mqtt5Subscribe, OptionsRefused_On311AndOutOfRange) {
    Harness v4;
    v4.connect_fully();
    TopicFilter f{"a", QoS::at_most_once};
    f.no_local = true;
    EXPECT_EQ(std::string(v4.client->subscribe({f}, v4.now).error().rule), rules::mqtt5_only);

    Harness h(v5_config());
    connect5(h);
    TopicFilter rh{"a", QoS::at_most_once};
    rh.retain_handling = 3;
    auto r = h.client->subscribe({rh}, h.now);
    EXPECT_EQ(std::string(r.error().rule), rules::subscribe_options);
    EXPECT_EQ(r.error().limit, 2u);
    TopicFilter shared{"$share/g/a", QoS::at_most_once};
    shared.no_local = true;
    EXPECT_EQ(std::string(h.client->subscribe({shared}, h.now).error().rule), rules::subscribe_options);
}

TEST(Mqtt5Unsubscribe, EmptyPropertiesAndUnsubackReasonCodes) {
    Harness h(v5_config());
    connect5(h);
    h.client->subscribe({TopicFilter{"a/+", QoS::at_most_once}}, h.now);
    h.feed({0x90, 0x04, 0x00, 0x01, 0x00, 0x00});  // SUBACK id 1, no properties, granted QoS 0
    h.take_output();
    auto ok = h.client->unsubscribe({"a/+"}, h.now).value();
    EXPECT_EQ(h.take_output(), (Bytes{0xA2, 0x08, 0x00, 0x02,  // UNSUBSCRIBE, remaining length 8, id 2
                                      0x00,                    // property length 0 (§3.10.2.1)
                                      0x00, 0x03, 'a', '/', '+'}));
    h.feed({0xB0, 0x04, 0x00, 0x02, 0x00, 0x11});  // UNSUBACK id 2, no properties, 0x11 no subscription existed
    const Event* u = last_of(h, Event::Type::unsubscribed);
    ASSERT_NE(u, nullptr);
    EXPECT_EQ(u->op_id, ok);
    EXPECT_EQ(u->error.mqtt_reason, 0);  // 0x11 is a success

    auto refused = h.client->unsubscribe({"c"}, h.now).value();
    h.feed({0xB0, 0x04, 0x00, 0x03, 0x00, 0x87});  // UNSUBACK id 3: not authorized
    u = last_of(h, Event::Type::unsubscribed);
    EXPECT_EQ(u->op_id, refused);
    EXPECT_EQ(u->error.mqtt_reason, 0x87);
    EXPECT_EQ(u->error.message, "UNSUBACK 0x87 not authorized");
}

// ---- DISCONNECT from the broker -------------------------------------------------------------------

TEST(Mqtt5Disconnect, SessionTakenOver_ClosesWithoutReconnecting) {
    Harness h(v5_config());
    connect5(h);
    h.feed({0xE0, 0x08,                      // DISCONNECT, remaining length 8
            0x8E,                            // reason code: session taken over (§3.14.2.1)
            0x06, 0x1F, 0x00, 0x03, 'b', 'y', 'e'});  // properties: reason string "bye"
    EXPECT_EQ(h.client->state(), State::closed);
    const Event* d = last_of(h, Event::Type::disconnected);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->error.code, Errc::closed);
    EXPECT_EQ(d->error.mqtt_reason, 0x8E);
    EXPECT_EQ(d->error.message, "DISCONNECT 0x8E session taken over: bye");
    EXPECT_TRUE(h.of_type(Event::Type::reconnecting).empty());
    EXPECT_EQ(h.client->next_deadline_ms(), UINT64_MAX);
}

TEST(Mqtt5Disconnect, ServerBusy_BacksOffAtTheMaximumDelay) {
    Harness h(v5_config());
    connect5(h);
    h.feed({0xE0, 0x01, 0x89});  // DISCONNECT, remaining length 1: 0x89 server busy, no properties
    const Event* r = last_of(h, Event::Type::reconnecting);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->delay_ms, 30000u);
    EXPECT_EQ(last_of(h, Event::Type::disconnected)->error.mqtt_reason, 0x89);
}

TEST(Mqtt5Disconnect, ShortFormNormalDisconnection_UsualReconnect) {
    Harness h(v5_config());
    connect5(h);
    h.feed({0xE0, 0x00});  // DISCONNECT, remaining length 0: 0x00 normal disconnection (§3.14.2.1)
    const Event* d = last_of(h, Event::Type::disconnected);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->error.code, Errc::closed);
    EXPECT_EQ(d->error.message, "DISCONNECT 0x00 normal disconnection");
    const Event* r = last_of(h, Event::Type::reconnecting);
    ASSERT_NE(r, nullptr);
    EXPECT_LE(r->delay_ms, 2000u);  // the first jitter window: 1..2 s
}

TEST(Mqtt5Disconnect, ClientDisconnect_ShortFormNormalDisconnection) {
    Harness h(v5_config());
    connect5(h);
    h.client->disconnect(h.now);
    EXPECT_EQ(h.take_output(), (Bytes{0xE0, 0x00}));  // remaining length 0: 0x00, no properties
}

// ---- session ---------------------------------------------------------------------------------------

TEST(Mqtt5Session, ResumedSession_InflightQos1ResentWithDupAndSameId) {
    Config c = v5_config();
    c.clean_session = false;
    c.session_expiry_s = 3600;
    Harness h(c);
    Bytes connect = connect5(h);
    EXPECT_EQ(connect[9], 0x00);  // connect flags: Clean Start 0
    ASSERT_TRUE(h.client->publish("t", kHi, 2, QoS::at_least_once, false, h.now).ok());
    h.take_output();
    h.client->on_closed(Error(Errc::closed, "gone"), h.now);
    h.advance_to(h.client->next_deadline_ms());
    h.open_attempt();
    h.feed({0x20, 0x03, 0x01, 0x00, 0x00});  // CONNACK: session present, success
    ASSERT_EQ(h.client->state(), State::connected);
    EXPECT_TRUE(last_of(h, Event::Type::connected)->session_present);
    // PUBLISH DUP + QoS 1, remaining length 8: topic "t", id 1, property length 0, "hi".
    EXPECT_EQ(h.take_output(), (Bytes{0x3A, 0x08, 0x00, 0x01, 't', 0x00, 0x01, 0x00, 'h', 'i'}));
}

TEST(Mqtt5Session, ResumedWithSmallerReceiveMaximum_ResendsOnlyThatManyThenOnePerPuback) {
    Config c = v5_config();
    c.clean_session = false;
    c.session_expiry_s = 3600;
    Harness h(c);
    connect5(h);  // no Receive Maximum: 65535, the window is max_inflight (32)
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.client->publish("t", kHi, 2, QoS::at_least_once, false, h.now).ok());
    h.take_output();
    h.client->on_closed(Error(Errc::closed, "gone"), h.now);
    h.advance_to(h.client->next_deadline_ms());
    h.open_attempt();
    h.feed({0x20, 0x06, 0x01, 0x00, 0x03, 0x21, 0x00, 0x02});  // CONNACK: session present, receive maximum 2
    // DUP PUBLISH QoS 1 ids 1 and 2 (remaining length 8: "t", id, property length 0, "hi"), not id 3.
    EXPECT_EQ(h.take_output(), (Bytes{0x3A, 0x08, 0x00, 0x01, 't', 0x00, 0x01, 0x00, 'h', 'i',
                                      0x3A, 0x08, 0x00, 0x01, 't', 0x00, 0x02, 0x00, 'h', 'i'}));
    h.feed({0x40, 0x02, 0x00, 0x01});  // PUBACK id 1: id 3 may go now
    EXPECT_EQ(h.take_output(), (Bytes{0x3A, 0x08, 0x00, 0x01, 't', 0x00, 0x03, 0x00, 'h', 'i'}));
    EXPECT_EQ(h.client->inflight_size(), 2u);
}

// ---- configuration ---------------------------------------------------------------------------------

TEST(Mqtt5Config, Bounds_RefusedWithNamedRules) {
    Config c = v5_config();
    c.session_expiry_s = 604801;
    auto r = Client::create(c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(std::string(r.error().rule), rules::session_expiry_seconds);
    EXPECT_EQ(r.error().limit, 604800u);
    EXPECT_EQ(r.error().actual, 604801u);
    c.session_expiry_s = 604800;
    EXPECT_TRUE(Client::create(c).ok());

    Config v4 = base_config();
    v4.session_expiry_s = 60;
    EXPECT_EQ(std::string(Client::create(v4).error().rule), rules::mqtt5_only);

    Config v3 = base_config();
    v3.protocol_version = 3;
    EXPECT_EQ(std::string(Client::create(v3).error().rule), rules::protocol_version);

    Config bad_up = v5_config();
    bad_up.connect_user_properties = {{"k", std::string("\0", 1)}};  // U+0000 is not MQTT UTF-8
    EXPECT_EQ(std::string(Client::create(bad_up).error().rule), rules::property_utf8);
}
