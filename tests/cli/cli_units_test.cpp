// Units of the CLI that need no network: the shared credentials file parser, the
// mosquitto-style option parser, the bounded file reader, the JSON depth guard and the
// shadow update / sigv4 input parsers.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "aws_profile.hpp"
#include "bounded_file.hpp"
#include "connection_options.hpp"
#include "json_input.hpp"
#include "shadow_input.hpp"
#include "sigv4_input.hpp"

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

// A scratch directory for the bounded reader's files, removed at the end.
class BoundedFile : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/iotlite-cli-units-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        for (const std::string& p : made_) ::unlink(p.c_str());
        ::rmdir((dir_ + "/sub").c_str());
        ::rmdir(dir_.c_str());
    }
    std::string write(const std::string& name, const std::string& content) {
        const std::string path = dir_ + "/" + name;
        std::ofstream(path, std::ios::binary) << content;
        made_.push_back(path);
        return path;
    }
    std::string dir_;
    std::vector<std::string> made_;
};

constexpr FileLimit kSixteen{16, "test file", "the test allows 16"};

TEST_F(BoundedFile, UpToTheLimit_ReadExactly) {
    EXPECT_EQ(read_bounded_file(write("empty", ""), kSixteen, "f").value(), "");
    const std::string sixteen = std::string("0123456789abcde") + '\0';
    Result<std::string> r = read_bounded_file(write("sixteen", sixteen), kSixteen, "f");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value(), sixteen);
}

TEST_F(BoundedFile, OverTheLimit_LimitExceededNamingSizeAndRuleNeverContent) {
    Result<std::string> r = read_bounded_file(write("seventeen", std::string(kSecret).substr(0, 17)), kSixteen, "-f x");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    EXPECT_EQ(r.error().message, "-f x: test file is 17 bytes; the test allows 16");
}

TEST_F(BoundedFile, NotARegularFile_RefusedBeforeReading) {
    ASSERT_EQ(::mkdir((dir_ + "/sub").c_str(), 0700), 0);
    Result<std::string> d = read_bounded_file(dir_ + "/sub", kSixteen, "-f d");
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, Errc::invalid_argument);
    EXPECT_EQ(d.error().message, "-f d: not a regular file (a directory)");
    Result<std::string> z = read_bounded_file("/dev/zero", kPayloadFileLimit, "-f /dev/zero");
    ASSERT_FALSE(z.ok());
    EXPECT_EQ(z.error().message, "-f /dev/zero: not a regular file (a character device)");
    // A FIFO without a writer: refused at once (opening it for reading would wait).
    const std::string fifo = dir_ + "/fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    made_.push_back(fifo);
    Result<std::string> f = read_bounded_file(fifo, kSixteen, "--key k");
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.error().message, "--key k: not a regular file (a FIFO)");
}

TEST_F(BoundedFile, Missing_IoErrorWithTheReason) {
    Result<std::string> r = read_bounded_file(dir_ + "/nope", kSixteen, "--cafile nope");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::io_error);
    EXPECT_EQ(r.error().message, "--cafile nope: cannot open (No such file or directory)");
}

TEST(FileLimits, NamedAndSane) {
    EXPECT_EQ(kPayloadFileLimit.max_bytes, 131072u);  // AWS IoT's payload limit
    EXPECT_GE(kPemFileLimit.max_bytes, 256u * 1024);  // a whole CA bundle fits
    EXPECT_LE(kPemFileLimit.max_bytes, 1024u * 1024);
    EXPECT_LE(kAwsConfigFileLimit.max_bytes, 1024u * 1024);
    EXPECT_LE(kInputFileLimit.max_bytes, 1024u * 1024);
}

TEST(ParseJsonInput, DepthRefusedWhileReadingAndMessagesNeverQuoteTheText) {
    std::string deep;
    for (int i = 0; i < 3000; ++i) deep += "{\"a\":";
    deep += "1" + std::string(3000, '}');
    Result<json::Value> d = parse_json_input(deep, "--document");
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, Errc::limit_exceeded);
    EXPECT_EQ(d.error().message, "--document nests JSON more than 32 levels deep; iotlite accepts at most 32");
    std::string at_limit = std::string(32, '[') + std::string(32, ']');
    EXPECT_TRUE(parse_json_input(at_limit, "x").ok());
    Result<json::Value> bad = parse_json_input("{\"k\":\"" + std::string(kSecret) + "\"", "--desired");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, Errc::invalid_argument);
    EXPECT_EQ(bad.error().message, "--desired is not valid JSON: ',' or '}' is expected in an object (at byte 47)");
    // A NUL byte ends nothing: the text after it is read (and refused) too.
    Result<json::Value> nul = parse_json_input(std::string("{}\0[[[", 6), "the --context file");
    ASSERT_FALSE(nul.ok());
    EXPECT_EQ(nul.error().message, "the --context file is not valid JSON: text after the value (at byte 2)");
}

