// services::ResponseCorrelator: MQTT 5 request/response matching (§4.10) — correlation data per
// request, the match rule (response topic AND correlation data), the in-flight bound, deadlines.
#include "iotlite/services/response_correlator.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

using namespace iotlite;
using namespace iotlite::services;

namespace {
ResponseCorrelator make(std::size_t bound = 4, std::uint32_t timeout = 1000, std::uint64_t nonce = 0x0123456789abcdefULL) {
    ResponseCorrelatorConfig c;
    c.response_topic = "iotlite/response/dev-1";
    c.max_in_flight = bound;
    c.default_timeout_ms = timeout;
    c.nonce = nonce;
    auto r = ResponseCorrelator::create(std::move(c));
    EXPECT_TRUE(r) << r.error().message;
    return std::move(r).value();
}
}  // namespace

TEST(ResponseCorrelator_Start, CorrelationDataIsNoncePlusCounterAndUnique) {
    auto c = make(100);
    auto a = c.start(0, 0);
    auto b = c.start(0, 0);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a.value().correlation_data, "0123456789abcdef-1");
    EXPECT_EQ(b.value().correlation_data, "0123456789abcdef-2");
    EXPECT_NE(a.value().id, b.value().id);
    EXPECT_GT(a.value().id, 0u);
    // Another requester (another nonce) never makes the same data for the same counter.
    auto other = make(4, 1000, 0xfedcba9876543210ULL);
    EXPECT_EQ(other.start(0, 0).value().correlation_data, "fedcba9876543210-1");
    // Ended requests do not give their data back.
    std::set<std::string> seen;
    for (int i = 0; i < 300; ++i) {
        auto r = c.start(0, 0);
        ASSERT_TRUE(r) << i;
        EXPECT_TRUE(seen.insert(r.value().correlation_data).second);
        EXPECT_TRUE(c.cancel(r.value().id));
    }
}

TEST(ResponseCorrelator_Match, NeedsTheResponseTopicAndTheExactData) {
    auto c = make();
    auto a = c.start(0, 0).value();
    auto b = c.start(0, 0).value();
    EXPECT_EQ(c.match("other/topic", a.correlation_data), 0u);       // right data, wrong topic
    EXPECT_EQ(c.match("iotlite/response/dev-1", ""), 0u);              // no data
    EXPECT_EQ(c.match("iotlite/response/dev-1", a.correlation_data + "x"), 0u);
    EXPECT_EQ(c.match("iotlite/response/dev-1", a.correlation_data.substr(0, 17)), 0u);  // a prefix
    EXPECT_EQ(c.match("iotlite/response/dev-1", b.correlation_data), b.id);  // out of order is fine
    EXPECT_EQ(c.match("iotlite/response/dev-1", a.correlation_data), a.id);
    EXPECT_EQ(c.in_flight(), 0u);
    // A second answer to an answered request is nobody's.
    EXPECT_EQ(c.match("iotlite/response/dev-1", a.correlation_data), 0u);
}

TEST(ResponseCorrelator_Bound, RefusesTheRequestAboveTheBoundWithItsRule) {
    auto c = make(2);
    ASSERT_TRUE(c.start(0, 0));
    auto second = c.start(0, 0);
    ASSERT_TRUE(second);
    auto third = c.start(0, 0);
    ASSERT_FALSE(third);
    EXPECT_EQ(third.error().code, Errc::queue_full);
    EXPECT_STREQ(third.error().rule, rules::requests_in_flight);
    EXPECT_EQ(third.error().limit, 2u);
    EXPECT_EQ(third.error().actual, 3u);
    EXPECT_EQ(c.in_flight(), 2u);
    // A request that ends makes room.
    EXPECT_EQ(c.match("iotlite/response/dev-1", second.value().correlation_data), second.value().id);
    EXPECT_TRUE(c.start(0, 0));
}

