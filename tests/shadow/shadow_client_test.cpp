// ShadowClient on a real iotlite::mqtt::Client fed with scripted broker bytes (fake clock).
#include <gtest/gtest.h>

#include <string>

#include "broker_script.hpp"

namespace {

using iotlite::Errc;
using iotlite::shadow::Json;
using iotlite::shadow::Operation;
using iotlite::shadow::RequestOptions;
using iotlite::shadow::ShadowConfig;
using iotlite::shadow::ShadowId;
using iotlite::shadow::Stream;
using shadow_test::Rig;
using shadow_test::SentPacket;
using Type = iotlite::shadow::ShadowEvent::Type;

constexpr std::uint8_t kPublish = 3;
constexpr std::uint8_t kSubscribe = 8;

const ShadowId kBulb{"Bulb1", ""};
const ShadowId kNamed{"Bulb1", "colors"};

Json J(const std::string& text) {
    auto value = iotlite::json::parse(text, 64);
    EXPECT_TRUE(value.ok()) << text;
    return value.ok() ? std::move(value.value()) : Json();
}

// Grants every filter of the last SUBSCRIBE with QoS 1.
void grant_last(Rig& rig) {
    const SentPacket* sub = rig.last_of(kSubscribe);
    ASSERT_NE(sub, nullptr);
    rig.feed(shadow_test::suback(sub->packet_id, std::vector<std::uint8_t>(sub->filters.size(), 0x01)));
}

TEST(ShadowClient, Get_FirstRequest_SubscribesExactResponseTopicsBeforePublishing) {
    Rig rig;
    rig.connect();
    auto id = rig.shadow->get(kBulb, rig.now);
    ASSERT_TRUE(id.ok()) << id.error().message;
    rig.pump();
    ASSERT_EQ(rig.sent.size(), 1u);
    const SentPacket& sub = rig.sent[0];
    ASSERT_EQ(sub.type, kSubscribe);
    EXPECT_EQ(sub.filters, (std::vector<std::string>{"$aws/things/Bulb1/shadow/get/accepted", "$aws/things/Bulb1/shadow/get/rejected"}));
    EXPECT_EQ(sub.qos, (std::vector<std::uint8_t>{1, 1}));
    EXPECT_EQ(rig.count_of(kPublish), 0u) << "nothing is published before the SUBACK";

    grant_last(rig);
    const SentPacket* pub = rig.last_of(kPublish);
    ASSERT_NE(pub, nullptr);
    EXPECT_EQ(pub->topic, "$aws/things/Bulb1/shadow/get");
    EXPECT_EQ(J(pub->payload), J(R"({"clientToken":"device-1-1"})"));
    EXPECT_EQ((pub->flags >> 1) & 3, 1) << "QoS 1";
    EXPECT_TRUE(rig.shadow_events.empty());
    EXPECT_TRUE(rig.app_events.empty()) << "the SUBACK was consumed by the shadow client";

    // AWS developer guide example document, answered on get/accepted.
    rig.broker_publish("$aws/things/Bulb1/shadow/get/accepted",
                       R"({"state":{"desired":{"color":"RED","state":"STOP"},"reported":{"color":"GREEN","engine":"ON"},)"
                       R"("delta":{"color":"RED","state":"STOP"}},"metadata":{"desired":{"color":{"timestamp":12345}}},)"
                       R"("version":17,"timestamp":123456789,"clientToken":"device-1-1"})");
    ASSERT_EQ(rig.shadow_events.size(), 1u);
    const auto& ev = rig.shadow_events[0];
    EXPECT_EQ(ev.type, Type::accepted);
    EXPECT_EQ(ev.request_id, id.value());
    EXPECT_EQ(ev.op, Operation::get);
    EXPECT_EQ(ev.document.version, 17u);
    EXPECT_EQ(ev.document.timestamp, 123456789u);
    EXPECT_EQ(ev.document.state["delta"], J(R"({"color":"RED","state":"STOP"})"));
    EXPECT_EQ(ev.document.metadata["desired"]["color"]["timestamp"], 12345);
    EXPECT_EQ(rig.shadow->in_flight(), 0u);
    const auto* mirror = rig.shadow->mirror(kBulb);
    ASSERT_NE(mirror, nullptr);
    EXPECT_EQ(mirror->version(), 17u);
    EXPECT_EQ(mirror->delta(), J(R"({"color":"RED","state":"STOP"})"));
    EXPECT_TRUE(rig.app_events.empty()) << "the response message was consumed";
}

TEST(ShadowClient, SecondRequestSameOperation_ReusesSubscriptionAndPublishesAtOnce) {
    Rig rig;
    rig.connect();
    ASSERT_TRUE(rig.shadow->get(kBulb, rig.now).ok());
    rig.pump();
    grant_last(rig);
    rig.sent.clear();
    ASSERT_TRUE(rig.shadow->get(kBulb, rig.now).ok());
    rig.pump();
    ASSERT_EQ(rig.sent.size(), 1u);
    EXPECT_EQ(rig.sent[0].type, kPublish);
    EXPECT_EQ(J(rig.sent[0].payload)["clientToken"], "device-1-2");
    // A different operation needs its own pair of response topics.
    rig.sent.clear();
    ASSERT_TRUE(rig.shadow->report(kBulb, J(R"({"on":true})"), rig.now).ok());
    rig.pump();
    ASSERT_EQ(rig.sent.size(), 1u);
    EXPECT_EQ(rig.sent[0].type, kSubscribe);
    EXPECT_EQ(rig.sent[0].filters[0], "$aws/things/Bulb1/shadow/update/accepted");
}

TEST(ShadowClient, TwoUpdatesAnsweredInReverseOrder_EachCorrelatedByClientToken) {
    Rig rig;
    rig.connect();
    RequestOptions first_opts;
    first_opts.client_token = "first";
    auto first = rig.shadow->report(kNamed, J(R"({"color":"red"})"), rig.now, first_opts);
    auto second = rig.shadow->report(kNamed, J(R"({"color":"blue"})"), rig.now);
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(second.ok());
    rig.pump();
    EXPECT_EQ(rig.count_of(kSubscribe), 1u) << "one SUBSCRIBE serves both requests";
    grant_last(rig);
    ASSERT_EQ(rig.count_of(kPublish), 2u);
    for (const auto& p : rig.sent) {
        if (p.type == kPublish) {
            EXPECT_EQ(p.topic, "$aws/things/Bulb1/shadow/name/colors/update");
        }
    }
    EXPECT_EQ(J(rig.sent[rig.sent.size() - 2].payload), J(R"({"state":{"reported":{"color":"red"}},"clientToken":"first"})"));

    rig.broker_publish("$aws/things/Bulb1/shadow/name/colors/update/accepted",
                       R"({"state":{"reported":{"color":"blue"}},"version":3,"timestamp":2,"clientToken":"device-1-1"})");
    rig.broker_publish("$aws/things/Bulb1/shadow/name/colors/update/accepted",
                       R"({"state":{"reported":{"color":"red"}},"version":2,"timestamp":1,"clientToken":"first"})");
    ASSERT_EQ(rig.shadow_events.size(), 2u);
    EXPECT_EQ(rig.shadow_events[0].request_id, second.value());
    EXPECT_EQ(rig.shadow_events[0].client_token, "device-1-1");
    EXPECT_EQ(rig.shadow_events[0].document.state["reported"]["color"], "blue");
    EXPECT_EQ(rig.shadow_events[1].request_id, first.value());
    EXPECT_EQ(rig.shadow_events[1].document.version, 2u);
    EXPECT_EQ(rig.shadow_events[0].shadow, kNamed);
    // The mirror keeps version 3 (blue); the late version 2 is stale.
    EXPECT_EQ(rig.shadow->mirror(kNamed)->reported(), J(R"({"color":"blue"})"));
    EXPECT_EQ(rig.shadow->mirror(kNamed)->version(), 3u);
    EXPECT_EQ(rig.shadow->mirror(kBulb), nullptr) << "the classic shadow is a different shadow";
}

TEST(ShadowClient, NoResponse_TimesOutExactlyAtTheDeadline) {
    ShadowConfig config;
    config.request_timeout_ms = 5000;
    Rig rig(config);
    rig.connect();
    const std::uint64_t start = rig.now;
    auto id = rig.shadow->get(kBulb, rig.now);
    ASSERT_TRUE(id.ok());
    rig.pump();
    grant_last(rig);
    EXPECT_EQ(rig.shadow->next_deadline_ms(), start + 5000);
    rig.advance(4999);
    EXPECT_TRUE(rig.shadow_events.empty());
    rig.advance(1);
    ASSERT_EQ(rig.shadow_events.size(), 1u);
    EXPECT_EQ(rig.shadow_events[0].type, Type::failed);
    EXPECT_EQ(rig.shadow_events[0].request_id, id.value());
    EXPECT_EQ(rig.shadow_events[0].error.code, Errc::timeout);
    EXPECT_NE(rig.shadow_events[0].error.message.find("5000 ms"), std::string::npos) << rig.shadow_events[0].error.message;
    EXPECT_EQ(rig.shadow->in_flight(), 0u);
    EXPECT_EQ(rig.shadow->next_deadline_ms(), UINT64_MAX);
    // A late answer for the timed-out request is not reported a second time.
    rig.broker_publish("$aws/things/Bulb1/shadow/get/accepted", R"({"state":{},"version":1,"clientToken":"device-1-1"})");
    EXPECT_EQ(rig.shadow_events.size(), 1u);
}

TEST(ShadowClient, SubackNeverComes_TimesOutNamingTheSuback) {
    Rig rig;
    rig.connect();
    RequestOptions opts;
    opts.timeout_ms = 300;
    ASSERT_TRUE(rig.shadow->get(kBulb, rig.now, opts).ok());
    rig.pump();
    rig.advance(300);
    ASSERT_EQ(rig.shadow_events.size(), 1u);
    EXPECT_EQ(rig.shadow_events[0].error.code, Errc::timeout);
    EXPECT_NE(rig.shadow_events[0].error.message.find("SUBACK"), std::string::npos);
    EXPECT_EQ(rig.count_of(kPublish), 0u);
}

TEST(ShadowClient, VersionConflict409_RejectedAsTypedConflict) {
    Rig rig;
    rig.connect();
    RequestOptions opts;
    opts.version = 5;
    auto id = rig.shadow->desire(kBulb, J(R"({"color":"RED"})"), rig.now, opts);
    ASSERT_TRUE(id.ok());
    rig.pump();
    grant_last(rig);
    const SentPacket* pub = rig.last_of(kPublish);
    ASSERT_NE(pub, nullptr);
    EXPECT_EQ(J(pub->payload), J(R"({"state":{"desired":{"color":"RED"}},"clientToken":"device-1-1","version":5})"));
    rig.broker_publish("$aws/things/Bulb1/shadow/update/rejected",
                       R"({"code":409,"message":"Version conflict","timestamp":1,"clientToken":"device-1-1"})");
    ASSERT_EQ(rig.shadow_events.size(), 1u);
    const auto& ev = rig.shadow_events[0];
    EXPECT_EQ(ev.type, Type::rejected);
    EXPECT_EQ(ev.request_id, id.value());
    EXPECT_EQ(ev.error.code, Errc::conflict);
    EXPECT_EQ(ev.rejection.code, 409);
    EXPECT_EQ(ev.rejection.message, "Version conflict");
    EXPECT_NE(ev.error.message.find("409 Version conflict"), std::string::npos);
}

TEST(ShadowClient, Rejected404_ServerErrorWithCode) {
    Rig rig;
    rig.connect();
    ASSERT_TRUE(rig.shadow->get(kNamed, rig.now).ok());
    rig.pump();
    grant_last(rig);
    rig.broker_publish("$aws/things/Bulb1/shadow/name/colors/get/rejected",
                       R"({"code":404,"message":"No shadow exists with name: 'colors'","clientToken":"device-1-1"})");
    ASSERT_EQ(rig.shadow_events.size(), 1u);
    EXPECT_EQ(rig.shadow_events[0].type, Type::rejected);
    EXPECT_EQ(rig.shadow_events[0].error.code, Errc::server_error);
    EXPECT_EQ(rig.shadow_events[0].rejection.code, 404);
}

TEST(ShadowClient, SubackFailure0x80_FailsRequestWithoutPublishingThenRetriesLater) {
    Rig rig;
    rig.connect();
    auto id = rig.shadow->get(kBulb, rig.now);
    ASSERT_TRUE(id.ok());
    rig.pump();
    const SentPacket* sub = rig.last_of(kSubscribe);
    ASSERT_NE(sub, nullptr);
    rig.feed(shadow_test::suback(sub->packet_id, {0x01, 0x80}));
    ASSERT_EQ(rig.shadow_events.size(), 1u);
    const auto& ev = rig.shadow_events[0];
    EXPECT_EQ(ev.type, Type::failed);
    EXPECT_EQ(ev.request_id, id.value());
    EXPECT_EQ(ev.error.code, Errc::server_error);
    EXPECT_NE(ev.error.message.find("SUBACK 0x80"), std::string::npos) << ev.error.message;
    EXPECT_NE(ev.error.message.find("$aws/things/Bulb1/shadow/get/rejected"), std::string::npos) << ev.error.message;
    EXPECT_EQ(rig.count_of(kPublish), 0u);
    EXPECT_EQ(rig.shadow->in_flight(), 0u);
    // The next request subscribes again.
    ASSERT_TRUE(rig.shadow->get(kBulb, rig.now).ok());
    rig.pump();
    EXPECT_EQ(rig.count_of(kSubscribe), 2u);
}

TEST(ShadowClient, EleventhRequestInFlight_RefusedLocallyWithQueueFull) {
    Rig rig;
    rig.connect();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(rig.shadow->get(kBulb, rig.now).ok()) << i;
    auto eleventh = rig.shadow->report(kBulb, J(R"({"a":1})"), rig.now);
    ASSERT_FALSE(eleventh.ok());
    EXPECT_EQ(eleventh.error().code, Errc::queue_full);
    EXPECT_NE(eleventh.error().message.find("429"), std::string::npos) << eleventh.error().message;
    EXPECT_EQ(rig.shadow->in_flight(), 10u);
    rig.pump();
    grant_last(rig);
    EXPECT_EQ(rig.count_of(kPublish), 10u);
    rig.broker_publish("$aws/things/Bulb1/shadow/get/accepted", R"({"state":{},"version":1,"clientToken":"device-1-4"})");
    EXPECT_EQ(rig.shadow->in_flight(), 9u);
    EXPECT_TRUE(rig.shadow->report(kBulb, J(R"({"a":1})"), rig.now).ok()) << "room again after a completion";
}

TEST(ShadowClient, ConfigMaxInFlightAbove10_Refused) {
    Rig rig;
    ShadowConfig config;
    config.max_in_flight = 11;
    auto r = iotlite::shadow::ShadowClient::create(*rig.mqtt, config);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    config.max_in_flight = 10;
    config.client_token_prefix = std::string(45, 'p');
    EXPECT_FALSE(iotlite::shadow::ShadowClient::create(*rig.mqtt, config).ok());
    config.client_token_prefix = std::string(44, 'p');
    EXPECT_TRUE(iotlite::shadow::ShadowClient::create(*rig.mqtt, config).ok());
}

TEST(ShadowClient, MergedStateOver8KB_RefusedBeforeSending) {
    Rig rig;
    rig.connect();
    ASSERT_TRUE(rig.shadow->get(kBulb, rig.now).ok());
    rig.pump();
    grant_last(rig);
    const std::string big(4000, 'X');
    rig.broker_publish("$aws/things/Bulb1/shadow/get/accepted",
                       R"({"state":{"reported":{"a":")" + big + R"("}},"version":1,"clientToken":"device-1-1"})");
    ASSERT_EQ(rig.shadow->mirror(kBulb)->version(), 1u);
    rig.sent.clear();
    // {"b":"Y..."} + {"a":"X..."} = (8 + 4176) + (8 + 4000) = 8192 bytes: allowed.
    Json ok_state = Json::object();
    ok_state["desired"]["b"] = std::string(4176, 'Y');
    auto at_limit = rig.shadow->update(kBulb, ok_state, rig.now);
    EXPECT_TRUE(at_limit.ok()) << at_limit.error().message;
    Json over = Json::object();
    over["desired"]["b"] = std::string(4177, 'Y');
    auto refused = rig.shadow->update(kBulb, over, rig.now);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, Errc::limit_exceeded);
    EXPECT_NE(refused.error().message.find("8193 bytes; AWS allows 8192"), std::string::npos) << refused.error().message;
    // Removing the reported key with null makes room.
    Json swap = Json::object();
    swap["desired"]["b"] = std::string(8000, 'Y');
    swap["reported"]["a"] = nullptr;
    EXPECT_TRUE(rig.shadow->update(kBulb, swap, rig.now).ok());
}

