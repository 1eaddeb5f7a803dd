// libc_overrides.cpp — the "iotlite/shadow" build's snprintf, vsnprintf and strtod (and the
// strtof/strtold that share musl's object), linked into that module only (wasm/CMakeLists.txt).
//
// nlohmann/json calls snprintf (integer formats only) and strtod; musl's versions are built on
// long double, 128-bit software floating point in wasm32 (~20 KB of code). Defining them here
// keeps the linker from pulling musl's: see small_libc.hpp for what these versions accept. Not
// part of small_libc.cpp so that the host test can check those functions against glibc's.
#include <cstdarg>
#include <cstddef>
#include <cstdlib>

#include "small_libc.hpp"

extern "C" int vsnprintf(char* buffer, std::size_t size, const char* format, va_list args) {
    return iotlite::wasm::format_integers(buffer, size, format, args);
}
extern "C" int snprintf(char* buffer, std::size_t size, const char* format, ...) {
    va_list args;
    va_start(args, format);
    const int n = iotlite::wasm::format_integers(buffer, size, format, args);
    va_end(args);
    return n;
}
extern "C" double strtod(const char* text, char** end) { return iotlite::wasm::parse_double(text, end); }
// musl defines strtof and strtold in the same object as strtod, and libc++'s string code refers
// to them (std::stof, std::stold), so they must be defined here too or musl's object comes back.
// Nothing in this module calls them (only nlohmann's lexer parses numbers, through strtod): they
// abort rather than return a value rounded differently from the libc's.
extern "C" float strtof(const char*, char**) { std::abort(); }
extern "C" long double strtold(const char*, char**) { std::abort(); }
