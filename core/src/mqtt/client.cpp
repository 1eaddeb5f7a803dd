#include "iotlite/mqtt/client.hpp"

#include <algorithm>

#include "format.hpp"
#include "iotlite/mqtt/codec.hpp"
#include "iotlite/mqtt/framer.hpp"
#include "iotlite/mqtt/topic.hpp"

namespace iotlite::mqtt {

using detail::decimal;
using detail::error_of;

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

Error connack_error(std::uint8_t code) {
    switch (code) {
        case 1: return make_error(Errc::connection_refused, "connection refused (CONNACK 1): unacceptable protocol version");
        case 2: return make_error(Errc::connection_refused, "connection refused (CONNACK 2): client identifier rejected");
        case 3: return make_error(Errc::connection_refused, "connection refused (CONNACK 3): server unavailable");
        case 4: return make_error(Errc::auth_failed, "connection refused (CONNACK 4): bad user name or password");
        default: return make_error(Errc::auth_failed, "connection refused (CONNACK 5): not authorized");
    }
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
    Framer framer;
    Rng rng;
    // Plain vectors rather than deques: smaller code on Cortex-M. Events are read from
    // events[event_head]; the vector is reset whenever it has been drained.
    std::vector<Event> events;
    std::size_t event_head = 0;
    std::vector<std::uint8_t> out;
    std::size_t out_pos = 0;

    std::uint32_t failures = 0;  // consecutive failed attempts / short-lived connections
    std::uint32_t attempt = 0;   // number of the current connect attempt (1-based)
    std::uint64_t connect_deadline = never;
    std::uint64_t backoff_deadline = never;
    std::uint64_t last_send = 0;
    std::uint64_t ping_deadline = never;  // set while a PINGREQ awaits its PINGRESP
    std::uint64_t connected_at = 0;
    ConnectionTarget target;

    std::uint32_t next_op = 1;
    std::uint16_t next_packet_id = 1;
    std::vector<Publish> queue;  // not yet sent on the current connection (front = oldest)
    std::size_t queue_bytes = 0;
    std::vector<Publish> inflight;  // QoS 1 sent, awaiting PUBACK
    std::vector<Subscription> subs;
    std::vector<Unsubscribe> unsubs;

    explicit Impl(Config c) : cfg(std::move(c)), framer(cfg.max_inbound_packet), rng{cfg.rng_seed} {}

    // ---- outputs -------------------------------------------------------------------------
    Event& emit(Event::Type type) {
        events.emplace_back();
        events.back().type = type;
        return events.back();
    }
    void emit_error(Event::Type type, Error error, std::uint32_t op_id = 0) {
        Event& e = emit(type);
        e.error = std::move(error);
        e.op_id = op_id;
    }
    template <typename P>
    void send(const P& packet, std::uint64_t now) {
        // Sizes were validated before we get here, so encoding cannot fail.
        (void)encode(packet, out);
        last_send = now;
    }

    std::uint16_t allocate_packet_id() {
        for (std::uint32_t tries = 0; tries < 65535; ++tries) {
            std::uint16_t id = next_packet_id;
            next_packet_id = next_packet_id == 65535 ? 1 : static_cast<std::uint16_t>(next_packet_id + 1);
            bool used = std::any_of(inflight.begin(), inflight.end(), [&](const Publish& p) { return p.packet.packet_id == id; }) ||
                        std::any_of(subs.begin(), subs.end(), [&](const Subscription& s) { return s.packet_id == id; }) ||
                        std::any_of(unsubs.begin(), unsubs.end(), [&](const Unsubscribe& u) { return u.packet_id == id; });
            if (!used) return id;
        }
        return 0;  // unreachable with max_inflight <= 65000
    }

    bool online() const { return state == State::connected; }

    // ---- publishing ------------------------------------------------------------------------
    void send_publish(Publish p, std::uint64_t now) {
        if (p.packet.qos == QoS::at_least_once) {
            p.packet.packet_id = allocate_packet_id();
            send(p.packet, now);
            inflight.push_back(std::move(p));
        } else {
            send(p.packet, now);
            emit(Event::Type::published).op_id = p.op_id;
        }
    }
    bool can_send_now(const PublishPacket& p) const {
        return online() && (p.qos == QoS::at_most_once || inflight.size() < cfg.max_inflight);
    }
    void drain_queue(std::uint64_t now) {
        while (!queue.empty() && can_send_now(queue.front().packet)) {
            Publish p = std::move(queue.front());
            queue.erase(queue.begin());
            queue_bytes -= p.bytes();
            send_publish(std::move(p), now);
        }
    }

    // ---- subscriptions ---------------------------------------------------------------------
    std::size_t distinct_filters(const std::vector<TopicFilter>* extra) const {
        std::vector<std::string_view> seen;
        auto add = [&seen](std::string_view f) {
            if (std::find(seen.begin(), seen.end(), f) == seen.end()) seen.push_back(f);
        };
        for (const auto& s : subs)
            for (const auto& f : s.filters) add(f.filter);
        if (extra)
            for (const auto& f : *extra) add(f.filter);
        return seen.size();
    }
    void send_subscribe(Subscription& s, std::uint64_t now) {
        if (s.filters.empty()) return;
        s.packet_id = allocate_packet_id();
        s.sent = s.filters;
        send(SubscribePacket{s.packet_id, s.sent}, now);
    }
    void send_unsubscribe(Unsubscribe& u, std::uint64_t now) {
        u.packet_id = allocate_packet_id();
        send(UnsubscribePacket{u.packet_id, u.filters}, now);
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
            if (!s.acked) emit_error(Event::Type::error, error_of(why.code, {"subscribe: ", why.message}), s.op_id);
        for (auto& u : unsubs)
            emit_error(Event::Type::error, error_of(why.code, {"unsubscribe: ", why.message}), u.op_id);
        subs.clear();
        unsubs.clear();
    }

    void go_closed(const Error& why) {
        state = State::closed;
        connect_deadline = backoff_deadline = ping_deadline = never;
        out.clear();
        out_pos = 0;
        framer.reset();
        fail_all(error_of(Errc::closed, {"client closed: ", why.message}));
    }

    // The current transport failed or ended. `close` asks the driver to close it.
    void lose(Error reason, std::uint64_t now, bool close) {
        bool was_connected = state == State::connected;
        if (close) emit(Event::Type::close_transport);
        out.clear();
        out_pos = 0;
        framer.reset();
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
    std::uint32_t backoff_cap(std::uint32_t n) const {
        std::uint64_t base = std::max<std::uint32_t>(cfg.reconnect.min_delay_ms, 1);
        std::uint64_t cap = base << std::min<std::uint32_t>(n + 1, 32);
        return static_cast<std::uint32_t>(std::min<std::uint64_t>(cap, cfg.reconnect.max_delay_ms));
    }
    void schedule_retry(std::uint64_t now) {
        std::uint32_t floor = cfg.reconnect.min_delay_ms;
        std::uint32_t cap = backoff_cap(failures);
        std::uint32_t delay = floor + rng.upto(cap - floor);
        ++failures;
        state = State::backing_off;
        backoff_deadline = now + delay;
        Event& e = emit(Event::Type::reconnecting);
        e.delay_ms = delay;
        e.attempt = attempt + 1;
    }

    void on_connack(const ConnackPacket& ack, std::uint64_t now) {
        if (ack.return_code != 0) {
            lose(connack_error(ack.return_code), now, true);
            return;
        }
        state = State::connected;
        connect_deadline = never;
        connected_at = now;
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
            send(p.packet, now);
        }
        drain_queue(now);
    }

    void on_publish(PublishPacket& p, std::uint64_t now) {
        Event& e = emit(Event::Type::message);
        for (const auto& s : subs)
            for (const auto& f : s.filters)
                if (topic_matches(f.filter, p.topic)) {
                    e.subscription_ids.push_back(s.op_id);
                    break;
                }
        std::uint16_t id = p.packet_id;
        bool ack = p.qos == QoS::at_least_once;
        e.message = Message{std::move(p.topic), std::move(p.payload), p.qos, p.retain, p.dup};
        if (ack) send(PubackPacket{id}, now);
    }

    // Returns false after a protocol error (the connection is then gone).
    bool on_packet(Packet& packet, std::uint64_t now) {
        if (state == State::connecting) {
            auto* ack = std::get_if<ConnackPacket>(&packet);
            if (!ack) {
                lose(error_of(Errc::protocol_error, {"protocol error: expected CONNACK, got ", packet_type_name(packet_type(packet))}),
                     now, true);
                return false;
            }
            on_connack(*ack, now);
            return state == State::connected;
        }
        if (auto* p = std::get_if<PublishPacket>(&packet)) {
            on_publish(*p, now);
        } else if (auto* a = std::get_if<PubackPacket>(&packet)) {
            auto it = std::find_if(inflight.begin(), inflight.end(),
                                   [&](const Publish& q) { return q.packet.packet_id == a->packet_id; });
            if (it != inflight.end()) {  // an unknown id (a duplicate PUBACK) is ignored
                emit(Event::Type::published).op_id = it->op_id;
                inflight.erase(it);
                drain_queue(now);
            }
        } else if (auto* s = std::get_if<SubackPacket>(&packet)) {
            auto it = std::find_if(subs.begin(), subs.end(), [&](const Subscription& x) { return x.packet_id == s->packet_id; });
            if (it == subs.end()) return true;
            if (s->codes.size() != it->sent.size()) {
                lose(error_of(Errc::protocol_error, {"protocol error: SUBACK has ", decimal(s->codes.size()), " return codes for ", decimal(it->sent.size()), " filters"}),
                     now, true);
                return false;
            }
            it->packet_id = 0;
            bool first = !it->acked;
            it->acked = true;
            for (std::size_t i = 0; i < s->codes.size(); ++i) {
                if (s->codes[i] != SubackCode::failure) continue;
                const std::string& refused = it->sent[i].filter;
                auto& fs = it->filters;
                fs.erase(std::remove_if(fs.begin(), fs.end(), [&](const TopicFilter& f) { return f.filter == refused; }),
                         fs.end());
                if (!first)
                    emit_error(Event::Type::error,
                               error_of(Errc::server_error, {"re-subscribe to '", refused, "' refused by the broker (SUBACK 0x80)"}),
                               it->op_id);
            }
            it->sent.clear();
            if (first) {
                Event& e = emit(Event::Type::subscribed);
                e.op_id = it->op_id;
                e.granted = s->codes;
            }
            if (it->filters.empty()) subs.erase(it);
        } else if (auto* u = std::get_if<UnsubackPacket>(&packet)) {
            auto it = std::find_if(unsubs.begin(), unsubs.end(), [&](const Unsubscribe& x) { return x.packet_id == u->packet_id; });
            if (it != unsubs.end()) {
                emit(Event::Type::unsubscribed).op_id = it->op_id;
                unsubs.erase(it);
            }
        } else if (std::get_if<PingrespPacket>(&packet)) {
            ping_deadline = never;
        } else {
            lose(error_of(Errc::protocol_error, {"protocol error: unexpected ", packet_type_name(packet_type(packet)), " from the broker"}),
                 now, true);
            return false;
        }
        return true;
    }

    std::uint64_t deadline() const {
        switch (state) {
            case State::opening:
            case State::connecting: return connect_deadline;
            case State::backing_off: return backoff_deadline;
            case State::connected:
                if (ping_deadline != never) return ping_deadline;
                return last_send + std::uint64_t{cfg.keep_alive_s} * 1000;
            default: return never;
        }
    }
};

// ---- Client ---------------------------------------------------------------------------------

Result<std::unique_ptr<Client>> Client::create(Config config) {
    auto check = validate_client_id(config.client_id);
    if (check) check = validate_keep_alive(config.keep_alive_s);
    if (check && config.will) {
        check = validate_publish_topic(config.will->topic);
        if (check) check = validate_payload_size(config.will->payload.size());
        if (check) check = validate_qos(static_cast<unsigned>(config.will->qos));
        if (!check) check = error_of(check.error().code, {"will: ", check.error().message});
    }
    if (!check) return check.error();
    if (config.max_subscriptions > limits::max_subscriptions)
        return error_of(Errc::limit_exceeded, {"max_subscriptions is ", decimal(config.max_subscriptions), "; AWS IoT allows 50 subscriptions per connection"});
    if (config.max_inflight < 1 || config.max_inflight > 65000)
        return error_of(Errc::invalid_argument, {"max_inflight is ", decimal(config.max_inflight), "; allowed 1 to 65000"});
    if (config.max_inbound_packet < 5)
        return error_of(Errc::invalid_argument, {"max_inbound_packet is ", decimal(config.max_inbound_packet), "; at least 5 bytes are needed"});
    if (config.reconnect.min_delay_ms > config.reconnect.max_delay_ms)
        return error_of(Errc::invalid_argument, {"reconnect.min_delay_ms (", decimal(config.reconnect.min_delay_ms), ") is above reconnect.max_delay_ms (", decimal(config.reconnect.max_delay_ms), ")"});
    return std::unique_ptr<Client>(new Client(std::move(config)));
}

Client::Client(Config config) : impl_(new Impl(std::move(config))) {}
Client::~Client() = default;

Result<void> Client::connect(std::uint64_t) {
    if (impl_->state == State::closed) return make_error(Errc::invalid_state, "connect(): the client is closed");
    if (impl_->state != State::idle) return make_error(Errc::invalid_state, "connect(): already started");
    impl_->begin_attempt();
    return {};
}

void Client::disconnect(std::uint64_t now_ms) {
    Impl& m = *impl_;
    switch (m.state) {
        case State::closed: return;
        case State::connected:
            m.send(DisconnectPacket{}, now_ms);
            m.emit(Event::Type::close_transport);
            break;
        case State::opening:
        case State::connecting: m.emit(Event::Type::close_transport); break;
        default: break;
    }
    Error why = make_error(Errc::closed, "disconnect() called by the application");
    m.emit_error(Event::Type::disconnected, why);
    // go_closed() clears the output; when connected keep what is unsent (ending with
    // DISCONNECT) for the driver to flush before it closes the transport.
    std::vector<std::uint8_t> pending;
    if (m.state == State::connected) pending.assign(m.out.begin() + static_cast<std::ptrdiff_t>(m.out_pos), m.out.end());
    m.go_closed(why);
    m.out = std::move(pending);
}

Result<std::uint32_t> Client::publish(std::string_view topic, const std::uint8_t* payload, std::size_t size, QoS qos,
                                      bool retain, std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state == State::closed) return make_error(Errc::invalid_state, "publish(): the client is closed");
    if (size != 0 && payload == nullptr)
        return make_error(Errc::invalid_argument, "publish(): payload is null but size is not 0");
    auto check = validate_publish_topic(topic);
    if (check) check = validate_payload_size(size);
    if (check) check = validate_qos(static_cast<unsigned>(qos));
    if (!check) return check.error();

