// The firmware layer and the example device against the project's AWS IoT Core stand-in
// (standin/standin.mjs): Mosquitto with client-certificate TLS, the ALPN port, the WSS
// gateway that checks presigned URLs with @smithy/signature-v4, HTTPS publish and the REST and
// MQTT shadow service. Device certificates come from the stand-in's admin endpoint.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <thread>

#include "iotlite/connection/target_builder.hpp"
#include "iotlite/firmware/iot_http.hpp"
#include "iotlite/firmware/session.hpp"
#include "iotlite/firmware/transport_factory.hpp"
#include "iotlite/services/shadow/shadow_client.hpp"
#include "iotlite/sigv4/iot_websocket_url.hpp"
#include "standin_child.hpp"
#include "test_support.hpp"

extern char** environ;

namespace iotlite::firmware::test {
namespace {

using nlohmann::json;

class StandinTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(start_standin(standin_, info_), "");
        creds_.ca_pem = read_text(info_["caCertPath"].get<std::string>());
        ASSERT_FALSE(creds_.ca_pem.empty());
        thing_ = "fw-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()).substr(0, 40);
        for (char& c : thing_) if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '-';
        // Issue a device certificate through the admin endpoint (plain HTTP, our own client).
        auto resp = admin_post("/admin/certs", json{{"thing", thing_}}.dump());
        ASSERT_TRUE(resp.ok()) << resp.error().message;
        ASSERT_EQ(resp.value().status, 200) << resp.value().body;
        json issued = json::parse(resp.value().body, nullptr, false);
        ASSERT_FALSE(issued.is_discarded());
        creds_.cert_pem = issued["certPem"].get<std::string>();
        creds_.key_pem = issued["keyPem"].get<std::string>();
        cert_path_ = issued["certPath"].get<std::string>();
        key_path_ = issued["keyPath"].get<std::string>();
        factory_.emplace(posix_.port(), creds_);
    }

    std::uint16_t port(const char* name) { return info_[name].get<std::uint16_t>(); }

    Result<HttpResponse> admin_post(const std::string& path, const std::string& body) {
        const std::string admin = info_["adminUrl"].get<std::string>();  // http://127.0.0.1:P/admin
        const auto admin_port = static_cast<std::uint16_t>(std::strtoul(admin.c_str() + admin.rfind(':') + 1, nullptr, 10));
        HttpRequest req;
        req.method = "POST";
        req.target = path;
        req.host = "127.0.0.1:" + std::to_string(admin_port);
        req.headers.emplace_back("Content-Type", "application/json");
        req.body = body;
        PosixTcpTransport tcp("127.0.0.1", admin_port);
        return HttpClient::perform(tcp, req, posix_.port(), 10000);
    }
    sigv4::Credentials aws() {
        return sigv4::Credentials{info_["testCredentials"]["accessKeyId"].get<std::string>(),
                                  info_["testCredentials"]["secretAccessKey"].get<std::string>(), ""};
    }

