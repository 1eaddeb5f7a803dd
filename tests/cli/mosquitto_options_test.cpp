// mosquitto_pub / mosquitto_sub habits of `iotlite pub` and `sub`, without network: the -L URL,
// the rewriting of -h/-p/-L/--tls-alpn/--insecure into the CLI's own flags, the Will, custom
// authorizer and --capath options, sub -F formatting (MQTT 5 properties included), pub -l line
// splitting, and the MQTT 5 flags -V and -D (mqtt5_options.hpp).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "ca_directory.hpp"
#include "connection_options.hpp"
#include "iotlite/firmware/posix_port.hpp"
#include "line_splitter.hpp"
#include "message_format.hpp"
#include "mosquitto_spellings.hpp"
#include "mqtt5_options.hpp"
#include "mqtt_url.hpp"

namespace iotlite::cli {
namespace {

constexpr const char* kPassword = "hunter2-MustNeverBePrinted";

// ---------------------------------------------------------------- -L URL

TEST(MqttUrl, FullForm_SplitIntoItsParts) {
    Result<MqttUrl> u = parse_mqtt_url(std::string("mqtts://dev:") + kPassword + "@abc-ats.iot.eu-west-1.amazonaws.com:8883/a/b/#");
    ASSERT_TRUE(u.ok()) << u.error().message;
    EXPECT_EQ(u.value().scheme, MqttUrlScheme::mqtts);
    EXPECT_EQ(u.value().username, "dev");
    EXPECT_EQ(u.value().password, kPassword);
    EXPECT_TRUE(u.value().has_password);
    EXPECT_EQ(u.value().host_port, "abc-ats.iot.eu-west-1.amazonaws.com:8883");
    EXPECT_EQ(u.value().topic, "a/b/#");
}

TEST(MqttUrl, PasswordWithAtSignAndIpv6Host_LastAtEndsTheUserInfo) {
    Result<MqttUrl> u = parse_mqtt_url("wss://u:p@ss@[::1]:8443/t");
    ASSERT_TRUE(u.ok()) << u.error().message;
    EXPECT_EQ(u.value().scheme, MqttUrlScheme::wss);
    EXPECT_EQ(u.value().password, "p@ss");
    EXPECT_EQ(u.value().host_port, "[::1]:8443");
    EXPECT_EQ(u.value().topic, "t");
}

TEST(MqttUrl, NoUserInfoNoPath_EmptyTopicAndNoPassword) {
    Result<MqttUrl> u = parse_mqtt_url("ws://127.0.0.1:8080");
    ASSERT_TRUE(u.ok()) << u.error().message;
    EXPECT_EQ(u.value().scheme, MqttUrlScheme::ws);
    EXPECT_EQ(u.value().username, "");
    EXPECT_FALSE(u.value().has_password);
    EXPECT_EQ(u.value().host_port, "127.0.0.1:8080");
    EXPECT_EQ(u.value().topic, "");
}

TEST(MqttUrl, BadUrls_RefusedNamingTheRuleNeverThePassword) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "-L: the URL is empty"},
        {"http://h/t", "-L: unsupported scheme 'http://' (mqtts://, wss://, ws:// or mqtt://)"},
        // Not quoted back when it holds a byte a scheme cannot (found by iotlite_fuzz_cli_text).
        {"w\ns://h/t", "-L: the scheme is not a URL scheme (letters, digits, '+', '-', '.'); use mqtts://, wss://, ws:// or mqtt://"},
        {std::string("u:") + kPassword + "@host/t", "-L: the URL must start with mqtts://, wss://, ws:// or mqtt://"},
        {std::string("mqtts://u:") + kPassword + "@/t", "-L: the URL has no host"},
        {"mqtts://:8883/t", "-L: the URL has no host"},
        {"mqtts://h/" + std::string(kMaxMqttUrlLength, 'a'), "-L: the URL has 4106 characters; iotlite accepts at most 4096"},
    };
    for (const auto& [url, message] : cases) {
        Result<MqttUrl> u = parse_mqtt_url(url);
        ASSERT_FALSE(u.ok()) << url;
        EXPECT_EQ(u.error().code, Errc::invalid_argument);
        EXPECT_EQ(u.error().message, message);
        EXPECT_EQ(u.error().message.find(kPassword), std::string::npos);
    }
}

// ---------------------------------------------------------------- flag rewriting

ParsedFlags flags_of(std::vector<std::pair<std::string, std::string>> values) {
    ParsedFlags f;
    f.values = std::move(values);
    return f;
}

std::string value(const ParsedFlags& f, const char* name) {
    const std::string* v = f.get(name);
    return v != nullptr ? *v : "<absent>";
}

