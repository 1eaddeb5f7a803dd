// mqtt5_bindings.cpp — the "iotlite/mqtt5" build's own exports (iot_v5_*): the engine's MQTT 5
// calls (CONNECT settings, PUBLISH properties, subscription options, a received message's
// properties, reason code names) and core's request/response correlator
// (services::ResponseCorrelator). It only binds, like bindings.cpp, whose exports this build
// shares; the engine here is compiled with IOTLITE_MQTT5=1 (wasm/CMakeLists.txt).

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "abi.hpp"
#include "mqtt5_boundary.hpp"
#include "iotlite/mqtt/client.hpp"
#include "iotlite/mqtt/properties.hpp"
#include "iotlite/mqtt/reason_code.hpp"
#include "iotlite/services/response_correlator.hpp"

using namespace iotlite;
using namespace iotlite::mqtt;
using namespace iotlite::wasm;
using iotlite::services::ResponseCorrelator;

namespace {

// The MQTT 5 settings of the client iot_v5_create makes (read by extend() inside create_client).
struct Connect5 {
    std::uint32_t protocol_version = 4;
    std::uint32_t session_expiry_s = 0;
    std::uint32_t receive_maximum = 0;
    std::uint32_t topic_alias_maximum = 0;
    std::uint32_t maximum_packet_size = 0;
    int user_properties = 0;
    // Will Properties: will_texts < 0: none; else as iot_v5_publish's `present` (content type,
    // response topic, correlation data), then the integer ones (< 0: absent) and the user properties.
    int will_texts = -1;
    double will_message_expiry_s = -1;
    int will_payload_format = -1;
    double will_delay_s = -1;
    int will_user_properties = 0;
} g_connect5;

std::uint32_t u32(double v) { return static_cast<std::uint32_t>(v > 4294967295.0 ? 4294967295.0 : v); }

// Reads [content type][response topic][correlation data] (kept when bit 0/1/2 of `present`),
// then the message expiry and payload format (< 0: absent), into `props`.
void read_message_properties(Args& args, int present, double message_expiry_s, int payload_format, Properties& props) {
    const PropertyId texts[] = {PropertyId::content_type, PropertyId::response_topic, PropertyId::correlation_data};
    for (int i = 0; i < 3; ++i) {
        auto value = args.next();
        if (present & (1 << i)) props.set(texts[i], value);
    }
    if (message_expiry_s >= 0) props.set(PropertyId::message_expiry_interval, u32(message_expiry_s));
    if (payload_format >= 0) props.set(PropertyId::payload_format_indicator, static_cast<std::uint32_t>(payload_format));
}

// Reads `count` user property pairs from `args`.
void read_user_properties(Args& args, int count, Properties& out) {
    for (int i = 0; i < count; ++i) {
        UserProperty p;
        p.name.assign(args.next());
        p.value.assign(args.next());
        out.user_properties.push_back(std::move(p));
    }
}

void extend(Config& config, Args& args) {
    config.protocol_version = static_cast<std::uint8_t>(g_connect5.protocol_version > 0xFF ? 0xFF : g_connect5.protocol_version);
    config.session_expiry_s = g_connect5.session_expiry_s;
    config.receive_maximum = static_cast<std::uint16_t>(g_connect5.receive_maximum);
    config.topic_alias_maximum = static_cast<std::uint16_t>(g_connect5.topic_alias_maximum);
    if (g_connect5.maximum_packet_size) config.max_inbound_packet = g_connect5.maximum_packet_size;
    Properties connect;
    read_user_properties(args, g_connect5.user_properties, connect);
    config.connect_user_properties = std::move(connect.user_properties);
    const Connect5& c = g_connect5;
    if (c.will_texts >= 0 && config.will) {
        Properties props;
        read_message_properties(args, c.will_texts, c.will_message_expiry_s, c.will_payload_format, props);
        if (c.will_delay_s >= 0) props.set(PropertyId::will_delay_interval, u32(c.will_delay_s));
        read_user_properties(args, c.will_user_properties, props);
        config.will->properties = PropertiesPtr(std::move(props));
    }
}

// The request/response correlator of each client that made one (iot_v5_rr_create), freed by
// iot_v5_rr_destroy before the handle (the facade's destroy does both). A client has at most one.
struct Correlator {
    Handle* handle = nullptr;
    std::unique_ptr<ResponseCorrelator> correlator;
};
std::vector<Correlator> g_correlators;

std::unique_ptr<ResponseCorrelator>& correlator_slot(Handle* h) {
    for (Correlator& c : g_correlators) {
        if (c.handle == h) return c.correlator;
    }
    for (Correlator& c : g_correlators) {
        if (!c.correlator) { c.handle = h; return c.correlator; }
    }
    g_correlators.push_back({h, nullptr});
    return g_correlators.back().correlator;
}

}  // namespace

