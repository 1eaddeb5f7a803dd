#include "iotlite/services/request_tracker.hpp"

#include <limits>
#include <utility>
#include "messages.hpp"

namespace iotlite::services {
namespace {
constexpr std::size_t kMaxCounterDigits = 20;  // UINT64_MAX
}  // namespace

Result<void> validate_client_token(std::string_view token) {
    if (token.empty()) return fmt::fail<void>(Errc::invalid_argument, "clientToken is empty; it needs 1..64 bytes");
    if (token.size() > max_client_token_bytes)
        return fmt::fail<void>(Errc::limit_exceeded, "clientToken has % bytes; AWS allows 64", token.size());
    for (std::size_t i = 0; i < token.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(token[i]);
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
            return fmt::fail<void>(Errc::invalid_argument,
                                   "clientToken must be printable ASCII without '\"' or '\\'; bad byte at offset %", i);
    }
    return {};
}

std::string one_line(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        const unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) c = '?';
    }
    return out;
}

Result<std::string> token_prefix(std::string configured, std::string_view client_id) {
    if (configured.empty()) {
        for (char c : client_id) {
            const unsigned char u = static_cast<unsigned char>(c);
            configured += (u > 0x20 && u < 0x7f && c != '"' && c != '\\') ? c : '_';
            if (configured.size() == max_client_token_bytes - kMaxCounterDigits - 1) break;
        }
        configured += '-';
    }
    if (configured.size() + kMaxCounterDigits > max_client_token_bytes)
        return fmt::fail<std::string>(Errc::invalid_argument,
                                      "client_token_prefix has % bytes; at most 44 leave room for the counter in a 64-byte clientToken",
                                      configured.size());
    auto ok = validate_client_token(configured);
    if (!ok) return fmt::fail<std::string>(ok.error().code, "client_token_prefix: %", ok.error().message);
    return configured;
}

Result<void> RequestTracker::check(const RequestTrackerConfig& config) {
    if (config.max_in_flight == 0) return fmt::fail<void>(Errc::invalid_argument, "max_in_flight must be > 0");
    if (config.request_timeout_ms == 0) return fmt::fail<void>(Errc::invalid_argument, "request_timeout_ms must be > 0");
    return {};
}

RequestTracker::RequestTracker(mqtt::Client& client, Owner& owner, RequestTrackerConfig config)
    : client_(client), owner_(owner), config_(std::move(config)) {}

RequestTracker::Subscription* RequestTracker::find(const std::string& key) const {
    for (Subscription& sub : subscriptions_) {
        if (sub.key == key) return &sub;
    }
    return nullptr;
}

bool RequestTracker::token_in_use(const std::string& token) const {
    for (const auto& request : requests_) {
        if (request.client_token == token) return true;
    }
    return false;
}

Result<std::string> RequestTracker::make_token(const std::string& given) {
    if (!given.empty()) {
        auto valid = validate_client_token(given);
        if (!valid) return valid.error();
        if (token_in_use(given))
            return fmt::fail<std::string>(Errc::invalid_argument, "clientToken '%' is already used by a request in flight", given);
        return given;
    }
    std::string token;
    do {
        token = config_.client_token_prefix + std::to_string(++token_counter_);
    } while (token_in_use(token));
    return token;
}

Result<void> RequestTracker::check_room() const {
    if (requests_.size() < config_.max_in_flight) return {};
    return fmt::fail<void>(Errc::queue_full, "% % requests are in flight; %: wait for one to complete", requests_.size(),
                           config_.service, config_.in_flight_rule);
}

Result<void> RequestTracker::subscribe(const std::string& key, const std::vector<std::string>& filters, std::uint64_t now_ms) {
    if (find(key)) return {};
    std::vector<mqtt::TopicFilter> topic_filters;
    topic_filters.reserve(filters.size());
    for (const auto& f : filters) topic_filters.push_back(mqtt::TopicFilter{f, mqtt::QoS::at_least_once});
    auto op = client_.subscribe(topic_filters, now_ms);
    if (!op) return op.error();
    Subscription& sub = subscriptions_.emplace_back();
    sub.key = key;
    sub.op_id = op.value();
    sub.filters = filters;
    return {};
}

Result<void> RequestTracker::unsubscribe(const std::string& key, std::uint64_t now_ms) {
    Subscription* sub = find(key);
    if (!sub) return {};
    for (const auto& request : requests_) {
        if (request.response_key == key)
            return fmt::fail<void>(Errc::invalid_state, "a % % request still waits for its answer on '%'", config_.service,
                                   request.verb, key);
    }
    auto op = client_.unsubscribe(sub->filters, now_ms);
    if (!op) return op.error();
    unsubscribing_.push_back(op.value());
    subscriptions_.remove(sub);
    return {};
}

void RequestTracker::publish(TrackedRequest& request, std::uint64_t now_ms, Result<void>& outcome) {
    auto published = client_.publish(request.topic, reinterpret_cast<const std::uint8_t*>(request.payload.data()),
                                     request.payload.size(), mqtt::QoS::at_least_once, false, now_ms);
    if (!published) {
        outcome = published.error();
        return;
    }
    request.sent = true;
    request.publish_op = published.value();
}

Result<std::uint32_t> RequestTracker::start(TrackedRequest&& request, const std::vector<std::string>& response_filters,
                                            std::uint64_t now_ms) {
    auto room = check_room();
    if (!room) return room.error();
    if (!request.client_token.empty() && token_in_use(request.client_token))
        return fmt::fail<std::uint32_t>(Errc::invalid_argument, "clientToken '%' is already used by a request in flight",
                                        request.client_token);
    auto sub = subscribe(request.response_key, response_filters, now_ms);
    if (!sub) return sub.error();

    request.id = next_id_++;
    if (next_id_ == 0) next_id_ = 1;
    if (request.timeout_ms == 0) request.timeout_ms = config_.request_timeout_ms;
    request.deadline_ms = now_ms + request.timeout_ms;
    request.sent = false;
    if (find(request.response_key)->status == Status::active) {
        Result<void> outcome;
        publish(request, now_ms, outcome);
        if (!outcome) return outcome.error();
    }
    return requests_.push_back(std::move(request)).id;
}

