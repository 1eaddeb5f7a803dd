// Device configuration of the "no heap after connect" measurements and tests
// (tests/core's core.NoHeapAfterConnect.*, tests/size/engine_arm.sh --config): the engine
// allocates at create() what a connected client's loop needs (base/include/iotlite/config.hpp),
// sized here for a small device: 4 events pending, 4 QoS 1 publishes in flight, 256-byte payloads.
#pragma once
#define IOTLITE_NO_HEAP_AFTER_CONNECT 1
#define IOTLITE_EVENT_POOL 4
#define IOTLITE_RESERVED_PAYLOAD 256
#define IOTLITE_MAX_INFLIGHT 4
