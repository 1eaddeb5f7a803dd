// mqtt5_boundary.hpp — the numbers of the "iotlite/mqtt5" build's boundary (mqtt5_bindings.cpp),
// defined once like boundary.hpp's: wasm/tools/boundary_js.cpp writes them into wasm-boundary.js.
#pragma once

#include "iotlite/mqtt/properties.hpp"

// The PUBLISH properties that cross the boundary (iot_v5_publish's flags, iot_v5_prop / iot_v5_prop_bytes
// on a received message), by their MQTT 5 identifier (mqtt::PropertyId); JS: PROP_<NAME>. User
// properties travel as pairs of their own (iot_v5_user_count / iot_v5_user).
#define IOTLITE_WASM_MQTT5_PROPERTIES(X) \
    X(payload_format_indicator) X(message_expiry_interval) X(content_type) X(response_topic) X(correlation_data)
