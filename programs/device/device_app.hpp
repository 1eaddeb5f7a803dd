// The example device: a thing that
//   - publishes a sensor reading on devices/<thing>/telemetry every `interval_s` seconds (QoS 1),
//   - keeps its classic shadow's `led` state: applies desired values (from get and deltas) and
//     reports them back,
//   - publishes {"event":"button"} on devices/<thing>/button when the button is pressed
//     (SIGUSR1, or a line on stdin),
//   - with a job command (--jobs-exec CMD): runs it for each AWS IoT job of the thing with the
//     CLI's job agent (programs/cli/job_agent.hpp: `iotlite jobs agent` is the same code).
// Everything runs in one poll loop (firmware::Session); no threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "iotlite/connection/target_builder.hpp"
#include "iotlite/firmware/session.hpp"
#include "iotlite/firmware/transport_factory.hpp"
#include "iotlite/services/shadow/shadow_client.hpp"
#include "job_agent.hpp"

namespace iotlite::firmware::device {

struct DeviceOptions {
    std::string thing = "iotlite-device";
    std::string client_id;          // default: thing
    std::uint32_t interval_s = 10;  // telemetry period
    std::string telemetry_topic;    // default: devices/<thing>/telemetry
    std::string button_topic;       // default: devices/<thing>/button
    bool once = false;              // exit after the first reported shadow update is accepted
    std::string where;              // "HOST:PORT", for the lines printed ("connected to ...")
    std::string jobs_exec;          // run for each job (/bin/sh -c); empty: no job agent
    std::uint32_t jobs_max = 0;     // stop after this many jobs (0: no limit)
    std::optional<std::uint32_t> jobs_step_timeout_minutes;  // stepTimeoutInMinutes with StartNext
};

class DeviceApp {
public:
    DeviceApp(DeviceOptions options, std::unique_ptr<Session> session);
    ~DeviceApp();

    // Sets the handlers, attaches the shadow client (and the job agent) to the session and
    // connects. Errors: a service's rules (before connecting), the session's.
    Result<void> start();
    // One loop turn (waits at most max_wait_ms).
    void poll(std::uint32_t max_wait_ms);
    void press_button();
    // --once: the shadow report accepted; with jobs_max: that many jobs handled.
    bool done() const { return done_ || (agent_ && agent_->done()); }
    // Jobs handled, and how many of them did not succeed.
    std::uint32_t jobs_handled() const { return agent_ ? agent_->handled() : 0; }
    std::uint32_t jobs_failed() const { return jobs_failed_; }
    bool ever_connected() const { return ever_connected_; }
    // The last reason a connect attempt failed or the connection ended ("" if none).
    const std::string& last_failure() const { return last_failure_; }
    bool led() const { return led_; }
    Session& session() { return *session_; }
    // The builder of the session's targets: told about failed attempts (fresh credentials after a 403).
    void set_target_builder(connection::TargetBuilder* targets) { targets_ = targets; }

private:
    void on_event(const mqtt::Event& event);
    void on_shadow(const shadow::ShadowEvent& event);
    void apply_desired(const shadow::Json& state);
    void report_led();
    void publish_telemetry();

    DeviceOptions options_;
    std::unique_ptr<Session> session_;
    std::unique_ptr<shadow::ShadowClient> shadow_;  // created on session_'s engine in start()
    std::unique_ptr<cli::JobAgent> agent_;          // with jobs_exec; created in start()
    std::uint32_t jobs_failed_ = 0;
    connection::TargetBuilder* targets_ = nullptr;
    shadow::ShadowId shadow_id_;
    bool led_ = false;
    bool connected_ = false;
    bool ever_connected_ = false;
    bool done_ = false;
    std::string last_failure_;
    std::map<std::uint32_t, std::string> pending_publishes_;  // op id -> "telemetry #3", "button"
    std::uint32_t report_request_ = 0;
    std::uint64_t next_telemetry_ms_ = 0;
    std::uint32_t sequence_ = 0;
};

}  // namespace iotlite::firmware::device
