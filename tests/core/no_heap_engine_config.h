// The engine's scenario suites (client, MQTT 5 client, robustness) once more on the
// no-heap-after-connect build: events and in-flight publishes recycled with their storage,
// every other setting at its default, so the suites' expectations hold unchanged. ctest core.NoHeapEngine.*
#pragma once
#define IOTLITE_NO_HEAP_AFTER_CONNECT 1
