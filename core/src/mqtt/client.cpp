#include "iotlite/mqtt/client.hpp"

#include <utility>

#include "backoff.hpp"
#include "event_queue.hpp"
#include "format.hpp"
#include "inflight_window.hpp"
#include "iotlite/mqtt/reason_code.hpp"
#include "iotlite/mqtt/topic.hpp"
#include "keep_alive.hpp"
#include "offline_queue.hpp"
#include "output_buffer.hpp"
#include "packet_id_allocator.hpp"
#include "subscription_tracker.hpp"
#include "wire.hpp"

// The engine is Client::Impl, composed of one piece per job (each in its own header here):
//   Backoff              reconnect delays (full jitter above the AWS 1 CONNECT/s floor)
//   KeepAlive            PINGREQ due time and the PINGRESP deadline
//   EventQueue           events for the driver and the application, in order
//   OutputBuffer         bytes for the transport
//   OfflineQueue         publishes waiting for the connection or the in-flight window
//   InflightWindow       QoS 1 publishes awaiting PUBACK
//   SubscriptionTracker  subscriptions (re-subscribe after reconnect) and pending unsubscribes
//   PacketIdAllocator    packet ids not in use
// Impl itself keeps the connection lifecycle (State and its transitions, the connect and
// backoff deadlines), frames inbound bytes and routes each packet to the piece it concerns.
//
// Code size: the pieces are defined inline in their headers, so the compiler sees the whole
// engine in this one translation unit, as when Impl was one class. Measured on Cortex-M4 -Os
// (arm-none-eabi-g++ 12, --gc-sections, no LTO): with one .cpp per piece the engine grew by
// ~950 bytes (+5 %: calls across units, per-unit copies of string/Error/list helpers); inline,
// it is ~130 bytes smaller than the single class was. Each piece is still tested alone
// (tests/core/*_test.cpp of its name).
namespace iotlite::mqtt {

using detail::error_fmt;

// The name tables are char arrays, not pointers to literals: an array gets a section of its own
// that --gc-sections drops from a program that never asks for a name, whereas string literals
// share the object's one literal section with the engine's messages (code size on Cortex-M).
const char* state_name(State state) {
    static const char names[][15] = {"idle", "waiting_target", "opening", "connecting", "connected", "backing_off", "closed"};
    auto i = static_cast<unsigned>(state);
    return i < sizeof names / sizeof names[0] ? names[i] : "unknown";
}

const char* event_type_name(Event::Type type) {
    static const char names[][16] = {"need_target", "open_transport", "close_transport", "connected",
                                     "disconnected", "reconnecting", "message", "subscribed",
                                     "unsubscribed", "published", "publish_failed", "error"};
    auto i = static_cast<unsigned>(type);
    return i < sizeof names / sizeof names[0] ? names[i] : "unknown";
}

Event::Event() = default;

namespace {

constexpr std::uint64_t never = UINT64_MAX;

// Topic, payload size and QoS of a publish (or of the will).
Result<void> validate_message(std::string_view topic, std::size_t size, QoS qos) {
    auto check = validate_publish_topic(topic);
    if (check) check = validate_payload_size(size);
    if (check) check = validate_qos(static_cast<unsigned>(qos));
    return check;
}

// `error` with its message prefixed by `prefix` ("will: ..."); the code and every cause field
// are kept. (Rather than std::string::insert, whose range-checked path links its own texts.)
Error prefixed(const Error& error, const char* prefix) {
#if IOTLITE_ERROR_TEXTS
    Error out = error;
    out.message = detail::error_fmt(error.code, "%%", prefix, error.message).message;
    return out;
#else
    (void)prefix;
    return error;
#endif
}

// CONNACK return codes 1..5 (the decoder has refused anything above 5). The meanings are char
// arrays, stored once each; the common text is the format (code size on Cortex-M).
Error connack_error(std::uint8_t code) {
    static const char meanings[][30] = {
        "unacceptable protocol version", "client identifier rejected", "server unavailable",
        "bad user name or password",     "not authorized",
    };
    if (code < 1 || code > 5) code = 5;
    Error e = error_fmt(code <= 3 ? Errc::connection_refused : Errc::auth_failed, "connection refused (CONNACK %): %", code,
                        meanings[code - 1]);
    e.mqtt_reason = code;
    return e;
}

// MQTT 5 reason codes the engine reacts to (§2.4, §3.14.2.1).
constexpr std::uint8_t kMalformed = 0x81, kProtocolError = 0x82, kSessionTakenOver = 0x8E,
                       kTopicAliasInvalid = 0x94, kPacketTooLarge = 0x95;

// The codes after which the next attempt waits reconnect.max_delay_ms: 0x89 server busy, 0x96
// message rate too high, 0x97 quota exceeded, 0x9F connection rate exceeded (AWS IoT throttles
// per client id and per account: coming back at once only meets the throttle again).
bool is_throttle(std::uint8_t code) { return code == 0x89 || code == 0x96 || code == 0x97 || code == 0x9F; }

}  // namespace

namespace detail {
[[gnu::noinline]] Error reason_error(PacketType packet, std::uint8_t code, std::string_view reason) {
    const char hex[3] = {"0123456789ABCDEF"[code >> 4], "0123456789ABCDEF"[code & 15], 0};
    Errc errc = errc_for_reason_code(code, packet);
    Error e = error_fmt(errc == Errc::ok ? Errc::closed : errc, "% 0x% %%%", IOTLITE_TEXT(packet_type_name(packet)), hex,
                        reason_code_name(code, packet), reason.empty() ? "" : ": ", reason);
    e.mqtt_reason = code;
    return e;
}
}  // namespace detail

struct Client::Impl {
    using Subscription = detail::SubscriptionTracker::Subscription;
    using Unsubscribe = detail::SubscriptionTracker::Unsubscribe;

