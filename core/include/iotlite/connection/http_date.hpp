// iotlite::connection::parse_http_date — the HTTP `Date` header, for the clock-skew policy.
//
// Accepts exactly the IMF-fixdate form of RFC 9110 section 5.6.7, the form every sender must
// generate (AWS IoT, Cognito and the stand-in do):
//   "Sun, 06 Nov 1994 08:49:37 GMT"
//   day-name "," SP day SP month SP year SP hour ":" minute ":" second SP "GMT"
// with the RFC's exact digits and case-sensitive names, and these checks:
//   - day 01..(days of that month; 29 Feb only in leap years), hour 00..23, minute 00..59;
//   - second 00..60: the RFC's grammar allows 60 (a leap second, "23:59:60"). POSIX time has no
//     leap seconds, so :60 is read as the first second of the next minute;
//   - year 1970..9999: the result is epoch seconds, a server clock before 1970 is a broken header;
//   - the day name must be the weekday of the date (RFC 5322 section 3.3, which IMF-fixdate
//     subsets: "the day-of-week MUST be the day implied by the date").
// The obsolete rfc850 ("Sunday, 06-Nov-94 ...") and asctime ("Sun Nov  6 08:49:37 1994") forms
// are refused, deliberately (RFC 9110 asks recipients to accept them): the only use is a
// clock-skew hint from servers that send IMF-fixdate, and rfc850's two-digit year can only be
// placed with a clock, which the core does not read. A refused header is simply not observed.
#pragma once

#include <cstdint>
#include <string_view>

#include "iotlite/result.hpp"

namespace iotlite::connection {

inline constexpr std::size_t kHttpDateLength = 29;  // "Sun, 06 Nov 1994 08:49:37 GMT"

// Epoch seconds of an IMF-fixdate. Errors: Errc::invalid_argument, with Error::rule one of
//   "http_date.form"     not the IMF-fixdate layout (length 29, separators, digits, "GMT";
//                        limit = 29, actual = the length)
//   "http_date.month"    not one of Jan..Dec
//   "http_date.year"     outside 1970..9999 (limit 1970, actual the year)
//   "http_date.day"      outside 01..days of the month (limit = days of the month)
//   "http_date.time"     hour > 23, minute > 59 or second > 60
//   "http_date.weekday"  not one of Mon..Sun, or not the weekday of the date
// and a message naming the rule.
Result<std::int64_t> parse_http_date(std::string_view text);

}  // namespace iotlite::connection
