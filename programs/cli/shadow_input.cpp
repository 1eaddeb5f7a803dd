#include "shadow_input.hpp"

#include "iotlite/services/shadow/names.hpp"
#include "json_input.hpp"

namespace iotlite::cli {

static_assert(kMaxJsonInputDepth == shadow::limits::max_json_nesting,
              "the CLI's JSON depth guard is core's shadow nesting bound");

namespace {

Error usage(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

}  // namespace

Result<ShadowUpdateInput> parse_shadow_update_input(const std::string* desired, const std::string* reported,
                                                    const std::string* document, bool client_token_given) {
    if (desired == nullptr && reported == nullptr && document == nullptr) {
        return usage("update needs --desired JSON, --reported JSON or --document JSON");
    }
    if (document != nullptr && (desired != nullptr || reported != nullptr)) {
        return usage("--document cannot be combined with --desired or --reported");
    }
    ShadowUpdateInput out;
    const std::pair<const char*, const std::string*> sections[] = {{"desired", desired}, {"reported", reported}};
    for (const auto& [section, text] : sections) {
        if (text == nullptr) continue;
        const std::string flag = std::string("--") + section;
        Result<shadow::Json> value = parse_json_input(*text, flag);
        if (!value.ok()) return value.error();
        if (!value.value().is_object() && !value.value().is_null()) {
            return usage(flag + " must be a JSON object (or null to clear the section)");
        }
        out.state[section] = std::move(value).value();
    }
    if (document == nullptr) return out;

    Result<shadow::Json> parsed = parse_json_input(*document, "--document");
    if (!parsed.ok()) return parsed.error();
    shadow::Json& doc = parsed.value();
    const auto state = doc.is_object() ? doc.find("state") : doc.end();
    if (!doc.is_object() || state == doc.end() || !state->is_object()) {
        return usage("--document must be an object with a \"state\" object, e.g. {\"state\":{\"desired\":{\"on\":true}}}");
    }
    out.state = std::move(*state);
    if (const auto version = doc.find("version"); version != doc.end()) {
        if (!version->is_number_unsigned()) return usage("--document: \"version\" must be a whole number");
        out.version = version->get<std::uint64_t>();
    }
    if (const auto token = doc.find("clientToken"); token != doc.end() && !client_token_given) {
        if (!token->is_string()) return usage("--document: \"clientToken\" must be a string");
        out.client_token = token->get<std::string>();
        if (Result<void> valid = shadow::validate_client_token(out.client_token); !valid.ok()) {
            return usage("--document: clientToken: " + valid.error().message);
        }
    }
    return out;
}

}  // namespace iotlite::cli
