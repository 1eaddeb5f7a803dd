// Internal: parsing of an HTTP/1.1 response head (status line + headers), shared by the
// WebSocket upgrade and the HTTP client.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iotlite/result.hpp"

namespace iotlite::firmware::detail {

struct HttpHead {
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased

    // First value of a header (name lower-case), or nullptr.
    const std::string* find(std::string_view name) const {
        for (const auto& h : headers)
            if (h.first == name) return &h.second;
        return nullptr;
    }
};

// Position just past "\r\n\r\n", or 0 when the head is not complete yet.
inline std::size_t head_end(std::string_view buf) {
    std::size_t p = buf.find("\r\n\r\n");
    return p == std::string_view::npos ? 0 : p + 4;
}

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

// Parses "HTTP/1.x NNN reason\r\n" + headers (head = bytes up to and including the blank line).
inline Result<HttpHead> parse_head(std::string_view head) {
    HttpHead out;
    std::size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ')
        return make_error(Errc::protocol_error, "malformed HTTP status line");
    int status = 0;
    for (std::size_t i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9') return make_error(Errc::protocol_error, "malformed HTTP status code");
        status = status * 10 + (line[i] - '0');
    }
    out.status = status;
    out.reason = std::string(trim(line.size() > 12 ? line.substr(13) : std::string_view()));
    std::size_t pos = eol + 2;
    while (pos < head.size()) {
        std::size_t end = head.find("\r\n", pos);
        if (end == std::string_view::npos || end == pos) break;
        std::string_view h = head.substr(pos, end - pos);
        std::size_t colon = h.find(':');
        if (colon == std::string_view::npos || colon == 0)
            return make_error(Errc::protocol_error, "malformed HTTP header line");
        out.headers.emplace_back(lower(h.substr(0, colon)), std::string(trim(h.substr(colon + 1))));
        pos = end + 2;
    }
    return out;
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
