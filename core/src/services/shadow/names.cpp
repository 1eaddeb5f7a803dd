#include "iotlite/services/shadow/names.hpp"

#include "iotlite/services/request_tracker.hpp"
#include "../messages.hpp"

namespace iotlite::shadow {
namespace {

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '_' ||
           c == '-';
}

Result<void> validate_name(std::string_view value, [[maybe_unused]] const char* what, std::size_t max, bool allow_dollar) {
    if (value.empty()) return fmt::fail<void>(Errc::invalid_argument, "% is empty; AWS requires 1..% characters", what, max);
    if (value.size() > max)
        return fmt::fail<void>(Errc::limit_exceeded, "% has % bytes; AWS allows %", what, value.size(), max);
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (!name_char(value[i]) && !(allow_dollar && value[i] == '$'))
            return fmt::fail<void>(Errc::invalid_argument, "% has a character outside % at offset %", what,
                                   (allow_dollar ? "[$a-zA-Z0-9:_-]" : "[a-zA-Z0-9:_-]"), i);
    }
    return {};
}

constexpr std::string_view kThings = "$aws/things/";

}  // namespace

const char* operation_name(Operation op) {
    switch (op) {
        case Operation::get: return "get";
        case Operation::update: return "update";
        case Operation::delete_shadow: return "delete";
    }
    return "get";
}

const char* stream_name(Stream stream) { return stream == Stream::delta ? "update/delta" : "update/documents"; }

Result<void> validate_thing_name(std::string_view thing) { return validate_name(thing, "thing name", limits::max_thing_name_bytes, false); }

Result<void> validate_shadow_name(std::string_view name) { return validate_name(name, "shadow name", limits::max_shadow_name_bytes, true); }

Result<void> validate_shadow_id(const ShadowId& id) {
    auto thing = validate_thing_name(id.thing);
    if (!thing) return thing;
    if (!id.name.empty()) return validate_shadow_name(id.name);
    return {};
}

Result<void> validate_client_token(std::string_view token) { return services::validate_client_token(token); }

std::string topic_prefix(const ShadowId& id) {
    std::string topic(kThings);
    topic += id.thing;
    topic += "/shadow";
    if (!id.name.empty()) {
        topic += "/name/";
        topic += id.name;
    }
    return topic;
}

std::string request_topic(const ShadowId& id, Operation op) { return topic_prefix(id) + "/" + operation_name(op); }

std::string response_topic(const ShadowId& id, Operation op, bool accepted) {
    return request_topic(id, op) + (accepted ? "/accepted" : "/rejected");
}

std::string stream_topic(const ShadowId& id, Stream stream) { return topic_prefix(id) + "/" + stream_name(stream); }

bool parse_shadow_topic(std::string_view topic, ParsedTopic& out) {
    if (topic.substr(0, kThings.size()) != kThings) return false;
    topic.remove_prefix(kThings.size());
    const auto slash = topic.find('/');
    if (slash == std::string_view::npos) return false;
    out.id.thing = std::string(topic.substr(0, slash));
    topic.remove_prefix(slash);
    constexpr std::string_view kShadow = "/shadow/";
    if (topic.substr(0, kShadow.size()) != kShadow) return false;
    topic.remove_prefix(kShadow.size());
    out.id.name.clear();
    constexpr std::string_view kName = "name/";
    if (topic.substr(0, kName.size()) == kName) {
        topic.remove_prefix(kName.size());
        const auto end = topic.find('/');
        if (end == std::string_view::npos || end == 0) return false;
        out.id.name = std::string(topic.substr(0, end));
        topic.remove_prefix(end + 1);
    }
    if (topic == "update/delta") { out.kind = ParsedTopic::Kind::delta; out.op = Operation::update; return true; }
    if (topic == "update/documents") { out.kind = ParsedTopic::Kind::documents; out.op = Operation::update; return true; }
    const auto slash2 = topic.find('/');
    if (slash2 == std::string_view::npos) return false;
    const auto op = topic.substr(0, slash2);
    const auto result = topic.substr(slash2 + 1);
    if (op == "get") out.op = Operation::get;
    else if (op == "update") out.op = Operation::update;
    else if (op == "delete") out.op = Operation::delete_shadow;
    else return false;
    if (result == "accepted") out.kind = ParsedTopic::Kind::accepted;
    else if (result == "rejected") out.kind = ParsedTopic::Kind::rejected;
    else return false;
    return true;
}

}  // namespace iotlite::shadow