    Config cfg;
    State state = State::idle;
    ConnectionTarget target;  // of the current attempt (Client::target())
    std::uint32_t attempt = 0;  // number of the current connect attempt (1-based)
    std::uint64_t connect_deadline = never;
    std::uint64_t backoff_deadline = never;
    std::uint64_t backoff_floor = 0;  // 1 s after the last attempt began: the earliest next one
    std::uint64_t connected_at = 0;
    // Receive buffer: at most one partial packet plus what the driver just handed over. Framed
    // and parsed in place (views), not through Framer/Packet (code size on Cortex-M).
    detail::ByteBuffer rx;
    std::size_t rx_pos = 0;

    detail::Backoff backoff;
    detail::KeepAlive keep_alive;
    detail::EventQueue events;
    detail::OutputBuffer out;
    detail::OfflineQueue queue;
    detail::InflightWindow inflight;
    detail::SubscriptionTracker subs;
    detail::PacketIdAllocator ids;
    std::uint32_t next_op = 1;

    // MQTT 5 (cfg.protocol_version 5).
    bool v5_chosen;  // read through v5(): false whatever the config when MQTT 5 is compiled out
    bool v5() const { return detail::mqtt5_compiled && v5_chosen; }
    // What the broker's last CONNACK said.
    std::uint32_t server_max_packet = 0;  // Maximum Packet Size; 0: none
    std::uint8_t server_max_qos = 1;
    bool retain_available = true;
    std::string assigned_id;
    // Topic aliases of this connection (§3.3.2.3.4): inbound alias -> topic, cfg.topic_alias_maximum
    // slots; outbound, min(the broker's Topic Alias Maximum, limits::max_topic_alias) slots reused
    // round-robin. Both start empty on every connection (aliases do not outlive it).
    std::vector<std::string> in_aliases;
    std::vector<std::string> out_aliases;
    std::size_t next_out_alias = 0;
    // In-flight publishes (the newest) not re-sent on this connection yet: a Receive Maximum
    // below the window's size when the connection came back.
    std::size_t unsent = 0;

    explicit Impl(const Config& c)
        : cfg(c),
          backoff(cfg.reconnect.min_delay_ms, cfg.reconnect.max_delay_ms, cfg.rng_seed),
          keep_alive(cfg.keep_alive_s, cfg.ping_timeout_ms),
          queue(cfg.offline_queue),
          inflight(cfg.max_inflight),
          v5_chosen(cfg.protocol_version == protocol_level_5) {
#if IOTLITE_NO_HEAP_AFTER_CONNECT
        // What a connected client's steady loop needs, allocated now (iotlite/config.hpp).
        events.reserve(IOTLITE_EVENT_POOL, IOTLITE_RESERVED_PAYLOAD, cfg.max_subscriptions);
        inflight.reserve(cfg.max_inflight, IOTLITE_RESERVED_PAYLOAD);
        detail::InflightWindow::reserve_publish(staging, IOTLITE_RESERVED_PAYLOAD);
        out.sink().reserve(kReservedBuffer);
        rx.reserve(kReservedBuffer);
#endif
    }
#if IOTLITE_NO_HEAP_AFTER_CONNECT
    // A publish being built (publish()): its storage is swapped with an in-flight spare's.
    detail::OutgoingPublish staging;
    // The output and receive buffers: a message of the reserved payload with its topic and headers.
    static constexpr std::size_t kReservedBuffer = IOTLITE_RESERVED_PAYLOAD + 512;
#endif

    bool online() const { return state == State::connected; }

    // ---- sending ---------------------------------------------------------------------------
    // Packets are written straight from the engine's fields (sizes were validated on the way in).
    void send_packet(const PublishPacket& p, std::uint64_t now) {
        write_publish(p.topic, p.payload.data(), p.payload.size(), p.qos, p.retain, p.dup, p.packet_id, now,
                      p.properties.get());
    }
    void write_publish(std::string_view topic, const std::uint8_t* payload, std::size_t size, QoS qos, bool retain,
                       bool dup, std::uint16_t packet_id, std::uint64_t now, const Properties* props = nullptr) {
        if (v5()) {
            detail::Publish5 x{props, 0};
            if (!out_aliases.empty()) x.topic_alias = outbound_alias(topic);
            detail::write_publish(out.sink(), topic, payload, size, qos, retain, dup, packet_id, &x);
        } else {
            detail::write_publish(out.sink(), topic, payload, size, qos, retain, dup, packet_id);
        }
        keep_alive.sent(now);
    }
    // The alias of `topic` on this connection; `topic` becomes empty when the broker knows it
    // already, otherwise the topic takes the next slot (sent with topic and alias).
    std::uint16_t outbound_alias(std::string_view& topic) {
        for (std::size_t i = 0; i < out_aliases.size(); ++i)
            if (out_aliases[i] == topic) {
                topic = {};
                return static_cast<std::uint16_t>(i + 1);
            }
        std::size_t slot = next_out_alias;
        next_out_alias = (slot + 1) % out_aliases.size();
        out_aliases[slot].assign(topic.data(), topic.size());
        return static_cast<std::uint16_t>(slot + 1);
    }
    void send_short(PacketType type, bool with_id, std::uint16_t id, std::uint64_t now) {
        detail::write_short(out.sink(), first_byte(type), with_id, id);
        keep_alive.sent(now);
    }
    std::uint16_t allocate_packet_id() {
        return ids.allocate([this](std::uint16_t id) { return inflight.uses(id) || subs.uses(id); });
    }
    void send_subscribe(Subscription& s, std::uint64_t now) {
        if (s.filters.empty()) return;
        detail::SubscriptionTracker::sending(s, allocate_packet_id());
        detail::write_subscribe(out.sink(), s.packet_id, s.sent, v5());
        keep_alive.sent(now);
    }
    void send_unsubscribe(Unsubscribe& u, std::uint64_t now) {
        u.packet_id = allocate_packet_id();
        detail::write_unsubscribe(out.sink(), u.packet_id, u.filters, v5());
        keep_alive.sent(now);
    }

