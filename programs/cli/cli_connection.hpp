// One MQTT connection for a CLI command: the POSIX port, the transport factory, the connection
// layer's target builder (a fresh presigned URL for every connect attempt, with the learned clock
// offset and credentials read again before they expire) and a firmware::Session, plus the bookkeeping every
// command needs: wait for CONNACK within a deadline, stop early on an error that retrying
// cannot fix (403, certificate not trusted or refused, CONNACK refusal), explain errors in one
// line with a hint, and never let a secret through.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "connection_options.hpp"
#include "iotlite/connection/credentials_cache.hpp"
#include "iotlite/connection/target_builder.hpp"
#include "iotlite/firmware/posix_port.hpp"
#include "iotlite/firmware/session.hpp"
#include "iotlite/firmware/transport_factory.hpp"

namespace iotlite::cli {

// SIGINT / SIGTERM set a flag that run_until() checks (installed once per process).
void install_interrupt_handlers();
bool interrupted();

class CliConnection {
public:
    // Errors: the engine's config rules (client id, keep-alive): usage errors.
    static Result<std::unique_ptr<CliConnection>> create(std::string command, ConnectionOptions options);
    // What pub, sub and shadow start with: the options from the parsed flags
    // (connection_options_from), the connection (create) and the interrupt handlers.
    // Errors: usage errors from either step.
    static Result<std::unique_ptr<CliConnection>> from_flags(std::string command, const ParsedFlags& flags);
    CliConnection(const CliConnection&) = delete;
    CliConnection& operator=(const CliConnection&) = delete;

    firmware::Session& session() { return *session_; }
    const ConnectionOptions& options() const { return options_; }
    std::uint64_t now_ms() { return session_->now_ms(); }

    // Application events (message, subscribed, published, ...), after the bookkeeping here.
    void set_event_handler(firmware::EventHandler handler) { handler_ = std::move(handler); }

    // Starts the session and waits for CONNACK until deadline_ms. The error is already explained
    // (explain()) and names the endpoint; Errc::timeout when the deadline passed.
    Result<void> connect(std::uint64_t deadline_ms);
    // Polls until pred() (true), or the deadline, a fatal connection error or an interrupt (false).
    bool run_until(const std::function<bool()>& pred, std::uint64_t deadline_ms);
    // The error that ended the connection for good, if any (already explained).
    const std::optional<Error>& fatal() const { return fatal_; }
    // The last connection-level error seen, if any (already explained).
    const std::optional<Error>& last_error() const { return last_error_; }
    // DISCONNECT and close (bounded).
    void stop();
    // A service request's end (shadow, jobs): runs until `answered()` (the request's own timeout
    // completes it; `deadline_ms` + 1 s is a backstop), then stops. Returns nullopt when it was
    // answered, else prints why not ("<what>: no response within the timeout (-W)", a lost
    // connection, an interrupt) as `command`'s one-line error and returns the exit code.
    std::optional<int> await_answer(const std::function<bool()>& answered, std::uint64_t deadline_ms,
                                    std::string_view command, const std::string& what);

    // One line: the message, a hint for well-known failures, secrets replaced by "<redacted>".
    std::string explain(const Error& error) const;
    // Prints "iotlite <command>: <line>" on stderr when -d was given.
    void debug(const std::string& line) const;

private:
    CliConnection(std::string command, ConnectionOptions options);
    Result<mqtt::ConnectionTarget> target(std::uint32_t attempt);
    void on_event(const mqtt::Event& event);
    // After a TCP-level failure before any CONNACK: a refused port or an unknown host is fatal.
    void check_reachable();
    bool is_final(const Error& error) const;

    std::string command_;
    ConnectionOptions options_;
    firmware::PosixPort posix_;
    firmware::TransportFactory factory_;
    // SigV4: the credentials read from their source (env or profile) again when due.
    connection::CallbackCredentialsProvider credentials_source_;
    connection::CredentialsCache credentials_;
    std::optional<connection::TargetBuilder> targets_;
    std::vector<std::string> secrets_;  // every secret seen (refreshes add to it), to redact
    std::unique_ptr<firmware::Session> session_;
    firmware::EventHandler handler_;
    bool connected_ = false;
    bool stopping_ = false;  // stop() called: the engine closing is expected
    bool ever_connected_ = false;
    std::optional<Error> fatal_;
    std::optional<Error> last_error_;
};

}  // namespace iotlite::cli
