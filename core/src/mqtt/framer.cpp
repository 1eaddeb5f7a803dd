#include "iotlite/mqtt/framer.hpp"

#include "format.hpp"
#include "iotlite/mqtt/codec.hpp"

namespace iotlite::mqtt {

using detail::error_of;

Framer::Framer(std::size_t max_packet_size) : max_packet_size_(max_packet_size) {}

void Framer::feed(const std::uint8_t* data, std::size_t size) {
    if (error_ || size == 0) return;  // after an error the stream is dead; keep memory bounded
    // Compact consumed bytes before growing so the buffer holds at most one partial packet
    // plus what the driver just handed us.
    if (read_pos_ > 0 && (read_pos_ == buffer_.size() || read_pos_ >= 4096)) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(read_pos_));
        read_pos_ = 0;
    }
    buffer_.insert(buffer_.end(), data, data + size);
}

Result<std::optional<Packet>> Framer::next() {
    if (error_) return *error_;
    const std::uint8_t* p = buffer_.data() + read_pos_;
    std::size_t avail = buffer_.size() - read_pos_;
    if (avail < 2) return std::optional<Packet>();
    std::uint32_t length = 0;
    std::size_t i = 1;
    for (unsigned shift = 0;; shift += 7) {
        if (i > 4) {
            error_ = make_error(Errc::protocol_error, "malformed remaining length: longer than 4 bytes");
            return *error_;
        }
        if (i >= avail) return std::optional<Packet>();
        std::uint8_t b = p[i++];
        length |= static_cast<std::uint32_t>(b & 0x7F) << shift;
        if (!(b & 0x80)) break;
    }
    std::size_t total = i + length;
    if (total > max_packet_size_) {
        error_ = error_of(Errc::protocol_error, {"inbound packet of ", detail::decimal(total), " bytes exceeds the configured maximum of ", detail::decimal(max_packet_size_)});
        return *error_;
    }
    if (avail < total) return std::optional<Packet>();
    auto decoded = decode_body(p[0], p + i, length);
    read_pos_ += total;
    if (read_pos_ == buffer_.size()) {
        buffer_.clear();
        read_pos_ = 0;
    }
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
