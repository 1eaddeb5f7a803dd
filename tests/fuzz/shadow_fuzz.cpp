// libFuzzer target: the device shadow client fed hostile inbound documents.
//
// A real mqtt::Client is driven to `connected` (CONNACK), a ShadowClient sits on top of it and
// every engine event is forwarded to shadow.on_event() as a driver would. The input is a program
// of commands that interleaves the application's requests with the broker's side of the session:
//
//   command = opcode byte, argument byte[, length byte L, L bytes of data]
//   opcode % 12:
//     0 get(shadow, options)         1 update_json(shadow, data)     2 remove(shadow, options)
//     3 watch(shadow, delta|documents)
//     4 SUBACK for a SUBSCRIBE the engine sent (all granted, one 0x80, or a wrong count)
//     5 PUBACK for a QoS 1 PUBLISH the engine sent
//     6 a PUBLISH from the broker on one of the shadow's response topics - get/update/delete x
//       accepted/rejected, update/delta, update/documents, classic and named shadows - with the
//       data as payload, raw or behind '{"clientToken":"<a token the client sent>",' (so that
//       responses correlate with requests in flight) or inside a versioned document
//     7 a PUBLISH on a hostile topic under $aws/things/ (the data is the topic)
//     8 the clock advances (0..~20 s), on_tick() on both
//     9 the transport drops (the engine reconnects; CONNACK with session present or not)
//    10 a forged engine event straight to shadow.on_event() (subscribed / published /
//       publish_failed / error with a small op id)
//    11 a long pause (~20 s: timeouts, keep-alive)
//   (the argument byte picks the shadow, options, token and timeouts)
//   At the end the client disconnects for good, which must fail every request still pending.
//
// Properties (a violation traps), besides no crash / UB / leak (ASan, UBSan, LeakSanitizer):
//   - every request id returned by get/update/remove completes exactly once (accepted, rejected
//     or failed), with the op and shadow it was made for; ids never completed are an error at the
//     end; a refused call does not change in_flight();
//   - in_flight() equals the number of requests not completed and never exceeds max_in_flight;
//   - a rejection is Errc::conflict exactly when its code is 409;
//   - after on_tick(now) no request deadline is <= now (a driver ticking at next_deadline_ms()
//     cannot spin);
//   - every mirror holds objects for desired/reported, its size and delta can be computed, and its
//     version never goes back except through a delete.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iotlite/mqtt/client.hpp"
#include "iotlite/services/shadow/shadow_client.hpp"
#include "service_broker.hpp"

namespace mqtt = iotlite::mqtt;
namespace shadow = iotlite::shadow;

namespace {

using iotlite_fuzz::check;

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

const shadow::ShadowId kShadows[] = {{"thing", ""}, {"thing", "named"}, {"other", ""}, {"thing", "$package"}};

struct Pending {
    shadow::Operation op;
    std::size_t shadow_index;
};

class Harness {
public:
    explicit Harness(std::size_t max_in_flight) {
        mqtt::Config config;
        config.client_id = "fuzz-shadow";
        config.keep_alive_s = 30;
        config.reconnect.min_delay_ms = 1000;
        config.reconnect.max_delay_ms = 4000;
        config.max_inbound_packet = 64 * 1024;
        auto client = mqtt::Client::create(config);
        check(client.ok());
        client_ = std::move(client.value());
        shadow::ShadowConfig shadow_config;
        shadow_config.request_timeout_ms = 5000;
        shadow_config.max_in_flight = max_in_flight;
        shadow_config.client_token_prefix = "fz-";
        auto created = shadow::ShadowClient::create(*client_, shadow_config);
        check(created.ok());
        shadow_ = std::move(created.value());
        max_in_flight_ = max_in_flight;
        iotlite_fuzz::ServiceBroker::Hooks hooks;
        hooks.event = [this](const mqtt::Event& ev) {
            (void)shadow_->on_event(ev, now_);
            drain_shadow();
        };
        hooks.sent = [this](unsigned, std::string_view, std::string_view payload) { remember_token(payload); };
        hooks.settled = [this] {
            drain_shadow();
            check_state();
        };
        broker_ = std::make_unique<iotlite_fuzz::ServiceBroker>(*client_, now_, std::move(hooks));
        check(client_->connect(now_).ok());
        pump();
    }

