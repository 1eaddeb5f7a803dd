// Server bytes on their way into wslay, cut so that every control frame arrives in one piece.
//
// Why: wslay checks a CLOSE frame's reason as UTF-8 one received piece at a time and skips the
// first two bytes of *every* piece (meant for the status code). So where the network happened to
// cut a CLOSE frame decided whether its reason was refused (an invalid byte skipped, or a valid
// multi-byte character split and refused), and with it the error recv() ends with. Control
// frames are at most 125 payload bytes (RFC 6455 section 5.5), so holding one back until it is
// complete costs little; data frames pass through as they come. Headers are held until complete
// so frame boundaries can be followed. When the server's stream ends, everything held is handed
// over as it is (wslay then sees the same last piece however the bytes arrived).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

namespace iotlite::firmware {

class FrameStager {
public:
    void add(const std::uint8_t* data, std::size_t size) { bytes_.append(reinterpret_cast<const char*>(data), size); }

    // The server sends nothing more: what is held may be handed over without waiting.
    void end() { ended_ = true; }

    bool empty() const { return bytes_.empty(); }

    // How many held bytes (at most `limit`) may be handed to wslay now.
    std::size_t ready(std::size_t limit) const {
        limit = std::min(limit, bytes_.size());
        if (ended_) return limit;
        std::uint64_t to_boundary = to_boundary_;
        return walk(limit, to_boundary);
    }

    // Moves the first `n` bytes (n <= ready(n)) out to `out`.
    void take(std::uint8_t* out, std::size_t n) {
        if (!ended_) walk(n, to_boundary_);
        std::memcpy(out, bytes_.data(), n);
        bytes_.erase(0, n);
    }

private:
    static constexpr std::uint64_t kMaxControlPayload = 125;

    // Follows frame boundaries over the first `limit` held bytes, from `to_boundary` (bytes left of
    // the frame being handed over; 0: a header comes next), and returns how far they may go.
    std::size_t walk(std::size_t limit, std::uint64_t& to_boundary) const {
        std::size_t pos = 0;
        while (pos < limit) {
            if (to_boundary > 0) {
                const std::uint64_t step = std::min<std::uint64_t>(to_boundary, limit - pos);
                pos += static_cast<std::size_t>(step);
                to_boundary -= step;
                continue;
            }
            const std::size_t held = bytes_.size() - pos;
            if (held < 2) break;
            const auto b0 = static_cast<std::uint8_t>(bytes_[pos]);
            const auto b1 = static_cast<std::uint8_t>(bytes_[pos + 1]);
            const std::uint8_t length7 = b1 & 0x7f;
            const std::size_t length_bytes = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
            const std::size_t head = 2 + length_bytes + ((b1 & 0x80) != 0 ? 4 : 0);
            if (held < head) break;
            std::uint64_t payload = length7;
            if (length_bytes != 0) {
                payload = 0;
                for (std::size_t i = 0; i < length_bytes; ++i)
                    payload = payload << 8 | static_cast<std::uint8_t>(bytes_[pos + 2 + i]);
            }
            const std::uint64_t total = payload > UINT64_MAX - head ? UINT64_MAX : head + payload;
            // A control frame wslay will accept goes over whole or not yet (one it refuses at its
            // header, with a longer payload, need not wait).
            const bool control = (b0 & 0x08) != 0 && payload <= kMaxControlPayload;
            if (control && (held < total || limit - pos < total)) break;
            to_boundary = total;
        }
        return pos;
    }

    std::string bytes_;
    std::uint64_t to_boundary_ = 0;
    bool ended_ = false;
};

}  // namespace iotlite::firmware
