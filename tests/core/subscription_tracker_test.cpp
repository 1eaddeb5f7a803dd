// SubscriptionTracker: subscriptions and pending unsubscribes. SUBACK per MQTT 3.1.1 §3.9.3 (one
// return code per filter, 0x80 = failure), topic matching per §4.7, and AWS IoT's limit of
// 50 subscriptions per connection counted as distinct filters.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "subscription_tracker.hpp"

using namespace iotlite;
using namespace iotlite::mqtt;
using detail::EventQueue;
using detail::SubscriptionTracker;

namespace {
std::vector<TopicFilter> filters(std::initializer_list<const char*> names) {
    std::vector<TopicFilter> out;
    for (const char* n : names) out.push_back(TopicFilter{n, QoS::at_least_once});
    return out;
}
}  // namespace

TEST(SubscriptionTracker, SameFilterInTwoSubscribes_CountsOnce) {
    SubscriptionTracker t;
    t.add(1, filters({"a/b", "a/+"}));
    t.add(2, filters({"a/b"}));
    EXPECT_EQ(t.distinct_filters(nullptr), 2u);
    auto extra = filters({"a/+", "c/#"});
    EXPECT_EQ(t.distinct_filters(&extra), 3u);
}

TEST(SubscriptionTracker, Matching_OpIdsOfMatchingSubscriptionsOldestFirst) {
    SubscriptionTracker t;
    t.add(1, filters({"dev/+/temp"}));
    t.add(2, filters({"other"}));
    t.add(3, filters({"dev/#"}));
    EXPECT_EQ(t.matching("dev/7/temp"), (std::vector<std::uint32_t>{1, 3}));
    EXPECT_EQ(t.matching("dev"), (std::vector<std::uint32_t>{3}));  // '#' also matches the parent level
    EXPECT_TRUE(t.matching("none").empty());
}

TEST(SubscriptionTracker, FirstSuback_SubscribedWithCodesAndRefusedFilterDropped) {
    SubscriptionTracker t;
    EventQueue events;
    auto& s = t.add(5, filters({"a", "b"}));
    SubscriptionTracker::sending(s, 42);
    EXPECT_TRUE(t.uses(42));
    const std::uint8_t codes[] = {0x01, 0x80};
    std::size_t sent = 0;
    ASSERT_TRUE(t.on_suback(42, codes, 2, events, sent));
    Event e;
    ASSERT_TRUE(events.poll(e));
    EXPECT_EQ(e.type, Event::Type::subscribed);
    EXPECT_EQ(e.op_id, 5u);
    EXPECT_EQ(e.granted, (std::vector<SubackCode>{SubackCode::granted_qos1, SubackCode::failure}));
    EXPECT_FALSE(events.poll(e));
    EXPECT_FALSE(t.uses(42));
    EXPECT_EQ(t.matching("a"), (std::vector<std::uint32_t>{5}));
    EXPECT_TRUE(t.matching("b").empty());  // refused: no longer matched
}

TEST(SubscriptionTracker, RefusalOnResubscribe_ReportedAsServerError) {
    SubscriptionTracker t;
    EventQueue events;
    auto& s = t.add(5, filters({"a"}));
    SubscriptionTracker::sending(s, 1);
    const std::uint8_t granted[] = {0x01};
    std::size_t sent = 0;
    ASSERT_TRUE(t.on_suback(1, granted, 1, events, sent));
    Event e;
    ASSERT_TRUE(events.poll(e));  // subscribed
    SubscriptionTracker::sending(s, 2);  // after a reconnect without a session
    const std::uint8_t refused[] = {0x80};
    ASSERT_TRUE(t.on_suback(2, refused, 1, events, sent));
    ASSERT_TRUE(events.poll(e));
    EXPECT_EQ(e.type, Event::Type::error);
    EXPECT_EQ(e.op_id, 5u);
    EXPECT_EQ(e.error.code, Errc::server_error);
    EXPECT_EQ(e.error.message, "re-subscribe to 'a' refused by the broker (SUBACK 0x80)");
    EXPECT_FALSE(events.poll(e));  // no second `subscribed`
    EXPECT_TRUE(t.subscriptions().empty());  // no filter left
}

