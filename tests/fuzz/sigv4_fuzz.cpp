// libFuzzer target: the SigV4 signer's inputs.
//
//   parse_http_request / serialize_http_request   the test suites' request text (CLI `sigv4`)
//   build_canonical_request / sign_request         any method, path, query, headers and body,
//                                                  header and query signing, every option
//   canonical_query_string, canonical_uri, normalize_uri_path, canonical_header_value,
//   uri_encode / uri_decode                        the canonicalisation helpers on raw text
//
// Input: byte 0 = options (bit 0 query signing, 1 normalize_path, 2 double_uri_encode,
// 3 add_content_sha256_header, 4 omit_session_token, 5 session token present, 6-7 expiry:
// none / 3600 / 604800 / 604801), byte 1 = scope and time (bits 0-1 region/service pair, bit 2 a
// time out of range), bytes 2..5 = signing time seed, the rest = the request. The request is read
// with parse_http_request ("GET /path?query HTTP/1.1", "Name:value" lines, blank line, body);
// when that refuses it, its lines are taken as method, path, query and "name:value" headers
// directly, so that bytes the parser never produces (CR, NUL, bare '\n' in a field) reach the
// signer too.
// Properties (a violation traps), besides no crash / UB / leak:
//   - a parsed request serialises and re-parses to the same request;
//   - the canonical request, string to sign and signature are deterministic (two runs agree)
//     and build_canonical_request agrees with sign_request;
//   - re-signing a signed request gives the same signature (the signer's own headers/parameters
//     are replaced, never signed twice);
//   - query signing: the signed query decodes to the original parameters (minus signer ones) plus
//     exactly one of each X-Amz-* parameter, X-Amz-Signature = the signature, the token (when
//     unsigned) last; header signing: exactly one Authorization header, ending in the signature;
//   - canonical_query_string is idempotent and its output is made only of unreserved characters,
//     '%XX', '=' and '&'; uri_decode(uri_encode(s)) == s for paths and query components;
//   - bad configuration (time out of range, expiry over 7 days) is refused with invalid_argument.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iotlite/sigv4/encoding.hpp"
#include "iotlite/sigv4/http_request.hpp"
#include "iotlite/sigv4/signer.hpp"

namespace sigv4 = iotlite::sigv4;

namespace {

void check(bool condition) {
    if (!condition) __builtin_trap();
}

bool same_request(const sigv4::HttpRequest& a, const sigv4::HttpRequest& b) {
    if (a.method != b.method || a.path != b.path || a.query != b.query || a.body != b.body) return false;
    if (a.headers.size() != b.headers.size()) return false;
    for (std::size_t i = 0; i < a.headers.size(); ++i) {
        if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) return false;
    }
    return true;
}

bool is_unreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

bool is_upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// Decoded (key, value) pairs of a raw query, empty pieces skipped (as the signer reads it).
std::vector<std::pair<std::string, std::string>> split_query(std::string_view raw) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t pos = 0;
    while (pos < raw.size()) {
        std::size_t amp = raw.find('&', pos);
        if (amp == std::string_view::npos) amp = raw.size();
        const std::string_view piece = raw.substr(pos, amp - pos);
        if (!piece.empty()) {
            const std::size_t eq = piece.find('=');
            out.emplace_back(sigv4::uri_decode(piece.substr(0, eq)),
                             eq == std::string_view::npos ? std::string() : sigv4::uri_decode(piece.substr(eq + 1)));
        }
        pos = amp + 1;
    }
    return out;
}

bool is_signer_param(const std::string& key) {
    return key == "X-Amz-Algorithm" || key == "X-Amz-Credential" || key == "X-Amz-Date" || key == "X-Amz-Expires" ||
           key == "X-Amz-SignedHeaders" || key == "X-Amz-Signature" || key == "X-Amz-Security-Token";
}

