#include "provisioning_flow.hpp"
#include "iotlite/services/request_tracker.hpp"

namespace iotlite::cli {

namespace pv = provisioning;

Result<std::unique_ptr<ProvisioningFlow>> ProvisioningFlow::create(mqtt::Client& client, ProvisioningRequest request,
                                                                   std::function<std::uint64_t()> now,
                                                                   pv::ProvisioningConfig config) {
    if (Result<void> valid = pv::validate_template_name(request.template_name); !valid.ok()) return valid.error();
    // The token is checked when it exists; "-" stands for it here.
    if (Result<void> valid = pv::validate_register_input("-", request.parameters); !valid.ok()) return valid.error();
    Result<std::unique_ptr<pv::ProvisioningClient>> made = pv::ProvisioningClient::create(client, config);
    if (!made.ok()) return made.error();
    std::unique_ptr<ProvisioningFlow> flow(new ProvisioningFlow(std::move(request), std::move(made).value(), std::move(now)));
    ProvisioningFlow* self = flow.get();
    flow->client_->set_event_handler([self](const pv::ProvisioningEvent& e) { self->on_event(e); });
    return flow;
}

ProvisioningFlow::ProvisioningFlow(ProvisioningRequest request, std::unique_ptr<pv::ProvisioningClient> client,
                                   std::function<std::uint64_t()> now)
    : request_(std::move(request)), client_(std::move(client)), now_(std::move(now)) {}

Result<void> ProvisioningFlow::start() {
    if (state_ != State::idle) return make_error(Errc::invalid_state, "provisioning: already started");
    const bool csr = !request_.key.csr_pem.empty();
    op_ = csr ? pv::Operation::create_from_csr : pv::Operation::create_keys;
    Result<std::uint32_t> sent = csr ? client_->create_certificate_from_csr(request_.key.csr_pem, now_())
                                     : client_->create_keys_and_certificate(now_());
    if (!sent.ok()) {
        fail(sent.error());
        return sent.error();
    }
    request_id_ = sent.value();
    state_ = State::creating;
    return {};
}

void ProvisioningFlow::fail(Error error) {
    error_ = std::move(error);
    state_ = State::failed;
}

void ProvisioningFlow::on_event(const pv::ProvisioningEvent& e) {
    if (e.request_id != request_id_ || finished()) return;
    if (e.type != pv::ProvisioningEvent::Type::accepted) {
        rejected_ = e.type == pv::ProvisioningEvent::Type::rejected;
        rejection_ = e.rejection;
        fail(e.error);
        return;
    }
    if (state_ == State::creating) {
        identity_.certificate_id = e.certificate.certificate_id;
        identity_.certificate_pem = e.certificate.certificate_pem;
        // CreateKeysAndCertificate: AWS's key; else the one made here.
        identity_.private_key_pem = request_.key.csr_pem.empty() ? e.certificate.private_key : std::move(request_.key.private_key_pem);
        op_ = pv::Operation::register_thing;
        Result<std::uint32_t> sent =
            client_->register_thing(request_.template_name, e.certificate.ownership_token, request_.parameters, now_());
        if (!sent.ok()) return fail(sent.error());
        request_id_ = sent.value();
        state_ = State::registering;
        return;
    }
    if (e.registration.thing_name.empty()) {
        return fail(make_error(Errc::protocol_error, "the template created no thing; nothing to connect as"));
    }
    identity_.thing_name = e.registration.thing_name;
    identity_.template_name = request_.template_name;
    identity_.device_configuration = e.registration.device_configuration;
    state_ = State::done;
}

std::string ProvisioningFlow::failure(const std::function<std::string(const Error&)>& explain) const {
    const std::string op = operation();
    if (rejected_) {
        return op + " rejected: " + std::to_string(rejection_.status_code) + " " + services::one_line(rejection_.error_code) +
               (rejection_.error_message.empty() ? "" : ": " + services::one_line(rejection_.error_message));
    }
    return op + " failed: " + (explain ? explain(error_) : error_.message);
}

}  // namespace iotlite::cli
