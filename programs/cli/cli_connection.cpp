#include "cli_connection.hpp"

#include <signal.h>

#include <mbedtls/x509.h>

#include <algorithm>
#include <cstdio>

#include "cli_util.hpp"
#include "iotlite/connection/retry.hpp"
#include "iotlite/services/request_tracker.hpp"
#include "tcp_probe.hpp"

namespace iotlite::cli {

namespace {

volatile sig_atomic_t g_interrupted = 0;

void on_interrupt(int) { g_interrupted = 1; }


void replace_all(std::string& text, const std::string& what, const std::string& with) {
    if (what.empty()) return;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
        text.replace(at, what.size(), with);
    }
}

std::string uri_encode(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

bool looks_like_ip(const std::string& host) {
    for (char c : host)
        if ((c < '0' || c > '9') && c != '.') return false;
    return true;
}


}  // namespace

void install_interrupt_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: poll() returns at once
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, nullptr);
}

bool interrupted() { return g_interrupted != 0; }

CliConnection::CliConnection(std::string command, ConnectionOptions options)
    : command_(std::move(command)),
      options_(std::move(options)),
      factory_(posix_.port(), options_.tls),
      credentials_source_([this](std::int64_t now_ms) -> Result<connection::TimedCredentials> {
          // The first read was checked by connection_options_from; later ones read the source again.
          Result<connection::TimedCredentials> c =
              credentials_.fetch_count() <= 1
                  ? Result<connection::TimedCredentials>(
                        connection::TimedCredentials{options_.credentials, options_.credentials_expiration_ms})
                  : read_sigv4_credentials(options_.credentials_spec, nullptr);
          if (!c.ok()) return c.error();
          for (const std::string* secret : {&c.value().credentials.secret_access_key, &c.value().credentials.session_token}) {
              if (!secret->empty() && std::find(secrets_.begin(), secrets_.end(), *secret) == secrets_.end()) {
                  secrets_.push_back(*secret);
              }
          }
          if (c.value().expiration_ms != 0 && c.value().expiration_ms <= now_ms) {
              return make_error(Errc::auth_failed,
                                "the temporary credentials from " + options_.credentials_source + " expired " +
                                    std::to_string((now_ms - c.value().expiration_ms) / 1000) +
                                    " s ago (" +
                                    (options_.credentials_spec.environment ? "AWS_CREDENTIAL_EXPIRATION" : "their Expiration") +
                                    ") and no fresh ones are there");
          }
          return c;
      }),
      credentials_(credentials_source_) {
    secrets_ = options_.secrets();
}

Result<std::unique_ptr<CliConnection>> CliConnection::from_flags(std::string command, const ParsedFlags& flags) {
    Result<Mqtt5Options> mqtt5 = mqtt5_options_from(command, flags);
    if (!mqtt5.ok()) return mqtt5.error();
    firmware::PosixRandom random;
    Result<ConnectionOptions> options = connection_options_from(flags, random);
    if (!options.ok()) return options.error();
    options.value().mqtt5 = std::move(mqtt5).value();
    Result<std::unique_ptr<CliConnection>> made = create(std::move(command), std::move(options.value()));
    if (made.ok()) install_interrupt_handlers();
    return made;
}

Result<std::unique_ptr<CliConnection>> CliConnection::create(std::string command, ConnectionOptions options) {
    std::unique_ptr<CliConnection> c(new CliConnection(std::move(command), std::move(options)));
    Result<connection::TargetBuilder> targets = connection::TargetBuilder::create(target_config(c->options_), &c->credentials_);
    if (!targets.ok()) return targets.error();
    c->targets_.emplace(std::move(targets).value());
    c->factory_.set_clock_skew(&c->targets_->clock_skew());
    mqtt::Config config;
    config.client_id = c->options_.client_id;
    config.keep_alive_s = c->options_.keep_alive_s;
    config.will = c->options_.will;
    const Mqtt5Options& v5 = c->options_.mqtt5;
    config.protocol_version = v5.protocol_version;
    config.session_expiry_s = v5.session_expiry_s;
    config.receive_maximum = v5.receive_maximum;
    config.topic_alias_maximum = v5.topic_alias_maximum;
    if (v5.maximum_packet_size != 0) config.max_inbound_packet = v5.maximum_packet_size;
    config.connect_user_properties = v5.connect_user_properties;
    if (config.will && !v5.will.empty()) config.will->properties = mqtt::PropertiesPtr(v5.will);
    config.connect_timeout_ms = std::min<std::uint32_t>(c->options_.timeout_ms, 10000);
    // A short tool run: retry soon, the overall timeout bounds the total.
    config.reconnect.min_delay_ms = 500;
    config.reconnect.max_delay_ms = 4000;
    std::uint64_t seed = 0;
    c->posix_.port().random.fill(reinterpret_cast<std::uint8_t*>(&seed), sizeof seed);
    config.rng_seed = seed | 1u;
    CliConnection* self = c.get();
    Result<std::unique_ptr<firmware::Session>> session = firmware::Session::create(
        std::move(config), c->posix_.port(), [self](std::uint32_t attempt) { return self->target(attempt); },
        [self](const mqtt::ConnectionTarget& t) { return self->factory_.open(t); });
    if (!session.ok()) return session.error();
    c->session_ = std::move(session.value());
    c->session_->set_event_handler([self](const mqtt::Event& e) { self->on_event(e); });
    return c;
}

