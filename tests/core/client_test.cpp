// Client engine scenarios against a scripted broker with a fake clock.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "client_harness.hpp"
#include "iotlite/mqtt/topic.hpp"

using namespace iotlite;
using namespace iotlite::mqtt;
using namespace iotlite::mqtt::test;

namespace {

const std::uint8_t kPayload[] = {'h', 'i'};

std::vector<Event::Type> types(const std::vector<Event>& events) {
    std::vector<Event::Type> t;
    for (const auto& e : events) t.push_back(e.type);
    return t;
}

}  // namespace

// ---- lifecycle ------------------------------------------------------------------------------

TEST(ClientLifecycle, ConnectFlow_EmitsTargetOpenConnectConnected) {
    Harness h;
    ASSERT_TRUE(h.client->connect(h.now).ok());
    EXPECT_EQ(h.client->state(), State::waiting_target);
    auto ev = h.take_events();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].type, Event::Type::need_target);
    EXPECT_EQ(ev[0].attempt, 1u);

    ConnectionTarget t = h.tcp_target();
    t.username = "user";
    h.client->provide_target(t, h.now);
    EXPECT_EQ(h.client->state(), State::opening);
    ev = h.take_events();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].type, Event::Type::open_transport);
    EXPECT_EQ(ev[0].attempt, 1u);
    EXPECT_EQ(h.client->target().host, "127.0.0.1");
    EXPECT_EQ(h.client->target().username, "user");
    EXPECT_EQ(h.client->output_size(), 0u);  // nothing is written before the transport is open

    h.client->on_open(h.now);
    EXPECT_EQ(h.client->state(), State::connecting);
    const Bytes expected_connect = {
        0x10, 0x16,                        // CONNECT, remaining length 22
        0x00, 0x04, 'M', 'Q', 'T', 'T',    // protocol name
        0x04,                              // level 4
        0x82,                              // user name flag + clean session
        0x00, 0x3C,                        // keep alive 60
        0x00, 0x04, 'd', 'e', 'v', '1',    // client id
        0x00, 0x04, 'u', 's', 'e', 'r',    // user name
    };
    EXPECT_EQ(h.take_output(), expected_connect);

    h.feed(connack(false));
    EXPECT_EQ(h.client->state(), State::connected);
    ev = h.take_events();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].type, Event::Type::connected);
    EXPECT_FALSE(ev[0].session_present);
}

TEST(ClientLifecycle, ConnectTwice_IsInvalidState) {
    Harness h;
    ASSERT_TRUE(h.client->connect(h.now).ok());
    EXPECT_EQ(h.client->connect(h.now).error().code, Errc::invalid_state);
}

TEST(ClientLifecycle, CallsAfterDisconnect_FailWithInvalidState) {
    Harness h;
    h.connect_fully();
    h.client->disconnect(h.now);
    EXPECT_EQ(h.client->state(), State::closed);
    EXPECT_EQ(h.take_output(), (Bytes{0xE0, 0x00}));  // DISCONNECT left for the driver to flush
    auto ev = h.take_events();
    EXPECT_EQ(types(ev), (std::vector<Event::Type>{Event::Type::need_target, Event::Type::open_transport,
                                                   Event::Type::connected, Event::Type::close_transport,
                                                   Event::Type::disconnected}));
    EXPECT_EQ(h.client->connect(h.now).error().code, Errc::invalid_state);
    EXPECT_EQ(h.client->publish("a", kPayload, 2, QoS::at_most_once, false, h.now).error().code, Errc::invalid_state);
    EXPECT_EQ(h.client->subscribe({{"a", QoS::at_most_once}}, h.now).error().code, Errc::invalid_state);
    EXPECT_EQ(h.client->unsubscribe({"a"}, h.now).error().code, Errc::invalid_state);
    EXPECT_EQ(h.client->next_deadline_ms(), UINT64_MAX);
}

TEST(ClientLifecycle, DisconnectDuringBackoff_StopsReconnecting) {
    Harness h;
    h.connect_fully();
    h.client->on_closed(make_error(Errc::io_error, "reset by peer"), h.now);
    EXPECT_EQ(h.client->state(), State::backing_off);
    h.client->disconnect(h.now);
    EXPECT_EQ(h.client->state(), State::closed);
    h.take_events();
    h.advance(10 * 60 * 1000);
    EXPECT_TRUE(h.take_events().empty());  // no need_target after closing
    EXPECT_EQ(h.client->state(), State::closed);
}

TEST(ClientLifecycle, EveryAttempt_AsksForAFreshTarget) {
    Harness h;
    ASSERT_TRUE(h.client->connect(h.now).ok());
    for (std::uint32_t attempt = 1; attempt <= 4; ++attempt) {
        auto needs = h.of_type(Event::Type::need_target);
        ASSERT_EQ(needs.size(), attempt);
        EXPECT_EQ(needs.back()->attempt, attempt);
        h.client->provide_target(h.tcp_target(), h.now);
        h.client->on_closed(make_error(Errc::io_error, "refused"), h.now);
        ASSERT_EQ(h.client->state(), State::backing_off);
        h.advance_to(h.client->next_deadline_ms());
    }
}

TEST(ClientLifecycle, TargetOfEachAttempt_ReadFromTheClientAtOpenTransport) {
    Harness h;
    EXPECT_TRUE(h.client->target().host.empty());  // no attempt yet
    ASSERT_TRUE(h.client->connect(h.now).ok());
    h.client->provide_target(h.tcp_target(), h.now);
    h.client->on_closed(make_error(Errc::io_error, "refused"), h.now);
    h.advance_to(h.client->next_deadline_ms());
    h.take_events();
    // A target that cannot be used does not replace the last good one.
    h.client->provide_target(make_error(Errc::auth_failed, "expired"), h.now);
    EXPECT_EQ(h.client->target().host, "127.0.0.1");
    h.advance_to(h.client->next_deadline_ms());
    ConnectionTarget second = h.tcp_target();
    second.host = "broker-2.example";
    second.port = 8883;
    second.kind = TransportKind::tls;
    h.take_events();
    h.client->provide_target(second, h.now);
    auto ev = h.take_events();
    ASSERT_EQ(types(ev), (std::vector<Event::Type>{Event::Type::open_transport}));
    EXPECT_EQ(ev[0].attempt, 3u);
    EXPECT_EQ(h.client->target().kind, TransportKind::tls);
    EXPECT_EQ(h.client->target().host, "broker-2.example");
    EXPECT_EQ(h.client->target().port, 8883);
}

// Event no longer carries a ConnectionTarget (176 bytes on x86-64) for the one type that needs
// it: its size is its own fields plus alignment padding.
TEST(ClientEvent, Size_IsItsFieldsWithoutAConnectionTarget) {
    constexpr std::size_t fields = sizeof(Error) + sizeof(Message) + sizeof(std::vector<std::uint32_t>) +
                                   sizeof(std::vector<SubackCode>) + 3 * sizeof(std::uint32_t) + 2;
    EXPECT_LE(sizeof(Event), fields + 2 * alignof(std::max_align_t));
    EXPECT_LT(sizeof(Event), fields + sizeof(ConnectionTarget));
}

TEST(ClientLifecycle, TargetError_IsAFailedAttemptWithBackoff) {
    Harness h;
    ASSERT_TRUE(h.client->connect(h.now).ok());
    h.take_events();
    h.client->provide_target(make_error(Errc::auth_failed, "Cognito NotAuthorizedException"), h.now);
    auto ev = h.take_events();
    ASSERT_EQ(types(ev), (std::vector<Event::Type>{Event::Type::error, Event::Type::reconnecting}));
    EXPECT_EQ(ev[0].error.code, Errc::auth_failed);
    EXPECT_NE(ev[0].error.message.find("NotAuthorizedException"), std::string::npos);
    EXPECT_EQ(ev[1].attempt, 2u);
    EXPECT_GE(ev[1].delay_ms, 1000u);
    EXPECT_LE(ev[1].delay_ms, 2000u);
    EXPECT_EQ(h.client->state(), State::backing_off);
}

TEST(ClientLifecycle, IncompleteTarget_IsAFailedAttempt) {
    Harness h;
    ASSERT_TRUE(h.client->connect(h.now).ok());
    h.take_events();
    ConnectionTarget t;  // websocket without a url
    h.client->provide_target(t, h.now);
    auto ev = h.take_events();
    ASSERT_EQ(types(ev), (std::vector<Event::Type>{Event::Type::error, Event::Type::reconnecting}));
    EXPECT_EQ(ev[0].error.message, "connection target: a websocket target needs a url");
    EXPECT_EQ(h.client->state(), State::backing_off);
}

TEST(ClientLifecycle, ConnectTimeout_ClosesAndBacksOff) {
    Config c = base_config();
    c.connect_timeout_ms = 5000;
    Harness h(c);
    ASSERT_TRUE(h.client->connect(h.now).ok());
    h.open_attempt();
    h.take_events();
    h.advance(4999);
    EXPECT_EQ(h.client->state(), State::connecting);
    h.advance(1);
    auto ev = h.take_events();
    ASSERT_EQ(types(ev), (std::vector<Event::Type>{Event::Type::close_transport, Event::Type::error,
                                                   Event::Type::reconnecting}));
    EXPECT_EQ(ev[1].error.code, Errc::timeout);
    EXPECT_EQ(ev[1].error.message, "connect timeout: no CONNACK within 5000 ms");
}

