// wasm/libc/small_libc.cpp (the strtod and integer-only snprintf of the "iotlite/shadow" wasm
// build) against glibc's, which are correctly rounded and standard: the oracle is not our code.
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "small_libc.hpp"

namespace {

using iotlite::wasm::format_integers;
using iotlite::wasm::parse_double;

std::uint64_t bits_of(double v) {
    std::uint64_t b = 0;
    std::memcpy(&b, &v, sizeof b);
    return b;
}

// Same bits, same end position, and ERANGE agreeing for results that are infinite or zero.
void expect_like_glibc(const std::string& text) {
    char* end_ours = nullptr;
    char* end_glibc = nullptr;
    errno = 0;
    const double ours = parse_double(text.c_str(), &end_ours);
    const int errno_ours = errno;
    errno = 0;
    const double theirs = std::strtod(text.c_str(), &end_glibc);
    const int errno_glibc = errno;
    ASSERT_EQ(bits_of(ours), bits_of(theirs)) << "\"" << text << "\": ours " << ours << ", glibc " << theirs;
    ASSERT_EQ(end_ours - text.c_str(), end_glibc - text.c_str()) << text;
    if (std::isinf(theirs) || theirs == 0.0) {
        ASSERT_EQ(errno_ours == ERANGE, errno_glibc == ERANGE) << text;
    }
}

std::string format_ours(const char* format, ...) {
    char buffer[64];
    va_list args;
    va_start(args, format);
    const int n = format_integers(buffer, sizeof buffer, format, args);
    va_end(args);
    EXPECT_EQ(n, static_cast<int>(std::strlen(buffer)));
    return buffer;
}

}  // namespace

TEST(SmallLibcStrtod, Edges_SameBitsAsGlibc) {
    for (const char* s : {
             "0", "-0", "0.0", "1", "-1", "0.1", "0.2", "0.3", "1.5", "123.456", "1e0", "1E+2", "1e-2", "5e-324",
             "2.4703282292062327e-324", "2.4703282292062328e-324", "4.9406564584124654e-324",
             "2.2250738585072011e-308", "2.2250738585072014e-308", "1.7976931348623157e308",
             "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "-1e400", "1e-400", "9007199254740993",
             "9007199254740992.5", "9007199254740993.0000000000000000000001", "123456789012345678901234567890",
             "0.000000000000000000000000000000000000000001", "3.141592653589793238462643383279",
             "1e22", "1e23", "8.98846567431158e307", "4.35584e-309", "1e-5", "   42", "+7", "12abc", "1e", "1e+",
             ".5", "5.", "-.5e1", "1.0e-2x", "00012", "0e0", "0.0000001e7"}) {
        SCOPED_TRACE(s);
        expect_like_glibc(s);
    }
}

TEST(SmallLibcStrtod, NoNumber_EndIsTheInput) {
    for (const char* s : {"", "-", "+", ".", "e5", "x"}) {
        char* end = nullptr;
        EXPECT_EQ(parse_double(s, &end), 0.0);
        EXPECT_EQ(end, s);
    }
}

TEST(SmallLibcStrtod, HalfwayCasesWithManyDigits_RoundHalfToEven) {
    // Exactly halfway between 1 and its successor (1 + 2^-53), and a hair above it.
    expect_like_glibc("1.00000000000000011102230246251565404236316680908203125");
    expect_like_glibc("1.00000000000000011102230246251565404236316680908203125000000000000000000000001");
    expect_like_glibc("1.00000000000000011102230246251565404236316680908203124999999999999999999999999");
    // 900 significant digits (beyond the 800 kept): the dropped tail still decides a tie.
    std::string long_tie = "1.00000000000000011102230246251565404236316680908203125" + std::string(900, '0') + "1";
    expect_like_glibc(long_tie);
}

TEST(SmallLibcStrtod, RandomDoubles_ShortestAndLongForms_SameBitsAsGlibc) {
    std::mt19937_64 rng(20261121);
    char text[64];
    for (int i = 0; i < 100000; ++i) {
        std::uint64_t b = rng();
        double v;
        std::memcpy(&v, &b, sizeof v);
        if (!std::isfinite(v)) continue;
        std::snprintf(text, sizeof text, "%.17g", v);
        expect_like_glibc(text);
        std::snprintf(text, sizeof text, "%.*g", static_cast<int>(1 + rng() % 16), v);
        expect_like_glibc(text);
    }
}

TEST(SmallLibcStrtod, RandomDecimalStrings_SameBitsAsGlibc) {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 200000; ++i) {
        std::string s;
        if (rng() % 4 == 0) s += '-';
        const int int_digits = static_cast<int>(rng() % 25);
        for (int k = 0; k < int_digits; ++k) s += static_cast<char>('0' + rng() % 10);
        if (int_digits == 0 || rng() % 2) {
            s += '.';
            const int frac_digits = 1 + static_cast<int>(rng() % 30);
            for (int k = 0; k < frac_digits; ++k) s += static_cast<char>('0' + rng() % 10);
        }
        if (rng() % 2) s += "e" + std::to_string(static_cast<int>(rng() % 700) - 350);
        expect_like_glibc(s);
    }
}

TEST(SmallLibcFormat, IntegerFormats_SameTextAsGlibc) {
    char expected[64];
    std::snprintf(expected, sizeof expected, "\\u%04x", 0x1f);
    EXPECT_EQ(format_ours("\\u%04x", 0x1f), expected);
    std::snprintf(expected, sizeof expected, "<U+%.4X>", 0xABu);
    EXPECT_EQ(format_ours("<U+%.4X>", 0xABu), expected);
    std::snprintf(expected, sizeof expected, "[%d|%5d|%-5d|%05d|%i]", -42, 7, 7, -3, 0);
    EXPECT_EQ(format_ours("[%d|%5d|%-5d|%05d|%i]", -42, 7, 7, -3, 0), expected);
    std::snprintf(expected, sizeof expected, "%lu %llu %zu %x %o %c %s %.2s %%", 4000000000UL, 18446744073709551615ULL,
                  static_cast<std::size_t>(12), 255u, 8u, 'z', "str", "abc");
    EXPECT_EQ(format_ours("%lu %llu %zu %x %o %c %s %.2s %%", 4000000000UL, 18446744073709551615ULL,
                          static_cast<std::size_t>(12), 255u, 8u, 'z', "str", "abc"),
              expected);
    std::snprintf(expected, sizeof expected, "%lld %ld", -9223372036854775807LL - 1, -5L);
    EXPECT_EQ(format_ours("%lld %ld", -9223372036854775807LL - 1, -5L), expected);
}

TEST(SmallLibcFormat, FloatConversion_WritesAQuestionMarkAndStops) {
    EXPECT_EQ(format_ours("a%fb%d", 1.5, 3), "a?");
}

TEST(SmallLibcFormat, SmallBuffer_TruncatesAndReturnsTheFullLength) {
    char buffer[4];
    auto call = [&](const char* format, ...) {
        va_list args;
        va_start(args, format);
        const int n = format_integers(buffer, sizeof buffer, format, args);
        va_end(args);
        return n;
    };
    EXPECT_EQ(call("%d-%s", 12345, "xy"), 8);
    EXPECT_STREQ(buffer, "123");
}