Result<mqtt::ConnectionTarget> CliConnection::target(std::uint32_t attempt) {
    // Numbered over the whole run (the engine's attempt number restarts after each success).
    debug("connect attempt " + std::to_string(session_->connect_attempts() + 1) + " to " + options_.describe());
    const std::int64_t offset = targets_->clock_skew().offset_s();
    if (offset != 0) debug("signing with the server's clock: offset " + std::to_string(offset) + " s (from a Date header)");
    Result<mqtt::ConnectionTarget> t = targets_->build(attempt, posix_.port().clock.unix_time_s() * 1000);
    if (!t.ok()) return make_error(t.error().code, explain(t.error()), t.error().http_status);
    return t;
}

void CliConnection::on_event(const mqtt::Event& event) {
    using T = mqtt::Event::Type;
    switch (event.type) {
        case T::connected:
            connected_ = true;
            ever_connected_ = true;
            debug("connected as " + options_.client_id);
            break;
        case T::disconnected:
            connected_ = false;
            targets_->on_attempt_failed(event.error);
            last_error_ = make_error(event.error.code, explain(event.error));
            debug("disconnected: " + last_error_->message);
            // A client the engine closed (MQTT 5 DISCONNECT 0x8E session taken over: another
            // connection uses this client id) does not come back: end the run, unless stop() did it.
            if (is_final(event.error) || (!stopping_ && session_->state() == mqtt::State::closed)) fatal_ = last_error_;
            break;
        case T::reconnecting:
            debug("retrying in " + std::to_string(event.delay_ms) + " ms");
            break;
        case T::error:
            if (event.op_id == 0) {
                targets_->on_attempt_failed(event.error);
                last_error_ = make_error(event.error.code, explain(event.error));
                debug("error: " + last_error_->message);
                if (is_final(event.error)) fatal_ = last_error_;
                // Before the first CONNACK, a TCP failure that retrying cannot fix ends the run
                // now (mosquitto_pub: "Error: Connection refused" at once), not after -W.
                if (!fatal_ && !ever_connected_ && event.error.code == Errc::io_error) check_reachable();
            }
            break;
        default:
            break;
    }
    if (handler_) handler_(event);
}

// An error no retry with the same settings can mend, by core's rule. What a retry presents:
// credentials read again from a source that issues new ones (credential_process, role_arn: they
// come with an expiry) are refreshed; keys from the environment or a credentials file, a
// certificate and an authorizer token are the same every time.
bool CliConnection::is_final(const Error& error) const {
    const bool refreshed = (options_.mode == ConnectionMode::wss || options_.mode == ConnectionMode::ws) &&
                           !options_.custom_authorizer && !options_.credentials_spec.environment &&
                           options_.credentials_expiration_ms != 0;
    return !connection::retry_verdict(error, refreshed ? connection::RetryCredentials::refreshed
                                                       : connection::RetryCredentials::fixed)
                .can_succeed;
}

void CliConnection::check_reachable() {
    const std::string hostport = (options_.endpoint.ipv6 ? "[" + options_.host + "]" : options_.host) + ":" +
                                 std::to_string(options_.port);
    switch (probe_tcp(options_.host, options_.port, 1000)) {
        case TcpProbe::refused:
            fatal_ = make_error(Errc::connection_refused, "connection refused by " + hostport + " (nothing listens on that port)");
            break;
        case TcpProbe::unknown_host:
            fatal_ = make_error(Errc::io_error, "cannot resolve " + options_.host + " (no such host name)");
            break;
        case TcpProbe::reachable:
        case TcpProbe::inconclusive:
            break;
    }
    if (fatal_) last_error_ = fatal_;
}

