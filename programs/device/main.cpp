// iotlite_device — the example device on a Linux host (see device_app.hpp for what it does).
//
//   iotlite_device --endpoint HOST [--mode tls|alpn|wss] [--port N] --ca ca.pem
//                  [--cert device.crt --key device.key] [--thing NAME] [--interval S]
//                  [--region R] [--duration S] [--once] [--max-fragment-len N]
//
// tls: MQTT over TLS with the device certificate (default port 8883); alpn: the same on 443 with
// ALPN x-amzn-mqtt-ca; wss: MQTT over WebSocket with a SigV4-presigned URL (default port 443,
// credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, with
// AWS_CREDENTIAL_EXPIRATION for temporary ones). --endpoint may carry a port or be [v6]:port.
// Button: `kill -USR1 <pid>` or a line on stdin.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "bounded_file.hpp"
#include "device_app.hpp"
#include "iotlite/firmware/posix_port.hpp"
#include "iotlite/connection/credentials_cache.hpp"
#include "iotlite/connection/target_builder.hpp"

using namespace iotlite;
using namespace iotlite::firmware;

namespace {

volatile std::sig_atomic_t g_button = 0;
volatile std::sig_atomic_t g_stop = 0;

// Reads a PEM file with the CLI's bounded reader (a regular file of at most kPemFileLimit);
// the error names the flag, the path and the rule, never the content (a private key).
bool read_pem(const char* flag, const std::string& path, std::string& out, std::string& error) {
    if (path.empty()) {
        error = std::string(flag) + " is required";
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

int usage(const char* why) {
    std::fprintf(stderr, "iotlite_device: %s\n(see the comment at the top of programs/device/main.cpp)\n", why);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string endpoint, mode = "tls", ca, cert, key, region;
    long port = 0, duration_s = 0, mfl = 0;
    device::DeviceOptions options;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&](std::string& out) {
            if (i + 1 >= argc) return false;
            out = argv[++i];
            return true;
        };
        std::string v;
        if (a == "--once") { options.once = true; continue; }
        if (!next(v)) return usage(("missing value for " + a).c_str());
        if (a == "--endpoint") endpoint = v;
        else if (a == "--mode") mode = v;
        else if (a == "--port") port = std::strtol(v.c_str(), nullptr, 10);
        else if (a == "--ca") ca = v;
        else if (a == "--cert") cert = v;
        else if (a == "--key") key = v;
        else if (a == "--thing") options.thing = v;
        else if (a == "--client-id") options.client_id = v;
        else if (a == "--interval") options.interval_s = static_cast<std::uint32_t>(std::strtoul(v.c_str(), nullptr, 10));
        else if (a == "--region") region = v;
        else if (a == "--duration") duration_s = std::strtol(v.c_str(), nullptr, 10);
        else if (a == "--max-fragment-len") mfl = std::strtol(v.c_str(), nullptr, 10);
        else return usage(("unknown flag " + a).c_str());
    }
    if (endpoint.empty()) return usage("--endpoint is required");
    if (mode != "tls" && mode != "alpn" && mode != "wss") return usage("--mode must be tls, alpn or wss");
    const bool port_given = port != 0;
    if (port == 0) port = mode == "tls" ? 8883 : 443;
    if (port < 1 || port > 65535) return usage("--port must be 1..65535");
    if (options.interval_s == 0) return usage("--interval must be at least 1 second");

    DeviceCredentials creds;
    creds.max_fragment_len = static_cast<std::uint16_t>(mfl);
    std::string error;
    if (!read_pem("--ca", ca, creds.ca_pem, error)) return usage(error.c_str());
    if (mode != "wss") {
        if (!read_pem("--cert", cert, creds.cert_pem, error)) return usage(error.c_str());
        if (!read_pem("--key", key, creds.key_pem, error)) return usage(error.c_str());
    }

    // The connection layer: one endpoint parser; the target for every attempt (re-signed with the
    // clock offset learned from Date headers, credentials read again before they expire).
    Result<connection::Endpoint> parsed = connection::parse_endpoint(endpoint);
    if (!parsed.ok()) return usage(parsed.error().message.c_str());
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
    TransportFactory factory(posix.port(), std::move(creds));
    factory.set_clock_skew(&builder.clock_skew());  // a refused upgrade's Date corrects the next signature
    TargetProvider targets = [&](std::uint32_t attempt) {
        return builder.build(attempt, posix.port().clock.unix_time_s() * 1000);
    };

    mqtt::Config config;
    config.client_id = options.client_id.empty() ? options.thing : options.client_id;
    config.keep_alive_s = 60;
    config.rng_seed = static_cast<std::uint64_t>(std::time(nullptr)) ^ static_cast<std::uint64_t>(getpid());
    auto session = Session::create(config, posix.port(), targets,
                                   [&](const mqtt::ConnectionTarget& t) { return factory.open(t); });
    if (!session.ok()) {
        std::fprintf(stderr, "iotlite_device: %s: %s\n", errc_name(session.error().code), session.error().message.c_str());
        return 1;
    }

    std::signal(SIGUSR1, [](int) { g_button = 1; });
    std::signal(SIGINT, [](int) { g_stop = 1; });
    std::signal(SIGTERM, [](int) { g_stop = 1; });

    device::DeviceApp app(options, std::move(session.value()));
    app.set_target_builder(&builder);
    std::printf("device %s: %s to %s:%ld\n", options.thing.c_str(), mode.c_str(), endpoint.c_str(), port);
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
    std::printf("stopped\n");
    return app.done() || !options.once ? 0 : 1;
}
