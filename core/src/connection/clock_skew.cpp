#include "iotlite/connection/clock_skew.hpp"

#include "../mqtt/format.hpp"

#include "iotlite/connection/http_date.hpp"

namespace iotlite::connection {

namespace {

Error over_bound(std::int64_t offset_s) {
    static_assert(kMaxClockOffsetS == 86400, "the message below names the bound");
    const std::uint64_t size = offset_s < 0 ? 0 - static_cast<std::uint64_t>(offset_s) : static_cast<std::uint64_t>(offset_s);
    return mqtt::detail::error_fmt(Errc::limit_exceeded,
                                   "clock offset %% s is beyond the bound of +-86400 s (24 h): fix the device clock instead",
                                   offset_s < 0 ? "-" : "", size);
}

}  // namespace

Result<bool> ClockSkew::observe(std::int64_t server_s, std::int64_t local_s) {
    const std::int64_t offset = server_s - local_s;
    if (offset > kMaxClockOffsetS || offset < -kMaxClockOffsetS) return over_bound(offset);
    const std::int64_t change = offset - offset_s_;
    if (change <= kSkewHysteresisS && change >= -kSkewHysteresisS) return false;
    offset_s_ = offset;
    return true;
}

Result<bool> ClockSkew::observe_date(std::string_view date_header, std::int64_t local_s) {
    Result<std::int64_t> server = parse_http_date(date_header);
    if (!server.ok()) return server.error();
    return observe(server.value(), local_s);
}

Result<void> ClockSkew::set_offset_s(std::int64_t offset_s) {
    if (offset_s > kMaxClockOffsetS || offset_s < -kMaxClockOffsetS) return over_bound(offset_s);
    offset_s_ = offset_s;
    return {};
}

}  // namespace iotlite::connection
