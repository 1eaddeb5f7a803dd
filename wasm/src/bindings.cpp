// bindings.cpp — the C ABI the JS facade (wasm/js/engine.js) calls for the MQTT engine and the
// signer. It only binds: every behaviour lives in iotlite::mqtt::Client and iotlite::sigv4;
// nothing here validates. The calling convention (scratch records, last error, handed-out
// strings) is abi.hpp's; the numbers JS sees (event types, field ids, enums) are boundary.hpp's.
// The "iotlite/shadow" build links this file too and adds shadow_bindings.cpp; the "iotlite/mqtt5"
// build compiles it again (with IOTLITE_MQTT5=1 in its engine) and adds mqtt5_bindings.cpp.
//
// The connection layer (core/connection) decides where and how each attempt connects: iot_configure
// and iot_target wrap its TargetBuilder; JS only fetches credentials (I/O) and hands them over.
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
#include "iotlite/connection/cognito.hpp"
#include "iotlite/connection/credentials_cache.hpp"
#include "iotlite/connection/http_status.hpp"
#include "iotlite/connection/retry.hpp"
#include "iotlite/connection/target_builder.hpp"

using iotlite::Errc;
using iotlite::Error;
using namespace iotlite::mqtt;
using namespace iotlite::wasm;

extern "C" {

// Returns a buffer of at least `size` bytes for the next call's packed arguments. It never
// shrinks: the records JS writes say where each argument ends. Nothing a call can take comes near
// kMaxCallBytes (the largest MQTT packet is 128 KB), so a larger request is refused (null, the rule
// in the last error) rather than growing the module's memory for good with a value the engine
// would refuse anyway.
std::uint8_t* iot_scratch(std::uint32_t size) {
    if (size > kMaxCallBytes) {
        // The last error's fields set in place (a temporary Error and its copy cost the module more).
        g_error.code = Errc::limit_exceeded;
        g_error.message = "argument too large (a call takes at most 1 MiB)";
        g_error.http_status = 0;
        g_error.mqtt_reason = 0;
        g_error.rule = "call.bytes";
        g_error.limit = kMaxCallBytes;
        g_error.actual = size;
        return nullptr;
    }
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

// Scratch: [client_id], then [will topic][will payload] when will_qos >= 0 (-1: no Last Will).
// Returns a handle, or 0 with the config error in the last error.
Handle* iot_create(std::uint32_t keep_alive_s, int clean_session, std::uint32_t min_delay_ms,
                   std::uint32_t max_delay_ms, int reconnect, double queue_messages, double queue_bytes,
                   int queue_policy, double rng_seed, std::uint32_t connect_timeout_ms, int will_qos, int will_retain) {
    return create_client(keep_alive_s, clean_session, min_delay_ms, max_delay_ms, reconnect, queue_messages, queue_bytes,
                         queue_policy, rng_seed, connect_timeout_ms, will_qos, will_retain, nullptr);
}

}  // extern "C"

// iot_create's work; `extend` (the "iotlite/mqtt5" build's iot_v5_create) adds its settings to the
// config, reading its records after iot_create's, before the engine checks it.
Handle* iotlite::wasm::create_client(std::uint32_t keep_alive_s, int clean_session, std::uint32_t min_delay_ms,
                                     std::uint32_t max_delay_ms, int reconnect, double queue_messages,
                                     double queue_bytes, int queue_policy, double rng_seed,
                                     std::uint32_t connect_timeout_ms, int will_qos, int will_retain,
                                     void (*extend)(Config&, Args&)) {
    Args args;
    Config config;
    config.client_id = std::string(args.next());
    if (will_qos >= 0) {
        Will will;
        will.topic = std::string(args.next());
        std::string_view payload = args.next();
        will.payload.assign(payload.begin(), payload.end());
        will.qos = static_cast<QoS>(will_qos);  // Client::create checks it (QoS 2 named as AWS's rule)
        will.retain = will_retain != 0;
        config.will = std::move(will);
    }
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
    if (extend) extend(config, args);
    auto created = Client::create(std::move(config));
    if (!created) {
        fail(created.error());
        return nullptr;
    }
    auto* handle = new Handle;
    handle->client = std::move(created).value();
    return handle;
}

double iotlite::wasm::subscribe_filters(Handle* h, const TopicFilter& options, double now, int count) {
    Args args;
    // Sized once and filled in place: no growth path in the module.
    std::vector<TopicFilter> filters(count > 0 ? static_cast<std::size_t>(count) : 0, options);
    for (TopicFilter& f : filters) {
        std::string_view text = args.next();
        f.filter.assign(text.data(), text.size());
    }
    auto r = h->client->subscribe(filters, ms(now));
    return r ? static_cast<double>(r.value()) : fail(r.error());
}

extern "C" {

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

// Scratch: `count` x [filter], one SUBSCRIBE (the engine refuses more than AWS's 8 filters):
// the facade gives each call its own handler and id, and splits a longer list itself.
double iot_subscribe(Handle* h, int qos, double now, int count) {
    TopicFilter options;
    options.qos = static_cast<QoS>(qos);
    return subscribe_filters(h, options, now, count);
}

// Scratch: `count` x [filter].
double iot_unsubscribe(Handle* h, double now, int count) {
    Args args;
    std::vector<std::string> filters(count > 0 ? static_cast<std::size_t>(count) : 0);
    for (std::string& f : filters) {
        std::string_view text = args.next();
        f.assign(text.data(), text.size());
    }
    auto r = h->client->unsubscribe(filters, ms(now));
    return r ? static_cast<double>(r.value()) : fail(r.error());
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
// exposes it, else 0; it then decides the code, by core's one status table (connection::
// errc_for_http_status), and the engine hands it back in the error / disconnected event
// (EventNumber::http_status). Returns 1 when the target builder judges the credentials refused
// (TargetBuilder::on_attempt_failed: JS then fetches fresh ones), else 0.
int iot_on_closed(Handle* h, int code, std::uint32_t status, double now) {
    using namespace iotlite::connection;
    Args args;
    const auto http_status = static_cast<std::uint16_t>(status);
    const Errc errc = status != 0 ? errc_for_http_status(http_status, HttpStatusUse::upgrade) : static_cast<Errc>(code);
    Error error{errc, std::string(args.next()), http_status};
    h->credentials.refused = false;
    h->target->on_attempt_failed(error);
    h->client->on_closed(std::move(error), ms(now));
    return h->credentials.refused ? 1 : 0;
}

// The largest inbound MQTT packet the engine accepts: the driver refuses larger WebSocket
// messages before buffering them where the runtime allows (ws's maxPayload in Node).
double iot_max_inbound(Handle* h) { return static_cast<double>(h->client->config().max_inbound_packet); }

void iot_on_tick(Handle* h, double now) { h->client->on_tick(ms(now)); }

// The page woke up or the network came back: skip the rest of the backoff (the engine keeps
// AWS's 1 CONNECT per second per client id).
void iot_reconnect_now(Handle* h, double now) { h->client->reconnect_now(ms(now)); }

// An aborted publish: 1 when it was still queued and is now withdrawn (never sent, no event).
int iot_withdraw(Handle* h, double op_id) { return h->client->withdraw_publish(static_cast<std::uint32_t>(op_id)) ? 1 : 0; }

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

// Numeric fields of the polled event (boundary.hpp's EventNumber; 0 for an unknown id). The
// error_* fields with h = 0: those of the last error (a call that failed).
double iot_ev_num(Handle* h, int field) {
    const Error& error = h ? h->event.error : g_error;
    switch (static_cast<EventNumber>(field)) {
        case EventNumber::error_code: return static_cast<double>(error.code);
        case EventNumber::http_status: return error.http_status;
        case EventNumber::mqtt_reason: return error.mqtt_reason;
        case EventNumber::rule_limit: return error.limit;
        case EventNumber::rule_actual: return error.actual;
        default: break;
    }
    const Event& e = h->event;
    switch (static_cast<EventNumber>(field)) {
        case EventNumber::op_id: return e.op_id;
        case EventNumber::delay_ms: return e.delay_ms;
        case EventNumber::attempt: return e.attempt;
        case EventNumber::session_present: return e.session_present ? 1 : 0;
        case EventNumber::qos: return static_cast<double>(e.message.qos);
        case EventNumber::retain: return e.message.retain ? 1 : 0;
        case EventNumber::dup: return e.message.dup ? 1 : 0;
        default: return 0;
    }
}

// Byte fields of the polled event (boundary.hpp's EventBytes): (pointer, iot_len()). The error_*
// fields with h = 0: those of the last error.
const void* iot_ev_bytes(Handle* h, int field) {
    const Error& error = h ? h->event.error : g_error;
    if (field == static_cast<int>(EventBytes::error_message)) return hand_out(error.message);
    if (field == static_cast<int>(EventBytes::error_rule)) {
        g_len = std::strlen(error.rule);
        return error.rule;
    }
    Event& e = h->event;
    switch (static_cast<EventBytes>(field)) {
        case EventBytes::topic: return hand_out(e.message.topic);
        case EventBytes::payload: g_len = e.message.payload.size(); return e.message.payload.data();
        case EventBytes::target_url: return hand_out(h->client->target().url);
        case EventBytes::subscription_ids: g_len = e.subscription_ids.size(); return e.subscription_ids.data();  // u32 each
        case EventBytes::granted: g_len = e.granted.size(); return e.granted.data();                          // u8 each
        default: break;
    }
    g_len = 0;
    return nullptr;
}

// Scratch: [endpoint][region (may be empty: inferred)] and, for a custom authorizer
// (custom_authorizer = 1), [name][token key name][token][signature][username][password].
// Where the client connects, by the connection layer (parse_endpoint, TargetBuilder: the endpoint
// forms, the region rule, a dry-run presign) plus the clock offset the application configured.
// Returns 2 (wss) or 1 (ws) with the endpoint's host[:port] in (iot_out(), iot_len()), or 0 with
// the last error set.
int iot_configure(Handle* h, int custom_authorizer, double clock_offset_ms) {
    using namespace iotlite::connection;
    Args args;
    auto endpoint = parse_endpoint(args.next());
    if (!endpoint) return fail(endpoint.error());
    TargetConfig config;
    config.endpoint = std::move(endpoint).value();
    config.region = std::string(args.next());
    if (custom_authorizer) {
        config.mode = AuthMode::custom_authorizer;
        CustomAuthorizer& a = config.authorizer;
        for (std::string* field : {&a.name, &a.token_key_name, &a.token, &a.signature, &a.username, &a.password})
            field->assign(args.next());
    }
    auto built = TargetBuilder::create(std::move(config), &h->credentials);
    if (!built) return fail(built.error());
    h->target = std::make_unique<TargetBuilder>(std::move(built).value());
    auto offset = h->target->clock_skew().set_offset_s(static_cast<std::int64_t>(clock_offset_ms / 1000));
    if (!offset) return fail(offset.error());
    const TargetConfig& c = h->target->config();
    g_out = c.endpoint.authority(c.secure ? kHttpsPort : kPlainWebSocketPort);
    return c.secure ? 2 : 1;
}

// Scratch: [access key][secret key][session token] (SigV4 only; the credentials JS fetched for
// this attempt, expiring at expiration_ms, 0: never). Builds the target of connect attempt
// `attempt` at wall-clock `wall_ms` (the clock offset applied here) and hands it, or why it
// could not be built, to the engine. provide = 0: only the URL, in (iot_out(), iot_len()) (the
// presign benchmark). Returns 1, or 0 with the last error set. The secret's copies this call owns
// are wiped before it returns.
int iot_target(Handle* h, std::uint32_t attempt, double wall_ms, double expiration_ms, int provide, double now) {
    Args args;
    iotlite::sigv4::Credentials& c = h->credentials.value.credentials;
    c.access_key_id.assign(args.next());
    auto secret = args.next();
    c.secret_access_key.assign(secret);
    c.session_token.assign(args.next());
    h->credentials.value.expiration_ms = static_cast<std::int64_t>(expiration_ms);
    auto target = h->target->build(attempt, static_cast<std::int64_t>(wall_ms));
    if (!secret.empty()) {
        std::memset(g_scratch.bytes + (reinterpret_cast<const std::uint8_t*>(secret.data()) - g_scratch.bytes), 0,
                    secret.size());
    }
    std::memset(&c.secret_access_key[0], 0, c.secret_access_key.size());
    if (!provide) {
        if (!target) return fail(target.error());
        g_out = target.value().url;
        return 1;
    }
    const int ok = target ? 1 : fail(target.error());
    h->client->provide_target(std::move(target), ms(now));
    return ok;
}

// A server's time (the Date of a refused upgrade or a Cognito answer, read by the runtime's own
// HTTP-date parser: Date.parse, so no second parser ships in the module), observed at wall-clock
// `wall_ms`, for the shared clock-skew policy (bound and hysteresis). Returns 1 when the offset
// changed; a disagreement beyond the bound is not applied (as in firmware).
int iot_observe_date(Handle* h, double server_ms, double wall_ms) {
    auto changed = h->target->clock_skew().observe(static_cast<std::int64_t>(server_ms / 1000),
                                                   static_cast<std::int64_t>(wall_ms / 1000));
    return changed && changed.value() ? 1 : 0;
}

// The clock offset every signature uses (ms; the policy keeps whole seconds).
double iot_clock_offset(Handle* h) { return static_cast<double>(h->target->clock_skew().offset_s()) * 1000; }

// The application sets the offset. Returns 1, or 0 with the last error (over the bound).
int iot_set_clock_offset(Handle* h, double offset_ms) {
    auto set = h->target->clock_skew().set_offset_s(static_cast<std::int64_t>(offset_ms / 1000));
    return set ? 1 : fail(set.error());
}

// When to refresh credentials expiring at expiration_ms fetched at now_ms (server time, ms);
// margin_ms < 0: the default margin. connection::refresh_deadline_ms.
double iot_refresh_at(double expiration_ms, double now_ms, double margin_ms) {
    return static_cast<double>(iotlite::connection::refresh_deadline_ms(static_cast<std::int64_t>(expiration_ms),
                                                                        static_cast<std::int64_t>(now_ms),
                                                                        static_cast<std::int64_t>(margin_ms)));
}

// Scratch: [exception name ("" when the answer had none)]. The Errc of a Cognito error answer with
// HTTP `status`, by core's one table (connection::cognito_error_kind); the browser package reads
// Cognito's JSON itself (core's Cognito client with its scanner costs the package 11 KB gz).
int iot_cognito_errc(std::uint32_t status) {
    Args args;
    return static_cast<int>(iotlite::connection::cognito_error_kind(args.next(), static_cast<std::uint16_t>(status)).code);
}

// Why a connection attempt that failed with (errc, HTTP status, MQTT reason) cannot pass on a retry,
// as a connection::FinalBecause (0: it may pass), by core's one rule (connection::retry_verdict).
// flags: bit 0 every retry fetches fresh credentials (Cognito, a provider); bit 1 the error is the
// identity service's answer (Cognito).
int iot_retry_verdict(int errc, std::uint32_t status, std::uint32_t reason, std::uint32_t flags) {
    const auto verdict = iotlite::connection::retry_verdict(
        static_cast<Errc>(errc), static_cast<std::uint16_t>(status), static_cast<std::uint8_t>(reason), (flags & 1) != 0 ? iotlite::connection::RetryCredentials::refreshed : iotlite::connection::RetryCredentials::fixed,
        (flags & 2) != 0 ? iotlite::connection::ErrorOrigin::identity_service : iotlite::connection::ErrorOrigin::endpoint);
    return static_cast<int>(verdict.because);
}

// The offline queue's rule (core's queue_admission) for the durable queue of iotlite/durable, over
// what it has stored: admission + 4 * bound (QUEUE_ADMISSIONS, QUEUE_BOUNDS in wasm-boundary.js).
// Counts and bytes cross as 32-bit integers (the durable queue bounds them below 2^31).
int iot_queue_admission(int policy, std::uint32_t max_messages, std::uint32_t max_bytes, std::uint32_t queued,
                        std::uint32_t queued_bytes, std::uint32_t bytes) {
    OfflineQueueConfig config;
    config.max_messages = max_messages;
    config.max_bytes = max_bytes;
    config.policy = static_cast<QueuePolicy>(policy);
    const auto verdict = queue_admission(config, queued, queued_bytes, bytes);
    return static_cast<int>(verdict.admission) + 4 * static_cast<int>(verdict.bound);
}

// 1 when a payload of `size` bytes is within AWS IoT's limit (validate_payload_size, as publish()
// checks it), else 0 with the rule in the last error. The facade asks before it copies a payload
// into the module: a refused 100 MB payload would otherwise grow the module's memory for good.
int iot_check_payload(double size) {
    auto r = validate_payload_size(static_cast<std::size_t>(size));
    return r ? 1 : fail(r.error());
}

// Scratch: [topic]. 1 when core's rules for a publish topic (MQTT's and AWS IoT's) accept it, else
// 0 with the broken rule in the last error (iotlite/durable checks before it stores a message).
int iot_check_topic() {
    Args args;
    auto r = validate_publish_topic(args.next());
    return r ? 1 : fail(r.error());
}

// Scratch: [filter]. 1 when core's topic filter rules (MQTT's and AWS IoT's) accept it, else 0 with
// the broken rule in the last error: what subscribe() would refuse it with.
int iot_check_filter() {
    Args args;
    auto r = validate_topic_filter(args.next());
    return r ? 1 : fail(r.error());
}

// Scratch: [filter][topic]. 1 when the topic matches the filter as the engine routes messages (the
// filter valid by iot_check_filter).
int iot_topic_matches() {
    Args args;
    auto filter = args.next();
    return topic_matches(filter, args.next()) ? 1 : 0;
}

const char* iot_out() { return hand_out(g_out); }

}  // extern "C"
