#include "json_input.hpp"

#include <string>

namespace iotlite::cli {

std::size_t json_nesting_depth(std::string_view text, std::size_t cap) {
    std::size_t depth = 0;
    std::size_t deepest = 0;
    bool in_string = false;
    bool escaped = false;
    for (const char c : text) {  // one pass, no recursion
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > deepest) deepest = depth;
            if (deepest > cap) return cap + 1;
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

Result<nlohmann::json> parse_json_input(std::string_view text, std::string_view what) {
    if (json_nesting_depth(text, kMaxJsonInputDepth) > kMaxJsonInputDepth) {
        return make_error(Errc::limit_exceeded, std::string(what) + " nests JSON more than " +
                                                    std::to_string(kMaxJsonInputDepth) +
                                                    " levels deep; iotlite accepts at most " +
                                                    std::to_string(kMaxJsonInputDepth));
    }
    // nlohmann ends the input at a NUL byte and would ignore what follows it; JSON text never
    // holds a raw NUL, so such a text is refused whole.
    if (text.find('\0') != std::string_view::npos) {
        return make_error(Errc::invalid_argument, std::string(what) + " is not valid JSON (it holds a NUL byte)");
    }
    nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
    if (value.is_discarded()) return make_error(Errc::invalid_argument, std::string(what) + " is not valid JSON");
    return value;
}

}  // namespace iotlite::cli
