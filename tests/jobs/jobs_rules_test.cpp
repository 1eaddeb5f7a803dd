// The Jobs device API's names, limits and documents (core/src/services/jobs/jobs.cpp). Expected
// values are AWS's: the topics and payload shapes of the developer guide's "Jobs device MQTT API
// operations" page, the limits of the API reference (JobExecution, JobExecutionState).
#include <gtest/gtest.h>

#include <string>

#include "iotlite/services/jobs/jobs.hpp"

namespace {

namespace jb = iotlite::jobs;
using iotlite::Errc;
using jb::Operation;

jb::Json J(const std::string& text) {
    auto value = iotlite::json::parse(text, 64);
    EXPECT_TRUE(value.ok()) << text;
    return value.ok() ? std::move(value.value()) : jb::Json();
}

TEST(JobsRules, Topics_EveryOperationAndStream_AwsReservedTopics) {
    EXPECT_EQ(jb::request_topic("T1", Operation::get_pending, ""), "$aws/things/T1/jobs/get");
    EXPECT_EQ(jb::request_topic("T1", Operation::start_next, ""), "$aws/things/T1/jobs/start-next");
    EXPECT_EQ(jb::request_topic("T1", Operation::describe, "job-7"), "$aws/things/T1/jobs/job-7/get");
    EXPECT_EQ(jb::request_topic("T1", Operation::describe, "$next"), "$aws/things/T1/jobs/$next/get");
    EXPECT_EQ(jb::request_topic("T1", Operation::update, "job-7"), "$aws/things/T1/jobs/job-7/update");
    EXPECT_EQ(jb::stream_topic("T1", jb::Stream::notify), "$aws/things/T1/jobs/notify");
    EXPECT_EQ(jb::stream_topic("T1", jb::Stream::notify_next), "$aws/things/T1/jobs/notify-next");
}

TEST(JobsRules, ParseTopic_ResponsesAndStreams_OperationJobAndKind) {
    jb::ParsedTopic t;
    ASSERT_TRUE(jb::parse_jobs_topic("$aws/things/T1/jobs/get/accepted", t));
    EXPECT_EQ(t.thing, "T1");
    EXPECT_EQ(t.op, Operation::get_pending);
    EXPECT_EQ(t.kind, jb::ParsedTopic::Kind::accepted);
    ASSERT_TRUE(jb::parse_jobs_topic("$aws/things/T1/jobs/start-next/rejected", t));
    EXPECT_EQ(t.op, Operation::start_next);
    EXPECT_EQ(t.kind, jb::ParsedTopic::Kind::rejected);
    ASSERT_TRUE(jb::parse_jobs_topic("$aws/things/T1/jobs/job-7/update/accepted", t));
    EXPECT_EQ(t.op, Operation::update);
    EXPECT_EQ(t.job_id, "job-7");
    ASSERT_TRUE(jb::parse_jobs_topic("$aws/things/T1/jobs/$next/get/rejected", t));
    EXPECT_EQ(t.op, Operation::describe);
    EXPECT_EQ(t.job_id, "$next");
    ASSERT_TRUE(jb::parse_jobs_topic("$aws/things/T1/jobs/notify-next", t));
    EXPECT_EQ(t.kind, jb::ParsedTopic::Kind::notify_next);
    ASSERT_TRUE(jb::parse_jobs_topic("$aws/things/T1/jobs/notify", t));
    EXPECT_EQ(t.kind, jb::ParsedTopic::Kind::notify);

    EXPECT_FALSE(jb::parse_jobs_topic("$aws/things/T1/jobs/get", t)) << "a request, not an answer";
    EXPECT_FALSE(jb::parse_jobs_topic("$aws/things/T1/shadow/get/accepted", t));
    EXPECT_FALSE(jb::parse_jobs_topic("$aws/things/T1/jobs/job-7/delete/accepted", t));
    EXPECT_FALSE(jb::parse_jobs_topic("$aws/things/T1/jobs/a/b/update/accepted", t));
    EXPECT_FALSE(jb::parse_jobs_topic("$aws/things//jobs/get/accepted", t));
}

TEST(JobsRules, JobId_PatternLengthAndNext) {
    EXPECT_TRUE(jb::validate_job_id("Job_1-a", false).ok());
    EXPECT_TRUE(jb::validate_job_id(std::string(64, 'j'), false).ok());
    auto too_long = jb::validate_job_id(std::string(65, 'j'), false);
    ASSERT_FALSE(too_long.ok());
    EXPECT_EQ(too_long.error().code, Errc::limit_exceeded);
    EXPECT_STREQ(too_long.error().rule, "jobs.job_id");
    EXPECT_EQ(too_long.error().actual, 65u);
    EXPECT_FALSE(jb::validate_job_id("", false).ok());
    EXPECT_FALSE(jb::validate_job_id("a/b", false).ok()) << "a '/' would change the topic";
    EXPECT_FALSE(jb::validate_job_id("a+b", false).ok());
    EXPECT_FALSE(jb::validate_job_id("$next", false).ok()) << "update needs a real job id";
    EXPECT_TRUE(jb::validate_job_id("$next", true).ok());
}

TEST(JobsRules, StatusDetails_CountKeysAndValues) {
    jb::StatusDetails ten;
    for (int i = 0; i < 10; ++i) ten.emplace_back("k" + std::to_string(i), "v");
    EXPECT_TRUE(jb::validate_status_details(ten).ok());
    jb::StatusDetails eleven = ten;
    eleven.emplace_back("k10", "v");
    auto count = jb::validate_status_details(eleven);
    ASSERT_FALSE(count.ok());
    EXPECT_EQ(count.error().code, Errc::limit_exceeded);
    EXPECT_STREQ(count.error().rule, "jobs.status_details");
    EXPECT_EQ(count.error().message, "statusDetails has 11 pairs; AWS allows 10");

    EXPECT_TRUE(jb::validate_status_details({{std::string(128, 'k'), "v"}}).ok());
    EXPECT_FALSE(jb::validate_status_details({{std::string(129, 'k'), "v"}}).ok());
    EXPECT_FALSE(jb::validate_status_details({{"bad key", "v"}}).ok());
    EXPECT_TRUE(jb::validate_status_details({{"step:1", "v"}}).ok()) << "':' is allowed in keys";
    auto twice = jb::validate_status_details({{"k", "a"}, {"j", "b"}, {"k", "c"}});
    ASSERT_FALSE(twice.ok()) << "a JSON object holds each name once";
    EXPECT_EQ(twice.error().code, Errc::invalid_argument);
    EXPECT_EQ(twice.error().message, "statusDetails key 'k' is given twice; a JSON object holds a name once");

    EXPECT_FALSE(jb::validate_status_details({{"k", ""}}).ok());
    EXPECT_FALSE(jb::validate_status_details({{"k", "line\nbreak"}}).ok()) << "C0 control";
    EXPECT_FALSE(jb::validate_status_details({{"k", "a\xc2\x85"}}).ok()) << "C1 control U+0085";
    EXPECT_FALSE(jb::validate_status_details({{"k", "\xff"}}).ok()) << "not UTF-8";
    std::string euros;
    for (int i = 0; i < 1024; ++i) euros += "\xe2\x82\xac";  // 1,024 characters, 3,072 bytes
    EXPECT_TRUE(jb::validate_status_details({{"k", euros}}).ok()) << "the bound is in characters";
    auto long_value = jb::validate_status_details({{"k", euros + "x"}});
    ASSERT_FALSE(long_value.ok());
    EXPECT_EQ(long_value.error().actual, 1025u);
}

TEST(JobsRules, Status_NamesTerminalAndWhatADeviceMaySet) {
    jb::JobStatus s;
    for (const char* name : {"QUEUED", "IN_PROGRESS", "SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED", "REMOVED", "CANCELED"}) {
        ASSERT_TRUE(jb::parse_job_status(name, s)) << name;
        EXPECT_STREQ(jb::job_status_name(s), name);
    }
    EXPECT_FALSE(jb::parse_job_status("SUCCESS", s)) << "the API reference's prose says SUCCESS; the value is SUCCEEDED";
    EXPECT_FALSE(jb::is_terminal(jb::JobStatus::queued));
    EXPECT_FALSE(jb::is_terminal(jb::JobStatus::in_progress));
    EXPECT_TRUE(jb::is_terminal(jb::JobStatus::canceled));
    EXPECT_TRUE(jb::is_terminal(jb::JobStatus::timed_out));
    EXPECT_TRUE(jb::device_may_set(jb::JobStatus::succeeded));
    EXPECT_TRUE(jb::device_may_set(jb::JobStatus::rejected));
    EXPECT_FALSE(jb::device_may_set(jb::JobStatus::queued));
    EXPECT_FALSE(jb::device_may_set(jb::JobStatus::canceled));
    EXPECT_FALSE(jb::device_may_set(jb::JobStatus::timed_out));
}

// The payload shapes of the developer guide's examples.
TEST(JobsRules, ParseAnswer_GetPendingStartNextUpdate_AwsShapes) {
    auto pending = jb::parse_answer(Operation::get_pending, J(R"({
        "inProgressJobs": [{"jobId":"j1","queuedAt":1489096123309,"startedAt":1489096200000,"lastUpdatedAt":1489096300000,"versionNumber":2,"executionNumber":1}],
        "queuedJobs": [{"jobId":"j2","queuedAt":1489096123310,"lastUpdatedAt":1489096123310,"versionNumber":1,"executionNumber":1}],
        "timestamp": 1489096425069, "clientToken": "client-001"})"));
    ASSERT_TRUE(pending.ok()) << pending.error().message;
    EXPECT_EQ(pending.value().client_token, "client-001");
    EXPECT_EQ(pending.value().timestamp, 1489096425069);
    ASSERT_EQ(pending.value().in_progress.size(), 1u);
    EXPECT_EQ(pending.value().in_progress[0].job_id, "j1");
    EXPECT_EQ(pending.value().in_progress[0].version_number, 2);
    ASSERT_EQ(pending.value().queued.size(), 1u);
    EXPECT_EQ(pending.value().queued[0].job_id, "j2");

    auto next = jb::parse_answer(Operation::start_next, J(R"({
        "execution": {"jobId":"j2","thingName":"T1","jobDocument":{"operation":"reboot","delay":5},
                      "status":"IN_PROGRESS","statusDetails":{"step":"download"},"queuedAt":1,"startedAt":2,
                      "lastUpdatedAt":3,"versionNumber":2,"executionNumber":1},
        "timestamp": 1489096425069, "clientToken": "t"})"));
    ASSERT_TRUE(next.ok()) << next.error().message;
    ASSERT_TRUE(next.value().execution.has_value());
    const jb::JobExecution& e = *next.value().execution;
    EXPECT_EQ(e.job_id, "j2");
    EXPECT_EQ(e.thing_name, "T1");
    EXPECT_EQ(e.status, jb::JobStatus::in_progress);
    EXPECT_EQ(e.status_details, (jb::StatusDetails{{"step", "download"}}));
    EXPECT_EQ(e.job_document, J(R"({"operation":"reboot","delay":5})"));
    EXPECT_EQ(e.version_number, 2);

    auto none = jb::parse_answer(Operation::start_next, J(R"({"timestamp":1,"clientToken":"t"})"));
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none.value().execution.has_value()) << "no pending job: no execution";

