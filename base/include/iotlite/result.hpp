// Result<T> and Errc: the one error vocabulary of every iotlite layer.
//
// Nothing in sigv4/, core/ or firmware/ throws (they build with -fno-exceptions),
// so every fallible function returns a Result: either a value or an Errc plus a
// human-readable message that names the rule that was broken. Messages never
// contain secrets (secret keys, session tokens, private keys).
//
// This header is the base layer (base/, target iotlite_base): every layer above uses it.
#pragma once

#include <cstdint>
#include <new>
#include <string>
#include <utility>

#include "iotlite/config.hpp"

namespace iotlite {

// Every status any iotlite function can report. Functions document which of these they return.
enum class Errc {
    ok = 0,             // success (never stored in an Error)
    invalid_argument,   // the application passed a malformed value (bad endpoint, bad time, bad JSON...)
    limit_exceeded,     // a value breaks an AWS IoT limit (topic length, payload size, client id...)
    invalid_topic,      // a topic or topic filter is not valid MQTT / AWS IoT syntax
    invalid_state,      // the call is not allowed in the current state (e.g. publish while closed with no queue)
    not_connected,      // no MQTT session is open and the operation cannot be queued
    queue_full,         // the offline queue or an in-flight table is full (policy: reject)
    dropped,            // a queued message was evicted by the offline-queue policy
    protocol_error,     // malformed bytes from the peer; the connection is closed
    connection_refused, // CONNACK with a non-zero return code, or an HTTP upgrade refused
    auth_failed,        // credentials rejected (HTTP 403, CONNACK 4/5, Cognito NotAuthorized)
    timeout,            // a deadline driven by the engine clock passed (keep-alive, request timeout)
    closed,             // the transport closed or the client was shut down before completion
    crypto_error,       // the crypto backend (mbedTLS) reported a failure
    io_error,           // a driver-level I/O failure (socket, TLS, file)
    server_error,       // the server answered with an error (HTTP 4xx/5xx, shadow rejection)
    conflict,           // shadow version conflict (HTTP 409 semantics)
    unsupported,        // the feature is not available in this build or configuration
};

// Stable lower_snake names, used in JS error codes and CLI output.
constexpr const char* errc_name(Errc code) {
    switch (code) {
        case Errc::ok: return "ok";
        case Errc::invalid_argument: return "invalid_argument";
        case Errc::limit_exceeded: return "limit_exceeded";
        case Errc::invalid_topic: return "invalid_topic";
        case Errc::invalid_state: return "invalid_state";
        case Errc::not_connected: return "not_connected";
        case Errc::queue_full: return "queue_full";
        case Errc::dropped: return "dropped";
        case Errc::protocol_error: return "protocol_error";
        case Errc::connection_refused: return "connection_refused";
        case Errc::auth_failed: return "auth_failed";
        case Errc::timeout: return "timeout";
        case Errc::closed: return "closed";
        case Errc::crypto_error: return "crypto_error";
        case Errc::io_error: return "io_error";
        case Errc::server_error: return "server_error";
        case Errc::conflict: return "conflict";
        case Errc::unsupported: return "unsupported";
    }
    return "unknown";
}

// An error is data: the Errc, a message for people, and the cause as fields. Callers (the CLI,
// the demo page, the JS package's IotError) explain an error from the fields, never by matching
// the message text. Each cause field is 0 / empty when it does not apply.
struct Error {
    Error() = default;
    Error(Errc c, std::string m, std::uint16_t status = 0) : code(c), message(std::move(m)), http_status(status) {}

    Errc code = Errc::invalid_argument;
    std::string message;  // names the rule that was broken; never contains a secret

    // The HTTP status behind the error (a refused WebSocket upgrade, an HTTPS or Cognito answer).
    std::uint16_t http_status = 0;
    // The MQTT answer behind the error: a CONNACK return code (MQTT 3.1.1: 1..5) or an MQTT 5
    // reason code (>= 0x80).
    std::uint8_t mqtt_reason = 0;
    // TLS: the description of a fatal alert the peer sent (RFC 8446 section 6.2; close_notify is
    // never reported), the mbedTLS error code (negative) and, for a server certificate that
    // failed verification, mbedTLS's MBEDTLS_X509_BADCERT_* flags.
    std::uint8_t tls_alert = 0;
    std::int32_t tls_code = 0;
    std::uint32_t tls_verify_flags = 0;
    // The rule that refused an input: a stable id (e.g. "topic.levels", "payload.bytes"), its
    // limit and the value found. rule points to a string literal; "" when no rule applies.
    const char* rule = "";
    std::uint32_t limit = 0;
    std::uint32_t actual = 0;

    Error with_rule(const char* id, std::uint32_t rule_limit, std::uint32_t found) && {
        rule = id;
        limit = rule_limit;
        actual = found;
        return std::move(*this);
    }
    Error with_mqtt_reason(std::uint8_t reason) && {
        mqtt_reason = reason;
        return std::move(*this);
    }
    Error with_tls(std::int32_t mbedtls_code, std::uint8_t alert = 0, std::uint32_t verify_flags = 0) && {
        tls_code = mbedtls_code;
        tls_alert = alert;
        tls_verify_flags = verify_flags;
        return std::move(*this);
    }
};

inline Error make_error(Errc code, std::string message, std::uint16_t http_status = 0) {
    return Error{code, std::move(message), http_status};
}

// Value or Error. Check ok() before value(); value() on an error is a programming bug.
template <typename T>
class Result {
public:
    Result(T value) : ok_(true) { new (&storage_.value) T(std::move(value)); }  // NOLINT: implicit by design
    Result(Error error) : ok_(false) { new (&storage_.error) Error(std::move(error)); }  // NOLINT
    Result(const Result& other) : ok_(other.ok_) { copy_from(other); }
    Result(Result&& other) noexcept : ok_(other.ok_) { move_from(std::move(other)); }
    Result& operator=(const Result& other) {
        if (this != &other) { destroy(); ok_ = other.ok_; copy_from(other); }
        return *this;
    }
    Result& operator=(Result&& other) noexcept {
        if (this != &other) { destroy(); ok_ = other.ok_; move_from(std::move(other)); }
        return *this;
    }
    ~Result() { destroy(); }

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    T& value() & { return storage_.value; }
    const T& value() const& { return storage_.value; }
    T&& value() && { return std::move(storage_.value); }
    const Error& error() const { return storage_.error; }

private:
    void destroy() {
        if (ok_) storage_.value.~T(); else storage_.error.~Error();
    }
    void copy_from(const Result& other) {
        if (ok_) new (&storage_.value) T(other.storage_.value);
        else new (&storage_.error) Error(other.storage_.error);
    }
    void move_from(Result&& other) {
        if (ok_) new (&storage_.value) T(std::move(other.storage_.value));
        else new (&storage_.error) Error(std::move(other.storage_.error));
    }
    union Storage {
        Storage() {}
        ~Storage() {}
        T value;
        Error error;
    } storage_;
    bool ok_;
};

template <>
class Result<void> {
public:
    Result() = default;
    Result(Error error) : ok_(false), error_(std::move(error)) {}  // NOLINT: implicit by design
    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { return error_; }

private:
    bool ok_ = true;
    Error error_;
};

}  // namespace iotlite
