#include "iotlite/services/shadow/shadow_client.hpp"

#include <limits>
#include <utility>

namespace iotlite::shadow {
namespace {

constexpr std::size_t kMaxCounterDigits = 20;  // UINT64_MAX

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
        return make_error(Errc::invalid_argument, IOTLITE_TEXT("max_in_flight is " + std::to_string(config.max_in_flight) +
                                                      "; AWS allows 1..10 shadow requests in flight per connection"));
    if (config.request_timeout_ms == 0) return make_error(Errc::invalid_argument, IOTLITE_TEXT("request_timeout_ms must be > 0"));
    if (config.client_token_prefix.empty()) {
        // Responses on /accepted and /rejected go to every subscriber of the shadow, so tokens must
        // be unique across clients, not just within this one: start them with the MQTT client id
        // (unique per connection on AWS), made token-safe and cut to leave room for the counter.
        std::string prefix;
        for (char c : client.config().client_id) {
            const unsigned char u = static_cast<unsigned char>(c);
            prefix += (u > 0x20 && u < 0x7f && c != '"' && c != '\\') ? c : '_';
            if (prefix.size() == limits::max_client_token_bytes - kMaxCounterDigits - 1) break;
        }
        prefix += '-';
        config.client_token_prefix = std::move(prefix);
    }
    if (config.client_token_prefix.size() + kMaxCounterDigits > limits::max_client_token_bytes)
        return make_error(Errc::invalid_argument, IOTLITE_TEXT("client_token_prefix has " + std::to_string(config.client_token_prefix.size()) +
                                                      " bytes; at most 44 leave room for the counter in a 64-byte clientToken"));
    auto prefix_ok = validate_client_token(config.client_token_prefix);
    if (!prefix_ok) return make_error(prefix_ok.error().code, IOTLITE_TEXT("client_token_prefix: " + prefix_ok.error().message));
    if (config.limits.max_state_bytes == 0 || config.limits.max_state_depth == 0)
        return make_error(Errc::invalid_argument, IOTLITE_TEXT("limits must be > 0"));
    return std::unique_ptr<ShadowClient>(new ShadowClient(client, std::move(config)));
}

ShadowClient::ShadowClient(mqtt::Client& client, ShadowConfig config) : client_(client), config_(std::move(config)) {}

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
    if (!state) return make_error(Errc::invalid_argument, IOTLITE_TEXT("state: " + state.error().message));
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

bool ShadowClient::token_in_use(const std::string& token) const {
    for (const auto& request : requests_) {
        if (request.client_token == token) return true;
    }
    return false;
}

Mirror& ShadowClient::mirror_for(const ShadowId& id) { return mirrors_[topic_prefix(id)]; }

const Mirror* ShadowClient::mirror(const ShadowId& id) const {
    const auto it = mirrors_.find(topic_prefix(id));
    return it == mirrors_.end() ? nullptr : &it->second;
}

Result<std::uint32_t> ShadowClient::start(const ShadowId& id, Operation op, const Json* state, std::uint64_t now_ms,
                                          const RequestOptions& options) {
    auto valid = validate_shadow_id(id);
    if (!valid) return valid.error();

    std::string token = options.client_token;
    if (!token.empty()) {
        auto ok = validate_client_token(token);
        if (!ok) return ok.error();
        if (token_in_use(token))
            return make_error(Errc::invalid_argument, IOTLITE_TEXT("clientToken '" + token + "' is already used by a request in flight"));
    } else {
        do {
            token = config_.client_token_prefix + std::to_string(++token_counter_);
        } while (token_in_use(token));
    }

    if (options.version && op != Operation::update)
        return make_error(Errc::invalid_argument, IOTLITE_TEXT("version applies to update requests only"));

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
            return make_error(Errc::limit_exceeded, IOTLITE_TEXT("merged desired+reported state would be " + std::to_string(size) +
                                                        " bytes; AWS allows " + std::to_string(config_.limits.max_state_bytes)));
        payload["state"] = *state;
    }
    if (requests_.size() >= config_.max_in_flight)
        return make_error(Errc::queue_full, IOTLITE_TEXT(std::to_string(requests_.size()) +
                                                " shadow requests are in flight; AWS allows " + std::to_string(config_.max_in_flight) +
                                                " per connection (429 beyond): wait for one to complete"));
    payload["clientToken"] = token;
    if (options.version) payload["version"] = *options.version;

