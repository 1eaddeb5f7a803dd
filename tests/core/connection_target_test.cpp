// TargetBuilder: one target per connect attempt, checked against published presign vectors
// (/work/shared/testdata/sigv4/iot-websocket-vectors.md: V2 and V3, from
// aws/aws-iot-device-sdk-java's AwsIotWebSocketUrlSignerTest, service "iotdata").
#include <gtest/gtest.h>

#include "iotlite/connection/credentials_cache.hpp"
#include "iotlite/connection/target_builder.hpp"

namespace iotlite::connection {
namespace {

constexpr std::int64_t k2016Ms = 1451606400000;  // 2016-01-01T00:00:00Z

TargetConfig config_for(std::string_view endpoint, AuthMode mode = AuthMode::sigv4) {
    TargetConfig c;
    auto e = parse_endpoint(endpoint);
    EXPECT_TRUE(e.ok()) << endpoint;
    if (e.ok()) c.endpoint = e.value();
    c.mode = mode;
    return c;
}

std::string query_value(const std::string& url, const std::string& key) {
    const std::size_t at = url.find("&" + key + "=");
    const std::size_t q = url.find("?" + key + "=");
    const std::size_t start = at != std::string::npos ? at : q;
    if (start == std::string::npos) return "";
    const std::size_t begin = start + key.size() + 2;
    return url.substr(begin, url.find('&', begin) - begin);
}

TEST(ConnectionTarget, JavaSdkVectorV2_SameUrl) {
    StaticCredentialsProvider creds(TimedCredentials{sigv4::Credentials{"123", "456", ""}, 0});
    TargetConfig c = config_for("iot.us-east-1.AMAZONAWS.COM");
    c.service = "iotdata";
    auto b = TargetBuilder::create(c, &creds);
    ASSERT_TRUE(b.ok()) << b.error().message;
    auto t = b.value().build(1, k2016Ms);
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(t.value().kind, mqtt::TransportKind::websocket);
    EXPECT_EQ(t.value().url,
              "wss://iot.us-east-1.amazonaws.com/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=123%2F20160101%2F"
              "us-east-1%2Fiotdata%2Faws4_request&X-Amz-Date=20160101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature="
              "b50019dd3ec2d316a6a7938f363f6c792b5f58c04e1e6535d6ae277bf8cf3304");
}

TEST(ConnectionTarget, JavaSdkVectorV3WithToken_TokenAfterSignatureUnsigned) {
    StaticCredentialsProvider creds(TimedCredentials{sigv4::Credentials{"123", "456", "abc"}, 0});
    TargetConfig c = config_for("iot.us-east-1.amazonaws.com");
    c.service = "iotdata";
    auto b = TargetBuilder::create(c, &creds);
    ASSERT_TRUE(b.ok());
    auto t = b.value().build(1, k2016Ms);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.value().url,
              "wss://iot.us-east-1.amazonaws.com/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=123%2F20160101%2F"
              "us-east-1%2Fiotdata%2Faws4_request&X-Amz-Date=20160101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature="
              "b50019dd3ec2d316a6a7938f363f6c792b5f58c04e1e6535d6ae277bf8cf3304&X-Amz-Security-Token=abc");
}

TEST(ConnectionTarget, EveryAttempt_ResignedWithCurrentCredentialsAndTime) {
    int n = 0;
    CallbackCredentialsProvider source([&](std::int64_t now) -> Result<TimedCredentials> {
        ++n;
        return TimedCredentials{sigv4::Credentials{"ASIA" + std::to_string(n), "s" + std::to_string(n), "tok" + std::to_string(n)},
                                now + 10000};
    });
    CredentialsCache cache(source);
    auto b = TargetBuilder::create(config_for("abc-ats.iot.eu-west-1.amazonaws.com"), &cache);
    ASSERT_TRUE(b.ok());
    auto first = b.value().build(1, k2016Ms);
    auto second = b.value().build(2, k2016Ms + 2000);   // same credentials, later time
    auto third = b.value().build(3, k2016Ms + 12000);   // past the refresh deadline: new credentials
    ASSERT_TRUE(first.ok() && second.ok() && third.ok());
    EXPECT_EQ(query_value(first.value().url, "X-Amz-Date"), "20160101T000000Z");
    EXPECT_EQ(query_value(second.value().url, "X-Amz-Date"), "20160101T000002Z");
    EXPECT_EQ(query_value(second.value().url, "X-Amz-Security-Token"), "tok1");
    EXPECT_NE(query_value(first.value().url, "X-Amz-Signature"), query_value(second.value().url, "X-Amz-Signature"));
    EXPECT_EQ(query_value(third.value().url, "X-Amz-Credential"), "ASIA2%2F20160101%2Feu-west-1%2Fiotdevicegateway%2Faws4_request");
    EXPECT_EQ(query_value(third.value().url, "X-Amz-Security-Token"), "tok2");
}

TEST(ConnectionTarget, ClockSkewLearned_AppliedToSignature) {
    StaticCredentialsProvider creds(TimedCredentials{sigv4::Credentials{"AKID", "secret", ""}, 0});
    auto b = TargetBuilder::create(config_for("abc-ats.iot.eu-west-1.amazonaws.com"), &creds);
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE(b.value().clock_skew().observe(1451606400 + 3600, 1451606400).ok());
    auto t = b.value().build(1, k2016Ms);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(query_value(t.value().url, "X-Amz-Date"), "20160101T010000Z");
}

TEST(ConnectionTarget, CredentialsFail_ErrorForThisAttempt) {
    CallbackCredentialsProvider source([](std::int64_t) -> Result<TimedCredentials> {
        return make_error(Errc::auth_failed, "NotAuthorizedException");
    });
    auto b = TargetBuilder::create(config_for("abc-ats.iot.eu-west-1.amazonaws.com"), &source);
    ASSERT_TRUE(b.ok());
    auto t = b.value().build(1, k2016Ms);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().code, Errc::auth_failed);
    EXPECT_EQ(t.error().message, "NotAuthorizedException");
}

