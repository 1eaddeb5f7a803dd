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
            return make_error(Errc::crypto_error, IOTLITE_TEXT(std::string("getrandom failed: ") + std::strerror(errno)));
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

Result<std::vector<IpAddress>> PosixResolver::resolve(const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const std::string port_text = std::to_string(port);
    int rc = getaddrinfo(host.c_str(), port_text.c_str(), &hints, &list);
    if (rc != 0 || list == nullptr) {
        if (list) freeaddrinfo(list);
        return make_error(Errc::io_error, IOTLITE_TEXT("cannot resolve " + host + ": " + gai_strerror(rc)));
    }
    std::vector<IpAddress> out;
    for (const addrinfo* a = list; a; a = a->ai_next) {
        IpAddress ip;
        ip.port = port;
        if (a->ai_family == AF_INET) {
            const auto* in = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
            std::memcpy(ip.bytes, &in->sin_addr, 4);
        } else if (a->ai_family == AF_INET6) {
            const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
            ip.family = IpAddress::Family::v6;
            std::memcpy(ip.bytes, &in6->sin6_addr, 16);
        } else {
            continue;
        }
        out.push_back(ip);
    }
    freeaddrinfo(list);
    if (out.empty()) return make_error(Errc::io_error, IOTLITE_TEXT("cannot resolve " + host + ": no IPv4 or IPv6 address"));
    return out;
}

namespace {

PosixResolver& default_resolver() {
    static PosixResolver resolver;  // stateless
    return resolver;
}

// "192.0.2.1:8883" / "[2001:db8::1]:8883"
std::string address_text(const IpAddress& a) {
    char text[INET6_ADDRSTRLEN] = "?";
    inet_ntop(a.family == IpAddress::Family::v6 ? AF_INET6 : AF_INET, a.bytes, text, sizeof text);
    const std::string port = ":" + std::to_string(a.port);
    return a.family == IpAddress::Family::v6 ? "[" + std::string(text) + "]" + port : text + port;
}

socklen_t to_sockaddr(const IpAddress& a, sockaddr_storage& out) {
    out = sockaddr_storage{};
    if (a.family == IpAddress::Family::v6) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(a.port);
        std::memcpy(&in6->sin6_addr, a.bytes, 16);
        return sizeof(sockaddr_in6);
    }
    auto* in = reinterpret_cast<sockaddr_in*>(&out);
    in->sin_family = AF_INET;
    in->sin_port = htons(a.port);
    std::memcpy(&in->sin_addr, a.bytes, 4);
    return sizeof(sockaddr_in);
}

}  // namespace

PosixTcpTransport::PosixTcpTransport(std::string host, std::uint16_t port)
    : PosixTcpTransport(std::move(host), port, default_resolver()) {}

PosixTcpTransport::PosixTcpTransport(std::string host, std::uint16_t port, Resolver& resolver)
    : host_(std::move(host)), port_(port), resolver_(resolver) {}

PosixTcpTransport::~PosixTcpTransport() { close(); }

std::int32_t PosixTcpTransport::fail(Errc code, std::string message) {
    error_ = make_error(code, std::move(message));
    return -1;
}

void PosixTcpTransport::address_failed(int err) {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    connecting_ = false;
    if (!failures_.empty()) failures_ += "; ";
    failures_ += address_text(addresses_[next_ - 1]) + ": " + std::strerror(err);
    last_errno_ = err;
}

bool PosixTcpTransport::start_next() {
    while (next_ < addresses_.size()) {
        const IpAddress& address = addresses_[next_++];
        sockaddr_storage sa;
        const socklen_t sa_len = to_sockaddr(address, sa);
        fd_ = ::socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd_ < 0) {
            socket_failed_ = true;
            address_failed(errno);
            continue;
        }
        socket_failed_ = false;
        int one = 1;
        setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(fd_, reinterpret_cast<const sockaddr*>(&sa), sa_len) == 0) {
            open_ = true;
            return true;
        }
        if (errno == EINPROGRESS) {
            connecting_ = true;
            return true;
        }
        address_failed(errno);
    }
    // Every address failed. One address: the message as it always was; several: each one's reason.
    const std::string where = host_ + ":" + std::to_string(port_);
    if (addresses_.size() == 1)
        fail(Errc::io_error, IOTLITE_TEXT(socket_failed_ ? std::string("socket() failed: ") + std::strerror(last_errno_)
                                            : "TCP connect to " + where + " failed: " + std::strerror(last_errno_)));
    else
        fail(Errc::io_error, IOTLITE_TEXT("TCP connect to " + where + " failed on all " + std::to_string(addresses_.size()) +
                                 " addresses: " + failures_));
    return false;
}

Result<bool> PosixTcpTransport::connect(std::uint64_t) {
    if (open_) return true;
    if (!connecting_) {
        if (resolved_)
            return make_error(Errc::invalid_state, IOTLITE_TEXT("TCP transport to " + host_ + ":" + std::to_string(port_) +
                                                       " already failed; create a new one"));
        resolved_ = true;
        Result<std::vector<IpAddress>> list = resolver_.resolve(host_, port_);
        if (!list) {
            error_ = list.error();
            return error_;
        }
        addresses_ = std::move(list).value();
        if (addresses_.empty()) {
            fail(Errc::io_error, IOTLITE_TEXT("cannot resolve " + host_ + ": the resolver returned no address"));
            return error_;
        }
        if (!start_next()) return error_;
        return open_;
    }
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    int so_error = 0;
    socklen_t len = sizeof so_error;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (so_error != 0) {
        // This address refused or is unreachable: on to the next one, in this same step.
        address_failed(so_error);
        if (!start_next()) return error_;
        return open_;
    }
    connecting_ = false;
    open_ = true;
    return true;
}

std::int32_t PosixTcpTransport::send(const std::uint8_t* data, std::size_t size) {
    if (!open_) return fail(Errc::invalid_state, IOTLITE_TEXT("TCP transport is not open"));
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
    return fail(Errc::io_error, IOTLITE_TEXT(std::string("TCP send failed: ") + std::strerror(errno)));
}

std::int32_t PosixTcpTransport::recv(std::uint8_t* data, std::size_t size) {
    if (!open_) return fail(Errc::invalid_state, IOTLITE_TEXT("TCP transport is not open"));
    if (size > 0x7fffffffu) size = 0x7fffffffu;
    ssize_t n = ::recv(fd_, data, size, 0);
    if (n > 0) return static_cast<std::int32_t>(n);
    if (n == 0) return fail(Errc::closed, IOTLITE_TEXT("the peer closed the TCP connection"));
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    return fail(Errc::io_error, IOTLITE_TEXT(std::string("TCP receive failed: ") + std::strerror(errno)));
}

void PosixTcpTransport::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    open_ = false;
    connecting_ = false;
    // A closed transport may connect() again, from a fresh resolution.
    resolved_ = false;
    addresses_.clear();
    next_ = 0;
    failures_.clear();
}

IoWait PosixTcpTransport::io_wait() const {
    IoWait w;
    w.fd = fd_;
    w.read = open_;
    w.write = connecting_ || want_write_;
    return w;
}

PosixTcpConnector::PosixTcpConnector() : resolver_(&default_resolver()) {}

Result<std::unique_ptr<Transport>> PosixTcpConnector::open(const std::string& host, std::uint16_t port) {
    if (host.empty() || port == 0) return make_error(Errc::invalid_argument, IOTLITE_TEXT("TCP target needs a host and a non-zero port"));
    return std::unique_ptr<Transport>(new PosixTcpTransport(host, port, *resolver_));
}

}  // namespace iotlite::firmware
