// iotlite/config.hpp — the build-time configuration of a device build: logging, error texts and
// capacities. Every layer includes it (through result.hpp), so it lives in base/.
//
// How a build overrides the defaults (the coreMQTT way: a user header, then defaults for what it
// left out):
//   1. -DIOTLITE_CONFIG_FILE="\"my_board_config.h\""  includes that header (any name, any path);
//      CMake: -DIOTLITE_CONFIG_FILE=/abs/path/my_board_config.h passes it to every iotlite target
//      and to their consumers (base/CMakeLists.txt);
//   2. otherwise a header named iotlite_config.h on the include path is included when present;
//   3. -DIOTLITE_DO_NOT_USE_CUSTOM_CONFIG skips both (the defaults below, whatever is on the path).
// The library and the application must see the same values (some change default member values
// of public structs): set them for the whole build, never for one file.
//
// Everything here has a default that leaves the build exactly as it is without a config header.
#pragma once

#if defined(IOTLITE_CONFIG_FILE)
#include IOTLITE_CONFIG_FILE
#elif !defined(IOTLITE_DO_NOT_USE_CUSTOM_CONFIG) && defined(__has_include)
#if __has_include(<iotlite_config.h>)
#include <iotlite_config.h>
#endif
#endif

// ---------------------------------------------------------------------------------------------
// Logging. IOTLITE_LOG_ERROR/WARN/INFO/DEBUG(format, args...) take a printf-style format. A
// level above IOTLITE_LOG_LEVEL compiles to nothing: its arguments are not evaluated and its
// format string is not in the image. The default level is NONE, so a build without a config
// header carries no log text. A level above NONE needs a sink:
//   #define IOTLITE_LOG_SINK(level, ...) my_log(level, __VA_ARGS__)   // level: IOTLITE_LOG_LEVEL_*
// Log lines never contain a secret key, a session token, a password or a private key.
#define IOTLITE_LOG_LEVEL_NONE 0
#define IOTLITE_LOG_LEVEL_ERROR 1
#define IOTLITE_LOG_LEVEL_WARN 2
#define IOTLITE_LOG_LEVEL_INFO 3
#define IOTLITE_LOG_LEVEL_DEBUG 4

#ifndef IOTLITE_LOG_LEVEL
#define IOTLITE_LOG_LEVEL IOTLITE_LOG_LEVEL_NONE
#endif
#if IOTLITE_LOG_LEVEL < IOTLITE_LOG_LEVEL_NONE || IOTLITE_LOG_LEVEL > IOTLITE_LOG_LEVEL_DEBUG
#error "IOTLITE_LOG_LEVEL must be one of IOTLITE_LOG_LEVEL_NONE (0) .. IOTLITE_LOG_LEVEL_DEBUG (4)"
#endif
#if IOTLITE_LOG_LEVEL > IOTLITE_LOG_LEVEL_NONE && !defined(IOTLITE_LOG_SINK)
#error "IOTLITE_LOG_LEVEL is above NONE but no IOTLITE_LOG_SINK(level, format, ...) is defined"
#endif

#if IOTLITE_LOG_LEVEL >= IOTLITE_LOG_LEVEL_ERROR
#define IOTLITE_LOG_ERROR(...) IOTLITE_LOG_SINK(IOTLITE_LOG_LEVEL_ERROR, __VA_ARGS__)
#else
#define IOTLITE_LOG_ERROR(...) ((void)0)
#endif
#if IOTLITE_LOG_LEVEL >= IOTLITE_LOG_LEVEL_WARN
#define IOTLITE_LOG_WARN(...) IOTLITE_LOG_SINK(IOTLITE_LOG_LEVEL_WARN, __VA_ARGS__)
#else
#define IOTLITE_LOG_WARN(...) ((void)0)
#endif
#if IOTLITE_LOG_LEVEL >= IOTLITE_LOG_LEVEL_INFO
#define IOTLITE_LOG_INFO(...) IOTLITE_LOG_SINK(IOTLITE_LOG_LEVEL_INFO, __VA_ARGS__)
#else
#define IOTLITE_LOG_INFO(...) ((void)0)
#endif
#if IOTLITE_LOG_LEVEL >= IOTLITE_LOG_LEVEL_DEBUG
#define IOTLITE_LOG_DEBUG(...) IOTLITE_LOG_SINK(IOTLITE_LOG_LEVEL_DEBUG, __VA_ARGS__)
#else
#define IOTLITE_LOG_DEBUG(...) ((void)0)
#endif

