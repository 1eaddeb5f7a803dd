#include "shadow_peer.hpp"

#include <algorithm>

namespace iotlite::test {

ShadowPeer::ShadowPeer(std::string client_id, std::uint16_t broker_port)
    : client_id_(std::move(client_id)), port_(broker_port) {}

mqtt::ReconnectConfig ShadowPeer::fast_reconnect() {
    mqtt::ReconnectConfig rc;
    rc.enabled = true;
    rc.min_delay_ms = 100;
    rc.max_delay_ms = 400;
    rc.stable_after_ms = 1000;
    return rc;
}

std::string ShadowPeer::init(mqtt::ReconnectConfig reconnect, shadow::ShadowConfig shadow_config) {
    mqtt::Config cfg;
    cfg.client_id = client_id_;
    cfg.keep_alive_s = 60;
    cfg.reconnect = reconnect;
    cfg.connect_timeout_ms = 5000;
    auto client = mqtt::Client::create(std::move(cfg));
    if (!client) return "mqtt::Client::create: " + client.error().message;
    client_ = std::move(client.value());
    auto sc = shadow::ShadowClient::create(*client_, std::move(shadow_config));
    if (!sc) return "ShadowClient::create: " + sc.error().message;
    shadow_ = std::move(sc.value());
    driver_ = std::make_unique<TcpDriver>(*client_, "127.0.0.1", port_);
    driver_->set_event_handler([this](mqtt::Event& ev) {
        if (ev.type == mqtt::Event::Type::connected) ++connects_;
        if (!shadow_->on_event(ev, now())) mqtt_events_.push_back(ev);
        collect();
    });
    return "";
}

Result<void> ShadowPeer::connect() {
    auto r = client_->connect(now());
    flush();
    return r;
}

void ShadowPeer::collect() {
    shadow::ShadowEvent se;
    while (shadow_->poll_event(se)) {
        history_.push_back(Seen{se.type, se.document.version});
        shadow_events_.push_back(std::move(se));
        se = shadow::ShadowEvent{};
    }
}

void ShadowPeer::step(int max_wait_ms) {
    driver_->step(max_wait_ms);
    shadow_->on_tick(now());
    collect();
    driver_->flush();  // bytes the shadow client produced in on_tick (none today; cheap)
    collect();
}

void ShadowPeer::flush() {
    collect();
    driver_->flush();
    collect();
}

std::optional<shadow::ShadowEvent> ShadowPeer::take(const std::function<bool(const shadow::ShadowEvent&)>& pred) {
    for (auto it = shadow_events_.begin(); it != shadow_events_.end(); ++it) {
        if (pred(*it)) {
            shadow::ShadowEvent ev = std::move(*it);
            shadow_events_.erase(it);
            return ev;
        }
    }
    return std::nullopt;
}

bool pump(const std::vector<ShadowPeer*>& peers, const std::function<bool()>& pred, std::uint32_t timeout_ms) {
    const std::uint64_t end = ShadowPeer::now() + timeout_ms;
    while (!pred()) {
        if (ShadowPeer::now() >= end) return pred();
        // With several peers, no single one may block long: the others' bytes wait meanwhile.
        const int wait = peers.size() > 1 ? 1 : ShadowPeer::kStepMs;
        for (ShadowPeer* p : peers) p->step(wait);
    }
    return true;
}

std::optional<shadow::ShadowEvent> wait_event(const std::vector<ShadowPeer*>& peers, ShadowPeer& peer,
                                              const std::function<bool(const shadow::ShadowEvent&)>& pred,
                                              std::uint32_t timeout_ms) {
    std::optional<shadow::ShadowEvent> found;
    pump(peers, [&] {
        found = peer.take(pred);
        return found.has_value();
    }, timeout_ms);
    return found;
}

std::optional<shadow::ShadowEvent> wait_request(const std::vector<ShadowPeer*>& peers, ShadowPeer& peer,
                                                std::uint32_t request_id, std::uint32_t timeout_ms) {
    using T = shadow::ShadowEvent::Type;
    return wait_event(peers, peer, [request_id](const shadow::ShadowEvent& e) {
        return (e.type == T::accepted || e.type == T::rejected || e.type == T::failed) && e.request_id == request_id;
    }, timeout_ms);
}

}  // namespace iotlite::test
