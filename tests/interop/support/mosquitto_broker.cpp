#include "mosquitto_broker.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace iotlite::test {
namespace {

std::uint64_t mono_ms() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

Error sys_error(const std::string& what) {
    return make_error(Errc::io_error, what + ": " + std::strerror(errno));
}

void remove_tree(const std::string& dir) {
    if (dir.empty()) return;
    // Only the files this fixture writes live there.
    for (const char* name : {"mosquitto.conf", "mosquitto.log"}) {
        ::unlink((dir + "/" + name).c_str());
    }
    ::rmdir(dir.c_str());
}

}  // namespace

Result<std::uint16_t> pick_free_loopback_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return sys_error("socket");
    sockaddr_in addr = loopback(0);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        Error e = sys_error("bind 127.0.0.1:0");
        ::close(fd);
        return e;
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return static_cast<std::uint16_t>(ntohs(addr.sin_port));
}

bool loopback_port_accepts(std::uint16_t port, std::uint32_t timeout_ms) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr = loopback(port);
    bool ok = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        ok = true;
    } else if (errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, static_cast<int>(timeout_ms)) == 1) {
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            ok = err == 0;
        }
    }
    ::close(fd);
    return ok;
}

std::string MosquittoBroker::executable() {
    if (const char* env = std::getenv("IOTLITE_MOSQUITTO"); env != nullptr && *env != '\0') return env;
#ifdef IOTLITE_MOSQUITTO_EXECUTABLE
    return IOTLITE_MOSQUITTO_EXECUTABLE;
#else
    return "mosquitto";
#endif
}

Result<std::unique_ptr<MosquittoBroker>> MosquittoBroker::start(const std::string& extra_config,
                                                                std::uint16_t fixed_port,
                                                                std::uint32_t startup_timeout_ms) {
    const std::string exe = executable();
    // The port can be taken between picking and binding (tests run in parallel): retry a few times.
    std::string last_error = "not attempted";
    for (int attempt = 0; attempt < 5; ++attempt) {
        std::unique_ptr<MosquittoBroker> broker(new MosquittoBroker());
        char tmpl[] = "/tmp/iotlite-mosquitto-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr) return sys_error("mkdtemp");
        broker->dir_ = tmpl;
        ::chmod(tmpl, 0755);  // readable by the broker if it drops privileges

        if (fixed_port != 0) {
            broker->port_ = fixed_port;
        } else {
            auto port = pick_free_loopback_port();
            if (!port) return port.error();
            broker->port_ = port.value();
        }

        const std::string conf_path = broker->dir_ + "/mosquitto.conf";
        {
            std::ofstream conf(conf_path);
            conf << "listener " << broker->port_ << " 127.0.0.1\n"
                 << "allow_anonymous true\n"
                 << "persistence false\n"
                 << "log_dest stderr\n";
            // Running as root, Mosquitto would switch to the `mosquitto` user; stay as we are.
            if (const passwd* pw = ::getpwuid(::geteuid())) conf << "user " << pw->pw_name << "\n";
            conf << extra_config << "\n";
            if (!conf) return make_error(Errc::io_error, "cannot write " + conf_path);
        }

        const std::string log_path = broker->dir_ + "/mosquitto.log";
        const pid_t parent = ::getpid();
        pid_t pid = ::fork();
        if (pid < 0) return sys_error("fork");
        if (pid == 0) {
            // Child: die with the test process; output to the log file; exec the broker.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(127);
            int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (log_fd >= 0) {
                ::dup2(log_fd, 1);
                ::dup2(log_fd, 2);
            }
            ::execlp(exe.c_str(), "mosquitto", "-c", conf_path.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        broker->pid_ = pid;

        const std::uint64_t deadline = mono_ms() + startup_timeout_ms;
        bool up = false;
        while (mono_ms() < deadline) {
            if (!broker->running()) break;
            if (loopback_port_accepts(broker->port_, 100)) {
                up = true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (up) return broker;
        last_error = exe + " did not accept on 127.0.0.1:" + std::to_string(broker->port_) + " within " +
                     std::to_string(startup_timeout_ms) + " ms; log: " + broker->log();
        // broker's destructor stops it and removes the dir; try another port
        if (fixed_port != 0) break;
    }
    return make_error(Errc::io_error, last_error);
}

std::string MosquittoBroker::log() const {
    std::ifstream in(dir_ + "/mosquitto.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool MosquittoBroker::running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        pid_ = -1;
        return false;
    }
    return true;
}

void MosquittoBroker::stop() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        const std::uint64_t deadline = mono_ms() + 3000;
        while (running() && mono_ms() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
    }
}

MosquittoBroker::~MosquittoBroker() {
    stop();
    remove_tree(dir_);
}

}  // namespace iotlite::test