TEST(ClientLifecycle, ReconnectDisabled_ClosesAfterFailure) {
    Config c = base_config();
    c.reconnect.enabled = false;
    Harness h(c);
    h.connect_fully();
    h.client->on_closed(make_error(Errc::io_error, "reset"), h.now);
    EXPECT_EQ(h.client->state(), State::closed);
    auto d = h.of_type(Event::Type::disconnected);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0]->error.message, "reset");
}

// ---- CONNACK refusals ----------------------------------------------------------------------

TEST(ClientConnack, RefusalCodes_MapToClearErrors) {
    struct Case { std::uint8_t code; Errc errc; const char* text; };
    const Case cases[] = {
        {1, Errc::connection_refused, "unacceptable protocol version"},
        {2, Errc::connection_refused, "identifier rejected"},
        {3, Errc::connection_refused, "server unavailable"},
        {4, Errc::auth_failed, "bad user name or password"},
        {5, Errc::auth_failed, "not authorized"},
    };
    for (const auto& c : cases) {
        Harness h;
        ASSERT_TRUE(h.client->connect(h.now).ok());
        h.open_attempt();
        h.take_events();
        h.feed(connack(false, c.code));
        auto ev = h.take_events();
        ASSERT_EQ(types(ev), (std::vector<Event::Type>{Event::Type::close_transport, Event::Type::error,
                                                       Event::Type::reconnecting}))
            << int(c.code);
        EXPECT_EQ(ev[1].error.code, c.errc);
        EXPECT_NE(ev[1].error.message.find(c.text), std::string::npos) << ev[1].error.message;
        EXPECT_EQ(ev[1].error.mqtt_reason, c.code) << "the CONNACK return code, as data";
        EXPECT_EQ(h.client->state(), State::backing_off);
    }
}

// ---- keep-alive -------------------------------------------------------------------------------

TEST(ClientKeepAlive, IdleForKeepAlive_SendsPingreq) {
    Harness h;
    h.connect_fully();
    h.take_output();
    EXPECT_EQ(h.client->next_deadline_ms(), h.now + 60000);
    h.advance(59999);
    EXPECT_EQ(h.client->output_size(), 0u);
    h.advance(1);
    EXPECT_EQ(h.take_output(), (Bytes{0xC0, 0x00}));  // PINGREQ
    h.feed({0xD0, 0x00});                             // PINGRESP
    h.advance(59999);
    EXPECT_EQ(h.client->state(), State::connected);
    EXPECT_EQ(h.client->output_size(), 0u);
    h.advance(1);
    EXPECT_EQ(h.take_output(), (Bytes{0xC0, 0x00}));
}

TEST(ClientKeepAlive, NoPingresp_ClosesWithKeepAliveTimeout) {
    Config c = base_config();
    c.ping_timeout_ms = 3000;
    Harness h(c);
    h.connect_fully();
    h.take_output();
    h.take_events();
    h.advance(60000);
    EXPECT_EQ(h.take_output(), (Bytes{0xC0, 0x00}));
    h.advance(2999);
    EXPECT_EQ(h.client->state(), State::connected);
    h.advance(1);
    auto ev = h.take_events();
    ASSERT_EQ(types(ev), (std::vector<Event::Type>{Event::Type::close_transport, Event::Type::disconnected,
                                                   Event::Type::reconnecting}));
    EXPECT_EQ(ev[1].error.code, Errc::timeout);
    EXPECT_EQ(ev[1].error.message, "keep-alive timeout");
    EXPECT_EQ(h.client->state(), State::backing_off);
}

TEST(ClientKeepAlive, TrafficBothWays_DefersPing) {
    Harness h;
    h.connect_fully();
    h.advance(30000);
    ASSERT_TRUE(h.client->publish("a", kPayload, 2, QoS::at_least_once, false, h.now).ok());
    h.take_output();
    h.feed(puback(1));
    h.advance(59999);  // 60 s after the publish and its PUBACK minus 1 ms
    EXPECT_EQ(h.client->output_size(), 0u);
    h.advance(1);
    EXPECT_EQ(h.take_output(), (Bytes{0xC0, 0x00}));
}

TEST(ClientKeepAlive, OutboundOnlyTraffic_DoesNotDeferPing) {
    // Publishing proves nothing about the path back: the ping is due keep_alive_s after the last
    // packet received (the CONNACK), however recently the client sent.
    Harness h;
    h.connect_fully();
    h.advance(30000);
    ASSERT_TRUE(h.client->publish("a", kPayload, 2, QoS::at_most_once, false, h.now).ok());
    h.take_output();
    h.advance(29999);
    EXPECT_EQ(h.client->output_size(), 0u);
    h.advance(1);
    EXPECT_EQ(h.take_output(), (Bytes{0xC0, 0x00}));
}

TEST(ClientKeepAlive, InboundOnlyTraffic_StillPingsWithinKeepAlive) {
    // MQTT 3.1.1 §3.1.2.10: the client must send something within keep-alive, whatever it receives.
    Harness h;
    h.connect_fully();
    h.take_output();
    for (int i = 0; i < 59; ++i) {
        h.advance(1000);
        h.feed(publish("t", "x"));
    }
    EXPECT_EQ(h.client->output_size(), 0u);
    h.advance(1000);
    EXPECT_EQ(h.take_output(), (Bytes{0xC0, 0x00}));
}

TEST(ClientKeepAlive, LongPingTimeout_IsClampedToHalfKeepAlive) {
    Config c = base_config();
    c.keep_alive_s = 30;
    c.ping_timeout_ms = 60000;
    Harness h(c);
    h.connect_fully();
    h.take_output();
    h.take_events();
    h.advance(30000);
    EXPECT_EQ(h.take_output(), (Bytes{0xC0, 0x00}));
    h.advance(14999);
    EXPECT_EQ(h.client->state(), State::connected);
    h.advance(1);
    EXPECT_EQ(h.client->state(), State::backing_off);
    EXPECT_EQ(h.of_type(Event::Type::disconnected).at(0)->error.message, "keep-alive timeout");
}

// ---- dead path (a proxy that stops forwarding without closing) --------------------------------

namespace {

enum class Traffic { idle, qos0_every_second, qos1_every_second };

struct PathRun {
    std::uint64_t connected_at = 0;
    std::uint64_t last_heard = 0;   // last time the broker side fed the client anything
    std::uint64_t detected_at = 0;  // `disconnected` event (0: none)
    Error reason;
    int pings = 0;                  // PINGREQs seen by the broker side (answered or not)
    std::uint64_t longest_send_gap = 0;
};

// Keep-alive 30 s. The client runs for run_ms (or until it reports `disconnected`), publishing
// once a second as `traffic` says. The broker side answers every PINGREQ with PINGRESP and every
// QoS 1 PUBLISH with PUBACK, at once, until silent_after_ms after CONNACK; from then on nothing
// reaches it and nothing comes back, and nothing is closed (a blackholing proxy).
PathRun run_path(Traffic traffic, std::uint32_t ping_timeout_ms, std::uint64_t silent_after_ms, std::uint64_t run_ms) {
    Config c = base_config();
    c.keep_alive_s = 30;
    c.ping_timeout_ms = ping_timeout_ms;
    c.max_inflight = 100;  // AWS: 100 unacknowledged QoS 1; the window must not be what notices
    Harness h(c);
    PathRun run;
    h.connect_fully();
    h.take_output();
    h.take_events();
    run.connected_at = run.last_heard = h.now;
    const std::uint64_t silent_at = h.now + silent_after_ms;
    const std::uint64_t end = h.now + run_ms;
    std::uint64_t next_pub = h.now + 1000, last_send = h.now;
    for (int guard = 0; guard < 100000 && h.now < end && run.detected_at == 0; ++guard) {
        std::uint64_t step = std::min(end, h.client->next_deadline_ms());
        if (traffic != Traffic::idle) step = std::min(step, next_pub);
        h.advance_to(step);
        if (traffic != Traffic::idle && h.now >= next_pub) {
            QoS qos = traffic == Traffic::qos1_every_second ? QoS::at_least_once : QoS::at_most_once;
            EXPECT_TRUE(h.client->publish("tele/dev1", kPayload, 2, qos, false, h.now).ok());
            next_pub += 1000;
        }
        std::vector<Packet> sent = h.take_packets();
        if (!sent.empty()) {
            run.longest_send_gap = std::max(run.longest_send_gap, h.now - last_send);
            last_send = h.now;
        }
        for (const Packet& p : sent) {
            if (std::holds_alternative<PingreqPacket>(p)) ++run.pings;
            if (h.now >= silent_at) continue;  // blackholed
            if (std::holds_alternative<PingreqPacket>(p)) {
                h.feed({0xD0, 0x00});
                run.last_heard = h.now;
            } else if (const auto* pub = std::get_if<PublishPacket>(&p); pub && pub->qos == QoS::at_least_once) {
                h.feed(puback(pub->packet_id));
                run.last_heard = h.now;
            }
        }
        for (const Event& e : h.take_events())
            if (e.type == Event::Type::disconnected) {
                run.detected_at = h.now;
                run.reason = e.error;
            }
    }
    return run;
}

const char* traffic_name(Traffic t) {
    return t == Traffic::idle ? "idle" : t == Traffic::qos0_every_second ? "QoS 0 every second" : "QoS 1 every second";
}

}  // namespace

