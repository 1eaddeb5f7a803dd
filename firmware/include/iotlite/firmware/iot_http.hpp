// AWS IoT over HTTPS: publish (POST /topics/{topic}?qos=) and the REST device shadow
// (GET/POST/DELETE /things/{thing}/shadow[?name=]), authenticated with the device certificate
// (port 8443) or with SigV4 header signing (port 443, service "iotdata").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "iotlite/connection/clock_skew.hpp"
#include "iotlite/connection/credentials_provider.hpp"
#include "iotlite/firmware/http_client.hpp"
#include "iotlite/firmware/port.hpp"
#include "iotlite/firmware/transport_factory.hpp"
#include "iotlite/mqtt/client.hpp"
#include "iotlite/result.hpp"
#include "iotlite/sigv4/credentials.hpp"

namespace iotlite::firmware {

enum class ShadowOp : std::uint8_t { get, update, remove };

// Request builders (no I/O). Errors: invalid_topic / limit_exceeded / invalid_argument naming
// the rule (empty or wildcard topic, topic over 256 bytes, payload over 128 KB, empty thing name,
// thing or shadow name over 128 bytes or with characters AWS does not allow).
Result<HttpRequest> make_publish_request(std::string_view host, std::string_view topic, std::string_view payload,
                                         mqtt::QoS qos);
Result<HttpRequest> make_shadow_request(std::string_view host, ShadowOp op, std::string_view thing,
                                        std::string_view shadow_name, std::string_view body);

struct SigV4Auth {
    sigv4::Credentials credentials;  // never logged; used when `provider` is null
    std::string region;              // e.g. "eu-west-1"
    std::int64_t clock_offset_s = 0; // added to the port's wall clock when `clock_skew` is null
    // The shared clock-skew policy (e.g. the TargetBuilder's of the MQTT connection): signs with
    // its corrected time and learns from every answer's Date header. Not owned; may be null.
    connection::ClockSkew* clock_skew = nullptr;
    // Temporary credentials (usually a connection::CredentialsCache): fetched for every request,
    // so they are refreshed before they expire. Not owned; may be null.
    connection::CredentialsProvider* provider = nullptr;
};

class IotHttpClient {
public:
    // endpoint: host name (no scheme). With auth: SigV4 signing and no client certificate;
    // without: the device certificate from the factory's credentials.
    IotHttpClient(TransportFactory& factory, Port port, std::string endpoint, std::uint16_t port_number,
                  std::optional<SigV4Auth> auth = std::nullopt);

    // 2xx: the response. Otherwise an error with the status in Error::http_status and the
    // status line and start of the body in its text, its Errc from connection::errc_for_http_status
    // (auth_failed 401/403, conflict 409, limit_exceeded 413/429, server_error otherwise); plus transport errors (crypto_error, io_error, timeout ...),
    // the answer's bounds (limit_exceeded, protocol_error; http_client.hpp) and the builders' errors.
    Result<HttpResponse> publish(std::string_view topic, std::string_view payload, mqtt::QoS qos,
                                 std::uint32_t timeout_ms = kHttpDefaultDeadlineMs);
    Result<HttpResponse> shadow(ShadowOp op, std::string_view thing, std::string_view shadow_name = {},
                                std::string_view body = {}, std::uint32_t timeout_ms = kHttpDefaultDeadlineMs);
    // Signs (SigV4 mode) and performs any request.
    Result<HttpResponse> perform(HttpRequest request, std::uint32_t timeout_ms);

    // The offset between the server's Date header and our wall clock, seen on the last response
    // (0 when none was readable). With SigV4Auth::clock_skew it is also fed to that policy.
    std::int64_t observed_clock_offset_s() const { return observed_offset_s_; }

private:
    Result<void> sign(HttpRequest& request);
    TransportFactory& factory_;
    Port port_;
    std::string endpoint_;
    std::uint16_t port_number_;
    std::optional<SigV4Auth> auth_;
    std::int64_t observed_offset_s_ = 0;
};

}  // namespace iotlite::firmware
