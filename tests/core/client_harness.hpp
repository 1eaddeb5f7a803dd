// Test harness for iotlite::mqtt::Client: a fake clock, an event log and helpers that play
// the broker's side with hand-written bytes. No sleeps, no sockets.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "iotlite/mqtt/client.hpp"
#include "iotlite/mqtt/framer.hpp"

namespace iotlite::mqtt::test {

using Bytes = std::vector<std::uint8_t>;

inline Config base_config() {
    Config c;
    c.client_id = "dev1";
    c.keep_alive_s = 60;
    c.reconnect.min_delay_ms = 1000;
    c.reconnect.max_delay_ms = 30000;
    c.reconnect.stable_after_ms = 10000;
    return c;
}

// Broker-side byte builders (hand-written per MQTT 3.1.1, not through the encoder).
inline Bytes connack(bool session_present, std::uint8_t code = 0) {
    return {0x20, 0x02, static_cast<std::uint8_t>(session_present ? 1 : 0), code};
}
inline Bytes puback(std::uint16_t id) { return {0x40, 0x02, static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)}; }
inline Bytes unsuback(std::uint16_t id) { return {0xB0, 0x02, static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)}; }
inline Bytes suback(std::uint16_t id, std::vector<std::uint8_t> codes) {
    Bytes b = {0x90, static_cast<std::uint8_t>(2 + codes.size()), static_cast<std::uint8_t>(id >> 8),
               static_cast<std::uint8_t>(id)};
    b.insert(b.end(), codes.begin(), codes.end());
    return b;
}
// PUBLISH with a short topic and payload (remaining length < 128).
inline Bytes publish(const std::string& topic, const std::string& payload, int qos = 0, std::uint16_t id = 0,
                     bool retain = false) {
    Bytes b = {static_cast<std::uint8_t>(0x30 | (qos << 1) | (retain ? 1 : 0)), 0};
    b.push_back(0);
    b.push_back(static_cast<std::uint8_t>(topic.size()));
    b.insert(b.end(), topic.begin(), topic.end());
    if (qos > 0) {
        b.push_back(static_cast<std::uint8_t>(id >> 8));
        b.push_back(static_cast<std::uint8_t>(id));
    }
    b.insert(b.end(), payload.begin(), payload.end());
    b[1] = static_cast<std::uint8_t>(b.size() - 2);
    return b;
}

struct Harness {
    std::unique_ptr<Client> client;
    std::uint64_t now = 1000;
    std::vector<Event> events;  // every event so far, in order
    std::size_t seen = 0;       // events[0..seen) already examined via take_events()

    explicit Harness(Config config = base_config()) {
        auto r = Client::create(std::move(config));
        if (!r.ok()) ADD_FAILURE() << r.error().message;
        else client = std::move(r).value();
    }

    void pump() {
        Event e;
        while (client->poll_event(e)) events.push_back(std::move(e));
    }
    // Events emitted since the last call.
    std::vector<Event> take_events() {
        pump();
        std::vector<Event> out(events.begin() + static_cast<std::ptrdiff_t>(seen), events.end());
        seen = events.size();
        return out;
    }
    Bytes take_output() {
        Bytes out(client->output_data(), client->output_data() + client->output_size());
        client->consume_output(out.size());
        return out;
    }
    // Decodes everything the client wrote (uses the framer; byte-exact checks are in codec_test).
    std::vector<Packet> take_packets() {
        Bytes out = take_output();
        Framer f(1 << 24);
        f.feed(out.data(), out.size());
        std::vector<Packet> packets;
        for (;;) {
            auto r = f.next();
            if (!r.ok()) { ADD_FAILURE() << r.error().message; break; }
            if (!r.value()) break;
            packets.push_back(std::move(*r.value()));
        }
        return packets;
    }
    void feed(const Bytes& b) { client->on_bytes(b.data(), b.size(), now); }

    ConnectionTarget tcp_target() {
        ConnectionTarget t;
        t.kind = TransportKind::tcp;
        t.host = "127.0.0.1";
        t.port = 1883;
        return t;
    }
    // Answers need_target, opens, returns the CONNECT bytes; does not send CONNACK.
    Bytes open_attempt() {
        client->provide_target(tcp_target(), now);
        client->on_open(now);
        return take_output();
    }
    // From idle to connected.
    void connect_fully(bool session_present = false) {
        ASSERT_TRUE(client->connect(now).ok());
        open_attempt();
        feed(connack(session_present));
        ASSERT_EQ(client->state(), State::connected);
    }
    // From backing_off (or waiting_target) to connected.
    void reconnect_fully(bool session_present = false) {
        if (client->state() == State::backing_off) advance_to(client->next_deadline_ms());
        ASSERT_EQ(client->state(), State::waiting_target);
        open_attempt();
        feed(connack(session_present));
        ASSERT_EQ(client->state(), State::connected);
    }
    // Moves the clock to `t`, calling on_tick at every deadline on the way.
    void advance_to(std::uint64_t t) {
        for (int guard = 0; guard < 100000; ++guard) {
            std::uint64_t d = client->next_deadline_ms();
            if (d > t) break;
            now = std::max(now, d);
            client->on_tick(now);
        }
        now = std::max(now, t);
        client->on_tick(now);
    }
    void advance(std::uint64_t ms) { advance_to(now + ms); }

    std::vector<const Event*> of_type(Event::Type type) {
        pump();
        std::vector<const Event*> out;
        for (const auto& e : events)
            if (e.type == type) out.push_back(&e);
        return out;
    }
};

}  // namespace iotlite::mqtt::test
