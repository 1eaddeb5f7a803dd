#include "mqtt_url.hpp"

namespace iotlite::cli {

namespace {

Error url_error(const std::string& why) { return make_error(Errc::invalid_argument, "-L: " + why); }

// RFC 3986 §3.1 scheme characters: only such a scheme is quoted back in an error (never a control
// byte, which would reach the terminal and break the one-line error).
bool is_scheme_text(std::string_view scheme) {
    for (char c : scheme) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
                        c == '-' || c == '.';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

Result<MqttUrl> parse_mqtt_url(std::string_view url) {
    if (url.empty()) return url_error("the URL is empty");
    if (url.size() > kMaxMqttUrlLength) {
        return url_error("the URL has " + std::to_string(url.size()) + " characters; iotlite accepts at most " +
                         std::to_string(kMaxMqttUrlLength));
    }
    MqttUrl out;
    const std::size_t colon = url.find("://");
    const std::string_view scheme = colon == std::string_view::npos ? std::string_view() : url.substr(0, colon);
    if (scheme == "mqtt") out.scheme = MqttUrlScheme::mqtt;
    else if (scheme == "mqtts") out.scheme = MqttUrlScheme::mqtts;
    else if (scheme == "ws") out.scheme = MqttUrlScheme::ws;
    else if (scheme == "wss") out.scheme = MqttUrlScheme::wss;
    else if (colon == std::string_view::npos || colon > 10) return url_error("the URL must start with mqtts://, wss://, ws:// or mqtt://");
    else if (!is_scheme_text(scheme)) return url_error("the scheme is not a URL scheme (letters, digits, '+', '-', '.'); use mqtts://, wss://, ws:// or mqtt://");
    else return url_error("unsupported scheme '" + std::string(scheme) + "://' (mqtts://, wss://, ws:// or mqtt://)");

    std::string_view rest = url.substr(colon + 3);
    const std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) out.topic = std::string(rest.substr(slash + 1));
    // The last '@' ends the user info: a password may contain '@', a host never does.
    const std::size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
        const std::string_view user_info = authority.substr(0, at);
        const std::size_t split = user_info.find(':');
        out.username = std::string(user_info.substr(0, split));
        if (split != std::string_view::npos) {
            out.password = std::string(user_info.substr(split + 1));
            out.has_password = true;
        }
        authority = authority.substr(at + 1);
    }
    if (authority.empty() || authority[0] == ':') return url_error("the URL has no host");
    out.host_port = std::string(authority);
    return out;
}

}  // namespace iotlite::cli
