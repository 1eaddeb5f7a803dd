// iotlite::firmware::Session — one MQTT connection driven by a poll loop, no threads.
//
// Owns the engine (mqtt::Client) and the current transport. poll() is one turn of the loop:
// answer need_target (ask the TargetProvider: re-sign here), open/close transports on the
// engine's command, step connect(), write the engine's output, feed received bytes, call
// on_tick() at next_deadline_ms(), hand application events to the handler, and wait on the
// port's Waiter until I/O or the next deadline. Backoff and keep-alive are the engine's.
//
//   Session::create(cfg, port, targets, opener) -> start() -> run_until(pred, timeout) ...
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string_view>

#include "iotlite/firmware/port.hpp"
#include "iotlite/firmware/transport.hpp"
#include "iotlite/mqtt/client.hpp"
#include "iotlite/services/shadow/shadow_client.hpp"

namespace iotlite::firmware {

// Returns the target for connect attempt `attempt` (fresh: presign a WebSocket URL here).
using TargetProvider = std::function<Result<mqtt::ConnectionTarget>(std::uint32_t attempt)>;
// Builds the (unopened) transport for a target, e.g. TransportFactory::open.
using TransportOpener = std::function<Result<std::unique_ptr<Transport>>(const mqtt::ConnectionTarget&)>;
using EventHandler = std::function<void(const mqtt::Event&)>;
using ShadowEventHandler = std::function<void(const shadow::ShadowEvent&)>;

class Session {
public:
    // Errors: those of mqtt::Client::create (config rules), invalid_argument (missing callback).
    static Result<std::unique_ptr<Session>> create(mqtt::Config config, Port port, TargetProvider targets,
                                                   TransportOpener opener);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Application events (connected, message, published, disconnected, ...). Transport commands
    // are handled inside and not passed on. The handler (and the shadow handler) runs only from
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

    // The engine's calls with the session clock.
    Result<std::uint32_t> publish(std::string_view topic, std::string_view payload, mqtt::QoS qos, bool retain = false);
    Result<std::uint32_t> subscribe(const std::vector<mqtt::TopicFilter>& filters);
    Result<std::uint32_t> unsubscribe(const std::vector<std::string>& filters);

    // Creates the device-shadow client on this session's engine (once): engine events for it are
    // routed to it, its deadlines join the loop, its events go to `handler`.
    // Errors: those of ShadowClient::create, invalid_state when already enabled.
    Result<shadow::ShadowClient*> enable_shadow(shadow::ShadowConfig config, ShadowEventHandler handler);
    shadow::ShadowClient* shadow();  // nullptr until enable_shadow

    mqtt::Client& client();
    mqtt::State state() const;
    std::uint64_t now_ms();
    // Number of transports opened so far (every connect attempt, successful or not).
    std::uint32_t connect_attempts() const;
    // The last transport-level failure (TLS, WebSocket upgrade, socket), empty message if none.
    const Error& last_transport_error() const;

private:
    Session(Port port, TargetProvider targets, TransportOpener opener);
    // One non-blocking pass; true if anything happened. Application events are queued in
    // pending_ and handed to the handlers only when deliver_events.
    bool drive(bool deliver_events);
    bool deliver();
    bool drain_shadow();
    std::uint64_t next_deadline() const;
    void handle(const mqtt::Event& event);
    void transport_failed(Error error);
    IoWait wait_for() const;

    Port port_;
    TargetProvider targets_;
    TransportOpener opener_;
    EventHandler handler_;
    ShadowEventHandler shadow_handler_;
    std::unique_ptr<shadow::ShadowClient> shadow_;
    std::unique_ptr<mqtt::Client> client_;
    std::unique_ptr<Transport> transport_;
    std::deque<mqtt::Event> pending_;  // application events not yet handed to handler_
    bool opening_ = false;
    std::uint32_t attempts_ = 0;
    Error last_transport_error_{Errc::ok, std::string()};
    std::array<std::uint8_t, 1024> rx_{};
};

}  // namespace iotlite::firmware
