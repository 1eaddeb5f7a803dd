// The identity Fleet Provisioning gives a device, kept in the port's Storage across boots: first
// boot provisions with the claim certificate and saves it; later boots load it and connect as the
// thing. Items: "private.key" (secret), "certificate.pem", "thing.json" ({"thingName",
// "certificateId", "template", "deviceConfiguration"}). thing.json is written last: an identity
// whose save was cut short has none and counts as absent (the device provisions again).
#pragma once

#include <optional>
#include <string>

#include "iotlite/firmware/storage.hpp"
#include "iotlite/result.hpp"
#include "iotlite/services/shadow/document.hpp"

namespace iotlite::firmware {

struct DeviceIdentity {
    std::string thing_name;
    std::string certificate_id;
    std::string template_name;
    std::string certificate_pem;
    std::string private_key_pem;  // a secret, never logged
    shadow::Json device_configuration = shadow::Json::object();

    DeviceIdentity() = default;
    DeviceIdentity(DeviceIdentity&&) = default;
    DeviceIdentity& operator=(DeviceIdentity&&) = default;
    DeviceIdentity(const DeviceIdentity&) = delete;
    DeviceIdentity& operator=(const DeviceIdentity&) = delete;
    ~DeviceIdentity();  // overwrites the key's bytes

    // thing.json's text (compact JSON, no secret).
    std::string thing_json() const;
};

// Writes the key, the certificate, then thing.json. Errors: the storage's; invalid_argument when
// the thing name, certificate or key is empty.
Result<void> save_identity(Storage& storage, const DeviceIdentity& identity);
// The saved identity; nullopt when there is none (no thing.json: first boot, or a cut save).
// Errors: the storage's, protocol_error when thing.json is not what save_identity writes or the
// certificate or key is missing next to it.
Result<std::optional<DeviceIdentity>> load_identity(Storage& storage);

}  // namespace iotlite::firmware