extern "C" {

// iot_create with the MQTT 5 settings (as their values; 0: not sent). Scratch: iot_create's records,
// then `user_properties` x [name][value] (CONNECT User Properties), then, when will_texts >= 0 (and
// there is a Will), the Will Properties: [content type][response topic][correlation data] and
// `will_user_properties` x [name][value]. The engine checks every value (protocol version 4 or 5,
// session expiry <= 7 days, MQTT 5 settings on a 3.1.1 client, the Will's properties...).
Handle* iot_v5_create(std::uint32_t keep_alive_s, int clean_session, std::uint32_t min_delay_ms, std::uint32_t max_delay_ms,
                    int reconnect, double queue_messages, double queue_bytes, int queue_policy, double rng_seed,
                    std::uint32_t connect_timeout_ms, int will_qos, int will_retain, std::uint32_t protocol_version,
                    double session_expiry_s, std::uint32_t receive_maximum, std::uint32_t topic_alias_maximum,
                    double maximum_packet_size, int user_properties, int will_texts, double will_message_expiry_s,
                    int will_payload_format, double will_delay_s, int will_user_properties) {
    g_connect5 = {protocol_version,      u32(session_expiry_s), receive_maximum,       topic_alias_maximum,
                  u32(maximum_packet_size), user_properties,    will_texts,            will_message_expiry_s,
                  will_payload_format,   will_delay_s,          will_user_properties};
    return create_client(keep_alive_s, clean_session, min_delay_ms, max_delay_ms, reconnect, queue_messages, queue_bytes,
                         queue_policy, rng_seed, connect_timeout_ms, will_qos, will_retain, extend);
}

// iot_publish with PUBLISH properties. Scratch: [topic][payload][content type][response topic]
// [correlation data], then `user_properties` x [name][value]. `present`: bit i set when the
// property PROP_* number i of the three text ones is given (1 content type, 2 response topic,
// 4 correlation data); message_expiry_s / payload_format < 0: absent. The engine checks them
// (AWS's 1 s..7 days expiry, UTF-8, sizes; properties on a 3.1.1 client: rule mqtt5.only).
double iot_v5_publish(Handle* h, int qos, int retain, double now, int present, double message_expiry_s,
                    int payload_format, int user_properties) {
    Args args;
    auto topic = args.next();
    auto payload = args.next();
    Properties props;
    read_message_properties(args, present, message_expiry_s, payload_format, props);
    read_user_properties(args, user_properties, props);
    auto r = h->client->publish(topic, reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size(),
                                static_cast<QoS>(qos), retain != 0, props, ms(now));
    return r ? static_cast<double>(r.value()) : fail(r.error());
}

// iot_subscribe with MQTT 5 subscription options for every filter of the call (no local, retain as
// published, retain handling 0..2: the engine checks them, and refuses them on a 3.1.1 client).
double iot_v5_subscribe(Handle* h, int qos, double now, int count, int no_local, int retain_as_published,
                      int retain_handling) {
    TopicFilter options;
    options.qos = static_cast<QoS>(qos);
    options.no_local = no_local != 0;
    options.retain_as_published = retain_as_published != 0;
    options.retain_handling = static_cast<std::uint8_t>(retain_handling < 0 || retain_handling > 255 ? 255 : retain_handling);
    return subscribe_filters(h, options, now, count);
}

// A property of the polled message (PROP_* = its MQTT 5 identifier): -1 when absent; an integer
// property's value; 0 for a present text or binary one (its bytes: iot_v5_prop_bytes).
double iot_v5_prop(Handle* h, int id) {
    const Properties* p = h->event.message.properties.get();
    const auto pid = static_cast<PropertyId>(id);
    if (!p || !p->has(pid)) return -1;
    return p->integer(pid);
}

const void* iot_v5_prop_bytes(Handle* h, int id) {
    const Properties* p = h->event.message.properties.get();
    std::string_view v = p ? p->bytes(static_cast<PropertyId>(id)) : std::string_view();
    g_len = v.size();
    return v.data();
}

// The polled message's User Properties: their number, and pair i's name (which 0) or value (1).
int iot_v5_user_count(Handle* h) {
    const Properties* p = h->event.message.properties.get();
    return p ? static_cast<int>(p->user_properties.size()) : 0;
}

const char* iot_v5_user(Handle* h, int index, int which) {
    const UserProperty& u = h->event.message.properties->user_properties[static_cast<std::size_t>(index)];
    return hand_out(which ? u.value : u.name);
}

// The short name of an MQTT 5 error reason code ("not authorized"), from core's table.
const char* iot_v5_reason_name(int code) {
    g_out = reason_code_name(static_cast<std::uint8_t>(code), PacketType::disconnect);
    return hand_out(g_out);
}

// The Assigned Client Identifier of the last CONNACK ("" when none).
const char* iot_v5_assigned_id(Handle* h) { return hand_out(h->client->assigned_client_id()); }

// Request/response (services::ResponseCorrelator), one per handle. Scratch: [response topic]
// ("" : the default for this client id). Returns 1, or 0 with the last error (the topic's rule,
// the bound, the timeout); the topic in (iot_out(), iot_len()).
int iot_v5_rr_create(Handle* h, int max_in_flight, double default_timeout_ms, double nonce_hi, double nonce_lo) {
    Args args;
    services::ResponseCorrelatorConfig config;
    std::string_view topic = args.next();
    if (topic.empty()) {
        auto made = ResponseCorrelator::default_response_topic(h->client->config().client_id);
        if (!made) return fail(made.error());
        config.response_topic = std::move(made).value();
    } else {
        config.response_topic.assign(topic);
    }
    config.max_in_flight = max_in_flight < 0 ? 0 : static_cast<std::size_t>(max_in_flight);
    config.default_timeout_ms = default_timeout_ms < 0 || default_timeout_ms > 4294967295.0
                                    ? 0xFFFFFFFFu : static_cast<std::uint32_t>(default_timeout_ms);
    config.nonce = (static_cast<std::uint64_t>(nonce_hi) << 32) | static_cast<std::uint32_t>(nonce_lo);
    auto created = ResponseCorrelator::create(std::move(config));
    if (!created) return fail(created.error());
    correlator_slot(h) = std::make_unique<ResponseCorrelator>(std::move(created).value());
    g_out = correlator_slot(h)->config().response_topic;
    return 1;
}

// A new request: its id (> 0, its correlation data in (iot_out(), iot_len())) or 0 with the last error.
double iot_v5_rr_start(Handle* h, double timeout_ms, double now) {
    auto& c = correlator_slot(h);
    if (!c) return fail(Error(Errc::invalid_state, "no request/response correlator (iot_v5_rr_create)"));
    auto r = c->start(timeout_ms < 0 || timeout_ms > 4294967295.0 ? 0xFFFFFFFFu
                                                                                   : static_cast<std::uint32_t>(timeout_ms),
                                       ms(now));
    if (!r) return fail(r.error());
    g_out = r.value().correlation_data;
    return r.value().id;
}

// Scratch: [topic][correlation data] of a received message. The request it answers, ended; 0: none.
double iot_v5_rr_match(Handle* h) {
    Args args;
    auto topic = args.next();
    auto data = args.next();
    auto& c = correlator_slot(h);
    return c ? c->match(topic, data) : 0;
}

int iot_v5_rr_cancel(Handle* h, double id) {
    auto& c = correlator_slot(h);
    return c && c->cancel(static_cast<std::uint32_t>(id)) ? 1 : 0;
}

// The next request ended by its deadline at `now` (all = 1: by the client's close, every one in
// flight), one per call until 0: JS calls it until it returns 0.
double iot_v5_rr_expire(Handle* h, double now, int all) {
    static std::vector<std::uint32_t> ended;  // drained by the JS loop before any other call
    auto& c = correlator_slot(h);
    if (ended.empty() && c) {
        if (all) c->cancel_all(ended); else c->expire(ms(now), ended);
        std::reverse(ended.begin(), ended.end());  // popped from the back: start order
    }
    if (ended.empty()) return 0;
    const std::uint32_t id = ended.back();
    ended.pop_back();
    return id;
}

// The earliest request deadline, -1 when none.
double iot_v5_rr_deadline(Handle* h) {
    auto& c = correlator_slot(h);
    const std::uint64_t d = c ? c->next_deadline_ms() : UINT64_MAX;
    return d == UINT64_MAX ? -1.0 : static_cast<double>(d);
}

// Frees the client's correlator (the client closes).
void iot_v5_rr_destroy(Handle* h) {
    for (Correlator& c : g_correlators) {
        if (c.handle == h) { c.correlator.reset(); c.handle = nullptr; }
    }
}

}  // extern "C"
