// Code-size probe (not a test): the MQTT-only program plus what the services use of core's JSON
// (json::Value: parse, typed reads, object building, merge, dump), linked by
// tests/size/services_arm.sh to show the JSON share of each service client's cost.
#include <string>

#include "iotlite/json/value.hpp"
#include "iotlite/mqtt/client.hpp"
int main(int argc, char** argv) {
    iotlite::mqtt::Config c; c.client_id = "d";
    auto r = iotlite::mqtt::Client::create(c);
    if (!r) return 1;
    auto& m = *r.value();
    (void)m.connect(0);
    iotlite::mqtt::Event ev;
    while (m.poll_event(ev)) {}
    uint8_t b[4] = {0x20,2,0,0}; m.on_bytes(b, 4, 1);
    (void)m.subscribe({{"a", iotlite::mqtt::QoS::at_least_once}}, 1);
    (void)m.publish("a", b, 4, iotlite::mqtt::QoS::at_least_once, false, 1);
    auto parsed = iotlite::json::parse(argc > 1 ? argv[1] : "{}", 32);
    if (!parsed.ok() || !parsed.value().is_object()) return 3;
    const iotlite::json::Value& doc = parsed.value();
    iotlite::json::Value out = iotlite::json::Value::object();
    for (auto it = doc.begin(); it != doc.end(); ++it) {
        const iotlite::json::Value& v = it.value();
        if (v.is_number_integer()) out[it.key()] = v.get<long long>() + 1;
        else if (v.is_string()) out[it.key()] = v.get<std::string>();
        else if (v.is_object()) {
            for (auto m = v.begin(); m != v.end(); ++m) {
                if (m.value().is_null()) out[it.key()].erase(m.key());
                else out[it.key()][m.key()] = m.value();
            }
        } else out[it.key()] = v;
    }
    const std::string text = out.dump();
    m.on_tick(2); return (int)m.output_size() + (int)text.size();
}
