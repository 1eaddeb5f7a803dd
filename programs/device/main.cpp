// iotlite_device — the example device on a Linux host (see device_app.hpp for what it does).
//
// Flags: `iotlite_device --help` (kUsage below). tls: MQTT over TLS with the device certificate
// (default port 8883); alpn: the same on 443 with ALPN x-amzn-mqtt-ca; wss: MQTT over WebSocket
// with a SigV4-presigned URL (credentials from the environment). With --identity-dir the identity
// comes from a directory, provisioned by claim on the first boot (first_boot.hpp).
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>

#include "bounded_file.hpp"
#include "device_app.hpp"
#include "first_boot.hpp"
#include "iotlite/firmware/posix_port.hpp"
#include "iotlite/connection/credentials_cache.hpp"
#include "iotlite/connection/target_builder.hpp"
#include "iotlite/services/jobs/jobs.hpp"

using namespace iotlite;
using namespace iotlite::firmware;

namespace {

volatile std::sig_atomic_t g_button = 0;
volatile std::sig_atomic_t g_stop = 0;

// Reads a PEM file with the CLI's bounded reader (a regular file of at most kPemFileLimit);
// the error names the flag, the path and the rule, never the content (a private key).
bool read_pem(const char* flag, const std::string& path, std::string& out, std::string& error) {
    if (path.empty()) {
        error = std::string("missing required flag ") + flag + " FILE" +
                (std::string(flag) == "--ca" ? "" : " (modes tls and alpn authenticate with the device certificate and key)");
        return false;
    }
    Result<std::string> read = cli::read_bounded_file(path, cli::kPemFileLimit, std::string(flag) + " " + path);
    if (!read.ok()) {
        error = read.error().message;
        return false;
    }
    out = std::move(read).value();
    return true;
}

// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and AWS_CREDENTIAL_EXPIRATION
// (ISO 8601, as `aws configure export-credentials --format env` writes) for temporary ones.
Result<connection::TimedCredentials> credentials_from_environment() {
    const char* id = std::getenv("AWS_ACCESS_KEY_ID");
    const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
    const char* token = std::getenv("AWS_SESSION_TOKEN");
    const char* expiration = std::getenv("AWS_CREDENTIAL_EXPIRATION");
    if (!id || !*id || !secret || !*secret) {
        return make_error(Errc::invalid_argument, "wss needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");
    }
    connection::TimedCredentials out{sigv4::Credentials{id, secret, token ? token : ""}, 0};
    if (expiration != nullptr && *expiration != '\0') {
        Result<std::int64_t> at = connection::parse_expiration(expiration);
        if (!at.ok()) return make_error(Errc::invalid_argument, "AWS_CREDENTIAL_EXPIRATION: " + at.error().message);
        out.expiration_ms = at.value();
    }
    return out;
}

constexpr const char* kUsage =
    "usage: iotlite_device --endpoint HOST[:PORT] --ca CA.pem [--mode tls|alpn|wss]\n"
    "                      [--cert DEVICE.crt --key DEVICE.key] [--port N] [--thing NAME] [--client-id ID]\n"
    "                      [--interval S] [--region R] [--duration S] [--once] [--max-fragment-len N]\n"
    "                      [--jobs-exec CMD [--jobs-max N] [--jobs-step-timeout MIN]]\n"
    "                      [--identity-dir DIR --provision-template T --claim-cert C --claim-key K\n"
    "                       [--provision-param KEY=VALUE ...]]\n"
    "\n"
    "The example device: publishes a reading on devices/<thing>/telemetry every --interval seconds\n"
    "(QoS 1), keeps its shadow's `led` state, and publishes on devices/<thing>/button when the button\n"
    "is pressed (`kill -USR1 <pid>` or a line on stdin). It reconnects by itself until stopped.\n"
    "\n"
    "required:\n"
    "  --endpoint HOST[:PORT]   the AWS IoT data endpoint ([v6]:port for an IPv6 literal)\n"
    "  --ca FILE                the CA that signed the endpoint's certificate (PEM)\n"
    "  --cert FILE --key FILE   the device certificate and key (PEM; modes tls and alpn)\n"
    "options:\n"
    "  --mode tls|alpn|wss      tls: MQTT over TLS, port 8883 (default); alpn: port 443 with ALPN\n"
    "                           x-amzn-mqtt-ca; wss: MQTT over WebSocket, SigV4 from AWS_ACCESS_KEY_ID /\n"
    "                           AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (+ AWS_CREDENTIAL_EXPIRATION)\n"
    "  --port N                 the port, when --endpoint has none (1-65535)\n"
    "  --thing NAME             thing name (default iotlite-device); --client-id ID (default: the thing)\n"
    "  --interval S             telemetry period in seconds (default 10)\n"
    "  --region R               SigV4 region when the endpoint does not name one\n"
    "  --duration S             stop after S seconds (default: run until SIGINT / SIGTERM)\n"
    "  --once                   stop once the first shadow report is accepted\n"
    "  --max-fragment-len N     request TLS records of at most N bytes (512, 1024, 2048, 4096)\n"
    "  --jobs-exec CMD          run CMD (/bin/sh -c) for each AWS IoT job of the thing, the job document\n"
    "                           on its stdin, IOTLITE_JOB_ID in its environment; SUCCEEDED on exit 0,\n"
    "                           else FAILED {\"exitCode\": \"N\"}; a job canceled meanwhile kills it (the\n"
    "                           agent of `iotlite jobs agent`)\n"
    "  --jobs-max N             stop after N jobs\n"
    "  --jobs-step-timeout MIN  stepTimeoutInMinutes sent when a job is started (1-10080): the service\n"
    "                           times the job out (TIMED_OUT) if it is not finished by then; the command\n"
    "                           is then killed like a canceled job's\n"
    "first boot (Fleet Provisioning by claim; modes tls and alpn, instead of --cert/--key):\n"
    "  --identity-dir DIR       the device's identity (certificate.pem, private.key 0600, thing.json):\n"
    "                           when DIR holds one, the device connects as its thing; else it provisions\n"
    "  --provision-template T   provisioning template name\n"
    "  --claim-cert C --claim-key K  the claim certificate and key (read only when provisioning)\n"
    "  --provision-param K=V    a template parameter (repeatable)\n"
    "                           Provisioning connects with the claim (client id: --client-id, else\n"
    "                           <thing>-claim), makes an EC P-256 key here and sends only a CSR\n"
    "                           (subject CN = the --thing value; CreateCertificateFromCsr), runs\n"
    "                           RegisterThing, saves the identity in DIR, then runs as the new thing\n"
    "                           (its name is the client id)\n"
    "  --help                   this text\n"
    "Exit status: 0 stopped after connecting (with --once: the report accepted; with --jobs-max: every\n"
    "job SUCCEEDED), 1 never connected, provisioning failed (AWS's error on stderr), --once / --jobs-max\n"
    "not done or a job not SUCCEEDED, 2 bad input.\n";

int usage(const std::string& why) {
    std::fprintf(stderr, "iotlite_device: %s (see iotlite_device --help)\n", why.c_str());
    return 2;
}

// A whole decimal number in [min, max] (no sign, no trailing text).
bool parse_whole(const std::string& text, long min, long max, long& out) {
    if (text.empty() || text.size() > 9) return false;
    long v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    if (v < min || v > max) return false;
    out = v;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::string endpoint, mode = "tls", ca, cert, key, region;
    long port = 0, duration_s = 0, mfl = 0, interval_s = 10;
    device::DeviceOptions options;
    device::FirstBootOptions boot;
    std::string claim_cert, claim_key;
    bool thing_given = false;
    const char* value_flags[] = {"--endpoint", "--mode", "--port", "--ca", "--cert", "--key", "--thing", "--client-id",
                                 "--interval", "--region", "--duration", "--max-fragment-len", "--jobs-exec", "--jobs-max",
                                 "--jobs-step-timeout",
                                 "--provision-template", "--claim-cert", "--claim-key", "--identity-dir", "--provision-param"};
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (a == "--once") {
            options.once = true;
            continue;
        }
        bool known = false;
        for (const char* f : value_flags) known = known || a == f;
        // Never echo a stray argument: it could be a secret pasted in the wrong place.
        if (!known) return usage(a.rfind("--", 0) == 0 ? "unknown flag " + a.substr(0, 40) : "unexpected argument at position " + std::to_string(i));
        if (i + 1 >= argc) return usage(a + " needs a value");
        const std::string v = argv[++i];
        if (a == "--endpoint") endpoint = v;
        else if (a == "--mode") mode = v;
        else if (a == "--port") { if (!parse_whole(v, 1, 65535, port)) return usage("--port must be a whole number from 1 to 65535"); }
        else if (a == "--ca") ca = v;
        else if (a == "--cert") cert = v;
        else if (a == "--key") key = v;
        else if (a == "--thing") { options.thing = v; thing_given = true; }
        else if (a == "--client-id") options.client_id = v;
        else if (a == "--interval") { if (!parse_whole(v, 1, 86400, interval_s)) return usage("--interval must be whole seconds from 1 to 86400"); }
        else if (a == "--region") region = v;
        else if (a == "--duration") { if (!parse_whole(v, 1, 31536000, duration_s)) return usage("--duration must be whole seconds from 1"); }
        else if (a == "--jobs-exec") { if (v.empty()) return usage("--jobs-exec needs a command"); options.jobs_exec = v; }
        else if (a == "--jobs-max") { long n = 0; if (!parse_whole(v, 1, 1000000, n)) return usage("--jobs-max must be a whole number from 1 to 1000000"); options.jobs_max = static_cast<std::uint32_t>(n); }
        else if (a == "--jobs-step-timeout") {
            long n = 0;
            if (!parse_whole(v, 1, jobs::limits::max_step_timeout_minutes, n))
                return usage("--jobs-step-timeout: stepTimeoutInMinutes must be whole minutes; AWS allows 1.." +
                             std::to_string(jobs::limits::max_step_timeout_minutes));
            options.jobs_step_timeout_minutes = static_cast<std::uint32_t>(n);
        }
        else if (a == "--provision-template") boot.template_name = v;
        else if (a == "--claim-cert") claim_cert = v;
        else if (a == "--claim-key") claim_key = v;
        else if (a == "--identity-dir") { if (v.empty()) return usage("--identity-dir needs a directory"); boot.identity_dir = v; }
        else if (a == "--provision-param") {
            const auto eq = v.find('=');
            if (eq == std::string::npos || eq == 0) return usage("--provision-param must be KEY=VALUE");
            if (!boot.parameters.emplace(v.substr(0, eq), v.substr(eq + 1)).second)
                return usage("--provision-param " + v.substr(0, std::min<std::size_t>(eq, 64)) + " given twice");
        }
        else if (a == "--max-fragment-len") { if (!parse_whole(v, 0, 4096, mfl)) return usage("--max-fragment-len must be 512, 1024, 2048 or 4096"); }
    }
    options.interval_s = static_cast<std::uint32_t>(interval_s);
    if (endpoint.empty()) return usage("missing required flag --endpoint HOST[:PORT] (the AWS IoT data endpoint)");
    if (mode != "tls" && mode != "alpn" && mode != "wss") return usage("--mode must be tls, alpn or wss");
    if (ca.empty()) return usage("missing required flag --ca FILE (the CA that signed the endpoint's certificate)");
    if (options.jobs_step_timeout_minutes && options.jobs_exec.empty()) return usage("--jobs-step-timeout needs --jobs-exec CMD");
    if (options.jobs_max != 0 && options.jobs_exec.empty()) return usage("--jobs-max needs --jobs-exec CMD");
    const bool first_boot = !boot.identity_dir.empty();
    if (!first_boot && (!boot.template_name.empty() || !claim_cert.empty() || !claim_key.empty() || !boot.parameters.empty()))
        return usage("--provision-template, --claim-cert, --claim-key and --provision-param need --identity-dir DIR");
    if (first_boot) {
        if (boot.template_name.empty() || claim_cert.empty() || claim_key.empty())
            return usage("--identity-dir needs --provision-template, --claim-cert and --claim-key (for the first boot)");
        if (!cert.empty() || !key.empty()) return usage("--cert/--key: with --identity-dir the identity comes from DIR");
        if (mode == "wss") return usage("provisioning by claim connects with the claim certificate (modes tls and alpn)");
        // The template's and the parameters' rules before anything is read or sent.
        if (Result<void> valid = provisioning::validate_template_name(boot.template_name); !valid.ok())
            return usage("--provision-template: " + valid.error().message);
        if (Result<void> valid = provisioning::validate_register_input("-", boot.parameters); !valid.ok())
            return usage("--provision-param: " + valid.error().message);
        boot.common_name = options.thing;
    }
    const bool port_given = port != 0;
    if (port == 0) port = mode == "tls" ? 8883 : 443;


