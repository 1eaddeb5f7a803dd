// Device shadow integration: real iotlite::mqtt::Client + shadow::ShadowClient pairs over TCP
// against the local AWS IoT Core stand-in (standin/standin.mjs, started per test as a child
// process; its shadow service implements the AWS semantics independently of our client).
//
// Expected documents are written by hand from the AWS IoT developer guide ("Device Shadow service
// documents": request/response documents, the delta-state examples with color/state/engine and the
// nested "lights" example, deleting properties with null, "desired": null; "Device Shadow MQTT
// topics": /update/delta, /update/documents with previous/current; "Device Shadow error
// messages": 404 "No shadow exists with name", 409 "Version conflict"; "Simulating Device Shadow
// service communications": mySimulatedThing / simShadow1). Timestamps are checked to lie within
// the test's run time and then replaced by 0 before the comparison; every other field is exact.
#include <gtest/gtest.h>

#include <signal.h>

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "iotlite/services/shadow/shadow_client.hpp"
#include "shadow_peer.hpp"
#include "standin_process.hpp"

namespace iotlite::test {
namespace {

using shadow::Json;
using shadow::ShadowEvent;
using shadow::ShadowId;
using shadow::Stream;
using Type = shadow::ShadowEvent::Type;

constexpr std::uint32_t kStartTimeoutMs = 30000;
constexpr std::uint32_t kWaitMs = 10000;

Json parse(const std::string& text) {
    auto j = iotlite::json::parse(text, 64);
    if (!j.ok()) ADD_FAILURE() << "not JSON: " << text;
    return j.ok() ? std::move(j.value()) : Json();
}

// Checks every numeric "timestamp" member (at any depth) lies in [lo, hi] epoch seconds and sets it
// to 0, so that hand-written expectations can use 0. Returns the first violation ("" if none).
std::string zero_timestamps(Json& j, std::int64_t lo, std::int64_t hi) {
    std::string bad;
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (it.key() == "timestamp") {
                if (!it.value().is_number_integer()) {
                    bad = "timestamp is not an integer: " + it.value().dump();
                } else {
                    const auto t = it.value().get<std::int64_t>();
                    if (t < lo || t > hi)
                        bad = "timestamp " + std::to_string(t) + " outside [" + std::to_string(lo) + ", " +
                              std::to_string(hi) + "]";
                    it.value() = 0;
                }
            } else {
                const std::string sub = zero_timestamps(it.value(), lo, hi);
                if (bad.empty()) bad = sub;
            }
        }
    } else if (j.is_array()) {
        for (auto& e : j) {
            const std::string sub = zero_timestamps(e, lo, hi);
            if (bad.empty()) bad = sub;
        }
    }
    return bad;
}

std::int64_t epoch_s() { return static_cast<std::int64_t>(std::time(nullptr)); }

class ShadowIntegration : public ::testing::Test {
protected:
    void SetUp() override {
        t0_ = epoch_s();
        const std::string err = standin_.start(IOTLITE_NODE, IOTLITE_STANDIN_SCRIPT, kStartTimeoutMs);
        ASSERT_EQ(err, "") << "stand-in did not start";
        ASSERT_TRUE(standin_.endpoints().shadow_service) << "the stand-in runs without its shadow service: "
                                                         << standin_.endpoints().raw;
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        thing_ = std::string("it-") + info->name();
        if (thing_.size() > 100) thing_.resize(100);
    }

    void TearDown() override {
        peers_.clear();  // close our sockets first
        EXPECT_EQ(standin_.stop(), "") << "the stand-in left processes behind";
        EXPECT_FALSE(standin_.group_alive());
    }

    // A connected peer (the test fails if it does not connect within kWaitMs).
    ShadowPeer* connect_peer(const std::string& name, mqtt::ReconnectConfig rc = ShadowPeer::fast_reconnect(),
                             shadow::ShadowConfig sc = {}) {
        peers_.push_back(std::make_unique<ShadowPeer>(name + "-" + std::to_string(standin_.pid()),
                                                      standin_.endpoints().broker_tcp_port));
        ShadowPeer* p = peers_.back().get();
        const std::string err = p->init(rc, std::move(sc));
        EXPECT_EQ(err, "");
        if (!err.empty()) return nullptr;
        EXPECT_TRUE(p->connect().ok());
        EXPECT_TRUE(pump({p}, [p] { return p->connects() >= 1; }, kWaitMs)) << name << " did not connect";
        return p;
    }

    // Makes a request and waits for its completion event.
    static ShadowEvent complete(const std::vector<ShadowPeer*>& peers, ShadowPeer& p, Result<std::uint32_t> started,
                                std::uint32_t timeout_ms = kWaitMs) {
        if (!started) {
            ADD_FAILURE() << "request refused locally: " << started.error().message;
            return {};
        }
        p.flush();
        auto ev = wait_request(peers, p, started.value(), timeout_ms);
        if (!ev) {
            ADD_FAILURE() << "request " << started.value() << " did not complete within " << timeout_ms << " ms";
            return {};
        }
        return *ev;
    }

