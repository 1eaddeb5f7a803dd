#include "iotlite/sigv4/sha256.hpp"

#include <mbedtls/version.h>

// mbedTLS 2.x names the int-returning functions *_ret; 3.x dropped the suffix.
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define IOTLITE_SHA256_STARTS mbedtls_sha256_starts
#define IOTLITE_SHA256_UPDATE mbedtls_sha256_update
#define IOTLITE_SHA256_FINISH mbedtls_sha256_finish
#else
#define IOTLITE_SHA256_STARTS mbedtls_sha256_starts_ret
#define IOTLITE_SHA256_UPDATE mbedtls_sha256_update_ret
#define IOTLITE_SHA256_FINISH mbedtls_sha256_finish_ret
#endif

#if defined(__EMSCRIPTEN__) && defined(MBEDTLS_SHA256_PROCESS_ALT)
#include "sha256_compress.hpp"

// The wasm build's block compression, plugged into mbedTLS through its documented hook
// MBEDTLS_SHA256_PROCESS_ALT (set by wasm/CMakeLists.txt; the host's hook is sha256_block_x86.cpp).
// Under V8 about 1.5x the speed of mbedTLS's MBEDTLS_SHA256_SMALLER loop (which keeps A..H in an
// array in linear memory and wipes through a memset call per block), at about its size. An
// 8-round unrolled loop is ~6 % faster per block but ~310 bytes gz larger.
int mbedtls_internal_sha256_process(mbedtls_sha256_context* ctx, const unsigned char data[64]) {
    iotlite::sigv4::detail::sha256_compress(ctx->state, data);
    return 0;
}
#endif

namespace iotlite::sigv4 {

Sha256::Sha256() {
    mbedtls_sha256_init(&ctx_);
    failed_ = IOTLITE_SHA256_STARTS(&ctx_, 0) != 0;
}

Sha256::~Sha256() { mbedtls_sha256_free(&ctx_); }

Sha256::Sha256(const Sha256& other) : failed_(other.failed_) {
    mbedtls_sha256_init(&ctx_);
    mbedtls_sha256_clone(&ctx_, &other.ctx_);
}

Sha256& Sha256::operator=(const Sha256& other) {
    if (this != &other) {
        mbedtls_sha256_clone(&ctx_, &other.ctx_);
        failed_ = other.failed_;
    }
    return *this;
}

void Sha256::update(const void* data, std::size_t size) {
    if (size == 0 || failed_) return;
    failed_ = IOTLITE_SHA256_UPDATE(&ctx_, static_cast<const unsigned char*>(data), size) != 0;
}

bool Sha256::finish_into(Digest& out) {
    if (!failed_) failed_ = IOTLITE_SHA256_FINISH(&ctx_, out.data()) != 0;
    return !failed_;
}

Result<Digest> Sha256::finish() {
    Digest out{};
    if (!finish_into(out)) return make_error(Errc::crypto_error, "SHA-256 failed in the mbedTLS backend");
    return out;
}

void Sha256::reset() { failed_ = IOTLITE_SHA256_STARTS(&ctx_, 0) != 0; }

Result<Digest> sha256(std::string_view data) {
    Sha256 hash;
    hash.update(data);
    return hash.finish();
}

}  // namespace iotlite::sigv4