    std::unique_ptr<Session> make(TargetProvider targets, std::uint8_t protocol_version = 4, std::string client_id = "") {
        mqtt::Config c;
        c.protocol_version = protocol_version;
        c.client_id = client_id.empty() ? thing_ : client_id;
        c.keep_alive_s = 30;
        c.reconnect.min_delay_ms = 200;
        c.reconnect.max_delay_ms = 800;
        auto s = Session::create(c, posix_.port(), std::move(targets),
                                 [this](const mqtt::ConnectionTarget& t) { return factory_->open(t); });
        EXPECT_TRUE(s.ok());
        if (!s.ok()) return nullptr;
        s.value()->set_event_handler([this](const mqtt::Event& e) { events_.push_back(e); });
        return std::move(s.value());
    }
    TargetProvider tls(std::uint16_t p, std::string alpn = "") {
        return [p, alpn](std::uint32_t) -> Result<mqtt::ConnectionTarget> {
            return mqtt::ConnectionTarget{mqtt::TransportKind::tls, "", "localhost", p, alpn, "", ""};
        };
    }
    TargetProvider wss(std::int64_t shift_s, bool use_learned_offset = false) {
        return [this, shift_s, use_learned_offset](std::uint32_t) -> Result<mqtt::ConnectionTarget> {
            sigv4::IotUrlRequest req;
            req.endpoint = "localhost:" + std::to_string(port("wssPort"));
            req.region = info_["region"].get<std::string>();
            req.credentials = aws();
            req.time = std::time(nullptr) + shift_s + (use_learned_offset ? factory_->observed_clock_offset_s() : 0);
            auto url = sigv4::presign_iot_websocket_url(req);
            if (!url.ok()) return url.error();
            return mqtt::ConnectionTarget{mqtt::TransportKind::websocket, url.value(), "", 0, "", "", ""};
        };
    }
    // The connection layer's targets: presigned per attempt with the shared clock-skew policy,
    // which the factory feeds with the Date header of every upgrade answer.
    TargetProvider wss_layer() {
        connection::TargetConfig config;
        config.endpoint = connection::parse_endpoint("localhost:" + std::to_string(port("wssPort"))).value();
        config.region = info_["region"].get<std::string>();
        static_credentials_.emplace(connection::TimedCredentials{aws(), 0});
        auto built = connection::TargetBuilder::create(config, &*static_credentials_);
        EXPECT_TRUE(built.ok()) << built.error().message;
        if (!built.ok()) return [](std::uint32_t) -> Result<mqtt::ConnectionTarget> { return make_error(Errc::invalid_argument, "no builder"); };
        builder_.emplace(std::move(built).value());
        factory_->set_clock_skew(&builder_->clock_skew());
        return [this](std::uint32_t attempt) { return builder_->build(attempt, posix_.port().clock.unix_time_s() * 1000); };
    }
    int count(mqtt::Event::Type t) {
        int n = 0;
        for (const auto& e : events_) n += e.type == t;
        return n;
    }

    // Connects, reports led=true through the MQTT shadow client and waits for accepted.
    void shadow_report(Session& s) {
        std::vector<shadow::ShadowEvent> shadow_events;
        auto made = shadow::ShadowClient::create(s.client(), shadow::ShadowConfig{});
        ASSERT_TRUE(made.ok()) << made.error().message;
        shadow::ShadowClient& shadow_client = *made.value();
        shadow_client.set_event_handler([&](const shadow::ShadowEvent& e) { shadow_events.push_back(e); });
        ASSERT_TRUE(s.attach(shadow_client).ok());
        ASSERT_TRUE(s.start().ok());
        ASSERT_TRUE(s.run_until([&] { return count(mqtt::Event::Type::connected) > 0; }, 10000))
            << s.last_transport_error().message;
        auto r = shadow_client.report(shadow::ShadowId{thing_, ""}, shadow::parse_json(R"({"led":true})").value(), s.now_ms());
        ASSERT_TRUE(r.ok()) << r.error().message;
        ASSERT_TRUE(s.run_until([&] { return !shadow_events.empty(); }, 10000));
        ASSERT_EQ(shadow_events.front().type, shadow::ShadowEvent::Type::accepted) << shadow_events.front().error.message;
        EXPECT_EQ(shadow_events.front().document.state["reported"]["led"], true);
        EXPECT_TRUE(shadow_events.front().document.version.has_value());
        s.stop(2000);
        s.detach(shadow_client);
    }

