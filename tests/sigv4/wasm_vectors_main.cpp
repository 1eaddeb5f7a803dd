// Runs every SigV4 suite case at every stage in the wasm build (Node, NODERAWFS), printing counts.
// Exit status 0 only when every check of every case passed and all cases were found.
#include <cstdio>

#include "suite_cases.hpp"

using namespace iotlite::sigv4::testing;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: sigv4_wasm_vectors <testdata/sigv4 dir>\n");
        return 2;
    }
    const auto cases = list_cases(argv[1]);
    int case_failures = 0, checks = 0, check_failures = 0, header_a = 0, query_a = 0, botocore = 0;
    for (const auto& c : cases) {
        if (c.suite == Suite::botocore) ++botocore;
        else if (c.mode == Mode::header) ++header_a;
        else ++query_a;
        bool ok = true;
        for (const auto& check : run_case(c)) {
            ++checks;
            if (!check.passed()) {
                ok = false;
                ++check_failures;
                std::printf("FAIL %s stage %s\n  expected: %s\n  actual:   %s\n", c.test_name().c_str(),
                            check.stage.c_str(), check.expected.c_str(), check.actual.c_str());
            }
        }
        if (!ok) ++case_failures;
    }
    std::printf("wasm sigv4 vectors: %zu cases (aws-c-auth v4 header %d, query %d; botocore %d), %d checks, "
                "%d failed checks, %d failed cases\n",
                cases.size(), header_a, query_a, botocore, checks, check_failures, case_failures);
    const bool complete = header_a == 38 && query_a == 38 && botocore == 34;  // SOURCE.md counts
    if (!complete) std::printf("FAIL: expected 38/38/34 cases\n");
    return case_failures == 0 && complete ? 0 : 1;
}
