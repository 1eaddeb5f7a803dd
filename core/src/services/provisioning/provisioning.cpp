#include "iotlite/services/provisioning/provisioning.hpp"

#include "iotlite/services/shadow/names.hpp"
#include "../messages.hpp"

namespace iotlite::provisioning {
namespace {

constexpr std::string_view kCreate = "$aws/certificates/create/json";
constexpr std::string_view kCreateFromCsr = "$aws/certificates/create-from-csr/json";
constexpr std::string_view kTemplates = "$aws/provisioning-templates/";
constexpr std::string_view kProvision = "/provision/json";
constexpr std::string_view kAccepted = "/accepted";
constexpr std::string_view kRejected = "/rejected";

bool template_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}
bool hex_char(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

Error bad_field([[maybe_unused]] const char* field, [[maybe_unused]] const std::string& what) {
    return fmt::error_fmt(Errc::protocol_error, "provisioning answer: \"%\" %", field, what);
}

// A required string field of 1..max bytes; the error names the field and the size, not the value.
Result<void> read_bounded(const Json& object, const char* field, std::size_t max, std::string& out, const char* rule) {
    const auto it = object.find(field);
    if (it == object.end() || !it->is_string()) return bad_field(field, "is missing or not a string");
    const auto& value = it->str();
    if (value.empty()) return bad_field(field, "is empty");
    if (value.size() > max)
        return bad_field(field, "has " + std::to_string(value.size()) + " bytes; at most " + std::to_string(max) + " are accepted")
            .with_rule(rule, static_cast<std::uint32_t>(max), static_cast<std::uint32_t>(value.size()));
    out = value;
    return {};
}

bool ends_with(std::string_view text, std::string_view tail) {
    return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}
bool starts_with(std::string_view text, std::string_view head) { return text.substr(0, head.size()) == head; }

}  // namespace

const char* operation_name(Operation op) {
    switch (op) {
        case Operation::create_keys: return "CreateKeysAndCertificate";
        case Operation::create_from_csr: return "CreateCertificateFromCsr";
        case Operation::register_thing: return "RegisterThing";
    }
    return "";
}

Result<void> validate_template_name(std::string_view name) {
    if (name.empty()) return fmt::fail<void>(Errc::invalid_argument, "template name is empty; AWS requires 1..36 characters");
    if (name.size() > limits::max_template_name_bytes)
        return fmt::fail_rule<void>({"provisioning.template_name", limits::max_template_name_bytes,
                                     static_cast<std::uint32_t>(name.size())},
                                    Errc::limit_exceeded, "template name has % bytes; AWS allows 36", name.size());
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (!template_char(name[i]))
            return fmt::fail<void>(Errc::invalid_argument, "template name has a character outside [0-9A-Za-z_-] at offset %", i);
    }
    return {};
}

Result<void> validate_csr(std::string_view csr_pem) {
    if (csr_pem.empty()) return fmt::fail<void>(Errc::invalid_argument, "certificate signing request is empty");
    if (csr_pem.size() > limits::max_csr_bytes)
        return fmt::fail_rule<void>({"provisioning.csr", limits::max_csr_bytes, static_cast<std::uint32_t>(csr_pem.size())},
                                    Errc::limit_exceeded, "certificate signing request has % bytes; AWS allows 4096",
                                    csr_pem.size());
    if (csr_pem.find("-----BEGIN CERTIFICATE REQUEST-----") == std::string_view::npos)
        return fmt::fail<void>(Errc::invalid_argument,
                               "certificate signing request is not PEM (no BEGIN CERTIFICATE REQUEST line)");
    return {};
}

Result<void> validate_register_input(std::string_view ownership_token, const Parameters& parameters) {
    if (ownership_token.empty())
        return fmt::fail<void>(Errc::invalid_argument, "certificateOwnershipToken is empty; it comes from a create answer");
    if (ownership_token.size() > limits::max_ownership_token_bytes)
        return fmt::fail_rule<void>({"provisioning.ownership_token", limits::max_ownership_token_bytes,
                                     static_cast<std::uint32_t>(ownership_token.size())},
                                    Errc::limit_exceeded, "certificateOwnershipToken has % bytes; at most 8192 are sent",
                                    ownership_token.size());
    if (parameters.size() > limits::max_parameters)
        return fmt::fail_rule<void>({"provisioning.parameters", limits::max_parameters, static_cast<std::uint32_t>(parameters.size())},
                                    Errc::limit_exceeded, "parameters has % entries; at most 50", parameters.size());
    for (const auto& [key, value] : parameters) {
        if (key.empty()) return fmt::fail<void>(Errc::invalid_argument, "a template parameter has an empty name");
        const std::size_t longest = key.size() > value.size() ? key.size() : value.size();
        if (longest > limits::max_parameter_bytes)
            return fmt::fail_rule<void>({"provisioning.parameter", limits::max_parameter_bytes, static_cast<std::uint32_t>(longest)},
                                        Errc::limit_exceeded, "template parameter '%' has % bytes; at most 2048",
                                        key.substr(0, 64), longest);
    }
    return {};
}

