// Shadow documents: parsing of service responses and the client-side checks of request state.
//
// JSON is core's json::Value (iotlite/json/value.hpp): type checks before every access; parsed
// documents are bounded in depth (copying, comparing and dumping recurse).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "iotlite/json/value.hpp"
#include "iotlite/result.hpp"

namespace iotlite::shadow {

using Json = json::Value;

// Client-side limits (defaults are AWS's, see names.hpp).
struct Limits {
    std::size_t max_state_bytes = 8192;
    std::size_t max_state_depth = 6;
};

// An accepted response (get/update/delete), a delta, or one side of a documents message.
// Fields absent from the payload stay empty / nullopt.
struct Document {
    Json state;     // object or null: {desired, reported[, delta]}; for a delta, the delta itself
    Json metadata;  // object or null
    std::optional<std::uint64_t> version;
    std::optional<std::uint64_t> timestamp;  // epoch seconds, set by the service
    std::string client_token;
};

// A /rejected response: {"code":409,"message":"Version conflict",...}.
struct Rejection {
    int code = 0;
    std::string message;
    std::string client_token;
    std::optional<std::uint64_t> timestamp;
};

// Parses untrusted bytes. Errc::protocol_error naming the problem (invalid JSON, not an object,
// too deep, wrong member type). Nesting beyond 32 levels is refused (bounded recursion later).
Result<Json> parse_json(std::string_view text);
// A response or delta document (payload already parsed).
Result<Document> parse_document(const Json& payload);
Result<Rejection> parse_rejection(const Json& payload);
// The {previous, current, timestamp} of an /update/documents message.
struct DocumentsMessage {
    Document previous;
    Document current;
    std::optional<std::uint64_t> timestamp;
    std::string client_token;
};
Result<DocumentsMessage> parse_documents(const Json& payload);

// Compact serialisation (no whitespace), as AWS counts sizes.
std::string to_compact(const Json& value);

// Depth of nested containers: 0 for a scalar, 1 + deepest child for an object (and for an array
// when `count_arrays`; otherwise an array is as deep as its deepest element). Stops counting at
// `cap` containers of either kind (bounded recursion on untrusted input).
std::size_t json_depth(const Json& value, std::size_t cap, bool count_arrays = true);

// Checks an update's `state` before sending: an object whose only members are "desired" and
// "reported", each an object or null; objects nested <= limits.max_state_depth levels within
// each (arrays not counted, as by AWS) and any nesting <= 32; no null inside arrays (AWS: "arrays
// can't have null values"); strings and keys valid UTF-8.
// Errc::invalid_argument / limit_exceeded naming the rule.
Result<void> validate_state(const Json& state, const Limits& limits);

// Size AWS counts against the 8 KB: compact JSON of desired + compact JSON of reported (a section
// counts 0 when null, absent or empty).
std::size_t state_size(const Json& desired, const Json& reported);

// RFC 7396 merge (AWS update semantics): objects merge recursively, null deletes a key,
// anything else replaces. `target` becomes an object when `patch` is one.
void merge_state(Json& target, const Json& patch);

// Members of `desired` that differ from `reported` (objects compared recursively, arrays and
// scalars as a whole): what the service would publish on /update/delta.
Json compute_delta(const Json& desired, const Json& reported);

}  // namespace iotlite::shadow
