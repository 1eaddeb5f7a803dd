#include "json_scan.hpp"

#include "../json/reader.hpp"

namespace iotlite::connection::json {

using iotlite::json::detail::read_string;
using iotlite::json::detail::refused;

Result<std::vector<Member>> scan_object(std::string_view text, std::size_t max_depth) {
    iotlite::json::detail::Reader<false> reader(text, max_depth);
    std::vector<Member> members;
    if (!reader.document(nullptr, &members)) return reader.error();
    return members;
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

}  // namespace iotlite::connection::json
