// firmware::Session (engine + transport + poll loop) against the local peers: a real
// subscribe/publish round trip through Mosquitto on each transport, and the failure cases
// (bad certificate, wrong CA, wrong ALPN, expired presigned URL) ending in a clear error and the
// engine's backoff, not a crash or a tight reconnect loop.
#include <gtest/gtest.h>

#include <ctime>

#include "iotlite/firmware/session.hpp"
#include "iotlite/firmware/transport_factory.hpp"
#include "iotlite/sigv4/iot_websocket_url.hpp"
#include "local_peers.hpp"
#include "test_support.hpp"

namespace iotlite::firmware::test {
namespace {

class SessionTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(peers_.start(), "");
        creds_ = peers_.device_credentials();
    }

    mqtt::Config config(const std::string& client_id) {
        mqtt::Config c;
        c.client_id = client_id;
        c.keep_alive_s = 30;
        c.reconnect.min_delay_ms = 200;
        c.reconnect.max_delay_ms = 800;
        c.connect_timeout_ms = 3000;
        return c;
    }

    std::unique_ptr<Session> make(mqtt::Config cfg, TargetProvider targets) {
        factory_.emplace(posix_.port(), creds_);
        auto s = Session::create(std::move(cfg), posix_.port(), std::move(targets),
                                 [this](const mqtt::ConnectionTarget& t) { return factory_->open(t); });
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
        if (!s.ok()) return nullptr;
        s.value()->set_event_handler([this](const mqtt::Event& e) { events_.push_back(e); });
        return std::move(s.value());
    }

    static TargetProvider tls_target(std::uint16_t port, std::string alpn = "") {
        return [port, alpn](std::uint32_t) -> Result<mqtt::ConnectionTarget> {
            mqtt::ConnectionTarget t;
            t.kind = mqtt::TransportKind::tls;
            t.host = "localhost";
            t.port = port;
            t.alpn = alpn;
            return t;
        };
    }

    TargetProvider wss_target(std::int64_t time_shift_s, int* calls) {
        return [this, time_shift_s, calls](std::uint32_t) -> Result<mqtt::ConnectionTarget> {
            ++*calls;
            sigv4::IotUrlRequest req;
            req.endpoint = "localhost:" + std::to_string(peers_.wss);
            req.region = "us-east-1";
            req.credentials = sigv4::Credentials{kAccessKeyId, kSecretKey, ""};
            req.time = std::time(nullptr) + time_shift_s;  // re-signed on every attempt
            req.expires_seconds = 300;
            Result<std::string> url = sigv4::presign_iot_websocket_url(req);
            if (!url.ok()) return url.error();
            mqtt::ConnectionTarget t;
            t.kind = mqtt::TransportKind::websocket;
            t.url = url.value();
            return t;
        };
    }

    int count(mqtt::Event::Type type) const {
        int n = 0;
        for (const auto& e : events_) n += e.type == type;
        return n;
    }

    // Connect, subscribe to a topic, publish QoS 1 to it and wait for the message to come back.
    void round_trip(Session& s, const std::string& topic, const std::string& payload = "21.5") {
        ASSERT_TRUE(s.start().ok());
        ASSERT_TRUE(s.run_until([&] { return count(mqtt::Event::Type::connected) > 0; }, 10000))
            << "not connected; last transport error: " << s.last_transport_error().message;
        auto sub = s.subscribe({mqtt::TopicFilter{topic, mqtt::QoS::at_least_once}});
        ASSERT_TRUE(sub.ok()) << sub.error().message;
        ASSERT_TRUE(s.run_until([&] { return count(mqtt::Event::Type::subscribed) > 0; }, 5000));
        auto pub = s.publish(topic, payload, mqtt::QoS::at_least_once);
        ASSERT_TRUE(pub.ok()) << pub.error().message;
        ASSERT_TRUE(s.run_until([&] { return count(mqtt::Event::Type::message) > 0 && count(mqtt::Event::Type::published) > 0; }, 5000));
        for (const auto& e : events_) {
            if (e.type != mqtt::Event::Type::message) continue;
            EXPECT_EQ(e.message.topic, topic);
            EXPECT_TRUE(std::string(e.message.payload.begin(), e.message.payload.end()) == payload)
                << "payload of " << e.message.payload.size() << " bytes differs from the " << payload.size() << " sent";
        }
        s.stop(2000);
        EXPECT_EQ(s.connect_attempts(), 1u);
    }

    // Runs a session that cannot connect for `ms` and checks the attempts follow the backoff.
    void expect_backoff(Session& s, Errc code, const std::string& text, std::uint32_t ms = 2500) {
        ASSERT_TRUE(s.start().ok());
        s.run_until([] { return false; }, ms);
        EXPECT_EQ(count(mqtt::Event::Type::connected), 0);
        RecordProperty("error", s.last_transport_error().message);
        RecordProperty("attempts", static_cast<int>(s.connect_attempts()));
        // min 200 ms, doubling to 800 ms, with jitter: a tight loop would make hundreds.
        EXPECT_GE(s.connect_attempts(), 2u);
        EXPECT_LE(s.connect_attempts(), 12u);
        EXPECT_GE(count(mqtt::Event::Type::reconnecting), 1);
        EXPECT_EQ(s.last_transport_error().code, code) << s.last_transport_error().message;
        EXPECT_NE(s.last_transport_error().message.find(text), std::string::npos) << s.last_transport_error().message;
        s.stop(500);
    }

