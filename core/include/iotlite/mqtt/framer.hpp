// Streaming MQTT framer: bytes in any fragmentation in, complete decoded packets out.
//
//   Framer framer(max_packet_size);
//   framer.feed(data, size);
//   for (;;) {
//       auto next = framer.next();
//       if (!next.ok()) { /* protocol error: close the connection */ break; }
//       if (!next.value()) break;  // need more bytes
//       handle(*next.value());
//   }
//
// Errors are sticky: after the first protocol error every next() returns it again until
// reset(). A packet whose total size (fixed header + remaining length) exceeds
// max_packet_size is rejected as soon as its remaining length is known, before its body
// is buffered. A remaining length longer than 4 bytes is rejected after the 4th byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "iotlite/mqtt/packet.hpp"
#include "iotlite/result.hpp"

namespace iotlite::mqtt {

class Framer {
public:
    explicit Framer(std::size_t max_packet_size);

    // Buffers bytes. Never fails; errors are reported by next().
    void feed(const std::uint8_t* data, std::size_t size);
    // A complete packet, std::nullopt when more bytes are needed, or Errc::protocol_error.
    Result<std::optional<Packet>> next();
    // Drops buffered bytes and any error (use on a new connection).
    void reset();

    // Lower level than next(), for callers that parse packet bodies themselves: the next
    // complete packet, not decoded. Returns 1 and sets `first_byte`, `body` and `size`
    // (remaining length; `body` stays valid until the next feed() or reset()), 0 when more
    // bytes are needed, -1 on a framing error (then error() says which; sticky like next()).
    int next_frame(std::uint8_t& first_byte, const std::uint8_t*& body, std::size_t& size);
    // The sticky error, if any.
    const std::optional<Error>& error() const { return error_; }

    std::size_t buffered() const { return buffer_.size() - read_pos_; }
    std::size_t max_packet_size() const { return max_packet_size_; }

private:
    std::vector<std::uint8_t> buffer_;
    std::size_t read_pos_ = 0;
    std::size_t max_packet_size_;
    std::optional<Error> error_;
};

}  // namespace iotlite::mqtt
