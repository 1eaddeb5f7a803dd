// The presigned AWS IoT WebSocket URL against the public vectors collected in
// ../shared/testdata/sigv4/iot-websocket-vectors.md (V1-V8; V9 is the aws-c-auth case
// post-sts-header-after, covered by the suite test in query mode), plus its input rules.
#include <gtest/gtest.h>

#include <random>

#include "iotlite/sigv4/amz_date.hpp"
#include "iotlite/sigv4/encoding.hpp"
#include "iotlite/sigv4/iot_websocket_url.hpp"
#include "iotlite/sigv4/signer.hpp"

using namespace iotlite::sigv4;

namespace {

std::int64_t at(const char* iso) {
    auto t = parse_iso8601(iso);
    EXPECT_TRUE(t.ok()) << iso;
    return t.ok() ? t.value() : 0;
}

std::string sign(const IotUrlRequest& r) {
    auto url = presign_iot_websocket_url(r);
    EXPECT_TRUE(url.ok()) << (url.ok() ? "" : url.error().message);
    return url.ok() ? url.value() : "";
}

std::string param(const std::string& url, const std::string& key) {
    const auto at = url.find("&" + key + "=");
    if (at == std::string::npos) return "<missing>";
    const auto start = at + key.size() + 2;
    return url.substr(start, url.find('&', start) - start);
}

IotUrlRequest java_v1(const std::string& endpoint) {
    IotUrlRequest r;
    r.endpoint = endpoint;
    r.credentials = {"123", "456", ""};
    r.time = 1451606400;  // new Date(1451606400000L)
    r.service = "iotdata";
    return r;
}

IotUrlRequest python_v1() {
    IotUrlRequest r;
    r.endpoint = "data.iot.us-east-1.amazonaws.com:443";
    r.region = "us-east-1";
    r.credentials = {"TRUSTMETHISIDISFAKE0", "trustMeThisSecretKeyIsSoFakeAaBbCc00Dd11", ""};
    r.time = at("2017-06-28T20:48:45Z");
    r.service = "iotdata";
    r.expires_seconds = 86400;
    return r;
}

const char* kV5Token =
    "FQoDYXdzEGcaDNSwicOypVyhiHj4JSLUAXTsOXu1YGT/OaltzXujI+cwvEA3zPoUdebHOkaUmRBO3o34J/3r2/+hBqZZNSpyzKsBge1MXPwbM2G5ojz3aY4Qj+zD3hEMu9nxk3rhKkmTQWLoB4ZrPRG6GJGkoLMAL1sSEh9kqbHN6XIt3F2E+Wn2BhDoGA7ZsXSg+pgIntkSZcLT7pCX8pTEaEtRBhJQVc5GTYhG9y9mgjpeVRsbEj8yDJzSWDpLGgR7APSvCFX2H+DwsKM564Z4IzjpbntIlLXdQwOytd65dgTlWZkmmYpTwVh+KMq+0MoF";

TEST(IotUrl_JavaV1, EndpointWithPort443_MatchesPublishedUrlByteForByte) {
    auto r = java_v1("hostname.iot.us-east-1.AMAZONAWS.COM:443");
    r.keep_default_port = true;  // the Java SDK signs and sends host:443
    EXPECT_EQ(sign(r),
              "wss://hostname.iot.us-east-1.amazonaws.com:443/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=123%2F20160101%2Fus-east-1%2Fiotdata%2Faws4_request&X-Amz-Date=20160101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=08b80c7273fa6c9d8bd815081c80e60818f2bf974213993a1cd4463a5785b1ce");
}

TEST(IotUrl_JavaV1, CanonicalRequest_MatchesReconstructionAndItsHash) {
    // The same URL through the generic staged signer: GET /mqtt, only host, token omitted.
    HttpRequest request{"GET", "/mqtt", "", {{"host", "hostname.iot.us-east-1.amazonaws.com:443"}}, ""};
    SigningConfig config;
    config.type = SignatureType::query;
    config.region = "us-east-1";
    config.service = "iotdata";
    config.time = 1451606400;
    auto creq = build_canonical_request(request, config, Credentials{"123", "456", ""});
    ASSERT_TRUE(creq.ok());
    EXPECT_EQ(creq.value().text,
              "GET\n/mqtt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=123%2F20160101%2Fus-east-1%2Fiotdata%2Faws4_request&X-Amz-Date=20160101T000000Z&X-Amz-SignedHeaders=host\nhost:hostname.iot.us-east-1.amazonaws.com:443\n\nhost\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    auto sts = build_string_to_sign(creq.value().text, config);
    ASSERT_TRUE(sts.ok());
    EXPECT_EQ(sts.value().substr(sts.value().rfind('\n') + 1),
              "4106c93cd84ca92d898b8ca92bd09f2f93358a31b5a3ae2900d5613d8c34c0b6");
}

TEST(IotUrl_JavaV1, PlainEndpoint_MatchesPublishedUrlByteForByte) {
    EXPECT_EQ(sign(java_v1("iot.us-east-1.AMAZONAWS.COM")),
              "wss://iot.us-east-1.amazonaws.com/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=123%2F20160101%2Fus-east-1%2Fiotdata%2Faws4_request&X-Amz-Date=20160101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=b50019dd3ec2d316a6a7938f363f6c792b5f58c04e1e6535d6ae277bf8cf3304");
}

TEST(IotUrl_JavaV1, SessionToken_AppendedAfterSignatureWithSignatureUnchanged) {
    auto r = java_v1("iot.us-east-1.AMAZONAWS.COM");
    r.credentials.session_token = "abc";
    EXPECT_EQ(sign(r),
              "wss://iot.us-east-1.amazonaws.com/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=123%2F20160101%2Fus-east-1%2Fiotdata%2Faws4_request&X-Amz-Date=20160101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=b50019dd3ec2d316a6a7938f363f6c792b5f58c04e1e6535d6ae277bf8cf3304&X-Amz-Security-Token=abc");
}

// Python v1 signs the host without the port but writes ":443" into the URL. We never split the
// two (browsers send Host without a default port), so the URL differs from V4 only by that ":443";
// everything from "/mqtt?" on — every parameter and the signature — must match byte for byte.
TEST(IotUrl_PythonV1, ExpiresInCanonicalQuery_MatchesPublishedQueryAndSignature) {
    EXPECT_EQ(sign(python_v1()),
              "wss://data.iot.us-east-1.amazonaws.com/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=TRUSTMETHISIDISFAKE0%2F20170628%2Fus-east-1%2Fiotdata%2Faws4_request&X-Amz-Date=20170628T204845Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=b79a4d7e31ccbf96b22d93cce1b500b9ee611ec966159547e140ae32e4dcebed");
}

TEST(IotUrl_PythonV1, SessionToken_LastAndPercentDecodesToRawToken) {
    auto r = python_v1();
    r.credentials.session_token = kV5Token;
    const std::string url = sign(r);
    EXPECT_EQ(param(url, "X-Amz-Signature"), "b79a4d7e31ccbf96b22d93cce1b500b9ee611ec966159547e140ae32e4dcebed");
    const std::string suffix = "&X-Amz-Security-Token=";
    const auto at_token = url.find(suffix);
    ASSERT_NE(at_token, std::string::npos);
    EXPECT_GT(at_token, url.find("&X-Amz-Signature="));
    const std::string encoded = url.substr(at_token + suffix.size());
    EXPECT_EQ(encoded.find_first_of("/+=&"), std::string::npos) << "token must be fully percent-encoded";
    EXPECT_EQ(uri_decode(encoded), kV5Token);
}

// V6-V8 (JS v1) cannot be reproduced by a correct signer (region "undefined" in the scope but ""
// in the key, raw spaces in the credential); per the vectors file only their structure is checked.
TEST(IotUrl_JsV1, TokenAndPort_StructureMatchesVectors) {
    IotUrlRequest r;
    r.endpoint = "not-a-real-host.com";
    r.region = "undefined";
    r.credentials = {"not a valid access key", "not a valid secret access key", ""};
    r.time = at("1986-11-15T08:00:00Z");
    const std::string v6 = sign(r);
    EXPECT_EQ(v6.rfind("wss://not-a-real-host.com/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=", 0), 0u);
    EXPECT_EQ(param(v6, "X-Amz-Date"), "19861115T080000Z");
    r.credentials.session_token = "not/a/valid/session token";
    const std::string v7 = sign(r);
    EXPECT_EQ(v7, v6 + "&X-Amz-Security-Token=not%2Fa%2Fvalid%2Fsession%20token");
    r.endpoint = "not-a-real-host.com:9999";
    const std::string v8 = sign(r);
    EXPECT_EQ(v8.rfind("wss://not-a-real-host.com:9999/mqtt?", 0), 0u);
    EXPECT_NE(param(v8, "X-Amz-Signature"), param(v7, "X-Amz-Signature")) << "the port must be signed";
    const std::string token_suffix = "&X-Amz-Security-Token=not%2Fa%2Fvalid%2Fsession%20token";
    ASSERT_GT(v8.size(), token_suffix.size());
    EXPECT_EQ(v8.substr(v8.size() - token_suffix.size()), token_suffix);
    // The port is part of the signed host: the generic signer with Host "host:9999" agrees.
    HttpRequest request{"GET", "/mqtt", "", {{"Host", "not-a-real-host.com:9999"}}, ""};
    SigningConfig config;
    config.type = SignatureType::query;
    config.region = "undefined";
    config.service = "iotdevicegateway";
    config.time = r.time;
    config.omit_session_token = true;
    auto generic = sign_request(request, config, r.credentials);
    ASSERT_TRUE(generic.ok());
    EXPECT_EQ(generic.value().signature, param(v8, "X-Amz-Signature"));
}

TEST(IotUrl_Fast, RandomInputs_AgreeWithGenericStagedSigner) {
    std::mt19937 rng(20260101);
    const char* regions[] = {"us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1"};
    IotUrlSigner signer;  // reused: exercises the cache across changing inputs
    for (int i = 0; i < 300; ++i) {
        IotUrlRequest r;
        const std::string region = regions[rng() % 4];
        const unsigned port = rng() % 3 == 0 ? 1024 + rng() % 60000 : 0;
        const std::string host = "a" + std::to_string(rng()) + "-ats.iot." + region + ".amazonaws.com";
        r.endpoint = host + (port ? ":" + std::to_string(port) : "");
        r.credentials = {"AKIA" + std::to_string(rng() % 4), "secret/" + std::to_string(rng() % 3),
                         rng() % 2 ? "tok+/=" + std::to_string(rng()) : ""};
        r.time = at("2026-01-01T00:00:00Z") + static_cast<std::int64_t>(rng() % (86400 * 3));
        r.expires_seconds = rng() % 2 ? rng() % 86400 + 1 : 0;
        r.scheme = rng() % 4 == 0 ? UrlScheme::ws : UrlScheme::wss;
        auto fast = signer.presign(r);
        ASSERT_TRUE(fast.ok()) << fast.error().message;

        const std::string authority = host + (port ? ":" + std::to_string(port) : "");
        HttpRequest request{"GET", "/mqtt", "", {{"host", authority}}, ""};
        SigningConfig config;
        config.type = SignatureType::query;
        config.region = region;
        config.service = "iotdevicegateway";
        config.time = r.time;
        config.expires_seconds = r.expires_seconds;
        config.omit_session_token = true;
        auto generic = sign_request(request, config, r.credentials);
        ASSERT_TRUE(generic.ok());
        EXPECT_EQ(param(fast.value(), "X-Amz-Signature"), generic.value().signature) << fast.value();
        const std::string scheme = r.scheme == UrlScheme::wss ? "wss://" : "ws://";
        EXPECT_EQ(fast.value().rfind(scheme + authority + "/mqtt?X-Amz-Algorithm=", 0), 0u) << fast.value();
    }
}

TEST(IotUrl_Region, AtsAndLegacyAndChinaEndpoints_RegionInferred) {
    EXPECT_EQ(infer_iot_region("abc123-ats.iot.eu-central-1.amazonaws.com").value(), "eu-central-1");
    EXPECT_EQ(infer_iot_region("abc123.iot.us-west-2.amazonaws.com:8443").value(), "us-west-2");
    EXPECT_EQ(infer_iot_region("ABC-ATS.IOT.AP-NORTHEAST-1.AMAZONAWS.COM").value(), "ap-northeast-1");
    EXPECT_EQ(infer_iot_region("abc.ats.iot.cn-north-1.amazonaws.com.cn").value(), "cn-north-1");
}

TEST(IotUrl_Region, UnknownEndpointWithoutRegion_ErrorNamesTheExpectedForm) {
    IotUrlRequest r;
    r.endpoint = "localhost:9001";
    r.credentials = {"AKID", "SECRETSECRET", "TOKENTOKEN"};
    auto url = presign_iot_websocket_url(r);
    ASSERT_FALSE(url.ok());
    EXPECT_EQ(url.error().code, iotlite::Errc::invalid_argument);
    EXPECT_NE(url.error().message.find("cannot infer the AWS region"), std::string::npos);
    EXPECT_NE(url.error().message.find(".iot.<region>.amazonaws.com"), std::string::npos);
    EXPECT_EQ(url.error().message.find("SECRET"), std::string::npos);
    EXPECT_EQ(url.error().message.find("TOKEN"), std::string::npos);
    r.region = "us-east-1";
    EXPECT_TRUE(presign_iot_websocket_url(r).ok());
    EXPECT_FALSE(infer_iot_region("example.com").ok());
    EXPECT_FALSE(infer_iot_region("iot.amazonaws.com").ok());
}

TEST(IotUrl_Port, DefaultPortDroppedOtherPortsSignedAndShown) {
    IotUrlRequest r;
    r.credentials = {"AKID", "secret", ""};
    r.time = 1767225600;
    r.endpoint = "h.iot.us-east-1.amazonaws.com:443";
    const std::string with443 = sign(r);
    r.endpoint = "h.iot.us-east-1.amazonaws.com";
    EXPECT_EQ(sign(r), with443);  // browsers send Host without :443, so the URL and signature omit it
    r.endpoint = "h.iot.us-east-1.amazonaws.com:8443";
    const std::string with8443 = sign(r);
    EXPECT_EQ(with8443.rfind("wss://h.iot.us-east-1.amazonaws.com:8443/mqtt?", 0), 0u);
    EXPECT_NE(param(with8443, "X-Amz-Signature"), param(with443, "X-Amz-Signature"));
    r.scheme = UrlScheme::ws;
    r.region = "us-east-1";
    r.endpoint = "127.0.0.1:80";
    EXPECT_EQ(sign(r).rfind("ws://127.0.0.1/mqtt?", 0), 0u);
    r.endpoint = "127.0.0.1:9001";
    EXPECT_EQ(sign(r).rfind("ws://127.0.0.1:9001/mqtt?", 0), 0u);
    r.endpoint = "[::1]:9001";
    EXPECT_EQ(sign(r).rfind("ws://[::1]:9001/mqtt?", 0), 0u);
}

TEST(IotUrl_Input, MalformedEndpointsAndLimits_ClearErrors) {
    IotUrlRequest r;
    r.region = "us-east-1";
    r.credentials = {"AKID", "SECRETSECRET", "TOKENTOKEN"};
    r.time = 1767225600;
    const std::pair<const char*, const char*> cases[] = {
        {"", "endpoint is empty"},
        {"wss://h.iot.us-east-1.amazonaws.com/mqtt", "no scheme, path or spaces"},
        {"h.example.com:0", "must be 1-65535"},
        {"h.example.com:65536", "must be 1-65535"},
        {"h.example.com:", "empty port"},
        {"h.example.com:12x", "must be 1-65535"},
        {"h.example.com:4294967297", "must be 1-65535"},
        {"h.example.com:00443x", "must be 1-65535"},
        {"bad host", "no scheme, path or spaces"},
        {"[]:9001", "empty IPv6 address"},  // found by iotlite_fuzz_endpoint
    };
    for (const auto& [endpoint, expected] : cases) {
        r.endpoint = endpoint;
        auto url = presign_iot_websocket_url(r);
        ASSERT_FALSE(url.ok()) << endpoint;
        EXPECT_NE(url.error().message.find(expected), std::string::npos) << endpoint << ": " << url.error().message;
        EXPECT_EQ(url.error().message.find("SECRET"), std::string::npos);
        EXPECT_EQ(url.error().message.find("TOKEN"), std::string::npos);
    }
    r.endpoint = "h.example.com";
    r.expires_seconds = 86401;
    auto too_long = presign_iot_websocket_url(r);
    ASSERT_FALSE(too_long.ok());
    EXPECT_NE(too_long.error().message.find("86400"), std::string::npos);
    r.expires_seconds = 86400;
    EXPECT_TRUE(presign_iot_websocket_url(r).ok());
    r.time = -1;
    EXPECT_FALSE(presign_iot_websocket_url(r).ok());
    r.time = 1767225600;
    r.credentials.secret_access_key.clear();
    auto no_secret = presign_iot_websocket_url(r);
    ASSERT_FALSE(no_secret.ok());
    EXPECT_EQ(no_secret.error().message, "secret access key is empty");
    r.credentials = {"", "s", ""};
    EXPECT_EQ(presign_iot_websocket_url(r).error().message, "access key id is empty");
}

TEST(IotUrl_Signer, CacheAcrossDaysAndKeys_SameAsFreshSigner) {
    IotUrlSigner cached;
    IotUrlRequest r;
    r.endpoint = "x-ats.iot.us-east-1.amazonaws.com";
    for (int i = 0; i < 6; ++i) {
        r.credentials = {i % 2 ? "AKID1" : "AKID2", i % 3 ? "s1" : "s2", ""};
        r.time = 1767225600 + i * 43200;  // crosses midnight: the scope date changes
        r.region = i % 4 == 0 ? "" : "eu-west-1";
        auto a = cached.presign(r);
        auto b = presign_iot_websocket_url(r);
        ASSERT_TRUE(a.ok() && b.ok());
        EXPECT_EQ(a.value(), b.value());
    }
}

}  // namespace