    auto updated = jb::parse_answer(Operation::update, J(R"({
        "executionState": {"status":"SUCCEEDED","statusDetails":{"exit":"0"},"versionNumber":3},
        "jobDocument": "{\"operation\":\"reboot\"}", "timestamp":1, "clientToken":"t"})"));
    ASSERT_TRUE(updated.ok()) << updated.error().message;
    EXPECT_TRUE(updated.value().execution_state.present);
    EXPECT_EQ(updated.value().execution_state.status, jb::JobStatus::succeeded);
    EXPECT_EQ(updated.value().execution_state.version_number, 3);
    EXPECT_EQ(updated.value().job_document, J(R"({"operation":"reboot"})")) << "a document sent as a JSON string is read as JSON";
}

TEST(JobsRules, ParseRejection_ErrorResponse_CodeMessageAndState) {
    auto r = jb::parse_rejection(J(R"({"code":"VersionMismatch","message":"expected 1, was 3","clientToken":"t",
        "timestamp":1,"executionState":{"status":"IN_PROGRESS","versionNumber":3}})"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().code, "VersionMismatch");
    EXPECT_EQ(r.value().message, "expected 1, was 3");
    EXPECT_EQ(r.value().client_token, "t");
    EXPECT_TRUE(r.value().execution_state.present);
    EXPECT_EQ(r.value().execution_state.version_number, 3);
    EXPECT_FALSE(jb::parse_rejection(J(R"({"message":"no code"})")).ok());
}

