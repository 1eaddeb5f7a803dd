// service_broker.hpp — the broker's side of an MQTT 3.1.1 session, for the service harnesses
// (shadow_fuzz.cpp, jobs_fuzz.cpp, provisioning_fuzz.cpp).
//
// It drives a real mqtt::Client as a driver would: a target when asked, the transport opened,
// CONNECT answered with a CONNACK and PINGREQ with a PINGRESP at once. SUBSCRIBE, UNSUBSCRIBE
// and QoS 1 PUBLISH packets the client sends are kept, so that the fuzz input decides when (and
// how) each is acknowledged. The harness sees every engine event (to hand to its service client),
// every PUBLISH the client sent, and the end of every pump (to drain and check its service).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iotlite/mqtt/client.hpp"

namespace iotlite_fuzz {

inline void check(bool condition) {
    if (!condition) __builtin_trap();
}

inline void put_length(std::vector<std::uint8_t>& out, std::size_t n) {
    do {
        std::uint8_t byte = static_cast<std::uint8_t>(n % 128);
        n /= 128;
        if (n > 0) byte |= 0x80;
        out.push_back(byte);
    } while (n > 0);
}

inline void put_u16(std::vector<std::uint8_t>& out, std::size_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v & 0xff));
}

// An engine event a service did not ask for, forged from a fuzz byte: a service must take any
// event without harm. With `unsubscribed`, arg % 5 picks subscribed (granted or refused codes),
// unsubscribed, published, publish_failed or error; without, arg % 4 picks among the four others.
// The op id is small, so that it may be one the service is waiting for.
inline iotlite::mqtt::Event forged_event(std::uint8_t arg, bool unsubscribed) {
    namespace mqtt = iotlite::mqtt;
    unsigned kind = unsubscribed ? arg % 5 : arg % 4;
    if (!unsubscribed && kind > 0) ++kind;
    mqtt::Event ev;
    switch (kind) {
        case 0:
            ev.type = mqtt::Event::Type::subscribed;
            ev.granted.assign((arg >> 5) % 3, (arg & 0x80) != 0 ? mqtt::SubackCode::failure : mqtt::SubackCode::granted_qos1);
            break;
        case 1: ev.type = mqtt::Event::Type::unsubscribed; break;
        case 2: ev.type = mqtt::Event::Type::published; break;
        case 3:
            ev.type = mqtt::Event::Type::publish_failed;
            ev.error = iotlite::make_error(iotlite::Errc::dropped, "fuzz: dropped");
            break;
        default:
            ev.type = mqtt::Event::Type::error;
            ev.error = iotlite::make_error(iotlite::Errc::server_error, "fuzz: resubscribe failed");
            break;
    }
    ev.op_id = (arg >> (unsubscribed ? 3 : 2)) % 8;
    return ev;
}

class ServiceBroker {
public:
    struct Hooks {
        // Each engine event, after the broker's own duties: the service's on_event() and a drain.
        std::function<void(const iotlite::mqtt::Event&)> event;
        // Each PUBLISH the client sent (QoS from its header).
        std::function<void(unsigned qos, std::string_view topic, std::string_view payload)> sent;
        // The end of each pump: the service drained and its invariants checked.
        std::function<void()> settled;
    };

    // `now` is the harness's clock, read at each call into the engine (advance() moves it).
    ServiceBroker(iotlite::mqtt::Client& client, std::uint64_t& now, Hooks hooks)
        : client_(client), now_(now), hooks_(std::move(hooks)) {}

    bool open() const { return open_; }

    // Runs the engine until it has nothing more to say (bounded rounds).
    void pump() {
        namespace mqtt = iotlite::mqtt;
        for (int round = 0; round < 64; ++round) {
            bool progress = false;
            mqtt::Event ev;
            while (client_.poll_event(ev)) {
                progress = true;
                switch (ev.type) {
                    case mqtt::Event::Type::need_target: {
                        mqtt::ConnectionTarget target;
                        target.kind = mqtt::TransportKind::tcp;
                        target.host = "127.0.0.1";
                        target.port = 8883;
                        client_.provide_target(target, now_);
                        break;
                    }
                    case mqtt::Event::Type::open_transport:
                        open_ = true;
                        client_.on_open(now_);
                        break;
                    case mqtt::Event::Type::close_transport: close_transport(); break;
                    default: break;
                }
                if (hooks_.event) hooks_.event(ev);
                ev = mqtt::Event{};
            }
            if (client_.output_size() > 0) {
                progress = true;
                std::vector<std::uint8_t> out(client_.output_data(), client_.output_data() + client_.output_size());
                client_.consume_output(out.size());
                if (open_) read_sent(out);
            }
            if (!progress) break;
        }
        if (hooks_.settled) hooks_.settled();
    }

    // The clock advances (0..~20 s, picked by arg), then the engine's on_tick() and a pump.
    void advance(std::uint8_t arg) {
        now_ += (arg & 0x80) != 0 ? static_cast<std::uint64_t>(arg & 0x7f) * 160 : static_cast<std::uint64_t>(arg) * 7;
        client_.on_tick(now_);
        pump();
    }

    // Bytes from the broker (nothing while the transport is closed), then a pump.
    void feed(const std::vector<std::uint8_t>& bytes) {
        if (!open_) return;
        client_.on_bytes(bytes.data(), bytes.size(), now_);
        pump();
    }

