// Units of the CLI's AWS profile support (no network): the config/credentials file parser and
// how the two files merge, the resolution order within a profile (role_arn, static keys,
// credential_process), the STS endpoint and CA precedence, source_profile chains and loops,
// the keys refused by name, credential_process runs (scripts written here: JSON, bad JSON,
// non-zero exit, huge output, a hang), the STS AssumeRole request and the XML answer scanner
// with hostile answers.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aws_profile.hpp"
#include "credential_process.hpp"
#include "profile_credentials.hpp"
#include "sts_client.hpp"
#include "sts_response.hpp"

namespace iotlite::cli {
namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken = "FwoGZXIvYXdzEXAMPLETOKEN+/=";

AwsSharedConfig parsed(const std::string& config, const std::string& credentials) {
    AwsSharedConfig c;
    EXPECT_TRUE(parse_aws_file(config, AwsFileKind::config, "cfg", c).ok());
    EXPECT_TRUE(parse_aws_file(credentials, AwsFileKind::credentials, "creds", c).ok());
    return c;
}

TEST(AwsConfigFile, ProfilePrefixAndDefault_ReadBareSectionsSkipped) {
    AwsSharedConfig c = parsed("[default]\nregion = eu-west-1\n[profile dev]\nRegion = us-west-2\n"
                               "[bare]\nregion = ap-south-1\n[sso-session s]\nsso_region = x\n[profile default]\nOutput = json\n",
                               "");
    ASSERT_NE(c.profile("default"), nullptr);
    EXPECT_EQ(*c.profile("default")->get("region"), "eu-west-1");
    EXPECT_EQ(*c.profile("default")->get("output"), "json");  // [profile default] is the same profile; keys lowercased
    EXPECT_EQ(*c.profile("dev")->get("region"), "us-west-2");
    EXPECT_EQ(c.profile("bare"), nullptr);  // the config file needs "profile " for named profiles
    EXPECT_EQ(c.profile("sso-session s"), nullptr);
    EXPECT_EQ(c.profiles.size(), 2u);
}

TEST(AwsConfigFile, SameKeyInBothFiles_CredentialsFileWins) {
    AwsSharedConfig c = parsed("[profile a]\naws_access_key_id = FROMCONFIG\nregion = us-east-1\n",
                               "[a]\naws_access_key_id = FROMCREDS\n");
    EXPECT_EQ(*c.profile("a")->get("aws_access_key_id"), "FROMCREDS");
    EXPECT_EQ(c.profile("a")->kinds.at("aws_access_key_id"), AwsFileKind::credentials);
    EXPECT_EQ(*c.profile("a")->get("region"), "us-east-1");
    EXPECT_EQ(c.profile("a")->sources.at("region"), "cfg");
}

TEST(AwsConfigFile, ServicesSectionNestedSettings_StoredAsDottedKeys) {
    AwsSharedConfig c = parsed("[profile a]\nservices = local\n[services local]\nsts =\n  endpoint_url = https://sts.local\n"
                               "  # a comment\n\ts3 = ignored-continuation\n",
                               "");
    ASSERT_EQ(c.services.count("local"), 1u);
    EXPECT_EQ(*c.services.at("local").get("sts.endpoint_url"), "https://sts.local");
}

TEST(AwsConfigFile, TooManySections_LimitExceededNamingTheBound) {
    std::string text;
    for (std::size_t i = 0; i <= kMaxAwsSections; ++i) text += "[p" + std::to_string(i) + "]\n";
    AwsSharedConfig c;
    Result<void> r = parse_aws_file(text, AwsFileKind::credentials, "f", c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    EXPECT_NE(r.error().message.find("4096 sections"), std::string::npos);
}

// Sets environment variables for one test and restores them.
class ScopedEnv {
public:
    void set(const char* name, const std::string& value) {
        const char* old = std::getenv(name);
        saved_.emplace_back(name, old != nullptr ? std::optional<std::string>(old) : std::nullopt);
        setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
            if (it->second) setenv(it->first.c_str(), it->second->c_str(), 1);
            else unsetenv(it->first.c_str());
        }
    }

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// A fresh directory; the tests remove it.
std::string scratch_dir() {
    char pattern[] = "/tmp/iotlite-awscfg-XXXXXX";
    const char* made = mkdtemp(pattern);
    EXPECT_NE(made, nullptr);
    return made != nullptr ? std::string(made) : std::string("/tmp/iotlite-awscfg-unmade");
}

void write_file(const std::string& path, const std::string& text, bool executable = false) {
    std::ofstream(path) << text;
    if (executable) chmod(path.c_str(), 0755);
}

TEST(LoadAwsSharedConfig, EnvironmentPaths_BothFilesReadAMissingOneSkipped) {
    const std::string dir = scratch_dir();
    write_file(dir + "/config", "[profile p]\nregion = eu-north-1\n");
    write_file(dir + "/creds", "[p]\naws_access_key_id = AKID\naws_secret_access_key = s\n");
    ScopedEnv env;
    env.set("AWS_CONFIG_FILE", dir + "/config");
    env.set("AWS_SHARED_CREDENTIALS_FILE", dir + "/creds");
    int found = -1;
    Result<AwsSharedConfig> c = load_aws_shared_config(&found);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(found, 2);
    EXPECT_EQ(*c.value().profile("p")->get("region"), "eu-north-1");
    EXPECT_EQ(*c.value().profile("p")->get("aws_access_key_id"), "AKID");
    EXPECT_EQ(aws_profile_region("p"), "eu-north-1");
    EXPECT_EQ(aws_profile_region("default"), "");

    env.set("AWS_CONFIG_FILE", dir + "/no-such-config");
    c = load_aws_shared_config(&found);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(found, 1);
    env.set("AWS_CONFIG_FILE", dir);  // a directory is there but refused
    c = load_aws_shared_config(&found);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("the config file " + dir + ": not a regular file"), std::string::npos);
}

// Fake outside world for resolve_profile_credentials.
struct Fakes {
    std::map<std::string, std::string> env;
    std::vector<std::string> processes_run;
    struct Call {
        StsEndpoint endpoint;
        AssumeRoleParams params;
        sigv4::Credentials source;
        std::string ca;
    };
    std::vector<Call> sts_calls;
    std::vector<std::string> pems_read;