TEST(ClientDeadPath, PeerGoesSilent_KeepAliveTimeoutWithinOneAndAHalfKeepAlive) {
    // The worst moment to go silent is right after an answered PINGREQ; scan the silence start
    // over a whole keep-alive period, for each kind of traffic and for a default and an
    // over-long ping timeout (clamped to keep_alive / 2).
    for (Traffic traffic : {Traffic::idle, Traffic::qos0_every_second, Traffic::qos1_every_second})
        for (std::uint32_t ping_timeout : {10000u, 60000u})
            for (std::uint64_t silent_after = 60000; silent_after <= 90000; silent_after += 2500) {
                SCOPED_TRACE(testing::Message() << traffic_name(traffic) << ", ping_timeout_ms " << ping_timeout
                                                << ", silent " << silent_after << " ms after CONNACK");
                PathRun run = run_path(traffic, ping_timeout, silent_after, silent_after + 180000);
                ASSERT_NE(run.detected_at, 0u) << "dead path never noticed";
                EXPECT_EQ(run.reason.code, Errc::timeout);
                EXPECT_EQ(run.reason.message, "keep-alive timeout");
                // Within 1.5 x keep-alive of the last packet the broker got through (hence of the
                // moment the path died).
                EXPECT_LE(run.detected_at - run.last_heard, 45000u);
                EXPECT_LE(run.detected_at - (run.connected_at + silent_after), 45000u);
                EXPECT_LE(run.longest_send_gap, 30000u);
            }
}

TEST(ClientDeadPath, PeerGoesSilent_ThenReconnects) {
    Config c = base_config();
    c.keep_alive_s = 30;
    Harness h(c);
    h.connect_fully();
    h.take_output();
    for (int i = 0; i < 45; ++i) {  // QoS 0 every second into the void
        h.advance(1000);
        ASSERT_TRUE(h.client->publish("tele/dev1", kPayload, 2, QoS::at_most_once, false, h.now).ok());
        h.take_output();
        if (h.client->state() != State::connected) break;
    }
    ASSERT_EQ(h.of_type(Event::Type::disconnected).size(), 1u);
    EXPECT_EQ(h.of_type(Event::Type::close_transport).size(), 1u);
    ASSERT_EQ(h.client->state(), State::backing_off);
    h.reconnect_fully();
    EXPECT_EQ(h.of_type(Event::Type::connected).size(), 2u);
}

TEST(ClientDeadPath, HealthyPeer_NeverFalseAlarms) {
    for (Traffic traffic : {Traffic::idle, Traffic::qos0_every_second, Traffic::qos1_every_second})
        for (std::uint32_t ping_timeout : {1u, 10000u, 60000u}) {
            SCOPED_TRACE(testing::Message() << traffic_name(traffic) << ", ping_timeout_ms " << ping_timeout);
            PathRun run = run_path(traffic, ping_timeout, UINT64_MAX / 2, 600000);  // 10 min, never silent
            EXPECT_EQ(run.detected_at, 0u) << run.reason.message;
            EXPECT_LE(run.longest_send_gap, 30000u);
            // QoS 1: PUBACKs prove the path every second, no ping needed; otherwise one per keep-alive.
            if (traffic == Traffic::qos1_every_second) EXPECT_EQ(run.pings, 0);
            else EXPECT_GE(run.pings, 19);
        }
}

// ---- QoS 1 -------------------------------------------------------------------------------------

TEST(ClientQos1, BrokerClosesMidPublish_ResendsWithDupAndSameId) {
    Harness h;
    h.connect_fully();
    h.take_output();
    auto op = h.client->publish("d/t", kPayload, 2, QoS::at_least_once, false, h.now);
    ASSERT_TRUE(op.ok());
    const Bytes first = {
        0x32,                       // PUBLISH QoS 1, DUP 0
        0x09,                       // remaining length 9
        0x00, 0x03, 'd', '/', 't',  // topic
        0x00, 0x01,                 // packet id 1
        'h', 'i',                   // payload
    };
    EXPECT_EQ(h.take_output(), first);
    h.client->on_closed(make_error(Errc::io_error, "broker went away"), h.now);
    EXPECT_EQ(h.client->inflight_size(), 1u);
    EXPECT_TRUE(h.of_type(Event::Type::published).empty());
    h.reconnect_fully(false);
    Bytes resent = first;
    resent[0] = 0x3A;  // DUP 1
    EXPECT_EQ(h.take_output(), resent);
    h.feed(puback(1));
    auto pubs = h.of_type(Event::Type::published);
    ASSERT_EQ(pubs.size(), 1u);
    EXPECT_EQ(pubs[0]->op_id, op.value());
    EXPECT_EQ(h.client->inflight_size(), 0u);
    h.feed(puback(1));  // a duplicate PUBACK is ignored
    EXPECT_EQ(h.of_type(Event::Type::published).size(), 1u);
}

TEST(ClientQos1, InboundQos1_IsAnsweredWithPuback) {
    Harness h;
    h.connect_fully();
    h.take_output();
    h.feed(publish("x/y", "data", 1, 0x0102));
    EXPECT_EQ(h.take_output(), (Bytes{0x40, 0x02, 0x01, 0x02}));  // PUBACK id 0x0102
    auto msgs = h.of_type(Event::Type::message);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0]->message.topic, "x/y");
    EXPECT_EQ(msgs[0]->message.qos, QoS::at_least_once);
    EXPECT_EQ(std::string(msgs[0]->message.payload.begin(), msgs[0]->message.payload.end()), "data");
}

TEST(ClientQos1, InflightWindowFull_QueuesUntilPuback) {
    Config c = base_config();
    c.max_inflight = 2;
    Harness h(c);
    h.connect_fully();
    h.take_output();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.client->publish("t", kPayload, 2, QoS::at_least_once, false, h.now).ok());
    EXPECT_EQ(h.take_packets().size(), 2u);
    EXPECT_EQ(h.client->offline_queue_size(), 1u);
    h.feed(puback(1));
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(std::get<PublishPacket>(p[0]).packet_id, 3);
}

TEST(ClientQos1, PacketIds_WrapAndSkipIdsInUse) {
    Config c = base_config();
    c.max_inflight = 2;
    Harness h(c);
    h.connect_fully();
    h.take_output();
    ASSERT_TRUE(h.client->publish("t", kPayload, 2, QoS::at_least_once, false, h.now).ok());  // id 1, never acked
    std::uint16_t last = 0;
    bool wrapped = false;
    for (int i = 0; i < 65535; ++i) {
        ASSERT_TRUE(h.client->publish("t", kPayload, 2, QoS::at_least_once, false, h.now).ok());
        auto p = h.take_packets();
        if (i == 0) p.erase(p.begin());  // the first PUBLISH (id 1) is still in the output
        ASSERT_EQ(p.size(), 1u) << i;
        std::uint16_t id = std::get<PublishPacket>(p[0]).packet_id;
        ASSERT_NE(id, 1) << "id 1 is in flight and must be skipped";
        ASSERT_NE(id, 0);
        if (i > 0 && last == 65535) {
            EXPECT_EQ(id, 2);
            wrapped = true;
        }
        last = id;
        h.feed(puback(id));
    }
    EXPECT_TRUE(wrapped);
}

// ---- subscriptions ---------------------------------------------------------------------------

TEST(ClientSubscribe, Suback_ReportsPerFilterCodes) {
    Harness h;
    h.connect_fully();
    h.take_output();
    auto op = h.client->subscribe({{"a/+", QoS::at_least_once}, {"b/#", QoS::at_most_once}}, h.now);
    ASSERT_TRUE(op.ok());
    const Bytes expected = {
        0x82, 0x0E,                   // SUBSCRIBE, remaining length 14
        0x00, 0x01,                   // packet id 1
        0x00, 0x03, 'a', '/', '+', 0x01,  // filter 1, QoS 1
        0x00, 0x03, 'b', '/', '#', 0x00,  // filter 2, QoS 0
    };
    EXPECT_EQ(h.take_output(), expected);
    h.feed(suback(1, {0x01, 0x80}));
    auto subs = h.of_type(Event::Type::subscribed);
    ASSERT_EQ(subs.size(), 1u);
    EXPECT_EQ(subs[0]->op_id, op.value());
    EXPECT_EQ(subs[0]->granted, (std::vector<SubackCode>{SubackCode::granted_qos1, SubackCode::failure}));
    // The refused filter no longer matches; the granted one does.
    h.feed(publish("b/x", "1"));
    h.feed(publish("a/x", "2"));
    auto msgs = h.of_type(Event::Type::message);
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_TRUE(msgs[0]->subscription_ids.empty());
    EXPECT_EQ(msgs[1]->subscription_ids, (std::vector<std::uint32_t>{op.value()}));
}

