#include "iotlite/services/shadow/document.hpp"

#include "iotlite/services/shadow/names.hpp"

#include <utility>

#include "../../json/reader.hpp"
#include "../messages.hpp"

namespace iotlite::shadow {
namespace {

using json::detail::valid_utf8;

constexpr std::size_t kMaxInboundDepth = limits::max_json_nesting;

// True when an array (at any depth) holds a null; depth is already bounded by the caller.
bool array_has_null(const Json& value) {
    if (!value.is_structured()) return false;
    for (const auto& child : value) {
        if ((value.is_array() && child.is_null()) || array_has_null(child)) return true;
    }
    return false;
}

// Depth-first check of every key and string; depth is already bounded by the caller.
bool strings_valid(const Json& value) {
    if (value.is_string()) return valid_utf8(value.str());
    if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it) {
            if (!valid_utf8(it.key()) || !strings_valid(it.value())) return false;
        }
    } else if (value.is_array()) {
        for (const auto& item : value) {
            if (!strings_valid(item)) return false;
        }
    }
    return true;
}

Result<std::optional<std::uint64_t>> optional_u64(const Json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::optional<std::uint64_t>{};
    if (!it->is_number_unsigned())
        return fmt::fail<std::optional<std::uint64_t>>(Errc::protocol_error, "\"%\" is not a non-negative integer", key);
    return std::optional<std::uint64_t>{it->get<std::uint64_t>()};
}

std::string optional_string(const Json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return {};
    return it->get<std::string>();
}

}  // namespace

Result<Json> parse_json(std::string_view text) {
    auto value = json::parse(text, kMaxInboundDepth);
    if (value) return value;
    Error error = std::move(value.error());
    if (error.rule == std::string_view("json.depth"))
        error.message = IOTLITE_TEXT("JSON nests more than " + std::to_string(kMaxInboundDepth) + " levels");
    else
        error.message = IOTLITE_TEXT("invalid JSON" + error.message.substr(4));  // "JSON: why (at byte n)"
    return error;
}

Result<Document> parse_document(const Json& payload) {
    if (!payload.is_object()) return fmt::fail<Document>(Errc::protocol_error, "shadow document is not a JSON object");
    Document doc;
    const auto state = payload.find("state");
    if (state != payload.end()) {
        if (!state->is_object() && !state->is_null()) return fmt::fail<Document>(Errc::protocol_error,
                "\"state\" is not an object");
        doc.state = *state;
    }
    const auto metadata = payload.find("metadata");
    if (metadata != payload.end()) {
        if (!metadata->is_object() && !metadata->is_null()) return fmt::fail<Document>(Errc::protocol_error,
                "\"metadata\" is not an object");
        doc.metadata = *metadata;
    }
    auto version = optional_u64(payload, "version");
    if (!version) return version.error();
    doc.version = version.value();
    auto timestamp = optional_u64(payload, "timestamp");
    if (!timestamp) return timestamp.error();
    doc.timestamp = timestamp.value();
    doc.client_token = optional_string(payload, "clientToken");
    return doc;
}

Result<Rejection> parse_rejection(const Json& payload) {
    if (!payload.is_object()) return fmt::fail<Rejection>(Errc::protocol_error, "shadow rejection is not a JSON object");
    Rejection rejection;
    const auto code = payload.find("code");
    if (code == payload.end() || !code->is_number_integer())
        return fmt::fail<Rejection>(Errc::protocol_error, "shadow rejection has no integer \"code\"");
    const auto value = code->get<std::int64_t>();
    if (value < 0 || value > 999) return fmt::fail<Rejection>(Errc::protocol_error, "shadow rejection \"code\" is out of range");
    rejection.code = static_cast<int>(value);
    rejection.message = optional_string(payload, "message");
    rejection.client_token = optional_string(payload, "clientToken");
    auto timestamp = optional_u64(payload, "timestamp");
    if (timestamp) rejection.timestamp = timestamp.value();
    return rejection;
}

Result<DocumentsMessage> parse_documents(const Json& payload) {
    if (!payload.is_object()) return fmt::fail<DocumentsMessage>(Errc::protocol_error, "documents message is not a JSON object");
    DocumentsMessage message;
    const auto current = payload.find("current");
    if (current == payload.end() || !current->is_object())
        return fmt::fail<DocumentsMessage>(Errc::protocol_error, "documents message has no \"current\" object");
    auto cur = parse_document(*current);
    if (!cur) return cur.error();
    message.current = std::move(cur.value());
    const auto previous = payload.find("previous");
    if (previous != payload.end() && !previous->is_object() && !previous->is_null())
        return fmt::fail<DocumentsMessage>(Errc::protocol_error, "documents message \"previous\" is not an object");
    if (previous != payload.end() && previous->is_object()) {
        auto prev = parse_document(*previous);
        if (!prev) return prev.error();
        message.previous = std::move(prev.value());
    }
    auto timestamp = optional_u64(payload, "timestamp");
    if (!timestamp) return timestamp.error();
    message.timestamp = timestamp.value();
    message.client_token = optional_string(payload, "clientToken");
    return message;
}