    Impl::Publish p;
    p.packet.topic.assign(topic.data(), topic.size());
    if (size) p.packet.payload.assign(payload, payload + size);
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
        return make_error(m.online() ? Errc::queue_full : Errc::not_connected,
                          m.online() ? "publish(): the in-flight window is full and the offline queue is disabled"
                                     : "publish(): not connected and the offline queue is disabled");
    std::size_t bytes = p.bytes();
    bool fits_ever = bytes <= q.max_bytes;
    auto full = [&] { return m.queue.size() + 1 > q.max_messages || m.queue_bytes + bytes > q.max_bytes; };
    if (full() || !fits_ever) {
        std::string why = !fits_ever ? "message of " + decimal(bytes) + " bytes exceeds offline_queue.max_bytes " +
                                           decimal(q.max_bytes)
                                     : "offline queue is full (" + decimal(m.queue.size()) + " messages, " +
                                           decimal(m.queue_bytes) + " bytes queued)";
        if (q.policy == QueuePolicy::reject) return error_of(Errc::queue_full, {"publish(): ", why});
        if (q.policy == QueuePolicy::drop_newest || !fits_ever) {
            std::uint32_t id = m.next_op++;
            m.emit_error(Event::Type::publish_failed, error_of(Errc::dropped, {"dropped (drop_newest): ", why}), id);
            return id;
        }
        while (!m.queue.empty() && full()) {  // drop_oldest
            Impl::Publish old = std::move(m.queue.front());
            m.queue.erase(m.queue.begin());
            m.queue_bytes -= old.bytes();
            m.emit_error(Event::Type::publish_failed, error_of(Errc::dropped, {"dropped (drop_oldest): ", why}), old.op_id);
        }
    }
    p.op_id = m.next_op++;
    m.queue_bytes += bytes;
    m.queue.push_back(std::move(p));
    return m.queue.back().op_id;
}

