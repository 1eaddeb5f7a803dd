#include "iotlite/json/value.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <new>

#include "reader.hpp"

namespace iotlite::json {

namespace {

// The null a const read of a missing member returns. Built in place on first use and never
// destroyed: a static with a destructor would need atexit support (__dso_handle) on bare metal.
const Value& null_value() {
    alignas(Value) static unsigned char storage[sizeof(Value)];
    static const Value* const value = new (storage) Value();
    return *value;
}

// The member called `name` in a sorted member list, or where it would go.
template <typename Members>
auto lower_bound(Members& members, std::string_view name) {
    return std::lower_bound(members.begin(), members.end(), name,
                            [](const Value::Member& m, std::string_view n) { return std::string_view(m.key) < n; });
}

// A JSON number token as 0.<digits> x 10^exponent: digits without leading or trailing zeros
// (none for zero, whose sign is dropped). Exact, with no floating-point arithmetic, so comparing
// numbers and checking their range needs no strtod (which costs ~10 KB on a Cortex-M).
struct Decimal {
    bool negative = false;
    std::string digits;
    long exponent = 0;
    bool operator==(const Decimal& o) const { return negative == o.negative && exponent == o.exponent && digits == o.digits; }
};

Decimal decimal_of(std::string_view text) {
    Decimal d;
    std::size_t i = 0;
    d.negative = text[0] == '-';
    if (d.negative) ++i;
    bool fraction = false;
    for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
        const char c = text[i];
        if (c == '.') {
            fraction = true;
        } else if (d.digits.empty() && c == '0') {
            if (fraction) --d.exponent;  // 0.00x: each leading zero after the point scales down
        } else {
            d.digits += c;
            if (!fraction) ++d.exponent;
        }
    }
    if (i < text.size()) {  // the exponent part, saturated: far beyond any double either way
        const bool minus = text[++i] == '-';
        if (text[i] == '-' || text[i] == '+') ++i;
        long e = 0;
        for (; i < text.size(); ++i) e = e < 100000000 ? e * 10 + (text[i] - '0') : e;
        d.exponent += minus ? -e : e;
    }
    while (!d.digits.empty() && d.digits.back() == '0') d.digits.pop_back();
    if (d.digits.empty()) return Decimal{};
    return d;
}

// 2^1024 - 2^970, from which on a decimal rounds to infinity (round half to even: DBL_MAX's
// significand is odd), as 0.<these digits> x 10^309.
constexpr std::string_view kDoubleOverflow =
    "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416"
    "692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959"
    "622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

// Decimal digits by hand: std::to_chars for 64-bit integers is ~0.4 KB of wasm.
void append_integer(std::string& out, std::uint64_t magnitude, bool negative = false) {
    char digits[20];  // UINT64_MAX
    std::size_t n = sizeof digits;
    do {
        digits[--n] = static_cast<char>('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (negative) out += '-';
    out.append(digits + n, sizeof digits - n);
}
void append_integer(std::string& out, std::int64_t n) {
    append_integer(out, n < 0 ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n), n < 0);
}

void write_string(std::string& out, const std::string& s) {
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        // A run written as it is.
        const std::size_t run = i;
        i = detail::verbatim_run(s, i);
        out.append(s, run, i - run);
        if (i == s.size()) break;
        const auto c = static_cast<unsigned char>(s[i++]);
        const char* escape = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
                           : c == '\b' ? "\\b" : c == '\f' ? "\\f" : nullptr;
        if (escape != nullptr) {
            out += escape;
        } else if (c < 0x20) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else {
            out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
        }
    }
    out += '"';
}

}  // namespace

Value::Value(double d) {
    if (d - d != 0) return;  // infinite or NaN: null, as JSON has no such number
    // The shortest %g form that reads back as the same double (17 digits always do).
    char text[32];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(text, sizeof text, "%.*g", precision, d);
        if (std::strtod(text, nullptr) == d) break;
    }
    text_ = text;
    if (text_.find_first_of(".e") == std::string::npos) text_ += ".0";  // stays a floating number
    type_ = Type::floating;
}

Value::Value(const Value&) = default;
Value::Value(Value&&) noexcept = default;
Value& Value::operator=(const Value&) = default;
Value& Value::operator=(Value&&) noexcept = default;
Value::~Value() = default;

Value Value::object() {
    Value v;
    v.type_ = Type::object;
    return v;
}

Value Value::array() {
    Value v;
    v.type_ = Type::array;
    return v;
}

bool Value::number_beyond_double(std::string_view text) {
    const Decimal d = decimal_of(text);
    if (d.exponent != 309) return d.exponent > 309 && !d.digits.empty();
    for (std::size_t k = 0; k < kDoubleOverflow.size(); ++k) {
        const char digit = k < d.digits.size() ? d.digits[k] : '0';
        if (digit != kDoubleOverflow[k]) return digit > kDoubleOverflow[k];
    }
    return true;  // equal to the boundary, or above it in digits beyond the boundary's
}

Value Value::from_number_text(std::string_view text) {
    // `text` is a valid JSON number: an integer is '-'? and digits. Read by hand: std::from_chars
    // costs ~0.7 KB of wasm for what this loop does.
    if (text.find_first_of(".eE") == std::string_view::npos) {
        const bool negative = text.front() == '-';
        std::uint64_t magnitude = 0;
        bool fits = true;
        for (std::size_t i = negative ? 1 : 0; i < text.size() && fits; ++i) {
            const unsigned digit = static_cast<unsigned>(text[i] - '0');
            fits = magnitude <= (std::numeric_limits<std::uint64_t>::max() - digit) / 10;
            magnitude = magnitude * 10 + digit;
        }
        if (fits && !negative) return Value(magnitude);
        if (fits && magnitude <= std::uint64_t{1} << 63)  // down to INT64_MIN, without overflow
            return Value(magnitude == 0 ? std::int64_t{0} : -static_cast<std::int64_t>(magnitude - 1) - 1);
    }
    Value v;
    v.type_ = Type::floating;  // a fraction, an exponent, or an integer beyond 64 bits
    v.text_ = std::string(text);
    return v;
}

