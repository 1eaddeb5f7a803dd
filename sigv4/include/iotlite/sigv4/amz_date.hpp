// Signing time. The library never reads a clock: the caller passes epoch seconds.
#pragma once

#include <cstdint>
#include <string_view>

#include "iotlite/result.hpp"

namespace iotlite::sigv4 {

// The two forms SigV4 needs: "20150830T123600Z" (X-Amz-Date) and "20150830" (scope date).
struct AmzDate {
    char text[16] = {};
    std::string_view date_time() const { return {text, 16}; }
    std::string_view date() const { return {text, 8}; }
};

// Formats epoch seconds (UTC). Errc::invalid_argument outside 1970-01-01 .. 9999-12-31.
Result<AmzDate> format_amz_date(std::int64_t epoch_seconds);

// Parses an ISO-8601 UTC time: "2026-01-01T00:00:00Z", optionally with fractional seconds
// ("...:00.123Z", truncated), or the basic form "20260101T000000Z". Errc::invalid_argument
// naming the expected form otherwise (including out-of-range fields such as month 13).
Result<std::int64_t> parse_iso8601(std::string_view text);

}  // namespace iotlite::sigv4