Result<std::uint32_t> Client::subscribe(const std::vector<TopicFilter>& filters, std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state == State::closed) return make_error(Errc::invalid_state, "subscribe(): the client is closed");
    if (filters.empty()) return make_error(Errc::invalid_argument, "subscribe(): at least 1 topic filter is required");
    if (filters.size() > limits::max_filters_per_subscribe)
        return error_of(Errc::limit_exceeded, {"SUBSCRIBE has ", decimal(filters.size()), " topic filters; AWS IoT allows 8 per SUBSCRIBE"});
    for (const auto& f : filters) {
        auto check = validate_topic_filter(f.filter);
        if (check) check = validate_qos(static_cast<unsigned>(f.qos));
        if (!check) return check.error();
    }
    std::size_t total = m.distinct_filters(&filters);
    if (total > m.cfg.max_subscriptions)
        return error_of(Errc::limit_exceeded, {"subscribe() would make ", decimal(total), " subscriptions; the limit is ", decimal(m.cfg.max_subscriptions), " per connection"});
    Impl::Subscription s;
    s.op_id = m.next_op++;
    s.filters = filters;
    m.subs.push_back(std::move(s));
    if (m.online()) m.send_subscribe(m.subs.back(), now_ms);
    return m.subs.back().op_id;
}

