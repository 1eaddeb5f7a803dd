// jobs_bindings.cpp — the C ABI of AWS IoT Jobs in the "iotlite/services" build:
// iotlite::jobs::JobsClient on the mqtt::Client of bindings.cpp, like shadow_bindings.cpp. It
// only binds: the API's limits, topics, subscriptions, tokens and timeouts are the C++ core's.
//
// Calling convention: abi.hpp's; the numbers JS sees are jobs_boundary.hpp's. A request's options
// cross as one JSON object with AWS's field names (statusDetails, stepTimeoutInMinutes, ...),
// read here with every field's type checked; answers cross as the JSON AWS sent.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "abi.hpp"
#include "iotlite/services/jobs/jobs_client.hpp"
#include "jobs_boundary.hpp"

using iotlite::Errc;
using iotlite::Error;
using iotlite::Result;
using namespace iotlite::jobs;
using namespace iotlite::wasm;

namespace {

struct JobsHandle {
    std::unique_ptr<JobsClient> jobs;
    JobsEvent event;
};

Error bad_option(const std::string& what) { return Error{Errc::invalid_argument, "jobs options: " + what}; }

// The request's options: a JSON object with the fields `op` takes, each of its type.
class Options {
public:
    explicit Options(std::string_view text) {
        auto parsed = iotlite::shadow::parse_json(text.empty() ? std::string_view("{}") : text);
        if (!parsed || !parsed.value().is_object()) {
            error_ = bad_option("not a JSON object");
            return;
        }
        json_ = std::move(parsed.value());
    }
    bool ok() const { return error_.message.empty(); }
    const Error& error() const { return error_; }

    // Refuses every field not in `allowed` (a typo would otherwise be silently ignored).
    void only(std::initializer_list<const char*> allowed, const char* op) {
        for (auto it = json_.begin(); ok() && it != json_.end(); ++it) {
            bool known = false;
            for (const char* a : allowed) known = known || it.key() == a;
            if (!known) error_ = bad_option("\"" + it.key() + "\" is not an option of " + op);
        }
    }
    template <class T>
    void integer(const char* key, std::optional<T>& out) {
        const auto it = json_.find(key);
        if (!ok() || it == json_.end() || it->is_null()) return;
        if (!it->is_number_integer()) error_ = bad_option(std::string("\"") + key + "\" must be an integer");
        else out = it->template get<T>();
    }
    void boolean(const char* key, bool& out) {
        const auto it = json_.find(key);
        if (!ok() || it == json_.end() || it->is_null()) return;
        if (!it->is_boolean()) error_ = bad_option(std::string("\"") + key + "\" must be true or false");
        else out = it->get<bool>();
    }
    void details(std::optional<StatusDetails>& out) {
        const auto it = json_.find("statusDetails");
        if (!ok() || it == json_.end() || it->is_null()) return;
        if (!it->is_object()) {
            error_ = bad_option("\"statusDetails\" must be an object of strings");
            return;
        }
        StatusDetails d;
        for (auto e = it->begin(); e != it->end(); ++e) {
            if (!e->is_string()) {
                error_ = bad_option("statusDetails \"" + e.key() + "\" must be a string");
                return;
            }
            d.emplace_back(e.key(), e->str());
        }
        out = std::move(d);
    }
    void status(JobStatus& out) {
        const auto it = json_.find("status");
        if (!ok()) return;
        if (it == json_.end() || !it->is_string() || !parse_job_status(it->str(), out))
            error_ = bad_option("\"status\" must be one of IN_PROGRESS, SUCCEEDED, FAILED, REJECTED");
    }

private:
    iotlite::shadow::Json json_;
    Error error_{Errc::invalid_argument, ""};
};

}  // namespace

