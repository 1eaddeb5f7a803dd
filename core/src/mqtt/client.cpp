#include "iotlite/mqtt/client.hpp"

#include <algorithm>
#include <cstring>

#include "format.hpp"
#include "iotlite/mqtt/codec.hpp"
#include "iotlite/mqtt/topic.hpp"
#include "list.hpp"
#include "wire.hpp"

namespace iotlite::mqtt {

using detail::error_fmt;

const char* state_name(State state) {
    switch (state) {
        case State::idle: return "idle";
        case State::waiting_target: return "waiting_target";
        case State::opening: return "opening";
        case State::connecting: return "connecting";
        case State::connected: return "connected";
        case State::backing_off: return "backing_off";
        case State::closed: return "closed";
    }
    return "unknown";
}

const char* event_type_name(Event::Type type) {
    static const char* const names[] = {"need_target", "open_transport", "close_transport", "connected",
                                        "disconnected", "reconnecting", "message", "subscribed",
                                        "unsubscribed", "published", "publish_failed", "error"};
    auto i = static_cast<unsigned>(type);
    return i < sizeof names / sizeof names[0] ? names[i] : "unknown";
}

namespace {

constexpr std::uint64_t never = UINT64_MAX;

// splitmix64: tiny, seedable, good enough for jitter (not for anything secret).
struct Rng {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, bound] by multiply-shift (Lemire); bias below 2^-32, and no 64-bit
    // division (which would pull __udivmoddi4 into Cortex-M builds).
    std::uint32_t upto(std::uint32_t bound) {
        return static_cast<std::uint32_t>(((next() >> 32) * (std::uint64_t{bound} + 1)) >> 32);
    }
};

// Topic, payload size and QoS of a publish (or of the will).
Result<void> validate_message(std::string_view topic, std::size_t size, QoS qos) {
    auto check = validate_publish_topic(topic);
    if (check) check = validate_payload_size(size);
    if (check) check = validate_qos(static_cast<unsigned>(qos));
    return check;
}

// CONNACK return codes 1..5 (the decoder has refused anything above 5).
Error connack_error(std::uint8_t code) {
    static const char* const texts[] = {
        "connection refused (CONNACK 1): unacceptable protocol version",
        "connection refused (CONNACK 2): client identifier rejected",
        "connection refused (CONNACK 3): server unavailable",
        "connection refused (CONNACK 4): bad user name or password",
        "connection refused (CONNACK 5): not authorized",
    };
    if (code < 1 || code > 5) code = 5;
    return error_fmt(code <= 3 ? Errc::connection_refused : Errc::auth_failed, texts[code - 1]);
}

}  // namespace

struct Client::Impl {
    struct Publish {
        std::uint32_t op_id = 0;
        PublishPacket packet;
        std::size_t bytes() const { return packet.topic.size() + packet.payload.size(); }
    };
    struct Subscription {
        std::uint32_t op_id = 0;
        std::vector<TopicFilter> filters;  // active; refused by the broker or unsubscribed are removed
        std::vector<TopicFilter> sent;     // as in the SUBSCRIBE awaiting its SUBACK
        std::uint16_t packet_id = 0;       // SUBSCRIBE awaiting SUBACK (0: none)
        bool acked = false;                // the subscribe() op has completed
    };
    struct Unsubscribe {
        std::uint32_t op_id = 0;
        std::vector<std::string> filters;
        std::uint16_t packet_id = 0;  // 0: not sent on this connection yet
    };

    Config cfg;
    State state = State::idle;
    // Receive buffer: at most one partial packet plus what the driver just handed over. Framed
    // and parsed in place (views), not through Framer/Packet (code size on Cortex-M).
    std::vector<std::uint8_t> rx;
    std::size_t rx_pos = 0;
    Rng rng;
    // Queues are linked lists (list.hpp): no reallocation/relocation code per element type.
    detail::List<Event> events;  // polled from the front
    std::vector<std::uint8_t> out;  // bytes for the transport, from out_pos
    std::size_t out_pos = 0;

