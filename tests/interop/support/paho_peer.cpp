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

Result<std::unique_ptr<PahoPeer>> PahoPeer::connect5(std::uint16_t port, const std::string& client_id) {
    std::unique_ptr<PahoPeer> peer(new PahoPeer());
    peer->v5_ = true;
    const std::string uri = "tcp://127.0.0.1:" + std::to_string(port);
    MQTTClient client = nullptr;
    MQTTClient_createOptions create = MQTTClient_createOptions_initializer;
    create.MQTTVersion = MQTTVERSION_5;
    int rc = MQTTClient_createWithOptions(&client, uri.c_str(), client_id.c_str(), MQTTCLIENT_PERSISTENCE_NONE, nullptr,
                                          &create);
    if (rc != MQTTCLIENT_SUCCESS) return make_error(Errc::io_error, "MQTTClient_createWithOptions: " + std::to_string(rc));
    peer->client_ = client;
    rc = MQTTClient_setCallbacks(
        client, peer.get(), &PahoPeer::on_connection_lost,
        [](void* ctx, char* topic, int len, MQTTClient_message* msg) { return on_message(ctx, topic, len, msg); },
        &PahoPeer::on_delivered);
    if (rc != MQTTCLIENT_SUCCESS) return make_error(Errc::io_error, "MQTTClient_setCallbacks: " + std::to_string(rc));
    MQTTClient_connectOptions opts = MQTTClient_connectOptions_initializer5;
    opts.keepAliveInterval = 60;
    opts.cleanstart = 1;
    opts.connectTimeout = 5;
    MQTTResponse response = MQTTClient_connect5(client, &opts, nullptr, nullptr);
    rc = response.reasonCode;
    MQTTResponse_free(response);
    if (rc != MQTTCLIENT_SUCCESS)
        return make_error(Errc::io_error, "Paho MQTT 5 connect to " + uri + " failed: " + std::to_string(rc));
    return peer;
}

namespace {

std::string text_of(const MQTTLenString& s) { return std::string(s.data, static_cast<std::size_t>(s.len)); }

// The properties of a received MQTT 5 message.
PahoProperties read_properties(const MQTTProperties& props) {
    PahoProperties out;
    for (int i = 0; i < props.count; ++i) {
        const MQTTProperty& p = props.array[i];
        switch (p.identifier) {
            case MQTTPROPERTY_CODE_USER_PROPERTY:
                out.user_properties.emplace_back(text_of(p.value.data), text_of(p.value.value));
                break;
            case MQTTPROPERTY_CODE_CONTENT_TYPE: out.content_type = text_of(p.value.data); break;
            case MQTTPROPERTY_CODE_RESPONSE_TOPIC: out.response_topic = text_of(p.value.data); break;
            case MQTTPROPERTY_CODE_CORRELATION_DATA: {
                const std::string d = text_of(p.value.data);
                out.correlation_data.assign(d.begin(), d.end());
                break;
            }
            case MQTTPROPERTY_CODE_MESSAGE_EXPIRY_INTERVAL: out.message_expiry_s = p.value.integer4; break;
            default: break;
        }
    }
    return out;
}

void add_text(MQTTProperties& props, MQTTPropertyCodes id, const std::string& text) {
    MQTTProperty p{};
    p.identifier = id;
    p.value.data.len = static_cast<int>(text.size());
    p.value.data.data = const_cast<char*>(text.data());  // Paho copies it
    MQTTProperties_add(&props, &p);
}

}  // namespace

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
    if (self->v5_) m.properties = read_properties(msg->properties);
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
    int rc;
    if (v5_) {
        MQTTResponse response = MQTTClient_subscribe5(client_, filter.c_str(), qos, nullptr, nullptr);
        rc = response.reasonCode == qos ? MQTTCLIENT_SUCCESS : response.reasonCode;  // the granted QoS
        MQTTResponse_free(response);
    } else {
        rc = MQTTClient_subscribe(client_, filter.c_str(), qos);
    }
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
    if (qos > 0) return await_delivery(token, topic, timeout_ms);
    return {};
}

Result<void> PahoPeer::publish5(const std::string& topic, const std::vector<std::uint8_t>& payload, int qos,
                                const PahoProperties& properties, std::uint32_t timeout_ms) {
    MQTTProperties props = MQTTProperties_initializer;
    for (const auto& [name, value] : properties.user_properties) {
        MQTTProperty p{};
        p.identifier = MQTTPROPERTY_CODE_USER_PROPERTY;
        p.value.data.len = static_cast<int>(name.size());
        p.value.data.data = const_cast<char*>(name.data());
        p.value.value.len = static_cast<int>(value.size());
        p.value.value.data = const_cast<char*>(value.data());
        MQTTProperties_add(&props, &p);
    }
    if (!properties.content_type.empty()) add_text(props, MQTTPROPERTY_CODE_CONTENT_TYPE, properties.content_type);
    if (!properties.response_topic.empty()) add_text(props, MQTTPROPERTY_CODE_RESPONSE_TOPIC, properties.response_topic);
    const std::string correlation(properties.correlation_data.begin(), properties.correlation_data.end());
    if (!correlation.empty()) add_text(props, MQTTPROPERTY_CODE_CORRELATION_DATA, correlation);
    if (properties.message_expiry_s) {
        MQTTProperty p{};
        p.identifier = MQTTPROPERTY_CODE_MESSAGE_EXPIRY_INTERVAL;
        p.value.integer4 = properties.message_expiry_s;
        MQTTProperties_add(&props, &p);
    }
    MQTTClient_deliveryToken token = 0;
    MQTTResponse response = MQTTClient_publish5(client_, topic.c_str(), static_cast<int>(payload.size()),
                                                payload.empty() ? nullptr : payload.data(), qos, 0, &props, &token);
    const int rc = response.reasonCode;
    MQTTResponse_free(response);
    MQTTProperties_free(&props);
    if (rc != MQTTCLIENT_SUCCESS) return make_error(Errc::io_error, "Paho publish5 to " + topic + " failed: " + std::to_string(rc));
    if (qos > 0) return await_delivery(token, topic, timeout_ms);
    return {};
}

Result<void> PahoPeer::await_delivery(int token, const std::string& topic, std::uint32_t timeout_ms) {
    {
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
