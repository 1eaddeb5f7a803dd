// Internal: small text helpers for HTTP heads, shared by the answer parser and the WebSocket
// upgrade check.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace iotlite::firmware::detail {

inline std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// True if the comma-separated header value contains token (case-insensitive).
inline bool has_token(const std::string& value, std::string_view token) {
    std::string v = lower(value);
    std::string t = lower(token);
    std::size_t pos = 0;
    while (pos <= v.size()) {
        std::size_t comma = v.find(',', pos);
        std::string_view item = trim(std::string_view(v).substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
        if (item == t) return true;
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return false;
}

}  // namespace iotlite::firmware::detail
