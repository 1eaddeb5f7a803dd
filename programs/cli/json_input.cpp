#include "json_input.hpp"

#include <string>

namespace iotlite::cli {

Result<json::Value> parse_json_input(std::string_view text, std::string_view what) {
    Result<json::Value> value = json::parse(text, kMaxJsonInputDepth);
    if (value.ok()) return value;
    const Error& error = value.error();
    if (error.rule == std::string_view("json.depth")) {
        return make_error(Errc::limit_exceeded, std::string(what) + " nests JSON more than " +
                                                    std::to_string(kMaxJsonInputDepth) +
                                                    " levels deep; iotlite accepts at most " +
                                                    std::to_string(kMaxJsonInputDepth));
    }
    // The reader's "JSON: <why> (at byte n)" quotes none of the text.
    return make_error(Errc::invalid_argument, std::string(what) + " is not valid JSON" + error.message.substr(4));
}

}  // namespace iotlite::cli