TEST(ShadowUpdateInput, DesiredAndReported_BuildTheState) {
    const std::string desired = R"({"on":true})", reported = "null";
    Result<ShadowUpdateInput> r = parse_shadow_update_input(&desired, &reported, nullptr, false);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().state, shadow::parse_json(R"({"desired":{"on":true},"reported":null})").value());
    EXPECT_FALSE(r.value().version.has_value());
}

TEST(ShadowUpdateInput, Document_StateVersionAndToken) {
    const std::string doc = R"({"state":{"reported":{"n":1}},"version":7,"clientToken":"tok-1"})";
    Result<ShadowUpdateInput> r = parse_shadow_update_input(nullptr, nullptr, &doc, false);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().state, shadow::parse_json(R"({"reported":{"n":1}})").value());
    EXPECT_EQ(r.value().version, 7u);
    EXPECT_EQ(r.value().client_token, "tok-1");
    EXPECT_EQ(parse_shadow_update_input(nullptr, nullptr, &doc, true).value().client_token, "");  // --client-token wins
}

TEST(ShadowUpdateInput, BadInput_NamesTheFlagAndRule) {
    const std::string obj = "{}", arr = "[1]", deep = std::string(40, '[') + std::string(40, ']');
    const std::string no_state = R"({"desired":{}})", bad_version = R"({"state":{},"version":-1})",
                      bad_token = R"({"state":{},"clientToken":")" + std::string(65, 't') + "\"}";
    struct Case {
        const std::string* desired;
        const std::string* reported;
        const std::string* document;
        std::string message;
    };
    const std::vector<Case> cases = {
        {nullptr, nullptr, nullptr, "update needs --desired JSON, --reported JSON or --document JSON"},
        {&obj, nullptr, &obj, "--document cannot be combined with --desired or --reported"},
        {&arr, nullptr, nullptr, "--desired must be a JSON object (or null to clear the section)"},
        {nullptr, &deep, nullptr, "--reported nests JSON more than 32 levels deep; iotlite accepts at most 32"},
        {nullptr, nullptr, &no_state, "--document must be an object with a \"state\" object, e.g. {\"state\":{\"desired\":{\"on\":true}}}"},
        {nullptr, nullptr, &bad_version, "--document: \"version\" must be a whole number"},
    };
    for (const Case& c : cases) {
        Result<ShadowUpdateInput> r = parse_shadow_update_input(c.desired, c.reported, c.document, false);
        ASSERT_FALSE(r.ok()) << c.message;
        EXPECT_EQ(r.error().message, c.message);
    }
    Result<ShadowUpdateInput> t = parse_shadow_update_input(nullptr, nullptr, &bad_token, false);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().message.rfind("--document: clientToken: ", 0), 0u) << t.error().message;
}

TEST(Sigv4Inputs, ContextAndRequest_ParsedAndSigned) {
    const std::string context = std::string(R"({"credentials":{"access_key_id":"AKIDEXAMPLE","secret_access_key":")") +
                                kSecret + R"("},"region":"us-east-1","service":"service","timestamp":"2015-08-30T12:36:00Z"})";
    Result<Sigv4Inputs> in = parse_sigv4_inputs(context, "GET / HTTP/1.1\nHost:example.amazonaws.com\n\n",
                                                sigv4::SignatureType::headers);
    ASSERT_TRUE(in.ok()) << in.error().message;
    EXPECT_EQ(in.value().credentials.secret_access_key, kSecret);
    EXPECT_EQ(in.value().config.region, "us-east-1");
    Result<std::string> sig = sigv4_stage_text(in.value(), Sigv4Stage::signature);
    ASSERT_TRUE(sig.ok()) << sig.error().message;
    EXPECT_EQ(sig.value().size(), 64u);
}

TEST(Sigv4Inputs, BadContext_NamesTheMemberNeverTheSecret) {
    const std::string request = "GET / HTTP/1.1\nHost:h\n\n";
    const std::string secret = kSecret;
    struct Case {
        std::string context;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"[1]", "the --context file is not a JSON object"},
        {R"({"credentials":")" + secret + R"("})", "context 'credentials' must be an object"},
        {R"({"credentials":{"secret_access_key":[")" + secret + R"("]}})", "context 'secret_access_key' must be a string"},
        {R"({"credentials":{"token":1},"x":")" + secret + R"("})", "context 'token' must be a string"},
        {R"({"credentials":{},"expiration_in_seconds":99999999999})", "context 'expiration_in_seconds' must be at most 4294967295"},
        {"{\"credentials\":{\"secret_access_key\":\"" + secret + "\"},\"x\":" + std::string(40, '[') + "}",
         "the --context file nests JSON more than 32 levels deep; iotlite accepts at most 32"},
        {"{\"credentials\":{\"secret_access_key\":\"" + secret + "\"", "the --context file is not a JSON object (invalid JSON)"},
    };
    for (const Case& c : cases) {
        Result<Sigv4Inputs> r = parse_sigv4_inputs(c.context, request, sigv4::SignatureType::query);
        ASSERT_FALSE(r.ok()) << c.message;
        EXPECT_EQ(r.error().message, c.message);
        EXPECT_EQ(r.error().message.find(secret), std::string::npos);
    }
}

}  // namespace
}  // namespace iotlite::cli
