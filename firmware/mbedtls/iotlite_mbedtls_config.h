/*
 * The minimal mbedTLS 2.28 configuration for an iotlite device (docs/firmware.md, "Porting
 * guide"). A complete configuration: compile mbedTLS *and* iotlite with
 *     -DMBEDTLS_CONFIG_FILE='"iotlite_mbedtls_config.h"'   (this directory on the include path)
 * (struct layouts depend on it, so both sides must see it). What it keeps, and why:
 *
 *   TLS 1.2 client only (AWS IoT Core: TLS 1.2+), no server, no DTLS, no renegotiation.
 *   Cipher suites: ECDHE-ECDSA-AES128-GCM-SHA256 and ECDHE-RSA-AES128-GCM-SHA256, both offered
 *     by AWS IoT Core. The suite decides which chain AWS presents: an ECDSA suite gets the ECC
 *     chain (Amazon Root CA 3, ECDSA P-256 / SHA-256), an RSA suite the RSA chain (Amazon Root
 *     CA 1, RSA 2048 / SHA-256, also cross-signed by Starfield G2, RSA 2048). Both are
 *     verifiable here, so either root (or both) may be the device's CA file.
 *   Client certificate keys: RSA 2048 (what AWS IoT's CreateKeysAndCertificate issues) and EC
 *     P-256 (a device CSR, the stand-in's certificates): PKCS#1 v1.5 signatures and ECDSA.
 *   X.509 + PEM parsing (CA, client certificate, key), with key usage checks; writing an EC key
 *     and a CSR (Fleet Provisioning from a CSR made on the device).
 *   CTR_DRBG over AES, seeded from the port's Random (firmware::Random): no MBEDTLS_ENTROPY_C,
 *     no platform entropy; the device's hardware RNG is the only source.
 *   Time: MBEDTLS_HAVE_TIME_DATE checks certificate validity against the wall clock; a device
 *     without an RTC/SNTP time must provide mbedtls_time / gmtime (MBEDTLS_PLATFORM_*_ALT) or
 *     remove it (then expired certificates are accepted: not recommended).
 *   ALPN (x-amzn-mqtt-ca for MQTT on 443), SNI, RFC 6066 max fragment length, SHA-1 + base64
 *     (the WebSocket handshake's Sec-WebSocket-Accept), SHA-256 + HMAC (SigV4).
 *   Record buffers: OUT 4096 (we write small records; works with any server), IN 16384 (a
 *     server that ignores max_fragment_length may send full records; AWS's support for the
 *     extension is not documented, so IN stays at the TLS maximum).
 */
#ifndef IOTLITE_MBEDTLS_CONFIG_H
#define IOTLITE_MBEDTLS_CONFIG_H

/* System */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_NO_PLATFORM_ENTROPY

/* TLS */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_CIPHERSUITES \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

/* Symmetric crypto and hashes */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES /* tables in flash, not RAM */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_GCM_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C   /* WebSocket handshake only */
#define MBEDTLS_SHA256_C /* TLS PRF, certificate signatures, SigV4 */
#define MBEDTLS_CTR_DRBG_C

/* Public key: RSA (Amazon Root CA 1 chain, RSA device keys) and ECC P-256 (Amazon Root CA 3
 * chain, EC device keys, ECDHE) */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_MPI_MAX_SIZE 256 /* RSA up to 2048 bits; 512 to trust Amazon Root CA 2 (RSA 4096) */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_WINDOW_SIZE 2      /* less RAM per scalar multiplication */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0 /* no precomputed tables in RAM */
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C

/* Certificates and keys */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE
/* Fleet Provisioning's CreateCertificateFromCsr: the device makes its EC P-256 key and a CSR
 * (firmware/include/iotlite/firmware/device_key.hpp) and stores the key as PEM. Unused code is
 * dropped by the linker (--gc-sections) in images that do not provision. */
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_PEM_WRITE_C
#define MBEDTLS_X509_CREATE_C
#define MBEDTLS_X509_CSR_WRITE_C

/* mbedTLS's error texts (iotlite adds them to TLS errors). Remove for the smallest build:
 * iotlite keeps the numeric code (Error::tls_code) either way. */
#define MBEDTLS_ERROR_C

#include "mbedtls/check_config.h"

#endif /* IOTLITE_MBEDTLS_CONFIG_H */