    ProfileSources sources() {
        ProfileSources s;
        s.env = [this](const char* name) {
            auto it = env.find(name);
            return it == env.end() ? std::string() : it->second;
        };
        s.run_process = [this](const std::string& command) -> Result<connection::TimedCredentials> {
            processes_run.push_back(command);
            connection::TimedCredentials c;
            c.credentials.access_key_id = "AKIDPROCESS";
            c.credentials.secret_access_key = "process-secret";
            c.expiration_ms = 1;
            return c;
        };
        s.assume_role = [this](const StsEndpoint& e, const AssumeRoleParams& p, const sigv4::Credentials& source,
                               const std::string& ca) -> Result<connection::TimedCredentials> {
            sts_calls.push_back({e, p, source, ca});
            connection::TimedCredentials c;
            c.credentials.access_key_id = "ASIAROLE" + std::to_string(sts_calls.size());
            c.credentials.secret_access_key = "role-secret";
            c.credentials.session_token = "role-token";
            c.expiration_ms = 42;
            return c;
        };
        s.read_pem = [this](const std::string& path, const std::string&) -> Result<std::string> {
            pems_read.push_back(path);
            return std::string("PEM of ") + path;
        };
        s.now_s = [] { return std::int64_t{1767225600}; };
        return s;
    }
};

const char* kRoleArn = "arn:aws:iam::123456789012:role/dev";

TEST(ProfileCredentials, OrderWithinAProfile_CredentialsFileKeysThenProcessThenConfigFileKeys) {
    Fakes f;
    AwsSharedConfig both = parsed("[profile a]\ncredential_process = /bin/creds\n", "[a]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = s\n");
    Result<ResolvedCredentials> r = resolve_profile_credentials(both, "a", "files", f.sources());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().credentials.credentials.access_key_id, "AKIDCREDS");
    EXPECT_TRUE(f.processes_run.empty());

