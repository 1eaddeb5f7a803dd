// The transports against real peers: Mosquitto (TLS + client certificates), Node's TLS/HTTPS
// servers with ALPN, and a WebSocket gateway that checks presigned URLs with @smithy/signature-v4.
// MQTT bytes are hand-built; Mosquitto's CONNACK is the oracle that the stream works end to end.
#include <gtest/gtest.h>

#include <ctime>

#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>

#include "iotlite/firmware/tls_transport.hpp"
#include "iotlite/firmware/transport_factory.hpp"
#include "iotlite/firmware/websocket_transport.hpp"
#include "iotlite/sigv4/iot_websocket_url.hpp"
#include "local_peers.hpp"
#include "test_support.hpp"

namespace iotlite::firmware::test {
namespace {

class TransportTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string why = peers_.start();
        ASSERT_EQ(why, "");
        creds_ = peers_.device_credentials();
    }
    Result<std::unique_ptr<Transport>> tls(std::uint16_t port, const std::string& alpn = "", const std::string& host = "localhost") {
        factory_.emplace(posix_.port(), creds_);
        port_.emplace(posix_.port());
        return factory_->open(mqtt::ConnectionTarget{mqtt::TransportKind::tls, "", host, port, alpn, "", ""});
    }
    std::string presign(std::int64_t time, const std::string& secret = kSecretKey) {
        sigv4::IotUrlRequest req;
        req.endpoint = "localhost:" + std::to_string(peers_.wss);
        req.region = "us-east-1";
        req.credentials = sigv4::Credentials{kAccessKeyId, secret, ""};
        req.time = time;
        req.expires_seconds = 300;
        Result<std::string> url = sigv4::presign_iot_websocket_url(req);
        EXPECT_TRUE(url.ok()) << url.error().message;
        return url.ok() ? url.value() : std::string();
    }
    Result<std::unique_ptr<Transport>> wss(const std::string& url) {
        factory_.emplace(posix_.port(), creds_);
        port_.emplace(posix_.port());
        return factory_->open(mqtt::ConnectionTarget{mqtt::TransportKind::websocket, url, "", 0, "", "", ""});
    }
    Error open_error(Transport& t) {
        Result<bool> r = open_transport(t, *port_);
        EXPECT_FALSE(r.ok()) << "expected the connection to fail";
        if (!r.ok()) RecordProperty("error", r.error().message);
        return r.ok() ? Error{} : r.error();
    }

    LocalPeers peers_;
    PosixPort posix_;
    DeviceCredentials creds_;
    std::optional<TransportFactory> factory_;
    std::optional<Port> port_;
};

TEST_F(TransportTest, TlsTransport_DeviceCertToMosquitto_ConnackAccepted) {
    auto t = tls(peers_.mqtt_tls);
    ASSERT_TRUE(t.ok()) << t.error().message;
    Result<bool> open = open_transport(*t.value(), *port_);
    ASSERT_TRUE(open.ok()) << open.error().message;
    EXPECT_EQ(exchange(*t.value(), *port_, mqtt_connect_packet("fw-tls"), 4), kConnackAccepted);
}

