// ascii.hpp — ASCII case helpers of the connection layer (internal): URL schemes and host names
// are case-insensitive, and are compared or stored lowercased.
#pragma once

#include <cstddef>
#include <string_view>

namespace iotlite::connection::detail {

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// True when `text` starts with `prefix` (given in lowercase), ignoring ASCII case.
inline bool starts_with_ci(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (ascii_lower(text[i]) != prefix[i]) return false;
    }
    return true;
}

}  // namespace iotlite::connection::detail