    std::uint32_t failures = 0;  // consecutive failed attempts / short-lived connections
    std::uint32_t attempt = 0;   // number of the current connect attempt (1-based)
    std::uint64_t connect_deadline = never;
    std::uint64_t backoff_deadline = never;
    std::uint64_t last_send = 0;
    std::uint64_t last_recv = 0;          // last complete packet from the broker (connected)
    std::uint64_t ping_deadline = never;  // set while a PINGREQ awaits its PINGRESP
    std::uint64_t connected_at = 0;
    ConnectionTarget target;

    std::uint32_t next_op = 1;
    std::uint16_t next_packet_id = 1;
    detail::List<Publish> queue;  // not yet sent on the current connection (front = oldest)
    std::size_t queue_bytes = 0;
    detail::List<Publish> inflight;  // QoS 1 sent, awaiting PUBACK
    detail::List<Subscription> subs;
    detail::List<Unsubscribe> unsubs;

    explicit Impl(Config&& c) : cfg(std::move(c)), rng{cfg.rng_seed} {}

    // ---- outputs -------------------------------------------------------------------------
    Event& emit(Event::Type type) {
        Event& e = events.emplace_back();
        e.type = type;
        return e;
    }
    void emit_error(Event::Type type, Error error, std::uint32_t op_id = 0) {
        Event& e = emit(type);
        e.error = std::move(error);
        e.op_id = op_id;
    }
    // Packets are written straight from the engine's fields (sizes were validated on the way in).
    void send_packet(const PublishPacket& p, std::uint64_t now) {
        detail::write_publish(out, p.topic, p.payload.data(), p.payload.size(), p.qos, p.retain, p.dup, p.packet_id);
        last_send = now;
    }
    void send_short(std::uint8_t first, bool with_id, std::uint16_t id, std::uint64_t now) {
        detail::write_short(out, first, with_id, id);
        last_send = now;
    }

    // Plain loops rather than <algorithm>: libstdc++ unrolls find_if 4x, which costs code size.
    bool id_in_use(std::uint16_t id) const {
        for (const auto& p : inflight)
            if (p.packet.packet_id == id) return true;
        for (const auto& s : subs)
            if (s.packet_id == id) return true;
        for (const auto& u : unsubs)
            if (u.packet_id == id) return true;
        return false;
    }
    std::uint16_t allocate_packet_id() {
        for (std::uint32_t tries = 0; tries < 65535; ++tries) {
            std::uint16_t id = next_packet_id;
            next_packet_id = next_packet_id == 65535 ? 1 : static_cast<std::uint16_t>(next_packet_id + 1);
            if (!id_in_use(id)) return id;
        }
        return 0;  // unreachable with max_inflight <= 65000
    }

    bool online() const { return state == State::connected; }

    void reset_rx() {
        rx.clear();
        rx_pos = 0;
    }
    void append_rx(const std::uint8_t* data, std::size_t size) { detail::append_compacting(rx, rx_pos, data, size); }

    // ---- publishing ------------------------------------------------------------------------
    void send_publish(Publish&& p, std::uint64_t now) {
        if (p.packet.qos == QoS::at_least_once) {
            p.packet.packet_id = allocate_packet_id();
            send_packet(p.packet, now);
            inflight.push_back(std::move(p));
        } else {
            send_packet(p.packet, now);
            emit(Event::Type::published).op_id = p.op_id;
        }
    }
    bool can_send_now(const PublishPacket& p) const {
        return online() && (p.qos == QoS::at_most_once || inflight.size() < cfg.max_inflight);
    }
    void drain_queue(std::uint64_t now) {
        while (!queue.empty() && can_send_now(queue.front().packet)) {
            Publish p = std::move(queue.front());
            queue.pop_front();
            queue_bytes -= p.bytes();
            send_publish(std::move(p), now);
        }
    }