    // ---- publishing ------------------------------------------------------------------------
    // MQTT 5: the PUBLISH's size when it is above the broker's Maximum Packet Size (an alias
    // counted when aliases are on), else 0.
    std::size_t too_big(std::string_view topic, std::size_t size, QoS qos, const Properties* props) const {
        if (!v5() || !server_max_packet) return 0;
        detail::Publish5 x{props, static_cast<std::uint16_t>(out_aliases.empty() ? 0 : 1)};  // an alias: 3 more bytes
        std::size_t bytes = detail::publish_size(topic, size, qos, &x);
        return bytes > server_max_packet ? bytes : 0;
    }
    Error too_big_error(std::size_t bytes) const {
        return error_fmt(Errc::limit_exceeded, "publish(): the PUBLISH takes % bytes; the broker's Maximum Packet Size is %",
                         bytes, server_max_packet)
            .with_rule(rules::packet_bytes, server_max_packet, static_cast<std::uint32_t>(bytes));
    }

    void send_publish(detail::OutgoingPublish&& p, std::uint64_t now) {
        // Queued before this connection's CONNACK said how large a packet may be.
        if (std::size_t bytes = too_big(p.packet.topic, p.packet.payload.size(), p.packet.qos, p.packet.properties.get())) {
            events.emit_error(Event::Type::publish_failed, too_big_error(bytes), p.op_id);
            return;
        }
        if (p.packet.qos == QoS::at_least_once) {
            p.packet.packet_id = allocate_packet_id();
            send_packet(p.packet, now);
            inflight.add(std::move(p));
        } else {
            send_packet(p.packet, now);
            events.emit(Event::Type::published).op_id = p.op_id;
        }
    }
    bool can_send_now(const PublishPacket& p) const {
        return online() && (p.qos == QoS::at_most_once || !inflight.full());
    }
    void drain_queue(std::uint64_t now) {
        while (!queue.empty() && can_send_now(queue.front().packet)) send_publish(queue.pop_front(), now);
    }

    // ---- connection lifecycle ----------------------------------------------------------------
    void begin_attempt(std::uint64_t now) {
        state = State::waiting_target;
        backoff_floor = now + limits::min_connect_interval_ms;
        ++attempt;
        events.emit(Event::Type::need_target).attempt = attempt;
    }

    void reset_rx() {
        rx.clear();
        rx_pos = 0;
    }

    // publish_failed with `why` for each publish of [it, end); one loop for both lists.
    // (A template: the in-flight list's iterator is another type in the no-heap-after-connect build.)
    template <typename PublishIt>
    [[gnu::noinline]] void fail_publishes(PublishIt it, PublishIt end, const Error& why) {
        for (; it != end; ++it) events.emit_error(Event::Type::publish_failed, why, it->op_id);
    }

    // Fails every pending operation; used when the client closes for good.
    void fail_all(const Error& why) {
        fail_publishes(inflight.begin(), inflight.end(), why);
        fail_publishes(queue.begin(), queue.end(), why);
        inflight.clear();
        queue.clear();
        subs.fail_all(why, events);
    }

    // keep_output: leave the unsent bytes (ending with DISCONNECT) for the driver to flush.
    void go_closed(const Error& why, bool keep_output = false) {
        state = State::closed;
        connect_deadline = backoff_deadline = never;
        keep_alive.stop_waiting();
        if (keep_output)
            out.drop_consumed();
        else
            out.clear();
        reset_rx();
        fail_all(error_fmt(Errc::closed, "client closed: %", why.message));
    }

    // What follows a lost connection: the usual reconnect, one after the maximum delay, or none.
    enum class After : std::uint8_t { retry, retry_at_max, stop };

    // The current transport failed or ended. `close` asks the driver to close it; keep_output
    // leaves an MQTT 5 DISCONNECT (and what precedes it) for the driver to flush first.
    void lose(Error reason, std::uint64_t now, bool close, After after = After::retry, bool keep_output = false) {
        bool was_connected = state == State::connected;
        if (close) events.emit(Event::Type::close_transport);
        if (keep_output)
            out.drop_consumed();
        else
            out.clear();
        reset_rx();
        connect_deadline = never;
        keep_alive.stop_waiting();
        subs.connection_lost();
        if (was_connected && now - connected_at >= cfg.reconnect.stable_after_ms) backoff.reset();
        if (!cfg.reconnect.enabled || after == After::stop) {
            events.emit_error(Event::Type::disconnected, reason);
            go_closed(reason, keep_output);
            return;
        }
        events.emit_error(was_connected ? Event::Type::disconnected : Event::Type::error, std::move(reason));
        schedule_retry(now, after == After::retry_at_max);
    }

    // A broker that broke the protocol: on MQTT 5 it is told why (DISCONNECT with `reason_code`,
    // §4.13) before the transport closes.
    void protocol_failure(Error why, std::uint8_t reason_code, std::uint64_t now) {
        if (v5()) detail::write_disconnect(out.sink(), reason_code);
        lose(std::move(why), now, true, After::retry, v5());
    }

    void schedule_retry(std::uint64_t now, bool at_max = false) {
        std::uint32_t delay = at_max ? backoff.max_delay() : backoff.next_delay();
        state = State::backing_off;
        backoff_deadline = now + delay;
        Event& e = events.emit(Event::Type::reconnecting);
        e.delay_ms = delay;
        e.attempt = attempt + 1;
    }

