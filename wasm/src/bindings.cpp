// bindings.cpp — the C ABI the JS facade (wasm/js/engine.js) calls for the MQTT engine and the
// signer. It only binds: every behaviour lives in iotlite::mqtt::Client and iotlite::sigv4;
// nothing here validates. The calling convention (scratch records, last error, handed-out
// strings) is abi.hpp's; the numbers JS sees (event types, field ids, enums) are boundary.hpp's.
// The "iotlite/shadow" build links this file too and adds shadow_bindings.cpp.
//
// Plain extern "C" functions instead of embind: the facade owns every handle and frees it in
// close(), so the application never sees a C++ object, and no embind runtime (~9 KB gz) ships.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "abi.hpp"
#include "boundary.hpp"
#include "iotlite/mqtt/client.hpp"
#include "iotlite/result.hpp"
#include "iotlite/sigv4/iot_websocket_url.hpp"

using iotlite::Errc;
using iotlite::Error;
using namespace iotlite::mqtt;
using namespace iotlite::wasm;

extern "C" {

// Returns a buffer of at least `size` bytes for the next call's packed arguments. It never
// shrinks: the records JS writes say where each argument ends.
std::uint8_t* iot_scratch(std::uint32_t size) {
    if (g_scratch.size < size) {
        // The old contents are not kept: JS packs every call's arguments afresh.
        std::free(g_scratch.bytes);
        auto* bigger = static_cast<std::uint8_t*>(std::malloc(size));
        if (!bigger) std::abort();  // out of memory, as std::vector would
        g_scratch = {bigger, size};
    }
    return g_scratch.bytes;
}

std::uint32_t iot_len() { return static_cast<std::uint32_t>(g_len); }
int iot_err_code() { return static_cast<int>(g_error.code); }
const char* iot_err_msg() { return hand_out(g_error.message); }

// Scratch: [client_id]. Returns a handle, or 0 with the config error in the last error.
Handle* iot_create(std::uint32_t keep_alive_s, int clean_session, std::uint32_t min_delay_ms,
                   std::uint32_t max_delay_ms, int reconnect, double queue_messages, double queue_bytes,
                   int queue_policy, double rng_seed, std::uint32_t connect_timeout_ms) {
    Args args;
    Config config;
    config.client_id = std::string(args.next());
    config.keep_alive_s = static_cast<std::uint16_t>(keep_alive_s > 0xFFFF ? 0xFFFF : keep_alive_s);
    config.clean_session = clean_session != 0;
    config.reconnect.enabled = reconnect != 0;
    config.reconnect.min_delay_ms = min_delay_ms;
    config.reconnect.max_delay_ms = max_delay_ms;
    config.offline_queue.max_messages = static_cast<std::size_t>(queue_messages);
    config.offline_queue.max_bytes = static_cast<std::size_t>(queue_bytes);
    config.offline_queue.policy = static_cast<QueuePolicy>(queue_policy);
    config.rng_seed = static_cast<std::uint64_t>(rng_seed);
    config.connect_timeout_ms = connect_timeout_ms;
    auto created = Client::create(std::move(config));
    if (!created) {
        fail(created.error());
        return nullptr;
    }
    auto* handle = new Handle;
    handle->client = std::move(created).value();
    return handle;
}

void iot_destroy(Handle* h) { delete h; }

int iot_connect(Handle* h, double now) {
    auto r = h->client->connect(ms(now));
    return r ? 1 : fail(r.error());
}

void iot_disconnect(Handle* h, double now) { h->client->disconnect(ms(now)); }

// Scratch: [topic][payload]. Returns the op id (> 0) or 0 with the last error set.
double iot_publish(Handle* h, int qos, int retain, double now) {
    Args args;
    auto topic = args.next();
    auto payload = args.next();
    auto r = h->client->publish(topic, reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size(),
                                static_cast<QoS>(qos), retain != 0, ms(now));
    return r ? static_cast<double>(r.value()) : fail(r.error());
}

// Scratch: [filter]. One filter per call: the facade gives each its own handler and id.
double iot_subscribe(Handle* h, int qos, double now) {
    Args args;
    std::vector<TopicFilter> filters{TopicFilter{std::string(args.next()), static_cast<QoS>(qos)}};
    auto r = h->client->subscribe(filters, ms(now));
    return r ? static_cast<double>(r.value()) : fail(r.error());
}

// Scratch: [filter].
double iot_unsubscribe(Handle* h, double now) {
    Args args;
    std::vector<std::string> filters{std::string(args.next())};
    auto r = h->client->unsubscribe(filters, ms(now));
    return r ? static_cast<double>(r.value()) : fail(r.error());
}

// Scratch: [url][username][password]: a WebSocket target for the pending attempt.
void iot_provide_target(Handle* h, double now) {
    Args args;
    ConnectionTarget target;
    target.kind = TransportKind::websocket;
    target.url = std::string(args.next());
    target.username = std::string(args.next());
    target.password = std::string(args.next());
    h->client->provide_target(std::move(target), ms(now));
}

// Scratch: [message]. The driver could not produce a target (credentials, signing); `status` is
// the HTTP status behind it (a Cognito answer), 0 when none.
void iot_provide_target_error(Handle* h, int code, std::uint32_t status, double now) {
    Args args;
    h->client->provide_target(Error{static_cast<Errc>(code), std::string(args.next()), static_cast<std::uint16_t>(status)},
                              ms(now));
}

void iot_on_open(Handle* h, double now) { h->client->on_open(ms(now)); }

// Scratch: [bytes].
void iot_on_bytes(Handle* h, double now) {
    Args args;
    auto bytes = args.next();
    h->client->on_bytes(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), ms(now));
}

