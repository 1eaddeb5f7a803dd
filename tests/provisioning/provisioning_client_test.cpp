// ProvisioningClient on a real iotlite::mqtt::Client fed with scripted broker bytes (fake clock),
// and the API's rules. Topics and document shapes are the developer guide's ("Device provisioning
// MQTT API", fleet-provision-api); limits from the API reference (CreateProvisioningTemplate
// templateName 1..36 [0-9A-Za-z_-], CreateCertificateFromCsr CSR <= 4096, certificateId 64 hex).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "broker_script.hpp"
#include "iotlite/services/provisioning/provisioning_client.hpp"

namespace {

namespace pv = iotlite::provisioning;
using iotlite::Errc;
using shadow_test::SentPacket;
using Type = pv::ProvisioningEvent::Type;

constexpr std::uint8_t kPublish = 3;
constexpr std::uint8_t kSubscribe = 8;

const std::string kCreate = "$aws/certificates/create/json";
const std::string kCsr = "$aws/certificates/create-from-csr/json";
const std::string kRegister = "$aws/provisioning-templates/FleetTemplate/provision/json";
const std::string kCertId = "8f1a0ccb3b7c4b8d9b7e2c6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d";  // 64 hex digits
const std::string kCertPem = "-----BEGIN CERTIFICATE-----\\nMIIBszCCAVmgAwIBAgIU\\n-----END CERTIFICATE-----\\n";
const std::string kKeyPem = "-----BEGIN EC PRIVATE KEY-----\\nSECRETKEYBYTES\\n-----END EC PRIVATE KEY-----\\n";
const std::string kCsrPem = "-----BEGIN CERTIFICATE REQUEST-----\nMIH3MIGeAgEA\n-----END CERTIFICATE REQUEST-----\n";

pv::Json J(const std::string& text) {
    auto value = iotlite::json::parse(text, 64);
    EXPECT_TRUE(value.ok()) << text;
    return value.ok() ? std::move(value.value()) : pv::Json();
}

class ProvRig : public shadow_test::EngineRig {
public:
    explicit ProvRig(pv::ProvisioningConfig config = {}) {
        make_engine(engine_config("claim-1", false));
        auto created = pv::ProvisioningClient::create(*mqtt, config);
        EXPECT_TRUE(created.ok());
        prov = std::move(created).value();
        prov->set_event_handler([this](const pv::ProvisioningEvent& e) { events.push_back(e); });
        service_ = prov.get();
        connect();
    }
    std::unique_ptr<pv::ProvisioningClient> prov;
    std::vector<pv::ProvisioningEvent> events;
};

std::string keys_answer(const std::string& id = kCertId) {
    return R"({"certificateId":")" + id + R"(","certificatePem":")" + kCertPem + R"(","privateKey":")" + kKeyPem +
           R"(","certificateOwnershipToken":"tok-123"})";
}

TEST(ProvisioningClient, CreateKeys_SubscribesExactTopicsThenPublishes_AcceptedCarriesCertificateKeyAndToken) {
    ProvRig rig;
    auto id = rig.prov->create_keys_and_certificate(rig.now);
    ASSERT_TRUE(id.ok()) << id.error().message;
    rig.pump();
    ASSERT_EQ(rig.sent.size(), 1u) << "nothing is published before the SUBACK";
    EXPECT_EQ(rig.sent[0].type, kSubscribe);
    EXPECT_EQ(rig.sent[0].filters, (std::vector<std::string>{kCreate + "/accepted", kCreate + "/rejected"}));
    rig.grant_last();
    const SentPacket* pub = rig.last_of(kPublish);
    ASSERT_NE(pub, nullptr);
    EXPECT_EQ(pub->topic, kCreate);
    EXPECT_EQ(J(pub->payload), J("{}")) << "the request has no fields and no clientToken";

    rig.broker_publish(kCreate + "/accepted", keys_answer());
    ASSERT_EQ(rig.events.size(), 1u);
    const auto& e = rig.events[0];
    EXPECT_EQ(e.type, Type::accepted);
    EXPECT_EQ(e.request_id, id.value());
    EXPECT_EQ(e.op, pv::Operation::create_keys);
    EXPECT_EQ(e.certificate.certificate_id, kCertId);
    EXPECT_EQ(e.certificate.certificate_pem, "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n");
    EXPECT_EQ(e.certificate.private_key, "-----BEGIN EC PRIVATE KEY-----\nSECRETKEYBYTES\n-----END EC PRIVATE KEY-----\n");
    EXPECT_EQ(e.certificate.ownership_token, "tok-123");
    EXPECT_TRUE(rig.app_events.empty()) << "the SUBACK and the answer are the provisioning client's";
    EXPECT_EQ(rig.prov->in_flight(), 0u);
}

