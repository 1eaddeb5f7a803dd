#include "local_peers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include "test_support.hpp"

extern char** environ;

namespace iotlite::firmware::test {

namespace {

pid_t spawn(const std::vector<std::string>& argv, int stdin_fd, int stdout_fd) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (stdin_fd >= 0) posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
    if (stdout_fd >= 0) posix_spawn_file_actions_adddup2(&fa, stdout_fd, 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    if (posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

bool port_open(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

std::uint16_t json_port(const std::string& line, const std::string& key) {
    std::size_t p = line.find("\"" + key + "\":");
    if (p == std::string::npos) return 0;
    return static_cast<std::uint16_t>(std::strtoul(line.c_str() + p + key.size() + 3, nullptr, 10));
}

void stop(pid_t& pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100; ++i) {  // bounded: 2 s, then SIGKILL
        if (::waitpid(pid, nullptr, WNOHANG) == pid) {
            pid = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
}

}  // namespace

std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

std::string LocalPeers::pem(const std::string& file) const { return read_text(dir_ + "/" + file); }

DeviceCredentials LocalPeers::device_credentials() const {
    DeviceCredentials creds;
    creds.ca_pem = pem("ca.crt");
    creds.cert_pem = pem("device.crt");
    creds.key_pem = pem("device.key");
    return creds;
}

std::string LocalPeers::start(bool with_node_peer) {
    char tmpl[] = "/tmp/iotlite-fw-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return "mkdtemp failed";
    dir_ = tmpl;
    const std::string src = IOTLITE_FIRMWARE_TEST_DIR;
    if (std::system(("'" + src + "/pki.sh' '" + dir_ + "'").c_str()) != 0) return "pki.sh failed";

    mqtt_plain = free_port();
    mqtt_tls = free_port();
    mqtt_expired = free_port();
    {
        std::ofstream conf(dir_ + "/mosquitto.conf");
        conf << "per_listener_settings true\npersistence false\nlog_type none\n"
             << "listener " << mqtt_plain << " 127.0.0.1\nallow_anonymous true\n"
             << "listener " << mqtt_tls << " 127.0.0.1\nallow_anonymous true\n"
             << "cafile " << dir_ << "/ca.crt\ncertfile " << dir_ << "/server.crt\nkeyfile " << dir_ << "/server.key\n"
             << "require_certificate true\ntls_version tlsv1.2\n"
             << "listener " << mqtt_expired << " 127.0.0.1\nallow_anonymous true\n"
             << "cafile " << dir_ << "/ca.crt\ncertfile " << dir_ << "/expired.crt\nkeyfile " << dir_ << "/expired.key\n"
             << "require_certificate true\ntls_version tlsv1.2\n";
    }
    mosquitto_ = spawn({IOTLITE_MOSQUITTO, "-c", dir_ + "/mosquitto.conf"}, -1, -1);
    if (mosquitto_ < 0) return "cannot start mosquitto";
    bool up = false;
    for (int i = 0; i < 250 && !up; ++i) {  // bounded: 5 s
        up = port_open(mqtt_plain) && port_open(mqtt_tls) && port_open(mqtt_expired);
        if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!up) return "mosquitto did not open its listeners";
    if (!with_node_peer) return "";

    int in_pipe[2], out_pipe[2];
    if (::pipe(in_pipe) != 0 || ::pipe(out_pipe) != 0) return "pipe failed";
    node_ = spawn({IOTLITE_NODE, src + "/peer.mjs", "--dir", dir_, "--mqtt-port", std::to_string(mqtt_plain)},
                  in_pipe[0], out_pipe[1]);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    node_stdin_ = in_pipe[1];
    if (node_ < 0) {
        ::close(out_pipe[0]);
        return "cannot start node";
    }
    const std::string line = read_first_line(out_pipe[0], 15000);
    ::close(out_pipe[0]);
    alpn = json_port(line, "alpn");
    wss = json_port(line, "wss");
    https_cert = json_port(line, "https_cert");
    https_sigv4 = json_port(line, "https_sigv4");
    if (alpn == 0 || wss == 0 || https_cert == 0 || https_sigv4 == 0) return "peer.mjs did not print its ports: " + line;
    return "";
}

LocalPeers::~LocalPeers() {
    if (node_stdin_ >= 0) ::close(node_stdin_);
    stop(node_);
    stop(mosquitto_);
    if (!dir_.empty()) std::system(("rm -rf '" + dir_ + "'").c_str());
}

}  // namespace iotlite::firmware::test
