#include "mqtt5_options.hpp"

#include <cctype>

#include "connection_options.hpp"
#include "iotlite/mqtt/topic.hpp"

namespace iotlite::cli {

namespace {

using mqtt::PropertyId;
using mqtt::PropertyType;

Error usage(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// A word from the command line as an error may show it: printable ASCII, at most 40 bytes
// (a -D value is never shown: it could be a secret).
std::string shown(std::string_view word) {
    std::string out;
    for (char c : word.substr(0, 40)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return word.size() > 40 ? out + "..." : out;
}

// mosquitto's identifier ("payload-format-indicator") is the specification's name with '-' between
// the words: the core's property_name() with its spaces replaced. 0: no such property.
std::uint8_t property_from_name(std::string_view identifier) {
    const std::string wanted = lower(identifier);
    for (std::uint8_t id = 1; id <= 0x2A; ++id) {
        if (!mqtt::is_property_id(id)) continue;
        std::string name = lower(mqtt::property_name(static_cast<PropertyId>(id)));
        for (char& c : name)
            if (c == ' ') c = '-';
        if (name == wanted) return id;
    }
    return 0;
}

enum class Command : std::uint8_t { connect, publish, pubrel, subscribe, unsubscribe, disconnect, auth, will };

struct CommandName {
    const char* name;
    Command command;
    mqtt::PacketType packet;  // will: the Will's block (property_allowed_in_will)
};
constexpr CommandName kCommands[] = {
    {"connect", Command::connect, mqtt::PacketType::connect},
    {"publish", Command::publish, mqtt::PacketType::publish},
    {"pubrel", Command::pubrel, mqtt::PacketType::pubrel},
    {"subscribe", Command::subscribe, mqtt::PacketType::subscribe},
    {"unsubscribe", Command::unsubscribe, mqtt::PacketType::unsubscribe},
    {"disconnect", Command::disconnect, mqtt::PacketType::disconnect},
    {"auth", Command::auth, mqtt::packet_type_auth},
    {"will", Command::will, mqtt::PacketType::connect},
};

// The commands mosquitto_pub / mosquitto_sub take (their man pages, "-D").
bool command_of(std::string_view tool, Command c) {
    switch (c) {
        case Command::connect:
        case Command::disconnect:
        case Command::will:
        case Command::auth: return true;
        case Command::publish:
        case Command::pubrel: return tool == "pub";
        case Command::subscribe:
        case Command::unsubscribe: return tool == "sub";
    }
    return false;
}

// A whole decimal number no larger than the property's wire type allows.
bool parse_integer(std::string_view text, PropertyType type, std::uint32_t& out) {
    const std::uint64_t max = type == PropertyType::byte ? 0xFF : type == PropertyType::two_byte ? 0xFFFF : 0xFFFFFFFFu;
    std::uint64_t v = 0;
    if (!parse_number(std::string(text), 0, max, v)) return false;
    out = static_cast<std::uint32_t>(v);
    return true;
}

const char* type_text(PropertyType type) {
    switch (type) {
        case PropertyType::byte: return "a whole number from 0 to 255";
        case PropertyType::two_byte: return "a whole number from 0 to 65535";
        default: return "a whole number from 0 to 4294967295";
    }
}

// Why the engine does not send `id` in `command` although MQTT 5 allows it there (nullptr: it does).
const char* refusal(Command command, PropertyId id) {
    switch (command) {
        case Command::pubrel: return "PUBREL belongs to QoS 2, which AWS IoT Core does not support";
        case Command::auth: return "AWS IoT Core does not support AUTH (enhanced authentication)";
        case Command::subscribe:
        case Command::unsubscribe:
        case Command::disconnect: return "iotlite's engine sends SUBSCRIBE, UNSUBSCRIBE and DISCONNECT without properties";
        default: break;
    }
    switch (id) {
        case PropertyId::authentication_method:
        case PropertyId::authentication_data: return "AWS IoT Core does not support enhanced authentication";
        case PropertyId::request_problem_information:
        case PropertyId::request_response_information: return "iotlite's engine does not send it";
        case PropertyId::topic_alias: return "iotlite's engine assigns topic aliases itself (at most the broker's Topic Alias Maximum)";
        case PropertyId::subscription_identifier:
            return "AWS IoT Core does not support subscription identifiers (and MQTT 5 3.3.4 forbids a client to send one)";
        default: return nullptr;
    }
}

}  // namespace

Result<std::uint8_t> parse_protocol_version(std::string_view text) {
    const std::string v = lower(text);
    if (v == "5" || v == "mqttv5") return std::uint8_t{5};
    if (v == "311" || v == "mqttv311") return std::uint8_t{4};
    if (v == "31" || v == "mqttv31") return usage("-V " + v + ": AWS IoT Core speaks MQTT 3.1.1 and 5, not MQTT 3.1");
    return usage("-V must be 5, mqttv5, 311 or mqttv311 (the MQTT protocol version)");
}

Result<void> add_property(std::string_view tool, std::string_view joined, Mqtt5Options& out) {
    std::vector<std::string_view> words;
    for (std::size_t at = 0;;) {
        const std::size_t end = joined.find(kPropertyWordSeparator, at);
        words.push_back(joined.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
        if (end == std::string_view::npos) break;
        at = end + 1;
    }
    if (words.size() < 3) return usage("-D needs COMMAND IDENTIFIER VALUE (user-property: COMMAND user-property NAME VALUE)");
    const std::string command_text = lower(words[0]);
    const CommandName* command = nullptr;
    for (const CommandName& c : kCommands)
        if (command_text == c.name) command = &c;
    if (command == nullptr) {
        return usage("-D: unknown command '" + shown(words[0]) + "' (" +
                     (tool == "pub" ? "connect, publish, will, disconnect" : "connect, subscribe, unsubscribe, will, disconnect") +
                     ")");
    }
    const std::string prefix = "-D " + command_text + " " + shown(words[1]) + ": ";
    if (!command_of(tool, command->command)) return usage(prefix + "iotlite " + std::string(tool) + " sends no " + command_text + " packet");
    const std::uint8_t raw_id = property_from_name(words[1]);
    if (raw_id == 0) return usage("-D " + command_text + ": unknown property '" + shown(words[1]) + "' (MQTT 5's names with '-' between the words, e.g. content-type)");
    const auto id = static_cast<PropertyId>(raw_id);
    const bool allowed = command->command == Command::will ? mqtt::property_allowed_in_will(id)
                                                            : mqtt::property_allowed(id, command->packet);
    if (!allowed) return usage(prefix + "MQTT 5 does not allow this property in " + (command->command == Command::will ? "a Will" : "a " + std::string(mqtt::packet_type_name(command->packet))));
    if (const char* why = refusal(command->command, id)) return usage(prefix + "not supported: " + why);

    const PropertyType type = mqtt::property_type(id);
    const std::size_t expected = type == PropertyType::utf8_pair ? 4 : 3;
    if (words.size() != expected) {
        return usage(prefix + (expected == 4 ? "needs a NAME and a VALUE" : "needs exactly one VALUE"));
    }
    const std::string_view value = words[expected - 1];
    if (command->command == Command::connect) {
        std::uint32_t v = 0;
        if (id == PropertyId::user_property) {
            out.connect_user_properties.push_back(mqtt::UserProperty{std::string(words[2]), std::string(value)});
            return Result<void>();
        }
        if (!parse_integer(value, type, v)) return usage(prefix + "must be " + type_text(type));
        switch (id) {
            case PropertyId::session_expiry_interval:
                if (v > mqtt::limits::max_session_expiry_s) {
                    return usage(prefix + "AWS IoT Core keeps a session at most " +
                                 std::to_string(mqtt::limits::max_session_expiry_s) + " seconds (7 days)");
                }
                out.session_expiry_s = v;
                break;
            case PropertyId::receive_maximum:
                if (v == 0) return usage(prefix + "must be 1 to 65535 (MQTT 5 3.1.2.11.3: 0 is a protocol error)");
                out.receive_maximum = static_cast<std::uint16_t>(v);
                break;
            case PropertyId::topic_alias_maximum: out.topic_alias_maximum = static_cast<std::uint16_t>(v); break;
            case PropertyId::maximum_packet_size:
                if (v == 0) return usage(prefix + "must be at least 1 (MQTT 5 3.1.2.11.4)");
                out.maximum_packet_size = v;
                break;
            default: return usage(prefix + "not supported by iotlite's engine");
        }
        return Result<void>();
    }
    // publish or will: an mqtt::Properties block, checked by the core's rules below.
    mqtt::Properties& block = command->command == Command::will ? out.will : out.publish;
    if (id == PropertyId::user_property) {
        block.user_properties.push_back(mqtt::UserProperty{std::string(words[2]), std::string(value)});
    } else {
        if (block.has(id)) return usage(prefix + "given twice (MQTT 5 allows it once per packet)");
        if (type == PropertyType::utf8 || type == PropertyType::binary) {
            block.set(id, value);  // correlation-data: the bytes of the word, as mosquitto takes it
        } else {
            std::uint32_t v = 0;
            if (!parse_integer(value, type, v)) return usage(prefix + "must be " + type_text(type));
            block.set(id, v);
        }
    }
    // AWS IoT Core: Message Expiry Interval 1 s .. 7 days; a response topic is a topic to publish on.
    if (id == PropertyId::message_expiry_interval) {
        const std::uint32_t v = block.integer(id);
        if (v < mqtt::limits::min_message_expiry_s || v > mqtt::limits::max_message_expiry_s) {
            return usage(prefix + "AWS IoT Core allows " + std::to_string(mqtt::limits::min_message_expiry_s) + " to " +
                         std::to_string(mqtt::limits::max_message_expiry_s) + " seconds");
        }
    }
    if (id == PropertyId::response_topic) {
        if (Result<void> valid = mqtt::validate_publish_topic(block.bytes(id)); !valid.ok()) return usage(prefix + valid.error().message);
    }
    Result<std::size_t> size = command->command == Command::will ? mqtt::will_properties_size(block)
                                                                  : mqtt::properties_size(block, mqtt::PacketType::publish);
    if (!size.ok()) return usage(prefix + size.error().message);
    return Result<void>();
}

Result<Mqtt5Options> mqtt5_options_from(std::string_view tool, const ParsedFlags& flags) {
    Mqtt5Options out;
    const std::string* version = flags.get("--protocol-version");
    if (version != nullptr) {
        Result<std::uint8_t> v = parse_protocol_version(*version);
        if (!v.ok()) return v.error();
        out.protocol_version = v.value();
    }
    const std::vector<std::string> properties = all_values(flags, "--property");
    if (!properties.empty()) {
        // mosquitto: "If you use this option, the client will be set to be an MQTT v5 client".
        if (version != nullptr && out.protocol_version != 5) {
            return usage("-D requires MQTT 5: -V " + lower(*version) + " was given (use -V 5, or leave -V out)");
        }
        out.protocol_version = 5;
        for (const std::string& p : properties) {
            if (Result<void> added = add_property(tool, p, out); !added.ok()) return added.error();
        }
    }
    if (flags.has("--retain-as-published") && out.protocol_version != 5) {
        return usage("--retain-as-published is an MQTT 5 subscription option: add -V 5");
    }
    if (!out.will.empty() && !flags.has("--will-topic")) return usage("-D will ...: Will properties need --will-topic");
    return out;
}

}  // namespace iotlite::cli
