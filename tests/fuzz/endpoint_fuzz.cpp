// libFuzzer target: the endpoint parser of the connection layer and everything built on it.
//
//   connection::parse_endpoint: "host[:port]", "[v6]:port", ws:// and wss:// URLs, region inference
//   connection::TargetBuilder: the presigned URL for an accepted endpoint (sigv4 presign underneath)
//   firmware::parse_websocket_url: the URL the engine hands to the transport (parse_endpoint inside)
//   sigv4 (its own host check, through infer_iot_region and IotUrlSigner::presign)
//   cli::connection_options_from (when iotlite_cli_lib is built): `iotlite pub/sub/shadow
//       --endpoint ...`, in ws mode (no file is read) with credentials from the environment
//
// Input: byte 0 = options (bit 0 ws:// instead of wss://, bit 1 keep_default_port, bit 2 region
// given instead of inferred, bit 3 session token, bit 4 X-Amz-Expires=3600, bit 5 CLI --region),
// bytes 1..2 = signing time seed, the rest = the endpoint text (also fed to parse_websocket_url
// as a URL, bare and behind "wss://").
// Properties (a violation traps), besides no crash / UB / leak:
//   - parse_endpoint: an accepted endpoint has a lowercase host of valid characters, a port 0
//     (none) or 1..65535, a region of [a-z0-9-] when inferred; re-parsing its authority gives the
//     same host, port and region (a fixed point); the signer accepts every endpoint the connection
//     layer accepts, and both infer the same region;
//   - TargetBuilder on an accepted host[:port]: the URL is "<scheme>://<authority>/mqtt?...",
//     parse_websocket_url reads it back to the same host and port, and its signature equals
//     sign_request's for GET /mqtt with only host signed and the token left unsigned;
//   - sigv4 alone (its own grammar): infer_iot_region accepts => presign accepts, the authority
//     in the URL is the endpoint lowercased minus the default port, presigning is a fixed point;
//     for endpoints parse_endpoint accepts, parse_websocket_url reads the URL back (same scheme,
//     authority, host, port) and the signature equals sign_request's;
//   - parse_websocket_url on arbitrary text: an accepted URL has a host, a port 1..65535 and a
//     resource starting with '/';
//   - the CLI: an accepted --endpoint has the host and port parse_endpoint gives (or 80 for ws),
//     a region that is --region or the inferred one, and builds a target.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <cstdlib>

#include "iotlite/connection/credentials_provider.hpp"
#include "iotlite/connection/endpoint.hpp"
#include "iotlite/connection/target_builder.hpp"
#include "iotlite/firmware/transport_factory.hpp"
#include "iotlite/sigv4/encoding.hpp"
#include "iotlite/sigv4/iot_websocket_url.hpp"
#include "iotlite/sigv4/signer.hpp"
#if IOTLITE_FUZZ_CLI
#include "connection_options.hpp"
#endif

namespace sigv4 = iotlite::sigv4;
namespace firmware = iotlite::firmware;
namespace connection = iotlite::connection;