TEST(ClientSubscribe, Messages_CarryIdsOfAllMatchingSubscriptions) {
    Harness h;
    h.connect_fully();
    auto s1 = h.client->subscribe({{"home/+/temp", QoS::at_most_once}}, h.now).value();
    auto s2 = h.client->subscribe({{"home/#", QoS::at_most_once}}, h.now).value();
    auto s3 = h.client->subscribe({{"office/#", QoS::at_most_once}}, h.now).value();
    h.feed(suback(1, {0}));
    h.feed(suback(2, {0}));
    h.feed(suback(3, {0}));
    h.feed(publish("home/kitchen/temp", "21"));
    h.feed(publish("home", "x"));
    auto msgs = h.of_type(Event::Type::message);
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_EQ(msgs[0]->subscription_ids, (std::vector<std::uint32_t>{s1, s2}));
    EXPECT_EQ(msgs[1]->subscription_ids, (std::vector<std::uint32_t>{s2}));
    (void)s3;
}

TEST(ClientSubscribe, SessionNotPresent_Resubscribes) {
    Harness h;
    h.connect_fully();
    h.client->subscribe({{"a/b", QoS::at_least_once}}, h.now);
    h.take_output();
    h.feed(suback(1, {1}));
    h.client->on_closed(make_error(Errc::io_error, "gone"), h.now);
    h.reconnect_fully(false);
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);
    auto* s = std::get_if<SubscribePacket>(&p[0]);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->filters.at(0).filter, "a/b");
    EXPECT_EQ(s->filters.at(0).qos, QoS::at_least_once);
    h.feed(suback(s->packet_id, {1}));
    EXPECT_EQ(h.of_type(Event::Type::subscribed).size(), 1u);  // the op completed once only
}

TEST(ClientSubscribe, SessionPresent_DoesNotResubscribe) {
    Config c = base_config();
    c.clean_session = false;
    Harness h(c);
    h.connect_fully(false);
    h.client->subscribe({{"a/b", QoS::at_least_once}}, h.now);
    h.take_output();
    h.feed(suback(1, {1}));
    h.client->on_closed(make_error(Errc::io_error, "gone"), h.now);
    h.reconnect_fully(true);
    EXPECT_TRUE(h.take_packets().empty());
    auto conn = h.of_type(Event::Type::connected);
    ASSERT_EQ(conn.size(), 2u);
    EXPECT_TRUE(conn[1]->session_present);
    // Messages still dispatch to the subscription kept by the broker.
    h.feed(publish("a/b", "x"));
    EXPECT_EQ(h.of_type(Event::Type::message).at(0)->subscription_ids.size(), 1u);
}

TEST(ClientSubscribe, SubscribeWhileOffline_SentOnConnect) {
    Harness h;
    auto op = h.client->subscribe({{"a", QoS::at_most_once}}, h.now);
    ASSERT_TRUE(op.ok());
    ASSERT_TRUE(h.client->connect(h.now).ok());
    h.client->provide_target(h.tcp_target(), h.now);
    h.client->on_open(h.now);
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);  // only CONNECT before CONNACK
    EXPECT_TRUE(std::holds_alternative<ConnectPacket>(p[0]));
    h.feed(connack(false));
    p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);
    auto* s = std::get_if<SubscribePacket>(&p[0]);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->filters.at(0).filter, "a");
}

TEST(ClientSubscribe, Unsubscribe_StopsMatchingAndCompletes) {
    Harness h;
    h.connect_fully();
    h.client->subscribe({{"a/#", QoS::at_most_once}}, h.now);
    h.feed(suback(1, {0}));
    h.take_output();
    auto op = h.client->unsubscribe({"a/#"}, h.now);
    ASSERT_TRUE(op.ok());
    const Bytes expected = {0xA2, 0x07, 0x00, 0x02, 0x00, 0x03, 'a', '/', '#'};  // UNSUBSCRIBE id 2
    EXPECT_EQ(h.take_output(), expected);
    h.feed(unsuback(2));
    auto u = h.of_type(Event::Type::unsubscribed);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0]->op_id, op.value());
    h.feed(publish("a/b", "late"));
    EXPECT_TRUE(h.of_type(Event::Type::message).at(0)->subscription_ids.empty());
}

TEST(ClientSubscribe, SubackCountMismatch_IsProtocolError) {
    Harness h;
    h.connect_fully();
    h.client->subscribe({{"a", QoS::at_most_once}, {"b", QoS::at_most_once}}, h.now);
    h.feed(suback(1, {0}));
    EXPECT_EQ(h.client->state(), State::backing_off);
    auto d = h.of_type(Event::Type::disconnected);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0]->error.code, Errc::protocol_error);
}

// ---- limits through the client -----------------------------------------------------------------

TEST(ClientLimits, NineFiltersPerSubscribe_FailsNamingRule) {
    Harness h;
    std::vector<TopicFilter> eight, nine;
    for (int i = 0; i < 9; ++i) (i < 8 ? eight : nine).push_back({"f" + std::to_string(i), QoS::at_most_once});
    nine.insert(nine.begin(), eight.begin(), eight.end());
    EXPECT_TRUE(h.client->subscribe(eight, h.now).ok());
    auto r = h.client->subscribe(nine, h.now);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    EXPECT_EQ(r.error().message, "SUBSCRIBE has 9 topic filters; AWS IoT allows 8 per SUBSCRIBE");
    EXPECT_STREQ(r.error().rule, mqtt::rules::filters_per_subscribe);
    EXPECT_EQ(r.error().limit, 8u);
    EXPECT_EQ(r.error().actual, 9u);
}

TEST(ClientLimits, FiftyOneSubscriptions_FailsNamingRule) {
    Harness h;
    for (int i = 0; i < 50; ++i)
        ASSERT_TRUE(h.client->subscribe({{"s/" + std::to_string(i), QoS::at_most_once}}, h.now).ok()) << i;
    // Re-subscribing an existing filter does not add a subscription.
    EXPECT_TRUE(h.client->subscribe({{"s/0", QoS::at_least_once}}, h.now).ok());
    auto r = h.client->subscribe({{"s/50", QoS::at_most_once}}, h.now);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    EXPECT_EQ(r.error().message, "subscribe() would make 51 subscriptions; the limit is 50 per connection");
    EXPECT_STREQ(r.error().rule, mqtt::rules::subscriptions);
    EXPECT_EQ(r.error().limit, 50u);
    EXPECT_EQ(r.error().actual, 51u);
    ASSERT_TRUE(h.client->unsubscribe({"s/1"}, h.now).ok());
    EXPECT_TRUE(h.client->subscribe({{"s/50", QoS::at_most_once}}, h.now).ok());
}

TEST(ClientLimits, PublishLimits_AtLimitOkOneOverFails) {
    Harness h;
    h.connect_fully();
    std::vector<std::uint8_t> payload(131073, 'p');
    EXPECT_TRUE(h.client->publish("t", payload.data(), 131072, QoS::at_most_once, false, h.now).ok());
    auto big = h.client->publish("t", payload.data(), 131073, QoS::at_most_once, false, h.now);
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error().message, "payload has 131073 bytes; AWS IoT allows 131072 (128 KB)");
    EXPECT_TRUE(h.client->publish(std::string(256, 'x'), kPayload, 2, QoS::at_most_once, false, h.now).ok());
    EXPECT_EQ(h.client->publish(std::string(257, 'x'), kPayload, 2, QoS::at_most_once, false, h.now).error().message,
              "topic has 257 bytes; AWS IoT allows 256");
    EXPECT_EQ(h.client->publish("a/b/c/d/e/f/g/h/i/j", kPayload, 2, QoS::at_most_once, false, h.now).error().message,
              "topic has 9 '/' levels; AWS IoT allows 7");
    EXPECT_EQ(h.client->publish("a/+", kPayload, 2, QoS::at_most_once, false, h.now).error().code, Errc::invalid_topic);
    EXPECT_EQ(h.client->publish("a", nullptr, 2, QoS::at_most_once, false, h.now).error().code, Errc::invalid_argument);
    EXPECT_TRUE(h.client->publish("a", nullptr, 0, QoS::at_most_once, false, h.now).ok());
    EXPECT_EQ(h.client->publish("a", kPayload, 2, static_cast<QoS>(2), false, h.now).error().code,
              Errc::invalid_argument);
}