    // The raw payload of an event as JSON, timestamps checked and zeroed.
    Json normalized(const ShadowEvent& ev) {
        Json j = parse(ev.payload);
        const std::string bad = zero_timestamps(j, t0_, epoch_s());
        EXPECT_EQ(bad, "") << ev.payload;
        return j;
    }

    void watch(ShadowPeer& p, const ShadowId& id, Stream s) {
        ASSERT_TRUE(p.shadow().watch(id, s, ShadowPeer::now()).ok());
        p.flush();
        auto ready = wait_event({&p}, p, [&](const ShadowEvent& e) {
            return (e.type == Type::stream_ready || e.type == Type::stream_failed) && e.shadow == id && e.stream == s;
        }, kWaitMs);
        ASSERT_TRUE(ready.has_value()) << "no SUBACK for the stream";
        ASSERT_EQ(ready->type, Type::stream_ready) << ready->error.message;
    }

    // A connected "dev" peer after an accepted update that reports {"color":"red"} on `id`
    // (version 1); nullptr, with the test failed, if either step fails.
    ShadowPeer* connect_dev_reporting_red(const ShadowId& id) {
        ShadowPeer* dev = connect_peer("dev");
        if (dev == nullptr) return nullptr;
        const ShadowEvent ev =
            complete({dev}, *dev, dev->shadow().report(id, parse(R"({"color":"red"})"), ShadowPeer::now()));
        EXPECT_EQ(ev.type, Type::accepted) << ev.payload;
        return ev.type == Type::accepted ? dev : nullptr;
    }

    // Stops the stand-in's broker (admin API) and pumps `dev` until it sees the connection go.
    void stop_broker(ShadowPeer& dev) {
        std::string body;
        ASSERT_EQ(standin_.admin_post("/admin/broker/stop", "", &body), 200) << body;
        ASSERT_TRUE(pump({&dev}, [&] { return dev.mqtt().state() != mqtt::State::connected; }, kWaitMs))
            << "the client did not notice the broker going away";
    }

    static std::optional<ShadowEvent> next_stream(ShadowPeer& p, const std::vector<ShadowPeer*>& peers, Type type,
                                                  const ShadowId& id, std::uint32_t timeout_ms = kWaitMs) {
        return wait_event(peers, p, [&](const ShadowEvent& e) { return e.type == type && e.shadow == id; }, timeout_ms);
    }

    StandinProcess standin_;
    std::vector<std::unique_ptr<ShadowPeer>> peers_;
    std::string thing_;
    std::int64_t t0_ = 0;
};

// The guide's delta-state example: desired {color RED, state STOP}, reported {color GREEN, engine ON}.
constexpr const char* kDeltaExampleUpdate = R"({"desired":{"color":"RED","state":"STOP"},
        "reported":{"color":"GREEN","engine":"ON"}})";

shadow::RequestOptions token(const std::string& t, std::optional<std::uint64_t> version = std::nullopt) {
    shadow::RequestOptions o;
    o.client_token = t;
    o.version = version;
    return o;
}

// ---- 1. The guide's documents against the stand-in's shadow service ----

TEST_F(ShadowIntegration, InitialUpdate_DesiredAndReported_AcceptedAtVersion1WithMetadata) {
    ShadowPeer* dev = connect_peer("dev");
    ASSERT_NE(dev, nullptr);
    const ShadowId id{thing_, ""};
    watch(*dev, id, Stream::delta);

    auto ev = complete({dev}, *dev,
                       dev->shadow().update_json(id, kDeltaExampleUpdate, ShadowPeer::now(), token("initial-1")));
    ASSERT_EQ(ev.type, Type::accepted) << ev.error.message << " " << ev.payload;
    EXPECT_EQ(normalized(ev), parse(R"({
        "state": {"desired": {"color": "RED", "state": "STOP"}, "reported": {"color": "GREEN", "engine": "ON"}},
        "metadata": {"desired": {"color": {"timestamp": 0}, "state": {"timestamp": 0}},
                     "reported": {"color": {"timestamp": 0}, "engine": {"timestamp": 0}}},
        "version": 1, "timestamp": 0, "clientToken": "initial-1"})"));
    EXPECT_EQ(ev.document.version, std::optional<std::uint64_t>(1));
    EXPECT_EQ(ev.client_token, "initial-1");

    // /update/delta: the desired keys that reported does not match, with their desired metadata.
    auto delta = next_stream(*dev, {dev}, Type::delta, id);
    ASSERT_TRUE(delta.has_value()) << "no /update/delta";
    EXPECT_EQ(normalized(*delta), parse(R"({
        "version": 1, "timestamp": 0,
        "state": {"color": "RED", "state": "STOP"},
        "metadata": {"color": {"timestamp": 0}, "state": {"timestamp": 0}},
        "clientToken": "initial-1"})"));

    // GET: the whole document, delta included, its metadata too (the guide's /get/accepted format
    // and "Delta state": "The delta contains metadata, and its values are equal to the metadata in
    // the desired field").
    auto got = complete({dev}, *dev, dev->shadow().get(id, ShadowPeer::now(), token("get-1")));
    ASSERT_EQ(got.type, Type::accepted) << got.payload;
    EXPECT_EQ(normalized(got), parse(R"({
        "state": {"desired": {"color": "RED", "state": "STOP"}, "reported": {"color": "GREEN", "engine": "ON"},
                  "delta": {"color": "RED", "state": "STOP"}},
        "metadata": {"desired": {"color": {"timestamp": 0}, "state": {"timestamp": 0}},
                     "reported": {"color": {"timestamp": 0}, "engine": {"timestamp": 0}},
                     "delta": {"color": {"timestamp": 0}, "state": {"timestamp": 0}}},
        "version": 1, "timestamp": 0, "clientToken": "get-1"})"));

    const auto* m = dev->shadow().mirror(id);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->version(), std::optional<std::uint64_t>(1));
    EXPECT_EQ(m->desired(), parse(R"({"color":"RED","state":"STOP"})"));
    EXPECT_EQ(m->reported(), parse(R"({"color":"GREEN","engine":"ON"})"));
    EXPECT_EQ(m->delta(), parse(R"({"color":"RED","state":"STOP"})"));
}