TEST(SubscriptionTracker, SubackCodeCountMismatch_ReportedWithFiltersSent) {
    SubscriptionTracker t;
    EventQueue events;
    auto& s = t.add(5, filters({"a", "b", "c"}));
    SubscriptionTracker::sending(s, 9);
    const std::uint8_t codes[] = {0x00};
    std::size_t sent = 0;
    EXPECT_FALSE(t.on_suback(9, codes, 1, events, sent));
    EXPECT_EQ(sent, 3u);
    EXPECT_TRUE(events.empty());
    // A SUBACK for an id nobody waits for is ignored.
    EXPECT_TRUE(t.on_suback(10, codes, 1, events, sent));
    EXPECT_TRUE(events.empty());
}

TEST(SubscriptionTracker, UnsubscribeBeforeSuback_CancelsTheSubscribe) {
    SubscriptionTracker t;
    EventQueue events;
    t.add(1, filters({"a"}));
    t.add(2, filters({"a", "b"}));
    auto& u = t.remove(3, {"a"}, events);
    EXPECT_EQ(u.op_id, 3u);
    Event e;
    ASSERT_TRUE(events.poll(e));
    EXPECT_EQ(e.type, Event::Type::error);
    EXPECT_EQ(e.op_id, 1u);  // left without filters and never acknowledged
    EXPECT_EQ(e.error.code, Errc::closed);
    EXPECT_FALSE(events.poll(e));
    EXPECT_TRUE(t.matching("a").empty());
    EXPECT_EQ(t.matching("b"), (std::vector<std::uint32_t>{2}));
    u.packet_id = 4;
    EXPECT_TRUE(t.uses(4));
    t.on_unsuback(4, events);
    ASSERT_TRUE(events.poll(e));
    EXPECT_EQ(e.type, Event::Type::unsubscribed);
    EXPECT_EQ(e.op_id, 3u);
    EXPECT_TRUE(t.unsubscriptions().empty());
}

TEST(SubscriptionTracker, ConnectionLost_NoPacketIdAwaitsAnAck) {
    SubscriptionTracker t;
    EventQueue events;
    SubscriptionTracker::sending(t.add(1, filters({"a"})), 11);
    t.remove(2, {"x"}, events).packet_id = 12;
    t.connection_lost();
    EXPECT_FALSE(t.uses(11));
    EXPECT_FALSE(t.uses(12));
}

TEST(SubscriptionTracker, FailAll_UncompletedOperationsFailOnce) {
    SubscriptionTracker t;
    EventQueue events;
    auto& acked = t.add(1, filters({"a"}));
    SubscriptionTracker::sending(acked, 1);
    const std::uint8_t ok[] = {0x00};
    std::size_t sent = 0;
    t.on_suback(1, ok, 1, events, sent);
    Event e;
    ASSERT_TRUE(events.poll(e));  // subscribed
    t.add(2, filters({"b"}));     // never acknowledged
    t.remove(3, {"x"}, events);   // pending unsubscribe
    t.fail_all(make_error(Errc::closed, "client closed: bye"), events);
    ASSERT_TRUE(events.poll(e));
    EXPECT_EQ(e.op_id, 2u);
    EXPECT_EQ(e.error.message, "subscribe: client closed: bye");
    ASSERT_TRUE(events.poll(e));
    EXPECT_EQ(e.op_id, 3u);
    EXPECT_EQ(e.error.message, "unsubscribe: client closed: bye");
    EXPECT_FALSE(events.poll(e));
    EXPECT_TRUE(t.subscriptions().empty());
}

TEST(SubscriptionTracker, UnsubscribeEmptyingSeveral_EachCompletesOnceInOrder) {
    SubscriptionTracker t;
    EventQueue events;
    t.add(1, filters({"a"}));       // emptied, never acknowledged: cancelled
    t.add(2, filters({"a", "b"}));  // keeps "b"
    t.add(3, filters({"c", "a"}));  // emptied, never acknowledged: cancelled
    t.add(4, filters({"d"}));       // untouched
    t.remove(5, {"a", "c"}, events);
    Event e;
    ASSERT_TRUE(events.poll(e));
    EXPECT_EQ(e.op_id, 1u);
    EXPECT_EQ(e.error.code, Errc::closed);
    EXPECT_EQ(e.error.message, "subscribe(): cancelled by unsubscribe() before its SUBACK");
    ASSERT_TRUE(events.poll(e));
    EXPECT_EQ(e.op_id, 3u);
    EXPECT_FALSE(events.poll(e));
    std::vector<std::uint32_t> left;
    for (const auto& s : t.subscriptions()) left.push_back(s.op_id);
    EXPECT_EQ(left, (std::vector<std::uint32_t>{2, 4}));
    EXPECT_EQ(t.distinct_filters(nullptr), 2u);  // "b", "d"
}
