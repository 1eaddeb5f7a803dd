// Device configuration of the "MQTT 3.1.1 only" measurements and tests (tests/size/engine_arm.sh
// --config, tests/core's core.Mqtt5Out.*): MQTT 5 compiled out of the engine, everything else at
// its default. Passed as -DIOTLITE_CONFIG_FILE (see base/include/iotlite/config.hpp).
#pragma once
#define IOTLITE_MQTT5 0