TEST_F(TransportTest, TlsTransport_CertificateFromAnotherCa_AuthFailedNamingTheAlert) {
    creds_.cert_pem = peers_.pem("rogue-device.crt");
    creds_.key_pem = peers_.pem("rogue-device.key");
    auto t = tls(peers_.mqtt_tls);
    ASSERT_TRUE(t.ok()) << t.error().message;
    Error e = open_error(*t.value());
    // TLS 1.2: Mosquitto (OpenSSL) answers the unknown client certificate with an alert.
    EXPECT_EQ(e.code, Errc::auth_failed) << e.message;
    EXPECT_NE(e.message.find("client certificate"), std::string::npos) << e.message;
    // The cause as data: a certificate alert (RFC 8446 6.2: bad_certificate..unknown_ca 42-48,
    // certificate_required 116), which the CLI and the demo explain without reading the text.
    EXPECT_TRUE((e.tls_alert >= 41 && e.tls_alert <= 49) || e.tls_alert == 116) << int(e.tls_alert);
    EXPECT_EQ(e.tls_code, MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
}

TEST_F(TransportTest, TlsTransport_WrongCa_ServerCertificateRejected) {
    creds_.ca_pem = peers_.pem("rogue-ca.crt");
    auto t = tls(peers_.mqtt_tls);
    ASSERT_TRUE(t.ok()) << t.error().message;
    Error e = open_error(*t.value());
    EXPECT_EQ(e.code, Errc::crypto_error) << e.message;
    EXPECT_NE(e.message.find("server certificate verification failed"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("not correctly signed"), std::string::npos) << e.message;
    EXPECT_EQ(e.tls_code, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
    EXPECT_NE(e.tls_verify_flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED, 0u) << e.tls_verify_flags;
}

TEST_F(TransportTest, TlsTransport_ExpiredServerCertificate_RejectedAsExpired) {
    auto t = tls(peers_.mqtt_expired);
    ASSERT_TRUE(t.ok()) << t.error().message;
    Error e = open_error(*t.value());
    EXPECT_EQ(e.code, Errc::crypto_error) << e.message;
    EXPECT_NE(e.message.find("expired"), std::string::npos) << e.message;
    EXPECT_NE(e.tls_verify_flags & MBEDTLS_X509_BADCERT_EXPIRED, 0u) << e.tls_verify_flags;
}

TEST_F(TransportTest, TlsTransport_HostNameNotInCertificate_Rejected) {
    // The certificate is for "localhost"; 127.0.0.1 reaches the same server but must not verify.
    auto t = tls(peers_.mqtt_tls, "", "127.0.0.1");
    ASSERT_TRUE(t.ok()) << t.error().message;
    Error e = open_error(*t.value());
    EXPECT_EQ(e.code, Errc::crypto_error) << e.message;
    EXPECT_NE(e.message.find("CN"), std::string::npos) << e.message;
    EXPECT_NE(e.tls_verify_flags & MBEDTLS_X509_BADCERT_CN_MISMATCH, 0u) << e.tls_verify_flags;
}

TEST_F(TransportTest, TlsTransport_AlpnXAmznMqttCa_SelectedAndConnackAccepted) {
    auto t = tls(peers_.alpn, "x-amzn-mqtt-ca");
    ASSERT_TRUE(t.ok()) << t.error().message;
    Result<bool> open = open_transport(*t.value(), *port_);
    ASSERT_TRUE(open.ok()) << open.error().message;
    EXPECT_EQ(static_cast<TlsTransport&>(*t.value()).alpn_selected(), "x-amzn-mqtt-ca");
    EXPECT_EQ(exchange(*t.value(), *port_, mqtt_connect_packet("fw-alpn"), 4), kConnackAccepted);
}

TEST_F(TransportTest, TlsTransport_WrongAlpn_ConnectionRefusedNamingTheProtocol) {
    auto t = tls(peers_.alpn, "mqtt");
    ASSERT_TRUE(t.ok()) << t.error().message;
    Error e = open_error(*t.value());
    EXPECT_EQ(e.code, Errc::connection_refused) << e.message;
    EXPECT_NE(e.message.find("'mqtt'"), std::string::npos) << e.message;
    EXPECT_EQ(e.tls_alert, 120) << "no_application_protocol (RFC 7301)";
}

TEST_F(TransportTest, TlsContext_GarbagePem_InvalidArgumentWithoutContent) {
    PosixRandom random;
    TlsSettings s;
    s.ca_pem = peers_.pem("ca.crt");
    s.cert_pem = peers_.pem("device.crt");
    s.key_pem = "-----BEGIN EC PRIVATE KEY-----\nnot-a-key-SECRETVALUE\n-----END EC PRIVATE KEY-----\n";
    auto ctx = TlsContext::create(s, random);
    ASSERT_FALSE(ctx.ok());
    EXPECT_EQ(ctx.error().code, Errc::invalid_argument);
    EXPECT_NE(ctx.error().message.find("private key does not parse"), std::string::npos) << ctx.error().message;
    EXPECT_EQ(ctx.error().message.find("SECRETVALUE"), std::string::npos);
}

TEST_F(TransportTest, WebSocketTransport_PresignedUrl_UpgradeAndConnackAccepted) {
    auto t = wss(presign(std::time(nullptr)));
    ASSERT_TRUE(t.ok()) << t.error().message;
    Result<bool> open = open_transport(*t.value(), *port_);
    ASSERT_TRUE(open.ok()) << open.error().message;
    EXPECT_EQ(exchange(*t.value(), *port_, mqtt_connect_packet("fw-wss"), 4), kConnackAccepted);
}

TEST_F(TransportTest, WebSocketTransport_ExpiredSignature_AuthFailedWithStatusAndBody) {
    auto t = wss(presign(std::time(nullptr) - 3600));
    ASSERT_TRUE(t.ok()) << t.error().message;
    Error e = open_error(*t.value());
    EXPECT_EQ(e.code, Errc::auth_failed) << e.message;
    EXPECT_NE(e.message.find("HTTP 403"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("Signature expired"), std::string::npos) << e.message;
}

TEST_F(TransportTest, WebSocketTransport_WrongSecret_AuthFailedSignatureMismatch) {
    auto t = wss(presign(std::time(nullptr), "not-the-secret"));
    ASSERT_TRUE(t.ok()) << t.error().message;
    Error e = open_error(*t.value());
    EXPECT_EQ(e.code, Errc::auth_failed) << e.message;
    EXPECT_NE(e.message.find("does not match"), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find("not-the-secret"), std::string::npos);
}

}  // namespace
}  // namespace iotlite::firmware::test
