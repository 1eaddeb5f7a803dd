#include "sts_client.hpp"

#include <ctime>

#include "iotlite/firmware/posix_port.hpp"
#include "iotlite/firmware/transport_factory.hpp"
#include "iotlite/sigv4/encoding.hpp"
#include "iotlite/sigv4/signer.hpp"
#include "sts_response.hpp"

namespace iotlite::cli {

namespace {

Error bad(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

bool word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool all_of(std::string_view s, std::string_view extra) {
    for (char c : s)
        if (!word_char(c) && extra.find(c) == std::string_view::npos) return false;
    return true;
}

void add_form(std::string& body, const char* key, std::string_view value) {
    if (!body.empty()) body += '&';
    body += key;
    body += '=';
    sigv4::append_uri_encoded(body, value, false);
}

}  // namespace

StsEndpoint default_sts_endpoint(const std::string& region) {
    StsEndpoint e;
    if (region.empty()) {
        e.host = "sts.amazonaws.com";
        e.signing_region = "us-east-1";
    } else {
        e.host = "sts." + region + ".amazonaws.com";
        e.signing_region = region;
    }
    e.url = "https://" + e.host;
    return e;
}

Result<StsEndpoint> sts_endpoint_from_url(std::string_view url, const std::string& region) {
    StsEndpoint e;
    e.url = std::string(url.substr(0, 200));
    constexpr std::string_view kScheme = "https://";
    if (url.substr(0, kScheme.size()) != kScheme) {
        return bad("STS endpoint " + e.url + ": must be an https:// URL (iotlite speaks to STS over TLS only)");
    }
    std::string_view rest = url.substr(kScheme.size());
    const std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    e.path = slash == std::string_view::npos ? std::string("/") : std::string(rest.substr(slash));
    if (!authority.empty() && authority.front() == '[') return bad("STS endpoint " + e.url + ": IPv6 literals are not supported");
    const std::size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
        const std::string_view port = authority.substr(colon + 1);
        unsigned long value = 0;
        bool digits = !port.empty() && port.size() <= 5;
        for (char c : port) {
            digits = digits && c >= '0' && c <= '9';
            if (digits) value = value * 10 + static_cast<unsigned long>(c - '0');
        }
        if (!digits || value < 1 || value > 65535) return bad("STS endpoint " + e.url + ": the port must be 1-65535");
        e.port = static_cast<std::uint16_t>(value);
        authority = authority.substr(0, colon);
    }
    if (authority.empty() || !all_of(authority, "-.")) return bad("STS endpoint " + e.url + ": the host must be a DNS name");
    e.host = std::string(authority);
    for (char& c : e.host)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    e.signing_region = region.empty() ? std::string("us-east-1") : region;
    return e;
}

Result<void> validate_assume_role_params(const AssumeRoleParams& p) {
    // arn:<partition>:iam::<12 digits>:role/<path/name>
    const std::string_view arn = p.role_arn;
    const std::size_t iam = arn.find(":iam::");
    const std::size_t role = arn.find(":role/");
    const bool arn_ok = arn.substr(0, 4) == "arn:" && iam != std::string_view::npos && role == iam + 6 + 12 &&
                        all_of(arn.substr(iam + 6, 12), "") && arn.size() > role + 6 && arn.size() <= 2048;
    if (!arn_ok) return bad("role_arn must be arn:aws:iam::<12-digit account>:role/<name> (STS AssumeRole's RoleArn)");
    if (p.session_name.size() < 2 || p.session_name.size() > 64 || !all_of(p.session_name, "+=,.@-")) {
        return bad("role_session_name must be 2-64 characters of letters, digits and _+=,.@- (STS's RoleSessionName rule)");
    }
    if (p.duration_seconds != 0 && (p.duration_seconds < 900 || p.duration_seconds > 43200)) {
        return bad("duration_seconds must be 900-43200 (STS's DurationSeconds rule)");
    }
    if (!p.external_id.empty() &&
        (p.external_id.size() < 2 || p.external_id.size() > 1224 || !all_of(p.external_id, "+=,.@:/-"))) {
        return bad("external_id must be 2-1224 characters of letters, digits and _+=,.@:/- (STS's ExternalId rule)");
    }
    return {};
}

Result<firmware::HttpRequest> build_assume_role_request(const StsEndpoint& endpoint, const AssumeRoleParams& params,
                                                        const sigv4::Credentials& source, std::int64_t now_s) {
    Result<void> valid = validate_assume_role_params(params);
    if (!valid.ok()) return valid.error();
    firmware::HttpRequest r;
    r.method = "POST";
    r.target = endpoint.path;
    r.host = endpoint.port == 443 ? endpoint.host : endpoint.host + ":" + std::to_string(endpoint.port);
    add_form(r.body, "Action", "AssumeRole");
    add_form(r.body, "Version", "2011-06-15");
    add_form(r.body, "RoleArn", params.role_arn);
    add_form(r.body, "RoleSessionName", params.session_name);
    if (params.duration_seconds != 0) add_form(r.body, "DurationSeconds", std::to_string(params.duration_seconds));
    if (!params.external_id.empty()) add_form(r.body, "ExternalId", params.external_id);
    const char* content_type = "application/x-www-form-urlencoded; charset=utf-8";

    sigv4::HttpRequest s;
    s.method = r.method;
    s.path = r.target;
    s.headers.push_back(sigv4::HttpHeader{"host", r.host});
    s.headers.push_back(sigv4::HttpHeader{"content-type", content_type});
    s.body = r.body;
    sigv4::SigningConfig config;
    config.type = sigv4::SignatureType::headers;
    config.region = endpoint.signing_region;
    config.service = "sts";
    config.time = now_s;
    Result<sigv4::SignedRequest> signed_request = sigv4::sign_request(s, config, source);
    if (!signed_request.ok()) return signed_request.error();
    for (const sigv4::HttpHeader& h : signed_request.value().request.headers) {
        if (h.name == "host") continue;
        r.headers.emplace_back(h.name, h.value);
    }
    return r;
}

Result<connection::TimedCredentials> assume_role(const StsEndpoint& endpoint, const AssumeRoleParams& params,
                                                 const sigv4::Credentials& source, const std::string& ca_pem,
                                                 std::uint32_t timeout_ms) {
    firmware::PosixPort posix;
    const std::int64_t now_s = posix.port().clock.unix_time_s();
    Result<firmware::HttpRequest> request = build_assume_role_request(endpoint, params, source, now_s);
    if (!request.ok()) return request.error();
    firmware::DeviceCredentials tls;
    tls.ca_pem = ca_pem;
    firmware::TransportFactory factory(posix.port(), tls);
    Result<std::unique_ptr<firmware::Transport>> transport = factory.open_tls(endpoint.host, endpoint.port, std::string(), false);
    if (!transport.ok()) {
        return make_error(transport.error().code, "STS " + endpoint.url + ": " + transport.error().message);
    }
    Result<firmware::HttpResponse> answer =
        firmware::HttpClient::perform(*transport.value(), request.value(), posix.port(), timeout_ms, kStsMaxAnswerBytes);
    if (!answer.ok()) return make_error(answer.error().code, "STS " + endpoint.url + ": " + answer.error().message);
    return parse_assume_role_response(answer.value().status, answer.value().body,
                                      {source.secret_access_key, source.session_token});
}

}  // namespace iotlite::cli
