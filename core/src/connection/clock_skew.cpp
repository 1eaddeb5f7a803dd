#include "iotlite/connection/clock_skew.hpp"

#include <string>

namespace iotlite::connection {

namespace {

Error over_bound(std::int64_t offset_s) {
    return make_error(Errc::limit_exceeded, "clock offset " + std::to_string(offset_s) +
                                                " s is beyond the bound of +-" + std::to_string(kMaxClockOffsetS) +
                                                " s (24 h): fix the device clock instead");
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

Result<void> ClockSkew::set_offset_s(std::int64_t offset_s) {
    if (offset_s > kMaxClockOffsetS || offset_s < -kMaxClockOffsetS) return over_bound(offset_s);
    offset_s_ = offset_s;
    return {};
}

}  // namespace iotlite::connection
