// Names, tokens, topics and the JSON rules of shadow documents (no MQTT involved).
#include <gtest/gtest.h>

#include <string>

#include "iotlite/services/shadow/document.hpp"
#include "iotlite/services/shadow/names.hpp"

namespace {

using iotlite::Errc;
using iotlite::shadow::Json;
using iotlite::shadow::Limits;
using iotlite::shadow::Operation;
using iotlite::shadow::ParsedTopic;
using iotlite::shadow::ShadowId;
using iotlite::shadow::Stream;
namespace sh = iotlite::shadow;

Json J(const std::string& text) {
    auto value = iotlite::json::parse(text, 64);
    EXPECT_TRUE(value.ok()) << text;
    return value.ok() ? std::move(value.value()) : Json();
}

TEST(Names, ThingName_LengthBoundaries_1And128AcceptedOthersRefused) {
    EXPECT_TRUE(sh::validate_thing_name("a").ok());
    EXPECT_TRUE(sh::validate_thing_name(std::string(128, 'a')).ok());
    auto too_long = sh::validate_thing_name(std::string(129, 'a'));
    ASSERT_FALSE(too_long.ok());
    EXPECT_EQ(too_long.error().code, Errc::limit_exceeded);
    EXPECT_NE(too_long.error().message.find("129"), std::string::npos) << too_long.error().message;
    EXPECT_NE(too_long.error().message.find("128"), std::string::npos) << too_long.error().message;
    auto empty = sh::validate_thing_name("");
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().code, Errc::invalid_argument);
}

TEST(Names, ThingName_Charset_OnlyAlnumColonUnderscoreHyphen) {
    EXPECT_TRUE(sh::validate_thing_name("Az09:_-").ok());
    for (const char* bad : {"a/b", "a#", "a+", "a b", "a.b", "th\xc3\xafng", "$aws"}) {
        auto r = sh::validate_thing_name(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, Errc::invalid_argument) << bad;
        EXPECT_NE(r.error().message.find("[a-zA-Z0-9:_-]"), std::string::npos) << r.error().message;
    }
}

TEST(Names, ShadowName_LengthBoundaries_1And64AcceptedOthersRefused) {
    EXPECT_TRUE(sh::validate_shadow_name("x").ok());
    EXPECT_TRUE(sh::validate_shadow_name(std::string(64, 'x')).ok());
    auto too_long = sh::validate_shadow_name(std::string(65, 'x'));
    ASSERT_FALSE(too_long.ok());
    EXPECT_EQ(too_long.error().code, Errc::limit_exceeded);
    EXPECT_NE(too_long.error().message.find("shadow name"), std::string::npos);
    EXPECT_FALSE(sh::validate_shadow_name("").ok());
    EXPECT_FALSE(sh::validate_shadow_name("a/b").ok());
    EXPECT_TRUE(sh::validate_shadow_name("$package").ok()) << "AWS-reserved names use '$'";
    EXPECT_FALSE(sh::validate_thing_name("$package").ok());
    // The classic shadow is the empty name in a ShadowId.
    EXPECT_TRUE(sh::validate_shadow_id(ShadowId{"thing", ""}).ok());
    EXPECT_FALSE(sh::validate_shadow_id(ShadowId{"thing", std::string(65, 'x')}).ok());
    EXPECT_FALSE(sh::validate_shadow_id(ShadowId{"", "x"}).ok());
}

TEST(Names, ClientToken_LengthBoundaries_64AcceptedAnd65Refused) {
    EXPECT_TRUE(sh::validate_client_token(std::string(64, 't')).ok());
    auto too_long = sh::validate_client_token(std::string(65, 't'));
    ASSERT_FALSE(too_long.ok());
    EXPECT_EQ(too_long.error().code, Errc::limit_exceeded);
    EXPECT_NE(too_long.error().message.find("64"), std::string::npos);
    EXPECT_FALSE(sh::validate_client_token("").ok());
    EXPECT_FALSE(sh::validate_client_token("a\"b").ok());
    EXPECT_FALSE(sh::validate_client_token("a\nb").ok());
    EXPECT_TRUE(sh::validate_client_token("token-1 with spaces/and:punct").ok());
}

