#include "iotlite/sigv4/amz_date.hpp"

#include <string>

namespace iotlite::sigv4 {

namespace {

constexpr std::int64_t kMaxEpoch = 253402300799;  // 9999-12-31T23:59:59Z

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's civil-calendar method).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
    static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

void put_digits(char* out, unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        out[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

// Reads `width` decimal digits at `pos`; false if any is not a digit.
bool read_digits(std::string_view s, std::size_t pos, std::size_t width, unsigned& value) {
    if (pos + width > s.size()) return false;
    value = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        value = value * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return true;
}

Error bad_time(std::string_view text, const char* why) {
    // The time is not a secret, but keep the echo short.
    std::string shown(text.substr(0, 40));
    if (text.size() > 40) shown += "...";
    return make_error(Errc::invalid_argument, "time '" + shown + "' " + why +
                                                  "; expected ISO-8601 UTC such as 2026-01-01T00:00:00Z");
}

}  // namespace

Result<AmzDate> format_amz_date(std::int64_t epoch_seconds) {
    if (epoch_seconds < 0 || epoch_seconds > kMaxEpoch) {
        return make_error(Errc::invalid_argument,
                          "signing time " + std::to_string(epoch_seconds) +
                              " is outside 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z (epoch seconds)");
    }
    const std::int64_t days = epoch_seconds / 86400;
    const auto secs = static_cast<unsigned>(epoch_seconds % 86400);
    std::int64_t y = 0;
    unsigned m = 0, d = 0;
    civil_from_days(days, y, m, d);
    AmzDate out;
    put_digits(out.text, static_cast<unsigned>(y), 4);
    put_digits(out.text + 4, m, 2);
    put_digits(out.text + 6, d, 2);
    out.text[8] = 'T';
    put_digits(out.text + 9, secs / 3600, 2);
    put_digits(out.text + 11, secs / 60 % 60, 2);
    put_digits(out.text + 13, secs % 60, 2);
    out.text[15] = 'Z';
    return out;
}

Result<std::int64_t> parse_iso8601(std::string_view text) {
    unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    const bool basic = text.size() == 16 && text[8] == 'T';  // 20260101T000000Z
    if (basic) {
        if (!read_digits(text, 0, 4, year) || !read_digits(text, 4, 2, month) || !read_digits(text, 6, 2, day) ||
            !read_digits(text, 9, 2, hour) || !read_digits(text, 11, 2, minute) ||
            !read_digits(text, 13, 2, second) || text[15] != 'Z') {
            return bad_time(text, "is malformed");
        }
    } else {
        if (text.size() < 20 || !read_digits(text, 0, 4, year) || text[4] != '-' || !read_digits(text, 5, 2, month) ||
            text[7] != '-' || !read_digits(text, 8, 2, day) || text[10] != 'T' || !read_digits(text, 11, 2, hour) ||
            text[13] != ':' || !read_digits(text, 14, 2, minute) || text[16] != ':' ||
            !read_digits(text, 17, 2, second)) {
            return bad_time(text, "is malformed");
        }
        std::size_t pos = 19;
        if (pos < text.size() && text[pos] == '.') {  // fractional seconds are accepted and truncated
            ++pos;
            const std::size_t digits_start = pos;
            while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
            if (pos == digits_start) return bad_time(text, "has an empty fraction");
        }
        if (pos >= text.size() || text[pos] != 'Z') return bad_time(text, "is not in UTC (must end in 'Z')");
        if (pos + 1 != text.size()) return bad_time(text, "has trailing characters");
    }
    if (year < 1970) return bad_time(text, "is before 1970");
    if (month < 1 || month > 12) return bad_time(text, "has a month outside 01-12");
    if (day < 1 || day > days_in_month(year, month)) return bad_time(text, "has a day that does not exist");
    if (hour > 23 || minute > 59 || second > 59) return bad_time(text, "has a time of day out of range");
    return days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

}  // namespace iotlite::sigv4
