// libFuzzer target: the AWS IoT Jobs client fed hostile answers by a hostile broker.
//
// A real mqtt::Client is driven to `connected` (CONNACK), a jobs::JobsClient (thing "thing") sits
// on top of it and every engine event is forwarded to jobs.on_event() as a driver would. Byte 0
// sets max_in_flight (1 + b % 10) and max_job_subscriptions (1 + (b / 10) % 8). The rest is a
// program of commands interleaving the application's requests with the broker's side:
//
//   command = opcode byte, a byte, b byte[, length byte L, L bytes of data]   (data: 0..3, 8, 9)
//   opcode % 14:
//     0 get_pending       1 start_next(statusDetails, stepTimeoutInMinutes from the data)
//     2 describe(job)     3 update(job, status, every option from the data)
//       (a: token mode - generated, fixed, from the data, one in flight - and a timeout;
//        b: the job, one of kJobIds: valid ones, "$next", invalid ones)
//     4 watch(notify | notify-next)
//     5 SUBACK for a SUBSCRIBE the engine sent (all granted, one 0x80, too few / too many codes)
//     6 UNSUBACK for an UNSUBSCRIBE it sent       7 PUBACK for a QoS 1 PUBLISH it sent
//     8 a PUBLISH from the broker on a jobs response or stream topic (a: which topic, the payload
//       mode, QoS): raw data, or the data behind '{"clientToken":"<a request's token>",', or an
//       AWS-shaped document built from the data with hostile field values (wrong types, nulls,
//       int64 extremes and beyond, control and non-ASCII characters, missing required fields)
//     9 a PUBLISH on a hostile topic: "$aws/things/thing/jobs/" + data, a correlating payload
//    10 the clock advances (0..~20 s), on_tick() on both   11 the transport drops (reconnect)
//    12 a forged engine event (subscribed / unsubscribed / published / publish_failed / error)
//    13 a long pause (~20 s: timeouts, keep-alive)
//   At the end the client disconnects for good, which must fail every request still pending.
//
// Properties (a violation traps), besides no crash / UB / leak (ASan, UBSan, LeakSanitizer):
//   - every request id returned completes exactly once (accepted, rejected or failed) with the op
//     and job id it was made for; none is left once the engine is closed;
//   - a call is accepted only when its inputs keep AWS's rules (checked here independently: job id,
//     status a device may set, step timeout 1..10080, statusDetails pairs/keys/values, clientToken,
//     the in-flight bound); a refused call leaves in_flight() unchanged;
//   - the request published is the call's: its topic, and its JSON fields equal the options;
//   - in_flight() equals the requests not completed and never exceeds max_in_flight;
//   - a rejection is Errc::conflict exactly when its code is "VersionMismatch";
//   - after on_tick(now) no request deadline is <= now (a driver ticking at next_deadline_ms()
//     cannot spin);
//   - subscribed_jobs() holds distinct per-job keys, never more than max_job_subscriptions + the
//     jobs with a request pending (see kKnownFindingIdleJobSubscriptionsLinger), and the job just
//     requested is its last entry;
//   - an AWS-shaped document is parsed exactly when every field has the API's type, and then every
//     string and integer of the answer / rejection / notification is the one the JSON had.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "iotlite/mqtt/client.hpp"
#include "iotlite/services/jobs/jobs_client.hpp"
#include "service_broker.hpp"

namespace mqtt = iotlite::mqtt;
namespace jobs = iotlite::jobs;
using jobs::Json;

namespace {

using iotlite_fuzz::check;

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

// Finding (docs/fuzzing.md, "Findings"; input tests/fuzz/findings/jobs_integer_beyond_int64), fixed
// in bc40428: the Jobs parser took an integer above INT64_MAX (2^63 .. 2^64-1: nlohmann's unsigned
// numbers) as a wrapped negative int64. true would skip comparing such a document again.
constexpr bool kKnownFindingIntegerBeyondInt64 = false;
// Finding (input tests/fuzz/findings/jobs_idle_job_subscriptions_linger), fixed in bc40428: per-job
// response subscriptions were pruned only when the next describe/update started, so idle ones
// stayed above max_job_subscriptions until then. true would check only the looser bound again.
constexpr bool kKnownFindingIdleJobSubscriptionsLinger = false;

constexpr const char* kThing = "thing";
const std::string kPrefix = "$aws/things/thing/jobs/";

// Valid ids, "$next" (describe only), and ids AWS refuses (empty, 65 bytes, bad characters).
const char* const kJobIds[] = {"job1", "job-2_B", "$next", "0123456789012345678901234567890123456789012345678901234567890123",
                               "",     "a/b",     "j+",    "01234567890123456789012345678901234567890123456789012345678901234"};
constexpr const char* kStatusNames[] = {"QUEUED", "IN_PROGRESS", "SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED", "REMOVED", "CANCELED"};
// ErrorResponse codes of the developer guide ("AWS IoT jobs API operations", jobs-api.html#jobs-mqtt-error-response).
constexpr const char* kErrorCodes[] = {"InvalidTopic",    "InvalidJson",   "InvalidRequest",   "InvalidStateTransition", "ResourceNotFound",
                                       "VersionMismatch", "InternalError", "RequestThrottled", "TerminalStateReached"};

// ---- the oracle's own view of AWS's rules (developer guide / API reference) ----

bool id_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }

bool job_id_ok(std::string_view id, bool allow_next) {
    if (allow_next && id == "$next") return true;
    if (id.empty() || id.size() > 64) return false;
    return std::all_of(id.begin(), id.end(), id_char);
}

bool token_ok(std::string_view token) {
    if (token.empty() || token.size() > 64) return false;
    for (char ch : token) {
        const unsigned char c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
    }
    return true;
}

// statusDetails: true / false when the rules decide it from ASCII alone, nullopt when a value has
// non-ASCII bytes (UTF-8 validity is the engine's own check, not re-implemented here).
std::optional<bool> details_ok(const jobs::StatusDetails& details) {
    if (details.size() > 10) return false;
    for (std::size_t i = 0; i < details.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (details[i].first == details[j].first) return false;  // a name given twice
    bool unknown = false;
    for (const auto& [key, value] : details) {
        if (key.empty() || key.size() > 128) return false;
        for (char c : key)
            if (!id_char(c) && c != ':') return false;
        if (value.empty()) return false;
        for (char ch : value) {
            const unsigned char c = static_cast<unsigned char>(ch);
            if (c < 0x20 || c == 0x7f) return false;
            if (c >= 0x80) unknown = true;
        }
        if (!unknown && value.size() > 1024) return false;
    }
    if (unknown) return std::nullopt;
    return true;
}

bool step_ok(const std::optional<std::uint32_t>& minutes) { return !minutes || (*minutes >= 1 && *minutes <= 10080); }
// UpdateJobExecution's field is signed: -1 ends the step timer.
bool update_step_ok(const std::optional<std::int32_t>& minutes) {
    return !minutes || *minutes == -1 || (*minutes >= 1 && *minutes <= 10080);
}

// ---- reading choices out of the data ----

class Gen {
public:
    explicit Gen(std::string_view data) : data_(data) {}
    std::uint8_t byte() { return at_ < data_.size() ? static_cast<std::uint8_t>(data_[at_++]) : 0; }
    std::string text(std::size_t max) {
        const std::size_t n = std::min<std::size_t>(byte() % (max + 1), data_.size() - at_);
        std::string out(data_.substr(at_, n));
        at_ += n;
        return out;
    }

private:
    std::string_view data_;
    std::size_t at_ = 0;
};

// StatusDetails from the data: up to 12 pairs, keys and values of its bytes.
jobs::StatusDetails make_details(Gen& g) {
    jobs::StatusDetails details;
    const std::size_t n = g.byte() % 13;
    for (std::size_t i = 0; i < n; ++i) {
        std::string key = g.byte() % 4 == 0 ? g.text(20) : "k" + std::to_string(i);
        std::string value;
        const std::uint8_t how = g.byte();
        if (how % 8 == 0) value = std::string(1000 + how, 'v');  // around AWS's 1024
        else value = g.text(40);
        details.emplace_back(std::move(key), std::move(value));  // names may repeat: refused
    }
    return details;
}

// stepTimeoutInMinutes: none (b % 8 of 0 or 7), or around AWS's 1..10080.
std::optional<std::uint32_t> make_step(std::uint8_t b) {
    static const std::uint32_t kSteps[] = {0, 1, 30, 10080, 10081, 4294967295u};
    if (b % 8 == 0 || b % 8 == 7) return std::nullopt;
    return kSteps[b % 8 - 1];
}

// ---- AWS-shaped documents with hostile field values, and what they must parse to ----

// A JSON string literal of `raw` with its bytes >= 0x80 and control bytes as \u00XX escapes, so
// the text is valid JSON whatever the bytes; returns what a parser must read back.
std::string quote(const std::string& raw, std::string& json) {
    static const char kHex[] = "0123456789abcdef";
    std::string decoded;
    json += '"';
    for (char ch : raw) {
        const unsigned char c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            json += '\\';
            json += ch;
            decoded += ch;
        } else if (c < 0x20 || c >= 0x80) {
            json += "\\u00";
            json += kHex[c >> 4];
            json += kHex[c & 15];
            if (c < 0x80) {
                decoded += ch;
            } else {  // U+0080..U+00FF in UTF-8
                decoded += static_cast<char>(0xc0 | (c >> 6));
                decoded += static_cast<char>(0x80 | (c & 0x3f));
            }
        } else {
            json += ch;
            decoded += ch;
        }
    }
    json += '"';
    return decoded;
}

// Builds one JSON object field by field; `bad` records that a field breaks the API's types.
class Doc {
public:
    explicit Doc(Gen& g) : g_(g) {}
    bool bad = false;     // a field breaks the API's types: the document must be refused
    bool unsure = false;  // a field hits kKnownFindingIntegerBeyondInt64: not checked

