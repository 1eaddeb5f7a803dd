#include "iotlite/connection/cognito.hpp"

#include <initializer_list>

#include "iotlite/connection/endpoint.hpp"
#include "iotlite/connection/http_status.hpp"
#include "ascii.hpp"
#include "json_scan.hpp"

namespace iotlite::connection {

namespace {

// Year 9999 in epoch milliseconds: the latest Expiration accepted.
constexpr std::int64_t kMaxExpirationMs = 253402300799000;

struct KnownException {
    const char* rule;  // "cognito." + the exception's name
    Errc code;
};
constexpr std::size_t kRulePrefix = sizeof("cognito.") - 1;

// The exceptions of the GetId and GetCredentialsForIdentity API references.
constexpr KnownException kExceptions[] = {
    {"cognito.NotAuthorizedException", Errc::auth_failed},
    {"cognito.ResourceNotFoundException", Errc::invalid_argument},
    {"cognito.InvalidParameterException", Errc::invalid_argument},
    {"cognito.TooManyRequestsException", Errc::limit_exceeded},
    {"cognito.LimitExceededException", Errc::limit_exceeded},
    {"cognito.ResourceConflictException", Errc::conflict},
    {"cognito.InvalidIdentityPoolConfigurationException", Errc::server_error},
    {"cognito.ExternalServiceException", Errc::server_error},
    {"cognito.InternalErrorException", Errc::server_error},
};

// A cached identity id refused with one of these is dropped and GetId runs again (once).
bool identity_refused(std::string_view name) {
    return name == "NotAuthorizedException" || name == "ResourceNotFoundException" ||
           name == "InvalidParameterException";
}

const char* operation_name(CognitoOperation op) {
    return op == CognitoOperation::get_id ? "GetId" : "GetCredentialsForIdentity";
}

// One out-of-line builder for every error of this file, the message joined from `parts`: call
// sites stay small (this code is linked into the browser module and device images).
[[gnu::noinline]] Error fail(Errc code, const char* rule, std::initializer_list<std::string_view> parts,
                             std::uint16_t status = 0, std::uint32_t limit = 0, std::uint32_t actual = 0) {
    std::string message;
    for (std::string_view part : parts) message.append(part.data(), part.size());
    return make_error(code, std::move(message), status).with_rule(rule, limit, actual);
}

Error invalid(const char* rule, std::initializer_list<std::string_view> parts, std::uint32_t limit = 0,
              std::uint32_t actual = 0) {
    return fail(Errc::invalid_argument, rule, parts, 0, limit, actual);
}

// An error of an answer's content, its message prefixed with the operation ("... answer: ").
[[gnu::noinline]] Error answer_broken(Error e, CognitoOperation op, std::uint16_t status);

std::uint32_t clamp32(std::size_t n) { return n > 0xffffffffu ? 0xffffffffu : static_cast<std::uint32_t>(n); }

bool word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// "[\w-]+:[0-9a-f-]+", the pattern of identity pool ids and identity ids.
bool region_guid(std::string_view id) {
    const std::size_t colon = id.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon + 1 == id.size()) return false;
    for (std::size_t i = 0; i < colon; ++i)
        if (!word_char(id[i])) return false;
    for (std::size_t i = colon + 1; i < id.size(); ++i) {
        const char c = id[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-')) return false;
    }
    return true;
}


void append_json_string(std::string& out, std::string_view s) {
    static const char kHex[] = "0123456789abcdef";
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += kHex[c >> 4];
                    out += kHex[c & 0xf];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

void append_logins(std::string& out, const std::vector<CognitoLogin>& logins) {
    if (logins.empty()) return;
    out += ",\"Logins\":{";
    for (std::size_t i = 0; i < logins.size(); ++i) {
        if (i != 0) out += ',';
        append_json_string(out, logins[i].provider);
        out += ':';
        append_json_string(out, logins[i].token);
    }
    out += '}';
}

// Text from Cognito for an error message: login tokens cut out, then bounded and printable.
std::string shown_text(std::string_view from_server, const std::vector<CognitoLogin>& logins, std::size_t max) {
    static constexpr std::string_view kCut = "[login token]";
    std::string text(from_server);
    for (const CognitoLogin& login : logins) {
        if (login.token.empty()) continue;
        for (std::size_t at = text.find(login.token); at != std::string::npos;
             at = text.find(login.token, at + kCut.size())) {
            text.replace(at, login.token.size(), kCut);
        }
    }
    return json::printable(text, max);
}

// A required or optional string member; nullptr `present` means required.
Result<std::string> string_member(const std::vector<json::Member>& members, const char* name, bool required,
                                  bool* present = nullptr) {
    const json::Member* m = json::find(members, name);
    if (present != nullptr) *present = m != nullptr;
    if (m == nullptr) {
        if (!required) return std::string();
        return fail(Errc::protocol_error, "cognito.answer", {name, " is missing"});
    }
    if (m->kind != json::Kind::string) return fail(Errc::protocol_error, "cognito.answer", {name, " must be a string"});
    return json::string_value(m->raw);
}

Error answer_broken(Error e, CognitoOperation op, std::uint16_t status) {
    e.message.insert(0, std::string("Cognito ") + operation_name(op) + " answer: ");
    e.http_status = status;
    return e;
}

// GetCredentialsForIdentity's 2xx answer (its members already scanned); identity_id takes the
// answer's IdentityId when there is one.
Result<CognitoStep> read_credentials(const std::vector<json::Member>& top, std::uint16_t status,
                                     std::string& identity_id) {
    auto broken = [status](const Error& e) {
        return answer_broken(e, CognitoOperation::get_credentials_for_identity, status);
    };
    auto wrong = [&](const char* why) { return broken(fail(Errc::protocol_error, "cognito.answer", {why})); };
    const json::Member* credentials = json::find(top, "Credentials");
    if (credentials == nullptr) return wrong("Credentials is missing");
    if (credentials->kind != json::Kind::object) return wrong("Credentials must be an object");
    Result<std::vector<json::Member>> fields = json::scan_object(credentials->raw);
    if (!fields.ok()) return broken(fields.error());

    CognitoStep step;
    step.done = true;
    sigv4::Credentials& c = step.credentials.credentials;
    Result<std::string> key_id = string_member(fields.value(), "AccessKeyId", true);
    if (!key_id.ok()) return broken(key_id.error());
    Result<std::string> secret = string_member(fields.value(), "SecretKey", true);
    if (!secret.ok()) return broken(secret.error());
    Result<std::string> token = string_member(fields.value(), "SessionToken", false);
    if (!token.ok()) return broken(token.error());
    if (key_id.value().empty()) return wrong("AccessKeyId is empty");
    if (secret.value().empty()) return wrong("SecretKey is empty");
    c.access_key_id = std::move(key_id.value());
    c.secret_access_key = std::move(secret.value());
    c.session_token = std::move(token.value());

    if (const json::Member* e = json::find(fields.value(), "Expiration")) {
        if (e->kind != json::Kind::number) return wrong("Expiration must be a number (epoch seconds)");
        Result<std::int64_t> ms = json::number_scaled(e->raw, 3, kMaxExpirationMs);
        if (!ms.ok()) return broken(ms.error());
        // 0 would read as "does not expire" (TimedCredentials): a time at or before 1970 is broken.
        if (ms.value() <= 0) return wrong("Expiration must be after 1970-01-01 (epoch seconds)");
        step.credentials.expiration_ms = ms.value();
    }

    bool has_id = false;
    Result<std::string> id = string_member(top, "IdentityId", false, &has_id);
    if (!id.ok()) return broken(id.error());
    if (has_id) {
        if (id.value().size() > kCognitoMaxIdentityIdLength || !region_guid(id.value())) {
            return wrong("IdentityId is not <region>:<guid> (at most 55 characters)");
        }
        identity_id = std::move(id.value());
    }
    step.identity_id = identity_id;
    return step;
}

}  // namespace

Result<CognitoIdentity> CognitoIdentity::create(CognitoConfig config) {
    const std::string& pool = config.identity_pool_id;
    if (pool.empty() || pool.size() > kCognitoMaxPoolIdLength || !region_guid(pool)) {
        return invalid("cognito.pool_id",
                       {"Cognito: identity pool id '", json::printable(pool, 64),
                        "' must be <region>:<guid> ([\\w-]+:[0-9a-f-]+, at most 55 characters)"},
                       static_cast<std::uint32_t>(kCognitoMaxPoolIdLength), clamp32(pool.size()));
    }
    CognitoIdentity out;
    out.region_ = config.region.empty() ? pool.substr(0, pool.find(':')) : config.region;
    if (!is_aws_region_name(out.region_)) {
        return invalid("cognito.region", {"Cognito: region '", json::printable(out.region_, 40), "'",
                                          config.region.empty() ? " (from the identity pool id)" : "",
                                          " is not an AWS region name such as us-east-1"});
    }
    if (!config.account_id.empty()) {
        bool digits = config.account_id.size() <= kCognitoMaxAccountIdLength;
        for (char c : config.account_id) digits = digits && c >= '0' && c <= '9';
        if (!digits) {
            return invalid("cognito.account_id", {"Cognito: account id must be 1..15 digits"},
                           static_cast<std::uint32_t>(kCognitoMaxAccountIdLength), clamp32(config.account_id.size()));
        }
    }
    if (!config.identity_id.empty() &&
        (config.identity_id.size() > kCognitoMaxIdentityIdLength || !region_guid(config.identity_id))) {
        return invalid("cognito.identity_id",
                       {"Cognito: identity id '", json::printable(config.identity_id, 64),
                        "' must be <region>:<guid> ([\\w-]+:[0-9a-f-]+, at most 55 characters)"},
                       static_cast<std::uint32_t>(kCognitoMaxIdentityIdLength), clamp32(config.identity_id.size()));
    }
    if (config.endpoint.empty()) {
        const bool china = out.region_.compare(0, 3, "cn-") == 0;
        out.host_ = "cognito-identity." + out.region_ + (china ? ".amazonaws.com.cn" : ".amazonaws.com");
        out.authority_ = out.host_;
    } else {
        std::string_view text = config.endpoint;
        if (detail::starts_with_ci(text, "https://")) {
            text.remove_prefix(8);
        } else if (detail::starts_with_ci(text, "http://")) {
            out.secure_ = false;
            text.remove_prefix(7);
        } else if (text.find("://") != std::string_view::npos) {
            return invalid("cognito.endpoint", {"Cognito: endpoint '", json::printable(config.endpoint, 80),
                                                "': give host[:port], or an https:// or http:// URL"});
        }
        if (!text.empty() && text.back() == '/') text.remove_suffix(1);
        Result<Endpoint> parsed = parse_endpoint(text);
        if (!parsed.ok()) {
            return invalid("cognito.endpoint", {"Cognito: endpoint '", json::printable(config.endpoint, 80), "': ",
                                                parsed.error().message});
        }
        const std::uint16_t default_port = out.secure_ ? 443 : 80;
        out.host_ = parsed.value().host;
        out.port_ = parsed.value().port_or(default_port);
        out.authority_ = parsed.value().authority(default_port);
    }
    out.identity_id_ = config.identity_id;
    out.config_ = std::move(config);
    return out;
}

CognitoRequest CognitoIdentity::make_request(CognitoOperation operation) const {
    CognitoRequest r;
    r.operation = operation;
    r.secure = secure_;
    r.host = host_;
    r.port = port_;
    r.authority = authority_;
    r.url = (secure_ ? "https://" : "http://") + authority_ + "/";
    r.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
    r.headers.emplace_back("X-Amz-Target", std::string("AWSCognitoIdentityService.") + operation_name(operation));
    r.body = "{";
    if (operation == CognitoOperation::get_id) {
        r.body += "\"IdentityPoolId\":";
        append_json_string(r.body, config_.identity_pool_id);
        if (!config_.account_id.empty()) {
            r.body += ",\"AccountId\":";
            append_json_string(r.body, config_.account_id);
        }
    } else {
        r.body += "\"IdentityId\":";
        append_json_string(r.body, identity_id_);
    }
    append_logins(r.body, logins_);
    r.body += '}';
    return r;
}

Result<CognitoRequest> CognitoIdentity::start(std::vector<CognitoLogin> logins) {
    waiting_ = false;
    if (logins.size() > kCognitoMaxLogins) {
        return invalid("cognito.logins", {"Cognito: at most 10 logins"},
                       static_cast<std::uint32_t>(kCognitoMaxLogins), clamp32(logins.size()));
    }
    for (std::size_t i = 0; i < logins.size(); ++i) {
        const CognitoLogin& l = logins[i];
        const std::string which = json::printable(l.provider, 64);
        if (l.provider.empty() || l.provider.size() > kCognitoMaxProviderLength) {
            return invalid("cognito.logins", {"Cognito: login '", which, "': the provider name must be 1..128 bytes"},
                           static_cast<std::uint32_t>(kCognitoMaxProviderLength), clamp32(l.provider.size()));
        }
        if (l.token.empty() || l.token.size() > kCognitoMaxTokenLength) {
            return invalid("cognito.logins", {"Cognito: login '", which, "': the token must be 1..50000 bytes"},
                           static_cast<std::uint32_t>(kCognitoMaxTokenLength), clamp32(l.token.size()));
        }
        if (!json::valid_utf8(l.provider) || !json::valid_utf8(l.token)) {
            return invalid("cognito.logins",
                           {"Cognito: login '", which, "': the provider name and token must be UTF-8"});
        }
        for (std::size_t k = 0; k < i; ++k) {
            if (logins[k].provider == l.provider) {
                return invalid("cognito.logins", {"Cognito: login '", which, "' is given twice"});
            }
        }
    }
    logins_ = std::move(logins);
    may_restart_ = !identity_id_.empty() && !config_.identity_id_fixed;
    pending_ = identity_id_.empty() ? CognitoOperation::get_id : CognitoOperation::get_credentials_for_identity;
    waiting_ = true;
    return make_request(pending_);
}

CognitoErrorKind cognito_error_kind(std::string_view exception, std::uint16_t status) {
    for (const KnownException& e : kExceptions) {
        if (exception == e.rule + kRulePrefix) return {e.code, e.rule};
    }
    // A 2xx answer that is not the API's (the browser reads its own JSON): a protocol error.
    const Errc by_status = errc_for_http_status(status);
    if (by_status == Errc::ok) return {Errc::protocol_error, "cognito.answer"};
    return {by_status, "cognito.error"};
}

Error CognitoIdentity::answer_error(const CognitoAnswer& answer, std::string_view type,
                                    std::string_view message) const {
    const std::string status = std::to_string(answer.status);
    const CognitoErrorKind kind = cognito_error_kind(type, answer.status);
    std::string text = std::string("Cognito ") + operation_name(pending_) + ": " +
                       (type.empty() ? "HTTP " + status : shown_text(type, logins_, 64));
    const std::string shown = shown_text(message, logins_, kCognitoMaxMessageShown);
    if (!shown.empty()) text += ": " + shown;
    if (!type.empty()) text += " (HTTP " + status + ")";
    return fail(kind.code, kind.rule, {text}, answer.status);
}

Result<CognitoStep> CognitoIdentity::on_answer(const CognitoAnswer& answer, std::int64_t local_ms, ClockSkew* skew) {
    if (!waiting_) {
        return fail(Errc::invalid_state, "cognito.state",
                    {"Cognito: no request is waiting for an answer (call start() first)"}, answer.status);
    }
    waiting_ = false;
    if (skew != nullptr && !answer.date.empty()) (void)skew->observe_date(answer.date, local_ms / 1000);
    const char* op = operation_name(pending_);
    if (answer.body.size() > kCognitoMaxAnswerBytes) {
        static_assert(kCognitoMaxAnswerBytes == 65536, "the message names the bound");
        return fail(Errc::limit_exceeded, "cognito.answer_bytes", {"Cognito ", op, ": the answer is over 65536 bytes"},
                    answer.status, static_cast<std::uint32_t>(kCognitoMaxAnswerBytes), clamp32(answer.body.size()));
    }
    Result<std::vector<json::Member>> scanned = json::scan_object(answer.body);

    if (answer.status < 200 || answer.status > 299) {
        std::string type;
        std::string message;
        if (scanned.ok()) {
            // AWS JSON 1.1 errors: the name in __type (or code), after any "namespace#" and before
            // any ":" (Smithy's awsJson1_1 rules); the text in message (or Message).
            Result<std::string> t = string_member(scanned.value(), "__type", false);
            if (t.ok() && t.value().empty()) t = string_member(scanned.value(), "code", false);
            if (t.ok()) type = t.value();
            if (const std::size_t hash = type.rfind('#'); hash != std::string::npos) type.erase(0, hash + 1);
            if (const std::size_t colon = type.find(':'); colon != std::string::npos) type.erase(colon);
            Result<std::string> m = string_member(scanned.value(), "message", false);
            if (m.ok() && m.value().empty()) m = string_member(scanned.value(), "Message", false);
            if (m.ok()) message = m.value();
        } else {
            message = std::string(answer.body);
        }
        if (pending_ == CognitoOperation::get_credentials_for_identity && may_restart_ && identity_refused(type)) {
            // The cached identity is refused: forget it and start over with GetId, once.
            may_restart_ = false;
            identity_id_.clear();
            pending_ = CognitoOperation::get_id;
            waiting_ = true;
            CognitoStep step;
            step.request = make_request(pending_);
            return step;
        }
        return answer_error(answer, type, message);
    }

    auto broken = [&](const Error& e) { return answer_broken(e, pending_, answer.status); };
    if (!scanned.ok()) return broken(scanned.error());
    if (pending_ == CognitoOperation::get_credentials_for_identity) {
        return read_credentials(scanned.value(), answer.status, identity_id_);
    }

    Result<std::string> id = string_member(scanned.value(), "IdentityId", true);
    if (!id.ok()) return broken(id.error());
    if (id.value().size() > kCognitoMaxIdentityIdLength || !region_guid(id.value())) {
        return broken(fail(Errc::protocol_error, "cognito.answer",
                           {"IdentityId is not <region>:<guid> (at most 55 characters)"}));
    }
    identity_id_ = std::move(id.value());
    may_restart_ = false;  // a fresh identity: nothing cached to start over from
    pending_ = CognitoOperation::get_credentials_for_identity;
    waiting_ = true;
    CognitoStep step;
    step.request = make_request(pending_);
    step.identity_id = identity_id_;
    return step;
}

}  // namespace iotlite::connection
