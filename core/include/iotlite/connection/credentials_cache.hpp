// iotlite::connection::CredentialsCache — keeps the credentials of a provider and refreshes them
// a margin before they expire. The refresh deadline is an output, like the engine's keep-alive
// timer: a driver with an asynchronous source (Cognito over fetch) schedules its refresh at
// next_deadline_ms(); a synchronous one simply calls get() on every connect attempt.
//
// Refresh margin (as the JS package's credentials.js): the configured one, else the smaller of
// 5 minutes and 10 % of the lifetime. Floors against a refresh loop: never sooner than
// max(5 s, lifetime / 2) after a fetch for credentials with a lifetime, 60 s for credentials that
// look expired on arrival (a wrong local clock) — unless they are expired, then get() fails.
#pragma once

#include <cstdint>
#include <optional>

#include "iotlite/connection/credentials_provider.hpp"

namespace iotlite::connection {

inline constexpr std::int64_t kDefaultMaxRefreshMarginMs = 5 * 60 * 1000;

// When to refresh credentials that expire at `expiration_ms` (epoch ms, > 0) and were fetched at
// `now_ms`, by the rules above; margin_ms < 0: the default margin. The one refresh policy of the
// package: CredentialsCache uses it, and the JS package asks the wasm module for it.
std::int64_t refresh_deadline_ms(std::int64_t expiration_ms, std::int64_t now_ms, std::int64_t margin_ms);

class CredentialsCache : public CredentialsProvider {
public:
    // refresh_margin_ms < 0: the default margin above.
    explicit CredentialsCache(CredentialsProvider& source, std::int64_t refresh_margin_ms = -1)
        : source_(source), margin_ms_(refresh_margin_ms) {}

    // The cached credentials while now_ms < refresh deadline, else freshly fetched ones. If a
    // refresh fails while the cached credentials are still valid, those are returned (the next
    // call tries again); otherwise the source's error.
    Result<TimedCredentials> fetch(std::int64_t now_ms) override;
    // Forget the cache (e.g. after an upgrade refused with 403 for an expired token).
    void invalidate() override { cached_.reset(); }

    // When to refresh next (epoch ms), none when nothing is cached or nothing expires.
    std::optional<std::int64_t> next_deadline_ms() const;
    // How many times the source was asked (for tests and diagnostics).
    std::uint32_t fetch_count() const { return fetches_; }

private:
    CredentialsProvider& source_;
    std::int64_t margin_ms_;
    std::optional<TimedCredentials> cached_;
    std::int64_t refresh_at_ms_ = 0;
    std::uint32_t fetches_ = 0;
};

}  // namespace iotlite::connection