    // MQTT 5 through one door of the stand-in (issue 14): the Session speaks MQTT 5 when the config
    // says so; a message published with every property AWS supports comes back with them, the
    // subscription options reach the broker, and refusals carry their reason codes.
    void mqtt5_round_trip(TargetProvider targets) {
        auto s = make(std::move(targets), 5);
        ASSERT_TRUE(s);
        ASSERT_TRUE(s->start().ok());
        ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::connected) > 0; }, 10000))
            << s->last_transport_error().message;
        const std::string topic = "devices/" + thing_ + "/v5";
        // Retain As Published: the retained message below keeps RETAIN 1 on this live subscription
        // (MQTT 5 3.8.3.1); without it the broker would clear the flag on a live delivery.
        mqtt::TopicFilter filter{topic, mqtt::QoS::at_least_once};
        filter.retain_as_published = true;
        auto sub = s->subscribe({filter});
        ASSERT_TRUE(sub.ok()) << sub.error().message;
        ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::subscribed) > 0; }, 5000));
        for (const auto& e : events_)
            if (e.type == mqtt::Event::Type::subscribed) {
                ASSERT_EQ(e.granted.size(), 1u);
                EXPECT_EQ(e.granted[0], mqtt::SubackCode::granted_qos1);
            }

        mqtt::Properties props;
        props.set(mqtt::PropertyId::content_type, "application/json");
        props.set(mqtt::PropertyId::correlation_data, std::string_view("\x00\x01req", 5));
        props.set(mqtt::PropertyId::response_topic, "devices/" + thing_ + "/replies");
        props.set(mqtt::PropertyId::message_expiry_interval, 300u);
        props.set(mqtt::PropertyId::payload_format_indicator, 1u);
        props.user_properties = {{"k", "v1"}, {"k", "v2"}, {"unit", "°C"}};
        auto pub = s->publish(topic, "{\"t\":21}", mqtt::QoS::at_least_once, true, props);
        ASSERT_TRUE(pub.ok()) << pub.error().message;
        ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::message) > 0 && count(mqtt::Event::Type::published) > 0; },
                                 5000));
        for (const auto& e : events_) {
            if (e.type != mqtt::Event::Type::message) continue;
            EXPECT_EQ(e.message.topic, topic);
            EXPECT_EQ(std::string(e.message.payload.begin(), e.message.payload.end()), "{\"t\":21}");
            EXPECT_TRUE(e.message.retain);
            ASSERT_TRUE(e.message.properties);
            const mqtt::Properties& got = *e.message.properties;
            EXPECT_EQ(got.bytes(mqtt::PropertyId::content_type), "application/json");
            EXPECT_EQ(got.bytes(mqtt::PropertyId::correlation_data), std::string_view("\x00\x01req", 5));
            EXPECT_EQ(got.bytes(mqtt::PropertyId::response_topic), "devices/" + thing_ + "/replies");
            EXPECT_EQ(got.integer(mqtt::PropertyId::payload_format_indicator), 1u);
            // The broker forwards what is left of the interval (MQTT 5 3.3.2.3.3).
            EXPECT_TRUE(got.has(mqtt::PropertyId::message_expiry_interval));
            EXPECT_LE(got.integer(mqtt::PropertyId::message_expiry_interval), 300u);
            EXPECT_GE(got.integer(mqtt::PropertyId::message_expiry_interval), 290u);
            EXPECT_EQ(got.user_properties, props.user_properties);  // order and duplicates kept
        }
        // Clear the retained message (an empty retained publish) so no later run sees it.
        ASSERT_TRUE(s->publish(topic, "", mqtt::QoS::at_least_once, true).ok());

        // A refusal on the wire: a PUBLISH on a reserved topic the device may not publish to gets
        // PUBACK 0x87, and the op fails with that reason code; the connection stays.
        events_.clear();
        auto refused = s->publish("$aws/things/" + thing_ + "/shadow/update/accepted", "{}", mqtt::QoS::at_least_once, false,
                                  props);
        ASSERT_TRUE(refused.ok()) << refused.error().message;
        ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::publish_failed) > 0; }, 5000));
        for (const auto& e : events_)
            if (e.type == mqtt::Event::Type::publish_failed) {
                EXPECT_EQ(e.op_id, refused.value());
                EXPECT_EQ(e.error.mqtt_reason, 0x87);
                EXPECT_EQ(e.error.code, Errc::auth_failed);
                EXPECT_EQ(e.error.message.rfind("PUBACK 0x87 not authorized", 0), 0u) << e.error.message;
            }
        EXPECT_EQ(count(mqtt::Event::Type::disconnected), 0);
        EXPECT_EQ(s->state(), mqtt::State::connected);
        s->stop(2000);
    }

    Child standin_;
    json info_;
    PosixPort posix_;
    DeviceCredentials creds_;
    std::optional<TransportFactory> factory_;
    std::optional<connection::StaticCredentialsProvider> static_credentials_;
    std::optional<connection::TargetBuilder> builder_;
    std::string thing_, cert_path_, key_path_;
    std::vector<mqtt::Event> events_;
};

TEST_F(StandinTest, Standin_Tls8883IssuedCert_ShadowReportAccepted) {
    auto s = make(tls(port("mqttTlsPort")));
    ASSERT_TRUE(s);
    shadow_report(*s);
}

TEST_F(StandinTest, Standin_Alpn443IssuedCert_ShadowReportAccepted) {
    auto s = make(tls(port("alpnPort"), "x-amzn-mqtt-ca"));
    ASSERT_TRUE(s);
    shadow_report(*s);
}

TEST_F(StandinTest, Standin_WssPresigned_ShadowReportAccepted) {
    auto s = make(wss(0));
    ASSERT_TRUE(s);
    shadow_report(*s);
}

