// The -L URL of mosquitto_pub / mosquitto_sub: scheme://[username[:password]@]host[:port]/topic.
// Only split here; connection_options.cpp decides what each part maps onto (AWS IoT has no plain
// MQTT port, so mqtt:// is refused there, with the reason).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "iotlite/result.hpp"

namespace iotlite::cli {

enum class MqttUrlScheme : std::uint8_t { mqtt, mqtts, ws, wss };

// Longest -L URL accepted (a host name, a port and a 256-byte topic fit many times over).
inline constexpr std::size_t kMaxMqttUrlLength = 4096;

struct MqttUrl {
    MqttUrlScheme scheme = MqttUrlScheme::mqtts;
    std::string username;      // "" when the URL has no user info
    std::string password;      // a secret: never in a message
    bool has_password = false;
    std::string host_port;     // "host", "host:port", "[v6]:port" as written (for parse_endpoint)
    std::string topic;         // everything after the first '/' following the host; may be ""
};

// Errors (invalid_argument; the message never quotes the URL, which may hold a password): empty
// or over kMaxMqttUrlLength; a scheme other than mqtt, mqtts, ws, wss; no host.
Result<MqttUrl> parse_mqtt_url(std::string_view url);

}  // namespace iotlite::cli