    // ---- inbound -----------------------------------------------------------------------------
    void on_connack(const detail::Inbound& ack, std::uint64_t now) {
        if (v5() && is_error(ack.return_code)) {
            lose(detail::reason_error(PacketType::connack, ack.return_code, ack.reason_string), now, true,
                 is_throttle(ack.return_code) ? After::retry_at_max : After::retry);
            return;
        }
        if (!v5() && ack.return_code != static_cast<std::uint8_t>(ConnackCode::accepted)) {
            lose(connack_error(ack.return_code), now, true);
            return;
        }
        if (v5()) apply_connack(ack);
        state = State::connected;
        connect_deadline = never;
        connected_at = now;
        keep_alive.received(now);
        attempt = 0;
        bool session_present = ack.session_present && !cfg.clean_session;
        events.emit(Event::Type::connected).session_present = session_present;
        // Subscriptions: all of them when the broker has no session for us, otherwise only
        // those whose SUBACK never came (the broker may not have seen the SUBSCRIBE).
        for (auto& s : subs.subscriptions())
            if (!session_present || !s.acked) send_subscribe(s, now);
        for (auto& u : subs.unsubscriptions()) send_unsubscribe(u, now);
        // QoS 1 publishes without PUBACK are re-sent with DUP=1 and their packet ids.
        // MQTT 5: at most the broker's Receive Maximum of them now (§4.9); the others follow as
        // PUBACKs free the window (resend_next()).
        inflight.mark_dup();
        std::size_t sent = 0;
        for (auto& p : inflight) {
            if (sent == inflight.capacity()) break;
            send_packet(p.packet, now);
            ++sent;
        }
        unsent = inflight.size() - sent;
        drain_queue(now);
    }

    // A PUBACK freed a slot of the window: the oldest in-flight publish not re-sent yet goes out.
    void resend_next(std::uint64_t now) {
        if (unsent > inflight.size()) unsent = inflight.size();  // the broker acknowledged one of them
        std::size_t skip = inflight.size() - unsent;
        for (auto& p : inflight)
            if (skip-- == 0) {
                send_packet(p.packet, now);
                --unsent;
                return;
            }
    }

    // MQTT 5: what the broker's CONNACK says about this connection (§3.2.2.3).
    void apply_connack(const detail::Inbound& ack) {
        inflight.set_capacity(ack.receive_maximum < cfg.max_inflight ? ack.receive_maximum : cfg.max_inflight);
        server_max_packet = ack.maximum_packet_size;
        server_max_qos = ack.maximum_qos;
        retain_available = ack.retain_available;
        keep_alive.set_interval(ack.has_server_keep_alive ? ack.server_keep_alive : cfg.keep_alive_s);
        assigned_id.assign(ack.assigned_client_id.data(), ack.assigned_client_id.size());
        std::size_t aliases = ack.topic_alias_maximum < limits::max_topic_alias ? ack.topic_alias_maximum : limits::max_topic_alias;
        out_aliases.assign(aliases, std::string());
        next_out_alias = 0;
        in_aliases.assign(cfg.topic_alias_maximum, std::string());
    }

    // MQTT 5: the topic of an inbound PUBLISH through its Topic Alias (§3.3.2.3.4). False after
    // a protocol error (DISCONNECT 0x94 sent, the connection is then gone).
    bool resolve_alias(const detail::Inbound& p, std::string_view& topic, std::uint64_t now) {
        if (p.topic_alias > in_aliases.size()) {
            protocol_failure(error_fmt(Errc::protocol_error, "protocol error: PUBLISH topic alias % is above our Topic Alias Maximum %",
                                       p.topic_alias, in_aliases.size()),
                             kTopicAliasInvalid, now);
            return false;
        }
        std::string& slot = in_aliases[p.topic_alias - 1];
        if (!topic.empty()) {
            slot.assign(topic.data(), topic.size());
        } else if (slot.empty()) {
            protocol_failure(error_fmt(Errc::protocol_error, "protocol error: PUBLISH topic alias % has no topic on this connection",
                                       p.topic_alias),
                             kTopicAliasInvalid, now);
            return false;
        } else {
            topic = slot;
        }
        return true;
    }

    // False after a protocol error.
    bool on_publish(const detail::Inbound& p, std::uint64_t now) {
        std::string_view topic = p.topic;
        if (detail::mqtt5_compiled && p.topic_alias && !resolve_alias(p, topic, now)) return false;
        Event& e = events.emit(Event::Type::message);
        if constexpr (detail::recycle_nodes)
            subs.matching(topic, e.subscription_ids);  // into the recycled event's storage
        else
            e.subscription_ids = subs.matching(topic);
        Message& m = e.message;
        m.topic.assign(topic.data(), topic.size());
        if (detail::mqtt5_compiled && p.app_properties) {
            // Checked already by parse_inbound(); decoded again into the value the application keeps.
            Result<Properties> props = decode_properties(PacketType::publish, p.properties, p.properties_size);
            if (props) {
                props.value().clear(PropertyId::topic_alias);
                m.properties = PropertiesPtr(std::move(props).value());
            }
        }
        m.payload.assign(p.data, p.data + p.size);
        m.qos = p.qos;
        m.retain = p.retain;
        m.dup = p.dup;
        if (p.qos == QoS::at_least_once) send_short(PacketType::puback, true, p.packet_id, now);
        return true;
    }

