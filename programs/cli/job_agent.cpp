#include "job_agent.hpp"
#include "iotlite/services/request_tracker.hpp"

#include <algorithm>
#include <csignal>

namespace iotlite::cli {

namespace {

constexpr std::uint32_t kMaxReportAttempts = 3;  // the final UpdateJobExecution, when unanswered

std::string signal_text(int sig) {
    switch (sig) {
        case SIGTERM: return "SIGTERM";
        case SIGKILL: return "SIGKILL";
        case SIGINT: return "SIGINT";
        default: return "signal " + std::to_string(sig);
    }
}

}  // namespace

const char* job_outcome_name(JobOutcome::Kind kind) {
    switch (kind) {
        case JobOutcome::Kind::succeeded: return "succeeded";
        case JobOutcome::Kind::failed: return "failed";
        case JobOutcome::Kind::canceled: return "canceled";
        case JobOutcome::Kind::timed_out: return "timed_out";
        case JobOutcome::Kind::not_reported: return "not_reported";
    }
    return "failed";
}

Result<std::unique_ptr<JobAgent>> JobAgent::create(mqtt::Client& client, JobAgentOptions options,
                                                   std::function<std::uint64_t()> clock) {
    if (options.command.empty()) return make_error(Errc::invalid_argument, "the job command is empty");
    if (!clock) return make_error(Errc::invalid_argument, "the job agent needs a clock");
    jobs::JobsConfig config;
    config.thing_name = options.thing_name;
    config.request_timeout_ms = options.request_timeout_ms;
    config.client_token_prefix = options.client_token_prefix;
    Result<std::unique_ptr<jobs::JobsClient>> made = jobs::JobsClient::create(client, std::move(config));
    if (!made.ok()) return made.error();
    return std::unique_ptr<JobAgent>(new JobAgent(std::move(options), std::move(made.value()), std::move(clock)));
}

JobAgent::JobAgent(JobAgentOptions options, std::unique_ptr<jobs::JobsClient> jobs, std::function<std::uint64_t()> clock)
    : options_(std::move(options)), jobs_(std::move(jobs)), clock_(std::move(clock)) {
    jobs_->set_event_handler([this](const jobs::JobsEvent& e) { on_jobs_event(e); });
}

Result<void> JobAgent::start(std::uint64_t now_ms) {
    Result<void> watched = jobs_->watch(jobs::Stream::notify_next, now_ms);
    if (!watched.ok()) return watched.error();
    // The first StartNext is made here so that a rule it breaks is reported before connecting.
    jobs::StartNextOptions start;
    start.step_timeout_minutes = options_.step_timeout_minutes;
    Result<std::uint32_t> sent = jobs_->start_next(now_ms, start);
    if (!sent.ok()) return sent.error();
    state_ = State::starting;
    request_id_ = sent.value();
    return {};
}

void JobAgent::log(const std::string& line) {
    if (on_log_) on_log_(line);
}

void JobAgent::request_next() {
    next_wanted_ = false;
    jobs::StartNextOptions start;
    start.step_timeout_minutes = options_.step_timeout_minutes;
    Result<std::uint32_t> sent = jobs_->start_next(clock_(), start);
    if (!sent.ok()) {
        state_ = State::idle;
        retry_at_ = clock_() + options_.retry_delay_ms;
        log("StartNextPendingJobExecution not sent: " + sent.error().message);
        return;
    }
    state_ = State::starting;
    request_id_ = sent.value();
}

namespace {
// What the service said, on one line: its code and message can hold any byte (services::one_line).
std::string said(const jobs::Rejection& rejection) {
    return services::one_line(rejection.code) + " " + services::one_line(rejection.message);
}
}  // namespace

bool JobAgent::ended_on_service(const jobs::JobsEvent& event) const {
    const std::string& code = event.rejection.code;
    if (code == "TerminalStateReached" || code == "ResourceNotFound") return true;
    const jobs::JobExecutionState& state = event.rejection.execution_state;
    return state.present && jobs::is_terminal(state.status);
}

void JobAgent::on_jobs_event(const jobs::JobsEvent& event) {
    using T = jobs::JobsEvent::Type;
    switch (event.type) {
        case T::notify_next: {
            const bool names_job = event.answer.execution.has_value();
            if (state_ == State::idle && names_job && !done()) {
                retry_at_ = UINT64_MAX;
                request_next();
            } else if (state_ == State::starting && names_job) {
                next_wanted_ = true;  // in case StartNext was answered before the job existed
            } else if (state_ == State::running && (!names_job || event.answer.execution->job_id != current_.job_id)) {
                check_job();  // the next execution is another one: has ours ended?
            }
            return;
        }
        case T::stream_failed:
            log("cannot watch jobs/notify-next: " + event.error.message);
            return;
        case T::error:
            log(event.error.message);
            return;
        default:
            break;
    }

    const bool accepted = event.type == T::accepted;
    if (event.request_id != 0 && event.request_id == progress_request_) {
        progress_request_ = 0;
        if (accepted) {
            if (event.answer.execution_state.present) version_ = event.answer.execution_state.version_number;
        } else if (event.type == T::rejected && ended_on_service(event)) {
            kill_command(JobOutcome::Kind::canceled, "IN_PROGRESS rejected: " + said(event.rejection));
        } else if (event.type == T::rejected) {
            log("job " + current_.job_id + ": IN_PROGRESS rejected: " + said(event.rejection));
            check_job();
        } else {
            log("job " + current_.job_id + ": IN_PROGRESS report failed: " + event.error.message);
        }
        return;
    }
    if (event.request_id != 0 && event.request_id == describe_request_) {
        describe_request_ = 0;
        if (accepted && event.answer.execution && jobs::is_terminal(event.answer.execution->status)) {
            current_.status = jobs::job_status_name(event.answer.execution->status);
            kill_command(JobOutcome::Kind::canceled, std::string("the execution is ") + current_.status);
        } else if (event.type == T::rejected && ended_on_service(event)) {
            if (event.rejection.execution_state.present)
                current_.status = jobs::job_status_name(event.rejection.execution_state.status);
            kill_command(JobOutcome::Kind::canceled, said(event.rejection));
        }
        return;
    }
    if (event.request_id == 0 || event.request_id != request_id_) return;
    request_id_ = 0;
    if (state_ == State::starting) {
        if (accepted) {
            on_started(event);
            return;
        }
        const std::string why = event.type == T::rejected ? said(event.rejection) : event.error.message;
        log("StartNextPendingJobExecution " + std::string(event.type == T::rejected ? "rejected: " : "failed: ") + why +
            "; asking again in " + std::to_string(options_.retry_delay_ms) + " ms");
        state_ = State::idle;
        retry_at_ = clock_() + options_.retry_delay_ms;
        return;
    }
    if (state_ != State::reporting) return;
    JobOutcome outcome = current_;
    if (accepted) {
        outcome.status = jobs::job_status_name(final_status_);
        log("job " + outcome.job_id + ": reported " + outcome.status);
        finish(std::move(outcome));
        return;
    }
    if (event.type == T::failed && report_attempts_ < kMaxReportAttempts) {
        log("job " + outcome.job_id + ": " + jobs::job_status_name(final_status_) + " report failed (" + event.error.message + "); sending it again");
        report(final_status_, final_details_);
        return;
    }
    if (event.type == T::rejected) {
        outcome.detail = said(event.rejection);
        if (event.rejection.execution_state.present) outcome.status = jobs::job_status_name(event.rejection.execution_state.status);
    } else {
        outcome.detail = event.error.message;
    }
    if (outcome.kind != JobOutcome::Kind::timed_out) outcome.kind = JobOutcome::Kind::not_reported;
    log("job " + outcome.job_id + ": " + jobs::job_status_name(final_status_) + " not recorded: " + outcome.detail);
    finish(std::move(outcome));
}

void JobAgent::on_started(const jobs::JobsEvent& event) {
    if (!event.answer.execution) {
        state_ = State::idle;
        if (next_wanted_) request_next();
        else log("no pending job; waiting for jobs/notify-next");
        return;
    }
    const jobs::JobExecution& x = *event.answer.execution;
    current_ = JobOutcome();
    current_.job_id = x.job_id;
    version_ = x.version_number;
    report_attempts_ = 0;
    const std::uint64_t now = clock_();
    timeout_at_ = x.approximate_seconds_before_timed_out > 0
                      ? now + static_cast<std::uint64_t>(x.approximate_seconds_before_timed_out) * 1000u
                  : options_.step_timeout_minutes ? now + static_cast<std::uint64_t>(*options_.step_timeout_minutes) * 60000u
                                                  : UINT64_MAX;
    log("job " + x.job_id + ": started (execution " + std::to_string(x.execution_number) + ", version " +
        std::to_string(x.version_number) + ")" +
        (timeout_at_ != UINT64_MAX ? "; times out in " + std::to_string((timeout_at_ - now) / 1000) + " s" : std::string()));

    const std::string document = x.job_document.is_null() ? std::string() : x.job_document.dump();
    Result<std::unique_ptr<ChildProcess>> child =
        ChildProcess::spawn(options_.command, document, {{"IOTLITE_JOB_ID", x.job_id}, {"IOTLITE_THING_NAME", options_.thing_name}});
    if (!child.ok()) {
        log("job " + x.job_id + ": " + child.error().message);
        current_.kind = JobOutcome::Kind::failed;
        current_.detail = child.error().message;
        report(jobs::JobStatus::failed, {{"reason", "the command could not be started"}});
        return;
    }
    child_ = std::move(child.value());
    state_ = State::running;

    jobs::UpdateOptions progress;
    progress.status = jobs::JobStatus::in_progress;
    progress.status_details = jobs::StatusDetails{{"step", "running"}};
    progress.expected_version = version_;
    progress.include_job_execution_state = true;
    Result<std::uint32_t> sent = jobs_->update(x.job_id, progress, clock_());
    if (sent.ok()) progress_request_ = sent.value();
    else log("job " + x.job_id + ": IN_PROGRESS not sent: " + sent.error().message);
}

void JobAgent::check_job() {
    if (state_ != State::running || describe_request_ != 0) return;
    jobs::DescribeOptions describe;
    describe.include_job_document = false;
    Result<std::uint32_t> sent = jobs_->describe(current_.job_id, clock_(), describe);
    if (sent.ok()) describe_request_ = sent.value();
    else log("job " + current_.job_id + ": DescribeJobExecution not sent: " + sent.error().message);
}

void JobAgent::kill_command(JobOutcome::Kind why, const std::string& detail) {
    if (state_ != State::running) return;
    state_ = State::killing;
    kill_reason_ = why;
    current_.detail = detail;
    log("job " + current_.job_id + ": " + detail + "; stopping the command (SIGTERM, SIGKILL after " +
        std::to_string(options_.kill_grace_ms) + " ms)");
    child_->terminate();
    sigkill_at_ = clock_() + options_.kill_grace_ms;
}

void JobAgent::on_command_done() {
    const ChildProcess& child = *child_;
    current_.exit_code = child.exit_code();
    current_.signal = child.signal();
    const std::string ended = child.exit_code() ? "exited with " + std::to_string(*child.exit_code())
                                                : "ended by " + signal_text(child.signal().value_or(0));
    log("job " + current_.job_id + ": the command " + ended);
    const State was = state_;
    child_.reset();
    sigkill_at_ = UINT64_MAX;
    timeout_at_ = UINT64_MAX;
    if (was == State::killing && kill_reason_ == JobOutcome::Kind::canceled) {
        JobOutcome outcome = current_;
        outcome.kind = JobOutcome::Kind::canceled;
        finish(std::move(outcome));
        return;
    }
    if (was == State::killing) {  // the local deadline
        current_.kind = JobOutcome::Kind::timed_out;
        report(jobs::JobStatus::failed, {{"reason", "timeout"}});
        return;
    }
    if (current_.exit_code && *current_.exit_code == 0) {
        current_.kind = JobOutcome::Kind::succeeded;
        report(jobs::JobStatus::succeeded, {{"exitCode", "0"}});
    } else if (current_.exit_code) {
        current_.kind = JobOutcome::Kind::failed;
        report(jobs::JobStatus::failed, {{"exitCode", std::to_string(*current_.exit_code)}});
    } else {
        current_.kind = JobOutcome::Kind::failed;
        report(jobs::JobStatus::failed, {{"signal", std::to_string(current_.signal.value_or(0))}});
    }
}

void JobAgent::report(jobs::JobStatus status, jobs::StatusDetails details) {
    state_ = State::reporting;
    final_status_ = status;
    final_details_ = std::move(details);
    ++report_attempts_;
    jobs::UpdateOptions update;
    update.status = status;
    update.status_details = final_details_;
    Result<std::uint32_t> sent = jobs_->update(current_.job_id, update, clock_());
    if (sent.ok()) {
        request_id_ = sent.value();
        return;
    }
    JobOutcome outcome = current_;
    if (outcome.kind != JobOutcome::Kind::timed_out) outcome.kind = JobOutcome::Kind::not_reported;
    outcome.detail = sent.error().message;
    log("job " + outcome.job_id + ": " + jobs::job_status_name(status) + " not sent: " + outcome.detail);
    finish(std::move(outcome));
}

void JobAgent::finish(JobOutcome outcome) {
    ++handled_;
    state_ = State::idle;
    request_id_ = progress_request_ = describe_request_ = 0;
    const bool unrecorded = outcome.kind == JobOutcome::Kind::not_reported;
    if (on_outcome_) on_outcome_(outcome);
    if (done()) return;
    // An execution whose outcome was not recorded is still IN_PROGRESS, and StartNext would hand
    // it back at once: wait before asking, so a service that keeps refusing is not hammered.
    if (unrecorded) retry_at_ = clock_() + options_.retry_delay_ms;
    else request_next();
}

void JobAgent::tick(std::uint64_t now_ms) {
    if (child_ && child_->poll() && (state_ == State::running || state_ == State::killing)) {
        on_command_done();
        return;
    }
    if (state_ == State::running && now_ms >= timeout_at_) {
        kill_command(JobOutcome::Kind::timed_out, "the execution's timer ran out");
    } else if (state_ == State::killing && now_ms >= sigkill_at_) {
        log("job " + current_.job_id + ": the command outlived the grace period; SIGKILL");
        sigkill_at_ = UINT64_MAX;
        child_->kill();
    } else if (state_ == State::idle && now_ms >= retry_at_ && !done()) {
        retry_at_ = UINT64_MAX;
        request_next();
    }
}

void JobAgent::on_reconnected() {
    // Notifications published while we were away are lost: ask instead.
    if (state_ == State::idle && !done()) {
        retry_at_ = UINT64_MAX;
        request_next();
    }
}

std::uint64_t JobAgent::next_deadline_ms() const {
    switch (state_) {
        case State::running: return timeout_at_;
        case State::killing: return sigkill_at_;
        case State::idle: return retry_at_;
        default: return UINT64_MAX;
    }
}

}  // namespace iotlite::cli
