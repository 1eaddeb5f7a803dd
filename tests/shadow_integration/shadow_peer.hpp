// ShadowPeer — one "device" or "app": a real mqtt::Client + shadow::ShadowClient pair run over one
// TCP connection by the interop TcpDriver (tests/interop/support), with the shadow client hooked
// into the driver's event handler as shadow_client.hpp prescribes:
//   every engine event -> ShadowClient::on_event, the rest kept in mqtt_events();
//   ShadowClient::on_tick after every loop step; its events kept in shadow_events().
// Several peers are pumped together by pump(), each step bounded (the shadow client's request
// deadlines are unknown to the driver, so a step waits at most kStepMs).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "iotlite/mqtt/client.hpp"
#include "iotlite/services/shadow/shadow_client.hpp"
#include "tcp_driver.hpp"

namespace iotlite::test {

class ShadowPeer {
public:
    static constexpr int kStepMs = 5;

    // Errors (config refused) are reported by init().
    ShadowPeer(std::string client_id, std::uint16_t broker_port);
    // Creates the engine and the shadow client; "" on success.
    std::string init(mqtt::ReconnectConfig reconnect = fast_reconnect(), shadow::ShadowConfig shadow_config = {});
    static mqtt::ReconnectConfig fast_reconnect();

    // Starts connecting (the driver is stepped by pump()).
    Result<void> connect();

    mqtt::Client& mqtt() { return *client_; }
    shadow::ShadowClient& shadow() { return *shadow_; }
    TcpDriver& driver() { return *driver_; }
    static std::uint64_t now() { return TcpDriver::now_ms(); }

    // One bounded loop iteration (socket I/O, engine timers, shadow timers, events).
    void step(int max_wait_ms);
    // After an application call (get/update/watch/...): write its bytes and collect its events now.
    void flush();

    std::deque<shadow::ShadowEvent>& shadow_events() { return shadow_events_; }
    std::deque<mqtt::Event>& mqtt_events() { return mqtt_events_; }
    // Number of `connected` events seen so far.
    std::uint32_t connects() const { return connects_; }
    bool is_connected() const { return client_ && client_->state() == mqtt::State::connected; }

    // Every shadow event ever collected (type, version when the event carries one), in arrival order.
    struct Seen {
        shadow::ShadowEvent::Type type;
        std::optional<std::uint64_t> version;
    };
    const std::vector<Seen>& history() const { return history_; }

    // Removes and returns the first shadow event matching pred (nullopt if none queued).
    std::optional<shadow::ShadowEvent> take(const std::function<bool(const shadow::ShadowEvent&)>& pred);

private:
    void collect();

    std::string client_id_;
    std::uint16_t port_;
    std::unique_ptr<mqtt::Client> client_;
    std::unique_ptr<TcpDriver> driver_;
    std::unique_ptr<shadow::ShadowClient> shadow_;
    std::deque<shadow::ShadowEvent> shadow_events_;
    std::deque<mqtt::Event> mqtt_events_;
    std::vector<Seen> history_;
    std::uint32_t connects_ = 0;
};

// Steps every peer (round robin, each step bounded) until pred() holds or timeout_ms pass;
// returns pred().
bool pump(const std::vector<ShadowPeer*>& peers, const std::function<bool()>& pred, std::uint32_t timeout_ms);

// Pumps `peers` until `peer` has a shadow event matching pred; removes and returns it.
std::optional<shadow::ShadowEvent> wait_event(const std::vector<ShadowPeer*>& peers, ShadowPeer& peer,
                                              const std::function<bool(const shadow::ShadowEvent&)>& pred,
                                              std::uint32_t timeout_ms);

// The completion (accepted / rejected / failed) of request `request_id` on `peer`.
std::optional<shadow::ShadowEvent> wait_request(const std::vector<ShadowPeer*>& peers, ShadowPeer& peer,
                                                std::uint32_t request_id, std::uint32_t timeout_ms);

}  // namespace iotlite::test
