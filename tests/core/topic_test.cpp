// Topic rules and AWS IoT limits: exactly at the limit passes, one over fails naming the rule.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "iotlite/mqtt/topic.hpp"

using namespace iotlite;
using namespace iotlite::mqtt;

namespace {
std::string levels(std::size_t slashes) {
    std::string t = "a";
    for (std::size_t i = 0; i < slashes; ++i) t += "/a";
    return t;
}
}  // namespace

// The broken limit as data (Error::rule/limit/actual), which callers explain from.
static void expect_rule(const Error& e, const char* rule, std::uint32_t limit, std::uint32_t actual) {
    EXPECT_STREQ(e.rule, rule) << e.message;
    EXPECT_EQ(e.limit, limit) << e.message;
    EXPECT_EQ(e.actual, actual) << e.message;
}

TEST(TopicLimits, TopicOf256Bytes_IsAccepted) {
    EXPECT_TRUE(validate_publish_topic(std::string(256, 'x')).ok());
}

TEST(TopicLimits, TopicOf257Bytes_FailsNamingRule) {
    auto r = validate_publish_topic(std::string(257, 'x'));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    EXPECT_EQ(r.error().message, "topic has 257 bytes; AWS IoT allows 256");
    expect_rule(r.error(), rules::topic_bytes, 256, 257);
}

TEST(TopicLimits, SevenSlashes_IsAccepted) {
    EXPECT_TRUE(validate_publish_topic(levels(7)).ok());
    EXPECT_TRUE(validate_topic_filter(levels(7)).ok());
}

TEST(TopicLimits, NineSlashes_FailsNamingRule) {
    auto r = validate_publish_topic(levels(9));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    EXPECT_EQ(r.error().message, "topic has 9 '/' levels; AWS IoT allows 7");
    auto f = validate_topic_filter(levels(8));
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.error().message, "topic filter has 8 '/' levels; AWS IoT allows 7");
    expect_rule(r.error(), rules::topic_levels, 7, 9);
    expect_rule(f.error(), rules::topic_levels, 7, 8);
}

TEST(TopicLimits, BasicIngestPrefix_IsNotCounted) {
    EXPECT_TRUE(validate_publish_topic("$aws/rules/myRule/" + levels(7)).ok());
    EXPECT_FALSE(validate_publish_topic("$aws/rules/myRule/" + levels(8)).ok());
    EXPECT_TRUE(validate_publish_topic("$aws/rules/r/" + std::string(256, 'x')).ok());
    EXPECT_FALSE(validate_publish_topic("$aws/rules/r/" + std::string(257, 'x')).ok());
    // Other $aws topics count every slash.
    EXPECT_FALSE(validate_publish_topic("$aws/things/t/" + levels(5)).ok());
}

TEST(TopicRules, PublishWildcards_AreInvalidTopic) {
    for (const char* t : {"a/+", "a/#", "+", "a+b", "#"}) {
        auto r = validate_publish_topic(t);
        ASSERT_FALSE(r.ok()) << t;
        EXPECT_EQ(r.error().code, Errc::invalid_topic) << t;
        EXPECT_NE(r.error().message.find("wildcard"), std::string::npos);
    }
}

TEST(TopicRules, EmptyNulAndBadUtf8_AreInvalidTopic) {
    EXPECT_EQ(validate_publish_topic("").error().code, Errc::invalid_topic);
    EXPECT_EQ(validate_topic_filter("").error().code, Errc::invalid_topic);
    EXPECT_EQ(validate_publish_topic(std::string("a\0b", 3)).error().code, Errc::invalid_topic);
    EXPECT_EQ(validate_publish_topic("a\xFF").error().code, Errc::invalid_topic);
    EXPECT_EQ(validate_topic_filter("\xED\xA0\x80").error().code, Errc::invalid_topic);  // surrogate U+D800
    EXPECT_TRUE(validate_publish_topic("caf\xC3\xA9/\xF0\x9F\x98\x80").ok());  // é and an emoji
}