    AwsSharedConfig config_only = parsed("[profile a]\ncredential_process = /bin/creds --x\naws_access_key_id = AKIDCFG\naws_secret_access_key = s\n", "");
    r = resolve_profile_credentials(config_only, "a", "files", f.sources());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().credentials.credentials.access_key_id, "AKIDPROCESS");
    EXPECT_EQ(r.value().credentials.expiration_ms, 1);
    EXPECT_EQ(r.value().how, "credential_process");
    ASSERT_EQ(f.processes_run.size(), 1u);
    EXPECT_EQ(f.processes_run[0], "/bin/creds --x");

    AwsSharedConfig keys_in_config = parsed("[profile a]\naws_access_key_id = AKIDCFG\naws_secret_access_key = s\nregion = eu-west-3\n", "");
    r = resolve_profile_credentials(keys_in_config, "a", "files", f.sources());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().credentials.credentials.access_key_id, "AKIDCFG");
    EXPECT_EQ(r.value().region, "eu-west-3");
}

TEST(ProfileCredentials, RoleArn_AssumedWithTheSourceProfilesCredentialsAndTheProfilesParameters) {
    Fakes f;
    AwsSharedConfig c = parsed(std::string("[profile role]\nrole_arn = ") + kRoleArn +
                                   "\nsource_profile = base\nrole_session_name = me\nexternal_id = ext-1\n"
                                   "duration_seconds = 900\nregion = eu-central-1\n",
                               std::string("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = ") + kSecret +
                                   "\naws_session_token = " + kToken + "\n");
    Result<ResolvedCredentials> r = resolve_profile_credentials(c, "role", "files", f.sources());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().credentials.credentials.access_key_id, "ASIAROLE1");
    EXPECT_EQ(r.value().credentials.expiration_ms, 42);
    EXPECT_EQ(r.value().how, "role_arn via source_profile 'base'");
    ASSERT_EQ(f.sts_calls.size(), 1u);
    const Fakes::Call& call = f.sts_calls[0];
    EXPECT_EQ(call.source.access_key_id, "AKIDBASE");
    EXPECT_EQ(call.source.secret_access_key, kSecret);
    EXPECT_EQ(call.source.session_token, kToken);
    EXPECT_EQ(call.params.role_arn, kRoleArn);
    EXPECT_EQ(call.params.session_name, "me");
    EXPECT_EQ(call.params.external_id, "ext-1");
    EXPECT_EQ(call.params.duration_seconds, 900u);
    // The regional endpoint of the profile's region, and Amazon Root CA 1 by default.
    EXPECT_EQ(call.endpoint.host, "sts.eu-central-1.amazonaws.com");
    EXPECT_EQ(call.endpoint.signing_region, "eu-central-1");
    EXPECT_EQ(call.ca, std::string("PEM of ") + kDefaultStsCaPath);

    // No region anywhere: the global endpoint, signed for us-east-1; a default session name.
    Fakes g;
    AwsSharedConfig bare = parsed(std::string("[profile role]\nrole_arn = ") + kRoleArn + "\nsource_profile = base\n",
                                  "[base]\naws_access_key_id = A\naws_secret_access_key = s\n");
    ASSERT_TRUE(resolve_profile_credentials(bare, "role", "files", g.sources()).ok());
    EXPECT_EQ(g.sts_calls[0].endpoint.host, "sts.amazonaws.com");
    EXPECT_EQ(g.sts_calls[0].endpoint.signing_region, "us-east-1");
    EXPECT_EQ(g.sts_calls[0].params.session_name, "iotlite-session-1767225600");
}

