#include "iotlite/services/jobs/jobs_client.hpp"

#include <utility>

#include "iotlite/services/shadow/names.hpp"
#include "../messages.hpp"

namespace iotlite::jobs {
namespace {

constexpr std::size_t kMaxJobSubscriptions = 8;  // 8 jobs x 2 filters: far below AWS's 50 per connection

// statusDetails as the JSON object sent, checked first: a name given twice cannot be seen in the object.
Result<Json> details_json(const StatusDetails& details) {
    auto ok = validate_status_details(details);
    if (!ok) return ok.error();
    Json out = Json::object();
    for (const auto& [key, value] : details) out[key] = value;
    return out;
}

// The error a rejection completes its request with: VersionMismatch is the optimistic-locking
// conflict (like the shadow's 409); every other code is the service refusing.
Error rejection_error([[maybe_unused]] Operation op, [[maybe_unused]] const Rejection& r) {
    return fmt::error_fmt(r.code == "VersionMismatch" ? Errc::conflict : Errc::server_error, "jobs % rejected: %%",
                          operation_name(op), services::one_line(r.code),
                          (r.message.empty() ? "" : " " + services::one_line(r.message)));
}

}  // namespace

Result<std::unique_ptr<JobsClient>> JobsClient::create(mqtt::Client& client, JobsConfig config) {
    auto thing = shadow::validate_thing_name(config.thing_name);
    if (!thing) return thing.error();
    if (config.max_in_flight == 0 || config.max_in_flight > 10)
        return fmt::fail<std::unique_ptr<JobsClient>>(Errc::invalid_argument,
                                                      "max_in_flight is %; 1..10 jobs requests may be in flight",
                                                      config.max_in_flight);
    if (config.request_timeout_ms == 0) return fmt::fail<std::unique_ptr<JobsClient>>(Errc::invalid_argument,
            "request_timeout_ms must be > 0");
    if (config.max_job_subscriptions == 0 || config.max_job_subscriptions > kMaxJobSubscriptions)
        return fmt::fail<std::unique_ptr<JobsClient>>(Errc::invalid_argument,
                                                      "max_job_subscriptions is %; 1..8 keeps the connection far below AWS's 50 "
                                                      "subscriptions",
                                                      config.max_job_subscriptions);
    auto prefix = services::token_prefix(std::move(config.client_token_prefix), client.config().client_id);
    if (!prefix) return prefix.error();
    config.client_token_prefix = std::move(prefix.value());
    return std::unique_ptr<JobsClient>(new JobsClient(client, std::move(config)));
}

JobsClient::JobsClient(mqtt::Client& client, JobsConfig config)
    : config_(std::move(config)),
      tracker_(client, *this,
               services::RequestTrackerConfig{"jobs", config_.max_in_flight,
                                              IOTLITE_TEXT("the limit is " + std::to_string(config_.max_in_flight)),
                                              config_.request_timeout_ms, config_.client_token_prefix}) {}

Result<std::uint32_t> JobsClient::get_pending(std::uint64_t now_ms, const JobsRequestOptions& options) {
    return request(Operation::get_pending, "", Json::object(), options, now_ms);
}

Result<std::uint32_t> JobsClient::start_next(std::uint64_t now_ms, const StartNextOptions& options) {
    Json fields = Json::object();
    if (!options.status_details.empty()) {
        auto details = details_json(options.status_details);
        if (!details) return details.error();
        fields["statusDetails"] = std::move(details).value();
    }
    if (options.step_timeout_minutes) fields["stepTimeoutInMinutes"] = *options.step_timeout_minutes;
    return request(Operation::start_next, "", std::move(fields), options, now_ms);
}

Result<std::uint32_t> JobsClient::describe(std::string_view job_id, std::uint64_t now_ms, const DescribeOptions& options) {
    Json fields = Json::object();
    if (options.execution_number) fields["executionNumber"] = *options.execution_number;
    fields["includeJobDocument"] = options.include_job_document;
    return request(Operation::describe, job_id, std::move(fields), options, now_ms);
}

Result<std::uint32_t> JobsClient::update(std::string_view job_id, const UpdateOptions& options, std::uint64_t now_ms) {
    Json fields = Json::object();
    fields["status"] = job_status_name(options.status);
    if (options.status_details) {
        auto details = details_json(*options.status_details);
        if (!details) return details.error();
        fields["statusDetails"] = std::move(details).value();
    }
    if (options.step_timeout_minutes) fields["stepTimeoutInMinutes"] = *options.step_timeout_minutes;
    if (options.expected_version) fields["expectedVersion"] = *options.expected_version;
    if (options.execution_number) fields["executionNumber"] = *options.execution_number;
    if (options.include_job_execution_state) fields["includeJobExecutionState"] = true;
    if (options.include_job_document) fields["includeJobDocument"] = true;
    return request(Operation::update, job_id, std::move(fields), options, now_ms);
}

Result<std::uint32_t> JobsClient::request(Operation op, std::string_view job_id, Json fields, const JobsRequestOptions& options,
                                          std::uint64_t now_ms) {
    if (op == Operation::describe || op == Operation::update) {
        auto valid = validate_job_id(job_id, op == Operation::describe);
        if (!valid) return valid.error();
    }
    if (!fields.is_object()) return fmt::fail<std::uint32_t>(Errc::invalid_argument, "the request's fields must be a JSON object");
    auto ok = check_request_fields(op, fields);
    if (!ok) return ok.error();
    if (op == Operation::describe && !fields.contains("includeJobDocument")) fields["includeJobDocument"] = true;
    return start(op, job_id, std::move(fields), options, now_ms);
}

Result<std::uint32_t> JobsClient::start(Operation op, std::string_view job_id, Json payload, const JobsRequestOptions& options,
                                        std::uint64_t now_ms) {
    auto token = tracker_.make_token(options.client_token);
    if (!token) return token.error();
    payload["clientToken"] = token.value();

    services::TrackedRequest request;
    request.client_token = std::move(token.value());
    request.topic = request_topic(config_.thing_name, op, job_id);
    request.payload = shadow::to_compact(payload);
    request.response_key = request.topic;
    request.verb = operation_name(op);
    request.kind = static_cast<std::uint8_t>(op);
    request.thing = config_.thing_name;
    request.name = std::string(job_id);
    request.timeout_ms = options.timeout_ms;
    const std::string key = request.response_key;
    const bool per_job = op == Operation::describe || op == Operation::update;
    auto started = tracker_.start(std::move(request), {key + "/accepted", key + "/rejected"}, now_ms);
    if (!started) return started.error();
    if (per_job) keep_job_subscribed(key, now_ms);
    return started.value();
}

void JobsClient::keep_job_subscribed(const std::string& key, std::uint64_t now_ms) {
    for (std::size_t i = 0; i < job_keys_.size(); ++i) {
        if (job_keys_[i] == key) {
            job_keys_.erase(job_keys_.begin() + static_cast<std::ptrdiff_t>(i));
            break;
        }
    }
    job_keys_.push_back(key);  // most recently used last
    trim_job_subscriptions(now_ms);
}

void JobsClient::trim_job_subscriptions(std::uint64_t now_ms) {
    // Subscriptions the tracker forgot (refused by a SUBACK, the client closed for good).
    for (std::size_t i = job_keys_.size(); i-- > 0;) {
        if (!tracker_.subscribed(job_keys_[i])) job_keys_.erase(job_keys_.begin() + static_cast<std::ptrdiff_t>(i));
    }
    // Beyond the bound, drop the oldest subscriptions no request waits on, keeping the newest (an
    // unsubscribe the engine cannot send now, e.g. offline, keeps it for a later turn). Run after
    // each request's end too: jobs whose requests were pending when a new one came are released
    // once they are idle.
    for (std::size_t i = 0; job_keys_.size() > config_.max_job_subscriptions && i + 1 < job_keys_.size();) {
        if (tracker_.unsubscribe(job_keys_[i], now_ms)) job_keys_.erase(job_keys_.begin() + static_cast<std::ptrdiff_t>(i));
        else ++i;
    }
}

Result<void> JobsClient::watch(Stream stream, std::uint64_t now_ms) {
    const std::string topic = stream_topic(config_.thing_name, stream);
    return tracker_.subscribe(topic, {topic}, now_ms);
}

void JobsClient::request_failed(services::TrackedRequest&& request, Error error) {
    JobsEvent event;
    event.type = JobsEvent::Type::failed;
    event.request_id = request.id;
    event.op = static_cast<Operation>(request.kind);
    event.job_id = std::move(request.name);
    event.client_token = std::move(request.client_token);
    event.error = std::move(error);
    events_.push(std::move(event));
}

void JobsClient::subscription_done(const std::string& key, bool granted, const Error& error) {
    ParsedTopic topic;
    if (!parse_jobs_topic(key, topic)) return;
    if (topic.kind != ParsedTopic::Kind::notify && topic.kind != ParsedTopic::Kind::notify_next) return;
    JobsEvent out;
    out.type = granted ? JobsEvent::Type::stream_ready : JobsEvent::Type::stream_failed;
    out.stream = topic.kind == ParsedTopic::Kind::notify ? Stream::notify : Stream::notify_next;
    if (!granted) out.error = error;
    events_.push(std::move(out));
}

void JobsClient::on_message(const mqtt::Message& message, const ParsedTopic& topic) {
    std::string payload(reinterpret_cast<const char*>(message.payload.data()), message.payload.size());
    auto emit_error = [&]([[maybe_unused]] const Error& error) {
        JobsEvent out;
        out.type = JobsEvent::Type::error;
        out.error = fmt::error_fmt(Errc::protocol_error, "message on '%': %", message.topic, error.message);
        out.payload = std::move(payload);
        events_.push(std::move(out));
    };
    auto json = shadow::parse_json(payload);
    if (!json) { emit_error(json.error()); return; }

    if (topic.kind == ParsedTopic::Kind::notify || topic.kind == ParsedTopic::Kind::notify_next) {
        const bool next = topic.kind == ParsedTopic::Kind::notify_next;
        auto answer = parse_notify(json.value(), next);
        if (!answer) { emit_error(answer.error()); return; }
        JobsEvent out;
        out.type = next ? JobsEvent::Type::notify_next : JobsEvent::Type::notify;
        out.stream = next ? Stream::notify_next : Stream::notify;
        out.answer = std::move(answer.value());
        out.payload = std::move(payload);
        events_.push(std::move(out));
        return;
    }

    // The request this answer completes; nothing when it is another client's or already failed.
    services::TrackedRequest request;
    auto take = [&](const std::string& token) {
        return tracker_.take_answer(token, static_cast<std::uint8_t>(topic.op), config_.thing_name, topic.job_id, request);
    };
    JobsEvent out;
    out.op = topic.op;
    out.job_id = topic.job_id;
    if (topic.kind == ParsedTopic::Kind::accepted) {
        auto answer = parse_answer(topic.op, json.value());
        if (!answer) { emit_error(answer.error()); return; }
        if (!take(answer.value().client_token)) return;
        out.type = JobsEvent::Type::accepted;
        out.answer = std::move(answer.value());
    } else {
        auto rejection = parse_rejection(json.value());
        if (!rejection) { emit_error(rejection.error()); return; }
        if (!take(rejection.value().client_token)) return;
        out.type = JobsEvent::Type::rejected;
        out.error = rejection_error(topic.op, rejection.value());
        out.rejection = std::move(rejection.value());
    }
    out.request_id = request.id;
    out.client_token = std::move(request.client_token);
    out.payload = std::move(payload);
    events_.push(std::move(out));
}

bool JobsClient::on_event(const mqtt::Event& event, std::uint64_t now_ms) {
    bool consumed = false;
    if (event.type == mqtt::Event::Type::message) {
        ParsedTopic topic;
        if (parse_jobs_topic(event.message.topic, topic) && topic.thing == config_.thing_name) {
            const std::string key = topic.kind == ParsedTopic::Kind::notify        ? stream_topic(topic.thing, Stream::notify)
                                    : topic.kind == ParsedTopic::Kind::notify_next ? stream_topic(topic.thing, Stream::notify_next)
                                                                                   : request_topic(topic.thing, topic.op, topic.job_id);
            if (tracker_.subscribed(key)) {
                consumed = true;
                on_message(event.message, topic);  // before the tracker's tick: an answer at its deadline counts
            }
        }
    }
    if (tracker_.on_event(event, now_ms)) consumed = true;
    trim_job_subscriptions(now_ms);
    return consumed;
}

void JobsClient::on_tick(std::uint64_t now_ms) {
    tracker_.on_tick(now_ms);
    trim_job_subscriptions(now_ms);
}

std::uint64_t JobsClient::next_deadline_ms() const { return tracker_.next_deadline_ms(); }

bool JobsClient::poll_event(JobsEvent& out) { return events_.poll(out); }

bool JobsClient::deliver_events() { return events_.deliver(handler_); }

}  // namespace iotlite::jobs
