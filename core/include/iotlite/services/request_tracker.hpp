// iotlite::services::RequestTracker — the mechanics every AWS IoT request/response API over MQTT
// shares (device shadow today; Jobs and Fleet Provisioning build on it too), written once.
//
// AWS's MQTT APIs answer a request published on `<api>/<op>` on `<api>/<op>/accepted` or
// `<api>/<op>/rejected`, echoing the request's clientToken. The tracker owns what does not depend
// on the API:
//   - response subscriptions: a request waits until the SUBACK grants its response topics and is
//     published only then (a response published before the subscription is in place is lost);
//     each set of filters is subscribed once per connection and kept; a refusal (SUBACK 0x80)
//     fails the requests waiting for it and the next request subscribes again;
//   - clientTokens: given ones must be unique among the requests in flight, generated ones are
//     prefix + counter;
//   - a bound on requests in flight: the next one is REFUSED (Errc::queue_full), never queued;
//   - a timeout per request; a publish that fails fails its request; a client that closed for
//     good fails every request;
//   - every request's fate is reported exactly once: either the service takes it back with
//     take() when its answer arrives, or the tracker hands it to Owner::request_failed().
// What each API adds (topics, payload, parsing the answer, its events) stays in the service, which
// forwards its mqtt::Service calls (on_event / on_tick / next_deadline_ms) here.
//
// Sans-I/O like the engine: it calls the mqtt::Client's subscribe()/publish() and never an
// application handler (Owner's calls happen inside on_event()/on_tick(); an owner queues events).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iotlite/internal/list.hpp"
#include "iotlite/mqtt/client.hpp"
#include "iotlite/result.hpp"

namespace iotlite::services {

// AWS's clientToken, the same for the shadow and the Jobs APIs: 1..64 bytes of printable ASCII
// without '"' or '\\' (it travels inside JSON and is echoed back; longer tokens answer 400).
inline constexpr std::size_t max_client_token_bytes = 64;
Result<void> validate_client_token(std::string_view token);
// The prefix of generated tokens: `configured`, or when empty the MQTT client id made token-safe
// and cut to leave room for the counter, + "-". Answers on /accepted and /rejected can reach every
// subscriber, so tokens must differ between clients, not just within one. At most 44 bytes.
Result<std::string> token_prefix(std::string configured, std::string_view client_id);
// A service's own text (a rejection's message) made fit for a one-line error: control bytes
// (below 0x20, and DEL) become '?', everything else is kept as sent.
std::string one_line(std::string_view text);

struct RequestTrackerConfig {
    const char* service = "";                 // for messages: "shadow"
    std::size_t max_in_flight = 1;            // requests awaiting their answer; the next is refused
    std::string in_flight_rule;               // names that bound and who sets it (AWS's quota)
    std::uint32_t request_timeout_ms = 10000; // per request unless the request says otherwise
    std::string client_token_prefix;          // generated tokens: prefix + counter
};

// One request. The service fills what it knows; the tracker the rest.
struct TrackedRequest {
    std::uint32_t id = 0;          // set by start(): the id the service hands to its caller
    std::string client_token;      // from make_token(); empty for an API without tokens
    std::string topic;             // where the request is published (QoS 1)
    std::string payload;           // the request document (with its clientToken)
    std::string response_key;      // the response subscription it waits for (see subscribe())
    const char* verb = "";         // for messages: "get", "update", ...
    // The service's own: its operation, and what the request is about (a shadow: the thing and
    // the shadow name; a job: the thing and the job id).
    std::uint8_t kind = 0;
    std::string thing;
    std::string name;
    std::uint32_t timeout_ms = 0;  // 0: RequestTrackerConfig::request_timeout_ms
    // Set by the tracker.
    bool sent = false;
    std::uint32_t publish_op = 0;
    std::uint64_t deadline_ms = 0;
};

class RequestTracker {
public:
    // What the tracker reports to the service that owns it (from on_event()/on_tick()/start()).
    class Owner {
    public:
        // The request will get no answer: error says why (timeout, refused subscription, publish
        // failure, client closed). The request is no longer tracked.
        virtual void request_failed(TrackedRequest&& request, Error error) = 0;
        // A subscription made with subscribe(): granted (error.code unused) or refused/failed.
        virtual void subscription_done(const std::string& key, bool granted, const Error& error) = 0;