// ---------------------------------------------------------------------------------------------
// Error texts. 1 (default): every Error carries its sentence ("topic has 9 '/' levels; AWS IoT
// allows 7"). 0: the sentences are compiled out of the engine (core/src/mqtt), the shadow client,
// base and firmware/src: Error::message is empty, and nothing else changes — the Errc, the
// rule id, limit and actual (Error::rule / limit / actual), the HTTP status, the CONNACK/MQTT
// reason and the TLS codes are all still set. Explain an error from those fields (errc_name(),
// Error::rule); never print message as the only information. An empty message is a valid,
// printable std::string: nothing dereferences a missing text.
// IOTLITE_TEXT(x) is x with texts on and "" with them off: wrap any sentence (a literal, or a
// std::string expression, which is then not evaluated) with it.
#ifndef IOTLITE_ERROR_TEXTS
#define IOTLITE_ERROR_TEXTS 1
#endif
#if IOTLITE_ERROR_TEXTS != 0 && IOTLITE_ERROR_TEXTS != 1
#error "IOTLITE_ERROR_TEXTS must be 0 or 1"
#endif
// IOTLITE_MQTT5 0 compiles MQTT 5 out of the engine: a client asking for protocol_version 5 is
// refused (Errc::unsupported) and the MQTT 5 paths (properties, reason codes, topic aliases, the
// server's DISCONNECT) are not in the image. For a device or a browser build that speaks MQTT
// 3.1.1 only: the engine is about 15 KB smaller on Cortex-M4 and the browser package's wasm about
// 8 KB gz (docs/mqtt5.md has the figures). Default 1: both versions, chosen per client.
#ifndef IOTLITE_MQTT5
#define IOTLITE_MQTT5 1
#endif
#if IOTLITE_MQTT5 != 0 && IOTLITE_MQTT5 != 1
#error "IOTLITE_MQTT5 must be 0 or 1"
#endif

// IOTLITE_NO_HEAP_AFTER_CONNECT 1: the engine allocates at Client::create() what a connected
// client's steady loop needs, and recycles it, so that once connected a QoS 0 / QoS 1 publish,
// its PUBACK, an inbound message and a keep-alive round trip allocate nothing (docs/firmware.md,
// "No heap after connect", has the conditions and the measured figures):
//   - events: IOTLITE_EVENT_POOL queue nodes, each with room for a topic of AWS's 256 bytes, a
//     payload of IOTLITE_RESERVED_PAYLOAD bytes and max_subscriptions subscription ids;
//   - QoS 1 publishes in flight: max_inflight nodes with the same topic and payload room;
//   - the output and receive buffers: IOTLITE_RESERVED_PAYLOAD + 512 bytes each.
// Beyond those bounds (a larger message, more events pending than the pool, the offline queue,
// MQTT 5 properties, a subscribe, a reconnect) the engine uses the heap as it does by default:
// nothing is refused and nothing is lost. Poll events into an Event the application keeps (poll
// copies into its buffers), prepared once with Client::reserve_event(). Default 0: nodes and
// buffers are allocated as needed and freed as soon as they are done with (the smaller image).
#ifndef IOTLITE_NO_HEAP_AFTER_CONNECT
#define IOTLITE_NO_HEAP_AFTER_CONNECT 0
#endif
#if IOTLITE_NO_HEAP_AFTER_CONNECT != 0 && IOTLITE_NO_HEAP_AFTER_CONNECT != 1
#error "IOTLITE_NO_HEAP_AFTER_CONNECT must be 0 or 1"
#endif
#ifndef IOTLITE_EVENT_POOL
#define IOTLITE_EVENT_POOL 8
#endif
#ifndef IOTLITE_RESERVED_PAYLOAD
#define IOTLITE_RESERVED_PAYLOAD 1024
#endif
static_assert(IOTLITE_EVENT_POOL >= 1 && IOTLITE_EVENT_POOL <= 1024, "IOTLITE_EVENT_POOL: 1 to 1024 events");
static_assert(IOTLITE_RESERVED_PAYLOAD >= 0 && IOTLITE_RESERVED_PAYLOAD <= 128 * 1024,
              "IOTLITE_RESERVED_PAYLOAD: 0 to 128 KB (AWS IoT's largest message payload)");

// IOTLITE_STRINGIFY(IOTLITE_X) is the value of a config macro as a literal, for a text.
#define IOTLITE_STRINGIFY_(x) #x
#define IOTLITE_STRINGIFY(x) IOTLITE_STRINGIFY_(x)
#if IOTLITE_ERROR_TEXTS
#define IOTLITE_TEXT(...) __VA_ARGS__
#else
#define IOTLITE_TEXT(...) ""
#endif

// ---------------------------------------------------------------------------------------------
// Capacities: the defaults of mqtt::Config (each still settable per client at run time, within
// the same bounds) and the fixed capacities of the firmware layer. Each is checked at compile
// time against the AWS IoT rule or the protocol bound it must respect.