TEST_F(StandinTest, Standin_Mqtt5Tls8883_PropertiesBothWaysAndPuback0x87) { mqtt5_round_trip(tls(port("mqttTlsPort"))); }

TEST_F(StandinTest, Standin_Mqtt5Alpn443_PropertiesBothWaysAndPuback0x87) {
    mqtt5_round_trip(tls(port("alpnPort"), "x-amzn-mqtt-ca"));
}

TEST_F(StandinTest, Standin_Mqtt5WssSigV4_PropertiesBothWaysAndPuback0x87) { mqtt5_round_trip(wss_layer()); }

// A CONNACK refusal with its reason code and the stand-in's Reason String (the rule it applied):
// a client id starting with '$' is not valid on AWS IoT (CONNACK 0x85).
TEST_F(StandinTest, Standin_Mqtt5ConnackRefusal_ReasonCodeAndReasonStringInTheError) {
    auto s = make(tls(port("mqttTlsPort")), 5, "$" + thing_);
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->start().ok());
    ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::error) > 0; }, 10000)) << s->last_transport_error().message;
    EXPECT_EQ(count(mqtt::Event::Type::connected), 0);
    for (const auto& e : events_)
        if (e.type == mqtt::Event::Type::error) {
            EXPECT_EQ(e.error.mqtt_reason, 0x85);
            EXPECT_EQ(e.error.code, Errc::connection_refused);
            // "CONNACK 0x85 client identifier not valid: <the stand-in's reason string>"
            EXPECT_EQ(e.error.message.rfind("CONNACK 0x85 client identifier not valid: ", 0), 0u) << e.error.message;
            EXPECT_GT(e.error.message.size(), std::string("CONNACK 0x85 client identifier not valid: ").size());
            break;
        }
    s->stop(1000);
}

TEST_F(StandinTest, Standin_WssSignedAnHourAgo_403AuthFailedAndBacksOff) {
    auto s = make(wss(-3600));
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->start().ok());
    s->run_until([] { return false; }, 2500);
    EXPECT_EQ(count(mqtt::Event::Type::connected), 0);
    EXPECT_GE(s->connect_attempts(), 2u);
    EXPECT_LE(s->connect_attempts(), 12u);
    EXPECT_EQ(s->last_transport_error().code, Errc::auth_failed) << s->last_transport_error().message;
    EXPECT_NE(s->last_transport_error().message.find("HTTP 403"), std::string::npos) << s->last_transport_error().message;
}

TEST_F(StandinTest, Standin_HttpsPublishMtls_DeliveredToMqttSubscriber) {
    auto s = make(tls(port("mqttTlsPort")));
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->start().ok());
    ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::connected) > 0; }, 10000));
    const std::string topic = "devices/" + thing_ + "/http in";
    ASSERT_TRUE(s->subscribe({mqtt::TopicFilter{topic, mqtt::QoS::at_least_once}}).ok());
    ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::subscribed) > 0; }, 5000));
    IotHttpClient http(*factory_, posix_.port(), "localhost", port("httpsMtlsPort"));
    auto r = http.publish(topic, "{\"via\":\"https\"}", mqtt::QoS::at_least_once);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::message) > 0; }, 5000));
    for (const auto& e : events_)
        if (e.type == mqtt::Event::Type::message) {
            EXPECT_EQ(e.message.topic, topic);
            EXPECT_EQ(std::string(e.message.payload.begin(), e.message.payload.end()), "{\"via\":\"https\"}");
        }
    s->stop(2000);
}

TEST_F(StandinTest, Standin_RestShadowSigV4_UpdateThenGetReturnsState) {
    SigV4Auth auth{aws(), info_["region"].get<std::string>(), 0};
    IotHttpClient http(*factory_, posix_.port(), "localhost", port("httpsSigv4Port"), auth);
    auto u = http.shadow(ShadowOp::update, thing_, "", "{\"state\":{\"desired\":{\"led\":false}}}");
    ASSERT_TRUE(u.ok()) << u.error().message;
    auto g = http.shadow(ShadowOp::get, thing_);
    ASSERT_TRUE(g.ok()) << g.error().message;
    json doc = json::parse(g.value().body, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << g.value().body;
    EXPECT_EQ(doc["state"]["desired"]["led"], false) << g.value().body;
    auto d = http.shadow(ShadowOp::remove, thing_);
    ASSERT_TRUE(d.ok()) << d.error().message;
    auto gone = http.shadow(ShadowOp::get, thing_);
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().code, Errc::server_error);
    EXPECT_NE(gone.error().message.find("HTTP 404"), std::string::npos) << gone.error().message;
}

