// iotlite::mqtt::Service — the one extension point for services that ride on the engine
// (device shadow today; Jobs, Fleet Provisioning next).
//
// A service is sans-I/O like the engine: it is created on an mqtt::Client, calls that client's
// subscribe()/publish() itself, and is driven by whoever drives the engine (firmware::Session,
// the JS package's IotClient, a test). The driver knows nothing of what a service does; it only
// keeps this contract, in this order, on every turn of its loop:
//
//   1. Routing. Every application event the engine emits is offered to the attached services in
//      turn: `if (!service.on_event(ev, now)) next...`. The first one that returns true consumed
//      it and the event goes no further; an event no service consumes goes to the application.
//      A service consumes only what is unambiguously its own (the SUBACK / PUBACK of operations
//      it started, messages on topics it subscribed to); never the transport commands
//      (need_target / open_transport / close_transport: the driver's, which a driver may also
//      skip offering) nor lifecycle events (connected, disconnected, error), which every service
//      sees and the application gets too.
//   2. Deadlines. The driver's next wake-up is min(engine, every service's next_deadline_ms());
//      at or after a service's deadline the driver calls its on_tick(now). UINT64_MAX: none.
//   3. Delivery. The service queues its own events (responses, failures, streams) inside; the
//      driver calls deliver_events() to have them handed to the application's handler(s) that
//      the service owns. The driver does this only from its poll step, never from inside an
//      engine call or from inside on_event()/on_tick(): handlers may therefore re-enter the
//      service, the engine and the driver (start a request, publish, detach), and an id returned
//      by a request call is always known to the caller before any event about it is handed out.
//
// Re-entrancy: on_event(), on_tick() and next_deadline_ms() never call an application handler.
// Only deliver_events() does.
//
// Memory: the interface itself asks for nothing on the MQTT path. A driver keeps the attached
// services in a fixed table (firmware::Session: Session::max_services); a service allocates what
// its own work needs (the shadow's JSON), which an MQTT-only application never links.
//
// Lifetime: the service is owned by the application, must outlive its attachment (detach it or
// destroy the driver first) and must not outlive the mqtt::Client it was created on.
#pragma once

#include <cstdint>

#include "iotlite/mqtt/client.hpp"

namespace iotlite::mqtt {

class Service {
public:
    virtual ~Service() = default;

    // True when the event belonged to this service (the driver must not pass it on).
    virtual bool on_event(const Event& event, std::uint64_t now_ms) = 0;
    // Time-driven work (request timeouts). Called at next_deadline_ms() at the latest.
    virtual void on_tick(std::uint64_t now_ms) = 0;
    // The earliest time on_tick() must run; UINT64_MAX when nothing is pending.
    virtual std::uint64_t next_deadline_ms() const = 0;
    // Hands the events queued so far to the application's handler; true if there were any.
    // Events queued by a handler while this runs may wait for the next call.
    virtual bool deliver_events() = 0;

protected:
    Service() = default;
    Service(const Service&) = default;
    Service& operator=(const Service&) = default;
};

}  // namespace iotlite::mqtt
