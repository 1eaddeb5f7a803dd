// core's json::Value against nlohmann/json (an independent parser and writer): the same documents
// accepted and refused, the same values built, the same compact text written; and the semantics
// the services rely on (sorted members, last repeated name wins, numbers by value, U+FFFD).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "iotlite/json/value.hpp"
#include "json_oracle.hpp"

namespace {

using iotlite::Errc;
using iotlite::json::Value;
using iotlite::test::as_oracle;
using Oracle = nlohmann::json;

constexpr std::size_t kDepth = 32;

Value P(const std::string& text) {
    auto v = iotlite::json::parse(text, kDepth);
    EXPECT_TRUE(v.ok()) << text << ": " << (v.ok() ? "" : v.error().message);
    return v.ok() ? std::move(v.value()) : Value();
}

TEST(JsonValue, ValidTexts_SameDocumentAsNlohmann) {
    const std::vector<std::string> texts = {
        "null", "true", "false", "0", "-0", "7", "-7", "18446744073709551615", "-9223372036854775808",
        "18446744073709551616", "-9223372036854775809", "1.5", "-1.25e-3", "1E+2", "0.1", "1e-400",
        R"("")", R"("a\"b\\c\/d\b\f\n\r\t")", R"("\u00e9\u20ac\ud83d\ude00")", "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"",
        "[]", "{}", " [ 1 , [ 2 , { } ] ] ", R"({"b":1,"a":[true,null,"x"],"c":{"d":{"e":-2}}})",
        R"({"a":1,"a":2})", R"({"":0})", "\t\r\n{\"k\" : \"v\"}\n",
    };
    for (const auto& text : texts) {
        const Value ours = P(text);
        EXPECT_EQ(as_oracle(ours), Oracle::parse(text)) << text;
        // What we write reads back as the same document, in nlohmann too.
        EXPECT_EQ(P(ours.dump()), ours) << text;
        EXPECT_EQ(Oracle::parse(ours.dump()), Oracle::parse(text)) << text;
    }
}

TEST(JsonValue, InvalidTexts_RefusedLikeNlohmannWithTheRuleAndTheOffset) {
    const std::vector<std::string> texts = {
        "", " ", "nul", "tru", "01", "-", "1.", ".5", "1e", "+1", "[1,]", "{\"a\":1,}", "{\"a\"}", "{a:1}",
        "[1 2]", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\x01\"", "\"\xC0\xAF\"",
        "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "{} {}", "[1]x", "1e400", "-1e400",
        "NaN", "Infinity", "'a'",
    };
    for (const auto& text : texts) {
        auto ours = iotlite::json::parse(text, kDepth);
        EXPECT_FALSE(ours.ok()) << text;
        EXPECT_TRUE(Oracle::parse(text, nullptr, false).is_discarded()) << text;
        if (ours.ok()) continue;
        EXPECT_EQ(ours.error().code, Errc::protocol_error);
        EXPECT_NE(std::string(ours.error().rule), "") << text;
        EXPECT_NE(ours.error().message.find("(at byte "), std::string::npos) << ours.error().message;
    }
    // nlohmann stops reading at a NUL byte and accepts "[1]"; we read on and refuse the byte.
    EXPECT_FALSE(iotlite::json::parse(std::string("[1]\0", 4), kDepth).ok());
    auto bad = iotlite::json::parse("[1, x]", kDepth);
    ASSERT_FALSE(bad.ok());
    EXPECT_STREQ(bad.error().rule, "json.syntax");
    EXPECT_EQ(bad.error().actual, 4u);
    auto huge = iotlite::json::parse("{\"t\":1e999}", kDepth);
    ASSERT_FALSE(huge.ok());
    EXPECT_STREQ(huge.error().rule, "json.number");
}

// The largest decimals that still round to a finite double, and the smallest that do not, as
// nlohmann (strtod) reads them.
TEST(JsonValue, DoubleRangeBoundary_RefusedExactlyWhereStrtodGivesInfinity) {
    const std::string boundary =
        "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416"
        "692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959"
        "622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";  // 2^1024 - 2^970
    std::string below = boundary;
    below.back() = '1';
    for (const std::string& text : std::vector<std::string>{boundary, boundary + ".0", "-" + boundary, "1.7976931348623158e308", "1e309",
                                    below, below + ".999", "1.7976931348623157e308", "-1.7976931348623157e308",
                                    "0.17976931348623157e309", "1e308", "1e-400"}) {
        const bool ours = iotlite::json::parse(text, kDepth).ok();
        EXPECT_EQ(ours, !Oracle::parse(text, nullptr, false).is_discarded()) << text;
    }
    EXPECT_FALSE(iotlite::json::parse(boundary, kDepth).ok());
    EXPECT_TRUE(iotlite::json::parse(below, kDepth).ok());
}

