// KeepAlive: MQTT 3.1.1 §3.1.2.10 (the client sends a control packet within every keep-alive
// period; PINGREQ when it has nothing else to send) and the engine's rule that a missing PINGRESP
// is detected within 1.5 x keep-alive.
#include <gtest/gtest.h>

#include "keep_alive.hpp"

using iotlite::mqtt::detail::KeepAlive;
using Action = KeepAlive::Action;

TEST(KeepAlive, QuietConnection_PingreqDueAfterKeepAlive) {
    KeepAlive k(30, 10000);
    k.sent(0);      // CONNECT
    k.received(0);  // CONNACK
    EXPECT_EQ(k.deadline(), 30000u);
    EXPECT_EQ(k.tick(29999), Action::none);
    EXPECT_EQ(k.tick(30000), Action::send_ping);
    EXPECT_TRUE(k.awaiting_pingresp());
    EXPECT_EQ(k.deadline(), 40000u);  // ping_timeout_ms
}

TEST(KeepAlive, NoPingresp_TimedOutAtPingDeadline) {
    KeepAlive k(30, 10000);
    ASSERT_EQ(k.tick(30000), Action::send_ping);
    k.sent(30000);
    EXPECT_EQ(k.tick(39999), Action::none);
    EXPECT_EQ(k.tick(40000), Action::timed_out);
}

TEST(KeepAlive, PingTimeoutAboveHalfKeepAlive_ClampedToHalf) {
    KeepAlive k(30, 60000);
    EXPECT_EQ(k.ping_timeout(), 15000u);
    ASSERT_EQ(k.tick(30000), Action::send_ping);
    // Detected within 1.5 x keep-alive even with a long configured ping timeout.
    EXPECT_EQ(k.tick(44999), Action::none);
    EXPECT_EQ(k.tick(45000), Action::timed_out);
}

TEST(KeepAlive, Pingresp_StopsWaitingAndReschedulesFromTraffic) {
    KeepAlive k(60, 10000);
    ASSERT_EQ(k.tick(60000), Action::send_ping);
    k.sent(60000);
    k.received(61000);  // PINGRESP
    k.stop_waiting();
    EXPECT_FALSE(k.awaiting_pingresp());
    EXPECT_EQ(k.deadline(), 120000u);  // the older of last send (60000) and last receive + 60 s
    EXPECT_EQ(k.tick(100000), Action::none);
}

TEST(KeepAlive, OutboundTrafficOnly_DoesNotDeferPing) {
    KeepAlive k(30, 10000);
    k.received(0);
    for (std::uint64_t t = 1000; t < 30000; t += 1000) k.sent(t);  // publishing, broker silent
    EXPECT_EQ(k.deadline(), 30000u);
    EXPECT_EQ(k.tick(30000), Action::send_ping);
}

TEST(KeepAlive, InboundTrafficOnly_StillPingsWithinKeepAlive) {
    KeepAlive k(30, 10000);
    k.sent(0);
    for (std::uint64_t t = 1000; t < 30000; t += 1000) k.received(t);  // messages arrive, we send nothing
    EXPECT_EQ(k.tick(30000), Action::send_ping);
}