    // Returns false after a protocol error (the connection is then gone).
    bool on_packet(const detail::Inbound& in, std::uint64_t now) {
        keep_alive.received(now);
        if (state == State::connecting) {
            if (in.type != PacketType::connack) {
                protocol_failure(error_fmt(Errc::protocol_error, "protocol error: expected CONNACK, got %", IOTLITE_TEXT(packet_type_name(in.type))),
                                 kProtocolError, now);
                return false;
            }
            on_connack(in, now);
            return state == State::connected;
        }
        switch (in.type) {
            case PacketType::publish: return on_publish(in, now);
            case PacketType::puback: {
                std::uint32_t op_id = 0;
                if (inflight.acknowledge(in.packet_id, op_id)) {  // an unknown id (a duplicate PUBACK) is ignored
                    if (v5() && is_error(in.return_code))
                        events.emit_error(Event::Type::publish_failed,
                                          detail::reason_error(PacketType::puback, in.return_code, in.reason_string), op_id);
                    else
                        events.emit(Event::Type::published).op_id = op_id;
                    if (unsent) resend_next(now);
                    drain_queue(now);
                }
                break;
            }
            case PacketType::suback: {
                std::size_t sent = 0;
                if (!subs.on_suback(in.packet_id, in.data, in.size, events, sent, v5(), in.reason_string)) {
                    protocol_failure(error_fmt(Errc::protocol_error, "protocol error: SUBACK has % return codes for % filters", in.size, sent),
                                     kProtocolError, now);
                    return false;
                }
                break;
            }
            case PacketType::unsuback: {
                Event* e = subs.on_unsuback(in.packet_id, events);
                for (std::size_t i = 0; e && i < in.size; ++i)  // MQTT 5: the first refused filter
                    if (is_error(in.data[i])) {
                        e->error = detail::reason_error(PacketType::unsuback, in.data[i], in.reason_string);
                        break;
                    }
                break;
            }
            case PacketType::pingresp: keep_alive.stop_waiting(); break;
            case PacketType::disconnect:
                if (v5()) {  // §3.14: the broker ends the connection and says why
                    std::uint8_t code = in.return_code;
                    lose(detail::reason_error(PacketType::disconnect, code, in.reason_string), now, true,
                         code == kSessionTakenOver ? After::stop : is_throttle(code) ? After::retry_at_max : After::retry);
                    return false;
                }
                [[fallthrough]];
            default:
                protocol_failure(error_fmt(Errc::protocol_error, "protocol error: unexpected % from the broker", IOTLITE_TEXT(packet_type_name(in.type))),
                                 kProtocolError, now);
                return false;
        }
        return true;
    }

    void on_bytes(const std::uint8_t* data, std::size_t size, std::uint64_t now) {
        detail::append_compacting(rx, rx_pos, data, size);
        for (;;) {
            const std::uint8_t* p = rx.data() + rx_pos;
            std::size_t avail = rx.size() - rx_pos;
            std::size_t header = 0;
            std::uint32_t length = 0;
            int got = detail::parse_fixed_header(p, avail, header, length);
            if (got == 0) return;
            if (got < 0) {
                protocol_failure(detail::long_length_error(IOTLITE_TEXT("protocol error: ")), kMalformed, now);
                return;
            }
            std::size_t total = header + length;
            if (total > cfg.max_inbound_packet) {  // MQTT 5: our Maximum Packet Size (§3.1.2.11.4)
                protocol_failure(detail::oversize_error(IOTLITE_TEXT("protocol error: "), total, cfg.max_inbound_packet),
                                 kPacketTooLarge, now);
                return;
            }
            if (avail < total) return;
            // Consumed; clear() keeps the storage, so `p` stays valid while the packet is handled.
            rx_pos += total;
            if (rx_pos == rx.size()) reset_rx();
            detail::Inbound in;
            if (detail::Rule rule = detail::parse_inbound(p[0], p + header, length, in, v5())) {
                protocol_failure(rule == detail::kPropertyRule ? prefixed(in.property_error, "protocol error: ")
                                                               : detail::inbound_error(IOTLITE_TEXT("protocol error: "), p[0], rule),
                                 kMalformed, now);
                return;
            }
            if (!on_packet(in, now)) return;
        }
    }

    // ---- time --------------------------------------------------------------------------------
    void on_tick(std::uint64_t now) {
        switch (state) {
            case State::opening:
            case State::connecting:
                if (now >= connect_deadline)
                    lose(error_fmt(Errc::timeout, "connect timeout: no CONNACK within % ms", cfg.connect_timeout_ms), now,
                         true);
                break;
            case State::backing_off:
                if (now >= backoff_deadline) {
                    backoff_deadline = never;
                    begin_attempt(now);
                }
                break;
            case State::connected:
                switch (keep_alive.tick(now)) {
                    case detail::KeepAlive::Action::timed_out: lose(error_fmt(Errc::timeout, "keep-alive timeout"), now, true); break;
                    case detail::KeepAlive::Action::send_ping: send_short(PacketType::pingreq, false, 0, now); break;
                    case detail::KeepAlive::Action::none: break;
                }
                break;
            default: break;
        }
    }