    Request request;
    request.id = next_request_id_++;
    if (next_request_id_ == 0) next_request_id_ = 1;
    request.shadow = id;
    request.op = op;
    request.client_token = token;
    request.payload = to_compact(payload);
    request.sub_key = request_topic(id, op);
    request.timeout_ms = options.timeout_ms != 0 ? options.timeout_ms : config_.request_timeout_ms;
    request.deadline_ms = now_ms + request.timeout_ms;

    auto sub = ensure_subscription(request.sub_key, id, {response_topic(id, op, true), response_topic(id, op, false)},
                                   false, Stream::delta, now_ms);
    if (!sub) return sub.error();
    if (subscriptions_[request.sub_key].status == SubStatus::active) {
        const auto& bytes = request.payload;
        auto published = client_.publish(request.sub_key, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(),
                                         mqtt::QoS::at_least_once, false, now_ms);
        if (!published) return published.error();
        request.sent = true;
        request.publish_op = published.value();
    }
    mirror_for(id);
    const std::uint32_t request_id = request.id;
    requests_.push_back(std::move(request));
    return request_id;
}

Result<void> ShadowClient::ensure_subscription(const std::string& key, const ShadowId& id, std::vector<std::string> filters,
                                               bool is_stream, Stream stream, std::uint64_t now_ms) {
    if (subscriptions_.count(key) != 0) return {};
    std::vector<mqtt::TopicFilter> topic_filters;
    for (const auto& f : filters) topic_filters.push_back(mqtt::TopicFilter{f, mqtt::QoS::at_least_once});
    auto op = client_.subscribe(topic_filters, now_ms);
    if (!op) return op.error();
    Subscription sub;
    sub.op_id = op.value();
    sub.filters = std::move(filters);
    sub.id = id;
    sub.is_stream = is_stream;
    sub.stream = stream;
    subscriptions_.emplace(key, std::move(sub));
    return {};
}

Result<void> ShadowClient::watch(const ShadowId& id, Stream stream, std::uint64_t now_ms) {
    auto valid = validate_shadow_id(id);
    if (!valid) return valid;
    const std::string topic = stream_topic(id, stream);
    auto sub = ensure_subscription(topic, id, {topic}, true, stream, now_ms);
    if (!sub) return sub;
    mirror_for(id);
    return {};
}

void ShadowClient::fail(std::size_t index, Error error) {
    Request& request = requests_[index];
    ShadowEvent event;
    event.type = ShadowEvent::Type::failed;
    event.request_id = request.id;
    event.op = request.op;
    event.shadow = request.shadow;
    event.client_token = request.client_token;
    event.error = std::move(error);
    events_.push_back(std::move(event));
    requests_.erase(requests_.begin() + static_cast<std::ptrdiff_t>(index));
}

void ShadowClient::on_suback(const mqtt::Event& event, std::uint64_t now_ms) {
    std::string key;
    for (const auto& [k, sub] : subscriptions_) {
        if (sub.status == SubStatus::pending && sub.op_id == event.op_id) key = k;
    }
    if (key.empty()) return;
    Subscription sub = subscriptions_[key];
    std::string refused;
    if (event.granted.size() != sub.filters.size()) refused = sub.filters.front();
    for (std::size_t i = 0; i < event.granted.size() && i < sub.filters.size() && refused.empty(); ++i) {
        if (event.granted[i] == mqtt::SubackCode::failure) refused = sub.filters[i];
    }
    if (!refused.empty()) {
        subscriptions_.erase(key);  // a later request tries again
        Error error = make_error(Errc::server_error, IOTLITE_TEXT("the broker refused the subscription to '" + refused +
                                                         "' (SUBACK 0x80); check that the policy allows iot:Subscribe and iot:Receive on it"));
        if (sub.is_stream) {
            ShadowEvent out;
            out.type = ShadowEvent::Type::stream_failed;
            out.shadow = sub.id;
            out.stream = sub.stream;
            out.error = error;
            events_.push_back(std::move(out));
        }
        for (std::size_t i = 0; i < requests_.size();) {
            if (!requests_[i].sent && requests_[i].sub_key == key) fail(i, error);
            else ++i;
        }
        return;
    }
    subscriptions_[key].status = SubStatus::active;
    if (sub.is_stream) {
        ShadowEvent out;
        out.type = ShadowEvent::Type::stream_ready;
        out.shadow = sub.id;
        out.stream = sub.stream;
        events_.push_back(std::move(out));
    }
    for (std::size_t i = 0; i < requests_.size();) {
        Request& request = requests_[i];
        if (request.sent || request.sub_key != key) { ++i; continue; }
        auto published = client_.publish(request.sub_key, reinterpret_cast<const std::uint8_t*>(request.payload.data()),
                                         request.payload.size(), mqtt::QoS::at_least_once, false, now_ms);
        if (!published) { fail(i, published.error()); continue; }
        request.sent = true;
        request.publish_op = published.value();
        ++i;
    }
}

