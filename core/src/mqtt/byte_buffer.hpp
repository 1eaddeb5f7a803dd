// Internal: a growable byte array for the engine's output and receive buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace iotlite::mqtt::detail {

// What the engine needs of std::vector<uint8_t> and no more: appending uninitialised room and
// shrinking. std::vector's resize alone was ~0.6 KB of wasm (value-initialisation, growth with
// element moves); this grows with malloc + memcpy (emmalloc's realloc
// is larger still). clear() and shrink() keep the storage, so pointers into
// it stay valid until the next grow(). Out of memory aborts, as std::vector does without exceptions.
class ByteBuffer {
public:
    ByteBuffer() = default;
    ByteBuffer(const ByteBuffer&) = delete;
    ByteBuffer& operator=(const ByteBuffer&) = delete;
    ~ByteBuffer() { std::free(data_); }

    std::uint8_t* data() { return data_; }
    const std::uint8_t* data() const { return data_; }
    std::size_t size() const { return size_; }
    void clear() { size_ = 0; }
    // Keeps the first `size` bytes (size <= size()).
    void shrink(std::size_t size) { size_ = size; }
    // Appends `count` bytes left for the caller to write; returns where they start.
    std::uint8_t* grow(std::size_t count);
    // Storage for `capacity` bytes now (the no-heap-after-connect build); the bytes are kept.
    void reserve(std::size_t capacity) {
        std::size_t size = size_;
        if (capacity > size) grow(capacity - size);
        size_ = size;
    }

private:
    std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

// ---- implementation (inline: see the note in client.cpp on code size) ----

inline std::uint8_t* ByteBuffer::grow(std::size_t count) {
    std::size_t need = size_ + count;
    if (need > capacity_) {
        std::size_t capacity = capacity_ * 2 > need ? capacity_ * 2 : need;
        auto* bigger = static_cast<std::uint8_t*>(std::malloc(capacity));
        if (!bigger) std::abort();
        if (size_) std::memcpy(bigger, data_, size_);
        std::free(data_);
        data_ = bigger;
        capacity_ = capacity;
    }
    std::uint8_t* at = data_ + size_;
    size_ = need;
    return at;
}

}  // namespace iotlite::mqtt::detail
