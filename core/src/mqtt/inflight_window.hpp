// Internal: QoS 1 publishes sent and awaiting their PUBACK (MQTT 3.1.1 §4.3.2), at most `capacity`
// at a time (Config::max_inflight; AWS IoT allows 100 unacknowledged QoS 1 per direction). They
// are re-sent with DUP=1 and the same packet ids after a reconnect (§4.4).
#pragma once

#include <cstddef>
#include <cstdint>

#include "iotlite/mqtt/topic.hpp"
#include "iotlite/internal/list.hpp"
#include "outgoing_publish.hpp"

namespace iotlite::mqtt::detail {

using iotlite::internal::List;
using iotlite::internal::recycle_nodes;

class InflightWindow {
public:
    explicit InflightWindow(std::size_t capacity) : capacity_(capacity) {}

    bool full() const { return list_.size() >= capacity_; }
    // MQTT 5: the broker's Receive Maximum lowers the window for one connection.
    void set_capacity(std::size_t capacity) { capacity_ = capacity; }
    std::size_t capacity() const { return capacity_; }
    std::size_t size() const { return list_.size(); }
    bool uses(std::uint16_t packet_id) const;

    // `p` was sent with its packet id.
    void add(OutgoingPublish&& p) { list_.push_back(std::move(p)); }
    // Removes the publish a PUBACK acknowledges and sets `op_id` to its op id; false when no
    // publish has this id (a duplicate PUBACK, which is ignored).
    bool acknowledge(std::uint16_t packet_id, std::uint32_t& op_id);
    // Marks every publish as a re-delivery (DUP=1), before they are sent again.
    void mark_dup();

    // Oldest first.
    using iterator = List<OutgoingPublish, recycle_nodes>::iterator;
    iterator begin() const { return list_.begin(); }
    iterator end() const { return list_.end(); }
    void clear() { list_.clear(); }
    // The no-heap-after-connect build: `count` spare publishes, each with room for a topic of
    // AWS's largest size and `payload_bytes` of payload (add() swaps a spare's storage out).
#if IOTLITE_NO_HEAP_AFTER_CONNECT
    void reserve(std::size_t count, std::size_t payload_bytes) {
        list_.reserve(count, [&](OutgoingPublish& p) { reserve_publish(p, payload_bytes); });
    }
#endif
    static void reserve_publish(OutgoingPublish& p, std::size_t payload_bytes) {
        p.packet.topic.reserve(limits::max_topic_bytes);
        p.packet.payload.reserve(payload_bytes);
    }

private:
    std::size_t capacity_;
    List<OutgoingPublish, recycle_nodes> list_;
};

// ---- implementation (inline: see the note in client.cpp on code size) ----

// Plain loops rather than <algorithm>: libstdc++ unrolls find_if 4x, which costs code size.
inline bool InflightWindow::uses(std::uint16_t packet_id) const {
    for (const auto& p : list_)
        if (p.packet.packet_id == packet_id) return true;
    return false;
}

inline bool InflightWindow::acknowledge(std::uint16_t packet_id, std::uint32_t& op_id) {
    for (OutgoingPublish& p : list_) {
        if (p.packet.packet_id != packet_id) continue;
        op_id = p.op_id;
        list_.remove(&p);
        return true;
    }
    return false;
}

inline void InflightWindow::mark_dup() {
    for (auto& p : list_) p.packet.dup = true;
}

}  // namespace iotlite::mqtt::detail
