// iotlite sigv4: prints one stage of SigV4 for a request in AWS's test-suite format
// (context.json + request.txt, as in aws-c-auth's tests/aws-signing-test-suite/v4).
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_util.hpp"
#include "iotlite/sigv4/amz_date.hpp"
#include "iotlite/sigv4/http_request.hpp"
#include "iotlite/sigv4/signer.hpp"

namespace iotlite::cli {

namespace {

constexpr const char* kCommand = "sigv4";

constexpr const char* kHelp =
    "usage: iotlite sigv4 --context context.json --request request.txt --mode header|query\n"
    "                     --stage canonical-request|string-to-sign|signature|signed-request\n"
    "\n"
    "Prints the chosen stage exactly (no trailing newline added), so the output can be compared\n"
    "byte for byte with the suite's <mode>-<stage>.txt files.\n"
    "context.json: credentials{access_key_id, secret_access_key, token?}, region, service,\n"
    "timestamp (ISO-8601 UTC), expiration_in_seconds, normalize, sign_body, omit_session_token.\n"
    "Exit status: 0 ok, 2 bad input (one line on stderr), 1 signing failed.\n";

using nlohmann::json;

// Reads an optional member of the given JSON type; false (with a message) when it has another type.
template <typename T>
bool optional_member(const json& object, const char* key, T& out, std::string& error) {
    const auto it = object.find(key);
    if (it == object.end()) return true;
    if constexpr (std::is_same_v<T, bool>) {
        if (!it->is_boolean()) return error = std::string("context '") + key + "' must be true or false", false;
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (!it->is_string()) return error = std::string("context '") + key + "' must be a string", false;
    } else {
        if (!it->is_number_unsigned()) return error = std::string("context '") + key + "' must be a whole number", false;
    }
    out = it->get<T>();
    return true;
}

}  // namespace

int run_sigv4(int argc, char** argv) {
    const std::vector<OptionSpec> specs = {{nullptr, "--context", true}, {nullptr, "--request", true},
                                           {nullptr, "--mode", true},    {nullptr, "--stage", true},
                                           {nullptr, "--help", false}};
    ParsedFlags flags;
    std::string error;
    if (!parse_flags(argc, argv, specs, flags, error)) return fail(kCommand, error + " (see iotlite sigv4 --help)");
    if (flags.has("--help")) {
        std::fputs(kHelp, stdout);
        return kExitOk;
    }
    for (const char* required : {"--context", "--request", "--mode", "--stage"}) {
        if (!flags.has(required)) return fail(kCommand, std::string(required) + " is required (see iotlite sigv4 --help)");
    }
    const std::string& mode = *flags.get("--mode");
    const std::string& stage = *flags.get("--stage");
    if (mode != "header" && mode != "query") return fail(kCommand, "--mode must be header or query");
    if (stage != "canonical-request" && stage != "string-to-sign" && stage != "signature" && stage != "signed-request") {
        return fail(kCommand, "--stage must be canonical-request, string-to-sign, signature or signed-request");
    }

    std::string context_text, request_text;
    if (!read_file(*flags.get("--context"), context_text)) return fail(kCommand, "cannot read the --context file");
    if (!read_file(*flags.get("--request"), request_text)) return fail(kCommand, "cannot read the --request file");
    const json context = json::parse(context_text, nullptr, false);
    if (context.is_discarded() || !context.is_object()) return fail(kCommand, "the --context file is not a JSON object");
    auto request = sigv4::parse_http_request(request_text);
    if (!request) return fail(kCommand, "--request: " + request.error().message);

    sigv4::Credentials credentials;
    sigv4::SigningConfig config;
    config.type = mode == "header" ? sigv4::SignatureType::headers : sigv4::SignatureType::query;
    std::string timestamp;
    bool sign_body = false;
    const auto creds_it = context.find("credentials");
    if (creds_it == context.end() || !creds_it->is_object()) return fail(kCommand, "context 'credentials' must be an object");
    if (!optional_member(*creds_it, "access_key_id", credentials.access_key_id, error) ||
        !optional_member(*creds_it, "secret_access_key", credentials.secret_access_key, error) ||
        !optional_member(*creds_it, "token", credentials.session_token, error) ||
        !optional_member(context, "region", config.region, error) ||
        !optional_member(context, "service", config.service, error) ||
        !optional_member(context, "timestamp", timestamp, error) ||
        !optional_member(context, "expiration_in_seconds", config.expires_seconds, error) ||
        !optional_member(context, "normalize", config.normalize_path, error) ||
        !optional_member(context, "double_uri_encode", config.double_uri_encode, error) ||
        !optional_member(context, "omit_session_token", config.omit_session_token, error) ||
        !optional_member(context, "sign_body", sign_body, error)) {
        return fail(kCommand, error);
    }
    auto time = sigv4::parse_iso8601(timestamp);
    if (!time) return fail(kCommand, "context 'timestamp': " + time.error().message);
    config.time = time.value();
    config.add_content_sha256_header = sign_body && config.type == sigv4::SignatureType::headers;

    auto signed_request = sigv4::sign_request(request.value(), config, credentials);
    if (!signed_request) {
        const int code = signed_request.error().code == Errc::invalid_argument ? kExitUsage : kExitFailure;
        return fail(kCommand, signed_request.error().message, code);
    }
    const auto& result = signed_request.value();
    std::string out;
    if (stage == "canonical-request") out = result.canonical.text;
    else if (stage == "string-to-sign") out = result.string_to_sign;
    else if (stage == "signature") out = result.signature;
    else out = sigv4::serialize_http_request(result.request);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
}

}  // namespace iotlite::cli