TEST(TopicRules, FilterWildcardPlacement_FollowsMqtt) {
    for (const char* ok : {"#", "+", "a/#", "a/+/b", "+/+", "/+", "a//b", "$aws/things/+/shadow/#"})
        EXPECT_TRUE(validate_topic_filter(ok).ok()) << ok;
    for (const char* bad : {"a/#/b", "a#", "a/b#", "a+", "+a/b", "##", "a/++"}) {
        auto r = validate_topic_filter(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, Errc::invalid_topic) << bad;
    }
}

TEST(TopicLimits, ClientIdBoundaries_NameTheRule) {
    EXPECT_TRUE(validate_client_id(std::string(128, 'c')).ok());
    EXPECT_TRUE(validate_client_id("c").ok());
    auto over = validate_client_id(std::string(129, 'c'));
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(over.error().code, Errc::limit_exceeded);
    EXPECT_EQ(over.error().message, "client id has 129 bytes; AWS IoT allows 128");
    expect_rule(over.error(), rules::client_id_bytes, 128, 129);
    EXPECT_EQ(validate_client_id("").error().code, Errc::invalid_argument);
}

TEST(TopicLimits, PayloadBoundaries_NameTheRule) {
    EXPECT_TRUE(validate_payload_size(131072).ok());
    auto over = validate_payload_size(131073);
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(over.error().code, Errc::limit_exceeded);
    EXPECT_EQ(over.error().message, "payload has 131073 bytes; AWS IoT allows 131072 (128 KB)");
    expect_rule(over.error(), rules::payload_bytes, 131072, 131073);
}

TEST(TopicLimits, KeepAliveBoundaries_NameTheRule) {
    EXPECT_TRUE(validate_keep_alive(30).ok());
    EXPECT_TRUE(validate_keep_alive(1200).ok());
    EXPECT_EQ(validate_keep_alive(29).error().message, "keep-alive is 29 s; AWS IoT allows 30 to 1200 s");
    EXPECT_EQ(validate_keep_alive(1201).error().message, "keep-alive is 1201 s; AWS IoT allows 30 to 1200 s");
    expect_rule(validate_keep_alive(29).error(), rules::keep_alive_seconds, 30, 29);
    expect_rule(validate_keep_alive(1201).error(), rules::keep_alive_seconds, 1200, 1201);
}

TEST(TopicLimits, Qos2_IsRejected) {
    EXPECT_TRUE(validate_qos(0).ok());
    EXPECT_TRUE(validate_qos(1).ok());
    EXPECT_EQ(validate_qos(2).error().message, "QoS 2 requested; AWS IoT supports QoS 0 and 1 only");
    expect_rule(validate_qos(2).error(), rules::qos, 1, 2);
}

TEST(TopicMatch, Wildcards_MatchPerMqtt) {
    struct Case { const char* filter; const char* topic; bool match; };
    const Case cases[] = {
        {"a/b", "a/b", true},         {"a/b", "a/c", false},        {"a/b", "a/b/c", false},
        {"a/+", "a/b", true},         {"a/+", "a/b/c", false},      {"a/+", "a", false},
        {"a/+", "a/", true},          {"+/+", "/b", true},          {"+", "a", true},
        {"+", "a/b", false},          {"a/#", "a", true},           {"a/#", "a/b/c", true},
        {"a/#", "ab", false},         {"#", "a/b/c", true},         {"#", "/", true},
        {"a/+/c", "a/b/c", true},     {"a/+/c", "a/b/d", false},    {"+/b/#", "x/b", true},
        {"#", "$aws/things/x", false},  {"+/things/x", "$aws/things/x", false},
        {"$aws/things/+/shadow/#", "$aws/things/t1/shadow/update/accepted", true},
        {"a/b/", "a/b", false},       {"a/b", "a/b/", false},       {"a//b", "a//b", true},
    };
    for (const auto& c : cases) EXPECT_EQ(topic_matches(c.filter, c.topic), c.match) << c.filter << " vs " << c.topic;
}

