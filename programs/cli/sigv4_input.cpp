#include "sigv4_input.hpp"

#include <type_traits>

#include "iotlite/sigv4/amz_date.hpp"
#include "iotlite/sigv4/signer.hpp"
#include "json_input.hpp"

namespace iotlite::cli {

namespace {

using json::Value;

// Reads an optional member of the given JSON type; false (with a message naming the member,
// never its value) when it has another type.
template <typename T>
bool optional_member(const Value& object, const char* key, T& out, std::string& error) {
    const auto it = object.find(key);
    if (it == object.end()) return true;
    if constexpr (std::is_same_v<T, bool>) {
        if (!it->is_boolean()) return error = std::string("context '") + key + "' must be true or false", false;
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (!it->is_string()) return error = std::string("context '") + key + "' must be a string", false;
    } else {
        if (!it->is_number_unsigned()) return error = std::string("context '") + key + "' must be a whole number", false;
        if (it->get<std::uint64_t>() > UINT32_MAX) {
            return error = std::string("context '") + key + "' must be at most 4294967295", false;
        }
    }
    out = it->get<T>();
    return true;
}

Error usage(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

}  // namespace

Result<Sigv4Inputs> parse_sigv4_inputs(std::string_view context_text, std::string_view request_text,
                                       sigv4::SignatureType type) {
    Result<Value> parsed = parse_json_input(context_text, "the --context file");
    if (!parsed.ok() && parsed.error().code == Errc::invalid_argument) {
        return usage("the --context file is not a JSON object (invalid JSON)");
    }
    if (!parsed.ok()) return parsed.error();
    const Value& context = parsed.value();
    if (!context.is_object()) return usage("the --context file is not a JSON object");
    Result<sigv4::HttpRequest> request = sigv4::parse_http_request(request_text);
    if (!request.ok()) return usage("--request: " + request.error().message);

    Sigv4Inputs out;
    out.request = std::move(request).value();
    out.config.type = type;
    std::string timestamp;
    bool sign_body = false;
    std::string error;
    const auto creds = context.find("credentials");
    if (creds == context.end() || !creds->is_object()) return usage("context 'credentials' must be an object");
    if (!optional_member(*creds, "access_key_id", out.credentials.access_key_id, error) ||
        !optional_member(*creds, "secret_access_key", out.credentials.secret_access_key, error) ||
        !optional_member(*creds, "token", out.credentials.session_token, error) ||
        !optional_member(context, "region", out.config.region, error) ||
        !optional_member(context, "service", out.config.service, error) ||
        !optional_member(context, "timestamp", timestamp, error) ||
        !optional_member(context, "expiration_in_seconds", out.config.expires_seconds, error) ||
        !optional_member(context, "normalize", out.config.normalize_path, error) ||
        !optional_member(context, "double_uri_encode", out.config.double_uri_encode, error) ||
        !optional_member(context, "omit_session_token", out.config.omit_session_token, error) ||
        !optional_member(context, "sign_body", sign_body, error)) {
        return usage(error);
    }
    Result<std::int64_t> time = sigv4::parse_iso8601(timestamp);
    if (!time.ok()) return usage("context 'timestamp': " + time.error().message);
    out.config.time = time.value();
    out.config.add_content_sha256_header = sign_body && type == sigv4::SignatureType::headers;
    return out;
}

Result<std::string> sigv4_stage_text(const Sigv4Inputs& inputs, Sigv4Stage stage) {
    Result<sigv4::SignedRequest> signed_request = sigv4::sign_request(inputs.request, inputs.config, inputs.credentials);
    if (!signed_request.ok()) return signed_request.error();
    const sigv4::SignedRequest& result = signed_request.value();
    switch (stage) {
        case Sigv4Stage::canonical_request: return result.canonical.text;
        case Sigv4Stage::string_to_sign: return result.string_to_sign;
        case Sigv4Stage::signature: return result.signature;
        case Sigv4Stage::signed_request: return sigv4::serialize_http_request(result.request);
    }
    return make_error(Errc::invalid_argument, "unknown stage");
}

}  // namespace iotlite::cli