TEST_F(ShadowIntegration, DesiredChange_InSyncThenNestedChange_DeltaCarriesExactlyTheDifferingKeys) {
    ShadowPeer* dev = connect_peer("dev");
    ASSERT_NE(dev, nullptr);
    const ShadowId id{thing_, ""};
    watch(*dev, id, Stream::delta);
    watch(*dev, id, Stream::documents);

    // In sync: no delta is published (the documents message, published after any delta, comes alone).
    auto ev = complete({dev}, *dev, dev->shadow().update_json(id, R"({"desired":{"lights":{"color":"GREEN"},"engine":"ON"},
        "reported":{"lights":{"color":"GREEN"},"engine":"ON"}})", ShadowPeer::now()));
    ASSERT_EQ(ev.type, Type::accepted) << ev.payload;
    ASSERT_TRUE(next_stream(*dev, {dev}, Type::documents, id).has_value());
    EXPECT_FALSE(dev->take([](const ShadowEvent& e) { return e.type == Type::delta; }).has_value())
        << "a delta was published although desired == reported";

    // The guide's nested example: only lights.color differs; engine (equal) is not in the delta.
    ev = complete({dev}, *dev, dev->shadow().desire(id, parse(R"({"lights":{"color":"RED"}})"), ShadowPeer::now(),
                                                   token("nested-2")));
    ASSERT_EQ(ev.type, Type::accepted) << ev.payload;
    auto delta = next_stream(*dev, {dev}, Type::delta, id);
    ASSERT_TRUE(delta.has_value());
    EXPECT_EQ(normalized(*delta), parse(R"({"version": 2, "timestamp": 0,
        "state": {"lights": {"color": "RED"}},
        "metadata": {"lights": {"color": {"timestamp": 0}}},
        "clientToken": "nested-2"})"));
    EXPECT_EQ(delta->document.state, parse(R"({"lights":{"color":"RED"}})"));
    EXPECT_EQ(delta->document.version, std::optional<std::uint64_t>(2));

    // A second desired key: the delta lists both differing keys and nothing else.
    ev = complete({dev}, *dev, dev->shadow().desire(id, parse(R"({"state":"STOP"})"), ShadowPeer::now()));
    ASSERT_EQ(ev.type, Type::accepted) << ev.payload;
    delta = next_stream(*dev, {dev}, Type::delta, id);
    ASSERT_TRUE(delta.has_value());
    EXPECT_EQ(delta->document.state, parse(R"({"lights":{"color":"RED"},"state":"STOP"})"));
    EXPECT_EQ(delta->document.version, std::optional<std::uint64_t>(3));
    EXPECT_EQ(dev->shadow().mirror(id)->delta(), parse(R"({"lights":{"color":"RED"},"state":"STOP"})"));
}

TEST_F(ShadowIntegration, UpdateDocuments_PreviousAndCurrent_FullDocumentsWithVersions) {
    ShadowPeer* dev = connect_peer("dev");
    ASSERT_NE(dev, nullptr);
    const ShadowId id{thing_, ""};
    watch(*dev, id, Stream::documents);

    auto ev = complete({dev}, *dev, dev->shadow().report(id, parse(R"({"color":"red"})"), ShadowPeer::now()));
    ASSERT_EQ(ev.type, Type::accepted) << ev.payload;
    auto docs = next_stream(*dev, {dev}, Type::documents, id);
    ASSERT_TRUE(docs.has_value());
    EXPECT_EQ(docs->document.version, std::optional<std::uint64_t>(1));

    ev = complete({dev}, *dev, dev->shadow().desire(id, parse(R"({"color":"green"})"), ShadowPeer::now(),
                                                   token("docs-2")));
    ASSERT_EQ(ev.type, Type::accepted) << ev.payload;
    docs = next_stream(*dev, {dev}, Type::documents, id);
    ASSERT_TRUE(docs.has_value());
    EXPECT_EQ(normalized(*docs), parse(R"({
        "previous": {"state": {"reported": {"color": "red"}},
                     "metadata": {"reported": {"color": {"timestamp": 0}}}, "version": 1},
        "current": {"state": {"desired": {"color": "green"}, "reported": {"color": "red"}},
                    "metadata": {"desired": {"color": {"timestamp": 0}}, "reported": {"color": {"timestamp": 0}}},
                    "version": 2},
        "timestamp": 0, "clientToken": "docs-2"})"));
    EXPECT_EQ(docs->previous.version, std::optional<std::uint64_t>(1));
    EXPECT_EQ(docs->document.version, std::optional<std::uint64_t>(2));
    EXPECT_EQ(docs->client_token, "docs-2");
    const auto* m = dev->shadow().mirror(id);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->version(), std::optional<std::uint64_t>(2));
    EXPECT_EQ(m->desired(), parse(R"({"color":"green"})"));
    EXPECT_EQ(m->reported(), parse(R"({"color":"red"})"));
}