    // ---- subscriptions ---------------------------------------------------------------------
    // Calls f(filter) for every active filter, then for those in `extra`.
    template <typename F>
    void each_filter(const std::vector<TopicFilter>* extra, F f) const {
        for (const auto& s : subs)
            for (const auto& x : s.filters) f(x.filter);
        if (extra)
            for (const auto& x : *extra) f(x.filter);
    }
    // Distinct filter strings, each counted at its first occurrence (quadratic in the number of
    // filter entries, no allocation).
    std::size_t distinct_filters(const std::vector<TopicFilter>* extra) const {
        std::size_t count = 0, k = 0;
        each_filter(extra, [&](const std::string& a) {
            std::size_t j = 0;
            bool seen = false;
            each_filter(extra, [&](const std::string& b) { seen |= j++ < k && b == a; });
            ++k;
            count += !seen;
        });
        return count;
    }
    // Removes the filters equal to one of names[0..count), keeping the order of the others.
    static void remove_filters(std::vector<TopicFilter>& fs, const std::string* names, std::size_t count) {
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
    void send_subscribe(Subscription& s, std::uint64_t now) {
        if (s.filters.empty()) return;
        s.packet_id = allocate_packet_id();
        s.sent = std::vector<TopicFilter>(s.filters);
        detail::write_subscribe(out, s.packet_id, s.sent);
        last_send = now;
    }
    void send_unsubscribe(Unsubscribe& u, std::uint64_t now) {
        u.packet_id = allocate_packet_id();
        detail::write_unsubscribe(out, u.packet_id, u.filters);
        last_send = now;
    }

    // ---- connection lifecycle ----------------------------------------------------------------
    void begin_attempt() {
        state = State::waiting_target;
        ++attempt;
        emit(Event::Type::need_target).attempt = attempt;
    }

    // Fails every pending operation; used when the client closes for good.
    void fail_all(const Error& why) {
        for (auto& p : inflight) emit_error(Event::Type::publish_failed, why, p.op_id);
        for (auto& p : queue) emit_error(Event::Type::publish_failed, why, p.op_id);
        inflight.clear();
        queue.clear();
        queue_bytes = 0;
        for (auto& s : subs)
            if (!s.acked) emit_error(Event::Type::error, error_fmt(why.code, "subscribe: %", why.message), s.op_id);
        for (auto& u : unsubs)
            emit_error(Event::Type::error, error_fmt(why.code, "unsubscribe: %", why.message), u.op_id);
        subs.clear();
        unsubs.clear();
    }

    void go_closed(const Error& why) {
        state = State::closed;
        connect_deadline = backoff_deadline = ping_deadline = never;
        out.clear();
        out_pos = 0;
        reset_rx();
        fail_all(error_fmt(Errc::closed, "client closed: %", why.message));
    }

    // The current transport failed or ended. `close` asks the driver to close it.
    void lose(Error reason, std::uint64_t now, bool close) {
        bool was_connected = state == State::connected;
        if (close) emit(Event::Type::close_transport);
        out.clear();
        out_pos = 0;
        reset_rx();
        connect_deadline = ping_deadline = never;
        for (auto& s : subs) s.packet_id = 0;
        for (auto& u : unsubs) u.packet_id = 0;
        if (was_connected && now - connected_at >= cfg.reconnect.stable_after_ms) failures = 0;
        if (!cfg.reconnect.enabled) {
            emit_error(Event::Type::disconnected, reason);
            go_closed(reason);
            return;
        }
        emit_error(was_connected ? Event::Type::disconnected : Event::Type::error, std::move(reason));
        schedule_retry(now);
    }

    // Backoff with full jitter above a floor:
    //   cap(n)  = min(max_delay, min_delay * 2^(n+1)),  n = consecutive failures before this one
    //   delay   = min_delay + uniform[0, cap(n) - min_delay]
    // So every retry waits at least min_delay (no hot reconnect loop against a broker that
    // refuses at once), the jitter window doubles per failure and saturates at max_delay.
    // Both bounds are raised to limits::min_connect_interval_ms (AWS IoT: 1 CONNECT per second
    // per client id), whatever the config says.
    std::uint32_t backoff_floor() const {
        return std::max(cfg.reconnect.min_delay_ms, limits::min_connect_interval_ms);
    }
    std::uint32_t backoff_cap(std::uint32_t n) const {
        std::uint64_t base = backoff_floor();
        std::uint64_t cap = base << std::min<std::uint32_t>(n + 1, 32);
        return static_cast<std::uint32_t>(std::min<std::uint64_t>(cap, std::max<std::uint32_t>(cfg.reconnect.max_delay_ms, base)));
    }
    void schedule_retry(std::uint64_t now) {
        std::uint32_t floor = backoff_floor();
        std::uint32_t cap = backoff_cap(failures);
        std::uint32_t delay = floor + rng.upto(cap - floor);
        ++failures;
        state = State::backing_off;
        backoff_deadline = now + delay;
        Event& e = emit(Event::Type::reconnecting);
        e.delay_ms = delay;
        e.attempt = attempt + 1;
    }

    void on_connack(const detail::Inbound& ack, std::uint64_t now) {
        if (ack.return_code != 0) {
            lose(connack_error(ack.return_code), now, true);
            return;
        }
        state = State::connected;
        connect_deadline = never;
        connected_at = last_recv = now;
        attempt = 0;
        bool session_present = ack.session_present && !cfg.clean_session;
        emit(Event::Type::connected).session_present = session_present;
        // Subscriptions: all of them when the broker has no session for us, otherwise only
        // those whose SUBACK never came (the broker may not have seen the SUBSCRIBE).
        for (auto& s : subs)
            if (!session_present || !s.acked) send_subscribe(s, now);
        for (auto& u : unsubs) send_unsubscribe(u, now);
        // QoS 1 publishes without PUBACK are re-sent with DUP=1 and their packet ids.
        for (auto& p : inflight) {
            p.packet.dup = true;
            send_packet(p.packet, now);
        }
        drain_queue(now);
    }

    static bool matches(const Subscription& s, std::string_view topic) {
        for (const auto& f : s.filters)
            if (topic_matches(f.filter, topic)) return true;
        return false;
    }
    void on_publish(const detail::Inbound& p, std::uint64_t now) {
        Event& e = emit(Event::Type::message);
        // Two passes (count, then fill a vector of that size): no push_back growth code.
        std::size_t n = 0;
        for (const auto& s : subs) n += matches(s, p.topic);
        if (n) {
            std::vector<std::uint32_t> ids(n);
            n = 0;
            for (const auto& s : subs)
                if (matches(s, p.topic)) ids[n++] = s.op_id;
            e.subscription_ids = std::move(ids);
        }
        Message& m = e.message;
        m.topic = std::string(p.topic.data(), p.topic.size());
        m.payload = std::vector<std::uint8_t>(p.data, p.data + p.size);
        m.qos = p.qos;
        m.retain = p.retain;
        m.dup = p.dup;
        if (p.qos == QoS::at_least_once) send_short(0x40, true, p.packet_id, now);  // PUBACK
    }

    // Returns false after a protocol error (the connection is then gone).
    bool on_packet(const detail::Inbound& in, std::uint64_t now) {
        last_recv = now;
        if (state == State::connecting) {
            if (in.type != PacketType::connack) {
                lose(error_fmt(Errc::protocol_error, "protocol error: expected CONNACK, got %", packet_type_name(in.type)),
                     now, true);
                return false;
            }
            on_connack(in, now);
            return state == State::connected;
        }
        switch (in.type) {
            case PacketType::publish: on_publish(in, now); break;
            case PacketType::puback: {
                for (Publish& p : inflight) {
                    if (p.packet.packet_id != in.packet_id) continue;
                    emit(Event::Type::published).op_id = p.op_id;
                    inflight.remove(&p);
                    drain_queue(now);
                    break;
                }  // an unknown id (a duplicate PUBACK) is ignored
                break;
            }
            case PacketType::suback: {
                auto it = subs.begin();
                while (it != subs.end() && it->packet_id != in.packet_id) ++it;
                if (it == subs.end()) return true;
                if (in.size != it->sent.size()) {
                    lose(error_fmt(Errc::protocol_error, "protocol error: SUBACK has % return codes for % filters", in.size, it->sent.size()),
                         now, true);
                    return false;
                }
                it->packet_id = 0;
                bool first = !it->acked;
                it->acked = true;
                for (std::size_t i = 0; i < in.size; ++i) {
                    if (static_cast<SubackCode>(in.data[i]) != SubackCode::failure) continue;
                    const std::string& refused = it->sent[i].filter;
                    remove_filters(it->filters, &refused, 1);
                    if (!first)
                        emit_error(Event::Type::error,
                                   error_fmt(Errc::server_error, "re-subscribe to '%' refused by the broker (SUBACK 0x80)", refused),
                                   it->op_id);
                }
                it->sent.clear();
                if (first) {
                    Event& e = emit(Event::Type::subscribed);
                    e.op_id = it->op_id;
                    const auto* codes = reinterpret_cast<const SubackCode*>(in.data);
                    e.granted = std::vector<SubackCode>(codes, codes + in.size);
                }
                if (it->filters.empty()) subs.remove(&*it);
                break;
            }
            case PacketType::unsuback: {
                for (Unsubscribe& u : unsubs) {
                    if (u.packet_id != in.packet_id) continue;
                    emit(Event::Type::unsubscribed).op_id = u.op_id;
                    unsubs.remove(&u);
                    break;
                }
                break;
            }
            case PacketType::pingresp: ping_deadline = never; break;
            default:
                lose(error_fmt(Errc::protocol_error, "protocol error: unexpected % from the broker", packet_type_name(in.type)),
                     now, true);
                return false;
        }
        return true;
    }

    // Keep-alive: PINGREQ when nothing was sent OR nothing was received for keep_alive_s (so
    // outbound traffic cannot hide a dead path), then at most keep_alive_s / 2 for the PINGRESP:
    // a path that goes silent is detected within 1.5 x keep-alive.
    std::uint64_t ping_due() const { return std::min(last_send, last_recv) + std::uint64_t{cfg.keep_alive_s} * 1000; }
    std::uint32_t ping_timeout() const { return std::min<std::uint32_t>(cfg.ping_timeout_ms, cfg.keep_alive_s * 500u); }

    std::uint64_t deadline() const {
        switch (state) {
            case State::opening:
            case State::connecting: return connect_deadline;
            case State::backing_off: return backoff_deadline;
            case State::connected:
                if (ping_deadline != never) return ping_deadline;
                return ping_due();
            default: return never;
        }
    }
};

// ---- Client ---------------------------------------------------------------------------------

Result<std::unique_ptr<Client>> Client::create(Config config) {
    auto check = validate_client_id(config.client_id);
    if (check) check = validate_keep_alive(config.keep_alive_s);
    if (check && config.will) {
        check = validate_message(config.will->topic, config.will->payload.size(), config.will->qos);
        if (!check) check = error_fmt(check.error().code, "will: %", check.error().message);
    }
    if (!check) return check.error();
    if (config.max_subscriptions > limits::max_subscriptions)
        return detail::fail<std::unique_ptr<Client>>(Errc::limit_exceeded, "max_subscriptions is %; AWS IoT allows 50 subscriptions per connection", config.max_subscriptions);
    if (config.max_inflight < 1 || config.max_inflight > 65000)
        return detail::fail<std::unique_ptr<Client>>(Errc::invalid_argument, "max_inflight is %; allowed 1 to 65000", config.max_inflight);
    if (config.max_inbound_packet < 5)
        return detail::fail<std::unique_ptr<Client>>(Errc::invalid_argument, "max_inbound_packet is %; at least 5 bytes are needed", config.max_inbound_packet);
    if (config.reconnect.min_delay_ms > config.reconnect.max_delay_ms)
        return detail::fail<std::unique_ptr<Client>>(Errc::invalid_argument, "reconnect.min_delay_ms (%) is above reconnect.max_delay_ms (%)", config.reconnect.min_delay_ms, config.reconnect.max_delay_ms);
    return std::unique_ptr<Client>(new Client(std::move(config)));
}

Client::Client(Config&& config) : impl_(new Impl(std::move(config))) {}
Client::~Client() = default;

Result<void> Client::connect(std::uint64_t) {
    if (impl_->state == State::closed) return detail::fail<void>(Errc::invalid_state, "connect(): the client is closed");
    if (impl_->state != State::idle) return detail::fail<void>(Errc::invalid_state, "connect(): already started");
    impl_->begin_attempt();
    return {};
}

void Client::disconnect(std::uint64_t now_ms) {
    Impl& m = *impl_;
    switch (m.state) {
        case State::closed: return;
        case State::connected:
            m.send_short(0xE0, false, 0, now_ms);  // DISCONNECT
            m.emit(Event::Type::close_transport);
            break;
        case State::opening:
        case State::connecting: m.emit(Event::Type::close_transport); break;
        default: break;
    }
    Error why = error_fmt(Errc::closed, "disconnect() called by the application");
    m.emit_error(Event::Type::disconnected, why);
    // go_closed() clears the output; when connected keep what is unsent (ending with
    // DISCONNECT) for the driver to flush before it closes the transport.
    std::vector<std::uint8_t> pending;
    if (m.state == State::connected) {
        const std::uint8_t* unsent = m.out.data();
        pending = std::vector<std::uint8_t>(unsent + m.out_pos, unsent + m.out.size());
    }
    m.go_closed(why);
    m.out = std::move(pending);
}

Result<std::uint32_t> Client::publish(std::string_view topic, const std::uint8_t* payload, std::size_t size, QoS qos,
                                      bool retain, std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state == State::closed) return detail::fail<std::uint32_t>(Errc::invalid_state, "publish(): the client is closed");
    if (size != 0 && payload == nullptr)
        return detail::fail<std::uint32_t>(Errc::invalid_argument, "publish(): payload is null but size is not 0");
    if (auto check = validate_message(topic, size, qos); !check) return check.error();