Result<std::uint32_t> Client::unsubscribe(const std::vector<std::string>& filters, std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state == State::closed) return make_error(Errc::invalid_state, "unsubscribe(): the client is closed");
    if (filters.empty()) return make_error(Errc::invalid_argument, "unsubscribe(): at least 1 topic filter is required");
    for (const auto& f : filters) {
        auto check = validate_topic_filter(f);
        if (!check) return check.error();
    }
    // Stop matching these filters at once; subscriptions left without filters are gone.
    for (auto& s : m.subs)
        s.filters.erase(std::remove_if(s.filters.begin(), s.filters.end(),
                                       [&](const TopicFilter& f) {
                                           return std::find(filters.begin(), filters.end(), f.filter) != filters.end();
                                       }),
                        s.filters.end());
    // Subscriptions left without filters are gone; one whose SUBACK never came completes now.
    for (const auto& s : m.subs)
        if (s.filters.empty() && !s.acked)
            m.emit_error(Event::Type::error,
                         make_error(Errc::closed, "subscribe(): cancelled by unsubscribe() before its SUBACK"), s.op_id);
    m.subs.erase(std::remove_if(m.subs.begin(), m.subs.end(), [](const Impl::Subscription& s) { return s.filters.empty(); }),
                 m.subs.end());
    Impl::Unsubscribe u;
    u.op_id = m.next_op++;
    u.filters = filters;
    m.unsubs.push_back(std::move(u));
    if (m.online()) m.send_unsubscribe(m.unsubs.back(), now_ms);
    return m.unsubs.back().op_id;
}