TEST(ProfileCredentials, StsEndpointAndCa_PrecedenceAsTheSdksDocument) {
    const std::string config = std::string("[profile role]\nrole_arn = ") + kRoleArn +
                               "\nsource_profile = role\naws_access_key_id = A\naws_secret_access_key = s\n"
                               "endpoint_url = https://from-profile:1001\nservices = mine\nca_bundle = /profile/ca.pem\n"
                               "region = us-west-2\n[services mine]\nsts =\n  endpoint_url = https://from-services:1002/base\n";
    AwsSharedConfig c = parsed(config, "");
    auto endpoint_with = [&](std::map<std::string, std::string> env) {
        Fakes f;
        f.env = std::move(env);
        Result<ResolvedCredentials> r = resolve_profile_credentials(c, "role", "files", f.sources());
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return f.sts_calls.empty() ? Fakes::Call{} : f.sts_calls[0];
    };
    Fakes::Call all = endpoint_with({{"AWS_ENDPOINT_URL_STS", "https://from-env-sts:1004"}, {"AWS_ENDPOINT_URL", "https://from-env:1003"},
                                     {"AWS_CA_BUNDLE", "/env/ca.pem"}, {"AWS_REGION", "ap-east-1"}});
    EXPECT_EQ(all.endpoint.host, "from-env-sts");
    EXPECT_EQ(all.endpoint.port, 1004);
    EXPECT_EQ(all.endpoint.signing_region, "ap-east-1");  // AWS_REGION before the profile's
    EXPECT_EQ(all.ca, "PEM of /env/ca.pem");
    EXPECT_EQ(endpoint_with({{"AWS_ENDPOINT_URL", "https://from-env:1003"}}).endpoint.host, "from-env");
    Fakes::Call services = endpoint_with({});
    EXPECT_EQ(services.endpoint.host, "from-services");
    EXPECT_EQ(services.endpoint.path, "/base");
    EXPECT_EQ(services.endpoint.signing_region, "us-west-2");
    EXPECT_EQ(services.ca, "PEM of /profile/ca.pem");
    // Self as source_profile: its own static keys sign the call.
    EXPECT_EQ(services.source.access_key_id, "A");
    EXPECT_EQ(endpoint_with({{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"}, {"AWS_ENDPOINT_URL_STS", "https://x"}}).endpoint.host,
              "sts.us-west-2.amazonaws.com");

    AwsSharedConfig profile_only = parsed(std::string("[profile role]\nrole_arn = ") + kRoleArn +
                                              "\nsource_profile = role\naws_access_key_id = A\naws_secret_access_key = s\n"
                                              "endpoint_url = https://from-profile:1001\n",
                                          "");
    Fakes f;
    ASSERT_TRUE(resolve_profile_credentials(profile_only, "role", "files", f.sources()).ok());
    EXPECT_EQ(f.sts_calls[0].endpoint.host, "from-profile");
    f.env["AWS_ENDPOINT_URL_STS"] = "http://plain:80";
    Result<ResolvedCredentials> plain = resolve_profile_credentials(profile_only, "role", "files", f.sources());
    ASSERT_FALSE(plain.ok());
    EXPECT_NE(plain.error().message.find("AWS_ENDPOINT_URL_STS: STS endpoint http://plain:80: must be an https:// URL"),
              std::string::npos);
}

TEST(ProfileCredentials, ChainedRoles_EachStepSignedWithThePreviousRolesCredentials) {
    Fakes f;
    AwsSharedConfig c = parsed(std::string("[profile r1]\nrole_arn = ") + kRoleArn + "\nsource_profile = base\n" +
                                   "[profile r2]\nrole_arn = " + kRoleArn + "\nsource_profile = r1\n",
                               "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n");
    Result<ResolvedCredentials> r = resolve_profile_credentials(c, "r2", "files", f.sources());
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(f.sts_calls.size(), 2u);
    EXPECT_EQ(f.sts_calls[0].source.access_key_id, "AKIDBASE");
    EXPECT_EQ(f.sts_calls[1].source.access_key_id, "ASIAROLE1");
    EXPECT_EQ(r.value().credentials.credentials.access_key_id, "ASIAROLE2");
}

TEST(ProfileCredentials, LoopsLongChainsAndMissingSources_RefusedNamingTheProfiles) {
    Fakes f;
    AwsSharedConfig loop = parsed(std::string("[profile a]\nrole_arn = ") + kRoleArn + "\nsource_profile = b\n" +
                                      "[profile b]\nrole_arn = " + kRoleArn + "\nsource_profile = a\n",
                                  "");
    Result<ResolvedCredentials> r = resolve_profile_credentials(loop, "a", "files", f.sources());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "profile 'b': source_profile 'a' loops back to a profile already in the chain");
    EXPECT_TRUE(f.sts_calls.empty());

    std::string chain;
    for (int i = 0; i < 12; ++i) {
        chain += "[profile p" + std::to_string(i) + "]\nrole_arn = " + kRoleArn + "\nsource_profile = p" + std::to_string(i + 1) + "\n";
    }
    r = resolve_profile_credentials(parsed(chain, "[p12]\naws_access_key_id = A\naws_secret_access_key = s\n"), "p0", "files", f.sources());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    EXPECT_EQ(r.error().message, "profile 'p0': the source_profile chain is longer than 8 profiles (iotlite's bound)");

    r = resolve_profile_credentials(parsed(std::string("[profile a]\nrole_arn = ") + kRoleArn + "\n", ""), "a", "files", f.sources());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "profile 'a' has role_arn but no source_profile (credential_source is not supported)");
    r = resolve_profile_credentials(parsed(std::string("[profile a]\nrole_arn = ") + kRoleArn + "\nsource_profile = gone\n", ""), "a",
                                    "cfg or creds", f.sources());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "profile 'a': its source_profile 'gone' is not found in cfg or creds");
    r = resolve_profile_credentials(parsed("", ""), "nosuch", "cfg or creds", f.sources());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "profile 'nosuch' not found in cfg or creds");
    r = resolve_profile_credentials(parsed("[profile a]\nregion = us-east-1\n", ""), "a", "cfg", f.sources());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "profile 'a' in cfg has no credentials (none of aws_access_key_id, credential_process, role_arn)");
    r = resolve_profile_credentials(parsed(std::string("[profile a]\nrole_arn = ") + kRoleArn +
                                               "\nsource_profile = a\naws_access_key_id = A\naws_secret_access_key = s\nduration_seconds = 60\n",
                                           ""),
                                    "a", "cfg", f.sources());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "profile 'a': duration_seconds must be 900-43200 (STS's DurationSeconds rule)");
}

