// iotlite jobs list|next|describe|update|agent: the AWS IoT Jobs device MQTT API (developer guide,
// "Jobs device MQTT API operations", jobs-mqtt-api) for one thing, and a job agent that runs a
// command per job (job_agent.hpp).
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "cli_connection.hpp"
#include "cli_util.hpp"
#include "connection_options.hpp"
#include "iotlite/services/jobs/jobs.hpp"
#include "iotlite/services/jobs/jobs_client.hpp"
#include "iotlite/services/request_tracker.hpp"
#include "job_agent.hpp"

namespace iotlite::cli {

namespace {

constexpr const char* kCommand = "jobs";

constexpr const char* kHelp =
    "usage: iotlite jobs list     --thing THING [connection flags]\n"
    "       iotlite jobs next     --thing THING [--step-timeout MIN] [--detail KEY=VALUE]...\n"
    "       iotlite jobs describe JOB|'$next' --thing THING [--execution-number N] [--no-document]\n"
    "       iotlite jobs update   JOB --thing THING --status STATUS [--detail KEY=VALUE]...\n"
    "                             [--expected-version V] [--execution-number N] [--step-timeout MIN]\n"
    "       iotlite jobs agent    --thing THING --exec CMD [--once] [--max-jobs N] [--step-timeout MIN]\n"
    "                             [--kill-grace S]\n"
    "\n"
    "The AWS IoT Jobs device API over MQTT ($aws/things/THING/jobs/...):\n"
    "  list      GetPendingJobExecutions: the IN_PROGRESS and QUEUED executions\n"
    "  next      StartNextPendingJobExecution: the next pending execution, now IN_PROGRESS\n"
    "  describe  DescribeJobExecution of JOB ('$next': the next pending one)\n"
    "  update    UpdateJobExecution: STATUS is IN_PROGRESS, SUCCEEDED, FAILED or REJECTED\n"
    "            (the answer includes the execution state)\n"
    "The accepted answer is printed as JSON on stdout; a rejection prints AWS's code and message\n"
    "(\"iotlite jobs: update rejected: VersionMismatch ...\") on stderr.\n"
    "\n"
    "  agent     watches jobs/notify-next, starts each job (StartNextPendingJobExecution), runs\n"
    "            `/bin/sh -c CMD` with the job document on stdin and IOTLITE_JOB_ID /\n"
    "            IOTLITE_THING_NAME in the environment (CMD's output goes to stderr), reports\n"
    "            IN_PROGRESS, then SUCCEEDED {\"exitCode\": \"0\"} or FAILED {\"exitCode\": \"N\"}. A job\n"
    "            canceled or timed out on the service side while CMD runs: CMD gets SIGTERM, then\n"
    "            SIGKILL after --kill-grace seconds (default 5). One JSON line per job on stdout:\n"
    "            {\"jobId\", \"outcome\": succeeded|failed|canceled|timed_out|not_reported, ...}.\n"
    "  --thing THING            thing name\n"
    "  --detail KEY=VALUE       a statusDetails pair (repeatable; at most 10)\n"
    "  --step-timeout MIN       stepTimeoutInMinutes (1-10080)\n"
    "  --execution-number N     the execution number (default: the latest)\n"
    "  --no-document            describe: without the job document\n"
    "  --status STATUS          update: the new status\n"
    "  --expected-version V     update: only if the execution's version is V (else VersionMismatch)\n"
    "  --client-token TOKEN     clientToken; default: generated\n"
    "  --exec CMD               agent: the command run for each job\n"
    "  --once                   agent: handle at most one job, then exit (= --max-jobs 1); with -W,\n"
    "                           give up when no job arrived within -W seconds (exit 27)\n"
    "  --max-jobs N             agent: exit after N jobs\n"
    "  --kill-grace S           agent: seconds between SIGTERM and SIGKILL (1-3600, default 5)\n"
    "Exit status: 0 accepted (agent: every job handled SUCCEEDED), 1 rejected / connection failure /\n"
    "no answer within -W (agent: a job failed, was canceled, timed out or was not recorded), 2 bad\n"
    "input (before connecting), 27 agent --once -W: no job arrived in time.\n"
    "\n";

enum class Op : std::uint8_t { list, next, describe, update, agent };

struct OpInfo {
    const char* name;
    Op op;
    bool takes_job;
    std::vector<const char*> flags;  // the command's own flags this operation takes
};

const std::vector<OpInfo>& ops() {
    static const std::vector<OpInfo> table = {
        {"list", Op::list, false, {"--client-token"}},
        {"next", Op::next, false, {"--client-token", "--step-timeout", "--detail"}},
        {"describe", Op::describe, true, {"--client-token", "--execution-number", "--no-document"}},
        {"update", Op::update, true,
         {"--client-token", "--status", "--detail", "--expected-version", "--execution-number", "--step-timeout"}},
        {"agent", Op::agent, false, {"--exec", "--once", "--max-jobs", "--step-timeout", "--kill-grace"}},
    };
    return table;
}

const std::vector<const char*> kOwnFlags = {"--client-token", "--step-timeout", "--detail", "--execution-number",
                                            "--no-document", "--status", "--expected-version", "--exec",
                                            "--once", "--max-jobs", "--kill-grace"};

// The statusDetails from --detail KEY=VALUE flags (the pairs' rules are the core's, checked when
// the request is made).
Result<jobs::StatusDetails> details_from(const ParsedFlags& flags) {
    jobs::StatusDetails details;
    for (const std::string& pair : all_values(flags, "--detail")) {
        const std::size_t eq = pair.find('=');
        if (eq == std::string::npos) return make_error(Errc::invalid_argument, "--detail must be KEY=VALUE");
        details.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
    }
    return details;
}

// A whole number for `flag`; the range rules are the core's (numbers up to 2^32 - 1 reach it).
bool number_flag(const ParsedFlags& flags, const char* flag, std::uint64_t min, std::uint64_t max,
                 std::optional<std::uint64_t>& out, std::string& error) {
    const std::string* text = flags.get(flag);
    if (text == nullptr) return true;
    std::uint64_t v = 0;
    if (!parse_number(*text, min, max, v)) {
        error = std::string(flag) + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max);
        return false;
    }
    out = v;
    return true;
}

int exit_for_request_error(const Error& e) {
    return e.code == Errc::invalid_argument || e.code == Errc::limit_exceeded ? kExitUsage : kExitFailure;
}

std::string outcome_json(const JobOutcome& o) {
    jobs::Json line = jobs::Json::object();
    line["jobId"] = o.job_id;
    line["outcome"] = job_outcome_name(o.kind);
    if (!o.status.empty()) line["status"] = o.status;
    if (o.exit_code) line["exitCode"] = *o.exit_code;
    if (o.signal) line["signal"] = *o.signal;
    if (!o.detail.empty()) line["detail"] = o.detail;
    return line.dump();
}

int run_agent(CliConnection& c, const ParsedFlags& flags, const std::string& thing,
              const std::optional<std::uint64_t>& step_timeout) {
    const std::string* exec = flags.get("--exec");
    if (exec == nullptr || exec->empty()) return fail(kCommand, "agent needs --exec CMD (the command run for each job)");
    std::string error;
    std::optional<std::uint64_t> max_jobs, grace;
    if (!number_flag(flags, "--max-jobs", 1, 1000000, max_jobs, error)) return fail(kCommand, error);
    if (!number_flag(flags, "--kill-grace", 1, 3600, grace, error)) return fail(kCommand, error);
    const bool once = flags.has("--once");
    if (once && max_jobs && *max_jobs != 1) return fail(kCommand, "--once is --max-jobs 1: give one of them");

    JobAgentOptions options;
    options.thing_name = thing;
    options.command = *exec;
    if (step_timeout) options.step_timeout_minutes = static_cast<std::uint32_t>(*step_timeout);
    options.max_jobs = once ? 1 : static_cast<std::uint32_t>(max_jobs.value_or(0));
    options.request_timeout_ms = c.options().timeout_ms;
    if (grace) options.kill_grace_ms = static_cast<std::uint32_t>(*grace * 1000);
    Result<std::unique_ptr<JobAgent>> made = JobAgent::create(c.session().client(), options, [&c] { return c.now_ms(); });
    if (!made.ok()) return fail(kCommand, made.error().message, exit_for_request_error(made.error()));
    JobAgent& agent = *made.value();
    bool all_succeeded = true;
    agent.set_log_handler([](const std::string& line) { fail("jobs agent", line, 0); });
    agent.set_outcome_handler([&](const JobOutcome& o) {
        if (o.kind != JobOutcome::Kind::succeeded) all_succeeded = false;
        std::printf("%s\n", outcome_json(o).c_str());
        std::fflush(stdout);
    });
    Result<void> attached = c.session().attach(agent.jobs());
    if (!attached.ok()) return fail(kCommand, attached.error().message, kExitFailure);
    // The first requests are made before connecting: a rule they break ends the run here.
    Result<void> started = agent.start(c.now_ms());
    if (!started.ok()) return fail(kCommand, c.explain(started.error()), exit_for_request_error(started.error()));

    bool was_connected = false;
    c.set_event_handler([&](const mqtt::Event& e) {
        if (e.type != mqtt::Event::Type::connected) return;
        if (was_connected) agent.on_reconnected();
        was_connected = true;
    });
    const std::uint64_t start = c.now_ms();
    Result<void> connected = c.connect(start + c.options().timeout_ms);
    if (!connected.ok()) return fail(kCommand, connected.error().message, kExitFailure);

    // --once -W: the wait for a job is bounded; a job once started runs to its end.
    const std::uint64_t wait_deadline = once && c.options().timeout_given ? start + c.options().timeout_ms : UINT64_MAX;
    bool no_job = false;
    c.run_until(
        [&] {
            const std::uint64_t now = c.now_ms();
            agent.tick(now);
            if (agent.done()) return true;
            if (agent.handled() == 0 && !agent.busy() && now >= wait_deadline) no_job = true;
            return no_job;
        },
        UINT64_MAX);
    const bool done = agent.done();
    const std::uint32_t handled = agent.handled();
    c.session().detach(agent.jobs());
    made.value().reset();  // kills a command still running
    c.stop();
    if (no_job) return fail(kCommand, "agent: no job arrived within the timeout (-W)", kExitTimeout);
    if (c.fatal()) return fail(kCommand, "connection lost: " + c.fatal()->message, kExitFailure);
    if (!done && options.max_jobs != 0) {
        return fail(kCommand, "agent interrupted after " + std::to_string(handled) + " of " + std::to_string(options.max_jobs) + " jobs",
                    kExitFailure);
    }
    return all_succeeded ? kExitOk : kExitFailure;
}

}  // namespace

