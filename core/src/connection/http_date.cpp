#include "iotlite/connection/http_date.hpp"

#include <string>

namespace iotlite::connection {

namespace {

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char* kWeekdays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

// One out-of-line builder for every refusal (call sites stay small: this parser is linked into
// the browser module and device images). The header is quoted with at most 40 characters,
// controls and bytes outside ASCII as '?' (it comes from the network); `detail` (may be null) is
// appended to `why`.
[[gnu::noinline]] Error refused(std::string_view text, const char* rule, const char* why, const char* detail,
                                std::uint32_t limit, std::uint32_t actual) {
    std::string m = "HTTP date '";
    for (std::size_t i = 0; i < text.size() && i < 40; ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        m += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    }
    m += text.size() > 40 ? "...': " : "': ";
    m += why;
    if (detail != nullptr) m += detail;
    m += " (IMF-fixdate, RFC 9110 section 5.6.7: 'Sun, 06 Nov 1994 08:49:37 GMT')";
    return make_error(Errc::invalid_argument, std::move(m)).with_rule(rule, limit, actual);
}

// Exactly n ASCII digits at text[at..at+n).
bool digits(std::string_view text, std::size_t at, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        out = out * 10 + (text[i] - '0');
    }
    return true;
}

bool leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {  // month 1..12
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && leap(year) ? 29 : kDays[month - 1];
}

// Days from 1970-01-01 to year-month-day (year >= 1970): whole years, then whole months.
std::int64_t days_since_epoch(int year, int month, int day) {
    const auto y = static_cast<std::int64_t>(year - 1);
    // Leap days in years 1..y minus those in 1..1969 (477).
    std::int64_t days = (static_cast<std::int64_t>(year) - 1970) * 365 + (y / 4 - y / 100 + y / 400) - 477;
    for (int m = 1; m < month; ++m) days += days_in_month(year, m);
    return days + day - 1;
}

}  // namespace

Result<std::int64_t> parse_http_date(std::string_view t) {
    // Layout: "Www, DD Mmm YYYY hh:mm:ss GMT"
    //          0    5  8   12   17 20 23 26
    const bool layout = t.size() == kHttpDateLength && t[3] == ',' && t[4] == ' ' && t[7] == ' ' && t[11] == ' ' &&
                        t[16] == ' ' && t[19] == ':' && t[22] == ':' && t[25] == ' ' && t.substr(26) == "GMT";
    int day = 0, year = 0, hour = 0, minute = 0, second = 0;
    if (!layout || !digits(t, 5, 2, day) || !digits(t, 12, 4, year) || !digits(t, 17, 2, hour) ||
        !digits(t, 20, 2, minute) || !digits(t, 23, 2, second)) {
        return refused(t, "http_date.form", "not the fixed 29-character layout with 2-digit day/time, 4-digit year",
                       nullptr, static_cast<std::uint32_t>(kHttpDateLength),
                       static_cast<std::uint32_t>(t.size() > 0xffffffffu ? 0xffffffffu : t.size()));
    }
    int month = 0;
    for (int i = 0; i < 12; ++i) {
        if (t.substr(8, 3) == kMonths[i]) month = i + 1;
    }
    if (month == 0) {
        return refused(t, "http_date.month", "the month must be one of Jan..Dec (case-sensitive)", nullptr, 12, 0);
    }
    if (year < 1970) {
        return refused(t, "http_date.year", "the year must be 1970..9999 (epoch seconds)", nullptr, 1970,
                       static_cast<std::uint32_t>(year));
    }
    const int month_days = days_in_month(year, month);
    if (day < 1 || day > month_days) {
        static const char* const kLast[] = {"28", "29", "30", "31"};
        return refused(t, "http_date.day", "the day must be 01..", kLast[month_days - 28],
                       static_cast<std::uint32_t>(month_days), static_cast<std::uint32_t>(day));
    }
    if (hour > 23 || minute > 59 || second > 60) {
        return refused(t, "http_date.time", "the time must be 00:00:00..23:59:60", nullptr, 235960,
                       static_cast<std::uint32_t>(hour * 10000 + minute * 100 + second));
    }
    const std::int64_t days = days_since_epoch(year, month, day);
    const char* weekday = kWeekdays[(days + 3) % 7];  // 1970-01-01 was a Thursday
    if (t.substr(0, 3) != weekday) {
        return refused(t, "http_date.weekday", "the day name must be the weekday of the date: ", weekday, 0, 0);
    }
    // :60 (a leap second) lands on the next minute's first second: POSIX time has no leap seconds.
    return days * 86400 + hour * 3600 + minute * 60 + second;
}

}  // namespace iotlite::connection
