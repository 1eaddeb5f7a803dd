// StandinProcess — runs the local AWS IoT Core stand-in (standin/standin.mjs) as a child
// process for one test, and makes sure nothing of it survives the test.
//
// start(): spawns `node standin.mjs --quiet --ports <every port>=0` in its own process group, with
// stdin a pipe from us (the stand-in stops when that pipe closes, i.e. also when this test process
// dies, even by SIGKILL); reads its one JSON "ready" line within a bound.
// stop() (also from the destructor, i.e. on every ASSERT failure path): closes stdin, sends SIGTERM,
// waits (bounded) for the stand-in to exit, then SIGKILLs whatever is left of its process group
// (the Mosquitto guard and Mosquitto live there) and reaps it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace iotlite::test {

struct StandinEndpoints {
    std::string raw;              // the JSON line as printed
    std::uint16_t broker_tcp_port = 0;
    std::uint16_t admin_port = 0;  // from adminUrl
    bool shadow_service = false;
};

class StandinProcess {
public:
    StandinProcess() = default;
    ~StandinProcess();
    StandinProcess(const StandinProcess&) = delete;
    StandinProcess& operator=(const StandinProcess&) = delete;

    // Empty string on success, else what went wrong (the stand-in's stderr is inherited: it shows in the test log).
    std::string start(const std::string& node, const std::string& standin_script, std::uint32_t timeout_ms);
    const StandinEndpoints& endpoints() const { return endpoints_; }

    // Stops the stand-in and everything in its process group. Returns "" when the whole group is
    // gone within the bound, else a description of what was left (and then SIGKILLed).
    std::string stop(std::uint32_t timeout_ms = 10000);

    // POST to the admin API (e.g. "/admin/broker/stop"); returns the HTTP status (0 when the
    // request failed), and the body in `body`. Bounded by timeout_ms.
    int admin_post(const std::string& path, const std::string& json_body, std::string* body,
                   std::uint32_t timeout_ms = 10000) const;

    pid_t pid() const { return pid_; }
    // True while any process of the stand-in's process group exists.
    bool group_alive() const;

private:
    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    int stdout_fd_ = -1;
    bool reaped_ = false;
    StandinEndpoints endpoints_;
};

}  // namespace iotlite::test