TEST_F(ShadowIntegration, UpdateWithNull_ExistingDesiredKey_RemovesOnlyThatKey) {
    ShadowPeer* dev = connect_peer("dev");
    ASSERT_NE(dev, nullptr);
    const ShadowId id{thing_, ""};
    auto ev = complete({dev}, *dev, dev->shadow().update_json(id, kDeltaExampleUpdate, ShadowPeer::now()));
    ASSERT_EQ(ev.type, Type::accepted) << ev.payload;

    ev = complete({dev}, *dev, dev->shadow().update_json(id, R"({"desired":{"color":null}})", ShadowPeer::now()));
    ASSERT_EQ(ev.type, Type::accepted) << ev.payload;
    EXPECT_EQ(ev.document.version, std::optional<std::uint64_t>(2));
    // The accepted document echoes the request's state, null included.
    EXPECT_EQ(parse(ev.payload)["state"], parse(R"({"desired":{"color":null}})"));

    auto got = complete({dev}, *dev, dev->shadow().get(id, ShadowPeer::now(), token("after-null")));
    ASSERT_EQ(got.type, Type::accepted) << got.payload;
    EXPECT_EQ(normalized(got), parse(R"({
        "state": {"desired": {"state": "STOP"}, "reported": {"color": "GREEN", "engine": "ON"},
                  "delta": {"state": "STOP"}},
        "metadata": {"desired": {"state": {"timestamp": 0}},
                     "reported": {"color": {"timestamp": 0}, "engine": {"timestamp": 0}},
                     "delta": {"state": {"timestamp": 0}}},
        "version": 2, "timestamp": 0, "clientToken": "after-null"})"));
    EXPECT_EQ(dev->shadow().mirror(id)->desired(), parse(R"({"state":"STOP"})"));
}

TEST_F(ShadowIntegration, UpdateWithDesiredNull_DesiredAndReported_RemovesTheWholeSection) {
    ShadowPeer* dev = connect_peer("dev");
    ASSERT_NE(dev, nullptr);
    const ShadowId id{thing_, ""};
    auto ev = complete({dev}, *dev, dev->shadow().update_json(id, kDeltaExampleUpdate, ShadowPeer::now()));
    ASSERT_EQ(ev.type, Type::accepted) << ev.payload;

    ev = complete({dev}, *dev, dev->shadow().update_json(id, R"({"desired":null})", ShadowPeer::now()));
    ASSERT_EQ(ev.type, Type::accepted) << ev.payload;

    auto got = complete({dev}, *dev, dev->shadow().get(id, ShadowPeer::now(), token("no-desired")));
    ASSERT_EQ(got.type, Type::accepted) << got.payload;
    EXPECT_EQ(normalized(got), parse(R"({
        "state": {"reported": {"color": "GREEN", "engine": "ON"}},
        "metadata": {"reported": {"color": {"timestamp": 0}, "engine": {"timestamp": 0}}},
        "version": 2, "timestamp": 0, "clientToken": "no-desired"})"));
    const auto* m = dev->shadow().mirror(id);
    EXPECT_EQ(m->desired(), Json::object());
    EXPECT_EQ(m->delta(), Json::object());
    EXPECT_EQ(m->reported(), parse(R"({"color":"GREEN","engine":"ON"})"));
}

TEST_F(ShadowIntegration, UpdateWithVersion_Stale_Rejected409AsConflictAndCurrentAccepted) {
    ShadowPeer* dev = connect_peer("dev");
    ASSERT_NE(dev, nullptr);
    const ShadowId id{thing_, ""};
    ASSERT_EQ(complete({dev}, *dev, dev->shadow().report(id, parse(R"({"color":"blue"})"), ShadowPeer::now())).type,
              Type::accepted);
    ASSERT_EQ(complete({dev}, *dev, dev->shadow().desire(id, parse(R"({"color":"red"})"), ShadowPeer::now())).type,
              Type::accepted);

    // The shadow is at version 2: an update that says version 1 is stale.
    auto ev = complete({dev}, *dev, dev->shadow().desire(id, parse(R"({"color":"green"})"), ShadowPeer::now(),
                                                        token("stale-1", 1)));
    ASSERT_EQ(ev.type, Type::rejected) << ev.payload;
    EXPECT_EQ(ev.error.code, Errc::conflict) << ev.error.message;
    EXPECT_EQ(ev.rejection.code, 409);
    EXPECT_EQ(ev.rejection.message, "Version conflict");
    EXPECT_EQ(ev.rejection.client_token, "stale-1");
    EXPECT_EQ(normalized(ev), parse(R"({"code": 409, "message": "Version conflict", "timestamp": 0,
                                        "clientToken": "stale-1"})"));

    // Nothing changed; the current version is accepted and becomes 3.
    ev = complete({dev}, *dev, dev->shadow().desire(id, parse(R"({"color":"green"})"), ShadowPeer::now(),
                                                   token("current-2", 2)));
    ASSERT_EQ(ev.type, Type::accepted) << ev.payload;
    EXPECT_EQ(ev.document.version, std::optional<std::uint64_t>(3));
    EXPECT_EQ(dev->shadow().mirror(id)->desired(), parse(R"({"color":"green"})"));
}

