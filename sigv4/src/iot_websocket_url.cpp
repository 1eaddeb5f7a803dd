#include "iotlite/sigv4/iot_websocket_url.hpp"

#include <cstring>

#include "iotlite/sigv4/amz_date.hpp"
#include "iotlite/sigv4/encoding.hpp"
#include "iotlite/sigv4/signer.hpp"

namespace iotlite::sigv4 {

namespace {

constexpr std::uint32_t kMaxIotExpires = 86400;  // AWS IoT rejects longer-lived presigned URLs
constexpr std::string_view kSignedHeadersParam = "&X-Amz-SignedHeaders=host";

struct Endpoint {
    // "host" or "host:port" exactly as it goes into the URL and the signed Host header.
    char authority[300];
    std::size_t authority_size = 0;
    std::size_t host_size = 0;  // the host part (without ":port")
    std::string_view authority_view() const { return {authority, authority_size}; }
    std::string_view host() const { return {authority, host_size}; }
};

std::string shown(std::string_view endpoint) {
    std::string out(endpoint.substr(0, 80));
    if (endpoint.size() > 80) out += "...";
    return out;
}

bool is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

// Validates and lowercases "host[:port]" (IPv6 literals in brackets), dropping the scheme's default
// port unless asked to keep it. No allocation on success.
Result<void> parse_endpoint(std::string_view endpoint, UrlScheme scheme, bool keep_default_port, Endpoint& out) {
    if (endpoint.empty()) return make_error(Errc::invalid_argument, "endpoint is empty");
    if (endpoint.size() > 253 + 8) {
        return make_error(Errc::invalid_argument, "endpoint '" + shown(endpoint) + "' is longer than a DNS name allows");
    }
    bool forbidden = false;  // a plain loop: string_view::find_first_of is a call per byte per character in wasm
    for (const char c : endpoint) forbidden = forbidden || c == '/' || c == ' ' || c == '@' || c == '?' || c == '#';
    if (forbidden) {
        return make_error(Errc::invalid_argument,
                          "endpoint '" + shown(endpoint) +
                              "' must be a host name with an optional :port (no scheme, path or spaces)");
    }
    std::string_view host = endpoint;
    std::string_view port;
    if (endpoint.front() == '[') {  // [v6]:port
        const std::size_t close = endpoint.find(']');
        if (close == std::string_view::npos) {
            return make_error(Errc::invalid_argument, "endpoint '" + shown(endpoint) + "' has an unclosed '['");
        }
        host = endpoint.substr(0, close + 1);
        if (close == 1) return make_error(Errc::invalid_argument, "endpoint '" + shown(endpoint) + "' has an empty IPv6 address in '[]'");
        if (close + 1 < endpoint.size()) {
            if (endpoint[close + 1] != ':') {
                return make_error(Errc::invalid_argument,
                                  "endpoint '" + shown(endpoint) + "' must be host[:port] with no scheme or path");
            }
            port = endpoint.substr(close + 2);
            if (port.empty()) return make_error(Errc::invalid_argument, "endpoint '" + shown(endpoint) + "' has an empty port");
        }
    } else {
        const std::size_t colon = endpoint.find(':');
        if (colon != std::string_view::npos) {
            host = endpoint.substr(0, colon);
            port = endpoint.substr(colon + 1);
            if (port.empty()) return make_error(Errc::invalid_argument, "endpoint '" + shown(endpoint) + "' has an empty port");
        }
    }
    if (host.empty()) return make_error(Errc::invalid_argument, "endpoint '" + shown(endpoint) + "' has no host name");

    std::size_t n = 0;
    for (std::size_t i = 0; i < host.size(); ++i) {
        char c = host[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        const bool bracketed = host.front() == '[';
        const bool ok = bracketed ? (c == '[' && i == 0) || (c == ']' && i + 1 == host.size()) || c == ':' ||
                                        c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
                                  : is_host_char(c);
        if (!ok) {
            return make_error(Errc::invalid_argument,
                              "endpoint '" + shown(endpoint) +
                                  "' must be a host name with an optional :port (no scheme, path or spaces)");
        }
        out.authority[n++] = c;
    }
    out.host_size = n;
    if (!port.empty()) {
        unsigned value = port.size() > 5 ? 0 : 1;  // 0 marks "invalid"; at most 5 digits, so no overflow
        if (value != 0) {
            value = 0;
            for (char c : port) {
                if (c < '0' || c > '9') {
                    value = 0;
                    break;
                }
                value = value * 10 + static_cast<unsigned>(c - '0');
            }
        }
        if (value < 1 || value > 65535) {
            return make_error(Errc::invalid_argument, "port in endpoint '" + shown(endpoint) + "' must be 1-65535");
        }
        const unsigned default_port = scheme == UrlScheme::wss ? 443 : 80;
        if (value != default_port || keep_default_port) {
            out.authority[n++] = ':';
            std::memcpy(out.authority + n, port.data(), port.size());
            n += port.size();
        }
    }
    out.authority_size = n;
    return {};
}

// Copies `piece` to `out` and returns the end. Assembling into one buffer costs a memcpy per
// piece, where a hash update costs several calls in wasm -Oz builds.
char* put(char* out, std::string_view piece) {
    std::memcpy(out, piece.data(), piece.size());
    return out + piece.size();
}

Result<std::string_view> region_from_host(std::string_view host, std::string_view endpoint) {
    // Looks for "iot.<region>.amazonaws.com" or "...com.cn" at a label boundary, at the end of the host.
    for (std::size_t at = host.find("iot."); at != std::string_view::npos; at = host.find("iot.", at + 1)) {
        if (at != 0 && host[at - 1] != '.') continue;
        const std::size_t region_start = at + 4;
        const std::size_t region_end = host.find('.', region_start);
        if (region_end == std::string_view::npos || region_end == region_start) continue;
        const std::string_view rest = host.substr(region_end);
        if (rest != ".amazonaws.com" && rest != ".amazonaws.com.cn") continue;
        const std::string_view region = host.substr(region_start, region_end - region_start);
        if (is_aws_region_name(region)) return region;
    }
    return make_error(Errc::invalid_argument,
                      "cannot infer the AWS region from endpoint '" + shown(endpoint) +
                          "': expected <prefix>.iot.<region>.amazonaws.com; give the region explicitly");
}

}  // namespace

bool is_aws_region_name(std::string_view r) {
    if (r.size() < 4 || r.size() > 32) return false;
    std::size_t words = 0;
    std::size_t start = 0;
    for (;;) {
        const std::size_t dash = r.find('-', start);
        const std::string_view part =
            r.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start);
        if (part.empty()) return false;
        const bool last = dash == std::string_view::npos;
        for (char c : part) {
            const bool ok = last ? (c >= '0' && c <= '9') : (c >= 'a' && c <= 'z');
            if (!ok) return false;
        }
        if (words == 0 && part.size() != 2) return false;
        ++words;
        if (last) break;
        start = dash + 1;
    }
    return words >= 3;
}

Result<std::string> infer_iot_region(std::string_view endpoint) {
    Endpoint parsed;
    if (auto ok = parse_endpoint(endpoint, UrlScheme::wss, false, parsed); !ok) return ok.error();
    auto region = region_from_host(parsed.host(), endpoint);
    if (!region) return region.error();
    return std::string(region.value());
}

Result<void> IotUrlSigner::prepare_cache(const IotUrlRequest& request, std::string_view date,
                                         std::string_view region) {
    const Credentials& creds = request.credentials;
    if (cache_valid_ && cached_date_ == date && cached_region_ == region && cached_service_ == request.service &&
        cached_access_key_id_ == creds.access_key_id && cached_secret_ == creds.secret_access_key) {
        return {};
    }
    cache_valid_ = false;
    auto key = derive_signing_key(creds.secret_access_key, date, region, request.service);
    if (!key) return key.error();
    signing_key_.set_key(key.value().data(), key.value().size());

    scope_ = credential_scope(date, region, request.service);
    query_prefix_.clear();
    query_prefix_ += "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=";
    append_uri_encoded(query_prefix_, creds.access_key_id, false);
    query_prefix_ += "%2F";
    append_uri_encoded(query_prefix_, scope_, false);
    query_prefix_ += "&X-Amz-Date=";

    canonical_prefix_.reset();
    canonical_prefix_.update("GET\n/mqtt\n");
    canonical_prefix_.update(query_prefix_);

    cached_date_.assign(date);
    cached_region_.assign(region);
    cached_service_ = request.service;
    cached_access_key_id_ = creds.access_key_id;
    cached_secret_ = creds.secret_access_key;
    cache_valid_ = true;
    return {};
}

Result<void> IotUrlSigner::presign_into(const IotUrlRequest& request, std::string& url) {
    Endpoint endpoint;
    if (auto ok = parse_endpoint(request.endpoint, request.scheme, request.keep_default_port, endpoint); !ok) {
        return ok.error();
    }
    std::string_view region = request.region;
    if (region.empty()) {
        auto inferred = region_from_host(endpoint.host(), request.endpoint);
        if (!inferred) return inferred.error();
        region = inferred.value();
    }
    return presign_authority_into(request, endpoint.authority_view(), region, url);
}

Result<void> IotUrlSigner::presign_authority_into(const IotUrlRequest& request, std::string_view authority,
                                                  std::string_view region, std::string& url) {
    const Credentials& creds = request.credentials;
    if (creds.access_key_id.empty()) return make_error(Errc::invalid_argument, "access key id is empty");
    if (creds.secret_access_key.empty()) return make_error(Errc::invalid_argument, "secret access key is empty");
    if (request.service.empty()) return make_error(Errc::invalid_argument, "signing service is empty");
    if (request.expires_seconds > kMaxIotExpires) {
        return make_error(Errc::invalid_argument, "X-Amz-Expires " + std::to_string(request.expires_seconds) +
                                                      " exceeds AWS IoT's maximum of 86400 seconds");
    }
    if (authority.empty() || authority.size() > sizeof(Endpoint::authority) || region.empty()) {
        return make_error(Errc::invalid_argument, "presign: the host is empty or longer than a DNS name, or no region");
    }
    auto date = format_amz_date(request.time);
    if (!date) return date.error();
    const AmzDate& amz = date.value();
    if (auto ok = prepare_cache(request, amz.date(), region); !ok) return ok.error();

    // X-Amz-Expires sorts between X-Amz-Date and X-Amz-SignedHeaders.
    char expires[32];
    std::size_t expires_size = 0;
    if (request.expires_seconds > 0) {
        static constexpr char kParam[] = "&X-Amz-Expires=";
        std::memcpy(expires, kParam, sizeof kParam - 1);
        expires_size = sizeof kParam - 1;
        char digits[10];
        std::size_t nd = 0;
        for (std::uint32_t v = request.expires_seconds; v > 0; v /= 10) digits[nd++] = static_cast<char>('0' + v % 10);
        while (nd > 0) expires[expires_size++] = digits[--nd];
    }
    const std::string_view expires_view(expires, expires_size);

    // Canonical request = "GET\n/mqtt\n" + query + "\nhost:" + authority + "\n\nhost\n" + empty hash;
    // its fixed prefix is already absorbed in canonical_prefix_. The rest is assembled on the stack
    // and hashed in one update.
    constexpr std::string_view kHostHeader = "\nhost:";
    constexpr std::string_view kSignedHeadersLine = "\n\nhost\n";
    char tail[16 + sizeof expires + kSignedHeadersParam.size() + kHostHeader.size() + sizeof(Endpoint::authority) +
              kSignedHeadersLine.size() + kEmptyPayloadHash.size()];
    char* end = put(tail, amz.date_time());
    end = put(end, expires_view);
    end = put(end, kSignedHeadersParam);
    end = put(end, kHostHeader);
    end = put(end, authority);
    end = put(end, kSignedHeadersLine);
    end = put(end, kEmptyPayloadHash);
    Sha256 canonical = canonical_prefix_;
    canonical.update(tail, static_cast<std::size_t>(end - tail));
    Digest digest{};
    if (!canonical.finish_into(digest)) return make_error(Errc::crypto_error, "SHA-256 failed in the mbedTLS backend");

    // String to sign, fed straight into the keyed HMAC.
    char hex[64];
    write_hex(hex, digest.data(), digest.size());
    Sha256 inner = signing_key_.start();
    inner.update("AWS4-HMAC-SHA256\n");
    inner.update(amz.date_time());
    inner.update("\n");
    inner.update(scope_);
    inner.update("\n");
    inner.update(hex, sizeof hex);
    Digest mac{};
    if (!signing_key_.finish_into(inner, mac)) {
        return make_error(Errc::crypto_error, "HMAC-SHA256 failed in the mbedTLS backend");
    }
    write_hex(hex, mac.data(), mac.size());

    const std::string_view scheme = request.scheme == UrlScheme::wss ? "wss://" : "ws://";
    url.clear();
    url.reserve(scheme.size() + authority.size() + 6 + query_prefix_.size() + 16 + expires_size +
                kSignedHeadersParam.size() + 17 + 64 + (creds.session_token.empty() ? 0 : 22 + creds.session_token.size() * 3));
    url += scheme;
    url += authority;
    url += "/mqtt?";
    url += query_prefix_;
    url += amz.date_time();
    url += expires_view;
    url += kSignedHeadersParam;
    url += "&X-Amz-Signature=";
    url.append(hex, sizeof hex);
    if (!creds.session_token.empty()) {  // appended after signing: not part of the canonical request
        url += "&X-Amz-Security-Token=";
        append_uri_encoded(url, creds.session_token, false);
    }
    return {};
}

Result<std::string> IotUrlSigner::presign(const IotUrlRequest& request) {
    std::string url;
    if (auto ok = presign_into(request, url); !ok) return ok.error();
    return url;
}

Result<std::string> presign_iot_websocket_url(const IotUrlRequest& request) {
    IotUrlSigner signer;
    return signer.presign(request);
}

}  // namespace iotlite::sigv4
