// Internal: a publish of the application on its way out (offline queue, in-flight window).
#pragma once

#include <cstddef>
#include <cstdint>

#include "iotlite/mqtt/packet.hpp"

namespace iotlite::mqtt::detail {

struct OutgoingPublish {
    std::uint32_t op_id = 0;  // completes with `published` or `publish_failed`
    PublishPacket packet;     // packet_id is set when a QoS 1 publish is first sent
    // What the offline queue's byte budget counts: topic + payload.
    std::size_t bytes() const { return packet.topic.size() + packet.payload.size(); }
};

}  // namespace iotlite::mqtt::detail
