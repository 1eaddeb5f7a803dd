#include "iotlite/firmware/session.hpp"

#include <algorithm>

namespace iotlite::firmware {

Session::Session(Port port, TargetProvider&& targets, TransportOpener&& opener)
    : port_(port), targets_(std::move(targets)), opener_(std::move(opener)) {
    last_transport_error_.code = Errc::ok;
}

Session::~Session() {
    if (transport_) transport_->close();
    while (PendingEvent* node = pending_head_) {
        pending_head_ = node->next;
        delete node;
    }
    delete spare_;
#if IOTLITE_NO_HEAP_AFTER_CONNECT
    while (PendingEvent* node = free_) {
        free_ = node->next;
        delete node;
    }
#endif
}

#if IOTLITE_NO_HEAP_AFTER_CONNECT
// The no-heap-after-connect build: application events go through IOTLITE_EVENT_POOL nodes made
// by create(); a node is only allocated when more events than that wait for the handler.
Session::PendingEvent* Session::new_node() {
    PendingEvent* node = free_;
    if (!node) return new PendingEvent;
    free_ = node->next;
    node->next = nullptr;
    --free_count_;
    return node;
}
void Session::recycle(PendingEvent* node) {
    if (free_count_ >= IOTLITE_EVENT_POOL) {
        delete node;
        return;
    }
    node->next = free_;
    free_ = node;
    ++free_count_;
}
#endif

Result<void> Session::attach(mqtt::Service& service) {
    mqtt::Service** free_slot = nullptr;
    for (mqtt::Service*& slot : services_) {
        if (slot == &service) return make_error(Errc::invalid_state, IOTLITE_TEXT("this service is already attached to the session"));
        if (!slot && !free_slot) free_slot = &slot;
    }
    if (!free_slot)
        return make_error(Errc::limit_exceeded, IOTLITE_TEXT("a session holds at most " IOTLITE_STRINGIFY(
                                                    IOTLITE_SESSION_MAX_SERVICES) " attached services (Session::max_services)"));
    *free_slot = &service;
    return {};
}

void Session::detach(mqtt::Service& service) {
    // The slot is cleared, not compacted: detach may run from a handler while deliver() walks the table.
    for (mqtt::Service*& slot : services_) {
        if (slot == &service) slot = nullptr;
    }
}

std::uint64_t Session::next_deadline() const {
    std::uint64_t d = client_->next_deadline_ms();
    for (const mqtt::Service* service : services_) {
        if (service) d = std::min(d, service->next_deadline_ms());
    }
    return d;
}

Result<std::unique_ptr<Session>> Session::create(const mqtt::Config& config, Port port, TargetProvider targets,
                                                 TransportOpener opener) {
    if (!targets || !opener) return make_error(Errc::invalid_argument, IOTLITE_TEXT("Session needs a target provider and a transport opener"));
    Result<std::unique_ptr<mqtt::Client>> client = mqtt::Client::create(config);
    if (!client.ok()) return client.error();
    std::unique_ptr<Session> s(new Session(port, std::move(targets), std::move(opener)));
    s->client_.swap(client.value());  // (no delete of the empty old pointer inlined here)
#if IOTLITE_NO_HEAP_AFTER_CONNECT
    for (int i = 0; i <= IOTLITE_EVENT_POOL; ++i) {  // the pool, and spare_
        auto* node = new PendingEvent;
        s->client_->reserve_event(node->event);
        if (i < IOTLITE_EVENT_POOL)
            s->recycle(node);
        else
            s->spare_ = node;
    }
#endif
    return s;
}

// swap: the old handler goes with the parameter (std::function's move assignment is the same
// swap plus more code).
void Session::set_event_handler(EventHandler handler) { handler_.swap(handler); }
mqtt::Client& Session::client() { return *client_; }
mqtt::State Session::state() const { return client_->state(); }
std::uint64_t Session::now_ms() { return port_.clock.now_ms(); }
std::uint32_t Session::connect_attempts() const { return attempts_; }
const Error& Session::last_transport_error() const { return last_transport_error_; }

Result<void> Session::start() {
    Result<void> r = client_->connect(now_ms());
    if (r.ok()) drive(false);
    return r;
}

void Session::stop(std::uint32_t timeout_ms) {
    client_->disconnect(now_ms());
    // Let the DISCONNECT packet and the close command go out.
    poll_until(
        [](const void* self) {
            const auto* s = static_cast<const Session*>(self);
            return !s->transport_ && s->client_->output_size() == 0;
        },
        this, timeout_ms);
    close_transport();
}

Result<std::uint32_t> Session::publish(std::string_view topic, std::string_view payload, mqtt::QoS qos, bool retain) {
    auto r = client_->publish(topic, reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size(), qos, retain, now_ms());
    write_if_large();
    return r;
}

Result<std::uint32_t> Session::publish(std::string_view topic, std::string_view payload, mqtt::QoS qos, bool retain,
                                       const mqtt::Properties& properties) {
    auto r = client_->publish(topic, reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size(), qos, retain,
                              properties, now_ms());
    write_if_large();
    return r;
}

Result<std::uint32_t> Session::subscribe(const std::vector<mqtt::TopicFilter>& filters) {
    auto r = client_->subscribe(filters, now_ms());
    write_if_large();
    return r;
}

Result<std::uint32_t> Session::unsubscribe(const std::vector<std::string>& filters) {
    auto r = client_->unsubscribe(filters, now_ms());
    write_if_large();
    return r;
}

void Session::close_transport() {
    if (transport_) {
        transport_->close();
        transport_.reset();
    }
}

// Callers may pass the transport's own last_error(), which dies with the transport below: it is
// copied into last_transport_error_ first, and only that copy is used afterwards.
void Session::transport_failed(const Error& error) {
    last_transport_error_ = error;
    IOTLITE_LOG_WARN("iotlite: transport failed: %s %s", errc_name(error.code), error.message.c_str());
    close_transport();
    opening_ = false;
    client_->on_closed(last_transport_error_, now_ms());
}

// `event` lives in spare_. The target provider and the opener are the application's code and may
// re-enter the session (a publish() drives it), which polls the next event into spare_: read
// what is needed of `event` before calling them, and return false after (only the service branch,
// which calls no application code, returns true and has spare_ queued).
bool Session::handle(const mqtt::Event& event) {
    using T = mqtt::Event::Type;
    switch (event.type) {
        case T::need_target: {
            Result<mqtt::ConnectionTarget> target = targets_(event.attempt);
            client_->provide_target(std::move(target), now_ms());  // now: after the provider's work
            return false;
        }
        case T::open_transport: {
            close_transport();
            ++attempts_;
            IOTLITE_LOG_INFO("iotlite: connect attempt %u", static_cast<unsigned>(event.attempt));
            Result<std::unique_ptr<Transport>> t = opener_(client_->target());
            if (!t.ok()) {
                transport_failed(t.error());
                return false;
            }
            transport_ = std::move(t.value());
            opening_ = true;
            return false;
        }
        case T::close_transport:
            if (transport_ && !opening_) {
                // Best effort: what the engine wrote before asking to close (e.g. DISCONNECT).
                for (int i = 0; i < 8 && client_->output_size() > 0; ++i) {
                    std::int32_t n = transport_->send(client_->output_data(), client_->output_size());
                    if (n <= 0) break;
                    client_->consume_output(static_cast<std::size_t>(n));
                }
            }
            // Bytes meant for the closed connection must never reach the next one.
            if (client_->output_size() > 0) client_->consume_output(client_->output_size());
            close_transport();
            opening_ = false;
            return false;
        default:
            // A service consumes its own events (its handler runs from deliver()); the
            // application's wait in pending_ until deliver().
            for (mqtt::Service* service : services_) {
                if (service && service->on_event(event, now_ms())) return false;
            }
            return true;
    }
}

bool Session::deliver() {
    // Only the events queued so far: a handler that publishes from every event cannot keep us
    // here (what it causes is delivered on the next turn). Popped before the call: the handler
    // may re-enter publish()/subscribe().
    bool any = false;
    for (std::size_t i = 0; i < services_.size(); ++i) {
        if (services_[i] && services_[i]->deliver_events()) any = true;
    }
    const PendingEvent* last = pending_tail_;
    while (PendingEvent* node = pending_head_) {
        pending_head_ = node->next;
        if (!pending_head_) pending_tail_ = nullptr;
#if IOTLITE_NO_HEAP_AFTER_CONNECT
        if (handler_) handler_(node->event);
        recycle(node);  // kept with its storage for a later event
#else
        std::unique_ptr<PendingEvent> owned(node);  // freed after the handler, whatever it does
        if (handler_) handler_(node->event);
#endif
        any = true;
        if (node == last) break;
    }
    return any;
}

// Hands the transport what the engine wrote, as much as it takes now. True when anything moved
// (or the transport failed).
bool Session::write_output() {
    bool any = false;
    while (transport_ && !opening_ && client_->output_size() > 0) {
        std::int32_t n = transport_->send(client_->output_data(), client_->output_size());
        if (n < 0) {
            transport_failed(transport_->last_error());
            return true;
        }
        if (n == 0) break;
        client_->consume_output(static_cast<std::size_t>(n));
        any = true;
    }
    return any;
}

// publish(), subscribe() and unsubscribe() leave their packets to the next poll(): everything the
// application queued in between goes out in one write (one TLS record, one system call), not one
// per call. Only a burst that has filled kEagerWrite bytes is written at once, so that a loop of
// publishes without poll() keeps moving. No events are touched: the caller has its op id before
// any event about it.
void Session::write_if_large() {
    if (client_->output_size() >= kEagerWrite) write_output();
}

bool Session::drive(bool deliver_events) {
    bool progress = false;
    // Bounded: a busy peer cannot keep us here forever.
    for (int round = 0; round < 32; ++round) {
        bool any = false;
        for (;;) {
#if IOTLITE_NO_HEAP_AFTER_CONNECT
            if (!spare_) spare_ = new_node();
#else
            if (!spare_) spare_ = new PendingEvent;
#endif
            if (!client_->poll_event(spare_->event)) break;
            any = true;
            if (handle(spare_->event)) {
                (pending_tail_ ? pending_tail_->next : pending_head_) = spare_;
                pending_tail_ = spare_;
                spare_ = nullptr;
            }
        }
        if (transport_ && opening_) {
            Result<bool> r = transport_->connect(now_ms());
            if (!r.ok()) {
                transport_failed(r.error());
                any = true;
            } else if (r.value()) {
                opening_ = false;
                client_->on_open(now_ms());
                any = true;
            }
        }
        if (write_output()) any = true;
        if (transport_ && !opening_) {
            for (int reads = 0; reads < 16 && transport_; ++reads) {
                std::int32_t n = transport_->recv(rx_.data(), rx_.size());
                if (n < 0) {
                    transport_failed(transport_->last_error());
                    any = true;
                    break;
                }
                if (n == 0) break;
                client_->on_bytes(rx_.data(), static_cast<std::size_t>(n), now_ms());
                any = true;
            }
        }
        const std::uint64_t now = now_ms();
        if (client_->next_deadline_ms() <= now) {
            client_->on_tick(now);
            any = true;
        }
        for (mqtt::Service* service : services_) {
            if (service && service->next_deadline_ms() <= now) {
                service->on_tick(now);
                any = true;
            }
        }
        if (deliver_events && deliver()) any = true;
        if (!any) break;
        progress = true;
    }
    return progress;
}

IoWait Session::wait_for() const {
    if (!transport_) return IoWait{};
    IoWait w = transport_->io_wait();
    if (!opening_) w.read = true;
    if (!opening_ && client_->output_size() > 0) w.write = true;
    return w;
}

void Session::poll(std::uint32_t max_wait_ms) {
    // Something happened (or events wait from publish()/subscribe()): return so that the caller
    // sees it before we sleep.
    if (drive(true)) return;
    const std::uint64_t now = now_ms();
    const std::uint64_t deadline = next_deadline();
    std::uint64_t wait = max_wait_ms;
    if (deadline != UINT64_MAX) wait = std::min<std::uint64_t>(wait, deadline > now ? deadline - now : 0);
    IoWait w = wait_for();
    // While a transport is opening, re-step at least every 50 ms (name resolution, handshakes
    // of transports without a native handle).
    if (opening_) wait = std::min<std::uint64_t>(wait, 50);
    port_.waiter.wait(w, static_cast<std::uint32_t>(wait));
    drive(true);
}

bool Session::run_until(const std::function<bool()>& pred, std::uint32_t timeout_ms) {
    return poll_until([](const void* f) { return (*static_cast<const std::function<bool()>*>(f))(); }, &pred, timeout_ms);
}

bool Session::poll_until(bool (*done)(const void*), const void* context, std::uint32_t timeout_ms) {
    const std::uint64_t end = now_ms() + timeout_ms;
    for (;;) {
        if (done(context)) return true;
        const std::uint64_t now = now_ms();
        if (now >= end) return false;
        poll(static_cast<std::uint32_t>(std::min<std::uint64_t>(end - now, 1000)));
    }
}

}  // namespace iotlite::firmware
