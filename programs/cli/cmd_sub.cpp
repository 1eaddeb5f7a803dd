// iotlite sub: subscribes and prints messages, in the spirit of mosquitto_sub.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <string>

#include "cli_connection.hpp"
#include "cli_util.hpp"
#include "connection_options.hpp"
#include "iotlite/mqtt/topic.hpp"
#include "iotlite/services/request_tracker.hpp"
#include "message_format.hpp"

namespace iotlite::cli {

namespace {

constexpr const char* kCommand = "sub";

constexpr const char* kHelp =
    "usage: iotlite sub (--endpoint HOST[:PORT] | -h HOST [-p PORT] | -L URL) -t FILTER [-t FILTER ...]\n"
    "                   [-q 0|1] [-C COUNT] [-v] [-N] [-F FORMAT] [-R] [-E] [-T FILTER] [-U FILTER]\n"
    "                   [-V 5 [-D COMMAND IDENTIFIER VALUE ...] [--retain-as-published]]\n"
    "                   [connection flags]\n"
    "\n"
    "Subscribes and prints each message's payload on its own line until interrupted, COUNT\n"
    "messages arrived (-C) or -W seconds passed.\n"
    "  -t, --topic FILTER       topic filter, repeatable (wildcards + and #; AWS: 256 bytes, 7 '/')\n"
    "  -q, --qos 0|1            subscription QoS; default 0\n"
    "  -C, --count N            exit after N messages\n"
    "  -v, --verbose            print \"topic payload\"\n"
    "  -N, --no-newline         no newline after each message\n"
    "  -F, --format FORMAT      print each message as FORMAT (mosquitto_sub's, see man mosquitto_sub):\n"
    "                           %t topic, %p payload, %q QoS, %r retain flag, %l payload length,\n"
    "                           %x / %X payload in hex, %I ISO 8601 time, %U Unix time with ns, %% a %;\n"
    "                           @@ an @, @N ns of the second, @c strftime's %c; \\n \\t \\r \\v \\a \\e \\0 \\\\;\n"
    "                           MQTT 5 properties (empty when absent, or on MQTT 3.1.1): %C content type,\n"
    "                           %D correlation data, %E message expiry interval, %F payload format\n"
    "                           indicator, %P user properties (name:value, space-separated), %R response\n"
    "                           topic, %S subscription identifier, %A topic alias (always empty: the\n"
    "                           engine resolves aliases into %t). Not supported (refused, naming why):\n"
    "                           %m (message id), %j / %J, widths and flags (%10t)\n"
    "  -R, --no-stale           do not print retained (stale) messages; they do not count for -C\n"
    "  -T, --filter-out FILTER  do not print messages on topics matching FILTER (repeatable)\n"
    "  -E, --exit-subscribed    exit once the subscriptions are acknowledged (and -U done)\n"
    "  -U, --unsubscribe FILTER unsubscribe from FILTER once subscribed (repeatable); with no -t,\n"
    "                           exit once the broker acknowledged it\n"
    "  -V 5|mqttv5|311|mqttv311 MQTT protocol version (default 3.1.1); MQTT 5 refusals print their reason\n"
    "                           code and the broker's reason string\n"
    "  -D COMMAND IDENTIFIER VALUE   an MQTT 5 property (implies -V 5), as mosquitto_sub's -D:\n"
    "                           connect session-expiry-interval|receive-maximum|topic-alias-maximum|\n"
    "                           maximum-packet-size N, connect user-property NAME VALUE, will content-type|\n"
    "                           correlation-data|response-topic|message-expiry-interval|\n"
    "                           payload-format-indicator|will-delay-interval VALUE, will user-property\n"
    "                           NAME VALUE; others refused naming why (AUTH, subscription identifiers,\n"
    "                           SUBSCRIBE/UNSUBSCRIBE/DISCONNECT properties)\n"
    "  --retain-as-published    MQTT 5 subscription option: the retain flag as the publisher set it\n"
    "Exit status: 0 done (count reached, interrupted, -E), 1 connection or subscription failure,\n"
    "2 bad input, 27 -W passed (as mosquitto_sub) or no SUBACK within the 10 s default.\n"
    "\n";

// Filters in SUBSCRIBE / UNSUBSCRIBE-sized chunks (AWS IoT: at most 8 per packet).
template <typename T>
std::vector<std::vector<T>> chunks(const std::vector<T>& all) {
    std::vector<std::vector<T>> out;
    for (std::size_t at = 0; at < all.size(); at += mqtt::limits::max_filters_per_subscribe) {
        const std::size_t end = std::min(all.size(), at + mqtt::limits::max_filters_per_subscribe);
        out.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(at), all.begin() + static_cast<std::ptrdiff_t>(end));
    }
    return out;
}

// "SUBACK 0x80", the code alone (MQTT 3.1.1, or a refusal the engine did not explain).
std::string suback_code(std::uint8_t code) {
    const char* hex = "0123456789ABCDEF";
    return std::string("SUBACK 0x") + hex[code >> 4] + hex[code & 15];
}

}  // namespace

