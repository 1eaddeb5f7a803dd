// iotlite::mqtt::Client — the sans-I/O MQTT 3.1.1 and MQTT 5 client engine.
//
// The engine never opens a socket, reads a clock, sleeps or spawns a thread. A driver
// (JS in wasm/, the poll loop in firmware/, scripted tests) feeds it inputs and drains
// its outputs:
//
//   inputs   connect()/disconnect()/publish()/subscribe()/unsubscribe()  (the application)
//            provide_target()   answer to Event::need_target (a fresh, freshly-signed target)
//            on_open()          the transport asked for by Event::open_transport is open
//            on_bytes()         bytes arrived from the transport (any fragmentation)
//            on_closed()        the transport closed (or could not be opened)
//            on_tick()          time passed; call at next_deadline_ms() at the latest
//   outputs  output_data()/output_size()/consume_output()  bytes to write to the transport
//            poll_event()       transport commands and application events, in order
//            next_deadline_ms() when on_tick() must be called next
//
// Every input takes now_ms, a monotonic millisecond clock owned by the driver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iotlite/mqtt/properties.hpp"
#include "iotlite/mqtt/types.hpp"
#include "iotlite/result.hpp"

namespace iotlite::mqtt {

// Where the driver must open a transport for the next connect attempt.
enum class TransportKind : std::uint8_t {
    websocket,  // url is ws:// or wss://<endpoint>/mqtt?...; subprotocol "mqtt", binary frames
    tcp,        // plain TCP to host:port (tests, local broker)
    tls,        // TLS to host:port with the driver's client certificate; alpn if non-empty
};

// MQTT over WebSocket (MQTT 3.1.1 and MQTT 5, section 6): the driver sends output_data() as binary
// WebSocket messages, and an MQTT packet may span messages. A driver sends at most this many bytes
// in one message. A WebSocket server bounds the messages it accepts and closes the connection with
// 1009 ("message too big") beyond its bound; an offline backlog sent whole at a reconnect could
// pass any bound, and the client would then be closed again at every attempt, with nothing sent.
inline constexpr std::size_t max_websocket_message_bytes = 16 * 1024;

struct ConnectionTarget {
    TransportKind kind = TransportKind::websocket;
    std::string url;            // websocket only
    std::string host;           // tcp / tls
    std::uint16_t port = 0;     // tcp / tls
    std::string alpn;           // tls: e.g. "x-amzn-mqtt-ca" for MQTT on 443
    std::string username;       // optional MQTT CONNECT username (custom authorizers)
    std::string password;       // optional MQTT CONNECT password; never logged
};

// What happens when a publish is made while offline and the offline queue is full.
enum class QueuePolicy : std::uint8_t {
    drop_oldest,  // evict the oldest queued message (it completes with Errc::dropped)
    drop_newest,  // the new message is not queued (it completes with Errc::dropped)
    reject,       // publish() returns Errc::queue_full; nothing already queued is touched
};

// Backoff after a failed attempt or a connection that lasted less than stable_after_ms
// ("full jitter" above a floor, n = consecutive failures before this one, from 0):
//   cap(n) = min(max_delay_ms, min_delay_ms * 2^(n+1))
//   delay  = min_delay_ms + uniform[0, cap(n) - min_delay_ms]
// so every retry waits at least min_delay_ms, the jitter window doubles per failure and
// saturates at max_delay_ms. A connection that stayed up stable_after_ms resets n to 0.
// The jitter comes from a splitmix64 PRNG seeded with Config::rng_seed.
// Floor: AWS IoT allows 1 CONNECT per second per client id, so min_delay_ms and max_delay_ms
// below 1000 (limits::min_connect_interval_ms) are raised to 1000 (clamped, not refused):
// two connect attempts are always at least 1 s apart, whatever the config says.
struct ReconnectConfig {
    bool enabled = true;
    std::uint32_t min_delay_ms = 1000;      // backoff base
    std::uint32_t max_delay_ms = 30000;     // backoff cap
    std::uint32_t stable_after_ms = 10000;  // a connection up this long resets the backoff
};

// Publishes that cannot be sent now (offline, or the QoS 1 in-flight window is full) wait in
// this queue, in order. Every queued publish completes exactly once: `published` once sent
// (QoS 0) / acknowledged (QoS 1), or `publish_failed` (Errc::dropped by the policy,
// Errc::closed when the client closes). A message larger than max_bytes on its own is never
// queued: dropped (drop_* policies) or rejected (reject).
struct OfflineQueueConfig {
    std::size_t max_messages = IOTLITE_OFFLINE_QUEUE_MAX_MESSAGES;  // 100; 0 disables queueing: publish while offline fails
    std::size_t max_bytes = IOTLITE_OFFLINE_QUEUE_MAX_BYTES;        // 256 KB; sum of topic + payload bytes queued
    QueuePolicy policy = QueuePolicy::drop_oldest;
};

// The offline queue's rule, written once: what a queue bounded by `config`, holding `queued`
// messages of `queued_bytes`, does with one more of `bytes` (topic + payload). The engine's
// OfflineQueue applies it; so does the browser package's durable queue (iotlite/durable), over
// what it has stored.
enum class QueueAdmission : std::uint8_t {
    accepted,      // there is room: queue it
    evict_oldest,  // drop_oldest and full: evict the oldest (Errc::dropped), then ask again
    dropped,       // not queued, completes with Errc::dropped (drop_newest; or larger than max_bytes alone)
    rejected,      // not queued, refused to the caller with Errc::queue_full (reject)
};
// The bound a message does not fit under (none when accepted).
enum class QueueBound : std::uint8_t { none, max_messages, max_bytes, message_bytes /* alone over max_bytes */ };
struct QueueVerdict {
    QueueAdmission admission;
    QueueBound bound;
};
inline QueueVerdict queue_admission(const OfflineQueueConfig& config, std::size_t queued, std::size_t queued_bytes,
                                    std::size_t bytes) {
    const bool fits_ever = bytes <= config.max_bytes;
    // Written so that nothing overflows, whatever the numbers (a durable store may hold more than
    // this page's bounds allow: another tab opened it with larger ones).
    const QueueBound bound = !fits_ever                        ? QueueBound::message_bytes
                             : queued >= config.max_messages   ? QueueBound::max_messages
                             : queued_bytes > config.max_bytes - bytes ? QueueBound::max_bytes
                                                                       : QueueBound::none;
    if (bound == QueueBound::none) return {QueueAdmission::accepted, bound};
    if (config.policy == QueuePolicy::reject) return {QueueAdmission::rejected, bound};
    if (config.policy == QueuePolicy::drop_newest || !fits_ever) return {QueueAdmission::dropped, bound};
    return {QueueAdmission::evict_oldest, bound};
}

// Capacities and behaviour. Validated by Client::create().
struct Config {
    // 4 = MQTT 3.1.1 (the default, byte-for-byte what it always was), 5 = MQTT 5. The settings
    // marked "MQTT 5" below are refused (rules::mqtt5_only) on a 3.1.1 client.
    std::uint8_t protocol_version = 4;
    std::string client_id;                    // AWS: 1..128 bytes
    std::uint16_t keep_alive_s = IOTLITE_KEEP_ALIVE_S;  // 60; AWS: 30..1200 (iotlite/config.hpp: IOTLITE_*)
    bool clean_session = true;                // MQTT 5: Clean Start
    std::optional<Will> will;
    // MQTT 5 CONNECT properties (§3.1.2.11). Maximum Packet Size is max_inbound_packet below.
    std::uint32_t session_expiry_s = 0;       // Session Expiry Interval; AWS: at most 604800 (7 days)
    std::uint16_t receive_maximum = 0;        // QoS 1 publishes the broker may have unacknowledged
                                              // towards us; 0: not sent (65535)
    std::uint16_t topic_alias_maximum = 0;    // inbound topic aliases we accept (0: none), at most 64
    std::vector<UserProperty> connect_user_properties;
    ReconnectConfig reconnect;
    OfflineQueueConfig offline_queue;
    std::size_t max_inbound_packet = IOTLITE_MAX_INBOUND_PACKET;  // 128 KB + 1 KB; larger inbound packets are a protocol error
    std::size_t max_inflight = IOTLITE_MAX_INFLIGHT;            // 32; QoS 1 publishes awaiting PUBACK
    std::size_t max_subscriptions = IOTLITE_MAX_SUBSCRIPTIONS;  // 50; AWS: 50 per connection
    std::uint32_t connect_timeout_ms = 10000; // from open_transport until CONNACK
    std::uint32_t ping_timeout_ms = 10000;    // PINGRESP must arrive within this (at most keep_alive_s / 2 applies)
    std::uint64_t rng_seed = 1;               // seeds the backoff jitter (tests fix it)
};

// Connection states. Transitions:
//   idle --connect()--> waiting_target --provide_target()--> opening --on_open()--> connecting
//   connecting --CONNACK 0--> connected
//   waiting_target --provide_target(error / incomplete target)--> backing_off (or closed)
//   opening/connecting/connected --on_closed()/connect timeout/keep-alive timeout/CONNACK refusal/
//       protocol error--> backing_off (reconnect on) or closed (reconnect off)
//   backing_off --deadline (on_tick)--> waiting_target (emits need_target again)
//   any --disconnect()--> closed (terminal: later calls return Errc::invalid_state)
// Timers (next_deadline_ms): opening/connecting: connect_timeout_ms from provide_target();
// connected: PINGREQ when nothing was sent OR nothing was received for keep_alive_s (so the
// client always sends within keep-alive, and an application that keeps publishing cannot hide
// a path that went silent), then min(ping_timeout_ms, keep_alive_s * 500) ms for the PINGRESP,
// else "keep-alive timeout" (Errc::timeout): a dead path (e.g. a proxy that stops forwarding
// without closing) is detected within 1.5 x keep_alive_s whatever the outbound traffic;
// backing_off: the backoff delay (at least 1 s, see ReconnectConfig).
// Not thread-safe: drive one Client from one thread (or event loop).
enum class State : std::uint8_t { idle, waiting_target, opening, connecting, connected, backing_off, closed };

const char* state_name(State state);

// One output for the driver or the application. Only the fields named for the type are set.
//
// Notes for drivers:
//  - Write output_data() to the transport before acting on close_transport (disconnect()
//    leaves a DISCONNECT packet there).
//  - A failed connect attempt (transport could not open or closed before CONNACK, CONNACK
//    refusal, connect timeout, provide_target() with an error) is reported as `error`
//    followed by `reconnecting`; `disconnected` means an established session ended, or the
//    client reached State::closed (reconnect disabled, or disconnect()).
//  - CONNACK refusals: 1 unacceptable protocol version, 2 identifier rejected,
//    3 server unavailable -> Errc::connection_refused; 4 bad user name or password,
//    5 "not authorized" -> Errc::auth_failed. Reconnecting continues (need_target lets the
//    application re-sign with fresh credentials).
//  - A subscribe()/unsubscribe() that can no longer complete (client closed, subscribe
//    cancelled by an unsubscribe() before its SUBACK) completes with `error` carrying its op_id.
//    A filter refused (SUBACK 0x80) on an automatic re-subscribe is reported as `error`
//    (Errc::server_error) with the subscription's op_id.
//  - Protocol errors (malformed bytes, QoS 2 PUBLISH, unexpected packet) close the transport
//    with Errc::protocol_error and a message starting "protocol error: ".
//  - MQTT 5 (Config::protocol_version 5): every error the broker answers carries its reason code
//    in Error::mqtt_reason, the Errc of reason_code.hpp's table and the Reason String in the
//    message ("CONNACK 0x87 not authorized: <reason string>"). A CONNACK refusal reconnects as
//    above. A refused publish completes with publish_failed (PUBACK >= 0x80); `subscribed`
//    carries the SUBACK reason codes in `granted` and, when one is >= 0x80, the first refusal in
//    `error`; `unsubscribed` likewise carries the first UNSUBACK refusal in `error`. A server
//    DISCONNECT ends the session with its reason code: 0x8E session taken over closes the
//    client (State::closed, disconnected with Errc::closed; never fight another connection for
//    the client id), 0x89 server busy, 0x96 message rate too high, 0x97 quota exceeded and
//    0x9F connection rate exceeded reconnect after reconnect.max_delay_ms, any other code
//    reconnects as usual. A protocol error of the broker is answered with DISCONNECT 0x81
//    (malformed), 0x82 (protocol error), 0x94 (topic alias invalid) or 0x95 (packet too large)
//    left in output_data() before close_transport.
struct Event {
    enum class Type : std::uint8_t {
        need_target,      // call provide_target() with a fresh target (re-sign now). attempt
        open_transport,   // open a transport to Client::target(); then on_open() or on_closed(). attempt
        close_transport,  // close the transport; do not call on_closed() for this close
        connected,        // CONNACK accepted. session_present
        disconnected,     // the session ended. error = reason ("keep-alive timeout", ...)
        reconnecting,     // next attempt in delay_ms. attempt
        message,          // message; subscription_ids = ids of matching subscribe() calls
        subscribed,       // op_id; granted = one code per filter of that subscribe()
        unsubscribed,     // op_id
        published,        // op_id: QoS 0 handed to the transport / QoS 1 PUBACK received
        publish_failed,   // op_id, error (Errc::dropped, Errc::closed, ...)
        error,            // error: something the application should know (not fatal)
    };
    // The target of open_transport is not carried here (it would make every Event ~176 bytes
    // larger for one type): read Client::target() when handling open_transport.
    // Defined out of line, once for the engine and every driver (code size on Cortex-M).
    Event();

