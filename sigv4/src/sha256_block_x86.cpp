// SHA-256 compression for mbedTLS's MBEDTLS_SHA256_PROCESS_ALT hook (x86-64 host builds).
// SHA-NI path written from Intel's description of the SHA extensions (SHA256RNDS2, SHA256MSG1,
// SHA256MSG2); portable path from FIPS 180-4 section 6.2.2.
#include "iotlite/sigv4/sha256_block_x86.hpp"

#include "sha256_compress.hpp"

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

using detail::kSha256K;

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

void compress_portable(std::uint32_t state[8], const std::uint8_t block[64]) { detail::sha256_compress(state, block); }

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
        __m128i wk = _mm_add_epi32(w[g % 4], _mm_load_si128(reinterpret_cast<const __m128i*>(kSha256K + 4 * g)));
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
