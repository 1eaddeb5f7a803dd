#include "iotlite/sigv4/signer.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "iotlite/sigv4/encoding.hpp"
#include "iotlite/sigv4/hmac_sha256.hpp"

namespace iotlite::sigv4 {

namespace {

constexpr std::uint32_t kMaxExpires = 604800;  // SigV4: presigned URLs live at most 7 days

using Pair = std::pair<std::string, std::string>;

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Hop-by-hop and client-specific headers that proxies or clients change; AWS's signers skip them.
bool is_unsignable(std::string_view lower_name) {
    static constexpr std::string_view kSkipped[] = {
        "authorization", "connection", "expect", "transfer-encoding", "upgrade", "user-agent",
        "x-amzn-trace-id", "sec-websocket-key", "sec-websocket-protocol", "sec-websocket-version",
        "sec-websocket-extensions"};
    for (auto name : kSkipped) {
        if (name == lower_name) return true;
    }
    return false;
}

bool is_signer_query_param(std::string_view key) {
    static constexpr std::string_view kParams[] = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                                                   "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature",
                                                   "X-Amz-Security-Token"};
    for (auto name : kParams) {
        if (name == key) return true;
    }
    return false;
}

// Splits a raw query into decoded (key, value) pairs; empty pieces ("a=1&&b=2") are skipped.
std::vector<Pair> decode_query(std::string_view raw) {
    std::vector<Pair> out;
    std::size_t pos = 0;
    while (pos <= raw.size() && !raw.empty()) {
        std::size_t amp = raw.find('&', pos);
        if (amp == std::string_view::npos) amp = raw.size();
        const std::string_view piece = raw.substr(pos, amp - pos);
        if (!piece.empty()) {
            const std::size_t eq = piece.find('=');
            if (eq == std::string_view::npos) {
                out.emplace_back(uri_decode(piece), std::string());
            } else {
                out.emplace_back(uri_decode(piece.substr(0, eq)), uri_decode(piece.substr(eq + 1)));
            }
        }
        pos = amp + 1;
    }
    return out;
}

std::string join_canonical_query(std::vector<Pair> decoded) {
    for (auto& [key, value] : decoded) {
        key = uri_encode(key, false);
        value = uri_encode(value, false);
    }
    std::sort(decoded.begin(), decoded.end());
    std::string out;
    for (const auto& [key, value] : decoded) {
        if (!out.empty()) out += '&';
        out += key;
        out += '=';
        out += value;
    }
    return out;
}

struct Prepared {
    AmzDate date;
    std::string scope;
    CanonicalRequest canonical;
    std::vector<Pair> added_query;        // query signing: parameters added (decoded), in URL order
    std::vector<HttpHeader> added_headers;  // header signing: headers added before Authorization
    std::vector<std::string> dropped_headers;  // lowercase names replaced by the signer
};

Result<void> validate(const HttpRequest& request, const SigningConfig& config, const Credentials& credentials) {
    if (request.method.empty()) return make_error(Errc::invalid_argument, "request method is empty");
    if (config.region.empty()) return make_error(Errc::invalid_argument, "signing region is empty");
    if (config.service.empty()) return make_error(Errc::invalid_argument, "signing service is empty");
    if (credentials.access_key_id.empty()) return make_error(Errc::invalid_argument, "access key id is empty");
    if (credentials.secret_access_key.empty()) {
        return make_error(Errc::invalid_argument, "secret access key is empty");
    }
    if (config.type == SignatureType::query && config.expires_seconds > kMaxExpires) {
        return make_error(Errc::invalid_argument, "X-Amz-Expires " + std::to_string(config.expires_seconds) +
                                                      " exceeds the SigV4 maximum of 604800 seconds (7 days)");
    }
    return {};
}

Result<Prepared> prepare(const HttpRequest& request, const SigningConfig& config, const Credentials& credentials) {
    if (auto valid = validate(request, config, credentials); !valid) return valid.error();
    auto date = format_amz_date(config.time);
    if (!date) return date.error();

    Prepared p;
    p.date = date.value();
    p.scope = credential_scope(p.date.date(), config.region, config.service);
    const bool header_mode = config.type == SignatureType::headers;
    const bool has_token = !credentials.session_token.empty();

    auto payload = sha256(request.body);
    if (!payload) return payload.error();
    p.canonical.payload_hash = to_hex(payload.value());

    // Canonical headers: lowercase names, canonical values, repeated names joined with ','.
    if (header_mode) {
        p.dropped_headers.push_back("x-amz-date");
        if (has_token) p.dropped_headers.push_back("x-amz-security-token");
        if (config.add_content_sha256_header) p.dropped_headers.push_back("x-amz-content-sha256");
        p.added_headers.push_back({"X-Amz-Date", std::string(p.date.date_time())});
        if (has_token) p.added_headers.push_back({"X-Amz-Security-Token", credentials.session_token});
        if (config.add_content_sha256_header) {
            p.added_headers.push_back({"x-amz-content-sha256", p.canonical.payload_hash});
        }
    }
    std::vector<Pair> headers;
    headers.reserve(request.headers.size() + 3);
    for (const auto& header : request.headers) {
        std::string name = to_lower(header.name);
        if (is_unsignable(name)) continue;
        if (std::find(p.dropped_headers.begin(), p.dropped_headers.end(), name) != p.dropped_headers.end()) continue;
        headers.emplace_back(std::move(name), canonical_header_value(header.value));
    }
    for (const auto& header : p.added_headers) {
        const bool unsigned_token = config.omit_session_token && iequals(header.name, "x-amz-security-token");
        if (!unsigned_token) headers.emplace_back(to_lower(header.name), header.value);
    }
    std::stable_sort(headers.begin(), headers.end(),
                     [](const Pair& a, const Pair& b) { return a.first < b.first; });
    std::string canonical_headers;
    for (std::size_t i = 0; i < headers.size(); ++i) {
        if (i > 0 && headers[i].first == headers[i - 1].first) {
            canonical_headers.back() = ',';  // replace the previous '\n'
        } else {
            if (!p.canonical.signed_headers.empty()) p.canonical.signed_headers += ';';
            p.canonical.signed_headers += headers[i].first;
            canonical_headers += headers[i].first;
            canonical_headers += ':';
        }
        canonical_headers += headers[i].second;
        canonical_headers += '\n';
    }

    // Canonical query: the request's parameters plus, for query signing, the signer's own.
    std::vector<Pair> query = decode_query(request.query);
    if (!header_mode) {
        query.erase(std::remove_if(query.begin(), query.end(),
                                   [](const Pair& kv) { return is_signer_query_param(kv.first); }),
                    query.end());
        p.added_query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
        p.added_query.emplace_back("X-Amz-Credential", credentials.access_key_id + "/" + p.scope);
        p.added_query.emplace_back("X-Amz-Date", std::string(p.date.date_time()));
        p.added_query.emplace_back("X-Amz-SignedHeaders", p.canonical.signed_headers);
        if (config.expires_seconds > 0) {
            p.added_query.emplace_back("X-Amz-Expires", std::to_string(config.expires_seconds));
        }
        if (has_token && !config.omit_session_token) {
            p.added_query.emplace_back("X-Amz-Security-Token", credentials.session_token);
        }
        query.insert(query.end(), p.added_query.begin(), p.added_query.end());
    }

    std::string& text = p.canonical.text;
    text.reserve(256 + canonical_headers.size() + request.path.size() + request.query.size());
    text += request.method;
    text += '\n';
    text += canonical_uri(request.path, config);
    text += '\n';
    text += join_canonical_query(std::move(query));
    text += '\n';
    text += canonical_headers;
    text += '\n';
    text += p.canonical.signed_headers;
    text += '\n';
    text += p.canonical.payload_hash;
    return p;
}

Result<std::string> string_to_sign_for(std::string_view canonical_request, const AmzDate& date,
                                       std::string_view scope) {
    auto hash = sha256(canonical_request);
    if (!hash) return hash.error();
    std::string out;
    out.reserve(kAlgorithm.size() + 16 + scope.size() + 64 + 3);
    out += kAlgorithm;
    out += '\n';
    out += date.date_time();
    out += '\n';
    out += scope;
    out += '\n';
    append_hex(out, hash.value().data(), hash.value().size());
    return out;
}

}  // namespace

