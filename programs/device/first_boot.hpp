// The example device's first boot (issue 15, item 3): the identity Fleet Provisioning gave this
// device, kept in a directory across boots. Later boots load it and connect as the thing; the
// first boot (no identity, or one that does not read back whole) connects with the claim
// certificate, makes an EC P-256 key and CSR here (the key never leaves the device), runs
// CreateCertificateFromCsr + RegisterThing (cli::ProvisioningFlow, the flow of `iotlite
// provision`), saves the identity (firmware::save_identity) and hands it back.
// AWS IoT developer guide: "Provisioning devices that don't have device certificates using fleet
// provisioning" (provision-wo-cert.html), "Device provisioning MQTT API" (fleet-provision-api.html).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "iotlite/firmware/device_identity.hpp"
#include "iotlite/firmware/port.hpp"
#include "iotlite/firmware/session.hpp"
#include "iotlite/services/provisioning/provisioning.hpp"

namespace iotlite::firmware::device {

struct FirstBootOptions {
    std::string identity_dir;            // created 0700 when missing
    std::string template_name;           // the provisioning template
    provisioning::Parameters parameters; // its parameters
    std::string common_name;             // the CSR's subject CN (AWS policies read it as the thing name)
    std::uint32_t timeout_ms = 15000;    // the claim connection, and each request
};

// Opens (does not start) a session authenticated with the claim certificate. Called only when the
// device has to provision: a stored identity never reads the claim files.
using ClaimSessionFactory = std::function<Result<std::unique_ptr<Session>>()>;

// The stored identity, or a new one provisioned by claim and saved. `stop` is polled while
// provisioning (a signal). Prints what it does on stdout (never a key).
// Errors: the storage's, the claim session's, "provisioning: CreateCertificateFromCsr rejected:
// 400 InvalidCertificateSigningRequest: <AWS's message>" (server_error, AWS's fields), timeout.
Result<DeviceIdentity> load_or_provision(const FirstBootOptions& options, Random& random,
                                         const ClaimSessionFactory& claim_session, const std::function<bool()>& stop);

}  // namespace iotlite::firmware::device
