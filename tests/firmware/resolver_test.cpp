// Name resolution through the port (issue 17, item 4): PosixTcpTransport tries every address its
// Resolver returns, in order, until one connects, and keeps each failed address's reason for the
// final error. A stub resolver hands out loopback addresses: a closed port first, then a live
// listener (bound to 127.0.0.1 only).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "iotlite/firmware/posix_port.hpp"
#include "test_support.hpp"

namespace iotlite::firmware {
namespace {

// A loopback TCP socket bound to an ephemeral port; listening or not.
class LoopbackSocket {
public:
    explicit LoopbackSocket(bool listen_on) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        if (listen_on) ::listen(fd_, 4);
    }
    ~LoopbackSocket() {
        if (fd_ >= 0) ::close(fd_);
    }
    LoopbackSocket(const LoopbackSocket&) = delete;
    LoopbackSocket& operator=(const LoopbackSocket&) = delete;
    std::uint16_t port() const { return port_; }
    int fd() const { return fd_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

IpAddress loopback_v4(std::uint16_t port) {
    IpAddress a;
    a.bytes[0] = 127;
    a.bytes[3] = 1;
    a.port = port;
    return a;
}

IpAddress loopback_v6(std::uint16_t port) {
    IpAddress a;
    a.family = IpAddress::Family::v6;
    a.bytes[15] = 1;  // ::1
    a.port = port;
    return a;
}

// Returns a fixed list (each entry with its own port) and counts its calls.
class StubResolver final : public Resolver {
public:
    explicit StubResolver(std::vector<IpAddress> list) : list_(std::move(list)) {}
    Result<std::vector<IpAddress>> resolve(const std::string& host, std::uint16_t) override {
        ++calls;
        asked = host;
        if (list_.empty()) return make_error(Errc::io_error, "cannot resolve " + host + ": stub has no address");
        return list_;
    }
    int calls = 0;
    std::string asked;

private:
    std::vector<IpAddress> list_;
};

TEST(FirmwareResolver, ClosedPortThenLivePort_ConnectsToTheSecondAddress) {
    PosixPort posix;
    Port port = posix.port();
    LoopbackSocket live(true);
    ASSERT_NE(live.port(), 0);
    std::uint16_t closed_port = 0;
    {
        LoopbackSocket closed(false);  // bound, not listening, then closed: nothing answers there
        closed_port = closed.port();
    }
    ASSERT_NE(closed_port, 0);
    StubResolver resolver({loopback_v4(closed_port), loopback_v4(live.port())});
    PosixTcpConnector connector(resolver);

    auto transport = connector.open("iot.example", 8883);
    ASSERT_TRUE(transport.ok()) << transport.error().message;
    Result<bool> opened = test::open_transport(*transport.value(), port);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_TRUE(opened.value());
    EXPECT_EQ(resolver.calls, 1);
    EXPECT_EQ(resolver.asked, "iot.example");

    // It is the live listener that got the connection: a byte sent arrives there.
    pollfd p{live.fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 2000), 1);
    int peer = ::accept(live.fd(), nullptr, nullptr);
    ASSERT_GE(peer, 0);
    const std::uint8_t byte = 0x42;
    EXPECT_EQ(transport.value()->send(&byte, 1), 1);
    std::uint8_t got = 0;
    pollfd q{peer, POLLIN, 0};
    ASSERT_EQ(::poll(&q, 1, 2000), 1);
    EXPECT_EQ(::recv(peer, &got, 1, 0), 1);
    EXPECT_EQ(got, 0x42);
    ::close(peer);
}

TEST(FirmwareResolver, Ipv6ThenIpv4_FallsBackToIpv4WhenIpv6Fails) {
    // ::1 on a port nothing listens on (refused, or unreachable where IPv6 is off), then IPv4.
    PosixPort posix;
    Port port = posix.port();
    LoopbackSocket live(true);
    std::uint16_t closed_port = 0;
    {
        LoopbackSocket closed(false);
        closed_port = closed.port();
    }
    StubResolver resolver({loopback_v6(closed_port), loopback_v4(live.port())});
    PosixTcpTransport transport("iot.example", 8883, resolver);
    Result<bool> opened = test::open_transport(transport, port);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_TRUE(opened.value());
}

TEST(FirmwareResolver, EveryAddressFails_ErrorNamesEachAddressAndItsReason) {
    PosixPort posix;
    Port port = posix.port();
    std::uint16_t a = 0, b = 0;
    {
        LoopbackSocket s1(false), s2(false);
        a = s1.port();
        b = s2.port();
    }
    StubResolver resolver({loopback_v4(a), loopback_v4(b)});
    PosixTcpTransport transport("iot.example", 8883, resolver);
    Result<bool> opened = test::open_transport(transport, port);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, Errc::io_error);
    const std::string& m = opened.error().message;
    EXPECT_NE(m.find("TCP connect to iot.example:8883 failed on all 2 addresses: "), std::string::npos) << m;
    EXPECT_NE(m.find("127.0.0.1:" + std::to_string(a) + ": Connection refused"), std::string::npos) << m;
    EXPECT_NE(m.find("127.0.0.1:" + std::to_string(b) + ": Connection refused"), std::string::npos) << m;
    EXPECT_LT(m.find(std::to_string(a) + ": "), m.find(std::to_string(b) + ": ")) << "tried in the resolver's order";
    // A failed transport says so instead of resolving again.
    Result<bool> again = transport.connect(port.clock.now_ms());
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Errc::invalid_state);
    EXPECT_EQ(resolver.calls, 1);
}

TEST(FirmwareResolver, OneAddressFails_MessageIsTheSingleAddressForm) {
    PosixPort posix;
    Port port = posix.port();
    std::uint16_t closed_port = 0;
    {
        LoopbackSocket closed(false);
        closed_port = closed.port();
    }
    StubResolver resolver({loopback_v4(closed_port)});
    PosixTcpTransport transport("127.0.0.1", closed_port, resolver);
    Result<bool> opened = test::open_transport(transport, port);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().message,
              "TCP connect to 127.0.0.1:" + std::to_string(closed_port) + " failed: Connection refused");
}

TEST(FirmwareResolver, ResolverFails_TransportReportsItsError) {
    PosixPort posix;
    Port port = posix.port();
    StubResolver resolver({});
    PosixTcpTransport transport("nowhere.example", 8883, resolver);
    Result<bool> opened = test::open_transport(transport, port);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, Errc::io_error);
    EXPECT_EQ(opened.error().message, "cannot resolve nowhere.example: stub has no address");
}

TEST(FirmwarePosixResolver, LiteralAddresses_ResolveToThatFamilyWithThePort) {
    PosixResolver resolver;
    auto v4 = resolver.resolve("127.0.0.1", 8883);
    ASSERT_TRUE(v4.ok()) << v4.error().message;
    ASSERT_EQ(v4.value().size(), 1u);
    EXPECT_EQ(v4.value()[0].family, IpAddress::Family::v4);
    EXPECT_EQ(v4.value()[0].port, 8883);
    const std::uint8_t loop4[4] = {127, 0, 0, 1};
    EXPECT_EQ(std::memcmp(v4.value()[0].bytes, loop4, 4), 0);

    auto v6 = resolver.resolve("::1", 443);
    ASSERT_TRUE(v6.ok()) << v6.error().message;
    ASSERT_EQ(v6.value().size(), 1u);
    EXPECT_EQ(v6.value()[0].family, IpAddress::Family::v6);
    EXPECT_EQ(v6.value()[0].bytes[15], 1);
    EXPECT_EQ(v6.value()[0].port, 443);
}

}  // namespace
}  // namespace iotlite::firmware
