// JobsClient on a real iotlite::mqtt::Client fed with scripted broker bytes (fake clock).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "broker_script.hpp"
#include "iotlite/services/jobs/jobs_client.hpp"

namespace {

namespace jb = iotlite::jobs;
using iotlite::Errc;
using jb::JobsEvent;
using shadow_test::SentPacket;
using Type = jb::JobsEvent::Type;

constexpr std::uint8_t kPublish = 3;
constexpr std::uint8_t kSubscribe = 8;
constexpr std::uint8_t kUnsubscribe = 10;

jb::Json J(const std::string& text) {
    auto value = iotlite::json::parse(text, 64);
    EXPECT_TRUE(value.ok()) << text;
    return value.ok() ? std::move(value.value()) : jb::Json();
}

// A connected engine with a JobsClient for thing "T1", driven as a Session drives a service.
class JobsRig : public shadow_test::EngineRig {
public:
    explicit JobsRig(jb::JobsConfig config = {}) {
        make_engine(engine_config("dev", false));
        if (config.thing_name.empty()) config.thing_name = "T1";
        auto created = jb::JobsClient::create(*mqtt, std::move(config));
        EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
        jobs = std::move(created).value();
        jobs->set_event_handler([this](const JobsEvent& e) { events.push_back(e); });
        service_ = jobs.get();
        connect();
    }
    void answer(const std::string& topic, const std::string& payload) { broker_publish(topic, payload); }
    // The request just published, its payload as JSON.
    jb::Json last_request() const {
        const SentPacket* pub = last_of(kPublish);
        EXPECT_NE(pub, nullptr);
        return pub ? J(pub->payload) : jb::Json();
    }

