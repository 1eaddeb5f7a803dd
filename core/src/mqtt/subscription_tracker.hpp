// Internal: the application's subscriptions and its pending unsubscribes.
//
// A subscribe() is one Subscription: its active filters (the broker refused none of them and no
// unsubscribe() removed them), and the SUBSCRIBE awaiting its SUBACK, if any. Subscriptions are
// re-sent after a reconnect when the broker has no session for the client (the engine decides,
// the tracker keeps the state). An unsubscribe() stops matching its filters at once and waits as
// an Unsubscribe until its UNSUBACK. Limits: AWS IoT allows 50 subscriptions per connection,
// counted here as distinct filter strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "event_queue.hpp"
#include "iotlite/mqtt/types.hpp"
#include "format.hpp"
#include "iotlite/mqtt/topic.hpp"
#include "iotlite/internal/list.hpp"

namespace iotlite::mqtt::detail {

using iotlite::internal::List;

class SubscriptionTracker {
public:
    struct Subscription {
        Subscription() = default;
        Subscription(std::uint32_t id, const std::vector<TopicFilter>& fs) : op_id(id), filters(fs) {}

        std::uint32_t op_id = 0;
        std::vector<TopicFilter> filters;  // active; refused by the broker or unsubscribed are removed
        std::vector<TopicFilter> sent;     // as in the SUBSCRIBE awaiting its SUBACK
        std::uint16_t packet_id = 0;       // SUBSCRIBE awaiting SUBACK (0: none)
        bool acked = false;                // the subscribe() op has completed
    };
    struct Unsubscribe {
        Unsubscribe() = default;
        Unsubscribe(std::uint32_t id, const std::vector<std::string>& fs) : op_id(id), filters(fs) {}

        std::uint32_t op_id = 0;
        std::vector<std::string> filters;
        std::uint16_t packet_id = 0;  // 0: not sent on this connection yet
    };

    // Distinct filter strings among the active ones plus `extra` (may be null).
    std::size_t distinct_filters(const std::vector<TopicFilter>* extra) const;

    Subscription& add(std::uint32_t op_id, const std::vector<TopicFilter>& filters);
    // Stops matching `filters` at once; a subscription left without filters is removed, and one
    // whose SUBACK never came completes with `error` in `events`. Returns the pending Unsubscribe.
    Unsubscribe& remove(std::uint32_t op_id, const std::vector<std::string>& filters, EventQueue& events);

    // The SUBSCRIBE of `s` is being sent now with `packet_id`.
    static void sending(Subscription& s, std::uint16_t packet_id);

    // SUBACK for `packet_id` with `count` return codes: completes the subscribe() (subscribed, once)
    // and drops refused filters (on a re-subscribe a refusal is reported as `error`). An unknown
    // id is ignored. Returns false when the number of codes is not the number of filters sent
    // (`sent` then holds that number): a protocol error.
    // MQTT 5 (`v5`): a code of 0x80 or above is a refusal, and the `subscribed` event carries the
    // first one in its error (reason code, Reason String `reason`).
    bool on_suback(std::uint16_t packet_id, const std::uint8_t* codes, std::size_t count, EventQueue& events,
                   std::size_t& sent, bool v5 = false, std::string_view reason = {});
    // UNSUBACK for `packet_id`: completes the unsubscribe() (unsubscribed, returned for the caller
    // to add an MQTT 5 refusal; null when the id is unknown, which is ignored).
    Event* on_unsuback(std::uint16_t packet_id, EventQueue& events);

    // Op ids of the subscriptions with an active filter matching `topic`, oldest first.
    std::vector<std::uint32_t> matching(std::string_view topic) const;
    // The same into `ids`, reusing its storage (the no-heap-after-connect build).
    void matching(std::string_view topic, std::vector<std::uint32_t>& ids) const;
    bool uses(std::uint16_t packet_id) const;

    // The connection is gone: nothing awaits a SUBACK or UNSUBACK on it any more.
    void connection_lost();
    // The client closes: every subscribe() and unsubscribe() not completed fails with `why`.
    void fail_all(const Error& why, EventQueue& events);

