// PahoPeer — Paho MQTT C (synchronous MQTTClient API, callback mode) as the independent
// client on the other side of the broker in interop tests. Every wait is bounded.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "iotlite/result.hpp"

namespace iotlite::test {

// MQTT 5 PUBLISH properties as Paho reports / sends them (MQTT 5 mode only).
struct PahoProperties {
    std::vector<std::pair<std::string, std::string>> user_properties;
    std::string content_type;  // empty: absent
    std::string response_topic;
    std::vector<std::uint8_t> correlation_data;
    std::uint32_t message_expiry_s = 0;  // 0: absent
};

struct PahoMessage {
    std::string topic;
    std::vector<std::uint8_t> payload;
    int qos = 0;
    bool retained = false;
    bool dup = false;
    PahoProperties properties;  // MQTT 5 mode
};

class PahoPeer {
public:
    // Connects (MQTT 3.1.1) to tcp://127.0.0.1:port. Errc::io_error with Paho's code on failure.
    static Result<std::unique_ptr<PahoPeer>> connect(std::uint16_t port, const std::string& client_id,
                                                     bool clean_session = true, int keep_alive_s = 60);
    // The same in MQTT 5 (MQTTClient_createWithOptions, MQTTVERSION_5, clean start); subscribe()
    // and publish() then use the MQTT 5 calls and messages carry their properties.
    static Result<std::unique_ptr<PahoPeer>> connect5(std::uint16_t port, const std::string& client_id);
    // MQTT 5 mode: publish with properties (QoS 1 waits for the PUBACK like publish()).
    Result<void> publish5(const std::string& topic, const std::vector<std::uint8_t>& payload, int qos,
                          const PahoProperties& properties, std::uint32_t timeout_ms = 10000);

    Result<void> subscribe(const std::string& filter, int qos);
    // QoS 1 waits (at most timeout_ms) for the PUBACK.
    Result<void> publish(const std::string& topic, const std::vector<std::uint8_t>& payload, int qos,
                         bool retained, std::uint32_t timeout_ms = 10000);
    // The next received message, or nullopt after timeout_ms.
    std::optional<PahoMessage> wait_message(std::uint32_t timeout_ms);
    std::size_t pending() const;
    void disconnect();

    ~PahoPeer();
    PahoPeer(const PahoPeer&) = delete;
    PahoPeer& operator=(const PahoPeer&) = delete;

private:
    PahoPeer() = default;
    static int on_message(void* context, char* topic, int topic_len, void* message);
    static void on_connection_lost(void* context, char* cause);
    static void on_delivered(void* context, int token);

    Result<void> await_delivery(int token, const std::string& topic, std::uint32_t timeout_ms);

    void* client_ = nullptr;  // MQTTClient
    bool v5_ = false;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<PahoMessage> inbox_;
    std::vector<int> delivered_;  // tokens whose PUBACK arrived and were not yet waited for
};

}  // namespace iotlite::test
