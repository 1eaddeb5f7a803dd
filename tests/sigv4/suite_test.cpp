// Data-driven: every case of AWS's SigV4 test suites (aws-c-auth v4 header + query, botocore
// header), each a named test, every stage checked. No case is skipped.
#include <gtest/gtest.h>

#include <ostream>

#include "suite_cases.hpp"

using iotlite::sigv4::testing::list_cases;
using iotlite::sigv4::testing::Mode;
using iotlite::sigv4::testing::run_case;
using iotlite::sigv4::testing::Suite;
using iotlite::sigv4::testing::SuiteCase;

namespace iotlite::sigv4::testing {
// Readable parameter in GoogleTest output (instead of the struct's bytes).
void PrintTo(const SuiteCase& c, std::ostream* os) { *os << c.test_name(); }
}  // namespace iotlite::sigv4::testing

namespace {

const std::vector<SuiteCase>& all_cases() {
    static const std::vector<SuiteCase> cases = list_cases(IOTLITE_SIGV4_TESTDATA_DIR);
    return cases;
}

class SigV4Suite : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(SigV4Suite, Case_EveryStage_MatchesAwsExpectation) {
    const auto checks = run_case(GetParam());
    ASSERT_FALSE(checks.empty());
    for (const auto& check : checks) {
        EXPECT_EQ(check.expected, check.actual) << "stage: " << check.stage << " (case " << GetParam().dir << ")";
    }
}

INSTANTIATE_TEST_SUITE_P(AwsSuites, SigV4Suite, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<SuiteCase>& info) { return info.param.test_name(); });

// Guards against silently losing cases (a moved folder, a failed directory listing): SOURCE.md
// says aws-c-auth v4 has 38 cases, each in both modes, and botocore has 34.
TEST(SigV4SuiteInventory, CaseCount_MatchesSourceMd_AllCasesPresent) {
    int header_a = 0, query_a = 0, botocore = 0;
    for (const auto& c : all_cases()) {
        if (c.suite == Suite::botocore) ++botocore;
        else if (c.mode == Mode::header) ++header_a;
        else ++query_a;
    }
    EXPECT_EQ(header_a, 38);
    EXPECT_EQ(query_a, 38);
    EXPECT_EQ(botocore, 34);
}

}  // namespace
