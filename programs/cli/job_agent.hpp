// iotlite::cli::JobAgent — runs a command for each AWS IoT job of a thing, shared by
// `iotlite jobs agent` and the example device (`iotlite_device --jobs-exec`).
//
// The flow (AWS IoT developer guide, "Programming devices to work with jobs" (jobs-devices) and
// "Jobs device MQTT API operations" (jobs-mqtt-api); API reference, StartNextPendingJobExecution:
// "the next pending (status IN_PROGRESS or QUEUED) job execution", stepTimeoutInMinutes 1..10080,
// the step timer reset only by an IN_PROGRESS update that names a new one):
//   1. subscribe to jobs/notify-next, then StartNextPendingJobExecution (with --step-timeout:
//      stepTimeoutInMinutes); the service moves the next execution to IN_PROGRESS. Nothing
//      pending: wait for a notify-next that names one, then StartNext again.
//   2. run the command (ChildProcess: `/bin/sh -c COMMAND`, the job document on its stdin, the job
//      id in IOTLITE_JOB_ID and the thing in IOTLITE_THING_NAME) and report IN_PROGRESS
//      (statusDetails {"step": "running"}, expectedVersion: the started execution's version).
//   3. exit 0: UpdateJobExecution SUCCEEDED, statusDetails {"exitCode": "0"}; anything else: FAILED
//      with {"exitCode": "<n>"} (or {"signal": "<n>"} when a signal ended it).
//   Cancellation while the command runs: a notify-next that no longer names the job makes the agent
//   ask (DescribeJobExecution); TerminalStateReached / ResourceNotFound, a terminal status, or the
//   same codes rejecting the IN_PROGRESS report mean the job ended on the service side (CANCELED,
//   TIMED_OUT, REMOVED): the command gets SIGTERM, then SIGKILL after kill_grace_ms, and the agent
//   moves on without reporting. The execution's own timer (approximateSecondsBeforeTimedOut in
//   StartNext's answer, else --step-timeout) is also a local deadline: past it the command is
//   killed the same way and FAILED {"reason": "timeout"} is reported (rejected when the service
//   already timed it out).
//   Then StartNext again, until max_jobs jobs are handled.
//
// Driven from the owner's poll loop like any mqtt::Service: attach jobs() to the session, call
// start() once, tick() on every turn. The agent never blocks. Interrupting the owner destroys the
// agent, which kills a running command and leaves its execution IN_PROGRESS (a restarted agent
// resumes it: StartNext answers IN_PROGRESS executions first; its step timer, if any, ends it).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "child_process.hpp"
#include "iotlite/mqtt/client.hpp"
#include "iotlite/services/jobs/jobs_client.hpp"

namespace iotlite::cli {

struct JobAgentOptions {
    std::string thing_name;
    std::string command;                                 // run with /bin/sh -c for each job
    std::optional<std::uint32_t> step_timeout_minutes;   // sent with StartNext (1..10080)
    std::uint32_t max_jobs = 0;                          // 0: no limit
    std::uint32_t request_timeout_ms = 10000;
    std::uint32_t kill_grace_ms = 5000;                  // SIGTERM, then SIGKILL after this
    std::uint32_t retry_delay_ms = 2000;                 // after a failed / throttled request
    std::string client_token_prefix;                     // empty: the jobs client's default
};

// What became of one job.
struct JobOutcome {
    enum class Kind : std::uint8_t {
        succeeded,  // the command exited 0 and SUCCEEDED was accepted
        failed,     // the command failed and FAILED was accepted
        canceled,   // the job ended on the service side while the command ran (CANCELED, TIMED_OUT,
                // REMOVED: `detail` says which); the command killed
        timed_out,  // the local deadline passed (killed; FAILED reported)
        not_reported,  // the final report was rejected or never answered
    };
    Kind kind = Kind::failed;
    std::string job_id;
    std::optional<int> exit_code;  // the command's exit status
    std::optional<int> signal;     // the signal that ended the command
    std::string status;            // what the service holds: SUCCEEDED, FAILED, CANCELED, ... ("" unknown)
    std::string detail;            // why (a rejection's code and message, the kill), for the log
};
const char* job_outcome_name(JobOutcome::Kind kind);  // "succeeded", "failed", ...

class JobAgent {
public:
    using OutcomeHandler = std::function<void(const JobOutcome&)>;
    using LogHandler = std::function<void(const std::string&)>;

