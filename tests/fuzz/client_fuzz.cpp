// libFuzzer target: the Client's inbound path on a live session.
//
// A Client is driven to `connected` (need_target -> provide_target, open_transport -> on_open,
// CONNACK accepted), subscribes to a few filters and has QoS 1 publishes in flight. Then the input
// is played as the broker's side of the connection:
//   bytes 0..3  seed of a small PRNG that picks chunk sizes, clock jumps and application calls;
//               byte 0 also picks the offline queue's policy and byte 1 its byte budget (256 KB,
//               or 48 bytes so that the byte bound evicts, drops and refuses too)
//   bytes 4..   the inbound byte stream, fed through on_bytes() in chunks, interleaved with
//               on_tick() at random times (keep-alive, ping and backoff deadlines fire), with
//               publish()/subscribe()/unsubscribe()/withdraw_publish()/reconnect_now() calls, and with transport
//               re-opens when the engine asks for them (so reconnect paths run on the same stream).
// Built twice: iotlite_fuzz_mqtt_client (MQTT 3.1.1) and iotlite_fuzz_mqtt5_client
// (IOTLITE_FUZZ_MQTT5: Config::protocol_version 5, a CONNACK with Topic Alias Maximum 3 and Receive
// Maximum 3, inbound topic aliases accepted, publishes with properties among the application
// calls), so the v5 paths (properties, reason codes, DISCONNECT from the broker, aliases both
// ways) take the same hostile streams.
// Properties (a violation traps): no crash/UB (ASan/UBSan), delivered messages respect
// max_inbound_packet, disconnect() always ends in State::closed, after on_tick(now) the next
// deadline lies in the future (a driver that ticks at next_deadline_ms() must not spin), and a
// publish withdraw_publish() took back leaves the offline queue and is never reported, and the
// engine's connection attempts are at least 1 s apart (AWS IoT: 1 CONNECT per second per client
// id), reconnect_now() or not; the offline queue never holds more than its max_messages; and every
// publish() accepted is reported exactly once (published or publish_failed) by the time
// disconnect() has closed the client, whatever the queue's policy evicted or dropped.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "iotlite/mqtt/client.hpp"
#include "iotlite/mqtt/properties.hpp"

#ifndef IOTLITE_FUZZ_MQTT5
#define IOTLITE_FUZZ_MQTT5 0
#endif

namespace mqtt = iotlite::mqtt;

namespace {

void check(bool condition) {
    if (!condition) __builtin_trap();
}

struct Harness {
    std::unique_ptr<mqtt::Client> client;
    bool transport_open = false;
    std::uint64_t now = 1000;
    std::uint64_t last_attempt = 0;          // when the engine last asked for a target (0: never)
    std::uint32_t last_publish = 0;          // op id of the latest accepted publish()
    std::vector<std::uint32_t> withdrawn;    // op ids withdraw_publish() took back: no event may follow
    std::vector<std::uint32_t> accepted;     // op ids publish() returned, not withdrawn: one event each
    std::vector<std::uint32_t> reported;     // op ids of published / publish_failed, in order

    void published(const iotlite::Result<std::uint32_t>& op) {
        if (!op) return;
        last_publish = op.value();
        accepted.push_back(op.value());
    }

    void pump() {
        mqtt::Event ev;
        for (int guard = 0; guard < 10000 && client->poll_event(ev); ++guard) {
            switch (ev.type) {
                case mqtt::Event::Type::need_target: {
                    // AWS IoT allows 1 CONNECT per second per client id: attempts 1 s apart,
                    // whatever the backoff and reconnect_now() calls did.
                    check(last_attempt == 0 || now >= last_attempt + 1000);
                    last_attempt = now;
                    mqtt::ConnectionTarget target;
                    target.kind = mqtt::TransportKind::tcp;
                    target.host = "127.0.0.1";
                    target.port = 1883;
                    client->provide_target(target, now);
                    break;
                }
                case mqtt::Event::Type::open_transport:
                    transport_open = true;
                    client->on_open(now);
                    break;
                case mqtt::Event::Type::close_transport:
                    transport_open = false;
                    break;
                case mqtt::Event::Type::message:
                    check(ev.message.payload.size() <= client->config().max_inbound_packet);
                    break;
                case mqtt::Event::Type::published:
                case mqtt::Event::Type::publish_failed:
                    check(std::find(withdrawn.begin(), withdrawn.end(), ev.op_id) == withdrawn.end());
                    check(std::find(reported.begin(), reported.end(), ev.op_id) == reported.end());  // once
                    reported.push_back(ev.op_id);
                    break;
                default:
                    break;
            }
            ev = mqtt::Event{};
        }
        check(client->offline_queue_size() <= client->config().offline_queue.max_messages);
        // Bytes are only written to an open transport; drain them like a socket would.
        if (client->output_size() > 0) {
            check(client->output_data() != nullptr);
            if (transport_open) client->consume_output(client->output_size());
        }
    }