TEST(JobsRules, ParseAnswer_WrongTypes_ProtocolErrorNamingTheField) {
    auto bad_status = jb::parse_answer(Operation::start_next, J(R"({"execution":{"jobId":"j","status":"DONE"}})"));
    ASSERT_FALSE(bad_status.ok());
    EXPECT_EQ(bad_status.error().code, Errc::protocol_error);
    EXPECT_NE(bad_status.error().message.find("\"status\""), std::string::npos) << bad_status.error().message;
    auto bad_list = jb::parse_answer(Operation::get_pending, J(R"({"queuedJobs":{"jobId":"j"}})"));
    ASSERT_FALSE(bad_list.ok());
    EXPECT_NE(bad_list.error().message.find("\"queuedJobs\" is not an array"), std::string::npos) << bad_list.error().message;
    auto bad_version = jb::parse_answer(Operation::update, J(R"({"executionState":{"status":"FAILED","versionNumber":"3"}})"));
    ASSERT_FALSE(bad_version.ok());
    EXPECT_NE(bad_version.error().message.find("\"versionNumber\""), std::string::npos);
    EXPECT_FALSE(jb::parse_answer(Operation::get_pending, J("[1]")).ok());
    EXPECT_FALSE(jb::parse_notify(J(R"({"jobs":[1]})"), false).ok());
}