bool RequestTracker::take_answer(const std::string& token, std::uint8_t kind, std::string_view thing, std::string_view name,
                                 TrackedRequest& out) {
    if (token.empty()) return false;
    return take([&](const TrackedRequest& r) { return r.client_token == token && r.kind == kind && r.thing == thing && r.name == name; },
                out);
}

void RequestTracker::take_out(TrackedRequest& request, TrackedRequest& out) {
    out = std::move(request);
    requests_.remove(&request);
}

void RequestTracker::fail(TrackedRequest& request, Error error) {
    TrackedRequest failed;
    take_out(request, failed);
    owner_.request_failed(std::move(failed), std::move(error));
}

void RequestTracker::on_suback(Subscription& sub, const mqtt::Event& event, std::uint64_t now_ms) {
    const std::string key = sub.key;  // `sub` goes when refused
    std::string refused;
    if (event.granted.size() != sub.filters.size()) refused = sub.filters.front();
    for (std::size_t i = 0; i < event.granted.size() && i < sub.filters.size() && refused.empty(); ++i) {
        if (event.granted[i] == mqtt::SubackCode::failure) refused = sub.filters[i];
    }
    if (!refused.empty()) {
        subscriptions_.remove(&sub);  // a later request tries again
        const Error error = fmt::error_fmt(Errc::server_error,
                                           "the broker refused the subscription to '%' (SUBACK 0x80); check that the policy "
                                           "allows iot:Subscribe and iot:Receive on it",
                                           refused);
        owner_.subscription_done(key, false, error);
        for (auto it = requests_.begin(); it != requests_.end();) {
            TrackedRequest& request = *it;
            ++it;  // before `request` may go
            if (!request.sent && request.response_key == key) fail(request, error);
        }
        return;
    }
    sub.status = Status::active;
    owner_.subscription_done(key, true, Error{});
    for (auto it = requests_.begin(); it != requests_.end();) {
        TrackedRequest& request = *it;
        ++it;  // before `request` may go
        if (request.sent || request.response_key != key) continue;
        Result<void> outcome;
        publish(request, now_ms, outcome);
        if (!outcome) fail(request, outcome.error());
    }
}

bool RequestTracker::on_event(const mqtt::Event& event, std::uint64_t now_ms) {
    bool consumed = false;
    switch (event.type) {
        case mqtt::Event::Type::subscribed:
            for (Subscription& sub : subscriptions_) {
                if (sub.status != Status::pending || sub.op_id != event.op_id) continue;
                consumed = true;
                on_suback(sub, event, now_ms);
                break;
            }
            break;
        case mqtt::Event::Type::unsubscribed:
            for (auto it = unsubscribing_.begin(); it != unsubscribing_.end(); ++it) {
                if (*it != event.op_id) continue;
                unsubscribing_.erase(it);
                consumed = true;
                break;
            }
            break;
        case mqtt::Event::Type::published:
        case mqtt::Event::Type::publish_failed:
            for (TrackedRequest& request : requests_) {
                if (!request.sent || request.publish_op != event.op_id) continue;
                consumed = true;
                if (event.type == mqtt::Event::Type::publish_failed) fail(request, event.error);
                break;
            }
            break;
        case mqtt::Event::Type::error:
            // One of our UNSUBSCRIBEs can no longer complete (the client closed): nothing to tell.
            for (auto it = unsubscribing_.begin(); it != unsubscribing_.end(); ++it) {
                if (*it != event.op_id || event.op_id == 0) continue;
                unsubscribing_.erase(it);
                consumed = true;
                break;
            }
            // The engine could not re-subscribe one of our filters after a reconnect: forget the
            // subscription so that the next request subscribes again (the app still sees the error).
            for (Subscription& sub : subscriptions_) {
                if (sub.status == Status::active && sub.op_id == event.op_id && event.op_id != 0) {
                    subscriptions_.remove(&sub);
                    break;
                }
            }
            break;
        case mqtt::Event::Type::disconnected:
            // Closed for good (disconnect() or a fatal error with reconnect off): nothing pending can
            // complete any more. While the engine reconnects, requests simply run to their timeouts.
            if (client_.state() == mqtt::State::closed) {
                subscriptions_.clear();
                while (!requests_.empty())
                    fail(requests_.front(), fmt::error_fmt(Errc::closed, "the MQTT client closed before the % response arrived",
                                                           config_.service));
            }
            break;
        default:
            break;
    }
    on_tick(now_ms);
    return consumed;
}

void RequestTracker::on_tick(std::uint64_t now_ms) {
    for (auto it = requests_.begin(); it != requests_.end();) {
        TrackedRequest& r = *it;
        ++it;  // before `r` goes
        if (r.deadline_ms > now_ms) continue;
        fail(r, fmt::error_fmt(Errc::timeout, "no response to % % (clientToken '%') within % ms%", config_.service, r.verb,
                               r.client_token, r.timeout_ms, (r.sent ? "" : "; the SUBACK for its response topics never came")));
    }
}

std::uint64_t RequestTracker::next_deadline_ms() const {
    std::uint64_t next = std::numeric_limits<std::uint64_t>::max();
    for (const auto& request : requests_) {
        if (request.deadline_ms < next) next = request.deadline_ms;
    }
    return next;
}

}  // namespace iotlite::services