TEST_F(ShadowIntegration, Get_MissingShadow_Rejected404) {
    ShadowPeer* dev = connect_peer("dev");
    ASSERT_NE(dev, nullptr);
    const ShadowId id{thing_, ""};
    auto ev = complete({dev}, *dev, dev->shadow().get(id, ShadowPeer::now(), token("missing-1")));
    ASSERT_EQ(ev.type, Type::rejected) << ev.payload;
    EXPECT_EQ(ev.error.code, Errc::server_error);
    EXPECT_EQ(ev.rejection.code, 404);
    EXPECT_EQ(ev.rejection.message, "No shadow exists with name: '" + thing_ + "'");
    EXPECT_EQ(ev.client_token, "missing-1");
    // As the real service sends it: no timestamp in a 404 (AWS IoT SDK tests record the same text).
    EXPECT_EQ(parse(ev.payload), parse(R"({"code": 404, "message": "No shadow exists with name: ')" + thing_ +
                                       R"('", "clientToken": "missing-1"})"));
    ASSERT_NE(dev->shadow().mirror(id), nullptr);
    EXPECT_FALSE(dev->shadow().mirror(id)->exists());
}

TEST_F(ShadowIntegration, Delete_ExistingShadow_AcceptedThenGetRejected404) {
    const ShadowId id{thing_, ""};
    ShadowPeer* dev = connect_dev_reporting_red(id);
    ASSERT_NE(dev, nullptr);
    ASSERT_EQ(complete({dev}, *dev, dev->shadow().report(id, parse(R"({"color":"blue"})"), ShadowPeer::now())).type,
              Type::accepted);
    EXPECT_TRUE(dev->shadow().mirror(id)->exists());

    auto del = complete({dev}, *dev, dev->shadow().remove(id, ShadowPeer::now(), token("del-1")));
    ASSERT_EQ(del.type, Type::accepted) << del.payload;
    // /delete/accepted: the deleted shadow's version.
    EXPECT_EQ(normalized(del), parse(R"({"version": 2, "timestamp": 0, "clientToken": "del-1"})"));
    EXPECT_FALSE(dev->shadow().mirror(id)->exists());

    auto got = complete({dev}, *dev, dev->shadow().get(id, ShadowPeer::now()));
    ASSERT_EQ(got.type, Type::rejected) << got.payload;
    EXPECT_EQ(got.rejection.code, 404);
    EXPECT_EQ(got.error.code, Errc::server_error);

    // Deleting again: nothing to delete, 404 as well.
    auto again = complete({dev}, *dev, dev->shadow().remove(id, ShadowPeer::now()));
    ASSERT_EQ(again.type, Type::rejected) << again.payload;
    EXPECT_EQ(again.rejection.code, 404);
}

