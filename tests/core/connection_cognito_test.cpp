// CognitoIdentity (sans-I/O Cognito identity pool) and the JSON scanner under it: requests as
// data, answers in the shapes of the GetId / GetCredentialsForIdentity API references, every
// error type, malformed answers, the restart-once rule and the Date/Expiration frames.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "iotlite/connection/cognito.hpp"
#include "json_scan.hpp"

namespace iotlite::connection {
namespace {

constexpr const char* kPool = "us-east-1:4f3c2b1a-0d9e-4c8b-a7f6-123456789abc";
constexpr const char* kIdentity = "us-east-1:0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d";
constexpr const char* kOtherIdentity = "us-east-1:99999999-4e5f-6a7b-8c9d-0e1f2a3b4c5d";
constexpr std::int64_t kT0Ms = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr const char* kUserPool = "cognito-idp.us-east-1.amazonaws.com/us-east-1_123456789";

// A GetCredentialsForIdentity answer in the API reference's shape (AWS's documented example keys).
std::string credentials_answer(const std::string& expiration = "1.7672292E9", const std::string& id = kIdentity) {
    return "{\"Credentials\":{\"AccessKeyId\":\"ASIAIOSFODNN7EXAMPLE\",\"Expiration\":" + expiration +
           ",\"SecretKey\":\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\",\"SessionToken\":\"IQoJb3JpZ2luX2VjEXAMPLE\"},"
           "\"IdentityId\":\"" + id + "\"}";
}

std::string get_id_answer(const std::string& id = kIdentity) { return "{\"IdentityId\":\"" + id + "\"}"; }

CognitoIdentity make(CognitoConfig config) {
    Result<CognitoIdentity> c = CognitoIdentity::create(std::move(config));
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return std::move(c).value();
}

CognitoConfig pool_config() {
    CognitoConfig config;
    config.identity_pool_id = kPool;
    return config;
}

std::string rule_of_config(CognitoConfig config) {
    Result<CognitoIdentity> c = CognitoIdentity::create(std::move(config));
    if (c.ok()) return "accepted";
    EXPECT_EQ(c.error().code, Errc::invalid_argument);
    return c.error().rule;
}

// ---- configuration and requests ----

TEST(ConnectionCognito, PoolIdOnly_RegionInferredDefaultEndpoint) {
    CognitoIdentity c = make(pool_config());
    EXPECT_EQ(c.region(), "us-east-1");
    Result<CognitoRequest> r = c.start({});
    ASSERT_TRUE(r.ok()) << r.error().message;
    const CognitoRequest& q = r.value();
    EXPECT_EQ(q.operation, CognitoOperation::get_id);
    EXPECT_TRUE(q.secure);
    EXPECT_EQ(q.host, "cognito-identity.us-east-1.amazonaws.com");
    EXPECT_EQ(q.port, 443);
    EXPECT_EQ(q.authority, "cognito-identity.us-east-1.amazonaws.com");
    EXPECT_EQ(q.url, "https://cognito-identity.us-east-1.amazonaws.com/");
    EXPECT_EQ(q.method, "POST");
    EXPECT_EQ(q.path, "/");
}

TEST(ConnectionCognito, ChinaRegion_AmazonawsComCnHost) {
    CognitoConfig config;
    config.identity_pool_id = "cn-north-1:4f3c2b1a-0d9e-4c8b-a7f6-123456789abc";
    CognitoIdentity c = make(config);
    EXPECT_EQ(c.start({}).value().host, "cognito-identity.cn-north-1.amazonaws.com.cn");
}

TEST(ConnectionCognito, GetIdRequest_HeadersAndBodyExact) {
    CognitoConfig config = pool_config();
    config.account_id = "123456789012";
    CognitoIdentity c = make(config);
    Result<CognitoRequest> r = c.start({{kUserPool, "eyJraWQiOiJ.payload.sig"}});
    ASSERT_TRUE(r.ok());
    const std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "AWSCognitoIdentityService.GetId"}};
    EXPECT_EQ(r.value().headers, headers);
    EXPECT_EQ(r.value().body, std::string("{\"IdentityPoolId\":\"") + kPool +
                                  "\",\"AccountId\":\"123456789012\",\"Logins\":{\"" + kUserPool +
                                  "\":\"eyJraWQiOiJ.payload.sig\"}}");
}

TEST(ConnectionCognito, UnauthenticatedGetId_NoLoginsMember) {
    CognitoIdentity c = make(pool_config());
    EXPECT_EQ(c.start({}).value().body, std::string("{\"IdentityPoolId\":\"") + kPool + "\"}");
}