TEST(ShadowClient, StateOver8KBWithoutMirror_RequestItselfMeasured) {
    Rig rig;
    rig.connect();
    Json at = Json::object();
    at["a"] = std::string(8184, 'X');  // {"a":"..."} = 8192 bytes
    EXPECT_TRUE(rig.shadow->report(kBulb, at, rig.now).ok());
    Json over = Json::object();
    over["a"] = std::string(8185, 'X');
    auto r = rig.shadow->report(kBulb, over, rig.now);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
}

TEST(ShadowClient, ClientSideChecks_RefusedBeforeAnyPacket) {
    Rig rig;
    rig.connect();
    auto bad_thing = rig.shadow->get(ShadowId{"bad/thing", ""}, rig.now);
    ASSERT_FALSE(bad_thing.ok());
    EXPECT_EQ(bad_thing.error().code, Errc::invalid_argument);
    auto long_name = rig.shadow->get(ShadowId{"t", std::string(65, 'n')}, rig.now);
    ASSERT_FALSE(long_name.ok());
    EXPECT_EQ(long_name.error().code, Errc::limit_exceeded);
    RequestOptions long_token;
    long_token.client_token = std::string(65, 'k');
    auto tok = rig.shadow->get(kBulb, rig.now, long_token);
    ASSERT_FALSE(tok.ok());
    EXPECT_EQ(tok.error().code, Errc::limit_exceeded);
    auto not_object = rig.shadow->update_json(kBulb, "[1,2]", rig.now);
    ASSERT_FALSE(not_object.ok());
    EXPECT_EQ(not_object.error().code, Errc::invalid_argument);
    auto not_json = rig.shadow->update_json(kBulb, "{\"desired\":", rig.now);
    ASSERT_FALSE(not_json.ok());
    EXPECT_EQ(not_json.error().code, Errc::invalid_argument);
    auto deep = rig.shadow->update_json(kBulb, R"({"desired":{"a":{"b":{"c":{"d":{"e":{"f":{}}}}}}}})", rig.now);
    ASSERT_FALSE(deep.ok());
    EXPECT_EQ(deep.error().code, Errc::limit_exceeded);
    RequestOptions version_on_get;
    version_on_get.version = 3;
    EXPECT_FALSE(rig.shadow->get(kBulb, rig.now, version_on_get).ok());
    rig.pump();
    EXPECT_TRUE(rig.sent.empty()) << "no packet for refused requests";
    EXPECT_EQ(rig.shadow->in_flight(), 0u);
}

