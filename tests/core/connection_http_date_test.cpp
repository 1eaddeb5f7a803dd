// parse_http_date (IMF-fixdate, RFC 9110 section 5.6.7) and ClockSkew::observe_date.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "iotlite/connection/clock_skew.hpp"
#include "iotlite/connection/http_date.hpp"

namespace iotlite::connection {
namespace {

std::string rule_of(std::string_view text) {
    Result<std::int64_t> r = parse_http_date(text);
    if (r.ok()) return "accepted";
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    return r.error().rule;
}

TEST(HttpDate, RfcExample_EpochSeconds) {
    // RFC 9110 section 5.6.7's example.
    auto r = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value(), 784111777);
}

TEST(HttpDate, CalendarEdges_EpochSeconds) {
    EXPECT_EQ(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT").value(), 0);
    EXPECT_EQ(parse_http_date("Thu, 01 Jan 2026 00:00:00 GMT").value(), 1767225600);
    EXPECT_EQ(parse_http_date("Thu, 29 Feb 2024 12:00:00 GMT").value(), 1709208000);
    EXPECT_EQ(parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT").value(), 951782400);  // 400-year rule
    EXPECT_EQ(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT").value(), 253402300799);
}

TEST(HttpDate, LeapSecond_AcceptedAsNextMinute) {
    // The RFC's grammar allows second 60; POSIX time has none, so it is 2017-01-01T00:00:00Z.
    EXPECT_EQ(parse_http_date("Sat, 31 Dec 2016 23:59:60 GMT").value(), 1483228800);
    EXPECT_EQ(rule_of("Sat, 31 Dec 2016 23:59:61 GMT"), "http_date.time");
}

TEST(HttpDate, ObsoleteForms_RefusedAsForm) {
    EXPECT_EQ(rule_of("Sunday, 06-Nov-94 08:49:37 GMT"), "http_date.form");  // rfc850-date
    EXPECT_EQ(rule_of("Sun Nov  6 08:49:37 1994"), "http_date.form");        // asctime-date
}

TEST(HttpDate, LayoutBroken_RefusedAsFormWithLength) {
    EXPECT_EQ(rule_of(""), "http_date.form");
    EXPECT_EQ(rule_of("Sun, 6 Nov 1994 08:49:37 GMT"), "http_date.form");     // one-digit day
    EXPECT_EQ(rule_of("Sun, 06 Nov 1994 08:49:37 UTC"), "http_date.form");    // zone must be GMT
    EXPECT_EQ(rule_of("Sun, 06 Nov 1994 08:49:37 gmt"), "http_date.form");    // case-sensitive
    EXPECT_EQ(rule_of("Sun, 06 Nov 1994 08:49:37 GMT "), "http_date.form");   // trailing space
    EXPECT_EQ(rule_of("Sun, 06 Nov 1994 08-49-37 GMT"), "http_date.form");
    EXPECT_EQ(rule_of("Sun, 0x Nov 1994 08:49:37 GMT"), "http_date.form");
    EXPECT_EQ(rule_of("Sun, +6 Nov 1994 08:49:37 GMT"), "http_date.form");
    EXPECT_EQ(rule_of("Sun; 06 Nov 1994 08:49:37 GMT"), "http_date.form");
    auto r = parse_http_date("Sun, 06 Nov 1994 08:49:37");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().limit, 29u);
    EXPECT_EQ(r.error().actual, 25u);
    EXPECT_NE(r.error().message.find("IMF-fixdate"), std::string::npos) << r.error().message;
}

TEST(HttpDate, FieldsOutOfRange_EachRuleNamed) {
    EXPECT_EQ(rule_of("Sun, 06 NOV 1994 08:49:37 GMT"), "http_date.month");
    EXPECT_EQ(rule_of("Sun, 06 Nox 1994 08:49:37 GMT"), "http_date.month");
    EXPECT_EQ(rule_of("Wed, 31 Dec 1969 23:59:59 GMT"), "http_date.year");
    EXPECT_EQ(rule_of("Sun, 00 Nov 1994 08:49:37 GMT"), "http_date.day");
    EXPECT_EQ(rule_of("Thu, 31 Nov 1994 08:49:37 GMT"), "http_date.day");
    EXPECT_EQ(rule_of("Sun, 29 Feb 2023 00:00:00 GMT"), "http_date.day");  // not a leap year
    EXPECT_EQ(rule_of("Mon, 29 Feb 2100 00:00:00 GMT"), "http_date.day");  // century rule
    EXPECT_EQ(rule_of("Sun, 06 Nov 1994 24:00:00 GMT"), "http_date.time");
    EXPECT_EQ(rule_of("Sun, 06 Nov 1994 08:60:00 GMT"), "http_date.time");
    EXPECT_EQ(rule_of("Sun, 99 Nov 1994 99:99:99 GMT"), "http_date.day");  // accepted by the old parser
    auto r = parse_http_date("Thu, 31 Nov 1994 08:49:37 GMT");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().limit, 30u);
    EXPECT_EQ(r.error().actual, 31u);
}

TEST(HttpDate, WrongWeekday_Refused) {
    EXPECT_EQ(rule_of("Mon, 06 Nov 1994 08:49:37 GMT"), "http_date.weekday");
    EXPECT_EQ(rule_of("sun, 06 Nov 1994 08:49:37 GMT"), "http_date.weekday");
    auto r = parse_http_date("Mon, 06 Nov 1994 08:49:37 GMT");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("weekday of the date: Sun"), std::string::npos) << r.error().message;
}

TEST(HttpDate, ControlBytesInHeader_QuotedAsQuestionMarks) {
    const char raw[] = "Sun, 06 Nov 1994 08:49:37 G\x01\n";
    auto r = parse_http_date(std::string_view(raw, std::strlen(raw)));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("G?\?'"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
}

TEST(ConnectionClockSkew, ObserveDateServerAheadAnHour_OffsetLearned) {
    ClockSkew skew;
    auto changed = skew.observe_date("Thu, 01 Jan 2026 01:00:00 GMT", 1767225600);
    ASSERT_TRUE(changed.ok());
    EXPECT_TRUE(changed.value());
    EXPECT_EQ(skew.offset_s(), 3600);
}

TEST(ConnectionClockSkew, ObserveDateUnreadable_ParseErrorAsIsOffsetKept) {
    ClockSkew skew;
    ASSERT_TRUE(skew.set_offset_s(10).ok());
    auto r = skew.observe_date("Thu, 01 Jan 2026 01:00:00", 1767225600);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_STREQ(r.error().rule, "http_date.form");
    EXPECT_EQ(skew.offset_s(), 10);
    // Over the 24 h bound: observe()'s limit_exceeded.
    auto far = skew.observe_date("Sat, 03 Jan 2026 00:00:01 GMT", 1767225600);
    ASSERT_FALSE(far.ok());
    EXPECT_EQ(far.error().code, Errc::limit_exceeded);
    EXPECT_EQ(skew.offset_s(), 10);
}

}  // namespace
}  // namespace iotlite::connection