    void raw(const char* name, const std::string& value) {
        key(name);
        json_ += value;
    }
    // An integer field: absent, null, a value, int64's extremes, beyond int64, or a wrong type.
    void integer(const char* name, std::int64_t& expected) {
        static const char* const kWrong[] = {"1.5", "1e3", "\"12\"", "true", "{}", "[]"};
        const std::uint8_t k = g_.byte() % 12;
        if (k == 0) return;
        if (k == 1) return raw(name, "null");
        if (k <= 6) {
            const std::int64_t v = static_cast<std::int64_t>(g_.byte()) * 1000003 - 7;
            expected = v;
            return raw(name, std::to_string(v));
        }
        if (k == 7) {
            expected = std::numeric_limits<std::int64_t>::max();
            return raw(name, "9223372036854775807");
        }
        if (k == 8) {
            expected = std::numeric_limits<std::int64_t>::min();
            return raw(name, "-9223372036854775808");
        }
        if (k == 9) {  // beyond int64: no int64_t holds it, so the answer must not be taken
            (kKnownFindingIntegerBeyondInt64 ? unsure : bad) = true;
            return raw(name, g_.byte() % 2 ? "9223372036854775808" : "18446744073709551615");
        }
        bad = true;
        raw(name, kWrong[g_.byte() % 6]);
    }
    // A string field: absent, null, a text from the data, or a wrong type.
    void string(const char* name, std::string& expected) {
        const std::uint8_t k = g_.byte() % 8;
        if (k == 0) return;
        if (k == 1) return raw(name, "null");
        if (k <= 5) {
            key(name);
            expected = quote(g_.text(24), json_);
            return;
        }
        bad = true;
        raw(name, k == 6 ? "7" : "[\"x\"]");
    }
    void status(jobs::JobStatus& expected, bool& present) {
        const std::uint8_t k = g_.byte() % 8;
        present = false;
        if (k == 0) return;
        if (k == 1) return raw("status", "null");
        if (k <= 5) {
            const std::size_t i = g_.byte() % 8;
            expected = static_cast<jobs::JobStatus>(i);
            present = true;
            return raw("status", std::string("\"") + kStatusNames[i] + "\"");
        }
        bad = true;  // a name that is none of the eight, or a number
        raw("status", k == 6 ? "\"in_progress\"" : "1");
    }
    void details(jobs::StatusDetails& expected) {
        const std::uint8_t k = g_.byte() % 6;
        if (k == 0) return;
        if (k == 1) return raw("statusDetails", "null");
        if (k >= 4) {
            bad = true;
            return raw("statusDetails", k == 4 ? "{\"a\":1}" : "[\"a\"]");
        }
        std::string obj = "{";
        const std::size_t n = g_.byte() % 4;
        for (std::size_t i = 0; i < n; ++i) {
            if (i > 0) obj += ',';
            const std::string k_text = std::to_string(i) + g_.text(8);  // distinct keys
            const std::string key_dec = quote(k_text, obj);
            obj += ':';
            expected.emplace_back(key_dec, quote(g_.text(16), obj));
        }
        std::sort(expected.begin(), expected.end());  // answers hold them sorted by name
        obj += '}';
        raw("statusDetails", obj);
    }
    // jobDocument: absent / null, an object, a string holding JSON (read as that JSON), a string
    // that is no JSON (kept as the string).
    void document(Json& expected) {
        const std::uint8_t k = g_.byte() % 5;
        if (k == 0) return;
        if (k == 1) return raw("jobDocument", "null");
        if (k == 2) {
            std::string obj = "{\"op\":";
            const std::string op = quote(g_.text(12), obj);
            obj += '}';
            expected = Json::object();
            expected["op"] = op;
            return raw("jobDocument", obj);
        }
        if (k == 3) {
            const int n = g_.byte();
            expected = Json::object();
            expected["n"] = n;
            return raw("jobDocument", "\"{\\\"n\\\":" + std::to_string(n) + "}\"");
        }
        std::string text;
        expected = quote("~" + g_.text(12), text);
        raw("jobDocument", text);
    }
    // A string field with a given text; returns what a parser must read back.
    std::string text(const char* name, const std::string& value) {
        key(name);
        return quote(value, json_);
    }
    std::string close() { return json_ + '}'; }

private:
    void key(const char* name) {
        json_ += first_ ? "" : ",";
        first_ = false;
        json_ += '"';
        json_ += name;
        json_ += "\":";
    }
    Gen& g_;
    std::string json_ = "{";
    bool first_ = true;
};

// A nested object (an execution, a summary, an executionState) or a value of the wrong type.
// Returns false when the nested value is absent or null.
template <typename Fill>
bool nested(Gen& g, Doc& parent, const char* name, Fill fill) {
    const std::uint8_t k = g.byte() % 8;
    if (k == 0) return false;
    if (k == 1) {
        parent.raw(name, "null");
        return false;
    }
    if (k == 2) {
        parent.bad = true;
        parent.raw(name, "\"x\"");
        return false;
    }
    Doc child(g);
    fill(child);
    parent.bad = parent.bad || child.bad;
    parent.unsure = parent.unsure || child.unsure;
    parent.raw(name, child.close());
    return true;
}

void fill_execution(Doc& d, jobs::JobExecution& e) {
    d.string("jobId", e.job_id);
    d.string("thingName", e.thing_name);
    bool has_status = false;
    d.status(e.status, has_status);
    d.details(e.status_details);
    d.integer("queuedAt", e.queued_at);
    d.integer("startedAt", e.started_at);
    d.integer("lastUpdatedAt", e.last_updated_at);
    d.integer("versionNumber", e.version_number);
    d.integer("executionNumber", e.execution_number);
    d.integer("approximateSecondsBeforeTimedOut", e.approximate_seconds_before_timed_out);
    d.document(e.job_document);
    if (!has_status || e.job_id.empty()) d.bad = true;  // both required
}

