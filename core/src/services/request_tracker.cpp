#include "iotlite/services/request_tracker.hpp"

#include <limits>
#include <utility>

namespace iotlite::services {
namespace {
constexpr std::size_t kMaxCounterDigits = 20;  // UINT64_MAX
}  // namespace

Result<void> validate_client_token(std::string_view token) {
    if (token.empty()) return make_error(Errc::invalid_argument, IOTLITE_TEXT("clientToken is empty; it needs 1..64 bytes"));
    if (token.size() > max_client_token_bytes)
        return make_error(Errc::limit_exceeded, IOTLITE_TEXT("clientToken has " + std::to_string(token.size()) + " bytes; AWS allows 64"));
    for (std::size_t i = 0; i < token.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(token[i]);
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
            return make_error(Errc::invalid_argument,
                              IOTLITE_TEXT("clientToken must be printable ASCII without '\"' or '\\'; bad byte at offset " + std::to_string(i)));
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
        return make_error(Errc::invalid_argument, IOTLITE_TEXT("client_token_prefix has " + std::to_string(configured.size()) +
                                                               " bytes; at most 44 leave room for the counter in a 64-byte clientToken"));
    auto ok = validate_client_token(configured);
    if (!ok) return make_error(ok.error().code, IOTLITE_TEXT("client_token_prefix: " + ok.error().message));
    return configured;
}

Result<void> RequestTracker::check(const RequestTrackerConfig& config) {
    if (config.max_in_flight == 0) return make_error(Errc::invalid_argument, IOTLITE_TEXT("max_in_flight must be > 0"));
    if (config.request_timeout_ms == 0) return make_error(Errc::invalid_argument, IOTLITE_TEXT("request_timeout_ms must be > 0"));
    return {};
}

RequestTracker::RequestTracker(mqtt::Client& client, Owner& owner, RequestTrackerConfig config)
    : client_(client), owner_(owner), config_(std::move(config)) {}

bool RequestTracker::token_in_use(const std::string& token) const {
    for (const auto& request : requests_) {
        if (request.client_token == token) return true;
    }
    return false;
}

Result<std::string> RequestTracker::make_token(const std::string& given) {
    if (!given.empty()) {
        if (token_in_use(given))
            return make_error(Errc::invalid_argument, IOTLITE_TEXT("clientToken '" + given + "' is already used by a request in flight"));
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
    return make_error(Errc::queue_full, IOTLITE_TEXT(std::to_string(requests_.size()) + " " + config_.service +
                                                     " requests are in flight; " + config_.in_flight_rule +
                                                     ": wait for one to complete"));
}

Result<void> RequestTracker::subscribe(const std::string& key, const std::vector<std::string>& filters, std::uint64_t now_ms) {
    if (subscriptions_.count(key) != 0) return {};
    std::vector<mqtt::TopicFilter> topic_filters;
    topic_filters.reserve(filters.size());
    for (const auto& f : filters) topic_filters.push_back(mqtt::TopicFilter{f, mqtt::QoS::at_least_once});
    auto op = client_.subscribe(topic_filters, now_ms);
    if (!op) return op.error();
    Subscription sub;
    sub.op_id = op.value();
    sub.filters = filters;
    subscriptions_.emplace(key, std::move(sub));
    return {};
}

Result<void> RequestTracker::unsubscribe(const std::string& key, std::uint64_t now_ms) {
    const auto it = subscriptions_.find(key);
    if (it == subscriptions_.end()) return {};
    for (const auto& request : requests_) {
        if (request.response_key == key)
            return make_error(Errc::invalid_state, IOTLITE_TEXT("a " + std::string(config_.service) + " " + request.verb +
                                                                " request still waits for its answer on '" + key + "'"));
    }
    auto op = client_.unsubscribe(it->second.filters, now_ms);
    if (!op) return op.error();
    unsubscribing_.push_back(op.value());
    subscriptions_.erase(it);
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
        return make_error(Errc::invalid_argument,
                          IOTLITE_TEXT("clientToken '" + request.client_token + "' is already used by a request in flight"));
    auto sub = subscribe(request.response_key, response_filters, now_ms);
    if (!sub) return sub.error();

    request.id = next_id_++;
    if (next_id_ == 0) next_id_ = 1;
    if (request.timeout_ms == 0) request.timeout_ms = config_.request_timeout_ms;
    request.deadline_ms = now_ms + request.timeout_ms;
    request.sent = false;
    if (subscriptions_[request.response_key].status == Status::active) {
        Result<void> outcome;
        publish(request, now_ms, outcome);
        if (!outcome) return outcome.error();
    }
    const std::uint32_t id = request.id;
    requests_.push_back(std::move(request));
    return id;
}

bool RequestTracker::take(const std::function<bool(const TrackedRequest&)>& match, TrackedRequest& out) {
    for (std::size_t i = 0; i < requests_.size(); ++i) {
        if (!requests_[i].sent || !match(requests_[i])) continue;
        out = std::move(requests_[i]);
        requests_.erase(requests_.begin() + static_cast<std::ptrdiff_t>(i));
        return true;
    }
    return false;
}

void RequestTracker::fail(std::size_t index, Error error) {
    TrackedRequest request = std::move(requests_[index]);
    requests_.erase(requests_.begin() + static_cast<std::ptrdiff_t>(index));
    owner_.request_failed(std::move(request), std::move(error));
}

void RequestTracker::on_suback(const std::string& key, const mqtt::Event& event, std::uint64_t now_ms) {
    const Subscription sub = subscriptions_[key];
    std::string refused;
    if (event.granted.size() != sub.filters.size()) refused = sub.filters.front();
    for (std::size_t i = 0; i < event.granted.size() && i < sub.filters.size() && refused.empty(); ++i) {
        if (event.granted[i] == mqtt::SubackCode::failure) refused = sub.filters[i];
    }
    if (!refused.empty()) {
        subscriptions_.erase(key);  // a later request tries again
        const Error error = make_error(Errc::server_error, IOTLITE_TEXT("the broker refused the subscription to '" + refused +
                                                                        "' (SUBACK 0x80); check that the policy allows "
                                                                        "iot:Subscribe and iot:Receive on it"));
        owner_.subscription_done(key, false, error);
        for (std::size_t i = 0; i < requests_.size();) {
            if (!requests_[i].sent && requests_[i].response_key == key) fail(i, error);
            else ++i;
        }
        return;
    }
    subscriptions_[key].status = Status::active;
    owner_.subscription_done(key, true, Error{});
    for (std::size_t i = 0; i < requests_.size();) {
        TrackedRequest& request = requests_[i];
        if (request.sent || request.response_key != key) { ++i; continue; }
        Result<void> outcome;
        publish(request, now_ms, outcome);
        if (!outcome) { fail(i, outcome.error()); continue; }
        ++i;
    }
}

bool RequestTracker::on_event(const mqtt::Event& event, std::uint64_t now_ms) {
    bool consumed = false;
    switch (event.type) {
        case mqtt::Event::Type::subscribed:
            for (const auto& [key, sub] : subscriptions_) {
                if (sub.status != Status::pending || sub.op_id != event.op_id) continue;
                consumed = true;
                const std::string k = key;  // on_suback may erase the entry
                on_suback(k, event, now_ms);
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
            for (std::size_t i = 0; i < requests_.size(); ++i) {
                if (!requests_[i].sent || requests_[i].publish_op != event.op_id) continue;
                consumed = true;
                if (event.type == mqtt::Event::Type::publish_failed) fail(i, event.error);
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
            for (auto it = subscriptions_.begin(); it != subscriptions_.end(); ++it) {
                if (it->second.status == Status::active && it->second.op_id == event.op_id && event.op_id != 0) {
                    subscriptions_.erase(it);
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
                    fail(0, make_error(Errc::closed, IOTLITE_TEXT(std::string("the MQTT client closed before the ") +
                                                                  config_.service + " response arrived")));
            }
            break;
        default:
            break;
    }
    on_tick(now_ms);
    return consumed;
}

void RequestTracker::on_tick(std::uint64_t now_ms) {
    for (std::size_t i = 0; i < requests_.size();) {
        if (requests_[i].deadline_ms > now_ms) { ++i; continue; }
        [[maybe_unused]] const TrackedRequest& r = requests_[i];
        fail(i, make_error(Errc::timeout, IOTLITE_TEXT(std::string("no response to ") + config_.service + " " + r.verb +
                                                       " (clientToken '" + r.client_token + "') within " +
                                                       std::to_string(r.timeout_ms) + " ms" +
                                                       (r.sent ? "" : "; the SUBACK for its response topics never came"))));
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
