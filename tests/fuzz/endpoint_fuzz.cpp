// libFuzzer target: the endpoint parsers reachable from a library.
//
//   sigv4 (parse_endpoint, through infer_iot_region and IotUrlSigner::presign): "host[:port]",
//       "[v6]:port", lowercased, default port dropped; the region from "*.iot.<region>.amazonaws.com"
//   firmware::parse_websocket_url: the "wss://host[:port]/path" the engine hands to the transport
//   cli::connection_options_from (when iotlite_cli_lib is built): `iotlite pub/sub/shadow
//       --endpoint HOST[:PORT]`, in ws mode (no file is read) with credentials from the
//       environment, with and without --region
//
// Input: byte 0 = options (bit 0 ws:// instead of wss://, bit 1 keep_default_port, bit 2 region
// given instead of inferred, bit 3 session token, bit 4 X-Amz-Expires=3600), bytes 1..2 = signing
// time seed, the rest = the endpoint text (also fed to parse_websocket_url as a URL, bare and
// behind "wss://").
// Properties (a violation traps), besides no crash / UB / leak:
//   - infer_iot_region accepts => presign accepts (same endpoint grammar), and an inferred region
//     is [a-z0-9-]+; presign without a region succeeds exactly when the region can be inferred;
//   - an accepted endpoint gives "<scheme>://<authority>/mqtt?...": the authority is the endpoint
//     lowercased, with the scheme's default port dropped unless keep_default_port;
//   - that URL re-parses with parse_websocket_url to the same scheme, authority, host and port
//     (the two parsers agree on what the signer produced) and a resource "/mqtt?...";
//   - the authority is a fixed point: presigning it again gives the same URL;
//   - the URL's signature equals sign_request's for GET /mqtt with only host signed and the token
//     left unsigned (the IoT fast path agrees with the general signer), and a reused IotUrlSigner
//     (signing-key cache) gives the same URL as a fresh one;
//   - parse_websocket_url on arbitrary text: an accepted URL has a host, a port 1..65535 and a
//     resource starting with '/';
//   - the CLI: an accepted --endpoint has a host without '/' or a second ':', the port given (or
//     80 for ws), a region that is --region or the one infer_iot_region finds in the host, and
//     presigns into a URL that parse_websocket_url reads back to the same host and port. (The CLI
//     is not meant to accept the same set as the signer: it refuses IPv6 literals, for one.)
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <cstdlib>

#include "iotlite/firmware/transport_factory.hpp"
#include "iotlite/sigv4/encoding.hpp"
#include "iotlite/sigv4/iot_websocket_url.hpp"
#include "iotlite/sigv4/signer.hpp"
#if IOTLITE_FUZZ_CLI
#include "connection_options.hpp"
#endif

namespace sigv4 = iotlite::sigv4;
namespace firmware = iotlite::firmware;

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
    check(url.compare(0, u.secure ? 6 : 5, u.secure ? "wss://" : "ws://") == 0);
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

    // The transport's URL parser reads back what the signer wrote.
    auto parsed = firmware::parse_websocket_url(text);
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
    if (!options) {
        check(options.error().code == iotlite::Errc::invalid_argument && !options.error().message.empty());
        return;
    }
    const iotlite::cli::ConnectionOptions& o = options.value();
    check(o.mode == iotlite::cli::ConnectionMode::ws);
    check(!o.host.empty() && o.host.find('/') == std::string::npos && o.host.find(':') == std::string::npos);
    const std::size_t colon = endpoint.rfind(':');
    check(o.host == endpoint.substr(0, colon));
    if (colon == std::string::npos) check(o.port == 80);
    check(o.port != 0);
    if (with_region) {
        check(o.region == "us-east-1");
    } else {
        auto inferred = sigv4::infer_iot_region(o.host);
        check(inferred.ok() && inferred.value() == o.region);
    }
    sigv4::IotUrlRequest request;
    request.endpoint = o.host + ":" + std::to_string(o.port);
    request.region = o.region;
    request.credentials = o.credentials;
    request.time = 1767225600;
    request.scheme = sigv4::UrlScheme::ws;
    auto url = sigv4::presign_iot_websocket_url(request);
    check(url.ok());
    auto parsed = firmware::parse_websocket_url(url.value());
    check(parsed.ok());
    std::string host = lower(o.host);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    check(parsed.value().host == host && parsed.value().port == o.port);
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
#if IOTLITE_FUZZ_CLI
    check_cli(text, (options & 32) != 0);
#endif
    return 0;
}