void ShadowClient::on_message(const mqtt::Message& message) {
    ParsedTopic topic;
    if (!parse_shadow_topic(message.topic, topic)) return;
    const std::string payload(message.payload.begin(), message.payload.end());
    auto json = parse_json(payload);
    auto emit_error = [&]([[maybe_unused]] const Error& error) {
        ShadowEvent out;
        out.type = ShadowEvent::Type::error;
        out.shadow = topic.id;
        out.error = make_error(Errc::protocol_error, IOTLITE_TEXT("message on '" + message.topic + "': " + error.message));
        out.payload = payload;
        events_.push_back(std::move(out));
    };
    if (!json) { emit_error(json.error()); return; }
    Mirror& mirror = mirror_for(topic.id);

    auto find_request = [&](const std::string& token) -> std::size_t {
        if (token.empty()) return requests_.size();
        for (std::size_t i = 0; i < requests_.size(); ++i) {
            const Request& r = requests_[i];
            if (r.sent && r.client_token == token && r.op == topic.op && r.shadow == topic.id) return i;
        }
        return requests_.size();
    };

    switch (topic.kind) {
        case ParsedTopic::Kind::accepted: {
            auto doc = parse_document(json.value());
            if (!doc) { emit_error(doc.error()); return; }
            if (topic.op == Operation::get) mirror.apply_get(doc.value());
            else if (topic.op == Operation::update) mirror.apply_update(doc.value());
            else mirror.apply_delete(doc.value());
            const std::size_t index = find_request(doc.value().client_token);
            if (index == requests_.size()) return;  // another client's request, or one that timed out
            ShadowEvent out;
            out.type = ShadowEvent::Type::accepted;
            out.request_id = requests_[index].id;
            out.op = topic.op;
            out.shadow = topic.id;
            out.client_token = requests_[index].client_token;
            out.document = std::move(doc.value());
            out.payload = payload;
            events_.push_back(std::move(out));
            requests_.erase(requests_.begin() + static_cast<std::ptrdiff_t>(index));
            return;
        }
        case ParsedTopic::Kind::rejected: {
            auto rejection = parse_rejection(json.value());
            if (!rejection) { emit_error(rejection.error()); return; }
            const std::size_t index = find_request(rejection.value().client_token);
            if (index == requests_.size()) return;
            ShadowEvent out;
            out.type = ShadowEvent::Type::rejected;
            out.request_id = requests_[index].id;
            out.op = topic.op;
            out.shadow = topic.id;
            out.client_token = requests_[index].client_token;
            const int code = rejection.value().code;
            out.error = make_error(code == 409 ? Errc::conflict : Errc::server_error,
                                   IOTLITE_TEXT(std::string("shadow ") + op_verb(topic.op) + " rejected: " + std::to_string(code) + " " +
                                       rejection.value().message));
            out.rejection = std::move(rejection.value());
            out.payload = payload;
            events_.push_back(std::move(out));
            requests_.erase(requests_.begin() + static_cast<std::ptrdiff_t>(index));
            return;
        }
        case ParsedTopic::Kind::delta: {
            auto doc = parse_document(json.value());
            if (!doc) { emit_error(doc.error()); return; }
            if (!doc.value().state.is_object()) { emit_error(make_error(Errc::protocol_error, IOTLITE_TEXT("delta has no \"state\" object"))); return; }
            mirror.apply_delta(doc.value());
            ShadowEvent out;
            out.type = ShadowEvent::Type::delta;
            out.shadow = topic.id;
            out.document = std::move(doc.value());
            out.payload = payload;
            events_.push_back(std::move(out));
            return;
        }
        case ParsedTopic::Kind::documents: {
            auto docs = parse_documents(json.value());
            if (!docs) { emit_error(docs.error()); return; }
            mirror.apply_current(docs.value().current);
            ShadowEvent out;
            out.type = ShadowEvent::Type::documents;
            out.shadow = topic.id;
            out.client_token = docs.value().client_token;
            out.previous = std::move(docs.value().previous);
            out.document = std::move(docs.value().current);
            out.payload = payload;
            events_.push_back(std::move(out));
            return;
        }
    }
}

