// OutputBuffer: the bytes for the transport, consumed by the driver in any chunks.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "output_buffer.hpp"

using iotlite::mqtt::detail::OutputBuffer;

TEST(OutputBuffer, PartialConsume_LeavesTheRestInOrder) {
    OutputBuffer out;
    out.sink() = {1, 2, 3, 4, 5};
    out.consume(2);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(std::vector<std::uint8_t>(out.data(), out.data() + out.size()), (std::vector<std::uint8_t>{3, 4, 5}));
    out.consume(100);  // more than there is: clamped
    EXPECT_EQ(out.size(), 0u);
}

TEST(OutputBuffer, LargeConsumedPrefix_IsDroppedWithoutLosingUnsent) {
    OutputBuffer out;
    out.sink().assign(5000, 0xAA);
    out.sink().push_back(0x01);
    out.consume(4999);  // >= 4 KB consumed: compacted
    EXPECT_EQ(out.sink().size(), 2u);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out.data()[1], 0x01);
}

TEST(OutputBuffer, DropConsumed_KeepsUnsentForTheDriver) {
    OutputBuffer out;
    out.sink() = {0x30, 0x00, 0xE0, 0x00};
    out.consume(2);
    out.drop_consumed();
    EXPECT_EQ(out.sink(), (std::vector<std::uint8_t>{0xE0, 0x00}));
    EXPECT_EQ(out.size(), 2u);
}