TEST(Topics, ClassicAndNamed_MatchTheAwsLayout) {
    const ShadowId classic{"Bulb1", ""};
    const ShadowId named{"Bulb1", "colors"};
    EXPECT_EQ(sh::request_topic(classic, Operation::get), "$aws/things/Bulb1/shadow/get");
    EXPECT_EQ(sh::response_topic(classic, Operation::update, true), "$aws/things/Bulb1/shadow/update/accepted");
    EXPECT_EQ(sh::response_topic(classic, Operation::delete_shadow, false), "$aws/things/Bulb1/shadow/delete/rejected");
    EXPECT_EQ(sh::stream_topic(classic, Stream::delta), "$aws/things/Bulb1/shadow/update/delta");
    EXPECT_EQ(sh::request_topic(named, Operation::update), "$aws/things/Bulb1/shadow/name/colors/update");
    EXPECT_EQ(sh::stream_topic(named, Stream::documents), "$aws/things/Bulb1/shadow/name/colors/update/documents");
}

TEST(Topics, Parse_ResponseAndStreamTopics_Recognised) {
    ParsedTopic t;
    ASSERT_TRUE(sh::parse_shadow_topic("$aws/things/T1/shadow/name/s1/update/rejected", t));
    EXPECT_EQ(t.id.thing, "T1");
    EXPECT_EQ(t.id.name, "s1");
    EXPECT_EQ(t.op, Operation::update);
    EXPECT_EQ(t.kind, ParsedTopic::Kind::rejected);
    ASSERT_TRUE(sh::parse_shadow_topic("$aws/things/T1/shadow/delete/accepted", t));
    EXPECT_EQ(t.id.name, "");
    EXPECT_EQ(t.op, Operation::delete_shadow);
    EXPECT_EQ(t.kind, ParsedTopic::Kind::accepted);
    ASSERT_TRUE(sh::parse_shadow_topic("$aws/things/T1/shadow/update/delta", t));
    EXPECT_EQ(t.kind, ParsedTopic::Kind::delta);
    ASSERT_TRUE(sh::parse_shadow_topic("$aws/things/T1/shadow/name/n/update/documents", t));
    EXPECT_EQ(t.kind, ParsedTopic::Kind::documents);
    EXPECT_EQ(t.id.name, "n");
    for (const char* other : {"$aws/things/T1/shadow/update", "$aws/things/T1/jobs/notify", "a/b", "$aws/things/T1/shadow/get/other",
                              "$aws/things/T1/shadow/name//get/accepted", "$aws/things/T1/shadow/list/accepted"}) {
        EXPECT_FALSE(sh::parse_shadow_topic(other, t)) << other;
    }
}

TEST(Document, ValidateState_NotAnObject_InvalidArgument) {
    for (const char* bad : {"[1]", "\"on\"", "3", "null"}) {
        auto r = sh::validate_state(J(bad), Limits{});
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, Errc::invalid_argument);
        EXPECT_NE(r.error().message.find("state must be a JSON object"), std::string::npos);
    }
}

TEST(Document, ValidateState_SectionsOtherThanDesiredReported_Refused) {
    auto r = sh::validate_state(J(R"({"delta":{"a":1}})"), Limits{});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find("\"delta\""), std::string::npos) << r.error().message;
    auto scalar = sh::validate_state(J(R"({"desired":5})"), Limits{});
    ASSERT_FALSE(scalar.ok());
    EXPECT_NE(scalar.error().message.find("state.desired must be an object or null"), std::string::npos);
    EXPECT_TRUE(sh::validate_state(J(R"({"desired":null,"reported":{"a":1}})"), Limits{}).ok());
}

// Found by iotlite_fuzz_cli_json: the unknown key was quoted whole, so a 1,000-byte key (or one
// holding "\n") made a 1 KB, multi-line error.
TEST(Document, ValidateState_UnknownKeyQuotedShortOnOneLine) {
    Json state = Json::object();
    state[std::string(1000, 'k') + "\n\xC3\xA9"] = Json::object();
    auto r = sh::validate_state(state, Limits{});
    ASSERT_FALSE(r.ok());
    EXPECT_LT(r.error().message.size(), 200u) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
    EXPECT_NE(r.error().message.find(std::string(64, 'k') + "...\""), std::string::npos) << r.error().message;
    Json lines = Json::object();
    lines["a\nb"] = 1;
    auto l = sh::validate_state(lines, Limits{});
    ASSERT_FALSE(l.ok());
    EXPECT_NE(l.error().message.find("\"a?b\""), std::string::npos) << l.error().message;
}

