// Internal helpers for building error messages without snprintf/iostreams, out of line so
// that each call site stays small (code size matters on Cortex-M).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

#include "iotlite/result.hpp"

namespace iotlite::mqtt::detail {

// Decimal text of `value`.
std::string decimal(std::size_t value);

// An Error whose message is the concatenation of `parts`.
Error error_of(Errc code, std::initializer_list<std::string_view> parts);

}  // namespace iotlite::mqtt::detail
