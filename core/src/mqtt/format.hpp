// Internal helper for error messages without snprintf/iostreams or temporary strings, with
// one out-of-line formatter so that each call site stays small (code size matters on Cortex-M):
//   error_fmt(Errc::limit_exceeded, "topic has % '/' levels; AWS IoT allows %", slashes, 7)
// Each '%' is replaced by the next argument: text, or an unsigned integer in decimal.
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

// An Error whose message is `format` with each '%' replaced by the next of args[0..count).
Error format_error(Errc code, const char* format, const Arg* args, std::size_t count);

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

}  // namespace iotlite::mqtt::detail
