// Credential providers as small composable pieces (the aws-c-auth idea):
//   StaticCredentialsProvider    fixed credentials (long-term keys, or a token the app manages)
//   CallbackCredentialsProvider  the application's function hands over credentials, usually
//                                temporary ones with an expiry (STS, Cognito, a credential_process)
//   CredentialsCache             (credentials_cache.hpp) wraps any provider, refreshes before expiry
// Providers are synchronous and read no clock: `now_ms` (epoch milliseconds, server time: the
// wall clock corrected by the ClockSkew policy) is an input.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "iotlite/result.hpp"
#include "iotlite/sigv4/credentials.hpp"

namespace iotlite::connection {

struct TimedCredentials {
    sigv4::Credentials credentials;  // never logged
    std::int64_t expiration_ms = 0;  // epoch milliseconds; 0: does not expire
};

class CredentialsProvider {
public:
    virtual ~CredentialsProvider() = default;
    // Errors: whatever the source reports; Errc::invalid_argument for credentials without an
    // access key id or secret; Errc::auth_failed for credentials already expired at now_ms.
    virtual Result<TimedCredentials> fetch(std::int64_t now_ms) = 0;
    // The server refused the credentials last handed out (an upgrade answered 401/403): a
    // provider that caches forgets them, so the next fetch asks its source again.
    virtual void invalidate() {}
};

// An expiry as AWS tools write it (AWS_CREDENTIAL_EXPIRATION, credential_process' Expiration):
// ISO 8601 / RFC 3339 in UTC ("2026-01-01T00:00:00Z", fractions allowed) or with an offset
// ("2026-01-01T01:00:00+01:00", what `aws configure export-credentials` prints), to epoch
// milliseconds. Errc::invalid_argument naming the expected form.
Result<std::int64_t> parse_expiration(std::string_view text);

// Checks what any provider hands over (non-empty key id and secret, not expired at now_ms);
// `source` names the provider in the message (never a secret).
Result<void> check_credentials(const TimedCredentials& credentials, std::int64_t now_ms, const char* source);

class StaticCredentialsProvider : public CredentialsProvider {
public:
    explicit StaticCredentialsProvider(TimedCredentials credentials) : credentials_(std::move(credentials)) {}
    Result<TimedCredentials> fetch(std::int64_t now_ms) override;

private:
    TimedCredentials credentials_;
};

class CallbackCredentialsProvider : public CredentialsProvider {
public:
    using Fetch = std::function<Result<TimedCredentials>(std::int64_t now_ms)>;
    explicit CallbackCredentialsProvider(Fetch fetch) : fetch_(std::move(fetch)) {}
    // The callback's error as it is; then check_credentials' errors.
    Result<TimedCredentials> fetch(std::int64_t now_ms) override;

private:
    Fetch fetch_;
};

}  // namespace iotlite::connection