TEST(ConnectionCognito, GetCredentialsRequest_HeadersAndBodyExact) {
    CognitoIdentity c = make(pool_config());
    ASSERT_TRUE(c.start({{"accounts.google.com", "g-token"}, {kUserPool, "u-token"}}).ok());
    Result<CognitoStep> s = c.on_answer({200, get_id_answer(), ""}, kT0Ms);
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_FALSE(s.value().done);
    EXPECT_EQ(s.value().identity_id, kIdentity);
    const CognitoRequest& q = s.value().request;
    EXPECT_EQ(q.operation, CognitoOperation::get_credentials_for_identity);
    EXPECT_EQ(q.headers[1].second, "AWSCognitoIdentityService.GetCredentialsForIdentity");
    EXPECT_EQ(q.body, std::string("{\"IdentityId\":\"") + kIdentity +
                          "\",\"Logins\":{\"accounts.google.com\":\"g-token\",\"" + kUserPool + "\":\"u-token\"}}");
}

TEST(ConnectionCognito, LoginTokenWithSpecialCharacters_EscapedAsJson) {
    CognitoIdentity c = make(pool_config());
    const std::string token = std::string("a\"b\\c\nd\x01") + "\xc3\xa9" + "/e\t";
    Result<CognitoRequest> r = c.start({{"p", token}});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().body, std::string("{\"IdentityPoolId\":\"") + kPool +
                                  "\",\"Logins\":{\"p\":\"a\\\"b\\\\c\\nd\\u0001\xc3\xa9/e\\t\"}}");
    // What was written reads back as the same token.
    Result<std::vector<json::Member>> scanned = json::scan_object(r.value().body);
    ASSERT_TRUE(scanned.ok()) << scanned.error().message;
    Result<std::vector<json::Member>> logins = json::scan_object(json::find(scanned.value(), "Logins")->raw);
    ASSERT_TRUE(logins.ok());
    EXPECT_EQ(json::string_value(logins.value()[0].raw).value(), token);
}

TEST(ConnectionCognito, EndpointOverride_PlainHttpStandIn) {
    CognitoConfig config = pool_config();
    config.endpoint = "http://127.0.0.1:8123/";
    CognitoIdentity c = make(config);
    const CognitoRequest q = c.start({}).value();
    EXPECT_FALSE(q.secure);
    EXPECT_EQ(q.host, "127.0.0.1");
    EXPECT_EQ(q.port, 8123);
    EXPECT_EQ(q.authority, "127.0.0.1:8123");
    EXPECT_EQ(q.url, "http://127.0.0.1:8123/");

    config.endpoint = "Localhost:9000";
    const CognitoRequest h = make(config).start({}).value();
    EXPECT_TRUE(h.secure);
    EXPECT_EQ(h.host, "localhost");
    EXPECT_EQ(h.url, "https://localhost:9000/");

    config.endpoint = "https://cognito.example.com:443";
    EXPECT_EQ(make(config).start({}).value().authority, "cognito.example.com");
    config.endpoint = "http://[::1]:8080";
    const CognitoRequest v6 = make(config).start({}).value();
    EXPECT_EQ(v6.host, "::1");
    EXPECT_EQ(v6.authority, "[::1]:8080");
}

TEST(ConnectionCognito, InvalidConfig_EachRuleNamed) {
    CognitoConfig c = pool_config();
    c.identity_pool_id = "";
    EXPECT_EQ(rule_of_config(c), "cognito.pool_id");
    c.identity_pool_id = "us-east-1";
    EXPECT_EQ(rule_of_config(c), "cognito.pool_id");
    c.identity_pool_id = "us-east-1:ABCDEF";  // the guid part is lowercase hex
    EXPECT_EQ(rule_of_config(c), "cognito.pool_id");
    c.identity_pool_id = "us-east-1:" + std::string(46, 'a');  // 56 characters
    EXPECT_EQ(rule_of_config(c), "cognito.pool_id");
    c.identity_pool_id = "useast1:4f3c";
    EXPECT_EQ(rule_of_config(c), "cognito.region");
    c = pool_config();
    c.region = "US-EAST-1";
    EXPECT_EQ(rule_of_config(c), "cognito.region");
    c.region = "us-gov-west-1";
    EXPECT_EQ(rule_of_config(c), "accepted");
    c = pool_config();
    c.account_id = "12ab";
    EXPECT_EQ(rule_of_config(c), "cognito.account_id");
    c.account_id = std::string(16, '1');
    EXPECT_EQ(rule_of_config(c), "cognito.account_id");
    c = pool_config();
    c.identity_id = "not-an-identity";
    EXPECT_EQ(rule_of_config(c), "cognito.identity_id");
    c = pool_config();
    c.endpoint = "ftp://h";
    EXPECT_EQ(rule_of_config(c), "cognito.endpoint");
    c.endpoint = "https://h/path";
    EXPECT_EQ(rule_of_config(c), "cognito.endpoint");
    c.endpoint = "http://h:0";
    EXPECT_EQ(rule_of_config(c), "cognito.endpoint");
}