void check_canonical_query(std::string_view raw) {
    const std::string once = sigv4::canonical_query_string(raw);
    check(sigv4::canonical_query_string(once) == once);
    for (std::size_t i = 0; i < once.size(); ++i) {
        const char c = once[i];
        if (c == '%') {
            check(i + 2 < once.size() && is_upper_hex(once[i + 1]) && is_upper_hex(once[i + 2]));
            i += 2;
        } else {
            check(is_unreserved(c) || c == '=' || c == '&');
        }
    }
}

void check_encoding(std::string_view text) {
    check(sigv4::uri_decode(sigv4::uri_encode(text, false)) == text);
    check(sigv4::uri_decode(sigv4::uri_encode(text, true)) == text);
    const std::string encoded = sigv4::uri_encode(text, false);
    for (char c : encoded) check(is_unreserved(c) || c == '%' || is_upper_hex(c));
}

void check_helpers(std::string_view text, const sigv4::SigningConfig& config) {
    check_canonical_query(text);
    check_encoding(text);
    const std::string normalized = sigv4::normalize_uri_path(text);
    check(sigv4::normalize_uri_path(normalized) == normalized);
    const std::string uri = sigv4::canonical_uri(text, config);
    check(uri == sigv4::canonical_uri(text, config));
    const std::string value = sigv4::canonical_header_value(text);
    check(sigv4::canonical_header_value(value) == value);
    if (!value.empty()) check(value.front() != ' ' && value.back() != ' ');
}

// The request from lines: method, path, query, then "name:value" headers (no parser involved).
sigv4::HttpRequest request_from_lines(std::string_view text) {
    sigv4::HttpRequest request;
    std::size_t pos = 0;
    int line_number = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = text.substr(pos, end - pos);
        switch (line_number++) {
            case 0: request.method = std::string(line); break;
            case 1: request.path = std::string(line); break;
            case 2: request.query = std::string(line); break;
            default: {
                const std::size_t colon = line.find(':');
                request.headers.push_back({std::string(line.substr(0, colon)),
                                           colon == std::string_view::npos ? std::string() : std::string(line.substr(colon + 1))});
            }
        }
        pos = end + 1;
    }
    return request;
}

