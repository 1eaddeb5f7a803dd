// Shadow names, client tokens, topics and the AWS Device Shadow limits.
//
// Topics (AWS IoT developer guide, "Device Shadow MQTT topics"):
//   classic  $aws/things/{thing}/shadow/{get,update,delete}[/accepted|/rejected]
//   named    $aws/things/{thing}/shadow/name/{name}/{get,update,delete}[/accepted|/rejected]
//   streams  .../update/delta, .../update/documents
// Every validator returns Errc::invalid_argument or Errc::limit_exceeded with a message that
// names the rule and the actual value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "iotlite/result.hpp"

namespace iotlite::shadow {

namespace limits {
inline constexpr std::size_t max_thing_name_bytes = 128;   // [a-zA-Z0-9:_-]
inline constexpr std::size_t max_shadow_name_bytes = 64;   // [$a-zA-Z0-9:_-] ('$' for AWS-reserved names)
inline constexpr std::size_t max_client_token_bytes = 64;  // longer tokens answer 400
// Merged desired + reported: the compact JSON of the desired object plus that of the reported
// object ("only the data for desired and reported state ... counts toward the limit"; metadata
// does not). Same rule as the local stand-in (standin/lib/shadow_store.mjs).
inline constexpr std::size_t max_state_bytes = 8192;
// Levels of objects inside the desired or reported section, the section object itself being
// level 1; arrays do not add a level (AWS answers 400 "JSON contains too many levels of nesting;
// maximum is 6"). Counted from the document root that is 8, the figure of the quotas table.
inline constexpr std::size_t max_state_depth = 6;
// Any nesting (objects and arrays) beyond this is refused outright: bounds recursion.
inline constexpr std::size_t max_json_nesting = 32;
inline constexpr std::size_t max_in_flight = 10;            // per connection; AWS answers 429 beyond
}  // namespace limits

// One shadow: the classic (unnamed) shadow when `name` is empty, else the named shadow.
struct ShadowId {
    std::string thing;
    std::string name;
    bool operator==(const ShadowId& other) const { return thing == other.thing && name == other.name; }
};

enum class Operation : std::uint8_t { get, update, delete_shadow };
// "get" / "update" / "delete" (the topic level).
const char* operation_name(Operation op);

enum class Stream : std::uint8_t { delta, documents };
// "update/delta" / "update/documents".
const char* stream_name(Stream stream);

// 1..128 bytes of [a-zA-Z0-9:_-].
Result<void> validate_thing_name(std::string_view thing);
// 1..64 bytes of [$a-zA-Z0-9:_-] (the iot-data API's pattern; '$' appears in AWS-reserved names
// such as "$package").
Result<void> validate_shadow_name(std::string_view name);
// Thing name, plus the shadow name when not empty.
Result<void> validate_shadow_id(const ShadowId& id);
// 1..64 bytes, printable ASCII without '"' or '\\' (it travels inside JSON and is echoed back).
Result<void> validate_client_token(std::string_view token);

// "$aws/things/{thing}/shadow" or "$aws/things/{thing}/shadow/name/{name}". Inputs assumed valid.
std::string topic_prefix(const ShadowId& id);
// prefix + "/get", "/update", "/delete".
std::string request_topic(const ShadowId& id, Operation op);
// request topic + "/accepted" or "/rejected".
std::string response_topic(const ShadowId& id, Operation op, bool accepted);
// prefix + "/update/delta" or "/update/documents".
std::string stream_topic(const ShadowId& id, Stream stream);

// What a topic under "$aws/things/" says, for routing inbound messages.
struct ParsedTopic {
    enum class Kind : std::uint8_t { accepted, rejected, delta, documents };
    ShadowId id;
    Operation op = Operation::get;  // accepted / rejected only
    Kind kind = Kind::accepted;
};
// False when the topic is not a shadow response or stream topic.
bool parse_shadow_topic(std::string_view topic, ParsedTopic& out);

}  // namespace iotlite::shadow
