#include "iotlite/connection/endpoint.hpp"

namespace iotlite::connection {

namespace {

std::string shown(std::string_view text) {
    std::string out(text.substr(0, 80));
    if (text.size() > 80) out += "...";
    return out;
}

Error broken(std::string_view text, const std::string& rule) {
    return make_error(Errc::invalid_argument, "endpoint '" + shown(text) + "': " + rule);
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != prefix[i]) return false;
    }
    return true;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_region_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

// Splits the last label off `host` ("a.b.c" -> "c", host becomes "a.b"); "" when none is left.
std::string_view pop_label(std::string_view& host) {
    const std::size_t dot = host.rfind('.');
    std::string_view label = dot == std::string_view::npos ? host : host.substr(dot + 1);
    host = dot == std::string_view::npos ? std::string_view() : host.substr(0, dot);
    return label;
}

Result<std::uint16_t> parse_port(std::string_view text, std::string_view port) {
    if (port.empty()) return broken(text, "the port after ':' is empty");
    if (port.size() > 5) {
        for (char c : port)
            if (c < '0' || c > '9') return broken(text, "port '" + shown(port) + "' is not a decimal number");
        return broken(text, "port " + shown(port) + " is over 65535 (a port must be 1..65535)");
    }
    unsigned value = 0;
    for (char c : port) {
        if (c < '0' || c > '9') return broken(text, "port '" + std::string(port) + "' is not a decimal number");
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0) return broken(text, "port 0 is not a port a client can connect to (a port must be 1..65535)");
    if (value > 65535) return broken(text, "port " + std::string(port) + " is over 65535 (a port must be 1..65535)");
    return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string Endpoint::authority(std::uint16_t default_port) const {
    std::string out;
    out.reserve(host.size() + 8);
    if (ipv6) out += '[';
    out += host;
    if (ipv6) out += ']';
    if (port != 0 && port != default_port) {
        out += ':';
        out += std::to_string(port);
    }
    return out;
}

std::string infer_region(std::string_view host, EndpointKind* kind) {
    if (kind != nullptr) *kind = EndpointKind::custom;
    // From the right: ["cn",] "com", "amazonaws", <region>, "iot", then "ats" or "<prefix>-ats" (ATS).
    std::string_view rest = host;
    std::string_view label = pop_label(rest);
    if (label == "cn") label = pop_label(rest);
    if (label != "com" || pop_label(rest) != "amazonaws") return std::string();
    const std::string_view region = pop_label(rest);
    // "iot.<region>.amazonaws.com" without a prefix is read too (the v1 SDKs' regex does).
    if (region.empty() || pop_label(rest) != "iot") return std::string();
    for (char c : region)
        if (!is_region_char(c)) return std::string();
    if (kind != nullptr) {
        const std::string_view before = pop_label(rest);
        const bool ats = before == "ats" || (before.size() > 4 && before.substr(before.size() - 4) == "-ats");
        *kind = ats ? EndpointKind::aws_ats : EndpointKind::aws_legacy;
    }
    return std::string(region);
}

Result<Endpoint> parse_endpoint(std::string_view text) {
    if (text.empty()) return make_error(Errc::invalid_argument, "endpoint is empty");
    if (text.size() > kMaxEndpointTextLength) {
        return broken(text, "longer than " + std::to_string(kMaxEndpointTextLength) + " characters");
    }
    Endpoint out;
    std::string_view authority = text;
    if (starts_with_ci(text, "wss://")) {
        out.scheme = EndpointScheme::wss;
        authority = text.substr(6);
    } else if (starts_with_ci(text, "ws://")) {
        out.scheme = EndpointScheme::ws;
        authority = text.substr(5);
    } else if (const std::size_t sep = text.find("://"); sep != std::string_view::npos) {
        return broken(text, "scheme '" + shown(text.substr(0, sep)) +
                                "://' is not supported: give host[:port], or a wss:// or ws:// URL");
    }
    if (out.scheme != EndpointScheme::none) {
        const std::size_t slash = authority.find('/');
        if (slash != std::string_view::npos) {
            out.resource.assign(authority.substr(slash));
            authority = authority.substr(0, slash);
        }
    }
    for (const char c : authority) {
        if (c == '/' || c == '?' || c == '#') {
            return broken(text, "must be host[:port] (a path or query needs a wss:// or ws:// URL)");
        }
        if (c == '@') return broken(text, "user info ('@') is not allowed; credentials are given separately");
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return broken(text, "contains white space");
    }

    std::string_view host = authority;
    std::string_view port;
    bool has_port = false;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return broken(text, "an IPv6 literal opened with '[' has no ']'");
        host = authority.substr(1, close - 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return broken(text, "only ':port' may follow an IPv6 literal's ']'");
            has_port = true;
            port = after.substr(1);
        }
        if (host.empty()) return broken(text, "the IPv6 literal in '[]' is empty");
        if (host.size() > kMaxIpv6Length) {
            return broken(text, "an IPv6 literal is at most " + std::to_string(kMaxIpv6Length) + " characters");
        }
        if (host.find(':') == std::string_view::npos) return broken(text, "'[" + std::string(host) + "]' is not an IPv6 literal (no ':')");
        for (const char c : host) {
            const char l = lower(c);
            if (!(l == ':' || l == '.' || (l >= '0' && l <= '9') || (l >= 'a' && l <= 'f'))) {
                return broken(text, "an IPv6 literal holds only hex digits, ':' and '.'");
            }
        }
        out.ipv6 = true;
    } else {
        const std::size_t colon = authority.find(':');
        if (colon != std::string_view::npos) {
            if (authority.find(':', colon + 1) != std::string_view::npos) {
                return broken(text, "an IPv6 literal must be in brackets, e.g. [::1]:8883");
            }
            host = authority.substr(0, colon);
            has_port = true;
            port = authority.substr(colon + 1);
        }
        if (host.empty()) return broken(text, "the host name is empty");
        if (host.size() > kMaxHostLength) {
            return broken(text, "the host name is longer than " + std::to_string(kMaxHostLength) + " characters (DNS)");
        }
        std::size_t label_size = 0;
        for (const char c : host) {
            const char l = lower(c);
            if (l == '.') {
                if (label_size == 0) return broken(text, "the host name has an empty label ('..' or a leading/trailing '.')");
                label_size = 0;
            } else if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '-' || l == '_') {
                ++label_size;
            } else {
                return broken(text, "the host name holds a character outside a-z, 0-9, '-', '_' and '.'");
            }
        }
        if (label_size == 0) return broken(text, "the host name has an empty label ('..' or a leading/trailing '.')");
    }
    if (has_port) {
        Result<std::uint16_t> value = parse_port(text, port);
        if (!value.ok()) return value.error();
        out.port = value.value();
    }
    out.host.reserve(host.size());
    for (const char c : host) out.host += lower(c);
    if (!out.ipv6) out.region = infer_region(out.host, &out.kind);
    return out;
}

}  // namespace iotlite::connection
