// Backoff: the reconnect delays of ReconnectConfig (client.hpp) and the AWS IoT floor of
// 1 CONNECT per second per client id.
#include <gtest/gtest.h>

#include <cstdint>

#include "backoff.hpp"

using iotlite::mqtt::detail::Backoff;

TEST(Backoff, ConfigBelowAwsFloor_EveryDelayIsExactly1000ms) {
    Backoff b(100, 500, 7);  // both bounds below AWS's 1 CONNECT/s: raised to 1000
    EXPECT_EQ(b.floor(), 1000u);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(b.next_delay(), 1000u) << "retry " << i;
}

TEST(Backoff, WindowDoublesPerFailure_SaturatesAtMaxDelay) {
    Backoff b(1000, 30000, 1);
    EXPECT_EQ(b.cap(0), 2000u);
    EXPECT_EQ(b.cap(1), 4000u);
    EXPECT_EQ(b.cap(3), 16000u);
    EXPECT_EQ(b.cap(4), 30000u);   // 32000 capped
    EXPECT_EQ(b.cap(40), 30000u);  // no shift overflow for long outages
    EXPECT_EQ(b.cap(0xFFFFFFF0u), 30000u);
}

TEST(Backoff, ConsecutiveFailures_EachDelayWithinItsWindow) {
    Backoff b(1000, 30000, 42);
    for (std::uint32_t n = 0; n < 30; ++n) {
        std::uint64_t window = n + 1 < 20 ? (1000ull << (n + 1)) : 30000;
        std::uint32_t d = b.next_delay();
        EXPECT_GE(d, 1000u) << "failure " << n;
        EXPECT_LE(d, window < 30000 ? window : 30000) << "failure " << n;
    }
    EXPECT_EQ(b.failures(), 30u);
}

TEST(Backoff, SaturatedWindow_JitterSpreadsOverTheWholeRange) {
    Backoff b(1000, 30000, 3);
    for (int i = 0; i < 10; ++i) b.next_delay();  // window saturated at [1000, 30000]
    int low = 0, high = 0;
    for (int i = 0; i < 200; ++i) {
        std::uint32_t d = b.next_delay();
        low += d < 15500;
        high += d >= 15500;
    }
    // Full jitter: a fixed delay (or a jitter-free doubling) would put all 200 on one side.
    EXPECT_GT(low, 40);
    EXPECT_GT(high, 40);
}

TEST(Backoff, Reset_NextDelayIsInTheFirstWindowAgain) {
    Backoff b(1000, 30000, 5);
    for (int i = 0; i < 10; ++i) b.next_delay();
    b.reset();
    EXPECT_EQ(b.failures(), 0u);
    for (int i = 0; i < 20; ++i) {
        b.reset();
        EXPECT_LE(b.next_delay(), 2000u);
    }
}

TEST(Backoff, SameSeed_SameDelays_OtherSeed_OtherDelays) {
    Backoff a(1000, 30000, 99), b(1000, 30000, 99), c(1000, 30000, 100);
    bool differs = false;
    for (int i = 0; i < 20; ++i) {
        std::uint32_t da = a.next_delay();
        EXPECT_EQ(da, b.next_delay());
        differs |= da != c.next_delay();
    }
    EXPECT_TRUE(differs);
}
