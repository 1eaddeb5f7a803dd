// libFuzzer target: the AWS shared credentials / config file parser of the CLI
// (programs/cli/aws_profile.cpp, parse_aws_profile).
//
// Input: byte 0 picks the profile asked for (kProfiles); the rest is the file's text, in which
// every "$S" becomes a marker secret key and every "$T" a marker session token (so the fuzzer
// can place secrets anywhere: as values, as malformed lines, as section or key names). Inputs
// that already hold a marker are skipped (libFuzzer can learn it from the checks below).
// Checked properties (a violation traps, so libFuzzer reports it):
//   1. No crash, no UB, no unbounded work (ASan + UBSan, -timeout).
//   2. An error is one line naming the rule and never contains a secret (either marker).
//   3. A profile that parses has a non-empty access key id and secret key, and no value has
//      leading/trailing whitespace or a line break.
//   4. The same text with "\r\n" line ends gives the same outcome (the AWS CLI reads both).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws_profile.hpp"

using iotlite::Result;
using iotlite::cli::AwsProfile;

namespace {

void check(bool condition) {
    if (!condition) __builtin_trap();
}

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFUZZSECRETKEY";
constexpr std::string_view kToken = "IQoJb3JpZ2luX2VjEFUZZSESSIONTOKEN/+=";
constexpr const char* kProfiles[] = {"default", "dev", "a", "profile x", "x y", ""};

bool has_space_edge(const std::string& v) {
    if (v.empty()) return false;
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; };
    return space(v.front()) || space(v.back());
}

std::string replaced(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '$' && i + 1 < text.size() && (text[i + 1] == 'S' || text[i + 1] == 'T')) {
            out += text[i + 1] == 'S' ? kSecret : kToken;
            ++i;
        } else {
            out += text[i];
        }
    }
    return out;
}

void check_outcome(const Result<AwsProfile>& r) {
    if (!r.ok()) {
        const std::string& m = r.error().message;
        check(!m.empty() && m.size() < 512);
        check(m.find('\n') == std::string::npos && m.find('\r') == std::string::npos);
        check(m.find(kSecret) == std::string::npos);
        check(m.find(kToken) == std::string::npos);
        return;
    }
    const AwsProfile& p = r.value();
    check(!p.credentials.access_key_id.empty());
    check(!p.credentials.secret_access_key.empty());
    for (const std::string* v : {&p.credentials.access_key_id, &p.credentials.secret_access_key,
                                 &p.credentials.session_token, &p.region}) {
        check(!has_space_edge(*v));
        check(v->find('\n') == std::string::npos);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > 64 * 1024) return 0;
    const char* profile = kProfiles[data[0] % (sizeof kProfiles / sizeof kProfiles[0])];
    const std::string_view raw(reinterpret_cast<const char*>(data + 1), size - 1);
    if (raw.find(kSecret) != std::string_view::npos || raw.find(kToken) != std::string_view::npos) return 0;
    const std::string text = replaced(raw);

    const Result<AwsProfile> r = iotlite::cli::parse_aws_profile(text, profile, "fuzz-credentials");
    check_outcome(r);

    // "\r\n" line ends: the same outcome (and the same values).
    std::string crlf;
    crlf.reserve(text.size() * 2);
    for (char c : text) {
        if (c == '\n') crlf += '\r';
        crlf += c;
    }
    const Result<AwsProfile> r2 = iotlite::cli::parse_aws_profile(crlf, profile, "fuzz-credentials");
    check_outcome(r2);
    check(r.ok() == r2.ok());
    if (r.ok()) {
        check(r.value().credentials.access_key_id == r2.value().credentials.access_key_id);
        check(r.value().credentials.secret_access_key == r2.value().credentials.secret_access_key);
        check(r.value().credentials.session_token == r2.value().credentials.session_token);
        check(r.value().region == r2.value().region);
    } else {
        check(r.error().message == r2.error().message);
    }
    return 0;
}
