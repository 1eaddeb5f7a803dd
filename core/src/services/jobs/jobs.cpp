#include "iotlite/services/jobs/jobs.hpp"

#include <cstdint>

#include "iotlite/mqtt/topic.hpp"
#include "iotlite/services/request_tracker.hpp"
#include "../messages.hpp"

namespace iotlite::jobs {
namespace {

constexpr std::string_view kThings = "$aws/things/";
constexpr std::string_view kJobs = "/jobs/";

constexpr const char* kStatusNames[] = {"QUEUED", "IN_PROGRESS", "SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED", "REMOVED", "CANCELED"};

bool id_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }

Error bad_field([[maybe_unused]] const char* field, [[maybe_unused]] const char* what) {
    return fmt::error_fmt(Errc::protocol_error, "jobs answer: \"%\" %", field, what);
}

// An optional integer field: absent or null leaves `out` alone.
Result<void> read_int(const Json& object, const char* field, std::int64_t& out) {
    const auto it = object.find(field);
    if (it == object.end() || it->is_null()) return {};
    if (!it->is_number_integer()) return bad_field(field, "is not an integer");
    // An unsigned value above INT64_MAX has no int64 value: refused, not wrapped.
    if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
        return bad_field(field, "is beyond the range of a 64-bit integer");
    out = it->get<std::int64_t>();
    return {};
}

Result<void> read_string(const Json& object, const char* field, std::string& out) {
    const auto it = object.find(field);
    if (it == object.end() || it->is_null()) return {};
    if (!it->is_string()) return bad_field(field, "is not a string");
    out = it->get<std::string>();
    return {};
}

Result<void> read_status(const Json& object, JobStatus& out, bool required) {
    const auto it = object.find("status");
    if (it == object.end() || it->is_null()) return required ? bad_field("status", "is missing") : Result<void>{};
    if (!it->is_string() || !parse_job_status(it->str(), out))
        return bad_field("status", "is not one of QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED, CANCELED");
    return {};
}

// statusDetails from a JSON object into `out`; the name of the first member whose value is not a
// string, or null when all are strings (an answer and a request refuse it each in its own words).
const std::string* details_from(const Json& object, StatusDetails& out) {
    for (auto entry = object.begin(); entry != object.end(); ++entry) {
        if (!entry->is_string()) return &entry.key();
        out.emplace_back(entry.key(), entry->str());
    }
    return nullptr;
}

Result<void> read_details(const Json& object, StatusDetails& out) {
    const auto it = object.find("statusDetails");
    if (it == object.end() || it->is_null()) return {};
    if (!it->is_object()) return bad_field("statusDetails", "is not an object");
    if (details_from(*it, out)) return bad_field("statusDetails", "has a value that is not a string");
    return {};
}

// The job document: AWS sends the JSON document the job was created with. A string that holds
// JSON is read as that JSON (the data type says "string"); any other string is kept as a string.
Json read_document(const Json& value) {
    if (value.is_string()) {
        auto parsed = shadow::parse_json(value.str());
        if (parsed) return std::move(parsed.value());
    }
    return value;
}

Result<JobExecutionSummary> parse_summary(const Json& value) {
    if (!value.is_object()) return bad_field("jobs", "holds a summary that is not an object");
    JobExecutionSummary s;
    Result<void> ok = read_string(value, "jobId", s.job_id);
    if (ok) ok = read_int(value, "queuedAt", s.queued_at);
    if (ok) ok = read_int(value, "startedAt", s.started_at);
    if (ok) ok = read_int(value, "lastUpdatedAt", s.last_updated_at);
    if (ok) ok = read_int(value, "versionNumber", s.version_number);
    if (ok) ok = read_int(value, "executionNumber", s.execution_number);
    if (!ok) return ok.error();
    if (s.job_id.empty()) return bad_field("jobId", "is missing from a summary");
    return s;
}

Result<void> read_summaries(const Json& object, const char* field, std::vector<JobExecutionSummary>& out) {
    const auto it = object.find(field);
    if (it == object.end() || it->is_null()) return {};
    if (!it->is_array()) return bad_field(field, "is not an array");
    for (const auto& item : *it) {
        auto s = parse_summary(item);
        if (!s) return s.error();
        out.push_back(std::move(s.value()));
    }
    return {};
}

Result<JobExecution> parse_execution(const Json& value) {
    if (!value.is_object()) return bad_field("execution", "is not an object");
    JobExecution e;
    Result<void> ok = read_string(value, "jobId", e.job_id);
    if (ok) ok = read_string(value, "thingName", e.thing_name);
    if (ok) ok = read_status(value, e.status, true);
    if (ok) ok = read_details(value, e.status_details);
    if (ok) ok = read_int(value, "queuedAt", e.queued_at);
    if (ok) ok = read_int(value, "startedAt", e.started_at);
    if (ok) ok = read_int(value, "lastUpdatedAt", e.last_updated_at);
    if (ok) ok = read_int(value, "versionNumber", e.version_number);
    if (ok) ok = read_int(value, "executionNumber", e.execution_number);
    if (ok) ok = read_int(value, "approximateSecondsBeforeTimedOut", e.approximate_seconds_before_timed_out);
    if (!ok) return ok.error();
    if (e.job_id.empty()) return bad_field("jobId", "is missing from the execution");
    const auto doc = value.find("jobDocument");
    if (doc != value.end()) e.job_document = read_document(*doc);
    return e;
}

Result<void> read_state(const Json& object, JobExecutionState& out) {
    const auto it = object.find("executionState");
    if (it == object.end() || it->is_null()) return {};
    if (!it->is_object()) return bad_field("executionState", "is not an object");
    Result<void> ok = read_status(*it, out.status, true);
    if (ok) ok = read_details(*it, out.status_details);
    if (ok) ok = read_int(*it, "versionNumber", out.version_number);
    if (!ok) return ok;
    out.present = true;
    return {};
}

Result<void> read_common(const Json& payload, Answer& answer) {
    if (!payload.is_object()) return fmt::fail<void>(Errc::protocol_error, "jobs answer is not a JSON object");
    Result<void> ok = read_string(payload, "clientToken", answer.client_token);
    if (ok) ok = read_int(payload, "timestamp", answer.timestamp);
    return ok;
}

// stepTimeoutInMinutes: 1..10080; -1 (end the step timer) where `allow_end` (UpdateJobExecution).
Result<void> check_step_timeout(const std::optional<std::int64_t>& minutes, bool allow_end) {
    if (!minutes || (allow_end && *minutes == -1)) return {};
    if (*minutes < 1 || *minutes > static_cast<std::int64_t>(limits::max_step_timeout_minutes))
        return fmt::fail_rule<void>({"jobs.step_timeout", limits::max_step_timeout_minutes, static_cast<std::uint32_t>(*minutes)},
                                    Errc::invalid_argument, "stepTimeoutInMinutes is %; AWS allows 1..10080 (7 days)%",
                                    std::to_string(*minutes), (allow_end ? " or -1" : ""));
    return {};
}

// The request fields each operation takes (UpdateJobExecution, StartNextPendingJobExecution and
// DescribeJobExecution in the Jobs device MQTT API), space-separated; clientToken is the client's.
constexpr const char* kFieldsOf[] = {
    "",                                              // get_pending
    " statusDetails stepTimeoutInMinutes ",          // start_next
    " executionNumber includeJobDocument ",          // describe
    " status statusDetails stepTimeoutInMinutes expectedVersion executionNumber includeJobExecutionState includeJobDocument ",
};
constexpr const char* kApiOf[] = {"GetPendingJobExecutions", "StartNextPendingJobExecution", "DescribeJobExecution",
                                  "UpdateJobExecution"};

Error bad_field_type([[maybe_unused]] std::string_view field, [[maybe_unused]] const char* what) {
    return fmt::error_fmt(Errc::invalid_argument, "\"%\" must be %", field, what);
}

}  // namespace

