// Internal: the engine's events for the driver and the application, polled in the order emitted.
#pragma once

#include <cstdint>
#include <new>
#include <utility>

#include "iotlite/mqtt/client.hpp"
#include "list.hpp"

namespace iotlite::mqtt::detail {

class EventQueue {
public:
    // Appends an event of `type` (other fields default) and returns it for the caller to fill.
    Event& emit(Event::Type type);
    void emit_error(Event::Type type, Error error, std::uint32_t op_id = 0);
    // Moves the oldest event into `out`; false when there is none.
    bool poll(Event& out);
    bool empty() const { return events_.empty(); }
    std::size_t size() const { return events_.size(); }

private:
    List<Event> events_;  // a linked list: see list.hpp for why
};

// ---- implementation (inline: see the note in client.cpp on code size) ----

inline Event& EventQueue::emit(Event::Type type) {
    Event& e = events_.emplace_back();
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
    // Destroy + move-construct rather than move-assign: the same result, and construction is a
    // fraction of assignment's code for every string and vector member (code size on Cortex-M).
    out.~Event();
    new (&out) Event(std::move(events_.front()));
    events_.pop_front();
    return true;
}

}  // namespace iotlite::mqtt::detail
