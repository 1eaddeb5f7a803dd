#include "iotlite/connection/credentials_cache.hpp"

#include <algorithm>

namespace iotlite::connection {

std::int64_t refresh_deadline_ms(std::int64_t expiration_ms, std::int64_t now_ms, std::int64_t margin_ms) {
    const std::int64_t lifetime = expiration_ms - now_ms;
    const std::int64_t margin =
        margin_ms >= 0 ? margin_ms : std::min(kDefaultMaxRefreshMarginMs, std::max<std::int64_t>(0, lifetime) / 10);
    const std::int64_t floor = now_ms + (lifetime > 0 ? std::max<std::int64_t>(5000, lifetime / 2) : 60000);
    // The floor never pushes the refresh past expiry: short-lived credentials refresh at expiry at the latest.
    return std::max(expiration_ms - margin, std::min(floor, expiration_ms));
}

Result<TimedCredentials> CredentialsCache::fetch(std::int64_t now_ms) {
    if (cached_ && (cached_->expiration_ms == 0 || now_ms < refresh_at_ms_)) return *cached_;
    ++fetches_;
    Result<TimedCredentials> fresh = source_.fetch(now_ms);
    if (!fresh.ok()) {
        if (cached_ && (cached_->expiration_ms == 0 || now_ms < cached_->expiration_ms)) return *cached_;
        cached_.reset();
        return fresh.error();
    }
    if (auto ok = check_credentials(fresh.value(), now_ms, "credentials source"); !ok) {
        cached_.reset();
        return ok.error();
    }
    cached_ = fresh.value();
    refresh_at_ms_ = cached_->expiration_ms == 0 ? 0 : refresh_deadline_ms(cached_->expiration_ms, now_ms, margin_ms_);
    return fresh;
}

std::optional<std::int64_t> CredentialsCache::next_deadline_ms() const {
    if (!cached_ || cached_->expiration_ms == 0) return std::nullopt;
    return refresh_at_ms_;
}

}  // namespace iotlite::connection
