// services::RequestTracker, the request/response layer every AWS MQTT API shares, on a real
// iotlite::mqtt::Client fed with scripted broker bytes (fake clock). The API here is a made-up
// one ("jobs"-like topics) so that nothing shadow-specific helps it pass.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "broker_script.hpp"
#include "iotlite/services/request_tracker.hpp"

namespace {

using iotlite::Errc;
using iotlite::Error;
using iotlite::services::RequestTracker;
using iotlite::services::RequestTrackerConfig;
using iotlite::services::TrackedRequest;
using shadow_test::SentPacket;

constexpr std::uint8_t kPublish = 3;
constexpr std::uint8_t kSubscribe = 8;

const std::vector<std::string> kResponses{"$aws/things/T/jobs/get/accepted", "$aws/things/T/jobs/get/rejected"};

struct Failure {
    std::uint32_t id;
    std::string token;
    Error error;
};

// A connected engine and a tracker, driven like a service; what the tracker reports is recorded.
class TrackerRig : public shadow_test::EngineRig, private RequestTracker::Owner, private iotlite::mqtt::Service {
public:
    explicit TrackerRig(std::size_t max_in_flight = 3) {
        make_engine(engine_config("dev", false));
        RequestTrackerConfig config;
        config.service = "jobs";
        config.max_in_flight = max_in_flight;
        config.in_flight_rule = "AWS allows 3 here";
        config.request_timeout_ms = 500;
        config.client_token_prefix = "p-";
        tracker = std::make_unique<RequestTracker>(*mqtt, static_cast<RequestTracker::Owner&>(*this), config);
        service_ = static_cast<iotlite::mqtt::Service*>(this);
        connect();
    }

    TrackedRequest request(const std::string& token, const std::string& payload = "{}") {
        TrackedRequest r;
        r.client_token = token;
        r.topic = "$aws/things/T/jobs/get";
        r.payload = payload;
        r.response_key = r.topic;
        r.verb = "get";
        return r;
    }
    iotlite::Result<std::uint32_t> start(const std::string& token) {
        auto id = tracker->start(request(token), kResponses, now);
        pump();
        return id;
    }

