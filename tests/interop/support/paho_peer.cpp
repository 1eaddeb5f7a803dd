#include "paho_peer.hpp"

#include <MQTTClient.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace iotlite::test {

Result<std::unique_ptr<PahoPeer>> PahoPeer::connect(std::uint16_t port, const std::string& client_id,
                                                    bool clean_session, int keep_alive_s) {
    std::unique_ptr<PahoPeer> peer(new PahoPeer());
    const std::string uri = "tcp://127.0.0.1:" + std::to_string(port);
    MQTTClient client = nullptr;
    int rc = MQTTClient_create(&client, uri.c_str(), client_id.c_str(), MQTTCLIENT_PERSISTENCE_NONE, nullptr);
    if (rc != MQTTCLIENT_SUCCESS) return make_error(Errc::io_error, "MQTTClient_create: " + std::to_string(rc));
    peer->client_ = client;
    rc = MQTTClient_setCallbacks(
        client, peer.get(), &PahoPeer::on_connection_lost,
        [](void* ctx, char* topic, int len, MQTTClient_message* msg) { return on_message(ctx, topic, len, msg); },
        &PahoPeer::on_delivered);
    if (rc != MQTTCLIENT_SUCCESS) return make_error(Errc::io_error, "MQTTClient_setCallbacks: " + std::to_string(rc));
    MQTTClient_connectOptions opts = MQTTClient_connectOptions_initializer;
    opts.keepAliveInterval = keep_alive_s;
    opts.cleansession = clean_session ? 1 : 0;
    opts.MQTTVersion = MQTTVERSION_3_1_1;
    opts.connectTimeout = 5;
    rc = MQTTClient_connect(client, &opts);
    if (rc != MQTTCLIENT_SUCCESS) {
        return make_error(Errc::io_error, "Paho connect to " + uri + " failed: " + MQTTClient_strerror(rc));
    }
    return peer;
}

int PahoPeer::on_message(void* context, char* topic, int topic_len, void* message) {
    auto* self = static_cast<PahoPeer*>(context);
    auto* msg = static_cast<MQTTClient_message*>(message);
    PahoMessage m;
    m.topic = topic_len > 0 ? std::string(topic, static_cast<std::size_t>(topic_len)) : std::string(topic);
    const auto* p = static_cast<const std::uint8_t*>(msg->payload);
    if (msg->payloadlen > 0) m.payload.assign(p, p + msg->payloadlen);
    m.qos = msg->qos;
    m.retained = msg->retained != 0;
    m.dup = msg->dup != 0;
    MQTTClient_freeMessage(&msg);
    MQTTClient_free(topic);
    {
        std::lock_guard<std::mutex> lock(self->mutex_);
        self->inbox_.push_back(std::move(m));
    }
    self->cv_.notify_all();
    return 1;
}

// MQTTClient_waitForCompletion polls with sleeps (tens of ms per message); the delivery callback
// plus a condition variable completes as soon as the PUBACK is read.
void PahoPeer::on_delivered(void* context, int token) {
    auto* self = static_cast<PahoPeer*>(context);
    {
        std::lock_guard<std::mutex> lock(self->mutex_);
        self->delivered_.push_back(token);
    }
    self->cv_.notify_all();
}

void PahoPeer::on_connection_lost(void*, char*) {
    // Nothing to do: waits are bounded and report what did not arrive.
}

Result<void> PahoPeer::subscribe(const std::string& filter, int qos) {
    const int rc = MQTTClient_subscribe(client_, filter.c_str(), qos);
    if (rc != MQTTCLIENT_SUCCESS) {
        return make_error(Errc::io_error, "Paho subscribe " + filter + " failed: " + std::to_string(rc));
    }
    return {};
}

Result<void> PahoPeer::publish(const std::string& topic, const std::vector<std::uint8_t>& payload, int qos,
                               bool retained, std::uint32_t timeout_ms) {
    MQTTClient_deliveryToken token = 0;
    int rc = MQTTClient_publish(client_, topic.c_str(), static_cast<int>(payload.size()),
                                payload.empty() ? nullptr : payload.data(), qos, retained ? 1 : 0, &token);
    if (rc != MQTTCLIENT_SUCCESS) {
        return make_error(Errc::io_error, "Paho publish to " + topic + " failed: " + std::to_string(rc));
    }
    if (qos > 0) {
        std::unique_lock<std::mutex> lock(mutex_);
        auto done = [&] {
            auto it = std::find(delivered_.begin(), delivered_.end(), token);
            if (it == delivered_.end()) return false;
            delivered_.erase(it);
            return true;
        };
        if (!cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), done)) {
            return make_error(Errc::timeout, "Paho publish to " + topic + ": no PUBACK within " +
                                                 std::to_string(timeout_ms) + " ms");
        }
    }
    return {};
}

std::optional<PahoMessage> PahoPeer::wait_message(std::uint32_t timeout_ms) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [this] { return !inbox_.empty(); })) {
        return std::nullopt;
    }
    PahoMessage m = std::move(inbox_.front());
    inbox_.pop_front();
    return m;
}

std::size_t PahoPeer::pending() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return inbox_.size();
}

void PahoPeer::disconnect() {
    if (client_ != nullptr && MQTTClient_isConnected(client_)) MQTTClient_disconnect(client_, 1000);
}

PahoPeer::~PahoPeer() {
    disconnect();
    if (client_ != nullptr) {
        MQTTClient client = client_;
        MQTTClient_destroy(&client);
    }
}

}  // namespace iotlite::test