    std::uint64_t deadline() const {
        switch (state) {
            case State::opening:
            case State::connecting: return connect_deadline;
            case State::backing_off: return backoff_deadline;
            case State::connected: return keep_alive.deadline();
            default: return never;
        }
    }
};

// ---- Client ---------------------------------------------------------------------------------

namespace {

// A PUBLISH's or a Will's Message Expiry Interval: AWS IoT allows 1 s .. 7 days (developer guide,
// "MQTT 5 supported features"). `who`: "publish(): " or "will: ".
Result<void> validate_message_expiry(const Properties& p, const char* who) {
    if (!p.has(PropertyId::message_expiry_interval)) return detail::succeeded();
    std::uint32_t v = p.integer(PropertyId::message_expiry_interval);
    if (v >= limits::min_message_expiry_s && v <= limits::max_message_expiry_s) return detail::succeeded();
    return detail::fail_rule<void>({rules::message_expiry_seconds, v < 1 ? limits::min_message_expiry_s : limits::max_message_expiry_s, v},
                                   Errc::limit_exceeded, "%message expiry interval is % s; AWS IoT allows 1 to 604800", who, v);
}

// The MQTT 5 settings of a Config (a 3.1.1 config may set none of them).
Result<void> validate_v5_config(const Config& config) {
    const bool v5 = config.protocol_version == protocol_level_5;
    if (v5 && !detail::mqtt5_compiled)
        return detail::fail_rule<void>({rules::protocol_version, protocol_level_311, config.protocol_version}, Errc::unsupported,
                                       "protocol_version is %; MQTT 5 is compiled out of this build (IOTLITE_MQTT5 0)",
                                       config.protocol_version);
    if (!v5 && config.protocol_version != protocol_level_311)
        return detail::fail_rule<void>({rules::protocol_version, protocol_level_5, config.protocol_version}, Errc::invalid_argument,
                                       "protocol_version is %; 4 (MQTT 3.1.1) or 5 (MQTT 5)", config.protocol_version);
    const bool will_props = config.will && config.will->properties;
    if (!v5 && (config.session_expiry_s || config.receive_maximum || config.topic_alias_maximum ||
                !config.connect_user_properties.empty() || will_props))
        return detail::fail_rule<void>({rules::mqtt5_only, 0, 1}, Errc::invalid_argument,
                                       "session_expiry_s, receive_maximum, topic_alias_maximum, connect_user_properties and "
                                       "will properties are MQTT 5 settings; set protocol_version 5");
    // AWS IoT Core keeps a persistent session 1 h by default, up to 7 days (developer guide,
    // "MQTT 5 supported features", https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt5;
    // quotas, "Persistent session expiry period", https://docs.aws.amazon.com/general/latest/gr/iot-core.html).
    if (config.session_expiry_s > limits::max_session_expiry_s)
        return detail::fail_rule<void>({rules::session_expiry_seconds, limits::max_session_expiry_s, config.session_expiry_s},
                                       Errc::limit_exceeded, "session_expiry_s is %; AWS IoT allows at most 604800 (7 days)",
                                       config.session_expiry_s);
    if (config.topic_alias_maximum > 64)
        return detail::fail_rule<void>({rules::topic_alias_maximum, 64, config.topic_alias_maximum}, Errc::invalid_argument,
                                       "topic_alias_maximum is %; this client keeps at most 64 inbound aliases",
                                       config.topic_alias_maximum);
    if (v5) {
        for (const auto& u : config.connect_user_properties)
            if (!is_valid_mqtt_utf8(u.name) || !is_valid_mqtt_utf8(u.value) || u.name.size() > 0xFFFF || u.value.size() > 0xFFFF)
                return detail::fail_rule<void>({rules::property_utf8, 0, static_cast<std::uint32_t>(PropertyId::user_property)},
                                               Errc::invalid_argument,
                                               "connect_user_properties: '%' is not valid MQTT UTF-8 of at most 65535 bytes",
                                               u.name);
        if (will_props) {
            if (auto size = will_properties_size(*config.will->properties); !size) return prefixed(size.error(), "will: ");
            if (auto expiry = validate_message_expiry(*config.will->properties, "will: "); !expiry) return expiry;
        }
    }
    return detail::succeeded();
}

// The rules Client::create() checks. One Result<void> path for every rule: the error reaches
// create() once instead of being built as a Result<std::unique_ptr<Client>> per rule.
Result<void> validate_config(const Config& config) {
    if (auto check = validate_client_id(config.client_id); !check) return check;
    if (auto check = validate_keep_alive(config.keep_alive_s); !check) return check;
    if (config.will) {
        Result<void> check = validate_message(config.will->topic, config.will->payload.size(), config.will->qos);
        if (!check) return prefixed(check.error(), "will: ");  // keeps the rule fields
    }
    if (config.max_subscriptions > limits::max_subscriptions)
        return detail::fail_rule<void>({rules::subscriptions, limits::max_subscriptions, static_cast<std::uint32_t>(config.max_subscriptions)},
                                       Errc::limit_exceeded, "max_subscriptions is %; AWS IoT allows 50 subscriptions per connection",
                                       config.max_subscriptions);
    if (config.max_inflight < 1 || config.max_inflight > 65000)
        return detail::fail<void>(Errc::invalid_argument, "max_inflight is %; allowed 1 to 65000", config.max_inflight);
    if (config.max_inbound_packet < 5)
        return detail::fail<void>(Errc::invalid_argument, "max_inbound_packet is %; at least 5 bytes are needed", config.max_inbound_packet);
    if (config.reconnect.min_delay_ms > config.reconnect.max_delay_ms)
        return detail::fail<void>(Errc::invalid_argument, "reconnect.min_delay_ms (%) is above reconnect.max_delay_ms (%)", config.reconnect.min_delay_ms, config.reconnect.max_delay_ms);
    return validate_v5_config(config);
}

}  // namespace

Result<std::unique_ptr<Client>> Client::create(const Config& config) {
    Result<void> check = validate_config(config);
    if (!check) return check.error();
    return std::unique_ptr<Client>(new Client(config));
}

Client::Client(const Config& config) : impl_(new Impl(config)) {}
Client::~Client() = default;

Result<void> Client::connect(std::uint64_t now_ms) {
    if (impl_->state == State::closed) return detail::fail<void>(Errc::invalid_state, "connect(): the client is closed");
    if (impl_->state != State::idle) return detail::fail<void>(Errc::invalid_state, "connect(): already started");
    impl_->begin_attempt(now_ms);
    return detail::succeeded();
}

void Client::disconnect(std::uint64_t now_ms) {
    Impl& m = *impl_;
    switch (m.state) {
        case State::closed: return;
        case State::connected:
            m.send_short(PacketType::disconnect, false, 0, now_ms);
            m.events.emit(Event::Type::close_transport);
            break;
        case State::opening:
        case State::connecting: m.events.emit(Event::Type::close_transport); break;
        default: break;
    }
    Error why = error_fmt(Errc::closed, "disconnect() called by the application");
    m.events.emit_error(Event::Type::disconnected, why);
    m.go_closed(why, /*keep_output=*/m.state == State::connected);
}

Result<std::uint32_t> Client::publish(std::string_view topic, const std::uint8_t* payload, std::size_t size, QoS qos,
                                      bool retain, std::uint64_t now_ms) {
    return publish_with(topic, payload, size, qos, retain, nullptr, now_ms);
}

Result<std::uint32_t> Client::publish(std::string_view topic, const std::uint8_t* payload, std::size_t size, QoS qos,
                                      bool retain, const Properties& properties, std::uint64_t now_ms) {
    return publish_with(topic, payload, size, qos, retain, properties.empty() ? nullptr : &properties, now_ms);
}

namespace {

// An application's MQTT 5 PUBLISH properties (AWS IoT developer guide, "MQTT 5 supported
// features": Message Expiry Interval 1 s .. 7 days).
Result<void> validate_publish_properties(const Properties& p) {
    for (PropertyId id : {PropertyId::topic_alias, PropertyId::subscription_identifier})
        if (p.has(id))
            return detail::fail_rule<void>({rules::publish_property, 0, static_cast<std::uint32_t>(id)}, Errc::invalid_argument,
                                           "publish(): the % property is not the application's to send (%)",
                                           IOTLITE_TEXT(property_name(id)),
                                           id == PropertyId::topic_alias ? "the client manages topic aliases"
                                                                         : "MQTT 5 3.3.4: never from a client");
    if (auto expiry = validate_message_expiry(p, "publish(): "); !expiry) return expiry;
    if (p.has(PropertyId::response_topic))
        if (auto check = validate_publish_topic(p.bytes(PropertyId::response_topic)); !check) return prefixed(check.error(), "response topic: ");
    if (auto size = properties_size(p, PacketType::publish); !size) return size.error();
    return detail::succeeded();
}

}  // namespace

Result<std::uint32_t> Client::publish_with(std::string_view topic, const std::uint8_t* payload, std::size_t size, QoS qos,
                                           bool retain, const Properties* props, std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state == State::closed) return detail::fail<std::uint32_t>(Errc::invalid_state, "publish(): the client is closed");
    if (size != 0 && payload == nullptr)
        return detail::fail<std::uint32_t>(Errc::invalid_argument, "publish(): payload is null but size is not 0");
    if (auto check = validate_message(topic, size, qos); !check) return check.error();
    if (props && !m.v5())
        return detail::fail_rule<std::uint32_t>({rules::mqtt5_only, 0, 1}, Errc::invalid_argument,
                                                "publish(): properties are MQTT 5; this client speaks MQTT 3.1.1");
    if (detail::mqtt5_compiled && props)
        if (auto check = validate_publish_properties(*props); !check) return check.error();
    if (m.v5()) {  // what the broker's last CONNACK allows
        if (retain && !m.retain_available)
            return detail::fail_rule<std::uint32_t>({rules::retain_available, 0, 1}, Errc::unsupported,
                                                    "publish(): the broker's CONNACK says Retain Available 0");
        if (static_cast<std::uint8_t>(qos) > m.server_max_qos)
            return detail::fail_rule<std::uint32_t>({rules::maximum_qos, m.server_max_qos, static_cast<std::uint32_t>(qos)},
                                                    Errc::unsupported, "publish(): QoS % is above the broker's Maximum QoS %",
                                                    static_cast<unsigned>(qos), m.server_max_qos);
        if (std::size_t bytes = m.too_big(topic, size, qos, props)) return m.too_big_error(bytes);
    }