    Impl::Publish p;
    p.packet.topic = std::string(topic.data(), topic.size());
    if (size) p.packet.payload = std::vector<std::uint8_t>(payload, payload + size);
    p.packet.qos = qos;
    p.packet.retain = retain;
    if (m.queue.empty() && m.can_send_now(p.packet)) {
        p.op_id = m.next_op++;
        std::uint32_t id = p.op_id;
        m.send_publish(std::move(p), now_ms);
        return id;
    }
    const OfflineQueueConfig& q = m.cfg.offline_queue;
    if (q.max_messages == 0)
        return detail::fail<std::uint32_t>(m.online() ? Errc::queue_full : Errc::not_connected,
                          m.online() ? "publish(): the in-flight window is full and the offline queue is disabled"
                                     : "publish(): not connected and the offline queue is disabled");
    std::size_t bytes = p.bytes();
    bool fits_ever = bytes <= q.max_bytes;
    auto full = [&] { return m.queue.size() + 1 > q.max_messages || m.queue_bytes + bytes > q.max_bytes; };
    if (full() || !fits_ever) {
        // One message for every outcome: "<prefix>why".
        bool newest = q.policy == QueuePolicy::drop_newest || !fits_ever;
        const char* prefix = q.policy == QueuePolicy::reject ? "publish(): "
                             : newest                        ? "dropped (drop_newest): "
                                                             : "dropped (drop_oldest): ";
        Errc code = q.policy == QueuePolicy::reject ? Errc::queue_full : Errc::dropped;
        Error why = !fits_ever ? error_fmt(code, "%message of % bytes exceeds offline_queue.max_bytes %", prefix, bytes, q.max_bytes)
                               : error_fmt(code, "%offline queue is full (% messages, % bytes queued)", prefix, m.queue.size(), m.queue_bytes);
        if (q.policy == QueuePolicy::reject) return why;
        if (newest) {
            std::uint32_t id = m.next_op++;
            m.emit_error(Event::Type::publish_failed, std::move(why), id);
            return id;
        }
        while (!m.queue.empty() && full()) {  // drop_oldest
            m.queue_bytes -= m.queue.front().bytes();
            m.emit_error(Event::Type::publish_failed, why, m.queue.front().op_id);
            m.queue.pop_front();
        }
    }
    p.op_id = m.next_op++;
    m.queue_bytes += bytes;
    return m.queue.push_back(std::move(p)).op_id;
}

