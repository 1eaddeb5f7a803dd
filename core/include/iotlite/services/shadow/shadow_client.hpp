// iotlite::shadow::ShadowClient — the device shadow client on top of iotlite::mqtt::Client.
//
// Sans-I/O like the engine, and an mqtt::Service (iotlite/mqtt/service.hpp): attach it to the
// driver (firmware::Session::attach, or IotClient's service hook in JS) and the driver routes
// engine events to it, honours its deadlines and hands its events to set_event_handler()'s
// handler. Driving it by hand works the same way:
//   1. forward every engine event: `if (!shadow.on_event(ev, now)) handle(ev);`
//      (on_event consumes SUBACK/PUBACK of its own operations and messages on shadow topics it
//      subscribed to; everything else, e.g. connected/disconnected, is left to the caller);
//   2. call on_tick(now) at next_deadline_ms() at the latest (request timeouts);
//   3. drain poll_event() (or deliver_events()) after each of the above and after each request.
// The shadow client calls client.subscribe()/publish() itself; the engine's bytes are drained by
// the driver as usual.
//
// The request/response mechanics (response subscriptions, tokens, the in-flight bound, timeouts,
// every request's fate once) are services::RequestTracker's, shared with the other AWS APIs.
//
// A request (get / update / delete):
//   - is checked locally first (names, clientToken, state shape, depth, 8 KB merged size,
//     in-flight limit) and refused with a Result error naming the rule;
//   - before its first use of a shadow+operation, subscribes to exactly the two response topics
//     (.../<op>/accepted and .../<op>/rejected, QoS 1) and publishes only after the SUBACK grants
//     both (a 0x80 fails the request: Errc::server_error naming the topic);
//   - carries a clientToken (given, or prefix + counter) and completes with exactly one event:
//     accepted (the document), rejected (code/message; 409 -> Errc::conflict, other codes ->
//     Errc::server_error) or failed (timeout, refused subscription, publish failure).
// In-flight limit: at most ShadowConfig::max_in_flight (AWS: 10 per connection; it answers 429
// beyond) requests are pending; the next one is REFUSED locally with Errc::queue_full rather than
// queued — the caller decides when to retry (after any accepted/rejected/failed event).
//
// Streams: watch(id, Stream::delta | Stream::documents) subscribes on demand; messages then come
// out as delta / documents events (stream_ready / stream_failed report the SUBACK).
//
// Mirrors: for every shadow this client touches (a request or a watch) a Mirror is kept up to
// date with every accepted document, delta and documents message seen (version-ordered, stale
// ones ignored), including updates made by other clients on subscribed topics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iotlite/internal/list.hpp"
#include "iotlite/mqtt/client.hpp"
#include "iotlite/mqtt/service.hpp"
#include "iotlite/result.hpp"
#include "iotlite/services/request_tracker.hpp"
#include "iotlite/services/service_events.hpp"
#include "iotlite/services/shadow/document.hpp"
#include "iotlite/services/shadow/mirror.hpp"
#include "iotlite/services/shadow/names.hpp"

namespace iotlite::shadow {

struct ShadowConfig {
    std::uint32_t request_timeout_ms = 10000;        // from the request call to its response
    std::size_t max_in_flight = limits::max_in_flight;  // 1..10
    // Generated tokens are prefix + counter. Empty: the MQTT client id (non-token characters
    // replaced by '_', cut to 43 bytes) + "-", so that tokens differ between clients sharing a
    // shadow. At most 44 bytes.
    std::string client_token_prefix;
    Limits limits;
};

struct RequestOptions {
    std::string client_token;               // empty: generated
    std::optional<std::uint64_t> version;   // update only: optimistic concurrency (409 when stale)
    std::uint32_t timeout_ms = 0;           // 0: ShadowConfig::request_timeout_ms
};

struct ShadowEvent {
    enum class Type : std::uint8_t {
        accepted,       // request_id, op, shadow, client_token, document, payload
        rejected,       // request_id, op, shadow, client_token, rejection, error (conflict/server_error)
        failed,         // request_id, op, shadow, client_token, error (timeout, server_error, closed, ...)
        delta,          // shadow, document (state = the delta), payload
        documents,      // shadow, previous, document (= current), payload
        stream_ready,   // shadow, stream: the SUBACK granted the stream topic
        stream_failed,  // shadow, stream, error
        error,          // shadow, error: an unparsable message on a shadow topic (payload kept)
    };
    Type type = Type::error;
    std::uint32_t request_id = 0;
    Operation op = Operation::get;
    ShadowId shadow;
    std::string client_token;
    Document document;
    Document previous;
    Rejection rejection;
    Stream stream = Stream::delta;
    Error error;
    std::string payload;  // the raw JSON received, for callers that hand it on (e.g. to JS)
};

class ShadowClient final : public mqtt::Service, private services::RequestTracker::Owner {
public:
    using EventHandler = std::function<void(const ShadowEvent&)>;

