// The AWS shared config and credentials files (~/.aws/config, ~/.aws/credentials) read the way
// the AWS CLI and SDKs read them (AWS SDKs and Tools Reference Guide, "Shared config and
// credentials files"; AWS CLI User Guide, "Configuration and credential file settings"):
//   - INI text: "[section]" lines, "key = value" lines, '#'/';' full-line comments, CRLF or LF.
//     Keys are case-insensitive (stored lowercased); section names are not.
//   - An indented line right after a key continues it as a nested setting ("s3 =\n  x = 1"):
//     stored as "<key>.<nested key>" (the `services` sections use this).
//   - credentials file: every "[name]" is the profile `name` (a "[profile name]" header is also
//     accepted there, as iotlite always did).
//   - config file: "[default]" or "[profile default]", "[profile name]" for the others,
//     "[services name]" for service-specific endpoints; any other section ("[name]" without the
//     "profile " prefix, "[sso-session x]") is not a profile and is skipped, like the AWS CLI.
//   - The same key in both files for the same profile: the credentials file wins.
// Errors name the file, the line number, the profile and the key; never a value (it could be a
// secret).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "iotlite/result.hpp"
#include "iotlite/sigv4/credentials.hpp"

namespace iotlite::cli {

enum class AwsFileKind : std::uint8_t { credentials, config };

// One profile's settings: key (lowercased) -> value, and which file set it (for messages).
struct AwsProfileSettings {
    std::map<std::string, std::string> values;
    std::map<std::string, std::string> sources;  // key -> file path
    std::map<std::string, AwsFileKind> kinds;    // key -> which of the two files set it
    const std::string* get(const std::string& key) const {
        auto it = values.find(key);
        return it == values.end() ? nullptr : &it->second;
    }
};

// Both files merged: profiles by name, `[services x]` sections by name.
struct AwsSharedConfig {
    std::map<std::string, AwsProfileSettings> profiles;
    std::map<std::string, AwsProfileSettings> services;
    const AwsProfileSettings* profile(const std::string& name) const {
        auto it = profiles.find(name);
        return it == profiles.end() ? nullptr : &it->second;
    }
};

// Parses one file's `text` (read from `source`, named in messages) into `into`. Later values
// for the same key replace earlier ones, so parsing the config file first and the credentials
// file second (as load_aws_shared_config does) lets the credentials file win.
// Errors (Errc::invalid_argument): a section header without ']', a line that is neither a
// section, "key = value" nor a comment (line number only), more than kMaxAwsSections sections.
Result<void> parse_aws_file(std::string_view text, AwsFileKind kind, std::string_view source, AwsSharedConfig& into);

// At most this many sections in one file (each a map): a bound on memory for a hostile file.
inline constexpr std::size_t kMaxAwsSections = 4096;

// AWS_SHARED_CREDENTIALS_FILE when set, else $HOME/.aws/credentials ("" when HOME is unset).
std::string shared_credentials_path();
// AWS_CONFIG_FILE when set, else $HOME/.aws/config ("" when HOME is unset).
std::string shared_config_path();

// Reads both files (each at most kAwsConfigFileLimit, a regular file only; a file that does not
// exist is skipped, as the AWS CLI does) and merges them. `found` (may be null) receives how many
// of the two files exist. Errors: read_bounded_file's for a file that exists but cannot be read,
// is not a regular file or is too big; then parse_aws_file's.
Result<AwsSharedConfig> load_aws_shared_config(int* found = nullptr);

// The `region` of `profile` in the two files, "" when it sets none or the files cannot be read
// (the region of AWS_PROFILE / 'default' applies with credentials from the environment too, as
// in the AWS CLI).
std::string aws_profile_region(const std::string& profile);

// --- The static keys of one profile (what iotlite read before ~/.aws/config was supported) ---

struct AwsProfile {
    sigv4::Credentials credentials;
    std::string region;  // empty when the profile does not set one
};

// Finds `profile` in the credentials-file `text` and returns its static keys.
// Errors (Errc::invalid_argument): profile not found, aws_access_key_id or aws_secret_access_key
// missing or empty, and parse_aws_file's.
Result<AwsProfile> parse_aws_profile(std::string_view text, std::string_view profile, std::string_view source);

// Profile names are not secret, but keep messages one short line.
std::string shown_name(std::string_view name);

}  // namespace iotlite::cli
