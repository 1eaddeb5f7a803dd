// JSON the user gives the CLI: shadow update's --desired / --reported / --document and the
// sigv4 command's --context file, parsed by core's json::parse with a nesting bound (the DOM's
// copy, compare and dump recurse, so a document nested thousands of levels deep is refused
// while it is read, before any of it is built).
#pragma once

#include <cstddef>
#include <string_view>

#include "iotlite/json/value.hpp"
#include "iotlite/result.hpp"

namespace iotlite::cli {

// Nesting (objects and arrays together) the CLI accepts in a JSON input. The same bound core
// applies to any shadow JSON (shadow::limits::max_json_nesting, 32; shadow_input.cpp checks that
// they agree). It guards the process, not an AWS rule: AWS's own shadow limit (6 levels of
// objects inside desired/reported, 8 from the document root) is checked by core when the
// update is sent.
inline constexpr std::size_t kMaxJsonInputDepth = 32;

// Parses `text` (named `what` in messages: "--document", "the --context file"). Errors name
// `what` and the rule, never any of the text (it may hold a secret):
//   limit_exceeded    "<what> nests JSON more than 32 levels deep; iotlite accepts at most 32"
//   invalid_argument  "<what> is not valid JSON: <why> (at byte <n>)"
Result<json::Value> parse_json_input(std::string_view text, std::string_view what);

}  // namespace iotlite::cli