TEST_F(ShadowIntegration, NamedShadow_SeparateFromClassic_OwnVersionsStateAndStreams) {
    ShadowPeer* dev = connect_peer("dev");
    ASSERT_NE(dev, nullptr);
    const ShadowId classic{thing_, ""};
    const ShadowId named{thing_, "simShadow1"};
    watch(*dev, classic, Stream::delta);
    watch(*dev, named, Stream::delta);

    // Classic: two updates (version 2). Named: one (version 1): versions are per shadow.
    ASSERT_EQ(complete({dev}, *dev, dev->shadow().report(classic, parse(R"({"color":"red"})"), ShadowPeer::now())).type,
              Type::accepted);
    auto c2 = complete({dev}, *dev, dev->shadow().desire(classic, parse(R"({"color":"yellow"})"), ShadowPeer::now()));
    ASSERT_EQ(c2.type, Type::accepted) << c2.payload;
    EXPECT_EQ(c2.document.version, std::optional<std::uint64_t>(2));

    auto n1 = complete({dev}, *dev, dev->shadow().update_json(named, R"({"desired":{"ColorRGB":[255,255,0]},
        "reported":{"ColorRGB":[255,0,0]}})", ShadowPeer::now(), token("named-1")));
    ASSERT_EQ(n1.type, Type::accepted) << n1.payload;
    EXPECT_EQ(n1.shadow, named);
    // Arrays: metadata per element (guide: "Array values in shadow documents").
    EXPECT_EQ(normalized(n1), parse(R"({
        "state": {"desired": {"ColorRGB": [255, 255, 0]}, "reported": {"ColorRGB": [255, 0, 0]}},
        "metadata": {"desired": {"ColorRGB": [{"timestamp": 0}, {"timestamp": 0}, {"timestamp": 0}]},
                     "reported": {"ColorRGB": [{"timestamp": 0}, {"timestamp": 0}, {"timestamp": 0}]}},
        "version": 1, "timestamp": 0, "clientToken": "named-1"})"));

    // Deltas arrive on each shadow's own topic; the arrays differ as a whole.
    auto cd = next_stream(*dev, {dev}, Type::delta, classic);
    ASSERT_TRUE(cd.has_value());
    EXPECT_EQ(cd->document.state, parse(R"({"color":"yellow"})"));
    auto nd = next_stream(*dev, {dev}, Type::delta, named);
    ASSERT_TRUE(nd.has_value());
    EXPECT_EQ(nd->document.state, parse(R"({"ColorRGB":[255,255,0]})"));
    EXPECT_EQ(nd->document.version, std::optional<std::uint64_t>(1));

    // Deleting the named shadow leaves the classic one alone.
    ASSERT_EQ(complete({dev}, *dev, dev->shadow().remove(named, ShadowPeer::now())).type, Type::accepted);
    auto ng = complete({dev}, *dev, dev->shadow().get(named, ShadowPeer::now()));
    ASSERT_EQ(ng.type, Type::rejected) << ng.payload;
    EXPECT_EQ(ng.rejection.code, 404);
    // The guide's walkthrough shows "No shadow exists with name: 'simShadow1'"; the stand-in names
    // it "<thing>~simShadow1" (its reading of the real service): only the shared part is checked.
    EXPECT_EQ(ng.rejection.message.rfind("No shadow exists with name: '", 0), 0u) << ng.rejection.message;
    EXPECT_NE(ng.rejection.message.find("simShadow1'"), std::string::npos) << ng.rejection.message;
    auto cg = complete({dev}, *dev, dev->shadow().get(classic, ShadowPeer::now()));
    ASSERT_EQ(cg.type, Type::accepted) << cg.payload;
    EXPECT_EQ(cg.document.version, std::optional<std::uint64_t>(2));
    EXPECT_EQ(cg.document.state, parse(R"({"desired":{"color":"yellow"},"reported":{"color":"red"},
                                           "delta":{"color":"yellow"}})"));
    EXPECT_TRUE(dev->shadow().mirror(classic)->exists());
    EXPECT_FALSE(dev->shadow().mirror(named)->exists());
}

// ---- 2. Two clients on one thing ----

TEST_F(ShadowIntegration, DeviceAndApp_AppDesire_ReachesDeviceAsDeltaThenClearsAndMirrorsConverge) {
    ShadowPeer* dev = connect_peer("device");
    ShadowPeer* app = connect_peer("app");
    ASSERT_NE(dev, nullptr);
    ASSERT_NE(app, nullptr);
    const std::vector<ShadowPeer*> both = {dev, app};
    const ShadowId id{thing_, ""};
    watch(*dev, id, Stream::delta);
    watch(*dev, id, Stream::documents);
    watch(*app, id, Stream::documents);

    // The device reports its state: version 1.
    auto r1 = complete(both, *dev, dev->shadow().report(id, parse(R"({"color":"red","power":"on"})"), ShadowPeer::now()));
    ASSERT_EQ(r1.type, Type::accepted) << r1.payload;
    ASSERT_TRUE(pump(both, [&] { return app->shadow().mirror(id) && app->shadow().mirror(id)->version() == 1u; },
                     kWaitMs))
        << "the app's mirror never saw version 1 (documents stream)";

    // The app asks for green: the device gets exactly that as a delta (version 2).
    auto a2 = complete(both, *app, app->shadow().desire(id, parse(R"({"color":"green"})"), ShadowPeer::now()));
    ASSERT_EQ(a2.type, Type::accepted) << a2.payload;
    EXPECT_EQ(a2.document.version, std::optional<std::uint64_t>(2));
    auto delta = next_stream(*dev, both, Type::delta, id);
    ASSERT_TRUE(delta.has_value()) << "the app's desired change did not reach the device";
    EXPECT_EQ(delta->document.state, parse(R"({"color":"green"})"));
    EXPECT_EQ(delta->document.version, std::optional<std::uint64_t>(2));
    const auto* dm = dev->shadow().mirror(id);
    ASSERT_NE(dm, nullptr);
    EXPECT_EQ(dm->desired(), parse(R"({"color":"green"})"));
    EXPECT_EQ(dm->delta(), parse(R"({"color":"green"})"));

    // The device applies it and reports (version 3): no delta is left anywhere.
    auto r3 = complete(both, *dev, dev->shadow().report(id, dm->delta(), ShadowPeer::now()));
    ASSERT_EQ(r3.type, Type::accepted) << r3.payload;
    EXPECT_EQ(r3.document.version, std::optional<std::uint64_t>(3));

    auto g = complete(both, *app, app->shadow().get(id, ShadowPeer::now()));
    ASSERT_EQ(g.type, Type::accepted) << g.payload;
    EXPECT_EQ(g.document.version, std::optional<std::uint64_t>(3));
    EXPECT_EQ(g.document.state, parse(R"({"desired":{"color":"green"},"reported":{"color":"green","power":"on"}})"))
        << "desired must be met by reported and the get must carry no delta";
    EXPECT_FALSE(g.document.state.contains("delta"));

    // Both mirrors converge on version 3 with the same content (documents streams delivered).
    const auto* am = app->shadow().mirror(id);
    ASSERT_NE(am, nullptr);
    ASSERT_TRUE(pump(both, [&] { return dm->version() == 3u && am->version() == 3u; }, kWaitMs))
        << "device v" << dm->version().value_or(0) << ", app v" << am->version().value_or(0);
    EXPECT_EQ(dm->desired(), am->desired());
    EXPECT_EQ(dm->reported(), am->reported());
    EXPECT_EQ(dm->delta(), Json::object());
    EXPECT_EQ(am->delta(), Json::object());
    EXPECT_EQ(dm->reported(), parse(R"({"color":"green","power":"on"})"));

    // No stray delta after the report.
    while (auto e = dev->take([](const ShadowEvent&) { return true; }))
        EXPECT_NE(e->type, Type::delta) << "unexpected delta after the device reported: " << e->payload;

    // Every versioned event the device received (accepted, delta, documents), in arrival order:
    // versions never go back, and run from 1 to 3.
    std::vector<std::uint64_t> versions;
    for (const auto& seen : dev->history())
        if (seen.version && seen.type != Type::stream_ready) versions.push_back(*seen.version);
    ASSERT_FALSE(versions.empty());
    for (std::size_t i = 1; i < versions.size(); ++i)
        EXPECT_LE(versions[i - 1], versions[i]) << "versions went back at index " << i;
    EXPECT_EQ(versions.front(), 1u);
    EXPECT_EQ(versions.back(), 3u);
    // Update accepted versions strictly increase: 1 (device), 3 (device); the app's was 2.
    EXPECT_LT(*r1.document.version, *a2.document.version);
    EXPECT_LT(*a2.document.version, *r3.document.version);
}

