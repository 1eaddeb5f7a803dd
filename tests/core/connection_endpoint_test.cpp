// iotlite::connection::parse_endpoint against the endpoint forms AWS documents ("AWS IoT device
// data and service endpoints": <prefix>-ats.iot.<region>.amazonaws.com, the legacy
// <prefix>.iot.<region>.amazonaws.com, the China partition's <prefix>.ats.iot.<region>.amazonaws.com.cn)
// and the local forms the drivers need (ports, IPv6 literals, ws:// and wss:// URLs).
#include <gtest/gtest.h>

#include "iotlite/connection/endpoint.hpp"

namespace iotlite::connection {
namespace {

std::string message_of(std::string_view text) {
    auto r = parse_endpoint(text);
    EXPECT_FALSE(r.ok()) << text;
    if (r.ok()) return "";
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    return r.error().message;
}

TEST(ConnectionEndpoint, AtsEndpoint_RegionInferredAndKindAts) {
    auto e = parse_endpoint("a1b2c3d4e5f6g7-ats.iot.eu-central-1.amazonaws.com");
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_EQ(e.value().host, "a1b2c3d4e5f6g7-ats.iot.eu-central-1.amazonaws.com");
    EXPECT_EQ(e.value().region, "eu-central-1");
    EXPECT_EQ(e.value().kind, EndpointKind::aws_ats);
    EXPECT_EQ(e.value().port, 0);
    EXPECT_EQ(e.value().port_or(443), 443);
    EXPECT_EQ(e.value().scheme, EndpointScheme::none);
    EXPECT_EQ(e.value().authority(443), "a1b2c3d4e5f6g7-ats.iot.eu-central-1.amazonaws.com");
}

TEST(ConnectionEndpoint, LegacyEndpointWithPort_KindLegacyPortKept) {
    auto e = parse_endpoint("abc123.iot.us-west-2.amazonaws.com:8443");
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_EQ(e.value().region, "us-west-2");
    EXPECT_EQ(e.value().kind, EndpointKind::aws_legacy);
    EXPECT_EQ(e.value().port, 8443);
    EXPECT_EQ(e.value().authority(443), "abc123.iot.us-west-2.amazonaws.com:8443");
}

TEST(ConnectionEndpoint, ChinaPartitionAts_RegionInferred) {
    auto e = parse_endpoint("abc.ats.iot.cn-north-1.amazonaws.com.cn");
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_EQ(e.value().region, "cn-north-1");
    EXPECT_EQ(e.value().kind, EndpointKind::aws_ats);
}

TEST(ConnectionEndpoint, GovCloudEndpoint_RegionInferred) {
    auto e = parse_endpoint("abc-ats.iot.us-gov-west-1.amazonaws.com");
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e.value().region, "us-gov-west-1");
}

TEST(ConnectionEndpoint, UpperCase_LowercasedAsDnsIsCaseInsensitive) {
    auto e = parse_endpoint("ABC-ATS.IOT.AP-NORTHEAST-1.AMAZONAWS.COM");
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e.value().host, "abc-ats.iot.ap-northeast-1.amazonaws.com");
    EXPECT_EQ(e.value().region, "ap-northeast-1");
}

TEST(ConnectionEndpoint, CustomDomain_NoRegionKindCustom) {
    auto e = parse_endpoint("mqtt.example.com");
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e.value().region, "");
    EXPECT_EQ(e.value().kind, EndpointKind::custom);
    // Looks AWS-like but is not a data endpoint: no region.
    EXPECT_EQ(parse_endpoint("iot.amazonaws.com").value().region, "");
    EXPECT_EQ(parse_endpoint("abc.iot.us-east-1.amazonaws.com.evil.example").value().region, "");
    EXPECT_EQ(parse_endpoint("abc.notiot.us-east-1.amazonaws.com").value().region, "");
}

TEST(ConnectionEndpoint, Ipv6LiteralWithPort_HostWithoutBrackets) {
    auto e = parse_endpoint("[::1]:8883");
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_TRUE(e.value().ipv6);
    EXPECT_EQ(e.value().host, "::1");
    EXPECT_EQ(e.value().port, 8883);
    EXPECT_EQ(e.value().authority(443), "[::1]:8883");
    auto bare = parse_endpoint("[FE80::1]");
    ASSERT_TRUE(bare.ok());
    EXPECT_EQ(bare.value().authority(443), "[fe80::1]");
}

