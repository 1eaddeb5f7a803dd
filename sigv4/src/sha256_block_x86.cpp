// SHA-256 compression for mbedTLS's MBEDTLS_SHA256_PROCESS_ALT hook (x86-64 host builds).
// SHA-NI path written from Intel's description of the SHA extensions (SHA256RNDS2, SHA256MSG1,
// SHA256MSG2); portable path from FIPS 180-4 section 6.2.2.
#include "iotlite/sigv4/sha256_block_x86.hpp"

#include <atomic>

#include <cpuid.h>
#include <immintrin.h>

#include <mbedtls/sha256.h>

// The renames come from cmake/mbedtls.cmake. Without them this file would define the same symbol
// as Debian's libmbedcrypto and silently replace the SHA-256 inside the system library.
#if !defined(mbedtls_internal_sha256_process)
#error "build with the iotlite_ symbol renames from cmake/mbedtls.cmake"
#endif

namespace iotlite::sigv4::sha256_x86 {

namespace {

// FIPS 180-4 section 4.2.2: first 32 bits of the fractional parts of the cube roots of the
// first 64 primes.
alignas(16) constexpr std::uint32_t kK[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

inline std::uint32_t rotr(std::uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

inline std::uint32_t load_be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

bool detect_sha_ni() {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
    const bool ssse3 = (ecx & bit_SSSE3) != 0;
    const bool sse41 = (ecx & bit_SSE4_1) != 0;
    if (__get_cpuid_max(0, nullptr) < 7) return false;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    return ssse3 && sse41 && (ebx & bit_SHA) != 0;
}

std::atomic<bool> g_force_portable{false};

// Two rounds: `abef`/`cdgh` hold the working variables as SHA256RNDS2 wants them
// (A,B,E,F and C,D,G,H from the high dword down); `wk` holds W+K of the two rounds in its low
// 64 bits. After two rounds the old A,B,E,F are the new C,D,G,H.
__attribute__((target("sha,sse4.1"))) inline void two_rounds(__m128i& abef, __m128i& cdgh, __m128i wk) {
    const __m128i next = _mm_sha256rnds2_epu32(cdgh, abef, wk);
    cdgh = abef;
    abef = next;
}

}  // namespace

bool cpu_has_sha_ni() {
    static const bool has = detect_sha_ni();
    return has;
}

Backend active_backend() {
    return (cpu_has_sha_ni() && !g_force_portable.load(std::memory_order_relaxed)) ? Backend::sha_ni
                                                                                   : Backend::portable;
}

void force_portable(bool on) { g_force_portable.store(on, std::memory_order_relaxed); }

void compress_portable(std::uint32_t state[8], const std::uint8_t block[64]) {
    std::uint32_t w[64];
    for (int t = 0; t < 16; ++t) w[t] = load_be32(block + 4 * t);
    for (int t = 16; t < 64; ++t) {
        const std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        const std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = s1 + w[t - 7] + s0 + w[t - 16];
    }
    std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    std::uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int t = 0; t < 64; ++t) {
        const std::uint32_t big_s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        const std::uint32_t ch = (e & f) ^ (~e & g);
        const std::uint32_t t1 = h + big_s1 + ch + kK[t] + w[t];
        const std::uint32_t big_s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
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
}

__attribute__((target("sha,sse4.1"))) void compress_sha_ni(std::uint32_t state[8], const std::uint8_t block[64]) {
    // state[0..3] = A,B,C,D and state[4..7] = E,F,G,H (element 0 = lowest dword).
    const __m128i abcd = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state));
    const __m128i efgh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state + 4));
    const __m128i badc = _mm_shuffle_epi32(abcd, 0xB1);  // elements B,A,D,C
    const __m128i hgfe = _mm_shuffle_epi32(efgh, 0x1B);  // elements H,G,F,E
    __m128i abef = _mm_alignr_epi8(badc, hgfe, 8);       // elements F,E,B,A
    __m128i cdgh = _mm_blend_epi16(hgfe, badc, 0xF0);    // elements H,G,D,C
    const __m128i abef_in = abef;
    const __m128i cdgh_in = cdgh;

    // The message words are big-endian: reverse the bytes within each dword.
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i w[4];  // w[g % 4] holds W[4g..4g+3] (element 0 = W[4g])
    for (int i = 0; i < 4; ++i) {
        w[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * i)), bswap);
    }

#pragma GCC unroll 16
    for (int g = 0; g < 16; ++g) {
        if (g >= 4) {
            // W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16] for t = 4g..4g+3:
            // MSG1 gives W[t-16] + s0(W[t-15]); add W[t-7] (dwords 4g-7..4g-4, straddling two
            // registers); MSG2 adds s1(W[t-2]), using the words it has just produced for t+2, t+3.
            const __m128i m16 = w[g % 4];        // W[4g-16..4g-13]
            const __m128i m12 = w[(g + 1) % 4];  // W[4g-12..4g-9]
            const __m128i m8 = w[(g + 2) % 4];   // W[4g-8..4g-5]
            const __m128i m4 = w[(g + 3) % 4];   // W[4g-4..4g-1]
            __m128i x = _mm_sha256msg1_epu32(m16, m12);
            x = _mm_add_epi32(x, _mm_alignr_epi8(m4, m8, 4));  // W[4g-7..4g-4]
            w[g % 4] = _mm_sha256msg2_epu32(x, m4);
        }
        __m128i wk = _mm_add_epi32(w[g % 4], _mm_load_si128(reinterpret_cast<const __m128i*>(kK + 4 * g)));
        two_rounds(abef, cdgh, wk);
        two_rounds(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));  // high two W+K down to the low 64 bits
    }

    abef = _mm_add_epi32(abef, abef_in);
    cdgh = _mm_add_epi32(cdgh, cdgh_in);
    const __m128i abef_up = _mm_shuffle_epi32(abef, 0x1B);  // elements A,B,E,F
    const __m128i ghcd = _mm_shuffle_epi32(cdgh, 0xB1);     // elements G,H,C,D
    _mm_storeu_si128(reinterpret_cast<__m128i*>(state), _mm_blend_epi16(abef_up, ghcd, 0xF0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), _mm_alignr_epi8(ghcd, abef_up, 8));
}

}  // namespace iotlite::sigv4::sha256_x86

// mbedTLS's hook (declared in mbedtls/sha256.h, C linkage; renamed iotlite_mbedtls_* by macros).
int mbedtls_internal_sha256_process(mbedtls_sha256_context* ctx, const unsigned char data[64]) {
    using namespace iotlite::sigv4::sha256_x86;
    if (active_backend() == Backend::sha_ni) {
        compress_sha_ni(ctx->state, data);
    } else {
        compress_portable(ctx->state, data);
    }
    return 0;
}

#if !defined(MBEDTLS_DEPRECATED_REMOVED)
// sha256.c leaves this deprecated wrapper to the provider of the ALT hook.
void mbedtls_sha256_process(mbedtls_sha256_context* ctx, const unsigned char data[64]) {
    mbedtls_internal_sha256_process(ctx, data);
}
#endif