// ---- 3. Requests across a connection loss ----

// The device's socket is closed (as a network failure would): a request made while the client
// is backing off is queued by the engine and completes after the reconnect (accepted).
TEST_F(ShadowIntegration, SocketClosed_RequestWhileReconnecting_CompletesAfterReconnect) {
    const ShadowId id{thing_, ""};
    ShadowPeer* dev = connect_dev_reporting_red(id);
    ASSERT_NE(dev, nullptr);

    dev->driver().sever();
    dev->flush();
    ASSERT_NE(dev->mqtt().state(), mqtt::State::connected);
    ASSERT_EQ(dev->connects(), 1u);
    // One request on an operation already subscribed (update), one on a new one (get: its
    // response topics are subscribed only once the session is back).
    auto upd = dev->shadow().report(id, parse(R"({"color":"blue"})"), ShadowPeer::now(), token("offline-upd"));
    auto get = dev->shadow().get(id, ShadowPeer::now(), token("offline-get"));
    ASSERT_TRUE(upd.ok()) << upd.error().message;
    ASSERT_TRUE(get.ok()) << get.error().message;
    EXPECT_EQ(dev->shadow().in_flight(), 2u);

    auto u = complete({dev}, *dev, upd);
    ASSERT_EQ(u.type, Type::accepted) << u.error.message;
    EXPECT_EQ(u.document.version, std::optional<std::uint64_t>(2));
    auto g = complete({dev}, *dev, get);
    ASSERT_EQ(g.type, Type::accepted) << g.error.message;
    EXPECT_EQ(g.document.state["reported"], parse(R"({"color":"blue"})"));
    EXPECT_EQ(dev->connects(), 2u) << "the responses must have come over the second session";
}