int run_sub(int argc, char** argv) {
    ParsedFlags flags;
    if (std::optional<int> done = parse_connection_command(kCommand, kHelp, argc, argv,
                                                           {{"-t", "--topic", true},
                                                            {"-q", "--qos", true},
                                                            {"-C", "--count", true},
                                                            {"-v", "--verbose", false},
                                                            {"-N", "--no-newline", false},
                                                            {"-F", "--format", true},
                                                            {"-R", "--no-stale", false},
                                                            {"-T", "--filter-out", true},
                                                            {"-E", "--exit-subscribed", false},
                                                            {"-U", "--unsubscribe", true},
                                                            {"-V", "--protocol-version", true},
                                                            {"-D", "--property", true, true},
                                                            {nullptr, "--retain-as-published", false}},
                                                           flags)) {
        return *done;
    }

    const std::vector<std::string> topics = all_values(flags, "--topic");
    const std::vector<std::string> unsubscribe = all_values(flags, "--unsubscribe");
    if (topics.empty() && unsubscribe.empty()) return fail(kCommand, "-t FILTER is required (repeatable), or -U FILTER");
    if (topics.size() > mqtt::limits::max_subscriptions) {
        return fail(kCommand, std::to_string(topics.size()) + " filters given; AWS IoT allows " +
                                  std::to_string(mqtt::limits::max_subscriptions) + " subscriptions per connection");
    }
    const Result<mqtt::QoS> qos_flag = qos_from(flags);
    if (!qos_flag.ok()) return fail(kCommand, qos_flag.error().message);
    const mqtt::QoS qos = qos_flag.value();
    std::vector<mqtt::TopicFilter> filters;
    for (const std::string& t : topics) {
        if (Result<void> valid = mqtt::validate_topic_filter(t); !valid.ok()) {
            return fail(kCommand, "-t: " + valid.error().message);
        }
        mqtt::TopicFilter filter{t, qos};
        filter.retain_as_published = flags.has("--retain-as-published");  // MQTT 5 only (checked with -V)
        filters.push_back(std::move(filter));
    }
    const std::vector<std::string> filter_out = all_values(flags, "--filter-out");
    for (const auto* list : {&filter_out, &unsubscribe}) {
        for (const std::string& t : *list) {
            if (Result<void> valid = mqtt::validate_topic_filter(t); !valid.ok()) {
                return fail(kCommand, std::string(list == &filter_out ? "-T: " : "-U: ") + valid.error().message);
            }
        }
    }
    std::uint64_t count = 0;
    if (const std::string* c = flags.get("--count")) {
        if (!parse_number(*c, 1, 1000000000, count)) return fail(kCommand, "-C must be a whole number from 1");
    }
    std::optional<MessageFormat> format;
    if (const std::string* f = flags.get("--format")) {
        Result<MessageFormat> parsed = MessageFormat::parse(*f);
        if (!parsed.ok()) return fail(kCommand, parsed.error().message);
        format = std::move(parsed).value();
    }
    const bool verbose = flags.has("--verbose");
    const bool newline = !flags.has("--no-newline");
    const bool no_stale = flags.has("--no-stale");
    const bool exit_subscribed = flags.has("--exit-subscribed") || topics.empty();

    Result<std::unique_ptr<CliConnection>> made = CliConnection::from_flags(kCommand, flags);
    if (!made.ok()) return fail(kCommand, made.error().message);
    CliConnection& c = *made.value();

    struct Pending {
        std::uint32_t op_id;
        std::size_t first_filter;  // index into `filters` of this SUBSCRIBE's first filter
    };
    std::vector<Pending> pending;  // the SUBSCRIBEs sent
    std::map<std::uint32_t, std::vector<mqtt::SubackCode>> subacks;  // op id -> SUBACK codes
    // MQTT 5: op id -> the reason code of its first refusal and the engine's explained error for it.
    std::map<std::uint32_t, std::pair<std::uint8_t, std::string>> suback_errors;
    std::set<std::uint32_t> unsubscribing;  // UNSUBSCRIBEs not yet acknowledged
    std::optional<std::string> refused;
    std::uint64_t received = 0;
    bool output_failed = false;
    std::string line;
    c.set_event_handler([&](const mqtt::Event& e) {
        using T = mqtt::Event::Type;
        if (e.type == T::subscribed) {
            subacks[e.op_id] = e.granted;  // may arrive inside subscribe() itself: checked later
            // The engine's "SUBACK 0x87 not authorized: <reason string>", made one clean line (the
            // hint is added below, once).
            if (e.error.mqtt_reason >= 0x80) suback_errors[e.op_id] = {e.error.mqtt_reason, services::one_line(e.error.message)};
        } else if (e.type == T::unsubscribed) {
            unsubscribing.erase(e.op_id);
            if (e.error.mqtt_reason >= 0x80) refused = "unsubscribe failed: " + c.explain(e.error);  // MQTT 5 UNSUBACK
        } else if (e.type == T::error && e.op_id != 0) {
            refused = (unsubscribing.count(e.op_id) != 0 ? "unsubscribe failed: " : "subscription failed: ") +
                      c.explain(e.error);
        } else if (e.type == T::message) {
            const auto& m = e.message;
            if (count != 0 && received >= count) return;
            if (no_stale && m.retain) return;
            for (const std::string& f : filter_out)
                if (mqtt::topic_matches(f, m.topic)) return;
            ++received;
            line.clear();
            if (format) {
                std::timespec now{};
                std::timespec_get(&now, TIME_UTC);
                format->append(m, now, line);
            } else {
                if (verbose) line += m.topic + ' ';
                line.append(m.payload.begin(), m.payload.end());
            }
            if (newline) line += '\n';
            const bool ok = std::fwrite(line.data(), 1, line.size(), stdout) == line.size() && std::fflush(stdout) == 0;
            if (!ok) output_failed = true;
        }
    });

    const std::uint64_t start = c.now_ms();
    const std::uint64_t run_deadline = c.options().timeout_given ? start + c.options().timeout_ms : UINT64_MAX;
    const std::string timed_out = "timed out after " + std::to_string(c.options().timeout_ms / 1000) + " s (-W)";
    Result<void> connected = c.connect(start + c.options().timeout_ms);
    if (!connected.ok()) {
        return fail(kCommand, connected.error().message, connected.error().code == Errc::timeout ? kExitTimeout : kExitFailure);
    }

    std::size_t first_filter = 0;
    for (const std::vector<mqtt::TopicFilter>& chunk : chunks(filters)) {
        Result<std::uint32_t> op = c.session().subscribe(chunk);
        if (!op.ok()) {
            c.stop();
            return fail(kCommand, c.explain(op.error()), kExitFailure);
        }
        pending.push_back(Pending{op.value(), first_filter});
        first_filter += chunk.size();
    }
    auto all_acked = [&] {
        for (const Pending& p : pending)
            if (subacks.count(p.op_id) == 0) return false;
        return true;
    };
    const std::uint64_t setup_deadline = std::min(run_deadline, start + c.options().timeout_ms);
    const bool subscribed = c.run_until([&] { return all_acked() || refused.has_value(); }, setup_deadline);
    for (const Pending& p : pending) {
        const auto it = subacks.find(p.op_id);
        if (it == subacks.end()) continue;
        for (std::size_t k = 0; k < it->second.size() && p.first_filter + k < filters.size(); ++k) {
            const auto code = static_cast<std::uint8_t>(it->second[k]);
            if (code < 0x80) continue;
            // MQTT 5: the reason code's name and the broker's Reason String (the first refusal of
            // that SUBSCRIBE, which is this one when it is the only one).
            const auto why = suback_errors.find(p.op_id);
            const std::string answer =
                why != suback_errors.end() && why->second.first == code ? why->second.second : suback_code(code);
            refused = "the broker refused the subscription to '" + filters[p.first_filter + k].filter + "' (" + answer +
                      "; AWS IoT: check that the policy allows iot:Subscribe on it)";
        }
    }
    auto setup_failed = [&](const char* doing) {
        const bool timeout = !c.fatal() && !interrupted();
        std::string why = c.fatal() ? std::string("connection lost while ") + doing + ": " + c.fatal()->message
                          : interrupted() ? std::string("interrupted while ") + doing
                                          : "no acknowledgement within the timeout (-W) while " + std::string(doing);
        c.stop();
        return fail(kCommand, why, interrupted() ? kExitOk : timeout ? kExitTimeout : kExitFailure);
    };
    if (refused) {
        c.stop();
        return fail(kCommand, *refused, kExitFailure);
    }
    if (!subscribed) return setup_failed("subscribing");
    if (!filters.empty()) c.debug("subscribed to " + std::to_string(filters.size()) + " filter(s)");

    if (!unsubscribe.empty()) {
        for (const std::vector<std::string>& chunk : chunks(unsubscribe)) {
            Result<std::uint32_t> op = c.session().unsubscribe(chunk);
            if (!op.ok()) {
                c.stop();
                return fail(kCommand, c.explain(op.error()), kExitFailure);
            }
            unsubscribing.insert(op.value());
        }
        if (!c.run_until([&] { return unsubscribing.empty() || refused.has_value(); }, setup_deadline)) {
            return setup_failed("unsubscribing");
        }
        if (refused) {
            c.stop();
            return fail(kCommand, *refused, kExitFailure);
        }
        c.debug("unsubscribed from " + std::to_string(unsubscribe.size()) + " filter(s)");
    }
    if (exit_subscribed) {
        c.stop();
        return kExitOk;
    }

    c.run_until([&] { return (count != 0 && received >= count) || output_failed || refused.has_value(); },
                run_deadline);
    c.stop();
    if (output_failed) return fail(kCommand, "cannot write to stdout", kExitFailure);
    if (refused) return fail(kCommand, *refused, kExitFailure);
    if (count != 0 && received >= count) return kExitOk;
    if (c.fatal()) return fail(kCommand, "connection lost: " + c.fatal()->message, kExitFailure);
    if (interrupted()) return kExitOk;
    if (count != 0) {
        return fail(kCommand, timed_out + " with " + std::to_string(received) + " of " + std::to_string(count) + " messages",
                    kExitTimeout);
    }
    return fail(kCommand, timed_out, kExitTimeout);
}

}  // namespace iotlite::cli