Result<std::uint32_t> Client::subscribe(const std::vector<TopicFilter>& filters, std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state == State::closed) return detail::fail<std::uint32_t>(Errc::invalid_state, "subscribe(): the client is closed");
    if (filters.empty()) return detail::fail<std::uint32_t>(Errc::invalid_argument, "subscribe(): at least 1 topic filter is required");
    if (filters.size() > limits::max_filters_per_subscribe)
        return detail::fail<std::uint32_t>(Errc::limit_exceeded, "SUBSCRIBE has % topic filters; AWS IoT allows 8 per SUBSCRIBE", filters.size());
    for (const auto& f : filters) {
        if (auto check = validate_topic_filter(f.filter); !check) return check.error();
        if (auto check = validate_qos(static_cast<unsigned>(f.qos)); !check) return check.error();
    }
    std::size_t total = m.distinct_filters(&filters);
    if (total > m.cfg.max_subscriptions)
        return detail::fail<std::uint32_t>(Errc::limit_exceeded, "subscribe() would make % subscriptions; the limit is % per connection", total, m.cfg.max_subscriptions);
    Impl::Subscription& s = m.subs.emplace_back();
    s.op_id = m.next_op++;
    s.filters = std::vector<TopicFilter>(filters);
    if (m.online()) m.send_subscribe(s, now_ms);
    return s.op_id;
}