    Type type = Type::error;
    bool session_present = false;
    Error error;
    std::uint32_t delay_ms = 0;
    std::uint32_t attempt = 0;
    Message message;
    std::vector<std::uint32_t> subscription_ids;
    std::uint32_t op_id = 0;
    std::vector<SubackCode> granted;
};

// Stable lower_snake name of an event type ("need_target", "message", ...), for logs and JS.
const char* event_type_name(Event::Type type);

class Client {
public:
    // Errc::invalid_argument / limit_exceeded naming the rule when the config breaks one.
    // The engine keeps its own copy of the config (one copy, made here).
    static Result<std::unique_ptr<Client>> create(const Config& config);

    // Starts connecting (emits need_target). Errc::invalid_state if already started.
    Result<void> connect(std::uint64_t now_ms);
    // Sends DISCONNECT when connected, asks to close the transport, stops reconnecting.
    // Queued and in-flight publishes complete with publish_failed / Errc::closed.
    void disconnect(std::uint64_t now_ms);

    // Returns an op_id completed later by `published` or `publish_failed`.
    // Errors now: invalid_topic / limit_exceeded (rule named), queue_full (policy reject),
    // not_connected (offline queue disabled), invalid_state (closed).
    Result<std::uint32_t> publish(std::string_view topic, const std::uint8_t* payload, std::size_t size,
                                  QoS qos, bool retain, std::uint64_t now_ms);
    // MQTT 5: the same with PUBLISH properties (content type, payload format indicator, message
    // expiry interval 1..604800 s, response topic, correlation data, user properties), copied.
    // Refused with a named rule: any property on a 3.1.1 client (rules::mqtt5_only), a Topic
    // Alias (the engine manages aliases), a Subscription Identifier (§3.3.4: client to server
    // never), a message expiry outside AWS's bounds, a retained publish when the broker's
    // CONNACK said Retain Available 0 (rules::retain_available), QoS 1 when it said Maximum QoS 0,
    // a packet above the broker's Maximum Packet Size (rules::packet_bytes).
    Result<std::uint32_t> publish(std::string_view topic, const std::uint8_t* payload, std::size_t size,
                                  QoS qos, bool retain, const Properties& properties, std::uint64_t now_ms);
    // Takes back a publish that is still waiting in the offline queue (offline, or behind a full
    // QoS 1 window): nothing of it was written, it is removed and no event will be reported for
    // op_id; returns true. False when it is not waiting there (already written or in flight,
    // completed, or unknown): its events come as usual. For an application's "abort" (a JS
    // AbortSignal): the message is either withdrawn, or was handed to the transport.
    bool withdraw_publish(std::uint32_t op_id);
    // Returns an op_id (also the subscription id reported with matching messages),
    // completed by `subscribed`. Re-subscribed automatically after a reconnect when the
    // broker has no session for us.
    Result<std::uint32_t> subscribe(const std::vector<TopicFilter>& filters, std::uint64_t now_ms);
    Result<std::uint32_t> unsubscribe(const std::vector<std::string>& filters, std::uint64_t now_ms);