TEST(JsonValue, Nesting_RefusedBeyondTheBoundWhileReading) {
    EXPECT_TRUE(iotlite::json::parse(std::string(32, '[') + std::string(32, ']'), 32).ok());
    auto deep = iotlite::json::parse(std::string(100000, '['), 32);  // no recursion beyond 33 levels
    ASSERT_FALSE(deep.ok());
    EXPECT_STREQ(deep.error().rule, "json.depth");
    EXPECT_EQ(deep.error().limit, 32u);
}

// Random documents written by nlohmann, read by us: same values, and our compact text is
// nlohmann's byte for byte (no floating numbers here: each library has its own digits for them).
TEST(JsonValue, RandomDocuments_ReadAndWrittenAsNlohmannDoes) {
    std::mt19937 rng(20261204);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    const std::vector<std::string> pieces = {"a", "B", "\xC3\xA9", "\xF0\x9F\x98\x80", "\"", "\\", "/", "\n", "\x01", "\x1f",
                                             "\x7f", " ", "key", "\xE2\x82\xAC", ""};
    auto text = [&] {
        std::string s;
        for (int k = pick(6); k > 0; --k) s += pieces[static_cast<std::size_t>(pick(static_cast<int>(pieces.size())))];
        return s;
    };
    std::function<Oracle(int)> make = [&](int depth) -> Oracle {
        switch (depth >= 6 ? pick(5) : pick(7)) {
            case 0: return nullptr;
            case 1: return pick(2) == 0;
            case 2: return static_cast<std::int64_t>(rng()) - (std::int64_t{1} << 31) + (pick(2) ? 0 : INT64_MIN / 2);
            case 3: return static_cast<std::uint64_t>(rng()) << pick(33);
            case 4: return text();
            case 5: {
                Oracle a = Oracle::array();
                for (int k = pick(5); k > 0; --k) a.push_back(make(depth + 1));
                return a;
            }
            default: {
                Oracle o = Oracle::object();
                for (int k = pick(5); k > 0; --k) o[text()] = make(depth + 1);
                return o;
            }
        }
    };
    for (int round = 0; round < 2000; ++round) {
        const Oracle doc = make(0);
        const std::string written = doc.dump();
        const Value ours = P(written);
        ASSERT_EQ(as_oracle(ours), doc) << written;
        ASSERT_EQ(ours.dump(), written);
    }
}

TEST(JsonValue, Objects_SortedMembersLastNameWinsAndEdits) {
    Value v = P(R"({"b":1,"a":2,"b":3})");
    EXPECT_EQ(v.dump(), R"({"a":2,"b":3})");
    EXPECT_EQ(v.size(), 2u);
    v["0"] = "zero";
    v["c"] = Value::array();
    v["c"].push_back(nullptr);
    EXPECT_EQ(v.dump(), R"({"0":"zero","a":2,"b":3,"c":[null]})");
    EXPECT_EQ(v.erase("a"), 1u);
    EXPECT_EQ(v.erase("a"), 0u);
    EXPECT_FALSE(v.contains("a"));
    EXPECT_EQ(v.find("b")->get<int>(), 3);
    EXPECT_EQ(v.find("b").key(), "b");
    const Value& c = v;
    EXPECT_TRUE(c["missing"].is_null());
    EXPECT_FALSE(c.contains("missing")) << "a const read adds nothing";
    Value n;
    n["x"]["y"] = true;  // null becomes an object, at each level
    EXPECT_EQ(n.dump(), R"({"x":{"y":true}})");
    Value a;
    a.push_back(1);
    a.push_back("two");
    EXPECT_EQ(a.dump(), R"([1,"two"])");
    EXPECT_EQ(a[1].str(), "two");
}

