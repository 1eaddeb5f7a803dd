// Code-size probe (not a test): the MQTT-only program plus the Fleet Provisioning client, linked by
// tests/size/services_arm.sh.
#include "iotlite/mqtt/client.hpp"
#include "iotlite/services/provisioning/provisioning_client.hpp"
int main() {
    iotlite::mqtt::Config c; c.client_id = "d";
    auto r = iotlite::mqtt::Client::create(c);
    if (!r) return 1;
    auto& m = *r.value();
    auto p = iotlite::provisioning::ProvisioningClient::create(m);
    if (!p) return 2;
    auto& prov = *p.value();
    (void)m.connect(0);
    iotlite::mqtt::Event ev;
    iotlite::provisioning::ProvisioningEvent pe;
    uint8_t b[4] = {0x20,2,0,0}; m.on_bytes(b, 4, 1);
    (void)m.subscribe({{"a", iotlite::mqtt::QoS::at_least_once}}, 1);
    (void)m.publish("a", b, 4, iotlite::mqtt::QoS::at_least_once, false, 1);
    (void)prov.create_keys_and_certificate(1);
    (void)prov.create_certificate_from_csr("-----BEGIN CERTIFICATE REQUEST-----", 1);
    (void)prov.register_thing("tpl", "token", {{"SerialNumber", "1"}}, 1);
    while (m.poll_event(ev)) prov.on_event(ev, 1);
    prov.on_tick(5);
    int n = 0;
    while (prov.poll_event(pe)) n += (int)pe.certificate.certificate_pem.size();
    m.on_tick(2); return (int)m.output_size() + n;
}