std::string request_topic(Operation op, std::string_view template_name) {
    switch (op) {
        case Operation::create_keys: return std::string(kCreate);
        case Operation::create_from_csr: return std::string(kCreateFromCsr);
        case Operation::register_thing: break;
    }
    std::string topic(kTemplates);
    topic.append(template_name);
    topic.append(kProvision);
    return topic;
}

bool parse_provisioning_topic(std::string_view topic, ParsedTopic& out) {
    bool accepted = false;
    if (ends_with(topic, kAccepted)) {
        accepted = true;
        topic.remove_suffix(kAccepted.size());
    } else if (ends_with(topic, kRejected)) {
        topic.remove_suffix(kRejected.size());
    } else {
        return false;
    }
    ParsedTopic parsed;
    parsed.accepted = accepted;
    if (topic == kCreate) {
        parsed.op = Operation::create_keys;
    } else if (topic == kCreateFromCsr) {
        parsed.op = Operation::create_from_csr;
    } else if (starts_with(topic, kTemplates) && ends_with(topic, kProvision)) {
        const auto name = topic.substr(kTemplates.size(), topic.size() - kTemplates.size() - kProvision.size());
        if (!validate_template_name(name)) return false;
        parsed.op = Operation::register_thing;
        parsed.template_name = std::string(name);
    } else {
        return false;
    }
    out = std::move(parsed);
    return true;
}

Result<Certificate> parse_certificate(Operation op, const Json& payload) {
    if (!payload.is_object()) return bad_field("(document)", "is not a JSON object");
    Certificate c;
    Result<void> ok = read_bounded(payload, "certificateId", limits::certificate_id_chars, c.certificate_id, "provisioning.certificate_id");
    if (ok) ok = read_bounded(payload, "certificatePem", limits::max_certificate_pem_bytes, c.certificate_pem, "provisioning.certificate_pem");
    if (ok) ok = read_bounded(payload, "certificateOwnershipToken", limits::max_ownership_token_bytes, c.ownership_token,
                              "provisioning.ownership_token");
    if (ok && op == Operation::create_keys)
        ok = read_bounded(payload, "privateKey", limits::max_private_key_bytes, c.private_key, "provisioning.private_key");
    if (!ok) return ok.error();
    if (c.certificate_id.size() != limits::certificate_id_chars)
        return bad_field("certificateId", "has " + std::to_string(c.certificate_id.size()) + " characters; AWS's ids have 64");
    for (char ch : c.certificate_id) {
        if (!hex_char(ch)) return bad_field("certificateId", "is not hexadecimal");
    }
    if (c.certificate_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
        return bad_field("certificatePem", "is not a PEM certificate");
    if (op == Operation::create_keys && c.private_key.find("PRIVATE KEY-----") == std::string::npos)
        return bad_field("privateKey", "is not a PEM private key");
    return c;
}

Result<Registration> parse_registration(const Json& payload) {
    if (!payload.is_object()) return bad_field("(document)", "is not a JSON object");
    Registration r;
    const auto thing = payload.find("thingName");
    if (thing != payload.end() && !thing->is_null()) {
        if (!thing->is_string()) return bad_field("thingName", "is not a string");
        r.thing_name = thing->get<std::string>();
        auto valid = shadow::validate_thing_name(r.thing_name);
        if (!valid) return bad_field("thingName", "is not a valid thing name");
    }
    r.device_configuration = Json::object();
    const auto config = payload.find("deviceConfiguration");
    if (config != payload.end() && !config->is_null()) {
        if (!config->is_object()) return bad_field("deviceConfiguration", "is not an object");
        r.device_configuration = *config;
    }
    return r;
}

Result<Rejection> parse_rejection(const Json& payload) {
    if (!payload.is_object()) return bad_field("(document)", "is not a JSON object");
    Rejection r;
    const auto status = payload.find("statusCode");
    if (status != payload.end() && !status->is_null()) {
        if (!status->is_number_integer()) return bad_field("statusCode", "is not an integer");
        r.status_code = status->get<std::int64_t>();
    }
    const auto code = payload.find("errorCode");
    if (code == payload.end() || !code->is_string()) return bad_field("errorCode", "is missing or not a string");
    r.error_code = code->get<std::string>();
    const auto message = payload.find("errorMessage");
    if (message != payload.end() && !message->is_null()) {
        if (!message->is_string()) return bad_field("errorMessage", "is not a string");
        r.error_message = message->get<std::string>();
    }
    return r;
}

}  // namespace iotlite::provisioning
