#include "json_scan.hpp"

namespace iotlite::connection::json {

namespace {

std::uint32_t clamp32(std::size_t n) { return n > 0xffffffffu ? 0xffffffffu : static_cast<std::uint32_t>(n); }

Error refused(const char* rule, const std::string& why, std::size_t at, std::uint32_t limit = 0) {
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

// The string token starting at t[i] (a '"'): checks it and leaves i after the closing quote;
// appends the unescaped text to *out when out is not null. The one string reader of this file.
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
        const std::size_t n = utf8_length(t, i);
        if (n == 0) return fail("invalid UTF-8 in a string");
        if (out != nullptr) out->append(t.substr(i, n));
        i += n;
    }
}

class Scanner {
public:
    Scanner(std::string_view text, std::size_t max_depth) : t_(text), max_depth_(max_depth) {}

    Result<std::vector<Member>> run() {
        std::vector<Member> members;
        skip_ws();
        if (i_ >= t_.size() || t_[i_] != '{') {
            syntax("the text must be one JSON object");
            return error_;
        }
        if (!object(1, &members)) return error_;
        skip_ws();
        if (i_ != t_.size()) {
            syntax("text after the object");
            return error_;
        }
        return members;
    }

private:
    bool syntax(const std::string& why) {
        error_ = refused("json.syntax", why, i_);
        return false;
    }
    void skip_ws() {
        while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
    }
    bool digits() {  // one or more
        const std::size_t start = i_;
        while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
        return i_ > start || syntax("a digit is expected");
    }
    bool number() {
        if (t_[i_] == '-') ++i_;
        if (i_ < t_.size() && t_[i_] == '0') {
            ++i_;
        } else if (!digits()) {
            return false;
        }
        if (i_ < t_.size() && t_[i_] == '.') {
            ++i_;
            if (!digits()) return false;
        }
        if (i_ < t_.size() && (t_[i_] == 'e' || t_[i_] == 'E')) {
            ++i_;
            if (i_ < t_.size() && (t_[i_] == '+' || t_[i_] == '-')) ++i_;
            if (!digits()) return false;
        }
        return true;
    }
    bool literal() {
        for (std::string_view word : {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
            if (t_.substr(i_, word.size()) == word) {
                i_ += word.size();
                return true;
            }
        }
        return syntax("unexpected character");
    }
    bool value(std::size_t depth, Kind& kind) {
        skip_ws();
        if (i_ >= t_.size()) return syntax("a value is missing");
        const char c = t_[i_];
        if (c == '{') {
            kind = Kind::object;
            return object(depth + 1, nullptr);
        }
        if (c == '[') {
            kind = Kind::array;
            return array(depth + 1);
        }
        if (c == '"') {
            kind = Kind::string;
            return read_string(t_, i_, nullptr, error_);
        }
        kind = c == '-' || (c >= '0' && c <= '9') ? Kind::number : Kind::literal;
        return kind == Kind::number ? number() : literal();
    }
    bool too_deep(std::size_t depth) {
        if (depth <= max_depth_) return false;
        error_ = refused("json.depth", "nesting deeper than " + std::to_string(max_depth_) + " levels", i_,
                         clamp32(max_depth_));
        return true;
    }
    bool array(std::size_t depth) {
        if (too_deep(depth)) return false;
        ++i_;
        skip_ws();
        if (i_ < t_.size() && t_[i_] == ']') {
            ++i_;
            return true;
        }
        for (;;) {
            Kind kind;
            if (!value(depth, kind)) return false;
            skip_ws();
            if (i_ < t_.size() && t_[i_] == ',') {
                ++i_;
                continue;
            }
            if (i_ < t_.size() && t_[i_] == ']') {
                ++i_;
                return true;
            }
            return syntax("',' or ']' is expected in an array");
        }
    }
    bool object(std::size_t depth, std::vector<Member>* out) {
        if (too_deep(depth)) return false;
        ++i_;
        skip_ws();
        if (i_ < t_.size() && t_[i_] == '}') {
            ++i_;
            return true;
        }
        for (;;) {
            skip_ws();
            if (i_ >= t_.size() || t_[i_] != '"') return syntax("a member name (a string) is expected");
            std::string name;
            if (!read_string(t_, i_, out != nullptr ? &name : nullptr, error_)) return false;
            skip_ws();
            if (i_ >= t_.size() || t_[i_] != ':') return syntax("':' is expected after a member name");
            ++i_;
            skip_ws();
            const std::size_t start = i_;
            Kind kind;
            if (!value(depth, kind)) return false;
            if (out != nullptr) {
                if (out->size() == kMaxMembers) {
                    error_ = refused("json.members", "more than " + std::to_string(kMaxMembers) + " members", start,
                                     static_cast<std::uint32_t>(kMaxMembers));
                    return false;
                }
                if (find(*out, name) != nullptr) {
                    // The name is not quoted: text from the peer may echo what it was sent.
                    error_ = refused("json.duplicate", "a member name appears twice", start);
                    return false;
                }
                out->push_back(Member{std::move(name), kind, t_.substr(start, i_ - start)});
            }
            skip_ws();
            if (i_ < t_.size() && t_[i_] == ',') {
                ++i_;
                continue;
            }
            if (i_ < t_.size() && t_[i_] == '}') {
                ++i_;
                return true;
            }
            return syntax("',' or '}' is expected in an object");
        }
    }

    std::string_view t_;
    std::size_t max_depth_;
    std::size_t i_ = 0;
    Error error_;
};

}  // namespace

Result<std::vector<Member>> scan_object(std::string_view text, std::size_t max_depth) {
    return Scanner(text, max_depth).run();
}

const Member* find(const std::vector<Member>& members, std::string_view name) {
    for (const Member& m : members) {
        if (m.name == name) return &m;
    }
    return nullptr;
}

Result<std::string> string_value(std::string_view raw) {
    if (raw.empty() || raw.front() != '"') return refused("json.string", "not a string", 0);
    std::string out;
    std::size_t i = 0;
    Error error;
    if (!read_string(raw, i, &out, error)) return error;
    if (i != raw.size()) return refused("json.string", "text after the string", i);
    return out;
}

Result<std::int64_t> number_scaled(std::string_view raw, int scale, std::int64_t max) {
    auto bad = [&](const std::string& why) {
        return make_error(Errc::protocol_error, "JSON number '" + printable(raw, 32) + "': " + why)
            .with_rule("json.number", 0, 0);
    };
    std::size_t i = 0;
    const bool negative = i < raw.size() && raw[i] == '-';
    if (negative) ++i;
    std::string significant;  // integer and fraction digits, leading zeros dropped
    std::int64_t fraction_digits = 0;
    auto take_digits = [&](bool fraction) {
        const std::size_t start = i;
        for (; i < raw.size() && raw[i] >= '0' && raw[i] <= '9'; ++i) {
            if (!(significant.empty() && raw[i] == '0')) significant += raw[i];
            if (fraction) ++fraction_digits;
        }
        return i > start;
    };
    if (!take_digits(false)) return bad("not a number");
    if (i < raw.size() && raw[i] == '.') {
        ++i;
        if (!take_digits(true)) return bad("not a number");
    }
    std::int64_t exponent = 0;
    if (i < raw.size() && (raw[i] == 'e' || raw[i] == 'E')) {
        ++i;
        const bool minus = i < raw.size() && raw[i] == '-';
        if (i < raw.size() && (raw[i] == '-' || raw[i] == '+')) ++i;
        const std::size_t start = i;
        for (; i < raw.size() && raw[i] >= '0' && raw[i] <= '9'; ++i) {
            if (exponent < 1000000) exponent = exponent * 10 + (raw[i] - '0');  // saturates: far out either way
        }
        if (i == start) return bad("not a number");
        if (minus) exponent = -exponent;
    }
    if (i != raw.size()) return bad("not a number");
    // value = significant * 10^shift
    std::int64_t shift = exponent - fraction_digits + scale;
    if (significant.empty()) return std::int64_t{0};
    if (shift < 0) {
        if (static_cast<std::uint64_t>(-shift) >= significant.size()) return std::int64_t{0};  // |value| < 1
        significant.resize(significant.size() - static_cast<std::size_t>(-shift));
        shift = 0;
    }
    const std::string beyond = "beyond " + std::to_string(max);
    if (static_cast<std::int64_t>(significant.size()) + shift > 19) return bad(beyond);
    std::uint64_t value = 0;
    for (char c : significant) value = value * 10 + static_cast<std::uint64_t>(c - '0');
    for (std::int64_t k = 0; k < shift; ++k) value *= 10;  // at most 19 digits in all: no overflow
    if (value > static_cast<std::uint64_t>(max)) return bad(beyond);
    const auto magnitude = static_cast<std::int64_t>(value);
    return negative ? -magnitude : magnitude;
}

std::string printable(std::string_view text, std::size_t max) {
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < max; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    }
    if (text.size() > max) out += "...";
    return out;
}

bool valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_length(text, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

}  // namespace iotlite::connection::json
