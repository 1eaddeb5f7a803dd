// Test rig: a real iotlite::mqtt::Client driven with scripted broker bytes, and the
// ShadowClient under test on top of it. The MQTT 3.1.1 bytes are encoded/decoded here by hand
// (independently of the engine's codec), field by field.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "iotlite/mqtt/client.hpp"
#include "iotlite/services/shadow/shadow_client.hpp"

namespace shadow_test {

using iotlite::mqtt::Client;
using iotlite::mqtt::Event;
using iotlite::shadow::ShadowClient;
using iotlite::shadow::ShadowEvent;

// One packet the client wrote, decoded.
struct SentPacket {
    std::uint8_t type = 0;  // high nibble of the fixed header: 1 CONNECT, 3 PUBLISH, 8 SUBSCRIBE, ...
    std::uint8_t flags = 0;
    std::uint16_t packet_id = 0;
    std::vector<std::string> filters;  // SUBSCRIBE
    std::vector<std::uint8_t> qos;     // SUBSCRIBE requested QoS per filter
    std::string topic;                 // PUBLISH
    std::string payload;               // PUBLISH
};

inline void put_remaining_length(std::vector<std::uint8_t>& out, std::size_t n) {
    do {
        std::uint8_t byte = n % 128;
        n /= 128;
        if (n > 0) byte |= 0x80;
        out.push_back(byte);
    } while (n > 0);
}

inline std::vector<std::uint8_t> connack() { return {0x20, 0x02, 0x00, 0x00}; }

inline std::vector<std::uint8_t> suback(std::uint16_t packet_id, const std::vector<std::uint8_t>& codes) {
    std::vector<std::uint8_t> out{0x90};
    put_remaining_length(out, 2 + codes.size());
    out.push_back(static_cast<std::uint8_t>(packet_id >> 8));
    out.push_back(static_cast<std::uint8_t>(packet_id & 0xff));
    out.insert(out.end(), codes.begin(), codes.end());
    return out;
}

inline std::vector<std::uint8_t> puback(std::uint16_t packet_id) {
    return {0x40, 0x02, static_cast<std::uint8_t>(packet_id >> 8), static_cast<std::uint8_t>(packet_id & 0xff)};
}

// QoS 0 PUBLISH from the broker.
inline std::vector<std::uint8_t> publish(const std::string& topic, const std::string& payload) {
    std::vector<std::uint8_t> out{0x30};
    put_remaining_length(out, 2 + topic.size() + payload.size());
    out.push_back(static_cast<std::uint8_t>(topic.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(topic.size() & 0xff));
    out.insert(out.end(), topic.begin(), topic.end());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

// Splits the client's output into packets. Fails the test on malformed bytes.
inline std::vector<SentPacket> decode_all(const std::vector<std::uint8_t>& bytes) {
    std::vector<SentPacket> packets;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        SentPacket p;
        p.type = bytes[pos] >> 4;
        p.flags = bytes[pos] & 0x0f;
        ++pos;
        std::size_t length = 0, mult = 1;
        for (int i = 0; i < 4; ++i) {
            if (pos >= bytes.size()) { ADD_FAILURE() << "truncated remaining length"; return packets; }
            std::uint8_t b = bytes[pos++];
            length += (b & 0x7f) * mult;
            mult *= 128;
            if ((b & 0x80) == 0) break;
        }
        if (pos + length > bytes.size()) { ADD_FAILURE() << "truncated packet"; return packets; }
        const std::uint8_t* body = bytes.data() + pos;
        auto u16 = [&](std::size_t at) { return static_cast<std::uint16_t>((body[at] << 8) | body[at + 1]); };
        if (p.type == 3) {
            std::size_t tlen = u16(0);
            p.topic.assign(reinterpret_cast<const char*>(body + 2), tlen);
            std::size_t at = 2 + tlen;
            if (((p.flags >> 1) & 3) > 0) { p.packet_id = u16(at); at += 2; }
            p.payload.assign(reinterpret_cast<const char*>(body + at), length - at);
        } else if (p.type == 8) {
            p.packet_id = u16(0);
            std::size_t at = 2;
            while (at < length) {
                std::size_t flen = u16(at);
                p.filters.emplace_back(reinterpret_cast<const char*>(body + at + 2), flen);
                p.qos.push_back(body[at + 2 + flen]);
                at += 3 + flen;
            }
        } else if (p.type == 10 || p.type == 4) {
            p.packet_id = u16(0);
        }
        pos += length;
        packets.push_back(std::move(p));
    }
    return packets;
}

// A real engine fed scripted broker bytes, with a fake clock, and the service under test routed as
// a driver routes services (iotlite/mqtt/service.hpp): what the engine emits is offered to the
// service first, the bytes the engine writes are decoded into `sent`.
class EngineRig {
public:
    virtual ~EngineRig() = default;
    EngineRig() = default;
    EngineRig(const EngineRig&) = delete;  // services' handlers refer to the rig
    EngineRig& operator=(const EngineRig&) = delete;

    static iotlite::mqtt::Config engine_config(std::string client_id, bool reconnect) {
        iotlite::mqtt::Config mc;
        mc.client_id = std::move(client_id);
        mc.keep_alive_s = 1200;
        mc.reconnect.enabled = reconnect;
        mc.reconnect.min_delay_ms = 1000;
        mc.reconnect.max_delay_ms = 1000;
        return mc;
    }

    // need_target -> open_transport -> CONNECT -> CONNACK -> connected.
    void connect() {
        ASSERT_TRUE(mqtt->connect(now).ok());
        pump();
        open_and_connack();
        sent.clear();
        app_events.clear();
    }

    // Answers need_target, opens the transport and accepts the CONNECT (also after a reconnect).
    void open_and_connack() {
        iotlite::mqtt::ConnectionTarget target;
        target.kind = iotlite::mqtt::TransportKind::tcp;
        target.host = "127.0.0.1";
        target.port = 1883;
        mqtt->provide_target(target, now);
        mqtt->on_open(now);
        pump();
        ASSERT_FALSE(sent.empty());
        ASSERT_EQ(sent.back().type, 1) << "CONNECT expected";
        feed(connack());
        ASSERT_EQ(mqtt->state(), iotlite::mqtt::State::connected);
    }

    void feed(const std::vector<std::uint8_t>& bytes) {
        mqtt->on_bytes(bytes.data(), bytes.size(), now);
        pump();
    }
    void broker_publish(const std::string& topic, const std::string& payload) { feed(publish(topic, payload)); }
    // Grants every filter of the last SUBSCRIBE with `code`.
    void grant_last(std::uint8_t code = 0x01) {
        const SentPacket* sub = last_of(8);
        ASSERT_NE(sub, nullptr);
        feed(suback(sub->packet_id, std::vector<std::uint8_t>(sub->filters.size(), code)));
    }

    void advance(std::uint64_t ms) {
        now += ms;
        mqtt->on_tick(now);
        if (service_ != nullptr) service_->on_tick(now);
        pump();
    }

    // Routes engine events through the service, collects the bytes the engine wrote and has the
    // service deliver its events.
    void pump() {
        Event ev;
        while (mqtt->poll_event(ev)) {
            if (service_ == nullptr || !service_->on_event(ev, now)) app_events.push_back(ev);
        }
        if (mqtt->output_size() > 0) {
            std::vector<std::uint8_t> bytes(mqtt->output_data(), mqtt->output_data() + mqtt->output_size());
            mqtt->consume_output(bytes.size());
            for (auto& p : decode_all(bytes)) sent.push_back(std::move(p));
        }
        if (service_ != nullptr) service_->deliver_events();
    }

    // The last packet of that type written, or nullptr.
    const SentPacket* last_of(std::uint8_t type) const {
        for (auto it = sent.rbegin(); it != sent.rend(); ++it)
            if (it->type == type) return &*it;
        return nullptr;
    }
    std::size_t count_of(std::uint8_t type) const {
        std::size_t n = 0;
        for (const auto& p : sent) n += p.type == type ? 1 : 0;
        return n;
    }

    std::uint64_t now = 1000;
    std::unique_ptr<Client> mqtt;
    std::vector<SentPacket> sent;
    std::vector<Event> app_events;

protected:
    void make_engine(const iotlite::mqtt::Config& config) {
        auto client = Client::create(config);
        EXPECT_TRUE(client.ok()) << (client.ok() ? "" : client.error().message);
        mqtt = std::move(client).value();
    }
    // The service the rig drives (set by the derived rig once it exists).
    iotlite::mqtt::Service* service_ = nullptr;
};

// A connected engine + shadow client, with a fake clock.
class Rig : public EngineRig {
public:
    explicit Rig(iotlite::shadow::ShadowConfig config = {}, std::string client_id = "device-1", bool reconnect = false) {
        make_engine(engine_config(std::move(client_id), reconnect));
        auto shadow_client = ShadowClient::create(*mqtt, std::move(config));
        EXPECT_TRUE(shadow_client.ok()) << (shadow_client.ok() ? "" : shadow_client.error().message);
        shadow = std::move(shadow_client).value();
        shadow->set_event_handler([this](const ShadowEvent& e) { shadow_events.push_back(e); });
        service_ = shadow.get();
    }

    // The shadow client driven as a driver drives any service (iotlite/mqtt/service.hpp).
    iotlite::mqtt::Service& service() { return *shadow; }

    std::unique_ptr<ShadowClient> shadow;
    std::vector<ShadowEvent> shadow_events;
};

}  // namespace shadow_test
