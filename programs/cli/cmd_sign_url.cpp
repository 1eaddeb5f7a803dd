// iotlite sign-url: prints a presigned AWS IoT MQTT-over-WebSocket URL.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "cli_util.hpp"
#include "iotlite/sigv4/amz_date.hpp"
#include "iotlite/sigv4/iot_websocket_url.hpp"

namespace iotlite::cli {

namespace {

constexpr const char* kCommand = "sign-url";

constexpr const char* kHelp =
    "usage: iotlite sign-url --endpoint HOST[:PORT] [--region R] [--time 2026-01-01T00:00:00Z]\n"
    "                        [--expires SECONDS] [--scheme wss|ws]\n"
    "                        [--access-key-id ID --secret-access-key KEY [--session-token TOKEN]]\n"
    "\n"
    "Prints wss://HOST[:PORT]/mqtt?X-Amz-Algorithm=...&X-Amz-Signature=...[&X-Amz-Security-Token=...]\n"
    "signed for service iotdevicegateway (only host signed; the session token is appended after\n"
    "signing, as AWS IoT requires).\n"
    "\n"
    "  --endpoint   AWS IoT data endpoint, e.g. xxxx-ats.iot.us-east-1.amazonaws.com; a port other\n"
    "               than the scheme's default is kept and signed\n"
    "  --region     signing region; default: inferred from *.iot.<region>.amazonaws.com\n"
    "  --time       signing time, ISO-8601 UTC; default: now\n"
    "  --expires    X-Amz-Expires in seconds (1-86400); default: omitted, like the AWS IoT SDKs\n"
    "  --scheme     wss (default) or ws (a local stand-in without TLS)\n"
    "Credentials default to AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.\n"
    "Exit status: 0 ok, 2 bad input (one line on stderr), 1 signing failed.\n";

}  // namespace

int run_sign_url(int argc, char** argv) {
    const std::vector<OptionSpec> specs = {
        {nullptr, "--endpoint", true},          {nullptr, "--region", true},        {nullptr, "--time", true},
        {nullptr, "--expires", true},           {nullptr, "--scheme", true},        {nullptr, "--access-key-id", true},
        {nullptr, "--secret-access-key", true}, {nullptr, "--session-token", true}, {nullptr, "--help", false},
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

    const std::string* key_id = flags.get("--access-key-id");
    const std::string* secret = flags.get("--secret-access-key");
    const std::string* token = flags.get("--session-token");
    request.credentials.access_key_id = key_id != nullptr ? *key_id : env_or_empty("AWS_ACCESS_KEY_ID");
    request.credentials.secret_access_key = secret != nullptr ? *secret : env_or_empty("AWS_SECRET_ACCESS_KEY");
    request.credentials.session_token = token != nullptr ? *token : env_or_empty("AWS_SESSION_TOKEN");
    if (request.credentials.access_key_id.empty() || request.credentials.secret_access_key.empty()) {
        return fail(kCommand,
                    "no credentials: pass --access-key-id and --secret-access-key or set AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY");
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
    std::printf("%s\n", url.value().c_str());
    return kExitOk;
}

}  // namespace iotlite::cli