TEST(ConnectionTarget, PortsAndSchemes_AwsDefaults) {
    StaticCredentialsProvider creds(TimedCredentials{sigv4::Credentials{"AKID", "secret", ""}, 0});
    auto mtls = TargetBuilder::create(config_for("abc-ats.iot.eu-west-1.amazonaws.com", AuthMode::mtls), nullptr);
    ASSERT_TRUE(mtls.ok());
    auto t = mtls.value().build(1, k2016Ms).value();
    EXPECT_EQ(t.kind, mqtt::TransportKind::tls);
    EXPECT_EQ(t.port, 8883);
    EXPECT_EQ(t.host, "abc-ats.iot.eu-west-1.amazonaws.com");
    EXPECT_EQ(t.alpn, "");
    auto alpn = TargetBuilder::create(config_for("abc-ats.iot.eu-west-1.amazonaws.com", AuthMode::alpn), nullptr);
    ASSERT_TRUE(alpn.ok());
    t = alpn.value().build(1, k2016Ms).value();
    EXPECT_EQ(t.port, 443);
    EXPECT_EQ(t.alpn, "x-amzn-mqtt-ca");
    TargetConfig local = config_for("ws://127.0.0.1:8080/mqtt");
    local.region = "us-east-1";
    auto ws = TargetBuilder::create(local, &creds);
    ASSERT_TRUE(ws.ok()) << ws.error().message;
    EXPECT_EQ(ws.value().port(), 8080);
    EXPECT_EQ(ws.value().build(1, k2016Ms).value().url.rfind("ws://127.0.0.1:8080/mqtt?X-Amz-Algorithm=", 0), 0u);
    auto wss443 = TargetBuilder::create(config_for("abc-ats.iot.eu-west-1.amazonaws.com:443"), &creds);
    ASSERT_TRUE(wss443.ok());
    EXPECT_EQ(wss443.value().build(1, k2016Ms).value().url.rfind("wss://abc-ats.iot.eu-west-1.amazonaws.com/mqtt?", 0), 0u);
    EXPECT_EQ(wss443.value().describe(), "wss://abc-ats.iot.eu-west-1.amazonaws.com:443/mqtt (SigV4, region eu-west-1)");
}

