#include "iotlite/mqtt/framer.hpp"

#include <cstring>

#include "format.hpp"
#include "iotlite/mqtt/codec.hpp"
#include "wire.hpp"

namespace iotlite::mqtt {

using detail::error_fmt;

Framer::Framer(std::size_t max_packet_size) : max_packet_size_(max_packet_size) {}

void Framer::feed(const std::uint8_t* data, std::size_t size) {
    if (error_) return;  // after an error the stream is dead; keep memory bounded
    detail::append_compacting(buffer_, read_pos_, data, size);
}

int Framer::next_frame(std::uint8_t& first_byte, const std::uint8_t*& body, std::size_t& size) {
    if (error_) return -1;
    const std::uint8_t* p = buffer_.data() + read_pos_;
    std::size_t avail = buffer_.size() - read_pos_;
    std::size_t header = 0;
    std::uint32_t length = 0;
    int got = detail::parse_fixed_header(p, avail, header, length);
    if (got < 0) error_ = detail::long_length_error("");
    if (got <= 0) return got;
    std::size_t total = header + length;
    if (total > max_packet_size_) {
        error_ = detail::oversize_error("", total, max_packet_size_);
        return -1;
    }
    if (avail < total) return 0;
    first_byte = p[0];
    body = p + header;
    size = length;
    // Consumed; clear() keeps the storage, so `body` stays valid until the next feed().
    read_pos_ += total;
    if (read_pos_ == buffer_.size()) {
        buffer_.clear();
        read_pos_ = 0;
    }
    return 1;
}

Result<std::optional<Packet>> Framer::next() {
    std::uint8_t first = 0;
    const std::uint8_t* body = nullptr;
    std::size_t size = 0;
    int got = next_frame(first, body, size);
    if (got < 0) return *error_;
    if (got == 0) return std::optional<Packet>();
    auto decoded = decode_body(first, body, size);
    if (!decoded) {
        error_ = decoded.error();
        return *error_;
    }
    return std::optional<Packet>(std::move(decoded).value());
}

void Framer::reset() {
    buffer_.clear();
    read_pos_ = 0;
    error_.reset();
}

}  // namespace iotlite::mqtt