Result<std::uint32_t> Client::unsubscribe(const std::vector<std::string>& filters, std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state == State::closed) return detail::fail<std::uint32_t>(Errc::invalid_state, "unsubscribe(): the client is closed");
    if (filters.empty()) return detail::fail<std::uint32_t>(Errc::invalid_argument, "unsubscribe(): at least 1 topic filter is required");
    for (const auto& f : filters) {
        auto check = validate_topic_filter(f);
        if (!check) return check.error();
    }
    // Stop matching these filters at once; subscriptions left without filters are gone.
    for (auto& s : m.subs) Impl::remove_filters(s.filters, filters.data(), filters.size());
    // Subscriptions left without filters are gone; one whose SUBACK never came completes now.
    for (const auto& s : m.subs)
        if (s.filters.empty() && !s.acked)
            m.emit_error(Event::Type::error,
                         error_fmt(Errc::closed, "subscribe(): cancelled by unsubscribe() before its SUBACK"), s.op_id);
    for (auto it = m.subs.begin(); it != m.subs.end();) {
        Impl::Subscription& s = *it;
        ++it;  // before removing s
        if (s.filters.empty()) m.subs.remove(&s);
    }
    Impl::Unsubscribe& u = m.unsubs.emplace_back();
    u.op_id = m.next_op++;
    u.filters = std::vector<std::string>(filters);
    if (m.online()) m.send_unsubscribe(u, now_ms);
    return u.op_id;
}

