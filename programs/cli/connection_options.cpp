#include "connection_options.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "aws_profile.hpp"
#include "bounded_file.hpp"
#include "ca_directory.hpp"
#include "mosquitto_spellings.hpp"
#include "profile_credentials.hpp"
#include "iotlite/firmware/tls_context.hpp"
#include "iotlite/mqtt/topic.hpp"

namespace iotlite::cli {

namespace {

constexpr const char* kAmazonRootCa = "/etc/ssl/certs/Amazon_Root_CA_1.pem";

Error usage(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

const char* hex_digits = "0123456789abcdef";

// --will-*: the Will the broker publishes if the connection ends without a DISCONNECT.
Result<std::optional<mqtt::Will>> will_from(const ParsedFlags& flags) {
    const std::string* topic = flags.get("--will-topic");
    if (topic == nullptr) {
        for (const char* f : {"--will-payload", "--will-qos", "--will-retain"}) {
            if (flags.has(f)) return usage(std::string(f) + " needs --will-topic (the topic the Will is published on)");
        }
        return std::optional<mqtt::Will>();
    }
    if (Result<void> valid = mqtt::validate_publish_topic(*topic); !valid.ok()) {
        return usage("--will-topic: " + valid.error().message);
    }
    mqtt::Will will;
    will.topic = *topic;
    if (const std::string* payload = flags.get("--will-payload")) {
        if (Result<void> valid = mqtt::validate_payload_size(payload->size()); !valid.ok()) {
            return usage("--will-payload: " + valid.error().message);
        }
        will.payload.assign(payload->begin(), payload->end());
    }
    if (const std::string* q = flags.get("--will-qos")) {
        if (*q == "2") return usage("--will-qos 2: AWS IoT supports QoS 0 and 1 only");
        if (*q != "0" && *q != "1") return usage("--will-qos must be 0 or 1");
        will.qos = *q == "1" ? mqtt::QoS::at_least_once : mqtt::QoS::at_most_once;
    }
    will.retain = flags.has("--will-retain");
    return std::optional<mqtt::Will>(std::move(will));
}

}  // namespace

std::string CredentialsSpec::describe() const {
    return environment ? std::string("the environment") : "profile '" + profile + "'";
}

Result<CredentialsSpec> credentials_spec_for(const std::string* profile_flag) {
    CredentialsSpec spec;
    if (profile_flag == nullptr && !env_or_empty("AWS_ACCESS_KEY_ID").empty()) {
        spec.environment = true;
        return spec;
    }
    if (profile_flag != nullptr && profile_flag->empty()) return usage("--profile is empty");
    spec.profile = profile_flag != nullptr ? *profile_flag : env_or_empty("AWS_PROFILE");
    spec.explicit_profile = !spec.profile.empty();
    if (spec.profile.empty()) spec.profile = "default";
    return spec;
}

Result<connection::TimedCredentials> read_sigv4_credentials(const CredentialsSpec& spec, std::string* region) {
    connection::TimedCredentials out;
    if (spec.environment) {
        out.credentials.access_key_id = env_or_empty("AWS_ACCESS_KEY_ID");
        out.credentials.secret_access_key = env_or_empty("AWS_SECRET_ACCESS_KEY");
        out.credentials.session_token = env_or_empty("AWS_SESSION_TOKEN");
        if (out.credentials.access_key_id.empty()) return usage("AWS_ACCESS_KEY_ID is no longer set");
        if (out.credentials.secret_access_key.empty()) {
            return usage("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
        }
        // What `aws configure export-credentials --format env` writes for temporary credentials.
        const std::string expiration = env_or_empty("AWS_CREDENTIAL_EXPIRATION");
        if (!expiration.empty()) {
            Result<std::int64_t> at = connection::parse_expiration(expiration);
            if (!at.ok()) return usage("AWS_CREDENTIAL_EXPIRATION: " + at.error().message);
            out.expiration_ms = at.value();
        }
        return out;
    }
    // The profile from ~/.aws/config and ~/.aws/credentials (profile_credentials.hpp).
    int files_found = 0;
    Result<AwsSharedConfig> config = load_aws_shared_config(&files_found);
    if (!config.ok()) {
        // A file that is there but refused (not a regular file, too big, malformed) is reported
        // as it is.
        return usage((spec.explicit_profile ? "--profile: " : "") + config.error().message);
    }
    const std::string config_path = shared_config_path();
    const std::string credentials_path = shared_credentials_path();
    const std::string files = config_path.empty() && credentials_path.empty()
                                  ? std::string("the AWS config or credentials file (HOME is unset)")
                                  : config_path + " or " + credentials_path;
    if (files_found == 0 && !spec.explicit_profile) {
        return usage("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile, "
                     "or use --cert/--key (no " + files + ")");
    }
    Result<ResolvedCredentials> resolved =
        resolve_profile_credentials(config.value(), spec.profile, files, system_profile_sources());
    if (!resolved.ok()) {
        const Error& e = resolved.error();
        // Bad input stays a usage error (exit 2); a source that failed at run time (STS refused,
        // credential_process failed) keeps its code (exit 1).
        const std::string text = (spec.explicit_profile ? "--profile: " : "") + e.message;
        if (e.code == Errc::invalid_argument || e.code == Errc::unsupported || e.code == Errc::limit_exceeded) return usage(text);
        return make_error(e.code, text, e.http_status);
    }
    out = resolved.value().credentials;
    if (region != nullptr) *region = resolved.value().region;
    return out;
}

connection::TargetConfig target_config(const ConnectionOptions& o) {
    connection::TargetConfig c;
    c.endpoint = o.endpoint;
    c.endpoint.port = o.port;  // the mode's default port made explicit
    c.endpoint.scheme = connection::EndpointScheme::none;
    switch (o.mode) {
        case ConnectionMode::wss: c.mode = connection::AuthMode::sigv4; break;
        case ConnectionMode::ws:
            c.mode = connection::AuthMode::sigv4;
            c.secure = false;
            break;
        case ConnectionMode::mtls: c.mode = connection::AuthMode::mtls; break;
        case ConnectionMode::alpn: c.mode = connection::AuthMode::alpn; break;
    }
    if (o.custom_authorizer) {
        c.mode = connection::AuthMode::custom_authorizer;
        c.authorizer = o.authorizer;
    }
    c.region = o.region;
    return c;
}

std::vector<std::string> all_values(const ParsedFlags& flags, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& kv : flags.values)
        if (kv.first == name) out.push_back(kv.second);
    return out;
}

bool parse_number(const std::string& text, std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
    if (text.empty() || text.size() > 12) return false;
    std::uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v < min || v > max) return false;
    out = v;
    return true;
}

std::vector<OptionSpec> connection_option_specs() {
    return {
        {nullptr, "--endpoint", true}, {nullptr, "--region", true},     {nullptr, "--profile", true},
        {nullptr, "--cert", true},     {nullptr, "--key", true},        {nullptr, "--cafile", true},
        {nullptr, "--alpn", false},    {nullptr, "--scheme", true},     {nullptr, "--insecure-ws", false},
        {"-i", "--id", true},          {"-k", "--keepalive", true},     {"-W", "--timeout", true},
        {"-d", "--debug", false},      {nullptr, "--help", false},
        // mosquitto's spellings (apply_mosquitto_spellings) and its other client flags.
        {"-h", "--host", true},        {"-p", "--port", true},          {"-L", "--url", true},
        {"-u", "--username", true},    {"-P", "--password", true},      {nullptr, "--authorizer", true},
        {nullptr, "--token-key-name", true}, {nullptr, "--token", true}, {nullptr, "--token-signature", true},
        {nullptr, "--will-topic", true}, {nullptr, "--will-payload", true}, {nullptr, "--will-qos", true},
        {nullptr, "--will-retain", false}, {nullptr, "--capath", true}, {nullptr, "--tls-alpn", true},
        {nullptr, "--insecure", false}, {nullptr, "--quiet", false},
    };
}

const char* connection_options_help() {
    return "connection:\n"
           "  --endpoint HOST[:PORT]  AWS IoT data endpoint (xxxx-ats.iot.REGION.amazonaws.com)\n"
           "  -h HOST, -p PORT        the same as mosquitto spells it (-h with -p, or -p with --endpoint)\n"
           "  -L URL                  mqtts://[USER[:PASS]@]HOST[:PORT]/TOPIC (with --cert/--key), or\n"
           "                          wss:// / ws:// (SigV4, or a custom authorizer with USER:PASS); the path is\n"
           "                          the topic. mqtt:// is refused: AWS IoT has no plain MQTT port\n"
           "  (default) MQTT over WSS with a SigV4-presigned URL, port 443. Credentials from\n"
           "            AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else --profile\n"
           "            (or AWS_PROFILE, else 'default') from ~/.aws/config and ~/.aws/credentials\n"
           "            (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE override the paths): static keys,\n"
           "            credential_process, or role_arn + source_profile (STS AssumeRole; endpoint from\n"
           "            AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL / endpoint_url, CA from AWS_CA_BUNDLE /\n"
           "            ca_bundle). Not supported: sso_*, web_identity_token_file, credential_source,\n"
           "            mfa_serial (refused naming the key). Re-signed on every attempt.\n"
           "            Temporary credentials: AWS_CREDENTIAL_EXPIRATION (ISO 8601) gives their expiry;\n"
           "            they are read again shortly before it (10 % of the lifetime, at most 5 min)\n"
           "  --profile NAME          use this profile of the AWS config and credentials files\n"
           "  --region R              signing region; default: inferred from the endpoint, else\n"
           "                          AWS_REGION / AWS_DEFAULT_REGION, else the profile's region\n"
           "  --cert FILE --key FILE  MQTT over TLS with this client certificate, port 8883\n"
           "                          (PEM files: regular files of at most 512 KiB each)\n"
           "  --alpn                  with --cert/--key: port 443 with ALPN x-amzn-mqtt-ca\n"
           "  --tls-alpn PROTO        mosquitto's spelling: x-amzn-mqtt-ca is --alpn; other protocols refused\n"
           "  --cafile FILE           CA to trust (TLS and WSS); default: " "/etc/ssl/certs/Amazon_Root_CA_1.pem\n"
           "  --capath DIR            trust the certificates of DIR's *.pem and *.crt files instead\n"
           "  --insecure              refused: AWS IoT requires verifying the server's certificate\n"
           "  --authorizer NAME       WSS with this AWS IoT custom authorizer instead of SigV4 (empty: the\n"
           "                          endpoint's default authorizer); --token VALUE, --token-key-name KEY\n"
           "                          (default token), --token-signature BASE64 when signing is enabled\n"
           "  -u USER, -P PASS        MQTT user name and password for the custom authorizer (alone they use\n"
           "                          the default authorizer); the password is never printed\n"
           "  --will-topic TOPIC      a Will the broker publishes if the connection ends without DISCONNECT;\n"
           "                          --will-payload TEXT, --will-qos 0|1, --will-retain\n"
           "  --scheme wss|ws         ws: WebSocket without TLS (a local stand-in only); also --insecure-ws\n"
           "  -i, --id ID             MQTT client id; default: iotlite-<random>\n"
           "  -k, --keepalive S       keep-alive seconds (AWS: 30-1200); default 60\n"
           "  -W, --timeout S         give up after S seconds, exit 27 as mosquitto (default: 10 s to connect)\n"
           "  -d, --debug             progress lines on stderr\n"
           "  --quiet                 print no error messages (the exit status still tells)\n"
           "A closed port or a host name that does not resolve fails at once (exit 1).\n";
}

Result<mqtt::QoS> qos_from(const ParsedFlags& flags) {
    const std::string* q = flags.get("--qos");
    if (q == nullptr || *q == "0") return mqtt::QoS::at_most_once;
    if (*q == "1") return mqtt::QoS::at_least_once;
    if (*q == "2") return usage("-q 2: AWS IoT supports QoS 0 and 1 only");
    return usage("-q must be 0 or 1");
}

int print_connection_command_help(const char* help) {
    std::fputs(help, stdout);
    std::fputs(connection_options_help(), stdout);
    return kExitOk;
}

std::optional<int> parse_connection_command(const char* command, const char* help, int argc, char** argv,
                                            const std::vector<OptionSpec>& specs, ParsedFlags& flags) {
    std::vector<OptionSpec> all = connection_option_specs();
    all.insert(all.end(), specs.begin(), specs.end());
    std::string error;
    if (!parse_options(argc, argv, all, flags, error)) {
        for (int i = 0; i < argc; ++i)
            if (std::string(argv[i]) == "--quiet") set_quiet(true);
        return fail(command, error + " (see iotlite " + command + " --help)");
    }
    set_quiet(flags.has("--quiet"));
    if (flags.has("--help")) return print_connection_command_help(help);
    if (Result<void> mapped = apply_mosquitto_spellings(command, flags); !mapped.ok()) {
        return fail(command, mapped.error().message);
    }
    return std::nullopt;
}

std::string ConnectionOptions::describe() const {
    const std::string hostport = (endpoint.ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
    switch (mode) {
        case ConnectionMode::wss:
        case ConnectionMode::ws:
            if (custom_authorizer) {
                return std::string(mode == ConnectionMode::wss ? "wss://" : "ws://") + hostport + "/mqtt (" +
                       (authorizer.name.empty() ? std::string("the default custom authorizer")
                                                : "custom authorizer " + authorizer.name) +
                       (authorizer.username.empty() ? std::string() : ", user " + authorizer.username) + ")";
            }
            return std::string(mode == ConnectionMode::wss ? "wss://" : "ws://") + hostport + "/mqtt (SigV4, access key " +
                   credentials.access_key_id + " from " + credentials_source + ", region " + region + ")";
        case ConnectionMode::mtls:
            return "mqtts://" + hostport + " (client certificate)";
        case ConnectionMode::alpn:
            return "mqtts://" + hostport + " (client certificate, ALPN x-amzn-mqtt-ca)";
    }
    return hostport;
}

std::vector<std::string> ConnectionOptions::secrets() const {
    std::vector<std::string> out;
    if (!credentials.secret_access_key.empty()) out.push_back(credentials.secret_access_key);
    if (!credentials.session_token.empty()) out.push_back(credentials.session_token);
    if (!authorizer.token.empty()) out.push_back(authorizer.token);
    if (!authorizer.password.empty()) out.push_back(authorizer.password);
    return out;
}

Result<ConnectionOptions> connection_options_from(const ParsedFlags& flags, firmware::Random& random) {
    ConnectionOptions o;

    // Endpoint: HOST[:PORT], [v6]:PORT, or a ws:// / wss:// URL (the one parser of the core).
    const std::string* endpoint = flags.get("--endpoint");
    if (endpoint == nullptr || endpoint->empty()) return usage("--endpoint is required (HOST[:PORT])");
    Result<connection::Endpoint> parsed = connection::parse_endpoint(*endpoint);
    if (!parsed.ok()) return usage("--endpoint: " + parsed.error().message);
    o.endpoint = std::move(parsed).value();
    // A URL's path (/mqtt only) is the TargetBuilder's rule, checked below.
    o.host = o.endpoint.host;
    std::uint64_t port = o.endpoint.port;

    // Mode.
    const std::string* cert = flags.get("--cert");
    const std::string* key = flags.get("--key");
    const std::string* scheme = flags.get("--scheme");
    bool ws = flags.has("--insecure-ws");
    if (scheme != nullptr) {
        if (*scheme == "ws") ws = true;
        else if (*scheme != "wss") return usage("--scheme must be wss or ws");
    }
    if (o.endpoint.scheme != connection::EndpointScheme::none) {
        const bool url_ws = o.endpoint.scheme == connection::EndpointScheme::ws;
        if ((scheme != nullptr || ws) && ws != url_ws) return usage("--endpoint's scheme and --scheme/--insecure-ws disagree");
        ws = url_ws;
        if (cert != nullptr) return usage("--endpoint: a ws:// or wss:// URL is for SigV4 WebSocket, not --cert/--key");
    }
    if ((cert != nullptr) != (key != nullptr)) return usage("--cert and --key must be given together");
    if (flags.has(kMqttsUrlFlag) && cert == nullptr) {
        return usage("-L mqtts://: MQTT over TLS to AWS IoT authenticates with a client certificate: give --cert "
                     "and --key (or use a wss:// URL for SigV4)");
    }
    // A custom authorizer: --authorizer, or -u / -P / --token alone (the endpoint's default one).
    const char* authorizer_flags[] = {"--authorizer", "--username", "--password", "--token", "--token-key-name",
                                      "--token-signature"};
    const char* authorizer_flag = nullptr;
    for (const char* f : authorizer_flags)
        if (authorizer_flag == nullptr && flags.has(f)) authorizer_flag = f;
    if (authorizer_flag != nullptr) {
        const std::string f = authorizer_flag;
        const std::string shown = f == "--username" ? "-u" : f == "--password" ? "-P" : f;
        if (cert != nullptr) {
            return usage(shown + " is for a custom authorizer over WebSocket; --cert/--key authenticate by certificate");
        }
        if (flags.has("--profile")) return usage(shown + " selects a custom authorizer; --profile is for SigV4");
        if (flags.has("--password") && !flags.has("--username")) {
            return usage("-P needs -u (MQTT 3.1.1 sends a password only with a user name)");
        }
        o.custom_authorizer = true;
        connection::CustomAuthorizer& a = o.authorizer;
        if (const std::string* v = flags.get("--authorizer")) a.name = *v;
        if (const std::string* v = flags.get("--token-key-name")) {
            if (v->empty()) return usage("--token-key-name is empty");
            a.token_key_name = *v;
        }
        if (const std::string* v = flags.get("--token")) a.token = *v;
        if (const std::string* v = flags.get("--token-signature")) a.signature = *v;
        if (const std::string* v = flags.get("--username")) a.username = *v;
        if (const std::string* v = flags.get("--password")) a.password = *v;
        if ((flags.has("--token-key-name") || flags.has("--token-signature")) && a.token.empty()) {
            return usage("--token-key-name and --token-signature need --token");
        }
    }
    if (cert != nullptr) {
        if (ws || scheme != nullptr) return usage("--scheme/--insecure-ws apply to WebSocket connections, not to --cert/--key");
        if (flags.has("--profile")) return usage("--profile is for SigV4 (WebSocket); --cert/--key authenticate by certificate");
        o.mode = flags.has("--alpn") ? ConnectionMode::alpn : ConnectionMode::mtls;
    } else {
        if (flags.has("--alpn")) return usage("--alpn needs --cert and --key (MQTT over TLS on 443 with a client certificate)");
        o.mode = ws ? ConnectionMode::ws : ConnectionMode::wss;
    }
    if (port == 0) {
        port = o.mode == ConnectionMode::mtls ? 8883 : o.mode == ConnectionMode::ws ? 80 : 443;
    }
    o.port = static_cast<std::uint16_t>(port);

    // Client id, keep-alive, timeout.
    if (const std::string* id = flags.get("--id")) {
        Result<void> valid = mqtt::validate_client_id(*id);
        if (!valid.ok()) return usage("-i: " + valid.error().message);
        o.client_id = *id;
    } else {
        std::uint8_t bytes[6];
        Result<void> filled = random.fill(bytes, sizeof bytes);
        if (!filled.ok()) return filled.error();
        o.client_id = "iotlite-";
        for (std::uint8_t b : bytes) {
            o.client_id += hex_digits[b >> 4];
            o.client_id += hex_digits[b & 15];
        }
    }
    if (const std::string* k = flags.get("--keepalive")) {
        std::uint64_t v = 0;
        if (!parse_number(*k, 0, 65535, v)) return usage("-k must be a whole number of seconds");
        Result<void> valid = mqtt::validate_keep_alive(static_cast<std::uint16_t>(v));
        if (!valid.ok()) return usage("-k: " + valid.error().message);
        o.keep_alive_s = static_cast<std::uint16_t>(v);
    }
    if (const std::string* w = flags.get("--timeout")) {
        std::uint64_t v = 0;
        if (!parse_number(*w, 1, 86400, v)) return usage("-W must be a whole number of seconds from 1 to 86400");
        o.timeout_ms = static_cast<std::uint32_t>(v * 1000);
        o.timeout_given = true;
    }
    o.debug = flags.has("--debug");
    Result<std::optional<mqtt::Will>> will = will_from(flags);
    if (!will.ok()) return will.error();
    o.will = std::move(will).value();

    // TLS material.
    if (o.mode != ConnectionMode::ws) {
        const std::string* ca = flags.get("--cafile");
        const std::string* capath = flags.get("--capath");
        if (ca != nullptr && capath != nullptr) return usage("give --cafile or --capath, not both");
        Result<std::string> ca_pem = std::string();
        if (capath != nullptr) {
            o.ca_path = *capath;
            ca_pem = read_ca_directory(*capath);
        } else {
            o.ca_path = ca != nullptr ? *ca : std::string(kAmazonRootCa);
            ca_pem = read_bounded_file(o.ca_path, kPemFileLimit,
                                       ca != nullptr ? "--cafile " + o.ca_path : "no --cafile, and the default CA " + o.ca_path);
        }
        if (!ca_pem.ok()) return usage(ca_pem.error().message);
        o.tls.ca_pem = std::move(ca_pem).value();
        firmware::TlsSettings settings;
        settings.ca_pem = o.tls.ca_pem;
        if (cert != nullptr) {
            Result<std::string> cert_pem = read_bounded_file(*cert, kPemFileLimit, "--cert " + *cert);
            if (!cert_pem.ok()) return usage(cert_pem.error().message);
            o.tls.cert_pem = std::move(cert_pem).value();
            // The key's content never appears in a message (read_bounded_file names the path only).
            Result<std::string> key_pem = read_bounded_file(*key, kPemFileLimit, "--key " + *key);
            if (!key_pem.ok()) return usage(key_pem.error().message);
            o.tls.key_pem = std::move(key_pem).value();
            settings.cert_pem = o.tls.cert_pem;
            settings.key_pem = o.tls.key_pem;
        }
        // Parse now, so that a bad file is a usage error rather than a failing connect loop.
        Result<std::shared_ptr<firmware::TlsContext>> checked = firmware::TlsContext::create(settings, random);
        if (!checked.ok()) return usage(checked.error().message);
    }

    if (o.mode == ConnectionMode::mtls || o.mode == ConnectionMode::alpn) return o;
    if (o.custom_authorizer) {
        connection::TargetConfig config = target_config(o);
        Result<connection::TargetBuilder> builder = connection::TargetBuilder::create(config, nullptr);
        if (!builder.ok()) return usage(builder.error().message);
        return o;
    }

    // SigV4 credentials: --profile, else the environment, else AWS_PROFILE / 'default'.
    Result<CredentialsSpec> spec = credentials_spec_for(flags.get("--profile"));
    if (!spec.ok()) return spec.error();
    o.credentials_spec = spec.value();
    std::string profile_region;
    Result<connection::TimedCredentials> loaded = read_sigv4_credentials(o.credentials_spec, &profile_region);
    if (!loaded.ok()) return usage(loaded.error().message);
    o.credentials = loaded.value().credentials;
    o.credentials_expiration_ms = loaded.value().expiration_ms;
    if (o.credentials_expiration_ms != 0) {
        const std::int64_t now_ms = static_cast<std::int64_t>(std::time(nullptr)) * 1000;
        if (o.credentials_expiration_ms <= now_ms) {
            return usage("the temporary credentials from " + o.credentials_spec.describe() + " expired " +
                         std::to_string((now_ms - o.credentials_expiration_ms) / 1000) + " s ago (" +
                         (o.credentials_spec.environment ? "AWS_CREDENTIAL_EXPIRATION" : "their Expiration") +
                         "): get fresh ones");
        }
    }
    o.credentials_source = o.credentials_spec.describe();

    // Region: --region, else inferred from the endpoint, else the environment, else the profile.
    if (const std::string* region = flags.get("--region")) {
        if (region->empty()) return usage("--region is empty");
        o.region = *region;
    } else if (!o.endpoint.region.empty()) {
        o.region = o.endpoint.region;
    } else if (!env_or_empty("AWS_REGION").empty()) {
        o.region = env_or_empty("AWS_REGION");
    } else if (!env_or_empty("AWS_DEFAULT_REGION").empty()) {
        o.region = env_or_empty("AWS_DEFAULT_REGION");
    } else {
        // With credentials from the environment, the region of AWS_PROFILE / 'default' in the
        // AWS config file still applies (as in the AWS CLI).
        if (o.credentials_spec.environment) {
            const std::string active = env_or_empty("AWS_PROFILE");
            profile_region = aws_profile_region(active.empty() ? "default" : active);
        }
        if (profile_region.empty()) {
            return usage("--region is required: it cannot be inferred from the endpoint (expected "
                         "*.iot.<region>.amazonaws.com) and AWS_REGION is not set");
        }
        o.region = profile_region;
    }

    // Build the target builder once now (it presigns a dry run) so that a bad input is reported
    // before any connection attempt.
    connection::StaticCredentialsProvider check(connection::TimedCredentials{o.credentials, 0});
    Result<connection::TargetBuilder> builder = connection::TargetBuilder::create(target_config(o), &check);
    if (!builder.ok()) return usage(builder.error().message);
    return o;
}

}  // namespace iotlite::cli