TEST(ProvisioningClient, CreateFromCsr_PayloadCarriesTheCsr_AcceptedHasNoPrivateKey) {
    ProvRig rig;
    ASSERT_TRUE(rig.prov->create_certificate_from_csr(kCsrPem, rig.now).ok());
    rig.pump();
    EXPECT_EQ(rig.last_of(kSubscribe)->filters, (std::vector<std::string>{kCsr + "/accepted", kCsr + "/rejected"}));
    rig.grant_last();
    EXPECT_EQ(rig.last_of(kPublish)->topic, kCsr);
    pv::Json expected = pv::Json::object();
    expected["certificateSigningRequest"] = kCsrPem;
    EXPECT_EQ(J(rig.last_of(kPublish)->payload), expected);
    rig.broker_publish(kCsr + "/accepted", R"({"certificateOwnershipToken":"tok-9","certificateId":")" + kCertId +
                                               R"(","certificatePem":")" + kCertPem + R"("})");
    ASSERT_EQ(rig.events.size(), 1u);
    EXPECT_EQ(rig.events[0].type, Type::accepted);
    EXPECT_EQ(rig.events[0].op, pv::Operation::create_from_csr);
    EXPECT_EQ(rig.events[0].certificate.ownership_token, "tok-9");
    EXPECT_TRUE(rig.events[0].certificate.private_key.empty());
}