TEST(Document, ValidateState_Depth6Accepted_Depth7Refused) {
    // desired object = level 1, then the objects under a..e = levels 2..6.
    auto six = J(R"({"desired":{"a":{"b":{"c":{"d":{"e":{}}}}}}})");
    auto seven = J(R"({"reported":{"a":{"b":{"c":{"d":{"e":{"f":{}}}}}}}})");
    EXPECT_EQ(sh::json_depth(six["desired"], 100), 6u);
    EXPECT_EQ(sh::json_depth(seven["reported"], 100), 7u);
    EXPECT_TRUE(sh::validate_state(six, Limits{}).ok());
    auto r = sh::validate_state(seven, Limits{});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    EXPECT_NE(r.error().message.find("state.reported nests objects 7 levels deep; AWS allows 6"), std::string::npos)
        << r.error().message;
}

TEST(Document, ValidateState_ArraysDoNotAddLevels_ButNestingIsCappedAt32) {
    // Same six object levels, one of them reached through an array: still 6.
    auto through_array = J(R"({"desired":{"a":[{"b":{"c":{"d":{"e":{}}}}}]}})");
    EXPECT_EQ(sh::json_depth(through_array["desired"], 100, false), 6u);
    EXPECT_EQ(sh::json_depth(through_array["desired"], 100, true), 7u);
    EXPECT_TRUE(sh::validate_state(through_array, Limits{}).ok());
    EXPECT_TRUE(sh::validate_state(J(R"({"desired":{"a":[[[[[[[[1]]]]]]]]}})"), Limits{}).ok());
    // 31 arrays under the desired object = 32 containers: allowed; 32 arrays: refused.
    auto nested = [](int arrays) {
        return J(std::string(R"({"desired":{"a":)") + std::string(static_cast<std::size_t>(arrays), '[') + "1" +
                 std::string(static_cast<std::size_t>(arrays), ']') + "}}");
    };
    EXPECT_TRUE(sh::validate_state(nested(31), Limits{}).ok());
    auto r = sh::validate_state(nested(32), Limits{});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    EXPECT_NE(r.error().message.find("more than 32"), std::string::npos) << r.error().message;
}

TEST(Document, ValidateState_NullInsideArray_Refused) {
    auto r = sh::validate_state(J(R"({"reported":{"list":[1,{"x":[null]}]}})"), Limits{});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find("null inside an array"), std::string::npos);
    // null as a member value is the removal marker, not an error.
    EXPECT_TRUE(sh::validate_state(J(R"({"reported":{"list":[1,{"x":null}],"gone":null}})"), Limits{}).ok());
}

TEST(Document, ValidateState_InvalidUtf8String_RefusedNotAborted) {
    Json state = Json::object();
    state["reported"]["name"] = std::string("bad\xff");
    auto r = sh::validate_state(state, Limits{});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find("UTF-8"), std::string::npos);
    Json key = Json::object();
    key["desired"][std::string("k\xc0\x80")] = 1;  // overlong NUL as a key
    EXPECT_FALSE(sh::validate_state(key, Limits{}).ok());
}

TEST(Document, StateSize_CompactDesiredPlusCompactReported) {
    // {"a":1} is 7 bytes; {"b":"xy"} is 10 bytes; whitespace in the input does not count.
    EXPECT_EQ(sh::state_size(J(R"({"a":1})"), Json::object()), 7u);
    EXPECT_EQ(sh::state_size(J(R"({ "a" : 1 })"), J(R"({"b":"xy"})")), 17u);
    EXPECT_EQ(sh::state_size(Json::object(), Json::object()), 0u);
    EXPECT_EQ(sh::state_size(Json(), J(R"({"b":"\u00e9"})")), 10u) << "non-ASCII counted as UTF-8 bytes (2 for U+00E9)";
}

// AWS developer guide, "Device Shadow service documents" / delta state: desired
// {color RED, state STOP}, reported {color GREEN, engine ON} -> delta {color RED, state STOP}.
TEST(Document, ComputeDelta_AwsGuideExample_OnlyDifferingDesiredKeys) {
    auto desired = J(R"({"color":"RED","state":"STOP"})");
    auto reported = J(R"({"color":"GREEN","engine":"ON"})");
    EXPECT_EQ(sh::compute_delta(desired, reported), J(R"({"color":"RED","state":"STOP"})"));
}

