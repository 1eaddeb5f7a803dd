// jobs_boundary.hpp — the numbers that cross the wasm boundary for AWS IoT Jobs (iot_jb_* in
// jobs_bindings.cpp, part of the "iotlite/services" build), defined once; written into
// wasm-boundary.js at build time like shadow_boundary.hpp's.
#pragma once

#include "boundary.hpp"
#include "iotlite/services/jobs/jobs_client.hpp"

// Numeric fields of the polled JobsEvent (iot_jb_ev_num); JS: JB_NUM_<FIELD>.
#define IOTLITE_WASM_JOBS_NUMBERS(X) X(request_id) X(error_code) X(stream)
// Text fields of the polled JobsEvent (iot_jb_ev_bytes); JS: JB_TEXT_<FIELD>.
#define IOTLITE_WASM_JOBS_TEXTS(X) X(payload) X(error_message) X(rejection_code)
// jobs::JobsEvent::Type by value (iot_jb_poll); JS: JB_EV_<TYPE>.
#define IOTLITE_WASM_JOBS_EVENT_TYPES(X) \
    X(accepted) X(rejected) X(failed) X(notify) X(notify_next) X(stream_ready) X(stream_failed) X(error)
// jobs::Operation by value (iot_jb_request's op); JS: JB_OP_<OPERATION>.
#define IOTLITE_WASM_JOBS_OPERATIONS(X) X(get_pending) X(start_next) X(describe) X(update)
// jobs::Stream by value (iot_jb_watch's stream, the stream field); JS: JB_STREAMS [names].
#define IOTLITE_WASM_JOBS_STREAMS(X) X(notify) X(notify_next)

namespace iotlite::wasm {

enum class JobsNumber : int { IOTLITE_WASM_JOBS_NUMBERS(IOTLITE_WASM_ENUMERATOR) };
enum class JobsText : int { IOTLITE_WASM_JOBS_TEXTS(IOTLITE_WASM_ENUMERATOR) };

#define IOTLITE_WASM_JOBS_EVENT_TYPE(name) jobs::JobsEvent::Type::name,
inline constexpr jobs::JobsEvent::Type kJobsEventTypes[] = {IOTLITE_WASM_JOBS_EVENT_TYPES(IOTLITE_WASM_JOBS_EVENT_TYPE)};
#undef IOTLITE_WASM_JOBS_EVENT_TYPE
static_assert(in_order(kJobsEventTypes), "IOTLITE_WASM_JOBS_EVENT_TYPES must list JobsEvent::Type in value order");
// jobs.js settles a request's promise for every type up to `failed`.
static_assert(static_cast<int>(jobs::JobsEvent::Type::failed) == 2, "the request outcomes must be the JobsEvent types 0..2");

#define IOTLITE_WASM_JOBS_OPERATION(name) jobs::Operation::name,
inline constexpr jobs::Operation kJobsOperations[] = {IOTLITE_WASM_JOBS_OPERATIONS(IOTLITE_WASM_JOBS_OPERATION)};
#undef IOTLITE_WASM_JOBS_OPERATION
static_assert(in_order(kJobsOperations), "IOTLITE_WASM_JOBS_OPERATIONS must list jobs::Operation in value order");

#define IOTLITE_WASM_JOBS_STREAM(name) jobs::Stream::name,
inline constexpr jobs::Stream kJobsStreams[] = {IOTLITE_WASM_JOBS_STREAMS(IOTLITE_WASM_JOBS_STREAM)};
#undef IOTLITE_WASM_JOBS_STREAM
static_assert(in_order(kJobsStreams), "IOTLITE_WASM_JOBS_STREAMS must list jobs::Stream in value order");

}  // namespace iotlite::wasm
