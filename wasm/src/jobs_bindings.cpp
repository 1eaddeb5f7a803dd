// jobs_bindings.cpp — the C ABI of AWS IoT Jobs in the "iotlite/services" build:
// iotlite::jobs::JobsClient on the mqtt::Client of bindings.cpp, like shadow_bindings.cpp. It
// only binds: the API's limits, topics, subscriptions, tokens and timeouts are the C++ core's.
//
// Calling convention: abi.hpp's; the numbers JS sees are jobs_boundary.hpp's. A request's fields
// cross as one JSON object with AWS's names (statusDetails, stepTimeoutInMinutes, ...), checked by
// the core (JobsClient::request); answers cross as the JSON AWS sent.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "abi.hpp"
#include "iotlite/services/jobs/jobs_client.hpp"
#include "jobs_boundary.hpp"

using iotlite::Errc;
using iotlite::Error;
using namespace iotlite::jobs;
using namespace iotlite::wasm;

namespace {

struct JobsHandle {
    std::unique_ptr<JobsClient> jobs;
    JobsEvent event;
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

// Scratch: [job id (describe/update)][the request's fields: a JSON object of AWS's names][clientToken
// (empty: generated)]. op: a jobs::Operation. timeout_ms 0: the default. Returns the request id
// (> 0), or 0 with the rule the request broke in the last error (the fields are checked by
// JobsClient::request: their types, AWS's rules, and that `op` takes them).
double iot_jb_request(JobsHandle* j, int op, std::uint32_t timeout_ms, double now) {
    Args args;
    const std::string_view job_id = args.next();
    const std::string_view fields = args.next();
    JobsRequestOptions options;
    options.client_token = std::string(args.next());
    options.timeout_ms = timeout_ms;
    auto parsed = iotlite::shadow::parse_json(fields.empty() ? std::string_view("{}") : fields);
    if (!parsed) return fail(Error{Errc::invalid_argument, "jobs options: " + parsed.error().message});
    auto r = j->jobs->request(static_cast<Operation>(op), job_id, std::move(parsed).value(), options, ms(now));
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