TEST(MosquittoSpellings, HostAndPort_BecomeTheEndpoint) {
    ParsedFlags f = flags_of({{"--host", "abc-ats.iot.us-east-1.amazonaws.com"}, {"--port", "8883"}});
    ASSERT_TRUE(apply_mosquitto_spellings("pub", f).ok());
    EXPECT_EQ(value(f, "--endpoint"), "abc-ats.iot.us-east-1.amazonaws.com:8883");
    EXPECT_FALSE(f.has("--host"));
    EXPECT_FALSE(f.has("--port"));

    ParsedFlags v6 = flags_of({{"--host", "::1"}, {"--port", "443"}});
    ASSERT_TRUE(apply_mosquitto_spellings("pub", v6).ok());
    EXPECT_EQ(value(v6, "--endpoint"), "[::1]:443");

    ParsedFlags alone = flags_of({{"--host", "localhost"}});
    ASSERT_TRUE(apply_mosquitto_spellings("sub", alone).ok());
    EXPECT_EQ(value(alone, "--endpoint"), "localhost");
}

TEST(MosquittoSpellings, PortWithEndpoint_AddedWhenTheEndpointHasNoneAndMustAgreeOtherwise) {
    ParsedFlags f = flags_of({{"--endpoint", "localhost"}, {"--port", "8443"}});
    ASSERT_TRUE(apply_mosquitto_spellings("pub", f).ok());
    EXPECT_EQ(value(f, "--endpoint"), "localhost:8443");

    ParsedFlags same = flags_of({{"--endpoint", "localhost:8443"}, {"--port", "8443"}});
    EXPECT_TRUE(apply_mosquitto_spellings("pub", same).ok());

    ParsedFlags differ = flags_of({{"--endpoint", "localhost:8443"}, {"--port", "443"}});
    Result<void> r = apply_mosquitto_spellings("pub", differ);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "-p 443 and the port of --endpoint (8443) disagree");
}

TEST(MosquittoSpellings, BadHostAndPortCombinations_RefusedNamingTheFlag) {
    const std::vector<std::pair<ParsedFlags, std::string>> cases = {
        {flags_of({{"--host", "a"}, {"--endpoint", "b"}}), "give the host with -h or with --endpoint, not both"},
        {flags_of({{"--host", "a"}, {"--port", "0"}}), "-p must be a port number from 1 to 65535"},
        {flags_of({{"--host", "a"}, {"--port", "65536"}}), "-p must be a port number from 1 to 65535"},
        {flags_of({{"--host", "a"}, {"--port", "44x"}}), "-p must be a port number from 1 to 65535"},
        {flags_of({{"--port", "443"}}), "-p needs a host: -h HOST or --endpoint HOST"},
        {flags_of({{"--host", ""}}), "-h is empty"},
        {flags_of({{"--url", "mqtts://h/t"}, {"--port", "1"}}), "-L names the host and port; do not also give -p"},
        {flags_of({{"--url", "mqtts://h/t"}, {"--endpoint", "h"}}), "-L names the host and port; do not also give --endpoint"},
    };
    for (auto [f, message] : cases) {
        Result<void> r = apply_mosquitto_spellings("pub", f);
        ASSERT_FALSE(r.ok()) << message;
        EXPECT_EQ(r.error().code, Errc::invalid_argument);
        EXPECT_EQ(r.error().message, message);
    }
}

TEST(MosquittoSpellings, MqttsUrl_EndpointTopicUserAndPasswordMapped) {
    ParsedFlags f = flags_of({{"--url", std::string("mqtts://dev:") + kPassword + "@localhost:9883/x/y"}});
    ASSERT_TRUE(apply_mosquitto_spellings("pub", f).ok());
    EXPECT_EQ(value(f, "--endpoint"), "localhost:9883");
    EXPECT_EQ(value(f, "--topic"), "x/y");
    EXPECT_EQ(value(f, "--username"), "dev");
    EXPECT_EQ(value(f, "--password"), kPassword);
    EXPECT_FALSE(f.has("--url"));
    EXPECT_FALSE(f.has("--scheme"));
}

TEST(MosquittoSpellings, WebSocketUrls_SetTheScheme) {
    ParsedFlags ws = flags_of({{"--url", "ws://127.0.0.1:8080/t"}});
    ASSERT_TRUE(apply_mosquitto_spellings("sub", ws).ok());
    EXPECT_EQ(value(ws, "--scheme"), "ws");
    EXPECT_EQ(value(ws, "--endpoint"), "127.0.0.1:8080");

    ParsedFlags wss = flags_of({{"--url", "wss://h/t"}, {"--scheme", "ws"}});
    Result<void> r = apply_mosquitto_spellings("sub", wss);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "-L wss:// and --scheme/--insecure-ws disagree");
}

