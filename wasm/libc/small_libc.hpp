// small_libc.hpp — compact replacements for the two libc functions nlohmann/json pulls into the
// "iotlite/shadow" wasm build (wired up in libc_overrides.cpp; tested on the host against glibc
// in tests/wasm/small_libc_test.cpp).
//
// musl's strtod and snprintf are written for long double, which is 128-bit software floating
// point in wasm32: together ~20 KB of code (~9 KB gzipped), most of the shadow module's libc.
#pragma once

#include <cstdarg>
#include <cstddef>

namespace iotlite::wasm {

// strtod for decimal numbers: [whitespace][+-]digits[.digits][(e|E)[+-]digits] (also ".5", "5.").
// Correctly rounded (round half to even) for any number of digits, like glibc/musl: exact
// arithmetic on the decimal digits for the cases a double product cannot settle. Overflow gives
// +-HUGE_VAL and underflow +-0 or a subnormal, with errno = ERANGE. No "inf"/"nan"/hex forms:
// they are not JSON (no number parsed: *end = text, result 0).
double parse_double(const char* text, char** end);

// vsnprintf for integer-only formats: flags '0' and '-', width, precision, length modifiers
// hh h l ll z j t, conversions d i u x X o c s %. Any other conversion (a float, %p, %n) writes
// "?" and ends the output. Returns the length the full output would have, like vsnprintf.
int format_integers(char* buffer, std::size_t size, const char* format, va_list args);

}  // namespace iotlite::wasm
