// Helpers shared by the firmware tests: bounded drivers for a Transport, MQTT bytes built by
// hand (3.1.1 §3.1) so that transport tests do not depend on the engine, and reading the files
// and the first output line of the peers the tests start.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "iotlite/firmware/posix_port.hpp"
#include "iotlite/firmware/transport.hpp"

namespace iotlite::firmware::test {

// Steps connect() until open, failed, or timeout_ms (Errc::timeout).
inline Result<bool> open_transport(Transport& t, Port& port, std::uint32_t timeout_ms = 5000) {
    const std::uint64_t end = port.clock.now_ms() + timeout_ms;
    while (port.clock.now_ms() < end) {
        Result<bool> r = t.connect(port.clock.now_ms());
        if (!r.ok() || r.value()) return r;
        port.waiter.wait(t.io_wait(), 50);
    }
    return make_error(Errc::timeout, "transport did not open in time");
}

// CONNECT, protocol level 4, clean session, keep-alive 60 s.
inline std::vector<std::uint8_t> mqtt_connect_packet(const std::string& client_id) {
    std::vector<std::uint8_t> p = {0x10, 0, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C,
                                   0x00, static_cast<std::uint8_t>(client_id.size())};
    p.insert(p.end(), client_id.begin(), client_id.end());
    p[1] = static_cast<std::uint8_t>(p.size() - 2);
    return p;
}

// Writes `out` fully, then reads until `expect` bytes arrived; empty on failure/timeout.
inline std::vector<std::uint8_t> exchange(Transport& t, Port& port, const std::vector<std::uint8_t>& out,
                                          std::size_t expect, std::uint32_t timeout_ms = 5000) {
    const std::uint64_t end = port.clock.now_ms() + timeout_ms;
    std::size_t sent = 0;
    std::vector<std::uint8_t> in;
    while (port.clock.now_ms() < end) {
        if (sent < out.size()) {
            std::int32_t n = t.send(out.data() + sent, out.size() - sent);
            if (n < 0) return {};
            sent += static_cast<std::size_t>(n);
        }
        std::uint8_t buf[256];
        std::int32_t n = t.recv(buf, sizeof buf);
        if (n < 0) return {};
        in.insert(in.end(), buf, buf + n);
        if (sent == out.size() && in.size() >= expect) return in;
        IoWait w = t.io_wait();
        w.write = sent < out.size();
        port.waiter.wait(w, 50);
    }
    return {};
}

inline const std::vector<std::uint8_t> kConnackAccepted = {0x20, 0x02, 0x00, 0x00};

// The whole content of a text file ("" if it cannot be read).
inline std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Reads `fd` (a child's stdout) until a newline arrived, the stream ended or timeout_ms passed;
// returns all that was read (it may go on past the newline).
inline std::string read_first_line(int fd, std::uint32_t timeout_ms) {
    std::string text;
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (text.find('\n') == std::string::npos && std::chrono::steady_clock::now() < end) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) continue;
        char buf[1024];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    return text;
}

}  // namespace iotlite::firmware::test