TEST(ProfileCredentials, UnsupportedKeys_RefusedNamingTheKeyNeverAFallback) {
    const std::pair<const char*, const char*> cases[] = {
        {"sso_session = corp", "sso_session (IAM Identity Center (SSO))"},
        {"sso_start_url = https://x.awsapps.com/start", "sso_start_url (IAM Identity Center (SSO))"},
        {"web_identity_token_file = /t", "web_identity_token_file (AssumeRoleWithWebIdentity)"},
        {"credential_source = Ec2InstanceMetadata", "credential_source ("},
        {"mfa_serial = arn:aws:iam::123456789012:mfa/u", "mfa_serial (MFA for AssumeRole)"},
    };
    for (const auto& [line, named] : cases) {
        Fakes f;
        // Static keys are there too: they must not be used instead.
        AwsSharedConfig c = parsed(std::string("[profile a]\n") + line + "\n", "[a]\naws_access_key_id = A\naws_secret_access_key = s\n");
        Result<ResolvedCredentials> r = resolve_profile_credentials(c, "a", "files", f.sources());
        ASSERT_FALSE(r.ok()) << line;
        EXPECT_EQ(r.error().code, Errc::unsupported) << line;
        EXPECT_EQ(r.error().message.rfind(std::string("profile 'a': ") + named, 0), 0u) << r.error().message;
        EXPECT_NE(r.error().message.find("is not supported by iotlite"), std::string::npos);
    }
}

TEST(SplitCommandLine, BlanksSeparateQuotesGroupNoExpansion) {
    Result<std::vector<std::string>> w = split_command_line("  \"/opt/my tools/creds\" --user \"helen smith\" $HOME ~ a\\b \"q\\\"x\"");
    ASSERT_TRUE(w.ok()) << w.error().message;
    EXPECT_EQ(w.value(), (std::vector<std::string>{"/opt/my tools/creds", "--user", "helen smith", "$HOME", "~", "a\\b", "q\"x"}));
    EXPECT_FALSE(split_command_line("a \"b").ok());
    EXPECT_FALSE(split_command_line("   ").ok());
}

