// The MQTT 5 flags of `iotlite pub` and `sub`, spelled as mosquitto_pub / mosquitto_sub spell them
// (man mosquitto_pub, "-V" and "-D" and "PROPERTIES"):
//   -V 5 | mqttv5 | 311 | mqttv311     the protocol version (default 3.1.1); 31 / mqttv31 refused
//                                      (AWS IoT Core speaks MQTT 3.1.1 and 5, not 3.1)
//   -D COMMAND IDENTIFIER VALUE        one property; user-property takes two words:
//   -D COMMAND user-property NAME VALUE
// COMMAND and IDENTIFIER are mosquitto's (case-insensitive): connect, publish, will (pub and sub's
// --will-*), disconnect, pubrel, auth for pub; connect, subscribe, unsubscribe, disconnect, will,
// auth for sub. As in mosquitto, -D alone makes the client MQTT 5; -D with an explicit -V 311 is
// refused. Only what AWS IoT Core supports and the engine sends is accepted; anything else is
// refused naming the property and why (AWS IoT has no AUTH, no QoS 2 and no subscription
// identifiers; the engine manages topic aliases; it sends SUBSCRIBE, UNSUBSCRIBE and DISCONNECT
// without properties). Property rules (which packet may carry which property, UTF-8, sizes) are
// the core's (iotlite/mqtt/properties.hpp); AWS's bounds too (iotlite/mqtt/topic.hpp limits).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli_util.hpp"
#include "iotlite/mqtt/properties.hpp"
#include "iotlite/result.hpp"

namespace iotlite::cli {

// The words of one -D are stored in ParsedFlags joined by this byte (no argv string holds it).
inline constexpr char kPropertyWordSeparator = '\0';

struct Mqtt5Options {
    std::uint8_t protocol_version = 4;  // mqtt::Config::protocol_version: 4 = 3.1.1, 5 = MQTT 5
    // CONNECT (mqtt::Config's MQTT 5 settings); 0: not sent.
    std::uint32_t session_expiry_s = 0;
    std::uint16_t receive_maximum = 0;
    std::uint16_t topic_alias_maximum = 0;
    std::uint32_t maximum_packet_size = 0;  // Config::max_inbound_packet; 0: the engine's default
    std::vector<mqtt::UserProperty> connect_user_properties;
    mqtt::Properties publish;  // every PUBLISH of pub
    mqtt::Properties will;     // the Will's properties (needs --will-topic)
};

// -V's value. Errors: invalid_argument naming -V and the spellings accepted.
Result<std::uint8_t> parse_protocol_version(std::string_view text);

// Adds one -D (its words joined by kPropertyWordSeparator) for `command` ("pub" or "sub").
// Errors: invalid_argument, "-D ...: " naming the command, the property and the rule.
Result<void> add_property(std::string_view command, std::string_view words, Mqtt5Options& out);

// -V and every -D of `flags` (keys "--protocol-version", "--property"), and sub's
// --retain-as-published checked against the version. Errors: as above.
Result<Mqtt5Options> mqtt5_options_from(std::string_view command, const ParsedFlags& flags);

}  // namespace iotlite::cli
