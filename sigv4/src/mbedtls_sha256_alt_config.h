/* mbedTLS user configuration (MBEDTLS_USER_CONFIG_FILE) for the host build's own copy of
 * library/sha256.c (cmake/mbedtls.cmake): the 64-byte block compression is provided by
 * sigv4/src/sha256_block_x86.cpp (SHA extensions, with a portable fallback), through mbedTLS's
 * documented hook for hardware acceleration. Every public symbol of that copy is renamed to
 * iotlite_mbedtls_* by -D macros, so it never clashes with (or interposes) Debian's libmbedcrypto. */
#define MBEDTLS_SHA256_PROCESS_ALT
/* Not needed in this copy (and it would add a renamed mbedtls_sha256_self_test). */
#undef MBEDTLS_SELF_TEST
