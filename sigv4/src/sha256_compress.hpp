// The portable SHA-256 block compression (FIPS 180-4 section 6.2.2), shared by the two
// MBEDTLS_SHA256_PROCESS_ALT hooks: the wasm build's block function (sha256.cpp) and the x86
// host's fallback for CPUs without the SHA extensions (sha256_block_x86.cpp).
// A..H stay in locals; the rotate is a macro (clang and GCC turn it into one rotate instruction
// even in -Oz builds that do not inline small functions).
#pragma once

#include <cstdint>

namespace iotlite::sigv4::detail {

// FIPS 180-4 section 4.2.2: first 32 bits of the fractional parts of the cube roots of the
// first 64 primes.
alignas(16) inline constexpr std::uint32_t kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define IOTLITE_SHA256_ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

inline void sha256_compress(std::uint32_t state[8], const unsigned char block[64]) {
    std::uint32_t w[64];
    for (int t = 0; t < 16; ++t) {
        const unsigned char* p = block + 4 * t;
        w[t] = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
    }
    for (int t = 16; t < 64; ++t) {
        const std::uint32_t s0 = IOTLITE_SHA256_ROTR(w[t - 15], 7) ^ IOTLITE_SHA256_ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
        const std::uint32_t s1 = IOTLITE_SHA256_ROTR(w[t - 2], 17) ^ IOTLITE_SHA256_ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = s1 + w[t - 7] + s0 + w[t - 16];
    }
    std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    std::uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int t = 0; t < 64; ++t) {
        const std::uint32_t big_s1 = IOTLITE_SHA256_ROTR(e, 6) ^ IOTLITE_SHA256_ROTR(e, 11) ^ IOTLITE_SHA256_ROTR(e, 25);
        const std::uint32_t ch = g ^ (e & (f ^ g));
        const std::uint32_t t1 = h + big_s1 + ch + kSha256K[t] + w[t];
        const std::uint32_t big_s0 = IOTLITE_SHA256_ROTR(a, 2) ^ IOTLITE_SHA256_ROTR(a, 13) ^ IOTLITE_SHA256_ROTR(a, 22);
        const std::uint32_t maj = (a & b) | (c & (a | b));
        const std::uint32_t t2 = big_s0 + maj;
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
    // The schedule derives from the block, which may hold key material (HMAC pads): wiped as
    // mbedTLS does, with volatile stores (cheaper here than a call to mbedtls_platform_zeroize).
    volatile std::uint32_t* wipe = w;
    for (int t = 0; t < 64; ++t) wipe[t] = 0;
}

#undef IOTLITE_SHA256_ROTR

}  // namespace iotlite::sigv4::detail
