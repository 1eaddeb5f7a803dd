// iotlite::services::ResponseCorrelator — the requester's side of MQTT 5 request/response
// (OASIS MQTT 5.0 §4.10): a request is published with a Response Topic and Correlation Data, the
// responder publishes its answer to that topic echoing the Correlation Data, and the requester
// matches the answer to its request by both. Written once here; every driver (the browser
// package's client.request(), a device) uses it.
//
// What it owns: the response topic (one per requester, subscribed once by the driver), a unique
// Correlation Data per request (a nonce the driver draws at random, then a counter: unique within
// this requester, and unlikely to collide with another requester or an earlier one of the same
// client), a bound on requests in flight (the next one is REFUSED, never queued), a deadline per
// request, and the matching rule: an answer is a request's when it arrives on the response topic
// AND carries exactly that request's Correlation Data; anything else (another topic, unknown or
// already answered / timed-out data, no data) is not a response to any request in flight.
// Every request ends exactly once: matched, expired, cancelled or cancelled with all the others.
//
// Sans-I/O: no clock (now_ms comes in), no randomness (the nonce comes in), no MQTT client (the
// driver publishes and subscribes); JSON-free, allocation only for the requests in flight.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iotlite/result.hpp"

namespace iotlite::services {

// Ids of the rules a request breaks (Error::rule). limit / actual per rule:
namespace rules {
inline constexpr const char* requests_in_flight = "request.in_flight";   // max_in_flight / requests in flight + 1
inline constexpr const char* request_timeout = "request.timeout_ms";     // max_request_timeout_ms / the timeout
inline constexpr const char* request_bound = "request.max_in_flight";    // max_requests_in_flight / the bound asked
inline constexpr const char* response_topic = "request.response_topic";  // 0 / 0 (the topic broke a topic rule)
}  // namespace rules

// The largest bound on requests in flight a requester may set: AWS IoT Core allows 100
// unacknowledged QoS 1 publishes per connection (https://docs.aws.amazon.com/general/latest/gr/iot-core.html).
inline constexpr std::size_t max_requests_in_flight = 100;
// The longest timeout of one request: 24 h, AWS's WebSocket connection lifetime.
inline constexpr std::uint32_t max_request_timeout_ms = 24u * 3600u * 1000u;

struct ResponseCorrelatorConfig {
    std::string response_topic;               // a topic name (no wildcards), AWS's topic rules
    std::size_t max_in_flight = 16;           // 1..max_requests_in_flight
    std::uint32_t default_timeout_ms = 10000; // 1..max_request_timeout_ms
    std::uint64_t nonce = 0;                  // drawn at random by the driver
};

class ResponseCorrelator {
public:
    // Checks the config: Errc::invalid_topic / limit_exceeded / invalid_argument naming the rule.
    static Result<ResponseCorrelator> create(ResponseCorrelatorConfig config);
    // The default response topic of a client: "iotlite/response/<client id>", or an error naming
    // the topic rule it breaks (a client id with '+', '#', too many '/' or too long): the
    // application then passes its own response topic.
    static Result<std::string> default_response_topic(std::string_view client_id);

    struct Request {
        std::uint32_t id = 0;          // > 0, never reused by this correlator
        std::string correlation_data;  // the request's Correlation Data (printable ASCII)
        std::uint64_t deadline_ms = 0;
    };
    // A new request in flight, expiring timeout_ms (0: the default) after now_ms. Errors:
    // Errc::queue_full (rules::requests_in_flight) at the bound, Errc::invalid_argument
    // (rules::request_timeout) for a timeout above max_request_timeout_ms.
    Result<Request> start(std::uint32_t timeout_ms, std::uint64_t now_ms);
    // The id of the request in flight that the message on `topic` with Correlation Data
    // `correlation_data` answers, taken out of flight; 0 when it answers none.
    std::uint32_t match(std::string_view topic, std::string_view correlation_data);
    // Ends request `id` (aborted, or its publish failed). False when it is not in flight.
    bool cancel(std::uint32_t id);
    // Appends to `out` the ids of the requests whose deadline is at or before now_ms, in start
    // order, and ends them.
    void expire(std::uint64_t now_ms, std::vector<std::uint32_t>& out);
    // Appends every id in flight to `out` and ends them (the client closed).
    void cancel_all(std::vector<std::uint32_t>& out);
    // The earliest deadline in flight; UINT64_MAX when none.
    std::uint64_t next_deadline_ms() const;

    std::size_t in_flight() const { return requests_.size(); }
    const ResponseCorrelatorConfig& config() const { return config_; }

private:
    explicit ResponseCorrelator(ResponseCorrelatorConfig config) : config_(std::move(config)) {}

    ResponseCorrelatorConfig config_;
    std::string prefix_;  // the nonce as 16 hex digits + "-"
    std::uint32_t next_id_ = 1;
    std::uint64_t counter_ = 0;
    std::vector<Request> requests_;  // in start order, at most max_in_flight
};

}  // namespace iotlite::services
