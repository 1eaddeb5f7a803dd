// The device scenario (see scenario.hpp). Everything the broker says is a byte array written out
// by hand from MQTT 3.1.1; everything the engine says is compared byte for byte (or decoded with
// the core's Framer where only some fields matter). Time is a variable: no sleeps, no sockets.
#include "scenario.hpp"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "iotlite/mqtt/client.hpp"
#include "iotlite/mqtt/framer.hpp"
#include "iotlite/services/shadow/shadow_client.hpp"
#include "iotlite/sigv4/iot_websocket_url.hpp"

namespace iotlite::mcu {
namespace {

using Bytes = std::vector<std::uint8_t>;
using mqtt::Event;

// One printed line per check: "ok   n  step: what" or "FAIL n  step: what".
class Checks {
public:
    bool check(bool ok, const char* step, const char* what) {
        ++count_;
        std::printf("%s %2d  %s: %s\n", ok ? "ok  " : "FAIL", count_, step, what);
        if (!ok) ++failed_;
        return ok;
    }
    bool check_bytes(const char* step, const char* what, const Bytes& got, const Bytes& want) {
        if (check(got == want, step, what)) return true;
        dump("      got ", got);
        dump("      want", want);
        return false;
    }
    int count() const { return count_; }
    int failed() const { return failed_; }

private:
    static void dump(const char* label, const Bytes& bytes) {
        std::printf("%s (%u):", label, static_cast<unsigned>(bytes.size()));
        for (std::uint8_t b : bytes) std::printf(" %02x", b);
        std::printf("\n");
    }
    int count_ = 0;
    int failed_ = 0;
};

// The device's driver, reduced to what a poll loop does: engine events are offered to the shadow
// client first (mqtt::Service contract), the rest are kept for the scenario to inspect.
struct Device {
    std::unique_ptr<mqtt::Client> client;
    std::unique_ptr<shadow::ShadowClient> shadow;
    std::uint64_t now = 1000;
    std::vector<Event> events;                 // application events since clear_events()
    std::vector<shadow::ShadowEvent> replies;  // shadow events since the start

