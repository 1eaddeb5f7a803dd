// libFuzzer target: the Cognito identity-pool exchange (connection::CognitoIdentity) and the JSON
// scanner under it, fed hostile Cognito answers.
//
// Input: byte 0 = control: bits 0-1 configuration (0: pool id only; 1: a cached identity id;
// 2: a fixed identity id; 3: a plain-http endpoint and an account id), bit 2: with two logins,
// bit 3: with a ClockSkew. The rest: up to 6 answers separated by "\n#\n"; each answer is a
// 3-digit status ("200"; anything else: its first two bytes, big-endian, so 0 and 65535 occur),
// then optionally "D<date>\n" (the Date header), then the body. After a fetch ends (credentials
// or an error) the next answer answers a new fetch.
// Properties (a violation traps), besides no crash / UB:
//   1. credentials only from a 2xx answer, with a non-empty key id and secret, an expiry of 0 (none)
//      or in 1970..9999, and an identity id;
//   2. every error carries the answer's status in http_status, a message and a rule; a 2xx
//      answer fails only as protocol_error or limit_exceeded; no message holds a login token;
//   3. a fetch sends at most 3 requests (GetId, GetCredentialsForIdentity, and one start-over),
//      and every request body is JSON our own scanner reads back, naming the pool or identity;
//   4. the learnt clock offset stays within +-24 h.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iotlite/connection/cognito.hpp"
#include "json_scan.hpp"

namespace conn = iotlite::connection;
namespace json = iotlite::connection::json;
using iotlite::Errc;

namespace {

constexpr const char* kPool = "us-east-1:4f3c2b1a-0d9e-4c8b-a7f6-123456789abc";
constexpr const char* kIdentity = "us-east-1:0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d";
constexpr const char* kToken = "FUZZ-LOGIN-TOKEN-7f3a9c";
constexpr std::int64_t kLocalMs = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kMaxExpirationMs = 253402300799000;

void check(bool condition) {
    if (!condition) __builtin_trap();
}

struct Answer {
    std::uint16_t status = 0;
    std::string date;
    std::string body;
};

Answer parse_answer(std::string_view text) {
    Answer a;
    if (text.size() >= 3 && text[0] >= '0' && text[0] <= '9' && text[1] >= '0' && text[1] <= '9' && text[2] >= '0' &&
        text[2] <= '9') {
        a.status = static_cast<std::uint16_t>((text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0'));
        text.remove_prefix(3);
    } else if (text.size() >= 2) {
        a.status = static_cast<std::uint16_t>((static_cast<unsigned char>(text[0]) << 8) |
                                              static_cast<unsigned char>(text[1]));
        text.remove_prefix(2);
    }
    if (!text.empty() && text[0] == 'D') {
        const std::size_t nl = text.find('\n');
        a.date = std::string(text.substr(1, nl == std::string_view::npos ? std::string_view::npos : nl - 1));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    }
    a.body = std::string(text);
    return a;
}

void check_request(const conn::CognitoRequest& r, const conn::CognitoIdentity& c) {
    check(r.method == "POST" && r.path == "/" && r.headers.size() == 2);
    auto scanned = json::scan_object(r.body);
    check(scanned.ok());
    const char* name = r.operation == conn::CognitoOperation::get_id ? "IdentityPoolId" : "IdentityId";
    const json::Member* m = json::find(scanned.value(), name);
    check(m != nullptr && m->kind == json::Kind::string);
    auto value = json::string_value(m->raw);
    check(value.ok());
    if (r.operation == conn::CognitoOperation::get_id) {
        check(value.value() == kPool);
    } else {
        check(!value.value().empty() && value.value() == c.identity_id());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t control = data[0];
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

    conn::CognitoConfig config;
    config.identity_pool_id = kPool;
    if ((control & 3) == 1 || (control & 3) == 2) config.identity_id = kIdentity;
    config.identity_id_fixed = (control & 3) == 2;
    if ((control & 3) == 3) {
        config.endpoint = "http://127.0.0.1:8123";
        config.account_id = "123456789012";
    }
    auto created = conn::CognitoIdentity::create(config);
    check(created.ok());
    conn::CognitoIdentity c = std::move(created).value();
    std::vector<conn::CognitoLogin> logins;
    if (control & 4) logins = {{"accounts.google.com", kToken}, {"cognito-idp.us-east-1.amazonaws.com/p", kToken}};
    conn::ClockSkew skew;
    conn::ClockSkew* skew_ptr = (control & 8) ? &skew : nullptr;

    std::vector<Answer> answers;
    for (int n = 0; n < 6 && !rest.empty(); ++n) {
        const std::size_t sep = rest.find("\n#\n");
        answers.push_back(parse_answer(rest.substr(0, sep)));
        rest = sep == std::string_view::npos ? std::string_view() : rest.substr(sep + 3);
    }

    bool in_fetch = false;
    int requests = 0;
    for (const Answer& a : answers) {
        if (!in_fetch) {
            auto first = c.start(logins);
            check(first.ok());
            check_request(first.value(), c);
            in_fetch = true;
            requests = 1;
        }
        check(c.waiting());
        auto step = c.on_answer({a.status, a.body, a.date}, kLocalMs, skew_ptr);
        check(skew.offset_s() <= conn::kMaxClockOffsetS && skew.offset_s() >= -conn::kMaxClockOffsetS);
        if (!step.ok()) {
            const iotlite::Error& e = step.error();
            check(e.code != Errc::ok && !e.message.empty() && e.rule[0] != '\0');
            check(e.http_status == a.status);
            const bool success_status = a.status >= 200 && a.status <= 299;
            if (success_status) check(e.code == Errc::protocol_error || e.code == Errc::limit_exceeded);
            if (!logins.empty()) check(e.message.find(kToken) == std::string::npos);
            check(!c.waiting());
            in_fetch = false;
            continue;
        }
        if (step.value().done) {
            check(a.status >= 200 && a.status <= 299);
            const conn::TimedCredentials& t = step.value().credentials;
            check(!t.credentials.access_key_id.empty() && !t.credentials.secret_access_key.empty());
            check(t.expiration_ms == 0 || (t.expiration_ms > 0 && t.expiration_ms <= kMaxExpirationMs));
            check(!step.value().identity_id.empty() && step.value().identity_id == c.identity_id());
            check(!c.waiting());
            in_fetch = false;
            continue;
        }
        // Another request to send: after GetId, or a start-over after a refused cached identity.
        ++requests;
        check(requests <= 3);
        check(c.waiting());
        check_request(step.value().request, c);
        if (step.value().request.operation == conn::CognitoOperation::get_id) {
            check(step.value().identity_id.empty() && (a.status < 200 || a.status > 299));
        }
    }
    return 0;
}
