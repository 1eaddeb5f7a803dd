#include "credential_process.hpp"

#include "iotlite/json/value.hpp"
#include "json_input.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>


extern char** environ;

namespace iotlite::cli {

namespace {

Error bad(std::string message) { return make_error(Errc::invalid_argument, "credential_process: " + std::move(message)); }

std::int64_t monotonic_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// The program's name for messages: the first word, bounded (paths are not secret).
std::string program_name(const std::string& word) {
    return word.size() > 80 ? word.substr(0, 80) + "..." : word;
}

// Kills the child (if still running) and reaps it.
void kill_and_reap(pid_t pid) {
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace

Result<std::vector<std::string>> split_command_line(std::string_view command) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    bool quoted = false;
    for (std::size_t i = 0; i < command.size(); ++i) {
        const char c = command[i];
        if (quoted) {
            if (c == '\\' && i + 1 < command.size() && (command[i + 1] == '"' || command[i + 1] == '\\')) {
                word += command[++i];
            } else if (c == '"') {
                quoted = false;
            } else {
                word += c;
            }
        } else if (c == '"') {
            quoted = true;
            in_word = true;
        } else if (c == ' ' || c == '\t') {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (quoted) return bad("the command has an unterminated '\"'");
    if (in_word) words.push_back(std::move(word));
    if (words.empty()) return bad("the command is empty");
    return words;
}

Result<connection::TimedCredentials> parse_credential_process_output(std::string_view output) {
    const Result<json::Value> parsed = json::parse(output, kMaxJsonInputDepth);
    if (!parsed.ok() || !parsed.value().is_object()) return bad("its output is not a JSON object");
    const json::Value& doc = parsed.value();
    const auto version = doc.find("Version");
    if (version == doc.end()) return bad("its output has no \"Version\" (must be 1)");
    if (!version->is_number_integer() || version->get<std::int64_t>() != 1) return bad("\"Version\" must be 1");
    connection::TimedCredentials out;
    struct Member {
        const char* name;
        std::string* into;
        bool required;
    };
    const Member members[] = {{"AccessKeyId", &out.credentials.access_key_id, true},
                              {"SecretAccessKey", &out.credentials.secret_access_key, true},
                              {"SessionToken", &out.credentials.session_token, false}};
    for (const Member& m : members) {
        const auto it = doc.find(m.name);
        if (it == doc.end() || it->is_null()) {
            if (m.required) return bad(std::string("its output has no \"") + m.name + "\"");
            continue;
        }
        if (!it->is_string() || (m.required && it->str().empty())) {
            return bad(std::string("\"") + m.name + "\" must be a non-empty string");
        }
        *m.into = it->get<std::string>();
        for (char c : *m.into) {
            // A control character would end up in a header or a URL (a line break: header injection).
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                return bad(std::string("\"") + m.name + "\" holds a control character");
            }
        }
    }
    const auto expiration = doc.find("Expiration");
    if (expiration != doc.end() && !expiration->is_null()) {
        if (!expiration->is_string()) return bad("\"Expiration\" must be an RFC 3339 string");
        Result<std::int64_t> at = connection::parse_expiration(expiration->str());
        if (!at.ok()) return bad("\"Expiration\": " + at.error().message);
        out.expiration_ms = at.value();
    }
    return out;
}

Result<connection::TimedCredentials> run_credential_process(std::string_view command,
                                                            const CredentialProcessLimits& limits) {
    Result<std::vector<std::string>> words = split_command_line(command);
    if (!words.ok()) return words.error();
    const std::string name = program_name(words.value().front());
    std::vector<char*> argv;
    for (std::string& w : words.value()) argv.push_back(w.data());
    argv.push_back(nullptr);

    int out_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
        return make_error(Errc::io_error, "credential_process: pipe failed (" + std::string(std::strerror(errno)) + ")");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    // stderr (fd 2) is inherited: the command's messages reach the user as they are.
    pid_t pid = 0;
    const int spawned = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    if (spawned != 0) {
        ::close(out_pipe[0]);
        return make_error(Errc::io_error, "credential_process: cannot run '" + name + "' (" + std::strerror(spawned) + ")");
    }

    const std::int64_t deadline = monotonic_ms() + limits.timeout_ms;
    auto timed_out = [&]() {
        ::close(out_pipe[0]);
        kill_and_reap(pid);
        return make_error(Errc::timeout, "credential_process: '" + name + "' did not finish within " +
                                             std::to_string(limits.timeout_ms) + " ms (iotlite's bound); killed");
    };
    std::string output;
    char buffer[4096];
    for (;;) {
        const std::int64_t left = deadline - monotonic_ms();
        if (left <= 0) return timed_out();
        pollfd p{out_pipe[0], POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left));
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) return timed_out();
        const ssize_t n = ::read(out_pipe[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // end of output (or a read error: the exit status tells)
        if (output.size() + static_cast<std::size_t>(n) > limits.max_output_bytes) {
            ::close(out_pipe[0]);
            kill_and_reap(pid);
            return make_error(Errc::limit_exceeded, "credential_process: '" + name + "' printed more than " +
                                                        std::to_string(limits.max_output_bytes) +
                                                        " bytes (iotlite's bound); killed");
        }
        output.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(out_pipe[0]);
    // The output is closed; wait (bounded) for the exit status.
    int status = 0;
    for (;;) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0 && errno != EINTR) {
            return make_error(Errc::io_error, "credential_process: waitpid failed (" + std::string(std::strerror(errno)) + ")");
        }
        if (monotonic_ms() >= deadline) {
            kill_and_reap(pid);
            return make_error(Errc::timeout, "credential_process: '" + name + "' did not exit within " +
                                                 std::to_string(limits.timeout_ms) + " ms (iotlite's bound); killed");
        }
        ::poll(nullptr, 0, 10);
    }
    if (WIFSIGNALED(status)) {
        return make_error(Errc::server_error,
                          "credential_process: '" + name + "' was killed by signal " + std::to_string(WTERMSIG(status)));
    }
    if (WEXITSTATUS(status) != 0) {
        return make_error(Errc::server_error, "credential_process: '" + name + "' exited with status " +
                                                  std::to_string(WEXITSTATUS(status)) + " (its messages are above, on stderr)");
    }
    return parse_credential_process_output(output);
}

}  // namespace iotlite::cli