// mqtt::Config::max_inflight: QoS 1 publishes awaiting PUBACK. AWS IoT: at most 100
// unacknowledged QoS 1 publishes per connection and direction.
#ifndef IOTLITE_MAX_INFLIGHT
#define IOTLITE_MAX_INFLIGHT 32
#endif
static_assert(IOTLITE_MAX_INFLIGHT >= 1 && IOTLITE_MAX_INFLIGHT <= 100,
              "IOTLITE_MAX_INFLIGHT: 1 to 100 (AWS IoT: 100 unacknowledged QoS 1 publishes per connection)");

// mqtt::Config::max_subscriptions. AWS IoT: 50 subscriptions per connection.
#ifndef IOTLITE_MAX_SUBSCRIPTIONS
#define IOTLITE_MAX_SUBSCRIPTIONS 50
#endif
static_assert(IOTLITE_MAX_SUBSCRIPTIONS >= 1 && IOTLITE_MAX_SUBSCRIPTIONS <= 50,
              "IOTLITE_MAX_SUBSCRIPTIONS: 1 to 50 (AWS IoT: 50 subscriptions per connection)");

// mqtt::Config::max_inbound_packet: the largest inbound packet (fixed header included). AWS
// IoT sends at most 128 KB of payload plus a topic of at most 256 bytes; a device that only
// receives small messages lowers it (larger packets then close the connection as a protocol
// error). At least 5 bytes (a fixed header and a packet id); at most MQTT's maximum packet.
#ifndef IOTLITE_MAX_INBOUND_PACKET
#define IOTLITE_MAX_INBOUND_PACKET (128 * 1024 + 1024)
#endif
static_assert(IOTLITE_MAX_INBOUND_PACKET >= 5 && IOTLITE_MAX_INBOUND_PACKET <= 268435460,
              "IOTLITE_MAX_INBOUND_PACKET: 5 bytes to MQTT's 268435455-byte remaining length + 5");

// mqtt::Config::offline_queue: publishes waiting while offline (or for the in-flight window).
#ifndef IOTLITE_OFFLINE_QUEUE_MAX_MESSAGES
#define IOTLITE_OFFLINE_QUEUE_MAX_MESSAGES 100
#endif
#ifndef IOTLITE_OFFLINE_QUEUE_MAX_BYTES
#define IOTLITE_OFFLINE_QUEUE_MAX_BYTES (256 * 1024)
#endif
static_assert(IOTLITE_OFFLINE_QUEUE_MAX_MESSAGES >= 0 && IOTLITE_OFFLINE_QUEUE_MAX_BYTES >= 0,
              "IOTLITE_OFFLINE_QUEUE_MAX_*: 0 (queue disabled) or more");

// mqtt::Config::keep_alive_s. AWS IoT: 30 to 1200 s.
#ifndef IOTLITE_KEEP_ALIVE_S
#define IOTLITE_KEEP_ALIVE_S 60
#endif
static_assert(IOTLITE_KEEP_ALIVE_S >= 30 && IOTLITE_KEEP_ALIVE_S <= 1200,
              "IOTLITE_KEEP_ALIVE_S: 30 to 1200 s (AWS IoT keep-alive range)");

// firmware::Session::max_services: services (shadow, Jobs...) attached to one Session.
#ifndef IOTLITE_SESSION_MAX_SERVICES
#define IOTLITE_SESSION_MAX_SERVICES 4
#endif
static_assert(IOTLITE_SESSION_MAX_SERVICES >= 1 && IOTLITE_SESSION_MAX_SERVICES <= 16,
              "IOTLITE_SESSION_MAX_SERVICES: 1 to 16");

// firmware::WebSocketTransport: bytes queued by send() before it says "try again", and frame
// payload held for recv() before the transport stops reading the socket (back-pressure on a
// fast server). At least 4 KB each (MQTT packets go out and come in slice by slice).
#ifndef IOTLITE_WS_MAX_QUEUED_BYTES
#define IOTLITE_WS_MAX_QUEUED_BYTES (64 * 1024)
#endif
#ifndef IOTLITE_WS_MAX_INBOUND_BYTES
#define IOTLITE_WS_MAX_INBOUND_BYTES (16 * 1024)
#endif
static_assert(IOTLITE_WS_MAX_QUEUED_BYTES >= 4096 && IOTLITE_WS_MAX_INBOUND_BYTES >= 4096,
              "IOTLITE_WS_MAX_QUEUED_BYTES / IOTLITE_WS_MAX_INBOUND_BYTES: at least 4096");

// firmware HTTP client (HTTPS publish, REST shadow, Cognito): the largest response body kept.
// AWS's shadow document limit (8 KB of state, with metadata about 4 times that) fits in 64 KB.
#ifndef IOTLITE_HTTP_MAX_BODY
#define IOTLITE_HTTP_MAX_BODY (64 * 1024)
#endif
static_assert(IOTLITE_HTTP_MAX_BODY >= 8192, "IOTLITE_HTTP_MAX_BODY: at least 8192 (AWS shadow document limit)");