    // A QoS 0 publish that goes out at once is written straight from the caller's bytes: nothing
    // of it is kept after the write, so topic and payload are not copied (docs/firmware.md, "Heap
    // after connect").
    if (qos == QoS::at_most_once && m.queue.empty() && m.online()) {
        m.write_publish(topic, payload, size, qos, retain, false, 0, now_ms, props);
        std::uint32_t id = m.next_op++;
        m.events.emit(Event::Type::published).op_id = id;
        return id;
    }

#if IOTLITE_NO_HEAP_AFTER_CONNECT
    detail::OutgoingPublish fresh;  // a new publish with the staging publish's storage
    detail::take_storage(fresh.packet.topic, m.staging.packet.topic);
    detail::take_storage(fresh.packet.payload, m.staging.packet.payload);
    m.staging = std::move(fresh);
    detail::OutgoingPublish& p = m.staging;
    p.packet.payload.assign(payload, payload + size);
#else
    detail::OutgoingPublish p;
    if (size) p.packet.payload.assign(payload, payload + size);
#endif
    p.packet.topic.assign(topic.data(), topic.size());
    p.packet.qos = qos;
    p.packet.retain = retain;
    if (props) p.packet.properties = PropertiesPtr(*props);
    if (m.queue.empty() && m.can_send_now(p.packet)) {
        p.op_id = m.next_op++;
        std::uint32_t id = p.op_id;
        m.send_publish(std::move(p), now_ms);
        return id;
    }
    if (m.queue.disabled())
        return detail::fail<std::uint32_t>(m.online() ? Errc::queue_full : Errc::not_connected,
                                           "publish(): % and the offline queue is disabled",
                                           m.online() ? "the in-flight window is full" : "not connected");
    Error why;
    switch (m.queue.admit(p.bytes(), why, m.events)) {
        case detail::OfflineQueue::Admission::rejected: return why;
        case detail::OfflineQueue::Admission::dropped: {
            std::uint32_t id = m.next_op++;
            m.events.emit_error(Event::Type::publish_failed, std::move(why), id);
            return id;
        }
        case detail::OfflineQueue::Admission::accepted: break;
    }
    p.op_id = m.next_op++;
    return m.queue.push(std::move(p)).op_id;
}

namespace {

// MQTT 5 subscription options (§3.8.3.1).
Result<std::uint32_t> validate_options(const TopicFilter& f, bool v5) {
    const bool any = f.no_local || f.retain_as_published || f.retain_handling;
    if (any && !v5)
        return detail::fail_rule<std::uint32_t>({rules::mqtt5_only, 0, 1}, Errc::invalid_argument,
                                                "subscribe(): no_local, retain_as_published and retain_handling are MQTT 5; "
                                                "this client speaks MQTT 3.1.1");
    if (f.retain_handling > 2)
        return detail::fail_rule<std::uint32_t>({rules::subscribe_options, 2, f.retain_handling}, Errc::invalid_argument,
                                                "subscribe(): retain_handling is %; MQTT 5 allows 0, 1 or 2", f.retain_handling);
    if (f.no_local && f.filter.compare(0, 7, "$share/") == 0)
        return detail::fail_rule<std::uint32_t>({rules::subscribe_options, 0, 1}, Errc::invalid_argument,
                                                "subscribe(): no_local on the shared subscription '%' (MQTT 5 3.8.3.1: a protocol error)",
                                                f.filter);
    return 0u;
}

}  // namespace