TEST(ConnectionCognito, InvalidLogins_RefusedWithBound) {
    CognitoIdentity c = make(pool_config());
    std::vector<CognitoLogin> eleven;
    for (int i = 0; i < 11; ++i) eleven.push_back({"p" + std::to_string(i), "t"});
    Result<CognitoRequest> r = c.start(eleven);
    ASSERT_FALSE(r.ok());
    EXPECT_STREQ(r.error().rule, "cognito.logins");
    EXPECT_EQ(r.error().limit, 10u);
    EXPECT_EQ(r.error().actual, 11u);
    EXPECT_FALSE(c.waiting());
    EXPECT_FALSE(c.start({{"", "t"}}).ok());
    Result<CognitoRequest> long_token = c.start({{"p", std::string(50001, 'x')}});
    ASSERT_FALSE(long_token.ok());
    EXPECT_EQ(long_token.error().limit, 50000u);
    EXPECT_EQ(long_token.error().message.find("xxxx"), std::string::npos);
    EXPECT_FALSE(c.start({{"p", "a"}, {"p", "b"}}).ok());
    EXPECT_FALSE(c.start({{"p", "\xff\xfe"}}).ok());
    EXPECT_TRUE(c.start({{"p", std::string(50000, 'x')}}).ok());
}

// ---- answers ----

