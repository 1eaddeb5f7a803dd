// Loads and runs every case of AWS's two public SigV4 test suites (see
// ../shared/testdata/sigv4/SOURCE.md), stage by stage. Shared by the GoogleTest suite and the
// Node-run wasm runner, so both check exactly the same things.
#pragma once

#include <string>
#include <vector>

namespace iotlite::sigv4::testing {

enum class Suite { aws_c_auth_v4, botocore };
enum class Mode { header, query };

struct SuiteCase {
    Suite suite;
    Mode mode;
    std::string name;  // "get-vanilla", "normalize-path/get-space"
    std::string dir;   // absolute folder of the case
    std::string test_name() const;  // GoogleTest-safe, e.g. "aws_c_auth_v4_header_get_vanilla"
};

struct StageCheck {
    std::string stage;     // "canonical-request", "string-to-sign", "signature", "signed-request", ...
    std::string expected;
    std::string actual;
    bool passed() const { return expected == actual; }
};

// Every case of both suites: aws-c-auth v4 in header and query mode, botocore in header mode.
std::vector<SuiteCase> list_cases(const std::string& sigv4_testdata_dir);

// Runs all stages of one case. A case that cannot be loaded yields a single failing "load" check.
std::vector<StageCheck> run_case(const SuiteCase& c);

// Loose comparison form of a request in the suites' text format: header order, query-parameter
// order and percent-encoding differences ignored (SOURCE.md "Comparing signed requests").
std::string comparable_request(const std::string& request_text);

}  // namespace iotlite::sigv4::testing
