// Internal: packet identifiers for QoS 1 PUBLISH, SUBSCRIBE and UNSUBSCRIBE (MQTT 3.1.1 §2.3.1).
//
// Identifiers are non-zero 16-bit values; one must not be reused while the packet that carries it
// awaits its acknowledgement. The allocator hands them out in order, wrapping 65535 -> 1, and skips
// those still in use, so an id is reused as late as possible.
#pragma once

#include <cstdint>

namespace iotlite::mqtt::detail {

class PacketIdAllocator {
public:
    // The next identifier for which in_use(id) is false, or 0 when all 65535 are in use (the
    // engine's capacities keep it far from that: max_inflight <= 65000).
    template <typename InUse>
    std::uint16_t allocate(const InUse& in_use) {
        for (std::uint32_t tries = 0; tries < 65535; ++tries) {
            std::uint16_t id = next_;
            next_ = next_ == 65535 ? 1 : static_cast<std::uint16_t>(next_ + 1);
            if (!in_use(id)) return id;
        }
        return 0;
    }

private:
    std::uint16_t next_ = 1;
};

}  // namespace iotlite::mqtt::detail
