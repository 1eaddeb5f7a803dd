// retry_verdict: whether a failed connection attempt can pass on a retry with the same settings.
// The errors come from their real producers where core has one: the engine's CONNACK refusals
// (MQTT 3.1.1), the HTTP status table (WebSocket upgrades), the MQTT 5 reason-code table and
// Cognito's exception table; the verdict for each is AWS's and the protocol's meaning of it.
#include <gtest/gtest.h>

#include <cstring>

#include "client_harness.hpp"
#include "iotlite/connection/cognito.hpp"
#include "iotlite/connection/http_status.hpp"
#include "iotlite/connection/retry.hpp"
#include "iotlite/mqtt/reason_code.hpp"

namespace iotlite::connection {
namespace {

using mqtt::test::connack;
using mqtt::test::Harness;

constexpr RetryCredentials kFixed = RetryCredentials::fixed;
constexpr RetryCredentials kRefreshed = RetryCredentials::refreshed;

// The error the engine reports for a CONNACK (MQTT 3.1.1) with return code `code`.
Error connack_refusal(std::uint8_t code) {
    Harness h;
    EXPECT_TRUE(h.client->connect(h.now).ok());
    h.open_attempt();
    h.take_events();
    h.feed(connack(false, code));
    for (const auto& ev : h.take_events())
        if (ev.type == mqtt::Event::Type::error) return ev.error;
    ADD_FAILURE() << "no error event for CONNACK " << int(code);
    return Error{};
}

// A refused WebSocket upgrade as the engine reports it: the code from the status table, the status.
Error upgrade_refusal(std::uint16_t status) {
    return Error(errc_for_http_status(status, HttpStatusUse::upgrade), "refused", status);
}

Error mqtt5_refusal(std::uint8_t reason, mqtt::PacketType packet = mqtt::PacketType::connack) {
    return make_error(mqtt::errc_for_reason_code(reason, packet), "refused").with_mqtt_reason(reason);
}

TEST(RetryVerdict, Connack311_OnlyServerUnavailablePasses_AuthDependsOnTheCredentials) {
    EXPECT_FALSE(retry_verdict(connack_refusal(1), kRefreshed).can_succeed);  // unacceptable protocol version
    EXPECT_EQ(retry_verdict(connack_refusal(2), kRefreshed).because, FinalBecause::refused);  // identifier rejected
    EXPECT_TRUE(retry_verdict(connack_refusal(3), kFixed).can_succeed);  // server unavailable
    for (std::uint8_t code : {4, 5}) {  // bad user name or password, not authorized
        EXPECT_EQ(retry_verdict(connack_refusal(code), kFixed).because, FinalBecause::credentials_refused) << int(code);
        EXPECT_TRUE(retry_verdict(connack_refusal(code), kRefreshed).can_succeed) << int(code);
    }
}

TEST(RetryVerdict, UpgradeRefusals_ThrottleAndServerErrorsPass_OtherRefusalsAreFinal) {
    for (std::uint16_t status : {401, 403}) {
        EXPECT_EQ(retry_verdict(upgrade_refusal(status), kFixed).because, FinalBecause::credentials_refused) << status;
        EXPECT_TRUE(retry_verdict(upgrade_refusal(status), kRefreshed).can_succeed) << status;
    }
    for (std::uint16_t status : {429, 500, 502, 503, 504, 599})
        EXPECT_TRUE(retry_verdict(upgrade_refusal(status), kFixed).can_succeed) << status;
    for (std::uint16_t status : {200, 301, 400, 404, 409, 413})
        EXPECT_EQ(retry_verdict(upgrade_refusal(status), kRefreshed).because, FinalBecause::refused) << status;
}

TEST(RetryVerdict, Mqtt5Connack_ByReasonCode) {
    // Transient: server unavailable, server busy; throttles (limit_exceeded: later, with backoff).
    for (std::uint8_t reason : {0x88, 0x89, 0x97, 0x9F})
        EXPECT_TRUE(retry_verdict(mqtt5_refusal(reason), kFixed).can_succeed) << std::hex << int(reason);
    // Authentication: by the credentials.
    for (std::uint8_t reason : {0x86, 0x87, 0x8A, 0x8C}) {
        EXPECT_EQ(retry_verdict(mqtt5_refusal(reason), kFixed).because, FinalBecause::credentials_refused) << std::hex << int(reason);
        EXPECT_TRUE(retry_verdict(mqtt5_refusal(reason), kRefreshed).can_succeed) << std::hex << int(reason);
    }
    EXPECT_EQ(retry_verdict(mqtt5_refusal(0x95), kRefreshed).because, FinalBecause::connect_too_large);
    EXPECT_EQ(retry_verdict(mqtt5_refusal(0x81), kRefreshed).because, FinalBecause::protocol);  // malformed packet
    EXPECT_EQ(retry_verdict(mqtt5_refusal(0x84), kRefreshed).because, FinalBecause::refused);   // protocol version
    EXPECT_EQ(retry_verdict(mqtt5_refusal(0x85), kRefreshed).because, FinalBecause::refused);   // client id not valid
    EXPECT_EQ(retry_verdict(mqtt5_refusal(0x9C), kRefreshed).because, FinalBecause::refused);  // use another server
    EXPECT_EQ(retry_verdict(mqtt5_refusal(0x9A), kRefreshed).because, FinalBecause::input_rule);  // retain (the Will's)
    EXPECT_EQ(retry_verdict(mqtt5_refusal(0x80), kRefreshed).because, FinalBecause::refused);     // unspecified, in a CONNACK
}

TEST(RetryVerdict, ServerDisconnectsAndTransportFailures_MayPass) {
    for (std::uint8_t reason : {0x8B, 0x8E, 0x98, 0xA0, 0x8D, 0x80})  // shutting down, taken over, admin, max time, ...
        EXPECT_TRUE(retry_verdict(mqtt5_refusal(reason, mqtt::PacketType::disconnect), kFixed).can_succeed) << std::hex << int(reason);
    for (Errc code : {Errc::io_error, Errc::timeout, Errc::closed, Errc::server_error, Errc::not_connected})
        EXPECT_TRUE(retry_verdict(make_error(code, "x"), kFixed).can_succeed) << errc_name(code);
    EXPECT_FALSE(retry_verdict(make_error(Errc::protocol_error, "bad bytes"), kRefreshed).can_succeed);
    EXPECT_EQ(retry_verdict(make_error(Errc::crypto_error, "bad key"), kRefreshed).because, FinalBecause::key_unusable);
}

TEST(RetryVerdict, IdentityService_ByCognitosExceptionTable) {
    const auto cognito = [](const char* exception, std::uint16_t status) {
        return make_error(cognito_error_kind(exception, status).code, "cognito", status);
    };
    const auto verdict = [](const Error& e) { return retry_verdict(e, kRefreshed, ErrorOrigin::identity_service); };
    EXPECT_EQ(verdict(cognito("NotAuthorizedException", 400)).because, FinalBecause::identity_refuses);
    EXPECT_EQ(verdict(cognito("ResourceNotFoundException", 400)).because, FinalBecause::identity_input);
    EXPECT_EQ(verdict(cognito("InvalidParameterException", 400)).because, FinalBecause::identity_input);
    EXPECT_TRUE(verdict(cognito("TooManyRequestsException", 400)).can_succeed);
    EXPECT_TRUE(verdict(cognito("InternalErrorException", 500)).can_succeed);
    EXPECT_TRUE(verdict(make_error(Errc::io_error, "fetch failed")).can_succeed);
}

TEST(RetryVerdict, BrokenInput_FinalWhateverTheCredentials) {
    for (Errc code : {Errc::invalid_argument, Errc::invalid_topic, Errc::unsupported}) {
        EXPECT_EQ(retry_verdict(make_error(code, "rule"), kRefreshed).because, FinalBecause::input_rule) << errc_name(code);
        EXPECT_EQ(retry_verdict(make_error(code, "rule"), kFixed).because, FinalBecause::input_rule) << errc_name(code);
    }
}

TEST(RetryVerdict, NamesAndTexts_OneEach) {
    for (int i = 0; i <= static_cast<int>(FinalBecause::connect_too_large); ++i) {
        const auto because = static_cast<FinalBecause>(i);
        EXPECT_GT(std::strlen(final_because_name(because)), 0u);
        EXPECT_EQ(std::strlen(final_because_text(because)) == 0, because == FinalBecause::none) << final_because_name(because);
        for (int j = 0; j < i; ++j)
            EXPECT_STRNE(final_because_name(because), final_because_name(static_cast<FinalBecause>(j)));
    }
}

}  // namespace
}  // namespace iotlite::connection