    DeviceCredentials creds;
    creds.max_fragment_len = static_cast<std::uint16_t>(mfl);
    std::string error;
    if (!read_pem("--ca", ca, creds.ca_pem, error)) return usage(error.c_str());
    if (mode != "wss" && !first_boot) {
        if (!read_pem("--cert", cert, creds.cert_pem, error)) return usage(error.c_str());
        if (!read_pem("--key", key, creds.key_pem, error)) return usage(error.c_str());
    }

    // The connection layer: one endpoint parser; the target for every attempt (re-signed with the
    // clock offset learned from Date headers, credentials read again before they expire).
    Result<connection::Endpoint> parsed = connection::parse_endpoint(endpoint);
    if (!parsed.ok()) return usage("--endpoint: " + parsed.error().message);
    connection::TargetConfig target_config;
    target_config.endpoint = parsed.value();
    if (port_given || target_config.endpoint.port == 0) target_config.endpoint.port = static_cast<std::uint16_t>(port);
    target_config.mode = mode == "wss" ? connection::AuthMode::sigv4 : mode == "alpn" ? connection::AuthMode::alpn
                                                                                      : connection::AuthMode::mtls;
    target_config.region = region;
    if (mode == "wss") {
        Result<connection::TimedCredentials> first = credentials_from_environment();
        if (!first.ok()) return usage(first.error().message.c_str());
    }
    connection::CallbackCredentialsProvider environment([](std::int64_t) { return credentials_from_environment(); });
    connection::CredentialsCache aws(environment);
    Result<connection::TargetBuilder> built = connection::TargetBuilder::create(target_config, &aws);
    if (!built.ok()) return usage(built.error().message.c_str());
    connection::TargetBuilder& builder = built.value();