Result<void> check_request_fields(Operation op, Json& fields) {
    const std::string_view allowed = kFieldsOf[static_cast<std::size_t>(op)];
    for (auto it = fields.begin(); it != fields.end();) {
        const std::string& name = it.key();
        if (allowed.find(" " + name + " ") == std::string_view::npos)
            return fmt::fail<void>(Errc::invalid_argument, "\"%\" is not a field of %", services::one_line(name).substr(0, 64),
                                   kApiOf[static_cast<std::size_t>(op)]);
        if (it->is_null()) {
            const std::string dropped = name;
            fields.erase(dropped);
            it = fields.begin();  // erase() moved the members
            continue;
        }
        if (name.rfind("include", 0) == 0 && !it->is_boolean()) return bad_field_type(name, "true or false");
        if ((name == "expectedVersion" || name == "executionNumber" || name == "stepTimeoutInMinutes") &&
            (!it->is_number_integer() || (it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX)))
            return bad_field_type(name, "an integer");
        ++it;
    }
    if (op == Operation::update) {
        JobStatus status = JobStatus::queued;
        const auto it = fields.find("status");
        if (it == fields.end() || !it->is_string() || !parse_job_status(it->str(), status))
            return bad_field_type("status", "one of IN_PROGRESS, SUCCEEDED, FAILED, REJECTED");
        if (!device_may_set(status))
            return fmt::fail<void>(Errc::invalid_argument,
                                   "status % cannot be set by a device; UpdateJobExecution takes IN_PROGRESS, SUCCEEDED, FAILED "
                                   "or REJECTED",
                                   job_status_name(status));
    }
    const auto details = fields.find("statusDetails");
    if (details != fields.end()) {
        if (!details->is_object()) return bad_field_type("statusDetails", "an object of strings");
        StatusDetails pairs;
        if (const std::string* bad = details_from(*details, pairs))
            return fmt::fail<void>(Errc::invalid_argument, "statusDetails \"%\" must be a string",
                                   services::one_line(*bad).substr(0, 128));
        auto ok = validate_status_details(pairs);
        if (!ok) return ok;
    }
    const auto step = fields.find("stepTimeoutInMinutes");
    if (step != fields.end()) return check_step_timeout(step->get<std::int64_t>(), op == Operation::update);
    return {};
}

