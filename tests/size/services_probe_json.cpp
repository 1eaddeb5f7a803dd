// Code-size probe (not a test): the MQTT-only program plus what the services use of nlohmann/json
// (parse, typed reads, object building, dump), linked by tests/size/services_arm.sh to show the JSON
// library's share of each service client's cost.
#include <string>

#include <nlohmann/json.hpp>

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
    nlohmann::json doc = nlohmann::json::parse(argc > 1 ? argv[1] : "{}", nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return 3;
    nlohmann::json out = nlohmann::json::object();
    for (auto& [k, v] : doc.items()) {
        if (v.is_number_integer()) out[k] = v.get<long long>() + 1;
        else if (v.is_string()) out[k] = v.get<std::string>();
        else if (v.is_object()) out[k].merge_patch(v);
        else out[k] = v;
    }
    const std::string text = out.dump();
    m.on_tick(2); return (int)m.output_size() + (int)text.size();
}
