// iotlite shadow get|update|delete: one Device Shadow request over MQTT.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli_connection.hpp"
#include "cli_util.hpp"
#include "connection_options.hpp"
#include "iotlite/services/shadow/document.hpp"
#include "iotlite/services/shadow/names.hpp"
#include "iotlite/services/shadow/shadow_client.hpp"
#include "iotlite/services/request_tracker.hpp"
#include "shadow_input.hpp"

namespace iotlite::cli {

namespace {

constexpr const char* kCommand = "shadow";

constexpr const char* kHelp =
    "usage: iotlite shadow get|update|delete --endpoint HOST[:PORT] --thing THING [--name SHADOW]\n"
    "                      [--desired JSON] [--reported JSON] [--document JSON] [--version V]\n"
    "                      [--client-token TOKEN] [connection flags]\n"
    "\n"
    "Sends one Device Shadow request over MQTT ($aws/things/THING/shadow[/name/SHADOW]/...) and\n"
    "prints the accepted response document (JSON) on stdout. A rejection prints its code and\n"
    "message on stderr and exits 1.\n"
    "  --thing THING            thing name\n"
    "  --name SHADOW            named shadow; default: the classic shadow\n"
    "  --desired JSON           update: {\"desired\": JSON}\n"
    "  --reported JSON          update: {\"reported\": JSON} (with --desired: both)\n"
    "  --document JSON          update: the request document {\"state\": {...}[, \"version\": V]}\n"
    "  --version V              update: only if the shadow's version is V (else 409)\n"
    "  --client-token TOKEN     clientToken; default: generated\n"
    "Exit status: 0 accepted, 1 rejected / connection failure / timeout, 2 bad input.\n"
    "\n";

}  // namespace

int run_shadow(int argc, char** argv) {
    if (argc >= 1 && (std::strcmp(argv[0], "--help") == 0 || std::strcmp(argv[0], "-h") == 0)) {
        return print_connection_command_help(kHelp);
    }
    if (argc < 1 || argv[0][0] == '-') return fail(kCommand, "missing operation: get, update or delete");
    const std::string op_name = argv[0];
    shadow::Operation op;
    if (op_name == "get") op = shadow::Operation::get;
    else if (op_name == "update") op = shadow::Operation::update;
    else if (op_name == "delete") op = shadow::Operation::delete_shadow;
    else return fail(kCommand, "unknown operation '" + op_name.substr(0, 20) + "': use get, update or delete");

    ParsedFlags flags;
    if (std::optional<int> done = parse_connection_command(kCommand, kHelp, argc - 1, argv + 1,
                                                           {{nullptr, "--thing", true},
                                                            {nullptr, "--name", true},
                                                            {nullptr, "--desired", true},
                                                            {nullptr, "--reported", true},
                                                            {nullptr, "--document", true},
                                                            {nullptr, "--version", true},
                                                            {nullptr, "--client-token", true}},
                                                           flags)) {
        return *done;
    }

    shadow::ShadowId id;
    const std::string* thing = flags.get("--thing");
    if (thing == nullptr) return fail(kCommand, "--thing is required");
    id.thing = *thing;
    if (const std::string* name = flags.get("--name")) id.name = *name;
    if (Result<void> valid = shadow::validate_shadow_id(id); !valid.ok()) return fail(kCommand, valid.error().message);

    shadow::RequestOptions request;
    if (const std::string* token = flags.get("--client-token")) {
        if (Result<void> valid = shadow::validate_client_token(*token); !valid.ok()) {
            return fail(kCommand, "--client-token: " + valid.error().message);
        }
        request.client_token = *token;
    }

    const bool has_state = flags.has("--desired") || flags.has("--reported") || flags.has("--document");
    shadow::Json state = shadow::Json::object();
    if (op != shadow::Operation::update) {
        if (has_state) return fail(kCommand, "--desired, --reported and --document are for update only");
        if (flags.has("--version")) return fail(kCommand, "--version is for update only");
    } else {
        Result<ShadowUpdateInput> input = parse_shadow_update_input(
            flags.get("--desired"), flags.get("--reported"), flags.get("--document"), !request.client_token.empty());
        if (!input.ok()) return fail(kCommand, input.error().message);
        state = std::move(input.value().state);
        request.version = input.value().version;
        if (request.client_token.empty()) request.client_token = input.value().client_token;
        if (const std::string* v = flags.get("--version")) {
            std::uint64_t version = 0;
            if (!parse_number(*v, 0, 999999999999ULL, version)) return fail(kCommand, "--version must be a whole number");
            request.version = version;
        }
    }

    Result<std::unique_ptr<CliConnection>> made = CliConnection::from_flags(kCommand, flags);
    if (!made.ok()) return fail(kCommand, made.error().message);
    CliConnection& c = *made.value();

    const std::uint64_t start = c.now_ms();
    const std::uint64_t deadline = start + c.options().timeout_ms;
    std::uint32_t request_id = 0;
    std::optional<shadow::ShadowEvent> outcome;
    shadow::ShadowConfig config;
    config.request_timeout_ms = c.options().timeout_ms;
    Result<std::unique_ptr<shadow::ShadowClient>> sc = shadow::ShadowClient::create(c.session().client(), config);
    if (!sc.ok()) return fail(kCommand, sc.error().message, kExitFailure);
    sc.value()->set_event_handler([&](const shadow::ShadowEvent& e) {
        using T = shadow::ShadowEvent::Type;
        if ((e.type == T::accepted || e.type == T::rejected || e.type == T::failed) && e.request_id == request_id) {
            outcome = e;
        }
    });
    Result<void> attached = c.session().attach(*sc.value());
    if (!attached.ok()) return fail(kCommand, attached.error().message, kExitFailure);

    Result<void> connected = c.connect(deadline);
    if (!connected.ok()) return fail(kCommand, connected.error().message, kExitFailure);

    const std::uint64_t now = c.now_ms();
    request.timeout_ms = static_cast<std::uint32_t>(deadline > now + 1 ? deadline - now : 1);
    Result<std::uint32_t> sent = op == shadow::Operation::get      ? sc.value()->get(id, now, request)
                                 : op == shadow::Operation::update ? sc.value()->update(id, state, now, request)
                                                                   : sc.value()->remove(id, now, request);
    if (!sent.ok()) {
        c.stop();
        const int code = sent.error().code == Errc::invalid_argument || sent.error().code == Errc::limit_exceeded
                             ? kExitUsage
                             : kExitFailure;
        return fail(kCommand, c.explain(sent.error()), code);
    }
    request_id = sent.value();
    if (std::optional<int> unanswered = c.await_answer([&] { return outcome.has_value(); }, deadline, kCommand, op_name))
        return *unanswered;
    switch (outcome->type) {
        case shadow::ShadowEvent::Type::accepted:
            return print_line(outcome->payload);
        case shadow::ShadowEvent::Type::rejected:
            return fail(kCommand,
                        op_name + " rejected: " + std::to_string(outcome->rejection.code) + " " +
                            services::one_line(outcome->rejection.message),
                        kExitFailure);
        default:
            return fail(kCommand, op_name + " failed: " + c.explain(outcome->error), kExitFailure);
    }
}

}  // namespace iotlite::cli
