// Code-size probe (not a test): an MQTT-only program, linked for Cortex-M4 by tests/size/services_arm.sh.
#include "iotlite/mqtt/client.hpp"
int main() {
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
    m.on_tick(2); return (int)m.output_size();
}
