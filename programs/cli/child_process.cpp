#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace iotlite::cli {

namespace {

Result<std::unique_ptr<ChildProcess>> os_error(const char* call) {
    return make_error(Errc::io_error, std::string("cannot run the command: ") + call + " failed: " + std::strerror(errno));
}

// Wakes the caller's poll() when a command ends (poll returns EINTR) instead of waiting out its
// timeout; the exit status itself is reaped by ChildProcess::poll().
void on_child(int) {}

void install_child_signals() {
    struct sigaction current {};
    sigaction(SIGCHLD, nullptr, &current);
    if (current.sa_handler == SIG_DFL) {
        struct sigaction sa {};
        sa.sa_handler = on_child;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_NOCLDSTOP;  // no SA_RESTART: the wait ends at once
        sigaction(SIGCHLD, &sa, nullptr);
    }
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, nullptr);
}

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(
    const std::string& command, std::string input, const std::vector<std::pair<std::string, std::string>>& environment) {
    install_child_signals();

    // Everything the child needs is built before fork(): after it, only async-signal-safe calls.
    std::vector<std::string> env_strings;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const char* eq = std::strchr(*e, '=');
        bool replaced = false;
        for (const auto& [name, value] : environment) {
            if (eq != nullptr && static_cast<std::size_t>(eq - *e) == name.size() && std::strncmp(*e, name.c_str(), name.size()) == 0) {
                replaced = true;
            }
        }
        if (!replaced) env_strings.emplace_back(*e);
    }
    for (const auto& [name, value] : environment) env_strings.push_back(name + "=" + value);
    std::vector<char*> envp;
    for (std::string& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string shell = "/bin/sh", dash_c = "-c", script = command, name = "sh";
    char* argv[] = {name.data(), dash_c.data(), script.data(), nullptr};

    int in[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return os_error("pipe2");
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(in[0]);
        ::close(in[1]);
        return os_error("fork");
    }
    if (pid == 0) {
        // The child: its own process group (so the whole group can be signalled), the pipe on
        // stdin, our stderr as its stdout and stderr, default SIGPIPE, nothing else inherited.
        ::setpgid(0, 0);
        ::dup2(in[0], 0);
        ::dup2(2, 1);
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        ::sigaction(SIGPIPE, &dfl, nullptr);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
#ifdef SYS_close_range
        if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
        {
            for (int fd = 3; fd < 1024; ++fd) ::close(fd);
        }
        ::execve(shell.c_str(), argv, envp.data());
        ::_exit(127);
    }
    ::setpgid(pid, pid);  // also here: no window in which a signal to the group misses the child
    ::close(in[0]);
    ::fcntl(in[1], F_SETFL, ::fcntl(in[1], F_GETFL) | O_NONBLOCK);

    std::unique_ptr<ChildProcess> child(new ChildProcess());
    child->pid_ = pid;
    child->stdin_fd_ = in[1];
    child->input_ = std::move(input);
    child->running_ = true;
    child->poll();
    return child;
}

ChildProcess::~ChildProcess() {
    close_input();
    if (running_) {
        ::kill(-pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

void ChildProcess::close_input() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
}

bool ChildProcess::poll() {
    while (stdin_fd_ >= 0 && written_ < input_.size()) {
        const ssize_t n = ::write(stdin_fd_, input_.data() + written_, input_.size() - written_);
        if (n > 0) {
            written_ += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;  // the pipe is full: later
            close_input();  // EPIPE: the command does not read its input
        }
    }
    if (stdin_fd_ >= 0 && written_ >= input_.size()) close_input();  // end of input
    if (!running_) return true;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r != pid_) return false;
    running_ = false;
    close_input();
    if (WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) signal_ = WTERMSIG(status);
    return true;
}

void ChildProcess::terminate() {
    if (running_) ::kill(-pid_, SIGTERM);
}

void ChildProcess::kill() {
    if (running_) ::kill(-pid_, SIGKILL);
}

}  // namespace iotlite::cli