TEST(ShadowClient, DuplicateClientTokenInFlight_Refused) {
    Rig rig;
    rig.connect();
    RequestOptions opts;
    opts.client_token = "same";
    ASSERT_TRUE(rig.shadow->get(kBulb, rig.now, opts).ok());
    auto dup = rig.shadow->get(kNamed, rig.now, opts);
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().code, Errc::invalid_argument);
}

TEST(ShadowClient, WatchDelta_SubscribesOnDemandAndDeliversTypedDeltaToMirror) {
    Rig rig;
    rig.connect();
    ASSERT_TRUE(rig.shadow->watch(kBulb, Stream::delta, rig.now).ok());
    ASSERT_TRUE(rig.shadow->watch(kBulb, Stream::delta, rig.now).ok()) << "idempotent";
    rig.pump();
    ASSERT_EQ(rig.count_of(kSubscribe), 1u);
    EXPECT_EQ(rig.sent[0].filters, std::vector<std::string>{"$aws/things/Bulb1/shadow/update/delta"});
    grant_last(rig);
    ASSERT_EQ(rig.shadow_events.size(), 1u);
    EXPECT_EQ(rig.shadow_events[0].type, Type::stream_ready);
    EXPECT_EQ(rig.shadow_events[0].stream, Stream::delta);
    rig.broker_publish("$aws/things/Bulb1/shadow/update/delta",
                       R"({"state":{"color":"RED","state":"STOP"},"metadata":{"color":{"timestamp":12345},)"
                       R"("state":{"timestamp":12345}},"version":18,"timestamp":123456790})");
    ASSERT_EQ(rig.shadow_events.size(), 2u);
    const auto& ev = rig.shadow_events[1];
    EXPECT_EQ(ev.type, Type::delta);
    EXPECT_EQ(ev.shadow, kBulb);
    EXPECT_EQ(ev.document.state, J(R"({"color":"RED","state":"STOP"})"));
    EXPECT_EQ(ev.document.version, 18u);
    EXPECT_EQ(rig.shadow->mirror(kBulb)->desired(), J(R"({"color":"RED","state":"STOP"})"));
    EXPECT_TRUE(rig.app_events.empty());
}

