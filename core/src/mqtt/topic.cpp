#include "iotlite/mqtt/topic.hpp"

#include <cstring>
#include <string>

#include "format.hpp"

namespace iotlite::mqtt {
namespace {

using detail::fail;
using detail::fail_rule;

// Length of the Basic Ingest prefix "$aws/rules/<rule>/" (0 when absent).
std::size_t basic_ingest_prefix(std::string_view topic) {
    constexpr std::string_view prefix = "$aws/rules/";
    if (topic.size() <= prefix.size() || std::memcmp(topic.data(), prefix.data(), prefix.size()) != 0) return 0;
    std::size_t slash = topic.find('/', prefix.size());
    if (slash == std::string_view::npos || slash == prefix.size()) return 0;
    return slash + 1;
}

// The limits are spelled out in the texts below.
static_assert(limits::max_topic_bytes == 256 && limits::max_topic_slashes == 7, "update the messages");

// Every rule of a topic name (filter false) or a topic filter (filter true), in the order the
// errors take precedence: first those both share, then the wildcard rules of each. One function
// builds the result for both (code size on Cortex-M).
Result<void> check_topic(std::string_view text, bool filter) {
    const char* what = filter ? "topic filter" : "topic";
    if (text.empty()) return fail<void>(Errc::invalid_topic, "% is empty; MQTT requires at least 1 byte", what);
    // One pass over the bytes gathers what the rules below need (every publish and subscribe runs
    // this: one loop instead of a scan per rule); the rules are then applied in their order.
    const std::size_t skip = basic_ingest_prefix(text);
    bool nul = false, ascii = true, wildcard = false;
    std::size_t slashes = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        nul |= c == 0;
        ascii &= c < 0x80;
        wildcard |= c == '+' || c == '#';
        slashes += c == '/' && i >= skip;
    }
    if (nul) return fail<void>(Errc::invalid_topic, "% contains U+0000, which MQTT forbids", what);
    if (!ascii && !is_valid_mqtt_utf8(text)) return fail<void>(Errc::invalid_topic, "% is not valid UTF-8", what);
    const std::size_t counted = text.size() - skip;
    if (counted > limits::max_topic_bytes)
        return fail_rule<void>({rules::topic_bytes, limits::max_topic_bytes, static_cast<std::uint32_t>(counted)},
                               Errc::limit_exceeded, "% has % bytes; AWS IoT allows 256", what, counted);
    if (slashes > limits::max_topic_slashes)
        return fail_rule<void>({rules::topic_levels, limits::max_topic_slashes, static_cast<std::uint32_t>(slashes)},
                               Errc::limit_exceeded, "% has % '/' levels; AWS IoT allows 7", what, slashes);
    if (!wildcard) return detail::succeeded();
    if (!filter)
        return fail<void>(Errc::invalid_topic, "topic '%' contains a wildcard ('+' or '#'); publish topics may not", text);
    std::size_t level_start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i != text.size() && text[i] != '/') continue;
        std::string_view level(text.data() + level_start, i - level_start);  // level_start <= i: no bounds check
        if (level.size() > 1 && level.find_first_of("+#") != std::string_view::npos)
            return fail<void>(Errc::invalid_topic, "topic filter '%': a wildcard must occupy a whole level", text);
        if (level.size() == 1 && level[0] == '#' && i != text.size())
            return fail<void>(Errc::invalid_topic, "topic filter '%': '#' must be the last level", text);
        level_start = i + 1;
    }
    return detail::succeeded();
}

}  // namespace

bool is_valid_mqtt_utf8(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t n = text.size();
    for (std::size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c == 0) return false;
        if (c < 0x80) { ++i; continue; }
        std::size_t len;
        std::uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
        else return false;
        if (n - i < len) return false;
        for (std::size_t k = 1; k < len; ++k) {
            unsigned cc = s[i + k];
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF) return false;  // overlong / range
        if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // surrogates
        i += len;
    }
    return true;
}

Result<void> validate_client_id(std::string_view client_id) {
    if (client_id.empty())
        return fail<void>(Errc::invalid_argument, "client id is empty; AWS IoT requires 1 to 128 bytes");
    if (client_id.size() > limits::max_client_id_bytes)
        return fail_rule<void>({rules::client_id_bytes, limits::max_client_id_bytes, static_cast<std::uint32_t>(client_id.size())},
                               Errc::limit_exceeded, "client id has % bytes; AWS IoT allows 128", client_id.size());
    if (!is_valid_mqtt_utf8(client_id)) return fail<void>(Errc::invalid_argument, "client id is not valid UTF-8");
    return detail::succeeded();
}

Result<void> validate_publish_topic(std::string_view topic) { return check_topic(topic, false); }

Result<void> validate_topic_filter(std::string_view filter) { return check_topic(filter, true); }

Result<void> validate_payload_size(std::size_t size) {
    if (size > limits::max_payload_bytes)
        return fail_rule<void>({rules::payload_bytes, limits::max_payload_bytes,
                                static_cast<std::uint32_t>(size > UINT32_MAX ? UINT32_MAX : size)},
                               Errc::limit_exceeded, "payload has % bytes; AWS IoT allows 131072 (128 KB)", size);
    return detail::succeeded();
}

Result<void> validate_keep_alive(std::uint16_t keep_alive_s) {
    if (keep_alive_s < limits::min_keep_alive_s || keep_alive_s > limits::max_keep_alive_s)
        return fail_rule<void>({rules::keep_alive_seconds,
                                keep_alive_s < limits::min_keep_alive_s ? limits::min_keep_alive_s : limits::max_keep_alive_s,
                                keep_alive_s},
                               Errc::limit_exceeded, "keep-alive is % s; AWS IoT allows 30 to 1200 s", keep_alive_s);
    return detail::succeeded();
}

Result<void> validate_qos(unsigned qos) {
    if (qos > 1)
        return fail_rule<void>({rules::qos, 1, qos}, Errc::invalid_argument,
                               "QoS % requested; AWS IoT supports QoS 0 and 1 only", qos);
    return detail::succeeded();
}

bool topic_matches(std::string_view filter, std::string_view topic) {
    if (!filter.empty() && (filter[0] == '+' || filter[0] == '#') && !topic.empty() && topic[0] == '$') return false;
    // Character by character: the filter is valid, so '+' and '#' are whole levels.
    std::size_t t = 0;
    for (std::size_t f = 0; f < filter.size(); ++f) {
        char c = filter[f];
        if (c == '#') return true;  // this level, everything below, and (see below) the parent
        if (c == '+') {
            while (t < topic.size() && topic[t] != '/') ++t;
            continue;
        }
        if (t == topic.size() || topic[t] != c) {
            // "a/#" matches "a": the topic ended and the rest of the filter is exactly "/#".
            return t == topic.size() && filter.size() - f == 2 && c == '/' && filter[f + 1] == '#';
        }
        ++t;
    }
    return t == topic.size();
}

}  // namespace iotlite::mqtt
