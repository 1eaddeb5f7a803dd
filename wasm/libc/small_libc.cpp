// small_libc.cpp — see small_libc.hpp. The decimal-to-double conversion is the classic exact
// "decimal shifting" method: the digits are kept as a decimal string and multiplied or divided by
// powers of two (at most 2^60 per step, so a 64-bit accumulator never overflows) until the value
// lies in [0.5, 1); the binary exponent is the sum of the shifts, and one more shift by 53 bits
// leaves the rounded mantissa as the integer part. Numbers with at most 15 significant digits and
// a power of ten within 10^±22 take the usual shortcut: one correctly rounded double operation.
#include "small_libc.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace iotlite::wasm {
namespace {

// value = 0.d[0]d[1]...d[nd-1] x 10^dp; digits are 0..9; no trailing zeros.
struct Decimal {
    static constexpr int kMaxDigits = 800;  // enough for the exact value of any double's halfway point
    std::uint8_t d[kMaxDigits];
    int nd = 0;
    int dp = 0;
    bool truncated = false;  // nonzero digits beyond d[kMaxDigits - 1] were dropped
};

void trim(Decimal& a) {
    while (a.nd > 0 && a.d[a.nd - 1] == 0) --a.nd;
    if (a.nd == 0) a.dp = 0;
}

constexpr int kMaxShift = 60;  // 10 * 2^60 < 2^64

// a *= 2^k, 0 < k <= kMaxShift.
void shift_left(Decimal& a, int k) {
    std::uint8_t out[Decimal::kMaxDigits + 20];
    int w = static_cast<int>(sizeof(out));
    std::uint64_t n = 0;
    for (int r = a.nd - 1; r >= 0; --r) {
        n += static_cast<std::uint64_t>(a.d[r]) << k;
        out[--w] = static_cast<std::uint8_t>(n % 10);
        n /= 10;
    }
    for (; n != 0; n /= 10) out[--w] = static_cast<std::uint8_t>(n % 10);
    int length = static_cast<int>(sizeof(out)) - w;
    a.dp += length - a.nd;
    if (length > Decimal::kMaxDigits) {
        for (int i = Decimal::kMaxDigits; i < length; ++i) a.truncated |= out[w + i] != 0;
        length = Decimal::kMaxDigits;
    }
    std::memcpy(a.d, out + w, static_cast<std::size_t>(length));
    a.nd = length;
    trim(a);
}

// a /= 2^k, 0 < k <= kMaxShift.
void shift_right(Decimal& a, int k) {
    std::uint64_t n = 0;
    int r = 0;
    while ((n >> k) == 0) {
        if (r >= a.nd) {
            if (n == 0) { a.nd = 0; a.dp = 0; return; }
            while ((n >> k) == 0) { n *= 10; ++r; }
            break;
        }
        n = n * 10 + a.d[r++];
    }
    a.dp -= r - 1;
    const std::uint64_t mask = (std::uint64_t{1} << k) - 1;
    int w = 0;
    for (; r < a.nd; ++r) {
        a.d[w++] = static_cast<std::uint8_t>(n >> k);
        n = (n & mask) * 10 + a.d[r];
    }
    while (n != 0) {
        const auto digit = static_cast<std::uint8_t>(n >> k);
        n = (n & mask) * 10;
        if (w < Decimal::kMaxDigits) a.d[w++] = digit;
        else a.truncated |= digit != 0;
    }
    a.nd = w;
    trim(a);
}

// a *= 2^k (k > 0) or a /= 2^-k (k < 0).
void shift(Decimal& a, int k) {
    const bool left = k > 0;
    for (int n = left ? k : -k; n > 0; n -= kMaxShift) {
        if (left) shift_left(a, n > kMaxShift ? kMaxShift : n);
        else shift_right(a, n > kMaxShift ? kMaxShift : n);
    }
}

// The integer part of a, rounded half to even (a < 2^63 here).
std::uint64_t rounded_integer(const Decimal& a) {
    std::uint64_t n = 0;
    int i = 0;
    for (; i < a.dp && i < a.nd; ++i) n = n * 10 + a.d[i];
    for (; i < a.dp; ++i) n *= 10;
    if (a.dp >= 0 && a.dp < a.nd) {
        const bool half = a.d[a.dp] == 5 && a.dp + 1 == a.nd && !a.truncated;
        if (half ? (n & 1) != 0 : a.d[a.dp] >= 5) ++n;
    }
    return n;
}

constexpr int kMantissaBits = 52;
constexpr int kBias = -1023;  // exponent of the smallest normal is kBias + 1

// Bits of the double nearest to a (> 0); sets `range` on overflow / underflow to zero.
std::uint64_t to_bits(Decimal& a, bool& range) {
    constexpr std::uint64_t kInfinity = std::uint64_t{0x7ff} << kMantissaBits;
    if (a.dp > 310) { range = true; return kInfinity; }
    if (a.dp < -330) { range = true; return 0; }
    // floor(log2(10^i)): dividing a value below 10^i by 2^this leaves it below 2.
    static const std::uint8_t kShiftFor[] = {1, 3, 6, 9, 13, 16, 19, 23, 26};
    int exp = 0;
    while (a.dp > 0) {
        const int n = a.dp >= 9 ? 27 : kShiftFor[a.dp];
        shift(a, -n);
        exp += n;
    }
    while (a.dp < 0 || (a.dp == 0 && a.d[0] < 5)) {
        const int n = -a.dp >= 9 ? 27 : kShiftFor[-a.dp];
        shift(a, n);
        exp -= n;
    }
    --exp;  // a is in [0.5, 1): the value is (2a) x 2^exp with 2a in [1, 2)
    if (exp < kBias + 1) {  // subnormal: fewer mantissa bits
        const int n = kBias + 1 - exp;
        shift(a, -n);
        exp += n;
    }
    if (exp - kBias >= 0x7ff) { range = true; return kInfinity; }
    shift(a, 1 + kMantissaBits);
    std::uint64_t mantissa = rounded_integer(a);
    if (mantissa == (std::uint64_t{2} << kMantissaBits)) {  // rounding carried into a new bit
        mantissa >>= 1;
        ++exp;
        if (exp - kBias >= 0x7ff) { range = true; return kInfinity; }
    }
    if ((mantissa & (std::uint64_t{1} << kMantissaBits)) == 0) exp = kBias;  // subnormal (or zero)
    if (mantissa == 0) range = true;
    return (mantissa & ((std::uint64_t{1} << kMantissaBits) - 1)) |
           (static_cast<std::uint64_t>((exp - kBias) & 0x7ff) << kMantissaBits);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

double parse_double(const char* text, char** end) {
    const char* p = text;
    while (*p == ' ' || (*p >= '\t' && *p <= '\r')) ++p;
    const bool negative = *p == '-';
    if (*p == '-' || *p == '+') ++p;
    static Decimal a;  // 800 bytes: not on the (small) wasm stack; single-threaded module
    a.nd = 0;
    a.dp = 0;
    a.truncated = false;
    bool any = false;
    bool point = false;
    for (;; ++p) {
        if (*p == '.' && !point) { point = true; continue; }
        if (!is_digit(*p)) break;
        any = true;
        if (*p == '0' && a.nd == 0) {  // leading zero
            if (point) --a.dp;
            continue;
        }
        if (!point) ++a.dp;
        if (a.nd < Decimal::kMaxDigits) a.d[a.nd++] = static_cast<std::uint8_t>(*p - '0');
        else a.truncated |= *p != '0';
    }
    if (!any) {
        if (end != nullptr) *end = const_cast<char*>(text);
        return 0;
    }
    if (*p == 'e' || *p == 'E') {
        const char* q = p + 1;
        const bool minus = *q == '-';
        if (*q == '-' || *q == '+') ++q;
        if (is_digit(*q)) {
            int e = 0;
            for (; is_digit(*q); ++q) if (e < 100000) e = e * 10 + (*q - '0');
            a.dp += minus ? -e : e;
            p = q;
        }
    }
    if (end != nullptr) *end = const_cast<char*>(p);
    trim(a);
    double value = 0;
    if (a.nd != 0) {
        const int e10 = a.dp - a.nd;  // value = digits as an integer x 10^e10
        if (a.nd <= 15 && !a.truncated && e10 >= -22 && e10 <= 22) {
            // The integer and the power of ten are exact doubles: one rounding.
            std::uint64_t m = 0;
            for (int i = 0; i < a.nd; ++i) m = m * 10 + a.d[i];
            double power = 1;
            for (int i = 0; i < (e10 < 0 ? -e10 : e10); ++i) power *= 10;
            value = e10 < 0 ? static_cast<double>(m) / power : static_cast<double>(m) * power;
        } else {
            bool range = false;
            const std::uint64_t bits = to_bits(a, range);
            std::memcpy(&value, &bits, sizeof value);
            if (range) errno = ERANGE;
        }
    }
    return negative ? -value : value;
}

namespace {

void put(char*& out, char* end, char c, int& count) {
    if (out < end) *out++ = c;
    ++count;
}

}  // namespace


int format_integers(char* buffer, std::size_t size, const char* format, va_list args) {
    char* out = buffer;
    char* const end = size != 0 ? buffer + size - 1 : buffer;
    int count = 0;
    for (const char* p = format; *p != '\0'; ++p) {
        if (*p != '%') { put(out, end, *p, count); continue; }
        bool zero = false, left = false;
        for (++p; *p == '0' || *p == '-'; ++p) (*p == '0' ? zero : left) = true;
        int width = 0, precision = -1;
        for (; *p >= '0' && *p <= '9'; ++p) width = width * 10 + (*p - '0');
        if (*p == '.') for (precision = 0, ++p; *p >= '0' && *p <= '9'; ++p) precision = precision * 10 + (*p - '0');
        int longs = 0;
        for (; *p == 'h' || *p == 'l' || *p == 'z' || *p == 'j' || *p == 't'; ++p) longs += (*p == 'l' || *p == 'z' || *p == 'j' || *p == 't') ? 1 : 0;
        char digits[24];
        int n = 0;
        const char* text = digits;
        bool negative = false;
        const char conv = *p;
        if (conv == 'd' || conv == 'i' || conv == 'u' || conv == 'x' || conv == 'X' || conv == 'o') {
            const bool is_signed = conv == 'd' || conv == 'i';
            unsigned long long v;
            if (is_signed) {
                const long long x = longs >= 2 ? va_arg(args, long long) : longs == 1 ? va_arg(args, long) : va_arg(args, int);
                negative = x < 0;
                v = negative ? 0ULL - static_cast<unsigned long long>(x) : static_cast<unsigned long long>(x);
            } else {
                v = longs >= 2 ? va_arg(args, unsigned long long) : longs == 1 ? va_arg(args, unsigned long) : va_arg(args, unsigned);
            }
            const unsigned base = (conv == 'x' || conv == 'X') ? 16 : conv == 'o' ? 8 : 10;
            const char* alphabet = conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
            char reversed[24];
            int r = 0;
            for (; v != 0; v /= base) reversed[r++] = alphabet[v % base];
            if (precision < 0 && r == 0) reversed[r++] = '0';
            for (int i = r; i < precision && n < 22; ++i) digits[n++] = '0';
            while (r > 0) digits[n++] = reversed[--r];
        } else if (conv == 'c') {
            digits[n++] = static_cast<char>(va_arg(args, int));
        } else if (conv == 's') {
            text = va_arg(args, const char*);
            if (text == nullptr) text = "(null)";
            while (text[n] != '\0' && (precision < 0 || n < precision)) ++n;
        } else if (conv == '%') {
            digits[n++] = '%';
        } else {
            put(out, end, '?', count);
            break;
        }
        const int length = n + (negative ? 1 : 0);
        const bool pad_zero = zero && !left && precision < 0 && conv != 's' && conv != 'c';
        if (negative && pad_zero) put(out, end, '-', count);
        for (int i = length; !left && i < width; ++i) put(out, end, pad_zero ? '0' : ' ', count);
        if (negative && !pad_zero) put(out, end, '-', count);
        for (int i = 0; i < n; ++i) put(out, end, text[i], count);
        for (int i = length; left && i < width; ++i) put(out, end, ' ', count);
    }
    if (size != 0) *out = '\0';
    return count;
}


}  // namespace iotlite::wasm
