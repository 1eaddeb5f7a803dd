// iotlite sub: subscribes and prints messages, in the spirit of mosquitto_sub.
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "cli_connection.hpp"
#include "cli_util.hpp"
#include "connection_options.hpp"
#include "iotlite/mqtt/topic.hpp"

namespace iotlite::cli {

namespace {

constexpr const char* kCommand = "sub";

constexpr const char* kHelp =
    "usage: iotlite sub --endpoint HOST[:PORT] -t FILTER [-t FILTER ...] [-q 0|1] [-C COUNT] [-v] [-N]\n"
    "                   [connection flags]\n"
    "\n"
    "Subscribes and prints each message's payload on its own line until interrupted, COUNT\n"
    "messages arrived (-C) or -W seconds passed.\n"
    "  -t, --topic FILTER       topic filter, repeatable (wildcards + and #; AWS: 256 bytes, 7 '/')\n"
    "  -q, --qos 0|1            subscription QoS; default 0\n"
    "  -C, --count N            exit after N messages (exit 1 if -W passes first)\n"
    "  -v, --verbose            print \"topic payload\"\n"
    "  -N, --no-newline         no newline after each payload\n"
    "Exit status: 0 done (count reached, interrupted, or -W passed without -C), 1 connection or\n"
    "subscription failure or -C not reached within -W, 2 bad input.\n"
    "\n";

}  // namespace

int run_sub(int argc, char** argv) {
    ParsedFlags flags;
    if (std::optional<int> done = parse_connection_command(kCommand, kHelp, argc, argv,
                                                           {{"-t", "--topic", true},
                                                            {"-q", "--qos", true},
                                                            {"-C", "--count", true},
                                                            {"-v", "--verbose", false},
                                                            {"-N", "--no-newline", false}},
                                                           flags)) {
        return *done;
    }

    const std::vector<std::string> topics = all_values(flags, "--topic");
    if (topics.empty()) return fail(kCommand, "-t FILTER is required (repeatable)");
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
        filters.push_back(mqtt::TopicFilter{t, qos});
    }
    std::uint64_t count = 0;
    if (const std::string* c = flags.get("--count")) {
        if (!parse_number(*c, 1, 1000000000, count)) return fail(kCommand, "-C must be a whole number from 1");
    }
    const bool verbose = flags.has("--verbose");
    const bool newline = !flags.has("--no-newline");

    Result<std::unique_ptr<CliConnection>> made = CliConnection::from_flags(kCommand, flags);
    if (!made.ok()) return fail(kCommand, made.error().message);
    CliConnection& c = *made.value();

    struct Pending {
        std::uint32_t op_id;
        std::size_t first_filter;  // index into `filters` of this SUBSCRIBE's first filter
    };
    std::vector<Pending> pending;  // the SUBSCRIBEs sent
    std::map<std::uint32_t, std::vector<mqtt::SubackCode>> subacks;  // op id -> SUBACK codes
    std::optional<std::string> refused;
    std::uint64_t received = 0;
    bool output_failed = false;
    c.set_event_handler([&](const mqtt::Event& e) {
        using T = mqtt::Event::Type;
        if (e.type == T::subscribed) {
            subacks[e.op_id] = e.granted;  // may arrive inside subscribe() itself: checked later
        } else if (e.type == T::error && e.op_id != 0) {
            refused = "subscription failed: " + c.explain(e.error);
        } else if (e.type == T::message) {
            if (count != 0 && received >= count) return;
            ++received;
            const auto& m = e.message;
            bool ok = true;
            if (verbose) {
                ok = ok && std::fwrite(m.topic.data(), 1, m.topic.size(), stdout) == m.topic.size();
                ok = ok && std::fputc(' ', stdout) != EOF;
            }
            ok = ok && std::fwrite(m.payload.data(), 1, m.payload.size(), stdout) == m.payload.size();
            if (newline) ok = ok && std::fputc('\n', stdout) != EOF;
            ok = ok && std::fflush(stdout) == 0;
            if (!ok) output_failed = true;
        }
    });

    const std::uint64_t start = c.now_ms();
    const std::uint64_t run_deadline = c.options().timeout_given ? start + c.options().timeout_ms : UINT64_MAX;
    Result<void> connected = c.connect(start + c.options().timeout_ms);
    if (!connected.ok()) return fail(kCommand, connected.error().message, kExitFailure);

    for (std::size_t at = 0; at < filters.size(); at += mqtt::limits::max_filters_per_subscribe) {
        const std::size_t end = std::min(filters.size(), at + mqtt::limits::max_filters_per_subscribe);
        std::vector<mqtt::TopicFilter> chunk(filters.begin() + static_cast<std::ptrdiff_t>(at),
                                             filters.begin() + static_cast<std::ptrdiff_t>(end));
        Result<std::uint32_t> op = c.session().subscribe(chunk);
        if (!op.ok()) {
            c.stop();
            return fail(kCommand, c.explain(op.error()), kExitFailure);
        }
        pending.push_back(Pending{op.value(), at});
    }
    auto all_acked = [&] {
        for (const Pending& p : pending)
            if (subacks.count(p.op_id) == 0) return false;
        return true;
    };
    const bool subscribed = c.run_until([&] { return all_acked() || refused.has_value(); },
                                        std::min(run_deadline, start + c.options().timeout_ms));
    for (const Pending& p : pending) {
        const auto it = subacks.find(p.op_id);
        if (it == subacks.end()) continue;
        for (std::size_t k = 0; k < it->second.size() && p.first_filter + k < filters.size(); ++k) {
            if (it->second[k] != mqtt::SubackCode::failure) continue;
            refused = "the broker refused the subscription to '" + filters[p.first_filter + k].filter +
                      "' (SUBACK 0x80; AWS IoT: check that the policy allows iot:Subscribe on it)";
        }
    }
    if (refused) {
        c.stop();
        return fail(kCommand, *refused, kExitFailure);
    }
    if (!subscribed) {
        std::string why = c.fatal() ? "connection lost while subscribing: " + c.fatal()->message
                          : interrupted() ? std::string("interrupted while subscribing")
                                          : std::string("no SUBACK within the timeout (-W)");
        c.stop();
        return fail(kCommand, why, interrupted() ? kExitOk : kExitFailure);
    }
    c.debug("subscribed to " + std::to_string(filters.size()) + " filter(s)");

    c.run_until([&] { return (count != 0 && received >= count) || output_failed || refused.has_value(); },
                run_deadline);
    c.stop();
    if (output_failed) return fail(kCommand, "cannot write to stdout", kExitFailure);
    if (refused) return fail(kCommand, *refused, kExitFailure);
    if (count != 0 && received >= count) return kExitOk;
    if (c.fatal()) return fail(kCommand, "connection lost: " + c.fatal()->message, kExitFailure);
    if (interrupted()) return kExitOk;
    if (count != 0) {
        return fail(kCommand, "timed out after " + std::to_string(c.options().timeout_ms / 1000) + " s (-W) with " +
                                  std::to_string(received) + " of " + std::to_string(count) + " messages",
                    kExitFailure);
    }
    return kExitOk;
}

}  // namespace iotlite::cli
