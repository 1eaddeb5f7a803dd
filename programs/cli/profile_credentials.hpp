// The credentials of one AWS profile, resolved the way the AWS CLI resolves them (AWS CLI User
// Guide, "Configuration and credential file settings", "Using an IAM role in the AWS CLI",
// "Sourcing credentials with an external process"), in this order within the profile:
//   1. role_arn + source_profile: STS AssumeRole signed with the source profile's credentials
//      (themselves resolved by these same rules; a chain of at most kMaxSourceProfileChain
//      profiles, a loop refused; a profile naming itself as source_profile uses its own static
//      keys); role_session_name, external_id, duration_seconds are passed on;
//   2. aws_access_key_id + aws_secret_access_key (+ aws_session_token) from the credentials file;
//   3. credential_process;
//   4. the same static keys from the config file.
// Not supported, and refused with an error naming the key (never a silent fallback to another
// source): IAM Identity Center (sso_session, sso_start_url and every other sso_* key),
// web_identity_token_file, credential_source, mfa_serial.
// The STS endpoint: AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else the active profile's
// `services` section's "sts = / endpoint_url = ...", else its endpoint_url, else AWS's regional
// endpoint (the global one without a region) — none of the configured ones when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls is true (AWS SDKs and
// Tools Reference Guide, "Service-specific endpoints"). The CA that verifies it: AWS_CA_BUNDLE,
// else the profile's ca_bundle, else Amazon Root CA 1.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "aws_profile.hpp"
#include "iotlite/connection/credentials_provider.hpp"
#include "iotlite/result.hpp"
#include "sts_client.hpp"

namespace iotlite::cli {

inline constexpr std::size_t kMaxSourceProfileChain = 8;
inline constexpr const char* kDefaultStsCaPath = "/etc/ssl/certs/Amazon_Root_CA_1.pem";

// What resolving reaches outside the files; replaced by tests.
struct ProfileSources {
    std::function<std::string(const char* name)> env;  // an environment variable, "" when unset
    std::function<Result<connection::TimedCredentials>(const std::string& command)> run_process;
    std::function<Result<connection::TimedCredentials>(const StsEndpoint& endpoint, const AssumeRoleParams& params,
                                                       const sigv4::Credentials& source, const std::string& ca_pem)>
        assume_role;
    std::function<Result<std::string>(const std::string& path, const std::string& label)> read_pem;
    std::function<std::int64_t()> now_s;  // for the default role_session_name
};

// The real ones: getenv, run_credential_process, assume_role (10 s), read_bounded_file.
ProfileSources system_profile_sources();

struct ResolvedCredentials {
    connection::TimedCredentials credentials;
    std::string region;  // the profile's region ("" when it sets none)
    std::string how;     // "static keys", "credential_process", "role_arn via profile 'base'": for messages
};

// `files` describes where profiles come from, for "not found" messages ("/h/.aws/config or
// /h/.aws/credentials"). Errors: invalid_argument (profile not found, keys missing, a bad value,
// a source_profile loop: each naming the profile and the key), unsupported (the keys above),
// limit_exceeded (a chain over kMaxSourceProfileChain), and those of the sources.
Result<ResolvedCredentials> resolve_profile_credentials(const AwsSharedConfig& config, const std::string& profile,
                                                        const std::string& files, const ProfileSources& sources);

}  // namespace iotlite::cli
