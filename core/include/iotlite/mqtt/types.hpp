// Small value types shared by the MQTT codec, the topic rules and the client engine.
// (Moved out of client.hpp so that packet.hpp / codec.hpp need not include the client.)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace iotlite::mqtt {

// QoS 2 is deliberately absent: AWS IoT does not support it, and an inbound QoS 2
// PUBLISH is a protocol error.
enum class QoS : std::uint8_t { at_most_once = 0, at_least_once = 1 };

struct Will {
    std::string topic;
    std::vector<std::uint8_t> payload;
    QoS qos = QoS::at_most_once;
    bool retain = false;
};

struct Message {
    std::string topic;
    std::vector<std::uint8_t> payload;
    QoS qos = QoS::at_most_once;
    bool retain = false;
    bool dup = false;
};

struct TopicFilter {
    std::string filter;
    QoS qos = QoS::at_most_once;
};

// SUBACK return code per filter (MQTT 3.1.1 §3.9.3).
enum class SubackCode : std::uint8_t { granted_qos0 = 0x00, granted_qos1 = 0x01, granted_qos2 = 0x02, failure = 0x80 };

}  // namespace iotlite::mqtt
