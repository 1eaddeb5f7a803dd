#include "iotlite/firmware/posix_port.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace iotlite::firmware {

std::uint64_t PosixClock::now_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000u;
}

std::int64_t PosixClock::unix_time_s() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec);
}

Result<void> PosixRandom::fill(std::uint8_t* out, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = getrandom(out + done, size - done, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(Errc::crypto_error, std::string("getrandom failed: ") + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
    return {};
}

void PosixWaiter::wait(const IoWait& wait, std::uint32_t timeout_ms) {
    if (wait.ready_now) return;
    pollfd p{};
    p.fd = wait.fd;
    p.events = static_cast<short>((wait.read ? POLLIN : 0) | (wait.write ? POLLOUT : 0));
    int timeout = timeout_ms > 0x7fffffffu ? 0x7fffffff : static_cast<int>(timeout_ms);
    if (wait.fd < 0 || p.events == 0) {
        if (timeout > 0) ::poll(nullptr, 0, timeout);
        return;
    }
    // EINTR (e.g. a signal used as a button) just ends the wait early.
    ::poll(&p, 1, timeout);
}

PosixTcpTransport::PosixTcpTransport(std::string host, std::uint16_t port) : host_(std::move(host)), port_(port) {}

PosixTcpTransport::~PosixTcpTransport() { close(); }

std::int32_t PosixTcpTransport::fail(Errc code, std::string message) {
    error_ = make_error(code, std::move(message));
    return -1;
}

Result<bool> PosixTcpTransport::connect(std::uint64_t) {
    if (open_) return true;
    const std::string where = host_ + ":" + std::to_string(port_);
    if (!connecting_) {
        if (fd_ >= 0) return make_error(Errc::invalid_state, "TCP transport to " + where + " already failed; create a new one");
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* list = nullptr;
        const std::string port_text = std::to_string(port_);
        int rc = getaddrinfo(host_.c_str(), port_text.c_str(), &hints, &list);
        if (rc != 0 || list == nullptr) {
            fail(Errc::io_error, "cannot resolve " + host_ + ": " + gai_strerror(rc));
            return error_;
        }
        // First address only: a device talks to one endpoint; retries come from the backoff.
        fd_ = ::socket(list->ai_family, list->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, list->ai_protocol);
        if (fd_ < 0) {
            freeaddrinfo(list);
            fail(Errc::io_error, std::string("socket() failed: ") + std::strerror(errno));
            return error_;
        }
        int one = 1;
        setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        rc = ::connect(fd_, list->ai_addr, list->ai_addrlen);
        const int err = errno;
        freeaddrinfo(list);
        if (rc == 0) {
            open_ = true;
            return true;
        }
        if (err != EINPROGRESS) {
            fail(Errc::io_error, "TCP connect to " + where + " failed: " + std::strerror(err));
            return error_;
        }
        connecting_ = true;
        return false;
    }
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    int so_error = 0;
    socklen_t len = sizeof so_error;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &len);
    connecting_ = false;
    if (so_error != 0) {
        fail(Errc::io_error, "TCP connect to " + where + " failed: " + std::strerror(so_error));
        return error_;
    }
    open_ = true;
    return true;
}

std::int32_t PosixTcpTransport::send(const std::uint8_t* data, std::size_t size) {
    if (!open_) return fail(Errc::invalid_state, "TCP transport is not open");
    if (size > 0x7fffffffu) size = 0x7fffffffu;
    ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n >= 0) {
        want_write_ = static_cast<std::size_t>(n) < size;
        return static_cast<std::int32_t>(n);
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        want_write_ = true;
        return 0;
    }
    return fail(Errc::io_error, std::string("TCP send failed: ") + std::strerror(errno));
}

std::int32_t PosixTcpTransport::recv(std::uint8_t* data, std::size_t size) {
    if (!open_) return fail(Errc::invalid_state, "TCP transport is not open");
    if (size > 0x7fffffffu) size = 0x7fffffffu;
    ssize_t n = ::recv(fd_, data, size, 0);
    if (n > 0) return static_cast<std::int32_t>(n);
    if (n == 0) return fail(Errc::closed, "the peer closed the TCP connection");
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    return fail(Errc::io_error, std::string("TCP receive failed: ") + std::strerror(errno));
}

void PosixTcpTransport::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    open_ = false;
    connecting_ = false;
}

IoWait PosixTcpTransport::io_wait() const {
    IoWait w;
    w.fd = fd_;
    w.read = open_;
    w.write = connecting_ || want_write_;
    return w;
}

Result<std::unique_ptr<Transport>> PosixTcpConnector::open(const std::string& host, std::uint16_t port) {
    if (host.empty() || port == 0) return make_error(Errc::invalid_argument, "TCP target needs a host and a non-zero port");
    return std::unique_ptr<Transport>(new PosixTcpTransport(host, port));
}

}  // namespace iotlite::firmware