const char* job_status_name(JobStatus status) { return kStatusNames[static_cast<std::size_t>(status)]; }

bool parse_job_status(std::string_view text, JobStatus& out) {
    for (std::size_t i = 0; i < sizeof(kStatusNames) / sizeof(kStatusNames[0]); ++i) {
        if (text == kStatusNames[i]) {
            out = static_cast<JobStatus>(i);
            return true;
        }
    }
    return false;
}

bool is_terminal(JobStatus status) { return status != JobStatus::queued && status != JobStatus::in_progress; }

bool device_may_set(JobStatus status) {
    return status == JobStatus::in_progress || status == JobStatus::succeeded || status == JobStatus::failed ||
           status == JobStatus::rejected;
}

const char* operation_name(Operation op) {
    switch (op) {
        case Operation::get_pending: return "get";
        case Operation::start_next: return "start-next";
        case Operation::describe: return "describe";
        case Operation::update: return "update";
    }
    return "get";
}

Result<void> validate_job_id(std::string_view job_id, bool allow_next) {
    if (allow_next && job_id == "$next") return {};
    if (job_id.empty()) return fmt::fail<void>(Errc::invalid_argument, "job id is empty; AWS requires 1..64 characters");
    if (job_id.size() > limits::max_job_id_bytes)
        return fmt::fail_rule<void>({"jobs.job_id", limits::max_job_id_bytes, static_cast<std::uint32_t>(job_id.size())},
                                    Errc::limit_exceeded, "job id has % bytes; AWS allows 64", job_id.size());
    for (std::size_t i = 0; i < job_id.size(); ++i) {
        if (!id_char(job_id[i]))
            return fmt::fail<void>(Errc::invalid_argument, "job id has a character outside [a-zA-Z0-9_-] at offset %", i);
    }
    return {};
}