    PosixPort posix;
    mqtt::Config config;
    config.keep_alive_s = 60;
    config.rng_seed = static_cast<std::uint64_t>(std::time(nullptr)) ^ static_cast<std::uint64_t>(getpid());

    std::signal(SIGINT, [](int) { g_stop = 1; });
    std::signal(SIGTERM, [](int) { g_stop = 1; });
    if (first_boot) {
        // The claim session: its own transport factory with the claim certificate.
        // Not the thing's own client id: AWS allows 1 CONNECT per second per client id, and the
        // device connects as its thing right after.
        const std::string claim_client_id = options.client_id.empty() ? options.thing.substr(0, 122) + "-claim" : options.client_id;
        device::ClaimSessionFactory claim_session = [&]() -> Result<std::unique_ptr<Session>> {
            DeviceCredentials claim;
            claim.ca_pem = creds.ca_pem;
            claim.max_fragment_len = creds.max_fragment_len;
            std::string why;
            if (!read_pem("--claim-cert", claim_cert, claim.cert_pem, why) || !read_pem("--claim-key", claim_key, claim.key_pem, why))
                return make_error(Errc::invalid_argument, why);
            auto claim_factory = std::make_shared<TransportFactory>(posix.port(), std::move(claim));
            mqtt::Config claim_config = config;
            claim_config.client_id = claim_client_id;
            return Session::create(claim_config, posix.port(),
                                   [&](std::uint32_t attempt) { return builder.build(attempt, posix.port().clock.unix_time_s() * 1000); },
                                   [claim_factory](const mqtt::ConnectionTarget& t) { return claim_factory->open(t); });
        };
        Result<DeviceIdentity> identity =
            device::load_or_provision(boot, posix.port().random, claim_session, [] { return g_stop != 0; });
        if (!identity.ok()) {
            std::fprintf(stderr, "iotlite_device: %s\n", identity.error().message.c_str());
            return identity.error().code == Errc::invalid_argument ? 2 : 1;
        }
        // From here on the device is its thing: the name AWS gave it is its client id.
        if (thing_given && options.thing != identity.value().thing_name)
            std::printf("identity: running as thing %s (not --thing %s)\n", identity.value().thing_name.c_str(), options.thing.c_str());
        options.thing = identity.value().thing_name;
        options.client_id = identity.value().thing_name;
        creds.cert_pem = identity.value().certificate_pem;
        creds.key_pem = identity.value().private_key_pem;
    }
    TransportFactory factory(posix.port(), std::move(creds));
    factory.set_clock_skew(&builder.clock_skew());  // a refused upgrade's Date corrects the next signature
    TargetProvider targets = [&](std::uint32_t attempt) {
        return builder.build(attempt, posix.port().clock.unix_time_s() * 1000);
    };

