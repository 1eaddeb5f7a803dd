// iotlite pub: publishes a message (or one per stdin line, or the same one N times), in the
// spirit of mosquitto_pub.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bounded_file.hpp"
#include "cli_connection.hpp"
#include "cli_util.hpp"
#include "connection_options.hpp"
#include "iotlite/mqtt/topic.hpp"
#include "line_splitter.hpp"

namespace iotlite::cli {

namespace {

constexpr const char* kCommand = "pub";

static_assert(kPayloadFileLimit.max_bytes == mqtt::limits::max_payload_bytes, "pub -f reads at most one AWS IoT payload");

// Publishes not yet completed at any time: well inside the engine's offline queue (100) and
// in-flight window (32), so no message is ever evicted by the queue's policy.
constexpr std::uint64_t kPublishWindow = 16;
// --repeat bound, and --repeat-delay's (in seconds).
constexpr std::uint64_t kMaxRepeat = 1000000;
constexpr std::uint64_t kMaxRepeatDelayS = 3600;

constexpr const char* kHelp =
    "usage: iotlite pub (--endpoint HOST[:PORT] | -h HOST [-p PORT]) -t TOPIC (-m MESSAGE | -f FILE | -s | -l | -n)\n"
    "                   [-q 0|1] [-r] [--repeat N] [--repeat-delay S] [-V 5 [-D COMMAND IDENTIFIER VALUE ...]]\n"
    "                   [connection flags]\n"
    "       iotlite pub -L mqtts://HOST[:PORT]/TOPIC (-m ... | -l ...) --cert FILE --key FILE [...]\n"
    "\n"
    "Publishes and exits once every message is sent (QoS 0) or acknowledged (QoS 1).\n"
    "  -t, --topic TOPIC        topic (AWS: at most 256 bytes and 7 '/')\n"
    "  -m, --message TEXT       the payload\n"
    "  -f, --file FILE          the payload is the file's content (a regular file of at most 128 KB)\n"
    "  -s, --stdin-file         the payload is everything read from stdin\n"
    "  -l, --stdin-line         one message per stdin line, as they come, until end of input (the '\\n'\n"
    "                           removed; an empty line is an empty message; a line over 128 KB is refused)\n"
    "  -n, --null-message       an empty payload\n"
    "  -q, --qos 0|1            QoS (AWS IoT has no QoS 2); default 0\n"
    "  -r, --retain             retain the message\n"
    "  --repeat N               publish the -m / -f / -s / -n message N times (1-1000000)\n"
    "  --repeat-delay S         wait S seconds (decimals allowed, at most 3600) between repeats\n"
    "  -V 5|mqttv5|311|mqttv311 MQTT protocol version (default 3.1.1); MQTT 5 refusals (CONNACK, PUBACK)\n"
    "                           print their reason code and the broker's reason string\n"
    "  -D COMMAND IDENTIFIER VALUE   an MQTT 5 property (implies -V 5), as mosquitto_pub's -D:\n"
    "                           publish content-type|correlation-data|response-topic VALUE,\n"
    "                           publish message-expiry-interval S (1-604800), publish payload-format-indicator\n"
    "                           0|1, publish user-property NAME VALUE (repeatable); connect\n"
    "                           session-expiry-interval|receive-maximum|topic-alias-maximum|maximum-packet-size N,\n"
    "                           connect user-property NAME VALUE; will (with --will-topic) as publish, plus\n"
    "                           will-delay-interval. Refused naming why: topic-alias (the engine assigns\n"
    "                           aliases), subscription-identifier, auth, pubrel, disconnect properties\n"
    "Exit status: 0 all published, 1 connection or publish failure (MQTT 5: a PUBACK reason code >= 0x80),\n"
    "2 bad input, 27 a timeout (-W, default 10 s: to connect, and for each message to complete).\n"
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

// Decimal seconds ("2", "0.25") with at most 3 decimals, into milliseconds within [0, max_s].
bool parse_seconds_ms(const std::string& text, std::uint64_t max_s, std::uint64_t& out_ms) {
    const std::size_t dot = text.find('.');
    std::uint64_t whole = 0;
    if (!parse_number(dot == std::string::npos ? text : text.substr(0, dot), 0, max_s, whole)) return false;
    std::uint64_t ms = whole * 1000;
    if (dot != std::string::npos) {
        const std::string fraction = text.substr(dot + 1);
        if (fraction.empty() || fraction.size() > 3) return false;
        std::uint64_t f = 0;
        if (!parse_number(fraction, 0, 999, f)) return false;
        for (std::size_t i = fraction.size(); i < 3; ++i) f *= 10;
        ms += f;
    }
    if (ms > max_s * 1000) return false;
    out_ms = ms;
    return true;
}

bool stdin_readable() {
    pollfd p{0, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
}

// The messages of one run and their completions, bounded by kPublishWindow.
class Publisher {
public:
    Publisher(CliConnection& c, std::string topic, mqtt::QoS qos, bool retain)
        : c_(c), topic_(std::move(topic)), qos_(qos), retain_(retain), properties_(c.options().mqtt5.publish) {
        c_.set_event_handler([this](const mqtt::Event& e) {
            if (e.type == mqtt::Event::Type::published) ++completed_;
            if (e.type == mqtt::Event::Type::publish_failed) {
                ++completed_;
                if (!failure_) failure_ = "publish failed: " + c_.explain(e.error);
            }
        });
    }

    // Waits for room in the window, then publishes. False: the run ends (why() says why).
    bool publish(const std::string& payload) {
        if (!wait([this] { return sent_ - completed_ < kPublishWindow; })) return false;
        Result<std::uint32_t> r = properties_.empty() ? c_.session().publish(topic_, payload, qos_, retain_)
                                                      : c_.session().publish(topic_, payload, qos_, retain_, properties_);
        if (!r.ok()) {
            failure_ = c_.explain(r.error());
            return false;
        }
        ++sent_;
        bytes_ += payload.size();
        return true;
    }
    // Waits until every message completed.
    bool drain() { return wait([this] { return completed_ == sent_; }); }
    // Polls the connection for `ms` (a --repeat-delay pause, or waiting for stdin). False when
    // the run must end.
    bool pause(std::uint64_t ms, const std::function<bool()>& until = [] { return false; }) {
        c_.run_until([&] { return failure_.has_value() || until(); }, c_.now_ms() + ms);
        return !failure_ && !c_.fatal() && !interrupted();
    }

    std::uint64_t sent() const { return sent_; }
    std::uint64_t bytes() const { return bytes_; }
    bool timed_out() const { return timed_out_; }
    std::string why() const {
        if (failure_) return *failure_;
        if (c_.fatal()) return "connection lost before the publish completed: " + c_.fatal()->message;
        if (interrupted()) return "interrupted before the publish completed";
        return qos_ == mqtt::QoS::at_least_once ? "no PUBACK within the timeout (-W)"
                                                : "the publish was not sent within the timeout (-W)";
    }

private:
    bool wait(const std::function<bool()>& pred) {
        const bool ok = c_.run_until([&] { return failure_.has_value() || pred(); }, c_.now_ms() + c_.options().timeout_ms);
        if (ok && !failure_) return true;
        timed_out_ = !failure_ && !c_.fatal() && !interrupted();
        return false;
    }

    CliConnection& c_;
    std::string topic_;
    mqtt::QoS qos_;
    bool retain_;
    const mqtt::Properties& properties_;  // -D publish ... (MQTT 5); empty otherwise
    std::uint64_t sent_ = 0;
    std::uint64_t completed_ = 0;
    std::uint64_t bytes_ = 0;
    std::optional<std::string> failure_;
    bool timed_out_ = false;
};

// -l: reads stdin as it comes, publishing each line, until end of input. Returns the exit code
// (kExitOk when every line was handed to the publisher).
int publish_lines(Publisher& publisher) {
    LineSplitter splitter(mqtt::limits::max_payload_bytes);
    std::vector<std::string> lines;
    for (bool eof = false; !eof;) {
        if (!publisher.pause(50, stdin_readable)) return kExitFailure;
        if (!stdin_readable()) continue;
        char buffer[8192];
        const ssize_t n = ::read(0, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            eof = true;
            splitter.finish(lines);
        } else if (Result<void> fed = splitter.feed(std::string_view(buffer, static_cast<std::size_t>(n)), lines); !fed.ok()) {
            return fail(kCommand, fed.error().message, kExitUsage);
        }
        for (const std::string& line : lines)
            if (!publisher.publish(line)) return kExitFailure;
        lines.clear();
    }
    return kExitOk;
}

}  // namespace

int run_pub(int argc, char** argv) {
    ParsedFlags flags;
    if (std::optional<int> done = parse_connection_command(kCommand, kHelp, argc, argv,
                                                           {{"-t", "--topic", true},
                                                            {"-m", "--message", true},
                                                            {"-f", "--file", true},
                                                            {"-s", "--stdin-file", false},
                                                            {"-l", "--stdin-line", false},
                                                            {"-n", "--null-message", false},
                                                            {"-q", "--qos", true},
                                                            {"-r", "--retain", false},
                                                            {nullptr, "--repeat", true},
                                                            {nullptr, "--repeat-delay", true},
                                                            {"-V", "--protocol-version", true},
                                                            {"-D", "--property", true, true}},
                                                           flags)) {
        return *done;
    }

    const std::string* topic = flags.get("--topic");
    if (topic == nullptr) return fail(kCommand, "-t TOPIC is required (or a topic in the -L URL)");
    if (all_values(flags, "--topic").size() > 1) return fail(kCommand, "-t may be given only once for pub");
    if (Result<void> valid = mqtt::validate_publish_topic(*topic); !valid.ok()) {
        return fail(kCommand, "-t: " + valid.error().message);
    }

    int sources = 0;
    for (const char* f : {"--message", "--file", "--stdin-file", "--stdin-line", "--null-message"}) sources += flags.has(f) ? 1 : 0;
    if (sources != 1) return fail(kCommand, "exactly one of -m MESSAGE, -f FILE, -s (stdin), -l (stdin lines) or -n (empty) is required");
    const bool line_mode = flags.has("--stdin-line");
    std::uint64_t repeat = 1;
    if (const std::string* r = flags.get("--repeat")) {
        if (line_mode) return fail(kCommand, "--repeat applies to -m, -f, -s and -n, not to -l (one message per line)");
        if (!parse_number(*r, 1, kMaxRepeat, repeat)) {
            return fail(kCommand, "--repeat must be a whole number from 1 to " + std::to_string(kMaxRepeat));
        }
    }
    std::uint64_t repeat_delay_ms = 0;
    if (const std::string* d = flags.get("--repeat-delay")) {
        if (!parse_seconds_ms(*d, kMaxRepeatDelayS, repeat_delay_ms)) {
            return fail(kCommand, "--repeat-delay must be seconds from 0 to " + std::to_string(kMaxRepeatDelayS) +
                                      " with at most 3 decimals (e.g. 0.5)");
        }
    }
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
    Publisher publisher(c, *topic, qos, retain);

    Result<void> connected = c.connect(c.now_ms() + c.options().timeout_ms);
    if (!connected.ok()) {
        return fail(kCommand, connected.error().message, connected.error().code == Errc::timeout ? kExitTimeout : kExitFailure);
    }

    int code = kExitOk;
    if (line_mode) {
        code = publish_lines(publisher);
    } else {
        for (std::uint64_t i = 0; i < repeat && code == kExitOk; ++i) {
            if (i > 0 && repeat_delay_ms > 0 && !publisher.pause(repeat_delay_ms)) code = kExitFailure;
            if (code == kExitOk && !publisher.publish(payload)) code = kExitFailure;
        }
    }
    if (code == kExitOk && !publisher.drain()) code = kExitFailure;
    if (code == kExitOk) {
        c.debug("published " + std::to_string(publisher.sent()) + " message(s), " + std::to_string(publisher.bytes()) +
                " bytes, to " + *topic + (qos == mqtt::QoS::at_least_once ? " (PUBACKs received)" : ""));
        c.stop();
        return kExitOk;
    }
    c.stop();
    if (code == kExitUsage) return code;  // already reported (-l: a line over the limit)
    return fail(kCommand, publisher.why(), publisher.timed_out() ? kExitTimeout : kExitFailure);
}

}  // namespace iotlite::cli
