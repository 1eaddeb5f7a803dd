#include "aws_profile.hpp"

#include <cstdlib>

#include "bounded_file.hpp"

namespace iotlite::cli {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Profile names are not secret, but keep messages one short line.
std::string shown(std::string_view s) { return std::string(s.substr(0, 64)) + (s.size() > 64 ? "..." : ""); }

}  // namespace

std::string shared_credentials_path() {
    const char* overridden = std::getenv("AWS_SHARED_CREDENTIALS_FILE");
    if (overridden != nullptr && *overridden != '\0') return overridden;
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') return std::string();
    return std::string(home) + "/.aws/credentials";
}

Result<AwsProfile> parse_aws_profile(std::string_view text, std::string_view profile, std::string_view source) {
    AwsProfile out;
    bool found = false;
    bool in_profile = false;
    bool after_key = false;  // an indented line right after a key continues it (nested settings)
    std::size_t line_no = 0;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view raw = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++line_no;
        const std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (after_key && is_space(raw.front())) continue;
        after_key = false;
        if (line.front() == '[') {
            if (line.back() != ']') {
                return make_error(Errc::invalid_argument, std::string(source) + ": line " + std::to_string(line_no) +
                                                              " starts a section without a closing ']'");
            }
            std::string_view name = trim(line.substr(1, line.size() - 2));
            if (name.substr(0, 8) == "profile ") name = trim(name.substr(8));
            in_profile = name == profile;
            found = found || in_profile;
            continue;
        }
        const std::size_t eq = line.find('=');
        if (eq == std::string_view::npos || trim(line.substr(0, eq)).empty()) {
            // The line itself is not shown: it could hold a secret.
            return make_error(Errc::invalid_argument, std::string(source) + ": line " + std::to_string(line_no) +
                                                          " is neither '[profile]' nor 'key = value'");
        }
        after_key = true;
        if (!in_profile) continue;
        const std::string_view key = trim(line.substr(0, eq));
        const std::string value(trim(line.substr(eq + 1)));
        if (key == "aws_access_key_id") out.credentials.access_key_id = value;
        else if (key == "aws_secret_access_key") out.credentials.secret_access_key = value;
        else if (key == "aws_session_token" || key == "aws_security_token") out.credentials.session_token = value;
        else if (key == "region") out.region = value;
    }
    if (!found) {
        return make_error(Errc::invalid_argument,
                          "profile '" + shown(profile) + "' not found in " + std::string(source));
    }
    const char* missing = out.credentials.access_key_id.empty()       ? "aws_access_key_id"
                          : out.credentials.secret_access_key.empty() ? "aws_secret_access_key"
                                                                      : nullptr;
    if (missing != nullptr) {
        return make_error(Errc::invalid_argument, "profile '" + shown(profile) + "' in " + std::string(source) +
                                                      " has no " + missing);
    }
    return out;
}

Result<AwsProfile> load_aws_profile(std::string_view profile) {
    const std::string path = shared_credentials_path();
    if (path.empty()) {
        return make_error(Errc::io_error, "no credentials file: HOME and AWS_SHARED_CREDENTIALS_FILE are both unset");
    }
    Result<std::string> text = read_bounded_file(path, kAwsConfigFileLimit, "the credentials file " + path);
    if (!text.ok()) return text.error();
    return parse_aws_profile(text.value(), profile, path);
}

}  // namespace iotlite::cli
