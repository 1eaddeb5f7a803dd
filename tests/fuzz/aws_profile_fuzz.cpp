// libFuzzer target: what the CLI reads for AWS profiles, all of it untrusted text:
//   mode 0  the shared credentials file (programs/cli/aws_profile.cpp, parse_aws_profile)
//   mode 1  the shared config file (parse_aws_file, AwsFileKind::config: [profile x], [services x],
//           nested settings)
//   mode 2  an STS AssumeRole answer with HTTP 200 (programs/cli/sts_response.cpp)
//   mode 3  the same with HTTP 403 (the XML error shape; the markers are passed as secrets to redact)
//   mode 4  a credential_process output (programs/cli/credential_process.cpp,
//           parse_credential_process_output)
//
// Input: byte 0 picks the profile asked for (byte 0 % 6, kProfiles) and the mode
// ((byte 0 / 6) % 5); the rest is the text, in which every "$S" becomes a marker secret key and
// every "$T" a marker session token (so the fuzzer can place secrets anywhere: as values, as
// malformed lines, as section or key names, inside XML elements). Inputs that already hold a
// marker are skipped (libFuzzer can learn it from the checks below).
// Checked properties (a violation traps, so libFuzzer reports it):
//   1. No crash, no UB, no unbounded work (ASan + UBSan, -timeout).
//   2. An error is one line naming the rule and never contains a secret (either marker).
//   3. A profile that parses has a non-empty access key id and secret key, and no value has
//      leading/trailing whitespace or a line break; credentials read from STS or a process have
//      a non-empty key id and secret within their bounds, without a control character.
//   4. Modes 0 and 1: the same text with "\r\n" line ends gives the same outcome (the AWS CLI
//      reads both).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws_profile.hpp"
#include "credential_process.hpp"
#include "sts_response.hpp"

using iotlite::Result;
using iotlite::cli::AwsProfile;
using iotlite::connection::TimedCredentials;

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

void check_message(const std::string& m) {
    check(!m.empty() && m.size() < 512);
    check(m.find('\n') == std::string::npos && m.find('\r') == std::string::npos);
    check(m.find(kSecret) == std::string::npos);
    check(m.find(kToken) == std::string::npos);
}

void check_timed(const Result<TimedCredentials>& r) {
    if (!r.ok()) {
        check_message(r.error().message);
        return;
    }
    const iotlite::sigv4::Credentials& c = r.value().credentials;
    check(!c.access_key_id.empty() && !c.secret_access_key.empty());
    for (const std::string* v : {&c.access_key_id, &c.secret_access_key, &c.session_token}) {
        check(v->size() <= 64 * 1024);
        for (char ch : *v) check(static_cast<unsigned char>(ch) >= 0x20 || ch == '\t' || ch < 0);
    }
}

// Mode 1: the config file; returns a canonical dump of what was read (for the CRLF check).
std::string config_outcome(const std::string& text) {
    iotlite::cli::AwsSharedConfig config;
    const Result<void> r = iotlite::cli::parse_aws_file(text, iotlite::cli::AwsFileKind::config, "fuzz-config", config);
    if (!r.ok()) {
        check_message(r.error().message);
        return "error: " + r.error().message;
    }
    std::string dump;
    for (const auto* sections : {&config.profiles, &config.services}) {
        dump += "|";
        for (const auto& [name, settings] : *sections) {
            check(name.find('\n') == std::string::npos);
            dump += name + "{";
            for (const auto& [key, value] : settings.values) {
                check(!key.empty() && !has_space_edge(value) && value.find('\n') == std::string::npos);
                for (char ch : key) check(ch < 'A' || ch > 'Z');  // keys are stored lowercased
                dump += key + "=" + value + ";";
            }
            dump += "}";
        }
    }
    return dump;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > 64 * 1024) return 0;
    const char* profile = kProfiles[data[0] % (sizeof kProfiles / sizeof kProfiles[0])];
    const unsigned mode = (data[0] / 6u) % 5u;
    const std::string_view raw(reinterpret_cast<const char*>(data + 1), size - 1);
    if (raw.find(kSecret) != std::string_view::npos || raw.find(kToken) != std::string_view::npos) return 0;
    const std::string text = replaced(raw);

    if (mode == 2 || mode == 3) {
        check_timed(iotlite::cli::parse_assume_role_response(mode == 2 ? 200 : 403, text,
                                                             {std::string(kSecret), std::string(kToken)}));
        return 0;
    }
    if (mode == 4) {
        check_timed(iotlite::cli::parse_credential_process_output(text));
        return 0;
    }
    if (mode == 1) {
        std::string crlf;
        crlf.reserve(text.size() * 2);
        for (char c : text) {
            if (c == '\n') crlf += '\r';
            crlf += c;
        }
        check(config_outcome(text) == config_outcome(crlf));
        return 0;
    }

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
