#include "iotlite/mqtt/topic.hpp"

#include <string>

#include "format.hpp"

namespace iotlite::mqtt {
namespace {

using detail::decimal;
using detail::error_of;
std::string num(std::size_t v) { return decimal(v); }

// Length of the Basic Ingest prefix "$aws/rules/<rule>/" (0 when absent).
std::size_t basic_ingest_prefix(std::string_view topic) {
    constexpr std::string_view prefix = "$aws/rules/";
    if (topic.substr(0, prefix.size()) != prefix) return 0;
    std::size_t slash = topic.find('/', prefix.size());
    if (slash == std::string_view::npos || slash == prefix.size()) return 0;
    return slash + 1;
}

// Rules shared by topic names and filters. `what` is "topic" or "topic filter".
Result<void> check_common(std::string_view text, const char* what) {
    std::string_view w(what);
    if (text.empty()) return error_of(Errc::invalid_topic, {w, " is empty; MQTT requires at least 1 byte"});
    if (text.find('\0') != std::string_view::npos)
        return error_of(Errc::invalid_topic, {w, " contains U+0000, which MQTT forbids"});
    if (!is_valid_mqtt_utf8(text)) return error_of(Errc::invalid_topic, {w, " is not valid UTF-8"});
    std::string_view counted = text.substr(basic_ingest_prefix(text));
    if (counted.size() > limits::max_topic_bytes)
        return error_of(Errc::limit_exceeded, {w, " has ", num(counted.size()), " bytes; AWS IoT allows ", num(limits::max_topic_bytes)});
    std::size_t slashes = 0;
    for (char c : counted) slashes += c == '/';
    if (slashes > limits::max_topic_slashes)
        return error_of(Errc::limit_exceeded, {w, " has ", num(slashes), " '/' levels; AWS IoT allows ", num(limits::max_topic_slashes)});
    return {};
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
        return make_error(Errc::invalid_argument, "client id is empty; AWS IoT requires 1 to 128 bytes");
    if (client_id.size() > limits::max_client_id_bytes)
        return error_of(Errc::limit_exceeded, {"client id has ", num(client_id.size()), " bytes; AWS IoT allows 128"});
    if (!is_valid_mqtt_utf8(client_id)) return make_error(Errc::invalid_argument, "client id is not valid UTF-8");
    return {};
}

Result<void> validate_publish_topic(std::string_view topic) {
    auto common = check_common(topic, "topic");
    if (!common) return common;
    if (topic.find_first_of("+#") != std::string_view::npos)
        return error_of(Errc::invalid_topic, {"topic '", topic, "' contains a wildcard ('+' or '#'); publish topics may not"});
    return {};
}

Result<void> validate_topic_filter(std::string_view filter) {
    auto common = check_common(filter, "topic filter");
    if (!common) return common;
    std::size_t level_start = 0;
    for (std::size_t i = 0; i <= filter.size(); ++i) {
        if (i != filter.size() && filter[i] != '/') continue;
        std::string_view level = filter.substr(level_start, i - level_start);
        if (level.size() > 1 && level.find_first_of("+#") != std::string_view::npos)
            return error_of(Errc::invalid_topic, {"topic filter '", filter, "': a wildcard must occupy a whole level"});
        if (level == "#" && i != filter.size())
            return error_of(Errc::invalid_topic, {"topic filter '", filter, "': '#' must be the last level"});
        level_start = i + 1;
    }
    return {};
}

Result<void> validate_payload_size(std::size_t size) {
    if (size > limits::max_payload_bytes)
        return error_of(Errc::limit_exceeded, {"payload has ", num(size), " bytes; AWS IoT allows 131072 (128 KB)"});
    return {};
}

Result<void> validate_keep_alive(std::uint16_t keep_alive_s) {
    if (keep_alive_s < limits::min_keep_alive_s || keep_alive_s > limits::max_keep_alive_s)
        return error_of(Errc::limit_exceeded, {"keep-alive is ", num(keep_alive_s), " s; AWS IoT allows 30 to 1200 s"});
    return {};
}

Result<void> validate_qos(unsigned qos) {
    if (qos > 1)
        return error_of(Errc::invalid_argument, {"QoS ", num(qos), " requested; AWS IoT supports QoS 0 and 1 only"});
    return {};
}

bool topic_matches(std::string_view filter, std::string_view topic) {
    if (!filter.empty() && (filter[0] == '+' || filter[0] == '#') && !topic.empty() && topic[0] == '$') return false;
    std::size_t f = 0, t = 0;
    for (;;) {
        std::size_t fe = filter.find('/', f);
        if (fe == std::string_view::npos) fe = filter.size();
        std::string_view flevel = filter.substr(f, fe - f);
        if (flevel == "#") return true;  // matches this level, everything below, and the parent
        std::size_t te = topic.find('/', t);
        if (te == std::string_view::npos) te = topic.size();
        if (flevel != "+" && flevel != topic.substr(t, te - t)) return false;
        bool filter_last = fe == filter.size();
        bool topic_last = te == topic.size();
        if (filter_last || topic_last) {
            if (filter_last && topic_last) return true;
            if (topic_last && !filter_last) {
                // "a/#" matches "a": the remaining filter must be exactly "/#".
                return filter.substr(fe) == "/#";
            }
            return false;
        }
        f = fe + 1;
        t = te + 1;
    }
}

}  // namespace iotlite::mqtt