TEST(MosquittoSpellings, UrlTopic_PubOnlyOnceSubOneMoreFilterShadowRefused) {
    ParsedFlags sub = flags_of({{"--topic", "a"}, {"--url", "wss://h/b/#"}});
    ASSERT_TRUE(apply_mosquitto_spellings("sub", sub).ok());
    EXPECT_EQ(all_values(sub, "--topic"), (std::vector<std::string>{"a", "b/#"}));

    ParsedFlags pub = flags_of({{"--topic", "a"}, {"--url", "wss://h/b"}});
    Result<void> p = apply_mosquitto_spellings("pub", pub);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().message, "-L already names the topic; do not also give -t");

    ParsedFlags shadow = flags_of({{"--url", "wss://h/b"}});
    Result<void> s = apply_mosquitto_spellings("shadow", shadow);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message, "-L: a topic in the URL is for pub and sub; shadow takes --thing");
}

TEST(MosquittoSpellings, WhatDoesNotMapToAwsIot_RefusedWithTheReason) {
    ParsedFlags plain = flags_of({{"--url", std::string("mqtt://u:") + kPassword + "@h/t"}});
    Result<void> r = apply_mosquitto_spellings("pub", plain);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("-L mqtt://: AWS IoT has no plain MQTT port (1883)"), std::string::npos);
    EXPECT_EQ(r.error().message.find(kPassword), std::string::npos);

    ParsedFlags insecure = flags_of({{"--insecure", ""}});
    Result<void> i = apply_mosquitto_spellings("sub", insecure);
    ASSERT_FALSE(i.ok());
    EXPECT_NE(i.error().message.find("--insecure is refused: AWS IoT requires the client to verify the server's certificate"),
              std::string::npos);

    ParsedFlags alpn = flags_of({{"--tls-alpn", "mqtt"}});
    Result<void> a = apply_mosquitto_spellings("pub", alpn);
    ASSERT_FALSE(a.ok());
    EXPECT_NE(a.error().message.find("--tls-alpn: AWS IoT takes MQTT on port 443 with ALPN x-amzn-mqtt-ca"), std::string::npos);

    ParsedFlags aws_alpn = flags_of({{"--tls-alpn", "x-amzn-mqtt-ca"}});
    ASSERT_TRUE(apply_mosquitto_spellings("pub", aws_alpn).ok());
    EXPECT_TRUE(aws_alpn.has("--alpn"));
    EXPECT_FALSE(aws_alpn.has("--tls-alpn"));
}

// ---------------------------------------------------------------- connection options

Result<ConnectionOptions> options_of(std::vector<std::pair<std::string, std::string>> values) {
    ParsedFlags f = flags_of(std::move(values));
    if (Result<void> mapped = apply_mosquitto_spellings("pub", f); !mapped.ok()) return mapped.error();
    firmware::PosixRandom random;
    return connection_options_from(f, random);
}

TEST(ConnectionOptionsMosquitto, UserAndPassword_DefaultCustomAuthorizerAndNeverInDescribe) {
    Result<ConnectionOptions> o =
        options_of({{"--host", "127.0.0.1"}, {"--port", "8080"}, {"--scheme", "ws"}, {"--username", "dev"}, {"--password", kPassword}});
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_TRUE(o.value().custom_authorizer);
    EXPECT_EQ(o.value().authorizer.name, "");
    EXPECT_EQ(o.value().authorizer.username, "dev");
    EXPECT_EQ(o.value().authorizer.password, kPassword);
    EXPECT_EQ(o.value().describe(), "ws://127.0.0.1:8080/mqtt (the default custom authorizer, user dev)");
    EXPECT_EQ(o.value().secrets(), std::vector<std::string>{kPassword});

    const connection::TargetConfig t = target_config(o.value());
    EXPECT_EQ(t.mode, connection::AuthMode::custom_authorizer);
    EXPECT_EQ(t.authorizer.password, kPassword);
}

TEST(ConnectionOptionsMosquitto, NamedAuthorizerWithToken_Mapped) {
    Result<ConnectionOptions> o = options_of({{"--endpoint", "127.0.0.1:8080"}, {"--scheme", "ws"}, {"--authorizer", "my-auth"},
                                              {"--token", "tok"}, {"--token-key-name", "k"}});
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o.value().authorizer.name, "my-auth");
    EXPECT_EQ(o.value().authorizer.token, "tok");
    EXPECT_EQ(o.value().authorizer.token_key_name, "k");
    EXPECT_EQ(o.value().describe(), "ws://127.0.0.1:8080/mqtt (custom authorizer my-auth)");
}