    std::unique_ptr<jb::JobsClient> jobs;
    std::vector<JobsEvent> events;
};

TEST(JobsClient, GetPending_SubscribesExactTopicsThenPublishesAndCompletesWithTheLists) {
    JobsRig rig;
    auto id = rig.jobs->get_pending(rig.now);
    rig.pump();
    ASSERT_TRUE(id.ok()) << id.error().message;
    ASSERT_EQ(rig.sent.size(), 1u);
    EXPECT_EQ(rig.sent[0].type, kSubscribe);
    EXPECT_EQ(rig.sent[0].filters, (std::vector<std::string>{"$aws/things/T1/jobs/get/accepted", "$aws/things/T1/jobs/get/rejected"}));
    rig.grant_last();
    const SentPacket* pub = rig.last_of(kPublish);
    ASSERT_NE(pub, nullptr);
    EXPECT_EQ(pub->topic, "$aws/things/T1/jobs/get");
    EXPECT_EQ(J(pub->payload), J(R"({"clientToken":"dev-1"})"));

    rig.answer("$aws/things/T1/jobs/get/accepted",
               R"({"inProgressJobs":[],"queuedJobs":[{"jobId":"j1","queuedAt":1,"lastUpdatedAt":1,"versionNumber":1,"executionNumber":1}],"timestamp":5,"clientToken":"dev-1"})");
    ASSERT_EQ(rig.events.size(), 1u);
    const JobsEvent& e = rig.events[0];
    EXPECT_EQ(e.type, Type::accepted);
    EXPECT_EQ(e.request_id, id.value());
    EXPECT_EQ(e.op, jb::Operation::get_pending);
    ASSERT_EQ(e.answer.queued.size(), 1u);
    EXPECT_EQ(e.answer.queued[0].job_id, "j1");
    EXPECT_TRUE(rig.app_events.empty()) << "the SUBACK and the answer are the jobs client's";
    EXPECT_EQ(rig.jobs->in_flight(), 0u);
}

TEST(JobsClient, StartNext_StepTimeoutAndDetails_PayloadAndExecutionInTheAnswer) {
    JobsRig rig;
    jb::StartNextOptions options;
    options.step_timeout_minutes = 30;
    options.status_details = {{"agent", "v1"}};
    options.client_token = "mine";
    ASSERT_TRUE(rig.jobs->start_next(rig.now, options).ok());
    rig.pump();
    rig.grant_last();
    EXPECT_EQ(rig.last_of(kPublish)->topic, "$aws/things/T1/jobs/start-next");
    EXPECT_EQ(rig.last_request(), J(R"({"clientToken":"mine","stepTimeoutInMinutes":30,"statusDetails":{"agent":"v1"}})"));
    rig.answer("$aws/things/T1/jobs/start-next/accepted",
               R"({"execution":{"jobId":"j1","thingName":"T1","status":"IN_PROGRESS","jobDocument":{"op":"reboot"},"versionNumber":2,"executionNumber":1},"timestamp":5,"clientToken":"mine"})");
    ASSERT_EQ(rig.events.size(), 1u);
    ASSERT_TRUE(rig.events[0].answer.execution.has_value());
    EXPECT_EQ(rig.events[0].answer.execution->job_id, "j1");
    EXPECT_EQ(rig.events[0].answer.execution->job_document, J(R"({"op":"reboot"})"));
    EXPECT_EQ(rig.events[0].client_token, "mine");
}

TEST(JobsClient, Update_EveryOption_PayloadAsTheApiNamesIt) {
    JobsRig rig;
    jb::UpdateOptions options;
    options.status = jb::JobStatus::succeeded;
    options.status_details = jb::StatusDetails{{"exit", "0"}};
    options.expected_version = 2;
    options.execution_number = 1;
    options.step_timeout_minutes = 5;
    options.include_job_execution_state = true;
    options.include_job_document = true;
    ASSERT_TRUE(rig.jobs->update("j1", options, rig.now).ok());
    rig.pump();
    EXPECT_EQ(rig.last_of(kSubscribe)->filters,
              (std::vector<std::string>{"$aws/things/T1/jobs/j1/update/accepted", "$aws/things/T1/jobs/j1/update/rejected"}));
    rig.grant_last();
    EXPECT_EQ(rig.last_of(kPublish)->topic, "$aws/things/T1/jobs/j1/update");
    EXPECT_EQ(rig.last_request(), J(R"({"status":"SUCCEEDED","statusDetails":{"exit":"0"},"expectedVersion":2,"executionNumber":1,
        "stepTimeoutInMinutes":5,"includeJobExecutionState":true,"includeJobDocument":true,"clientToken":"dev-1"})"));
    rig.answer("$aws/things/T1/jobs/j1/update/accepted",
               R"({"executionState":{"status":"SUCCEEDED","statusDetails":{"exit":"0"},"versionNumber":3},"timestamp":5,"clientToken":"dev-1"})");
    ASSERT_EQ(rig.events.size(), 1u);
    EXPECT_EQ(rig.events[0].type, Type::accepted);
    EXPECT_EQ(rig.events[0].job_id, "j1");
    EXPECT_EQ(rig.events[0].answer.execution_state.version_number, 3);
}

TEST(JobsClient, Update_StepTimeoutMinusOne_EndsTheStepTimer) {
    JobsRig rig;
    jb::UpdateOptions options;
    options.step_timeout_minutes = -1;
    ASSERT_TRUE(rig.jobs->update("j1", options, rig.now).ok());
    rig.pump();
    rig.grant_last();
    EXPECT_EQ(rig.last_request(), J(R"({"status":"IN_PROGRESS","stepTimeoutInMinutes":-1,"clientToken":"dev-1"})"));
}

TEST(JobsClient, Update_RulesBroken_RefusedLocallyNothingSent) {
    JobsRig rig;
    jb::UpdateOptions queued;
    queued.status = jb::JobStatus::queued;
    auto r1 = rig.jobs->update("j1", queued, rig.now);
    rig.pump();
    ASSERT_FALSE(r1.ok());
    EXPECT_EQ(r1.error().code, Errc::invalid_argument);
    EXPECT_NE(r1.error().message.find("QUEUED cannot be set by a device"), std::string::npos) << r1.error().message;

    jb::UpdateOptions step;
    step.step_timeout_minutes = 10081;
    auto r2 = rig.jobs->update("j1", step, rig.now);
    rig.pump();
    ASSERT_FALSE(r2.ok());
    EXPECT_STREQ(r2.error().rule, "jobs.step_timeout");
    step.step_timeout_minutes = 0;
    EXPECT_FALSE(rig.jobs->update("j1", step, rig.now).ok());
    step.step_timeout_minutes = -2;
    EXPECT_FALSE(rig.jobs->update("j1", step, rig.now).ok());
    jb::StartNextOptions end_on_start;
    end_on_start.step_timeout_minutes = static_cast<std::uint32_t>(-1);
    EXPECT_EQ(rig.jobs->start_next(rig.now, end_on_start).error().code, Errc::invalid_argument) << "-1 ends a timer on update only";

    jb::UpdateOptions many;
    many.status_details = jb::StatusDetails{};
    for (int i = 0; i < 11; ++i) many.status_details->emplace_back("k" + std::to_string(i), "v");
    EXPECT_EQ(rig.jobs->update("j1", many, rig.now).error().code, Errc::limit_exceeded);
    rig.pump();
    EXPECT_EQ(rig.jobs->update("$next", jb::UpdateOptions{}, rig.now).error().code, Errc::invalid_argument);
    rig.pump();
    EXPECT_EQ(rig.jobs->update("a/b", jb::UpdateOptions{}, rig.now).error().code, Errc::invalid_argument);
    rig.pump();
    EXPECT_TRUE(rig.sent.empty());
    EXPECT_EQ(rig.jobs->in_flight(), 0u);
}

// The request's fields as one JSON object (what the browser package sends): each checked for the
// operation, its JSON type and AWS's rules before anything is sent; null is "absent".
TEST(JobsClient, RequestFields_CheckedForTheOperationTypeAndRule) {
    JobsRig rig;
    const auto refused = [&](jb::Operation op, const char* job, const char* fields, Errc code, const std::string& message) {
        auto r = rig.jobs->request(op, job, J(fields), {}, rig.now);
        rig.pump();
        ASSERT_FALSE(r.ok()) << fields;
        EXPECT_EQ(r.error().code, code) << fields;
        EXPECT_EQ(r.error().message, message) << fields;
    };
    using Op = jb::Operation;
    refused(Op::start_next, "", R"({"stepTimeout":5})", Errc::invalid_argument, R"("stepTimeout" is not a field of StartNextPendingJobExecution)");
    refused(Op::get_pending, "", R"({"status":"IN_PROGRESS"})", Errc::invalid_argument, R"("status" is not a field of GetPendingJobExecutions)");
    refused(Op::describe, "j1", R"({"expectedVersion":1})", Errc::invalid_argument, R"("expectedVersion" is not a field of DescribeJobExecution)");
    refused(Op::update, "j1", R"({"status":"IN_PROGRESS","expectedVersion":"2"})", Errc::invalid_argument, R"("expectedVersion" must be an integer)");
    refused(Op::update, "j1", R"({"status":"IN_PROGRESS","executionNumber":1.5})", Errc::invalid_argument, R"("executionNumber" must be an integer)");
    refused(Op::update, "j1", R"({"status":"IN_PROGRESS","expectedVersion":9223372036854775808})", Errc::invalid_argument,
            R"("expectedVersion" must be an integer)");
    refused(Op::describe, "j1", R"({"includeJobDocument":1})", Errc::invalid_argument, R"("includeJobDocument" must be true or false)");
    refused(Op::update, "j1", R"({})", Errc::invalid_argument, R"("status" must be one of IN_PROGRESS, SUCCEEDED, FAILED, REJECTED)");
    refused(Op::update, "j1", R"({"status":"CANCELED"})", Errc::invalid_argument,
            "status CANCELED cannot be set by a device; UpdateJobExecution takes IN_PROGRESS, SUCCEEDED, FAILED or REJECTED");
    refused(Op::update, "j1", R"({"status":"FAILED","statusDetails":{"k":5}})", Errc::invalid_argument, R"(statusDetails "k" must be a string)");
    refused(Op::update, "j1", R"({"status":"FAILED","statusDetails":["k"]})", Errc::invalid_argument, R"("statusDetails" must be an object of strings)");
    // A number beyond 32 bits is checked as itself, not cut to 1 (2^32 + 1).
    refused(Op::start_next, "", R"({"stepTimeoutInMinutes":4294967297})", Errc::invalid_argument,
            "stepTimeoutInMinutes is 4294967297; AWS allows 1..10080 (7 days)");
    refused(Op::update, "$next", R"({"status":"FAILED"})", Errc::invalid_argument, "job id has a character outside [a-zA-Z0-9_-] at offset 0");
    EXPECT_TRUE(rig.sent.empty());
    EXPECT_EQ(rig.jobs->in_flight(), 0u);

    // null is absent; describe asks for the job document unless told otherwise.
    ASSERT_TRUE(rig.jobs->request(Op::describe, "j1", J(R"({"executionNumber":null})"), {}, rig.now).ok());
    rig.pump();
    rig.grant_last();
    const jb::Json sent = rig.last_request();
    EXPECT_EQ(sent.size(), 2u) << sent.dump();
    EXPECT_EQ(sent["includeJobDocument"], jb::Json(true));
    EXPECT_FALSE(sent.contains("executionNumber"));
}

TEST(JobsClient, Rejected_VersionMismatch_ConflictWithAwsCode_OtherCodesServerError) {
    JobsRig rig;
    jb::UpdateOptions options;
    options.expected_version = 1;
    ASSERT_TRUE(rig.jobs->update("j1", options, rig.now).ok());
    rig.pump();
    rig.grant_last();
    rig.answer("$aws/things/T1/jobs/j1/update/rejected",
               R"({"code":"VersionMismatch","message":"stale","clientToken":"dev-1","timestamp":5,"executionState":{"status":"IN_PROGRESS","versionNumber":4}})");
    ASSERT_EQ(rig.events.size(), 1u);
    EXPECT_EQ(rig.events[0].type, Type::rejected);
    EXPECT_EQ(rig.events[0].error.code, Errc::conflict);
    EXPECT_EQ(rig.events[0].error.message, "jobs update rejected: VersionMismatch stale");
    EXPECT_EQ(rig.events[0].rejection.code, "VersionMismatch");
    EXPECT_EQ(rig.events[0].rejection.execution_state.version_number, 4);

    ASSERT_TRUE(rig.jobs->update("j1", jb::UpdateOptions{}, rig.now).ok());
    rig.pump();
    rig.answer("$aws/things/T1/jobs/j1/update/rejected",
               R"({"code":"TerminalStateReached","message":"done","clientToken":"dev-2","timestamp":6})");
    ASSERT_EQ(rig.events.size(), 2u);
    EXPECT_EQ(rig.events[1].error.code, Errc::server_error);
    EXPECT_EQ(rig.events[1].rejection.code, "TerminalStateReached");
}

TEST(JobsClient, Rejected_ControlBytesInAwsText_ErrorStaysOneLine) {
    JobsRig rig;
    ASSERT_TRUE(rig.jobs->update("j1", jb::UpdateOptions{}, rig.now).ok());
    rig.pump();
    rig.grant_last();
    rig.answer("$aws/things/T1/jobs/j1/update/rejected",
               R"({"code":"Invalid\nRequest","message":"line one\nline two\u001b[31m","clientToken":"dev-1","timestamp":5})");
    ASSERT_EQ(rig.events.size(), 1u);
    EXPECT_EQ(rig.events[0].error.message, "jobs update rejected: Invalid?Request line one?line two?[31m");
    EXPECT_EQ(rig.events[0].rejection.message, "line one\nline two\x1b[31m") << "the rejection itself keeps AWS's text";
}

TEST(JobsClient, DescribeNext_TopicAndDefaults) {
    JobsRig rig;
    ASSERT_TRUE(rig.jobs->describe("$next", rig.now).ok());
    rig.pump();
    rig.grant_last();
    EXPECT_EQ(rig.last_of(kPublish)->topic, "$aws/things/T1/jobs/$next/get");
    EXPECT_EQ(rig.last_request(), J(R"({"includeJobDocument":true,"clientToken":"dev-1"})"));
    rig.answer("$aws/things/T1/jobs/$next/get/accepted", R"({"timestamp":5,"clientToken":"dev-1"})");
    ASSERT_EQ(rig.events.size(), 1u);
    EXPECT_EQ(rig.events[0].type, Type::accepted);
    EXPECT_FALSE(rig.events[0].answer.execution.has_value());
}

TEST(JobsClient, ManyJobs_PerJobSubscriptionsBounded_OldestIdleUnsubscribed) {
    jb::JobsConfig config;
    config.max_job_subscriptions = 2;
    JobsRig rig(config);
    for (const char* job : {"j1", "j2"}) {
        ASSERT_TRUE(rig.jobs->update(job, jb::UpdateOptions{}, rig.now).ok());
        rig.pump();
        rig.grant_last();
        const std::string token = rig.last_request()["clientToken"].get<std::string>();
        rig.answer(std::string("$aws/things/T1/jobs/") + job + "/update/accepted", R"({"timestamp":1,"clientToken":")" + token + "\"}");
    }
    EXPECT_EQ(rig.count_of(kUnsubscribe), 0u);
    ASSERT_TRUE(rig.jobs->update("j3", jb::UpdateOptions{}, rig.now).ok());
    rig.pump();
    const SentPacket* unsub = rig.last_of(kUnsubscribe);
    ASSERT_NE(unsub, nullptr) << "j1's topics are released";
    ASSERT_EQ(rig.count_of(kUnsubscribe), 1u);
    EXPECT_EQ(rig.jobs->subscribed_jobs(),
              (std::vector<std::string>{"$aws/things/T1/jobs/j2/update", "$aws/things/T1/jobs/j3/update"}));
    rig.feed({0xB0, 0x02, static_cast<std::uint8_t>(unsub->packet_id >> 8), static_cast<std::uint8_t>(unsub->packet_id & 0xff)});
    EXPECT_TRUE(rig.app_events.empty()) << "the UNSUBACK is the jobs client's";

    // A job whose request still waits keeps its topics, whatever its age.
    ASSERT_TRUE(rig.jobs->update("j4", jb::UpdateOptions{}, rig.now).ok());
    rig.pump();
    EXPECT_EQ(rig.jobs->subscribed_jobs().size(), 2u);
    EXPECT_EQ(rig.jobs->subscribed_jobs().back(), "$aws/things/T1/jobs/j4/update");
}

TEST(JobsClient, ManyJobsPendingAtOnce_ReleasedToTheBoundOnceIdle) {
    jb::JobsConfig config;
    config.max_job_subscriptions = 2;
    JobsRig rig(config);
    std::vector<std::string> tokens;
    for (const char* job : {"j1", "j2", "j3"}) {
        ASSERT_TRUE(rig.jobs->update(job, jb::UpdateOptions{}, rig.now).ok());
        rig.pump();
        rig.grant_last();
        tokens.push_back(rig.last_request()["clientToken"].get<std::string>());
    }
    EXPECT_EQ(rig.jobs->subscribed_jobs().size(), 3u) << "every job has a request waiting: none can go";
    int n = 0;
    for (const char* job : {"j1", "j2", "j3"})
        rig.answer(std::string("$aws/things/T1/jobs/") + job + "/update/accepted", R"({"timestamp":1,"clientToken":")" + tokens[n++] + "\"}");
    EXPECT_EQ(rig.jobs->subscribed_jobs(),
              (std::vector<std::string>{"$aws/things/T1/jobs/j2/update", "$aws/things/T1/jobs/j3/update"}))
        << "found by iotlite_fuzz_jobs (tests/fuzz/findings/jobs_idle_job_subscriptions_linger)";
    EXPECT_EQ(rig.count_of(kUnsubscribe), 1u);
}