Result<void> validate_status_details(const StatusDetails& details) {
    if (details.size() > limits::max_status_details)
        return fmt::fail_rule<void>({"jobs.status_details", limits::max_status_details, static_cast<std::uint32_t>(details.size())},
                                    Errc::limit_exceeded, "statusDetails has % pairs; AWS allows %", details.size(),
                                    limits::max_status_details);
    for (auto pair = details.begin(); pair != details.end(); ++pair) {
        const std::string& key = pair->first;
        const std::string& value = pair->second;
        for (auto earlier = details.begin(); earlier != pair; ++earlier) {
            if (earlier->first == key)
                return fmt::fail<void>(Errc::invalid_argument,
                                       "statusDetails key '%' is given twice; a JSON object holds a name once", key.substr(0, 128));
        }
        if (key.empty() || key.size() > limits::max_status_detail_key_bytes)
            return fmt::fail_rule<void>({"jobs.status_detail_key", limits::max_status_detail_key_bytes,
                                         static_cast<std::uint32_t>(key.size())},
                                        Errc::limit_exceeded, "statusDetails key of % bytes; AWS allows 1..128", key.size());
        for (char c : key) {
            if (!id_char(c) && c != ':')
                return fmt::fail<void>(Errc::invalid_argument, "statusDetails key '%' has a character outside [a-zA-Z0-9:_-]", key);
        }
        if (value.empty()) return fmt::fail<void>(Errc::invalid_argument,
                                                  "statusDetails value of '%' is empty; AWS requires 1..1024 characters", key);
        if (!mqtt::is_valid_mqtt_utf8(value))
            return fmt::fail<void>(Errc::invalid_argument, "statusDetails value of '%' is not valid UTF-8", key);
        std::size_t chars = 0;
        for (std::size_t i = 0; i < value.size(); ++i) {
            const unsigned char c = static_cast<unsigned char>(value[i]);
            if ((c & 0xC0) != 0x80) ++chars;
            // Control characters (Unicode category Cc): C0, DEL, and C1 (U+0080..U+009F = C2 80..C2 9F).
            const bool c1 = c == 0xC2 && i + 1 < value.size() && static_cast<unsigned char>(value[i + 1]) <= 0x9F;
            if (c < 0x20 || c == 0x7F || c1)
                return fmt::fail<void>(Errc::invalid_argument, "statusDetails value of '%' has a control character at offset %",
                                       key, i);
        }
        if (chars > limits::max_status_detail_value_chars)
            return fmt::fail_rule<void>({"jobs.status_detail_value", limits::max_status_detail_value_chars,
                                         static_cast<std::uint32_t>(chars)},
                                        Errc::limit_exceeded, "statusDetails value of '%' has % characters; AWS allows 1024", key,
                                        chars);
    }
    return {};
}

std::string request_topic(std::string_view thing, Operation op, std::string_view job_id) {
    std::string topic(kThings);
    topic.append(thing).append(kJobs);
    switch (op) {
        case Operation::get_pending: topic += "get"; break;
        case Operation::start_next: topic += "start-next"; break;
        case Operation::describe: topic.append(job_id).append("/get"); break;
        case Operation::update: topic.append(job_id).append("/update"); break;
    }
    return topic;
}

std::string stream_topic(std::string_view thing, Stream stream) {
    std::string topic(kThings);
    topic.append(thing).append(kJobs).append(stream == Stream::notify ? "notify" : "notify-next");
    return topic;
}

