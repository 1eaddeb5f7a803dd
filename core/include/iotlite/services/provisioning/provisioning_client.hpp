// iotlite::provisioning::ProvisioningClient — Fleet Provisioning by claim (the device provisioning
// MQTT API, AWS IoT developer guide fleet-provision-api.html) on an mqtt::Client.
//
// An mqtt::Service on the shared request/response layer (services::RequestTracker), like the
// shadow and Jobs clients: each request subscribes to exactly its /accepted and /rejected topics
// and is published only after the SUBACK, and completes with exactly one event: accepted (the
// parsed certificate or registration), rejected (AWS's statusCode, errorCode, errorMessage;
// Errc::server_error) or failed (timeout, refused subscription, publish failure, client closed).
//
// The API has no clientToken: AWS answers on the connection that asked, on the request's own
// response topics. So one request per request topic may be in flight (a second is refused with
// Errc::invalid_state: two answers on one topic could not be told apart).
//
// The flow: create_keys_and_certificate() (AWS makes the key pair and sends the private key) or
// create_certificate_from_csr() (the key never leaves the device), then register_thing() with the
// answer's ownership token (valid one hour) and the template's parameters; then reconnect with the
// new certificate. Answers carrying a private key are never logged or kept in an error.
//
// JSON only. AWS also serves `cbor` topics; on a device CBOR would save little: the bulk of every
// answer is the certificate PEM (~0.8-1.3 KB of base64 text that CBOR carries as the same string),
// so the saving is the JSON quoting and "\n" escapes (~2-4 % of ~1.5 KB), against a CBOR codec
// (~2-4 KB of .text) next to the JSON parser the shadow and Jobs already link.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "iotlite/mqtt/client.hpp"
#include "iotlite/mqtt/service.hpp"
#include "iotlite/result.hpp"
#include "iotlite/services/provisioning/provisioning.hpp"
#include "iotlite/services/request_tracker.hpp"
#include "iotlite/services/service_events.hpp"

namespace iotlite::provisioning {

struct ProvisioningConfig {
    std::uint32_t request_timeout_ms = 10000;  // from the request call to its answer
};

struct ProvisioningEvent {
    enum class Type : std::uint8_t {
        accepted,  // request_id, op, template_name, certificate (create ops) or registration
        rejected,  // request_id, op, template_name, rejection, error
        failed,    // request_id, op, template_name, error (also an answer that is not what the API sends)
    };
    Type type = Type::failed;
    std::uint32_t request_id = 0;
    Operation op = Operation::create_keys;
    std::string template_name;  // register_thing
    Certificate certificate;
    Registration registration;
    Rejection rejection;
    Error error;
};

class ProvisioningClient final : public mqtt::Service, private services::RequestTracker::Owner {
public:
    using EventHandler = std::function<void(const ProvisioningEvent&)>;

    // Errc::invalid_argument for a zero timeout. `client` must outlive the provisioning client.
    static Result<std::unique_ptr<ProvisioningClient>> create(mqtt::Client& client, ProvisioningConfig config = {});

    // Each returns the request id echoed by the completing event. Errors now: the rule broken
    // (invalid_argument / limit_exceeded), invalid_state (a request on that topic is in flight),
    // or the engine's error.
    Result<std::uint32_t> create_keys_and_certificate(std::uint64_t now_ms);
    Result<std::uint32_t> create_certificate_from_csr(std::string_view csr_pem, std::uint64_t now_ms);
    Result<std::uint32_t> register_thing(std::string_view template_name, std::string_view ownership_token,
                                         const Parameters& parameters, std::uint64_t now_ms);

    // mqtt::Service
    bool on_event(const mqtt::Event& event, std::uint64_t now_ms) override;
    void on_tick(std::uint64_t now_ms) override;
    std::uint64_t next_deadline_ms() const override;
    bool deliver_events() override;

    void set_event_handler(EventHandler handler) { handler_ = std::move(handler); }
    bool poll_event(ProvisioningEvent& out);
    std::size_t in_flight() const { return tracker_.in_flight(); }

    ProvisioningClient(const ProvisioningClient&) = delete;
    ProvisioningClient& operator=(const ProvisioningClient&) = delete;

private:
    ProvisioningClient(mqtt::Client& client, ProvisioningConfig config);
    Result<std::uint32_t> start(Operation op, std::string_view template_name, std::string payload, std::uint64_t now_ms);
    void on_message(const mqtt::Message& message, const ParsedTopic& topic);
    void request_failed(services::TrackedRequest&& request, Error error) override;
    void subscription_done(const std::string& key, bool granted, const Error& error) override;

    ProvisioningConfig config_;
    services::RequestTracker tracker_;
    services::ServiceEvents<ProvisioningEvent> events_;
    EventHandler handler_;
};

}  // namespace iotlite::provisioning
