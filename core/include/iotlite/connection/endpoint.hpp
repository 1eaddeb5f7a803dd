// iotlite::connection::parse_endpoint — the one parser of "where to connect" for every driver.
//
// Accepted forms (AWS IoT developer guide, "AWS IoT device data and service endpoints"):
//   <prefix>-ats.iot.<region>.amazonaws.com        ATS data endpoint (the recommended one)
//   <prefix>.ats.iot.<region>.amazonaws.com.cn     ATS data endpoint in the China partition
//   <prefix>.iot.<region>.amazonaws.com[.cn]       legacy (VeriSign-signed) data endpoint
//   any other DNS name                             custom domain or a local stand-in: the region
//                                                  cannot be inferred and must be given
//   [v6 literal]                                   IPv6 literals only in brackets
// each with an optional ":port" (1-65535), and optionally as a ws:// or wss:// URL with a path
// ("wss://127.0.0.1:8443/mqtt": a local stand-in, or the URL the target builder signs).
// Host names are lowercased (DNS is case-insensitive, and the SigV4 Host header is signed
// lowercased). No allocation beyond the returned strings; never reads a clock or the network.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "iotlite/result.hpp"
#include "iotlite/sigv4/iot_websocket_url.hpp"

namespace iotlite::connection {

enum class EndpointScheme : std::uint8_t { none, ws, wss };

enum class EndpointKind : std::uint8_t {
    aws_ats,     // *-ats.iot.<region>.amazonaws.com, *.ats.iot.<region>.amazonaws.com.cn
    aws_legacy,  // *.iot.<region>.amazonaws.com[.cn]
    custom,      // anything else (custom domain, IP literal, localhost)
};

// Longest host name DNS allows (RFC 1035: 253 characters in text form).
inline constexpr std::size_t kMaxHostLength = 253;
// Longest IPv6 literal in text form ("ffff:...:255.255.255.255", INET6_ADDRSTRLEN - 1).
inline constexpr std::size_t kMaxIpv6Length = 45;
// Longest whole text accepted (a presigned URL with a session token is a few KB).
inline constexpr std::size_t kMaxEndpointTextLength = 16384;

struct Endpoint {
    EndpointScheme scheme = EndpointScheme::none;
    EndpointKind kind = EndpointKind::custom;
    std::string host;         // lowercased; an IPv6 literal without its brackets
    bool ipv6 = false;        // host is an IPv6 literal
    std::uint16_t port = 0;   // 0: no port given
    std::string resource;     // URLs only: path and query, starting with '/'; "" otherwise
    std::string region;       // inferred from an AWS host name; "" for custom

    // The port, or `default_port` when none was given.
    std::uint16_t port_or(std::uint16_t default_port) const { return port != 0 ? port : default_port; }
    // "host", "[v6]", plus ":port" when a port was given and differs from `default_port` (the
    // form of the Host header a WebSocket client sends, and of the signed host).
    std::string authority(std::uint16_t default_port) const;
};

// Errors: Errc::invalid_argument, the message quoting the endpoint (at most 80 characters) and
// naming the broken rule: empty; over kMaxEndpointTextLength; a scheme other than ws:// and
// wss://; a path, '?' or '#' without a scheme; user info ('@') or spaces; an unclosed '[' or
// text after ']' that is not ":port"; an IPv6 literal without brackets or over 45 characters; a host that is empty,
// over 253 characters, has an empty label or a character outside [a-z0-9-._]; a port that is
// empty, not decimal, 0 or over 65535.
Result<Endpoint> parse_endpoint(std::string_view text);

// The region-name rule (sigv4::is_aws_region_name): inferred and given regions alike.
using sigv4::is_aws_region_name;

// The AWS region from an already lowercased host name, or "" when it is not an AWS IoT data
// endpoint (see the forms above). `kind` receives the endpoint kind when non-null.
std::string infer_region(std::string_view host, EndpointKind* kind = nullptr);

}  // namespace iotlite::connection
