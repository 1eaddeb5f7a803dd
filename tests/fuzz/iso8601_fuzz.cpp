// libFuzzer target: the time parsers and formatters.
//
//   sigv4::parse_iso8601    "2026-01-01T00:00:00Z", "...:00.123Z", "20260101T000000Z" (CLI --time,
//                           test-suite X-Amz-Date values)
//   sigv4::format_amz_date  epoch seconds -> "20260101T000000Z" (every signature's X-Amz-Date)
//   connection::parse_http_date  the server's "Date:" header (the clock-skew policy)
//
// Input: the whole input is the text given to both parsers; its first 8 bytes (little-endian,
// when present) are also an epoch-seconds value for format_amz_date.
// Properties (a violation traps), besides no crash / UB (UBSan catches any overflow):
//   - an accepted ISO-8601 time lies in 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z and formats
//     back to the same text: the basic form exactly, the extended form once its fraction is
//     dropped; the formatted text parses back to the same time;
//   - format_amz_date accepts exactly 0 .. 253402300799 and its output parses back to the input;
//   - an accepted HTTP date lies in 1970..9999, carries the weekday of its date and, re-written in
//     IMF-fixdate form from its time, gives back the same text (a leap second ":60" excepted: it is
//     read as the next minute's first second) and the same time.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "iotlite/connection/http_date.hpp"
#include "iotlite/sigv4/amz_date.hpp"

namespace sigv4 = iotlite::sigv4;

namespace {

constexpr std::int64_t kMaxEpoch = 253402300799;  // 9999-12-31T23:59:59Z

void check(bool condition) {
    if (!condition) __builtin_trap();
}

// "20260101T000000Z" -> "2026-01-01T00:00:00Z"
std::string extended_form(std::string_view basic) {
    std::string out;
    out.append(basic.substr(0, 4)).append("-").append(basic.substr(4, 2)).append("-").append(basic.substr(6, 2));
    out.append("T").append(basic.substr(9, 2)).append(":").append(basic.substr(11, 2)).append(":");
    out.append(basic.substr(13, 2)).append("Z");
    return out;
}

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") of a time in range, from the AmzDate fields.
std::string http_date_form(std::int64_t epoch, std::string_view basic) {
    static const char* const kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // 1970-01-01: Thursday
    static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const int month = (basic[4] - '0') * 10 + (basic[5] - '0');
    std::string out = kDays[(epoch / 86400) % 7];
    out.append(", ").append(basic.substr(6, 2)).append(" ").append(kMonths[month - 1]).append(" ");
    out.append(basic.substr(0, 4)).append(" ").append(basic.substr(9, 2)).append(":").append(basic.substr(11, 2));
    out.append(":").append(basic.substr(13, 2)).append(" GMT");
    return out;
}

void check_iso8601(std::string_view text) {
    auto parsed = sigv4::parse_iso8601(text);
    if (!parsed) {
        check(parsed.error().code == iotlite::Errc::invalid_argument);
        check(!parsed.error().message.empty());
        return;
    }
    const std::int64_t t = parsed.value();
    check(t >= 0 && t <= kMaxEpoch);
    auto formatted = sigv4::format_amz_date(t);
    check(formatted.ok());
    const std::string_view basic = formatted.value().date_time();
    if (text.size() == 16 && text[8] == 'T') {
        check(basic == text);
    } else {
        // The extended form: the first 19 characters, then the fraction (if any) and the 'Z'.
        const std::string extended = extended_form(basic);
        check(std::string_view(extended).substr(0, 19) == text.substr(0, 19));
        check(text.back() == 'Z');
        auto again = sigv4::parse_iso8601(extended);
        check(again.ok() && again.value() == t);
    }
    auto again = sigv4::parse_iso8601(basic);
    check(again.ok() && again.value() == t);
    check(formatted.value().date() == basic.substr(0, 8));
}

void check_epoch(std::int64_t epoch) {
    auto formatted = sigv4::format_amz_date(epoch);
    check(formatted.ok() == (epoch >= 0 && epoch <= kMaxEpoch));
    if (!formatted) return;
    auto back = sigv4::parse_iso8601(formatted.value().date_time());
    check(back.ok() && back.value() == epoch);
}

void check_http_date(std::string_view text) {
    auto parsed = iotlite::connection::parse_http_date(text);
    if (!parsed) {
        check(parsed.error().code == iotlite::Errc::invalid_argument);
        check(!parsed.error().message.empty() && parsed.error().rule[0] != '\0');
        return;
    }
    const std::int64_t t = parsed.value();
    const bool leap_second = text.substr(23, 2) == "60";
    check(t >= 0 && t <= kMaxEpoch + (leap_second ? 1 : 0));
    if (leap_second) {
        // :60 is one second after :59 of the same minute.
        auto before = iotlite::connection::parse_http_date(std::string(text.substr(0, 23)) + "59 GMT");
        check(before.ok() && before.value() == t - 1);
        return;
    }
    auto formatted = sigv4::format_amz_date(t);
    check(formatted.ok());
    const std::string canonical = http_date_form(t, formatted.value().date_time());
    check(canonical == text);
    auto back = iotlite::connection::parse_http_date(canonical);
    check(back.ok() && back.value() == t);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check_iso8601(text);
    check_http_date(text);
    if (size >= 8) {
        std::uint64_t raw = 0;
        for (int i = 7; i >= 0; --i) raw = (raw << 8) | data[i];
        std::int64_t epoch = 0;
        std::memcpy(&epoch, &raw, sizeof epoch);
        check_epoch(epoch);
        // Also the same value folded into the formatter's range, so the round trip runs often.
        check_epoch(static_cast<std::int64_t>(raw % static_cast<std::uint64_t>(kMaxEpoch + 1)));
    }
    return 0;
}
