// The MQTT engine built with IOTLITE_ERROR_TEXTS 0 (tests/size/texts_out_config.h, the
// configuration of the "texts out" size figures): every error keeps its Errc and its rule /
// limit / actual / CONNACK fields, its message is empty, and every path that used to build a
// sentence still runs without crashing or printing garbage. This executable compiles the
// engine's sources itself with that configuration (tests/core/CMakeLists.txt).
#include <gtest/gtest.h>

#include "client_harness.hpp"
#include "iotlite/mqtt/codec.hpp"
#include "iotlite/mqtt/framer.hpp"
#include "iotlite/mqtt/topic.hpp"

static_assert(IOTLITE_ERROR_TEXTS == 0, "this suite is built with tests/size/texts_out_config.h");

namespace iotlite::mqtt::test {
namespace {

TEST(TextsOut, TopicOverSevenLevels_RuleFieldsKeptMessageEmpty) {
    Harness h;
    h.connect_fully();
    auto r = h.client->publish("a/b/c/d/e/f/g/h/i", nullptr, 0, QoS::at_most_once, false, h.now);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    EXPECT_STREQ(r.error().rule, "topic.levels");
    EXPECT_EQ(r.error().limit, 7u);
    EXPECT_EQ(r.error().actual, 8u);
    EXPECT_EQ(r.error().message, "");
}

TEST(TextsOut, InvalidConfig_CodeAndRuleKeptMessageEmpty) {
    Config c = base_config();
    c.client_id = std::string(129, 'x');
    auto r = Client::create(c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    EXPECT_STREQ(r.error().rule, "client_id.bytes");
    EXPECT_EQ(r.error().limit, 128u);
    EXPECT_EQ(r.error().actual, 129u);
    EXPECT_TRUE(r.error().message.empty());

    c = base_config();
    c.will = Will{"t/#", {}, QoS::at_most_once, false};  // a wildcard in the will topic: prefixed("will: ") path
    auto w = Client::create(c);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().code, Errc::invalid_topic);
    EXPECT_TRUE(w.error().message.empty());
}

TEST(TextsOut, Mqtt5ServerDisconnectAndBadProperty_ReasonAndRuleKeptMessageEmpty) {
    Config c = base_config();
    c.protocol_version = 5;
    Harness h(c);
    ASSERT_TRUE(h.client->connect(h.now).ok());
    h.open_attempt();
    h.feed({0x20, 0x03, 0x00, 0x00, 0x00});  // CONNACK: success, no properties
    ASSERT_EQ(h.client->state(), State::connected);
    h.feed({0xE0, 0x08, 0x8E, 0x06, 0x1F, 0x00, 0x03, 'b', 'y', 'e'});  // DISCONNECT 0x8E, reason string "bye"
    auto gone = h.of_type(Event::Type::disconnected);
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0]->error.code, Errc::closed);
    EXPECT_EQ(gone[0]->error.mqtt_reason, 0x8E);
    EXPECT_TRUE(gone[0]->error.message.empty());
    EXPECT_EQ(h.client->state(), State::closed);

    Harness bad(c);
    ASSERT_TRUE(bad.client->connect(bad.now).ok());
    bad.open_attempt();
    bad.feed({0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x02});  // maximum QoS 2: MQTT 5 allows 0 or 1
    auto errors = bad.of_type(Event::Type::error);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0]->error.code, Errc::protocol_error);
    EXPECT_STREQ(errors[0]->error.rule, "property.value");
    EXPECT_TRUE(errors[0]->error.message.empty());
    EXPECT_EQ(bad.take_output(), (Bytes{0xE0, 0x01, 0x81}));  // DISCONNECT 0x81 malformed packet
}

TEST(TextsOut, ConnackNotAuthorized_ReasonKeptMessageEmpty) {
    Harness h;
    ASSERT_TRUE(h.client->connect(h.now).ok());
    h.open_attempt();
    h.feed(connack(false, 5));
    auto errors = h.of_type(Event::Type::error);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0]->error.code, Errc::auth_failed);
    EXPECT_EQ(errors[0]->error.mqtt_reason, 5);
    EXPECT_TRUE(errors[0]->error.message.empty());
    EXPECT_EQ(h.client->state(), State::backing_off);
}

TEST(TextsOut, MalformedInbound_ProtocolErrorClosesWithEmptyMessage) {
    // Each: a PUBLISH with QoS 2, a reserved packet type, bad SUBSCRIBE flags from the broker, a
    // remaining length longer than 4 bytes, a truncated PUBACK.
    const std::vector<Bytes> bad = {
        {0x34, 0x05, 0x00, 0x01, 't', 0x00, 0x01},
        {0xF0, 0x00},
        {0x80, 0x00},
        {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01},
        {0x40, 0x01, 0x00},
    };
    for (const Bytes& b : bad) {
        Harness h;
        h.connect_fully();
        h.take_events();
        h.feed(b);
        auto gone = h.of_type(Event::Type::disconnected);
        ASSERT_EQ(gone.size(), 1u) << "packet starting 0x" << std::hex << int(b[0]);
        EXPECT_EQ(gone[0]->error.code, Errc::protocol_error);
        EXPECT_TRUE(gone[0]->error.message.empty());
        EXPECT_EQ(h.client->state(), State::backing_off);
    }
}

TEST(TextsOut, IncompleteTarget_StillRefusedAsIncomplete) {
    // The "incomplete target" texts double as flags: with texts out they are "" (not null).
    Harness h;
    ASSERT_TRUE(h.client->connect(h.now).ok());
    ConnectionTarget t;
    t.kind = TransportKind::tcp;  // no host, no port
    h.client->provide_target(t, h.now);
    auto errors = h.of_type(Event::Type::error);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0]->error.code, Errc::invalid_argument);
    EXPECT_TRUE(errors[0]->error.message.empty());
    EXPECT_EQ(h.client->state(), State::backing_off);
}

TEST(TextsOut, PublicCodec_ErrorsKeepCodesWithoutTexts) {
    Framer f(16);
    const std::uint8_t oversize[] = {0x30, 0x7F};
    f.feed(oversize, sizeof oversize);
    auto r = f.next();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::protocol_error);
    EXPECT_TRUE(r.error().message.empty());

    auto topic = validate_topic_filter("a/#/b");
    ASSERT_FALSE(topic.ok());
    EXPECT_EQ(topic.error().code, Errc::invalid_topic);
    EXPECT_TRUE(topic.error().message.empty());
    EXPECT_STREQ(errc_name(topic.error().code), "invalid_topic");
}

TEST(TextsOut, OfflineQueueFull_RejectKeepsCodeWithoutText) {
    Config c = base_config();
    c.offline_queue.max_messages = 1;
    c.offline_queue.policy = QueuePolicy::reject;
    Harness h(c);
    const std::uint8_t p[] = {1};
    ASSERT_TRUE(h.client->publish("t", p, 1, QoS::at_least_once, false, h.now).ok());
    auto r = h.client->publish("t", p, 1, QoS::at_least_once, false, h.now);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::queue_full);
    EXPECT_TRUE(r.error().message.empty());
}

}  // namespace
}  // namespace iotlite::mqtt::test
