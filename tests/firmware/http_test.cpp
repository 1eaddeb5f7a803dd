// HTTP client: unit tests with a scripted transport (framing, chunked bodies, limits, request
// builders) and HTTPS publish / REST shadow against peer.mjs (client certificate, and SigV4
// verified by AWS's @smithy/signature-v4).
#include <gtest/gtest.h>

#include <cstring>
#include <deque>

#include "iotlite/firmware/http_client.hpp"
#include "iotlite/firmware/iot_http.hpp"
#include "iotlite/firmware/transport_factory.hpp"
#include "local_peers.hpp"
#include "test_support.hpp"

namespace iotlite::firmware::test {
namespace {

// Hands out scripted chunks, one per recv() (0 = "try again" between them); records sends.
class ScriptedTransport final : public Transport {
public:
    explicit ScriptedTransport(std::deque<std::string> chunks) : chunks_(std::move(chunks)) {}
    Result<bool> connect(std::uint64_t) override { return true; }
    std::int32_t send(const std::uint8_t* d, std::size_t n) override {
        sent.append(reinterpret_cast<const char*>(d), n);
        return static_cast<std::int32_t>(n);
    }
    std::int32_t recv(std::uint8_t* d, std::size_t n) override {
        if (chunks_.empty()) {
            error_ = make_error(Errc::closed, "scripted peer closed");
            return -1;
        }
        std::string& c = chunks_.front();
        if (c.empty()) {
            chunks_.pop_front();
            return 0;
        }
        std::size_t k = std::min(n, c.size());
        std::memcpy(d, c.data(), k);
        c.erase(0, k);
        if (c.empty()) chunks_.pop_front();
        return static_cast<std::int32_t>(k);
    }
    void close() override {}
    IoWait io_wait() const override { return IoWait{}; }
    const Error& last_error() const override { return error_; }
    std::string sent;

private:
    std::deque<std::string> chunks_;
    Error error_;
};

Result<HttpResponse> run(ScriptedTransport& t, std::size_t max = 64 * 1024) {
    HttpRequest req;
    req.method = "POST";
    req.target = "/x";
    req.host = "h";
    req.body = "abc";
    HttpExchange ex(t, req, max);
    for (int i = 0; i < 100; ++i) {
        Result<bool> r = ex.step();
        if (!r.ok()) return r.error();
        if (r.value()) return ex.response();
    }
    return make_error(Errc::timeout, "exchange did not finish");
}

TEST(HttpExchange, ContentLengthSplitAcrossReads_BodyExactAndRequestFramed) {
    ScriptedTransport t({"HTTP/1.1 200 OK\r\nContent-Le", "", "ngth: 5\r\nX-A: b\r\n\r\nhe", "", "llo"});
    auto r = run(t);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().status, 200);
    EXPECT_EQ(r.value().body, "hello");
    ASSERT_NE(r.value().header("x-a"), nullptr);
    EXPECT_EQ(*r.value().header("X-A"), "b");
    EXPECT_EQ(t.sent, "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
}

TEST(HttpExchange, ChunkedBody_Reassembled) {
    ScriptedTransport t({"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"", "\r\n3\r\n:1}\r\n0\r\n\r\n"});
    auto r = run(t);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().status, 404);
    EXPECT_EQ(r.value().reason, "Not Found");
    EXPECT_EQ(r.value().body, "{\"a\":1}");
}

TEST(HttpExchange, BodyUntilClose_EndsAtClose) {
    ScriptedTransport t({"HTTP/1.1 200 OK\r\n\r\npartial", " body"});
    auto r = run(t);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().body, "partial body");
}

TEST(HttpExchange, MalformedStatusLine_ProtocolError) {
    ScriptedTransport t({"HTTX/1.1 200 OK\r\n\r\n"});
    auto r = run(t);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::protocol_error);
}

TEST(HttpExchange, ResponseOverLimit_LimitExceeded) {
    ScriptedTransport t({"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x')});
    auto r = run(t, 1024);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
}

TEST(HttpExchange, PeerClosesBeforeHead_ClosedError) {
    ScriptedTransport t({"HTTP/1.1 200"});
    auto r = run(t);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::closed);
}

TEST(IotHttpRequests, PublishTopicWithSlashesAndSpace_OnePercentEncodedLabel) {
    auto r = make_publish_request("ep", "sensors/a b/temp", "{}", mqtt::QoS::at_least_once);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().method, "POST");
    EXPECT_EQ(r.value().target, "/topics/sensors%2Fa%20b%2Ftemp?qos=1");
}

TEST(IotHttpRequests, PublishWildcardTopic_InvalidTopic) {
    auto r = make_publish_request("ep", "sensors/#", "{}", mqtt::QoS::at_most_once);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_topic);
}

TEST(IotHttpRequests, PublishEightLevels_LimitExceededNamingTheRule) {
    auto r = make_publish_request("ep", "a/b/c/d/e/f/g/h/i", "{}", mqtt::QoS::at_most_once);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    EXPECT_NE(r.error().message.find("7"), std::string::npos) << r.error().message;
}

