#include "iotlite/firmware/tls_context.hpp"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "mbedtls_error.hpp"

namespace iotlite::firmware {

struct TlsContext::Impl {
    TlsSettings settings;
    Random* random = nullptr;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_x509_crt own_cert;
    mbedtls_pk_context key;
    mbedtls_ctr_drbg_context drbg;
    const char* alpn_list[2] = {nullptr, nullptr};

    Impl() {
        mbedtls_ssl_config_init(&conf);
        mbedtls_x509_crt_init(&ca);
        mbedtls_x509_crt_init(&own_cert);
        mbedtls_pk_init(&key);
        mbedtls_ctr_drbg_init(&drbg);
    }
    ~Impl() {
        mbedtls_ssl_config_free(&conf);
        mbedtls_x509_crt_free(&ca);
        mbedtls_x509_crt_free(&own_cert);
        mbedtls_pk_free(&key);
        mbedtls_ctr_drbg_free(&drbg);
    }
};

namespace {

int entropy_from_port(void* ctx, unsigned char* out, size_t size) {
    auto* random = static_cast<Random*>(ctx);
    return random->fill(out, size).ok() ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

unsigned char mfl_code(std::uint16_t len) {
    switch (len) {
        case 512: return MBEDTLS_SSL_MAX_FRAG_LEN_512;
        case 1024: return MBEDTLS_SSL_MAX_FRAG_LEN_1024;
        case 2048: return MBEDTLS_SSL_MAX_FRAG_LEN_2048;
        case 4096: return MBEDTLS_SSL_MAX_FRAG_LEN_4096;
        default: return MBEDTLS_SSL_MAX_FRAG_LEN_NONE;
    }
}

}  // namespace

TlsContext::TlsContext() : impl_(new Impl) {}
TlsContext::~TlsContext() = default;

const TlsSettings& TlsContext::settings() const { return impl_->settings; }
const void* TlsContext::ssl_config() const { return &impl_->conf; }

Result<std::shared_ptr<TlsContext>> TlsContext::create(const TlsSettings& settings, Random& random) {
    if (settings.ca_pem.empty()) return make_error(Errc::invalid_argument, IOTLITE_TEXT("TLS needs a CA certificate (PEM) to verify the server"));
    if (settings.cert_pem.empty() != settings.key_pem.empty())
        return make_error(Errc::invalid_argument, IOTLITE_TEXT("a client certificate and its private key must be given together"));
    if (settings.max_fragment_len != 0 && mfl_code(settings.max_fragment_len) == MBEDTLS_SSL_MAX_FRAG_LEN_NONE)
        return make_error(Errc::invalid_argument, IOTLITE_TEXT("max_fragment_len must be 0, 512, 1024, 2048 or 4096 (RFC 6066)"));
    if (settings.alpn.size() > 255) return make_error(Errc::invalid_argument, IOTLITE_TEXT("an ALPN protocol name is at most 255 bytes"));

    std::shared_ptr<TlsContext> ctx(new TlsContext);
    Impl& im = *ctx->impl_;
    im.settings = settings;
    im.random = &random;

    // PEM parsers want the terminating NUL counted in the length.
    int rc = mbedtls_x509_crt_parse(&im.ca, reinterpret_cast<const unsigned char*>(im.settings.ca_pem.c_str()),
                                    im.settings.ca_pem.size() + 1);
    if (rc != 0) return make_error(Errc::invalid_argument, IOTLITE_TEXT("CA certificate does not parse: " + mbedtls_error_text(rc)));
    if (!settings.cert_pem.empty()) {
        rc = mbedtls_x509_crt_parse(&im.own_cert, reinterpret_cast<const unsigned char*>(im.settings.cert_pem.c_str()),
                                    im.settings.cert_pem.size() + 1);
        if (rc != 0) return make_error(Errc::invalid_argument, IOTLITE_TEXT("client certificate does not parse: " + mbedtls_error_text(rc)));
        rc = mbedtls_pk_parse_key(&im.key, reinterpret_cast<const unsigned char*>(im.settings.key_pem.c_str()),
                                  im.settings.key_pem.size() + 1, nullptr, 0);
        if (rc != 0) return make_error(Errc::invalid_argument, IOTLITE_TEXT("client private key does not parse: " + mbedtls_error_text(rc)));
    }
    static const unsigned char personalization[] = "iotlite-firmware";
    rc = mbedtls_ctr_drbg_seed(&im.drbg, entropy_from_port, &random, personalization, sizeof personalization - 1);
    if (rc != 0) return make_error(Errc::crypto_error, IOTLITE_TEXT("seeding the TLS random generator failed: " + mbedtls_error_text(rc)));

    rc = mbedtls_ssl_config_defaults(&im.conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) return make_error(Errc::crypto_error, IOTLITE_TEXT("mbedtls_ssl_config_defaults failed: " + mbedtls_error_text(rc)));
    mbedtls_ssl_conf_authmode(&im.conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&im.conf, &im.ca, nullptr);
    mbedtls_ssl_conf_rng(&im.conf, mbedtls_ctr_drbg_random, &im.drbg);
    // TLS 1.2 only (AWS IoT Core requires >= 1.2; 2.28 has no 1.3 client worth using).
    mbedtls_ssl_conf_min_version(&im.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    if (!settings.cert_pem.empty()) {
        rc = mbedtls_ssl_conf_own_cert(&im.conf, &im.own_cert, &im.key);
        if (rc != 0) return make_error(Errc::invalid_argument, IOTLITE_TEXT("client certificate and key do not fit: " + mbedtls_error_text(rc)));
    }
    if (!settings.alpn.empty()) {
        im.alpn_list[0] = im.settings.alpn.c_str();
        rc = mbedtls_ssl_conf_alpn_protocols(&im.conf, im.alpn_list);
        if (rc != 0) return make_error(Errc::invalid_argument, IOTLITE_TEXT("ALPN protocol rejected by mbedTLS: " + mbedtls_error_text(rc)));
    }
    // The parsed forms are all that is needed from here on: drop the PEM text (heap, and the
    // private key's text should not linger).
    mbedtls_platform_zeroize(&im.settings.key_pem[0], im.settings.key_pem.size());
    std::string().swap(im.settings.key_pem);
    std::string().swap(im.settings.cert_pem);
    std::string().swap(im.settings.ca_pem);
    if (settings.max_fragment_len != 0) {
        rc = mbedtls_ssl_conf_max_frag_len(&im.conf, mfl_code(settings.max_fragment_len));
        if (rc != 0) return make_error(Errc::invalid_argument, IOTLITE_TEXT("max_fragment_len rejected: " + mbedtls_error_text(rc)));
    }
    return ctx;
}

}  // namespace iotlite::firmware