    std::unique_ptr<RequestTracker> tracker;
    std::vector<Failure> failures;
    std::vector<std::pair<std::string, bool>> subscriptions;

private:
    void request_failed(TrackedRequest&& r, Error error) override { failures.push_back({r.id, r.client_token, std::move(error)}); }
    void subscription_done(const std::string& key, bool granted, const Error&) override { subscriptions.emplace_back(key, granted); }
    // The tracker as the service the rig drives.
    bool on_event(const iotlite::mqtt::Event& event, std::uint64_t now_ms) override { return tracker->on_event(event, now_ms); }
    void on_tick(std::uint64_t now_ms) override { tracker->on_tick(now_ms); }
    std::uint64_t next_deadline_ms() const override { return tracker->next_deadline_ms(); }
    bool deliver_events() override { return false; }
};

bool by_token(const TrackedRequest& r, const std::string& token) { return r.client_token == token; }

TEST(RequestTracker, Start_PublishesOnlyAfterTheSubackThenTakeCompletesItOnce) {
    TrackerRig rig;
    auto id = rig.start("a");
    ASSERT_TRUE(id.ok()) << id.error().message;
    ASSERT_EQ(rig.sent.size(), 1u);
    EXPECT_EQ(rig.sent[0].type, kSubscribe);
    EXPECT_EQ(rig.sent[0].filters, kResponses);
    EXPECT_EQ(rig.sent[0].qos, (std::vector<std::uint8_t>{1, 1}));

    rig.grant_last();
    const SentPacket* pub = rig.last_of(kPublish);
    ASSERT_NE(pub, nullptr);
    EXPECT_EQ(pub->topic, "$aws/things/T/jobs/get");
    EXPECT_EQ((pub->flags >> 1) & 3, 1) << "QoS 1";
    EXPECT_TRUE(rig.app_events.empty()) << "the SUBACK is the tracker's";
    ASSERT_EQ(rig.subscriptions.size(), 1u);
    EXPECT_EQ(rig.subscriptions[0], std::make_pair(std::string("$aws/things/T/jobs/get"), true));

    TrackedRequest taken;
    ASSERT_TRUE(rig.tracker->take([](const TrackedRequest& r) { return by_token(r, "a"); }, taken));
    EXPECT_EQ(taken.id, id.value());
    EXPECT_EQ(rig.tracker->in_flight(), 0u);
    EXPECT_FALSE(rig.tracker->take([](const TrackedRequest& r) { return by_token(r, "a"); }, taken)) << "answered once";
    rig.advance(10000);
    EXPECT_TRUE(rig.failures.empty()) << "a completed request never times out";
}

TEST(RequestTracker, SecondRequest_SameResponseKey_ReusesTheSubscription) {
    TrackerRig rig;
    ASSERT_TRUE(rig.start("a").ok());
    ASSERT_TRUE(rig.start("b").ok());
    EXPECT_EQ(rig.count_of(kSubscribe), 1u) << "one SUBSCRIBE while the first is pending";
    rig.grant_last();
    EXPECT_EQ(rig.count_of(kPublish), 2u) << "both wait for the one SUBACK";
    ASSERT_TRUE(rig.start("c").ok());
    EXPECT_EQ(rig.count_of(kSubscribe), 1u) << "kept once granted";
    EXPECT_EQ(rig.count_of(kPublish), 3u) << "published at once on an active subscription";
}

TEST(RequestTracker, Bound_Full_RefusesTheNextWithQueueFullNamingTheRule) {
    TrackerRig rig(2);
    ASSERT_TRUE(rig.start("a").ok());
    ASSERT_TRUE(rig.start("b").ok());
    const std::size_t written = rig.sent.size();
    auto third = rig.start("c");
    ASSERT_FALSE(third.ok());
    EXPECT_EQ(third.error().code, Errc::queue_full);
    EXPECT_EQ(third.error().message, "2 jobs requests are in flight; AWS allows 3 here: wait for one to complete");
    EXPECT_EQ(rig.sent.size(), written) << "refused, not queued";
    EXPECT_EQ(rig.tracker->in_flight(), 2u);
}

TEST(RequestTracker, Tokens_GivenInUseRefused_GeneratedSkipTokensInUse) {
    TrackerRig rig;
    ASSERT_TRUE(rig.start("p-2").ok());
    auto again = rig.tracker->make_token("p-2");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Errc::invalid_argument);
    EXPECT_EQ(again.error().message, "clientToken 'p-2' is already used by a request in flight");
    auto duplicate = rig.start("p-2");
    ASSERT_FALSE(duplicate.ok()) << "start() checks it too";

    auto first = rig.tracker->make_token("");
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first.value(), "p-1");
    auto second = rig.tracker->make_token("");
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second.value(), "p-3") << "p-2 is in flight";
}

TEST(RequestTracker, RefusedSuback_FailsEveryWaitingRequestOnceAndTheNextSubscribesAgain) {
    TrackerRig rig;
    auto a = rig.start("a");
    auto b = rig.start("b");
    ASSERT_TRUE(a.ok() && b.ok());
    const SentPacket* sub = rig.last_of(kSubscribe);
    ASSERT_NE(sub, nullptr);
    rig.feed(shadow_test::suback(sub->packet_id, {0x01, 0x80}));
    ASSERT_EQ(rig.failures.size(), 2u);
    EXPECT_EQ(rig.failures[0].id, a.value());
    EXPECT_EQ(rig.failures[1].id, b.value());
    for (const auto& f : rig.failures) {
        EXPECT_EQ(f.error.code, Errc::server_error);
        EXPECT_NE(f.error.message.find("'$aws/things/T/jobs/get/rejected' (SUBACK 0x80)"), std::string::npos) << f.error.message;
    }
    EXPECT_EQ(rig.count_of(kPublish), 0u);
    ASSERT_EQ(rig.subscriptions.size(), 1u);
    EXPECT_FALSE(rig.subscriptions[0].second);
    EXPECT_EQ(rig.tracker->in_flight(), 0u);
    rig.advance(10000);
    EXPECT_EQ(rig.failures.size(), 2u) << "no second fate by timeout";

    ASSERT_TRUE(rig.start("c").ok());
    EXPECT_EQ(rig.count_of(kSubscribe), 2u) << "a refused subscription is tried again";
}