TEST(ClientLimits, ConfigValidation_NamesTheRule) {
    Config c = base_config();
    c.client_id = std::string(129, 'c');
    EXPECT_EQ(Client::create(c).error().message, "client id has 129 bytes; AWS IoT allows 128");
    c.client_id = std::string(128, 'c');
    EXPECT_TRUE(Client::create(c).ok());
    c.keep_alive_s = 29;
    EXPECT_EQ(Client::create(c).error().code, Errc::limit_exceeded);
    c.keep_alive_s = 1200;
    EXPECT_TRUE(Client::create(c).ok());
    c.keep_alive_s = 1201;
    EXPECT_FALSE(Client::create(c).ok());
    c.keep_alive_s = 30;
    c.max_subscriptions = 51;
    EXPECT_EQ(Client::create(c).error().message, "max_subscriptions is 51; AWS IoT allows 50 subscriptions per connection");
    c.max_subscriptions = 50;
    c.will = Will{"w/+", {}, QoS::at_most_once, false};
    auto w = Client::create(c);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().code, Errc::invalid_topic);
    EXPECT_EQ(w.error().message.rfind("will: ", 0), 0u);
}

// ---- offline queue ----------------------------------------------------------------------------

namespace {

// Publishes 5 QoS 0 messages while offline into a queue of 3, connects, and returns op ids.
struct QueueRun {
    std::vector<Result<std::uint32_t>> results;
    std::map<std::uint32_t, std::vector<Event::Type>> completions;  // op id -> completion events
};

QueueRun run_queue(QueuePolicy policy) {
    Config c = base_config();
    c.offline_queue.max_messages = 3;
    c.offline_queue.policy = policy;
    Harness h(c);
    QueueRun run;
    EXPECT_TRUE(h.client->connect(h.now).ok());
    for (int i = 0; i < 5; ++i)
        run.results.push_back(h.client->publish("q/" + std::to_string(i), kPayload, 2, QoS::at_most_once, false, h.now));
    h.open_attempt();
    h.feed(connack(false));
    for (const auto& e : h.take_events())
        if (e.type == Event::Type::published || e.type == Event::Type::publish_failed)
            run.completions[e.op_id].push_back(e.type);
    return run;
}

}  // namespace

TEST(ClientOfflineQueue, DropOldest_FailsOldestDeliversNewest) {
    QueueRun run = run_queue(QueuePolicy::drop_oldest);
    ASSERT_EQ(run.results.size(), 5u);
    for (auto& r : run.results) ASSERT_TRUE(r.ok());
    ASSERT_EQ(run.completions.size(), 5u);  // every publish accounted for, exactly once
    for (int i = 0; i < 5; ++i) {
        auto& c = run.completions[run.results[i].value()];
        ASSERT_EQ(c.size(), 1u);
        EXPECT_EQ(c[0], i < 2 ? Event::Type::publish_failed : Event::Type::published) << i;
    }
}

TEST(ClientOfflineQueue, DropNewest_FailsNewestDeliversOldest) {
    QueueRun run = run_queue(QueuePolicy::drop_newest);
    ASSERT_EQ(run.completions.size(), 5u);
    for (int i = 0; i < 5; ++i) {
        auto& c = run.completions[run.results[i].value()];
        ASSERT_EQ(c.size(), 1u);
        EXPECT_EQ(c[0], i >= 3 ? Event::Type::publish_failed : Event::Type::published) << i;
    }
}

TEST(ClientOfflineQueue, Reject_ReturnsQueueFullAndDeliversRest) {
    QueueRun run = run_queue(QueuePolicy::reject);
    for (int i = 0; i < 5; ++i) {
        if (i < 3) {
            ASSERT_TRUE(run.results[i].ok());
            EXPECT_EQ(run.completions[run.results[i].value()], (std::vector<Event::Type>{Event::Type::published}));
        } else {
            ASSERT_FALSE(run.results[i].ok());
            EXPECT_EQ(run.results[i].error().code, Errc::queue_full);
        }
    }
    EXPECT_EQ(run.completions.size(), 3u);
}

TEST(ClientOfflineQueue, DroppedMessages_CarryErrcDropped) {
    Config c = base_config();
    c.offline_queue.max_messages = 1;
    c.offline_queue.policy = QueuePolicy::drop_oldest;
    Harness h(c);
    auto a = h.client->publish("a", kPayload, 2, QoS::at_least_once, false, h.now);
    auto b = h.client->publish("b", kPayload, 2, QoS::at_least_once, false, h.now);
    auto failed = h.of_type(Event::Type::publish_failed);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0]->op_id, a.value());
    EXPECT_EQ(failed[0]->error.code, Errc::dropped);
    EXPECT_EQ(h.client->offline_queue_size(), 1u);
    (void)b;
}

TEST(ClientOfflineQueue, ByteLimit_EvictsToFit) {
    Config c = base_config();
    c.offline_queue.max_messages = 100;
    c.offline_queue.max_bytes = 10;  // topic + payload bytes
    Harness h(c);
    std::vector<std::uint8_t> p4(4, 'x');
    auto a = h.client->publish("a", p4.data(), 4, QoS::at_most_once, false, h.now);  // 5 bytes
    auto b = h.client->publish("b", p4.data(), 4, QoS::at_most_once, false, h.now);  // 10 bytes total
    EXPECT_TRUE(h.of_type(Event::Type::publish_failed).empty());
    auto c3 = h.client->publish("c", p4.data(), 4, QoS::at_most_once, false, h.now);  // evicts a
    auto failed = h.of_type(Event::Type::publish_failed);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0]->op_id, a.value());
    // A message larger than the whole byte budget is dropped on its own, nothing evicted.
    std::vector<std::uint8_t> p20(20, 'x');
    auto huge = h.client->publish("d", p20.data(), 20, QoS::at_most_once, false, h.now);
    ASSERT_TRUE(huge.ok());
    failed = h.of_type(Event::Type::publish_failed);
    ASSERT_EQ(failed.size(), 2u);
    EXPECT_EQ(failed[1]->op_id, huge.value());
    EXPECT_EQ(h.client->offline_queue_size(), 2u);
    (void)b;
    (void)c3;
}

TEST(ClientOfflineQueue, Disabled_PublishOfflineIsNotConnected) {
    Config c = base_config();
    c.offline_queue.max_messages = 0;
    Harness h(c);
    EXPECT_EQ(h.client->publish("a", kPayload, 2, QoS::at_most_once, false, h.now).error().code, Errc::not_connected);
}

TEST(ClientOfflineQueue, Disconnect_FailsQueuedAndInflightWithClosed) {
    Harness h;
    h.connect_fully();
    auto inflight = h.client->publish("a", kPayload, 2, QoS::at_least_once, false, h.now).value();
    h.client->on_closed(make_error(Errc::io_error, "gone"), h.now);
    auto queued = h.client->publish("b", kPayload, 2, QoS::at_least_once, false, h.now).value();
    h.client->disconnect(h.now);
    std::set<std::uint32_t> failed;
    for (auto* e : h.of_type(Event::Type::publish_failed)) {
        EXPECT_EQ(e->error.code, Errc::closed);
        failed.insert(e->op_id);
    }
    EXPECT_EQ(failed, (std::set<std::uint32_t>{inflight, queued}));
    EXPECT_TRUE(h.of_type(Event::Type::published).empty());
}

TEST(ClientOfflineQueue, QueuedQos1_SentInOrderAfterConnect) {
    Harness h;
    ASSERT_TRUE(h.client->connect(h.now).ok());
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(h.client->publish("o/" + std::to_string(i), kPayload, 2, QoS::at_least_once, false, h.now).ok());
    h.open_attempt();
    h.feed(connack(false));
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(std::get<PublishPacket>(p[i]).topic, "o/" + std::to_string(i));
}

TEST(ClientOfflineQueue, WithdrawQueued_NeverSentAndNoEvent) {
    Harness h;
    ASSERT_TRUE(h.client->connect(h.now).ok());
    std::uint32_t ids[3];
    for (int i = 0; i < 3; ++i) {
        auto r = h.client->publish("o/" + std::to_string(i), kPayload, 2, QoS::at_least_once, false, h.now);
        ASSERT_TRUE(r.ok());
        ids[i] = r.value();
    }
    EXPECT_TRUE(h.client->withdraw_publish(ids[1]));
    EXPECT_FALSE(h.client->withdraw_publish(ids[1]));  // once
    EXPECT_FALSE(h.client->withdraw_publish(9999));    // unknown
    EXPECT_EQ(h.client->offline_queue_size(), 2u);
    h.open_attempt();
    h.feed(connack(false));
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(std::get<PublishPacket>(p[0]).topic, "o/0");
    EXPECT_EQ(std::get<PublishPacket>(p[1]).topic, "o/2");
    h.feed(puback(std::get<PublishPacket>(p[0]).packet_id));
    h.feed(puback(std::get<PublishPacket>(p[1]).packet_id));
    std::set<std::uint32_t> completed;
    for (const Event* e : h.of_type(Event::Type::published)) completed.insert(e->op_id);
    for (const Event* e : h.of_type(Event::Type::publish_failed)) completed.insert(e->op_id);
    EXPECT_EQ(completed, (std::set<std::uint32_t>{ids[0], ids[2]}));
    // Written (QoS 1 in flight, or QoS 0 handed to the output): too late to withdraw.
    auto sent = h.client->publish("o/3", kPayload, 2, QoS::at_least_once, false, h.now);
    ASSERT_TRUE(sent.ok());
    EXPECT_FALSE(h.client->withdraw_publish(sent.value()));
    auto q0 = h.client->publish("o/4", kPayload, 2, QoS::at_most_once, false, h.now);
    ASSERT_TRUE(q0.ok());
    EXPECT_FALSE(h.client->withdraw_publish(q0.value()));
    EXPECT_EQ(h.take_packets().size(), 2u);
}

