// mosquitto_pub / mosquitto_sub habits of `iotlite pub`, `sub` (and `shadow`): mosquitto's
// spellings of where and how to connect.
#pragma once

#include <string>

#include "cli_util.hpp"
#include "iotlite/result.hpp"

namespace iotlite::cli {

// Set by apply_mosquitto_spellings when -L gave an mqtts:// URL (not a flag anyone can type:
// parse_options stores only the long names of the specs).
inline constexpr const char* kMqttsUrlFlag = "-L mqtts://";

// Rewrites mosquitto's spellings, in place, into the connection flags of connection_options.hpp,
// so that one set of rules (connection_options_from) checks them all:
//   -h HOST, -p PORT          --endpoint HOST:PORT (either may come with --endpoint: -p with an
//                             --endpoint that has no port, -h replacing --endpoint is refused)
//   -L URL                    mqtts://[user[:pass]@]host[:port]/topic: MQTT over TLS (--cert/--key
//                             required); wss:// and ws://: MQTT over WebSocket (SigV4, or a custom
//                             authorizer with user/pass); mqtt:// refused (AWS IoT has no plain
//                             MQTT port). The path is the topic (pub: the topic; sub: one more
//                             filter; shadow: refused); user and password become -u / -P
//   --tls-alpn x-amzn-mqtt-ca --alpn (another protocol is refused, naming why)
//   --insecure                refused: AWS IoT requires the server certificate to be verified
// `command` is "pub", "sub" or "shadow". Errors: invalid_argument naming the flag and the rule.
Result<void> apply_mosquitto_spellings(const std::string& command, ParsedFlags& flags);

}  // namespace iotlite::cli