    config.client_id = options.client_id.empty() ? options.thing : options.client_id;
    auto session = Session::create(config, posix.port(), targets,
                                   [&](const mqtt::ConnectionTarget& t) { return factory.open(t); });
    if (!session.ok()) {
        std::fprintf(stderr, "iotlite_device: %s: %s\n", errc_name(session.error().code), session.error().message.c_str());
        return 1;
    }

    std::signal(SIGUSR1, [](int) { g_button = 1; });

    const std::string host = target_config.endpoint.ipv6 ? "[" + target_config.endpoint.host + "]" : target_config.endpoint.host;
    options.where = host + ":" + std::to_string(builder.port());
    device::DeviceApp app(options, std::move(session.value()));
    app.set_target_builder(&builder);
    std::printf("device %s: connecting to %s (%s)\n", options.thing.c_str(), options.where.c_str(),
                mode == "tls" ? "MQTT over TLS, client certificate" : mode == "alpn" ? "MQTT over TLS, ALPN x-amzn-mqtt-ca"
                                                                       : "MQTT over WebSocket, SigV4");
    std::fflush(stdout);
    Result<void> started = app.start();
    if (!started.ok()) {
        std::fprintf(stderr, "iotlite_device: %s: %s\n", errc_name(started.error().code), started.error().message.c_str());
        return 1;
    }

    const std::uint64_t end = duration_s > 0 ? posix.port().clock.now_ms() + static_cast<std::uint64_t>(duration_s) * 1000u
                                             : UINT64_MAX;
    bool stdin_open = true;
    while (!g_stop && !app.done() && posix.port().clock.now_ms() < end) {
        app.poll(200);
        if (g_button) {
            g_button = 0;
            app.press_button();
        }
        if (stdin_open) {
            pollfd p{0, POLLIN, 0};
            if (::poll(&p, 1, 0) > 0) {
                char line[256];
                ssize_t n = ::read(0, line, sizeof line);
                if (n <= 0) stdin_open = false;
                else app.press_button();
            }
        }
    }
    app.session().stop(1000);
    if (!app.ever_connected()) {
        std::printf("stopped without ever connecting\n");
        std::fflush(stdout);
        std::fprintf(stderr, "iotlite_device: never connected to %s%s%s\n", options.where.c_str(),
                     app.last_failure().empty() ? "" : ": ", app.last_failure().c_str());
        return 1;
    }
    std::printf("stopped\n");
    if (options.jobs_max != 0 && (!app.done() || app.jobs_failed() != 0)) return 1;
    return app.done() || !options.once ? 0 : 1;
}
