// The inputs of `iotlite sigv4`: a context.json and a request.txt in AWS's SigV4 test-suite
// format (aws-c-auth tests/aws-signing-test-suite/v4), and the stage the command prints.
// Functions of strings (no files, no process), so that units and the fuzzer can run them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "iotlite/result.hpp"
#include "iotlite/sigv4/credentials.hpp"
#include "iotlite/sigv4/http_request.hpp"
#include "iotlite/sigv4/signing_config.hpp"

namespace iotlite::cli {

enum class Sigv4Stage : std::uint8_t { canonical_request, string_to_sign, signature, signed_request };

struct Sigv4Inputs {
    sigv4::HttpRequest request;
    sigv4::SigningConfig config;
    sigv4::Credentials credentials;
};

// context.json: credentials{access_key_id, secret_access_key, token?}, region, service,
// timestamp (ISO-8601 UTC), expiration_in_seconds, normalize, double_uri_encode, sign_body,
// omit_session_token. The context goes through parse_json_input (depth checked before
// parsing). Errors (invalid_argument / limit_exceeded): one line naming the file and the member
// or rule; never a credential value.
Result<Sigv4Inputs> parse_sigv4_inputs(std::string_view context_text, std::string_view request_text,
                                       sigv4::SignatureType type);

// Signs and returns the text of `stage`, exactly as the suite's <mode>-<stage>.txt files hold it.
// Errors: sign_request's (invalid_argument for a bad input, others for a signing failure).
Result<std::string> sigv4_stage_text(const Sigv4Inputs& inputs, Sigv4Stage stage);

}  // namespace iotlite::cli