std::string to_compact(const Json& value) { return value.dump(); }

std::size_t json_depth(const Json& value, std::size_t cap, bool count_arrays) {
    if (cap == 0 || !value.is_structured()) return 0;
    const std::size_t own = (count_arrays || value.is_object()) ? 1 : 0;
    std::size_t deepest = 0;
    for (const auto& child : value) {  // for objects this iterates the values
        const std::size_t d = json_depth(child, cap - 1, count_arrays);
        if (d > deepest) deepest = d;
        if (deepest + own >= cap) break;
    }
    return deepest + own;
}

// A key as quoted in an error: at most 64 bytes (cut on a UTF-8 boundary, "..." marks the cut),
// control characters as '?', so an error stays one short line whatever the input.
[[maybe_unused]] static std::string shown_key(const std::string& key) {
    if (!valid_utf8(key)) return "?";
    constexpr std::size_t kShown = 64;
    std::size_t end = std::min(key.size(), kShown);
    while (end < key.size() && end > 0 && (static_cast<unsigned char>(key[end]) & 0xC0) == 0x80) --end;
    std::string out = key.substr(0, end);
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
    return end < key.size() ? out + "..." : out;
}

Result<void> validate_state(const Json& state, const Limits& limits) {
    if (!state.is_object()) return fmt::fail<void>(Errc::invalid_argument, "state must be a JSON object");
    for (auto it = state.begin(); it != state.end(); ++it) {
        const std::string& key = it.key();
        if (key != "desired" && key != "reported")
            return fmt::fail<void>(Errc::invalid_argument, "state may only contain \"desired\" and \"reported\"; found \"%\"",
                                   shown_key(key));
        const Json& section = it.value();
        if (!section.is_object() && !section.is_null())
            return fmt::fail<void>(Errc::invalid_argument, "state.% must be an object or null", key);
        if (json_depth(section, limits::max_json_nesting + 1) > limits::max_json_nesting)
            return fmt::fail<void>(Errc::limit_exceeded, "state.% nests more than % objects/arrays", key, limits::max_json_nesting);
        const std::size_t depth = json_depth(section, limits::max_json_nesting + 1, false);
        if (depth > limits.max_state_depth)
            return fmt::fail<void>(Errc::limit_exceeded, "state.% nests objects % levels deep; AWS allows %", key, depth,
                                   limits.max_state_depth);
        if (array_has_null(section))
            return fmt::fail<void>(Errc::invalid_argument, "state.% has a null inside an array; AWS arrays can't hold null", key);
        if (!strings_valid(section)) return fmt::fail<void>(Errc::invalid_argument,
                                                            "state.% contains a string that is not valid UTF-8", key);
    }
    return {};
}

std::size_t state_size(const Json& desired, const Json& reported) {
    std::size_t size = 0;
    if (desired.is_object() && !desired.empty()) size += to_compact(desired).size();
    if (reported.is_object() && !reported.empty()) size += to_compact(reported).size();
    return size;
}

void merge_state(Json& target, const Json& patch) {
    if (!patch.is_object()) {
        target = patch;
        return;
    }
    if (!target.is_object()) target = Json::object();
    for (auto it = patch.begin(); it != patch.end(); ++it) {
        if (it.value().is_null()) target.erase(it.key());
        else merge_state(target[it.key()], it.value());
    }
}

Json compute_delta(const Json& desired, const Json& reported) {
    Json delta = Json::object();
    if (!desired.is_object()) return delta;
    for (auto it = desired.begin(); it != desired.end(); ++it) {
        const auto rit = reported.is_object() ? reported.find(it.key()) : reported.end();
        if (!reported.is_object() || rit == reported.end()) {
            delta[it.key()] = it.value();
        } else if (it.value().is_object() && rit->is_object()) {
            Json sub = compute_delta(it.value(), *rit);
            if (!sub.empty()) delta[it.key()] = std::move(sub);
        } else if (it.value() != *rit) {
            delta[it.key()] = it.value();
        }
    }
    return delta;
}

}  // namespace iotlite::shadow
