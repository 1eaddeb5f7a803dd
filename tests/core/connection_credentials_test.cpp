// Credential providers, the cache's refresh deadline and the clock-skew policy, on a fake clock.
#include <gtest/gtest.h>

#include "iotlite/connection/clock_skew.hpp"
#include "iotlite/connection/credentials_cache.hpp"
#include "iotlite/connection/credentials_provider.hpp"

namespace iotlite::connection {
namespace {

constexpr std::int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z in ms

TimedCredentials creds(const std::string& id, std::int64_t expiration_ms) {
    return TimedCredentials{sigv4::Credentials{id, "secret-" + id, "token-" + id}, expiration_ms};
}

TEST(ConnectionCredentials, StaticProvider_ReturnsItsCredentials) {
    StaticCredentialsProvider p(creds("AKID1", 0));
    auto c = p.fetch(kT0);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c.value().credentials.access_key_id, "AKID1");
}

TEST(ConnectionCredentials, ExpiredOrEmpty_RefusedWithoutSecretInMessage) {
    StaticCredentialsProvider expired(creds("AKID1", kT0 - 30000));
    auto e = expired.fetch(kT0);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().code, Errc::auth_failed);
    EXPECT_NE(e.error().message.find("expired 30 s ago"), std::string::npos) << e.error().message;
    EXPECT_EQ(e.error().message.find("secret-AKID1"), std::string::npos);
    EXPECT_EQ(e.error().message.find("token-AKID1"), std::string::npos);
    StaticCredentialsProvider empty(TimedCredentials{sigv4::Credentials{"AKID", "", ""}, 0});
    EXPECT_EQ(empty.fetch(kT0).error().code, Errc::invalid_argument);
}

TEST(ConnectionCredentials, CallbackProvider_ErrorPassedThrough) {
    CallbackCredentialsProvider p([](std::int64_t) -> Result<TimedCredentials> {
        return make_error(Errc::io_error, "cognito unreachable");
    });
    auto c = p.fetch(kT0);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Errc::io_error);
    EXPECT_EQ(c.error().message, "cognito unreachable");
}

// 10-second credentials: margin = 10 % = 1 s; refreshed at 9 s, not before.
TEST(ConnectionCredentials, CacheTenSecondCredentials_RefreshDeadlineOneSecondBeforeExpiry) {
    int n = 0;
    CallbackCredentialsProvider source([&](std::int64_t now) -> Result<TimedCredentials> {
        ++n;
        return creds("AKID" + std::to_string(n), now + 10000);
    });
    CredentialsCache cache(source);
    EXPECT_FALSE(cache.next_deadline_ms().has_value());
    ASSERT_EQ(cache.fetch(kT0).value().credentials.access_key_id, "AKID1");
    ASSERT_TRUE(cache.next_deadline_ms().has_value());
    EXPECT_EQ(*cache.next_deadline_ms(), kT0 + 9000);
    EXPECT_EQ(cache.fetch(kT0 + 8999).value().credentials.access_key_id, "AKID1");
    EXPECT_EQ(cache.fetch(kT0 + 9000).value().credentials.access_key_id, "AKID2");
    EXPECT_EQ(*cache.next_deadline_ms(), kT0 + 9000 + 9000);
    EXPECT_EQ(cache.fetch_count(), 2u);
}

// An hour: margin = min(5 min, 6 min) = 5 min.
TEST(ConnectionCredentials, CacheHourCredentials_RefreshFiveMinutesBeforeExpiry) {
    StaticCredentialsProvider source(creds("AKID", kT0 + 3600 * 1000));
    CredentialsCache cache(source);
    ASSERT_TRUE(cache.fetch(kT0).ok());
    EXPECT_EQ(*cache.next_deadline_ms(), kT0 + 3300 * 1000);
}

TEST(ConnectionCredentials, CacheConfiguredMargin_Used) {
    StaticCredentialsProvider source(creds("AKID", kT0 + 3600 * 1000));
    CredentialsCache cache(source, 60000);
    ASSERT_TRUE(cache.fetch(kT0).ok());
    EXPECT_EQ(*cache.next_deadline_ms(), kT0 + 3540 * 1000);
}

// A margin longer than the lifetime would refresh in a loop: the floor is half the lifetime (>= 5 s).
TEST(ConnectionCredentials, CacheMarginOverLifetime_FloorHalfLifetime) {
    StaticCredentialsProvider source(creds("AKID", kT0 + 20000));
    CredentialsCache cache(source, 60000);
    ASSERT_TRUE(cache.fetch(kT0).ok());
    EXPECT_EQ(*cache.next_deadline_ms(), kT0 + 10000);
}

TEST(ConnectionCredentials, CacheLongTermCredentials_NoDeadlineFetchedOnce) {
    StaticCredentialsProvider source(creds("AKID", 0));
    CredentialsCache cache(source);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(cache.fetch(kT0 + i * 86400000LL).ok());
    EXPECT_FALSE(cache.next_deadline_ms().has_value());
    EXPECT_EQ(cache.fetch_count(), 1u);
}

