// Internal: publishes that cannot be sent now (offline, or the in-flight window is full), in
// order, bounded by OfflineQueueConfig (messages and topic + payload bytes) under its QueuePolicy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "event_queue.hpp"
#include "format.hpp"
#include "iotlite/mqtt/client.hpp"
#include "iotlite/internal/list.hpp"
#include "outgoing_publish.hpp"

namespace iotlite::mqtt::detail {

using iotlite::internal::List;

class OfflineQueue {
public:
    // What becomes of a message that has to wait.
    enum class Admission : std::uint8_t {
        accepted,  // there is room (after evicting the oldest under drop_oldest): push() it
        dropped,   // not queued; it completes with publish_failed (Errc::dropped)
        rejected,  // not queued; publish() returns the error (Errc::queue_full, policy reject)
    };

    explicit OfflineQueue(const OfflineQueueConfig& config) : cfg_(config) {}

    // max_messages 0: publishing while offline fails at once.
    bool disabled() const { return cfg_.max_messages == 0; }

    // Makes room for a message of `bytes` bytes under the policy. For dropped and rejected `why`
    // says why ("<prefix>why"); under drop_oldest each evicted message completes now, with
    // publish_failed carrying the same reason, in `failed`.
    Admission admit(std::size_t bytes, Error& why, EventQueue& failed);
    // Appends a message admit() accepted; returns it.
    OutgoingPublish& push(OutgoingPublish&& p);

    bool empty() const { return list_.empty(); }
    std::size_t size() const { return list_.size(); }
    std::size_t bytes() const { return bytes_; }
    const OutgoingPublish& front() const { return list_.front(); }
    OutgoingPublish pop_front();
    // Removes the message of `op_id` if it is queued (nothing of it was written yet); true if so.
    bool withdraw(std::uint32_t op_id);

    // Oldest first.
    List<OutgoingPublish>::iterator begin() const { return list_.begin(); }
    List<OutgoingPublish>::iterator end() const { return list_.end(); }
    void clear();

private:
    OfflineQueueConfig cfg_;
    List<OutgoingPublish> list_;  // front = oldest
    std::size_t bytes_ = 0;       // topic + payload bytes of the queued messages
};

// ---- implementation (inline: see the note in client.cpp on code size) ----

inline bool OfflineQueue::withdraw(std::uint32_t op_id) {
    for (const OutgoingPublish& p : list_) {
        if (p.op_id != op_id) continue;
        bytes_ -= p.bytes();
        list_.remove(&p);
        return true;
    }
    return false;
}

inline OfflineQueue::Admission OfflineQueue::admit(std::size_t bytes, Error& why, EventQueue& failed) {
    const QueueVerdict verdict = queue_admission(cfg_, list_.size(), bytes_, bytes);
    if (verdict.admission == QueueAdmission::accepted) return Admission::accepted;
    const bool reject = verdict.admission == QueueAdmission::rejected;
    const bool fits_ever = verdict.bound != QueueBound::message_bytes;  // larger than the budget alone: never queued
    // One message for every outcome: "<prefix>why". A message over the budget alone is dropped under
    // either drop_* policy: its prefix names no policy.
    const char* prefix = reject       ? "publish(): "
                         : !fits_ever ? "dropped: "
                         : verdict.admission == QueueAdmission::dropped ? "dropped (drop_newest): "
                                                                         : "dropped (drop_oldest): ";
    Errc code = reject ? Errc::queue_full : Errc::dropped;
    // One formatting call for both texts (code size on Cortex-M).
    why = error_fmt(code, fits_ever ? "%offline queue is full (% messages, % bytes queued)"
                                    : "%message of % bytes exceeds offline_queue.max_bytes %",
                    prefix, fits_ever ? list_.size() : bytes, fits_ever ? bytes_ : cfg_.max_bytes);
    if (reject) return Admission::rejected;
    if (verdict.admission == QueueAdmission::dropped) return Admission::dropped;
    // evict_oldest: the oldest go until there is room.
    while (!list_.empty() && queue_admission(cfg_, list_.size(), bytes_, bytes).admission == QueueAdmission::evict_oldest) {
        bytes_ -= list_.front().bytes();
        failed.emit_error(Event::Type::publish_failed, why, list_.front().op_id);
        list_.pop_front();
    }
    return Admission::accepted;
}

inline OutgoingPublish& OfflineQueue::push(OutgoingPublish&& p) {
    bytes_ += p.bytes();
    return list_.push_back(std::move(p));
}

inline OutgoingPublish OfflineQueue::pop_front() {
    OutgoingPublish p = std::move(list_.front());
    list_.pop_front();
    bytes_ -= p.bytes();
    return p;
}

inline void OfflineQueue::clear() {
    list_.clear();
    bytes_ = 0;
}

}  // namespace iotlite::mqtt::detail
