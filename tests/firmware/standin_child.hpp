// A child process with a stdin pipe (closing it stops the stand-in) whose first stdout line is
// read at start: how the native tests run standin/standin.mjs.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

extern char** environ;

namespace iotlite::firmware::test {

// Runs a child with a stdin pipe (closing it stops the stand-in) and reads its first stdout line.
struct Child {
    pid_t pid = -1;
    int in = -1;
    int out = -1;  // kept open until the child is stopped (a closed pipe would SIGPIPE it)
    std::string first_line;
    std::string start(const std::vector<std::string>& argv, std::uint32_t timeout_ms) {
        int ip[2], op[2];
        if (::pipe(ip) != 0 || ::pipe(op) != 0) return "pipe failed";
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, ip[0], 0);
        posix_spawn_file_actions_adddup2(&fa, op[1], 1);
        posix_spawn_file_actions_addclose(&fa, ip[1]);
        posix_spawn_file_actions_addclose(&fa, op[0]);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        ::close(ip[0]);
        ::close(op[1]);
        in = ip[1];
        if (rc != 0) {
            ::close(op[0]);
            pid = -1;
            return "spawn failed";
        }
        first_line = read_first_line(op[0], timeout_ms);
        out = op[0];
        return first_line.find('\n') == std::string::npos ? "no line on stdout: " + first_line : "";
    }
    ~Child() {
        if (in >= 0) ::close(in);
        if (pid <= 0) {
            if (out >= 0) ::close(out);
            return;
        }
        ::kill(pid, SIGTERM);
        for (int i = 0; i < 150; ++i) {  // bounded: 3 s, then SIGKILL
            if (::waitpid(pid, nullptr, WNOHANG) == pid) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (::waitpid(pid, nullptr, WNOHANG) == 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        if (out >= 0) ::close(out);
    }
};

// Starts standin/standin.mjs (free loopback ports) in `child` and parses its one JSON line into
// `info`; "" on success, else why not.
inline std::string start_standin(Child& child, nlohmann::json& info) {
    std::string why = child.start({IOTLITE_NODE, std::string(IOTLITE_SOURCE_DIR) + "/standin/standin.mjs", "--quiet"}, 30000);
    if (!why.empty()) return why;
    info = nlohmann::json::parse(child.first_line, nullptr, false);
    if (info.is_discarded() || !info.contains("caCertPath")) return "the stand-in's first line is not its JSON: " + child.first_line;
    return "";
}

}  // namespace iotlite::firmware::test