TEST(ShadowClient, WatchDocuments_PreviousAndCurrentDelivered) {
    Rig rig;
    rig.connect();
    ASSERT_TRUE(rig.shadow->watch(kNamed, Stream::documents, rig.now).ok());
    rig.pump();
    grant_last(rig);
    rig.broker_publish("$aws/things/Bulb1/shadow/name/colors/update/documents",
                       R"({"previous":{"state":{"desired":{"color":"RED"},"reported":{"color":"GREEN"}},"metadata":{},"version":10},)"
                       R"("current":{"state":{"desired":{"color":"DARK"},"reported":{"color":"GREEN"}},"metadata":{},"version":11},)"
                       R"("timestamp":1470000000,"clientToken":"other"})");
    ASSERT_EQ(rig.shadow_events.size(), 2u);
    const auto& ev = rig.shadow_events[1];
    EXPECT_EQ(ev.type, Type::documents);
    EXPECT_EQ(ev.previous.version, 10u);
    EXPECT_EQ(ev.document.version, 11u);
    EXPECT_EQ(ev.document.state["desired"]["color"], "DARK");
    EXPECT_EQ(rig.shadow->mirror(kNamed)->desired(), J(R"({"color":"DARK"})"));
    EXPECT_EQ(rig.shadow->mirror(kNamed)->delta(), J(R"({"color":"DARK"})"));
}

