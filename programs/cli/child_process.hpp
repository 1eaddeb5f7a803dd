// A command run for a job: `/bin/sh -c COMMAND` in its own process group, with `input` written to
// its stdin (then closed), its stdout and stderr sent to ours' stderr (so the caller's stdout stays
// machine-readable), and extra environment variables. Driven from a poll loop, never blocking:
// poll() feeds stdin and reaps the exit status; terminate()/kill() signal the whole group, so a
// shell's own children (`sh -c 'sleep 60'`) go too. POSIX only (the CLI and the example device on
// a Linux host).
//
// The command is a fixed string chosen by the operator; nothing from a job reaches the shell's
// command line (the document goes on stdin, the job id in the environment), so a job cannot
// inject shell syntax.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "iotlite/result.hpp"

namespace iotlite::cli {

class ChildProcess {
public:
    // Starts the command. SIGPIPE is ignored in this process from then on (a command that does not
    // read its stdin must not kill us); the command itself gets default signal handling.
    // Errors: io_error (pipe / fork failed), naming the call and errno's text.
    static Result<std::unique_ptr<ChildProcess>> spawn(const std::string& command, std::string input,
                                      const std::vector<std::pair<std::string, std::string>>& environment);

    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    // A command still running is killed (SIGKILL to its group) and reaped.
    ~ChildProcess();

    // Writes more of the input (non-blocking) and reaps the command if it ended; true once it has.
    bool poll();
    bool exited() const { return !running_; }
    // After exit: the exit status (0..255) or the signal that ended it.
    std::optional<int> exit_code() const { return exit_code_; }
    std::optional<int> signal() const { return signal_; }

    void terminate();  // SIGTERM to the process group
    void kill();       // SIGKILL to the process group
    pid_t pid() const { return pid_; }

private:
    ChildProcess() = default;
    void close_input();

    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    std::string input_;
    std::size_t written_ = 0;
    bool running_ = false;
    std::optional<int> exit_code_;
    std::optional<int> signal_;
};

}  // namespace iotlite::cli