void Client::provide_target(Result<ConnectionTarget> target, std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state != State::waiting_target) return;  // stale answer (e.g. after disconnect())
    const char* incomplete = nullptr;
    if (target) {
        const ConnectionTarget& t = target.value();
        if (t.kind == TransportKind::websocket && t.url.empty())
            incomplete = "a websocket target needs a url";
        else if (t.kind != TransportKind::websocket && (t.host.empty() || t.port == 0))
            incomplete = "a tcp/tls target needs a host and a non-zero port";
    }
    if (!target || incomplete) {
        Error e = incomplete ? error_fmt(Errc::invalid_argument, "connection target: %", incomplete)
                             : error_fmt(target.error().code, "connection target: %", target.error().message);
        if (!incomplete) e.http_status = target.error().http_status;  // the cause stays data
        m.state = State::opening;  // so lose() treats it as a failed attempt
        m.lose(std::move(e), now_ms, false);
        return;
    }
    m.target = std::move(target).value();
    m.state = State::opening;
    m.connect_deadline = now_ms + m.cfg.connect_timeout_ms;
    m.emit(Event::Type::open_transport).target = m.target;
}

void Client::on_open(std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state != State::opening) return;
    m.state = State::connecting;
    m.reset_rx();
    const ConnectionTarget& t = m.target;
    // An over-long user name or password cannot be encoded: nothing is sent and the attempt
    // runs into the connect timeout.
    if (t.username.size() > 0xFFFF || t.password.size() > 0xFFFF) return;
    const std::string* user = !t.username.empty() || !t.password.empty() ? &t.username : nullptr;
    const std::string* pass = !t.password.empty() ? &t.password : nullptr;
    detail::write_connect(m.out, m.cfg.client_id, m.cfg.keep_alive_s, m.cfg.clean_session,
                          m.cfg.will ? &*m.cfg.will : nullptr, user, pass);
    m.last_send = now_ms;
}