    void pump() {
        Event e;
        while (client->poll_event(e)) {
            if (!shadow->on_event(e, now)) events.push_back(std::move(e));
        }
        shadow::ShadowEvent s;
        while (shadow->poll_event(s)) replies.push_back(std::move(s));
    }
    void clear_events() { events.clear(); }
    const Event* find(Event::Type type) {
        pump();
        for (const Event& e : events)
            if (e.type == type) return &e;
        return nullptr;
    }
    Bytes take_output() {
        Bytes out(client->output_data(), client->output_data() + client->output_size());
        client->consume_output(out.size());
        return out;
    }
    void feed(const Bytes& bytes) {
        client->on_bytes(bytes.data(), bytes.size(), now);
        pump();
    }
    void tick(std::uint64_t t) {
        now = t;
        client->on_tick(now);
        pump();
    }
    // The transport side of an attempt: answers need_target with a TCP target, reports it open.
    void open_attempt() {
        mqtt::ConnectionTarget target;
        target.kind = mqtt::TransportKind::tcp;
        target.host = "broker.local";
        target.port = 1883;
        client->provide_target(Result<mqtt::ConnectionTarget>(target), now);
        client->on_open(now);
        pump();
    }
};

// Decodes everything in `bytes` with the core's streaming framer.
std::vector<mqtt::Packet> decode(const Bytes& bytes) {
    mqtt::Framer framer(64 * 1024);
    framer.feed(bytes.data(), bytes.size());
    std::vector<mqtt::Packet> packets;
    for (int guard = 0; guard < 16; ++guard) {
        auto next = framer.next();
        if (!next.ok() || !next.value()) break;
        packets.push_back(std::move(*next.value()));
    }
    return packets;
}

Bytes concat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// A broker PUBLISH, QoS 1 (§3.3): remaining length as a 1- or 2-byte varint (§2.2.3).
Bytes broker_publish_qos1(const std::string& topic, std::uint16_t packet_id, const std::string& payload) {
    const std::size_t remaining = 2 + topic.size() + 2 + payload.size();
    Bytes b = {0x32};  // PUBLISH, DUP 0, QoS 1, RETAIN 0
    if (remaining < 128) {
        b.push_back(static_cast<std::uint8_t>(remaining));
    } else {
        b.push_back(static_cast<std::uint8_t>(0x80 | (remaining & 0x7F)));
        b.push_back(static_cast<std::uint8_t>(remaining >> 7));
    }
    b.push_back(static_cast<std::uint8_t>(topic.size() >> 8));
    b.push_back(static_cast<std::uint8_t>(topic.size()));
    b.insert(b.end(), topic.begin(), topic.end());
    b.push_back(static_cast<std::uint8_t>(packet_id >> 8));
    b.push_back(static_cast<std::uint8_t>(packet_id));
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

// --- the bytes of the scenario, from MQTT 3.1.1 (OASIS standard, 29 October 2014) ---

// CONNECT (§3.1) for client id "mcu-dev1", keep-alive 60 s, clean session, no will, no
// user name or password. (Functions, not globals: no static constructors in the image.)
Bytes connect_bytes() {
    return {
        0x10,                                    // fixed header: type 1 CONNECT, flags 0 (§3.1.1)
        0x14,                                    // remaining length 20 = 10 variable header + 10 payload
        0x00, 0x04, 'M', 'Q', 'T', 'T',          // protocol name, length-prefixed (§3.1.2.1)
        0x04,                                    // protocol level 4 = 3.1.1 (§3.1.2.2)
        0x02,                                    // connect flags: Clean Session only (§3.1.2.4)
        0x00, 0x3C,                              // keep alive 60 s, big endian (§3.1.2.10)
        0x00, 0x08, 'm', 'c', 'u', '-', 'd', 'e', 'v', '1',  // payload: client id (§3.1.3.1)
    };
}
// CONNACK (§3.2): session present 0, return code 0 accepted.
Bytes connack_no_session() { return {0x20, 0x02, 0x00, 0x00}; }

// SUBSCRIBE (§3.8) of "mcu/cmd" at QoS 1 with packet id `id`.
Bytes subscribe_cmd(std::uint8_t id) {
    return {
        0x82,                                      // type 8 SUBSCRIBE, flags 0010 (§3.8.1)
        0x0C,                                      // remaining length 12
        0x00, id,                                  // packet identifier (§3.8.2)
        0x00, 0x07, 'm', 'c', 'u', '/', 'c', 'm', 'd',  // topic filter (§3.8.3)
        0x01,                                      // requested QoS 1
    };
}
// SUBACK (§3.9) granting QoS 1 to each of `n` filters.
Bytes suback(std::uint8_t id, std::uint8_t n) {
    Bytes b = {0x90, static_cast<std::uint8_t>(2 + n), 0x00, id};
    for (std::uint8_t i = 0; i < n; ++i) b.push_back(0x01);
    return b;
}
// PUBLISH (§3.3) of a 4-byte reading to "mcu/tm" at QoS 1; dup sets the DUP flag (§3.3.1.1).
Bytes publish_reading(std::uint8_t id, const char (&reading)[5], bool dup) {
    return {
        static_cast<std::uint8_t>(dup ? 0x3A : 0x32),  // type 3 PUBLISH, DUP, QoS 1 (bits 2-1), RETAIN 0
        0x0E,                                          // remaining length 14
        0x00, 0x06, 'm', 'c', 'u', '/', 't', 'm',      // topic name (§3.3.2.1)
        0x00, id,                                      // packet identifier (§3.3.2.2)
        static_cast<std::uint8_t>(reading[0]), static_cast<std::uint8_t>(reading[1]),
        static_cast<std::uint8_t>(reading[2]), static_cast<std::uint8_t>(reading[3]),  // payload
    };
}
// PUBACK (§3.4).
Bytes puback(std::uint16_t id) {
    return {0x40, 0x02, static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)};
}
// DISCONNECT (§3.14).
Bytes disconnect_bytes() { return {0xE0, 0x00}; }

// Backoff policy of the engine (ReconnectConfig in client.hpp): the first retry waits
// min_delay_ms + uniform[0, cap(0) - min_delay_ms] with cap(0) = min(max_delay_ms, 2 * min_delay_ms).
constexpr std::uint32_t kMinDelayMs = 1000;
constexpr std::uint32_t kMaxDelayMs = 8000;

// AWS IoT presigned-URL vector V3 (aws-iot-device-sdk-java AwsIotWebSocketUrlSignerTest; see
// ../shared/testdata/sigv4/iot-websocket-vectors.md): access key "123", secret "456", token "abc",
// 2016-01-01T00:00:00Z, service iotdata. The token is appended after the signature, unsigned.
const char* const kPresignedV3 =
    "wss://iot.us-east-1.amazonaws.com/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=123%2F20160101%2Fus-east-1%2Fiotdata%2Faws4_request&X-Amz-Date=20160101T000000Z"
    "&X-Amz-SignedHeaders=host&X-Amz-Signature=b50019dd3ec2d316a6a7938f363f6c792b5f58c04e1e6535d6ae277bf8cf3304"
    "&X-Amz-Security-Token=abc";

bool presign_step(Checks& c) {
    sigv4::IotUrlRequest request;
    request.endpoint = "iot.us-east-1.AMAZONAWS.COM";
    request.credentials = sigv4::Credentials{"123", "456", "abc"};
    request.time = 1451606400;
    request.service = "iotdata";
    auto url = sigv4::presign_iot_websocket_url(request);
    if (!url.ok()) {
        std::printf("      error: %s\n", url.error().message.c_str());
        return c.check(false, "sigv4", "presign the AWS IoT WebSocket URL");
    }
    return c.check(url.value() == kPresignedV3, "sigv4",
                   "presigned URL (SHA-256/HMAC via mbedTLS) equals the AWS IoT SDK vector V3");
}

bool connect_step(Checks& c, Device& d) {
    if (!c.check(d.client->connect(d.now).ok() && d.find(Event::Type::need_target) != nullptr, "connect",
                 "connect() asks the driver for a target"))
        return false;
    d.clear_events();
    d.open_attempt();
    if (!c.check_bytes("connect", "CONNECT bytes equal MQTT 3.1.1 section 3.1 written out by hand", d.take_output(),
                       connect_bytes()))
        return false;
    d.feed(connack_no_session());
    return c.check(d.client->state() == mqtt::State::connected && d.find(Event::Type::connected) != nullptr,
                   "connect", "CONNACK 0 -> connected event, state connected");
}

bool subscribe_step(Checks& c, Device& d) {
    d.clear_events();
    auto op = d.client->subscribe({mqtt::TopicFilter{"mcu/cmd", mqtt::QoS::at_least_once}}, d.now);
    if (!c.check(op.ok(), "subscribe", "subscribe(\"mcu/cmd\", QoS 1) accepted")) return false;
    if (!c.check_bytes("subscribe", "SUBSCRIBE bytes (section 3.8), packet id 1", d.take_output(), subscribe_cmd(1)))
        return false;
    d.feed(suback(1, 1));
    const Event* e = d.find(Event::Type::subscribed);
    return c.check(e != nullptr && e->op_id == op.value() && e->granted.size() == 1 &&
                       e->granted[0] == mqtt::SubackCode::granted_qos1,
                   "subscribe", "SUBACK -> subscribed event for that op, QoS 1 granted");
}

bool publish_step(Checks& c, Device& d) {
    d.clear_events();
    auto op = d.client->publish("mcu/tm", reinterpret_cast<const std::uint8_t*>("21.5"), 4, mqtt::QoS::at_least_once,
                                false, d.now);
    if (!c.check(op.ok(), "publish", "publish(\"mcu/tm\", QoS 1) accepted")) return false;
    if (!c.check_bytes("publish", "PUBLISH bytes (section 3.3), QoS 1, DUP 0, packet id 2", d.take_output(),
                       publish_reading(2, "21.5", false)))
        return false;
    d.feed(puback(2));
    const Event* e = d.find(Event::Type::published);
    return c.check(e != nullptr && e->op_id == op.value() && d.client->inflight_size() == 0, "publish",
                   "PUBACK -> published event for that op, nothing in flight");
}

// The broker restarts while a second QoS 1 publish awaits its PUBACK.
bool restart_step(Checks& c, Device& d, std::uint32_t& pending_op) {
    d.clear_events();
    auto op = d.client->publish("mcu/tm", reinterpret_cast<const std::uint8_t*>("22.0"), 4, mqtt::QoS::at_least_once,
                                false, d.now);
    if (!c.check(op.ok(), "restart", "second QoS 1 publish (packet id 3) sent, no PUBACK yet")) return false;
    pending_op = op.value();
    if (!c.check_bytes("restart", "PUBLISH bytes, packet id 3", d.take_output(), publish_reading(3, "22.0", false)))
        return false;

    d.client->on_closed(make_error(Errc::closed, "broker restarted"), d.now);
    d.pump();
    const Event* gone = d.find(Event::Type::disconnected);
    const Event* again = d.find(Event::Type::reconnecting);
    if (!c.check(gone != nullptr && again != nullptr && d.client->state() == mqtt::State::backing_off, "restart",
                 "transport closed -> disconnected, reconnecting, state backing_off"))
        return false;

    const std::uint32_t delay = again->delay_ms;
    const std::uint32_t cap = kMaxDelayMs < 2 * kMinDelayMs ? kMaxDelayMs : 2 * kMinDelayMs;
    std::printf("      backoff delay %u ms, policy window [%u, %u] ms\n", static_cast<unsigned>(delay),
                static_cast<unsigned>(kMinDelayMs), static_cast<unsigned>(cap));
    if (!c.check(delay >= kMinDelayMs && delay <= cap && delay <= kMaxDelayMs &&
                     d.client->next_deadline_ms() == d.now + delay,
                 "backoff", "first retry delay within [min_delay, cap(0)] and it is the next deadline"))
        return false;

    const std::uint64_t retry_at = d.now + delay;
    d.clear_events();
    d.tick(retry_at - 1);
    if (!c.check(d.client->state() == mqtt::State::backing_off && d.find(Event::Type::need_target) == nullptr,
                 "backoff", "1 ms before the deadline: still backing off, no attempt"))
        return false;
    d.tick(retry_at);
    return c.check(d.find(Event::Type::need_target) != nullptr, "backoff",
                   "at the deadline: need_target (a fresh target for the new attempt)");
}

bool reconnect_step(Checks& c, Device& d, std::uint32_t pending_op) {
    d.clear_events();
    d.open_attempt();
    if (!c.check_bytes("reconnect", "the same CONNECT bytes on the new transport", d.take_output(), connect_bytes()))
        return false;
    d.feed(connack_no_session());
    if (!c.check(d.find(Event::Type::connected) != nullptr, "reconnect", "CONNACK (no session) -> connected"))
        return false;
    // No session on the broker: the filter is subscribed again (a new packet id, 4) and the
    // unacknowledged publish is sent again with DUP 1 and its packet id 3 (§4.4).
    const Bytes out = d.take_output();
    const Bytes want = concat(subscribe_cmd(4), publish_reading(3, "22.0", true));
    if (!c.check_bytes("reconnect", "re-SUBSCRIBE of mcu/cmd, then the QoS 1 PUBLISH again with DUP 1, id 3", out,
                       want))
        return false;
    d.clear_events();
    d.feed(concat(suback(4, 1), puback(3)));
    const Event* e = d.find(Event::Type::published);
    return c.check(e != nullptr && e->op_id == pending_op && d.client->inflight_size() == 0 &&
                       d.find(Event::Type::subscribed) == nullptr,
                   "reconnect", "PUBACK 3 completes the resent publish once; the re-subscribe adds no event");
}

bool shadow_step(Checks& c, Device& d) {
    const shadow::ShadowId thing{"mcu-dev1", ""};
    auto request = d.shadow->update_json(thing, R"({"reported":{"temp":22}})", d.now);
    if (!c.check(request.ok(), "shadow", "update_json(reported.temp = 22) accepted")) return false;
    d.pump();

    // Subscribe-first: exactly the two response topics, at QoS 1, before the request.
    auto sent = decode(d.take_output());
    const auto* sub = sent.size() == 1 ? std::get_if<mqtt::SubscribePacket>(&sent[0]) : nullptr;
    if (!c.check(sub != nullptr && sub->filters.size() == 2 &&
                     sub->filters[0].filter == "$aws/things/mcu-dev1/shadow/update/accepted" &&
                     sub->filters[1].filter == "$aws/things/mcu-dev1/shadow/update/rejected" &&
                     sub->filters[0].qos == mqtt::QoS::at_least_once,
                 "shadow", "SUBSCRIBE to update/accepted + update/rejected before publishing"))
        return false;

    d.feed(suback(static_cast<std::uint8_t>(sub->packet_id), 2));
    sent = decode(d.take_output());
    const auto* pub = sent.size() == 1 ? std::get_if<mqtt::PublishPacket>(&sent[0]) : nullptr;
    if (!c.check(pub != nullptr && pub->topic == "$aws/things/mcu-dev1/shadow/update" &&
                     pub->qos == mqtt::QoS::at_least_once,
                 "shadow", "after the SUBACK: PUBLISH QoS 1 to $aws/things/mcu-dev1/shadow/update"))
        return false;
    const std::string body(pub->payload.begin(), pub->payload.end());
    auto json = shadow::parse_json(body);
    const bool shaped = json.ok() && json.value().is_object() && json.value().contains("clientToken") &&
                        json.value()["clientToken"].is_string() &&
                        json.value()["state"] == shadow::parse_json(R"({"reported":{"temp":22}})").value();
    if (!c.check(shaped, "shadow", "request body is {\"state\":{\"reported\":{\"temp\":22}},\"clientToken\":...}"))
        return false;
    const std::string token = json.value()["clientToken"].get<std::string>();

    // The service: PUBACK for the request, then the answer on /accepted (QoS 1, broker id 0x0100).
    const std::string accepted = R"({"state":{"reported":{"temp":22}},"metadata":{"reported":{"temp":{"timestamp":1700000000}}},"version":1,"timestamp":1700000000,"clientToken":")" +
                                 token + "\"}";
    d.feed(concat(puback(pub->packet_id),
                  broker_publish_qos1("$aws/things/mcu-dev1/shadow/update/accepted", 0x0100, accepted)));
    if (!c.check_bytes("shadow", "the /accepted message (QoS 1) is acknowledged: PUBACK 0x0100", d.take_output(),
                       puback(0x0100)))
        return false;
    const shadow::ShadowEvent* reply = d.replies.size() == 1 ? &d.replies[0] : nullptr;
    return c.check(reply != nullptr && reply->type == shadow::ShadowEvent::Type::accepted &&
                       reply->request_id == request.value() && reply->client_token == token &&
                       reply->document.version == std::optional<std::uint64_t>(1) &&
                       reply->document.state == shadow::parse_json(R"({"reported":{"temp":22}})").value() &&
                       d.shadow->in_flight() == 0,
                   "shadow", "accepted event for that request: version 1, reported.temp 22, none in flight");
}

bool disconnect_step(Checks& c, Device& d) {
    d.clear_events();
    d.client->disconnect(d.now);
    if (!c.check_bytes("disconnect", "DISCONNECT bytes (section 3.14)", d.take_output(), disconnect_bytes())) return false;
    return c.check(d.find(Event::Type::close_transport) != nullptr && d.client->state() == mqtt::State::closed,
                   "disconnect", "close_transport event, state closed");
}

}  // namespace