    // Errors: the jobs client's config rules (thing name), invalid_argument (empty command).
    // `clock` gives the owner's loop time (firmware::Session::now_ms), read when a handler starts
    // a request.
    static Result<std::unique_ptr<JobAgent>> create(mqtt::Client& client, JobAgentOptions options,
                                                    std::function<std::uint64_t()> clock);

    // The service to attach to the session (firmware::Session::attach) before start().
    jobs::JobsClient& jobs() { return *jobs_; }
    void set_outcome_handler(OutcomeHandler handler) { on_outcome_ = std::move(handler); }
    void set_log_handler(LogHandler handler) { on_log_ = std::move(handler); }

    // Subscribes to notify-next and asks for the next job (sent once connected). Errors: the
    // rule a request broke (the step timeout: invalid_argument naming AWS's range), before any
    // byte is sent.
    Result<void> start(std::uint64_t now_ms);
    // Feeds the command's stdin, reaps it, runs the deadlines (kill grace, local timeout, retries).
    void tick(std::uint64_t now_ms);
    // The session connected again after a loss: when idle, ask for the next job (notify-next
    // messages sent meanwhile are lost).
    void on_reconnected();
    // The earliest time tick() has work (UINT64_MAX: none).
    std::uint64_t next_deadline_ms() const;

    // max_jobs jobs handled and nothing running.
    bool done() const { return options_.max_jobs != 0 && handled_ >= options_.max_jobs && state_ == State::idle; }
    // A job is being handled (started, running, being killed or reported).
    bool busy() const { return state_ != State::idle; }
    std::uint32_t handled() const { return handled_; }

private:
    enum class State : std::uint8_t { idle, starting, running, killing, reporting };

    JobAgent(JobAgentOptions options, std::unique_ptr<jobs::JobsClient> jobs, std::function<std::uint64_t()> clock);
    void on_jobs_event(const jobs::JobsEvent& event);
    void request_next();
    void on_started(const jobs::JobsEvent& event);
    void on_command_done();
    void kill_command(JobOutcome::Kind why, const std::string& detail);
    void report(jobs::JobStatus status, jobs::StatusDetails details);
    void finish(JobOutcome outcome);
    void check_job();  // DescribeJobExecution of the running job
    bool ended_on_service(const jobs::JobsEvent& event) const;
    void log(const std::string& line);

    JobAgentOptions options_;
    std::unique_ptr<jobs::JobsClient> jobs_;
    OutcomeHandler on_outcome_;
    LogHandler on_log_;
    std::function<std::uint64_t()> clock_;

    State state_ = State::idle;
    std::uint32_t handled_ = 0;
    std::uint32_t request_id_ = 0;       // the StartNext / final update in flight
    std::uint32_t progress_request_ = 0;  // the IN_PROGRESS report in flight
    std::uint32_t describe_request_ = 0;  // the cancellation check in flight
    bool next_wanted_ = false;            // a notify-next named a job while we were busy starting
    std::uint64_t retry_at_ = UINT64_MAX;   // idle: ask for the next job again then
    std::uint64_t timeout_at_ = UINT64_MAX; // running: the local deadline
    std::uint64_t sigkill_at_ = UINT64_MAX; // killing: SIGKILL then

    std::unique_ptr<ChildProcess> child_;
    JobOutcome current_;                 // the job being handled
    std::int64_t version_ = 0;           // its execution's version as we last saw it
    JobOutcome::Kind kill_reason_ = JobOutcome::Kind::canceled;
    jobs::JobStatus final_status_ = jobs::JobStatus::failed;
    jobs::StatusDetails final_details_;
    std::uint32_t report_attempts_ = 0;
};

}  // namespace iotlite::cli