TEST(CredentialProcessOutput, MembersCheckedNamedNeverQuoted) {
    Result<connection::TimedCredentials> ok = parse_credential_process_output(
        std::string(R"({"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": ")") + kSecret +
        R"(", "SessionToken": "tok", "Expiration": "2026-01-01T00:00:00Z"})");
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(ok.value().credentials.secret_access_key, kSecret);
    EXPECT_EQ(ok.value().credentials.session_token, "tok");
    EXPECT_EQ(ok.value().expiration_ms, 1767225600000);
    Result<connection::TimedCredentials> no_expiry = parse_credential_process_output(R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"s"})");
    ASSERT_TRUE(no_expiry.ok());
    EXPECT_EQ(no_expiry.value().expiration_ms, 0);  // never expires

    const std::pair<std::string, const char*> bad[] = {
        {std::string("not json ") + kSecret, "its output is not a JSON object"},
        {R"({"AccessKeyId":"A","SecretAccessKey":"s"})", "no \"Version\""},
        {R"({"Version":2,"AccessKeyId":"A","SecretAccessKey":"s"})", "\"Version\" must be 1"},
        {std::string(R"({"Version":1,"SecretAccessKey":")") + kSecret + "\"}", "no \"AccessKeyId\""},
        {R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":""})", "\"SecretAccessKey\" must be a non-empty string"},
        {R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"s","SessionToken":5})", "\"SessionToken\" must be"},
        {R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"tomorrow"})", "\"Expiration\": "},
    };
    for (const auto& [text, rule] : bad) {
        Result<connection::TimedCredentials> r = parse_credential_process_output(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.error().code, Errc::invalid_argument);
        EXPECT_NE(r.error().message.find(rule), std::string::npos) << r.error().message;
        EXPECT_EQ(r.error().message.find(kSecret), std::string::npos);
    }
}

class CredentialProcessRun : public ::testing::Test {
protected:
    void SetUp() override { dir_ = scratch_dir(); }
    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    std::string script(const std::string& name, const std::string& body) {
        const std::string path = dir_ + "/" + name;
        write_file(path, "#!/bin/sh\n" + body, true);
        return path;
    }
    std::string dir_;
};

TEST_F(CredentialProcessRun, ScriptPrintingJson_CredentialsReadArgumentsPassedWithoutAShell) {
    const std::string path = script("ok.sh", std::string("[ \"$1\" = 'two words' ] || exit 9\n[ \"$2\" = '$HOME' ] || exit 8\n") +
                                                 "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"" + kSecret +
                                                 "\", \"Expiration\": \"2030-01-01T00:00:00Z\"}'\n");
    Result<connection::TimedCredentials> r = run_credential_process("\"" + path + "\" \"two words\" $HOME");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().credentials.access_key_id, "AKIDPROC");
    EXPECT_EQ(r.value().credentials.secret_access_key, kSecret);
    EXPECT_GT(r.value().expiration_ms, 0);
}

TEST_F(CredentialProcessRun, BadJsonNonZeroExitAndMissingProgram_NamedNeverTheOutput) {
    Result<connection::TimedCredentials> r = run_credential_process(script("bad.sh", std::string("echo '{\"Version\": 1, ") + kSecret + "'\n"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "credential_process: its output is not a JSON object");
    r = run_credential_process(script("fails.sh", std::string("echo '") + kSecret + "'\necho 'no creds for you' >&2\nexit 3\n"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::server_error);
    EXPECT_NE(r.error().message.find("fails.sh' exited with status 3"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find(kSecret), std::string::npos);
    r = run_credential_process(dir_ + "/does-not-exist --flag");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::io_error);
    EXPECT_NE(r.error().message.find("cannot run '" + dir_ + "/does-not-exist'"), std::string::npos) << r.error().message;
}

TEST_F(CredentialProcessRun, HugeOutputAndHang_KilledAtTheirBounds) {
    CredentialProcessLimits limits;
    limits.max_output_bytes = 64 * 1024;
    limits.timeout_ms = 400;
    const auto started = std::chrono::steady_clock::now();
    Result<connection::TimedCredentials> r = run_credential_process(script("huge.sh", "exec yes " + std::string(kSecret) + "\n"), limits);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    EXPECT_NE(r.error().message.find("printed more than 65536 bytes (iotlite's bound); killed"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find(kSecret), std::string::npos);

    r = run_credential_process(script("hang.sh", "exec sleep 30\n"), limits);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::timeout);
    EXPECT_NE(r.error().message.find("did not finish within 400 ms (iotlite's bound); killed"), std::string::npos) << r.error().message;
    // Output closed but the process lingers: the exit wait is bounded by the same deadline.
    r = run_credential_process(script("linger.sh", "exec >&-\nexec sleep 30\n"), limits);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::timeout);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    EXPECT_LT(took, 5000);
}

const std::string kAnswer =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <AssumeRoleResult>\n    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/dev/me</Arn></AssumedRoleUser>\n"
    "    <Credentials>\n      <AccessKeyId>ASIAEXAMPLE0000001</AccessKeyId>\n"
    "      <SecretAccessKey>sec/ret+key</SecretAccessKey>\n"
    "      <SessionToken>IQoJ&amp;b3&#x2B;Jp&#47;Z2==</SessionToken>\n"
    "      <Expiration>2026-01-01T01:00:00Z</Expiration>\n    </Credentials>\n"
    "  </AssumeRoleResult>\n  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>\n</AssumeRoleResponse>\n";

TEST(StsResponse, AwsAnswer_CredentialsReadEntitiesDecoded) {
    Result<connection::TimedCredentials> r = parse_assume_role_response(200, kAnswer);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().credentials.access_key_id, "ASIAEXAMPLE0000001");
    EXPECT_EQ(r.value().credentials.secret_access_key, "sec/ret+key");
    EXPECT_EQ(r.value().credentials.session_token, "IQoJ&b3+Jp/Z2==");
    EXPECT_EQ(r.value().expiration_ms, 1767229200000);
}

