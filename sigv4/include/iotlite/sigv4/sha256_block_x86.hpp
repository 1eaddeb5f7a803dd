// SHA-256 block compression for x86-64 hosts, plugged into mbedTLS through
// MBEDTLS_SHA256_PROCESS_ALT (see cmake/mbedtls.cmake). Only built on x86-64 host builds, where
// the compile definition IOTLITE_SHA256_X86_ALT is set on iotlite_sigv4 (privately) and on the
// sigv4 test suite, the two places that call it; users of the package do not see it.
//
// mbedtls_internal_sha256_process() dispatches at run time: the SHA extensions (SHA-NI) when the
// CPU has them (CPUID leaf 7 EBX bit 29, plus SSSE3 and SSE4.1), otherwise a portable
// FIPS 180-4 compression.
#pragma once

#include <cstdint>

namespace iotlite::sigv4::sha256_x86 {

enum class Backend { sha_ni, portable };

// True when the CPU has the SHA extensions (and SSSE3 + SSE4.1, which the SHA-NI path also uses).
bool cpu_has_sha_ni();

// The compression mbedTLS's SHA-256 uses right now.
Backend active_backend();

// Test-only switch: when on, mbedTLS's SHA-256 uses the portable compression even on a CPU with
// SHA-NI, so that tests can check both paths in one process.
void force_portable(bool on);

// One 64-byte block into `state` (A..H, host-order words), FIPS 180-4 section 6.2.2.
void compress_portable(std::uint32_t state[8], const std::uint8_t block[64]);
// Same with the SHA extensions. Precondition: cpu_has_sha_ni().
void compress_sha_ni(std::uint32_t state[8], const std::uint8_t block[64]);

}  // namespace iotlite::sigv4::sha256_x86
