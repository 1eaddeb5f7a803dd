// Internal: the engine's events for the driver and the application, polled in the order emitted.
#pragma once

#include <cstdint>
#include <new>
#include <utility>

#include "iotlite/mqtt/client.hpp"
#include "iotlite/mqtt/topic.hpp"
#include "iotlite/internal/list.hpp"

namespace iotlite::mqtt::detail {

using iotlite::internal::List;
using iotlite::internal::recycle_nodes;
using iotlite::internal::take_storage;

class EventQueue {
public:
    // Appends an event of `type` (other fields default) and returns it for the caller to fill.
    Event& emit(Event::Type type);
    void emit_error(Event::Type type, Error error, std::uint32_t op_id = 0);
    // Moves the oldest event into `out`; false when there is none.
    bool poll(Event& out);
    bool empty() const { return events_.empty(); }
    std::size_t size() const { return events_.size(); }
    // The no-heap-after-connect build: `count` spare events, each with room for a message of
    // `payload_bytes` on a topic of AWS's largest size and `ids` subscription ids.
#if IOTLITE_NO_HEAP_AFTER_CONNECT
    void reserve(std::size_t count, std::size_t payload_bytes, std::size_t ids) {
        events_.reserve(count, [&](Event& e) { reserve_event(e, payload_bytes, ids); });
    }
#endif
    static void reserve_event(Event& e, std::size_t payload_bytes, std::size_t ids) {
        e.message.topic.reserve(limits::max_topic_bytes);
        e.message.payload.reserve(payload_bytes);
        e.subscription_ids.reserve(ids);
    }

private:
    List<Event, recycle_nodes> events_;  // a linked list: see list.hpp for why
};

// ---- implementation (inline: see the note in client.cpp on code size) ----

inline Event& EventQueue::emit(Event::Type type) {
    Event& e = events_.emplace_back();
    if constexpr (recycle_nodes) {
        // A spare as its last use left it: a default Event again, with the spare's storage.
        Event fresh;
        take_storage(fresh.message.topic, e.message.topic);
        take_storage(fresh.message.payload, e.message.payload);
        take_storage(fresh.subscription_ids, e.subscription_ids);
        take_storage(fresh.granted, e.granted);
        e = std::move(fresh);
    }
    e.type = type;
    return e;
}

inline void EventQueue::emit_error(Event::Type type, Error error, std::uint32_t op_id) {
    Event& e = emit(type);
    e.error = std::move(error);
    e.op_id = op_id;
}

inline bool EventQueue::poll(Event& out) {
    if (events_.empty()) return false;
    if constexpr (recycle_nodes) {
        // Copied into the application's Event (into its storage: no allocation once it is large
        // enough); the node and its storage are kept for the next event.
        out = events_.front();
        events_.pop_front();
        return true;
    }
    // Destroy + move-construct rather than move-assign: the same result, and construction is a
    // fraction of assignment's code for every string and vector member (code size on Cortex-M).
    out.~Event();
    new (&out) Event(std::move(events_.front()));
    events_.pop_front();
    return true;
}

}  // namespace iotlite::mqtt::detail