TEST(StsResponse, ErrorShape_StatusCodeAndMessageRedactedAndBounded) {
    const std::string body = std::string("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
                                         "<Code>AccessDenied</Code><Message>User: x is not authorized &amp; echoes ") +
                             kSecret + "\x01</Message></Error><RequestId>r</RequestId></ErrorResponse>";
    Result<connection::TimedCredentials> r = parse_assume_role_response(403, body, {kSecret});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::auth_failed);
    EXPECT_EQ(r.error().http_status, 403);
    EXPECT_EQ(r.error().message, "STS AssumeRole: HTTP 403 AccessDenied: (unreadable)");  // a control character
    const std::string printable = std::string("<ErrorResponse><Error><Code>AccessDenied</Code><Message>echoes ") + kSecret +
                                  " &amp; " + std::string(1000, 'm') + "</Message></Error></ErrorResponse>";
    r = parse_assume_role_response(400, printable, {kSecret});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message.rfind("STS AssumeRole: HTTP 400 AccessDenied: echoes <redacted> & mmm", 0), 0u) << r.error().message;
    EXPECT_EQ(r.error().message.find(kSecret), std::string::npos);
    EXPECT_LT(r.error().message.size(), 320u);
    r = parse_assume_role_response(503, "<html>busy</html>");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "STS AssumeRole: HTTP 503");
}

TEST(StsResponse, LongCodeAndLongMessage_OneErrorStaysUnder512Bytes) {
    // Found by iotlite_fuzz_aws_profile's long run: Code and Message were each cut at 256 bytes, so
    // together (with the prefix) the error reached 519 bytes, past the one-line bound.
    const std::string body = "<ErrorResponse><Error><Code>" + std::string(600, 'C') + "</Code><Message>" +
                             std::string(600, 'm') + "</Message></Error></ErrorResponse>";
    Result<connection::TimedCredentials> r = parse_assume_role_response(403, body, {kSecret});
    ASSERT_FALSE(r.ok());
    EXPECT_LT(r.error().message.size(), 512u) << r.error().message.size();
    EXPECT_NE(r.error().message.find(std::string(64, 'C') + "...: mmm"), std::string::npos) << r.error().message;
}

