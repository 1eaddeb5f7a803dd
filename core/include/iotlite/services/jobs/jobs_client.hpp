// iotlite::jobs::JobsClient — the AWS IoT Jobs device API over MQTT, on an mqtt::Client.
//
// An mqtt::Service (iotlite/mqtt/service.hpp) like the shadow client, on the same request/response
// layer (services::RequestTracker): each request subscribes to exactly its /accepted and
// /rejected topics before it is published, carries a clientToken, and completes with exactly one
// event: accepted (the parsed answer), rejected (AWS's error code, e.g. "VersionMismatch", and
// message; Errc::conflict for VersionMismatch, Errc::server_error otherwise) or failed (timeout,
// refused subscription, publish failure, client closed). Requests in flight are bounded (the next
// one is refused with Errc::queue_full, never queued).
//
// Subscriptions: the thing's get / start-next response topics stay subscribed once used; the
// per-job ones (describe / update of job J) are kept for the last max_job_subscriptions jobs and
// the oldest idle one is unsubscribed beyond that, so a long-running agent stays far below AWS's
// 50 subscriptions per connection.
//
// Streams: watch(Stream::notify | Stream::notify_next) subscribes; messages then come out as
// notify (the pending lists) / notify_next (the next execution, or none) events.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iotlite/mqtt/client.hpp"
#include "iotlite/mqtt/service.hpp"
#include "iotlite/result.hpp"
#include "iotlite/services/jobs/jobs.hpp"
#include "iotlite/services/request_tracker.hpp"
#include "iotlite/services/service_events.hpp"

namespace iotlite::jobs {

struct JobsConfig {
    std::string thing_name;                     // 1..128 of [a-zA-Z0-9:_-]
    std::uint32_t request_timeout_ms = 10000;   // from the request call to its answer
    std::size_t max_in_flight = 10;             // 1..10 requests awaiting their answer
    std::string client_token_prefix;            // empty: the MQTT client id made token-safe + "-"
    std::size_t max_job_subscriptions = 4;      // jobs whose describe/update topics stay subscribed (1..8)
};

struct JobsRequestOptions {
    std::string client_token;    // empty: generated
    std::uint32_t timeout_ms = 0;  // 0: JobsConfig::request_timeout_ms
};

// StartNextPendingJobExecution.
struct StartNextOptions : JobsRequestOptions {
    StatusDetails status_details;                    // sent when not empty
    std::optional<std::uint32_t> step_timeout_minutes;  // 1..10080
};

// DescribeJobExecution.
struct DescribeOptions : JobsRequestOptions {
    std::optional<std::int64_t> execution_number;
    bool include_job_document = true;
};

// UpdateJobExecution. `status` is required: IN_PROGRESS, SUCCEEDED, FAILED or REJECTED.
struct UpdateOptions : JobsRequestOptions {
    JobStatus status = JobStatus::in_progress;
    std::optional<StatusDetails> status_details;        // absent: unchanged
    std::optional<std::int64_t> expected_version;       // VersionMismatch when stale
    std::optional<std::int64_t> execution_number;
    // 1..10080 starts (or restarts) the step timer; -1 ends it (UpdateJobExecution only).
    std::optional<std::int32_t> step_timeout_minutes;
    bool include_job_execution_state = false;
    bool include_job_document = false;
};

struct JobsEvent {
    enum class Type : std::uint8_t {
        accepted,       // request_id, op, job_id, client_token, answer, payload
        rejected,       // request_id, op, job_id, client_token, rejection, error, payload
        failed,         // request_id, op, job_id, client_token, error
        notify,         // answer (in_progress, queued), payload
        notify_next,    // answer (execution: absent when nothing is pending), payload
        stream_ready,   // stream
        stream_failed,  // stream, error
        error,          // error: an unparsable message on a jobs topic (payload kept)
    };
    Type type = Type::error;
    std::uint32_t request_id = 0;
    Operation op = Operation::get_pending;
    std::string job_id;  // describe / update
    std::string client_token;
    Answer answer;
    Rejection rejection;
    Stream stream = Stream::notify;
    Error error;
    std::string payload;  // the raw JSON received
};

class JobsClient final : public mqtt::Service, private services::RequestTracker::Owner {
public:
    using EventHandler = std::function<void(const JobsEvent&)>;

    // Errc::invalid_argument / limit_exceeded when the config breaks a rule. `client` must
    // outlive the jobs client.
    static Result<std::unique_ptr<JobsClient>> create(mqtt::Client& client, JobsConfig config);

    // Each returns the request id echoed by the completing event. Errors now: the rule broken
    // (invalid_argument / limit_exceeded), queue_full (bound), or the engine's error.
    Result<std::uint32_t> get_pending(std::uint64_t now_ms, const JobsRequestOptions& options = {});
    Result<std::uint32_t> start_next(std::uint64_t now_ms, const StartNextOptions& options = {});
    // `job_id` may be "$next".
    Result<std::uint32_t> describe(std::string_view job_id, std::uint64_t now_ms, const DescribeOptions& options = {});
    Result<std::uint32_t> update(std::string_view job_id, const UpdateOptions& options, std::uint64_t now_ms);
    // Any of the four with the request's fields as one JSON object, AWS's names (the browser
    // package's options): {"status":"SUCCEEDED","statusDetails":{...},"expectedVersion":3}. The
    // typed calls above come here. Each field `op` takes is checked for its JSON type and AWS's
    // rules; null is "absent"; a field the operation does not take is refused by name.
    // DescribeJobExecution gets "includeJobDocument": true unless the fields say otherwise.
    Result<std::uint32_t> request(Operation op, std::string_view job_id, Json fields, const JobsRequestOptions& options,
                                  std::uint64_t now_ms);

    Result<void> watch(Stream stream, std::uint64_t now_ms);

    // mqtt::Service
    bool on_event(const mqtt::Event& event, std::uint64_t now_ms) override;
    void on_tick(std::uint64_t now_ms) override;
    std::uint64_t next_deadline_ms() const override;
    bool deliver_events() override;

    void set_event_handler(EventHandler handler) { handler_ = std::move(handler); }
    bool poll_event(JobsEvent& out);
    std::size_t in_flight() const { return tracker_.in_flight(); }
    // Job ids whose describe/update topics are subscribed now (oldest first).
    const std::vector<std::string>& subscribed_jobs() const { return job_keys_; }

    JobsClient(const JobsClient&) = delete;
    JobsClient& operator=(const JobsClient&) = delete;

private:
    JobsClient(mqtt::Client& client, JobsConfig config);
    Result<std::uint32_t> start(Operation op, std::string_view job_id, Json payload, const JobsRequestOptions& options,
                                std::uint64_t now_ms);
    void keep_job_subscribed(const std::string& key, std::uint64_t now_ms);
    void trim_job_subscriptions(std::uint64_t now_ms);
    void on_message(const mqtt::Message& message, const ParsedTopic& topic);
    void request_failed(services::TrackedRequest&& request, Error error) override;
    void subscription_done(const std::string& key, bool granted, const Error& error) override;

    JobsConfig config_;
    services::RequestTracker tracker_;
    std::vector<std::string> job_keys_;  // response keys of per-job requests, oldest first
    services::ServiceEvents<JobsEvent> events_;
    EventHandler handler_;
};

}  // namespace iotlite::jobs
