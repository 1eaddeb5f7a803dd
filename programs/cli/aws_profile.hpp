// Reading a named profile from the AWS shared credentials file (~/.aws/credentials), the way the
// AWS CLI and SDKs do: INI sections "[name]" (also "[profile name]"), "key = value" lines,
// '#'/';' comment lines, indented continuation lines ignored. Only the three credential keys and
// `region` are used. Errors name the file, the profile and the missing key, never a value.
#pragma once

#include <string>
#include <string_view>

#include "iotlite/result.hpp"
#include "iotlite/sigv4/credentials.hpp"

namespace iotlite::cli {

struct AwsProfile {
    sigv4::Credentials credentials;
    std::string region;  // empty when the profile does not set one
};

// AWS_SHARED_CREDENTIALS_FILE when set, else $HOME/.aws/credentials ("" when HOME is unset).
std::string shared_credentials_path();

// Finds `profile` in the INI `text` (read from `source`, used in messages only).
// Errors (Errc::invalid_argument): profile not found, aws_access_key_id or aws_secret_access_key
// missing or empty, a line that is neither a section, a key = value pair nor a comment.
Result<AwsProfile> parse_aws_profile(std::string_view text, std::string_view profile, std::string_view source);

// Reads shared_credentials_path() (at most kAwsConfigFileLimit, a regular file only) and parses
// it. Errors: read_bounded_file's (io_error: cannot be opened; invalid_argument: not a regular
// file; limit_exceeded: too big), then parse_aws_profile's.
Result<AwsProfile> load_aws_profile(std::string_view profile);

}  // namespace iotlite::cli