    // The target (or why there is none) is moved from; a const one is copied first. (Two
    // overloads rather than one by value: a driver that has the answer in a variable passes it
    // on without a move into a parameter; code size on Cortex-M.)
    void provide_target(Result<ConnectionTarget>&& target, std::uint64_t now_ms);
    void provide_target(const Result<ConnectionTarget>& target, std::uint64_t now_ms);
    void on_open(std::uint64_t now_ms);
    void on_bytes(const std::uint8_t* data, std::size_t size, std::uint64_t now_ms);
    void on_closed(Error reason, std::uint64_t now_ms);
    void on_tick(std::uint64_t now_ms);
    // The reason for a backoff is gone (the network is back, a sleeping page woke up, the driver
    // closed the connection on purpose to renew it): skips what is left of it. The attempt starts
    // now, or at the earliest limits::min_connect_interval_ms after the previous attempt began
    // (AWS IoT allows 1 CONNECT per second per client id), then next_deadline_ms() says when.
    // No effect unless State::backing_off.
    void reconnect_now(std::uint64_t now_ms);

    bool poll_event(Event& out);
    // Gives `out` room for a message of IOTLITE_RESERVED_PAYLOAD bytes on a topic of AWS's 256
    // bytes with max_subscriptions ids. In the IOTLITE_NO_HEAP_AFTER_CONNECT build poll_event()
    // copies into `out`'s storage, so an Event reserved once, before connecting, and kept takes
    // every such message without allocating (iotlite/config.hpp).
    void reserve_event(Event& out) const;
    const std::uint8_t* output_data() const;
    std::size_t output_size() const;
    void consume_output(std::size_t count);
    // UINT64_MAX when nothing is scheduled.
    std::uint64_t next_deadline_ms() const;

    State state() const;
    const Config& config() const;
    // The target of the current connect attempt: the last usable one given to provide_target(),
    // announced by the latest open_transport event. It stays valid and unchanged until a later
    // provide_target() with a usable target (only after the next need_target) or the Client's end.
    // Empty (a default ConnectionTarget) before the first attempt.
    const ConnectionTarget& target() const;
    // Publishes waiting in the offline queue / QoS 1 publishes awaiting PUBACK (diagnostics, tests).
    std::size_t offline_queue_size() const;
    std::size_t inflight_size() const;
    // MQTT 5: the broker's Assigned Client Identifier from the last CONNACK ("" when none).
    const std::string& assigned_client_id() const;

    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

private:
    explicit Client(const Config& config);
    Result<std::uint32_t> publish_with(std::string_view topic, const std::uint8_t* payload, std::size_t size, QoS qos,
                                       bool retain, const Properties* properties, std::uint64_t now_ms);
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace iotlite::mqtt
