// abi.hpp — the calling convention shared by the plain bindings (bindings.cpp) and the shadow
// bindings (shadow_bindings.cpp): the scratch buffer, the last error, the strings handed out and
// the MQTT client handle. Both builds link one copy (abi.cpp).
//
//   * Variable-length inputs (strings, payloads) are packed by JS into the scratch buffer
//     returned by iot_scratch(): a sequence of [u32 little-endian length][bytes] records.
//     Functions read their arguments from it in order (Args).
//   * A function that fails returns 0 / -1 and leaves the Error in the "last error" slot
//     (iot_err_code(), iot_err_msg() + iot_len()).
//   * Strings and byte arrays handed back to JS are (pointer, iot_len()) pairs, valid until
//     the next call into the module.
//   * Times (now_ms, epoch seconds) and 64-bit sizes are doubles: JS numbers, no BigInt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "iotlite/connection/target_builder.hpp"
#include "iotlite/mqtt/client.hpp"
#include "iotlite/result.hpp"

namespace iotlite::wasm {

// The scratch buffer: grown with malloc, never shrunk (no std::vector<uint8_t> code in the module).
struct Scratch {
    std::uint8_t* bytes = nullptr;
    std::size_t size = 0;
};
extern Scratch g_scratch;
// The most one call's packed arguments may take (iot_scratch).
inline constexpr std::uint32_t kMaxCallBytes = 1u << 20;
extern Error g_error;
extern std::size_t g_len;  // length of the last string/array handed out
extern std::string g_out;  // string results (presigned URL, shadow mirror)

// The credentials JS fetched (asynchronously: Cognito over fetch, the app's provider) for the
// attempt being built; the TargetBuilder asks for them synchronously. check_credentials runs here
// like in every provider (non-empty key and secret, not expired at the corrected time).
struct HandedCredentials final : connection::CredentialsProvider {
    connection::TimedCredentials value;
    bool refused = false;  // the target builder said they were refused: JS drops its cache
    Result<connection::TimedCredentials> fetch(std::int64_t now_ms) override;
    void invalidate() override { refused = true; }
};

// A client, where it connects (the connection layer's TargetBuilder: endpoint, auth mode, clock
// skew), and the event most recently polled (its fields are read by iot_ev_*).
struct Handle {
    std::unique_ptr<mqtt::Client> client;
    mqtt::Event event;
    HandedCredentials credentials;
    std::unique_ptr<connection::TargetBuilder> target;
};

// Reads the [u32 length][bytes] records JS packed into the scratch buffer.
class Args {
public:
    std::string_view next();

private:
    std::size_t pos_ = 0;
};

// A JS time (ms, may be negative or fractional) as the engine's unsigned milliseconds.
inline std::uint64_t ms(double v) { return v <= 0 ? 0 : static_cast<std::uint64_t>(v); }

// Stores `e` as the last error; returns 0 (the failure value of the calls).
int fail(const Error& e);

// iot_subscribe's work (bindings.cpp): one SUBSCRIBE of `count` filters read from the scratch
// buffer, each a copy of `options` (QoS, and the MQTT 5 build's subscription options) with its
// filter. Returns the operation id, or 0 with the last error set.
double subscribe_filters(Handle* h, const mqtt::TopicFilter& options, double now, int count);

// iot_create (bindings.cpp); extend, when given, adds the settings of the MQTT 5 build's
// iot_v5_create to the config (reading its own records from `args`) before the engine checks it.
Handle* create_client(std::uint32_t keep_alive_s, int clean_session, std::uint32_t min_delay_ms,
                      std::uint32_t max_delay_ms, int reconnect, double queue_messages, double queue_bytes,
                      int queue_policy, double rng_seed, std::uint32_t connect_timeout_ms, int will_qos,
                      int will_retain, void (*extend)(mqtt::Config&, Args&));

// Hands `s` out as (pointer, iot_len()).
const char* hand_out(const std::string& s);

}  // namespace iotlite::wasm