bool ShadowClient::on_event(const mqtt::Event& event, std::uint64_t now_ms) {
    bool consumed = false;
    switch (event.type) {
        case mqtt::Event::Type::subscribed:
            for (const auto& entry : subscriptions_) {
                if (entry.second.status == SubStatus::pending && entry.second.op_id == event.op_id) consumed = true;
            }
            if (consumed) on_suback(event, now_ms);
            break;
        case mqtt::Event::Type::published:
        case mqtt::Event::Type::publish_failed:
            for (std::size_t i = 0; i < requests_.size(); ++i) {
                if (!requests_[i].sent || requests_[i].publish_op != event.op_id) continue;
                consumed = true;
                if (event.type == mqtt::Event::Type::publish_failed) fail(i, event.error);
                break;
            }
            break;
        case mqtt::Event::Type::message: {
            ParsedTopic topic;
            if (!parse_shadow_topic(event.message.topic, topic)) break;
            const std::string key = (topic.kind == ParsedTopic::Kind::delta)       ? stream_topic(topic.id, Stream::delta)
                                    : (topic.kind == ParsedTopic::Kind::documents) ? stream_topic(topic.id, Stream::documents)
                                                                                   : request_topic(topic.id, topic.op);
            if (subscriptions_.count(key) == 0) break;
            consumed = true;
            on_message(event.message);
            break;
        }
        case mqtt::Event::Type::error:
            // The engine could not re-subscribe one of our filters after a reconnect: forget the
            // subscription so that the next request subscribes again (the app still sees the error).
            for (auto it = subscriptions_.begin(); it != subscriptions_.end(); ++it) {
                if (it->second.status == SubStatus::active && it->second.op_id == event.op_id && event.op_id != 0) {
                    subscriptions_.erase(it);
                    break;
                }
            }
            break;
        case mqtt::Event::Type::disconnected:
            // Closed for good (disconnect() or a fatal error with reconnect off): nothing pending can
            // complete any more. While the engine reconnects, requests simply run to their timeouts.
            if (client_.state() == mqtt::State::closed) {
                while (!requests_.empty()) fail(0, make_error(Errc::closed, IOTLITE_TEXT("the MQTT client closed before the shadow response arrived")));
                subscriptions_.clear();
            }
            break;
        default:
            break;
    }
    on_tick(now_ms);
    return consumed;
}

void ShadowClient::on_tick(std::uint64_t now_ms) {
    for (std::size_t i = 0; i < requests_.size();) {
        if (requests_[i].deadline_ms > now_ms) { ++i; continue; }
        [[maybe_unused]] const Request& r = requests_[i];
        fail(i, make_error(Errc::timeout, IOTLITE_TEXT(std::string("no response to shadow ") + op_verb(r.op) + " (clientToken '" + r.client_token +
                                              "') within " + std::to_string(r.timeout_ms) + " ms" +
                                              (r.sent ? "" : "; the SUBACK for its response topics never came"))));
    }
}

bool ShadowClient::poll_event(ShadowEvent& out) {
    if (events_.empty()) return false;
    out = std::move(events_.front());
    events_.pop_front();
    return true;
}

bool ShadowClient::deliver_events() {
    // Only the events queued so far: a handler that starts a request from every event cannot keep
    // the driver here. Popped before the call: the handler may re-enter this client.
    bool any = false;
    for (std::size_t n = events_.size(); n > 0 && !events_.empty(); --n) {
        ShadowEvent event = std::move(events_.front());
        events_.pop_front();
        any = true;
        if (handler_) handler_(event);
    }
    return any;
}

std::uint64_t ShadowClient::next_deadline_ms() const {
    std::uint64_t next = std::numeric_limits<std::uint64_t>::max();
    for (const auto& request : requests_) {
        if (request.deadline_ms < next) next = request.deadline_ms;
    }
    return next;
}

}  // namespace iotlite::shadow
