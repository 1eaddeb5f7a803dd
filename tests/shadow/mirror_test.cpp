// The device-side mirror: version ordering, merges, null removal.
#include <gtest/gtest.h>

#include "iotlite/services/shadow/mirror.hpp"

namespace {

using iotlite::shadow::Document;
using iotlite::shadow::Json;
using iotlite::shadow::Mirror;

Json J(const char* text) {
    auto value = iotlite::json::parse(text, 64);
    EXPECT_TRUE(value.ok()) << text;
    return value.ok() ? std::move(value.value()) : Json();
}

Document doc(const char* state, std::optional<std::uint64_t> version) {
    Document d;
    d.state = J(state);
    d.version = version;
    return d;
}

TEST(Mirror, Empty_NoVersionNoState) {
    Mirror m;
    EXPECT_FALSE(m.exists());
    EXPECT_FALSE(m.version().has_value());
    EXPECT_EQ(m.desired(), Json::object());
    EXPECT_EQ(m.delta(), Json::object());
}

// AWS developer guide ("Versioning of a shadow"): updates 10 and 11 reach the device in
// reverse order; the one with the older version must be discarded.
TEST(Mirror, UpdatesOutOfOrder_OlderVersionIgnored) {
    Mirror m;
    EXPECT_TRUE(m.apply_update(doc(R"({"reported":{"color":"blue"}})", 9)));
    EXPECT_TRUE(m.apply_update(doc(R"({"desired":{"color":"GREEN"}})", 11)));
    EXPECT_FALSE(m.apply_update(doc(R"({"desired":{"color":"RED"}})", 10)));
    EXPECT_EQ(m.desired(), J(R"({"color":"GREEN"})"));
    EXPECT_EQ(m.reported(), J(R"({"color":"blue"})"));
    EXPECT_EQ(m.version(), 11u);
    // A repeat of the current version is stale too.
    EXPECT_FALSE(m.apply_update(doc(R"({"desired":{"color":"RED"}})", 11)));
    EXPECT_FALSE(m.apply_delta(doc(R"({"color":"RED"})", 11)));
    EXPECT_FALSE(m.apply_get(doc(R"({"desired":{"color":"RED"}})", 3)));
    EXPECT_EQ(m.desired(), J(R"({"color":"GREEN"})"));
}

TEST(Mirror, NullInUpdate_RemovesKey) {
    Mirror m;
    m.apply_get(doc(R"({"desired":{"color":"RED","state":"STOP"},"reported":{"color":"GREEN","engine":"ON"}})", 17));
    EXPECT_TRUE(m.apply_update(doc(R"({"desired":{"state":null},"reported":{"engine":null,"color":"RED"}})", 18)));
    EXPECT_EQ(m.desired(), J(R"({"color":"RED"})"));
    EXPECT_EQ(m.reported(), J(R"({"color":"RED"})"));
    EXPECT_EQ(m.delta(), Json::object());
    // "desired": null clears the whole section.
    EXPECT_TRUE(m.apply_update(doc(R"({"desired":null})", 19)));
    EXPECT_EQ(m.desired(), Json::object());
    EXPECT_EQ(m.reported(), J(R"({"color":"RED"})"));
}

TEST(Mirror, GetAccepted_ReplacesEverythingAndLocalDeltaMatchesAws) {
    Mirror m;
    m.apply_update(doc(R"({"reported":{"old":1}})", 2));
    EXPECT_TRUE(m.apply_get(doc(R"({"desired":{"color":"RED","state":"STOP"},"reported":{"color":"GREEN","engine":"ON"},
                                   "delta":{"color":"RED","state":"STOP"}})", 17)));
    EXPECT_EQ(m.reported(), J(R"({"color":"GREEN","engine":"ON"})"));
    EXPECT_EQ(m.delta(), J(R"({"color":"RED","state":"STOP"})"));
    EXPECT_EQ(m.version(), 17u);
    EXPECT_TRUE(m.exists());
}

TEST(Mirror, Delta_MergedIntoDesired) {
    Mirror m;
    m.apply_get(doc(R"({"desired":{"a":1,"b":{"x":1,"y":2}},"reported":{"a":1}})", 4));
    EXPECT_TRUE(m.apply_delta(doc(R"({"b":{"y":3}})", 5)));
    EXPECT_EQ(m.desired(), J(R"({"a":1,"b":{"x":1,"y":3}})"));
    EXPECT_EQ(m.version(), 5u);
}

TEST(Mirror, DocumentsCurrentAtSameVersion_ReplacesPartialState) {
    Mirror m;
    m.apply_get(doc(R"({"reported":{"a":1}})", 1));
    // The delta of version 2 arrives first (desired only) ...
    EXPECT_TRUE(m.apply_delta(doc(R"({"color":"RED"})", 2)));
    // ... so update/accepted of version 2 (which also changed reported) is stale ...
    EXPECT_FALSE(m.apply_update(doc(R"({"desired":{"color":"RED"},"reported":{"b":2}})", 2)));
    // ... and /documents "current" of version 2 completes the picture.
    EXPECT_TRUE(m.apply_current(doc(R"({"desired":{"color":"RED"},"reported":{"a":1,"b":2}})", 2)));
    EXPECT_EQ(m.reported(), J(R"({"a":1,"b":2})"));
    EXPECT_FALSE(m.apply_current(doc(R"({"desired":{},"reported":{}})", 1)));
}

TEST(Mirror, Delete_ClearsAndAcceptsARecreatedShadowAtAnyVersion) {
    Mirror m;
    m.apply_get(doc(R"({"reported":{"a":1}})", 7));
    Document del;
    del.version = 7;
    EXPECT_TRUE(m.apply_delete(del));
    EXPECT_FALSE(m.exists());
    EXPECT_FALSE(m.version().has_value());
    EXPECT_EQ(m.reported(), Json::object());
    EXPECT_TRUE(m.apply_update(doc(R"({"reported":{"b":2}})", 1)));
    EXPECT_EQ(m.reported(), J(R"({"b":2})"));
}

TEST(Mirror, UnversionedMessage_AppliedOnlyWhileNoVersionKnown) {
    Mirror m;
    EXPECT_TRUE(m.apply_update(doc(R"({"reported":{"a":1}})", std::nullopt)));
    EXPECT_TRUE(m.apply_update(doc(R"({"reported":{"a":2}})", 3)));
    EXPECT_FALSE(m.apply_update(doc(R"({"reported":{"a":9}})", std::nullopt)));
    EXPECT_EQ(m.reported(), J(R"({"a":2})"));
}

}  // namespace