TEST(Document, ComputeDelta_NestedObjectsRecursedArraysWhole) {
    auto desired = J(R"({"lights":{"color":{"r":255,"g":255,"b":255}},"list":[1,2,3],"same":{"x":1}})");
    auto reported = J(R"({"lights":{"color":{"r":255,"g":0,"b":255}},"list":[1,2],"same":{"x":1}})");
    EXPECT_EQ(sh::compute_delta(desired, reported), J(R"({"lights":{"color":{"g":255}},"list":[1,2,3]})"));
    EXPECT_EQ(sh::compute_delta(J(R"({"a":1})"), J(R"({"a":1})")), Json::object());
}

TEST(Document, MergeState_NullRemovesKeyOthersMergeRecursively) {
    auto target = J(R"({"color":"RED","lights":{"on":true,"level":3},"list":[1,2]})");
    sh::merge_state(target, J(R"({"color":null,"lights":{"level":5},"list":[9]})"));
    EXPECT_EQ(target, J(R"({"lights":{"on":true,"level":5},"list":[9]})"));
}

TEST(Document, ParseDocument_AwsAcceptedExample_AllFields) {
    auto payload = J(R"({"state":{"desired":{"color":"RED","state":"STOP"},"reported":{"color":"GREEN","engine":"ON"},
        "delta":{"color":"RED","state":"STOP"}},"metadata":{"desired":{"color":{"timestamp":12345},"state":{"timestamp":12345}},
        "reported":{"color":{"timestamp":12345},"engine":{"timestamp":12345}}},"version":17,"timestamp":123456789,
        "clientToken":"tok-1"})");
    auto doc = sh::parse_document(payload);
    ASSERT_TRUE(doc.ok()) << doc.error().message;
    EXPECT_EQ(doc.value().version, 17u);
    EXPECT_EQ(doc.value().timestamp, 123456789u);
    EXPECT_EQ(doc.value().client_token, "tok-1");
    EXPECT_EQ(doc.value().state["reported"]["engine"], "ON");
    EXPECT_EQ(doc.value().metadata["desired"]["color"]["timestamp"], 12345);
}

TEST(Document, ParseUntrusted_MalformedInputs_ProtocolErrorNoAbort) {
    EXPECT_EQ(sh::parse_json("{\"state\":").error().code, Errc::protocol_error);
    EXPECT_EQ(sh::parse_json("\xff\xfe").error().code, Errc::protocol_error);
    std::string deep(40, '[');
    deep += std::string(40, ']');
    auto too_deep = sh::parse_json(deep);
    ASSERT_FALSE(too_deep.ok());
    EXPECT_NE(too_deep.error().message.find("32"), std::string::npos);
    EXPECT_FALSE(sh::parse_document(J("[]")).ok());
    EXPECT_FALSE(sh::parse_document(J(R"({"version":-1})")).ok());
    EXPECT_FALSE(sh::parse_document(J(R"({"version":"3"})")).ok());
    EXPECT_FALSE(sh::parse_document(J(R"({"version":1.5})")).ok());
    EXPECT_FALSE(sh::parse_document(J(R"({"state":"on"})")).ok());
    EXPECT_FALSE(sh::parse_rejection(J(R"({"message":"no code"})")).ok());
    EXPECT_FALSE(sh::parse_rejection(J(R"({"code":"409"})")).ok());
    EXPECT_FALSE(sh::parse_documents(J(R"({"previous":{}})")).ok());
    // Wrong-typed optional members are ignored rather than aborting.
    auto odd = sh::parse_document(J(R"({"clientToken":5,"state":{}})"));
    ASSERT_TRUE(odd.ok());
    EXPECT_EQ(odd.value().client_token, "");
}

TEST(Document, ParseRejection_AwsConflictExample_CodeAndMessage) {
    auto r = sh::parse_rejection(J(R"({"code":409,"message":"Version conflict","timestamp":1,"clientToken":"t"})"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().code, 409);
    EXPECT_EQ(r.value().message, "Version conflict");
    EXPECT_EQ(r.value().client_token, "t");
}

}  // namespace
