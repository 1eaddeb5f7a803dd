#include "cli_connection.hpp"

#include <signal.h>

#include <cstdio>

namespace iotlite::cli {

namespace {

volatile sig_atomic_t g_interrupted = 0;

void on_interrupt(int) { g_interrupted = 1; }

bool contains(const std::string& text, const char* what) { return text.find(what) != std::string::npos; }

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

// An error that another attempt with the same inputs cannot fix.
bool is_fatal(const Error& e) {
    switch (e.code) {
        case Errc::auth_failed:
        case Errc::crypto_error:
        case Errc::invalid_argument:
        case Errc::protocol_error:
            return true;
        case Errc::connection_refused:
            return !contains(e.message, "server unavailable");  // CONNACK 3 may pass
        default:
            return false;
    }
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
    : command_(std::move(command)), options_(std::move(options)), factory_(posix_.port(), options_.tls) {}

Result<std::unique_ptr<CliConnection>> CliConnection::from_flags(std::string command, const ParsedFlags& flags) {
    firmware::PosixRandom random;
    Result<ConnectionOptions> options = connection_options_from(flags, random);
    if (!options.ok()) return options.error();
    Result<std::unique_ptr<CliConnection>> made = create(std::move(command), std::move(options.value()));
    if (made.ok()) install_interrupt_handlers();
    return made;
}

Result<std::unique_ptr<CliConnection>> CliConnection::create(std::string command, ConnectionOptions options) {
    std::unique_ptr<CliConnection> c(new CliConnection(std::move(command), std::move(options)));
    mqtt::Config config;
    config.client_id = c->options_.client_id;
    config.keep_alive_s = c->options_.keep_alive_s;
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

Result<mqtt::ConnectionTarget> CliConnection::target(std::uint32_t) {
    mqtt::ConnectionTarget t;
    switch (options_.mode) {
        case ConnectionMode::wss:
        case ConnectionMode::ws: {
            // Signed afresh for every attempt: credentials rotate and URLs age.
            sigv4::IotUrlRequest request;
            request.endpoint = options_.host + ":" + std::to_string(options_.port);
            request.region = options_.region;
            request.credentials = options_.credentials;
            request.time = posix_.port().clock.unix_time_s();
            request.scheme = options_.mode == ConnectionMode::ws ? sigv4::UrlScheme::ws : sigv4::UrlScheme::wss;
            Result<std::string> url = signer_.presign(request);
            if (!url.ok()) return url.error();
            t.kind = mqtt::TransportKind::websocket;
            t.url = std::move(url.value());
            break;
        }
        case ConnectionMode::mtls:
        case ConnectionMode::alpn:
            t.kind = mqtt::TransportKind::tls;
            t.host = options_.host;
            t.port = options_.port;
            if (options_.mode == ConnectionMode::alpn) t.alpn = "x-amzn-mqtt-ca";
            break;
    }
    // Numbered over the whole run (the engine's attempt number restarts after each success).
    debug("connect attempt " + std::to_string(session_->connect_attempts() + 1) + " to " + options_.describe());
    return t;
}

void CliConnection::on_event(const mqtt::Event& event) {
    using T = mqtt::Event::Type;
    switch (event.type) {
        case T::connected:
            connected_ = true;
            debug("connected as " + options_.client_id);
            break;
        case T::disconnected:
            connected_ = false;
            last_error_ = make_error(event.error.code, explain(event.error));
            debug("disconnected: " + last_error_->message);
            if (is_fatal(event.error)) fatal_ = last_error_;
            break;
        case T::reconnecting:
            debug("retrying in " + std::to_string(event.delay_ms) + " ms");
            break;
        case T::error:
            if (event.op_id == 0) {
                last_error_ = make_error(event.error.code, explain(event.error));
                debug("error: " + last_error_->message);
                if (is_fatal(event.error)) fatal_ = last_error_;
            }
            break;
        default:
            break;
    }
    if (handler_) handler_(event);
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

void CliConnection::stop() { session_->stop(1000); }

std::string CliConnection::explain(const Error& error) const {
    std::string text = error.message;
    const std::string& m = error.message;
    if (error.code == Errc::auth_failed && (contains(m, "HTTP 403") || contains(m, "HTTP 401"))) {
        text += " (AWS IoT refused the SigV4-presigned URL: check the access key and secret key from " +
                options_.credentials_source + ", the session token if any, the region '" + options_.region +
                "' and the system clock)";
    } else if (error.code == Errc::auth_failed && contains(m, "client certificate")) {
        text += " (is the certificate registered and ACTIVE in AWS IoT, or issued by a CA the endpoint trusts?)";
    } else if (error.code == Errc::auth_failed && contains(m, "CONNACK")) {
        text += " (for AWS IoT: check that the policy allows iot:Connect for client id '" + options_.client_id + "')";
    } else if (error.code == Errc::crypto_error && contains(m, "verification failed")) {
        text += " (the server's certificate is not trusted by " + options_.ca_path +
                ": pass --cafile with the CA that signed it, and connect by a name the certificate carries";
        if (contains(m, "CN") && looks_like_ip(options_.host)) text += "; mbedTLS matches DNS names only, not IP addresses";
        text += ")";
    }
    for (const std::string& secret : options_.secrets()) {
        replace_all(text, secret, "<redacted>");
        replace_all(text, uri_encode(secret), "<redacted>");
    }
    return text;
}

void CliConnection::debug(const std::string& line) const {
    if (!options_.debug) return;
    std::fprintf(stderr, "iotlite %s: %s\n", command_.c_str(), line.c_str());
    std::fflush(stderr);
}

}  // namespace iotlite::cli
