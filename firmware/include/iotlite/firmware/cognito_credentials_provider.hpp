// iotlite::firmware::CognitoCredentialsProvider — temporary credentials from a Cognito identity
// pool for a device: core's connection::CognitoIdentity writes each request and reads each
// answer; this class only performs them, over HTTPS (server verified against the factory's CA,
// no client certificate) or, for an http:// endpoint (a local stand-in), plain TCP.
// Wrap it in a connection::CredentialsCache: the cache asks again before the credentials expire.
// fetch() blocks (waiting with the Port's waiter) for at most 3 exchanges: GetId,
// GetCredentialsForIdentity, and the one start-over when a cached identity id is refused.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "iotlite/connection/clock_skew.hpp"
#include "iotlite/connection/cognito.hpp"
#include "iotlite/connection/credentials_provider.hpp"
#include "iotlite/firmware/http_answer_parser.hpp"
#include "iotlite/firmware/port.hpp"
#include "iotlite/firmware/transport_factory.hpp"
#include "iotlite/result.hpp"

namespace iotlite::firmware {

class CognitoCredentialsProvider : public connection::CredentialsProvider {
public:
    // The logins of each fetch (tokens change: an identity provider's token is refreshed by the
    // application). Empty function or empty list: the unauthenticated identity.
    using Logins = std::function<std::vector<connection::CognitoLogin>()>;

    // Errors: those of connection::CognitoIdentity::create (invalid_argument naming the rule).
    // `skew` (not owned, may be null; usually the TargetBuilder's) learns from every answer's Date.
    static Result<CognitoCredentialsProvider> create(TransportFactory& factory, Port port,
                                                     connection::CognitoConfig config,
                                                     connection::ClockSkew* skew = nullptr, Logins logins = {},
                                                     std::uint32_t timeout_ms = kHttpDefaultDeadlineMs);

    // Errors: the transport's (io_error, timeout, crypto_error ...; http_status 0), then
    // CognitoIdentity::on_answer's (auth_failed for NotAuthorizedException, ... with http_status
    // and Error::rule "cognito.<Exception>"), then check_credentials' (auth_failed when the
    // credentials are already expired at now_ms).
    Result<connection::TimedCredentials> fetch(std::int64_t now_ms) override;

    // The clock-skew policy each answer's Date feeds (e.g. the TargetBuilder's, which exists only
    // after its provider). Not owned; may be null.
    void set_clock_skew(connection::ClockSkew* skew) { skew_ = skew; }

    // The identity id Cognito gave ("" before the first GetId): an application may store it and
    // pass it as CognitoConfig::identity_id next time.
    const std::string& identity_id() const { return identity_.identity_id(); }

private:
    CognitoCredentialsProvider(TransportFactory& factory, Port port, connection::CognitoIdentity identity,
                               connection::ClockSkew* skew, Logins logins, std::uint32_t timeout_ms)
        : factory_(&factory), port_(port), identity_(std::move(identity)), skew_(skew), logins_(std::move(logins)),
          timeout_ms_(timeout_ms) {}

    TransportFactory* factory_;
    Port port_;
    connection::CognitoIdentity identity_;
    connection::ClockSkew* skew_;
    Logins logins_;
    std::uint32_t timeout_ms_;
};

}  // namespace iotlite::firmware