TEST(JobsClient, Watch_NotifyNextAndNotify_EventsCarryTheAnswer) {
    JobsRig rig;
    ASSERT_TRUE(rig.jobs->watch(jb::Stream::notify_next, rig.now).ok());
    rig.pump();
    EXPECT_EQ(rig.last_of(kSubscribe)->filters, (std::vector<std::string>{"$aws/things/T1/jobs/notify-next"}));
    rig.grant_last();
    ASSERT_EQ(rig.events.size(), 1u);
    EXPECT_EQ(rig.events[0].type, Type::stream_ready);
    EXPECT_EQ(rig.events[0].stream, jb::Stream::notify_next);
    rig.answer("$aws/things/T1/jobs/notify-next", R"({"timestamp":1,"execution":{"jobId":"j9","status":"QUEUED","jobDocument":{"a":1}}})");
    ASSERT_EQ(rig.events.size(), 2u);
    EXPECT_EQ(rig.events[1].type, Type::notify_next);
    EXPECT_EQ(rig.events[1].answer.execution->job_id, "j9");

    ASSERT_TRUE(rig.jobs->watch(jb::Stream::notify, rig.now).ok());
    rig.pump();
    rig.grant_last();
    rig.answer("$aws/things/T1/jobs/notify", R"({"timestamp":1,"jobs":{"QUEUED":[{"jobId":"j9","versionNumber":1,"executionNumber":1}]}})");
    ASSERT_EQ(rig.events.back().type, Type::notify);
    EXPECT_EQ(rig.events.back().answer.queued.at(0).job_id, "j9");

    rig.answer("$aws/things/T1/jobs/notify", R"({"jobs":{"QUEUED":"oops"}})");
    EXPECT_EQ(rig.events.back().type, Type::error);
    EXPECT_EQ(rig.events.back().error.code, Errc::protocol_error);
}