int run_scenario(StepHook after_step) {
    Checks c;
    const auto done = [after_step](bool passed, const char* step) {
        if (after_step != nullptr) after_step(step);
        return passed;
    };
    bool ok = done(presign_step(c), "sigv4");
    if (ok) {
        mqtt::Config config;
        config.client_id = "mcu-dev1";
        config.keep_alive_s = 60;
        config.reconnect.min_delay_ms = kMinDelayMs;
        config.reconnect.max_delay_ms = kMaxDelayMs;
        config.rng_seed = 17;
        Device d;
        auto client = mqtt::Client::create(config);
        ok = c.check(client.ok(), "setup", "engine created (client id mcu-dev1, keep-alive 60 s, backoff 1-8 s)");
        if (ok) {
            d.client = std::move(client).value();
            auto shadow = shadow::ShadowClient::create(*d.client, shadow::ShadowConfig{});
            ok = c.check(shadow.ok(), "setup", "shadow client created on the engine");
            if (ok) d.shadow = std::move(shadow).value();
        }
        std::uint32_t pending_op = 0;
        ok = ok && done(connect_step(c, d), "connect") && done(subscribe_step(c, d), "subscribe") &&
             done(publish_step(c, d), "publish") && done(restart_step(c, d, pending_op), "restart+backoff") &&
             done(reconnect_step(c, d, pending_op), "reconnect") && done(shadow_step(c, d), "shadow") &&
             done(disconnect_step(c, d), "disconnect");
        // The shadow client refers to the engine: destroy it first.
        d.shadow.reset();
        d.client.reset();
    }
    if (c.failed() == 0 && ok)
        std::printf("scenario: all %d checks passed\n", c.count());
    else
        std::printf("scenario: FAILED (%d of %d checks failed; the scenario stops at the first)\n", c.failed(),
                    c.count());
    return c.failed();
}

}  // namespace iotlite::mcu
