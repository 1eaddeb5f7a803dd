// OutputBuffer: the bytes for the transport, consumed by the driver in any chunks.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "output_buffer.hpp"

using iotlite::mqtt::detail::ByteBuffer;
using iotlite::mqtt::detail::OutputBuffer;

namespace {
void append(ByteBuffer& buffer, const std::vector<std::uint8_t>& bytes) {
    std::memcpy(buffer.grow(bytes.size()), bytes.data(), bytes.size());
}
std::vector<std::uint8_t> contents(ByteBuffer& buffer) {
    return std::vector<std::uint8_t>(buffer.data(), buffer.data() + buffer.size());
}
}  // namespace

TEST(ByteBuffer, ManyGrows_KeepEveryByteInOrder) {
    ByteBuffer buffer;
    std::vector<std::uint8_t> expected;
    for (unsigned i = 0; i < 300; ++i) {
        std::vector<std::uint8_t> chunk(i % 7 + 1, static_cast<std::uint8_t>(i));
        append(buffer, chunk);
        expected.insert(expected.end(), chunk.begin(), chunk.end());
    }
    EXPECT_EQ(contents(buffer), expected);
    buffer.shrink(3);
    append(buffer, {0xEE});
    EXPECT_EQ(contents(buffer), (std::vector<std::uint8_t>{0, 1, 1, 0xEE}));
}

TEST(OutputBuffer, PartialConsume_LeavesTheRestInOrder) {
    OutputBuffer out;
    append(out.sink(), {1, 2, 3, 4, 5});
    out.consume(2);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(std::vector<std::uint8_t>(out.data(), out.data() + out.size()), (std::vector<std::uint8_t>{3, 4, 5}));
    out.consume(100);  // more than there is: clamped
    EXPECT_EQ(out.size(), 0u);
}

TEST(OutputBuffer, LargeConsumedPrefix_IsDroppedWithoutLosingUnsent) {
    OutputBuffer out;
    append(out.sink(), std::vector<std::uint8_t>(5000, 0xAA));
    append(out.sink(), {0x01});
    out.consume(4999);  // >= 4 KB consumed: compacted
    EXPECT_EQ(out.sink().size(), 2u);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out.data()[1], 0x01);
}

TEST(OutputBuffer, DropConsumed_KeepsUnsentForTheDriver) {
    OutputBuffer out;
    append(out.sink(), {0x30, 0x00, 0xE0, 0x00});
    out.consume(2);
    out.drop_consumed();
    EXPECT_EQ(contents(out.sink()), (std::vector<std::uint8_t>{0xE0, 0x00}));
    EXPECT_EQ(out.size(), 2u);
}
