// JSON the user gives the CLI: shadow update's --desired / --reported / --document and the
// sigv4 command's --context file. nlohmann's DOM recurses (copying, dumping, comparing), so a
// document nested thousands of levels deep would overflow the stack: its nesting depth is
// measured on the bytes first, in one pass without recursion, and the text is parsed only when
// that depth is within the limit.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "iotlite/result.hpp"

namespace iotlite::cli {

// Nesting (objects and arrays together) the CLI accepts in a JSON input. The same bound core
// applies to any shadow JSON (shadow::limits::max_json_nesting, 32; shadow_input.cpp checks that
// they agree). It guards the process, not an AWS rule: AWS's own shadow limit (6 levels of
// objects inside desired/reported, 8 from the document root) is checked by core when the
// update is sent.
inline constexpr std::size_t kMaxJsonInputDepth = 32;

// The deepest nesting of '{' / '[' in `text`, ignoring brackets inside strings, without
// parsing or validating it. Stops scanning as soon as the depth exceeds `cap` and returns
// cap + 1 then. Linear in the text's size, constant memory.
std::size_t json_nesting_depth(std::string_view text, std::size_t cap);

// Parses `text` (named `what` in messages: "--document", "the --context file") with nlohmann in
// its non-throwing form, after checking its depth. Errors name `what` and the rule, never any
// of the text (it may hold a secret):
//   limit_exceeded    "<what> nests JSON more than 32 levels deep; iotlite accepts at most 32"
//   invalid_argument  "<what> is not valid JSON" (also "... (it holds a NUL byte)": nlohmann
//                     would stop at the NUL and ignore the rest)
Result<nlohmann::json> parse_json_input(std::string_view text, std::string_view what);

}  // namespace iotlite::cli
