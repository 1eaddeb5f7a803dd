// Small value types shared by the MQTT codec, the topic rules and the client engine.
// (Moved out of client.hpp so that packet.hpp / codec.hpp need not include the client.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace iotlite::mqtt {

class Properties;  // MQTT 5 properties (properties.hpp)

// An optional MQTT 5 Properties value, owned, copied deeply. Null on MQTT 3.1.1, so a 3.1.1
// message pays one pointer. (Not std::shared_ptr: its control block and the type_info comparison
// it links cost ~1 KB of .text on Cortex-M.) Defined in properties.cpp.
class PropertiesPtr {
public:
    PropertiesPtr() = default;
    PropertiesPtr(std::nullptr_t) {}  // NOLINT: implicit by design
    explicit PropertiesPtr(const Properties& value);
    explicit PropertiesPtr(Properties&& value);
    PropertiesPtr(const PropertiesPtr& other);
    PropertiesPtr(PropertiesPtr&& other) noexcept : p_(other.p_) { other.p_ = nullptr; }
    PropertiesPtr& operator=(const PropertiesPtr& other);
    PropertiesPtr& operator=(PropertiesPtr&& other) noexcept;
    ~PropertiesPtr();

    const Properties* get() const { return p_; }
    const Properties& operator*() const { return *p_; }
    const Properties* operator->() const { return p_; }
    explicit operator bool() const { return p_ != nullptr; }
    friend bool operator==(const PropertiesPtr& a, std::nullptr_t) { return a.p_ == nullptr; }
    friend bool operator!=(const PropertiesPtr& a, std::nullptr_t) { return a.p_ != nullptr; }

private:
    Properties* p_ = nullptr;
};

// QoS 2 is deliberately absent: AWS IoT does not support it, and an inbound QoS 2
// PUBLISH is a protocol error.
enum class QoS : std::uint8_t { at_most_once = 0, at_least_once = 1 };

struct Will {
    std::string topic;
    std::vector<std::uint8_t> payload;
    QoS qos = QoS::at_most_once;
    bool retain = false;
    // MQTT 5 Will Properties (§3.1.3.2); null: none. Refused on an MQTT 3.1.1 client.
    PropertiesPtr properties{};
};

struct Message {
    std::string topic;
    std::vector<std::uint8_t> payload;
    QoS qos = QoS::at_most_once;
    bool retain = false;
    bool dup = false;
    // MQTT 5: the PUBLISH's properties (user properties, content type, response topic, ...),
    // the Topic Alias already resolved into `topic` and removed; null when it had none, and
    // always on MQTT 3.1.1 (so a 3.1.1 message costs one null pointer).
    PropertiesPtr properties{};
};

struct TopicFilter {
    std::string filter;
    QoS qos = QoS::at_most_once;
    // MQTT 5 subscription options (§3.8.3.1); refused on an MQTT 3.1.1 client unless all default.
    bool no_local = false;             // not for a shared subscription ($share/...)
    bool retain_as_published = false;
    std::uint8_t retain_handling = 0;  // 0 send retained, 1 only on a new subscription, 2 never
};

// SUBACK return code per filter (MQTT 3.1.1 §3.9.3). On MQTT 5 it holds the SUBACK reason code
// (§3.9.3: 0x00..0x02 granted, 0x80 and above refused: 0x87 not authorized, 0x97 quota...).
enum class SubackCode : std::uint8_t { granted_qos0 = 0x00, granted_qos1 = 0x01, granted_qos2 = 0x02, failure = 0x80 };

}  // namespace iotlite::mqtt