std::string normalize_uri_path(std::string_view path) {
    std::vector<std::string_view> segments;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        std::size_t slash = path.find('/', pos);
        if (slash == std::string_view::npos) slash = path.size();
        const std::string_view segment = path.substr(pos, slash - pos);
        if (segment == "..") {
            if (!segments.empty()) segments.pop_back();
        } else if (!segment.empty() && segment != ".") {
            segments.push_back(segment);
        }
        pos = slash + 1;
    }
    std::string out = "/";
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (i > 0) out += '/';
        out += segments[i];
    }
    if (!segments.empty() && !path.empty() && path.back() == '/') out += '/';
    return out;
}

std::string canonical_uri(std::string_view raw_path, const SigningConfig& config) {
    std::string path = raw_path.empty() ? std::string("/") : std::string(raw_path);
    if (config.normalize_path) path = normalize_uri_path(path);
    if (!config.double_uri_encode) return path;
    return uri_encode(path, true);
}

std::string canonical_query_string(std::string_view raw_query) { return join_canonical_query(decode_query(raw_query)); }

std::string canonical_header_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    bool pending_space = false;
    for (char c : value) {
        if (is_space(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

std::string credential_scope(std::string_view date, std::string_view region, std::string_view service) {
    std::string out;
    out.reserve(date.size() + region.size() + service.size() + 16);
    out += date;
    out += '/';
    out += region;
    out += '/';
    out += service;
    out += "/aws4_request";
    return out;
}

Result<CanonicalRequest> build_canonical_request(const HttpRequest& request, const SigningConfig& config,
                                                 const Credentials& credentials) {
    auto prepared = prepare(request, config, credentials);
    if (!prepared) return prepared.error();
    return std::move(prepared.value().canonical);
}

Result<std::string> build_string_to_sign(std::string_view canonical_request, const SigningConfig& config) {
    if (config.region.empty()) return make_error(Errc::invalid_argument, "signing region is empty");
    if (config.service.empty()) return make_error(Errc::invalid_argument, "signing service is empty");
    auto date = format_amz_date(config.time);
    if (!date) return date.error();
    return string_to_sign_for(canonical_request, date.value(),
                              credential_scope(date.value().date(), config.region, config.service));
}

Result<Digest> derive_signing_key(std::string_view secret_access_key, std::string_view date, std::string_view region,
                                  std::string_view service) {
    if (secret_access_key.empty()) return make_error(Errc::invalid_argument, "secret access key is empty");
    std::string seed;
    seed.reserve(4 + secret_access_key.size());
    seed += "AWS4";
    seed += secret_access_key;
    auto k_date = hmac_sha256(seed, date);
    std::fill(seed.begin(), seed.end(), '\0');  // do not leave the secret in freed memory
    if (!k_date) return k_date.error();
    const auto& kd = k_date.value();
    auto k_region = HmacSha256(kd.data(), kd.size()).mac(region);
    if (!k_region) return k_region.error();
    const auto& kr = k_region.value();
    auto k_service = HmacSha256(kr.data(), kr.size()).mac(service);
    if (!k_service) return k_service.error();
    const auto& ks = k_service.value();
    return HmacSha256(ks.data(), ks.size()).mac("aws4_request");
}

Result<std::string> compute_signature(const Digest& signing_key, std::string_view string_to_sign) {
    auto mac = HmacSha256(signing_key.data(), signing_key.size()).mac(string_to_sign);
    if (!mac) return mac.error();
    return to_hex(mac.value());
}

Result<SignedRequest> sign_request(const HttpRequest& request, const SigningConfig& config,
                                   const Credentials& credentials) {
    auto prepared = prepare(request, config, credentials);
    if (!prepared) return prepared.error();
    Prepared& p = prepared.value();

    auto sts = string_to_sign_for(p.canonical.text, p.date, p.scope);
    if (!sts) return sts.error();
    auto key = derive_signing_key(credentials.secret_access_key, p.date.date(), config.region, config.service);
    if (!key) return key.error();
    auto signature = compute_signature(key.value(), sts.value());
    if (!signature) return signature.error();

    SignedRequest out;
    out.request.method = request.method;
    out.request.path = request.path;
    out.request.query = request.query;
    out.request.body = request.body;
    if (config.type == SignatureType::headers) {
        for (const auto& header : request.headers) {
            const std::string name = to_lower(header.name);
            const bool replaced = name == "authorization" || std::find(p.dropped_headers.begin(),
                                                                      p.dropped_headers.end(),
                                                                      name) != p.dropped_headers.end();
            if (!replaced) out.request.headers.push_back(header);
        }
        out.request.headers.insert(out.request.headers.end(), p.added_headers.begin(), p.added_headers.end());
        out.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" + p.scope +
                            ", SignedHeaders=" + p.canonical.signed_headers + ", Signature=" + signature.value();
        out.request.headers.push_back({"Authorization", out.authorization});
    } else {
        out.request.headers = request.headers;
        // Drop signer parameters left over from an earlier signature, keep everything else as given.
        std::string query;
        std::size_t pos = 0;
        const std::string_view raw = request.query;
        while (pos < raw.size()) {
            std::size_t amp = raw.find('&', pos);
            if (amp == std::string_view::npos) amp = raw.size();
            const std::string_view piece = raw.substr(pos, amp - pos);
            const std::string key = uri_decode(piece.substr(0, piece.find('=')));
            if (!piece.empty() && !is_signer_query_param(key)) {
                if (!query.empty()) query += '&';
                query += piece;
            }
            pos = amp + 1;
        }
        auto append = [&query](std::string_view key, std::string_view value) {
            if (!query.empty()) query += '&';
            query += key;
            query += '=';
            append_uri_encoded(query, value, false);
        };
        for (const auto& [key, value] : p.added_query) append(key, value);
        append("X-Amz-Signature", signature.value());
        if (!credentials.session_token.empty() && config.omit_session_token) {
            append("X-Amz-Security-Token", credentials.session_token);
        }
        out.request.query = std::move(query);
    }
    out.canonical = std::move(p.canonical);
    out.string_to_sign = std::move(sts.value());
    out.signature = std::move(signature.value());
    return out;
}

}  // namespace iotlite::sigv4
