#include "iotlite/services/response_correlator.hpp"

#include <algorithm>

#include "iotlite/mqtt/topic.hpp"

namespace iotlite::services {

namespace {
Error rule_error(Errc code, std::string message, const char* rule, std::uint64_t limit, std::uint64_t actual) {
    return Error(code, std::move(message))
        .with_rule(rule, static_cast<std::uint32_t>(std::min<std::uint64_t>(limit, UINT32_MAX)),
                   static_cast<std::uint32_t>(std::min<std::uint64_t>(actual, UINT32_MAX)));
}
}  // namespace

Result<ResponseCorrelator> ResponseCorrelator::create(ResponseCorrelatorConfig config) {
    auto topic = mqtt::validate_publish_topic(config.response_topic);
    if (!topic) {
        Error e = topic.error();
        e.message = IOTLITE_TEXT("response topic: " + e.message);
        if (!*e.rule) e.rule = rules::response_topic;
        return e;
    }
    if (config.max_in_flight == 0 || config.max_in_flight > max_requests_in_flight) {
        return rule_error(Errc::invalid_argument,
                          IOTLITE_TEXT("requests in flight must be bounded by 1.." + std::to_string(max_requests_in_flight) +
                                       ", not " + std::to_string(config.max_in_flight)),
                          rules::request_bound, max_requests_in_flight, config.max_in_flight);
    }
    if (config.default_timeout_ms == 0 || config.default_timeout_ms > max_request_timeout_ms) {
        return rule_error(Errc::invalid_argument,
                          IOTLITE_TEXT("the request timeout must be 1.." + std::to_string(max_request_timeout_ms) +
                                       " ms, not " + std::to_string(config.default_timeout_ms)),
                          rules::request_timeout, max_request_timeout_ms, config.default_timeout_ms);
    }
    ResponseCorrelator c(std::move(config));
    static const char hex[] = "0123456789abcdef";
    for (int shift = 60; shift >= 0; shift -= 4) c.prefix_ += hex[(c.config_.nonce >> shift) & 0xF];
    c.prefix_ += '-';
    return c;
}

Result<std::string> ResponseCorrelator::default_response_topic(std::string_view client_id) {
    std::string topic = "iotlite/response/";
    topic.append(client_id.data(), client_id.size());
    auto ok = mqtt::validate_publish_topic(topic);
    if (!ok) {
        Error e = ok.error();
        e.message = IOTLITE_TEXT("the default response topic \"iotlite/response/<client id>\" is not a valid topic (" +
                                 e.message + "): give a response topic");
        return e;
    }
    return topic;
}

Result<ResponseCorrelator::Request> ResponseCorrelator::start(std::uint32_t timeout_ms, std::uint64_t now_ms) {
    if (timeout_ms > max_request_timeout_ms) {
        return rule_error(Errc::invalid_argument,
                          IOTLITE_TEXT("the request timeout must be 1.." + std::to_string(max_request_timeout_ms) +
                                       " ms, not " + std::to_string(timeout_ms)),
                          rules::request_timeout, max_request_timeout_ms, timeout_ms);
    }
    if (requests_.size() >= config_.max_in_flight) {
        return rule_error(Errc::queue_full,
                          IOTLITE_TEXT(std::to_string(requests_.size()) + " requests await their response; at most " +
                                       std::to_string(config_.max_in_flight) + " may be in flight"),
                          rules::requests_in_flight, config_.max_in_flight, requests_.size() + 1);
    }
    Request r;
    r.id = next_id_++;
    if (next_id_ == 0) next_id_ = 1;  // 2^32 requests later: ids of long-gone requests only
    r.correlation_data = prefix_ + std::to_string(++counter_);
    r.deadline_ms = now_ms + (timeout_ms ? timeout_ms : config_.default_timeout_ms);
    requests_.push_back(r);
    return r;
}

std::uint32_t ResponseCorrelator::match(std::string_view topic, std::string_view correlation_data) {
    if (topic != config_.response_topic) return 0;
    for (auto it = requests_.begin(); it != requests_.end(); ++it) {
        if (it->correlation_data == correlation_data) {
            const std::uint32_t id = it->id;
            requests_.erase(it);
            return id;
        }
    }
    return 0;
}

bool ResponseCorrelator::cancel(std::uint32_t id) {
    auto it = std::find_if(requests_.begin(), requests_.end(), [id](const Request& r) { return r.id == id; });
    if (it == requests_.end()) return false;
    requests_.erase(it);
    return true;
}

void ResponseCorrelator::expire(std::uint64_t now_ms, std::vector<std::uint32_t>& out) {
    auto keep = requests_.begin();
    for (auto& r : requests_) {
        if (r.deadline_ms <= now_ms) {
            out.push_back(r.id);
        } else {
            if (&*keep != &r) *keep = std::move(r);
            ++keep;
        }
    }
    requests_.erase(keep, requests_.end());
}

void ResponseCorrelator::cancel_all(std::vector<std::uint32_t>& out) {
    for (const auto& r : requests_) out.push_back(r.id);
    requests_.clear();
}

std::uint64_t ResponseCorrelator::next_deadline_ms() const {
    std::uint64_t at = UINT64_MAX;
    for (const auto& r : requests_) at = std::min(at, r.deadline_ms);
    return at;
}

}  // namespace iotlite::services