namespace {
// Reference matcher written from §4.7 level by level (split on '/', compare level lists),
// independent of the library's character-by-character implementation.
std::vector<std::string> split_levels(const std::string& s) {
    std::vector<std::string> out(1);
    for (char c : s) {
        if (c == '/') out.emplace_back();
        else out.back() += c;
    }
    return out;
}
bool reference_match(const std::string& filter, const std::string& topic) {
    if ((filter[0] == '+' || filter[0] == '#') && topic[0] == '$') return false;
    auto f = split_levels(filter), t = split_levels(topic);
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] == "#") return true;  // includes the parent level ("a/#" vs "a")
        if (i >= t.size()) return false;
        if (f[i] != "+" && f[i] != t[i]) return false;
    }
    return f.size() == t.size();
}
}  // namespace

TEST(TopicMatch, RandomFiltersAndTopics_AgreeWithLevelReference) {
    std::uint64_t s = 0x9E3779B97F4A7C15ull;
    auto next = [&s] {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return static_cast<std::uint32_t>(s >> 16);
    };
    const char* topic_levels[] = {"a", "b", "", "$aws", "ab"};
    int matches = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string topic, filter;
        std::size_t tl = 1 + next() % 4, fl = 1 + next() % 4;
        for (std::size_t k = 0; k < tl; ++k) topic += (k ? "/" : "") + std::string(topic_levels[next() % 5]);
        for (std::size_t k = 0; k < fl; ++k) {
            std::string level = next() % 3 == 0 ? "+" : topic_levels[next() % 5];
            if (k + 1 == fl && next() % 4 == 0) level = "#";
            filter += (k ? "/" : "") + level;
        }
        if (topic.empty() || !validate_topic_filter(filter).ok()) continue;
        bool expected = reference_match(filter, topic);
        matches += expected;
        ASSERT_EQ(topic_matches(filter, topic), expected) << filter << " vs " << topic;
    }
    EXPECT_GT(matches, 1000);
}

// Names and filters share one checker: each text names what was checked.
TEST(TopicRules, Messages_NameTopicOrFilterAndTheRule) {
    EXPECT_EQ(validate_publish_topic("").error().message, "topic is empty; MQTT requires at least 1 byte");
    EXPECT_EQ(validate_topic_filter("").error().message, "topic filter is empty; MQTT requires at least 1 byte");
    EXPECT_EQ(validate_topic_filter(std::string(257, 'f')).error().message, "topic filter has 257 bytes; AWS IoT allows 256");
    EXPECT_EQ(validate_publish_topic("a/+").error().message,
              "topic 'a/+' contains a wildcard ('+' or '#'); publish topics may not");
    EXPECT_EQ(validate_topic_filter("a+").error().message, "topic filter 'a+': a wildcard must occupy a whole level");
    EXPECT_EQ(validate_topic_filter("a/#/b").error().message, "topic filter 'a/#/b': '#' must be the last level");
    // The Basic Ingest prefix is recognised only when complete.
    EXPECT_TRUE(validate_publish_topic("$aws/rules/r/" + std::string(256, 'x')).ok());
    EXPECT_FALSE(validate_publish_topic("$aws/rulez/r/" + std::string(250, 'x')).ok());
}

TEST(TopicMatch, HashAfterSlash_AlsoMatchesTheParentOnly) {
    EXPECT_TRUE(topic_matches("a/#", "a"));
    EXPECT_TRUE(topic_matches("a/b/#", "a/b"));
    EXPECT_FALSE(topic_matches("a/b/#", "a"));
    EXPECT_FALSE(topic_matches("a/b", "a"));
    EXPECT_FALSE(topic_matches("a/+", "a"));
}