TEST(JobsRules, ParseAnswer_IntegerBeyondInt64_RefusedNotWrapped) {
    auto big = jb::parse_answer(Operation::update, J(R"({"executionState":{"status":"FAILED","versionNumber":18446744073709551615}})"));
    ASSERT_FALSE(big.ok()) << "found by iotlite_fuzz_jobs (tests/fuzz/findings/jobs_integer_beyond_int64)";
    EXPECT_EQ(big.error().code, Errc::protocol_error);
    EXPECT_NE(big.error().message.find("\"versionNumber\" is beyond the range of a 64-bit integer"), std::string::npos) << big.error().message;
    auto max = jb::parse_answer(Operation::update, J(R"({"executionState":{"status":"FAILED","versionNumber":9223372036854775807}})"));
    ASSERT_TRUE(max.ok());
    EXPECT_EQ(max.value().execution_state.version_number, INT64_MAX);
}

TEST(JobsRules, ParseNotify_ListsAndNextExecution) {
    auto notify = jb::parse_notify(J(R"({"timestamp":1,"jobs":{"QUEUED":[{"jobId":"a","queuedAt":1,"versionNumber":1,"executionNumber":1}],
        "IN_PROGRESS":[{"jobId":"b","versionNumber":2,"executionNumber":1}]}})"), false);
    ASSERT_TRUE(notify.ok()) << notify.error().message;
    ASSERT_EQ(notify.value().queued.size(), 1u);
    EXPECT_EQ(notify.value().queued[0].job_id, "a");
    ASSERT_EQ(notify.value().in_progress.size(), 1u);
    EXPECT_EQ(notify.value().in_progress[0].job_id, "b");
    auto next = jb::parse_notify(J(R"({"timestamp":1,"execution":{"jobId":"a","status":"QUEUED","jobDocument":{"x":1}}})"), true);
    ASSERT_TRUE(next.ok()) << next.error().message;
    ASSERT_TRUE(next.value().execution.has_value());
    EXPECT_EQ(next.value().execution->status, jb::JobStatus::queued);
    auto empty = jb::parse_notify(J(R"({"timestamp":1})"), true);
    ASSERT_TRUE(empty.ok());
    EXPECT_FALSE(empty.value().execution.has_value()) << "nothing pending any more";
}

}  // namespace