Result<std::uint32_t> Client::subscribe(const std::vector<TopicFilter>& filters, std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state == State::closed) return detail::fail<std::uint32_t>(Errc::invalid_state, "subscribe(): the client is closed");
    if (filters.empty()) return detail::fail<std::uint32_t>(Errc::invalid_argument, "subscribe(): at least 1 topic filter is required");
    if (filters.size() > limits::max_filters_per_subscribe)
        return detail::fail_rule<std::uint32_t>(
            {rules::filters_per_subscribe, limits::max_filters_per_subscribe, static_cast<std::uint32_t>(filters.size())},
            Errc::limit_exceeded, "SUBSCRIBE has % topic filters; AWS IoT allows 8 per SUBSCRIBE", filters.size());
    for (const auto& f : filters) {
        if (auto check = validate_topic_filter(f.filter); !check) return check.error();
        if (auto check = validate_qos(static_cast<unsigned>(f.qos)); !check) return check.error();
        if (auto check = validate_options(f, m.v5()); !check) return check.error();
    }
    std::size_t total = m.subs.distinct_filters(&filters);
    if (total > m.cfg.max_subscriptions)
        return detail::fail_rule<std::uint32_t>(
            {rules::subscriptions, static_cast<std::uint32_t>(m.cfg.max_subscriptions), static_cast<std::uint32_t>(total)},
            Errc::limit_exceeded, "subscribe() would make % subscriptions; the limit is % per connection", total,
            m.cfg.max_subscriptions);
    Impl::Subscription& s = m.subs.add(m.next_op++, filters);
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
    Impl::Unsubscribe& u = m.subs.remove(m.next_op++, filters, m.events);
    if (m.online()) m.send_unsubscribe(u, now_ms);
    return u.op_id;
}

void Client::provide_target(const Result<ConnectionTarget>& target, std::uint64_t now_ms) {
    provide_target(Result<ConnectionTarget>(target), now_ms);
}

void Client::provide_target(Result<ConnectionTarget>&& target, std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state != State::waiting_target) return;  // stale answer (e.g. after disconnect())
    const char* incomplete = nullptr;
    if (target) {
        const ConnectionTarget& t = target.value();
        if (t.kind == TransportKind::websocket && t.url.empty())
            incomplete = IOTLITE_TEXT("a websocket target needs a url");  // "" (not null) with texts off
        else if (t.kind != TransportKind::websocket && (t.host.empty() || t.port == 0))
            incomplete = IOTLITE_TEXT("a tcp/tls target needs a host and a non-zero port");  // "" (not null) with texts off
    }
    if (!target || incomplete) {
        // The provider's error keeps its cause fields as data.
        Error e = incomplete ? error_fmt(Errc::invalid_argument, "%%", "connection target: ", incomplete)
                             : prefixed(target.error(), "connection target: ");
        m.state = State::opening;  // so lose() treats it as a failed attempt
        m.lose(std::move(e), now_ms, false);
        return;
    }
    m.target = std::move(target).value();
    m.state = State::opening;
    m.connect_deadline = now_ms + m.cfg.connect_timeout_ms;
    m.events.emit(Event::Type::open_transport).attempt = m.attempt;
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
    m.out.clear();  // an MQTT 5 DISCONNECT the driver did not flush belongs to the last transport
    // MQTT 5 §3.1.2.11: only what differs from the spec's defaults is sent.
    const Config& c = m.cfg;
    const detail::Connect5 v5{c.session_expiry_s, c.receive_maximum, c.topic_alias_maximum,
                              static_cast<std::uint32_t>(c.max_inbound_packet < UINT32_MAX ? c.max_inbound_packet : UINT32_MAX),
                              c.connect_user_properties};
    detail::write_connect(m.out.sink(), c.client_id, c.keep_alive_s, c.clean_session, c.will ? &*c.will : nullptr, user,
                          pass, m.v5() ? &v5 : nullptr);
    m.keep_alive.sent(now_ms);
}

void Client::on_bytes(const std::uint8_t* data, std::size_t size, std::uint64_t now_ms) {
    if (impl_->state != State::connecting && impl_->state != State::connected) return;
    impl_->on_bytes(data, size, now_ms);
}

void Client::on_closed(Error reason, std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state != State::opening && m.state != State::connecting && m.state != State::connected) return;
    m.lose(std::move(reason), now_ms, false);
}

void Client::on_tick(std::uint64_t now_ms) { impl_->on_tick(now_ms); }
void Client::reconnect_now(std::uint64_t now_ms) {
    Impl& m = *impl_;
    if (m.state != State::backing_off) return;
    m.backoff_deadline = std::min(m.backoff_deadline, std::max(now_ms, m.backoff_floor));
    m.on_tick(now_ms);
}
bool Client::poll_event(Event& out) { return impl_->events.poll(out); }
void Client::reserve_event(Event& out) const {
    detail::EventQueue::reserve_event(out, IOTLITE_RESERVED_PAYLOAD, impl_->cfg.max_subscriptions);
}
const std::uint8_t* Client::output_data() const { return impl_->out.data(); }
std::size_t Client::output_size() const { return impl_->out.size(); }
void Client::consume_output(std::size_t count) { impl_->out.consume(count); }
std::uint64_t Client::next_deadline_ms() const { return impl_->deadline(); }
State Client::state() const { return impl_->state; }
const Config& Client::config() const { return impl_->cfg; }
const ConnectionTarget& Client::target() const { return impl_->target; }
std::size_t Client::offline_queue_size() const { return impl_->queue.size(); }
bool Client::withdraw_publish(std::uint32_t op_id) { return impl_->queue.withdraw(op_id); }
std::size_t Client::inflight_size() const { return impl_->inflight.size(); }
const std::string& Client::assigned_client_id() const { return impl_->assigned_id; }

}  // namespace iotlite::mqtt
