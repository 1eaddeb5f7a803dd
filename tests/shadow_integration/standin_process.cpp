#include "standin_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <nlohmann/json.hpp>

namespace iotlite::test {
namespace {

std::uint64_t mono_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000u;
}

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

int remaining(std::uint64_t end) {
    const std::uint64_t now = mono_ms();
    return now >= end ? 0 : static_cast<int>(end - now);
}

// Port of "http://127.0.0.1:P/admin".
std::uint16_t url_port(const std::string& url) {
    const auto host_end = url.find("://");
    if (host_end == std::string::npos) return 0;
    const auto colon = url.find(':', host_end + 3);
    if (colon == std::string::npos) return 0;
    unsigned long port = 0;
    for (std::size_t i = colon + 1; i < url.size() && url[i] >= '0' && url[i] <= '9'; ++i) {
        port = port * 10 + static_cast<unsigned long>(url[i] - '0');
        if (port > 65535) return 0;
    }
    return static_cast<std::uint16_t>(port);
}

// Decodes a chunked HTTP/1.1 body (Node's default framing when no Content-Length is set).
std::string dechunk(const std::string& in) {
    std::string out;
    std::size_t pos = 0;
    while (pos < in.size()) {
        const auto eol = in.find("\r\n", pos);
        if (eol == std::string::npos) break;
        const unsigned long size = std::strtoul(in.substr(pos, eol - pos).c_str(), nullptr, 16);
        if (size == 0 || eol + 2 + size > in.size()) break;
        out.append(in, eol + 2, size);
        pos = eol + 2 + size + 2;
    }
    return out;
}

}  // namespace

StandinProcess::~StandinProcess() { stop(); }

std::string StandinProcess::start(const std::string& node, const std::string& standin_script, std::uint32_t timeout_ms) {
    if (pid_ > 0) return "already started";
    // Orphans of the stand-in (its Mosquitto guard, Mosquitto) are re-parented to us rather than
    // to PID 1, so that stop() can reap them and tell for sure that none is left.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

    int in_pipe[2];
    int out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
        ::close(in_pipe[0]);
        ::close(in_pipe[1]);
        return std::string("pipe: ") + std::strerror(errno);
    }
    const std::string ports = "brokerTcp=0,mqttTls=0,ws=0,wss=0,alpn=0,cognito=0,admin=0,httpsMtls=0,httpsSigv4=0";
    std::vector<std::string> args = {node, standin_script, "--quiet", "--ports", ports};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();

    const pid_t pid = ::fork();
    if (pid < 0) return std::string("fork: ") + std::strerror(errno);
    if (pid == 0) {
        // Child: only async-signal-safe calls until exec.
        // No PR_SET_PDEATHSIG: a SIGTERM during the stand-in's start-up (before its handlers exist)
        // would kill it without removing its temp dir; it notices our death by itself (stdin EOF,
        // re-parenting) and then stops cleanly.
        ::setpgid(0, 0);
        if (::getppid() != parent) ::_exit(127);
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::execvp(argv[0], argv.data());
        ::_exit(127);
    }
    ::setpgid(pid, pid);  // also from the parent: no race with kill(-pid) below
    pid_ = pid;
    reaped_ = false;
    endpoints_ = StandinEndpoints{};
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    stdin_fd_ = in_pipe[1];
    stdout_fd_ = out_pipe[0];

    // The ready line.
    std::string line;
    const std::uint64_t end = mono_ms() + timeout_ms;
    char buf[4096];
    for (;;) {
        const auto nl = line.find('\n');
        if (nl != std::string::npos) {
            line.resize(nl);
            break;
        }
        pollfd p{stdout_fd_, POLLIN, 0};
        const int wait = remaining(end);
        if (wait == 0) return "the stand-in printed no ready line within " + std::to_string(timeout_ms) + " ms";
        const int rc = ::poll(&p, 1, wait);
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) continue;
        const ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
        if (n > 0) {
            line.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0) {
            return "the stand-in exited before printing its ready line (see its stderr above); got: '" + line + "'";
        } else if (errno != EINTR && errno != EAGAIN) {
            return std::string("read stand-in stdout: ") + std::strerror(errno);
        }
    }
    endpoints_.raw = line;
    const auto doc = nlohmann::json::parse(line, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return "the stand-in's first line is not a JSON object: " + line;
    if (!doc.contains("event") || doc["event"] != "ready") return "the stand-in's first line is not a ready event: " + line;
    if (!doc.contains("brokerTcpPort") || !doc["brokerTcpPort"].is_number_unsigned())
        return "the ready line has no brokerTcpPort: " + line;
    endpoints_.broker_tcp_port = doc["brokerTcpPort"].get<std::uint16_t>();
    if (doc.contains("adminUrl") && doc["adminUrl"].is_string())
        endpoints_.admin_port = url_port(doc["adminUrl"].get<std::string>());
    endpoints_.shadow_service = doc.contains("shadowService") && doc["shadowService"] == true;
    if (endpoints_.broker_tcp_port == 0 || endpoints_.admin_port == 0) return "bad ports in the ready line: " + line;
    return "";
}

