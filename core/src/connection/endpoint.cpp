#include "iotlite/connection/endpoint.hpp"

#include "ascii.hpp"

namespace iotlite::connection {

namespace {

using detail::ascii_lower;
using detail::starts_with_ci;

// "endpoint '<text>': <rule>", each '%' of the rule replaced by `value`; texts are cut at 80
// characters. One out-of-line function, so that every rule costs a call and its literal (the
// browser package ships this parser).
[[gnu::noinline]] Error broken(std::string_view text, const char* rule, std::string_view value = {}) {
    std::string m = "endpoint '";
    m.append(text.substr(0, 80));
    if (text.size() > 80) m += "...";
    m += "': ";
    for (const char* c = rule; *c != '\0'; ++c) {
        if (*c == '%') {
            m.append(value.substr(0, 80));
        } else {
            m += *c;
        }
    }
    return Error(Errc::invalid_argument, std::move(m));
}

// Splits the last label off `host` ("a.b.c" -> "c", host becomes "a.b"); "" when none is left.
std::string_view pop_label(std::string_view& host) {
    const std::size_t dot = host.rfind('.');
    std::string_view label = dot == std::string_view::npos ? host : host.substr(dot + 1);
    host = dot == std::string_view::npos ? std::string_view() : host.substr(0, dot);
    return label;
}

// The port's value in `out`, or the rule it breaks (each '%' stands for the port text).
const char* parse_port(std::string_view port, std::uint16_t& out) {
    if (port.empty()) return "the port after ':' is empty";
    unsigned value = 0;
    for (char c : port) {
        if (c < '0' || c > '9') return "port '%' is not a decimal number";
        if (value <= 65535) value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (port.size() > 5) value = 65536;  // leading zeros included: what sigv4's signer accepts
    if (value == 0) return "port 0 is not a port a client can connect to (a port must be 1..65535)";
    if (value > 65535) return "port % is over 65535 (a port must be 1..65535)";
    out = static_cast<std::uint16_t>(value);
    return nullptr;
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
        char digits[6];
        std::size_t n = sizeof digits;
        for (unsigned v = port; v != 0; v /= 10) digits[--n] = static_cast<char>('0' + v % 10);
        out.append(digits + n, sizeof digits - n);
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
    if (!is_aws_region_name(region)) return std::string();
    if (kind != nullptr) {
        const std::string_view before = pop_label(rest);
        const bool ats = before == "ats" || (before.size() > 4 && before.substr(before.size() - 4) == "-ats");
        *kind = ats ? EndpointKind::aws_ats : EndpointKind::aws_legacy;
    }
    return std::string(region);
}

namespace {

// Reads `text` into `out`; returns nullptr, or the rule it breaks with `value` the part each '%'
// of the rule stands for. (Rules as literals and one error constructor: every rule costs its
// text and a return, which matters in the browser package.)
const char* scan(std::string_view text, Endpoint& out, std::string_view& value) {
    if (text.size() > kMaxEndpointTextLength) {
        static_assert(kMaxEndpointTextLength == 16384, "the message below names the limit");
        return "longer than 16384 characters";
    }
    std::string_view authority = text;
    if (starts_with_ci(text, "wss://")) {
        out.scheme = EndpointScheme::wss;
        authority = text.substr(6);
    } else if (starts_with_ci(text, "ws://")) {
        out.scheme = EndpointScheme::ws;
        authority = text.substr(5);
    } else if (const std::size_t sep = text.find("://"); sep != std::string_view::npos) {
        value = text.substr(0, sep);
        return "scheme '%://' is not supported: give host[:port], or a wss:// or ws:// URL";
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
            return "must be host[:port] (a path or query needs a wss:// or ws:// URL)";
        }
        if (c == '@') return "user info ('@') is not allowed; credentials are given separately";
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return "contains white space";
    }

    std::string_view host = authority;
    std::string_view port;
    bool has_port = false;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return "an IPv6 literal opened with '[' has no ']'";
        host = authority.substr(1, close - 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return "only ':port' may follow an IPv6 literal's ']'";
            has_port = true;
            port = after.substr(1);
        }
        if (host.empty()) return "the IPv6 literal in '[]' is empty";
        if (host.size() > kMaxIpv6Length) {
            static_assert(kMaxIpv6Length == 45, "the message below names the limit");
            return "an IPv6 literal is at most 45 characters";
        }
        if (host.find(':') == std::string_view::npos) {
            value = host;
            return "'[%]' is not an IPv6 literal (no ':')";
        }
        for (const char c : host) {
            const char l = ascii_lower(c);
            if (!(l == ':' || l == '.' || (l >= '0' && l <= '9') || (l >= 'a' && l <= 'f'))) {
                return "an IPv6 literal holds only hex digits, ':' and '.'";
            }
        }
        out.ipv6 = true;
    } else {
        const std::size_t colon = authority.find(':');
        if (colon != std::string_view::npos) {
            if (authority.find(':', colon + 1) != std::string_view::npos) {
                return "an IPv6 literal must be in brackets, e.g. [::1]:8883";
            }
            host = authority.substr(0, colon);
            has_port = true;
            port = authority.substr(colon + 1);
        }
        if (host.empty()) return "the host name is empty";
        if (host.size() > kMaxHostLength) {
            static_assert(kMaxHostLength == 253, "the message below names the limit");
            return "the host name is longer than 253 characters (DNS)";
        }
        std::size_t label_size = 0;
        for (const char c : host) {
            const char l = ascii_lower(c);
            if (l == '.') {
                if (label_size == 0) return "the host name has an empty label ('..' or a leading/trailing '.')";
                label_size = 0;
            } else if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '-' || l == '_') {
                ++label_size;
            } else {
                return "the host name holds a character outside a-z, 0-9, '-', '_' and '.'";
            }
        }
        if (label_size == 0) return "the host name has an empty label ('..' or a leading/trailing '.')";
    }
    if (has_port) {
        value = port;
        if (const char* rule = parse_port(port, out.port)) return rule;
    }
    out.host.reserve(host.size());
    for (const char c : host) out.host += ascii_lower(c);
    if (!out.ipv6) out.region = infer_region(out.host, &out.kind);
    return nullptr;
}

}  // namespace

Result<Endpoint> parse_endpoint(std::string_view text) {
    if (text.empty()) return make_error(Errc::invalid_argument, "endpoint is empty");
    Result<Endpoint> out = Endpoint{};
    std::string_view value;
    if (const char* rule = scan(text, out.value(), value)) return broken(text, rule, value);
    return out;
}

}  // namespace iotlite::connection