TEST(ConnectionCognito, FullFlowDocsShapedAnswers_CredentialsAndIdentity) {
    CognitoIdentity c = make(pool_config());
    ASSERT_TRUE(c.start({}).ok());
    ASSERT_TRUE(c.on_answer({200, get_id_answer(), ""}, kT0Ms).ok());
    Result<CognitoStep> s = c.on_answer({200, credentials_answer(), ""}, kT0Ms);
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_TRUE(s.value().done);
    const TimedCredentials& t = s.value().credentials;
    EXPECT_EQ(t.credentials.access_key_id, "ASIAIOSFODNN7EXAMPLE");
    EXPECT_EQ(t.credentials.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    EXPECT_EQ(t.credentials.session_token, "IQoJb3JpZ2luX2VjEXAMPLE");
    EXPECT_EQ(t.expiration_ms, 1767229200000);  // 1.7672292E9 s: 2026-01-01T01:00:00Z
    EXPECT_EQ(s.value().identity_id, kIdentity);
    EXPECT_FALSE(c.waiting());
    // The identity is kept: the next fetch goes straight to GetCredentialsForIdentity.
    EXPECT_EQ(c.start({}).value().operation, CognitoOperation::get_credentials_for_identity);
}

TEST(ConnectionCognito, ExpirationForms_ReadExactly) {
    struct Case {
        const char* text;
        std::int64_t ms;
    } cases[] = {
        {"1767229200", 1767229200000},       {"1.7672292E9", 1767229200000}, {"1.7672292e+9", 1767229200000},
        {"1767229200.123", 1767229200123},   {"1767229200.1239", 1767229200123},
        {"17672292000E-1", 1767229200000},   {"0.17672292E10", 1767229200000},
    };
    for (const Case& k : cases) {
        CognitoConfig config = pool_config();
        config.identity_id = kIdentity;
        CognitoIdentity c = make(config);
        ASSERT_TRUE(c.start({}).ok());
        Result<CognitoStep> s = c.on_answer({200, credentials_answer(k.text), ""}, kT0Ms);
        ASSERT_TRUE(s.ok()) << k.text << ": " << s.error().message;
        EXPECT_EQ(s.value().credentials.expiration_ms, k.ms) << k.text;
    }
}

TEST(ConnectionCognito, DateAnHourAheadWithSkew_OffsetLearnedExpirationStaysServerTime) {
    // The device clock is 2 h ahead of Cognito's: at local 03:00 the server says 01:00 and the
    // credentials expire at 02:00 server time.
    CognitoConfig config = pool_config();
    config.identity_id = kIdentity;
    CognitoIdentity c = make(config);
    ClockSkew skew;
    const std::int64_t local_ms = kT0Ms + 3 * 3600 * 1000;
    ASSERT_TRUE(c.start({}).ok());
    Result<CognitoStep> s =
        c.on_answer({200, credentials_answer("1767232800"), "Thu, 01 Jan 2026 01:00:00 GMT"}, local_ms, &skew);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(skew.offset_s(), -7200);
    EXPECT_EQ(s.value().credentials.expiration_ms, 1767232800000);
    // With the corrected clock (what every provider's now_ms is) the credentials have an hour left;
    // the raw local clock would call them expired.
    const std::int64_t corrected_ms = skew.corrected_s(local_ms / 1000) * 1000;
    EXPECT_TRUE(check_credentials(s.value().credentials, corrected_ms, "cognito").ok());
    EXPECT_EQ(s.value().credentials.expiration_ms - corrected_ms, 3600 * 1000);
    EXPECT_FALSE(check_credentials(s.value().credentials, local_ms, "cognito").ok());
}

TEST(ConnectionCognito, UnreadableDateOrNoSkew_AnswerStillRead) {
    CognitoConfig config = pool_config();
    config.identity_id = kIdentity;
    CognitoIdentity c = make(config);
    ClockSkew skew;
    ASSERT_TRUE(c.start({}).ok());
    EXPECT_TRUE(c.on_answer({200, credentials_answer(), "yesterday"}, kT0Ms, &skew).ok());
    EXPECT_EQ(skew.offset_s(), 0);
    ASSERT_TRUE(c.start({}).ok());
    EXPECT_TRUE(c.on_answer({200, credentials_answer(), "Thu, 01 Jan 2026 01:00:00 GMT"}, kT0Ms).ok());
}

TEST(ConnectionCognito, ErrorAnswerDateStillObserved) {
    CognitoIdentity c = make(pool_config());
    ClockSkew skew;
    ASSERT_TRUE(c.start({}).ok());
    EXPECT_FALSE(c.on_answer({500, "{}", "Thu, 01 Jan 2026 01:00:00 GMT"}, kT0Ms, &skew).ok());
    EXPECT_EQ(skew.offset_s(), 3600);
}

struct ErrorCase {
    const char* type;
    std::uint16_t status;
    Errc code;
    const char* rule;
};

TEST(ConnectionCognito, EveryExceptionOfTheApiReference_ErrcAndRule) {
    const ErrorCase cases[] = {
        {"NotAuthorizedException", 400, Errc::auth_failed, "cognito.NotAuthorizedException"},
        {"ResourceNotFoundException", 404, Errc::invalid_argument, "cognito.ResourceNotFoundException"},
        {"InvalidParameterException", 400, Errc::invalid_argument, "cognito.InvalidParameterException"},
        {"TooManyRequestsException", 429, Errc::limit_exceeded, "cognito.TooManyRequestsException"},
        {"LimitExceededException", 400, Errc::limit_exceeded, "cognito.LimitExceededException"},
        {"ResourceConflictException", 409, Errc::conflict, "cognito.ResourceConflictException"},
        {"InvalidIdentityPoolConfigurationException", 400, Errc::server_error,
         "cognito.InvalidIdentityPoolConfigurationException"},
        {"ExternalServiceException", 400, Errc::server_error, "cognito.ExternalServiceException"},
        {"InternalErrorException", 500, Errc::server_error, "cognito.InternalErrorException"},
        {"SomethingNewException", 400, Errc::server_error, "cognito.error"},
        {"SomethingNewException", 403, Errc::auth_failed, "cognito.error"},
    };
    for (const ErrorCase& k : cases) {
        CognitoIdentity c = make(pool_config());  // GetId: no cached identity, no restart
        ASSERT_TRUE(c.start({}).ok());
        const std::string body = std::string("{\"__type\":\"com.amazonaws.cognito.identity.model#") + k.type +
                                 "\",\"message\":\"Identity pool says no.\"}";
        Result<CognitoStep> s = c.on_answer({k.status, body, ""}, kT0Ms);
        ASSERT_FALSE(s.ok()) << k.type;
        EXPECT_EQ(s.error().code, k.code) << k.type;
        EXPECT_STREQ(s.error().rule, k.rule) << k.type;
        EXPECT_EQ(s.error().http_status, k.status) << k.type;
        EXPECT_EQ(s.error().message, std::string("Cognito GetId: ") + k.type + ": Identity pool says no. (HTTP " +
                                         std::to_string(k.status) + ")");
        EXPECT_FALSE(c.waiting());
    }
}

TEST(ConnectionCognito, ErrorTypeForms_PlainCodeAndColonSuffix) {
    CognitoIdentity c = make(pool_config());
    ASSERT_TRUE(c.start({}).ok());
    Result<CognitoStep> plain =
        c.on_answer({400, "{\"__type\":\"NotAuthorizedException\",\"Message\":\"m\"}", ""}, kT0Ms);
    EXPECT_STREQ(plain.error().rule, "cognito.NotAuthorizedException");
    EXPECT_NE(plain.error().message.find(": m (HTTP 400)"), std::string::npos) << plain.error().message;
    ASSERT_TRUE(c.start({}).ok());
    Result<CognitoStep> coded =
        c.on_answer({400, "{\"code\":\"TooManyRequestsException:http://internal.amazon.com/\"}", ""}, kT0Ms);
    EXPECT_STREQ(coded.error().rule, "cognito.TooManyRequestsException");
    EXPECT_EQ(coded.error().code, Errc::limit_exceeded);
}

TEST(ConnectionCognito, NonJsonErrorBody_StatusTableAndBodyQuoted) {
    CognitoIdentity c = make(pool_config());
    ASSERT_TRUE(c.start({}).ok());
    Result<CognitoStep> s = c.on_answer({503, "<html>Service\r\nUnavailable</html>", ""}, kT0Ms);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::server_error);
    EXPECT_STREQ(s.error().rule, "cognito.error");
    EXPECT_EQ(s.error().http_status, 503);
    EXPECT_EQ(s.error().message, "Cognito GetId: HTTP 503: <html>Service??Unavailable</html>");
}

