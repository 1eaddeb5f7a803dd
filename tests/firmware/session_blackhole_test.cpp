// firmware::Session over real TCP through a loopback proxy to a real Mosquitto, and the proxy
// turns into a black hole: it keeps both sockets open (no FIN, no RST) but forwards nothing more,
// as a NAT or load balancer that lost its state does. The application keeps publishing QoS 0
// every second; the engine must still report "keep-alive timeout" within 1.5 x keep-alive
// (AWS minimum 30 s, so this test takes about 40 s of real time) and reconnect.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "iotlite/firmware/posix_port.hpp"
#include "iotlite/firmware/session.hpp"
#include "mosquitto_broker.hpp"

namespace iotlite::firmware::test {
namespace {

// A TCP relay on 127.0.0.1 in its own thread. blackhole() makes every connection open at that
// moment dead: whatever arrives on either side is read and discarded, nothing is written or
// closed. Connections accepted afterwards are relayed normally (the path recovers for a new TCP
// connection, as after a NAT rebinding).
class BlackholeProxy {
public:
    // Empty string on success, else what failed.
    std::string start(std::uint16_t upstream_port) {
        upstream_ = upstream_port;
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::listen(listener_, 8) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            return "proxy: cannot listen on 127.0.0.1";
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { run(); });
        return "";
    }
    std::uint16_t port() const { return port_; }
    void blackhole() { blackhole_requests_.fetch_add(1); }
    int accepted() const { return accepted_.load(); }

    ~BlackholeProxy() {
        stop_.store(true);
        if (thread_.joinable()) thread_.join();
        for (Pair& p : pairs_) {
            if (p.client >= 0) ::close(p.client);
            if (p.server >= 0) ::close(p.server);
        }
        if (listener_ >= 0) ::close(listener_);
    }

private:
    struct Pair {
        int client = -1;
        int server = -1;
        bool dead = false;  // black-holed: read and discard, never write, never close
    };

    int connect_upstream() const {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(upstream_);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
        if (fd >= 0) ::close(fd);
        return -1;
    }

    // Relays what `from` has to `to` (blocking writes: loopback, small MQTT packets). False when
    // `from` closed or failed (a live pair is then torn down).
    static bool relay(int from, int to, bool dead) {
        std::uint8_t buf[4096];
        ssize_t n = ::recv(from, buf, sizeof buf, 0);
        if (n <= 0) return false;
        if (dead) return true;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = ::send(to, buf + off, static_cast<std::size_t>(n - off), MSG_NOSIGNAL);
            if (w <= 0) return false;
            off += w;
        }
        return true;
    }

    void run() {
        int seen_requests = 0;
        while (!stop_.load()) {  // ends with the test (destructor)
            if (int r = blackhole_requests_.load(); r != seen_requests) {
                seen_requests = r;
                for (Pair& p : pairs_) p.dead = true;
            }
            std::vector<pollfd> fds{{listener_, POLLIN, 0}};
            for (const Pair& p : pairs_) {
                fds.push_back({p.client, static_cast<short>(p.client >= 0 ? POLLIN : 0), 0});
                fds.push_back({p.server, static_cast<short>(p.server >= 0 ? POLLIN : 0), 0});
            }
            if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
            for (std::size_t i = 0; i < pairs_.size(); ++i) {
                Pair& p = pairs_[i];
                const short c = fds[1 + 2 * i].revents, s = fds[2 + 2 * i].revents;
                bool ok = true;
                if (p.client >= 0 && (c & (POLLIN | POLLHUP | POLLERR))) ok = relay(p.client, p.server, p.dead) && ok;
                if (p.server >= 0 && (s & (POLLIN | POLLHUP | POLLERR))) ok = relay(p.server, p.client, p.dead) && ok;
                if (ok) continue;
                if (p.dead) {
                    // A black hole tells nobody: stop watching the side that ended, keep the other open.
                    if (p.client >= 0 && (c & (POLLHUP | POLLERR | POLLIN))) { ::close(p.client); p.client = -1; }
                    if (p.server >= 0 && (s & (POLLHUP | POLLERR | POLLIN))) { ::close(p.server); p.server = -1; }
                } else {
                    ::close(p.client);
                    ::close(p.server);
                    p.client = p.server = -1;
                }
            }
            if (fds[0].revents & POLLIN) {
                int c = ::accept(listener_, nullptr, nullptr);
                if (c >= 0) {
                    int s = connect_upstream();
                    if (s < 0) {
                        ::close(c);
                    } else {
                        pairs_.push_back(Pair{c, s, false});
                        accepted_.fetch_add(1);
                    }
                }
            }
        }
    }

