#include "mosquitto_spellings.hpp"

#include <algorithm>

#include "connection_options.hpp"
#include "iotlite/connection/endpoint.hpp"
#include "iotlite/connection/target_builder.hpp"
#include "mqtt_url.hpp"

namespace iotlite::cli {

namespace {

Error usage(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

void erase_flag(ParsedFlags& flags, const std::string& name) {
    auto& v = flags.values;
    v.erase(std::remove_if(v.begin(), v.end(), [&](const auto& kv) { return kv.first == name; }), v.end());
}

void set_flag(ParsedFlags& flags, const std::string& name, std::string value) {
    erase_flag(flags, name);
    flags.values.emplace_back(name, std::move(value));
}

// "host" or "host:port" from -h / -p; an IPv6 literal gets its brackets.
std::string host_with_port(const std::string& host, const std::string* port) {
    std::string text = host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host;
    if (port != nullptr) text += ":" + *port;
    return text;
}

}  // namespace

Result<void> apply_mosquitto_spellings(const std::string& command, ParsedFlags& flags) {
    if (flags.has("--insecure")) {
        return usage("--insecure is refused: AWS IoT requires the client to verify the server's certificate; "
                     "give the CA that signed it with --cafile or --capath");
    }
    if (const std::string* alpn = flags.get("--tls-alpn")) {
        if (*alpn != connection::kAwsMqttAlpn) {
            return usage("--tls-alpn: AWS IoT takes MQTT on port 443 with ALPN x-amzn-mqtt-ca (and a client "
                         "certificate); iotlite offers no other protocol ('mqtt' is AWS's custom authentication "
                         "over TLS: use --authorizer over WebSocket instead)");
        }
        erase_flag(flags, "--tls-alpn");
        set_flag(flags, "--alpn", "");
    }
    const std::string* url_text = flags.get("--url");
    const std::string* host = flags.get("--host");
    const std::string* port = flags.get("--port");
    if (url_text != nullptr) {
        for (const char* f : {"--endpoint", "--host", "--port"}) {
            if (flags.has(f)) {
                return usage(std::string("-L names the host and port; do not also give ") +
                             (std::string(f) == "--host" ? "-h" : std::string(f) == "--port" ? "-p" : f));
            }
        }
        Result<MqttUrl> parsed = parse_mqtt_url(*url_text);
        if (!parsed.ok()) return parsed.error();
        MqttUrl url = std::move(parsed).value();
        switch (url.scheme) {
            case MqttUrlScheme::mqtt:
                return usage("-L mqtt://: AWS IoT has no plain MQTT port (1883); use mqtts:// with --cert/--key, "
                             "or wss:// (SigV4 or a custom authorizer)");
            case MqttUrlScheme::mqtts: set_flag(flags, kMqttsUrlFlag, ""); break;
            case MqttUrlScheme::ws:
            case MqttUrlScheme::wss: {
                const char* scheme = url.scheme == MqttUrlScheme::ws ? "ws" : "wss";
                const std::string* given = flags.get("--scheme");
                if ((given != nullptr && *given != scheme) || (flags.has("--insecure-ws") && url.scheme == MqttUrlScheme::wss)) {
                    return usage(std::string("-L ") + scheme + ":// and --scheme/--insecure-ws disagree");
                }
                set_flag(flags, "--scheme", scheme);
                break;
            }
        }
        if (!url.username.empty() || url.has_password) {
            if (flags.has("--username") || flags.has("--password")) {
                return usage("-L carries a user name or password; do not also give -u / -P");
            }
            set_flag(flags, "--username", url.username);
            if (url.has_password) set_flag(flags, "--password", url.password);
        }
        if (!url.topic.empty()) {
            if (command == "shadow") return usage("-L: a topic in the URL is for pub and sub; shadow takes --thing");
            if (command == "pub" && flags.has("--topic")) return usage("-L already names the topic; do not also give -t");
            flags.values.emplace_back("--topic", url.topic);
        }
        erase_flag(flags, "--url");
        set_flag(flags, "--endpoint", url.host_port);
        return Result<void>();
    }
    if (port != nullptr) {
        std::uint64_t number = 0;
        if (!parse_number(*port, 1, 65535, number)) return usage("-p must be a port number from 1 to 65535");
    }
    if (host != nullptr) {
        if (flags.has("--endpoint")) return usage("give the host with -h or with --endpoint, not both");
        if (host->empty()) return usage("-h is empty");
        set_flag(flags, "--endpoint", host_with_port(*host, port));
    } else if (port != nullptr) {
        const std::string* endpoint = flags.get("--endpoint");
        if (endpoint == nullptr) return usage("-p needs a host: -h HOST or --endpoint HOST");
        Result<connection::Endpoint> parsed = connection::parse_endpoint(*endpoint);
        if (!parsed.ok()) return usage("--endpoint: " + parsed.error().message);
        if (parsed.value().scheme != connection::EndpointScheme::none) {
            return usage("-p: --endpoint is a URL; put the port in it");
        }
        if (parsed.value().port != 0 && std::to_string(parsed.value().port) != *port) {
            return usage("-p " + *port + " and the port of --endpoint (" + std::to_string(parsed.value().port) +
                         ") disagree");
        }
        set_flag(flags, "--endpoint", host_with_port(parsed.value().host, port));
    }
    erase_flag(flags, "--host");
    erase_flag(flags, "--port");
    return Result<void>();
}

}  // namespace iotlite::cli
