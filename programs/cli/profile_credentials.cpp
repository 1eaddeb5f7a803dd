#include "profile_credentials.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "bounded_file.hpp"
#include "credential_process.hpp"

namespace iotlite::cli {

namespace {

Error bad(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

std::string named(const std::string& profile) { return "profile '" + shown_name(profile) + "'"; }

bool is_true(const std::string* v) {
    if (v == nullptr) return false;
    std::string s = *v;
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s == "true";
}

// The first key of `p` iotlite refuses, with what it is; nullptr when none.
const char* unsupported_key(const AwsProfileSettings& p, std::string& key) {
    for (const auto& kv : p.values) {
        if (kv.first.compare(0, 4, "sso_") == 0) {
            key = kv.first;
            return "IAM Identity Center (SSO)";
        }
        if (kv.first == "web_identity_token_file" || kv.first == "credential_source" || kv.first == "mfa_serial") {
            key = kv.first;
            return kv.first == "web_identity_token_file" ? "AssumeRoleWithWebIdentity"
                   : kv.first == "credential_source"     ? "a role's credentials from the EC2/ECS/environment metadata"
                                                         : "MFA for AssumeRole";
        }
    }
    return nullptr;
}

struct Resolver {
    const AwsSharedConfig& config;
    const std::string& files;
    const ProfileSources& sources;
    const AwsProfileSettings* active = nullptr;  // the profile asked for (region, endpoints, CA)

    Result<connection::TimedCredentials> static_keys(const std::string& name, const AwsProfileSettings& p) {
        connection::TimedCredentials out;
        const std::string* id = p.get("aws_access_key_id");
        const std::string* secret = p.get("aws_secret_access_key");
        auto where = [&](const char* key) {
            auto it = p.sources.find(key);
            return it != p.sources.end() ? it->second : files;
        };
        if (id == nullptr || id->empty()) return bad(named(name) + " in " + where("aws_secret_access_key") + " has no aws_access_key_id");
        if (secret == nullptr || secret->empty()) return bad(named(name) + " in " + where("aws_access_key_id") + " has no aws_secret_access_key");
        out.credentials.access_key_id = *id;
        out.credentials.secret_access_key = *secret;
        if (const std::string* token = p.get("aws_session_token")) out.credentials.session_token = *token;
        else if (const std::string* legacy = p.get("aws_security_token")) out.credentials.session_token = *legacy;
        return out;
    }

    const std::string* active_value(const char* key) const { return active != nullptr ? active->get(key) : nullptr; }

    std::string sts_region() const {
        std::string r = sources.env("AWS_REGION");
        if (r.empty()) r = sources.env("AWS_DEFAULT_REGION");
        if (r.empty() && active_value("region") != nullptr) r = *active_value("region");
        return r;
    }

    Result<StsEndpoint> sts_endpoint() const {
        const std::string region = sts_region();
        if (is_true(active_value("ignore_configured_endpoint_urls"))) return default_sts_endpoint(region);
        std::string ignore = sources.env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
        for (char& c : ignore)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (ignore == "true") return default_sts_endpoint(region);
        struct Candidate {
            std::string value;
            std::string origin;
        };
        std::vector<Candidate> candidates;
        candidates.push_back({sources.env("AWS_ENDPOINT_URL_STS"), "AWS_ENDPOINT_URL_STS"});
        candidates.push_back({sources.env("AWS_ENDPOINT_URL"), "AWS_ENDPOINT_URL"});
        if (const std::string* services = active_value("services")) {
            auto it = config.services.find(*services);
            if (it == config.services.end()) {
                return bad("services = " + shown_name(*services) + ": no [services " + shown_name(*services) + "] section in " + files);
            }
            if (const std::string* url = it->second.get("sts.endpoint_url")) {
                candidates.push_back({*url, "[services " + shown_name(*services) + "] sts.endpoint_url"});
            }
        }
        if (const std::string* url = active_value("endpoint_url")) candidates.push_back({*url, "endpoint_url"});
        for (const Candidate& c : candidates) {
            if (c.value.empty()) continue;
            Result<StsEndpoint> e = sts_endpoint_from_url(c.value, region);
            if (!e.ok()) return bad(c.origin + ": " + e.error().message);
            return e;
        }
        return default_sts_endpoint(region);
    }

    Result<std::string> sts_ca() const {
        std::string path = sources.env("AWS_CA_BUNDLE");
        std::string label = "AWS_CA_BUNDLE " + path;
        if (path.empty() && active_value("ca_bundle") != nullptr) {
            path = *active_value("ca_bundle");
            label = "ca_bundle " + path;
        }
        if (path.empty()) {
            path = kDefaultStsCaPath;
            label = "the CA for STS (no AWS_CA_BUNDLE, no ca_bundle) " + path;
        }
        return sources.read_pem(path, label);
    }

    Result<connection::TimedCredentials> assume(const std::string& name, const AwsProfileSettings& p,
                                                std::vector<std::string>& chain) {
        const std::string* source = p.get("source_profile");
        if (source == nullptr || source->empty()) {
            return bad(named(name) + " has role_arn but no source_profile (credential_source is not supported)");
        }
        Result<connection::TimedCredentials> source_credentials = connection::TimedCredentials{};
        if (*source == name) {
            // A profile that is its own source uses its own static keys (as the AWS CLI does).
            source_credentials = static_keys(name, p);
        } else {
            if (std::find(chain.begin(), chain.end(), *source) != chain.end()) {
                return bad(named(name) + ": source_profile '" + shown_name(*source) +
                           "' loops back to a profile already in the chain");
            }
            source_credentials = resolve(*source, chain);
        }
        if (!source_credentials.ok()) return source_credentials.error();

        AssumeRoleParams params;
        params.role_arn = *p.get("role_arn");
        if (const std::string* s = p.get("role_session_name")) params.session_name = *s;
        else params.session_name = "iotlite-session-" + std::to_string(sources.now_s());
        if (const std::string* x = p.get("external_id")) params.external_id = *x;
        if (const std::string* d = p.get("duration_seconds")) {
            std::uint64_t v = 0;
            bool digits = !d->empty() && d->size() <= 6;
            for (char c : *d) {
                digits = digits && c >= '0' && c <= '9';
                if (digits) v = v * 10 + static_cast<std::uint64_t>(c - '0');
            }
            if (!digits) return bad(named(name) + ": duration_seconds must be a whole number of seconds (900-43200)");
            params.duration_seconds = static_cast<std::uint32_t>(v);
        }
        Result<void> valid = validate_assume_role_params(params);
        if (!valid.ok()) return bad(named(name) + ": " + valid.error().message);
        Result<StsEndpoint> endpoint = sts_endpoint();
        if (!endpoint.ok()) return bad(named(name) + ": " + endpoint.error().message);
        Result<std::string> ca = sts_ca();
        if (!ca.ok()) return make_error(ca.error().code, named(name) + ": " + ca.error().message);
        Result<connection::TimedCredentials> assumed =
            sources.assume_role(endpoint.value(), params, source_credentials.value().credentials, ca.value());
        if (!assumed.ok()) {
            return make_error(assumed.error().code, named(name) + " (role_arn): " + assumed.error().message,
                              assumed.error().http_status);
        }
        return assumed;
    }

    Result<connection::TimedCredentials> resolve(const std::string& name, std::vector<std::string>& chain) {
        if (chain.size() >= kMaxSourceProfileChain) {
            return make_error(Errc::limit_exceeded, named(chain.front()) + ": the source_profile chain is longer than " +
                                                        std::to_string(kMaxSourceProfileChain) + " profiles (iotlite's bound)");
        }
        const AwsProfileSettings* p = config.profile(name);
        if (p == nullptr) {
            if (chain.empty()) return bad(named(name) + " not found in " + files);
            return bad(named(chain.back()) + ": its source_profile '" + shown_name(name) + "' is not found in " + files);
        }
        std::string key;
        if (const char* what = unsupported_key(*p, key)) {
            return make_error(Errc::unsupported, named(name) + ": " + key + " (" + what +
                                                     ") is not supported by iotlite; use static keys, credential_process "
                                                     "or role_arn + source_profile");
        }
        chain.push_back(name);
        const auto kind = [p](const char* k) {
            auto it = p->kinds.find(k);
            return it == p->kinds.end() ? AwsFileKind::config : it->second;
        };
        if (p->get("role_arn") != nullptr) return assume(name, *p, chain);
        if (p->get("aws_access_key_id") != nullptr && kind("aws_access_key_id") == AwsFileKind::credentials) {
            return static_keys(name, *p);
        }
        if (const std::string* command = p->get("credential_process")) {
            Result<connection::TimedCredentials> c = sources.run_process(*command);
            if (!c.ok()) return make_error(c.error().code, named(name) + ": " + c.error().message);
            return c;
        }
        if (p->get("aws_access_key_id") != nullptr || p->get("aws_secret_access_key") != nullptr) return static_keys(name, *p);
        return bad(named(name) + " in " + files +
                   " has no credentials (none of aws_access_key_id, credential_process, role_arn)");
    }
};

}  // namespace

ProfileSources system_profile_sources() {
    ProfileSources s;
    s.env = [](const char* name) {
        const char* v = std::getenv(name);
        return v != nullptr ? std::string(v) : std::string();
    };
    s.run_process = [](const std::string& command) { return run_credential_process(command); };
    s.assume_role = [](const StsEndpoint& endpoint, const AssumeRoleParams& params, const sigv4::Credentials& source,
                       const std::string& ca_pem) { return assume_role(endpoint, params, source, ca_pem, 10000); };
    s.read_pem = [](const std::string& path, const std::string& label) {
        return read_bounded_file(path, kPemFileLimit, label);
    };
    s.now_s = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
    return s;
}

Result<ResolvedCredentials> resolve_profile_credentials(const AwsSharedConfig& config, const std::string& profile,
                                                        const std::string& files, const ProfileSources& sources) {
    Resolver r{config, files, sources, config.profile(profile)};
    std::vector<std::string> chain;
    Result<connection::TimedCredentials> c = r.resolve(profile, chain);
    if (!c.ok()) return c.error();
    ResolvedCredentials out;
    out.credentials = std::move(c).value();
    const AwsProfileSettings* p = config.profile(profile);
    if (const std::string* region = p->get("region")) out.region = *region;
    if (p->get("role_arn") != nullptr) out.how = "role_arn via source_profile '" + shown_name(*p->get("source_profile")) + "'";
    else if (p->get("aws_access_key_id") != nullptr && p->kinds.at("aws_access_key_id") == AwsFileKind::credentials) out.how = "static keys";
    else if (p->get("credential_process") != nullptr) out.how = "credential_process";
    else out.how = "static keys";
    return out;
}

}  // namespace iotlite::cli
