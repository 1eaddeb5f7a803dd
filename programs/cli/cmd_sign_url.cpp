// iotlite sign-url: prints a presigned AWS IoT MQTT-over-WebSocket URL.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "cli_util.hpp"
#include "aws_profile.hpp"
#include "connection_options.hpp"
#include "iotlite/sigv4/amz_date.hpp"
#include "iotlite/sigv4/iot_websocket_url.hpp"

namespace iotlite::cli {

namespace {

constexpr const char* kCommand = "sign-url";

constexpr const char* kHelp =
    "usage: iotlite sign-url --endpoint HOST[:PORT] [--region R] [--profile NAME]\n"
    "                        [--time 2026-01-01T00:00:00Z] [--expires SECONDS] [--scheme wss|ws]\n"
    "\n"
    "Prints wss://HOST[:PORT]/mqtt?X-Amz-Algorithm=...&X-Amz-Signature=...[&X-Amz-Security-Token=...]\n"
    "signed for service iotdevicegateway (only host signed; the session token is appended after\n"
    "signing, as AWS IoT requires).\n"
    "\n"
    "  --endpoint   AWS IoT data endpoint, e.g. xxxx-ats.iot.us-east-1.amazonaws.com; a port other\n"
    "               than the scheme's default is kept and signed\n"
    "  --region     signing region; default: inferred from *.iot.<region>.amazonaws.com, else\n"
    "               AWS_REGION / AWS_DEFAULT_REGION, else the profile's region\n"
    "  --profile    use this profile of ~/.aws/config and ~/.aws/credentials (static keys,\n"
    "               credential_process, role_arn + source_profile), as pub and sub do\n"
    "  --time       signing time, ISO-8601 UTC; default: now\n"
    "  --expires    X-Amz-Expires in seconds (1-86400); default: omitted, like the AWS IoT SDKs\n"
    "  --scheme     wss (default) or ws (a local stand-in without TLS)\n"
    "Credentials, as pub and sub: --profile, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /\n"
    "AWS_SESSION_TOKEN, else AWS_PROFILE (else 'default') from the AWS config and credentials files.\n"
    "--access-key-id / --secret-access-key / --session-token are still accepted but print a warning:\n"
    "a secret on the command line is visible to every user of the machine (ps) and stays in the\n"
    "shell history.\n"
    "Exit status: 0 ok, 2 bad input (one line on stderr), 1 signing failed.\n";

}  // namespace

int run_sign_url(int argc, char** argv) {
    const std::vector<OptionSpec> specs = {
        {nullptr, "--endpoint", true},          {nullptr, "--region", true},        {nullptr, "--time", true},
        {nullptr, "--expires", true},           {nullptr, "--scheme", true},        {nullptr, "--access-key-id", true},
        {nullptr, "--secret-access-key", true}, {nullptr, "--session-token", true}, {nullptr, "--help", false},
        {nullptr, "--profile", true},
    };
    ParsedFlags flags;
    std::string error;
    if (!parse_flags(argc, argv, specs, flags, error)) return fail(kCommand, error + " (see iotlite sign-url --help)");
    if (flags.has("--help")) {
        std::fputs(kHelp, stdout);
        return kExitOk;
    }

    sigv4::IotUrlRequest request;
    const std::string* endpoint = flags.get("--endpoint");
    if (endpoint == nullptr || endpoint->empty()) return fail(kCommand, "--endpoint is required (HOST[:PORT])");
    request.endpoint = *endpoint;
    if (const std::string* region = flags.get("--region")) {
        if (region->empty()) return fail(kCommand, "--region is empty");
        request.region = *region;
    }

    // Credentials: the command line (warned about), else --profile, else the environment, else
    // AWS_PROFILE / 'default' (the rules of pub and sub: connection_options.hpp).
    const std::string* key_id = flags.get("--access-key-id");
    const std::string* secret = flags.get("--secret-access-key");
    const std::string* token = flags.get("--session-token");
    const std::string* profile = flags.get("--profile");
    std::string profile_region;
    if (key_id != nullptr || secret != nullptr || token != nullptr) {
        if (profile != nullptr) return fail(kCommand, "--profile and --access-key-id/--secret-access-key/--session-token exclude each other");
        if (key_id == nullptr || secret == nullptr) {
            return fail(kCommand, "--access-key-id and --secret-access-key must be given together");
        }
        request.credentials.access_key_id = *key_id;
        request.credentials.secret_access_key = *secret;
        if (token != nullptr) request.credentials.session_token = *token;
    } else {
        Result<CredentialsSpec> chosen = credentials_spec_for(profile);
        if (!chosen.ok()) return fail(kCommand, chosen.error().message);
        const CredentialsSpec& spec = chosen.value();
        if (!spec.environment && !spec.explicit_profile) {
            int files = 0;
            Result<AwsSharedConfig> config = load_aws_shared_config(&files);
            if (config.ok() && files == 0) {
                return fail(kCommand, "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile "
                                      "(there is no AWS config or credentials file)");
            }
        }
        Result<connection::TimedCredentials> read = read_sigv4_credentials(spec, &profile_region);
        if (!read.ok()) {
            return fail(kCommand, read.error().message, read.error().code == Errc::invalid_argument ? kExitUsage : kExitFailure);
        }
        request.credentials = read.value().credentials;
    }
    if (request.region.empty() && !sigv4::infer_iot_region(request.endpoint).ok()) {
        // Not an AWS IoT endpoint: the environment's region, else the profile's (the region of
        // AWS_PROFILE / 'default' also applies to credentials from elsewhere, as in the AWS CLI).
        if (profile_region.empty()) {
            const std::string active = profile != nullptr ? *profile : env_or_empty("AWS_PROFILE");
            profile_region = aws_profile_region(active.empty() ? "default" : active);
        }
        for (const std::string& r : {env_or_empty("AWS_REGION"), env_or_empty("AWS_DEFAULT_REGION"), profile_region}) {
            if (!r.empty()) {
                request.region = r;
                break;
            }
        }
    }

    if (const std::string* time = flags.get("--time")) {
        auto parsed = sigv4::parse_iso8601(*time);
        if (!parsed) return fail(kCommand, "--time: " + parsed.error().message);
        request.time = parsed.value();
    } else {
        request.time = static_cast<std::int64_t>(std::time(nullptr));
    }

    if (const std::string* expires = flags.get("--expires")) {
        unsigned long value = 0;
        bool digits = !expires->empty() && expires->size() <= 9;
        for (char c : *expires) digits = digits && c >= '0' && c <= '9';
        if (digits) value = std::strtoul(expires->c_str(), nullptr, 10);
        if (!digits || value < 1 || value > 86400) {
            return fail(kCommand, "--expires must be a whole number of seconds from 1 to 86400 (AWS IoT's maximum)");
        }
        request.expires_seconds = static_cast<std::uint32_t>(value);
    }

    if (const std::string* scheme = flags.get("--scheme")) {
        if (*scheme == "wss") {
            request.scheme = sigv4::UrlScheme::wss;
        } else if (*scheme == "ws") {
            request.scheme = sigv4::UrlScheme::ws;
        } else {
            return fail(kCommand, "--scheme must be wss or ws");
        }
    }

    auto url = sigv4::presign_iot_websocket_url(request);
    if (!url) {
        const int code = url.error().code == Errc::invalid_argument ? kExitUsage : kExitFailure;
        return fail(kCommand, url.error().message, code);
    }
    if (secret != nullptr || token != nullptr) {
        // After every check, so that bad input still gets exactly one line.
        std::fprintf(stderr,
                     "iotlite sign-url: warning: %s on the command line is visible to other users (ps) and stays in "
                     "the shell history; use AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or --profile\n",
                     secret != nullptr ? "--secret-access-key" : "--session-token");
    }
    std::printf("%s\n", url.value().c_str());
    return kExitOk;
}

}  // namespace iotlite::cli