TEST(ShadowClient, WatchRefused0x80_StreamFailedEvent) {
    Rig rig;
    rig.connect();
    ASSERT_TRUE(rig.shadow->watch(kBulb, Stream::documents, rig.now).ok());
    rig.pump();
    const SentPacket* sub = rig.last_of(kSubscribe);
    ASSERT_NE(sub, nullptr);
    rig.feed(shadow_test::suback(sub->packet_id, {0x80}));
    ASSERT_EQ(rig.shadow_events.size(), 1u);
    EXPECT_EQ(rig.shadow_events[0].type, Type::stream_failed);
    EXPECT_EQ(rig.shadow_events[0].error.code, Errc::server_error);
}

TEST(ShadowClient, OtherClientsUpdateAccepted_AppliedToMirrorWithoutCompletingAnything) {
    Rig rig;
    rig.connect();
    ASSERT_TRUE(rig.shadow->report(kBulb, J(R"({"on":true})"), rig.now).ok());
    rig.pump();
    grant_last(rig);
    rig.broker_publish("$aws/things/Bulb1/shadow/update/accepted",
                       R"({"state":{"desired":{"level":7}},"version":4,"clientToken":"someone-else"})");
    EXPECT_TRUE(rig.shadow_events.empty());
    EXPECT_EQ(rig.shadow->in_flight(), 1u);
    EXPECT_EQ(rig.shadow->mirror(kBulb)->desired(), J(R"({"level":7})"));
}