void fill_summary(Doc& d, jobs::JobExecutionSummary& s) {
    d.string("jobId", s.job_id);
    d.integer("queuedAt", s.queued_at);
    d.integer("startedAt", s.started_at);
    d.integer("lastUpdatedAt", s.last_updated_at);
    d.integer("versionNumber", s.version_number);
    d.integer("executionNumber", s.execution_number);
    if (s.job_id.empty()) d.bad = true;  // required
}

void summaries(Gen& g, Doc& d, const char* name, std::vector<jobs::JobExecutionSummary>& out) {
    const std::uint8_t k = g.byte() % 6;
    if (k == 0) return;
    if (k == 1) return d.raw(name, "null");
    if (k == 2) {
        d.bad = true;
        return d.raw(name, "{}");
    }
    std::string array = "[";
    const std::size_t n = g.byte() % 4;
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) array += ',';
        if (g.byte() % 16 == 0) {
            d.bad = true;
            array += "7";
            continue;
        }
        Doc item(g);
        jobs::JobExecutionSummary s;
        fill_summary(item, s);
        d.bad = d.bad || item.bad;
        d.unsure = d.unsure || item.unsure;
        array += item.close();
        out.push_back(std::move(s));
    }
    array += ']';
    d.raw(name, array);
}

void fill_state(Doc& d, jobs::JobExecutionState& state) {
    bool has_status = false;
    d.status(state.status, has_status);
    d.details(state.status_details);
    d.integer("versionNumber", state.version_number);
    if (!has_status) d.bad = true;  // required
    state.present = true;
}

enum class Kind : std::uint8_t { accepted, rejected, notify, notify_next };

// What a shaped document must come out as.
struct Shaped {
    std::string payload;
    bool bad = false;
    bool unsure = false;
    Kind kind = Kind::accepted;
    jobs::Operation op = jobs::Operation::get_pending;
    jobs::Answer answer;
    jobs::Rejection rejection;
};

// The common fields, then the operation's (jobs-mqtt-api: each operation's response; an
// ErrorResponse for /rejected). `token` (when known) is the clientToken to echo.
Shaped shape(Gen& g, Kind kind, jobs::Operation op, const std::optional<std::string>& token) {
    Shaped s;
    s.kind = kind;
    s.op = op;
    Doc d(g);
    std::string& client_token = kind == Kind::rejected ? s.rejection.client_token : s.answer.client_token;
    if (token && g.byte() % 8 != 0) client_token = d.text("clientToken", *token);
    else d.string("clientToken", client_token);
    if (kind == Kind::rejected) {
        const std::uint8_t k = g.byte() % 8;
        if (k == 0) {
            d.bad = true;  // code is required
        } else if (k == 1) {
            d.raw("code", "null");
            d.bad = true;
        } else if (k == 2) {
            d.raw("code", "409");
            d.bad = true;
        } else if (k == 3) {
            s.rejection.code = d.text("code", g.text(20));
            if (s.rejection.code.empty()) d.bad = true;
        } else {
            s.rejection.code = d.text("code", kErrorCodes[g.byte() % 9]);
        }
        d.string("message", s.rejection.message);
        if (g.byte() % 2 != 0) d.raw("timestamp", "1");
        nested(g, d, "executionState", [&](Doc& c) { fill_state(c, s.rejection.execution_state); });
    } else {
        d.integer("timestamp", s.answer.timestamp);
        if (kind == Kind::notify) {
            nested(g, d, "jobs", [&](Doc& c) {
                summaries(g, c, "IN_PROGRESS", s.answer.in_progress);
                summaries(g, c, "QUEUED", s.answer.queued);
            });
        } else if (kind == Kind::notify_next || op == jobs::Operation::start_next || op == jobs::Operation::describe) {
            jobs::JobExecution e;
            if (nested(g, d, "execution", [&](Doc& c) { fill_execution(c, e); })) s.answer.execution = std::move(e);
        } else if (op == jobs::Operation::get_pending) {
            summaries(g, d, "inProgressJobs", s.answer.in_progress);
            summaries(g, d, "queuedJobs", s.answer.queued);
        } else {
            nested(g, d, "executionState", [&](Doc& c) { fill_state(c, s.answer.execution_state); });
            d.document(s.answer.job_document);
        }
    }
    s.bad = d.bad;
    s.unsure = d.unsure;
    s.payload = d.close();
    return s;
}

bool same_summaries(const std::vector<jobs::JobExecutionSummary>& a, const std::vector<jobs::JobExecutionSummary>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].job_id != b[i].job_id || a[i].queued_at != b[i].queued_at || a[i].started_at != b[i].started_at ||
            a[i].last_updated_at != b[i].last_updated_at || a[i].version_number != b[i].version_number ||
            a[i].execution_number != b[i].execution_number)
            return false;
    }
    return true;
}

bool same_state(const jobs::JobExecutionState& a, const jobs::JobExecutionState& b) {
    if (a.present != b.present) return false;
    return !a.present || (a.status == b.status && a.status_details == b.status_details && a.version_number == b.version_number);
}

