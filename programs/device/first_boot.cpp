#include "first_boot.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "iotlite/firmware/device_key.hpp"
#include "iotlite/firmware/posix_storage.hpp"
#include "provisioning_flow.hpp"

namespace iotlite::firmware::device {

namespace {

void say(const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

// Claim connection -> CreateCertificateFromCsr -> RegisterThing; the identity, not yet saved.
Result<DeviceIdentity> provision(const FirstBootOptions& options, Random& random, const ClaimSessionFactory& claim_session,
                                 const std::function<bool()>& stop) {
    Result<DeviceKey> key = generate_device_key(random, options.common_name);
    if (!key.ok()) return key.error();
    Result<std::unique_ptr<Session>> made = claim_session();
    if (!made.ok()) return made.error();
    Session& session = *made.value();

    cli::ProvisioningRequest request;
    request.template_name = options.template_name;
    request.parameters = options.parameters;
    request.key = std::move(key).value();
    provisioning::ProvisioningConfig config;
    config.request_timeout_ms = options.timeout_ms;
    Session* clock = &session;
    Result<std::unique_ptr<cli::ProvisioningFlow>> flow_made =
        cli::ProvisioningFlow::create(session.client(), std::move(request), [clock] { return clock->now_ms(); }, config);
    if (!flow_made.ok()) return flow_made.error();
    cli::ProvisioningFlow& flow = *flow_made.value();

    Error last_failure;
    Result<void> start_failure;
    bool started = false;
    session.set_event_handler([&](const mqtt::Event& e) {
        if (e.type == mqtt::Event::Type::connected && !started) {
            started = true;
            start_failure = flow.start();
        } else if ((e.type == mqtt::Event::Type::disconnected || (e.type == mqtt::Event::Type::error && e.op_id == 0)) &&
                   e.error.code != Errc::ok) {
            last_failure = e.error;
        }
    });
    if (Result<void> attached = session.attach(flow.client()); !attached.ok()) return attached.error();
    if (Result<void> connecting = session.start(); !connecting.ok()) {
        session.detach(flow.client());
        return connecting.error();
    }
    // The connection within timeout_ms; then each request has its own timeout in the client.
    const std::uint64_t connect_deadline = session.now_ms() + options.timeout_ms;
    while (!flow.finished() && start_failure.ok() && !stop()) {
        if (!started && session.now_ms() >= connect_deadline) break;
        session.poll(200);
    }
    session.stop(1000);
    session.detach(flow.client());
    if (!start_failure.ok()) return start_failure.error();
    if (!flow.finished()) {
        if (stop()) return make_error(Errc::closed, "provisioning: interrupted");
        std::string why = "provisioning: the claim connection did not connect within " + std::to_string(options.timeout_ms / 1000) + " s";
        if (last_failure.code != Errc::ok) why += " (" + last_failure.message + ")";
        return make_error(Errc::timeout, why);
    }
    if (!flow.succeeded()) return make_error(Errc::server_error, "provisioning: " + flow.failure(nullptr));
    return std::move(flow.identity());
}

}  // namespace

Result<DeviceIdentity> load_or_provision(const FirstBootOptions& options, Random& random,
                                         const ClaimSessionFactory& claim_session, const std::function<bool()>& stop) {
    if (::mkdir(options.identity_dir.c_str(), 0700) != 0 && errno != EEXIST)
        return make_error(Errc::io_error, "--identity-dir " + options.identity_dir + ": " + std::strerror(errno));
    PosixStorage storage(options.identity_dir);
    Result<std::optional<DeviceIdentity>> stored = load_identity(storage);
    if (stored.ok() && stored.value().has_value()) {
        DeviceIdentity identity = std::move(*stored.value());
        say("identity: thing " + identity.thing_name + " (certificate " + identity.certificate_id.substr(0, 12) +
            "...) from " + options.identity_dir);
        return identity;
    }
    // No identity, or one cut short or damaged: this device has none it can use, so it provisions
    // (the save below replaces every item).
    if (!stored.ok()) say("identity: " + options.identity_dir + " unusable (" + stored.error().message + "): provisioning again");
    else say("identity: none in " + options.identity_dir + ": provisioning by claim (template " + options.template_name + ")");
    Result<DeviceIdentity> identity = provision(options, random, claim_session, stop);
    if (!identity.ok()) return identity.error();
    if (Result<void> saved = save_identity(storage, identity.value()); !saved.ok()) return saved.error();
    say("provisioned: thing " + identity.value().thing_name + " (certificate " +
        identity.value().certificate_id.substr(0, 12) + "...), saved in " + options.identity_dir);
    return identity;
}

}  // namespace iotlite::firmware::device
