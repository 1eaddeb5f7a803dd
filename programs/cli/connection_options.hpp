// The flags shared by `iotlite pub`, `sub` and `shadow`: where to connect, how to authenticate
// (SigV4 over WebSocket, or an X.509 client certificate over TLS on 8883 / 443 + ALPN), the
// MQTT client id, keep-alive and the overall timeout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli_util.hpp"
#include "iotlite/connection/credentials_provider.hpp"
#include "iotlite/connection/endpoint.hpp"
#include "iotlite/connection/target_builder.hpp"
#include "iotlite/firmware/port.hpp"
#include "iotlite/firmware/transport_factory.hpp"
#include "iotlite/mqtt/types.hpp"
#include "iotlite/result.hpp"
#include "iotlite/sigv4/credentials.hpp"
#include "mqtt5_options.hpp"

namespace iotlite::cli {

// All values of a repeatable flag, in order.
std::vector<std::string> all_values(const ParsedFlags& flags, const std::string& name);

// Parses a whole decimal number in [min, max]; false otherwise.
bool parse_number(const std::string& text, std::uint64_t min, std::uint64_t max, std::uint64_t& out);

enum class ConnectionMode : std::uint8_t {
    wss,   // MQTT over WebSocket over TLS, SigV4-presigned URL (default, port 443)
    ws,    // the same without TLS (a local stand-in only)
    mtls,  // MQTT over TLS with a client certificate (port 8883)
    alpn,  // the same on port 443 with ALPN x-amzn-mqtt-ca
};

// Where SigV4 credentials come from; read again when they are due for refresh.
struct CredentialsSpec {
    bool environment = false;     // AWS_ACCESS_KEY_ID, ... (+ AWS_CREDENTIAL_EXPIRATION)
    std::string profile;          // else this profile of the shared credentials file
    bool explicit_profile = false;  // --profile or AWS_PROFILE (not the 'default' fallback)
    std::string describe() const;   // "the environment", "profile 'x'"
};

// Where credentials come from, given --profile (null when not given): --profile, else the
// environment when AWS_ACCESS_KEY_ID is set, else AWS_PROFILE, else 'default' (botocore's order:
// only an explicit --profile overrides credentials in the environment). Error: --profile empty.
Result<CredentialsSpec> credentials_spec_for(const std::string* profile_flag);

// Reads the credentials `spec` names; `region` (may be null) receives the profile's region.
// Errors: invalid_argument, one line naming the variable, file, profile or missing key (never a
// value); AWS_CREDENTIAL_EXPIRATION that is not ISO 8601.
Result<connection::TimedCredentials> read_sigv4_credentials(const CredentialsSpec& spec, std::string* region);

struct ConnectionOptions {
    ConnectionMode mode = ConnectionMode::wss;
    // wss / ws with a custom authorizer (--authorizer, -u/-P, --token) instead of SigV4.
    bool custom_authorizer = false;
    connection::CustomAuthorizer authorizer;  // token and password are secrets
    std::optional<mqtt::Will> will;           // --will-topic, --will-payload, --will-qos, --will-retain
    connection::Endpoint endpoint;  // as parsed from --endpoint
    std::string host;               // endpoint.host (an IPv6 literal without brackets)
    std::uint16_t port = 443;
    std::string region;            // SigV4 only; resolved (given, inferred or from the environment)
    sigv4::Credentials credentials;  // SigV4 only: as first read (checked before connecting)
    std::int64_t credentials_expiration_ms = 0;  // 0: no expiry known
    CredentialsSpec credentials_spec;  // SigV4 only: where to read them again
    std::string credentials_source;  // "the environment", "profile 'x'": for messages
    std::string ca_path;
    firmware::DeviceCredentials tls;  // ca (wss, mtls, alpn), cert + key (mtls, alpn)
    std::string client_id;
    std::uint16_t keep_alive_s = 60;
    std::uint32_t timeout_ms = 10000;
    bool timeout_given = false;  // -W given explicitly
    bool debug = false;
    // -V and -D (pub, sub): the protocol version and the MQTT 5 properties; CONNECT's and the
    // Will's go into the engine's config (CliConnection::create).
    Mqtt5Options mqtt5;

    // "wss://host:port (SigV4, access key AKID...)" and the like. Never a secret.
    std::string describe() const;
    // Every secret this connection knows (secret key, session token, authorizer token, password),
    // to redact from messages.
    std::vector<std::string> secrets() const;
};

// The connection layer's view of the options (endpoint with the mode's port, auth mode, region).
connection::TargetConfig target_config(const ConnectionOptions& options);

// The connection flags, to append to a command's own.
std::vector<OptionSpec> connection_option_specs();
// The help text for them (lines of "  --flag  meaning").
const char* connection_options_help();

// The -q/--qos flag of pub and sub: 0 (the default) or 1. Errors: invalid_argument, naming the
// rule (AWS IoT has no QoS 2).
Result<mqtt::QoS> qos_from(const ParsedFlags& flags);

// Prints a connection command's help on stdout: its own `help`, then the connection flags'.
// Returns kExitOk.
int print_connection_command_help(const char* help);

// Parses the arguments of a connection command (pub, sub, shadow): the connection flags plus the
// command's own `specs`, then apply_mosquitto_spellings (mosquitto_spellings.hpp). Returns the
// exit code when the command ends here: --help was given (the help printed, kExitOk) or the
// arguments do not parse ("iotlite <command>: ..." on stderr, kExitUsage); nullopt when the
// command goes on with `flags`. --quiet silences the error lines from here on.
std::optional<int> parse_connection_command(const char* command, const char* help, int argc, char** argv,
                                            const std::vector<OptionSpec>& specs, ParsedFlags& flags);

// Builds the options from parsed flags and the environment (AWS_ACCESS_KEY_ID, ...,
// AWS_PROFILE, AWS_REGION, AWS_DEFAULT_REGION, AWS_SHARED_CREDENTIALS_FILE). Reads and checks
// the PEM files (they must parse). Errors: one line naming the problem (exit 2).
Result<ConnectionOptions> connection_options_from(const ParsedFlags& flags, firmware::Random& random);

}  // namespace iotlite::cli
