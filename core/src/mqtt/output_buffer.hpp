// Internal: bytes the engine has written for the transport and the driver has not consumed yet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "byte_buffer.hpp"

namespace iotlite::mqtt::detail {

class OutputBuffer {
public:
    // Where packet writers (wire.hpp) append.
    ByteBuffer& sink() { return bytes_; }

    const std::uint8_t* data() const { return bytes_.data() + pos_; }
    std::size_t size() const { return bytes_.size() - pos_; }
    // Marks `count` bytes (at most size()) as written to the transport. The consumed prefix is
    // dropped when everything is consumed, or once it reaches 4 KB (amortised moves).
    void consume(std::size_t count);
    // Drops every byte, consumed or not (the connection is gone).
    void clear() {
        bytes_.clear();
        pos_ = 0;
    }
    // Drops the consumed prefix only: the unsent bytes stay for the driver to flush.
    void drop_consumed();

private:
    ByteBuffer bytes_;
    std::size_t pos_ = 0;  // bytes_[0, pos_) are consumed
};

// ---- implementation (inline: see the note in client.cpp on code size) ----

inline void OutputBuffer::consume(std::size_t count) {
    std::size_t left = bytes_.size() - pos_;
    pos_ += count < left ? count : left;
    if (pos_ == bytes_.size())
        clear();
    else if (pos_ >= 4096)
        drop_consumed();
}

inline void OutputBuffer::drop_consumed() {
    std::size_t keep = size();
    if (keep && pos_) std::memmove(bytes_.data(), bytes_.data() + pos_, keep);
    bytes_.shrink(keep);
    pos_ = 0;
}

}  // namespace iotlite::mqtt::detail
