#include "aws_profile.hpp"

#include <sys/stat.h>

#include <cerrno>
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

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string at_line(std::string_view source, std::size_t line_no) {
    return std::string(source) + ": line " + std::to_string(line_no);
}

// Which map a section's keys go to (null: a section iotlite does not read, skipped).
AwsProfileSettings* section_for(std::string_view name, AwsFileKind kind, AwsSharedConfig& into) {
    std::string_view prefix_less = name;
    const bool has_profile_prefix = name.substr(0, 8) == "profile " || name.substr(0, 8) == "profile\t";
    if (has_profile_prefix) prefix_less = trim(name.substr(8));
    if (kind == AwsFileKind::credentials) return &into.profiles[std::string(prefix_less)];
    if (name == "default" || has_profile_prefix) return &into.profiles[std::string(prefix_less)];
    if (name.substr(0, 9) == "services " || name.substr(0, 9) == "services\t") {
        return &into.services[std::string(trim(name.substr(9)))];
    }
    return nullptr;  // "[name]" without "profile ", "[sso-session x]": not a profile in the config file
}

// False only when nothing is at `path` (ENOENT or a missing directory on the way).
bool path_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 || (errno != ENOENT && errno != ENOTDIR);
}

}  // namespace

std::string shown_name(std::string_view s) {
    return std::string(s.substr(0, 64)) + (s.size() > 64 ? "..." : "");
}

Result<void> parse_aws_file(std::string_view text, AwsFileKind kind, std::string_view source, AwsSharedConfig& into) {
    AwsProfileSettings* section = nullptr;
    std::size_t sections = 0;
    std::string parent_key;  // the key an indented line continues ("" when none)
    std::size_t line_no = 0;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        const std::string_view raw = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++line_no;
        const std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        const bool indented = is_space(raw.front());
        if (line.front() == '[') {
            if (line.back() != ']') return make_error(Errc::invalid_argument, at_line(source, line_no) + " starts a section without a closing ']'");
            if (++sections > kMaxAwsSections) {
                return make_error(Errc::limit_exceeded, std::string(source) + ": more than " +
                                                            std::to_string(kMaxAwsSections) + " sections (iotlite's bound)");
            }
            section = section_for(trim(line.substr(1, line.size() - 2)), kind, into);
            parent_key.clear();
            continue;
        }
        const std::size_t eq = line.find('=');
        // An indented line without '=' under a key continues that key's value: not read.
        if (eq == std::string_view::npos && indented && !parent_key.empty()) continue;
        if (eq == std::string_view::npos || trim(line.substr(0, eq)).empty()) {
            // The line itself is not shown: it could hold a secret.
            return make_error(Errc::invalid_argument, at_line(source, line_no) + " is neither '[profile]' nor 'key = value'");
        }
        std::string key = lowercase(trim(line.substr(0, eq)));
        const std::string_view value = trim(line.substr(eq + 1));
        if (indented && !parent_key.empty()) {
            key = parent_key + "." + key;  // a nested setting of the key above
        } else {
            // A key with an empty value may open nested settings on the lines below.
            parent_key = key;
        }
        if (section == nullptr) continue;
        section->values[key] = std::string(value);
        section->sources[key] = std::string(source);
        section->kinds[key] = kind;
    }
    return {};
}

namespace {

// The variable `overriding_variable` when set, else $HOME/`in_home` ("" when HOME is unset).
std::string aws_file_path(const char* overriding_variable, const char* in_home) {
    const char* overridden = std::getenv(overriding_variable);
    if (overridden != nullptr && *overridden != '\0') return overridden;
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') return std::string();
    return std::string(home) + in_home;
}

}  // namespace

std::string shared_credentials_path() { return aws_file_path("AWS_SHARED_CREDENTIALS_FILE", "/.aws/credentials"); }

std::string shared_config_path() { return aws_file_path("AWS_CONFIG_FILE", "/.aws/config"); }

Result<AwsSharedConfig> load_aws_shared_config(int* found) {
    AwsSharedConfig config;
    int present = 0;
    // The config file first: the credentials file's values win (parse_aws_file).
    const std::pair<std::string, AwsFileKind> files[] = {{shared_config_path(), AwsFileKind::config},
                                                         {shared_credentials_path(), AwsFileKind::credentials}};
    for (const auto& [path, kind] : files) {
        if (path.empty()) continue;
        const char* what = kind == AwsFileKind::config ? "the config file " : "the credentials file ";
        Result<std::string> text = read_bounded_file(path, kAwsConfigFileLimit, what + path);
        if (!text.ok()) {
            // A file that is not there is no error (the AWS CLI works with either file alone).
            if (text.error().code == Errc::io_error && !path_exists(path)) continue;
            return text.error();
        }
        ++present;
        Result<void> parsed = parse_aws_file(text.value(), kind, path, config);
        if (!parsed.ok()) return parsed.error();
    }
    if (found != nullptr) *found = present;
    return config;
}

std::string aws_profile_region(const std::string& profile) {
    Result<AwsSharedConfig> config = load_aws_shared_config();
    if (!config.ok()) return std::string();
    const AwsProfileSettings* p = config.value().profile(profile);
    const std::string* region = p != nullptr ? p->get("region") : nullptr;
    return region != nullptr ? *region : std::string();
}

Result<AwsProfile> parse_aws_profile(std::string_view text, std::string_view profile, std::string_view source) {
    AwsSharedConfig config;
    Result<void> parsed = parse_aws_file(text, AwsFileKind::credentials, source, config);
    if (!parsed.ok()) return parsed.error();
    const AwsProfileSettings* p = config.profile(std::string(profile));
    if (p == nullptr) {
        return make_error(Errc::invalid_argument, "profile '" + shown_name(profile) + "' not found in " + std::string(source));
    }
    AwsProfile out;
    auto value = [p](const char* key) { const std::string* v = p->get(key); return v != nullptr ? *v : std::string(); };
    out.credentials.access_key_id = value("aws_access_key_id");
    out.credentials.secret_access_key = value("aws_secret_access_key");
    out.credentials.session_token = value("aws_session_token");
    if (out.credentials.session_token.empty()) out.credentials.session_token = value("aws_security_token");
    out.region = value("region");
    const char* missing = out.credentials.access_key_id.empty()       ? "aws_access_key_id"
                          : out.credentials.secret_access_key.empty() ? "aws_secret_access_key"
                                                                      : nullptr;
    if (missing != nullptr) {
        return make_error(Errc::invalid_argument, "profile '" + shown_name(profile) + "' in " + std::string(source) +
                                                      " has no " + missing);
    }
    return out;
}

}  // namespace iotlite::cli