TEST(ConnectionTarget, CustomDomainWithoutRegion_RefusedNamingTheRule) {
    StaticCredentialsProvider creds(TimedCredentials{sigv4::Credentials{"AKID", "secret", ""}, 0});
    auto b = TargetBuilder::create(config_for("mqtt.example.com"), &creds);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, Errc::invalid_argument);
    EXPECT_NE(b.error().message.find("region cannot be inferred"), std::string::npos) << b.error().message;
    TargetConfig given = config_for("mqtt.example.com");
    given.region = "eu-west-1";
    EXPECT_TRUE(TargetBuilder::create(given, &creds).ok());
    EXPECT_FALSE(TargetBuilder::create(config_for("abc-ats.iot.eu-west-1.amazonaws.com"), nullptr).ok());
}

TEST(ConnectionTarget, WsUrlForCertificateMode_Refused) {
    auto b = TargetBuilder::create(config_for("wss://h:8883/mqtt", AuthMode::mtls), nullptr);
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().message.find("WebSocket"), std::string::npos);
}

TEST(ConnectionTarget, CustomAuthorizer_QueryEncodedAndCredentialsPassed) {
    TargetConfig c = config_for("abc-ats.iot.eu-west-1.amazonaws.com", AuthMode::custom_authorizer);
    c.authorizer.name = "my-authorizer";
    c.authorizer.token_key_name = "x-token";
    c.authorizer.token = "a b/c";
    c.authorizer.signature = "sig+/=";
    c.authorizer.username = "device";
    c.authorizer.password = "pw";
    auto b = TargetBuilder::create(c, nullptr);
    ASSERT_TRUE(b.ok());
    auto t = b.value().build(1, k2016Ms).value();
    EXPECT_EQ(t.url, "wss://abc-ats.iot.eu-west-1.amazonaws.com/mqtt?x-amz-customauthorizer-name=my-authorizer"
                     "&x-token=a%20b%2Fc&x-amz-customauthorizer-signature=sig%2B%2F%3D");
    EXPECT_EQ(t.username, "device");
    EXPECT_EQ(t.password, "pw");
}

TEST(ConnectionTarget, CustomAuthorizerWithoutName_DefaultAuthorizerQueryWithoutName) {
    // AWS IoT: a WebSocket connection without an authorizer name invokes the default authorizer.
    TargetConfig c = config_for("abc-ats.iot.eu-west-1.amazonaws.com", AuthMode::custom_authorizer);
    c.authorizer.token = "t";
    auto b = TargetBuilder::create(c, nullptr);
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_EQ(b.value().build(1, k2016Ms).value().url, "wss://abc-ats.iot.eu-west-1.amazonaws.com/mqtt?token=t");
    c.authorizer.token.clear();
    EXPECT_EQ(TargetBuilder::create(c, nullptr).value().build(1, k2016Ms).value().url,
              "wss://abc-ats.iot.eu-west-1.amazonaws.com/mqtt");
}

TEST(ConnectionTarget, CustomAuthorizerName_AwsCharactersAndLengthEnforced) {
    TargetConfig c = config_for("abc-ats.iot.eu-west-1.amazonaws.com", AuthMode::custom_authorizer);
    c.authorizer.name = "Name_with=,@-0";
    EXPECT_TRUE(TargetBuilder::create(c, nullptr).ok());
    c.authorizer.name = "bad name";
    auto spaced = TargetBuilder::create(c, nullptr);
    ASSERT_FALSE(spaced.ok());
    EXPECT_NE(spaced.error().message.find("[A-Za-z0-9_=,@-]"), std::string::npos);
    c.authorizer.name = std::string(129, 'a');
    auto long_name = TargetBuilder::create(c, nullptr);
    ASSERT_FALSE(long_name.ok());
    EXPECT_STREQ(long_name.error().rule, "authorizer.name");
    EXPECT_EQ(long_name.error().limit, 128u);
    EXPECT_EQ(long_name.error().actual, 129u);
    c.authorizer.name = std::string(128, 'a');
    EXPECT_TRUE(TargetBuilder::create(c, nullptr).ok());
}