TEST_F(StandinTest, DeviceApp_OnceOverTls_ReportsShadowAndExitsZero) {
    const std::string out_path = "/tmp/iotlite-fw-device-" + std::to_string(::getpid()) + ".out";
    const std::string cmd = std::string("timeout 30 '") + IOTLITE_DEVICE_BIN + "' --endpoint localhost --port " +
                            std::to_string(port("mqttTlsPort")) + " --ca '" + info_["caCertPath"].get<std::string>() +
                            "' --cert '" + cert_path_ + "' --key '" + key_path_ + "' --thing " + thing_ +
                            " --once < /dev/null > '" + out_path + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    const std::string out = read_text(out_path);
    std::remove(out_path.c_str());
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("connected"), std::string::npos) << out;
    EXPECT_NE(out.find("shadow: update accepted"), std::string::npos) << out;
}


TEST_F(StandinTest, DeviceApp_TelemetryAndStdinButton_SeenBySubscriber) {
    // Our own subscriber (another client id, same issued certificate) is subscribed before the
    // device starts, so nothing the device sends can be missed.
    auto sub = make(tls(port("mqttTlsPort")));
    ASSERT_TRUE(sub);
    ASSERT_TRUE(sub->start().ok());
    ASSERT_TRUE(sub->run_until([&] { return count(mqtt::Event::Type::connected) > 0; }, 10000));
    ASSERT_TRUE(sub->subscribe({mqtt::TopicFilter{"devices/" + thing_ + "-dev/#", mqtt::QoS::at_least_once}}).ok());
    ASSERT_TRUE(sub->run_until([&] { return count(mqtt::Event::Type::subscribed) > 0; }, 5000));
    Child device;  // stdin is our pipe: one line = one button press; SIGTERM stops it cleanly
    ASSERT_EQ(device.start({IOTLITE_DEVICE_BIN, "--endpoint", "localhost", "--port", std::to_string(port("mqttTlsPort")),
                            "--ca", info_["caCertPath"].get<std::string>(), "--cert", cert_path_, "--key", key_path_,
                            "--thing", thing_ + "-dev", "--interval", "1", "--duration", "30"},
                           10000),
              "");
    ASSERT_EQ(::write(device.in, "press\n", 6), 6);
    auto seen = [&](const std::string& suffix) {
        for (const auto& e : events_)
            if (e.type == mqtt::Event::Type::message && e.message.topic == "devices/" + thing_ + "-dev/" + suffix) return true;
        return false;
    };
    const bool both = sub->run_until([&] { return seen("telemetry") && seen("button"); }, 15000);
    EXPECT_TRUE(both) << "telemetry seen: " << seen("telemetry") << ", button seen: " << seen("button");
    for (const auto& e : events_) {
        if (e.type != mqtt::Event::Type::message || e.message.topic.find("/button") == std::string::npos) continue;
        EXPECT_EQ(std::string(e.message.payload.begin(), e.message.payload.end()).rfind("{\"event\":\"button\"", 0), 0u);
    }
    sub->stop(1000);
}

TEST_F(StandinTest, Standin_ServerClockAnHourAhead_OffsetLearnedFromDateHeaderThenConnects) {
    auto skew = admin_post("/admin/clock", "{\"skewSeconds\":3600}");
    ASSERT_TRUE(skew.ok()) << skew.error().message;
    ASSERT_EQ(skew.value().status, 200) << skew.value().body;
    auto s = make(wss(0, true));
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->start().ok());
    ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::connected) > 0; }, 10000))
        << s->last_transport_error().message;
    // The first attempt is refused (403, skew) and teaches the offset; the next one connects.
    EXPECT_EQ(s->connect_attempts(), 2u);
    EXPECT_EQ(s->last_transport_error().code, Errc::auth_failed) << s->last_transport_error().message;
    EXPECT_NEAR(static_cast<double>(factory_->observed_clock_offset_s()), 3600.0, 5.0);
    s->stop(1000);
}

