// The request document of `iotlite shadow update`, from its JSON flags: --desired JSON and/or
// --reported JSON, or a whole --document {"state": {...}[, "version": V][, "clientToken": T]}.
// A function of strings (no process, no connection), so that units and the fuzzer can run it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "iotlite/result.hpp"
#include "iotlite/services/shadow/document.hpp"

namespace iotlite::cli {

struct ShadowUpdateInput {
    shadow::Json state = shadow::Json::object();  // {"desired": ..., "reported": ...}
    std::optional<std::uint64_t> version;          // --document's "version"
    std::string client_token;                      // --document's "clientToken" (valid), if any
};

// Each flag's text, or nullptr when the flag was not given. `client_token_given`: --client-token
// was given, so --document's clientToken is ignored. Every JSON text goes through
// parse_json_input (depth checked before parsing). Errors (invalid_argument / limit_exceeded,
// one line naming the flag and the rule, never the JSON itself): no state flag; --document with
// --desired/--reported; invalid JSON; nesting deeper than kMaxJsonInputDepth; a section that is
// not an object or null; a document without a "state" object; a bad "version" or "clientToken".
// The state itself is checked against AWS's shadow rules by core when the update is sent.
Result<ShadowUpdateInput> parse_shadow_update_input(const std::string* desired, const std::string* reported,
                                                    const std::string* document, bool client_token_given);

}  // namespace iotlite::cli