TEST(RequestTracker, Timeout_BeforeAndAfterTheSuback_NamesWhatNeverCame) {
    TrackerRig rig;
    ASSERT_TRUE(rig.start("a").ok());
    EXPECT_EQ(rig.tracker->next_deadline_ms(), rig.now + 500);
    rig.advance(499);
    EXPECT_TRUE(rig.failures.empty());
    rig.advance(1);
    ASSERT_EQ(rig.failures.size(), 1u);
    EXPECT_EQ(rig.failures[0].error.code, Errc::timeout);
    EXPECT_EQ(rig.failures[0].error.message,
              "no response to jobs get (clientToken 'a') within 500 ms; the SUBACK for its response topics never came");

    rig.grant_last();
    TrackedRequest with_timeout = rig.request("b");
    with_timeout.timeout_ms = 200;
    ASSERT_TRUE(rig.tracker->start(std::move(with_timeout), kResponses, rig.now).ok());
    rig.pump();
    rig.advance(200);
    ASSERT_EQ(rig.failures.size(), 2u);
    EXPECT_EQ(rig.failures[1].error.message, "no response to jobs get (clientToken 'b') within 200 ms");
    EXPECT_EQ(rig.tracker->next_deadline_ms(), UINT64_MAX);
}

TEST(RequestTracker, TokenlessRequests_TakenByTheServicesOwnMatch) {
    TrackerRig rig;
    ASSERT_TRUE(rig.start("").ok());
    ASSERT_TRUE(rig.start("").ok()) << "an API without tokens may have several in flight";
    rig.grant_last();
    TrackedRequest taken;
    ASSERT_TRUE(rig.tracker->take([](const TrackedRequest& r) { return r.topic == "$aws/things/T/jobs/get"; }, taken));
    EXPECT_EQ(taken.id, 1u) << "the oldest first";
    ASSERT_TRUE(rig.tracker->take([](const TrackedRequest& r) { return r.topic == "$aws/things/T/jobs/get"; }, taken));
    EXPECT_EQ(taken.id, 2u);
}

TEST(RequestTracker, NotYetSent_IsNotTaken) {
    TrackerRig rig;
    ASSERT_TRUE(rig.start("a").ok());
    TrackedRequest taken;
    EXPECT_FALSE(rig.tracker->take([](const TrackedRequest& r) { return by_token(r, "a"); }, taken))
        << "an answer before the request went out is another client's";
    EXPECT_EQ(rig.tracker->in_flight(), 1u);
}

TEST(RequestTracker, ClientClosed_FailsEveryRequestClosedAndForgetsSubscriptions) {
    TrackerRig rig;
    ASSERT_TRUE(rig.start("a").ok());
    rig.grant_last();
    ASSERT_TRUE(rig.start("b").ok());
    rig.mqtt->disconnect(rig.now);
    rig.pump();
    ASSERT_EQ(rig.failures.size(), 2u);
    for (const auto& f : rig.failures) {
        EXPECT_EQ(f.error.code, Errc::closed);
        EXPECT_EQ(f.error.message, "the MQTT client closed before the jobs response arrived");
    }
    EXPECT_FALSE(rig.tracker->subscribed("$aws/things/T/jobs/get"));
}

TEST(RequestTracker, PublishRefusedByTheEngine_StartFailsAndTracksNothing) {
    TrackerRig rig;
    ASSERT_TRUE(rig.start("a").ok());
    rig.grant_last();
    TrackedRequest bad = rig.request("b");
    bad.topic = "$aws/things/T/jobs/+";  // a wildcard is not a topic name
    auto started = rig.tracker->start(std::move(bad), kResponses, rig.now);
    ASSERT_FALSE(started.ok());
    EXPECT_EQ(started.error().code, Errc::invalid_topic);
    EXPECT_EQ(rig.tracker->in_flight(), 1u) << "only the first";
}

}  // namespace
