#include "message_format.hpp"

#include <cstdio>

#include "iotlite/mqtt/properties.hpp"

namespace iotlite::cli {

namespace {

Error format_error(const std::string& why) { return make_error(Errc::invalid_argument, "-F: " + why); }

// A format character as an error may show it: itself when printable ASCII, else \xNN (a control
// byte from the command line must not reach the terminal, nor break the one-line error).
std::string shown(char c) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f) return std::string(1, c);
    static const char digits[] = "0123456789abcdef";
    return std::string("\\x") + digits[b >> 4] + digits[b & 15];
}

// Why a mosquitto specifier this CLI knows of is not offered; nullptr for an unknown one.
const char* unsupported_reason(char c) {
    switch (c) {
        case 'm': return "the message id is not exposed by iotlite's MQTT engine";
        case 'j': case 'J': return "JSON output is not implemented";
        default: return nullptr;
    }
}

void append_hex(const std::vector<std::uint8_t>& bytes, bool upper, std::string& out) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (std::uint8_t b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
}

void append_local_time(const char* spec, const std::timespec& now, std::string& out) {
    std::tm local{};
    localtime_r(&now.tv_sec, &local);
    char buffer[128];
    const std::size_t n = std::strftime(buffer, sizeof buffer, spec, &local);
    out.append(buffer, n);
}

}  // namespace

Result<MessageFormat> MessageFormat::parse(std::string_view format) {
    if (format.size() > kMaxFormatLength) {
        return format_error("the format has " + std::to_string(format.size()) + " characters; iotlite accepts at most " +
                            std::to_string(kMaxFormatLength));
    }
    MessageFormat f;
    auto literal = [&f](char c) {
        if (f.pieces_.empty() || f.pieces_.back().kind != Kind::literal) f.pieces_.push_back(Piece{Kind::literal, ""});
        f.pieces_.back().text += c;
    };
    for (std::size_t i = 0; i < format.size(); ++i) {
        const char c = format[i];
        if (c != '%' && c != '@' && c != '\\') {
            literal(c);
            continue;
        }
        if (i + 1 >= format.size()) return format_error("the format ends with a lone '" + shown(c) + "'");
        const char s = format[++i];
        if (c == '\\') {
            switch (s) {
                case '\\': literal('\\'); break;
                case '0': literal('\0'); break;
                case 'a': literal('\a'); break;
                case 'e': literal('\x1b'); break;
                case 'n': literal('\n'); break;
                case 'r': literal('\r'); break;
                case 't': literal('\t'); break;
                case 'v': literal('\v'); break;
                default: return format_error("invalid escape '\\" + shown(s) + "' (\\\\ \\0 \\a \\e \\n \\r \\t \\v)");
            }
        } else if (c == '@') {
            if (s == '@') literal('@');
            else if (s == 'N') f.pieces_.push_back(Piece{Kind::nanoseconds, ""});
            else f.pieces_.push_back(Piece{Kind::strftime_char, std::string(1, s)});
        } else {
            Kind kind = Kind::literal;
            switch (s) {
                case '%': literal('%'); continue;
                case 't': kind = Kind::topic; break;
                case 'p': kind = Kind::payload; break;
                case 'q': kind = Kind::qos; break;
                case 'r': kind = Kind::retain; break;
                case 'l': kind = Kind::length; break;
                case 'x': kind = Kind::hex_lower; break;
                case 'X': kind = Kind::hex_upper; break;
                case 'I': kind = Kind::iso_time; break;
                case 'U': kind = Kind::unix_time; break;
                case 'A': kind = Kind::topic_alias; break;
                case 'C': kind = Kind::content_type; break;
                case 'D': kind = Kind::correlation_data; break;
                case 'E': kind = Kind::message_expiry; break;
                case 'F': kind = Kind::payload_format; break;
                case 'P': kind = Kind::user_properties; break;
                case 'R': kind = Kind::response_topic; break;
                case 'S': kind = Kind::subscription_id; break;
                default:
                    if (s == '-' || (s >= '0' && s <= '9') || s == '.') {
                        return format_error("field widths and flags ('%" + std::string(1, s) +
                                            "...') are not supported");
                    }
                    if (const char* why = unsupported_reason(s)) {
                        return format_error("'%" + std::string(1, s) + "' is not supported: " + why);
                    }
                    return format_error("invalid format specifier '%" + shown(s) +
                                        "' (see iotlite sub --help for the supported ones)");
            }
            f.pieces_.push_back(Piece{kind, ""});
        }
    }
    return f;
}