TEST(JobsClient, AnotherThingsAnswer_NotConsumed) {
    JobsRig rig;
    ASSERT_TRUE(rig.jobs->get_pending(rig.now).ok());
    rig.pump();
    rig.grant_last();
    rig.answer("$aws/things/T2/jobs/get/accepted", R"({"timestamp":1,"clientToken":"dev-1"})");
    EXPECT_TRUE(rig.events.empty());
    ASSERT_EQ(rig.app_events.size(), 1u) << "not ours: the application sees it";
    EXPECT_EQ(rig.jobs->in_flight(), 1u);
}

TEST(JobsClient, NoAnswer_FailsOnceWithTimeoutNamingTheRequest) {
    jb::JobsConfig config;
    config.request_timeout_ms = 2000;
    JobsRig rig(config);
    ASSERT_TRUE(rig.jobs->update("j1", jb::UpdateOptions{}, rig.now).ok());
    rig.pump();
    rig.grant_last();
    rig.advance(2000);
    ASSERT_EQ(rig.events.size(), 1u);
    EXPECT_EQ(rig.events[0].type, Type::failed);
    EXPECT_EQ(rig.events[0].job_id, "j1");
    EXPECT_EQ(rig.events[0].error.message, "no response to jobs update (clientToken 'dev-1') within 2000 ms");
    rig.answer("$aws/things/T1/jobs/j1/update/accepted", R"({"timestamp":1,"clientToken":"dev-1"})");
    EXPECT_EQ(rig.events.size(), 1u) << "a late answer does not complete it twice";
}

TEST(JobsClient, Create_BadConfig_NamesTheRule) {
    auto mqtt = iotlite::mqtt::Client::create([] {
        iotlite::mqtt::Config c;
        c.client_id = "dev";
        return c;
    }());
    ASSERT_TRUE(mqtt.ok());
    jb::JobsConfig no_thing;
    EXPECT_EQ(jb::JobsClient::create(*mqtt.value(), no_thing).error().code, Errc::invalid_argument);
    jb::JobsConfig bad_thing;
    bad_thing.thing_name = "a/b";
    EXPECT_EQ(jb::JobsClient::create(*mqtt.value(), bad_thing).error().code, Errc::invalid_argument);
    jb::JobsConfig many_subs;
    many_subs.thing_name = "T1";
    many_subs.max_job_subscriptions = 9;
    EXPECT_EQ(jb::JobsClient::create(*mqtt.value(), many_subs).error().code, Errc::invalid_argument);
}

}  // namespace
