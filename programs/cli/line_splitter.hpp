// pub -l: splits stdin into messages, one per line, as mosquitto_pub -l does: the '\n' is
// removed (nothing else: a '\r' stays), an empty line is an empty message, and a last line
// without '\n' is a message at end of input. A line is bounded: one longer than max_line_bytes
// (AWS IoT's payload limit) is an error naming its number and the limit, found as soon as the
// bytes exceed it (never "buffer everything, then check").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iotlite/result.hpp"

namespace iotlite::cli {

class LineSplitter {
public:
    explicit LineSplitter(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

    // Feeds bytes; complete lines are appended to `lines`. Error (limit_exceeded): the current
    // line grew over the bound; the splitter then stays failed.
    Result<void> feed(std::string_view bytes, std::vector<std::string>& lines);
    // End of input: a pending partial line becomes the last message.
    void finish(std::vector<std::string>& lines);

    std::uint64_t lines_seen() const { return line_number_; }

private:
    Error too_long() const;
    std::size_t max_line_bytes_;
    std::string pending_;
    std::uint64_t line_number_ = 0;  // complete lines so far
    bool failed_ = false;
};

}  // namespace iotlite::cli