void MessageFormat::append(const mqtt::Message& m, const std::timespec& now, std::string& out) const {
    // MQTT 5 properties: absent (and always on MQTT 3.1.1) prints nothing, as mosquitto_sub.
    static const mqtt::Properties none;
    const mqtt::Properties& props = m.properties ? *m.properties : none;
    auto integer = [&](mqtt::PropertyId id) {
        if (props.has(id)) out += std::to_string(props.integer(id));
    };
    auto text = [&](mqtt::PropertyId id) {
        const std::string_view v = props.bytes(id);
        out.append(v.data(), v.size());
    };
    for (const Piece& p : pieces_) {
        switch (p.kind) {
            case Kind::literal: out += p.text; break;
            case Kind::topic: out += m.topic; break;
            case Kind::payload: out.append(m.payload.begin(), m.payload.end()); break;
            case Kind::qos: out += m.qos == mqtt::QoS::at_least_once ? '1' : '0'; break;
            case Kind::retain: out += m.retain ? '1' : '0'; break;
            case Kind::length: out += std::to_string(m.payload.size()); break;
            case Kind::hex_lower: append_hex(m.payload, false, out); break;
            case Kind::hex_upper: append_hex(m.payload, true, out); break;
            case Kind::iso_time: append_local_time("%Y-%m-%dT%H:%M:%S%z", now, out); break;
            case Kind::unix_time: {
                char buffer[40];
                const int n = std::snprintf(buffer, sizeof buffer, "%lld.%09ld", static_cast<long long>(now.tv_sec),
                                            static_cast<long>(now.tv_nsec));
                out.append(buffer, static_cast<std::size_t>(n));
                break;
            }
            case Kind::nanoseconds: {
                char buffer[16];
                const int n = std::snprintf(buffer, sizeof buffer, "%09ld", static_cast<long>(now.tv_nsec));
                out.append(buffer, static_cast<std::size_t>(n));
                break;
            }
            case Kind::strftime_char: append_local_time(("%" + p.text).c_str(), now, out); break;
            // The engine resolves a Topic Alias into the topic and removes the property, so %A
            // finds none (mosquitto_sub prints nothing for an absent one too).
            case Kind::topic_alias: integer(mqtt::PropertyId::topic_alias); break;
            case Kind::content_type: text(mqtt::PropertyId::content_type); break;
            case Kind::correlation_data: text(mqtt::PropertyId::correlation_data); break;
            case Kind::message_expiry: integer(mqtt::PropertyId::message_expiry_interval); break;
            case Kind::payload_format: integer(mqtt::PropertyId::payload_format_indicator); break;
            case Kind::response_topic: text(mqtt::PropertyId::response_topic); break;
            case Kind::user_properties:
                // name:value, separated by one space, in the order received (mosquitto_sub's form).
                for (std::size_t i = 0; i < props.user_properties.size(); ++i) {
                    if (i > 0) out += ' ';
                    out += props.user_properties[i].name;
                    out += ':';
                    out += props.user_properties[i].value;
                }
                break;
            case Kind::subscription_id:  // the first, as mosquitto_sub (AWS IoT Core sends none)
                if (!props.subscription_ids.empty()) out += std::to_string(props.subscription_ids.front());
                break;
        }
    }
}

}  // namespace iotlite::cli