TEST(ResponseCorrelator_Deadline, ExpiresAtTheDeadlineInStartOrder) {
    auto c = make(4, 1000);
    auto a = c.start(0, 100).value();    // 1100
    auto b = c.start(500, 100).value();  // 600
    auto d = c.start(0, 200).value();    // 1200
    EXPECT_EQ(c.next_deadline_ms(), 600u);
    std::vector<std::uint32_t> out;
    c.expire(599, out);
    EXPECT_TRUE(out.empty());
    c.expire(600, out);
    EXPECT_EQ(out, std::vector<std::uint32_t>{b.id});
    EXPECT_EQ(c.next_deadline_ms(), 1100u);
    out.clear();
    c.expire(5000, out);
    EXPECT_EQ(out, (std::vector<std::uint32_t>{a.id, d.id}));
    EXPECT_EQ(c.next_deadline_ms(), UINT64_MAX);
    // A response after its request timed out matches nothing.
    EXPECT_EQ(c.match("iotlite/response/dev-1", a.correlation_data), 0u);
}

TEST(ResponseCorrelator_Cancel, CancelAllEndsEveryRequestOnce) {
    auto c = make();
    auto a = c.start(0, 0).value();
    auto b = c.start(0, 0).value();
    EXPECT_TRUE(c.cancel(a.id));
    EXPECT_FALSE(c.cancel(a.id));
    std::vector<std::uint32_t> out;
    c.cancel_all(out);
    EXPECT_EQ(out, std::vector<std::uint32_t>{b.id});
    EXPECT_EQ(c.in_flight(), 0u);
    EXPECT_FALSE(c.cancel(b.id));
}

TEST(ResponseCorrelator_Config, RefusesBadTopicsBoundsAndTimeoutsNamingTheRule) {
    ResponseCorrelatorConfig c;
    c.response_topic = "a/+/b";
    auto r = ResponseCorrelator::create(c);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_topic);
    EXPECT_NE(r.error().message.find("response topic"), std::string::npos);
    c.response_topic = "a/b/c/d/e/f/g/h/i";  // 8 '/'
    r = ResponseCorrelator::create(c);
    ASSERT_FALSE(r);
    EXPECT_STREQ(r.error().rule, "topic.levels");
    c.response_topic = "ok/topic";
    c.max_in_flight = 0;
    r = ResponseCorrelator::create(c);
    ASSERT_FALSE(r);
    EXPECT_STREQ(r.error().rule, rules::request_bound);
    c.max_in_flight = max_requests_in_flight + 1;
    r = ResponseCorrelator::create(c);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().actual, max_requests_in_flight + 1);
    c.max_in_flight = max_requests_in_flight;
    c.default_timeout_ms = 0;
    r = ResponseCorrelator::create(c);
    ASSERT_FALSE(r);
    EXPECT_STREQ(r.error().rule, rules::request_timeout);
    c.default_timeout_ms = 1;
    auto ok = ResponseCorrelator::create(c);
    ASSERT_TRUE(ok);
    auto over = ok.value().start(max_request_timeout_ms + 1, 0);
    ASSERT_FALSE(over);
    EXPECT_STREQ(over.error().rule, rules::request_timeout);
    EXPECT_EQ(ok.value().in_flight(), 0u);
}

TEST(ResponseCorrelator_DefaultTopic, IsPerClientAndRefusesClientIdsThatBreakTopicRules) {
    EXPECT_EQ(ResponseCorrelator::default_response_topic("dev-1").value(), "iotlite/response/dev-1");
    auto wild = ResponseCorrelator::default_response_topic("dev+1");
    ASSERT_FALSE(wild);
    EXPECT_EQ(wild.error().code, Errc::invalid_topic);
    EXPECT_NE(wild.error().message.find("give a response topic"), std::string::npos);
    auto deep = ResponseCorrelator::default_response_topic("a/b/c/d/e/f");  // 2 + 5 = 7 '/' : fine
    EXPECT_TRUE(deep);
    EXPECT_FALSE(ResponseCorrelator::default_response_topic("a/b/c/d/e/f/g"));
}