TEST(ShadowClient, DeleteAccepted_CompletesAndClearsMirror) {
    Rig rig;
    rig.connect();
    ASSERT_TRUE(rig.shadow->get(kBulb, rig.now).ok());
    rig.pump();
    grant_last(rig);
    rig.broker_publish("$aws/things/Bulb1/shadow/get/accepted",
                       R"({"state":{"reported":{"a":1}},"version":7,"clientToken":"device-1-1"})");
    auto del = rig.shadow->remove(kBulb, rig.now);
    ASSERT_TRUE(del.ok());
    rig.pump();
    const SentPacket* sub = rig.last_of(kSubscribe);
    ASSERT_NE(sub, nullptr);
    EXPECT_EQ(sub->filters[0], "$aws/things/Bulb1/shadow/delete/accepted");
    grant_last(rig);
    const SentPacket* pub = rig.last_of(kPublish);
    ASSERT_NE(pub, nullptr);
    EXPECT_EQ(pub->topic, "$aws/things/Bulb1/shadow/delete");
    rig.broker_publish("$aws/things/Bulb1/shadow/delete/accepted", R"({"version":7,"timestamp":5,"clientToken":"device-1-2"})");
    ASSERT_EQ(rig.shadow_events.size(), 2u);
    EXPECT_EQ(rig.shadow_events[1].type, Type::accepted);
    EXPECT_EQ(rig.shadow_events[1].op, Operation::delete_shadow);
    EXPECT_FALSE(rig.shadow->mirror(kBulb)->exists());
}

TEST(ShadowClient, MalformedJsonOnResponseTopic_ErrorEventNoCrash) {
    Rig rig;
    rig.connect();
    ASSERT_TRUE(rig.shadow->get(kBulb, rig.now).ok());
    rig.pump();
    grant_last(rig);
    rig.broker_publish("$aws/things/Bulb1/shadow/get/accepted", "{not json");
    rig.broker_publish("$aws/things/Bulb1/shadow/get/accepted", R"({"version":"seven","clientToken":"device-1-1"})");
    ASSERT_EQ(rig.shadow_events.size(), 2u);
    EXPECT_EQ(rig.shadow_events[0].type, Type::error);
    EXPECT_EQ(rig.shadow_events[0].error.code, Errc::protocol_error);
    EXPECT_EQ(rig.shadow_events[0].payload, "{not json");
    EXPECT_EQ(rig.shadow->in_flight(), 1u) << "still waiting for a valid answer (or its timeout)";
}

TEST(ShadowClient, UnrelatedEvents_LeftToTheApplication) {
    Rig rig;
    rig.connect();
    auto sub = rig.mqtt->subscribe({iotlite::mqtt::TopicFilter{"app/cmd", iotlite::mqtt::QoS::at_most_once}}, rig.now);
    ASSERT_TRUE(sub.ok());
    rig.pump();
    rig.feed(shadow_test::suback(rig.last_of(kSubscribe)->packet_id, {0x00}));
    rig.broker_publish("app/cmd", "hello");
    // A shadow topic the shadow client never subscribed to is not its business either.
    rig.broker_publish("$aws/things/Other/shadow/update/delta", R"({"state":{"x":1},"version":1})");
    ASSERT_EQ(rig.app_events.size(), 3u);
    EXPECT_EQ(rig.app_events[0].type, iotlite::mqtt::Event::Type::subscribed);
    EXPECT_EQ(rig.app_events[1].type, iotlite::mqtt::Event::Type::message);
    EXPECT_EQ(rig.app_events[2].message.topic, "$aws/things/Other/shadow/update/delta");
    EXPECT_TRUE(rig.shadow_events.empty());
}

TEST(ShadowClient, PubackOfShadowPublish_Consumed) {
    Rig rig;
    rig.connect();
    ASSERT_TRUE(rig.shadow->get(kBulb, rig.now).ok());
    rig.pump();
    grant_last(rig);
    const SentPacket* pub = rig.last_of(kPublish);
    ASSERT_NE(pub, nullptr);
    rig.feed(shadow_test::puback(pub->packet_id));
    EXPECT_TRUE(rig.app_events.empty());
    EXPECT_EQ(rig.shadow->in_flight(), 1u) << "a PUBACK is not an answer";
}

TEST(ShadowClient, ClientDisconnected_PendingRequestsFailWithClosed) {
    Rig rig;
    rig.connect();
    auto sent = rig.shadow->get(kBulb, rig.now);
    ASSERT_TRUE(sent.ok());
    rig.pump();
    grant_last(rig);
    auto waiting = rig.shadow->report(kBulb, J(R"({"a":1})"), rig.now);  // still waiting for its SUBACK
    ASSERT_TRUE(waiting.ok());
    rig.mqtt->disconnect(rig.now);
    rig.pump();
    ASSERT_EQ(rig.shadow_events.size(), 2u);
    for (const auto& ev : rig.shadow_events) {
        EXPECT_EQ(ev.type, Type::failed);
        EXPECT_EQ(ev.error.code, Errc::closed);
    }
    EXPECT_EQ(rig.shadow->in_flight(), 0u);
    EXPECT_EQ(rig.shadow->next_deadline_ms(), UINT64_MAX);
    bool saw_disconnected = false;
    for (const auto& ev : rig.app_events) saw_disconnected |= ev.type == iotlite::mqtt::Event::Type::disconnected;
    EXPECT_TRUE(saw_disconnected) << "disconnected stays visible to the application";
}