// Members arrive in any order (AWS's answers are not sorted): sorted once per object, a repeated
// name keeping the value given last, as nlohmann's std::map does.
TEST(JsonValue, LargeObjectInReverseOrderWithRepeatedNames_SameAsNlohmann) {
    std::string text = "{";
    for (int k = 20000; k > 0; --k) text += "\"k" + std::to_string(k % 15000) + "\":" + std::to_string(k) + (k > 1 ? "," : "}");
    const Value ours = P(text);
    const Oracle oracle = Oracle::parse(text);
    EXPECT_EQ(ours.size(), 15000u);
    EXPECT_EQ(as_oracle(ours), oracle);
    EXPECT_EQ(ours.dump(), oracle.dump());
    EXPECT_EQ(ours.find("k1")->get<int>(), 1) << "k1 came twice: 15001 first, then 1";
}

TEST(JsonValue, Numbers_KindsTextAndComparisonByValue) {
    EXPECT_TRUE(P("5").is_number_unsigned());
    EXPECT_TRUE(P("-5").is_number_integer());
    EXPECT_FALSE(P("-5").is_number_unsigned());
    EXPECT_TRUE(P("-0").is_number_unsigned()) << "zero has one form";
    EXPECT_TRUE(P("18446744073709551616").is_number_float()) << "beyond 64 bits";
    EXPECT_EQ(P("1.50").dump(), "1.50") << "a parsed floating number keeps its text";
    EXPECT_EQ(P("1"), P("1.0"));
    EXPECT_EQ(P("1.5"), P("15e-1"));
    EXPECT_NE(P("-1"), P("18446744073709551615"));
    EXPECT_NE(P("1"), P("\"1\""));
    EXPECT_EQ(P("[1,{\"a\":2}]"), P("[1.0,{\"a\":2e0}]"));
    EXPECT_EQ(P("-7").get<std::int64_t>(), -7);
    EXPECT_EQ(P("2.9").get<int>(), 0) << "not an integer: the empty value";
    EXPECT_EQ(P("2.5").get<double>(), 2.5);
    EXPECT_EQ(P("0.1"), P("0.10000")) << "the same decimal value";
    EXPECT_NE(P("0.1"), P("0.1000000000000000000001")) << "exact decimals, though both round to one double";
    EXPECT_EQ(P("-0.0"), P("0"));
    EXPECT_EQ(P("100"), P("1e2"));
    EXPECT_EQ(P("0.0012"), P("12e-4"));
    EXPECT_EQ(Value(0.1).dump(), "0.1");
    EXPECT_EQ(Value(2.0).dump(), "2.0");
    EXPECT_EQ(Value(1.0 / 3).get<double>(), 1.0 / 3) << "shortest text that reads back";
    EXPECT_TRUE(Value(1.0 / 0.0).is_null());
    EXPECT_EQ(Value(std::int64_t{-3}).dump(), "-3");
    EXPECT_EQ(Value(std::uint64_t{18446744073709551615u}).dump(), "18446744073709551615");
}

TEST(JsonValue, Strings_EscapedAsNlohmannAndInvalidUtf8WrittenAsReplacement) {
    const std::string s = std::string("q\"b\\s/n\nt\tc\x01 d\x7f") + "\xC3\xA9";
    EXPECT_EQ(Value(s).dump(), Oracle(s).dump());
    EXPECT_EQ(Value(std::string("a\xFF" "b")).dump(), "\"a\xEF\xBF\xBD" "b\"");
    EXPECT_EQ(Value(std::string("a\xFF" "b")).dump(), Oracle(std::string("a\xFF" "b")).dump(-1, ' ', false, Oracle::error_handler_t::replace));
    EXPECT_EQ(P(R"("\u0000")").str(), std::string(1, '\0'));
    EXPECT_EQ(P(R"("\u0000")").dump(), R"("\u0000")");
}

TEST(JsonValue, WrongTypeReads_GiveTheEmptyValue) {
    const Value n = P("5");
    EXPECT_EQ(n.str(), "");
    EXPECT_FALSE(n.get<bool>());
    EXPECT_TRUE(n.find("x") == n.end());
    EXPECT_EQ(n.size(), 1u);
    EXPECT_EQ(Value().size(), 0u);
    EXPECT_TRUE(Value().empty());
    EXPECT_EQ(P("\"x\"").get<int>(), 0);
    int count = 0;
    for (const Value& child : n) count += child.is_null() ? 1 : 2;
    EXPECT_EQ(count, 0) << "a scalar has no elements";
}

}  // namespace
