// sub -F FORMAT: mosquitto_sub's output format (man mosquitto_sub, "OUTPUT FORMAT"), parsed once
// and applied to every message.
//   %% %t topic  %p payload  %q QoS  %r retain flag  %l payload length  %x / %X payload in lower /
//   upper-case hex  %I ISO 8601 local time (2016-08-10T09:47:38+0100)  %U Unix time with
//   nanoseconds (1470818943.786368637)
//   MQTT 5 properties, nothing when absent (always on MQTT 3.1.1): %C content type, %D correlation
//   data (raw bytes), %E message expiry interval, %F payload format indicator, %P user properties
//   ("name:value" separated by spaces), %R response topic, %S subscription identifier (the
//   first), %A topic alias (always empty: the engine resolves aliases into the topic)
//   @@ literal @, @N nanoseconds of the current second, @<c> strftime's %<c> (local time)
//   \\ \0 \a \e \n \r \t \v
// Refused, naming the specifier and why: %m (the engine does not expose the packet id), %j / %J
// (JSON output is not implemented), field widths and flags (%10t, %-t, %0l), anything else.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "iotlite/mqtt/types.hpp"
#include "iotlite/result.hpp"

namespace iotlite::cli {

// Longest -F text accepted.
inline constexpr std::size_t kMaxFormatLength = 1024;

class MessageFormat {
public:
    // Errors: invalid_argument, "-F: ..." naming the specifier and the rule it breaks.
    static Result<MessageFormat> parse(std::string_view format);

    // Appends `message` formatted to `out`; `now` is the wall-clock time of arrival (%I, %U, @).
    void append(const mqtt::Message& message, const std::timespec& now, std::string& out) const;

private:
    enum class Kind : std::uint8_t { literal, topic, payload, qos, retain, length, hex_lower, hex_upper, iso_time,
                                     unix_time, nanoseconds, strftime_char, topic_alias, content_type, correlation_data,
                                     message_expiry, payload_format, user_properties, response_topic, subscription_id };
    struct Piece {
        Kind kind;
        std::string text;  // literal text, or the strftime conversion character
    };
    std::vector<Piece> pieces_;
};

}  // namespace iotlite::cli