void check_signing(const sigv4::HttpRequest& request, const sigv4::SigningConfig& config,
                   const sigv4::Credentials& credentials, bool config_valid) {
    auto canonical = sigv4::build_canonical_request(request, config, credentials);
    auto signed_request = sigv4::sign_request(request, config, credentials);
    check(canonical.ok() == signed_request.ok());
    if (!signed_request) {
        check(signed_request.error().code == iotlite::Errc::invalid_argument);
        // The only refusals possible here: an empty method, or a configuration out of range.
        check(request.method.empty() || !config_valid);
        return;
    }
    check(config_valid && !request.method.empty());
    const sigv4::SignedRequest& s = signed_request.value();
    check(canonical.value().text == s.canonical.text);
    check(canonical.value().signed_headers == s.canonical.signed_headers);
    check(s.signature.size() == 64);

    auto sts = sigv4::build_string_to_sign(s.canonical.text, config);
    check(sts.ok() && sts.value() == s.string_to_sign);

    // Deterministic.
    auto again = sigv4::sign_request(request, config, credentials);
    check(again.ok() && again.value().signature == s.signature && again.value().canonical.text == s.canonical.text &&
          same_request(again.value().request, s.request));

    // Re-signing the signed request replaces the signer's own additions: same signature.
    auto resigned = sigv4::sign_request(s.request, config, credentials);
    check(resigned.ok());
    check(resigned.value().canonical.text == s.canonical.text);
    check(resigned.value().signature == s.signature);

    if (config.type == sigv4::SignatureType::query) {
        check(s.authorization.empty());
        const auto before = split_query(request.query);
        const auto after = split_query(s.request.query);
        std::vector<std::pair<std::string, std::string>> kept;
        for (const auto& kv : before) {
            if (!is_signer_param(kv.first)) kept.push_back(kv);
        }
        check(after.size() >= kept.size());
        for (std::size_t i = 0; i < kept.size(); ++i) check(after[i] == kept[i]);
        int signature_count = 0, credential_count = 0, token_count = 0;
        for (std::size_t i = kept.size(); i < after.size(); ++i) {
            const auto& [key, value] = after[i];
            check(is_signer_param(key));
            if (key == "X-Amz-Signature") {
                ++signature_count;
                check(value == s.signature);
            } else if (key == "X-Amz-Credential") {
                ++credential_count;
                check(value.compare(0, credentials.access_key_id.size() + 1, credentials.access_key_id + "/") == 0);
            } else if (key == "X-Amz-Security-Token") {
                ++token_count;
                check(value == credentials.session_token);
            }
        }
        check(signature_count == 1 && credential_count == 1);
        check(token_count == (credentials.session_token.empty() ? 0 : 1));
        if (!credentials.session_token.empty() && config.omit_session_token) {
            check(after.back().first == "X-Amz-Security-Token");
        }
    } else {
        int authorization_count = 0;
        for (const auto& header : s.request.headers) {
            std::string lower = header.name;
            for (char& c : lower) {
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            }
            if (lower == "authorization") {
                ++authorization_count;
                check(header.value == s.authorization);
            }
        }
        check(authorization_count == 1);
        check(s.authorization.size() > 64 &&
              s.authorization.compare(s.authorization.size() - 64, 64, s.signature) == 0);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 6) return 0;
    const std::uint8_t options = data[0];
    const std::uint8_t scope = data[1];
    const std::uint32_t seed = (static_cast<std::uint32_t>(data[2]) << 24) | (static_cast<std::uint32_t>(data[3]) << 16) |
                               (static_cast<std::uint32_t>(data[4]) << 8) | data[5];
    const std::string_view text(reinterpret_cast<const char*>(data + 6), size - 6);

    static const char* const kScopes[][2] = {
        {"us-east-1", "service"}, {"us-east-1", "iotdevicegateway"}, {"eu-west-1", "iotdata"}, {"cn-north-1", "s3"}};
    static constexpr std::uint32_t kExpiries[] = {0, 3600, 604800, 604801};
    sigv4::SigningConfig config;
    config.type = (options & 1) != 0 ? sigv4::SignatureType::query : sigv4::SignatureType::headers;
    config.normalize_path = (options & 2) != 0;
    config.double_uri_encode = (options & 4) != 0;
    config.add_content_sha256_header = (options & 8) != 0;
    config.omit_session_token = (options & 16) != 0;
    config.expires_seconds = kExpiries[options >> 6];
    config.region = kScopes[scope & 3][0];
    config.service = kScopes[scope & 3][1];
    // Any time in 1970..2106 from the seed, or one just outside the signer's range.
    config.time = (scope & 4) != 0 ? ((seed & 1) != 0 ? -1 - static_cast<std::int64_t>(seed >> 1) : 253402300800 + seed)
                                   : static_cast<std::int64_t>(seed);
    const bool config_valid = (scope & 4) == 0 &&
                              !(config.type == sigv4::SignatureType::query && config.expires_seconds > 604800);

    sigv4::Credentials credentials;
    credentials.access_key_id = "AKIDEXAMPLE";
    credentials.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    if ((options & 32) != 0) credentials.session_token = "AQoDYXdzEPT//////////wEXAMPLE+token=";

    check_helpers(text, config);

    auto parsed = sigv4::parse_http_request(text);
    if (parsed) {
        const std::string serialized = sigv4::serialize_http_request(parsed.value());
        auto reparsed = sigv4::parse_http_request(serialized);
        check(reparsed.ok() && same_request(parsed.value(), reparsed.value()));
        check_signing(parsed.value(), config, credentials, config_valid);
    } else {
        check(parsed.error().code == iotlite::Errc::invalid_argument && !parsed.error().message.empty());
        check_signing(request_from_lines(text), config, credentials, config_valid);
    }
    return 0;
}