TEST(ConnectionCognito, ErrorMessageEchoingLoginToken_TokenCutOutAndBounded) {
    CognitoIdentity c = make(pool_config());
    const std::string token = "eyJhbGciOiJSUzI1NiJ9.secret-token-value.sig";
    ASSERT_TRUE(c.start({{kUserPool, token}}).ok());
    const std::string body = "{\"__type\":\"NotAuthorizedException\",\"message\":\"Invalid login token " + token +
                             " " + std::string(500, 'z') + "\"}";
    Result<CognitoStep> s = c.on_answer({400, body, ""}, kT0Ms);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message.find("secret-token-value"), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find("Invalid login token [login token]"), std::string::npos) << s.error().message;
    EXPECT_LT(s.error().message.size(), 300u);
}

TEST(ConnectionCognito, SecretKeyNeverInAnyErrorMessage) {
    CognitoConfig config = pool_config();
    config.identity_id = kIdentity;
    CognitoIdentity c = make(config);
    ASSERT_TRUE(c.start({}).ok());
    // A well-formed secret next to a broken Expiration: the error names the field only.
    const std::string body = "{\"Credentials\":{\"AccessKeyId\":\"ASIA\",\"SecretKey\":\"TOPSECRETVALUE\","
                             "\"SessionToken\":\"TOKENVALUE\",\"Expiration\":\"soon\"}}";
    Result<CognitoStep> s = c.on_answer({200, body, ""}, kT0Ms);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message.find("TOPSECRETVALUE"), std::string::npos);
    EXPECT_EQ(s.error().message.find("TOKENVALUE"), std::string::npos);
}

// ---- malformed 2xx answers ----

std::string rule_of_answer(const std::string& body,
                           CognitoOperation op = CognitoOperation::get_credentials_for_identity) {
    CognitoConfig config = pool_config();
    if (op == CognitoOperation::get_credentials_for_identity) config.identity_id = kIdentity;
    CognitoIdentity c = make(config);
    EXPECT_TRUE(c.start({}).ok());
    Result<CognitoStep> s = c.on_answer({200, body, ""}, kT0Ms);
    if (s.ok()) return "accepted";
    EXPECT_EQ(s.error().code, Errc::protocol_error) << body;
    EXPECT_EQ(s.error().http_status, 200) << body;
    EXPECT_FALSE(s.error().message.empty());
    return s.error().rule;
}

