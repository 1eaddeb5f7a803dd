// AWS IoT Fleet Provisioning by claim over MQTT, the device side: topics, limits and documents of
// the device provisioning MQTT API (AWS IoT developer guide, "Device provisioning MQTT API",
// fleet-provision-api.html; field limits from the AWS IoT API reference: CreateCertificateFromCsr,
// CreateProvisioningTemplate, Certificate).
//
// Topics (JSON payload format only; see the note on CBOR in provisioning_client.hpp):
//   CreateKeysAndCertificate   $aws/certificates/create/json                       [/accepted|/rejected]
//   CreateCertificateFromCsr   $aws/certificates/create-from-csr/json              [/accepted|/rejected]
//   RegisterThing              $aws/provisioning-templates/{template}/provision/json [/accepted|/rejected]
// Requests carry no clientToken: AWS answers on the connection that asked (the guide), so a client
// correlates by topic and keeps at most one request per topic in flight.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "iotlite/result.hpp"
#include "iotlite/services/shadow/document.hpp"

namespace iotlite::provisioning {

using Json = shadow::Json;

namespace limits {
// templateName: 1..36 of [0-9A-Za-z_-] (API reference, CreateProvisioningTemplate).
inline constexpr std::size_t max_template_name_bytes = 36;
// certificateSigningRequest: 1..4096 (API reference, CreateCertificateFromCsr).
inline constexpr std::size_t max_csr_bytes = 4096;
// certificatePem: 1..65536 (API reference, Certificate / CertificateDescription).
inline constexpr std::size_t max_certificate_pem_bytes = 65536;
// certificateId: 64 hexadecimal characters (API reference, Certificate: length 64).
inline constexpr std::size_t certificate_id_chars = 64;
// Ours, AWS states none: an RSA-4096 private key in PEM is ~3.3 KB, AWS's ownership tokens are
// a few hundred bytes; larger answers are refused rather than stored.
inline constexpr std::size_t max_private_key_bytes = 8192;
inline constexpr std::size_t max_ownership_token_bytes = 8192;
// Ours: template parameters sent with RegisterThing (the 128 KB payload limit bounds them anyway).
inline constexpr std::size_t max_parameters = 50;
inline constexpr std::size_t max_parameter_bytes = 2048;  // key or value
}  // namespace limits

enum class Operation : std::uint8_t { create_keys, create_from_csr, register_thing };
// "CreateKeysAndCertificate", "CreateCertificateFromCsr", "RegisterThing"
const char* operation_name(Operation op);

using Parameters = std::map<std::string, std::string>;

// 1..36 bytes of [0-9A-Za-z_-].
Result<void> validate_template_name(std::string_view name);
// A PEM "CERTIFICATE REQUEST" of 1..4096 bytes.
Result<void> validate_csr(std::string_view csr_pem);
// The ownership token (1..8192 bytes) and parameters (<= 50, keys 1..2048 bytes, values <= 2048).
Result<void> validate_register_input(std::string_view ownership_token, const Parameters& parameters);

// The request topic of `op` (`template_name` only for register_thing).
std::string request_topic(Operation op, std::string_view template_name);

// An answer topic of this API.
struct ParsedTopic {
    Operation op = Operation::create_keys;
    std::string template_name;  // register_thing
    bool accepted = false;      // else rejected
};
bool parse_provisioning_topic(std::string_view topic, ParsedTopic& out);

// CreateKeysAndCertificate / CreateCertificateFromCsr accepted. private_key only for
// CreateKeysAndCertificate: a secret, never logged.
struct Certificate {
    std::string certificate_id;
    std::string certificate_pem;
    std::string private_key;
    std::string ownership_token;
};

// RegisterThing accepted.
struct Registration {
    std::string thing_name;      // empty when the template creates no thing
    Json device_configuration;   // the template's DeviceConfiguration (an object; empty when absent)
};

// /rejected: {statusCode, errorCode, errorMessage}.
struct Rejection {
    std::int64_t status_code = 0;
    std::string error_code;
    std::string error_message;
};

// Errc::protocol_error naming the field (never its value: a private key may be there) when the
// document is not what the API sends or breaks a bound above.
Result<Certificate> parse_certificate(Operation op, const Json& payload);
Result<Registration> parse_registration(const Json& payload);
Result<Rejection> parse_rejection(const Json& payload);

}  // namespace iotlite::provisioning