namespace {

void check(bool condition) {
    if (!condition) __builtin_trap();
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// The value of `key` in a raw query (decoded), or "" when absent.
std::string query_value(std::string_view query, std::string_view key) {
    std::size_t pos = 0;
    while (pos < query.size()) {
        std::size_t amp = query.find('&', pos);
        if (amp == std::string_view::npos) amp = query.size();
        const std::string_view piece = query.substr(pos, amp - pos);
        const std::size_t eq = piece.find('=');
        if (eq != std::string_view::npos && piece.substr(0, eq) == key) return sigv4::uri_decode(piece.substr(eq + 1));
        pos = amp + 1;
    }
    return std::string();
}

void check_websocket_url(const std::string& url) {
    auto parsed = firmware::parse_websocket_url(url);
    if (!parsed) {
        check(parsed.error().code == iotlite::Errc::invalid_argument);
        return;
    }
    const firmware::WebSocketUrl& u = parsed.value();
    check(!u.host.empty() && !u.authority.empty() && u.port != 0);
    check(!u.resource.empty() && u.resource.front() == '/');
    check(lower(url.substr(0, u.secure ? 6 : 5)) == (u.secure ? "wss://" : "ws://"));  // schemes are case-insensitive
}

sigv4::IotUrlSigner& reused_signer() {
    static sigv4::IotUrlSigner signer;
    return signer;
}

void check_presign(const sigv4::IotUrlRequest& request, bool inferred_ok) {
    auto url = sigv4::presign_iot_websocket_url(request);
    sigv4::IotUrlRequest without_region = request;
    without_region.region.clear();
    auto inferred_url = sigv4::presign_iot_websocket_url(without_region);
    check(inferred_url.ok() == inferred_ok);
    if (inferred_ok) check(url.ok());
    if (!url) {
        check(url.error().code == iotlite::Errc::invalid_argument);
        return;
    }
    auto reused = reused_signer().presign(request);
    check(reused.ok() && reused.value() == url.value());

    const std::string& text = url.value();
    const bool secure = request.scheme == sigv4::UrlScheme::wss;
    const std::string scheme = secure ? "wss://" : "ws://";
    check(text.compare(0, scheme.size(), scheme) == 0);
    const std::size_t path = text.find("/mqtt?", scheme.size());
    check(path != std::string::npos);
    const std::string authority = text.substr(scheme.size(), path - scheme.size());
    check(text.find('/', scheme.size()) == path);

    // The authority is the endpoint lowercased, minus the default port unless kept.
    const std::string endpoint = lower(request.endpoint);
    const std::string default_port = secure ? ":443" : ":80";
    if (authority != endpoint) {
        check(!request.keep_default_port);
        check(endpoint.size() > authority.size() && endpoint.compare(0, authority.size(), authority) == 0);
        // What was dropped is ":" + digits whose value is the default port (e.g. ":443", ":0443").
        const std::string dropped = endpoint.substr(authority.size());
        check(dropped.size() >= 2 && dropped[0] == ':');
        unsigned value = 0;
        for (std::size_t i = 1; i < dropped.size(); ++i) {
            check(dropped[i] >= '0' && dropped[i] <= '9');
            value = value * 10 + static_cast<unsigned>(dropped[i] - '0');
        }
        check(value == (secure ? 443u : 80u));
    }

    // The transport's URL parser reads back what the signer wrote, for every endpoint the
    // drivers can hand to the signer (those connection::parse_endpoint accepts; the signer's own
    // check is looser, e.g. on empty labels).
    auto parsed = firmware::parse_websocket_url(text);
    if (!connection::parse_endpoint(request.endpoint).ok()) return;
    check(parsed.ok());
    const firmware::WebSocketUrl& u = parsed.value();
    check(u.secure == secure);
    check(u.authority == authority);
    check(u.resource.compare(0, 6, "/mqtt?") == 0);
    {
        // host[:port]; a bracketed IPv6 host is read without its brackets.
        const bool bracketed = authority.front() == '[';
        const std::size_t close = bracketed ? authority.find(']') : 0;
        check(!bracketed || close != std::string::npos);
        const std::size_t colon = bracketed ? authority.find(':', close) : authority.rfind(':');
        const std::size_t end = colon == std::string::npos ? authority.size() : colon;
        std::string host = bracketed ? authority.substr(1, close - 1) : authority.substr(0, end);
        check(u.host == host);
        unsigned port = secure ? 443 : 80;
        if (colon != std::string::npos) {
            port = 0;
            for (std::size_t i = colon + 1; i < authority.size(); ++i) port = port * 10 + static_cast<unsigned>(authority[i] - '0');
        }
        check(u.port == port);
    }

    // Fixed point: presigning the authority gives the same URL.
    sigv4::IotUrlRequest again = request;
    again.endpoint = authority;
    auto again_url = sigv4::presign_iot_websocket_url(again);
    check(again_url.ok() && again_url.value() == text);

    // The general signer agrees on the signature.
    const std::string query = text.substr(path + 6);
    const std::string signature = query_value(query, "X-Amz-Signature");
    check(signature.size() == 64);
    check(query_value(query, "X-Amz-Security-Token") == request.credentials.session_token);
    sigv4::HttpRequest http;
    http.method = "GET";
    http.path = "/mqtt";
    http.headers.push_back({"host", authority});
    sigv4::SigningConfig config;
    config.type = sigv4::SignatureType::query;
    config.region = request.region;
    config.service = request.service;
    config.time = request.time;
    config.expires_seconds = request.expires_seconds;
    config.omit_session_token = true;
    auto general = sigv4::sign_request(http, config, request.credentials);
    check(general.ok());
    check(general.value().signature == signature);
}

void check_signature(const std::string& text, std::size_t path, const std::string& authority,
                     const sigv4::IotUrlRequest& request) {
    const std::string query = text.substr(path + 6);
    const std::string signature = query_value(query, "X-Amz-Signature");
    check(signature.size() == 64);
    check(query_value(query, "X-Amz-Security-Token") == request.credentials.session_token);
    sigv4::HttpRequest http;
    http.method = "GET";
    http.path = "/mqtt";
    http.headers.push_back({"host", authority});
    sigv4::SigningConfig config;
    config.type = sigv4::SignatureType::query;
    config.region = request.region;
    config.service = request.service;
    config.time = request.time;
    config.expires_seconds = request.expires_seconds;
    config.omit_session_token = true;
    auto general = sigv4::sign_request(http, config, request.credentials);
    check(general.ok());
    check(general.value().signature == signature);
}

void check_connection(const std::string& text, const sigv4::IotUrlRequest& request) {
    auto parsed = connection::parse_endpoint(text);
    if (!parsed) {
        check(parsed.error().code == iotlite::Errc::invalid_argument && !parsed.error().message.empty());
        return;
    }
    const connection::Endpoint& e = parsed.value();
    check(!e.host.empty());
    for (char c : e.host) {
        check(!(c >= 'A' && c <= 'Z'));
        check(e.ipv6 ? (c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
                     : ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'));
    }
    check(e.ipv6 || e.host.size() <= connection::kMaxHostLength);
    for (char c : e.region) check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
    check(e.resource.empty() || e.resource.front() == '/');
    check(e.scheme != connection::EndpointScheme::none || e.resource.empty());

    // Fixed point: the authority (with its explicit port) parses to the same endpoint.
    auto again = connection::parse_endpoint(e.authority(0));
    check(again.ok());
    check(again.value().host == e.host && again.value().port == e.port && again.value().ipv6 == e.ipv6 &&
          again.value().region == e.region);

    // The signer accepts what the connection layer accepts, and infers the same region.
    auto sigv4_region = sigv4::infer_iot_region(e.authority(0));
    check(sigv4_region.ok() == !e.region.empty());
    if (sigv4_region.ok()) check(sigv4_region.value() == e.region);

    if (e.scheme != connection::EndpointScheme::none) return;
    connection::StaticCredentialsProvider creds(connection::TimedCredentials{request.credentials, 0});
    connection::TargetConfig config;
    config.endpoint = e;
    config.secure = request.scheme == sigv4::UrlScheme::wss;
    config.region = request.region;
    config.expires_seconds = request.expires_seconds;
    auto builder = connection::TargetBuilder::create(config, &creds);
    check(builder.ok());
    auto target = builder.value().build(1, request.time * 1000);
    check(target.ok());
    const std::string& url = target.value().url;
    const std::string scheme = config.secure ? "wss://" : "ws://";
    const std::uint16_t default_port = config.secure ? 443 : 80;
    const std::string prefix = scheme + e.authority(default_port) + "/mqtt?";
    check(url.compare(0, prefix.size(), prefix) == 0);
    auto read_back = firmware::parse_websocket_url(url);
    check(read_back.ok());
    check(read_back.value().host == e.host && read_back.value().port == e.port_or(default_port));
    check(read_back.value().authority == e.authority(default_port));
    check_signature(url, prefix.size() - 6, e.authority(default_port), request);
}

#if IOTLITE_FUZZ_CLI
// Never asked for bytes: --id is always given.
class NoRandom : public firmware::Random {
public:
    iotlite::Result<void> fill(std::uint8_t*, std::size_t) override {
        return iotlite::make_error(iotlite::Errc::crypto_error, "fuzz: no randomness");
    }
};

void check_cli(const std::string& endpoint, bool with_region) {
    iotlite::cli::ParsedFlags flags;
    flags.values = {{"--endpoint", endpoint}, {"--scheme", "ws"}, {"--id", "fuzz"}};
    if (with_region) flags.values.emplace_back("--region", "us-east-1");
    NoRandom random;
    auto options = iotlite::cli::connection_options_from(flags, random);
    auto parsed = connection::parse_endpoint(endpoint);
    if (!options) {
        check(options.error().code == iotlite::Errc::invalid_argument && !options.error().message.empty());
        return;
    }
    check(parsed.ok());  // the CLI reads --endpoint with the one parser
    const iotlite::cli::ConnectionOptions& o = options.value();
    check(o.mode == iotlite::cli::ConnectionMode::ws);
    check(o.host == parsed.value().host);
    check(o.port == parsed.value().port_or(80));
    if (with_region) {
        check(o.region == "us-east-1");
    } else {
        check(!parsed.value().region.empty() && o.region == parsed.value().region);
    }
    connection::StaticCredentialsProvider creds(connection::TimedCredentials{o.credentials, 0});
    auto builder = connection::TargetBuilder::create(iotlite::cli::target_config(o), &creds);
    check(builder.ok());
    auto target = builder.value().build(1, 1767225600000);
    check(target.ok());
    auto read_back = firmware::parse_websocket_url(target.value().url);
    check(read_back.ok());
    check(read_back.value().host == o.host && read_back.value().port == o.port);
}
#endif

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // The CLI takes SigV4 credentials from the environment; nothing else may leak in.
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    unsetenv("AWS_PROFILE");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) return 0;
    const std::uint8_t options = data[0];
    const std::string text(reinterpret_cast<const char*>(data + 3), size - 3);

    check_websocket_url(text);
    check_websocket_url("wss://" + text);
    check_websocket_url("ws://" + text + "/mqtt");

    auto region = sigv4::infer_iot_region(text);
    if (region) {
        check(!region.value().empty());
        for (char c : region.value()) check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
    } else {
        check(region.error().code == iotlite::Errc::invalid_argument);
    }

    sigv4::IotUrlRequest request;
    request.endpoint = text;
    request.scheme = (options & 1) != 0 ? sigv4::UrlScheme::ws : sigv4::UrlScheme::wss;
    request.keep_default_port = (options & 2) != 0;
    request.region = (options & 4) != 0 ? "us-east-1" : (region ? region.value() : "eu-west-1");
    request.credentials.access_key_id = "AKIDEXAMPLE";
    request.credentials.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    if ((options & 8) != 0) request.credentials.session_token = "FwoGZXIvYXdzE+token/with=specials";
    request.expires_seconds = (options & 16) != 0 ? 3600 : 0;
    // 2026-01-01 plus up to ~2 years, in steps of 1000 s (a date change now and then).
    request.time = 1767225600 + 1000 * static_cast<std::int64_t>((data[1] << 8) | data[2]);
    check_presign(request, region.ok());
    check_connection(text, request);
#if IOTLITE_FUZZ_CLI
    check_cli(text, (options & 32) != 0);
#endif
    return 0;
}