bool parse_jobs_topic(std::string_view topic, ParsedTopic& out) {
    if (topic.substr(0, kThings.size()) != kThings) return false;
    topic.remove_prefix(kThings.size());
    const auto slash = topic.find('/');
    if (slash == std::string_view::npos || slash == 0) return false;
    out.thing = std::string(topic.substr(0, slash));
    topic.remove_prefix(slash);
    if (topic.substr(0, kJobs.size()) != kJobs) return false;
    topic.remove_prefix(kJobs.size());
    out.job_id.clear();
    if (topic == "notify") { out.kind = ParsedTopic::Kind::notify; return true; }
    if (topic == "notify-next") { out.kind = ParsedTopic::Kind::notify_next; return true; }
    const auto last = topic.rfind('/');
    if (last == std::string_view::npos) return false;
    const auto result = topic.substr(last + 1);
    if (result == "accepted") out.kind = ParsedTopic::Kind::accepted;
    else if (result == "rejected") out.kind = ParsedTopic::Kind::rejected;
    else return false;
    topic = topic.substr(0, last);
    if (topic == "get") { out.op = Operation::get_pending; return true; }
    if (topic == "start-next") { out.op = Operation::start_next; return true; }
    const auto sep = topic.find('/');
    if (sep == std::string_view::npos || sep == 0) return false;
    const auto verb = topic.substr(sep + 1);
    if (verb == "get") out.op = Operation::describe;
    else if (verb == "update") out.op = Operation::update;
    else return false;
    out.job_id = std::string(topic.substr(0, sep));
    return true;
}

Result<Answer> parse_answer(Operation op, const Json& payload) {
    Answer answer;
    Result<void> ok = read_common(payload, answer);
    if (!ok) return ok.error();
    switch (op) {
        case Operation::get_pending:
            ok = read_summaries(payload, "inProgressJobs", answer.in_progress);
            if (ok) ok = read_summaries(payload, "queuedJobs", answer.queued);
            break;
        case Operation::start_next:
        case Operation::describe: {
            const auto it = payload.find("execution");
            if (it != payload.end() && !it->is_null()) {
                auto e = parse_execution(*it);
                if (!e) return e.error();
                answer.execution = std::move(e.value());
            }
            break;
        }
        case Operation::update: {
            ok = read_state(payload, answer.execution_state);
            const auto doc = payload.find("jobDocument");
            if (ok && doc != payload.end()) answer.job_document = read_document(*doc);
            break;
        }
    }
    if (!ok) return ok.error();
    return answer;
}

Result<Answer> parse_notify(const Json& payload, bool next) {
    Answer answer;
    Result<void> ok = read_common(payload, answer);
    if (!ok) return ok.error();
    if (next) {
        const auto it = payload.find("execution");
        if (it != payload.end() && !it->is_null()) {
            auto e = parse_execution(*it);
            if (!e) return e.error();
            answer.execution = std::move(e.value());
        }
        return answer;
    }
    const auto jobs = payload.find("jobs");
    if (jobs == payload.end() || jobs->is_null()) return answer;
    if (!jobs->is_object()) return bad_field("jobs", "is not an object");
    ok = read_summaries(*jobs, "IN_PROGRESS", answer.in_progress);
    if (ok) ok = read_summaries(*jobs, "QUEUED", answer.queued);
    if (!ok) return ok.error();
    return answer;
}

Result<Rejection> parse_rejection(const Json& payload) {
    if (!payload.is_object()) return fmt::fail<Rejection>(Errc::protocol_error, "jobs rejection is not a JSON object");
    Rejection r;
    Result<void> ok = read_string(payload, "code", r.code);
    if (ok) ok = read_string(payload, "message", r.message);
    if (ok) ok = read_string(payload, "clientToken", r.client_token);
    if (ok) ok = read_state(payload, r.execution_state);
    if (!ok) return ok.error();
    if (r.code.empty()) return bad_field("code", "is missing from the rejection");
    return r;
}

}  // namespace iotlite::jobs