    void request(std::uint8_t opcode, std::uint8_t arg, std::string_view data) {
        const std::size_t k = arg % 4;
        shadow::RequestOptions options;
        switch ((arg >> 2) % 4) {
            case 0: break;  // generated token
            case 1: options.client_token = "tok-" + std::to_string((arg >> 4) % 4); break;
            case 2: options.client_token = std::string(data.substr(0, 70)); break;  // maybe invalid
            case 3: if (!tokens_.empty()) options.client_token = tokens_[(arg >> 4) % tokens_.size()]; break;
        }
        if ((arg & 0x40) != 0) options.timeout_ms = 1 + (arg & 0x3f) * 300;
        if ((arg & 0x80) != 0 && opcode == 1) options.version = arg & 0x0f;
        const std::size_t before = shadow_->in_flight();
        iotlite::Result<std::uint32_t> id = iotlite::make_error(iotlite::Errc::invalid_argument, "unset");
        shadow::Operation op = shadow::Operation::get;
        if (opcode == 0) {
            id = shadow_->get(kShadows[k], now_, options);
        } else if (opcode == 1) {
            op = shadow::Operation::update;
            id = shadow_->update_json(kShadows[k], data, now_, options);
        } else {
            op = shadow::Operation::delete_shadow;
            id = shadow_->remove(kShadows[k], now_, options);
        }
        if (id) {
            check(pending_.count(id.value()) == 0);
            check(before < max_in_flight_);
            pending_[id.value()] = Pending{op, k};
        } else {
            check(!id.error().message.empty());
            check(shadow_->in_flight() == before);
        }
        pump();
    }

    void watch(std::uint8_t arg) {
        auto ok = shadow_->watch(kShadows[arg % 4], (arg & 4) != 0 ? shadow::Stream::documents : shadow::Stream::delta, now_);
        (void)ok;
        pump();
    }

    void suback(std::uint8_t arg) { broker_->suback(arg); }
    void puback(std::uint8_t arg) { broker_->puback(arg); }

    void response(std::uint8_t arg, std::string_view data) {
        const shadow::ShadowId& id = kShadows[arg % 4];
        std::string topic;
        const unsigned which = (arg >> 2) % 8;
        bool is_delete = false;
        if (which < 6) {
            const auto op = static_cast<shadow::Operation>(which / 2);
            topic = shadow::response_topic(id, op, which % 2 == 0);
            is_delete = op == shadow::Operation::delete_shadow && which % 2 == 0;
        } else {
            topic = shadow::stream_topic(id, which == 6 ? shadow::Stream::delta : shadow::Stream::documents);
        }
        std::string payload;
        const std::string token = tokens_.empty() ? std::string("fz-1") : tokens_[(arg >> 5) % tokens_.size()];
        switch (arg >> 7) {
            case 0: payload = std::string(data); break;
            default:
                // A document for a request in flight: the data completes the object. Every other
                // input picks a version too, so that mirrors see ordered and reordered versions.
                payload = "{\"clientToken\":\"" + token + "\",";
                if (!data.empty() && (data[0] & 1) != 0) payload += "\"version\":" + std::to_string(data[0] >> 1) + ",";
                payload.append(data.empty() ? std::string_view("\"state\":{}}") : data.substr(1));
                break;
        }
        if (is_delete) deleted_[arg % 4] = true;
        publish(topic, payload, (arg & 0x20) != 0);
    }

    void hostile_topic(std::uint8_t arg, std::string_view data) {
        std::string topic = (arg & 1) != 0 ? "$aws/things/" : "";
        topic.append(data.substr(0, 300));
        if (topic.empty()) topic = "$aws/things/";
        publish(topic, "{\"state\":{\"desired\":{\"a\":1}},\"version\":3}", false);
    }

    void tick(std::uint8_t arg) {
        broker_->advance(arg);
        shadow_->on_tick(now_);
        pump();
        const std::uint64_t next = shadow_->next_deadline_ms();
        check(next == kNever || next > now_);
    }

    void drop(std::uint8_t arg) { broker_->drop(arg); }

    void forged(std::uint8_t arg) {
        (void)shadow_->on_event(iotlite_fuzz::forged_event(arg, false), now_);
        drain_shadow();
    }

    // Closes the engine for good; every request still pending must fail now.
    void finish() {
        client_->disconnect(now_);
        broker_->close_transport();
        pump();
        check(client_->state() == mqtt::State::closed);
        check(shadow_->in_flight() == 0);
        check(pending_.empty());
        check(shadow_->next_deadline_ms() == kNever);
    }

private:
    void publish(const std::string& topic, const std::string& payload, bool qos1) { broker_->publish(topic, payload, qos1); }
    void pump() { broker_->pump(); }

