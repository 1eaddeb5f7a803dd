// The device's own key pair and certificate signing request, made on the device with mbedTLS for
// Fleet Provisioning's CreateCertificateFromCsr: the private key never leaves the device, only the
// CSR (public key + subject, signed with the key) is sent. AWS accepts RSA >= 2048 or EC P-256 /
// P-384 keys in a CSR (API reference, CreateCertificateFromCsr); P-256 is the smallest and the
// curve the TLS configuration already has.
//
// mbedTLS needs (firmware/mbedtls/iotlite_mbedtls_config.h): ECP with secp256r1, ECDSA, SHA-256,
// CTR_DRBG, PK_WRITE_C, PEM_WRITE_C, X509_CREATE_C, X509_CSR_WRITE_C.
#pragma once

#include <string>
#include <string_view>

#include "iotlite/firmware/port.hpp"
#include "iotlite/result.hpp"

namespace iotlite::firmware {

struct DeviceKey {
    std::string private_key_pem;  // "EC PRIVATE KEY" (SEC 1) PEM: a secret, never logged
    std::string csr_pem;          // "CERTIFICATE REQUEST" PEM, subject CN=<common name>, SHA-256 / ECDSA

    DeviceKey() = default;
    DeviceKey(DeviceKey&&) = default;
    DeviceKey& operator=(DeviceKey&&) = default;
    DeviceKey(const DeviceKey&) = delete;
    DeviceKey& operator=(const DeviceKey&) = delete;
    ~DeviceKey();  // overwrites the key's bytes
};

// Overwrites a secret's bytes (the compiler may not drop it) and empties it.
void wipe_secret(std::string& secret);

// A new EC P-256 key pair from `random` (through CTR_DRBG) and a CSR for it with subject
// CN=`common_name`. common_name: 1..64 characters (X.509's upper bound for a CN) of
// [a-zA-Z0-9:_.-] (a thing name's characters; nothing that needs escaping in a subject).
// Errors: invalid_argument / limit_exceeded for the name (rule "device_key.common_name"),
// crypto_error with the mbedTLS code (Error::tls_code) when mbedTLS fails.
Result<DeviceKey> generate_device_key(Random& random, std::string_view common_name);

}  // namespace iotlite::firmware
