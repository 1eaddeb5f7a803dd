// iotlite::firmware::Session — one MQTT connection driven by a poll loop, no threads.
//
// Owns the engine (mqtt::Client) and the current transport. poll() is one turn of the loop:
// answer need_target (ask the TargetProvider: re-sign here), open/close transports on the
// engine's command, step connect(), write the engine's output, feed received bytes, call
// on_tick() at next_deadline_ms(), hand application events to the handler, and wait on the
// port's Waiter until I/O or the next deadline. Backoff and keep-alive are the engine's.
//
// The Session speaks MQTT only. Services that ride on the engine attach through the one
// extension point, mqtt::Service (iotlite/mqtt/service.hpp): the Session routes engine events to
// them, merges their deadlines into its wait, ticks them and has them deliver their events,
// without knowing what they are. An MQTT-only device links none of them (docs/firmware.md).
//
//   Session::create(cfg, port, targets, opener) -> start() -> run_until(pred, timeout) ...
//   optional: make a service on session->client(), set its handler, session->attach(service)
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "iotlite/firmware/port.hpp"
#include "iotlite/firmware/transport.hpp"
#include "iotlite/mqtt/client.hpp"
#include "iotlite/mqtt/service.hpp"

namespace iotlite::firmware {

// Returns the target for connect attempt `attempt` (fresh: presign a WebSocket URL here).
using TargetProvider = std::function<Result<mqtt::ConnectionTarget>(std::uint32_t attempt)>;
// Builds the (unopened) transport for a target, e.g. TransportFactory::open.
using TransportOpener = std::function<Result<std::unique_ptr<Transport>>(const mqtt::ConnectionTarget&)>;
using EventHandler = std::function<void(const mqtt::Event&)>;

class Session {
public:
    // Services attached at the same time (a fixed table: nothing allocated per event).
    static constexpr std::size_t max_services = IOTLITE_SESSION_MAX_SERVICES;  // 4 by default

    // Errors: those of mqtt::Client::create (config rules), invalid_argument (missing callback).
    // The config is copied once, into the engine (by reference here: one copy in the whole call
    // chain instead of a copy at the caller plus a move per layer; code size on Cortex-M).
    static Result<std::unique_ptr<Session>> create(const mqtt::Config& config, Port port, TargetProvider targets,
                                                   TransportOpener opener);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Application events (connected, message, published, disconnected, ...). Transport commands
    // are handled inside and not passed on. The handler (and the services' handlers) runs only from
    // poll()/run_until()/stop(), never from inside start()/publish()/subscribe()/unsubscribe():
    // events those cause are queued, so the op id they return is always known before any event
    // about it is seen.
    void set_event_handler(EventHandler handler);

    Result<void> start();  // Client::connect
    // Sends DISCONNECT and closes within timeout_ms (best effort).
    void stop(std::uint32_t timeout_ms = 1000);

    // One turn of the loop; waits at most max_wait_ms.
    void poll(std::uint32_t max_wait_ms);
    // Polls until pred() is true (returns true) or timeout_ms passed (returns false).
    bool run_until(const std::function<bool()>& pred, std::uint32_t timeout_ms);

    // The engine's calls with the session clock. Their packets go out at the next poll(), all
    // that was queued since the last one in one write (one system call, one TLS record); a burst
    // of 16 KiB or more is written at once. MQTT 3.1.1 or 5 is the config's protocol_version;
    // on MQTT 5 the subscription options are TopicFilter's, and the broker's reason codes and
    // reason strings come back in the events' Error (mqtt_reason, message), see mqtt::Event.
    Result<std::uint32_t> publish(std::string_view topic, std::string_view payload, mqtt::QoS qos, bool retain = false);
    // MQTT 5: the same with PUBLISH properties (content type, payload format indicator, message
    // expiry, response topic, correlation data, user properties; copied). Errors: those of
    // mqtt::Client::publish with properties (a property on a 3.1.1 session, a Topic Alias, ...).
    Result<std::uint32_t> publish(std::string_view topic, std::string_view payload, mqtt::QoS qos, bool retain,
                                  const mqtt::Properties& properties);
    Result<std::uint32_t> subscribe(const std::vector<mqtt::TopicFilter>& filters);
    Result<std::uint32_t> unsubscribe(const std::vector<std::string>& filters);