TEST(StsResponse, HostileAnswers_RefusedNamingTheElementNeverAValue) {
    auto with = [](const std::string& from, const std::string& to) {
        std::string s = kAnswer;
        s.replace(s.find(from), from.size(), to);
        return s;
    };
    const std::pair<std::string, const char*> cases[] = {
        {"<html>ok</html>", "the answer has no <AssumeRoleResult>"},
        {with("<Credentials>", "<Creds>"), "the answer has no <Credentials> in <AssumeRoleResult>"},
        {with("<SessionToken>", "<SessionToken/><X>"), "the answer has no <SessionToken> in <Credentials>"},
        {with("</SecretAccessKey>", ""), "the answer has no <SecretAccessKey> in <Credentials>"},
        {with("sec/ret+key", "sec<b>ret</b>"), "<SecretAccessKey> holds markup"},
        {with("sec/ret+key", "sec&bogus;"), "<SecretAccessKey> holds markup, a control character or an unknown entity"},
        {with("sec/ret+key", "sec\x7fret"), "<SecretAccessKey> holds markup"},
        {with("sec/ret+key", "sec ret"), "<SecretAccessKey> contains a space"},
        {with("IQoJ&amp;b3&#x2B;Jp&#47;Z2==", std::string(20000, 'T')), "<SessionToken> is over 16384 bytes"},
        {with("2026-01-01T01:00:00Z", "soon"), "<Expiration>: "},
        {with("</AssumeRoleResponse>", std::string(70000, ' ')), "the answer is over 65536 bytes"},
    };
    for (const auto& [body, rule] : cases) {
        Result<connection::TimedCredentials> r = parse_assume_role_response(200, body);
        ASSERT_FALSE(r.ok()) << rule;
        EXPECT_NE(r.error().message.find(rule), std::string::npos) << r.error().message;
        for (const char* value : {"sec/ret", "sec<b>", "sec&bogus", "sec ret", "TTTTTTTT", "IQoJ", "soon"}) {
            EXPECT_EQ(r.error().message.find(value), std::string::npos) << r.error().message;
        }
    }
}

TEST(StsClient, AssumeRoleRequest_FormEncodedAndSignedForSts) {
    Result<StsEndpoint> e = sts_endpoint_from_url("https://LocalHost:8443/sts", "eu-west-1");
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_EQ(e.value().host, "localhost");
    AssumeRoleParams p;
    p.role_arn = kRoleArn;
    p.session_name = "me@corp";
    p.external_id = "a/b:c";
    p.duration_seconds = 900;
    sigv4::Credentials source{"AKIDEXAMPLE", kSecret, kToken};
    Result<firmware::HttpRequest> r = build_assume_role_request(e.value(), p, source, 1767225600);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().method, "POST");
    EXPECT_EQ(r.value().target, "/sts");
    EXPECT_EQ(r.value().host, "localhost:8443");
    EXPECT_EQ(r.value().body,
              "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdev"
              "&RoleSessionName=me%40corp&DurationSeconds=900&ExternalId=a%2Fb%3Ac");
    std::map<std::string, std::string> h(r.value().headers.begin(), r.value().headers.end());
    EXPECT_EQ(h["content-type"], "application/x-www-form-urlencoded; charset=utf-8");
    EXPECT_EQ(h["X-Amz-Date"], "20260101T000000Z");
    EXPECT_EQ(h["X-Amz-Security-Token"], kToken);
    EXPECT_EQ(h["Authorization"].rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-1/sts/aws4_request, "
                                       "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=",
                                       0),
              0u)
        << h["Authorization"];
    for (const auto& kv : r.value().headers) EXPECT_EQ(kv.second.find(kSecret), std::string::npos);
}

TEST(StsClient, ParameterAndEndpointRules_CheckedBeforeSending) {
    AssumeRoleParams p;
    p.role_arn = kRoleArn;
    p.session_name = "ok";
    EXPECT_TRUE(validate_assume_role_params(p).ok());
    AssumeRoleParams q = p;
    q.role_arn = "arn:aws:iam::12345:role/x";
    EXPECT_NE(validate_assume_role_params(q).error().message.find("role_arn must be"), std::string::npos);
    q = p;
    q.session_name = "has space";
    EXPECT_NE(validate_assume_role_params(q).error().message.find("role_session_name"), std::string::npos);
    q = p;
    q.duration_seconds = 43201;
    EXPECT_FALSE(validate_assume_role_params(q).ok());
    q = p;
    q.external_id = "x";
    EXPECT_NE(validate_assume_role_params(q).error().message.find("external_id"), std::string::npos);
    EXPECT_FALSE(sts_endpoint_from_url("http://localhost:80", "").ok());
    EXPECT_FALSE(sts_endpoint_from_url("https://[::1]:443", "").ok());
    EXPECT_FALSE(sts_endpoint_from_url("https://host:70000", "").ok());
    EXPECT_FALSE(sts_endpoint_from_url("https://", "").ok());
    EXPECT_EQ(sts_endpoint_from_url("https://sts.example", "").value().signing_region, "us-east-1");
}

}  // namespace
}  // namespace iotlite::cli
