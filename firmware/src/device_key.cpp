#include "iotlite/firmware/device_key.hpp"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_csr.h>

#include <cstring>

#include "mbedtls_error.hpp"

namespace iotlite::firmware {
namespace {

constexpr std::size_t kMaxCommonName = 64;  // X.509 ub-common-name (RFC 5280, appendix A)
constexpr std::size_t kPemBuffer = 1024;    // an EC P-256 key PEM is ~230 bytes, its CSR ~500

int entropy_from_port(void* ctx, unsigned char* out, size_t size) {
    auto* random = static_cast<Random*>(ctx);
    return random->fill(out, size).ok() ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

bool cn_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '_' || c == '.' ||
           c == '-';
}

Error crypto_failure([[maybe_unused]] const char* step, int rc) {
    return make_error(Errc::crypto_error, IOTLITE_TEXT(std::string("device key: ") + step + " failed: " + mbedtls_error_text(rc)))
        .with_tls(rc);
}

// The mbedTLS objects, freed (and the key's memory cleared by mbedtls_pk_free) on every path.
struct Mbed {
    mbedtls_ctr_drbg_context drbg;
    mbedtls_pk_context key;
    mbedtls_x509write_csr csr;
    Mbed() {
        mbedtls_ctr_drbg_init(&drbg);
        mbedtls_pk_init(&key);
        mbedtls_x509write_csr_init(&csr);
    }
    ~Mbed() {
        mbedtls_x509write_csr_free(&csr);
        mbedtls_pk_free(&key);
        mbedtls_ctr_drbg_free(&drbg);
    }
    Mbed(const Mbed&) = delete;
    Mbed& operator=(const Mbed&) = delete;
};

}  // namespace

void wipe_secret(std::string& secret) {
    volatile char* p = secret.data();
    for (std::size_t i = 0; i < secret.size(); ++i) p[i] = 0;
    secret.clear();
}

DeviceKey::~DeviceKey() { wipe_secret(private_key_pem); }

Result<DeviceKey> generate_device_key(Random& random, std::string_view common_name) {
    if (common_name.empty()) return make_error(Errc::invalid_argument, IOTLITE_TEXT("device key: the CSR's common name is empty"));
    if (common_name.size() > kMaxCommonName)
        return make_error(Errc::limit_exceeded, IOTLITE_TEXT("device key: the common name has " + std::to_string(common_name.size()) +
                                                             " characters; X.509 allows 64"))
            .with_rule("device_key.common_name", kMaxCommonName, static_cast<std::uint32_t>(common_name.size()));
    for (std::size_t i = 0; i < common_name.size(); ++i) {
        if (!cn_char(common_name[i]))
            return make_error(Errc::invalid_argument, IOTLITE_TEXT("device key: the common name has a character outside "
                                                                   "[a-zA-Z0-9:_.-] at offset " + std::to_string(i)));
    }

    Mbed m;
    static const unsigned char personalization[] = "iotlite-device-key";
    int rc = mbedtls_ctr_drbg_seed(&m.drbg, entropy_from_port, &random, personalization, sizeof personalization - 1);
    if (rc != 0) return crypto_failure("seeding CTR_DRBG from the port's Random", rc);
    rc = mbedtls_pk_setup(&m.key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (rc != 0) return crypto_failure("pk setup", rc);
    rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(m.key), mbedtls_ctr_drbg_random, &m.drbg);
    if (rc != 0) return crypto_failure("generating the P-256 key", rc);

    const std::string subject = "CN=" + std::string(common_name);
    mbedtls_x509write_csr_set_md_alg(&m.csr, MBEDTLS_MD_SHA256);
    mbedtls_x509write_csr_set_key(&m.csr, &m.key);
    rc = mbedtls_x509write_csr_set_subject_name(&m.csr, subject.c_str());
    if (rc != 0) return crypto_failure("setting the subject", rc);

    DeviceKey out;
    unsigned char buf[kPemBuffer];
    rc = mbedtls_x509write_csr_pem(&m.csr, buf, sizeof buf, mbedtls_ctr_drbg_random, &m.drbg);
    if (rc != 0) return crypto_failure("writing the CSR", rc);
    out.csr_pem.assign(reinterpret_cast<const char*>(buf));
    rc = mbedtls_pk_write_key_pem(&m.key, buf, sizeof buf);
    if (rc == 0) out.private_key_pem.assign(reinterpret_cast<const char*>(buf));
    volatile unsigned char* p = buf;  // the key's PEM: cleared before the stack frame is reused
    for (std::size_t i = 0; i < sizeof buf; ++i) p[i] = 0;
    if (rc != 0) return crypto_failure("writing the private key", rc);
    return out;
}

}  // namespace iotlite::firmware