TEST(ConnectionCognito, MalformedGetIdAnswers_ProtocolErrorNamed) {
    const auto get_id = CognitoOperation::get_id;
    EXPECT_EQ(rule_of_answer("", get_id), "json.syntax");
    EXPECT_EQ(rule_of_answer("{\"IdentityId\":\"us-east-1:ab", get_id), "json.string");
    EXPECT_EQ(rule_of_answer("{\"IdentityId\":\"us-east-1:ab\"", get_id), "json.syntax");
    EXPECT_EQ(rule_of_answer("{}", get_id), "cognito.answer");
    EXPECT_EQ(rule_of_answer("{\"IdentityId\":42}", get_id), "cognito.answer");
    EXPECT_EQ(rule_of_answer("{\"IdentityId\":\"\"}", get_id), "cognito.answer");
    EXPECT_EQ(rule_of_answer("{\"IdentityId\":\"no colon\"}", get_id), "cognito.answer");
    EXPECT_EQ(rule_of_answer("[\"us-east-1:ab\"]", get_id), "json.syntax");
    EXPECT_EQ(rule_of_answer("{\"IdentityId\":\"us-east-1:ab\"} x", get_id), "json.syntax");
    EXPECT_EQ(rule_of_answer("{\"IdentityId\":\"us-east-1:ab\",\"IdentityId\":\"us-east-1:cd\"}", get_id),
              "json.duplicate");
    EXPECT_EQ(rule_of_answer(" {\"IdentityId\" : \"us-east-1:ab\" , \"x\":[1,{\"y\":null}]}\n", get_id), "accepted");
}

TEST(ConnectionCognito, MalformedCredentialsAnswers_ProtocolErrorNamed) {
    EXPECT_EQ(rule_of_answer("{\"IdentityId\":\"us-east-1:ab\"}"), "cognito.answer");  // no Credentials
    EXPECT_EQ(rule_of_answer("{\"Credentials\":[]}"), "cognito.answer");
    EXPECT_EQ(rule_of_answer("{\"Credentials\":{}}"), "cognito.answer");
    EXPECT_EQ(rule_of_answer("{\"Credentials\":{\"AccessKeyId\":\"A\",\"SecretKey\":\"\"}}"), "cognito.answer");
    EXPECT_EQ(rule_of_answer("{\"Credentials\":{\"AccessKeyId\":\"\",\"SecretKey\":\"S\"}}"), "cognito.answer");
    EXPECT_EQ(rule_of_answer("{\"Credentials\":{\"AccessKeyId\":1,\"SecretKey\":\"S\"}}"), "cognito.answer");
    EXPECT_EQ(rule_of_answer("{\"Credentials\":{\"AccessKeyId\":\"A\",\"SecretKey\":\"S\",\"SessionToken\":null}}"),
              "cognito.answer");
    EXPECT_EQ(rule_of_answer(credentials_answer("\"1767229200\"")), "cognito.answer");  // a string
    EXPECT_EQ(rule_of_answer(credentials_answer("0")), "cognito.answer");
    EXPECT_EQ(rule_of_answer(credentials_answer("-1.7E9")), "cognito.answer");
    EXPECT_EQ(rule_of_answer(credentials_answer("1E300")), "json.number");
    EXPECT_EQ(rule_of_answer(credentials_answer("253402300800")), "json.number");  // year 10000
    EXPECT_EQ(rule_of_answer(credentials_answer("99999999999999999999999999")), "json.number");
    EXPECT_EQ(rule_of_answer(credentials_answer("1.7E99999999999999999999")), "json.number");
    EXPECT_EQ(rule_of_answer(credentials_answer("01767229200")), "json.syntax");
    EXPECT_EQ(rule_of_answer(credentials_answer("1.E9")), "json.syntax");
    EXPECT_EQ(rule_of_answer(credentials_answer("NaN")), "json.syntax");
    EXPECT_EQ(rule_of_answer(credentials_answer("1767229200", "bad")), "cognito.answer");
    EXPECT_EQ(rule_of_answer(credentials_answer("1E-99999")), "cognito.answer");  // 0 after scaling
    // Expiration is optional in the API reference: then the credentials do not expire.
    EXPECT_EQ(rule_of_answer("{\"Credentials\":{\"AccessKeyId\":\"A\",\"SecretKey\":\"S\"}}"), "accepted");
}