// The broker is stopped and restarted (admin API). A request made while the client is
// reconnecting completes after the reconnect. The device's loop is not stepped between the
// broker restart and the moment a probe client gets a shadow answer: the stand-in's shadow service
// is itself an MQTT client that needs up to ~0.5 s to re-subscribe, and a request published before
// that would go unanswered (real AWS has no such window). See the next test for a broker that
// stays down.
TEST_F(ShadowIntegration, BrokerRestart_RequestWhileReconnecting_CompletesAfterReconnect) {
    const ShadowId id{thing_, ""};
    ShadowPeer* dev = connect_dev_reporting_red(id);
    ASSERT_NE(dev, nullptr);

    ASSERT_NO_FATAL_FAILURE(stop_broker(*dev));
    auto upd = dev->shadow().report(id, parse(R"({"color":"blue"})"), ShadowPeer::now(), token("restart-upd"));
    ASSERT_TRUE(upd.ok()) << upd.error().message;
    dev->flush();
    // While the broker is down the request stays pending (neither answered nor failed).
    pump({dev}, [] { return false; }, 500);
    EXPECT_EQ(dev->shadow().in_flight(), 1u);
    EXPECT_NE(dev->mqtt().state(), mqtt::State::connected);

    std::string body;
    ASSERT_EQ(standin_.admin_post("/admin/broker/start", "", &body), 200) << body;
    ShadowPeer* probe = connect_peer("probe");
    ASSERT_NE(probe, nullptr);
    bool service_back = false;
    for (int i = 0; i < 20 && !service_back; ++i) {
        shadow::RequestOptions o;
        o.timeout_ms = 1000;
        auto r = complete({probe}, *probe, probe->shadow().get(ShadowId{thing_ + "-probe", ""}, ShadowPeer::now(), o), 2000);
        service_back = r.type == Type::rejected && r.rejection.code == 404;
    }
    ASSERT_TRUE(service_back) << "the stand-in's shadow service did not come back after the broker restart";

    auto u = complete({dev, probe}, *dev, upd, 15000);
    ASSERT_EQ(u.type, Type::accepted) << u.error.message;
    EXPECT_EQ(u.document.version, std::optional<std::uint64_t>(2));
    EXPECT_EQ(u.client_token, "restart-upd");
    EXPECT_GE(dev->connects(), 2u);
    EXPECT_EQ(dev->shadow().mirror(id)->reported(), parse(R"({"color":"blue"})"));
}

// The broker stays down: a request made while reconnecting fails explicitly with Errc::timeout at
// its deadline (the shadow client keeps requests across reconnects; only the timeout ends them).
TEST_F(ShadowIntegration, BrokerDown_RequestWhileReconnecting_FailsWithTimeout) {
    const ShadowId id{thing_, ""};
    ShadowPeer* dev = connect_dev_reporting_red(id);
    ASSERT_NE(dev, nullptr);
    ASSERT_NO_FATAL_FAILURE(stop_broker(*dev));

    shadow::RequestOptions o;
    o.timeout_ms = 1500;
    const std::uint64_t start = ShadowPeer::now();
    auto ev = complete({dev}, *dev, dev->shadow().report(id, parse(R"({"color":"blue"})"), start, o), 5000);
    ASSERT_EQ(ev.type, Type::failed) << ev.payload;
    EXPECT_EQ(ev.error.code, Errc::timeout) << ev.error.message;
    EXPECT_GE(ShadowPeer::now() - start, 1500u);
    EXPECT_EQ(dev->shadow().in_flight(), 0u);
    EXPECT_EQ(dev->connects(), 1u);
}

// The application gives up (disconnect()) while a request waits for the reconnect: the request
// fails at once with Errc::closed.
TEST_F(ShadowIntegration, ClientDisconnects_PendingRequest_FailsClosed) {
    const ShadowId id{thing_, ""};
    ShadowPeer* dev = connect_dev_reporting_red(id);
    ASSERT_NE(dev, nullptr);
    dev->driver().sever();
    auto req = dev->shadow().get(id, ShadowPeer::now());
    ASSERT_TRUE(req.ok());
    dev->mqtt().disconnect(ShadowPeer::now());
    auto ev = complete({dev}, *dev, req, 2000);
    ASSERT_EQ(ev.type, Type::failed);
    EXPECT_EQ(ev.error.code, Errc::closed) << ev.error.message;
}

// The harness itself: stopping the stand-in leaves no process of its group and frees the broker port.
TEST(StandinProcess, Stop_AfterStart_NoProcessLeftAndBrokerPortClosed) {
    StandinProcess s;
    ASSERT_EQ(s.start(IOTLITE_NODE, IOTLITE_STANDIN_SCRIPT, kStartTimeoutMs), "");
    const pid_t pid = s.pid();
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(s.group_alive());
    mqtt::Config cfg;
    cfg.client_id = "harness-probe";
    cfg.reconnect.enabled = false;
    auto client = mqtt::Client::create(cfg);
    ASSERT_TRUE(client.ok());
    {
        TcpDriver d(*client.value(), "127.0.0.1", s.endpoints().broker_tcp_port);
        ASSERT_TRUE(client.value()->connect(TcpDriver::now_ms()).ok());
        EXPECT_TRUE(d.wait_for(mqtt::Event::Type::connected, kWaitMs).has_value()) << "broker not reachable";
    }
    EXPECT_EQ(s.stop(), "");
    EXPECT_FALSE(s.group_alive());
    EXPECT_NE(::kill(pid, 0), 0) << "the stand-in process still exists";

    // Nothing listens on the broker port any more.
    auto client2 = mqtt::Client::create(cfg);
    ASSERT_TRUE(client2.ok());
    TcpDriver d2(*client2.value(), "127.0.0.1", s.endpoints().broker_tcp_port);
    ASSERT_TRUE(client2.value()->connect(TcpDriver::now_ms()).ok());
    EXPECT_TRUE(d2.run_until([&] { return client2.value()->state() == mqtt::State::closed; }, kWaitMs))
        << "connecting to the stopped broker did not fail; state " << mqtt::state_name(client2.value()->state());
    EXPECT_EQ(d2.opens(), 1u);
}

}  // namespace
}  // namespace iotlite::test