    LocalPeers peers_;
    PosixPort posix_;
    DeviceCredentials creds_;
    std::optional<TransportFactory> factory_;
    std::vector<mqtt::Event> events_;
};

TEST_F(SessionTest, Session_Tls8883_SubscribePublishRoundTrip) {
    auto s = make(config("fw-session-tls"), tls_target(peers_.mqtt_tls));
    ASSERT_TRUE(s);
    round_trip(*s, "device/fw/tls");
}

TEST_F(SessionTest, Session_TlsAlpn443_SubscribePublishRoundTrip) {
    auto s = make(config("fw-session-alpn"), tls_target(peers_.alpn, "x-amzn-mqtt-ca"));
    ASSERT_TRUE(s);
    round_trip(*s, "device/fw/alpn");
}

TEST_F(SessionTest, Session_WssPresigned_SubscribePublishRoundTrip) {
    int calls = 0;
    auto s = make(config("fw-session-wss"), wss_target(0, &calls));
    ASSERT_TRUE(s);
    round_trip(*s, "device/fw/wss");
    EXPECT_EQ(calls, 1);
}

// 120 KB: many TLS records, partial socket writes, many WebSocket frames and reads in both directions.
std::string big_payload() {
    std::string p(120 * 1024, '\0');
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<char>('a' + (i * 7919) % 26);
    return p;
}

TEST_F(SessionTest, Session_Tls8883_120KbPayloadRoundTripIntact) {
    auto s = make(config("fw-big-tls"), tls_target(peers_.mqtt_tls));
    ASSERT_TRUE(s);
    round_trip(*s, "device/fw/big-tls", big_payload());
}

TEST_F(SessionTest, Session_Wss_120KbPayloadRoundTripIntact) {
    int calls = 0;
    auto s = make(config("fw-big-wss"), wss_target(0, &calls));
    ASSERT_TRUE(s);
    round_trip(*s, "device/fw/big-wss", big_payload());
}

TEST_F(SessionTest, Session_TlsMaxFragmentLength1024_RoundTripIntact) {
    creds_.max_fragment_len = 1024;  // Mosquitto (OpenSSL) then sends records of at most 1 KB
    auto s = make(config("fw-mfl"), tls_target(peers_.mqtt_tls));
    ASSERT_TRUE(s);
    round_trip(*s, "device/fw/mfl", std::string(5000, 'm'));
}

TEST_F(SessionTest, Session_TlsMaxFragmentLength512_ClearErrorNotACrypticOne) {
    // Our certificate message does not fit in 512 bytes and mbedTLS 2.28 cannot fragment it.
    creds_.max_fragment_len = 512;
    auto s = make(config("fw-mfl-512"), tls_target(peers_.mqtt_tls));
    ASSERT_TRUE(s);
    expect_backoff(*s, Errc::invalid_argument, "max_fragment_len 512 is smaller than a handshake message");
}

TEST_F(SessionTest, Session_CertificateFromAnotherCa_AuthFailedAndBacksOff) {
    creds_.cert_pem = peers_.pem("rogue-device.crt");
    creds_.key_pem = peers_.pem("rogue-device.key");
    auto s = make(config("fw-rogue"), tls_target(peers_.mqtt_tls));
    ASSERT_TRUE(s);
    expect_backoff(*s, Errc::auth_failed, "client certificate");
}

TEST_F(SessionTest, Session_WrongCa_VerificationErrorAndBacksOff) {
    creds_.ca_pem = peers_.pem("rogue-ca.crt");
    auto s = make(config("fw-wrong-ca"), tls_target(peers_.mqtt_tls));
    ASSERT_TRUE(s);
    expect_backoff(*s, Errc::crypto_error, "server certificate verification failed");
}

TEST_F(SessionTest, Session_WrongAlpn_ConnectionRefusedAndBacksOff) {
    auto s = make(config("fw-wrong-alpn"), tls_target(peers_.alpn, "mqtt"));
    ASSERT_TRUE(s);
    expect_backoff(*s, Errc::connection_refused, "ALPN");
}

TEST_F(SessionTest, Session_ExpiredPresignedUrl_403AuthFailedResignedEachAttemptAndBacksOff) {
    int calls = 0;
    auto s = make(config("fw-expired"), wss_target(-3600, &calls));
    ASSERT_TRUE(s);
    expect_backoff(*s, Errc::auth_failed, "HTTP 403");
    EXPECT_EQ(static_cast<std::uint32_t>(calls), s->connect_attempts());
}

TEST_F(SessionTest, Session_NothingListening_IoErrorAndBacksOff) {
    auto s = make(config("fw-closed-port"), tls_target(free_port()));
    ASSERT_TRUE(s);
    expect_backoff(*s, Errc::io_error, "TCP connect");
}

}  // namespace
}  // namespace iotlite::firmware::test