TEST(ClientOfflineQueue, WithdrawBehindFullWindow_FreesItsPlaceInTheQueue) {
    Config c = base_config();
    c.max_inflight = 1;
    c.offline_queue.max_messages = 1;
    c.offline_queue.policy = QueuePolicy::reject;
    Harness h(c);
    h.connect_fully();
    h.take_output();
    ASSERT_TRUE(h.client->publish("t", kPayload, 2, QoS::at_least_once, false, h.now).ok());
    auto waiting = h.client->publish("t", kPayload, 2, QoS::at_least_once, false, h.now);
    ASSERT_TRUE(waiting.ok());
    EXPECT_EQ(h.client->publish("t", kPayload, 2, QoS::at_least_once, false, h.now).error().code, Errc::queue_full);
    EXPECT_TRUE(h.client->withdraw_publish(waiting.value()));
    auto next = h.client->publish("t", kPayload, 2, QoS::at_least_once, false, h.now);
    ASSERT_TRUE(next.ok());  // the place it held is free again (messages and bytes)
    EXPECT_EQ(h.take_packets().size(), 1u);
    h.feed(puback(1));
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(std::get<PublishPacket>(p[0]).packet_id, 2);
}

// ---- backoff ------------------------------------------------------------------------------------

namespace {

// Fails `n` attempts in a row (transport closes before CONNACK); returns the delays.
std::vector<std::uint32_t> failing_delays(std::uint64_t seed, int n) {
    Config c = base_config();
    c.rng_seed = seed;
    Harness h(c);
    std::vector<std::uint32_t> delays;
    EXPECT_TRUE(h.client->connect(h.now).ok());
    for (int i = 0; i < n; ++i) {
        h.client->provide_target(h.tcp_target(), h.now);
        h.client->on_closed(make_error(Errc::io_error, "refused"), h.now);
        auto r = h.of_type(Event::Type::reconnecting);
        delays.push_back(r.back()->delay_ms);
        EXPECT_EQ(h.client->next_deadline_ms(), h.now + r.back()->delay_ms);
        h.advance_to(h.client->next_deadline_ms());
        EXPECT_EQ(h.client->state(), State::waiting_target);
    }
    return delays;
}

}  // namespace

TEST(ClientBackoff, ManySeeds_DelaysWithinGrowingThenSaturatedCap) {
    const int kAttempts = 10, kSeeds = 400;
    // cap(n) = min(30000, 1000 * 2^(n+1)); delays live in [min_delay, cap(n)] (a subset of [0, cap]).
    const std::uint32_t caps[kAttempts] = {2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000, 30000};
    std::vector<std::uint32_t> lo(kAttempts, UINT32_MAX), hi(kAttempts, 0);
    std::vector<double> sum(kAttempts, 0);
    for (int seed = 1; seed <= kSeeds; ++seed) {
        auto d = failing_delays(static_cast<std::uint64_t>(seed), kAttempts);
        for (int n = 0; n < kAttempts; ++n) {
            ASSERT_GE(d[n], 1000u) << "seed " << seed << " attempt " << n;
            ASSERT_LE(d[n], caps[n]) << "seed " << seed << " attempt " << n;
            lo[n] = std::min(lo[n], d[n]);
            hi[n] = std::max(hi[n], d[n]);
            sum[n] += d[n];
        }
    }
    for (int n = 0; n < kAttempts; ++n) {
        double window = caps[n] - 1000.0;
        // Jitter really spans the window (400 uniform samples: extremes within 2.5% w.h.p.).
        EXPECT_LT(lo[n], 1000 + 0.025 * window + 1) << n;
        EXPECT_GT(hi[n], caps[n] - 0.025 * window - 1) << n;
        // Mean near the middle of the window (std error ~ window/sqrt(12*400) ~ 1.4%).
        EXPECT_NEAR(sum[n] / kSeeds, 1000 + window / 2, 0.08 * window) << n;
    }
}

TEST(ClientBackoff, SameSeed_SameDelays) {
    EXPECT_EQ(failing_delays(42, 6), failing_delays(42, 6));
    EXPECT_NE(failing_delays(42, 6), failing_delays(43, 6));
}

TEST(ClientBackoff, StableConnection_ResetsBackoff) {
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        Config c = base_config();
        c.rng_seed = seed;
        Harness h(c);
        ASSERT_TRUE(h.client->connect(h.now).ok());
        for (int i = 0; i < 6; ++i) {  // push the cap to 30 s
            h.client->provide_target(h.tcp_target(), h.now);
            h.client->on_closed(make_error(Errc::io_error, "refused"), h.now);
            h.advance_to(h.client->next_deadline_ms());
        }
        h.open_attempt();
        h.feed(connack(false));
        // Up for less than stable_after_ms: backoff keeps growing (cap 30 s).
        h.advance(9999);
        h.feed({0xD0, 0x00});
        h.client->on_closed(make_error(Errc::io_error, "flap"), h.now);
        // A short-lived connection does not reset: the window is still [1000, 30000]
        // (ShortConnections_DoNotResetBackoff checks the growth statistically).
        std::uint32_t flap_delay = h.of_type(Event::Type::reconnecting).back()->delay_ms;
        EXPECT_LE(flap_delay, 30000u);
        h.reconnect_fully(false);
        h.advance(10000);  // stable now
        h.client->on_closed(make_error(Errc::io_error, "restart"), h.now);
        std::uint32_t after_stable = h.of_type(Event::Type::reconnecting).back()->delay_ms;
        EXPECT_GE(after_stable, 1000u);
        EXPECT_LE(after_stable, 2000u) << "seed " << seed;
    }
}

TEST(ClientBackoff, ShortConnections_DoNotResetBackoff) {
    // Across seeds, a connection that drops before stable_after_ms keeps the grown window:
    // some delay must exceed the first-attempt cap of 2000 ms.
    std::uint32_t max_flap = 0;
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        Config c = base_config();
        c.rng_seed = seed;
        Harness h(c);
        h.connect_fully();
        for (int i = 0; i < 5; ++i) {
            h.advance(100);
            h.client->on_closed(make_error(Errc::io_error, "flap"), h.now);
            h.reconnect_fully(false);
        }
        h.advance(100);
        h.client->on_closed(make_error(Errc::io_error, "flap"), h.now);
        max_flap = std::max(max_flap, h.of_type(Event::Type::reconnecting).back()->delay_ms);
    }
    EXPECT_GT(max_flap, 16000u);
}

TEST(ClientBackoff, ZeroDelaysAgainstRefusingPeer_AtMostOneAttemptPerSecond) {
    // reconnect {0, 0} must not become a CONNECT storm: AWS IoT allows 1 CONNECT/s per client id.
    Config c = base_config();
    c.reconnect.min_delay_ms = 0;
    c.reconnect.max_delay_ms = 0;
    Harness h(c);
    ASSERT_TRUE(h.client->connect(h.now).ok());
    const std::uint64_t start = h.now;
    const std::uint64_t kSeconds = 20;
    std::vector<std::uint64_t> attempts;  // when each transport was asked for
    for (int guard = 0; guard < 10000 && h.now < start + kSeconds * 1000; ++guard) {
        if (h.client->state() == State::waiting_target) {
            attempts.push_back(h.now);
            h.client->provide_target(h.tcp_target(), h.now);
            h.client->on_open(h.now);
            h.feed(connack(false, 3));  // server unavailable: refused at once
        }
        h.advance_to(std::min(h.client->next_deadline_ms(), start + kSeconds * 1000));
    }
    ASSERT_GE(attempts.size(), 2u);
    EXPECT_LE(attempts.size(), kSeconds + 1);
    std::size_t short_gaps = 0, short_delays = 0;
    for (std::size_t i = 1; i < attempts.size(); ++i) short_gaps += attempts[i] - attempts[i - 1] < 1000;
    for (const Event* e : h.of_type(Event::Type::reconnecting)) short_delays += e->delay_ms != 1000;
    EXPECT_EQ(short_gaps, 0u) << "attempts less than 1 s apart";
    EXPECT_EQ(short_delays, 0u) << "reconnecting delays other than the 1 s floor";
}

