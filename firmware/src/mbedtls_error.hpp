// Internal: mbedTLS error codes as text (never includes key material; mbedTLS messages do not).
#pragma once

#include <mbedtls/error.h>

#include <string>

namespace iotlite::firmware {

inline std::string mbedtls_error_text(int code) {
    char buf[128];
    mbedtls_strerror(code, buf, sizeof buf);
    char hex[16];
    const unsigned value = static_cast<unsigned>(code < 0 ? -code : code);
    static const char digits[] = "0123456789ABCDEF";
    int n = 0;
    hex[n++] = '-'; hex[n++] = '0'; hex[n++] = 'x';
    for (int shift = 12; shift >= 0; shift -= 4) hex[n++] = digits[(value >> shift) & 0xF];
    hex[n] = '\0';
    return std::string(buf) + " (" + hex + ")";
}

}  // namespace iotlite::firmware