    List<Subscription>& subscriptions() { return subs_; }
    List<Unsubscribe>& unsubscriptions() { return unsubs_; }

private:
    List<Subscription> subs_;
    List<Unsubscribe> unsubs_;
};

// ---- implementation (inline: see the note in client.cpp on code size) ----

// Removes the filters equal to one of names[0..count), keeping the order of the others.
inline void remove_filter_names(std::vector<TopicFilter>& fs, const std::string* names, std::size_t count) {
    std::size_t keep = 0;
    for (std::size_t i = 0; i < fs.size(); ++i) {
        bool drop = false;
        for (std::size_t k = 0; k < count; ++k) drop |= fs[i].filter == names[k];
        if (drop) continue;
        if (keep != i) fs[keep] = std::move(fs[i]);
        ++keep;
    }
    fs.erase(fs.begin() + static_cast<std::ptrdiff_t>(keep), fs.end());
}

inline bool subscription_matches(const SubscriptionTracker::Subscription& s, std::string_view topic) {
    for (const auto& f : s.filters)
        if (topic_matches(f.filter, topic)) return true;
    return false;
}

// Calls f(filter) for every active filter, then for those in `extra`.
template <typename F>
inline void each_active_filter(const List<SubscriptionTracker::Subscription>& subs, const std::vector<TopicFilter>* extra, F f) {
    for (const auto& s : subs)
        for (const auto& x : s.filters) f(x.filter);
    if (extra)
        for (const auto& x : *extra) f(x.filter);
}

// Each string counted at its first occurrence (quadratic in the number of filter entries, no
// allocation).
inline std::size_t SubscriptionTracker::distinct_filters(const std::vector<TopicFilter>* extra) const {
    std::size_t count = 0, k = 0;
    each_active_filter(subs_, extra, [&](const std::string& a) {
        std::size_t j = 0;
        bool seen = false;
        each_active_filter(subs_, extra, [&](const std::string& b) { seen |= j++ < k && b == a; });
        ++k;
        count += !seen;
    });
    return count;
}

inline SubscriptionTracker::Subscription& SubscriptionTracker::add(std::uint32_t op_id, const std::vector<TopicFilter>& filters) {
    return subs_.emplace_back(op_id, filters);
}

inline SubscriptionTracker::Unsubscribe& SubscriptionTracker::remove(std::uint32_t op_id, const std::vector<std::string>& filters,
                                                              EventQueue& events) {
    // One pass: subscriptions left without filters are gone; one whose SUBACK never came
    // completes now.
    for (auto it = subs_.begin(); it != subs_.end();) {
        Subscription& s = *it;
        ++it;  // before removing s
        remove_filter_names(s.filters, filters.data(), filters.size());
        if (!s.filters.empty()) continue;
        if (!s.acked)
            events.emit_error(Event::Type::error,
                              error_fmt(Errc::closed, "subscribe(): cancelled by unsubscribe() before its SUBACK"), s.op_id);
        subs_.remove(&s);
    }
    return unsubs_.emplace_back(op_id, filters);
}

inline void SubscriptionTracker::sending(Subscription& s, std::uint16_t packet_id) {
    s.packet_id = packet_id;
    s.sent = std::vector<TopicFilter>(s.filters);
}

// "<PACKET> 0x8F topic filter invalid: <reason string>" as an Error with the reason code (MQTT 5).
Error reason_error(PacketType packet, std::uint8_t code, std::string_view reason);

inline bool SubscriptionTracker::on_suback(std::uint16_t packet_id, const std::uint8_t* codes, std::size_t count,
                                    EventQueue& events, std::size_t& sent, bool v5, std::string_view reason) {
    auto it = subs_.begin();
    while (it != subs_.end() && it->packet_id != packet_id) ++it;
    if (it == subs_.end()) return true;
    Subscription& s = *it;
    if (count != s.sent.size()) {
        sent = s.sent.size();
        return false;
    }
    s.packet_id = 0;
    bool first = !s.acked;
    s.acked = true;
    std::size_t refusal = count;  // the first refused filter
    for (std::size_t i = 0; i < count; ++i) {
        if (codes[i] < static_cast<std::uint8_t>(SubackCode::failure)) continue;  // 3.1.1: only 0x80; MQTT 5: >= 0x80
        if (refusal == count) refusal = i;
        const std::string& refused = s.sent[i].filter;
        remove_filter_names(s.filters, &refused, 1);
        if (!first) {
            if (v5)
                events.emit_error(Event::Type::error, reason_error(PacketType::suback, codes[i], reason), s.op_id);
            else
                events.emit_error(Event::Type::error,
                                  error_fmt(Errc::server_error, "re-subscribe to '%' refused by the broker (SUBACK 0x80)", refused),
                                  s.op_id);
        }
    }
    s.sent.clear();
    if (first) {
        Event& e = events.emit(Event::Type::subscribed);
        e.op_id = s.op_id;
        if (v5 && refusal < count) e.error = reason_error(PacketType::suback, codes[refusal], reason);
        const auto* granted = reinterpret_cast<const SubackCode*>(codes);
        e.granted = std::vector<SubackCode>(granted, granted + count);
    }
    if (s.filters.empty()) subs_.remove(&s);
    return true;
}

inline Event* SubscriptionTracker::on_unsuback(std::uint16_t packet_id, EventQueue& events) {
    for (Unsubscribe& u : unsubs_) {
        if (u.packet_id != packet_id) continue;
        Event& e = events.emit(Event::Type::unsubscribed);
        e.op_id = u.op_id;
        unsubs_.remove(&u);
        return &e;
    }
    return nullptr;
}

// Two passes (count, then fill a vector of that size): no push_back growth code.
inline std::vector<std::uint32_t> SubscriptionTracker::matching(std::string_view topic) const {
    std::size_t n = 0;
    for (const auto& s : subs_) n += subscription_matches(s, topic);
    if (!n) return {};
    std::vector<std::uint32_t> ids(n);
    n = 0;
    for (const auto& s : subs_)
        if (subscription_matches(s, topic)) ids[n++] = s.op_id;
    return ids;
}

inline void SubscriptionTracker::matching(std::string_view topic, std::vector<std::uint32_t>& ids) const {
    ids.clear();
    for (const auto& s : subs_)
        if (subscription_matches(s, topic)) ids.push_back(s.op_id);
}

inline bool SubscriptionTracker::uses(std::uint16_t packet_id) const {
    for (const auto& s : subs_)
        if (s.packet_id == packet_id) return true;
    for (const auto& u : unsubs_)
        if (u.packet_id == packet_id) return true;
    return false;
}

inline void SubscriptionTracker::connection_lost() {
    for (auto& s : subs_) s.packet_id = 0;
    for (auto& u : unsubs_) u.packet_id = 0;
}

inline void SubscriptionTracker::fail_all(const Error& why, EventQueue& events) {
    for (auto& s : subs_)
        if (!s.acked) events.emit_error(Event::Type::error, error_fmt(why.code, "subscribe: %", why.message), s.op_id);
    for (auto& u : unsubs_)
        events.emit_error(Event::Type::error, error_fmt(why.code, "unsubscribe: %", why.message), u.op_id);
    subs_.clear();
    unsubs_.clear();
}

}  // namespace iotlite::mqtt::detail
