#include "tcp_driver.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace iotlite::test {
namespace {
constexpr std::size_t kReadChunk = 64 * 1024;
// Reads per step: bounds how long one step feeds input before it flushes output again.
constexpr int kMaxReadsPerStep = 16;
}  // namespace

TcpDriver::TcpDriver(mqtt::Client& client, std::string host, std::uint16_t port)
    : client_(client), host_(std::move(host)), port_(port), rx_(kReadChunk) {}

TcpDriver::~TcpDriver() { close_socket(); }

std::uint64_t TcpDriver::now_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000u;
}

void TcpDriver::set_target(std::string host, std::uint16_t port) {
    host_ = std::move(host);
    port_ = port;
}

void TcpDriver::close_socket() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    connecting_ = false;
}

void TcpDriver::fail_socket(Errc code, const std::string& why) {
    close_socket();
    client_.on_closed(make_error(code, why), now_ms());
}

void TcpDriver::sever() {
    if (fd_ >= 0) fail_socket(Errc::closed, "connection severed by the test driver");
}

void TcpDriver::open_socket(const mqtt::ConnectionTarget& target) {
    close_socket();
    ++opens_;
    if (target.kind != mqtt::TransportKind::tcp) {
        client_.on_closed(make_error(Errc::unsupported, "the test TCP driver opens only tcp targets"), now_ms());
        return;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string port = std::to_string(target.port);
    if (::getaddrinfo(target.host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
        client_.on_closed(make_error(Errc::io_error, "cannot resolve " + target.host), now_ms());
        return;
    }
    fd_ = ::socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, res->ai_protocol);
    if (fd_ < 0) {
        ::freeaddrinfo(res);
        fail_socket(Errc::io_error, std::string("socket: ") + std::strerror(errno));
        return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const int rc = ::connect(fd_, res->ai_addr, res->ai_addrlen);
    const int err = errno;
    ::freeaddrinfo(res);
    if (rc == 0) {
        client_.on_open(now_ms());
    } else if (err == EINPROGRESS) {
        connecting_ = true;
    } else {
        fail_socket(Errc::io_error, "connect to " + target.host + ":" + port + ": " + std::strerror(err));
    }
}

void TcpDriver::finish_connect() {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        fail_socket(Errc::io_error, std::string("connect: ") + std::strerror(err));
        return;
    }
    connecting_ = false;
    client_.on_open(now_ms());
}

void TcpDriver::process_events() {
    mqtt::Event ev;
    while (client_.poll_event(ev)) {
        switch (ev.type) {
            case mqtt::Event::Type::need_target: {
                mqtt::ConnectionTarget target;
                target.kind = mqtt::TransportKind::tcp;
                target.host = host_;
                target.port = port_;
                client_.provide_target(std::move(target), now_ms());
                break;
            }
            case mqtt::Event::Type::open_transport:
                open_socket(client_.target());
                break;
            case mqtt::Event::Type::close_transport:
                flush_output();  // e.g. the DISCONNECT queued just before the close (best effort)
                close_socket();
                break;
            default:
                if (handler_) {
                    handler_(ev);
                } else {
                    events_.push_back(std::move(ev));
                }
                break;
        }
        // No reset needed: poll_event() move-assigns every field.
    }
}

void TcpDriver::flush_output() {
    while (fd_ >= 0 && !connecting_ && client_.output_size() > 0) {
        const ssize_t n = ::send(fd_, client_.output_data(), client_.output_size(), MSG_NOSIGNAL);
        if (n > 0) {
            client_.consume_output(static_cast<std::size_t>(n));
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            fail_socket(Errc::io_error, std::string("send: ") + std::strerror(errno));
            return;
        }
    }
}

void TcpDriver::read_input() {
    for (int i = 0; i < kMaxReadsPerStep && fd_ >= 0; ++i) {
        const ssize_t n = ::recv(fd_, rx_.data(), rx_.size(), 0);
        if (n > 0) {
            client_.on_bytes(rx_.data(), static_cast<std::size_t>(n), now_ms());
            // The engine may have asked to close (protocol error): do that before reading more.
            process_events();
            if (static_cast<std::size_t>(n) < rx_.size()) return;
        } else if (n == 0) {
            fail_socket(Errc::closed, "the peer closed the TCP connection");
            return;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        } else if (errno != EINTR) {
            fail_socket(Errc::io_error, std::string("recv: ") + std::strerror(errno));
            return;
        }
    }
}

void TcpDriver::step(int max_wait_ms) {
    process_events();
    flush_output();
    process_events();

    std::uint64_t now = now_ms();
    int timeout = std::max(0, max_wait_ms);
    const std::uint64_t deadline = client_.next_deadline_ms();
    if (deadline != std::numeric_limits<std::uint64_t>::max()) {
        const std::uint64_t wait = deadline > now ? deadline - now : 0;
        timeout = static_cast<int>(std::min<std::uint64_t>(wait, static_cast<std::uint64_t>(timeout)));
    }

    if (fd_ >= 0) {
        pollfd p{fd_, POLLIN, 0};
        if (connecting_ || client_.output_size() > 0) p.events |= POLLOUT;
        const int rc = ::poll(&p, 1, timeout);
        if (rc > 0) {
            if (connecting_) {
                if (p.revents & (POLLOUT | POLLERR | POLLHUP)) finish_connect();
            } else {
                if (p.revents & (POLLIN | POLLERR | POLLHUP)) read_input();
                if (fd_ >= 0 && (p.revents & POLLOUT)) flush_output();
            }
        }
    } else if (timeout > 0) {
        ::poll(nullptr, 0, timeout);
    }

    now = now_ms();
    if (now >= client_.next_deadline_ms()) client_.on_tick(now);
    process_events();
    flush_output();
    process_events();
}

void TcpDriver::flush() {
    process_events();
    flush_output();
    process_events();
}

bool TcpDriver::run_until(const std::function<bool()>& pred, std::uint32_t timeout_ms) {
    const std::uint64_t end = now_ms() + timeout_ms;
    while (!pred()) {
        const std::uint64_t now = now_ms();
        if (now >= end) return pred();
        step(static_cast<int>(std::min<std::uint64_t>(end - now, 50)));
    }
    return true;
}

std::optional<mqtt::Event> TcpDriver::wait_for(mqtt::Event::Type type, std::uint32_t timeout_ms) {
    std::optional<mqtt::Event> found;
    auto take = [&]() {
        for (auto it = events_.begin(); it != events_.end(); ++it) {
            if (it->type == type) {
                found = std::move(*it);
                events_.erase(it);
                return true;
            }
        }
        return false;
    };
    run_until(take, timeout_ms);
    return found;
}

}  // namespace iotlite::test
