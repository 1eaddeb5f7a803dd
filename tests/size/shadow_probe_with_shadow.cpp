// Code-size probe (not a test): the same program plus the shadow client, linked by tests/size/services_arm.sh.
#include "iotlite/mqtt/client.hpp"
#include "iotlite/services/shadow/shadow_client.hpp"
int main() {
    iotlite::mqtt::Config c; c.client_id = "d";
    auto r = iotlite::mqtt::Client::create(c);
    if (!r) return 1;
    auto& m = *r.value();
    auto s = iotlite::shadow::ShadowClient::create(m, {});
    if (!s) return 2;
    auto& sh = *s.value();
    (void)m.connect(0);
    iotlite::mqtt::Event ev;
    iotlite::shadow::ShadowEvent se;
    uint8_t b[4] = {0x20,2,0,0}; m.on_bytes(b, 4, 1);
    (void)m.subscribe({{"a", iotlite::mqtt::QoS::at_least_once}}, 1);
    (void)m.publish("a", b, 4, iotlite::mqtt::QoS::at_least_once, false, 1);
    (void)sh.get({"t", ""}, 1);
    (void)sh.update_json({"t", "n"}, "{\"reported\":{\"a\":1}}", 1);
    (void)sh.watch({"t", ""}, iotlite::shadow::Stream::delta, 1);
    while (m.poll_event(ev)) sh.on_event(ev, 1);
    sh.on_tick(5);
    while (sh.poll_event(se)) {}
    auto* mi = sh.mirror({"t", ""});
    m.on_tick(2); return (int)m.output_size() + (mi ? (int)mi->delta().size() : 0);
}