TEST(ProvisioningClient, RegisterThing_TokenAndParameters_AcceptedThingNameAndDeviceConfiguration) {
    ProvRig rig;
    ASSERT_TRUE(rig.prov->register_thing("FleetTemplate", "tok-123", {{"SerialNumber", "42"}, {"DeviceLocation", "Seattle"}}, rig.now).ok());
    rig.pump();
    EXPECT_EQ(rig.last_of(kSubscribe)->filters, (std::vector<std::string>{kRegister + "/accepted", kRegister + "/rejected"}));
    rig.grant_last();
    EXPECT_EQ(rig.last_of(kPublish)->topic, kRegister);
    EXPECT_EQ(J(rig.last_of(kPublish)->payload),
              J(R"({"certificateOwnershipToken":"tok-123","parameters":{"SerialNumber":"42","DeviceLocation":"Seattle"}})"));
    rig.broker_publish(kRegister + "/accepted", R"({"deviceConfiguration":{"FallbackUrl":"https://example.com"},"thingName":"device-42"})");
    ASSERT_EQ(rig.events.size(), 1u);
    const auto& e = rig.events[0];
    EXPECT_EQ(e.type, Type::accepted);
    EXPECT_EQ(e.op, pv::Operation::register_thing);
    EXPECT_EQ(e.template_name, "FleetTemplate");
    EXPECT_EQ(e.registration.thing_name, "device-42");
    EXPECT_EQ(e.registration.device_configuration, J(R"({"FallbackUrl":"https://example.com"})"));
}

TEST(ProvisioningClient, Rejected_AwsErrorShape_ServerErrorKeepsStatusCodeAndErrorCode) {
    ProvRig rig;
    ASSERT_TRUE(rig.prov->register_thing("FleetTemplate", "expired", {}, rig.now).ok());
    rig.pump();
    rig.grant_last();
    EXPECT_EQ(J(rig.last_of(kPublish)->payload), J(R"({"certificateOwnershipToken":"expired","parameters":{}})"));
    rig.broker_publish(kRegister + "/rejected",
                       R"({"statusCode":400,"errorCode":"InvalidCertificateOwnershipToken","errorMessage":"Certificate ownership token is invalid."})");
    ASSERT_EQ(rig.events.size(), 1u);
    const auto& e = rig.events[0];
    EXPECT_EQ(e.type, Type::rejected);
    EXPECT_EQ(e.error.code, Errc::server_error);
    EXPECT_EQ(e.rejection.status_code, 400);
    EXPECT_EQ(e.rejection.error_code, "InvalidCertificateOwnershipToken");
    EXPECT_EQ(e.rejection.error_message, "Certificate ownership token is invalid.");
    EXPECT_NE(e.error.message.find("InvalidCertificateOwnershipToken"), std::string::npos);
}

TEST(ProvisioningClient, SecondRequestOnTheSameTopic_RefusedInvalidState_OtherTopicsStillAllowed) {
    ProvRig rig;
    ASSERT_TRUE(rig.prov->create_keys_and_certificate(rig.now).ok());
    auto again = rig.prov->create_keys_and_certificate(rig.now);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Errc::invalid_state);
    EXPECT_TRUE(rig.prov->create_certificate_from_csr(kCsrPem, rig.now).ok());
    EXPECT_TRUE(rig.prov->register_thing("A", "t", {}, rig.now).ok());
    EXPECT_TRUE(rig.prov->register_thing("B", "t", {}, rig.now).ok());
    EXPECT_EQ(rig.prov->in_flight(), 4u);
}

TEST(ProvisioningClient, RulesBroken_RefusedLocallyNamingTheRule_NothingSent) {
    ProvRig rig;
    auto long_name = rig.prov->register_thing(std::string(37, 'a'), "t", {}, rig.now);
    ASSERT_FALSE(long_name.ok());
    EXPECT_EQ(long_name.error().code, Errc::limit_exceeded);
    EXPECT_STREQ(long_name.error().rule, "provisioning.template_name");
    EXPECT_EQ(long_name.error().limit, 36u);
    EXPECT_EQ(long_name.error().actual, 37u);
    EXPECT_TRUE(rig.prov->register_thing(std::string(36, 'a'), "t", {}, rig.now).ok()) << "36 is allowed";

    for (const char* bad : {"", "my.template", "has space", "slash/x", "plus+"}) {
        auto r = rig.prov->register_thing(bad, "t", {}, rig.now);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, Errc::invalid_argument) << bad;
    }
    auto no_token = rig.prov->register_thing("T", "", {}, rig.now);
    ASSERT_FALSE(no_token.ok());
    EXPECT_EQ(no_token.error().code, Errc::invalid_argument);
    auto empty_key = rig.prov->register_thing("T", "t", {{"", "v"}}, rig.now);
    ASSERT_FALSE(empty_key.ok());

    std::string big_csr = "-----BEGIN CERTIFICATE REQUEST-----\n" + std::string(4096, 'A');
    auto csr = rig.prov->create_certificate_from_csr(big_csr, rig.now);
    ASSERT_FALSE(csr.ok());
    EXPECT_EQ(csr.error().code, Errc::limit_exceeded);
    EXPECT_STREQ(csr.error().rule, "provisioning.csr");
    EXPECT_EQ(csr.error().limit, 4096u);
    auto not_pem = rig.prov->create_certificate_from_csr("MIIB", rig.now);
    ASSERT_FALSE(not_pem.ok());
    EXPECT_EQ(not_pem.error().code, Errc::invalid_argument);
    rig.pump();
    ASSERT_EQ(rig.count_of(kSubscribe), 1u) << "only the valid 36-character request subscribed";
}

TEST(ProvisioningClient, AnswerBreakingItsBounds_RequestFailsProtocolError_KeyNeverInTheMessage) {
    ProvRig rig;
    ASSERT_TRUE(rig.prov->create_keys_and_certificate(rig.now).ok());
    rig.pump();
    rig.grant_last();
    rig.broker_publish(kCreate + "/accepted", keys_answer(kCertId.substr(1)));  // 63 digits
    ASSERT_EQ(rig.events.size(), 1u);
    EXPECT_EQ(rig.events[0].type, Type::failed);
    EXPECT_EQ(rig.events[0].error.code, Errc::protocol_error);
    EXPECT_NE(rig.events[0].error.message.find("certificateId"), std::string::npos);
    EXPECT_EQ(rig.events[0].error.message.find("SECRETKEYBYTES"), std::string::npos);

    ASSERT_TRUE(rig.prov->create_keys_and_certificate(rig.now).ok());
    rig.pump();
    const std::string huge = "-----BEGIN CERTIFICATE-----" + std::string(65536, 'A');
    rig.broker_publish(kCreate + "/accepted", R"({"certificateId":")" + kCertId + R"(","certificatePem":")" + huge +
                                                  R"(","privateKey":")" + kKeyPem + R"(","certificateOwnershipToken":"t"})");
    ASSERT_EQ(rig.events.size(), 2u);
    EXPECT_EQ(rig.events[1].type, Type::failed);
    EXPECT_STREQ(rig.events[1].error.rule, "provisioning.certificate_pem");
    EXPECT_EQ(rig.events[1].error.limit, 65536u);
    EXPECT_EQ(rig.events[1].error.actual, 65536u + 27u);
}

