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

#include "iotlite/firmware/iot_http.hpp"
#include "iotlite/firmware/session.hpp"
#include "iotlite/firmware/transport_factory.hpp"
#include "iotlite/sigv4/iot_websocket_url.hpp"
#include "test_support.hpp"

extern char** environ;

namespace iotlite::firmware::test {
namespace {

using nlohmann::json;

// Runs a child with a stdin pipe (closing it stops the stand-in) and reads its first stdout line.
struct Child {
    pid_t pid = -1;
    int in = -1;
    int out = -1;  // kept open until the child is stopped (a closed pipe would SIGPIPE it)
    std::string first_line;
    std::string start(const std::vector<std::string>& argv, std::uint32_t timeout_ms) {
        int ip[2], op[2];
        if (::pipe(ip) != 0 || ::pipe(op) != 0) return "pipe failed";
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, ip[0], 0);
        posix_spawn_file_actions_adddup2(&fa, op[1], 1);
        posix_spawn_file_actions_addclose(&fa, ip[1]);
        posix_spawn_file_actions_addclose(&fa, op[0]);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        ::close(ip[0]);
        ::close(op[1]);
        in = ip[1];
        if (rc != 0) {
            ::close(op[0]);
            pid = -1;
            return "spawn failed";
        }
        first_line = read_first_line(op[0], timeout_ms);
        out = op[0];
        return first_line.find('\n') == std::string::npos ? "no line on stdout: " + first_line : "";
    }
    ~Child() {
        if (in >= 0) ::close(in);
        if (pid <= 0) {
            if (out >= 0) ::close(out);
            return;
        }
        ::kill(pid, SIGTERM);
        for (int i = 0; i < 150; ++i) {  // bounded: 3 s, then SIGKILL
            if (::waitpid(pid, nullptr, WNOHANG) == pid) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (::waitpid(pid, nullptr, WNOHANG) == 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        if (out >= 0) ::close(out);
    }
};

class StandinTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(standin_.start({IOTLITE_NODE, std::string(IOTLITE_SOURCE_DIR) + "/standin/standin.mjs", "--quiet"}, 30000), "");
        info_ = json::parse(standin_.first_line, nullptr, false);
        ASSERT_FALSE(info_.is_discarded()) << standin_.first_line;
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

    std::unique_ptr<Session> make(TargetProvider targets) {
        mqtt::Config c;
        c.client_id = thing_;
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
    int count(mqtt::Event::Type t) {
        int n = 0;
        for (const auto& e : events_) n += e.type == t;
        return n;
    }

    // Connects, reports led=true through the MQTT shadow client and waits for accepted.
    void shadow_report(Session& s) {
        std::vector<shadow::ShadowEvent> shadow_events;
        ASSERT_TRUE(s.enable_shadow(shadow::ShadowConfig{}, [&](const shadow::ShadowEvent& e) { shadow_events.push_back(e); }).ok());
        ASSERT_TRUE(s.start().ok());
        ASSERT_TRUE(s.run_until([&] { return count(mqtt::Event::Type::connected) > 0; }, 10000))
            << s.last_transport_error().message;
        auto r = s.shadow()->report(shadow::ShadowId{thing_, ""}, json{{"led", true}}, s.now_ms());
        ASSERT_TRUE(r.ok()) << r.error().message;
        ASSERT_TRUE(s.run_until([&] { return !shadow_events.empty(); }, 10000));
        ASSERT_EQ(shadow_events.front().type, shadow::ShadowEvent::Type::accepted) << shadow_events.front().error.message;
        EXPECT_EQ(shadow_events.front().document.state["reported"]["led"], true);
        EXPECT_TRUE(shadow_events.front().document.version.has_value());
        s.stop(2000);
    }

    Child standin_;
    json info_;
    PosixPort posix_;
    DeviceCredentials creds_;
    std::optional<TransportFactory> factory_;
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

}  // namespace
}  // namespace iotlite::firmware::test
