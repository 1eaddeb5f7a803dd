// Code-size probe (not a test): the MQTT-only program plus the Jobs client, linked by tests/size/services_arm.sh.
#include "iotlite/mqtt/client.hpp"
#include "iotlite/services/jobs/jobs_client.hpp"
int main() {
    iotlite::mqtt::Config c; c.client_id = "d";
    auto r = iotlite::mqtt::Client::create(c);
    if (!r) return 1;
    auto& m = *r.value();
    iotlite::jobs::JobsConfig jc; jc.thing_name = "t";
    auto j = iotlite::jobs::JobsClient::create(m, jc);
    if (!j) return 2;
    auto& jobs = *j.value();
    (void)m.connect(0);
    iotlite::mqtt::Event ev;
    iotlite::jobs::JobsEvent je;
    uint8_t b[4] = {0x20,2,0,0}; m.on_bytes(b, 4, 1);
    (void)m.subscribe({{"a", iotlite::mqtt::QoS::at_least_once}}, 1);
    (void)m.publish("a", b, 4, iotlite::mqtt::QoS::at_least_once, false, 1);
    (void)jobs.get_pending(1);
    (void)jobs.start_next(1);
    (void)jobs.describe("$next", 1);
    iotlite::jobs::UpdateOptions done; done.status = iotlite::jobs::JobStatus::succeeded;
    done.status_details = iotlite::jobs::StatusDetails{{"k", "v"}};
    (void)jobs.update("j", done, 1);
    (void)jobs.watch(iotlite::jobs::Stream::notify_next, 1);
    while (m.poll_event(ev)) jobs.on_event(ev, 1);
    jobs.on_tick(5);
    int n = 0;
    while (jobs.poll_event(je)) n += je.answer.execution ? (int)je.answer.execution->job_document.size() : 1;
    m.on_tick(2); return (int)m.output_size() + n;
}