bool same_execution(const jobs::JobExecution& a, const jobs::JobExecution& b) {
    return a.job_id == b.job_id && a.thing_name == b.thing_name && a.status == b.status && a.status_details == b.status_details &&
           a.job_document == b.job_document && a.queued_at == b.queued_at && a.started_at == b.started_at &&
           a.last_updated_at == b.last_updated_at && a.version_number == b.version_number &&
           a.execution_number == b.execution_number &&
           a.approximate_seconds_before_timed_out == b.approximate_seconds_before_timed_out;
}

void check_answer(const jobs::Answer& got, const jobs::Answer& want) {
    check(got.client_token == want.client_token);
    check(got.timestamp == want.timestamp);
    check(got.execution.has_value() == want.execution.has_value());
    if (got.execution) check(same_execution(*got.execution, *want.execution));
    check(same_summaries(got.in_progress, want.in_progress));
    check(same_summaries(got.queued, want.queued));
    check(same_state(got.execution_state, want.execution_state));
    check(got.job_document == want.job_document);
}

// ---- the session ----

// A request the application made: what its PUBLISH and its completion must show.
struct Made {
    jobs::Operation op = jobs::Operation::get_pending;
    std::string job_id;
    std::string topic;
    std::string given_token;  // empty: generated
    Json fields;              // the request document without clientToken
};

class Harness {
public:
    Harness(std::size_t max_in_flight, std::size_t max_job_subscriptions)
        : max_in_flight_(max_in_flight), max_job_subscriptions_(max_job_subscriptions) {
        mqtt::Config config;
        config.client_id = "fuzz-jobs";
        config.keep_alive_s = 30;
        config.reconnect.min_delay_ms = 1000;
        config.reconnect.max_delay_ms = 4000;
        config.max_inbound_packet = 64 * 1024;
        auto client = mqtt::Client::create(config);
        check(client.ok());
        client_ = std::move(client.value());
        jobs::JobsConfig jobs_config;
        jobs_config.thing_name = kThing;
        jobs_config.request_timeout_ms = 5000;
        jobs_config.max_in_flight = max_in_flight;
        jobs_config.client_token_prefix = "fz-";
        jobs_config.max_job_subscriptions = max_job_subscriptions;
        auto created = jobs::JobsClient::create(*client_, jobs_config);
        check(created.ok());
        jobs_ = std::move(created.value());
        iotlite_fuzz::ServiceBroker::Hooks hooks;
        hooks.event = [this](const mqtt::Event& ev) {
            (void)jobs_->on_event(ev, now_);
            drain_jobs();
        };
        // Every PUBLISH is a request the application made (at QoS 1), with its options.
        hooks.sent = [this](unsigned qos, std::string_view topic, std::string_view payload) {
            check(qos == 1);
            check_request(std::string(topic), std::string(payload));
        };
        hooks.settled = [this] {
            drain_jobs();
            check_state();
        };
        broker_ = std::make_unique<iotlite_fuzz::ServiceBroker>(*client_, now_, std::move(hooks));
        check(client_->connect(now_).ok());
        pump();
    }