    // Advances the clock; ticks when a deadline is due (or always, when `early`: drivers may tick
    // sooner than asked, and that must be harmless).
    void tick(std::uint64_t advance_ms, bool early = false) {
        now += advance_ms;
        const std::uint64_t due = client->next_deadline_ms();
        if (!early && (due == std::numeric_limits<std::uint64_t>::max() || due > now)) return;
        client->on_tick(now);
        pump();
        const std::uint64_t next = client->next_deadline_ms();
        if (due <= now) check(next == std::numeric_limits<std::uint64_t>::max() || next > now);
    }
};

std::unique_ptr<Harness> make_connected(std::uint8_t policy_byte, std::uint8_t budget_byte) {
    mqtt::Config config;
    config.client_id = "fuzz-client";
    config.keep_alive_s = 30;
    config.reconnect.min_delay_ms = 100;
    config.reconnect.max_delay_ms = 1000;
    config.max_inflight = 4;
    config.offline_queue.max_messages = 8;
    config.offline_queue.policy = static_cast<mqtt::QueuePolicy>(policy_byte % 3);
    if (budget_byte & 1) config.offline_queue.max_bytes = 48;  // topic + payload of a few publishes
    config.max_inbound_packet = 4096;
#if IOTLITE_FUZZ_MQTT5
    config.protocol_version = 5;
    config.topic_alias_maximum = 4;
    config.session_expiry_s = 60;
#endif
    auto created = mqtt::Client::create(config);
    check(created.ok());
    auto h = std::make_unique<Harness>();
    h->client = std::move(created.value());
    check(h->client->connect(h->now).ok());
    h->pump();
#if IOTLITE_FUZZ_MQTT5
    // CONNACK: success, properties: topic alias maximum 3, receive maximum 3.
    const std::uint8_t connack[] = {0x20, 0x09, 0x00, 0x00, 0x06, 0x22, 0x00, 0x03, 0x21, 0x00, 0x03};
#else
    const std::uint8_t connack[] = {0x20, 0x02, 0x00, 0x00};
#endif
    h->client->on_bytes(connack, sizeof connack, h->now);
    h->pump();
    check(h->client->state() == mqtt::State::connected);
    // Subscriptions (ids 1.. in SUBSCRIBE order) and in-flight QoS 1 publishes, so that
    // SUBACK/UNSUBACK/PUBACK and PUBLISH in the stream have something to match.
    (void)h->client->subscribe({{"a/b", mqtt::QoS::at_least_once}, {"a/+", mqtt::QoS::at_most_once}}, h->now);
    (void)h->client->subscribe({{"#", mqtt::QoS::at_least_once}}, h->now);
    const std::uint8_t payload[] = {'x'};
    h->published(h->client->publish("a/b", payload, sizeof payload, mqtt::QoS::at_least_once, false, h->now));
    h->published(h->client->publish("a/c", payload, sizeof payload, mqtt::QoS::at_least_once, false, h->now));
    h->pump();
    return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) return 0;
    std::uint32_t x = (static_cast<std::uint32_t>(data[0]) << 24) | (static_cast<std::uint32_t>(data[1]) << 16) |
                      (static_cast<std::uint32_t>(data[2]) << 8) | data[3];
    x |= 1;  // xorshift needs a non-zero state
    auto rnd = [&x]() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return x;
    };
    auto h = make_connected(data[0], data[1]);
    const std::uint8_t* stream = data + 4;
    const std::size_t len = size - 4;
    std::size_t pos = 0;
    const std::uint8_t payload[] = {1, 2, 3};
    while (pos < len) {
        const std::uint32_t r = rnd();
        const std::size_t chunk = 1 + (r % 8 == 0 ? r % 512 : r % 16);
        const std::size_t n = chunk < len - pos ? chunk : len - pos;
        if (h->transport_open) {
            h->client->on_bytes(stream + pos, n, h->now);
            h->pump();
        }
        pos += n;
        switch ((r >> 8) % 16) {
            case 0: h->tick(1 + (r >> 12) % 40000); break;  // may cross keep-alive / ping deadlines
            case 1: h->tick(1, true); break;
            case 2: {
                // 3 bytes, or up to 60 (over the 48-byte budget with its topic: never queued).
                const std::size_t bytes = (r >> 13) & 1 ? (r >> 14) % 61 : sizeof payload;
                const std::string big(bytes, 'p');
                h->published(h->client->publish("a/b", reinterpret_cast<const std::uint8_t*>(big.data()), big.size(),
                                                (r >> 12) & 1 ? mqtt::QoS::at_least_once : mqtt::QoS::at_most_once,
                                                false, h->now));
                h->pump();
                break;
            }
            case 8:
                // The driver's "the network is back" (reconnect_now): the attempt it brings forward
                // still comes 1 s after the previous one at the earliest (checked at need_target).
                h->client->reconnect_now(h->now);
                h->pump();
                break;
            case 7: {
                // The application takes back its latest publish (a JS AbortSignal): withdrawn only
                // while it still waits in the offline queue, and then never reported.
                const std::size_t queued = h->client->offline_queue_size();
                if (h->last_publish != 0 && h->client->withdraw_publish(h->last_publish)) {
                    check(h->client->offline_queue_size() == queued - 1);
                    h->withdrawn.push_back(h->last_publish);
                    const auto it = std::find(h->accepted.begin(), h->accepted.end(), h->last_publish);
                    check(it != h->accepted.end());
                    h->accepted.erase(it);
                    check(!h->client->withdraw_publish(h->last_publish));
                } else {
                    check(h->client->offline_queue_size() == queued);
                }
                h->pump();
                break;
            }
            case 3:
                (void)h->client->subscribe({{"s/" + std::to_string((r >> 12) % 4), mqtt::QoS::at_least_once}}, h->now);
                h->pump();
                break;
            case 4:
                (void)h->client->unsubscribe({"a/+"}, h->now);
                h->pump();
                break;
            case 5:
                // The transport drops; the engine should back off and ask for a new target.
                if (h->transport_open) {
                    h->transport_open = false;
                    h->client->on_closed(iotlite::make_error(iotlite::Errc::closed, "fuzz: transport closed"), h->now);
                    h->pump();
                }
                break;
#if IOTLITE_FUZZ_MQTT5
            case 6: {
                mqtt::Properties props;
                props.set(mqtt::PropertyId::content_type, "application/json");
                props.set(mqtt::PropertyId::correlation_data, std::string_view("\x01\x02", 2));
                props.user_properties.push_back({"k", std::to_string(r % 7)});
                const std::string topic = "p/" + std::to_string((r >> 12) % 6);  // more topics than aliases
                h->published(h->client->publish(topic, payload, sizeof payload,
                                                (r >> 16) & 1 ? mqtt::QoS::at_least_once : mqtt::QoS::at_most_once,
                                                false, props, h->now));
                h->pump();
                break;
            }
#endif
            default: break;
        }
    }
    // Let every pending deadline fire once more, bounded.
    for (int i = 0; i < 8; ++i) h->tick(20000);
    h->client->disconnect(h->now);
    h->pump();
    check(h->client->state() == mqtt::State::closed);
    // Every accepted publish was reported once (the checks in pump() refused a second report).
    for (std::uint32_t op : h->accepted) check(std::find(h->reported.begin(), h->reported.end(), op) != h->reported.end());
    return 0;
}
