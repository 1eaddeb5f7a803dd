// iotlite sigv4: prints one stage of SigV4 for a request in AWS's test-suite format
// (context.json + request.txt, as in aws-c-auth's tests/aws-signing-test-suite/v4).
#include <cstdio>
#include <string>

#include "bounded_file.hpp"
#include "cli_util.hpp"
#include "sigv4_input.hpp"

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

// The --context / --request file, bounded (kInputFileLimit, a regular file). A file that cannot
// be opened keeps the wording "cannot read the --context file (...)"; a refused one names its rule.
Result<std::string> read_input(const char* flag, const std::string& path) {
    Result<std::string> text = read_bounded_file(path, kInputFileLimit, std::string(flag) + " " + path);
    if (!text.ok() && text.error().code == Errc::io_error) {
        return make_error(Errc::io_error, std::string("cannot read the ") + flag + " file (" + text.error().message + ")");
    }
    return text;
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

    Result<std::string> context_text = read_input("--context", *flags.get("--context"));
    if (!context_text.ok()) return fail(kCommand, context_text.error().message);
    Result<std::string> request_text = read_input("--request", *flags.get("--request"));
    if (!request_text.ok()) return fail(kCommand, request_text.error().message);
    Result<Sigv4Inputs> inputs = parse_sigv4_inputs(
        context_text.value(), request_text.value(),
        mode == "header" ? sigv4::SignatureType::headers : sigv4::SignatureType::query);
    if (!inputs.ok()) return fail(kCommand, inputs.error().message);
    const Sigv4Stage which = stage == "canonical-request" ? Sigv4Stage::canonical_request
                             : stage == "string-to-sign"  ? Sigv4Stage::string_to_sign
                             : stage == "signature"       ? Sigv4Stage::signature
                                                          : Sigv4Stage::signed_request;
    Result<std::string> text = sigv4_stage_text(inputs.value(), which);
    if (!text.ok()) {
        const int code = text.error().code == Errc::invalid_argument ? kExitUsage : kExitFailure;
        return fail(kCommand, text.error().message, code);
    }
    const std::string& out = text.value();
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
}

}  // namespace iotlite::cli
