// InflightWindow: QoS 1 publishes awaiting PUBACK (MQTT 3.1.1 §4.3.2), bounded by
// Config::max_inflight, re-sent with DUP=1 after a reconnect (§4.4).
#include <gtest/gtest.h>

#include "inflight_window.hpp"

using namespace iotlite::mqtt;
using detail::InflightWindow;
using detail::OutgoingPublish;

namespace {
OutgoingPublish sent(std::uint32_t op_id, std::uint16_t packet_id) {
    OutgoingPublish p;
    p.op_id = op_id;
    p.packet.topic = "t";
    p.packet.qos = QoS::at_least_once;
    p.packet.packet_id = packet_id;
    return p;
}
}  // namespace

TEST(InflightWindow, AtCapacity_IsFullUntilAPuback) {
    InflightWindow w(2);
    w.add(sent(10, 1));
    EXPECT_FALSE(w.full());
    w.add(sent(11, 2));
    EXPECT_TRUE(w.full());
    std::uint32_t op = 0;
    ASSERT_TRUE(w.acknowledge(2, op));
    EXPECT_EQ(op, 11u);
    EXPECT_FALSE(w.full());
    EXPECT_EQ(w.size(), 1u);
}

TEST(InflightWindow, DuplicateOrUnknownPuback_IsIgnored) {
    InflightWindow w(4);
    w.add(sent(10, 7));
    std::uint32_t op = 0;
    ASSERT_TRUE(w.acknowledge(7, op));
    op = 99;
    EXPECT_FALSE(w.acknowledge(7, op));  // the same PUBACK again
    EXPECT_FALSE(w.acknowledge(8, op));
    EXPECT_EQ(op, 99u);
    EXPECT_EQ(w.size(), 0u);
}

TEST(InflightWindow, PacketIds_InUseUntilAcknowledged) {
    InflightWindow w(4);
    w.add(sent(10, 7));
    EXPECT_TRUE(w.uses(7));
    EXPECT_FALSE(w.uses(8));
    std::uint32_t op = 0;
    w.acknowledge(7, op);
    EXPECT_FALSE(w.uses(7));
}

TEST(InflightWindow, MarkDup_EveryPublishBecomesARedeliveryInOrder) {
    InflightWindow w(4);
    w.add(sent(10, 1));
    w.add(sent(11, 2));
    w.mark_dup();
    std::uint16_t expected_id = 1;
    for (const OutgoingPublish& p : w) {
        EXPECT_TRUE(p.packet.dup);
        EXPECT_EQ(p.packet.packet_id, expected_id++);  // same ids, oldest first
    }
    EXPECT_EQ(expected_id, 3);
}