TEST(ConnectionOptionsMosquitto, BadAuthorizerAndWillInput_RefusedNamingTheFlag) {
    const std::vector<std::pair<std::vector<std::pair<std::string, std::string>>, std::string>> cases = {
        {{{"--endpoint", "h"}, {"--scheme", "ws"}, {"--password", kPassword}},
         "-P needs -u (MQTT 3.1.1 sends a password only with a user name)"},
        {{{"--endpoint", "h"}, {"--cert", "c"}, {"--key", "k"}, {"--username", "u"}},
         "-u is for a custom authorizer over WebSocket; --cert/--key authenticate by certificate"},
        {{{"--endpoint", "h"}, {"--scheme", "ws"}, {"--authorizer", "a"}, {"--profile", "p"}},
         "--authorizer selects a custom authorizer; --profile is for SigV4"},
        {{{"--endpoint", "h"}, {"--scheme", "ws"}, {"--authorizer", "a"}, {"--token-signature", "c2ln"}},
         "--token-key-name and --token-signature need --token"},
        {{{"--endpoint", "h"}, {"--scheme", "ws"}, {"--authorizer", "bad name"}},
         "custom authorizer name 'bad name' has a character outside [A-Za-z0-9_=,@-] (AWS IoT)"},
        {{{"--url", "mqtts://h/t"}}, "-L mqtts://: MQTT over TLS to AWS IoT authenticates with a client certificate: give "
                                     "--cert and --key (or use a wss:// URL for SigV4)"},
        {{{"--endpoint", "h"}, {"--scheme", "ws"}, {"--username", "u"}, {"--will-payload", "x"}},
         "--will-payload needs --will-topic (the topic the Will is published on)"},
        {{{"--endpoint", "h"}, {"--scheme", "ws"}, {"--username", "u"}, {"--will-topic", "a/+"}},
         "--will-topic: topic 'a/+' contains a wildcard"},
        {{{"--endpoint", "h"}, {"--scheme", "ws"}, {"--username", "u"}, {"--will-topic", "a"}, {"--will-qos", "2"}},
         "--will-qos 2: AWS IoT supports QoS 0 and 1 only"},
        {{{"--endpoint", "h"}, {"--cafile", "/etc/hostname"}, {"--capath", "/etc/ssl/certs"}, {"--username", "u"}},
         "give --cafile or --capath, not both"},
    };
    for (const auto& [values, message] : cases) {
        Result<ConnectionOptions> o = options_of(values);
        ASSERT_FALSE(o.ok()) << message;
        EXPECT_EQ(o.error().code, Errc::invalid_argument);
        EXPECT_EQ(o.error().message.substr(0, message.size()), message);
        EXPECT_EQ(o.error().message.find(kPassword), std::string::npos);
    }
}

TEST(ConnectionOptionsMosquitto, WillFlags_BecomeTheEngineWill) {
    Result<ConnectionOptions> o = options_of({{"--endpoint", "h"}, {"--scheme", "ws"}, {"--username", "u"}, {"--will-topic", "dev/1/gone"},
                                              {"--will-payload", "bye"}, {"--will-qos", "1"}, {"--will-retain", ""}});
    ASSERT_TRUE(o.ok()) << o.error().message;
    ASSERT_TRUE(o.value().will.has_value());
    EXPECT_EQ(o.value().will->topic, "dev/1/gone");
    EXPECT_EQ(std::string(o.value().will->payload.begin(), o.value().will->payload.end()), "bye");
    EXPECT_EQ(o.value().will->qos, mqtt::QoS::at_least_once);
    EXPECT_TRUE(o.value().will->retain);

    Result<ConnectionOptions> none = options_of({{"--endpoint", "h"}, {"--scheme", "ws"}, {"--username", "u"}});
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none.value().will.has_value());
}

// ---------------------------------------------------------------- --capath

class CaDirectory : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/iotlite-capath-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
    void write(const std::string& name, const std::string& text) { std::ofstream(dir_ + "/" + name) << text; }
    std::string dir_;
};

TEST_F(CaDirectory, PemAndCrtFilesThatParse_JoinedOthersSkipped) {
    std::ifstream root("/etc/ssl/certs/Amazon_Root_CA_1.pem");
    ASSERT_TRUE(root.good()) << "Debian's ca-certificates provides Amazon Root CA 1";
    const std::string pem((std::istreambuf_iterator<char>(root)), std::istreambuf_iterator<char>());
    write("amazon.pem", pem);
    write("copy.crt", pem);
    write("junk.pem", "not a certificate\n");
    write("notes.txt", pem);
    Result<std::string> joined = read_ca_directory(dir_);
    ASSERT_TRUE(joined.ok()) << joined.error().message;
    EXPECT_EQ(joined.value(), pem + "\n" + pem + "\n");  // amazon.pem, copy.crt; not junk.pem nor notes.txt
}

TEST_F(CaDirectory, NothingUsable_RefusedNamingTheDirectory) {
    write("junk.pem", "nothing\n");
    Result<std::string> r = read_ca_directory(dir_);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "--capath " + dir_ + ": no *.pem or *.crt file with a certificate that parses");
    Result<std::string> missing = read_ca_directory(dir_ + "/nope");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message, "--capath " + dir_ + "/nope: cannot open (No such file or directory)");
}

// ---------------------------------------------------------------- sub -F

mqtt::Message message(std::string topic, std::string payload, mqtt::QoS qos, bool retain) {
    mqtt::Message m;
    m.topic = std::move(topic);
    m.payload.assign(payload.begin(), payload.end());
    m.qos = qos;
    m.retain = retain;
    return m;
}

