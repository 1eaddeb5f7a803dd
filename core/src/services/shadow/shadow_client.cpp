#include "iotlite/services/shadow/shadow_client.hpp"

#include <utility>
#include "../messages.hpp"

namespace iotlite::shadow {
namespace {

[[maybe_unused]] const char* op_verb(Operation op) { return operation_name(op); }

// The mirror's copy of one section merged with the same section of an update's state.
void merge_into(Json& target, const Json& state, const char* key) {
    const auto it = state.find(key);
    if (it == state.end()) return;
    if (it->is_null()) target = Json::object();
    else merge_state(target, *it);
}

}  // namespace

Result<std::unique_ptr<ShadowClient>> ShadowClient::create(mqtt::Client& client, ShadowConfig config) {
    if (config.max_in_flight == 0 || config.max_in_flight > limits::max_in_flight)
        return fmt::fail<std::unique_ptr<ShadowClient>>(Errc::invalid_argument,
                                                        "max_in_flight is %; AWS allows 1..10 shadow requests in flight per connection",
                                                        config.max_in_flight);
    if (config.request_timeout_ms == 0) return fmt::fail<std::unique_ptr<ShadowClient>>(Errc::invalid_argument,
            "request_timeout_ms must be > 0");
    auto prefix = services::token_prefix(std::move(config.client_token_prefix), client.config().client_id);
    if (!prefix) return prefix.error();
    config.client_token_prefix = std::move(prefix.value());
    if (config.limits.max_state_bytes == 0 || config.limits.max_state_depth == 0)
        return fmt::fail<std::unique_ptr<ShadowClient>>(Errc::invalid_argument, "limits must be > 0");
    return std::unique_ptr<ShadowClient>(new ShadowClient(client, std::move(config)));
}

ShadowClient::ShadowClient(mqtt::Client& client, ShadowConfig config)
    : config_(std::move(config)),
      tracker_(client, *this,
               services::RequestTrackerConfig{
                   "shadow", config_.max_in_flight,
                   IOTLITE_TEXT("AWS allows " + std::to_string(config_.max_in_flight) + " per connection (429 beyond)"),
                   config_.request_timeout_ms, config_.client_token_prefix}) {}

Result<std::uint32_t> ShadowClient::get(const ShadowId& id, std::uint64_t now_ms, const RequestOptions& options) {
    return start(id, Operation::get, nullptr, now_ms, options);
}

Result<std::uint32_t> ShadowClient::update(const ShadowId& id, const Json& state, std::uint64_t now_ms,
                                           const RequestOptions& options) {
    return start(id, Operation::update, &state, now_ms, options);
}

Result<std::uint32_t> ShadowClient::update_json(const ShadowId& id, std::string_view state_json, std::uint64_t now_ms,
                                                const RequestOptions& options) {
    auto state = parse_json(state_json);
    if (!state) return fmt::fail<std::uint32_t>(Errc::invalid_argument, "state: %", state.error().message);
    return start(id, Operation::update, &state.value(), now_ms, options);
}

Result<std::uint32_t> ShadowClient::report(const ShadowId& id, const Json& patch, std::uint64_t now_ms,
                                           const RequestOptions& options) {
    Json state = Json::object();
    state["reported"] = patch;
    return start(id, Operation::update, &state, now_ms, options);
}

Result<std::uint32_t> ShadowClient::desire(const ShadowId& id, const Json& patch, std::uint64_t now_ms,
                                           const RequestOptions& options) {
    Json state = Json::object();
    state["desired"] = patch;
    return start(id, Operation::update, &state, now_ms, options);
}

Result<std::uint32_t> ShadowClient::remove(const ShadowId& id, std::uint64_t now_ms, const RequestOptions& options) {
    return start(id, Operation::delete_shadow, nullptr, now_ms, options);
}

Mirror* ShadowClient::find_mirror(const std::string& prefix) const {
    for (KeptMirror& kept : mirrors_) {
        if (kept.prefix == prefix) return &kept.mirror;
    }
    return nullptr;
}

Mirror& ShadowClient::mirror_for(const ShadowId& id) {
    std::string prefix = topic_prefix(id);
    if (Mirror* kept = find_mirror(prefix)) return *kept;
    KeptMirror& added = mirrors_.emplace_back();
    added.prefix = std::move(prefix);
    return added.mirror;
}

const Mirror* ShadowClient::mirror(const ShadowId& id) const { return find_mirror(topic_prefix(id)); }

Result<std::uint32_t> ShadowClient::start(const ShadowId& id, Operation op, const Json* state, std::uint64_t now_ms,
                                          const RequestOptions& options) {
    auto valid = validate_shadow_id(id);
    if (!valid) return valid.error();
    auto token = tracker_.make_token(options.client_token);
    if (!token) return token.error();

    if (options.version && op != Operation::update)
        return fmt::fail<std::uint32_t>(Errc::invalid_argument, "version applies to update requests only");

    Json payload = Json::object();
    if (state != nullptr) {
        auto ok = validate_state(*state, config_.limits);
        if (!ok) return ok.error();
        // 8 KB on the merged desired + reported: what the mirror holds with this update applied.
        // Without a mirror (no document seen yet) only the request itself can be measured.
        const Mirror* current = mirror(id);
        Json desired = current != nullptr ? current->desired() : Json::object();
        Json reported = current != nullptr ? current->reported() : Json::object();
        merge_into(desired, *state, "desired");
        merge_into(reported, *state, "reported");
        const std::size_t size = state_size(desired, reported);
        if (size > config_.limits.max_state_bytes)
            return fmt::fail<std::uint32_t>(Errc::limit_exceeded, "merged desired+reported state would be % bytes; AWS allows %",
                                            size, config_.limits.max_state_bytes);
        payload["state"] = *state;
    }
    payload["clientToken"] = token.value();
    if (options.version) payload["version"] = *options.version;

    services::TrackedRequest request;
    request.client_token = std::move(token.value());
    request.topic = request_topic(id, op);
    request.payload = to_compact(payload);
    request.response_key = request.topic;
    request.verb = op_verb(op);
    request.kind = static_cast<std::uint8_t>(op);
    request.thing = id.thing;
    request.name = id.name;
    request.timeout_ms = options.timeout_ms;
    auto started = tracker_.start(std::move(request), {response_topic(id, op, true), response_topic(id, op, false)}, now_ms);
    if (!started) return started.error();
    mirror_for(id);
    return started.value();
}

Result<void> ShadowClient::watch(const ShadowId& id, Stream stream, std::uint64_t now_ms) {
    auto valid = validate_shadow_id(id);
    if (!valid) return valid;
    const std::string topic = stream_topic(id, stream);
    auto sub = tracker_.subscribe(topic, {topic}, now_ms);
    if (!sub) return sub;
    mirror_for(id);
    return {};
}

void ShadowClient::request_failed(services::TrackedRequest&& request, Error error) {
    ShadowEvent event;
    event.type = ShadowEvent::Type::failed;
    event.request_id = request.id;
    event.op = static_cast<Operation>(request.kind);
    event.shadow = ShadowId{std::move(request.thing), std::move(request.name)};
    event.client_token = std::move(request.client_token);
    event.error = std::move(error);
    events_.push(std::move(event));
}

void ShadowClient::subscription_done(const std::string& key, bool granted, const Error& error) {
    // Only a stream's subscription is news for the application (a request's shows in the request).
    ParsedTopic topic;
    if (!parse_shadow_topic(key, topic)) return;
    if (topic.kind != ParsedTopic::Kind::delta && topic.kind != ParsedTopic::Kind::documents) return;
    ShadowEvent out;
    out.type = granted ? ShadowEvent::Type::stream_ready : ShadowEvent::Type::stream_failed;
    out.shadow = topic.id;
    out.stream = topic.kind == ParsedTopic::Kind::delta ? Stream::delta : Stream::documents;
    if (!granted) out.error = error;
    events_.push(std::move(out));
}

void ShadowClient::on_message(const mqtt::Message& message) {
    ParsedTopic topic;
    if (!parse_shadow_topic(message.topic, topic)) return;
    std::string payload(reinterpret_cast<const char*>(message.payload.data()), message.payload.size());
    auto emit_error = [&]([[maybe_unused]] const Error& error) {
        ShadowEvent out;
        out.type = ShadowEvent::Type::error;
        out.shadow = topic.id;
        out.error = fmt::error_fmt(Errc::protocol_error, "message on '%': %", message.topic, error.message);
        out.payload = std::move(payload);
        events_.push(std::move(out));
    };
    auto json = parse_json(payload);
    if (!json) return emit_error(json.error());
    Mirror& mirror = mirror_for(topic.id);

    ShadowEvent out;
    // The request this answer completes, taken out of the tracker into `out`; false when it is
    // another client's request or one that already failed (timed out).
    auto take_request = [&](const std::string& token) {
        services::TrackedRequest request;
        if (!tracker_.take_answer(token, static_cast<std::uint8_t>(topic.op), topic.id.thing, topic.id.name, request)) return false;
        out.request_id = request.id;
        out.op = topic.op;
        out.client_token = std::move(request.client_token);
        return true;
    };
    switch (topic.kind) {
        case ParsedTopic::Kind::accepted: {
            auto doc = parse_document(json.value());
            if (!doc) return emit_error(doc.error());
            if (topic.op == Operation::get) mirror.apply_get(doc.value());
            else if (topic.op == Operation::update) mirror.apply_update(doc.value());
            else mirror.apply_delete(doc.value());
            if (!take_request(doc.value().client_token)) return;
            out.type = ShadowEvent::Type::accepted;
            out.document = std::move(doc.value());
            break;
        }
        case ParsedTopic::Kind::rejected: {
            auto rejection = parse_rejection(json.value());
            if (!rejection) return emit_error(rejection.error());
            if (!take_request(rejection.value().client_token)) return;
            out.type = ShadowEvent::Type::rejected;
            const int code = rejection.value().code;
            out.error = fmt::error_fmt(code == 409 ? Errc::conflict : Errc::server_error, "shadow % rejected: % %",
                                       op_verb(topic.op), std::to_string(code), services::one_line(rejection.value().message));
            out.rejection = std::move(rejection.value());
            break;
        }
        case ParsedTopic::Kind::delta: {
            auto doc = parse_document(json.value());
            if (!doc) return emit_error(doc.error());
            if (!doc.value().state.is_object()) return emit_error(fmt::error_fmt(Errc::protocol_error,
                    "delta has no \"state\" object"));
            mirror.apply_delta(doc.value());
            out.type = ShadowEvent::Type::delta;
            out.document = std::move(doc.value());
            break;
        }
        case ParsedTopic::Kind::documents: {
            auto docs = parse_documents(json.value());
            if (!docs) return emit_error(docs.error());
            mirror.apply_current(docs.value().current);
            out.type = ShadowEvent::Type::documents;
            out.client_token = docs.value().client_token;
            out.previous = std::move(docs.value().previous);
            out.document = std::move(docs.value().current);
            break;
        }
    }
    out.shadow = topic.id;
    out.payload = std::move(payload);
    events_.push(std::move(out));
}

bool ShadowClient::on_event(const mqtt::Event& event, std::uint64_t now_ms) {
    bool consumed = false;
    if (event.type == mqtt::Event::Type::message) {
        ParsedTopic topic;
        if (parse_shadow_topic(event.message.topic, topic)) {
            const std::string key = (topic.kind == ParsedTopic::Kind::delta)       ? stream_topic(topic.id, Stream::delta)
                                    : (topic.kind == ParsedTopic::Kind::documents) ? stream_topic(topic.id, Stream::documents)
                                                                                   : request_topic(topic.id, topic.op);
            if (tracker_.subscribed(key)) {
                consumed = true;
                on_message(event.message);  // before the tracker's tick: an answer at its deadline counts
            }
        }
    }
    // The SUBACKs and PUBACKs of our operations, the engine's closing and the timeouts.
    if (tracker_.on_event(event, now_ms)) consumed = true;
    return consumed;
}

void ShadowClient::on_tick(std::uint64_t now_ms) { tracker_.on_tick(now_ms); }

bool ShadowClient::poll_event(ShadowEvent& out) { return events_.poll(out); }

bool ShadowClient::deliver_events() { return events_.deliver(handler_); }

std::uint64_t ShadowClient::next_deadline_ms() const { return tracker_.next_deadline_ms(); }

}  // namespace iotlite::shadow