// Scratch: [reason]. `status`: the HTTP status of a refused WebSocket upgrade where the runtime
// exposes it, else 0; the engine hands it back in the error / disconnected event
// (EventNumber::http_status).
void iot_on_closed(Handle* h, int code, std::uint32_t status, double now) {
    Args args;
    h->client->on_closed(Error{static_cast<Errc>(code), std::string(args.next()), static_cast<std::uint16_t>(status)},
                         ms(now));
}

// The largest inbound MQTT packet the engine accepts: the driver refuses larger WebSocket
// messages before buffering them where the runtime allows (ws's maxPayload in Node).
double iot_max_inbound(Handle* h) { return static_cast<double>(h->client->config().max_inbound_packet); }

void iot_on_tick(Handle* h, double now) { h->client->on_tick(ms(now)); }

// -1 when nothing is scheduled.
double iot_deadline(Handle* h) {
    auto d = h->client->next_deadline_ms();
    return d == UINT64_MAX ? -1.0 : static_cast<double>(d);
}

const std::uint8_t* iot_output(Handle* h) {
    g_len = h->client->output_size();
    return h->client->output_data();
}

void iot_consume(Handle* h, std::uint32_t count) { h->client->consume_output(count); }

int iot_state(Handle* h) { return static_cast<int>(h->client->state()); }

// Polls the next event into the handle. Returns its Event::Type, or -1 when there is none.
int iot_poll(Handle* h) {
    return h->client->poll_event(h->event) ? static_cast<int>(h->event.type) : -1;  // poll_event overwrites it whole
}

// Numeric fields of the polled event (boundary.hpp's EventNumber; 0 for an unknown id).
double iot_ev_num(Handle* h, int field) {
    const Event& e = h->event;
    switch (static_cast<EventNumber>(field)) {
        case EventNumber::op_id: return e.op_id;
        case EventNumber::delay_ms: return e.delay_ms;
        case EventNumber::attempt: return e.attempt;
        case EventNumber::session_present: return e.session_present ? 1 : 0;
        case EventNumber::error_code: return static_cast<double>(e.error.code);
        case EventNumber::qos: return static_cast<double>(e.message.qos);
        case EventNumber::retain: return e.message.retain ? 1 : 0;
        case EventNumber::dup: return e.message.dup ? 1 : 0;
        case EventNumber::http_status: return e.error.http_status;
    }
    return 0;
}

// Byte fields of the polled event (boundary.hpp's EventBytes): (pointer, iot_len()).
const void* iot_ev_bytes(Handle* h, int field) {
    Event& e = h->event;
    switch (static_cast<EventBytes>(field)) {
        case EventBytes::error_message: return hand_out(e.error.message);
        case EventBytes::topic: return hand_out(e.message.topic);
        case EventBytes::payload: g_len = e.message.payload.size(); return e.message.payload.data();
        case EventBytes::target_url: return hand_out(h->client->target().url);
        case EventBytes::subscription_ids: g_len = e.subscription_ids.size(); return e.subscription_ids.data();  // u32 each
        case EventBytes::granted: g_len = e.granted.size(); return e.granted.data();                          // u8 each
    }
    g_len = 0;
    return nullptr;
}

// Scratch: [endpoint host[:port]][region (may be empty: inferred)][access key][secret key]
// [session token (may be empty)]. Presigns the AWS IoT WebSocket URL for `epoch_s`. Returns 1 with
// the URL in (iot_out(), iot_len()), or 0 with the last error set. The secret never leaves this call.
int iot_presign(double epoch_s, int secure) {
    // One request and one signer for the module: the request's strings keep their capacity between
    // calls (no allocation per presign), and the signer caches the signing key per (credentials,
    // date, region).
    static iotlite::sigv4::IotUrlRequest request;
    static iotlite::sigv4::IotUrlSigner signer;
    Args args;
    request.endpoint.assign(args.next());
    request.region.assign(args.next());
    request.credentials.access_key_id.assign(args.next());
    auto secret = args.next();
    request.credentials.secret_access_key.assign(secret);
    request.credentials.session_token.assign(args.next());
    request.time = static_cast<std::int64_t>(epoch_s);
    request.scheme = secure ? iotlite::sigv4::UrlScheme::wss : iotlite::sigv4::UrlScheme::ws;
    auto r = signer.presign_into(request, g_out);
    // Wipe the secret's copies: its bytes in the scratch buffer and the request's string.
    if (!secret.empty()) {
        const auto at = reinterpret_cast<const std::uint8_t*>(secret.data()) - g_scratch.bytes;
        std::memset(g_scratch.bytes + at, 0, secret.size());
    }
    std::string& kept = request.credentials.secret_access_key;
    std::memset(&kept[0], 0, kept.size());
    return r ? 1 : fail(r.error());
}

const char* iot_out() { return hand_out(g_out); }

}  // extern "C"
