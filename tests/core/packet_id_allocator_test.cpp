// PacketIdAllocator: MQTT 3.1.1 §2.3.1 (packet identifiers are non-zero 16-bit values, not reused
// while the packet carrying one awaits its acknowledgement).
#include <gtest/gtest.h>

#include <cstdint>
#include <set>

#include "packet_id_allocator.hpp"

using iotlite::mqtt::detail::PacketIdAllocator;

namespace {
const auto none_in_use = [](std::uint16_t) { return false; };
}

TEST(PacketIdAllocator, FreshAllocator_StartsAt1AndCountsUp) {
    PacketIdAllocator ids;
    EXPECT_EQ(ids.allocate(none_in_use), 1);
    EXPECT_EQ(ids.allocate(none_in_use), 2);
    EXPECT_EQ(ids.allocate(none_in_use), 3);
}

TEST(PacketIdAllocator, After65535_WrapsTo1AndNeverGives0) {
    PacketIdAllocator ids;
    std::uint16_t last = 0;
    for (int i = 0; i < 65535; ++i) {
        last = ids.allocate(none_in_use);
        ASSERT_NE(last, 0);
    }
    EXPECT_EQ(last, 65535);
    EXPECT_EQ(ids.allocate(none_in_use), 1);
}

TEST(PacketIdAllocator, IdsAwaitingAcknowledgement_AreSkipped) {
    PacketIdAllocator ids;
    std::set<std::uint16_t> used = {1, 2, 4};
    auto in_use = [&](std::uint16_t id) { return used.count(id) > 0; };
    EXPECT_EQ(ids.allocate(in_use), 3);
    EXPECT_EQ(ids.allocate(in_use), 5);
}

TEST(PacketIdAllocator, EveryIdInUse_Returns0) {
    PacketIdAllocator ids;
    EXPECT_EQ(ids.allocate([](std::uint16_t) { return true; }), 0);
}
