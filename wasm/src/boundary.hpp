// boundary.hpp — the numbers that cross the wasm boundary of the MQTT engine, defined once.
//
// JS never spells them: at build time wasm/tools/boundary_js.cpp writes the package's
// wasm-boundary.js from this table and from core's own enums (see wasm/CMakeLists.txt), and the
// package's modules import the constants from there. So a change on the C++ side either flows
// into the JS constants or fails the build:
//   * event types, connection states and Errc names are read from core's event_type_name(),
//     state_name() and errc_name() (index = the enum's value, up to the first "unknown");
//   * the field ids of iot_ev_num / iot_ev_bytes exist only here (the enums below);
//   * an enum without a name function in core (QueuePolicy) is listed here by enumerator, and a
//     compile-time check ties every listed enumerator's value to its position.
// shadow_boundary.hpp does the same for the "iotlite/shadow" build.
#pragma once

#include <cstddef>

#include "iotlite/mqtt/client.hpp"

// Numeric fields of the polled mqtt::Event (iot_ev_num(handle, field)); JS: EVN_<FIELD>.
#define IOTLITE_WASM_EVENT_NUMBERS(X) \
    X(op_id) X(delay_ms) X(attempt) X(session_present) X(error_code) X(qos) X(retain) X(dup) X(http_status) \
    X(mqtt_reason) X(rule_limit) X(rule_actual)
// Byte fields of the polled mqtt::Event (iot_ev_bytes(handle, field)); JS: EVB_<FIELD>.
#define IOTLITE_WASM_EVENT_BYTES(X) \
    X(error_message) X(topic) X(payload) X(target_url) X(subscription_ids) X(granted) X(error_rule)
// mqtt::QueuePolicy by value (iot_create's queue_policy); JS: QUEUE_POLICY {name: value}.
#define IOTLITE_WASM_QUEUE_POLICIES(X) X(drop_oldest) X(drop_newest) X(reject)
// mqtt::QueueAdmission and mqtt::QueueBound by value (iot_queue_admission's answer: admission +
// 4 * bound); JS: QUEUE_ADMISSIONS, QUEUE_BOUNDS [names].
#define IOTLITE_WASM_QUEUE_ADMISSIONS(X) X(accepted) X(evict_oldest) X(dropped) X(rejected)
#define IOTLITE_WASM_QUEUE_BOUNDS(X) X(none) X(max_messages) X(max_bytes) X(message_bytes)

#define IOTLITE_WASM_ENUMERATOR(name) name,

namespace iotlite::wasm {

enum class EventNumber : int { IOTLITE_WASM_EVENT_NUMBERS(IOTLITE_WASM_ENUMERATOR) };
enum class EventBytes : int { IOTLITE_WASM_EVENT_BYTES(IOTLITE_WASM_ENUMERATOR) };

// True when values[i] == i for every i: the listed enumerators are the enum's values 0, 1, 2...
template <class Enum, std::size_t N>
constexpr bool in_order(const Enum (&values)[N]) {
    for (std::size_t i = 0; i < N; ++i) {
        if (static_cast<std::size_t>(values[i]) != i) return false;
    }
    return true;
}

#define IOTLITE_WASM_QUEUE_POLICY(name) mqtt::QueuePolicy::name,
inline constexpr mqtt::QueuePolicy kQueuePolicies[] = {IOTLITE_WASM_QUEUE_POLICIES(IOTLITE_WASM_QUEUE_POLICY)};
#undef IOTLITE_WASM_QUEUE_POLICY
static_assert(in_order(kQueuePolicies), "IOTLITE_WASM_QUEUE_POLICIES must list mqtt::QueuePolicy in value order");
#define IOTLITE_WASM_QUEUE_ADMISSION(name) mqtt::QueueAdmission::name,
inline constexpr mqtt::QueueAdmission kQueueAdmissions[] = {IOTLITE_WASM_QUEUE_ADMISSIONS(IOTLITE_WASM_QUEUE_ADMISSION)};
#undef IOTLITE_WASM_QUEUE_ADMISSION
static_assert(in_order(kQueueAdmissions) && sizeof(kQueueAdmissions) == 4 * sizeof(kQueueAdmissions[0]),
              "IOTLITE_WASM_QUEUE_ADMISSIONS must list mqtt::QueueAdmission in value order (4 of them: iot_queue_admission's encoding)");
#define IOTLITE_WASM_QUEUE_BOUND(name) mqtt::QueueBound::name,
inline constexpr mqtt::QueueBound kQueueBounds[] = {IOTLITE_WASM_QUEUE_BOUNDS(IOTLITE_WASM_QUEUE_BOUND)};
#undef IOTLITE_WASM_QUEUE_BOUND
static_assert(in_order(kQueueBounds), "IOTLITE_WASM_QUEUE_BOUNDS must list mqtt::QueueBound in value order");

// QoS crosses as the MQTT number both ways (publish/subscribe arguments, a message's qos field).
static_assert(static_cast<int>(mqtt::QoS::at_most_once) == 0 && static_cast<int>(mqtt::QoS::at_least_once) == 1,
              "the boundary passes QoS as its MQTT number");

}  // namespace iotlite::wasm