std::string format(const std::string& spec, const mqtt::Message& m, std::timespec now = {1470818943, 786368637}) {
    Result<MessageFormat> f = MessageFormat::parse(spec);
    EXPECT_TRUE(f.ok()) << spec << ": " << (f.ok() ? "" : f.error().message);
    std::string out;
    if (f.ok()) f.value().append(m, now, out);
    return out;
}

TEST(MessageFormat, MessageSpecifiers_AsMosquittoSub) {
    const mqtt::Message m = message("a/b", "hi\xff", mqtt::QoS::at_least_once, true);
    EXPECT_EQ(format("%t|%p|%q|%r|%l|%x|%X|%%", m), "a/b|hi\xff|1|1|3|6869ff|6869FF|%");
    const mqtt::Message plain = message("t", "", mqtt::QoS::at_most_once, false);
    EXPECT_EQ(format("[%t:%p:%q:%r:%l:%x]", plain), "[t::0:0:0:]");
}

TEST(MessageFormat, EscapesAndTime_AsMosquittoSub) {
    const mqtt::Message m = message("t", "p", mqtt::QoS::at_most_once, false);
    EXPECT_EQ(format("\\\\\\0\\a\\e\\n\\r\\t\\v", m), std::string("\\\0\a\x1b\n\r\t\v", 8));
    EXPECT_EQ(format("%U", m), "1470818943.786368637");
    EXPECT_EQ(format("@N @@", m), "786368637 @");
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    EXPECT_EQ(format("%I", m), "2016-08-10T08:49:03+0000");
    EXPECT_EQ(format("@Y-@m-@d @H:@M:@S", m), "2016-08-10 08:49:03");
}

// The same message as tests/cli/cli_connect.test.mjs has mosquitto_sub print (man mosquitto_sub:
// absent properties print nothing; %P is name:value separated by spaces, in order).
TEST(MessageFormat, Mqtt5PropertySpecifiers_AsMosquittoSubPrintsThem) {
    mqtt::Message m = message("t", "p", mqtt::QoS::at_least_once, false);
    mqtt::Properties props;
    props.set(mqtt::PropertyId::content_type, "text/plain");
    props.set(mqtt::PropertyId::correlation_data, std::string_view("c\0rr", 4));
    props.set(mqtt::PropertyId::message_expiry_interval, 60u);
    props.set(mqtt::PropertyId::payload_format_indicator, 1u);
    props.set(mqtt::PropertyId::response_topic, "r/t");
    props.user_properties = {{"k1", "v1"}, {"k2", "v 2"}, {"k1", "v3"}};
    props.subscription_ids = {7, 9};
    m.properties = mqtt::PropertiesPtr(props);
    static const char expected[] = "[A=][C=text/plain][D=c\0rr][E=60][F=1][P=k1:v1 k2:v 2 k1:v3][R=r/t][S=7]";
    EXPECT_EQ(format("[A=%A][C=%C][D=%D][E=%E][F=%F][P=%P][R=%R][S=%S]", m), std::string(expected, sizeof expected - 1));
    // No properties (and every MQTT 3.1.1 message): each prints nothing, as mosquitto_sub.
    const mqtt::Message plain = message("t", "p", mqtt::QoS::at_most_once, false);
    EXPECT_EQ(format("[%A][%C][%D][%E][%F][%P][%R][%S]", plain), "[][][][][][][][]");
    // A payload format indicator of 0 is present and printed.
    mqtt::Properties zero;
    zero.set(mqtt::PropertyId::payload_format_indicator, 0u);
    m.properties = mqtt::PropertiesPtr(zero);
    EXPECT_EQ(format("%F|%E", m), "0|");
}

TEST(MessageFormat, UnsupportedOrMalformed_RefusedNamingTheSpecifierAndWhy) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"%m", "-F: '%m' is not supported: the message id is not exposed by iotlite's MQTT engine"},
        {"%j", "-F: '%j' is not supported: JSON output is not implemented"},
        {"%10t", "-F: field widths and flags ('%1...') are not supported"},
        {"%-t", "-F: field widths and flags ('%-...') are not supported"},
        {"%i", "-F: invalid format specifier '%i' (see iotlite sub --help for the supported ones)"},
        {"abc%", "-F: the format ends with a lone '%'"},
        {"@", "-F: the format ends with a lone '@'"},
        {"\\q", "-F: invalid escape '\\q' (\\\\ \\0 \\a \\e \\n \\r \\t \\v)"},
        // A control byte is shown as \xNN: the error stays one line and prints nothing raw
        // (found by iotlite_fuzz_cli_text; seed format_control_byte_in_specifier).
        {"%\n", "-F: invalid format specifier '%\\x0a' (see iotlite sub --help for the supported ones)"},
        {"\\\x1b", "-F: invalid escape '\\\\x1b' (\\\\ \\0 \\a \\e \\n \\r \\t \\v)"},
        {std::string(kMaxFormatLength + 1, 'a'), "-F: the format has 1025 characters; iotlite accepts at most 1024"},
    };
    for (const auto& [spec, message] : cases) {
        Result<MessageFormat> f = MessageFormat::parse(spec);
        ASSERT_FALSE(f.ok()) << spec;
        EXPECT_EQ(f.error().code, Errc::invalid_argument);
        EXPECT_EQ(f.error().message, message);
    }
}

