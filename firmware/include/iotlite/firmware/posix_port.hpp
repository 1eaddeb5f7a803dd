// The POSIX port (Linux hosts): CLOCK_MONOTONIC, getrandom(), poll(), non-blocking sockets.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

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

// TCP stream over a non-blocking socket. Name resolution (getaddrinfo) blocks; the connect
// itself does not.
class PosixTcpTransport final : public Transport {
public:
    PosixTcpTransport(std::string host, std::uint16_t port);
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
    std::string host_;
    std::uint16_t port_;
    int fd_ = -1;
    bool connecting_ = false;
    bool open_ = false;
    bool want_write_ = false;
    Error error_;
};

class PosixTcpConnector final : public TcpConnector {
public:
    Result<std::unique_ptr<Transport>> open(const std::string& host, std::uint16_t port) override;
};

// All four POSIX pieces in one object; port() hands them out by reference.
class PosixPort {
public:
    Port port() { return Port{clock_, random_, waiter_, tcp_}; }

private:
    PosixClock clock_;
    PosixRandom random_;
    PosixWaiter waiter_;
    PosixTcpConnector tcp_;
};

}  // namespace iotlite::firmware