TEST(ShadowClient, DefaultTokenPrefix_DerivedFromClientIdTokenSafeAndWithin64Bytes) {
    // A 128-byte client id (AWS's maximum) with characters a clientToken must not carry.
    std::string client_id = "dev\"ice 1\\";
    client_id += std::string(128 - client_id.size(), 'z');
    Rig rig(ShadowConfig{}, client_id);
    rig.connect();
    ASSERT_TRUE(rig.shadow->get(kBulb, rig.now).ok());
    rig.pump();
    grant_last(rig);
    const SentPacket* pub = rig.last_of(kPublish);
    ASSERT_NE(pub, nullptr);
    const std::string token = J(pub->payload)["clientToken"].get<std::string>();
    EXPECT_EQ(token, "dev_ice_1_" + std::string(33, 'z') + "-1");
    EXPECT_TRUE(iotlite::shadow::validate_client_token(token).ok());
}

TEST(ShadowClient, RequestBeforeConnect_SubscribeThenPublishOnlyAfterSuback) {
    Rig rig;
    auto id = rig.shadow->get(kBulb, rig.now);
    ASSERT_TRUE(id.ok()) << id.error().message;
    rig.pump();
    EXPECT_TRUE(rig.sent.empty()) << "offline: nothing written yet";
    ASSERT_TRUE(rig.mqtt->connect(rig.now).ok());
    rig.pump();
    iotlite::mqtt::ConnectionTarget target;
    target.kind = iotlite::mqtt::TransportKind::tcp;
    target.host = "127.0.0.1";
    target.port = 1883;
    rig.mqtt->provide_target(target, rig.now);
    rig.mqtt->on_open(rig.now);
    rig.pump();
    rig.feed(shadow_test::connack());
    ASSERT_GE(rig.sent.size(), 2u);
    EXPECT_EQ(rig.sent[0].type, 1) << "CONNECT";
    EXPECT_EQ(rig.count_of(kSubscribe), 1u);
    EXPECT_EQ(rig.count_of(kPublish), 0u) << "no request before its SUBACK";
    grant_last(rig);
    ASSERT_EQ(rig.count_of(kPublish), 1u);
    EXPECT_EQ(rig.sent.back().topic, "$aws/things/Bulb1/shadow/get");
}

TEST(ShadowClient, HostilePayloadsOnSubscribedTopics_ErrorEventsNoCrash) {
    Rig rig;
    rig.connect();
    ASSERT_TRUE(rig.shadow->watch(kBulb, Stream::delta, rig.now).ok());
    ASSERT_TRUE(rig.shadow->watch(kBulb, Stream::documents, rig.now).ok());
    rig.pump();
    for (const auto& p : std::vector<SentPacket>(rig.sent)) {
        if (p.type == kSubscribe) rig.feed(shadow_test::suback(p.packet_id, {0x01}));
    }
    rig.shadow_events.clear();
    const std::vector<std::string> hostile = {
        std::string(5000, '[') + std::string(5000, ']'),
        std::string(5000, '{'),
        R"({"state":{"a":1e999999},"version":1})",
        R"({"state":{"a":"\ud800"},"version":2})",
        "\xff\xfe\x00",
        "",
        R"({"state":[1,2],"version":3})",
        R"({"state":{},"version":18446744073709551616})",
        R"({"previous":5,"current":{"state":{},"version":1}})",
        R"({"current":{"state":"x"}})",
        "null",
    };
    for (const auto& payload : hostile) {
        rig.broker_publish("$aws/things/Bulb1/shadow/update/delta", payload);
        rig.broker_publish("$aws/things/Bulb1/shadow/update/documents", payload);
    }
    std::string kinds;
    for (const auto& ev : rig.shadow_events) kinds += ev.type == Type::error ? 'E' : ev.type == Type::delta ? 'd' : ev.type == Type::documents ? 'D' : '?';
    EXPECT_EQ(kinds, std::string(2 * hostile.size(), 'E')) << "E error, d delta, D documents";
    const auto* mirror = rig.shadow->mirror(kBulb);
    ASSERT_NE(mirror, nullptr);
    EXPECT_EQ(mirror->desired(), Json::object());
}