// ---------------------------------------------------------------- pub -l

TEST(LineSplitter, Lines_SplitOnNewlineOnlyEmptyKeptLastPartialAtEnd) {
    LineSplitter s(16);
    std::vector<std::string> lines;
    ASSERT_TRUE(s.feed("one\n\nth", lines).ok());
    ASSERT_TRUE(s.feed("r\r\nlast", lines).ok());
    EXPECT_EQ(lines, (std::vector<std::string>{"one", "", "thr\r"}));
    s.finish(lines);
    EXPECT_EQ(lines, (std::vector<std::string>{"one", "", "thr\r", "last"}));
    EXPECT_EQ(s.lines_seen(), 4u);
}

TEST(LineSplitter, LineOverTheBound_RefusedNamingLineAndLimitEvenAcrossFeeds) {
    LineSplitter s(4);
    std::vector<std::string> lines;
    ASSERT_TRUE(s.feed("abcd\nab", lines).ok());  // exactly the bound is fine
    Result<void> r = s.feed("cde", lines);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    EXPECT_EQ(r.error().message, "-l: line 2 is longer than 4 bytes (AWS IoT's payload limit; one line is one message)");
    EXPECT_FALSE(s.feed("\n", lines).ok());  // stays failed
    EXPECT_EQ(lines, (std::vector<std::string>{"abcd"}));
}

// ---------------------------------------------------------------- -V and -D (MQTT 5)

// argv as the shell hands it to pub / sub, parsed with the command's real specs.
ParsedFlags parse_mqtt5(std::vector<std::string> args, std::string* error_out = nullptr) {
    const std::vector<OptionSpec> specs = {{"-t", "--topic", true},
                                           {"-V", "--protocol-version", true},
                                           {"-D", "--property", true, true},
                                           {nullptr, "--retain-as-published", false},
                                           {nullptr, "--will-topic", true}};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    ParsedFlags flags;
    std::string error;
    const bool ok = parse_options(static_cast<int>(argv.size()), argv.data(), specs, flags, error);
    if (error_out != nullptr) *error_out = ok ? "" : error;
    return flags;
}

Result<Mqtt5Options> mqtt5(const std::string& tool, std::vector<std::string> args) {
    return mqtt5_options_from(tool, parse_mqtt5(std::move(args)));
}

TEST(Mqtt5Options, ProtocolVersion_MosquittoSpellingsDefault311) {
    for (const char* v : {"5", "mqttv5", "MQTTv5"}) {
        Result<Mqtt5Options> o = mqtt5("pub", {"-V", v});
        ASSERT_TRUE(o.ok()) << v;
        EXPECT_EQ(o.value().protocol_version, 5) << v;
    }
    for (const char* v : {"311", "mqttv311"}) {
        Result<Mqtt5Options> o = mqtt5("sub", {"-V", v});
        ASSERT_TRUE(o.ok()) << v;
        EXPECT_EQ(o.value().protocol_version, 4) << v;
    }
    EXPECT_EQ(mqtt5("pub", {}).value().protocol_version, 4);
    Result<Mqtt5Options> old = mqtt5("pub", {"-V", "31"});
    ASSERT_FALSE(old.ok());
    EXPECT_EQ(old.error().message, "-V 31: AWS IoT Core speaks MQTT 3.1.1 and 5, not MQTT 3.1");
    for (const char* v : {"4", "3.1.1", "", "v5", "mqttv50"}) {
        Result<Mqtt5Options> bad = mqtt5("pub", {"-V", v});
        ASSERT_FALSE(bad.ok()) << v;
        EXPECT_EQ(bad.error().code, Errc::invalid_argument);
        EXPECT_EQ(bad.error().message, "-V must be 5, mqttv5, 311 or mqttv311 (the MQTT protocol version)") << v;
    }
}

