// iotlite::connection::ClockSkew — the one clock-skew policy.
//
// AWS refuses a SigV4 signature whose X-Amz-Date is more than 15 minutes off its clock (HTTP 403
// on the WebSocket upgrade or the HTTPS request). A device or browser with a wrong clock
// recovers by learning server time from an HTTP `Date` header (a Cognito or HTTPS publish
// answer, a refused upgrade where the answer is readable) and signing with
//   signing time = local wall clock + offset.
// Policy:
//   - `Date` has one-second resolution, so an observed offset replaces the current one only when
//     they differ by more than kSkewHysteresisS (2 s): answers in a steady stream do not make the
//     signing time jitter;
//   - the offset is bounded by kMaxClockOffsetS (24 h): a larger disagreement is a broken clock
//     (TLS certificate validity checks would fail too) or a broken header, and is refused with
//     Errc::limit_exceeded instead of being applied. The application may still set any offset
//     within the bound explicitly (set_offset_s).
// The core reads no clock: callers pass their wall-clock time in epoch seconds.
#pragma once

#include <cstdint>
#include <string_view>

#include "iotlite/result.hpp"

namespace iotlite::connection {

inline constexpr std::int64_t kMaxClockOffsetS = 24 * 3600;
inline constexpr std::int64_t kSkewHysteresisS = 2;

class ClockSkew {
public:
    // server_s: the server's time (e.g. a parsed `Date` header); local_s: our wall clock when the
    // answer arrived. Returns whether the offset changed. Errc::limit_exceeded when the
    // disagreement is over kMaxClockOffsetS (the offset is left as it was).
    Result<bool> observe(std::int64_t server_s, std::int64_t local_s);
    // observe() with the server time read from an HTTP `Date` header (http_date.hpp). Errors:
    // parse_http_date's Errc::invalid_argument as it is (the offset is left as it was), then
    // observe()'s.
    Result<bool> observe_date(std::string_view date_header, std::int64_t local_s);
    // Errc::limit_exceeded outside +-kMaxClockOffsetS.
    Result<void> set_offset_s(std::int64_t offset_s);

    std::int64_t offset_s() const { return offset_s_; }
    // The local wall clock corrected to server time (what every signature uses).
    std::int64_t corrected_s(std::int64_t local_s) const { return local_s + offset_s_; }

private:
    std::int64_t offset_s_ = 0;
};

}  // namespace iotlite::connection
