// AWS IoT Jobs over MQTT, the device side: names, topics, limits and the documents of the Jobs
// device MQTT API (AWS IoT developer guide, "Jobs device MQTT API operations" (jobs-mqtt-api) and
// "Jobs device MQTT and HTTPS API operations and data types" (jobs-mqtt-https-api); field limits
// from the API reference, iot-jobs-data JobExecution / JobExecutionState / UpdateJobExecution).
//
// Topics, for a thing T and a job J ("$next" names the next pending execution in a describe):
//   GetPendingJobExecutions       $aws/things/T/jobs/get             [/accepted|/rejected]
//   StartNextPendingJobExecution  $aws/things/T/jobs/start-next      [/accepted|/rejected]
//   DescribeJobExecution          $aws/things/T/jobs/J/get           [/accepted|/rejected]
//   UpdateJobExecution            $aws/things/T/jobs/J/update        [/accepted|/rejected]
//   streams                       $aws/things/T/jobs/notify, $aws/things/T/jobs/notify-next
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iotlite/result.hpp"
#include "iotlite/services/shadow/document.hpp"

namespace iotlite::jobs {

using Json = shadow::Json;

namespace limits {
inline constexpr std::size_t max_job_id_bytes = 64;             // [a-zA-Z0-9_-]
inline constexpr std::size_t max_job_document_bytes = 32768;    // JobExecution.jobDocument
inline constexpr std::size_t max_status_detail_key_bytes = 128; // [a-zA-Z0-9:_-]
inline constexpr std::size_t max_status_detail_value_chars = 1024;  // no control characters
// Pairs in statusDetails: "You can specify at most 10 name/value pairs" (API reference,
// CancelJobExecution's statusDetails; the same map type everywhere).
inline constexpr std::size_t max_status_details = 10;
inline constexpr std::uint32_t max_step_timeout_minutes = 10080;  // 7 days; 1 at least
}  // namespace limits

// The execution states (JobExecutionState.status).
enum class JobStatus : std::uint8_t { queued, in_progress, succeeded, failed, timed_out, rejected, removed, canceled };
// "QUEUED", "IN_PROGRESS", ...
const char* job_status_name(JobStatus status);
// False for anything but the eight names.
bool parse_job_status(std::string_view text, JobStatus& out);
// SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED, CANCELED: no update changes them.
bool is_terminal(JobStatus status);
// What a device may set with UpdateJobExecution: IN_PROGRESS, SUCCEEDED, FAILED, REJECTED.
bool device_may_set(JobStatus status);

enum class Operation : std::uint8_t { get_pending, start_next, describe, update };
const char* operation_name(Operation op);  // "get", "start-next", "describe", "update"
enum class Stream : std::uint8_t { notify, notify_next };

// statusDetails: name/value pairs, each name once (a JSON object). Answers hold them sorted by
// name; a request sends them as given. A vector, not a std::map: ~1 KB less wasm for 10 pairs.
using StatusDetails = std::vector<std::pair<std::string, std::string>>;

// 1..64 bytes of [a-zA-Z0-9_-]; "$next" too when allow_next (DescribeJobExecution only).
Result<void> validate_job_id(std::string_view job_id, bool allow_next);
// At most 10 pairs; keys 1..128 bytes of [a-zA-Z0-9:_-], each once; values 1..1024 characters
// of UTF-8 without control characters.
Result<void> validate_status_details(const StatusDetails& details);
// A request's fields as one JSON object with AWS's names (JobsClient::request): only the fields
// `op` takes (another is refused with the API's name), each of its JSON type and within AWS's
// rules (a status a device may set, statusDetails, the step timer). Null members are removed.
Result<void> check_request_fields(Operation op, Json& fields);

// The request topic of `op` ("" job id for get_pending / start_next).
std::string request_topic(std::string_view thing, Operation op, std::string_view job_id);
std::string stream_topic(std::string_view thing, Stream stream);

// What a topic under $aws/things/T/jobs/ is, for routing inbound messages.
struct ParsedTopic {
    enum class Kind : std::uint8_t { accepted, rejected, notify, notify_next };
    std::string thing;
    std::string job_id;  // describe / update
    Operation op = Operation::get_pending;
    Kind kind = Kind::accepted;
};
bool parse_jobs_topic(std::string_view topic, ParsedTopic& out);

// JobExecutionSummary (GetPendingJobExecutions, notify).
struct JobExecutionSummary {
    std::string job_id;
    std::int64_t queued_at = 0;  // seconds since the epoch; 0 when absent
    std::int64_t started_at = 0;
    std::int64_t last_updated_at = 0;
    std::int64_t version_number = 0;
    std::int64_t execution_number = 0;
};

// JobExecution (StartNextPendingJobExecution, DescribeJobExecution, notify-next).
struct JobExecution {
    std::string job_id;
    std::string thing_name;
    JobStatus status = JobStatus::queued;
    StatusDetails status_details;
    Json job_document;  // null when the answer has none
    std::int64_t queued_at = 0;
    std::int64_t started_at = 0;
    std::int64_t last_updated_at = 0;
    std::int64_t version_number = 0;
    std::int64_t execution_number = 0;
    std::int64_t approximate_seconds_before_timed_out = 0;
};

// JobExecutionState (UpdateJobExecution's answer, an ErrorResponse's executionState).
struct JobExecutionState {
    bool present = false;
    JobStatus status = JobStatus::queued;
    StatusDetails status_details;
    std::int64_t version_number = 0;
};

// ErrorResponse: code (InvalidTopic, InvalidJson, InvalidRequest, InvalidStateTransition,
// ResourceNotFound, VersionMismatch, InternalError, RequestThrottled, TerminalStateReached),
// message, clientToken, timestamp, executionState.
struct Rejection {
    std::string code;
    std::string message;
    std::string client_token;
    JobExecutionState execution_state;
};

// Every answer of the API, parsed: the fields the operation's answer has are set.
struct Answer {
    std::string client_token;
    std::int64_t timestamp = 0;
    std::optional<JobExecution> execution;         // start-next, describe, notify-next ("execution"; absent: none pending)
    std::vector<JobExecutionSummary> in_progress;  // get: inProgressJobs; notify: jobs.IN_PROGRESS
    std::vector<JobExecutionSummary> queued;       // get: queuedJobs; notify: jobs.QUEUED
    JobExecutionState execution_state;             // update
    Json job_document;                             // update (includeJobDocument)
};

// Errc::protocol_error naming the field when the document is not what the API sends.
Result<Answer> parse_answer(Operation op, const Json& payload);
Result<Answer> parse_notify(const Json& payload, bool next);
Result<Rejection> parse_rejection(const Json& payload);

}  // namespace iotlite::jobs
