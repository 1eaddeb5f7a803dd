#include "device_app.hpp"
#include "iotlite/services/request_tracker.hpp"

#include <cmath>
#include <cstdio>

namespace iotlite::firmware::device {

DeviceApp::DeviceApp(DeviceOptions options, std::unique_ptr<Session> session)
    : options_(std::move(options)), session_(std::move(session)) {
    if (options_.client_id.empty()) options_.client_id = options_.thing;
    if (options_.telemetry_topic.empty()) options_.telemetry_topic = "devices/" + options_.thing + "/telemetry";
    if (options_.button_topic.empty()) options_.button_topic = "devices/" + options_.thing + "/button";
    shadow_id_.thing = options_.thing;
}

Result<void> DeviceApp::start() {
    session_->set_event_handler([this](const mqtt::Event& e) { on_event(e); });
    shadow::ShadowConfig config;
    config.client_token_prefix = "dev-";
    Result<std::unique_ptr<shadow::ShadowClient>> sc = shadow::ShadowClient::create(session_->client(), config);
    if (!sc.ok()) return sc.error();
    shadow_ = std::move(sc.value());
    shadow_->set_event_handler([this](const shadow::ShadowEvent& e) { on_shadow(e); });
    Result<void> attached = session_->attach(*shadow_);
    if (!attached.ok()) return attached.error();
    if (!options_.jobs_exec.empty()) {
        cli::JobAgentOptions jobs;
        jobs.thing_name = options_.thing;
        jobs.command = options_.jobs_exec;
        jobs.max_jobs = options_.jobs_max;
        jobs.step_timeout_minutes = options_.jobs_step_timeout_minutes;
        jobs.client_token_prefix = "dev-jobs-";
        Session* session = session_.get();
        Result<std::unique_ptr<cli::JobAgent>> agent = cli::JobAgent::create(session_->client(), jobs, [session] { return session->now_ms(); });
        if (!agent.ok()) return agent.error();
        agent_ = std::move(agent.value());
        agent_->set_log_handler([](const std::string& line) {
            std::printf("jobs: %s\n", line.c_str());
            std::fflush(stdout);
        });
        agent_->set_outcome_handler([this](const cli::JobOutcome& o) {
            if (o.kind != cli::JobOutcome::Kind::succeeded) ++jobs_failed_;
            std::printf("job %s: %s%s%s\n", o.job_id.c_str(), cli::job_outcome_name(o.kind), o.detail.empty() ? "" : ": ",
                        o.detail.c_str());
            std::fflush(stdout);
        });
        attached = session_->attach(agent_->jobs());
        if (!attached.ok()) return attached.error();
        // Queued until connected; a rule the first request breaks is reported here.
        Result<void> started = agent_->start(session_->now_ms());
        if (!started.ok()) return started.error();
    }
    return session_->start();
}

DeviceApp::~DeviceApp() {
    if (agent_) session_->detach(agent_->jobs());  // the session outlives nothing it was given
}

void DeviceApp::poll(std::uint32_t max_wait_ms) {
    std::uint64_t now = session_->now_ms();
    if (connected_ && now >= next_telemetry_ms_) {
        publish_telemetry();
        next_telemetry_ms_ = now + static_cast<std::uint64_t>(options_.interval_s) * 1000u;
    }
    if (connected_ && next_telemetry_ms_ > now) max_wait_ms = static_cast<std::uint32_t>(std::min<std::uint64_t>(max_wait_ms, next_telemetry_ms_ - now));
    if (agent_) {
        const std::uint64_t due = agent_->next_deadline_ms();
        if (due > now && due != UINT64_MAX) max_wait_ms = static_cast<std::uint32_t>(std::min<std::uint64_t>(max_wait_ms, due - now));
    }
    session_->poll(max_wait_ms);
    if (agent_) agent_->tick(session_->now_ms());
}

void DeviceApp::press_button() {
    const std::string payload = "{\"event\":\"button\",\"led\":" + std::string(led_ ? "true" : "false") + "}";
    auto r = session_->publish(options_.button_topic, payload, mqtt::QoS::at_least_once);
    if (r.ok()) {
        pending_publishes_[r.value()] = "button press";
        std::printf("button: publishing on %s%s\n", options_.button_topic.c_str(), connected_ ? "" : " (queued until connected)");
    } else {
        std::printf("button: publish refused: %s\n", r.error().message.c_str());
    }
    std::fflush(stdout);
}

void DeviceApp::publish_telemetry() {
    // A made-up temperature sensor: a slow sine around 21 degrees.
    ++sequence_;
    const double value = 21.0 + 2.0 * std::sin(sequence_ / 10.0);
    char payload[96];
    std::snprintf(payload, sizeof payload, "{\"seq\":%u,\"temperature\":%.2f}", static_cast<unsigned>(sequence_), value);
    auto r = session_->publish(options_.telemetry_topic, payload, mqtt::QoS::at_least_once);
    if (r.ok()) pending_publishes_[r.value()] = "telemetry #" + std::to_string(sequence_);
    else std::printf("telemetry: publish refused: %s\n", r.error().message.c_str());
}

void DeviceApp::on_event(const mqtt::Event& e) {
    using T = mqtt::Event::Type;
    switch (e.type) {
        case T::connected: {
            if (agent_ && ever_connected_) agent_->on_reconnected();
            connected_ = true;
            ever_connected_ = true;
            std::printf("connected to %s as %s (%s)\n", options_.where.c_str(), options_.client_id.c_str(),
                        e.session_present ? "session resumed" : "new session");
            shadow::ShadowClient* sc = shadow_.get();
            auto w = sc->watch(shadow_id_, shadow::Stream::delta, session_->now_ms());
            if (!w.ok()) std::printf("shadow: watch failed: %s\n", w.error().message.c_str());
            auto g = sc->get(shadow_id_, session_->now_ms());
            if (!g.ok()) std::printf("shadow: get refused: %s\n", g.error().message.c_str());
            break;
        }
        case T::disconnected:
            connected_ = false;
            if (targets_) targets_->on_attempt_failed(e.error);
            last_failure_ = e.error.message;
            std::printf("disconnected from %s: %s\n", options_.where.c_str(), e.error.message.c_str());
            break;
        case T::reconnecting:
            // "reconnecting in 2.0 s (attempt 3; TCP connect to 127.0.0.1:1 failed: Connection refused)"
            std::printf("reconnecting in %u.%u s (attempt %u%s%s)\n", e.delay_ms / 1000, (e.delay_ms % 1000) / 100,
                        e.attempt, last_failure_.empty() ? "" : "; ", last_failure_.c_str());
            break;
        case T::published: {
            auto it = pending_publishes_.find(e.op_id);
            std::printf("%s delivered (PUBACK)\n", it != pending_publishes_.end() ? it->second.c_str() : "message");
            if (it != pending_publishes_.end()) pending_publishes_.erase(it);
            break;
        }
        case T::publish_failed: {
            auto it = pending_publishes_.find(e.op_id);
            std::printf("%s not delivered: %s\n", it != pending_publishes_.end() ? it->second.c_str() : "message",
                        e.error.message.c_str());
            if (it != pending_publishes_.end()) pending_publishes_.erase(it);
            break;
        }
        case T::error:
            if (e.op_id == 0) {  // a failed connect attempt: its reason is shown with "reconnecting"
                if (targets_) targets_->on_attempt_failed(e.error);
                last_failure_ = e.error.message;
            } else {
                std::printf("error: %s\n", e.error.message.c_str());
            }
            break;
        default:
            break;
    }
    std::fflush(stdout);
}

void DeviceApp::apply_desired(const shadow::Json& state) {
    if (!state.is_object()) return;
    auto it = state.find("led");
    if (it == state.end()) return;
    bool value = led_;
    if (it->is_boolean()) value = it->get<bool>();
    else if (it->is_string()) value = it->get<std::string>() == "on";
    else return;
    led_ = value;
    std::printf("led=%s\n", led_ ? "on" : "off");
    report_led();
}

void DeviceApp::report_led() {
    shadow::Json patch = shadow::Json::object();
    patch["led"] = led_;
    auto r = shadow_->report(shadow_id_, patch, session_->now_ms());
    if (r.ok()) report_request_ = r.value();
    else std::printf("shadow: report refused: %s\n", r.error().message.c_str());
}

void DeviceApp::on_shadow(const shadow::ShadowEvent& e) {
    using T = shadow::ShadowEvent::Type;
    switch (e.type) {
        case T::accepted:
            if (e.op == shadow::Operation::get) {
                std::printf("shadow: get accepted (version %llu)\n",
                            static_cast<unsigned long long>(e.document.version.value_or(0)));
                const shadow::Json& state = e.document.state;
                if (state.is_object() && state.contains("desired")) apply_desired(state["desired"]);
                else report_led();
            } else if (e.op == shadow::Operation::update) {
                std::printf("shadow: update accepted (version %llu)\n",
                            static_cast<unsigned long long>(e.document.version.value_or(0)));
                if (options_.once && e.request_id == report_request_) done_ = true;
            }
            break;
        case T::rejected:
            std::printf("shadow: %s rejected: %d %s\n", shadow::operation_name(e.op), e.rejection.code,
                        services::one_line(e.rejection.message).c_str());
            // A new thing has no shadow yet: create it by reporting.
            if (e.op == shadow::Operation::get && e.rejection.code == 404) report_led();
            break;
        case T::failed:
            std::printf("shadow: %s failed: %s\n", shadow::operation_name(e.op), e.error.message.c_str());
            break;
        case T::delta:
            std::printf("shadow: delta\n");
            apply_desired(e.document.state);
            break;
        default:
            break;
    }
    std::fflush(stdout);
}

}  // namespace iotlite::firmware::device