    void remember_token(std::string_view payload) {
        const std::string_view key = "\"clientToken\":\"";
        const std::size_t at = payload.find(key);
        if (at == std::string_view::npos) return;
        const std::size_t start = at + key.size();
        const std::size_t end = payload.find('"', start);
        if (end == std::string_view::npos) return;
        tokens_.emplace_back(payload.substr(start, end - start));
        if (tokens_.size() > 16) tokens_.pop_front();
    }

    void drain_shadow() {
        shadow::ShadowEvent ev;
        while (shadow_->poll_event(ev)) {
            switch (ev.type) {
                case shadow::ShadowEvent::Type::accepted:
                case shadow::ShadowEvent::Type::rejected:
                case shadow::ShadowEvent::Type::failed: {
                    const auto it = pending_.find(ev.request_id);
                    check(it != pending_.end());  // completes once, and only ids we were given
                    check(it->second.op == ev.op);
                    check(ev.shadow == kShadows[it->second.shadow_index]);
                    check(!ev.client_token.empty());
                    if (ev.type == shadow::ShadowEvent::Type::rejected) {
                        check((ev.error.code == iotlite::Errc::conflict) == (ev.rejection.code == 409));
                        check(ev.rejection.client_token == ev.client_token);
                    } else if (ev.type == shadow::ShadowEvent::Type::accepted) {
                        check(ev.document.client_token == ev.client_token);
                    } else {
                        check(!ev.error.message.empty());
                    }
                    pending_.erase(it);
                    break;
                }
                case shadow::ShadowEvent::Type::delta: check(ev.document.state.is_object()); break;
                case shadow::ShadowEvent::Type::error:
                    check(ev.error.code == iotlite::Errc::protocol_error);
                    break;
                default: break;
            }
            ev = shadow::ShadowEvent{};
        }
    }

    void check_state() {
        check(shadow_->in_flight() == pending_.size());
        check(shadow_->in_flight() <= max_in_flight_);
        for (std::size_t k = 0; k < 4; ++k) {
            const shadow::Mirror* m = shadow_->mirror(kShadows[k]);
            if (m == nullptr) continue;
            check(m->desired().is_object() && m->reported().is_object());
            (void)m->size();
            check(m->delta().is_object());
            if (deleted_[k]) {
                deleted_[k] = false;
            } else if (versions_[k] && m->version()) {
                check(*m->version() >= *versions_[k]);
            }
            versions_[k] = m->version();
        }
    }

    std::unique_ptr<mqtt::Client> client_;
    std::unique_ptr<shadow::ShadowClient> shadow_;
    std::unique_ptr<iotlite_fuzz::ServiceBroker> broker_;
    std::size_t max_in_flight_ = 10;
    std::uint64_t now_ = 1000;
    std::deque<std::string> tokens_;
    std::map<std::uint32_t, Pending> pending_;
    std::optional<std::uint64_t> versions_[4];
    bool deleted_[4] = {};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    Harness h(1 + data[0] % 10);
    std::size_t pos = 1;
    int commands = 0;
    while (pos + 2 <= size && commands++ < 256) {
        const std::uint8_t opcode = data[pos] % 12;
        const std::uint8_t arg = data[pos + 1];
        pos += 2;
        std::string_view chunk;
        const bool with_data = opcode == 0 || opcode == 1 || opcode == 2 || opcode == 6 || opcode == 7;
        if (with_data && pos < size) {
            const std::size_t n = std::min<std::size_t>(data[pos], size - pos - 1);
            chunk = std::string_view(reinterpret_cast<const char*>(data + pos + 1), n);
            pos += 1 + n;
        }
        switch (opcode) {
            case 0:
            case 1:
            case 2: h.request(opcode, arg, chunk); break;
            case 3: h.watch(arg); break;
            case 4: h.suback(arg); break;
            case 5: h.puback(arg); break;
            case 6: h.response(arg, chunk); break;
            case 7: h.hostile_topic(arg, chunk); break;
            case 8: h.tick(arg); break;
            case 9: h.drop(arg); break;
            case 10: h.forged(arg); break;
            default: h.tick(0xff); break;
        }
    }
    h.finish();
    return 0;
}
