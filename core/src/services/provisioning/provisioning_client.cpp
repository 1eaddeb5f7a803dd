#include "iotlite/services/provisioning/provisioning_client.hpp"

#include <utility>
#include "../messages.hpp"

namespace iotlite::provisioning {
namespace {

// One create request and one RegisterThing per template at a time; a few templates at most.
constexpr std::size_t kMaxInFlight = 4;

Error rejection_error([[maybe_unused]] Operation op, [[maybe_unused]] const Rejection& r) {
    return fmt::error_fmt(Errc::server_error, "% rejected: % %%", operation_name(op), std::to_string(r.status_code),
                          services::one_line(r.error_code),
                          (r.error_message.empty() ? "" : " " + services::one_line(r.error_message)));
}

}  // namespace

Result<std::unique_ptr<ProvisioningClient>> ProvisioningClient::create(mqtt::Client& client, ProvisioningConfig config) {
    if (config.request_timeout_ms == 0) return fmt::fail<std::unique_ptr<ProvisioningClient>>(Errc::invalid_argument,
            "request_timeout_ms must be > 0");
    return std::unique_ptr<ProvisioningClient>(new ProvisioningClient(client, std::move(config)));
}

ProvisioningClient::ProvisioningClient(mqtt::Client& client, ProvisioningConfig config)
    : config_(std::move(config)),
      tracker_(client, *this,
               services::RequestTrackerConfig{"provisioning", kMaxInFlight, IOTLITE_TEXT("the limit is 4"),
                                              config_.request_timeout_ms, ""}) {}

Result<std::uint32_t> ProvisioningClient::create_keys_and_certificate(std::uint64_t now_ms) {
    // The guide's request payload is empty; "{}" is the same document and what its SDKs send.
    return start(Operation::create_keys, "", "{}", now_ms);
}

Result<std::uint32_t> ProvisioningClient::create_certificate_from_csr(std::string_view csr_pem, std::uint64_t now_ms) {
    auto valid = validate_csr(csr_pem);
    if (!valid) return valid.error();
    Json payload = Json::object();
    payload["certificateSigningRequest"] = std::string(csr_pem);
    return start(Operation::create_from_csr, "", shadow::to_compact(payload), now_ms);
}

Result<std::uint32_t> ProvisioningClient::register_thing(std::string_view template_name, std::string_view ownership_token,
                                                         const Parameters& parameters, std::uint64_t now_ms) {
    auto name = validate_template_name(template_name);
    if (!name) return name.error();
    auto input = validate_register_input(ownership_token, parameters);
    if (!input) return input.error();
    Json params = Json::object();
    for (const auto& [key, value] : parameters) params[key] = value;
    Json payload = Json::object();
    payload["certificateOwnershipToken"] = std::string(ownership_token);
    payload["parameters"] = std::move(params);
    return start(Operation::register_thing, template_name, shadow::to_compact(payload), now_ms);
}

Result<std::uint32_t> ProvisioningClient::start(Operation op, std::string_view template_name, std::string payload,
                                                std::uint64_t now_ms) {
    const std::string topic = request_topic(op, template_name);
    for (const auto& r : tracker_.requests()) {
        if (r.topic == topic)
            return fmt::fail<std::uint32_t>(Errc::invalid_state,
                                            "% is already in flight on this topic; its answers carry no token, so one request "
                                            "per topic at a time",
                                            operation_name(op));
    }
    services::TrackedRequest request;
    request.topic = topic;
    request.payload = std::move(payload);
    request.response_key = topic;
    request.verb = operation_name(op);
    request.kind = static_cast<std::uint8_t>(op);
    request.name = std::string(template_name);
    return tracker_.start(std::move(request), {topic + "/accepted", topic + "/rejected"}, now_ms);
}

void ProvisioningClient::request_failed(services::TrackedRequest&& request, Error error) {
    ProvisioningEvent event;
    event.type = ProvisioningEvent::Type::failed;
    event.request_id = request.id;
    event.op = static_cast<Operation>(request.kind);
    event.template_name = std::move(request.name);
    event.error = std::move(error);
    events_.push(std::move(event));
}

void ProvisioningClient::subscription_done(const std::string&, bool, const Error&) {
    // Only response subscriptions: a refusal already fails the requests waiting for it.
}

void ProvisioningClient::on_message(const mqtt::Message& message, const ParsedTopic& topic) {
    // Answers go to the connection that asked: the request on this topic, if one was sent.
    services::TrackedRequest request;
    const std::string key = request_topic(topic.op, topic.template_name);
    if (!tracker_.take([&](const services::TrackedRequest& r) { return r.sent && r.topic == key; }, request)) return;

    ProvisioningEvent out;
    out.request_id = request.id;
    out.op = topic.op;
    out.template_name = topic.template_name;
    auto json = shadow::parse_json(std::string_view(reinterpret_cast<const char*>(message.payload.data()), message.payload.size()));
    if (!json) {
        // The request is taken: its fate is this failure (a garbled answer will not be followed by another).
        out.type = ProvisioningEvent::Type::failed;
        out.error = fmt::error_fmt(Errc::protocol_error, "answer on '%' is not JSON", message.topic);
        events_.push(std::move(out));
        return;
    }
    if (topic.accepted) {
        if (topic.op == Operation::register_thing) {
            auto registration = parse_registration(json.value());
            if (!registration) { out.type = ProvisioningEvent::Type::failed; out.error = registration.error(); }
            else { out.type = ProvisioningEvent::Type::accepted; out.registration = std::move(registration.value()); }
        } else {
            auto certificate = parse_certificate(topic.op, json.value());
            if (!certificate) { out.type = ProvisioningEvent::Type::failed; out.error = certificate.error(); }
            else { out.type = ProvisioningEvent::Type::accepted; out.certificate = std::move(certificate.value()); }
        }
    } else {
        auto rejection = parse_rejection(json.value());
        if (!rejection) { out.type = ProvisioningEvent::Type::failed; out.error = rejection.error(); }
        else {
            out.type = ProvisioningEvent::Type::rejected;
            out.error = rejection_error(topic.op, rejection.value());
            out.rejection = std::move(rejection.value());
        }
    }
    events_.push(std::move(out));
}

bool ProvisioningClient::on_event(const mqtt::Event& event, std::uint64_t now_ms) {
    bool consumed = false;
    if (event.type == mqtt::Event::Type::message) {
        ParsedTopic topic;
        if (parse_provisioning_topic(event.message.topic, topic) && tracker_.subscribed(request_topic(topic.op, topic.template_name))) {
            consumed = true;
            on_message(event.message, topic);  // before the tracker's tick: an answer at its deadline counts
        }
    }
    if (tracker_.on_event(event, now_ms)) consumed = true;
    return consumed;
}

void ProvisioningClient::on_tick(std::uint64_t now_ms) { tracker_.on_tick(now_ms); }

std::uint64_t ProvisioningClient::next_deadline_ms() const { return tracker_.next_deadline_ms(); }

bool ProvisioningClient::poll_event(ProvisioningEvent& out) { return events_.poll(out); }

bool ProvisioningClient::deliver_events() { return events_.deliver(handler_); }

}  // namespace iotlite::provisioning
