// OfflineQueue: OfflineQueueConfig and QueuePolicy (client.hpp): bounded by messages and by
// topic + payload bytes; every message that is not queued or is evicted completes exactly once.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "event_queue.hpp"
#include "offline_queue.hpp"

using namespace iotlite;
using namespace iotlite::mqtt;
using detail::EventQueue;
using detail::OfflineQueue;
using detail::OutgoingPublish;
using Admission = OfflineQueue::Admission;

namespace {

OutgoingPublish message(std::uint32_t op_id, std::size_t payload_bytes, const char* topic = "t/a") {
    OutgoingPublish p;
    p.op_id = op_id;
    p.packet.topic = topic;
    p.packet.payload.assign(payload_bytes, 0x55);
    return p;
}

OfflineQueueConfig config(std::size_t max_messages, std::size_t max_bytes, QueuePolicy policy) {
    OfflineQueueConfig c;
    c.max_messages = max_messages;
    c.max_bytes = max_bytes;
    c.policy = policy;
    return c;
}

}  // namespace

TEST(OfflineQueue, BytesCountTopicAndPayload_UntilPopped) {
    OfflineQueue q(config(10, 1000, QueuePolicy::drop_oldest));
    q.push(message(1, 7));  // "t/a" + 7
    q.push(message(2, 2));
    EXPECT_EQ(q.size(), 2u);
    EXPECT_EQ(q.bytes(), 15u);
    OutgoingPublish first = q.pop_front();
    EXPECT_EQ(first.op_id, 1u);
    EXPECT_EQ(q.bytes(), 5u);
}

TEST(OfflineQueue, DropOldestWhenFull_EvictsOldestWithPublishFailed) {
    OfflineQueue q(config(2, 1000, QueuePolicy::drop_oldest));
    EventQueue events;
    q.push(message(1, 1));
    q.push(message(2, 1));
    Error why;
    ASSERT_EQ(q.admit(4, why, events), Admission::accepted);
    Event e;
    ASSERT_TRUE(events.poll(e));
    EXPECT_EQ(e.type, Event::Type::publish_failed);
    EXPECT_EQ(e.op_id, 1u);
    EXPECT_EQ(e.error.code, Errc::dropped);
    EXPECT_EQ(e.error.message, "dropped (drop_oldest): offline queue is full (2 messages, 8 bytes queued)");
    EXPECT_FALSE(events.poll(e));  // one eviction made room for one message
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(q.front().op_id, 2u);
}

TEST(OfflineQueue, DropOldestOverByteBudget_EvictsUntilTheNewOneFits) {
    OfflineQueue q(config(100, 20, QueuePolicy::drop_oldest));
    EventQueue events;
    q.push(message(1, 5));  // 8 bytes each
    q.push(message(2, 5));
    Error why;
    ASSERT_EQ(q.admit(10, why, events), Admission::accepted);  // 16 + 10 > 20: evict 1, 8 + 10 fits
    EXPECT_EQ(events.size(), 1u);
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(q.bytes(), 8u);
}

TEST(OfflineQueue, DropNewestWhenFull_NewOneDroppedQueueUntouched) {
    OfflineQueue q(config(1, 1000, QueuePolicy::drop_newest));
    EventQueue events;
    q.push(message(1, 1));
    Error why;
    EXPECT_EQ(q.admit(4, why, events), Admission::dropped);
    EXPECT_EQ(why.code, Errc::dropped);
    EXPECT_EQ(why.message, "dropped (drop_newest): offline queue is full (1 messages, 4 bytes queued)");
    EXPECT_TRUE(events.empty());
    EXPECT_EQ(q.size(), 1u);
}

TEST(OfflineQueue, RejectWhenFull_QueueFullAndNothingEvicted) {
    OfflineQueue q(config(1, 1000, QueuePolicy::reject));
    EventQueue events;
    q.push(message(1, 1));
    Error why;
    EXPECT_EQ(q.admit(4, why, events), Admission::rejected);
    EXPECT_EQ(why.code, Errc::queue_full);
    EXPECT_EQ(why.message, "publish(): offline queue is full (1 messages, 4 bytes queued)");
    EXPECT_TRUE(events.empty());
    EXPECT_EQ(q.size(), 1u);
}

TEST(OfflineQueue, MessageLargerThanBudget_NeverQueuedEvenUnderDropOldest) {
    OfflineQueue q(config(10, 10, QueuePolicy::drop_oldest));
    EventQueue events;
    q.push(message(1, 1));
    Error why;
    EXPECT_EQ(q.admit(11, why, events), Admission::dropped);
    EXPECT_EQ(why.code, Errc::dropped);
    EXPECT_EQ(why.message, "dropped: message of 11 bytes exceeds offline_queue.max_bytes 10");
    EXPECT_TRUE(events.empty());  // evicting everything would not have made room: nothing evicted
    EXPECT_EQ(q.size(), 1u);
}

