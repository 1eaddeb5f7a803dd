#include "format.hpp"

#include <cstring>

namespace iotlite::mqtt::detail {

#if IOTLITE_ERROR_TEXTS

Error format_error(Errc code, const char* format, const Arg* args, std::size_t count) {
    Error error{code, std::string()};
    std::string& out = error.message;
    std::size_t next = 0;
    for (const char* p = format; *p; ++p) {
        // The text up to the next placeholder in one append (no per-character push_back).
        const char* run = p;
        while (*p && (*p != '%' || next == count)) ++p;
        out.append(run, static_cast<std::size_t>(p - run));
        if (!*p) break;
        const Arg& a = args[next++];
        if (a.text) {
            out.append(a.text, a.n == Arg::nul_terminated ? std::strlen(a.text) : a.n);
            continue;
        }
        char digits[24];
        char* d = digits + sizeof digits;
        std::size_t v = a.n;
        do {
            *--d = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        out.append(d, static_cast<std::size_t>(digits + sizeof digits - d));
    }
    return error;
}

Error format_rule_error(const RuleBreak& broken, Errc code, const char* format, const Arg* args, std::size_t count) {
    Error error = format_error(code, format, args, count);
    error.rule = broken.rule;
    error.limit = broken.limit;
    error.actual = broken.actual;
    return error;
}

#else

Error code_error(Errc code) { return Error{code, std::string()}; }

Error code_rule_error(const RuleBreak& broken, Errc code) {
    Error error{code, std::string()};
    error.rule = broken.rule;
    error.limit = broken.limit;
    error.actual = broken.actual;
    return error;
}

#endif  // IOTLITE_ERROR_TEXTS

}  // namespace iotlite::mqtt::detail
