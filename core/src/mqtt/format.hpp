// Internal helper for error messages without snprintf/iostreams or temporary strings, with
// one out-of-line formatter so that each call site stays small (code size matters on Cortex-M):
//   error_fmt(Errc::limit_exceeded, "topic has % '/' levels; AWS IoT allows %", slashes, 7)
// Each '%' is replaced by the next argument: text, or an unsigned integer in decimal.
//
// IOTLITE_ERROR_TEXTS 0 (iotlite/config.hpp): error_fmt / fail / fail_rule keep their signatures
// but are forced inline and never look at the format or the arguments, so no call site
// references its literal and the compiler leaves it out of the image; the Error keeps its code
// and rule fields, its message is empty (no allocation either).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "iotlite/result.hpp"

namespace iotlite::mqtt::detail {

// One argument, two words, built inline at the call site.
struct Arg {
    static constexpr std::size_t nul_terminated = SIZE_MAX;
    const char* text;  // null: an integer in `n`
    std::size_t n;     // text length (nul_terminated for a C string) or the integer

    Arg(const char* t) : text(t), n(nul_terminated) {}                              // NOLINT: implicit by design
    Arg(std::string_view t) : text(t.data() ? t.data() : ""), n(t.size()) {}        // NOLINT
    Arg(const std::string& t) : text(t.data()), n(t.size()) {}                      // NOLINT
    template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
    Arg(T value) : text(nullptr), n(static_cast<std::size_t>(value)) {}            // NOLINT
};

// The limit an input broke, as Error::rule / limit / actual carry it.
struct RuleBreak {
    const char* rule;
    std::uint32_t limit;
    std::uint32_t actual;
};

#if IOTLITE_ERROR_TEXTS
// An Error whose message is `format` with each '%' replaced by the next of args[0..count).
Error format_error(Errc code, const char* format, const Arg* args, std::size_t count);

// format_error() plus the rule fields: error_fmt(...).with_rule(...) in one out-of-line call, so
// each rule site costs one call instead of a format, a field copy and two Error moves.
Error format_rule_error(const RuleBreak& broken, Errc code, const char* format, const Arg* args, std::size_t count);

inline Error error_fmt(Errc code, const char* format) { return format_error(code, format, nullptr, 0); }

template <typename... A>
Error error_fmt(Errc code, const char* format, const A&... args) {
    const Arg list[] = {Arg(args)...};
    return format_error(code, format, list, sizeof...(A));
}

// The same, as a failed Result<T>: one out-of-line function per T instead of the Error-to-Result
// conversion and the Error destructor at every `return` site.
template <typename T>
[[gnu::noinline]] Result<T> fail_result(Errc code, const char* format, const Arg* args, std::size_t count) {
    return format_error(code, format, args, count);
}
template <typename T, typename... A>
Result<T> fail(Errc code, const char* format, const A&... args) {
    if constexpr (sizeof...(A) == 0) {
        return fail_result<T>(code, format, nullptr, 0);
    } else {
        const Arg list[] = {Arg(args)...};
        return fail_result<T>(code, format, list, sizeof...(A));
    }
}

template <typename T>
[[gnu::noinline]] Result<T> fail_rule_result(const RuleBreak& broken, Errc code, const char* format, const Arg* args,
                                             std::size_t count) {
    return format_rule_error(broken, code, format, args, count);
}
// fail() for an input that broke a limit: the Error names the rule (Error::rule, limit, actual).
template <typename T, typename... A>
Result<T> fail_rule(const RuleBreak& broken, Errc code, const char* format, const A&... args) {
    const Arg list[] = {Arg(args)...};
    return fail_rule_result<T>(broken, code, format, list, sizeof...(A));
}

#else
// Texts compiled out: one out-of-line constructor per shape, the literal and the arguments unused.
Error code_error(Errc code);
Error code_rule_error(const RuleBreak& broken, Errc code);

template <typename... A>
[[gnu::always_inline]] inline Error error_fmt(Errc code, const char*, const A&...) {
    return code_error(code);
}
template <typename T>
[[gnu::noinline]] Result<T> fail_code(Errc code) {
    return code_error(code);
}
template <typename T, typename... A>
[[gnu::always_inline]] inline Result<T> fail(Errc code, const char*, const A&...) {
    return fail_code<T>(code);
}
template <typename T>
[[gnu::noinline]] Result<T> fail_rule_code(const RuleBreak& broken, Errc code) {
    return code_rule_error(broken, code);
}
template <typename T, typename... A>
[[gnu::always_inline]] inline Result<T> fail_rule(const RuleBreak& broken, Errc code, const char*, const A&...) {
    return fail_rule_code<T>(broken, code);
}

#endif  // IOTLITE_ERROR_TEXTS

// A successful Result<void>, out of line: its Error member makes every `return {}` a zeroing and
// a constructor call (code size on Cortex-M).
[[gnu::noinline]] inline Result<void> succeeded() { return {}; }

}  // namespace iotlite::mqtt::detail
