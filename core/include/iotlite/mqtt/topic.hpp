// Topic names, topic filters and the AWS IoT Core message-broker limits.
//
// Every validator returns an error whose message names the rule and the actual numbers,
// e.g. "topic has 9 '/' levels; AWS IoT allows 7". Codes:
//   Errc::invalid_topic   MQTT syntax (empty, wildcard in a publish topic, misplaced '#',
//                         '+' not a whole level, NUL, invalid UTF-8)
//   Errc::limit_exceeded  an AWS quota (bytes, slashes, payload size, counts)
//   Errc::invalid_argument a malformed non-topic value (keep-alive, QoS, empty client id)
// A broken limit is also data: Error::rule is one of the ids in `rules` below, Error::limit the
// limit and Error::actual the value found (for the keep-alive range: the bound that was crossed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "iotlite/result.hpp"

namespace iotlite::mqtt {

namespace limits {
inline constexpr std::size_t max_client_id_bytes = 128;
inline constexpr std::size_t max_topic_bytes = 256;
inline constexpr std::size_t max_topic_slashes = 7;    // the "$aws/rules/<rule>/" prefix is not counted
inline constexpr std::size_t max_payload_bytes = 131072;  // 128 KB
inline constexpr std::uint16_t min_keep_alive_s = 30;
inline constexpr std::uint16_t max_keep_alive_s = 1200;
inline constexpr std::size_t max_filters_per_subscribe = 8;
inline constexpr std::size_t max_subscriptions = 50;
inline constexpr std::uint32_t min_connect_interval_ms = 1000;  // 1 CONNECT per second per client id
// MQTT 5 (developer guide, "MQTT" > "MQTT 5 supported features", and the AWS IoT Core quotas):
inline constexpr std::uint16_t max_topic_alias = 8;           // Topic Alias Maximum (AWS default)
inline constexpr std::uint32_t max_packet_bytes = 131072;     // Maximum Packet Size, 128 KB
inline constexpr std::uint32_t min_message_expiry_s = 1;      // Message Expiry Interval 1 s ..
inline constexpr std::uint32_t max_message_expiry_s = 604800; // .. 7 days
inline constexpr std::uint32_t max_session_expiry_s = 604800; // persistent session: 1 h by default, up to 7 days
}  // namespace limits

// Stable ids of the limits above, as Error::rule carries them (compare with these, not text).
namespace rules {
inline constexpr const char* client_id_bytes = "client_id.bytes";
inline constexpr const char* topic_bytes = "topic.bytes";
inline constexpr const char* topic_levels = "topic.levels";
inline constexpr const char* payload_bytes = "payload.bytes";
inline constexpr const char* keep_alive_seconds = "keep_alive.seconds";
inline constexpr const char* qos = "qos";
inline constexpr const char* filters_per_subscribe = "subscribe.filters";
inline constexpr const char* subscriptions = "subscriptions";
// MQTT 5 (Client, Config): limit / actual per rule
inline constexpr const char* protocol_version = "protocol_version";              // 5 / the version asked
inline constexpr const char* mqtt5_only = "mqtt5.only";                          // 0 / 1 (an MQTT 5 setting on 3.1.1)
inline constexpr const char* session_expiry_seconds = "session_expiry.seconds";  // 604800 / the interval
inline constexpr const char* message_expiry_seconds = "message_expiry.seconds";  // the bound crossed / the interval
inline constexpr const char* topic_alias_maximum = "topic_alias.maximum";        // 64 / the configured maximum
inline constexpr const char* retain_available = "retain.available";              // 0 / 1 (CONNACK Retain Available 0)
inline constexpr const char* maximum_qos = "qos.maximum";                        // the broker's Maximum QoS / the QoS
inline constexpr const char* packet_bytes = "packet.bytes";                      // the broker's Maximum Packet Size / the packet
inline constexpr const char* subscribe_options = "subscribe.options";            // the bound / the option (retain handling, no local)
inline constexpr const char* publish_property = "publish.property";              // 0 / the identifier (topic alias, subscription id)
}  // namespace rules

// Well-formed UTF-8 as MQTT requires (§1.5.3): no overlongs, no surrogates, nothing
// above U+10FFFF, no U+0000.
bool is_valid_mqtt_utf8(std::string_view text);

// 1..128 bytes.
Result<void> validate_client_id(std::string_view client_id);
// Non-empty, valid UTF-8, no NUL, no '+'/'#', <= 256 bytes and <= 7 '/' (Basic Ingest
// prefix "$aws/rules/<rule>/" excluded from both counts).
Result<void> validate_publish_topic(std::string_view topic);
// Non-empty, valid UTF-8, no NUL, '#' only as the whole last level, '+' only as a whole
// level, <= 256 bytes and <= 7 '/'.
Result<void> validate_topic_filter(std::string_view filter);
// <= 131072 bytes.
Result<void> validate_payload_size(std::size_t size);
// 30..1200 s.
Result<void> validate_keep_alive(std::uint16_t keep_alive_s);
// QoS 0 or 1 (raw value from an untyped source, e.g. JS).
Result<void> validate_qos(unsigned qos);

// True when `topic` matches `filter` with MQTT wildcards: '+' one level, '#' this level and
// all below (also the parent: "a/#" matches "a"). Filters starting with a wildcard do not
// match topics starting with '$' (§4.7.2). Inputs are assumed valid.
bool topic_matches(std::string_view filter, std::string_view topic);

}  // namespace iotlite::mqtt