TEST(ConnectionTarget, WebSocketUrlPath_OnlyMqttAccepted) {
    for (const char* ok : {"wss://h.example.com", "wss://h.example.com/", "wss://h.example.com/mqtt"}) {
        EXPECT_TRUE(TargetBuilder::create(config_for(ok, AuthMode::custom_authorizer), nullptr).ok()) << ok;
    }
    for (const char* bad : {"wss://h.example.com/other", "wss://h.example.com/mqtt?x=1", "ws://h.example.com/mqtt/"}) {
        auto b = TargetBuilder::create(config_for(bad, AuthMode::custom_authorizer), nullptr);
        ASSERT_FALSE(b.ok()) << bad;
        EXPECT_NE(b.error().message.find("/mqtt"), std::string::npos) << bad;
    }
}

TEST(ConnectionTarget, AttemptRefusedWith403_CredentialsFetchedAfresh) {
    int fetches = 0;
    CallbackCredentialsProvider source([&](std::int64_t) -> Result<TimedCredentials> {
        ++fetches;
        return TimedCredentials{sigv4::Credentials{"AKID" + std::to_string(fetches), "secret", ""}, 0};
    });
    CredentialsCache cache(source);
    auto b = TargetBuilder::create(config_for("abc-ats.iot.eu-west-1.amazonaws.com"), &cache);
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE(b.value().build(1, k2016Ms).ok());
    ASSERT_TRUE(b.value().build(2, k2016Ms).ok());
    EXPECT_EQ(fetches, 1);  // cached between attempts
    // Failures that are not the credentials' fault keep them.
    b.value().on_attempt_failed(Error(Errc::io_error, "connection reset"));
    b.value().on_attempt_failed(Error(Errc::auth_failed, "CONNACK 5"));  // no HTTP status: an MQTT refusal
    b.value().on_attempt_failed(Error(Errc::connection_refused, "HTTP 500", 500));
    EXPECT_NE(b.value().build(3, k2016Ms).value().url.find("AKID1"), std::string::npos);
    // An upgrade refused with 403: the next attempt signs with freshly fetched credentials.
    b.value().on_attempt_failed(Error(Errc::auth_failed, "HTTP 403", 403));
    EXPECT_NE(b.value().build(4, k2016Ms).value().url.find("AKID2"), std::string::npos);
    EXPECT_EQ(fetches, 2);
}

TEST(ConnectionTarget, GivenRegion_MustBeAnAwsRegionName) {
    StaticCredentialsProvider creds(TimedCredentials{sigv4::Credentials{"AKID", "secret", ""}, 0});
    for (const char* ok : {"us-east-1", "us-gov-west-1", "cn-north-1", "ap-southeast-2"}) {
        TargetConfig c = config_for("ws://127.0.0.1:8080/mqtt");
        c.region = ok;
        EXPECT_TRUE(TargetBuilder::create(c, &creds).ok()) << ok;
    }
    for (const char* bad : {"US-EAST-1", "us-east", "useast1", "us_east_1", "us-east-1 ", "x-east-1", "us-east-a"}) {
        TargetConfig c = config_for("ws://127.0.0.1:8080/mqtt");
        c.region = bad;
        auto b = TargetBuilder::create(c, &creds);
        ASSERT_FALSE(b.ok()) << bad;
        EXPECT_NE(b.error().message.find("is not an AWS region name"), std::string::npos) << bad;
    }
}

}  // namespace
}  // namespace iotlite::connection
