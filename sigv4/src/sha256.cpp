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
#include <cstdint>

// The wasm build's block compression, plugged into mbedTLS through its documented hook
// MBEDTLS_SHA256_PROCESS_ALT (set by wasm/CMakeLists.txt; the host's hook is sha256_block_x86.cpp).
// FIPS 180-4 section 6.2.2, A..H in locals and wasm's native rotate: under V8 about 1.5x the speed
// of mbedTLS's MBEDTLS_SHA256_SMALLER loop (which keeps A..H in an array in linear memory and wipes
// through a memset call per block), at about its size. An 8-round unrolled loop is ~6 % faster
// per block but ~310 bytes gz larger. -Oz builds pass -fno-inline-functions: the rotate is a macro.
namespace {

constexpr std::uint32_t kK[64] = {  // cube roots of the first 64 primes (FIPS 180-4 4.2.2)
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

}  // namespace

#define IOTLITE_ROTR(x, n) __builtin_rotateright32((x), (n))
int mbedtls_internal_sha256_process(mbedtls_sha256_context* ctx, const unsigned char data[64]) {
    std::uint32_t w[64];
    for (int t = 0; t < 16; ++t) {
        const unsigned char* p = data + 4 * t;
        w[t] = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
    }
    for (int t = 16; t < 64; ++t) {
        const std::uint32_t s0 = IOTLITE_ROTR(w[t - 15], 7) ^ IOTLITE_ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
        const std::uint32_t s1 = IOTLITE_ROTR(w[t - 2], 17) ^ IOTLITE_ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = s1 + w[t - 7] + s0 + w[t - 16];
    }
    std::uint32_t* s = ctx->state;
    std::uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (int t = 0; t < 64; ++t) {
        const std::uint32_t t1 =
            h + (IOTLITE_ROTR(e, 6) ^ IOTLITE_ROTR(e, 11) ^ IOTLITE_ROTR(e, 25)) + (g ^ (e & (f ^ g))) + kK[t] + w[t];
        const std::uint32_t t2 = (IOTLITE_ROTR(a, 2) ^ IOTLITE_ROTR(a, 13) ^ IOTLITE_ROTR(a, 22)) + ((a & b) | (c & (a | b)));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    s[0] += a;
    s[1] += b;
    s[2] += c;
    s[3] += d;
    s[4] += e;
    s[5] += f;
    s[6] += g;
    s[7] += h;
    // The schedule derives from the block, which may hold key material (HMAC pads): wiped as
    // mbedTLS does, with volatile stores (a call to mbedtls_platform_zeroize's memset costs more
    // than the wipe itself here).
    volatile std::uint32_t* wipe = w;
    for (int t = 0; t < 64; ++t) wipe[t] = 0;
    return 0;
}

#undef IOTLITE_ROTR
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