    void request(std::uint8_t opcode, std::uint8_t a, std::uint8_t b, std::string_view data) {
        Gen g(data);
        jobs::JobsRequestOptions common;
        switch (a & 3) {
            case 0: break;  // generated
            case 1: common.client_token = "tok-" + std::to_string((a >> 3) % 3); break;
            case 2: common.client_token = g.text(70); break;  // maybe invalid
            case 3:
                if (!sent_.empty()) common.client_token = sent_[(a >> 3) % sent_.size()].second;  // maybe in flight
                break;
        }
        if ((a & 4) != 0) common.timeout_ms = 1 + static_cast<std::uint32_t>(b >> 3) * 600;
        const std::string job = kJobIds[b % 8];

        Made made;
        made.given_token = common.client_token;
        made.fields = Json::object();
        // Whether the call keeps AWS's rules (statusDetails values with non-ASCII bytes count as
        // keeping them: their UTF-8 check is not re-implemented here).
        bool rules_ok = common.client_token.empty() || token_ok(common.client_token);
        const std::size_t before = jobs_->in_flight();
        iotlite::Result<std::uint32_t> id = iotlite::make_error(iotlite::Errc::invalid_argument, "unset");
        if (opcode == 0) {
            made.op = jobs::Operation::get_pending;
            id = jobs_->get_pending(now_, common);
        } else if (opcode == 1) {
            made.op = jobs::Operation::start_next;
            jobs::StartNextOptions options;
            static_cast<jobs::JobsRequestOptions&>(options) = common;
            if ((a & 0x20) != 0) options.status_details = make_details(g);
            options.step_timeout_minutes = make_step(g.byte());
            const auto details = details_ok(options.status_details);
            rules_ok = rules_ok && details.value_or(true) && step_ok(options.step_timeout_minutes);
            if (!options.status_details.empty()) made.fields["statusDetails"] = details_json(options.status_details);
            if (options.step_timeout_minutes) made.fields["stepTimeoutInMinutes"] = *options.step_timeout_minutes;
            id = jobs_->start_next(now_, options);
        } else if (opcode == 2) {
            made.op = jobs::Operation::describe;
            made.job_id = job;
            jobs::DescribeOptions options;
            static_cast<jobs::JobsRequestOptions&>(options) = common;
            if ((a & 0x20) != 0) options.execution_number = static_cast<std::int64_t>(g.byte()) - 2;
            options.include_job_document = (a & 0x40) == 0;
            rules_ok = rules_ok && job_id_ok(job, true);
            if (options.execution_number) made.fields["executionNumber"] = *options.execution_number;
            made.fields["includeJobDocument"] = options.include_job_document;
            id = jobs_->describe(job, now_, options);
        } else {
            made.op = jobs::Operation::update;
            made.job_id = job;
            jobs::UpdateOptions options;
            static_cast<jobs::JobsRequestOptions&>(options) = common;
            options.status = static_cast<jobs::JobStatus>(g.byte() % 8);
            const std::uint8_t flags = g.byte();
            if ((flags & 1) != 0) options.status_details = make_details(g);
            if ((flags & 2) != 0) options.expected_version = (flags & 0x40) != 0 ? std::numeric_limits<std::int64_t>::max() : g.byte();
            if ((flags & 4) != 0) options.execution_number = g.byte();
            if ((flags & 8) != 0) {
                // 4294967295 from make_step arrives as -1 (the field is signed): a valid "end the timer".
                if (const auto step = make_step(g.byte())) options.step_timeout_minutes = static_cast<std::int32_t>(*step);
            }
            options.include_job_execution_state = (flags & 0x10) != 0;
            options.include_job_document = (flags & 0x20) != 0;
            const auto st = options.status;
            const bool settable = st == jobs::JobStatus::in_progress || st == jobs::JobStatus::succeeded ||
                                  st == jobs::JobStatus::failed || st == jobs::JobStatus::rejected;
            const auto details = options.status_details ? details_ok(*options.status_details) : std::optional<bool>(true);
            rules_ok = rules_ok && job_id_ok(job, false) && settable && details.value_or(true) && update_step_ok(options.step_timeout_minutes);
            made.fields["status"] = kStatusNames[static_cast<std::size_t>(st)];
            if (options.status_details) made.fields["statusDetails"] = details_json(*options.status_details);
            if (options.expected_version) made.fields["expectedVersion"] = *options.expected_version;
            if (options.execution_number) made.fields["executionNumber"] = *options.execution_number;
            if (options.step_timeout_minutes) made.fields["stepTimeoutInMinutes"] = *options.step_timeout_minutes;
            made.fields["includeJobExecutionState"] = options.include_job_execution_state;
            made.fields["includeJobDocument"] = options.include_job_document;
            id = jobs_->update(job, options, now_);
        }
        made.topic = kPrefix + (made.op == jobs::Operation::get_pending    ? std::string("get")
                                : made.op == jobs::Operation::start_next ? std::string("start-next")
                                : made.op == jobs::Operation::describe   ? job + "/get"
                                                                         : job + "/update");
        if (id) {
            check(rules_ok);  // accepted only when the rules allow it
            check(before < max_in_flight_);
            check(pending_.count(id.value()) == 0);
            if (!made.given_token.empty()) {
                for (const auto& [other, p] : pending_) check(p.given_token != made.given_token);  // unique in flight
            }
            pending_[id.value()] = made;
            if (made.op == jobs::Operation::describe || made.op == jobs::Operation::update) {
                // The job just requested is the most recently used subscription, and the idle
                // ones beyond the bound are gone.
                const auto& keys = jobs_->subscribed_jobs();
                check(!keys.empty() && keys.back() == made.topic);
                check(keys.size() <= max_job_subscriptions_ + busy_jobs());
            }
            made_.push_back(std::move(made));
        } else {
            check(!id.error().message.empty());
            check(jobs_->in_flight() == before);
        }
        pump();
    }

    void watch(std::uint8_t a) {
        const jobs::Stream stream = (a & 1) != 0 ? jobs::Stream::notify_next : jobs::Stream::notify;
        if (jobs_->watch(stream, now_)) watched_[static_cast<std::size_t>(stream)] = true;
        pump();
    }

    void suback(std::uint8_t a) { broker_->suback(a); }
    void unsuback(std::uint8_t a) { broker_->unsuback(a); }
    void puback(std::uint8_t a) { broker_->puback(a); }