TEST(ShadowClient, AfterReconnect_EngineResubscribesAndNewRequestsStillCorrelate) {
    Rig rig(ShadowConfig{}, "device-1", /*reconnect=*/true);
    rig.connect();
    ASSERT_TRUE(rig.shadow->get(kBulb, rig.now).ok());
    rig.pump();
    grant_last(rig);
    rig.broker_publish("$aws/things/Bulb1/shadow/get/accepted", R"({"state":{},"version":1,"clientToken":"device-1-1"})");
    ASSERT_EQ(rig.shadow_events.size(), 1u);

    // The broker drops the connection; the engine backs off, reconnects without a session and
    // re-subscribes the shadow client's filters by itself.
    rig.mqtt->on_closed(iotlite::make_error(Errc::closed, "peer closed"), rig.now);
    rig.pump();
    rig.sent.clear();
    rig.advance(1000);
    rig.open_and_connack();
    rig.pump();
    const SentPacket* resub = rig.last_of(kSubscribe);
    ASSERT_NE(resub, nullptr) << "the engine re-subscribes after a session-less reconnect";
    EXPECT_EQ(resub->filters, (std::vector<std::string>{"$aws/things/Bulb1/shadow/get/accepted", "$aws/things/Bulb1/shadow/get/rejected"}));
    rig.feed(shadow_test::suback(resub->packet_id, {0x01, 0x01}));
    for (const auto& ev : rig.app_events) {
        EXPECT_NE(ev.type, iotlite::mqtt::Event::Type::error) << ev.error.message;
        EXPECT_NE(ev.type, iotlite::mqtt::Event::Type::message);
    }

    rig.sent.clear();
    auto again = rig.shadow->get(kBulb, rig.now);
    ASSERT_TRUE(again.ok());
    rig.pump();
    ASSERT_EQ(rig.sent.size(), 1u);
    EXPECT_EQ(rig.sent[0].type, kPublish) << "the subscription is still ours: no second SUBSCRIBE";
    rig.broker_publish("$aws/things/Bulb1/shadow/get/accepted", R"({"state":{},"version":2,"clientToken":"device-1-2"})");
    ASSERT_EQ(rig.shadow_events.size(), 2u);
    EXPECT_EQ(rig.shadow_events[1].type, Type::accepted);
    EXPECT_EQ(rig.shadow_events[1].request_id, again.value());
}

}  // namespace

// As an mqtt::Service: its handler runs from deliver_events() only, never from on_tick()/on_event().
TEST(ShadowClient, AsService_TimeoutQueuedByOnTick_HandlerRunsOnlyFromDeliverEvents) {
    ShadowConfig config;
    config.request_timeout_ms = 1000;
    Rig rig(config);
    rig.connect();
    ASSERT_TRUE(rig.shadow->get(kBulb, rig.now).ok());
    rig.pump();
    grant_last(rig);
    iotlite::mqtt::Service& service = rig.service();
    EXPECT_EQ(service.next_deadline_ms(), rig.now + 1000);
    service.on_tick(rig.now + 1000);
    EXPECT_TRUE(rig.shadow_events.empty()) << "the handler ran from on_tick()";
    EXPECT_TRUE(service.deliver_events());
    ASSERT_EQ(rig.shadow_events.size(), 1u);
    EXPECT_EQ(rig.shadow_events[0].type, Type::failed);
    EXPECT_FALSE(service.deliver_events()) << "nothing left";
}

TEST(ShadowClient, AsService_NoHandler_DeliverEventsDropsThem) {
    ShadowConfig config;
    config.request_timeout_ms = 1000;
    Rig rig(config);
    rig.shadow->set_event_handler(nullptr);
    rig.connect();
    ASSERT_TRUE(rig.shadow->get(kBulb, rig.now).ok());
    rig.pump();
    rig.service().on_tick(rig.now + 1000);
    EXPECT_TRUE(rig.service().deliver_events());
    iotlite::shadow::ShadowEvent left;
    EXPECT_FALSE(rig.shadow->poll_event(left)) << "a driver without a handler would let them pile up";
    EXPECT_TRUE(rig.shadow_events.empty());
}

TEST(ShadowClient, AsService_HandlerStartsRequests_ReentrySafeAndNothingDeliveredTwice) {
    ShadowConfig config;
    config.request_timeout_ms = 1000;
    Rig rig(config);
    rig.connect();
    int calls = 0;
    // Every failure starts another get (re-entering the client), which fails at once on the next tick.
    rig.shadow->set_event_handler([&](const iotlite::shadow::ShadowEvent&) {
        ++calls;
        (void)rig.shadow->get(kBulb, rig.now);
    });
    ASSERT_TRUE(rig.shadow->get(kBulb, rig.now).ok());
    ASSERT_TRUE(rig.shadow->get(kNamed, rig.now).ok());
    rig.service().on_tick(rig.now + 1000);  // both time out: two events queued
    EXPECT_TRUE(rig.service().deliver_events());
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(rig.shadow->in_flight(), 2u) << "the handler's requests are pending, not delivered";
    EXPECT_FALSE(rig.service().deliver_events());
    EXPECT_EQ(calls, 2);
}
