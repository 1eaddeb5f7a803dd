// iotlite pub: publishes one message, in the spirit of mosquitto_pub.
#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "bounded_file.hpp"
#include "cli_connection.hpp"
#include "cli_util.hpp"
#include "connection_options.hpp"
#include "iotlite/mqtt/topic.hpp"

namespace iotlite::cli {

namespace {

constexpr const char* kCommand = "pub";

static_assert(kPayloadFileLimit.max_bytes == mqtt::limits::max_payload_bytes, "pub -f reads at most one AWS IoT payload");

constexpr const char* kHelp =
    "usage: iotlite pub --endpoint HOST[:PORT] -t TOPIC (-m MESSAGE | -f FILE | -s | -n) [-q 0|1] [-r]\n"
    "                   [connection flags]\n"
    "\n"
    "Publishes one message and exits once it is sent (QoS 0) or acknowledged (QoS 1).\n"
    "  -t, --topic TOPIC        topic (AWS: at most 256 bytes and 7 '/')\n"
    "  -m, --message TEXT       the payload\n"
    "  -f, --file FILE          the payload is the file's content (a regular file of at most 128 KB)\n"
    "  -s, --stdin-file         the payload is everything read from stdin\n"
    "  -n, --null-message       an empty payload\n"
    "  -q, --qos 0|1            QoS (AWS IoT has no QoS 2); default 0\n"
    "  -r, --retain             retain the message\n"
    "\n";

// Reads stdin to the end, at most `limit` + 1 bytes (enough to tell that it is too big).
bool read_stdin(std::string& out, std::size_t limit) {
    char buffer[8192];
    for (;;) {
        const std::size_t n = std::fread(buffer, 1, sizeof buffer, stdin);
        out.append(buffer, n);
        if (out.size() > limit) return true;
        if (n < sizeof buffer) return std::ferror(stdin) == 0;
    }
}

}  // namespace

int run_pub(int argc, char** argv) {
    ParsedFlags flags;
    if (std::optional<int> done = parse_connection_command(kCommand, kHelp, argc, argv,
                                                           {{"-t", "--topic", true},
                                                            {"-m", "--message", true},
                                                            {"-f", "--file", true},
                                                            {"-s", "--stdin-file", false},
                                                            {"-n", "--null-message", false},
                                                            {"-q", "--qos", true},
                                                            {"-r", "--retain", false}},
                                                           flags)) {
        return *done;
    }

    const std::string* topic = flags.get("--topic");
    if (topic == nullptr) return fail(kCommand, "-t TOPIC is required");
    if (all_values(flags, "--topic").size() > 1) return fail(kCommand, "-t may be given only once for pub");
    if (Result<void> valid = mqtt::validate_publish_topic(*topic); !valid.ok()) {
        return fail(kCommand, "-t: " + valid.error().message);
    }

    int sources = 0;
    for (const char* f : {"--message", "--file", "--stdin-file", "--null-message"}) sources += flags.has(f) ? 1 : 0;
    if (sources != 1) return fail(kCommand, "exactly one of -m MESSAGE, -f FILE, -s (stdin) or -n (empty) is required");
    std::string payload;
    if (const std::string* m = flags.get("--message")) {
        payload = *m;
    } else if (const std::string* f = flags.get("--file")) {
        Result<std::string> read = read_bounded_file(*f, kPayloadFileLimit, "-f " + *f);
        if (!read.ok()) return fail(kCommand, read.error().message);
        payload = std::move(read).value();
    } else if (flags.has("--stdin-file")) {
        if (!read_stdin(payload, mqtt::limits::max_payload_bytes)) return fail(kCommand, "-s: reading stdin failed");
    }
    if (Result<void> valid = mqtt::validate_payload_size(payload.size()); !valid.ok()) {
        return fail(kCommand, valid.error().message);
    }

    const Result<mqtt::QoS> qos_flag = qos_from(flags);
    if (!qos_flag.ok()) return fail(kCommand, qos_flag.error().message);
    const mqtt::QoS qos = qos_flag.value();
    const bool retain = flags.has("--retain");

    Result<std::unique_ptr<CliConnection>> made = CliConnection::from_flags(kCommand, flags);
    if (!made.ok()) return fail(kCommand, made.error().message);
    CliConnection& c = *made.value();

    // Completions by op id: a QoS 0 publish completes inside publish() itself, before its id is known.
    std::map<std::uint32_t, std::optional<Error>> completed;
    c.set_event_handler([&](const mqtt::Event& e) {
        if (e.type == mqtt::Event::Type::published) completed[e.op_id] = std::nullopt;
        if (e.type == mqtt::Event::Type::publish_failed) completed[e.op_id] = e.error;
    });

    const std::uint64_t deadline = c.now_ms() + c.options().timeout_ms;
    Result<void> connected = c.connect(deadline);
    if (!connected.ok()) return fail(kCommand, connected.error().message, kExitFailure);

    Result<std::uint32_t> sent = c.session().publish(*topic, payload, qos, retain);
    if (!sent.ok()) {
        c.stop();
        return fail(kCommand, c.explain(sent.error()), kExitFailure);
    }
    const std::uint32_t op_id = sent.value();
    const bool finished = c.run_until([&] { return completed.count(op_id) != 0; }, deadline);
    const std::optional<Error> failed = finished ? completed[op_id] : std::nullopt;
    if (finished && !failed) {
        c.debug(std::string("published ") + std::to_string(payload.size()) + " bytes to " + *topic +
                (qos == mqtt::QoS::at_least_once ? " (PUBACK received)" : ""));
        c.stop();
        return kExitOk;
    }
    std::string why;
    if (failed) why = "publish failed: " + c.explain(*failed);
    else if (c.fatal()) why = "connection lost before the publish completed: " + c.fatal()->message;
    else if (interrupted()) why = "interrupted before the publish completed";
    else why = qos == mqtt::QoS::at_least_once ? "no PUBACK within the timeout (-W)" : "the publish was not sent within the timeout (-W)";
    c.stop();
    return fail(kCommand, why, kExitFailure);
}

}  // namespace iotlite::cli