// The same through the connection layer: the refused upgrade's Date feeds the ClockSkew policy
// of the TargetBuilder, whose next presigned URL is signed with the corrected time.
TEST_F(StandinTest, Standin_ServerClockAnHourAheadTargetBuilder_SkewPolicyLearnsThenConnects) {
    auto skew = admin_post("/admin/clock", "{\"skewSeconds\":3600}");
    ASSERT_TRUE(skew.ok()) << skew.error().message;
    ASSERT_EQ(skew.value().status, 200) << skew.value().body;
    auto s = make(wss_layer());
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->start().ok());
    ASSERT_TRUE(s->run_until([&] { return count(mqtt::Event::Type::connected) > 0; }, 10000))
        << s->last_transport_error().message;
    EXPECT_EQ(s->connect_attempts(), 2u);
    EXPECT_EQ(s->last_transport_error().code, Errc::auth_failed) << s->last_transport_error().message;
    EXPECT_NEAR(static_cast<double>(builder_->clock_skew().offset_s()), 3600.0, 5.0);
    s->stop(1000);
}

// HTTPS with SigV4 on the shared skew policy: the first request, signed with a clock an hour
// behind the stand-in's, is refused (403) and its Date teaches the policy; the next one, signed
// with the corrected time and credentials from a provider, is accepted.
TEST_F(StandinTest, Standin_HttpsSigV4ServerClockAnHourAhead_SkewPolicyLearnsThenAccepted) {
    auto skew = admin_post("/admin/clock", "{\"skewSeconds\":3600}");
    ASSERT_TRUE(skew.ok()) << skew.error().message;
    connection::ClockSkew policy;
    connection::StaticCredentialsProvider provider(connection::TimedCredentials{aws(), 0});
    SigV4Auth auth;
    auth.region = info_["region"].get<std::string>();
    auth.clock_skew = &policy;
    auth.provider = &provider;
    IotHttpClient http(*factory_, posix_.port(), "localhost", port("httpsSigv4Port"), auth);
    auto refused = http.shadow(ShadowOp::update, thing_, "", "{\"state\":{\"reported\":{\"led\":true}}}");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, Errc::auth_failed) << refused.error().message;
    EXPECT_EQ(refused.error().http_status, 403);
    EXPECT_NEAR(static_cast<double>(policy.offset_s()), 3600.0, 5.0);
    auto accepted = http.shadow(ShadowOp::update, thing_, "", "{\"state\":{\"reported\":{\"led\":true}}}");
    EXPECT_TRUE(accepted.ok()) << accepted.error().message;
}

// The example device in wss mode (programs/device/main.cpp on the connection layer), credentials
// from the environment, against a stand-in whose clock is an hour ahead: it learns the offset
// from the refused upgrade and its telemetry arrives.
TEST_F(StandinTest, Standin_DeviceWssServerClockAnHourAhead_LearnsOffsetAndPublishes) {
    auto skew = admin_post("/admin/clock", "{\"skewSeconds\":3600}");
    ASSERT_TRUE(skew.ok()) << skew.error().message;
    auto sub = make(tls(port("mqttTlsPort")));
    ASSERT_TRUE(sub);
    ASSERT_TRUE(sub->start().ok());
    ASSERT_TRUE(sub->run_until([&] { return count(mqtt::Event::Type::connected) > 0; }, 10000));
    ASSERT_TRUE(sub->subscribe({mqtt::TopicFilter{"devices/" + thing_ + "-wss/#", mqtt::QoS::at_least_once}}).ok());
    ASSERT_TRUE(sub->run_until([&] { return count(mqtt::Event::Type::subscribed) > 0; }, 5000));
    ::setenv("AWS_ACCESS_KEY_ID", aws().access_key_id.c_str(), 1);  // inherited by the device
    ::setenv("AWS_SECRET_ACCESS_KEY", aws().secret_access_key.c_str(), 1);
    ::unsetenv("AWS_SESSION_TOKEN");
    ::unsetenv("AWS_CREDENTIAL_EXPIRATION");
    Child device;
    ASSERT_EQ(device.start({IOTLITE_DEVICE_BIN, "--mode", "wss", "--endpoint", "localhost:" + std::to_string(port("wssPort")),
                            "--region", info_["region"].get<std::string>(), "--ca", info_["caCertPath"].get<std::string>(),
                            "--thing", thing_ + "-wss", "--interval", "1", "--duration", "30"},
                           10000),
              "");
    auto seen = [&] {
        for (const auto& e : events_)
            if (e.type == mqtt::Event::Type::message && e.message.topic == "devices/" + thing_ + "-wss/telemetry") return true;
        return false;
    };
    EXPECT_TRUE(sub->run_until(seen, 15000));
    sub->stop(1000);
}

}  // namespace
}  // namespace iotlite::firmware::test