TEST(OfflineQueue, MaxMessagesZero_IsDisabled) {
    EXPECT_TRUE(OfflineQueue(config(0, 1000, QueuePolicy::drop_oldest)).disabled());
    EXPECT_FALSE(OfflineQueue(config(1, 1000, QueuePolicy::drop_oldest)).disabled());
}

TEST(OfflineQueue, Withdraw_RemovesThatMessageAndItsBytes) {
    OfflineQueue q(config(10, 1000, QueuePolicy::drop_oldest));
    q.push(message(1, 7));
    q.push(message(2, 2));
    q.push(message(3, 4));
    EXPECT_TRUE(q.withdraw(2));
    EXPECT_FALSE(q.withdraw(2));
    EXPECT_FALSE(q.withdraw(42));
    EXPECT_EQ(q.size(), 2u);
    EXPECT_EQ(q.bytes(), 17u);  // "t/a" + 7, "t/a" + 4
    EXPECT_EQ(q.pop_front().op_id, 1u);
    EXPECT_EQ(q.pop_front().op_id, 3u);
    EXPECT_EQ(q.bytes(), 0u);
}

// The rule itself (queue_admission, which the engine's queue and the browser's durable queue
// both apply), case by case as client.hpp documents the policies: room → accepted; full → the
// policy's answer, naming the bound that is broken (messages first, then bytes); a message over
// max_bytes alone is never queued (dropped, or rejected under reject) whatever the queue holds.
TEST(QueueAdmission, EveryPolicyAndBound_AsDocumented) {
    struct Case {
        std::size_t queued, queued_bytes, bytes;
        QueuePolicy policy;
        QueueAdmission admission;
        QueueBound bound;
    };
    const Case cases[] = {
        // max_messages 3, max_bytes 100
        {0, 0, 100, QueuePolicy::drop_oldest, QueueAdmission::accepted, QueueBound::none},  // exactly the budget
        {2, 50, 50, QueuePolicy::reject, QueueAdmission::accepted, QueueBound::none},       // the 3rd, bytes exactly full
        {3, 30, 1, QueuePolicy::drop_oldest, QueueAdmission::evict_oldest, QueueBound::max_messages},
        {3, 30, 1, QueuePolicy::drop_newest, QueueAdmission::dropped, QueueBound::max_messages},
        {3, 30, 1, QueuePolicy::reject, QueueAdmission::rejected, QueueBound::max_messages},
        {1, 60, 41, QueuePolicy::drop_oldest, QueueAdmission::evict_oldest, QueueBound::max_bytes},
        {1, 60, 41, QueuePolicy::drop_newest, QueueAdmission::dropped, QueueBound::max_bytes},
        {1, 60, 41, QueuePolicy::reject, QueueAdmission::rejected, QueueBound::max_bytes},
        {3, 99, 2, QueuePolicy::drop_oldest, QueueAdmission::evict_oldest, QueueBound::max_messages},  // both: messages named
        {0, 0, 101, QueuePolicy::drop_oldest, QueueAdmission::dropped, QueueBound::message_bytes},  // evicting cannot help
        {0, 0, 101, QueuePolicy::drop_newest, QueueAdmission::dropped, QueueBound::message_bytes},
        {2, 10, 101, QueuePolicy::reject, QueueAdmission::rejected, QueueBound::message_bytes},
    };
    for (const Case& c : cases) {
        const QueueVerdict v = queue_admission(config(3, 100, c.policy), c.queued, c.queued_bytes, c.bytes);
        EXPECT_EQ(v.admission, c.admission) << c.queued << " queued, " << c.queued_bytes << " B, +" << c.bytes << " B, policy "
                                            << static_cast<int>(c.policy);
        EXPECT_EQ(v.bound, c.bound) << c.queued << " queued, " << c.queued_bytes << " B, +" << c.bytes << " B";
    }
}

// Numbers at the edge of size_t (a durable store can hold more than a page's own bounds allow):
// a sum that would wrap must not turn "full" into "room".
TEST(QueueAdmission, NearSizeMax_NoWrapAround) {
    const std::size_t max = std::numeric_limits<std::size_t>::max();
    auto v = queue_admission(config(max, max, QueuePolicy::reject), 1, max - 1, 2);
    EXPECT_EQ(v.admission, QueueAdmission::rejected);
    EXPECT_EQ(v.bound, QueueBound::max_bytes);
    v = queue_admission(config(max, max, QueuePolicy::drop_newest), max, 0, 1);
    EXPECT_EQ(v.admission, QueueAdmission::dropped);
    EXPECT_EQ(v.bound, QueueBound::max_messages);
    // Stored bytes already over this page's budget: full, not an underflow into "room".
    v = queue_admission(config(10, 100, QueuePolicy::drop_oldest), 1, 500, 1);
    EXPECT_EQ(v.admission, QueueAdmission::evict_oldest);
    EXPECT_EQ(v.bound, QueueBound::max_bytes);
    v = queue_admission(config(max, max, QueuePolicy::drop_oldest), 0, max - 1, 1);
    EXPECT_EQ(v.admission, QueueAdmission::accepted);  // exactly the budget
}