void Client::provide_target(Result<ConnectionTarget> target, std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state != State::waiting_target) return;  // stale answer (e.g. after disconnect())
    if (target) {
        const ConnectionTarget& t = target.value();
        if (t.kind == TransportKind::websocket && t.url.empty())
            target = make_error(Errc::invalid_argument, "a websocket target needs a url");
        else if (t.kind != TransportKind::websocket && (t.host.empty() || t.port == 0))
            target = make_error(Errc::invalid_argument, "a tcp/tls target needs a host and a non-zero port");
    }
    if (!target) {
        Error e = target.error();
        e.message = "connection target: " + e.message;
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
    m.framer.reset();
    ConnectPacket c;
    c.client_id = m.cfg.client_id;
    c.keep_alive_s = m.cfg.keep_alive_s;
    c.clean_session = m.cfg.clean_session;
    c.will = m.cfg.will;
    if (!m.target.username.empty() || !m.target.password.empty()) c.username = m.target.username;
    if (!m.target.password.empty()) c.password = m.target.password;
    m.send(c, now_ms);
}

void Client::on_bytes(const std::uint8_t* data, std::size_t size, std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state != State::connecting && m.state != State::connected) return;
    m.framer.feed(data, size);
    for (;;) {
        auto next = m.framer.next();
        if (!next) {
            m.lose(error_of(Errc::protocol_error, {"protocol error: ", next.error().message}), now_ms, true);
            return;
        }
        if (!next.value()) return;
        if (!m.on_packet(*next.value(), now_ms)) return;
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
                m.lose(error_of(Errc::timeout, {"connect timeout: no CONNACK within ", decimal(m.cfg.connect_timeout_ms), " ms"}),
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
                if (now_ms >= m.ping_deadline) m.lose(make_error(Errc::timeout, "keep-alive timeout"), now_ms, true);
            } else if (now_ms >= m.last_send + std::uint64_t{m.cfg.keep_alive_s} * 1000) {
                m.send(PingreqPacket{}, now_ms);
                m.ping_deadline = now_ms + m.cfg.ping_timeout_ms;
            }
            break;
        default: break;
    }
}

bool Client::poll_event(Event& out) {
    Impl& m = *impl_;
    if (m.event_head == m.events.size()) return false;
    out = std::move(m.events[m.event_head++]);
    if (m.event_head == m.events.size()) {
        m.events.clear();
        m.event_head = 0;
    } else if (m.event_head >= 64) {  // a driver that never drains completely: compact
        m.events.erase(m.events.begin(), m.events.begin() + static_cast<std::ptrdiff_t>(m.event_head));
        m.event_head = 0;
    }
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