    // Errc::invalid_argument when the config breaks a rule (max_in_flight 1..10, prefix too long
    // or not a valid clientToken, timeout 0). `client` must outlive the shadow client.
    static Result<std::unique_ptr<ShadowClient>> create(mqtt::Client& client, ShadowConfig config);

    // Each returns the request id echoed by the completing event. Errors now:
    // invalid_argument / limit_exceeded (rule named), queue_full (in-flight limit), or the
    // engine's error from subscribe()/publish().
    Result<std::uint32_t> get(const ShadowId& id, std::uint64_t now_ms, const RequestOptions& options = {});
    // `state` is {"desired":{...}} and/or {"reported":{...}}; null values remove keys.
    Result<std::uint32_t> update(const ShadowId& id, const Json& state, std::uint64_t now_ms,
                                 const RequestOptions& options = {});
    // Same, from JSON text (invalid JSON -> Errc::invalid_argument).
    Result<std::uint32_t> update_json(const ShadowId& id, std::string_view state_json, std::uint64_t now_ms,
                                      const RequestOptions& options = {});
    // update with {"reported": patch} / {"desired": patch}.
    Result<std::uint32_t> report(const ShadowId& id, const Json& patch, std::uint64_t now_ms,
                                 const RequestOptions& options = {});
    Result<std::uint32_t> desire(const ShadowId& id, const Json& patch, std::uint64_t now_ms,
                                 const RequestOptions& options = {});
    // DeleteThingShadow.
    Result<std::uint32_t> remove(const ShadowId& id, std::uint64_t now_ms, const RequestOptions& options = {});

    // Subscribes to the stream topic unless already subscribed or pending.
    Result<void> watch(const ShadowId& id, Stream stream, std::uint64_t now_ms);

    // mqtt::Service. on_event: true when the event belonged to the shadow client (the caller
    // should not handle it). next_deadline_ms: UINT64_MAX when no request is pending.
    bool on_event(const mqtt::Event& event, std::uint64_t now_ms) override;
    void on_tick(std::uint64_t now_ms) override;
    std::uint64_t next_deadline_ms() const override;
    // Hands the events queued so far to the handler (dropped when there is none).
    bool deliver_events() override;

    // The handler deliver_events() calls; it may start requests (they are delivered later).
    void set_event_handler(EventHandler handler) { handler_ = std::move(handler); }
    // Takes the next queued event (for callers that drive the client by hand).
    bool poll_event(ShadowEvent& out);

    std::size_t in_flight() const { return tracker_.in_flight(); }
    // nullptr for a shadow this client never touched.
    const Mirror* mirror(const ShadowId& id) const;

    ShadowClient(const ShadowClient&) = delete;
    ShadowClient& operator=(const ShadowClient&) = delete;

private:
    ShadowClient(mqtt::Client& client, ShadowConfig config);
    Result<std::uint32_t> start(const ShadowId& id, Operation op, const Json* state, std::uint64_t now_ms,
                                const RequestOptions& options);
    void on_message(const mqtt::Message& message);
    Mirror& mirror_for(const ShadowId& id);
    Mirror* find_mirror(const std::string& prefix) const;
    // services::RequestTracker::Owner
    void request_failed(services::TrackedRequest&& request, Error error) override;
    void subscription_done(const std::string& key, bool granted, const Error& error) override;

    ShadowConfig config_;
    services::RequestTracker tracker_;
    struct KeptMirror {
        std::string prefix;  // the shadow's topic prefix
        Mirror mirror;
    };
    // A linked list (iotlite/internal/list.hpp), searched by prefix: a client touches a few
    // shadows, and a std::map's tree code is ~1 KB of wasm.
    iotlite::internal::List<KeptMirror> mirrors_;
    services::ServiceEvents<ShadowEvent> events_;
    EventHandler handler_;
};

}  // namespace iotlite::shadow