TEST(ConnectionCognito, DeepNestingAndHugeAnswers_BoundsNamed) {
    std::string deep = "{\"x\":";
    for (int i = 0; i < 20; ++i) deep += "[";
    for (int i = 0; i < 20; ++i) deep += "]";
    deep += "}";
    EXPECT_EQ(rule_of_answer(deep), "json.depth");
    const std::string very_deep(60000, '[');  // refused at depth 16, long before the stack matters
    EXPECT_EQ(rule_of_answer("{\"x\":" + very_deep), "json.depth");

    CognitoConfig config = pool_config();
    config.identity_id = kIdentity;
    CognitoIdentity c = make(config);
    ASSERT_TRUE(c.start({}).ok());
    const std::string huge = credentials_answer() + std::string(kCognitoMaxAnswerBytes, ' ');
    Result<CognitoStep> s = c.on_answer({200, huge, ""}, kT0Ms);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::limit_exceeded);
    EXPECT_STREQ(s.error().rule, "cognito.answer_bytes");
    EXPECT_EQ(s.error().limit, kCognitoMaxAnswerBytes);
    EXPECT_EQ(s.error().http_status, 200);

    std::string many = "{";
    for (int i = 0; i < 65; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
    many += "}";
    EXPECT_EQ(rule_of_answer(many), "json.members");
}

TEST(ConnectionCognito, AnswerWithoutRequest_InvalidState) {
    CognitoIdentity c = make(pool_config());
    Result<CognitoStep> s = c.on_answer({200, get_id_answer(), ""}, kT0Ms);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::invalid_state);
    EXPECT_STREQ(s.error().rule, "cognito.state");
    EXPECT_EQ(s.error().http_status, 200);
    ASSERT_TRUE(c.start({}).ok());
    ASSERT_TRUE(c.on_answer({200, get_id_answer(), ""}, kT0Ms).ok());
    ASSERT_TRUE(c.on_answer({200, credentials_answer(), ""}, kT0Ms).ok());
    EXPECT_EQ(c.on_answer({200, credentials_answer(), ""}, kT0Ms).error().code, Errc::invalid_state);
}

// ---- the restart-once rule ----

TEST(ConnectionCognito, CachedIdentityRefused_StartsOverOnceWithGetId) {
    for (const char* type : {"NotAuthorizedException", "ResourceNotFoundException", "InvalidParameterException"}) {
        CognitoConfig config = pool_config();
        config.identity_id = kOtherIdentity;  // e.g. stored by the application, since deleted
        CognitoIdentity c = make(config);
        Result<CognitoRequest> first = c.start({{kUserPool, "tok"}});
        ASSERT_EQ(first.value().operation, CognitoOperation::get_credentials_for_identity);
        Result<CognitoStep> again = c.on_answer({400, std::string("{\"__type\":\"") + type + "\"}", ""}, kT0Ms);
        ASSERT_TRUE(again.ok()) << type;
        EXPECT_FALSE(again.value().done);
        EXPECT_EQ(again.value().identity_id, "");  // drivers forget the stored id
        EXPECT_EQ(again.value().request.operation, CognitoOperation::get_id);
        EXPECT_NE(again.value().request.body.find("\"Logins\":{"), std::string::npos);
        Result<CognitoStep> fresh = c.on_answer({200, get_id_answer(kIdentity), ""}, kT0Ms);
        ASSERT_TRUE(fresh.ok());
        EXPECT_EQ(fresh.value().identity_id, kIdentity);
        // Refused again with the fresh identity: no second start-over.
        Result<CognitoStep> refused = c.on_answer({400, std::string("{\"__type\":\"") + type + "\"}", ""}, kT0Ms);
        ASSERT_FALSE(refused.ok()) << type;
        EXPECT_EQ(std::string(refused.error().rule), std::string("cognito.") + type);
    }
}

TEST(ConnectionCognito, CachedIdentityOtherError_NoStartOver) {
    CognitoConfig config = pool_config();
    config.identity_id = kOtherIdentity;
    CognitoIdentity c = make(config);
    ASSERT_TRUE(c.start({}).ok());
    Result<CognitoStep> s = c.on_answer({429, "{\"__type\":\"TooManyRequestsException\"}", ""}, kT0Ms);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::limit_exceeded);
    EXPECT_EQ(c.identity_id(), kOtherIdentity);
}

TEST(ConnectionCognito, FixedIdentityRefused_ErrorNotStartOver) {
    CognitoConfig config = pool_config();
    config.identity_id = kOtherIdentity;
    config.identity_id_fixed = true;
    CognitoIdentity c = make(config);
    ASSERT_TRUE(c.start({}).ok());
    Result<CognitoStep> s = c.on_answer({400, "{\"__type\":\"NotAuthorizedException\"}", ""}, kT0Ms);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::auth_failed);
    EXPECT_EQ(c.identity_id(), kOtherIdentity);
}