std::string Value::number_text() const {
    if (type_ == Type::floating) return text_;
    std::string out;
    if (type_ == Type::integer) append_integer(out, n_.i);
    else append_integer(out, n_.u);
    return out;
}

double Value::as_double() const {
    switch (type_) {
        case Type::integer: return static_cast<double>(n_.i);
        case Type::unsigned_integer: return static_cast<double>(n_.u);
        case Type::floating: return std::strtod(text_.c_str(), nullptr);
        default: return 0;
    }
}

std::size_t Value::size() const {
    if (is_structured()) return members_.size();
    return is_null() ? 0 : 1;
}

Value::iterator Value::find(std::string_view name) {
    if (!is_object()) return end();
    const auto it = lower_bound(members_, name);
    return it != members_.end() && it->key == name ? iterator(&*it) : end();
}

Value::const_iterator Value::find(std::string_view name) const {
    if (!is_object()) return end();
    const auto it = lower_bound(members_, name);
    return it != members_.end() && it->key == name ? const_iterator(&*it) : end();
}

Value& Value::operator[](std::string_view name) {
    if (!is_object()) *this = object();
    auto it = lower_bound(members_, name);
    if (it == members_.end() || it->key != name) it = members_.insert(it, Member{std::string(name), Value()});
    return it->value;
}

const Value& Value::operator[](std::string_view name) const {
    const auto it = find(name);
    return it != end() ? *it : null_value();
}

Value& Value::append_member(std::string key) {
    members_.push_back(Member{std::move(key), Value()});
    return members_.back().value;
}

void Value::sort_members() {
    const std::size_t n = members_.size();
    std::size_t ordered = 1;
    while (ordered < n && members_[ordered - 1].key < members_[ordered].key) ++ordered;
    if (ordered >= n) return;  // already in order, no name twice: the common case
    // A bottom-up merge sort (stable, O(n log n), small code; std::stable_sort costs ~2 KB more).
    std::vector<Member> merged(n);
    for (std::size_t width = 1; width < n; width *= 2) {
        for (std::size_t lo = 0; lo < n; lo += 2 * width) {
            const std::size_t mid = std::min(lo + width, n), hi = std::min(lo + 2 * width, n);
            std::size_t i = lo, j = mid, k = lo;
            while (i < mid || j < hi) {
                const bool right = i == mid || (j < hi && members_[j].key < members_[i].key);
                merged[k++] = std::move(members_[right ? j++ : i++]);
            }
        }
        members_.swap(merged);
    }
    // Of equal names (adjacent now, in text order) keep the last.
    std::size_t kept = 0;
    for (std::size_t k = 0; k < n; ++k) {
        if (k + 1 < n && members_[k + 1].key == members_[k].key) continue;
        if (kept != k) members_[kept] = std::move(members_[k]);
        ++kept;
    }
    members_.resize(kept);
}

std::size_t Value::erase(std::string_view name) {
    if (!is_object()) return 0;
    const auto it = lower_bound(members_, name);
    if (it == members_.end() || it->key != name) return 0;
    members_.erase(it);
    return 1;
}

void Value::push_back(Value value) {
    if (!is_array()) *this = array();
    members_.push_back(Member{std::string(), std::move(value)});
}

void Value::write(std::string& out) const {
    switch (type_) {
        case Type::null: out += "null"; return;
        case Type::boolean: out += n_.b ? "true" : "false"; return;
        case Type::integer: append_integer(out, n_.i); return;
        case Type::unsigned_integer: append_integer(out, n_.u); return;
        case Type::floating: out += text_; return;
        case Type::string: write_string(out, text_); return;
        case Type::array:
        case Type::object: break;
    }
    out += is_object() ? '{' : '[';
    for (std::size_t k = 0; k < members_.size(); ++k) {
        if (k != 0) out += ',';
        if (is_object()) {
            write_string(out, members_[k].key);
            out += ':';
        }
        members_[k].value.write(out);
    }
    out += is_object() ? '}' : ']';
}

std::string Value::dump() const {
    std::string out;
    write(out);
    return out;
}

bool operator==(const Value& a, const Value& b) {
    if (a.is_number() && b.is_number()) {
        if (a.type_ == b.type_ && a.type_ != Value::Type::floating) return a.n_.u == b.n_.u;  // same bits, same integer
        if (a.is_number_integer() && b.is_number_integer()) return false;  // a negative and a non-negative
        return decimal_of(a.number_text()) == decimal_of(b.number_text());  // exact decimal values
    }
    if (a.type_ != b.type_) return false;
    switch (a.type_) {
        case Value::Type::null: return true;
        case Value::Type::boolean: return a.n_.b == b.n_.b;
        case Value::Type::string: return a.text_ == b.text_;
        default: break;
    }
    if (a.members_.size() != b.members_.size()) return false;
    for (std::size_t k = 0; k < a.members_.size(); ++k) {
        if (a.members_[k].key != b.members_[k].key || a.members_[k].value != b.members_[k].value) return false;
    }
    return true;
}

Result<Value> parse(std::string_view text, std::size_t max_depth) {
    detail::Reader<true> reader(text, max_depth);
    Value value;
    if (!reader.document(&value, nullptr)) return reader.error();
    return value;
}

}  // namespace iotlite::json
