// MQTT 5 reason codes (OASIS MQTT Version 5.0, §2.4): the values, the packets that may carry
// each, a short name for messages ("0x8E session taken over") and the Errc the engine reports
// for an error code. A code below 0x80 is success; 0x80 and above is an error (§2.4).
#pragma once

#include <cstdint>

#include "iotlite/mqtt/packet.hpp"
#include "iotlite/result.hpp"

namespace iotlite::mqtt {

enum class ReasonCode : std::uint8_t {
    success = 0x00,  // also "normal disconnection" (DISCONNECT) and "granted QoS 0" (SUBACK)
    granted_qos1 = 0x01,
    granted_qos2 = 0x02,
    disconnect_with_will = 0x04,
    no_matching_subscribers = 0x10,
    no_subscription_existed = 0x11,
    continue_authentication = 0x18,
    re_authenticate = 0x19,
    unspecified_error = 0x80,
    malformed_packet = 0x81,
    protocol_error = 0x82,
    implementation_specific_error = 0x83,
    unsupported_protocol_version = 0x84,
    client_identifier_not_valid = 0x85,
    bad_user_name_or_password = 0x86,
    not_authorized = 0x87,
    server_unavailable = 0x88,
    server_busy = 0x89,
    banned = 0x8A,
    server_shutting_down = 0x8B,
    bad_authentication_method = 0x8C,
    keep_alive_timeout = 0x8D,
    session_taken_over = 0x8E,
    topic_filter_invalid = 0x8F,
    topic_name_invalid = 0x90,
    packet_identifier_in_use = 0x91,
    packet_identifier_not_found = 0x92,
    receive_maximum_exceeded = 0x93,
    topic_alias_invalid = 0x94,
    packet_too_large = 0x95,
    message_rate_too_high = 0x96,
    quota_exceeded = 0x97,
    administrative_action = 0x98,
    payload_format_invalid = 0x99,
    retain_not_supported = 0x9A,
    qos_not_supported = 0x9B,
    use_another_server = 0x9C,
    server_moved = 0x9D,
    shared_subscriptions_not_supported = 0x9E,
    connection_rate_exceeded = 0x9F,
    maximum_connect_time = 0xA0,
    subscription_identifiers_not_supported = 0xA1,
    wildcard_subscriptions_not_supported = 0xA2,
};

// 0x80 and above (§2.4: "Reason Code values of 0x80 or greater indicate failure").
constexpr bool is_error(std::uint8_t code) { return code >= 0x80; }
constexpr bool is_error(ReasonCode code) { return is_error(static_cast<std::uint8_t>(code)); }

// Whether §2.4's table lists `code` for `packet` (CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP,
// SUBACK, UNSUBACK, DISCONNECT, AUTH = packet_type_auth in properties.hpp). A code that is not
// listed for the packet it came in is a Malformed Packet.
bool reason_code_allowed(std::uint8_t code, PacketType packet);

// Short lower-case name of `code` as `packet` uses it: 0x00 is "success", "normal
// disconnection" (DISCONNECT) or "granted QoS 0" (SUBACK). "unknown reason code" for a value
// §2.4 does not define; "" when texts are compiled out (IOTLITE_ERROR_TEXTS 0).
const char* reason_code_name(std::uint8_t code, PacketType packet);

// The Errc of an error code, for Error::code (the code itself goes to Error::mqtt_reason):
//   Errc::ok                  below 0x80
//   Errc::auth_failed         0x86 bad user name or password, 0x87 not authorized, 0x8A banned,
//                             0x8C bad authentication method
//   Errc::connection_refused  0x84 unsupported protocol version, 0x85 client identifier not
//                             valid, 0x88 server unavailable; and in a CONNACK every code that
//                             would otherwise be server_error or closed (0x80, 0x83, 0x89...)
//   Errc::limit_exceeded      0x95 packet too large, and the throttles the engine backs off on:
//                             0x96 message rate too high, 0x97 quota exceeded, 0x9F connection
//                             rate exceeded
//   Errc::invalid_topic       0x8F topic filter invalid, 0x90 topic name invalid
//   Errc::invalid_argument    0x99 payload format invalid
//   Errc::timeout             0x8D keep alive timeout
//   Errc::closed              0x8B server shutting down, 0x8E session taken over, 0x98
//                             administrative action, 0xA0 maximum connect time (the engine's
//                             reconnect policy reads Error::mqtt_reason: never fight 0x8E)
//   Errc::unsupported         0x9A retain, 0x9B QoS, 0x9E shared subscriptions, 0xA1
//                             subscription identifiers, 0xA2 wildcards not supported; 0x9C use
//                             another server and 0x9D server moved (AWS IoT does not redirect;
//                             this client does not follow redirections)
//   Errc::protocol_error      0x81, 0x82, 0x91 .. 0x94, and any error value §2.4 does not define
//   Errc::server_error        0x80 unspecified, 0x83 implementation specific, 0x89 server busy
//                             (outside a CONNACK)
Errc errc_for_reason_code(std::uint8_t code, PacketType packet);

}  // namespace iotlite::mqtt