TEST(ConnectionCognito, IdentityLearntInEarlierFetch_RefusedLater_StartsOver) {
    CognitoIdentity c = make(pool_config());
    ASSERT_TRUE(c.start({}).ok());
    ASSERT_TRUE(c.on_answer({200, get_id_answer(kOtherIdentity), ""}, kT0Ms).ok());
    ASSERT_TRUE(c.on_answer({200, credentials_answer("1767229200", kOtherIdentity), ""}, kT0Ms).ok());
    // Next refresh: the identity (now cached) is refused, so the fetch starts over.
    ASSERT_EQ(c.start({}).value().operation, CognitoOperation::get_credentials_for_identity);
    Result<CognitoStep> again = c.on_answer({400, "{\"__type\":\"ResourceNotFoundException\"}", ""}, kT0Ms);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.value().request.operation, CognitoOperation::get_id);
}

// ---- the scanner's value readers ----

TEST(ConnectionJsonScan, StringEscapes_UnescapedToUtf8) {
    EXPECT_EQ(json::string_value("\"a\\u00e9\\u20ac\\ud83d\\ude00\\/\\b\"").value(),
              "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80/\b");
    EXPECT_FALSE(json::string_value("\"\\ud83d\"").ok());          // lone high surrogate
    EXPECT_FALSE(json::string_value("\"\\ude00\"").ok());          // lone low surrogate
    EXPECT_FALSE(json::string_value("\"\\ud83d\\u0041\"").ok());   // high + not low
    EXPECT_FALSE(json::string_value("\"\\u12\"").ok());
    EXPECT_FALSE(json::string_value("\"\\x41\"").ok());
    EXPECT_FALSE(json::string_value("\"\xc0\xaf\"").ok());        // overlong '/'
    EXPECT_FALSE(json::string_value("\"\xed\xa0\x80\"").ok());    // UTF-8 surrogate
    EXPECT_FALSE(json::string_value("\"\xf4\x90\x80\x80\"").ok()); // over U+10FFFF
    EXPECT_FALSE(json::string_value("\"tab\there\"").ok());
    EXPECT_EQ(json::string_value("\"\xf0\x9f\x98\x80\"").value(), "\xf0\x9f\x98\x80");
}

TEST(ConnectionJsonScan, NumberScaled_ExactDecimal) {
    EXPECT_EQ(json::number_scaled("1.7E9", 3, INT64_MAX).value(), 1700000000000);
    EXPECT_EQ(json::number_scaled("-2.5", 1, 100).value(), -25);
    EXPECT_EQ(json::number_scaled("0", 3, 10).value(), 0);
    EXPECT_EQ(json::number_scaled("0.0009", 3, 10).value(), 0);
    EXPECT_EQ(json::number_scaled("9223372036854775807", 0, INT64_MAX).value(), INT64_MAX);
    EXPECT_FALSE(json::number_scaled("9223372036854775808", 0, INT64_MAX).ok());
    EXPECT_FALSE(json::number_scaled("1", 3, 999).ok());
    EXPECT_FALSE(json::number_scaled("1x", 0, 10).ok());
    EXPECT_FALSE(json::number_scaled("", 0, 10).ok());
}

TEST(ConnectionCognito, ErrorKind_ExceptionTableThenStatus) {
    // The table the browser package asks for (it reads Cognito's JSON itself).
    EXPECT_EQ(cognito_error_kind("NotAuthorizedException", 400).code, Errc::auth_failed);
    EXPECT_STREQ(cognito_error_kind("NotAuthorizedException", 400).rule, "cognito.NotAuthorizedException");
    EXPECT_EQ(cognito_error_kind("TooManyRequestsException", 400).code, Errc::limit_exceeded);
    EXPECT_EQ(cognito_error_kind("ResourceConflictException", 400).code, Errc::conflict);
    EXPECT_EQ(cognito_error_kind("InvalidParameterException", 400).code, Errc::invalid_argument);
    EXPECT_EQ(cognito_error_kind("SomethingNewException", 503).code, Errc::server_error);
    EXPECT_STREQ(cognito_error_kind("SomethingNewException", 503).rule, "cognito.error");
    EXPECT_EQ(cognito_error_kind("", 403).code, Errc::auth_failed);  // the status table
    EXPECT_EQ(cognito_error_kind("", 200).code, Errc::protocol_error);  // a 2xx that is not the API's
    EXPECT_STREQ(cognito_error_kind("", 200).rule, "cognito.answer");
}

}  // namespace
}  // namespace iotlite::connection