    // Attaches a service created on client(): from the next poll on, engine events are offered
    // to it (see mqtt::Service for the routing rule), its deadline joins the loop and its events
    // are delivered from poll(). The service must stay alive while attached.
    // Errors: invalid_state when it is already attached, limit_exceeded when max_services are.
    Result<void> attach(mqtt::Service& service);
    // Detaches it (no-op when not attached); safe from any handler. Its queued events stay in it.
    void detach(mqtt::Service& service);

    mqtt::Client& client();
    mqtt::State state() const;
    std::uint64_t now_ms();
    // Number of transports opened so far (every connect attempt, successful or not).
    std::uint32_t connect_attempts() const;
    // The last transport-level failure (TLS, WebSocket upgrade, socket), empty message if none.
    const Error& last_transport_error() const;

private:
    Session(Port port, TargetProvider&& targets, TransportOpener&& opener);
    // One non-blocking pass; true if anything happened. Application events are queued in
    // pending_ and handed to the handlers only when deliver_events.
    bool drive(bool deliver_events);
    bool write_output();
    void write_if_large();
    // A TLS record's largest plaintext (RFC 8446 §5.1): a burst this large is written at once.
    static constexpr std::size_t kEagerWrite = 16384;
    bool deliver();
    std::uint64_t next_deadline() const;
    // Acts on a transport command or offers the event to the services; true when the application
    // must see it (the caller queues it in pending_).
    bool handle(const mqtt::Event& event);
    void transport_failed(const Error& error);
    void close_transport();  // closes and drops the transport, if any
    IoWait wait_for() const;
    // run_until() with a plain predicate: stop() waits without building a std::function (code
    // size on Cortex-M).
    bool poll_until(bool (*done)(const void* context), const void* context, std::uint32_t timeout_ms);

    Port port_;
    TargetProvider targets_;
    TransportOpener opener_;
    EventHandler handler_;
    std::array<mqtt::Service*, max_services> services_{};  // nullptr: free slot
    std::unique_ptr<mqtt::Client> client_;
    std::unique_ptr<Transport> transport_;
    // Application events not yet handed to handler_: a singly linked FIFO (append, pop the
    // front), a fraction of std::deque's code on Cortex-M.
    struct PendingEvent {
        mqtt::Event event;
        PendingEvent* next = nullptr;
    };
    PendingEvent* pending_head_ = nullptr;  // owned; freed by deliver() and ~Session()
    PendingEvent* pending_tail_ = nullptr;
    // The node the engine's next event is polled into: queued as it is when the application must
    // see the event, kept for the next one otherwise, so no Event is moved between the two queues
    // (code size on Cortex-M). Owned; freed by ~Session(). See handle() on re-entrance.
    PendingEvent* spare_ = nullptr;
#if IOTLITE_NO_HEAP_AFTER_CONNECT
    // Delivered nodes kept for the next events, their Events' storage reserved by create()
    // (IOTLITE_EVENT_POOL of them; iotlite/config.hpp). Owned; freed by ~Session().
    PendingEvent* free_ = nullptr;
    std::size_t free_count_ = 0;
    PendingEvent* new_node();
    void recycle(PendingEvent* node);
#endif
    bool opening_ = false;
    std::uint32_t attempts_ = 0;
    Error last_transport_error_;  // code set to Errc::ok by the constructor (none yet)
    std::array<std::uint8_t, 1024> rx_;  // receive scratch: written by recv() before it is read
};

}  // namespace iotlite::firmware