TEST(ConnectionEndpoint, WssUrl_SchemePortAndResource) {
    auto e = parse_endpoint("wss://abc.iot.eu-west-1.amazonaws.com:8443/mqtt?X-Amz-Date=1");
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e.value().scheme, EndpointScheme::wss);
    EXPECT_EQ(e.value().port, 8443);
    EXPECT_EQ(e.value().resource, "/mqtt?X-Amz-Date=1");
    auto ws = parse_endpoint("ws://127.0.0.1:8080/mqtt");
    ASSERT_TRUE(ws.ok());
    EXPECT_EQ(ws.value().scheme, EndpointScheme::ws);
    EXPECT_EQ(ws.value().host, "127.0.0.1");
    EXPECT_EQ(ws.value().port, 8080);
    auto v6 = parse_endpoint("ws://[::1]:8443/mqtt?a=b");
    ASSERT_TRUE(v6.ok());
    EXPECT_EQ(v6.value().host, "::1");
    EXPECT_EQ(v6.value().port, 8443);
    auto no_path = parse_endpoint("WSS://host");
    ASSERT_TRUE(no_path.ok());
    EXPECT_EQ(no_path.value().resource, "");
}

TEST(ConnectionEndpoint, DefaultPortGiven_DroppedFromAuthorityOnly) {
    auto e = parse_endpoint("h.example:443");
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e.value().port, 443);
    EXPECT_EQ(e.value().authority(443), "h.example");
    EXPECT_EQ(e.value().authority(80), "h.example:443");
}

TEST(ConnectionEndpoint, PortRules_ErrorsNameTheRule) {
    EXPECT_NE(message_of("host:70000").find("port 70000 is over 65535"), std::string::npos);
    EXPECT_NE(message_of("host:65536").find("over 65535"), std::string::npos);
    EXPECT_NE(message_of("host:0").find("port 0"), std::string::npos);
    EXPECT_NE(message_of("host:").find("empty"), std::string::npos);
    EXPECT_NE(message_of("host:8a").find("not a decimal number"), std::string::npos);
    EXPECT_NE(message_of("[::1]:").find("empty"), std::string::npos);
    EXPECT_TRUE(parse_endpoint("host:65535").ok());
    EXPECT_TRUE(parse_endpoint("host:1").ok());
}

TEST(ConnectionEndpoint, MalformedHosts_Refused) {
    EXPECT_EQ(message_of(""), "endpoint is empty");
    EXPECT_NE(message_of("https://h/mqtt").find("scheme 'https://' is not supported"), std::string::npos);
    EXPECT_NE(message_of("host/mqtt").find("wss:// or ws:// URL"), std::string::npos);
    EXPECT_NE(message_of("host?x").find("host[:port]"), std::string::npos);
    EXPECT_NE(message_of("user@host").find("'@'"), std::string::npos);
    EXPECT_NE(message_of("ho st").find("white space"), std::string::npos);
    EXPECT_NE(message_of("::1").find("in brackets"), std::string::npos);
    EXPECT_NE(message_of("[::1").find("no ']'"), std::string::npos);
    EXPECT_NE(message_of("[::1]x").find("':port'"), std::string::npos);
    EXPECT_NE(message_of("[]").find("empty"), std::string::npos);
    EXPECT_NE(message_of("[1.2.3.4]").find("not an IPv6 literal"), std::string::npos);
    EXPECT_NE(message_of("[::g]").find("hex digits"), std::string::npos);
    EXPECT_NE(message_of(":8883").find("host name is empty"), std::string::npos);
    EXPECT_NE(message_of("a..b").find("empty label"), std::string::npos);
    EXPECT_NE(message_of("host.").find("empty label"), std::string::npos);
    EXPECT_NE(message_of("h%st").find("character outside"), std::string::npos);
    EXPECT_NE(message_of(std::string(254, 'a')).find("longer than 253"), std::string::npos);
    EXPECT_TRUE(parse_endpoint(std::string(253, 'a')).ok());
    EXPECT_NE(message_of("wss://h:99999/mqtt").find("over 65535"), std::string::npos);
}

TEST(ConnectionEndpoint, LongInput_QuotedShortInMessage) {
    const std::string text = std::string(300, 'x') + ":1:2";
    const std::string m = message_of(text);
    EXPECT_LT(m.size(), 200u);
    EXPECT_NE(m.find("..."), std::string::npos);
}

TEST(ConnectionEndpoint, InferRegion_FromHostAlone) {
    EndpointKind kind = EndpointKind::aws_ats;
    EXPECT_EQ(infer_region("x.iot.sa-east-1.amazonaws.com", &kind), "sa-east-1");
    EXPECT_EQ(kind, EndpointKind::aws_legacy);
    EXPECT_EQ(infer_region("example.com", &kind), "");
    EXPECT_EQ(kind, EndpointKind::custom);
    EXPECT_EQ(infer_region("x.iot.us_east.amazonaws.com"), "");  // '_' is not a region character
}

}  // namespace
}  // namespace iotlite::connection