TEST(Mqtt5Options, PublishProperties_EveryOneAwsSupportsIntoThePublishBlock) {
    Result<Mqtt5Options> o = mqtt5("pub", {"-V", "5", "-D", "publish", "content-type", "application/json",
                                           "-D", "PUBLISH", "correlation-data", "req-42",
                                           "-D", "publish", "Message-Expiry-Interval", "604800",
                                           "-D", "publish", "payload-format-indicator", "1",
                                           "-D", "publish", "response-topic", "replies/dev1",
                                           "-D", "publish", "user-property", "k", "v 1",
                                           "-D", "publish", "user-property", "k", "",
                                           "-t", "a/b"});
    ASSERT_TRUE(o.ok()) << o.error().message;
    const mqtt::Properties& p = o.value().publish;
    EXPECT_EQ(p.bytes(mqtt::PropertyId::content_type), "application/json");
    EXPECT_EQ(p.bytes(mqtt::PropertyId::correlation_data), "req-42");
    EXPECT_EQ(p.integer(mqtt::PropertyId::message_expiry_interval), 604800u);
    EXPECT_EQ(p.integer(mqtt::PropertyId::payload_format_indicator), 1u);
    EXPECT_EQ(p.bytes(mqtt::PropertyId::response_topic), "replies/dev1");
    ASSERT_EQ(p.user_properties.size(), 2u);
    EXPECT_EQ(p.user_properties[0], (mqtt::UserProperty{"k", "v 1"}));
    EXPECT_EQ(p.user_properties[1], (mqtt::UserProperty{"k", ""}));
    EXPECT_TRUE(o.value().will.empty());
    // The block is one the core encodes (the CLI checked it with the core's rules).
    EXPECT_TRUE(mqtt::properties_size(p, mqtt::PacketType::publish).ok());
}

TEST(Mqtt5Options, DWithoutV_MakesTheClientMqtt5AsMosquittoDoesButAnExplicit311IsRefused) {
    Result<Mqtt5Options> o = mqtt5("pub", {"-D", "publish", "content-type", "x"});
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o.value().protocol_version, 5);
    for (const char* v : {"311", "mqttv311"}) {
        Result<Mqtt5Options> r = mqtt5("pub", {"-V", v, "-D", "publish", "content-type", "x"});
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().message, std::string("-D requires MQTT 5: -V ") + v + " was given (use -V 5, or leave -V out)");
    }
}

TEST(Mqtt5Options, ConnectAndWillProperties_IntoTheEngineConfigFields) {
    Result<Mqtt5Options> o = mqtt5("sub", {"-V", "5", "-D", "connect", "session-expiry-interval", "3600",
                                           "-D", "connect", "receive-maximum", "10",
                                           "-D", "connect", "topic-alias-maximum", "8",
                                           "-D", "connect", "maximum-packet-size", "65536",
                                           "-D", "connect", "user-property", "fleet", "blue",
                                           "-D", "will", "content-type", "text/plain",
                                           "-D", "will", "will-delay-interval", "30",
                                           "-D", "will", "user-property", "why", "gone",
                                           "--will-topic", "wills/dev"});
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o.value().session_expiry_s, 3600u);
    EXPECT_EQ(o.value().receive_maximum, 10u);
    EXPECT_EQ(o.value().topic_alias_maximum, 8u);
    EXPECT_EQ(o.value().maximum_packet_size, 65536u);
    ASSERT_EQ(o.value().connect_user_properties.size(), 1u);
    EXPECT_EQ(o.value().connect_user_properties[0], (mqtt::UserProperty{"fleet", "blue"}));
    EXPECT_EQ(o.value().will.bytes(mqtt::PropertyId::content_type), "text/plain");
    EXPECT_EQ(o.value().will.integer(mqtt::PropertyId::will_delay_interval), 30u);
    EXPECT_EQ(o.value().will.user_properties.size(), 1u);
    EXPECT_TRUE(mqtt::will_properties_size(o.value().will).ok());
}