TEST(ConnectionCredentials, CacheRefreshFailsWhileStillValid_KeepsOldThenFailsAfterExpiry) {
    bool fail = false;
    CallbackCredentialsProvider source([&](std::int64_t now) -> Result<TimedCredentials> {
        if (fail) return make_error(Errc::io_error, "source down");
        return creds("AKID", now + 10000);
    });
    CredentialsCache cache(source);
    ASSERT_TRUE(cache.fetch(kT0).ok());
    fail = true;
    auto kept = cache.fetch(kT0 + 9500);  // due for refresh, refresh fails, still valid
    ASSERT_TRUE(kept.ok());
    EXPECT_EQ(kept.value().expiration_ms, kT0 + 10000);
    auto gone = cache.fetch(kT0 + 10000);
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().code, Errc::io_error);
}

TEST(ConnectionCredentials, CacheInvalidate_FetchesAgain) {
    StaticCredentialsProvider source(creds("AKID", 0));
    CredentialsCache cache(source);
    ASSERT_TRUE(cache.fetch(kT0).ok());
    cache.invalidate();
    ASSERT_TRUE(cache.fetch(kT0).ok());
    EXPECT_EQ(cache.fetch_count(), 2u);
}

TEST(ConnectionCredentials, RefreshDeadline_TheCachePolicyAsAFunction) {
    // What the JS package asks the wasm module: the same numbers as the cache's deadlines above.
    EXPECT_EQ(refresh_deadline_ms(kT0 + 3600000, kT0, -1), kT0 + 3600000 - 300000);  // 5 min of an hour
    EXPECT_EQ(refresh_deadline_ms(kT0 + 10000, kT0, -1), kT0 + 9000);                // 10 % of 10 s
    EXPECT_EQ(refresh_deadline_ms(kT0 + 3600000, kT0, 60000), kT0 + 3540000);        // configured margin
    EXPECT_EQ(refresh_deadline_ms(kT0 + 20000, kT0, 60000), kT0 + 10000);            // floor: half the lifetime
    EXPECT_EQ(refresh_deadline_ms(kT0 + 4000, kT0, 60000), kT0 + 4000);              // never past expiry
}

TEST(ConnectionCredentials, ParseExpiration_UtcOffsetAndFractions) {
    EXPECT_EQ(parse_expiration("2026-01-01T00:00:00Z").value(), kT0);
    EXPECT_EQ(parse_expiration("2026-01-01T00:00:00.123Z").value(), kT0);
    EXPECT_EQ(parse_expiration("2026-01-01T01:00:00+01:00").value(), kT0);
    EXPECT_EQ(parse_expiration("2025-12-31T19:30:00-04:30").value(), kT0);
    EXPECT_EQ(parse_expiration("2026-01-01T00:00:00+00:00").value(), kT0);
    EXPECT_FALSE(parse_expiration("2026-01-01T00:00:00+24:00").ok());
    EXPECT_FALSE(parse_expiration("tomorrow").ok());
    EXPECT_FALSE(parse_expiration("").ok());
    EXPECT_EQ(parse_expiration("1767225600").error().code, Errc::invalid_argument);
}

TEST(ConnectionClockSkew, ServerAheadAnHour_OffsetLearnedAndApplied) {
    ClockSkew skew;
    auto changed = skew.observe(1767229200, 1767225600);
    ASSERT_TRUE(changed.ok());
    EXPECT_TRUE(changed.value());
    EXPECT_EQ(skew.offset_s(), 3600);
    EXPECT_EQ(skew.corrected_s(1767225600), 1767229200);
}

TEST(ConnectionClockSkew, DisagreementWithinTwoSeconds_Ignored) {
    ClockSkew skew;
    EXPECT_FALSE(skew.observe(1000, 998).value());
    EXPECT_EQ(skew.offset_s(), 0);
    EXPECT_TRUE(skew.observe(1000, 997).value());
    EXPECT_EQ(skew.offset_s(), 3);
    EXPECT_FALSE(skew.observe(1001, 997).value());  // 4 vs 3: within the hysteresis
    EXPECT_EQ(skew.offset_s(), 3);
    EXPECT_TRUE(skew.observe(1000, 1000).value());  // back to 0: 3 s change
    EXPECT_EQ(skew.offset_s(), 0);
}

TEST(ConnectionClockSkew, OverTwentyFourHours_RefusedAndOffsetKept) {
    ClockSkew skew;
    ASSERT_TRUE(skew.set_offset_s(-120).ok());
    auto r = skew.observe(1767225600, 0);  // a device clock at 1970
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    EXPECT_NE(r.error().message.find("86400"), std::string::npos) << r.error().message;
    EXPECT_EQ(skew.offset_s(), -120);
    EXPECT_TRUE(skew.observe(86400, 0).ok());  // exactly the bound is allowed
    EXPECT_FALSE(skew.set_offset_s(86401).ok());
}

}  // namespace
}  // namespace iotlite::connection
