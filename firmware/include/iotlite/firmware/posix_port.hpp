// The POSIX port (Linux hosts): CLOCK_MONOTONIC, getrandom(), poll(), getaddrinfo(), non-blocking
// sockets.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "iotlite/firmware/port.hpp"
#include "iotlite/firmware/transport.hpp"

namespace iotlite::firmware {

class PosixClock final : public Clock {
public:
    std::uint64_t now_ms() override;
    std::int64_t unix_time_s() override;
};

class PosixRandom final : public Random {
public:
    Result<void> fill(std::uint8_t* out, std::size_t size) override;
};

class PosixWaiter final : public Waiter {
public:
    void wait(const IoWait& wait, std::uint32_t timeout_ms) override;
};

// getaddrinfo(AF_UNSPEC, SOCK_STREAM): IPv4 and IPv6 addresses in the order the system's
// address selection (RFC 6724, /etc/gai.conf) sorts them. Blocks while it resolves.
class PosixResolver final : public Resolver {
public:
    Result<std::vector<IpAddress>> resolve(const std::string& host, std::uint16_t port) override;
};

// TCP stream over a non-blocking socket. connect() resolves host through the Resolver (which
// may block), then tries each address in order until one connects; the error of each failed
// address is kept, and named in the final error when none connects.
class PosixTcpTransport final : public Transport {
public:
    // Resolves with a PosixResolver.
    PosixTcpTransport(std::string host, std::uint16_t port);
    // `resolver` outlives the transport.
    PosixTcpTransport(std::string host, std::uint16_t port, Resolver& resolver);
    ~PosixTcpTransport() override;
    PosixTcpTransport(const PosixTcpTransport&) = delete;
    PosixTcpTransport& operator=(const PosixTcpTransport&) = delete;

    Result<bool> connect(std::uint64_t now_ms) override;
    std::int32_t send(const std::uint8_t* data, std::size_t size) override;
    std::int32_t recv(std::uint8_t* data, std::size_t size) override;
    void close() override;
    IoWait io_wait() const override;
    const Error& last_error() const override { return error_; }

private:
    std::int32_t fail(Errc code, std::string message);
    // Starts connecting to addresses_[next_] and the ones after it: true once one is open or
    // in progress, false (error_ set) when none is left.
    bool start_next();
    void address_failed(int err);
    std::string host_;
    std::uint16_t port_;
    Resolver& resolver_;
    std::vector<IpAddress> addresses_;
    std::size_t next_ = 0;     // the address being tried is addresses_[next_ - 1]
    std::string failures_;     // "addr: reason; addr: reason" of the addresses tried so far
    bool resolved_ = false;
    bool socket_failed_ = false;  // the last failure was socket() itself, not the connect
    int last_errno_ = 0;
    int fd_ = -1;
    bool connecting_ = false;
    bool open_ = false;
    bool want_write_ = false;
    Error error_;
};

class PosixTcpConnector final : public TcpConnector {
public:
    PosixTcpConnector();                                       // a PosixResolver
    explicit PosixTcpConnector(Resolver& resolver) : resolver_(&resolver) {}  // outlives the connector
    Result<std::unique_ptr<Transport>> open(const std::string& host, std::uint16_t port) override;

private:
    Resolver* resolver_;
};

// The POSIX pieces in one object; port() hands them out by reference (the connector resolves
// through resolver_).
class PosixPort {
public:
    Port port() { return Port{clock_, random_, waiter_, tcp_}; }

private:
    PosixClock clock_;
    PosixRandom random_;
    PosixWaiter waiter_;
    PosixResolver resolver_;
    PosixTcpConnector tcp_{resolver_};
};

}  // namespace iotlite::firmware