int run_jobs(int argc, char** argv) {
    if (argc >= 1 && (std::strcmp(argv[0], "--help") == 0 || std::strcmp(argv[0], "-h") == 0)) {
        return print_connection_command_help(kHelp);
    }
    if (argc < 1 || argv[0][0] == '-') return fail(kCommand, "missing operation: list, next, describe, update or agent");
    const std::string op_name = argv[0];
    const OpInfo* info = nullptr;
    for (const OpInfo& o : ops())
        if (op_name == o.name) info = &o;
    if (info == nullptr) {
        return fail(kCommand, "unknown operation '" + op_name.substr(0, 20) + "': use list, next, describe, update or agent");
    }
    int rest = 1;
    std::string job_id;
    if (info->takes_job) {
        if (argc < 2 || (argv[1][0] == '-' && argv[1][1] == '-')) return fail(kCommand, op_name + " needs a job id: iotlite jobs " + op_name + " JOB");
        job_id = argv[1];
        rest = 2;
    }

    std::vector<OptionSpec> specs;
    for (const char* f : kOwnFlags) {
        const bool switch_flag = std::strcmp(f, "--no-document") == 0 || std::strcmp(f, "--once") == 0;
        specs.push_back({nullptr, f, !switch_flag});
    }
    specs.push_back({nullptr, "--thing", true});
    ParsedFlags flags;
    if (std::optional<int> done = parse_connection_command(kCommand, kHelp, argc - rest, argv + rest, specs, flags)) return *done;
    for (const char* f : kOwnFlags) {
        if (!flags.has(f)) continue;
        bool allowed = false;
        for (const char* a : info->flags) allowed = allowed || std::strcmp(a, f) == 0;
        if (!allowed) return fail(kCommand, std::string(f) + " is not a flag of jobs " + op_name);
    }

    const std::string* thing = flags.get("--thing");
    if (thing == nullptr) return fail(kCommand, "--thing is required");
    std::string error;
    std::optional<std::uint64_t> step_timeout, execution_number, expected_version;
    if (!number_flag(flags, "--step-timeout", 0, UINT32_MAX, step_timeout, error) ||
        !number_flag(flags, "--execution-number", 1, 999999999999ULL, execution_number, error) ||
        !number_flag(flags, "--expected-version", 0, 999999999999ULL, expected_version, error)) {
        return fail(kCommand, error);
    }
    Result<jobs::StatusDetails> details = details_from(flags);
    if (!details.ok()) return fail(kCommand, details.error().message);
    jobs::JobStatus status = jobs::JobStatus::in_progress;
    if (info->op == Op::update) {
        const std::string* s = flags.get("--status");
        if (s == nullptr) return fail(kCommand, "update needs --status IN_PROGRESS|SUCCEEDED|FAILED|REJECTED");
        if (!jobs::parse_job_status(*s, status)) {
            return fail(kCommand, "--status '" + s->substr(0, 20) + "' is not a job execution status (IN_PROGRESS, SUCCEEDED, FAILED or REJECTED)");
        }
    }

    Result<std::unique_ptr<CliConnection>> made = CliConnection::from_flags(kCommand, flags);
    if (!made.ok()) return fail(kCommand, made.error().message);
    CliConnection& c = *made.value();
    if (info->op == Op::agent) return run_agent(c, flags, *thing, step_timeout);

    jobs::JobsConfig config;
    config.thing_name = *thing;
    config.request_timeout_ms = c.options().timeout_ms;
    Result<std::unique_ptr<jobs::JobsClient>> jc = jobs::JobsClient::create(c.session().client(), config);
    if (!jc.ok()) return fail(kCommand, jc.error().message, exit_for_request_error(jc.error()));
    jobs::JobsClient& client = *jc.value();
    std::uint32_t request_id = 0;
    std::optional<jobs::JobsEvent> outcome;
    client.set_event_handler([&](const jobs::JobsEvent& e) {
        using T = jobs::JobsEvent::Type;
        if ((e.type == T::accepted || e.type == T::rejected || e.type == T::failed) && e.request_id == request_id) outcome = e;
    });
    Result<void> attached = c.session().attach(client);
    if (!attached.ok()) return fail(kCommand, attached.error().message, kExitFailure);

    // The request is made before connecting: the core checks its rules (job id, statusDetails,
    // step timeout, status a device may set, clientToken) and nothing is sent when one is broken.
    // It goes out once connected, after the SUBACK of its response topics.
    const std::uint64_t start = c.now_ms();
    const std::uint64_t deadline = start + c.options().timeout_ms;
    jobs::JobsRequestOptions common;
    if (const std::string* token = flags.get("--client-token")) common.client_token = *token;
    Result<std::uint32_t> sent = make_error(Errc::invalid_state, "no request");
    switch (info->op) {
        case Op::list:
            sent = client.get_pending(start, common);
            break;
        case Op::next: {
            jobs::StartNextOptions o;
            static_cast<jobs::JobsRequestOptions&>(o) = common;
            o.status_details = details.value();
            if (step_timeout) o.step_timeout_minutes = static_cast<std::uint32_t>(*step_timeout);
            sent = client.start_next(start, o);
            break;
        }
        case Op::describe: {
            jobs::DescribeOptions o;
            static_cast<jobs::JobsRequestOptions&>(o) = common;
            if (execution_number) o.execution_number = static_cast<std::int64_t>(*execution_number);
            o.include_job_document = !flags.has("--no-document");
            sent = client.describe(job_id, start, o);
            break;
        }
        case Op::update: {
            jobs::UpdateOptions o;
            static_cast<jobs::JobsRequestOptions&>(o) = common;
            o.status = status;
            if (!details.value().empty()) o.status_details = details.value();
            if (expected_version) o.expected_version = static_cast<std::int64_t>(*expected_version);
            if (execution_number) o.execution_number = static_cast<std::int64_t>(*execution_number);
            if (step_timeout) o.step_timeout_minutes = static_cast<std::uint32_t>(*step_timeout);
            o.include_job_execution_state = true;
            sent = client.update(job_id, o, start);
            break;
        }
        case Op::agent:
            break;
    }
    if (!sent.ok()) return fail(kCommand, op_name + ": " + c.explain(sent.error()), exit_for_request_error(sent.error()));
    request_id = sent.value();

    Result<void> connected = c.connect(deadline);
    if (!connected.ok()) return fail(kCommand, connected.error().message, kExitFailure);
    if (std::optional<int> unanswered = c.await_answer([&] { return outcome.has_value(); }, deadline, kCommand, op_name))
        return *unanswered;
    switch (outcome->type) {
        case jobs::JobsEvent::Type::accepted:
            return print_line(outcome->payload);
        case jobs::JobsEvent::Type::rejected:
            return fail(kCommand, op_name + " rejected: " + services::one_line(outcome->rejection.code) + " " +
                                        services::one_line(outcome->rejection.message),
                        kExitFailure);
        default:
            return fail(kCommand, op_name + " failed: " + c.explain(outcome->error), kExitFailure);
    }
}

}  // namespace iotlite::cli