TEST(Mqtt5Options, WhatAwsOrTheEngineDoesNotSupport_RefusedNamingThePropertyAndWhy) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> pub_cases = {
        {{"-D", "publish", "topic-alias", "3"},
         "-D publish topic-alias: not supported: iotlite's engine assigns topic aliases itself (at most the broker's Topic Alias Maximum)"},
        {{"-D", "publish", "subscription-identifier", "1"},
         "-D publish subscription-identifier: not supported: AWS IoT Core does not support subscription identifiers (and MQTT 5 3.3.4 forbids a client to send one)"},
        {{"-D", "connect", "authentication-method", "SCRAM"},
         "-D connect authentication-method: not supported: AWS IoT Core does not support enhanced authentication"},
        {{"-D", "connect", "request-response-information", "1"},
         "-D connect request-response-information: not supported: iotlite's engine does not send it"},
        {{"-D", "pubrel", "user-property", "a", "b"},
         "-D pubrel user-property: not supported: PUBREL belongs to QoS 2, which AWS IoT Core does not support"},
        {{"-D", "auth", "reason-string", "x"},
         "-D auth reason-string: not supported: AWS IoT Core does not support AUTH (enhanced authentication)"},
        {{"-D", "disconnect", "session-expiry-interval", "5"},
         "-D disconnect session-expiry-interval: not supported: iotlite's engine sends SUBSCRIBE, UNSUBSCRIBE and DISCONNECT without properties"},
        {{"-D", "subscribe", "user-property", "a", "b"}, "-D subscribe user-property: iotlite pub sends no subscribe packet"},
        {{"-D", "connect", "content-type", "x"}, "-D connect content-type: MQTT 5 does not allow this property in a CONNECT"},
        {{"-D", "publish", "reason-string", "x"}, "-D publish reason-string: MQTT 5 does not allow this property in a PUBLISH"},
        {{"-D", "publish", "will-delay-interval", "1"}, "-D publish will-delay-interval: MQTT 5 does not allow this property in a PUBLISH"},
        {{"-D", "publish", "content-typ", "x"},
         "-D publish: unknown property 'content-typ' (MQTT 5's names with '-' between the words, e.g. content-type)"},
        {{"-D", "foo", "content-type", "x"}, "-D: unknown command 'foo' (connect, publish, will, disconnect)"},
        {{"-D", "publish", "message-expiry-interval", "0"}, "-D publish message-expiry-interval: AWS IoT Core allows 1 to 604800 seconds"},
        {{"-D", "publish", "message-expiry-interval", "604801"}, "-D publish message-expiry-interval: AWS IoT Core allows 1 to 604800 seconds"},
        {{"-D", "publish", "message-expiry-interval", "-1"}, "-D publish message-expiry-interval: must be a whole number from 0 to 4294967295"},
        {{"-D", "publish", "payload-format-indicator", "2"}, "-D publish payload-format-indicator: PUBLISH property 0x01 (payload format indicator) is 2; MQTT 5 requires 0 or 1"},
        {{"-D", "publish", "payload-format-indicator", "256"}, "-D publish payload-format-indicator: must be a whole number from 0 to 255"},
        {{"-D", "connect", "receive-maximum", "0"}, "-D connect receive-maximum: must be 1 to 65535 (MQTT 5 3.1.2.11.3: 0 is a protocol error)"},
        {{"-D", "connect", "receive-maximum", "65536"}, "-D connect receive-maximum: must be a whole number from 0 to 65535"},
        {{"-D", "connect", "session-expiry-interval", "604801"},
         "-D connect session-expiry-interval: AWS IoT Core keeps a session at most 604800 seconds (7 days)"},
        {{"-D", "publish", "response-topic", "a/+"}, ""},  // checked below: the core's topic rule
        {{"-D", "publish", "content-type", "a", "-D", "publish", "content-type", "b"},
         "-D publish content-type: given twice (MQTT 5 allows it once per packet)"},
        {{"-D", "will", "content-type", "x"}, "-D will ...: Will properties need --will-topic"},
    };
    for (const auto& [args, message] : pub_cases) {
        std::vector<std::string> full = {"-V", "5"};
        full.insert(full.end(), args.begin(), args.end());
        Result<Mqtt5Options> r = mqtt5("pub", full);
        ASSERT_FALSE(r.ok()) << args[2];
        EXPECT_EQ(r.error().code, Errc::invalid_argument);
        if (!message.empty()) EXPECT_EQ(r.error().message, message);
        else EXPECT_EQ(r.error().message.rfind("-D publish response-topic: ", 0), 0u) << r.error().message;
        EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
    }
    Result<Mqtt5Options> sub = mqtt5("sub", {"-D", "publish", "content-type", "x"});
    ASSERT_FALSE(sub.ok());
    EXPECT_EQ(sub.error().message, "-D publish content-type: iotlite sub sends no publish packet");
    Result<Mqtt5Options> rap = mqtt5("sub", {"--retain-as-published"});
    ASSERT_FALSE(rap.ok());
    EXPECT_EQ(rap.error().message, "--retain-as-published is an MQTT 5 subscription option: add -V 5");
    EXPECT_TRUE(mqtt5("sub", {"-V", "5", "--retain-as-published"}).ok());
}

TEST(Mqtt5Options, DWords_ThreeOrFourForUserPropertyNeverAValueInTheError) {
    ParsedFlags f = parse_mqtt5({"-D", "publish", "USER-PROPERTY", "n", "v", "-t", "x"});
    ASSERT_EQ(f.values.size(), 2u);
    EXPECT_EQ(f.values[0].first, "--property");
    EXPECT_EQ(f.values[0].second, std::string("publish\0USER-PROPERTY\0n\0v", 25));
    EXPECT_EQ(*f.get("--topic"), "x");
    std::string error;
    parse_mqtt5({"-D", "publish", "user-property", "only-a-name"}, &error);
    EXPECT_EQ(error, "-D needs COMMAND IDENTIFIER VALUE (user-property: COMMAND user-property NAME VALUE)");
    parse_mqtt5({"-D", "publish"}, &error);
    EXPECT_EQ(error, "-D needs COMMAND IDENTIFIER VALUE (user-property: COMMAND user-property NAME VALUE)");
    parse_mqtt5({"--property=publish"}, &error);
    EXPECT_EQ(error, "--property takes its words as separate arguments (--property COMMAND IDENTIFIER VALUE)");
    // A value is never echoed (it could be a secret): a bad number names the property only.
    Result<Mqtt5Options> r = mqtt5("pub", {"-D", "publish", "message-expiry-interval", kPassword});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message.find(kPassword), std::string::npos);
}

}  // namespace
}  // namespace iotlite::cli