extern "C" {

// A Jobs client for the thing in the scratch buffer ([thing]) on the MQTT client of `h` (which
// must outlive it). Returns 0 with the last error set when the thing name is refused.
JobsHandle* iot_jb_create(Handle* h, std::uint32_t request_timeout_ms) {
    Args args;
    JobsConfig config;
    config.thing_name = std::string(args.next());
    config.request_timeout_ms = request_timeout_ms;
    auto created = JobsClient::create(*h->client, std::move(config));
    if (!created) {
        fail(created.error());
        return nullptr;
    }
    auto* j = new JobsHandle;
    j->jobs = std::move(created).value();
    return j;
}

void iot_jb_destroy(JobsHandle* j) { delete j; }

// Offers the engine event last polled into `h` to the Jobs client: 1 when it was the client's.
int iot_jb_feed(JobsHandle* j, Handle* h, double now) { return j->jobs->on_event(h->event, ms(now)) ? 1 : 0; }

void iot_jb_tick(JobsHandle* j, double now) { j->jobs->on_tick(ms(now)); }

// -1 when no request is pending.
double iot_jb_deadline(JobsHandle* j) {
    auto d = j->jobs->next_deadline_ms();
    return d == UINT64_MAX ? -1.0 : static_cast<double>(d);
}

// Scratch: [job id (describe/update)][options JSON][clientToken (empty: generated)]. op: a
// jobs::Operation. timeout_ms 0: the default. Returns the request id (> 0), or 0 with the rule the
// request broke in the last error.
double iot_jb_request(JobsHandle* j, int op, std::uint32_t timeout_ms, double now) {
    Args args;
    const std::string_view job_id = args.next();
    Options o(args.next());
    const std::string token(args.next());
    if (!o.ok()) return fail(o.error());
    Result<std::uint32_t> r = 0u;
    switch (static_cast<Operation>(op)) {
        case Operation::get_pending: {
            JobsRequestOptions options;
            options.client_token = token;
            options.timeout_ms = timeout_ms;
            o.only({}, "list()");
            if (!o.ok()) return fail(o.error());
            r = j->jobs->get_pending(ms(now), options);
            break;
        }
        case Operation::start_next: {
            StartNextOptions options;
            options.client_token = token;
            options.timeout_ms = timeout_ms;
            o.only({"statusDetails", "stepTimeoutInMinutes"}, "startNext()");
            std::optional<StatusDetails> details;
            o.details(details);
            o.integer("stepTimeoutInMinutes", options.step_timeout_minutes);
            if (!o.ok()) return fail(o.error());
            if (details) options.status_details = std::move(*details);
            r = j->jobs->start_next(ms(now), options);
            break;
        }
        case Operation::describe: {
            DescribeOptions options;
            options.client_token = token;
            options.timeout_ms = timeout_ms;
            o.only({"executionNumber", "includeJobDocument"}, "describe()");
            o.integer("executionNumber", options.execution_number);
            o.boolean("includeJobDocument", options.include_job_document);
            if (!o.ok()) return fail(o.error());
            r = j->jobs->describe(job_id, ms(now), options);
            break;
        }
        case Operation::update: {
            UpdateOptions options;
            options.client_token = token;
            options.timeout_ms = timeout_ms;
            o.only({"status", "statusDetails", "expectedVersion", "executionNumber", "stepTimeoutInMinutes",
                    "includeJobExecutionState", "includeJobDocument"},
                   "update()");
            o.status(options.status);
            o.details(options.status_details);
            o.integer("expectedVersion", options.expected_version);
            o.integer("executionNumber", options.execution_number);
            o.integer("stepTimeoutInMinutes", options.step_timeout_minutes);
            o.boolean("includeJobExecutionState", options.include_job_execution_state);
            o.boolean("includeJobDocument", options.include_job_document);
            if (!o.ok()) return fail(o.error());
            r = j->jobs->update(job_id, options, ms(now));
            break;
        }
    }
    return r ? static_cast<double>(r.value()) : fail(r.error());
}

// stream: a jobs::Stream. 1, or 0 with the last error set.
int iot_jb_watch(JobsHandle* j, int stream, double now) {
    auto r = j->jobs->watch(stream == static_cast<int>(Stream::notify) ? Stream::notify : Stream::notify_next, ms(now));
    return r ? 1 : fail(r.error());
}

// Polls the next Jobs event into the handle. Returns its JobsEvent::Type, or -1.
int iot_jb_poll(JobsHandle* j) { return j->jobs->poll_event(j->event) ? static_cast<int>(j->event.type) : -1; }

double iot_jb_ev_num(JobsHandle* j, int field) {
    const JobsEvent& e = j->event;
    switch (static_cast<JobsNumber>(field)) {
        case JobsNumber::request_id: return e.request_id;
        case JobsNumber::error_code: return static_cast<double>(e.error.code);
        case JobsNumber::stream: return static_cast<double>(e.stream);
    }
    return 0;
}

const char* iot_jb_ev_bytes(JobsHandle* j, int field) {
    const JobsEvent& e = j->event;
    switch (static_cast<JobsText>(field)) {
        case JobsText::payload: return hand_out(e.payload);  // the JSON received
        case JobsText::error_message: return hand_out(e.error.message);
        case JobsText::rejection_code: return hand_out(e.rejection.code);  // AWS's code, e.g. "VersionMismatch"
    }
    g_len = 0;
    return nullptr;
}

}  // extern "C"