    protected:
        ~Owner() = default;
    };

    // Errc::invalid_argument for max_in_flight 0 or timeout 0.
    static Result<void> check(const RequestTrackerConfig& config);
    RequestTracker(mqtt::Client& client, Owner& owner, RequestTrackerConfig config);

    // Subscribes `filters` (QoS 1) under `key` unless that key is already pending or active.
    Result<void> subscribe(const std::string& key, const std::vector<std::string>& filters, std::uint64_t now_ms);
    // Unsubscribes what was subscribed under `key` and forgets it (its UNSUBACK is the tracker's).
    // Errc::invalid_state while a request waits for answers there; nothing to do for an unknown key.
    Result<void> unsubscribe(const std::string& key, std::uint64_t now_ms);
    // Whether messages for `key` are ours: its subscription is pending or active.
    bool subscribed(const std::string& key) const { return find(key) != nullptr; }

    // Checks the bound (check_room()) and that the token is not in use, subscribes to
    // `response_filters` under request.response_key if needed, publishes now when that
    // subscription is active (else after its SUBACK) and tracks the request. Returns its id.
    // Errors (the request is then not tracked): the bound, the token, the engine's refusal of the
    // subscribe or the publish.
    Result<std::uint32_t> start(TrackedRequest&& request, const std::vector<std::string>& response_filters,
                                std::uint64_t now_ms);
    // A token not used by a request in flight: the given one (refused when it breaks AWS's rules,
    // validate_client_token(), or is in use) or prefix + counter when `given` is empty.
    Result<std::string> make_token(const std::string& given);
    // Whether start() would refuse for the bound now (to check it before building a payload).
    Result<void> check_room() const;

    // The sent request `match` accepts, taken out of the tracker (its answer arrived); false when
    // none does (another client's answer, or one that already failed).
    // take() for the APIs that echo the clientToken: the sent request with that token (not
    // empty), kind, thing and name.
    bool take_answer(const std::string& token, std::uint8_t kind, std::string_view thing, std::string_view name,
                     TrackedRequest& out);
    template <typename Match>
    bool take(const Match& match, TrackedRequest& out) {
        for (TrackedRequest& request : requests_) {
            if (request.sent && match(request)) {
                take_out(request, out);
                return true;
            }
        }
        return false;
    }

    // mqtt::Service plumbing, forwarded by the service. on_event: true when the event is the
    // tracker's (the SUBACK of its subscriptions, the PUBACK of its publishes).
    bool on_event(const mqtt::Event& event, std::uint64_t now_ms);
    void on_tick(std::uint64_t now_ms);
    std::uint64_t next_deadline_ms() const;

    std::size_t in_flight() const { return requests_.size(); }
    const iotlite::internal::List<TrackedRequest>& requests() const { return requests_; }

private:
    enum class Status : std::uint8_t { pending, active };
    struct Subscription {
        std::string key;
        Status status = Status::pending;
        std::uint32_t op_id = 0;
        std::vector<std::string> filters;
    };

    Subscription* find(const std::string& key) const;
    bool token_in_use(const std::string& token) const;
    void publish(TrackedRequest& request, std::uint64_t now_ms, Result<void>& outcome);
    // Moves `request` (one of requests_) into `out` and stops tracking it.
    void take_out(TrackedRequest& request, TrackedRequest& out);
    void fail(TrackedRequest& request, Error error);
    void on_suback(Subscription& sub, const mqtt::Event& event, std::uint64_t now_ms);

    mqtt::Client& client_;
    Owner& owner_;
    RequestTrackerConfig config_;
    std::uint32_t next_id_ = 1;
    std::uint64_t token_counter_ = 0;
    // Linked FIFOs (iotlite/internal/list.hpp): a few entries each, and far less code than a map.
    iotlite::internal::List<TrackedRequest> requests_;  // at most max_in_flight, oldest first
    iotlite::internal::List<Subscription> subscriptions_;
    std::vector<std::uint32_t> unsubscribing_;  // op ids of our UNSUBSCRIBEs awaiting UNSUBACK
};

}  // namespace iotlite::services