TEST(IotHttpRequests, ShadowOps_MethodsAndPaths) {
    auto g = make_shadow_request("ep", ShadowOp::get, "thing-1", "", "");
    auto u = make_shadow_request("ep", ShadowOp::update, "thing-1", "cfg", "{\"state\":{}}");
    auto d = make_shadow_request("ep", ShadowOp::remove, "thing-1", "", "");
    ASSERT_TRUE(g.ok() && u.ok() && d.ok());
    EXPECT_EQ(g.value().method + " " + g.value().target, "GET /things/thing-1/shadow");
    EXPECT_EQ(u.value().method + " " + u.value().target, "POST /things/thing-1/shadow?name=cfg");
    EXPECT_EQ(d.value().method + " " + d.value().target, "DELETE /things/thing-1/shadow");
}

TEST(IotHttpRequests, ShadowThingNameWithSlash_InvalidArgument) {
    auto r = make_shadow_request("ep", ShadowOp::get, "a/b", "", "");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
}

TEST(HttpDate, ImfFixdate_EpochSeconds) {
    auto r = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value(), 784111777);  // RFC 9110's example date
    EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT").ok());
}

TEST(WebSocketUrl, PortAndResource_Split) {
    auto u = parse_websocket_url("wss://abc.iot.eu-west-1.amazonaws.com:8443/mqtt?X-Amz-Date=1");
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u.value().host, "abc.iot.eu-west-1.amazonaws.com");
    EXPECT_EQ(u.value().port, 8443);
    EXPECT_EQ(u.value().authority, "abc.iot.eu-west-1.amazonaws.com:8443");
    EXPECT_EQ(u.value().resource, "/mqtt?X-Amz-Date=1");
    auto d = parse_websocket_url("wss://h/mqtt");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d.value().port, 443);
    EXPECT_FALSE(parse_websocket_url("https://h/mqtt").ok());
    EXPECT_FALSE(parse_websocket_url("wss://h:99999/mqtt").ok());
}

class HttpsTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(peers_.start(), "");
        creds_ = peers_.device_credentials();
        factory_.emplace(posix_.port(), creds_);
    }
    LocalPeers peers_;
    PosixPort posix_;
    DeviceCredentials creds_;
    std::optional<TransportFactory> factory_;
};

TEST_F(HttpsTest, IotHttpClient_PublishWithClientCert_ServerSeesEncodedTopicBodyAndDevice) {
    IotHttpClient http(*factory_, posix_.port(), "localhost", peers_.https_cert);
    auto r = http.publish("sensors/a b/temp", "{\"t\":21}", mqtt::QoS::at_least_once);
    ASSERT_TRUE(r.ok()) << r.error().message;
    const std::string& b = r.value().body;
    EXPECT_NE(b.find("\"method\":\"POST\""), std::string::npos) << b;
    EXPECT_NE(b.find("\"url\":\"/topics/sensors%2Fa%20b%2Ftemp?qos=1\""), std::string::npos) << b;
    EXPECT_NE(b.find("\"body\":\"{\\\"t\\\":21}\""), std::string::npos) << b;
    EXPECT_NE(b.find("\"client\":\"device-1\""), std::string::npos) << b;
}

TEST_F(HttpsTest, IotHttpClient_ShadowUpdateNamed_ServerSeesPathAndBody) {
    IotHttpClient http(*factory_, posix_.port(), "localhost", peers_.https_cert);
    auto r = http.shadow(ShadowOp::update, "thing-1", "cfg", "{\"state\":{\"reported\":{\"led\":true}}}");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_NE(r.value().body.find("\"url\":\"/things/thing-1/shadow?name=cfg\""), std::string::npos) << r.value().body;
}

TEST_F(HttpsTest, IotHttpClient_PublishSigV4_AcceptedByAwsSigner) {
    SigV4Auth auth{sigv4::Credentials{kAccessKeyId, kSecretKey, ""}, "us-east-1", 0};
    IotHttpClient http(*factory_, posix_.port(), "localhost", peers_.https_sigv4, auth);
    auto r = http.publish("sensors/a b/temp", "{\"t\":21}", mqtt::QoS::at_most_once);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_NE(r.value().body.find("\"signed\":true"), std::string::npos) << r.value().body;
    EXPECT_NE(r.value().body.find("?qos=0"), std::string::npos) << r.value().body;
}

TEST_F(HttpsTest, IotHttpClient_SigV4WrongSecret_AuthFailedWith403Body) {
    SigV4Auth auth{sigv4::Credentials{kAccessKeyId, "wrong-secret", ""}, "us-east-1", 0};
    IotHttpClient http(*factory_, posix_.port(), "localhost", peers_.https_sigv4, auth);
    auto r = http.publish("t", "x", mqtt::QoS::at_most_once);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::auth_failed);
    EXPECT_NE(r.error().message.find("HTTP 403"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("does not match"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("wrong-secret"), std::string::npos);
}

TEST_F(HttpsTest, IotHttpClient_Port8443WithoutClientCert_Refused) {
    // SigV4 mode presents no certificate; the certificate port must refuse the handshake.
    SigV4Auth auth{sigv4::Credentials{kAccessKeyId, kSecretKey, ""}, "us-east-1", 0};
    IotHttpClient http(*factory_, posix_.port(), "localhost", peers_.https_cert, auth);
    auto r = http.publish("t", "x", mqtt::QoS::at_most_once);
    ASSERT_FALSE(r.ok());
    // OpenSSL answers a missing certificate with the generic handshake_failure alert.
    EXPECT_EQ(r.error().code, Errc::crypto_error) << r.error().message;
    EXPECT_NE(r.error().message.find("handshake_failure"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace iotlite::firmware::test