TEST(ClientBackoff, ReconnectNow_SkipsTheBackoffButNotTheOneSecondFloor) {
    Config c = base_config();
    c.reconnect.min_delay_ms = 20000;
    c.reconnect.max_delay_ms = 60000;
    Harness h(c);
    h.connect_fully();
    h.client->reconnect_now(h.now);  // connected: nothing to skip
    EXPECT_EQ(h.client->state(), State::connected);
    const std::uint64_t failed_at = h.now;
    h.client->on_closed(make_error(Errc::io_error, "network gone"), h.now);
    ASSERT_EQ(h.client->state(), State::backing_off);
    ASSERT_GE(h.client->next_deadline_ms(), failed_at + 20000);
    h.advance(300);
    h.client->reconnect_now(h.now);  // "online" 300 ms after that attempt: at 1 s, not at once
    EXPECT_EQ(h.client->state(), State::backing_off);
    EXPECT_EQ(h.client->next_deadline_ms(), failed_at + 1000);
    h.advance_to(failed_at + 1000);
    EXPECT_EQ(h.client->state(), State::waiting_target);
    h.client->provide_target(h.tcp_target(), h.now);
    h.client->on_open(h.now);
    h.feed(connack(false, 3));  // refused again: a new backoff
    ASSERT_EQ(h.client->state(), State::backing_off);
    const std::uint64_t refused_at = h.now;
    h.advance(5000);
    h.client->reconnect_now(h.now);  // the floor is long past: the attempt starts now
    EXPECT_EQ(h.client->state(), State::waiting_target);
    EXPECT_LT(refused_at + 1000, h.now);
    // A connection up for a while, closed by the driver to renew it (re-signed URL): the next
    // attempt may start at once, its predecessor began long ago.
    h.open_attempt();
    h.feed(connack(false));
    ASSERT_EQ(h.client->state(), State::connected);
    h.advance(30000);
    h.client->on_closed(make_error(Errc::closed, "renewing the connection"), h.now);
    h.client->reconnect_now(h.now);
    EXPECT_EQ(h.client->state(), State::waiting_target);
}

TEST(ClientBackoff, ReconnectNowAtEveryChance_StillAtMostOneAttemptPerSecond) {
    // A driver that calls reconnect_now() as often as it can (online/visibility events in a loop)
    // against a broker that refuses at once: attempts stay 1 s apart.
    Harness h;
    ASSERT_TRUE(h.client->connect(h.now).ok());
    const std::uint64_t start = h.now;
    std::vector<std::uint64_t> attempts;
    for (int guard = 0; guard < 100000 && h.now < start + 10000; ++guard) {
        if (h.client->state() == State::waiting_target) {
            attempts.push_back(h.now);
            h.client->provide_target(h.tcp_target(), h.now);
            h.client->on_open(h.now);
            h.feed(connack(false, 3));
        }
        h.client->reconnect_now(h.now);
        h.advance(50);
    }
    ASSERT_GE(attempts.size(), 5u);
    for (std::size_t i = 1; i < attempts.size(); ++i) EXPECT_GE(attempts[i] - attempts[i - 1], 1000u);
    EXPECT_LE(attempts.size(), 11u);
}

TEST(ClientBackoff, SubSecondDelays_AreRaisedToOneSecond) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        Config c = base_config();
        c.rng_seed = seed;
        c.reconnect.min_delay_ms = 100;
        c.reconnect.max_delay_ms = 4000;
        Harness h(c);
        h.connect_fully();
        for (int i = 0; i < 6; ++i) {  // connections that drop right after CONNACK
            h.client->on_closed(make_error(Errc::io_error, "flap"), h.now);
            h.reconnect_fully();
        }
        for (const Event* e : h.of_type(Event::Type::reconnecting)) {
            EXPECT_GE(e->delay_ms, 1000u) << "seed " << seed;
            EXPECT_LE(e->delay_ms, 4000u) << "seed " << seed;
        }
    }
}

// ---- error causes ---------------------------------------------------------------------------------

TEST(ClientErrors, TransportFailureHttpStatus_SurvivesIntoEvents) {
    // A refused WebSocket upgrade reported by the driver (on_closed), while opening.
    {
        Harness h;
        ASSERT_TRUE(h.client->connect(h.now).ok());
        h.client->provide_target(h.tcp_target(), h.now);
        h.client->on_closed(make_error(Errc::auth_failed, "websocket upgrade refused: 403 Forbidden", 403), h.now);
        auto errors = h.of_type(Event::Type::error);
        ASSERT_EQ(errors.size(), 1u);
        EXPECT_EQ(errors[0]->error.code, Errc::auth_failed);
        EXPECT_EQ(errors[0]->error.http_status, 403);
    }
    // A target that could not be made (e.g. a credential provider's HTTP answer).
    {
        Harness h;
        ASSERT_TRUE(h.client->connect(h.now).ok());
        h.client->provide_target(make_error(Errc::auth_failed, "credentials: 400 from Cognito", 400), h.now);
        auto errors = h.of_type(Event::Type::error);
        ASSERT_EQ(errors.size(), 1u);
        EXPECT_EQ(errors[0]->error.http_status, 400);
        EXPECT_EQ(h.client->state(), State::backing_off);
    }
    // An established session ended by the transport, reconnect on and off.
    for (bool reconnect : {true, false}) {
        Config c = base_config();
        c.reconnect.enabled = reconnect;
        Harness h(c);
        h.connect_fully();
        h.client->on_closed(make_error(Errc::io_error, "gateway closed: 503", 503), h.now);
        auto gone = h.of_type(Event::Type::disconnected);
        ASSERT_EQ(gone.size(), 1u);
        EXPECT_EQ(gone[0]->error.http_status, 503);
        EXPECT_EQ(gone[0]->error.message, "gateway closed: 503");
    }
    // No status stays 0.
    {
        Harness h;
        h.connect_fully();
        h.client->on_closed(make_error(Errc::io_error, "reset"), h.now);
        EXPECT_EQ(h.of_type(Event::Type::disconnected).at(0)->error.http_status, 0);
    }
}

// ---- malformed input --------------------------------------------------------------------------

TEST(ClientMalformed, BadInput_ClosesWithProtocolError) {
    struct Case { const char* name; Bytes bytes; const char* text; };
    const Case cases[] = {
        {"5-byte remaining length", {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, "remaining length"},
        {"PUBACK with flags", {0x42, 0x02, 0x00, 0x01}, "flags"},
        {"QoS 2 PUBLISH", {0x34, 0x05, 0x00, 0x01, 't', 0x00, 0x01}, "QoS 2"},
        {"invalid UTF-8 topic", {0x30, 0x04, 0x00, 0x02, 0xC3, 0x28}, "UTF-8"},
        {"truncated topic", {0x30, 0x02, 0x00, 0x05}, "truncated"},
        {"over maximum", {0x30, 0xFF, 0xFF, 0x7F}, "exceeds the configured maximum"},
        {"unexpected CONNACK", {0x20, 0x02, 0x00, 0x00}, "unexpected CONNACK"},
        {"SUBSCRIBE from broker", {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x00}, "unexpected SUBSCRIBE"},
        {"PUBREL", {0x62, 0x02, 0x00, 0x01}, "QoS 2"},
    };
    for (const auto& c : cases) {
        Harness h;
        h.connect_fully();
        h.take_events();
        h.feed(c.bytes);
        auto ev = h.take_events();
        ASSERT_EQ(types(ev), (std::vector<Event::Type>{Event::Type::close_transport, Event::Type::disconnected,
                                                       Event::Type::reconnecting}))
            << c.name;
        EXPECT_EQ(ev[1].error.code, Errc::protocol_error) << c.name;
        EXPECT_EQ(ev[1].error.message.rfind("protocol error: ", 0), 0u) << ev[1].error.message;
        EXPECT_NE(ev[1].error.message.find(c.text), std::string::npos) << c.name << ": " << ev[1].error.message;
        EXPECT_EQ(h.client->output_size(), 0u) << c.name;
    }
}

TEST(ClientMalformed, NonConnackFirst_IsProtocolError) {
    Harness h;
    ASSERT_TRUE(h.client->connect(h.now).ok());
    h.open_attempt();
    h.take_events();
    h.feed({0xD0, 0x00});  // PINGRESP before CONNACK
    auto ev = h.take_events();
    ASSERT_EQ(types(ev), (std::vector<Event::Type>{Event::Type::close_transport, Event::Type::error,
                                                   Event::Type::reconnecting}));
    EXPECT_EQ(ev[1].error.message, "protocol error: expected CONNACK, got PINGRESP");
}

TEST(ClientMalformed, FragmentedInput_ByteByByte_Works) {
    Harness h;
    ASSERT_TRUE(h.client->connect(h.now).ok());
    h.open_attempt();
    Bytes stream = connack(false);
    Bytes pub = publish("f/g", "payload", 1, 9);
    stream.insert(stream.end(), pub.begin(), pub.end());
    for (auto b : stream) h.client->on_bytes(&b, 1, h.now);
    EXPECT_EQ(h.client->state(), State::connected);
    EXPECT_EQ(h.of_type(Event::Type::message).size(), 1u);
    EXPECT_EQ(h.take_output(), (Bytes{0x40, 0x02, 0x00, 0x09}));
}

// ---- CONNECT contents and session edge cases ---------------------------------------------------

TEST(ClientConnect, WillAndTargetCredentials_GoIntoConnect) {
    Config c = base_config();
    c.clean_session = false;
    c.will = Will{"dev1/status", {'o', 'f', 'f'}, QoS::at_least_once, true};
    Harness h(c);
    ASSERT_TRUE(h.client->connect(h.now).ok());
    ConnectionTarget t = h.tcp_target();
    t.username = "authorizer?x=1";
    t.password = "tok";
    h.client->provide_target(t, h.now);
    h.client->on_open(h.now);
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);
    auto& cp = std::get<ConnectPacket>(p[0]);
    EXPECT_EQ(cp.client_id, "dev1");
    EXPECT_FALSE(cp.clean_session);
    EXPECT_EQ(cp.keep_alive_s, 60);
    ASSERT_TRUE(cp.will.has_value());
    EXPECT_EQ(cp.will->topic, "dev1/status");
    EXPECT_TRUE(cp.will->retain);
    EXPECT_EQ(cp.will->qos, QoS::at_least_once);
    EXPECT_EQ(cp.username.value_or(""), "authorizer?x=1");
    EXPECT_EQ(cp.password.value_or(""), "tok");
}