bool StandinProcess::group_alive() const {
    if (pid_ <= 0) return false;
    return ::kill(-pid_, 0) == 0 || errno == EPERM;
}

std::string StandinProcess::stop(std::uint32_t timeout_ms) {
    if (pid_ <= 0) return "";
    close_fd(stdin_fd_);  // the stand-in shuts down on EOF of its stdin
    // SIGTERM only once the stand-in is up (its handler then stops it cleanly); during start-up
    // the stdin EOF alone makes it stop as soon as it can, and the bound below ends in SIGKILL.
    if (!reaped_ && !endpoints_.raw.empty()) ::kill(pid_, SIGTERM);
    const std::uint64_t end = mono_ms() + timeout_ms;
    std::string left;
    // Reap the stand-in and every orphan of its group (we are their subreaper) until the group is
    // empty or the bound passes.
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(-pid_, &status, WNOHANG);
        if (r == pid_) reaped_ = true;
        if (r > 0) continue;
        if (!group_alive()) break;
        if (remaining(end) == 0) {
            left = "processes of the stand-in's group " + std::to_string(pid_) + " were still running after " +
                   std::to_string(timeout_ms) + " ms; SIGKILLed";
            ::kill(-pid_, SIGKILL);
            const std::uint64_t kill_end = mono_ms() + 5000;
            while (group_alive() && remaining(kill_end) > 0) {
                while (::waitpid(-pid_, &status, WNOHANG) > 0) {
                }
                ::poll(nullptr, 0, 10);
            }
            break;
        }
        ::poll(nullptr, 0, 10);
    }
    close_fd(stdout_fd_);
    pid_ = -1;
    return left;
}

int StandinProcess::admin_post(const std::string& path, const std::string& json_body, std::string* body,
                               std::uint32_t timeout_ms) const {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(endpoints_.admin_port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{static_cast<time_t>(timeout_ms / 1000), static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return 0;
    }
    const std::string req = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(endpoints_.admin_port) +
                            "\r\nContent-Type: application/json\r\nContent-Length: " +
                            std::to_string(json_body.size()) + "\r\nConnection: close\r\n\r\n" + json_body;
    std::size_t sent = 0;
    while (sent < req.size()) {
        const ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            ::close(fd);
            return 0;
        }
        sent += static_cast<std::size_t>(n);
    }
    std::string resp;
    char buf[4096];
    const std::uint64_t end = mono_ms() + timeout_ms;
    while (remaining(end) > 0) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;  // closed (Connection: close), error or SO_RCVTIMEO
        resp.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    // "HTTP/1.1 200 OK\r\n..."
    if (resp.compare(0, 5, "HTTP/") != 0) return 0;
    const auto sp = resp.find(' ');
    if (sp == std::string::npos || sp + 4 > resp.size()) return 0;
    const int status = std::atoi(resp.substr(sp + 1, 3).c_str());
    if (body) {
        const auto hdr_end = resp.find("\r\n\r\n");
        *body = hdr_end == std::string::npos ? std::string() : resp.substr(hdr_end + 4);
        std::string headers = hdr_end == std::string::npos ? resp : resp.substr(0, hdr_end);
        for (auto& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (headers.find("transfer-encoding: chunked") != std::string::npos) *body = dechunk(*body);
    }
    return status;
}

}  // namespace iotlite::test
