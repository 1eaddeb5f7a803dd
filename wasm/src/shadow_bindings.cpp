// shadow_bindings.cpp — the C ABI of the "iotlite/shadow" build: the device shadow client
// (iotlite::shadow::ShadowClient) on the mqtt::Client of bindings.cpp, which this build links too
// (one copy of the MQTT glue: abi.hpp's Handle, scratch records and last error). It only binds:
// names, limits, state checks, topics, tokens, timeouts and the mirror are the C++ core's.
//
// Why one module and not a second one next to the plain engine: ShadowClient drives an
// mqtt::Client directly (subscribe/publish/state and the engine's SUBACK/PUBACK/message events),
// so it has to live in the module that holds the engine.
//
// Calling convention: abi.hpp's (scratch records in, (pointer, iot_len()) pairs out, 0 and the
// last error on failure); the numbers JS sees are shadow_boundary.hpp's. JSON crosses as UTF-8
// text (core's json::Value writes it); JS parses it with JSON.parse.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "abi.hpp"
#include "iotlite/services/shadow/document.hpp"
#include "iotlite/services/shadow/names.hpp"
#include "iotlite/services/shadow/shadow_client.hpp"
#include "shadow_boundary.hpp"

using iotlite::Errc;
using iotlite::Error;
using iotlite::Result;
using namespace iotlite::shadow;
using namespace iotlite::wasm;

namespace {

struct ShadowHandle {
    std::unique_ptr<ShadowClient> shadow;
    ShadowEvent event;
};

ShadowId read_id(Args& args) {
    ShadowId id;
    id.thing = std::string(args.next());
    id.name = std::string(args.next());
    return id;
}

}  // namespace

extern "C" {

// A shadow client on the MQTT client of `h` (which must outlive it: the facade destroys this
// first). Returns 0 with the last error set when the config is refused.
ShadowHandle* iot_sh_create(Handle* h, std::uint32_t request_timeout_ms) {
    ShadowConfig config;
    config.request_timeout_ms = request_timeout_ms;
    auto created = ShadowClient::create(*h->client, std::move(config));
    if (!created) {
        fail(created.error());
        return nullptr;
    }
    auto* s = new ShadowHandle;
    s->shadow = std::move(created).value();
    return s;
}

void iot_sh_destroy(ShadowHandle* s) { delete s; }

// Offers the engine event last polled into `h` (iot_poll) to the shadow client. Returns 1 when it
// was the shadow client's (a SUBACK/PUBACK of its own or a message on its topics): the driver
// then does not hand it to the application.
int iot_sh_feed(ShadowHandle* s, Handle* h, double now) { return s->shadow->on_event(h->event, ms(now)) ? 1 : 0; }

void iot_sh_tick(ShadowHandle* s, double now) { s->shadow->on_tick(ms(now)); }

// -1 when no request is pending.
double iot_sh_deadline(ShadowHandle* s) {
    auto d = s->shadow->next_deadline_ms();
    return d == UINT64_MAX ? -1.0 : static_cast<double>(d);
}

// Scratch: [thing][shadow name (empty: classic)][state JSON (update only)][clientToken (empty:
// generated)]. op: a shadow::Operation. version < 0: none. timeout_ms 0: the default.
// Returns the request id (> 0), or 0 with the rule the request broke in the last error.
double iot_sh_request(ShadowHandle* s, int op, double version, std::uint32_t timeout_ms, double now) {
    Args args;
    ShadowId id = read_id(args);
    auto state = args.next();
    RequestOptions options;
    options.client_token = std::string(args.next());
    options.timeout_ms = timeout_ms;
    if (version >= 0) options.version = static_cast<std::uint64_t>(version);
    const auto operation = static_cast<Operation>(op);
    Result<std::uint32_t> r = operation == Operation::get      ? s->shadow->get(id, ms(now), options)
                              : operation == Operation::update ? s->shadow->update_json(id, state, ms(now), options)
                                                               : s->shadow->remove(id, ms(now), options);
    return r ? static_cast<double>(r.value()) : fail(r.error());
}

// Scratch: [thing][shadow name]. stream: a shadow::Stream. 1, or 0 with the last error set.
int iot_sh_watch(ShadowHandle* s, int stream, double now) {
    Args args;
    auto r = s->shadow->watch(read_id(args), stream == static_cast<int>(Stream::delta) ? Stream::delta : Stream::documents, ms(now));
    return r ? 1 : fail(r.error());
}

// Polls the next shadow event into the handle. Returns its ShadowEvent::Type, or -1.
int iot_sh_poll(ShadowHandle* s) { return s->shadow->poll_event(s->event) ? static_cast<int>(s->event.type) : -1; }

// Numeric fields of the polled event (ShadowNumber; 0 for an unknown id).
double iot_sh_ev_num(ShadowHandle* s, int field) {
    const ShadowEvent& e = s->event;
    switch (static_cast<ShadowNumber>(field)) {
        case ShadowNumber::request_id: return e.request_id;
        case ShadowNumber::error_code: return static_cast<double>(e.error.code);
        case ShadowNumber::rejection_code: return e.rejection.code;
        case ShadowNumber::stream: return static_cast<double>(e.stream);
    }
    return 0;
}

// Text fields of the polled event (ShadowText): (pointer, iot_len()).
const char* iot_sh_ev_bytes(ShadowHandle* s, int field) {
    const ShadowEvent& e = s->event;
    switch (static_cast<ShadowText>(field)) {
        case ShadowText::thing: return hand_out(e.shadow.thing);
        case ShadowText::name: return hand_out(e.shadow.name);
        case ShadowText::payload: return hand_out(e.payload);  // the JSON received (accepted, rejected, delta, documents)
        case ShadowText::error_message: return hand_out(e.error.message);
    }
    g_len = 0;
    return nullptr;
}

// Scratch: [thing][shadow name]. The mirror of that shadow as compact JSON
// {"desired":{..},"reported":{..},"delta":{..},"version":N|null,"exists":bool}; 0 with the last
// error set when this client never touched the shadow.
const char* iot_sh_mirror(ShadowHandle* s) {
    Args args;
    const Mirror* m = s->shadow->mirror(read_id(args));
    if (m == nullptr) {
        fail(Error{Errc::invalid_state, "no request or watch on this shadow yet"});
        return nullptr;
    }
    Json out = Json::object();
    out["desired"] = m->desired();
    out["reported"] = m->reported();
    out["delta"] = m->delta();
    out["version"] = m->version() ? Json(*m->version()) : Json(nullptr);
    out["exists"] = m->exists();
    g_out = to_compact(out);
    return hand_out(g_out);
}

}  // extern "C"
