// The engine built with IOTLITE_MQTT5 0 (tests/size/mqtt311_only_config.h): a client asking for
// MQTT 5 is refused naming the switch, and MQTT 3.1.1 works byte for byte as always. The expected
// bytes are MQTT 3.1.1's (OASIS §3.1, §3.3, §3.4), written out here.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "iotlite/mqtt/client.hpp"

namespace {

using namespace iotlite;
using namespace iotlite::mqtt;

static_assert(IOTLITE_MQTT5 == 0, "this suite is built with MQTT 5 compiled out");

std::vector<std::uint8_t> drain(Client& c) {
    std::vector<std::uint8_t> out(c.output_data(), c.output_data() + c.output_size());
    c.consume_output(out.size());
    return out;
}

TEST(Mqtt5Out, Create_ProtocolVersion5_UnsupportedNamingTheSwitch) {
    Config config;
    config.client_id = "dev";
    config.protocol_version = 5;
    auto client = Client::create(config);
    ASSERT_FALSE(client.ok());
    EXPECT_EQ(client.error().code, Errc::unsupported);
    EXPECT_NE(client.error().message.find("IOTLITE_MQTT5 0"), std::string::npos) << client.error().message;
}

TEST(Mqtt5Out, Mqtt311_ConnectPublishQos1_SameBytesAsEver) {
    Config config;
    config.client_id = "d";
    config.keep_alive_s = 60;
    auto created = Client::create(config);
    ASSERT_TRUE(created.ok()) << created.error().message;
    Client& c = *created.value();
    ASSERT_TRUE(c.connect(0).ok());
    ConnectionTarget target;
    target.kind = TransportKind::tcp;
    target.host = "127.0.0.1";
    target.port = 1883;
    c.provide_target(target, 0);
    c.on_open(0);
    // CONNECT: "MQTT", level 4, clean session, keep-alive 60, client id "d".
    EXPECT_EQ(drain(c), (std::vector<std::uint8_t>{0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 1, 'd'}));
    const std::uint8_t connack[] = {0x20, 0x02, 0x00, 0x00};
    c.on_bytes(connack, sizeof connack, 1);
    EXPECT_EQ(c.state(), State::connected);

    const std::uint8_t payload[] = {'h', 'i'};
    auto id = c.publish("a/b", payload, sizeof payload, QoS::at_least_once, false, 2);
    ASSERT_TRUE(id.ok()) << id.error().message;
    // PUBLISH QoS 1: topic "a/b", packet id 1, payload "hi" (no property block).
    EXPECT_EQ(drain(c), (std::vector<std::uint8_t>{0x32, 9, 0, 3, 'a', '/', 'b', 0, 1, 'h', 'i'}));
    const std::uint8_t puback[] = {0x40, 0x02, 0x00, 0x01};
    c.on_bytes(puback, sizeof puback, 3);
    Event ev;
    bool published = false;
    while (c.poll_event(ev)) published = published || (ev.type == Event::Type::published && ev.op_id == id.value());
    EXPECT_TRUE(published);
}

}  // namespace