Result<void> CliConnection::connect(std::uint64_t deadline_ms) {
    const std::uint64_t started = now_ms();
    Result<void> r = session_->start();
    if (!r.ok()) return make_error(r.error().code, explain(r.error()));
    if (run_until([this] { return connected_; }, deadline_ms)) return Result<void>();
    const std::string where = options_.describe();
    if (fatal_) return make_error(fatal_->code, "cannot connect to " + where + ": " + fatal_->message);
    if (interrupted()) return make_error(Errc::closed, "interrupted while connecting to " + where);
    const std::uint64_t waited = now_ms() - started;
    std::string message = "could not connect to " + where + " within " + std::to_string((waited + 500) / 1000) + " s";
    if (last_error_) message += ": " + last_error_->message;
    return make_error(Errc::timeout, message);
}

bool CliConnection::run_until(const std::function<bool()>& pred, std::uint64_t deadline_ms) {
    for (;;) {
        if (pred()) return true;
        if (fatal_ || interrupted()) return false;
        const std::uint64_t now = now_ms();
        if (now >= deadline_ms) return false;
        session_->poll(static_cast<std::uint32_t>(std::min<std::uint64_t>(deadline_ms - now, 500)));
    }
}

std::optional<int> CliConnection::await_answer(const std::function<bool()>& answered, std::uint64_t deadline_ms,
                                               std::string_view command, const std::string& what) {
    run_until(answered, deadline_ms + 1000);
    stop();
    if (answered()) return std::nullopt;
    if (fatal_) return fail(command, "connection lost: " + fatal_->message, kExitFailure);
    if (interrupted()) return fail(command, "interrupted", kExitFailure);
    return fail(command, what + ": no response within the timeout (-W)", kExitFailure);
}

void CliConnection::stop() {
    stopping_ = true;
    session_->stop(1000);
}

// Hints from the error's cause fields (HTTP status, TLS alert and verification flags, CONNACK
// code), never from its text.
std::string CliConnection::explain(const Error& error) const {
    std::string text = error.message;
    const bool certificate_alert = (error.tls_alert >= 41 && error.tls_alert <= 49) || error.tls_alert == 116;
    if (error.code == Errc::auth_failed && (error.http_status == 403 || error.http_status == 401) &&
        options_.custom_authorizer) {
        text += " (AWS IoT refused the custom authorizer's answer: check --authorizer, --token, "
                "--token-signature and -u/-P)";
    } else if (error.code == Errc::auth_failed && (error.http_status == 403 || error.http_status == 401)) {
        text += " (AWS IoT refused the SigV4-presigned URL: check the access key and secret key from " +
                options_.credentials_source + ", the session token if any, the region '" + options_.region +
                "' and the system clock)";
    } else if (error.code == Errc::auth_failed && certificate_alert) {
        text += " (is the certificate registered and ACTIVE in AWS IoT, or issued by a CA the endpoint trusts?)";
    } else if (error.code == Errc::auth_failed && (error.mqtt_reason == 4 || error.mqtt_reason == 5 ||
                                                    (options_.mqtt5.protocol_version == 5 && error.mqtt_reason == 0x87 &&
                                                     !connected_))) {
        text += " (for AWS IoT: check that the policy allows iot:Connect for client id '" + options_.client_id + "')";
    } else if (error.code == Errc::auth_failed && error.mqtt_reason == 0x87) {
        // MQTT 5 PUBACK / SUBACK / UNSUBACK 0x87 on an established connection.
        text += " (AWS IoT: check that the policy allows the action on this topic; $aws/ topics allow only the "
                "operations AWS documents for them)";
    } else if (error.tls_verify_flags != 0) {
        text += " (the server's certificate is not trusted by " + options_.ca_path +
                ": pass --cafile with the CA that signed it, and connect by a name the certificate carries";
        if ((error.tls_verify_flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0 && looks_like_ip(options_.host))
            text += "; mbedTLS matches DNS names only, not IP addresses";
        text += ")";
    }
    for (const std::string& secret : secrets_) {
        replace_all(text, secret, "<redacted>");
        replace_all(text, uri_encode(secret), "<redacted>");
    }
    // One line, and no control byte of the broker's (an MQTT 5 Reason String) reaches the terminal.
    return services::one_line(text);
}

void CliConnection::debug(const std::string& line) const {
    if (!options_.debug) return;
    std::fprintf(stderr, "iotlite %s: %s\n", command_.c_str(), line.c_str());
    std::fflush(stderr);
}

}  // namespace iotlite::cli