    // a: bits 0-3 the topic (0..9 below; 10..15 answer a request the client sent), bits 4-5 the
    // payload (raw, token prefix, shaped x2), bit 6 QoS 1, bit 7 accepted (follow) / a sent job;
    // b: which request, job or token.
    void response(std::uint8_t a, std::uint8_t b, std::string_view data) {
        static const char* const kSuffix[] = {"get/accepted",       "get/rejected", "start-next/accepted", "start-next/rejected",
                                              "/get/accepted",      "/get/rejected", "/update/accepted",    "/update/rejected",
                                              "notify",             "notify-next"};
        std::optional<std::string> token;
        if (!sent_.empty()) token = sent_[(b >> 3) % sent_.size()].second;
        std::string topic;
        Kind kind = Kind::accepted;
        jobs::Operation op = jobs::Operation::get_pending;
        const unsigned which = a & 15;
        if (which >= 10) {
            if (sent_.empty()) return;
            const auto& [request_topic, request_token] = sent_[b % sent_.size()];
            topic = request_topic + ((a & 0x80) != 0 ? "/accepted" : "/rejected");
            token = request_token;
            kind = (a & 0x80) != 0 ? Kind::accepted : Kind::rejected;
            jobs::ParsedTopic parsed;
            if (jobs::parse_jobs_topic(topic, parsed)) op = parsed.op;
        } else {
            std::string job = kJobIds[b % 8];
            if ((a & 0x80) != 0 && !sent_.empty()) job = job_of(sent_[b % sent_.size()].first);
            topic = kPrefix + (which >= 4 && which < 8 ? job : std::string()) + kSuffix[which];
            kind = which == 8 ? Kind::notify : which == 9 ? Kind::notify_next : which % 2 == 0 ? Kind::accepted : Kind::rejected;
            op = which < 2 ? jobs::Operation::get_pending : which < 4 ? jobs::Operation::start_next
                 : which < 6 ? jobs::Operation::describe : jobs::Operation::update;
        }
        std::string payload;
        switch ((a >> 4) & 3) {
            case 0: payload = std::string(data); break;
            case 1: payload = "{\"clientToken\":\"" + token.value_or("fz-1") + "\"," + std::string(data); break;
            default: {
                Gen g(data);
                shaped_ = shape(g, kind, op, token);
                payload = shaped_->payload;
                break;
            }
        }
        publish(topic, payload, (a & 0x40) != 0);
        shaped_.reset();
    }

    void hostile_topic(std::uint8_t a, std::string_view data) {
        std::string topic = (a & 1) != 0 ? kPrefix : "$aws/things/";
        topic.append(data.substr(0, 300));
        const std::string token = sent_.empty() ? "fz-1" : sent_[(a >> 1) % sent_.size()].second;
        publish(topic, "{\"clientToken\":\"" + token + "\",\"timestamp\":1,\"code\":\"InternalError\"}", (a & 0x80) != 0);
    }

    void tick(std::uint8_t a) {
        broker_->advance(a);
        jobs_->on_tick(now_);
        pump();
        const std::uint64_t next = jobs_->next_deadline_ms();
        check(next == kNever || next > now_);
    }

    void drop(std::uint8_t a) { broker_->drop(a); }

    void forged(std::uint8_t a) {
        (void)jobs_->on_event(iotlite_fuzz::forged_event(a, true), now_);
        drain_jobs();
        check_state();
    }

    // Closes the engine for good; every request still pending must fail now.
    void finish() {
        client_->disconnect(now_);
        broker_->close_transport();
        pump();
        check(client_->state() == mqtt::State::closed);
        check(jobs_->in_flight() == 0);
        check(pending_.empty());
        check(jobs_->next_deadline_ms() == kNever);
        check(jobs_->subscribed_jobs().empty());
    }

private:
    static Json details_json(const jobs::StatusDetails& details) {
        Json out = Json::object();
        for (const auto& [key, value] : details) out[key] = value;
        return out;
    }

    // "$aws/things/thing/jobs/<job>/get" -> "<job>"; "" for the thing-wide topics.
    static std::string job_of(const std::string& request_topic) {
        const std::string rest = request_topic.substr(std::min(kPrefix.size(), request_topic.size()));
        const auto slash = rest.find('/');
        return slash == std::string::npos ? std::string() : rest.substr(0, slash);
    }

    void publish(const std::string& topic, const std::string& payload, bool qos1) { broker_->publish(topic, payload, qos1); }
    void pump() { broker_->pump(); }

    // A published request is one the application made: same topic, its given token or a
    // generated one, and the document's fields are the call's options (the include flags of an
    // update absent when false, AWS's default).
    void check_request(const std::string& topic, const std::string& payload) {
        auto parsed = iotlite::json::parse(payload, 64);
        check(parsed.ok() && parsed.value().is_object());
        if (!parsed.ok()) return;
        Json& doc = parsed.value();
        const auto token_it = doc.find("clientToken");
        check(token_it != doc.end() && token_it->is_string());
        const std::string token = token_it->get<std::string>();
        check(token_ok(token));
        doc.erase("clientToken");
        bool found = false;
        for (const Made& m : made_) {
            if (m.topic != topic) continue;
            if (m.given_token.empty() ? token.rfind("fz-", 0) != 0 : m.given_token != token) continue;
            Json fields = doc;
            if (m.op == jobs::Operation::update) {
                if (!fields.contains("includeJobExecutionState")) fields["includeJobExecutionState"] = false;
                if (!fields.contains("includeJobDocument")) fields["includeJobDocument"] = false;
            }
            if (fields == m.fields) {
                found = true;
                break;
            }
        }
        check(found);
        sent_.emplace_back(topic, token);
        if (sent_.size() > 16) sent_.pop_front();
    }

