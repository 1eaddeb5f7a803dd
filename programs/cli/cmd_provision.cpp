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

// Waits until the handler put the request's completing event in `slot`; nullopt when the deadline
// passed, the connection failed for good or the user interrupted.
std::optional<pv::ProvisioningEvent> await_answer(CliConnection& c, std::optional<pv::ProvisioningEvent>& slot,
                                                  std::uint64_t deadline) {
    c.run_until([&] { return slot.has_value(); }, deadline + 1000);
    std::optional<pv::ProvisioningEvent> out = std::move(slot);
    slot.reset();
    return out;
}

int request_failed(CliConnection& c, const char* op, const std::optional<pv::ProvisioningEvent>& outcome) {
    c.stop();
    if (!outcome) {
        if (c.fatal()) return fail(kCommand, std::string(op) + ": connection lost: " + c.fatal()->message, kExitFailure);
        if (interrupted()) return fail(kCommand, "interrupted", kExitFailure);
        return fail(kCommand, std::string(op) + ": no answer within the timeout (-W)", kExitFailure);
    }
    if (outcome->type == pv::ProvisioningEvent::Type::rejected)
        return fail(kCommand,
                    std::string(op) + " rejected: " + std::to_string(outcome->rejection.status_code) + " " +
                        outcome->rejection.error_code + (outcome->rejection.error_message.empty() ? "" : ": " + outcome->rejection.error_message),
                    kExitFailure);
    return fail(kCommand, std::string(op) + " failed: " + c.explain(outcome->error), kExitFailure);
}

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

    const std::uint64_t deadline = c.now_ms() + c.options().timeout_ms;
    pv::ProvisioningConfig config;
    config.request_timeout_ms = c.options().timeout_ms;
    Result<std::unique_ptr<pv::ProvisioningClient>> pc = pv::ProvisioningClient::create(c.session().client(), config);
    if (!pc.ok()) return fail(kCommand, pc.error().message, kExitFailure);
    std::uint32_t request_id = 0;
    std::optional<pv::ProvisioningEvent> slot;
    pc.value()->set_event_handler([&](const pv::ProvisioningEvent& e) {
        if (e.request_id == request_id) slot = e;
    });
    if (Result<void> attached = c.session().attach(*pc.value()); !attached.ok())
        return fail(kCommand, attached.error().message, kExitFailure);
    if (Result<void> connected = c.connect(deadline); !connected.ok()) return fail(kCommand, connected.error().message, kExitFailure);

    // 1. The certificate.
    const char* create_op = use_csr ? "CreateCertificateFromCsr" : "CreateKeysAndCertificate";
    Result<std::uint32_t> sent = use_csr ? pc.value()->create_certificate_from_csr(device_key.csr_pem, c.now_ms())
                                         : pc.value()->create_keys_and_certificate(c.now_ms());
    if (!sent.ok()) { c.stop(); return fail(kCommand, c.explain(sent.error()), kExitFailure); }
    request_id = sent.value();
    std::optional<pv::ProvisioningEvent> created = await_answer(c, slot, deadline);
    if (!created || created->type != pv::ProvisioningEvent::Type::accepted) return request_failed(c, create_op, created);
    pv::Certificate certificate = std::move(created->certificate);
    created.reset();
    if (!use_csr) device_key.private_key_pem = std::move(certificate.private_key);
    c.debug(std::string(create_op) + " accepted: certificate " + certificate.certificate_id);

    // 2. The thing.
    const std::uint64_t register_deadline = c.now_ms() + c.options().timeout_ms;
    sent = pc.value()->register_thing(*template_name, certificate.ownership_token, parameters, c.now_ms());
    if (!sent.ok()) { c.stop(); return fail(kCommand, c.explain(sent.error()), kExitFailure); }
    request_id = sent.value();
    std::optional<pv::ProvisioningEvent> registered = await_answer(c, slot, register_deadline);
    if (!registered || registered->type != pv::ProvisioningEvent::Type::accepted) return request_failed(c, "RegisterThing", registered);
    c.stop();
    const pv::Registration& reg = registered->registration;
    if (reg.thing_name.empty()) return fail(kCommand, "RegisterThing: the template created no thing; nothing to connect as", kExitFailure);

    // 3. The identity, stored (firmware::save_identity: key, certificate, then thing.json).
    firmware::DeviceIdentity identity;
    identity.thing_name = reg.thing_name;
    identity.certificate_id = certificate.certificate_id;
    identity.template_name = *template_name;
    identity.device_configuration = reg.device_configuration;
    identity.certificate_pem = std::move(certificate.certificate_pem);
    identity.private_key_pem = std::move(device_key.private_key_pem);
    firmware::PosixStorage storage(*out_dir);
    if (Result<void> stored = firmware::save_identity(storage, identity); !stored.ok())
        return fail(kCommand, stored.error().message, kExitFailure);

    // 4. Connect with it.
    ParsedFlags device_flags = flags;
    set_flag(device_flags, "--cert", *out_dir + "/certificate.pem");
    set_flag(device_flags, "--key", *out_dir + "/private.key");
    set_flag(device_flags, "--id", reg.thing_name);
    Result<std::unique_ptr<CliConnection>> again = CliConnection::from_flags(kCommand, device_flags);
    if (!again.ok()) return fail(kCommand, "the new identity: " + again.error().message, kExitFailure);
    if (Result<void> connected = again.value()->connect(again.value()->now_ms() + again.value()->options().timeout_ms); !connected.ok())
        return fail(kCommand, "connecting with the new certificate: " + connected.error().message, kExitFailure);
    again.value()->stop();
    std::printf("%s\n", identity.thing_json().c_str());
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace iotlite::cli
