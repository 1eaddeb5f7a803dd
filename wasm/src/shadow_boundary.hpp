// shadow_boundary.hpp — the numbers that cross the wasm boundary of the "iotlite/shadow" build
// (iot_sh_* in shadow_bindings.cpp), defined once; written into wasm-boundary.js at build time
// like boundary.hpp's.
#pragma once

#include "boundary.hpp"
#include "iotlite/services/shadow/names.hpp"
#include "iotlite/services/shadow/shadow_client.hpp"

// Numeric fields of the polled ShadowEvent (iot_sh_ev_num); JS: SH_NUM_<FIELD>.
#define IOTLITE_WASM_SHADOW_NUMBERS(X) X(request_id) X(error_code) X(rejection_code) X(stream)
// Text fields of the polled ShadowEvent (iot_sh_ev_bytes); JS: SH_TEXT_<FIELD>.
#define IOTLITE_WASM_SHADOW_TEXTS(X) X(thing) X(name) X(payload) X(error_message)
// shadow::ShadowEvent::Type by value (iot_sh_poll); JS: SH_EV_<TYPE>.
#define IOTLITE_WASM_SHADOW_EVENT_TYPES(X) \
    X(accepted) X(rejected) X(failed) X(delta) X(documents) X(stream_ready) X(stream_failed) X(error)
// shadow::Operation by value (iot_sh_request's op); JS: SH_OP_<OPERATION>.
#define IOTLITE_WASM_SHADOW_OPERATIONS(X) X(get) X(update) X(delete_shadow)
// shadow::Stream by value (iot_sh_watch's stream, the stream field); JS: SH_STREAMS [names].
#define IOTLITE_WASM_SHADOW_STREAMS(X) X(delta) X(documents)

namespace iotlite::wasm {

enum class ShadowNumber : int { IOTLITE_WASM_SHADOW_NUMBERS(IOTLITE_WASM_ENUMERATOR) };
enum class ShadowText : int { IOTLITE_WASM_SHADOW_TEXTS(IOTLITE_WASM_ENUMERATOR) };

#define IOTLITE_WASM_SHADOW_EVENT_TYPE(name) shadow::ShadowEvent::Type::name,
inline constexpr shadow::ShadowEvent::Type kShadowEventTypes[] = {IOTLITE_WASM_SHADOW_EVENT_TYPES(IOTLITE_WASM_SHADOW_EVENT_TYPE)};
#undef IOTLITE_WASM_SHADOW_EVENT_TYPE
static_assert(in_order(kShadowEventTypes), "IOTLITE_WASM_SHADOW_EVENT_TYPES must list ShadowEvent::Type in value order");
// shadow.js settles a request's promise for every type up to `failed`.
static_assert(shadow::ShadowEvent::Type::accepted < shadow::ShadowEvent::Type::failed &&
                  shadow::ShadowEvent::Type::rejected < shadow::ShadowEvent::Type::failed &&
                  static_cast<int>(shadow::ShadowEvent::Type::failed) == 2,
              "the request outcomes must be the ShadowEvent types 0..2");

#define IOTLITE_WASM_SHADOW_OPERATION(name) shadow::Operation::name,
inline constexpr shadow::Operation kShadowOperations[] = {IOTLITE_WASM_SHADOW_OPERATIONS(IOTLITE_WASM_SHADOW_OPERATION)};
#undef IOTLITE_WASM_SHADOW_OPERATION
static_assert(in_order(kShadowOperations), "IOTLITE_WASM_SHADOW_OPERATIONS must list shadow::Operation in value order");

#define IOTLITE_WASM_SHADOW_STREAM(name) shadow::Stream::name,
inline constexpr shadow::Stream kShadowStreams[] = {IOTLITE_WASM_SHADOW_STREAMS(IOTLITE_WASM_SHADOW_STREAM)};
#undef IOTLITE_WASM_SHADOW_STREAM
static_assert(in_order(kShadowStreams), "IOTLITE_WASM_SHADOW_STREAMS must list shadow::Stream in value order");

}  // namespace iotlite::wasm
