// Units of the CLI that need no network: the shared credentials file parser and the
// mosquitto-style option parser.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "aws_profile.hpp"
#include "connection_options.hpp"

namespace iotlite::cli {
namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

TEST(AwsProfile, NamedProfile_ReadsItsKeysOnly) {
    const std::string text =
        "[default]\n"
        "aws_access_key_id = AKIDDEFAULT\n"
        "aws_secret_access_key = defaultsecret\n"
        "\n"
        "# comment\n"
        "[dev]\n"
        "aws_access_key_id=AKIDDEV\n"
        "; comment\n"
        "aws_secret_access_key   =   " + std::string(kSecret) + "   \n"
        "aws_session_token = token/with+chars=\n"
        "region = eu-west-1\n";
    Result<AwsProfile> p = parse_aws_profile(text, "dev", "creds");
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p.value().credentials.access_key_id, "AKIDDEV");
    EXPECT_EQ(p.value().credentials.secret_access_key, kSecret);
    EXPECT_EQ(p.value().credentials.session_token, "token/with+chars=");
    EXPECT_EQ(p.value().region, "eu-west-1");
}

TEST(AwsProfile, ConfigStyleHeaderCrlfAndLegacyToken_Accepted) {
    const std::string text = "[profile ci]\r\naws_access_key_id = AKIDCI\r\naws_secret_access_key = s\r\n"
                             "aws_security_token = legacy\r\n";
    Result<AwsProfile> p = parse_aws_profile(text, "ci", "creds");
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p.value().credentials.access_key_id, "AKIDCI");
    EXPECT_EQ(p.value().credentials.secret_access_key, "s");
    EXPECT_EQ(p.value().credentials.session_token, "legacy");
}

TEST(AwsProfile, IndentedLinesAfterAKey_AreNestedSettingsAndSkipped) {
    const std::string text = "[a]\naws_access_key_id = AKID\ns3 =\n  aws_secret_access_key = nested\n"
                             "aws_secret_access_key = top\n";
    Result<AwsProfile> p = parse_aws_profile(text, "a", "creds");
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p.value().credentials.secret_access_key, "top");
}

TEST(AwsProfile, RepeatedSection_LaterValuesWin) {
    const std::string text = "[a]\naws_access_key_id = OLD\naws_secret_access_key = s\n[b]\nx = 1\n[a]\naws_access_key_id = NEW\n";
    Result<AwsProfile> p = parse_aws_profile(text, "a", "creds");
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p.value().credentials.access_key_id, "NEW");
}

TEST(AwsProfile, MissingProfile_NamesProfileAndFile) {
    Result<AwsProfile> p = parse_aws_profile("[a]\naws_access_key_id = A\n", "prod", "/home/u/.aws/credentials");
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, Errc::invalid_argument);
    EXPECT_EQ(p.error().message, "profile 'prod' not found in /home/u/.aws/credentials");
}

TEST(AwsProfile, MissingSecret_NamesTheKey) {
    Result<AwsProfile> p = parse_aws_profile("[a]\naws_access_key_id = A\naws_secret_access_key =\n", "a", "f");
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().message, "profile 'a' in f has no aws_secret_access_key");
    Result<AwsProfile> q = parse_aws_profile("[a]\naws_secret_access_key = s\n", "a", "f");
    ASSERT_FALSE(q.ok());
    EXPECT_EQ(q.error().message, "profile 'a' in f has no aws_access_key_id");
}

TEST(AwsProfile, MalformedLine_GivesLineNumberNeverTheContent) {
    const std::string text = "[a]\naws_access_key_id = A\n" + std::string(kSecret) + "\n";
    Result<AwsProfile> p = parse_aws_profile(text, "a", "f");
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().message, "f: line 3 is neither '[profile]' nor 'key = value'");
    EXPECT_EQ(p.error().message.find(kSecret), std::string::npos);
    Result<AwsProfile> q = parse_aws_profile("[a\n", "a", "f");
    ASSERT_FALSE(q.ok());
    EXPECT_EQ(q.error().message, "f: line 1 starts a section without a closing ']'");
}

std::vector<OptionSpec> specs() {
    return {{"-t", "--topic", true}, {"-r", "--retain", false}, {nullptr, "--endpoint", true}};
}

bool parse(std::vector<std::string> args, ParsedFlags& out, std::string& error) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return parse_options(static_cast<int>(argv.size()), argv.data(), specs(), out, error);
}

TEST(ParseOptions, ShortLongAndInlineForms_StoredUnderTheLongName) {
    ParsedFlags f;
    std::string error;
    ASSERT_TRUE(parse({"-t", "a/b", "--topic", "c", "--topic=d=e", "-r", "--endpoint", "-x"}, f, error)) << error;
    EXPECT_EQ(all_values(f, "--topic"), (std::vector<std::string>{"a/b", "c", "d=e"}));
    EXPECT_TRUE(f.has("--retain"));
    ASSERT_NE(f.get("--endpoint"), nullptr);
    EXPECT_EQ(*f.get("--endpoint"), "-x");  // a value may start with '-'
}

TEST(ParseOptions, BadInput_NamesTheFlagButNeverAValue) {
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{"--bogus"}, "unknown flag '--bogus'"},
        {{"--bogus=" + std::string(kSecret)}, "unknown flag '--bogus'"},
        {{"-m" + std::string(kSecret)}, "unknown flag '-m...'"},
        {{"-t"}, "-t needs a value"},
        {{"--retain=1"}, "--retain takes no value"},
        {{"-t", "a", kSecret}, "unexpected argument at position 3 (flags start with - or --)"},
    };
    for (const Case& c : cases) {
        ParsedFlags f;
        std::string error;
        EXPECT_FALSE(parse(c.args, f, error));
        EXPECT_EQ(error, c.message);
    }
}

TEST(ParseNumber, Bounds_Enforced) {
    std::uint64_t v = 0;
    EXPECT_TRUE(parse_number("30", 1, 86400, v));
    EXPECT_EQ(v, 30u);
    EXPECT_FALSE(parse_number("0", 1, 86400, v));
    EXPECT_FALSE(parse_number("86401", 1, 86400, v));
    EXPECT_FALSE(parse_number("", 0, 10, v));
    EXPECT_FALSE(parse_number("-1", 0, 10, v));
    EXPECT_FALSE(parse_number("1e3", 0, 10000, v));
    EXPECT_FALSE(parse_number("99999999999999999999", 0, UINT64_MAX, v));
}

}  // namespace
}  // namespace iotlite::cli