void Client::on_bytes(const std::uint8_t* data, std::size_t size, std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state != State::connecting && m.state != State::connected) return;
    m.append_rx(data, size);
    for (;;) {
        const std::uint8_t* p = m.rx.data() + m.rx_pos;
        std::size_t avail = m.rx.size() - m.rx_pos;
        std::size_t header = 0;
        std::uint32_t length = 0;
        int got = detail::parse_fixed_header(p, avail, header, length);
        if (got == 0) return;
        if (got < 0) {
            m.lose(detail::long_length_error("protocol error: "), now_ms, true);
            return;
        }
        std::size_t total = header + length;
        if (total > m.cfg.max_inbound_packet) {
            m.lose(detail::oversize_error("protocol error: ", total, m.cfg.max_inbound_packet), now_ms, true);
            return;
        }
        if (avail < total) return;
        // Consumed; clear() keeps the storage, so `p` stays valid while the packet is handled.
        m.rx_pos += total;
        if (m.rx_pos == m.rx.size()) m.reset_rx();
        detail::Inbound in;
        if (detail::Rule rule = detail::parse_inbound(p[0], p + header, length, in)) {
            m.lose(detail::inbound_error("protocol error: ", p[0], rule), now_ms, true);
            return;
        }
        if (!m.on_packet(in, now_ms)) return;
    }
}

void Client::on_closed(Error reason, std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state != State::opening && m.state != State::connecting && m.state != State::connected) return;
    m.lose(std::move(reason), now_ms, false);
}

void Client::on_tick(std::uint64_t now_ms) {
    Impl& m = *impl_;
    switch (m.state) {
        case State::opening:
        case State::connecting:
            if (now_ms >= m.connect_deadline)
                m.lose(error_fmt(Errc::timeout, "connect timeout: no CONNACK within % ms", m.cfg.connect_timeout_ms),
                       now_ms, true);
            break;
        case State::backing_off:
            if (now_ms >= m.backoff_deadline) {
                m.backoff_deadline = never;
                m.begin_attempt();
            }
            break;
        case State::connected:
            if (m.ping_deadline != never) {
                if (now_ms >= m.ping_deadline) m.lose(error_fmt(Errc::timeout, "keep-alive timeout"), now_ms, true);
            } else if (now_ms >= m.ping_due()) {
                m.send_short(0xC0, false, 0, now_ms);  // PINGREQ
                m.ping_deadline = now_ms + m.ping_timeout();
            }
            break;
        default: break;
    }
}

bool Client::poll_event(Event& out) {
    Impl& m = *impl_;
    if (m.events.empty()) return false;
    out = std::move(m.events.front());
    m.events.pop_front();
    return true;
}

const std::uint8_t* Client::output_data() const { return impl_->out.data() + impl_->out_pos; }
std::size_t Client::output_size() const { return impl_->out.size() - impl_->out_pos; }

void Client::consume_output(std::size_t count) {
    Impl& m = *impl_;
    m.out_pos += std::min(count, m.out.size() - m.out_pos);
    if (m.out_pos == m.out.size()) {
        m.out.clear();
        m.out_pos = 0;
    } else if (m.out_pos >= 4096) {
        m.out.erase(m.out.begin(), m.out.begin() + static_cast<std::ptrdiff_t>(m.out_pos));
        m.out_pos = 0;
    }
}

std::uint64_t Client::next_deadline_ms() const { return impl_->deadline(); }
State Client::state() const { return impl_->state; }
const Config& Client::config() const { return impl_->cfg; }
std::size_t Client::offline_queue_size() const { return impl_->queue.size(); }
std::size_t Client::inflight_size() const { return impl_->inflight.size(); }

}  // namespace iotlite::mqtt
