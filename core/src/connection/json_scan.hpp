// A small, purpose-built JSON scanner for the connection layer (Cognito's AWS JSON 1.1 answers).
// No DOM: it validates a whole document (RFC 8259 grammar, UTF-8 in strings, bounded depth and
// member count) with core's one reader (src/json/reader.hpp, not building) and hands back the
// top-level members of an object as views, so the plain .wasm carries no DOM code. Values are
// read on demand: string_value() unescapes a string (\uXXXX and surrogate pairs included),
// number_scaled() reads a number such as 1.7E9 exactly.
// Internal to iotlite_core (src/connection), not a public header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../json/reader.hpp"
#include "iotlite/result.hpp"

namespace iotlite::connection::json {

// string, number, object, array, literal (true, false, null)
using Kind = iotlite::json::detail::Kind;
// name (unescaped), kind, raw (the value's text in the scanned document, a string with its quotes)
using Member = iotlite::json::detail::RawMember;

inline constexpr std::size_t kMaxDepth = 16;                                      // nesting of objects and arrays
inline constexpr std::size_t kMaxMembers = iotlite::json::detail::kMaxTopMembers;  // top-level members returned

// `text` must be exactly one JSON object, white space around it allowed. The whole document is
// checked; the top-level members are returned in order. Errors: Errc::protocol_error with rule
//   "json.syntax"     not RFC 8259 JSON (actual = byte offset of the problem)
//   "json.string"     a control character, a bad escape, a lone surrogate or invalid UTF-8 in a
//                     string (actual = byte offset)
//   "json.depth"      nesting deeper than max_depth (limit = max_depth)
//   "json.members"    more than kMaxMembers top-level members (limit = kMaxMembers)
//   "json.duplicate"  a top-level member name twice (ambiguous: refused)
Result<std::vector<Member>> scan_object(std::string_view text, std::size_t max_depth = kMaxDepth);

// The member called `name`, or nullptr.
const Member* find(const std::vector<Member>& members, std::string_view name);

// The unescaped UTF-8 text of a string token (`raw` with its quotes, as scan_object returns it).
// Errors: "json.string" (protocol_error) for a token scan_object would refuse.
Result<std::string> string_value(std::string_view raw);

// A number token times 10^scale, truncated toward zero ("1.7E9" with scale 3: 1700000000000),
// computed exactly in decimal. Errors: "json.number" (protocol_error) when it is not a number
// token or its magnitude after scaling exceeds `max` (limit = 0; the message names max).
Result<std::int64_t> number_scaled(std::string_view raw, int scale, std::int64_t max);

// At most `max` bytes of `text` for a message, bytes outside printable ASCII as '?' and "..."
// when cut (text from the network never puts control characters into a message).
std::string printable(std::string_view text, std::size_t max);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or values over U+10FFFF).
using iotlite::json::detail::valid_utf8;

}  // namespace iotlite::connection::json
