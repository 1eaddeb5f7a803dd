#include "reader.hpp"

namespace iotlite::json::detail {

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

// Four hex digits at t[i..i+4) as a code unit, or -1.
long hex4(std::string_view t, std::size_t i) {
    if (i > t.size() || t.size() - i < 4) return -1;
    long v = 0;
    for (std::size_t k = i; k < i + 4; ++k) {
        const char c = t[k];
        int d = -1;
        if (c >= '0' && c <= '9') d = c - '0';
        if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

}  // namespace

std::uint32_t clamp32(std::size_t n) { return n > 0xffffffffu ? 0xffffffffu : static_cast<std::uint32_t>(n); }

Error refused(const char* rule, const std::string& why, std::size_t at, std::uint32_t limit) {
    return make_error(Errc::protocol_error, "JSON: " + why + " (at byte " + std::to_string(at) + ")")
        .with_rule(rule, limit, clamp32(at));
}

// Length of the well-formed UTF-8 sequence starting at s[i], 0 when there is none.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) return 1;
    std::size_t n = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if ((c & 0xe0) == 0xc0) {
        n = 2, cp = c & 0x1fu, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3, cp = c & 0x0fu, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4, cp = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (s.size() - i < n) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        const auto d = static_cast<unsigned char>(s[i + k]);
        if ((d & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (d & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

// The one string reader of core (see reader.hpp).
bool read_string(std::string_view t, std::size_t& i, std::string* out, Error& error) {
    auto fail = [&](const std::string& why) {
        error = refused("json.string", why, i);
        return false;
    };
    ++i;  // the opening quote
    for (;;) {
        if (i >= t.size()) return fail("unterminated string");
        const auto c = static_cast<unsigned char>(t[i]);
        if (c == '"') {
            ++i;
            return true;
        }
        if (c < 0x20) return fail("a control character in a string must be escaped");
        if (c == '\\') {
            if (i + 1 >= t.size()) return fail("unterminated escape");
            const char e = t[i + 1];
            const char* const simple = "\"\\/bfnrt";
            const char* const meaning = "\"\\/\b\f\n\r\t";
            bool done = false;
            for (int k = 0; simple[k] != '\0'; ++k) {
                if (e == simple[k]) {
                    if (out != nullptr) *out += meaning[k];
                    i += 2;
                    done = true;
                    break;
                }
            }
            if (done) continue;
            if (e != 'u') return fail("unknown escape (RFC 8259 allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
            long unit = hex4(t, i + 2);
            if (unit < 0) return fail("\\u needs four hex digits");
            std::uint32_t cp = static_cast<std::uint32_t>(unit);
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                return fail("a low surrogate without a high one");
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                const long low = (i + 8 <= t.size() && t[i + 6] == '\\' && t[i + 7] == 'u') ? hex4(t, i + 8) : -1;
                if (low < 0xdc00 || low > 0xdfff) {
                    return fail("a high surrogate without a low one");
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (static_cast<std::uint32_t>(low) - 0xdc00);
                i += 6;
            }
            i += 6;
            if (out != nullptr) append_utf8(*out, cp);
            continue;
        }
        // A run of characters that need no decoding, appended at once.
        const std::size_t run = i;
        i = verbatim_run(t, i);
        if (i < t.size() && static_cast<unsigned char>(t[i]) >= 0x80) return fail("invalid UTF-8 in a string");
        if (out != nullptr) out->append(t.data() + run, i - run);
    }
}

std::size_t verbatim_run(std::string_view s, std::size_t i) {
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b >= 0x20 && b < 0x80 && b != '"' && b != '\\') {
            ++i;
            continue;
        }
        const std::size_t n = b >= 0x80 ? utf8_length(s, i) : 0;
        if (n == 0) break;
        i += n;
    }
    return i;
}

bool valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_length(text, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

}  // namespace iotlite::json::detail