    // A PUBLISH from the broker; a QoS 1 one gets the next inbound packet id.
    void publish(const std::string& topic, const std::string& payload, bool qos1) {
        if (!open_) return;
        std::vector<std::uint8_t> out{static_cast<std::uint8_t>(qos1 ? 0x32 : 0x30)};
        put_length(out, 2 + topic.size() + (qos1 ? 2 : 0) + payload.size());
        put_u16(out, topic.size());
        out.insert(out.end(), topic.begin(), topic.end());
        if (qos1) put_u16(out, 1 + (inbound_id_++ % 0xfffe));
        out.insert(out.end(), payload.begin(), payload.end());
        feed(out);
    }

    // The SUBACK of a SUBSCRIBE kept (arg picks it): all granted, one refused (0x80), or fewer or
    // more codes than filters (bits 4-5).
    void suback(std::uint8_t arg) {
        if (subscribes_.empty() || !open_) return;
        const Subscribe p = take(subscribes_, arg);
        std::vector<std::uint8_t> codes(p.filters, 0x01);
        if ((arg & 0x30) == 0x10 && !codes.empty()) codes[(arg >> 6) % codes.size()] = 0x80;
        if ((arg & 0x30) == 0x20 && !codes.empty()) codes.pop_back();  // fewer codes than filters
        if ((arg & 0x30) == 0x30) codes.push_back(0x00);                // more codes than filters
        std::vector<std::uint8_t> out{0x90};
        put_length(out, 2 + codes.size());
        put_u16(out, p.packet_id);
        out.insert(out.end(), codes.begin(), codes.end());
        feed(out);
    }

    void unsuback(std::uint8_t arg) { acknowledge(unsubscribes_, 0xb0, arg); }
    void puback(std::uint8_t arg) { acknowledge(publishes_, 0x40, arg); }

    // The transport drops; the next CONNACK says session present when bit 0 is set.
    void drop(std::uint8_t arg) {
        if (!open_) return;
        session_present_ = (arg & 1) != 0;
        close_transport();
        client_.on_closed(iotlite::make_error(iotlite::Errc::closed, "fuzz: connection dropped"), now_);
        pump();
    }

    // The transport is gone: nothing kept can be acknowledged any more.
    void close_transport() {
        open_ = false;
        subscribes_.clear();
        unsubscribes_.clear();
        publishes_.clear();
    }

private:
    struct Subscribe {
        std::uint16_t packet_id = 0;
        std::size_t filters = 0;
    };

    template <typename T>
    static T take(std::vector<T>& kept, std::uint8_t arg) {
        const std::size_t index = arg % kept.size();
        const T picked = kept[index];
        kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(index));
        return picked;
    }

    // PUBACK / UNSUBACK for a packet id kept (arg picks it).
    void acknowledge(std::vector<std::uint16_t>& kept, std::uint8_t type, std::uint8_t arg) {
        if (kept.empty() || !open_) return;
        const std::uint16_t id = take(kept, arg);
        feed({type, 0x02, static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id & 0xff)});
    }

    static std::uint16_t u16_at(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

    // What the client sent, packet by packet.
    void read_sent(const std::vector<std::uint8_t>& bytes) {
        std::size_t pos = 0;
        while (pos < bytes.size()) {
            const std::uint8_t first = bytes[pos++];
            std::size_t length = 0, shift = 0;
            while (pos < bytes.size()) {
                const std::uint8_t b = bytes[pos++];
                length |= static_cast<std::size_t>(b & 0x7f) << shift;
                shift += 7;
                if ((b & 0x80) == 0) break;
            }
            check(pos + length <= bytes.size());
            const std::uint8_t* body = bytes.data() + pos;
            pos += length;
            switch (first >> 4) {
                case 1:  // CONNECT
                    feed({0x20, 0x02, static_cast<std::uint8_t>(session_present_ ? 1 : 0), 0x00});
                    break;
                case 3: {  // PUBLISH
                    check(length >= 2);
                    const std::size_t topic_size = u16_at(body);
                    const unsigned qos = (first >> 1) & 3;
                    std::size_t at = 2 + topic_size;
                    if (qos != 0) {
                        check(at + 2 <= length);
                        publishes_.push_back(u16_at(body + at));
                        at += 2;
                    }
                    check(at <= length);
                    if (hooks_.sent)
                        hooks_.sent(qos, std::string_view(reinterpret_cast<const char*>(body + 2), topic_size),
                                    std::string_view(reinterpret_cast<const char*>(body + at), length - at));
                    break;
                }
                case 8: {  // SUBSCRIBE: packet id, then (filter, options) pairs
                    Subscribe p;
                    p.packet_id = u16_at(body);
                    for (std::size_t at = 2; at + 2 <= length; ++p.filters) at += 2 + u16_at(body + at) + 1;
                    subscribes_.push_back(p);
                    break;
                }
                case 10:  // UNSUBSCRIBE
                    unsubscribes_.push_back(u16_at(body));
                    break;
                case 12:  // PINGREQ
                    feed({0xd0, 0x00});
                    break;
                default: break;
            }
        }
    }

    iotlite::mqtt::Client& client_;
    std::uint64_t& now_;
    Hooks hooks_;
    bool open_ = false;
    bool session_present_ = false;
    std::uint32_t inbound_id_ = 0;
    std::vector<Subscribe> subscribes_;
    std::vector<std::uint16_t> unsubscribes_;
    std::vector<std::uint16_t> publishes_;
};

}  // namespace iotlite_fuzz
