// `credential_process` (AWS SDKs and Tools Reference Guide, "Process credential provider"; AWS CLI
// User Guide, "Sourcing credentials with an external process"): a command in a profile of the
// config file whose standard output is
//   {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...",
//    "SessionToken": "...", "Expiration": "2026-01-01T00:00:00Z"}
// (SessionToken and Expiration optional; Expiration in RFC 3339; no Expiration: never expires).
// The command line is split into words as the AWS CLI does (double quotes group a path or an
// argument with spaces) and run directly, without a shell: no $VAR or ~ expansion, as the
// guide's syntax rules say. Its standard error is passed through to ours; its standard input is
// /dev/null. What it prints is bounded in size and time; on either bound it is killed.
// Errors name the rule and the bound, never what the command printed (it holds the secret).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iotlite/connection/credentials_provider.hpp"
#include "iotlite/result.hpp"

namespace iotlite::cli {

struct CredentialProcessLimits {
    std::size_t max_output_bytes = 64 * 1024;  // a token is a few KB
    std::uint32_t timeout_ms = 60000;          // the whole run, start to exit
};

// Splits a credential_process value into words: blanks separate words, "..." groups (a
// backslash escapes '"' and '\' inside quotes), no other expansion. Errors (invalid_argument):
// an unterminated quote, no word at all.
Result<std::vector<std::string>> split_command_line(std::string_view command);

// Parses the command's output (the JSON above). Errors (invalid_argument), naming the member
// and never a value: not JSON / not an object, Version is not 1, AccessKeyId or SecretAccessKey
// missing or not a non-empty string, SessionToken not a string, a control character in one of
// them, Expiration not RFC 3339.
Result<connection::TimedCredentials> parse_credential_process_output(std::string_view output);

// Runs `command` (split_command_line) and parses what it prints. Errors: split_command_line's;
// io_error (cannot start: the command is named, e.g. "no such file"), limit_exceeded (printed
// more than max_output_bytes), timeout (still running after timeout_ms), server_error (exited
// with a non-zero status or was killed by a signal), then parse_credential_process_output's.
Result<connection::TimedCredentials> run_credential_process(std::string_view command,
                                                            const CredentialProcessLimits& limits = {});

}  // namespace iotlite::cli