    std::uint16_t upstream_ = 0;
    std::uint16_t port_ = 0;
    int listener_ = -1;
    std::vector<Pair> pairs_;  // owned by the proxy thread while it runs
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<int> blackhole_requests_{0};
    std::atomic<int> accepted_{0};
};

struct Logged {
    std::uint64_t at;
    mqtt::Event event;
};

TEST(SessionBlackhole, ProxyStopsForwardingWhilePublishingQos0_KeepAliveTimeoutWithin45sThenReconnects) {
    auto broker = iotlite::test::MosquittoBroker::start();
    ASSERT_TRUE(broker.ok()) << broker.error().message;
    BlackholeProxy proxy;
    ASSERT_EQ(proxy.start(broker.value()->port()), "");

    PosixPort posix;
    Port port = posix.port();
    mqtt::Config cfg;
    cfg.client_id = "blackhole-dev";
    cfg.keep_alive_s = 30;  // AWS minimum; the engine refuses less
    cfg.reconnect.min_delay_ms = 1000;
    cfg.reconnect.max_delay_ms = 2000;
    cfg.connect_timeout_ms = 5000;
    const std::uint16_t proxy_port = proxy.port();
    auto made = Session::create(
        cfg, port,
        [proxy_port](std::uint32_t) -> Result<mqtt::ConnectionTarget> {
            mqtt::ConnectionTarget t;
            t.kind = mqtt::TransportKind::tcp;
            t.host = "127.0.0.1";
            t.port = proxy_port;
            return t;
        },
        [&port](const mqtt::ConnectionTarget& t) { return port.tcp.open(t.host, t.port); });
    ASSERT_TRUE(made.ok()) << made.error().message;
    Session& s = *made.value();
    std::vector<Logged> log;
    s.set_event_handler([&](const mqtt::Event& e) { log.push_back({s.now_ms(), e}); });
    auto count = [&](mqtt::Event::Type t) {
        int n = 0;
        for (const auto& l : log) n += l.event.type == t;
        return n;
    };
    auto published = [&](std::uint32_t op) {
        for (const auto& l : log)
            if (l.event.type == mqtt::Event::Type::published && l.event.op_id == op) return true;
        return false;
    };

    ASSERT_TRUE(s.start().ok());
    ASSERT_TRUE(s.run_until([&] { return count(mqtt::Event::Type::connected) == 1; }, 10000));
    // The path works: a QoS 1 PUBACK came back through the proxy.
    auto first = s.publish("tele/blackhole-dev", "before", mqtt::QoS::at_least_once);
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(s.run_until([&] { return published(first.value()); }, 5000));

    proxy.blackhole();
    const std::uint64_t died = s.now_ms();
    // QoS 0 every second into the black hole until the client notices (bounded: 60 s).
    std::uint64_t detected = 0;
    int sent_into_void = 0;
    for (int second = 0; second < 60 && detected == 0; ++second) {
        auto r = s.publish("tele/blackhole-dev", "into the void", mqtt::QoS::at_most_once);
        sent_into_void += r.ok() && s.state() == mqtt::State::connected;
        s.run_until([&] { return count(mqtt::Event::Type::disconnected) > 0; }, 1000);
        for (const auto& l : log)
            if (l.event.type == mqtt::Event::Type::disconnected) detected = l.at;
    }
    ASSERT_NE(detected, 0u) << "the dead path was not noticed within 60 s";
    const mqtt::Event* gone = nullptr;
    for (const auto& l : log)
        if (l.event.type == mqtt::Event::Type::disconnected) gone = &l.event;
    EXPECT_EQ(gone->error.code, Errc::timeout);
    EXPECT_EQ(gone->error.message, "keep-alive timeout");
    // 1.5 x keep-alive from the moment the path died (the last packet received came before it).
    EXPECT_LE(detected - died, 45000u) << "detected after " << detected - died << " ms";
    std::printf("[   INFO   ] keep-alive timeout reported %llu ms after the path died\n",
                static_cast<unsigned long long>(detected - died));
    EXPECT_GE(sent_into_void, 20) << "the application was publishing the whole time";

    // The usual reconnect, through a new (working) connection of the proxy, and traffic again.
    ASSERT_TRUE(s.run_until([&] { return count(mqtt::Event::Type::connected) == 2; }, 10000));
    EXPECT_EQ(proxy.accepted(), 2);
    auto after = s.publish("tele/blackhole-dev", "after", mqtt::QoS::at_least_once);
    ASSERT_TRUE(after.ok());
    EXPECT_TRUE(s.run_until([&] { return published(after.value()); }, 5000));
    s.stop(1000);
}

}  // namespace
}  // namespace iotlite::firmware::test