    void drain_jobs() {
        jobs::JobsEvent ev;
        while (jobs_->poll_event(ev)) {
            using Type = jobs::JobsEvent::Type;
            const bool ours = shaped_ && !shaped_->unsure && ev.payload == shaped_->payload;
            switch (ev.type) {
                case Type::accepted:
                case Type::rejected:
                case Type::failed: {
                    const auto it = pending_.find(ev.request_id);
                    check(it != pending_.end());  // completes once, and only ids we were given
                    const Made& m = it->second;
                    check(m.op == ev.op);
                    check(m.job_id == ev.job_id);
                    check(m.given_token.empty() ? ev.client_token.rfind("fz-", 0) == 0 : ev.client_token == m.given_token);
                    if (ev.type == Type::rejected) {
                        check(ev.error.code == iotlite::Errc::conflict || ev.error.code == iotlite::Errc::server_error);
                        check((ev.error.code == iotlite::Errc::conflict) == (ev.rejection.code == "VersionMismatch"));
                        check(ev.rejection.client_token == ev.client_token);
                        check(!ev.rejection.code.empty());
                        if (ours) {
                            check(!shaped_->bad && shaped_->kind == Kind::rejected);
                            check(ev.rejection.code == shaped_->rejection.code);
                            check(ev.rejection.message == shaped_->rejection.message);
                            check(ev.rejection.client_token == shaped_->rejection.client_token);
                            check(same_state(ev.rejection.execution_state, shaped_->rejection.execution_state));
                        }
                    } else if (ev.type == Type::accepted) {
                        check(ev.answer.client_token == ev.client_token);
                        if (ours) {
                            check(!shaped_->bad && shaped_->kind == Kind::accepted && shaped_->op == ev.op);
                            check_answer(ev.answer, shaped_->answer);
                        }
                    } else {
                        check(!ev.error.message.empty());
                    }
                    pending_.erase(it);
                    break;
                }
                case Type::notify:
                case Type::notify_next: {
                    const bool next = ev.type == Type::notify_next;
                    check(watched_[next ? 1 : 0]);
                    if (ours) {
                        check(!shaped_->bad && shaped_->kind == (next ? Kind::notify_next : Kind::notify));
                        check_answer(ev.answer, shaped_->answer);
                    }
                    break;
                }
                case Type::stream_ready:
                case Type::stream_failed: check(watched_[ev.stream == jobs::Stream::notify_next ? 1 : 0]); break;
                case Type::error:
                    check(ev.error.code == iotlite::Errc::protocol_error);
                    if (ours) check(shaped_->bad);  // a well-typed document must parse
                    break;
            }
            ev = jobs::JobsEvent{};
        }
    }

    // The describe/update keys a pending request waits on.
    std::size_t busy_jobs() const {
        std::set<std::string> busy;
        for (const auto& [id, m] : pending_) {
            if (m.op == jobs::Operation::describe || m.op == jobs::Operation::update) busy.insert(m.topic);
        }
        return busy.size();
    }

    void check_state() {
        check(jobs_->in_flight() == pending_.size());
        check(jobs_->in_flight() <= max_in_flight_);
        // Per-job subscriptions: distinct describe/update keys, bounded by the configuration plus
        // the jobs a request still waits on.
        const auto& keys = jobs_->subscribed_jobs();
        check(keys.size() <= max_job_subscriptions_ + (kKnownFindingIdleJobSubscriptionsLinger ? max_in_flight_ : busy_jobs()));
        std::set<std::string> distinct;
        for (const std::string& key : keys) {
            check(distinct.insert(key).second);
            check(key.rfind(kPrefix, 0) == 0);
            const std::string job = job_of(key);
            check(key == kPrefix + job + "/get" || key == kPrefix + job + "/update");
        }
    }

    std::unique_ptr<mqtt::Client> client_;
    std::unique_ptr<jobs::JobsClient> jobs_;
    std::unique_ptr<iotlite_fuzz::ServiceBroker> broker_;
    std::size_t max_in_flight_;
    std::size_t max_job_subscriptions_;
    std::uint64_t now_ = 1000;
    std::deque<std::pair<std::string, std::string>> sent_;  // (request topic, clientToken) published
    std::vector<Made> made_;                                // every request the application made
    std::map<std::uint32_t, Made> pending_;
    bool watched_[2] = {};
    std::optional<Shaped> shaped_;  // the shaped document being delivered
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    Harness h(1 + data[0] % 10, 1 + (data[0] / 10) % 8);
    std::size_t pos = 1;
    int commands = 0;
    while (pos + 3 <= size && commands++ < 256) {
        const std::uint8_t opcode = data[pos] % 14;
        const std::uint8_t a = data[pos + 1];
        const std::uint8_t b = data[pos + 2];
        pos += 3;
        std::string_view chunk;
        const bool with_data = opcode <= 3 || opcode == 8 || opcode == 9;
        if (with_data && pos < size) {
            const std::size_t n = std::min<std::size_t>(data[pos], size - pos - 1);
            chunk = std::string_view(reinterpret_cast<const char*>(data + pos + 1), n);
            pos += 1 + n;
        }
        switch (opcode) {
            case 0:
            case 1:
            case 2:
            case 3: h.request(opcode, a, b, chunk); break;
            case 4: h.watch(a); break;
            case 5: h.suback(a); break;
            case 6: h.unsuback(a); break;
            case 7: h.puback(a); break;
            case 8: h.response(a, b, chunk); break;
            case 9: h.hostile_topic(a, chunk); break;
            case 10: h.tick(a); break;
            case 11: h.drop(a); break;
            case 12: h.forged(a); break;
            default: h.tick(0xff); break;
        }
    }
    h.finish();
    return 0;
}