TEST(ClientSubscribe, PendingSubscribeLostWithSessionPresent_IsResent) {
    Config c = base_config();
    c.clean_session = false;
    Harness h(c);
    h.connect_fully();
    auto op = h.client->subscribe({{"p/q", QoS::at_least_once}}, h.now).value();
    h.take_output();
    h.client->on_closed(make_error(Errc::io_error, "gone before SUBACK"), h.now);
    h.reconnect_fully(true);
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);
    auto& s = std::get<SubscribePacket>(p[0]);
    h.feed(suback(s.packet_id, {1}));
    auto subs = h.of_type(Event::Type::subscribed);
    ASSERT_EQ(subs.size(), 1u);
    EXPECT_EQ(subs[0]->op_id, op);
}

TEST(ClientSubscribe, UnsubscribeWhileOffline_SentAfterReconnect) {
    Config c = base_config();
    c.clean_session = false;
    Harness h(c);
    h.connect_fully();
    h.client->subscribe({{"u/v", QoS::at_most_once}}, h.now);
    h.feed(suback(1, {0}));
    h.client->on_closed(make_error(Errc::io_error, "gone"), h.now);
    auto op = h.client->unsubscribe({"u/v"}, h.now).value();
    h.take_output();
    h.reconnect_fully(true);  // the broker kept the subscription: it must be removed there
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);
    auto& u = std::get<UnsubscribePacket>(p[0]);
    EXPECT_EQ(u.filters, (std::vector<std::string>{"u/v"}));
    h.feed(unsuback(u.packet_id));
    auto done = h.of_type(Event::Type::unsubscribed);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0]->op_id, op);
}

TEST(ClientSubscribe, RefusedOnResubscribe_ReportsErrorWithOpId) {
    Harness h;
    h.connect_fully();
    auto op = h.client->subscribe({{"r/s", QoS::at_most_once}}, h.now).value();
    h.feed(suback(1, {0}));
    h.client->on_closed(make_error(Errc::io_error, "gone"), h.now);
    h.reconnect_fully(false);
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);
    auto& s = std::get<SubscribePacket>(p[0]);
    h.take_events();
    h.feed(suback(s.packet_id, {0x80}));
    auto ev = h.take_events();
    ASSERT_EQ(types(ev), (std::vector<Event::Type>{Event::Type::error}));  // no second `subscribed`
    EXPECT_EQ(ev[0].op_id, op);
    EXPECT_EQ(ev[0].error.code, Errc::server_error);
    EXPECT_NE(ev[0].error.message.find("'r/s'"), std::string::npos) << ev[0].error.message;
    h.feed(publish("r/s", "x"));
    EXPECT_TRUE(h.of_type(Event::Type::message).at(0)->subscription_ids.empty());
}

TEST(ClientQos1, BrokerClosesMidInboundPublish_PartialBytesDiscarded) {
    Harness h;
    h.connect_fully();
    Bytes pub = publish("in/x", "0123456789", 1, 5);
    h.client->on_bytes(pub.data(), 7, h.now);  // fixed header + part of the topic
    h.client->on_closed(make_error(Errc::io_error, "connection reset"), h.now);
    auto d = h.of_type(Event::Type::disconnected);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0]->error.message, "connection reset");
    h.reconnect_fully(false);
    h.take_output();
    h.feed(pub);  // the broker re-sends the whole message on the new connection
    auto msgs = h.of_type(Event::Type::message);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0]->message.topic, "in/x");
    EXPECT_EQ(h.take_output(), (Bytes{0x40, 0x02, 0x00, 0x05}));  // PUBACK id 5
}

// ---- texts and names built from shared pieces (code size on Cortex-M): the exact words ---------

TEST(ClientConnack, RefusalText_IsTheFullSentencePerCode) {
    const char* const texts[] = {
        "connection refused (CONNACK 1): unacceptable protocol version",
        "connection refused (CONNACK 2): client identifier rejected",
        "connection refused (CONNACK 3): server unavailable",
        "connection refused (CONNACK 4): bad user name or password",
        "connection refused (CONNACK 5): not authorized",
    };
    for (std::uint8_t code = 1; code <= 5; ++code) {
        Harness h;
        ASSERT_TRUE(h.client->connect(h.now).ok());
        h.open_attempt();
        h.take_events();
        h.feed(connack(false, code));
        auto errors = h.of_type(Event::Type::error);
        ASSERT_EQ(errors.size(), 1u) << int(code);
        EXPECT_EQ(errors[0]->error.message, texts[code - 1]);
    }
}

TEST(ClientOfflineQueue, DisabledQueue_MessageSaysWhyThePublishCannotWait) {
    Config c = base_config();
    c.offline_queue.max_messages = 0;
    c.max_inflight = 1;
    Harness h(c);
    auto offline = h.client->publish("a", kPayload, 2, QoS::at_least_once, false, h.now);
    ASSERT_FALSE(offline.ok());
    EXPECT_EQ(offline.error().message, "publish(): not connected and the offline queue is disabled");
    h.connect_fully();
    ASSERT_TRUE(h.client->publish("a", kPayload, 2, QoS::at_least_once, false, h.now).ok());  // fills the window
    auto full = h.client->publish("a", kPayload, 2, QoS::at_least_once, false, h.now);
    ASSERT_FALSE(full.ok());
    EXPECT_EQ(full.error().code, Errc::queue_full);
    EXPECT_EQ(full.error().message, "publish(): the in-flight window is full and the offline queue is disabled");
}

TEST(ClientMalformed, TruncatedFields_NameTheFieldAndThePacket) {
    struct Case { Bytes bytes; const char* message; };
    const Case cases[] = {
        {{0x40, 0x01, 0x00}, "protocol error: PUBACK: packet identifier is truncated (runs past the remaining length)"},
        {{0x30, 0x02, 0x00, 0x05}, "protocol error: PUBLISH: topic name is truncated (runs past the remaining length)"},
        {{0x30, 0x02, 0x00, 0x00}, "protocol error: PUBLISH: topic name is empty"},  // a rule of the other kind
    };
    for (const auto& c : cases) {
        Harness h;
        h.connect_fully();
        h.take_events();
        h.feed(c.bytes);
        auto d = h.of_type(Event::Type::disconnected);
        ASSERT_EQ(d.size(), 1u) << c.message;
        EXPECT_EQ(d[0]->error.message, c.message);
    }
    Harness h;  // before CONNACK
    ASSERT_TRUE(h.client->connect(h.now).ok());
    h.open_attempt();
    h.feed({0x20, 0x01, 0x00});
    auto errors = h.of_type(Event::Type::error);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0]->error.message, "protocol error: CONNACK: variable header is truncated (runs past the remaining length)");
}

TEST(ClientLifecycle, ProvideTargetFromAConstResult_CopiesIt) {
    Harness h;
    ASSERT_TRUE(h.client->connect(h.now).ok());
    const Result<ConnectionTarget> answer = h.tcp_target();
    h.client->provide_target(answer, h.now);
    EXPECT_EQ(h.client->state(), State::opening);
    EXPECT_EQ(h.client->target().host, "127.0.0.1");
    ASSERT_TRUE(answer.ok());
    EXPECT_EQ(answer.value().host, "127.0.0.1") << "the caller's answer is copied, not moved from";
    EXPECT_EQ(h.of_type(Event::Type::open_transport).size(), 1u);
}

TEST(ClientNames, StatesAndEventTypes_HaveStableLowerSnakeNames) {
    const char* const states[] = {"idle", "waiting_target", "opening", "connecting", "connected", "backing_off", "closed"};
    for (unsigned i = 0; i < 7; ++i) EXPECT_STREQ(state_name(static_cast<State>(i)), states[i]);
    EXPECT_STREQ(state_name(static_cast<State>(7)), "unknown");
    const char* const types[] = {"need_target", "open_transport", "close_transport", "connected", "disconnected",
                                 "reconnecting", "message", "subscribed", "unsubscribed", "published",
                                 "publish_failed", "error"};
    for (unsigned i = 0; i < 12; ++i) EXPECT_STREQ(event_type_name(static_cast<Event::Type>(i)), types[i]);
    EXPECT_STREQ(event_type_name(static_cast<Event::Type>(12)), "unknown");
}
