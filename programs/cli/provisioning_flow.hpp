// Fleet Provisioning by claim as one flow, shared by `iotlite provision` (cmd_provision.cpp) and
// the example device's first boot (programs/device): on a connection made with the claim
// certificate, CreateKeysAndCertificate (or CreateCertificateFromCsr with a key made on this
// machine, which never leaves it), then RegisterThing with the template's parameters and the
// ownership token; the result is a firmware::DeviceIdentity ready for save_identity (AWS IoT
// developer guide, "Device provisioning MQTT API", fleet-provision-api.html).
// Sans-I/O like the services it drives: the caller owns the connection, attaches client() to it,
// calls start() once connected and polls until finished().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "iotlite/firmware/device_identity.hpp"
#include "iotlite/firmware/device_key.hpp"
#include "iotlite/mqtt/client.hpp"
#include "iotlite/result.hpp"
#include "iotlite/services/provisioning/provisioning_client.hpp"

namespace iotlite::cli {

struct ProvisioningRequest {
    std::string template_name;
    provisioning::Parameters parameters;
    // A key made here (generate_device_key): CreateCertificateFromCsr sends its CSR. Empty:
    // CreateKeysAndCertificate, AWS makes the key pair.
    firmware::DeviceKey key;
};

class ProvisioningFlow {
public:
    // Checks the template name and the parameters (before anything is sent).
    // Errors: provisioning::validate_template_name's, validate_register_input's, the client's.
    // `now` reads the connection's clock (RegisterThing is sent from the answer's handler).
    static Result<std::unique_ptr<ProvisioningFlow>> create(mqtt::Client& client, ProvisioningRequest request,
                                                            std::function<std::uint64_t()> now,
                                                            provisioning::ProvisioningConfig config = {});

    // The service to attach to the connection before it connects.
    provisioning::ProvisioningClient& client() { return *client_; }
    // Sends the certificate request (call it once connected). Errors: the client's.
    Result<void> start();

    bool finished() const { return state_ == State::done || state_ == State::failed; }
    bool succeeded() const { return state_ == State::done; }
    // After success: the thing, its certificate and key (a secret), the template's configuration.
    firmware::DeviceIdentity& identity() { return identity_; }
    // After a failure, one line: "RegisterThing rejected: 404 ResourceNotFound: <AWS's message>"
    // (AWS's statusCode, errorCode, errorMessage) or "<operation> failed: <explain(error)>".
    std::string failure(const std::function<std::string(const Error&)>& explain) const;
    // The operation in progress or the one that failed ("CreateCertificateFromCsr", ...).
    const char* operation() const { return provisioning::operation_name(op_); }

    ProvisioningFlow(const ProvisioningFlow&) = delete;
    ProvisioningFlow& operator=(const ProvisioningFlow&) = delete;

private:
    enum class State : std::uint8_t { idle, creating, registering, done, failed };
    ProvisioningFlow(ProvisioningRequest request, std::unique_ptr<provisioning::ProvisioningClient> client,
                     std::function<std::uint64_t()> now);
    void on_event(const provisioning::ProvisioningEvent& event);
    void fail(Error error);

    ProvisioningRequest request_;
    std::unique_ptr<provisioning::ProvisioningClient> client_;
    State state_ = State::idle;
    provisioning::Operation op_ = provisioning::Operation::create_keys;
    std::uint32_t request_id_ = 0;
    std::function<std::uint64_t()> now_;
    firmware::DeviceIdentity identity_;
    bool rejected_ = false;
    provisioning::Rejection rejection_;
    Error error_;
};

}  // namespace iotlite::cli