TEST(ProvisioningClient, AnswerWithNoRequestInFlight_NoEvent) {
    ProvRig rig;
    ASSERT_TRUE(rig.prov->create_keys_and_certificate(rig.now).ok());
    rig.pump();
    rig.grant_last();
    rig.broker_publish(kCreate + "/accepted", keys_answer());
    rig.broker_publish(kCreate + "/accepted", keys_answer());  // a duplicate: its request is complete
    EXPECT_EQ(rig.events.size(), 1u);
}

TEST(ProvisioningClient, NoAnswer_FailsOnceWithTimeout) {
    pv::ProvisioningConfig config;
    config.request_timeout_ms = 5000;
    ProvRig rig(config);
    auto id = rig.prov->create_certificate_from_csr(kCsrPem, rig.now);
    ASSERT_TRUE(id.ok());
    rig.pump();
    rig.grant_last();
    rig.advance(4999);
    EXPECT_TRUE(rig.events.empty());
    rig.advance(1);
    ASSERT_EQ(rig.events.size(), 1u);
    EXPECT_EQ(rig.events[0].type, Type::failed);
    EXPECT_EQ(rig.events[0].request_id, id.value());
    EXPECT_EQ(rig.events[0].error.code, Errc::timeout);
    rig.advance(10000);
    EXPECT_EQ(rig.events.size(), 1u);
    EXPECT_EQ(rig.prov->in_flight(), 0u);
}

TEST(ProvisioningClient, ResponseSubscriptionRefused_RequestFailsOnceNothingPublished) {
    ProvRig rig;  // a claim policy without iot:Subscribe on the response topics: SUBACK 0x80
    auto id = rig.prov->register_thing("FleetTemplate", "tok", {}, rig.now);
    ASSERT_TRUE(id.ok());
    rig.pump();
    rig.grant_last(0x80);
    ASSERT_EQ(rig.events.size(), 1u);
    EXPECT_EQ(rig.events[0].type, Type::failed);
    EXPECT_EQ(rig.events[0].request_id, id.value());
    EXPECT_EQ(rig.events[0].template_name, "FleetTemplate");
    EXPECT_EQ(rig.count_of(kPublish), 0u);
    rig.advance(60000);
    EXPECT_EQ(rig.events.size(), 1u);
}

TEST(ProvisioningTopics, Parse_AnswerTopics_OpTemplateAndOutcome) {
    pv::ParsedTopic t;
    ASSERT_TRUE(pv::parse_provisioning_topic("$aws/certificates/create/json/accepted", t));
    EXPECT_EQ(t.op, pv::Operation::create_keys);
    EXPECT_TRUE(t.accepted);
    ASSERT_TRUE(pv::parse_provisioning_topic("$aws/certificates/create-from-csr/json/rejected", t));
    EXPECT_EQ(t.op, pv::Operation::create_from_csr);
    EXPECT_FALSE(t.accepted);
    ASSERT_TRUE(pv::parse_provisioning_topic("$aws/provisioning-templates/my_T-1/provision/json/accepted", t));
    EXPECT_EQ(t.op, pv::Operation::register_thing);
    EXPECT_EQ(t.template_name, "my_T-1");
    EXPECT_FALSE(pv::parse_provisioning_topic("$aws/certificates/create/cbor/accepted", t)) << "JSON topics only";
    EXPECT_FALSE(pv::parse_provisioning_topic("$aws/certificates/create/json", t)) << "a request topic";
    EXPECT_FALSE(pv::parse_provisioning_topic("$aws/provisioning-templates/a/b/provision/json/accepted", t));
    EXPECT_FALSE(pv::parse_provisioning_topic("$aws/things/T/jobs/get/accepted", t));
}

TEST(ProvisioningClient, Create_ZeroTimeout_Refused) {
    ProvRig rig;
    pv::ProvisioningConfig config;
    config.request_timeout_ms = 0;
    auto created = pv::ProvisioningClient::create(*rig.mqtt, config);
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.error().code, Errc::invalid_argument);
}

}  // namespace
