// iotlite provision: Fleet Provisioning by claim (AWS IoT developer guide, "Provisioning devices
// that don't have device certificates using fleet provisioning", fleet-provision-api): connect
// with the claim certificate, get a certificate (CreateKeysAndCertificate, or with --csr
// CreateCertificateFromCsr from a key made here that never leaves this machine), RegisterThing
// with the template's parameters, store the identity in --out, then connect with it to prove it.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "cli_connection.hpp"
#include "cli_util.hpp"
#include "connection_options.hpp"
#include "iotlite/firmware/device_identity.hpp"
#include "iotlite/firmware/device_key.hpp"
#include "iotlite/firmware/posix_port.hpp"
#include "iotlite/firmware/posix_storage.hpp"
#include "iotlite/services/provisioning/provisioning_client.hpp"
#include "provisioning_flow.hpp"

namespace iotlite::cli {

namespace {

namespace pv = provisioning;

constexpr const char* kCommand = "provision";

constexpr const char* kHelp =
    "usage: iotlite provision --endpoint HOST[:PORT] --template T --claim-cert FILE --claim-key FILE\n"
    "                         --out DIR [--csr [--common-name CN]] [--param KEY=VALUE ...]\n"
    "                         [connection flags]\n"
    "\n"
    "Fleet Provisioning by claim over MQTT (port 8883, or 443 with --alpn): connects with the claim\n"
    "certificate, gets a new certificate and RegisterThing's thing, writes DIR/certificate.pem,\n"
    "DIR/private.key (mode 0600) and DIR/thing.json, then connects with the new certificate (client\n"
    "id = the thing name) to prove it works. Prints thing.json on stdout.\n"
    "  --template T           provisioning template name (1..36 of [0-9A-Za-z_-])\n"
    "  --claim-cert FILE      the claim certificate (PEM)\n"
    "  --claim-key FILE       its private key (PEM)\n"
    "  --out DIR              where the new identity is written (created 0700 if missing)\n"
    "  --csr                  make an EC P-256 key here and send only a CSR (CreateCertificateFromCsr);\n"
    "                         default: AWS makes the key pair (CreateKeysAndCertificate)\n"
    "  --common-name CN       the CSR's subject CN; default: the claim connection's client id\n"
    "  --param KEY=VALUE      a template parameter (repeatable)\n"
    "Exit status: 0 provisioned and reconnected, 1 rejected / connection failure / timeout, 2 bad input.\n"
    "\n";

// Replaces (or adds) a flag's value.
void set_flag(ParsedFlags& flags, const std::string& name, const std::string& value) {
    for (auto it = flags.values.begin(); it != flags.values.end();) {
        if (it->first == name) it = flags.values.erase(it);
        else ++it;
    }
    flags.values.emplace_back(name, value);
}

}  // namespace

int run_provision(int argc, char** argv) {
    if (argc >= 1 && (std::strcmp(argv[0], "--help") == 0 || std::strcmp(argv[0], "-h") == 0)) {
        return print_connection_command_help(kHelp);
    }
    ParsedFlags flags;
    if (std::optional<int> done = parse_connection_command(kCommand, kHelp, argc, argv,
                                                           {{nullptr, "--template", true},
                                                            {nullptr, "--claim-cert", true},
                                                            {nullptr, "--claim-key", true},
                                                            {nullptr, "--out", true},
                                                            {nullptr, "--csr", false},
                                                            {nullptr, "--common-name", true},
                                                            {nullptr, "--param", true}},
                                                           flags)) {
        return *done;
    }
    const std::string* template_name = flags.get("--template");
    if (template_name == nullptr) return fail(kCommand, "--template is required");
    if (Result<void> valid = pv::validate_template_name(*template_name); !valid.ok())
        return fail(kCommand, "--template: " + valid.error().message);
    const std::string* claim_cert = flags.get("--claim-cert");
    const std::string* claim_key = flags.get("--claim-key");
    if (claim_cert == nullptr || claim_key == nullptr) return fail(kCommand, "--claim-cert and --claim-key are required");
    if (flags.has("--cert") || flags.has("--key"))
        return fail(kCommand, "--cert/--key: the claim identity is --claim-cert/--claim-key");
    const std::string* out_dir = flags.get("--out");
    if (out_dir == nullptr || out_dir->empty()) return fail(kCommand, "--out DIR is required");
    const bool use_csr = flags.has("--csr");
    if (flags.has("--common-name") && !use_csr) return fail(kCommand, "--common-name is for --csr only");
    pv::Parameters parameters;
    for (const std::string& p : all_values(flags, "--param")) {
        const auto eq = p.find('=');
        if (eq == std::string::npos || eq == 0) return fail(kCommand, "--param must be KEY=VALUE");
        if (!parameters.emplace(p.substr(0, eq), p.substr(eq + 1)).second)
            return fail(kCommand, "--param " + p.substr(0, std::min<std::size_t>(eq, 64)) + " given twice");
    }
    // The parameters' rules now, before connecting (the token is checked when it exists).
    if (Result<void> valid = pv::validate_register_input("-", parameters); !valid.ok())
        return fail(kCommand, "--param: " + valid.error().message);

    ParsedFlags claim_flags = flags;
    set_flag(claim_flags, "--cert", *claim_cert);
    set_flag(claim_flags, "--key", *claim_key);
    Result<std::unique_ptr<CliConnection>> made = CliConnection::from_flags(kCommand, claim_flags);
    if (!made.ok()) return fail(kCommand, made.error().message);
    CliConnection& c = *made.value();
    if (c.options().mode != ConnectionMode::mtls && c.options().mode != ConnectionMode::alpn)
        return fail(kCommand, "provisioning by claim connects with the claim certificate (MQTT over TLS)");
    // Before asking AWS for anything: a certificate whose key cannot be stored would be lost.
    if (::mkdir(out_dir->c_str(), 0700) != 0 && errno != EEXIST)
        return fail(kCommand, "--out " + *out_dir + ": " + std::strerror(errno));

    // The device key first: nothing is asked of AWS when it cannot be made.
    firmware::DeviceKey device_key;
    if (use_csr) {
        const std::string* cn = flags.get("--common-name");
        firmware::PosixRandom random;
        Result<firmware::DeviceKey> key = firmware::generate_device_key(random, cn != nullptr ? *cn : c.options().client_id);
        if (!key.ok()) return fail(kCommand, (cn != nullptr ? "--common-name: " : "") + key.error().message,
                                   key.error().code == Errc::crypto_error ? kExitFailure : kExitUsage);
        device_key = std::move(key).value();
    }

    // 1. + 2. The certificate, then the thing (ProvisioningFlow, shared with the example device).
    ProvisioningRequest request;
    request.template_name = *template_name;
    request.parameters = std::move(parameters);
    request.key = std::move(device_key);
    pv::ProvisioningConfig config;
    config.request_timeout_ms = c.options().timeout_ms;
    CliConnection* connection = &c;
    Result<std::unique_ptr<ProvisioningFlow>> made_flow =
        ProvisioningFlow::create(c.session().client(), std::move(request), [connection] { return connection->now_ms(); }, config);
    if (!made_flow.ok()) return fail(kCommand, made_flow.error().message, kExitFailure);
    ProvisioningFlow& flow = *made_flow.value();
    if (Result<void> attached = c.session().attach(flow.client()); !attached.ok())
        return fail(kCommand, attached.error().message, kExitFailure);
    if (Result<void> connected = c.connect(c.now_ms() + c.options().timeout_ms); !connected.ok())
        return fail(kCommand, connected.error().message, kExitFailure);
    if (Result<void> sent = flow.start(); !sent.ok()) { c.stop(); return fail(kCommand, c.explain(sent.error()), kExitFailure); }
    // Each request has its own timeout (-W) in the client; this bound is only a backstop.
    c.run_until([&] { return flow.finished(); }, c.now_ms() + 2 * c.options().timeout_ms + 1000);
    c.stop();
    if (!flow.finished()) {
        if (c.fatal()) return fail(kCommand, std::string(flow.operation()) + ": connection lost: " + c.fatal()->message, kExitFailure);
        if (interrupted()) return fail(kCommand, "interrupted", kExitFailure);
        return fail(kCommand, std::string(flow.operation()) + ": no answer within the timeout (-W)", kExitFailure);
    }
    if (!flow.succeeded()) return fail(kCommand, flow.failure([&](const Error& e) { return c.explain(e); }), kExitFailure);
    c.debug("provisioned: certificate " + flow.identity().certificate_id);

    // 3. The identity, stored (firmware::save_identity: key, certificate, then thing.json).
    const firmware::DeviceIdentity& identity = flow.identity();
    firmware::PosixStorage storage(*out_dir);
    if (Result<void> stored = firmware::save_identity(storage, identity); !stored.ok())
        return fail(kCommand, stored.error().message, kExitFailure);

    // 4. Connect with it.
    ParsedFlags device_flags = flags;
    set_flag(device_flags, "--cert", *out_dir + "/certificate.pem");
    set_flag(device_flags, "--key", *out_dir + "/private.key");
    set_flag(device_flags, "--id", identity.thing_name);
    Result<std::unique_ptr<CliConnection>> again = CliConnection::from_flags(kCommand, device_flags);
    if (!again.ok()) return fail(kCommand, "the new identity: " + again.error().message, kExitFailure);
    if (Result<void> connected = again.value()->connect(again.value()->now_ms() + again.value()->options().timeout_ms); !connected.ok())
        return fail(kCommand, "connecting with the new certificate: " + connected.error().message, kExitFailure);
    again.value()->stop();
    std::printf("%s\n", identity.thing_json().c_str());
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace iotlite::cli
