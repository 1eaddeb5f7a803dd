// Differential-test driver: reads one JSON request per line on stdin, signs it with iotlite's
// SigV4, prints one JSON result per line. differential.test.mjs compares with @smithy/signature-v4.
//   {"id":1,"kind":"iot","endpoint":"h:8443","region":"","akid":"..","secret":"..","token":"..",
//    "time":1767225600,"expires":0,"scheme":"wss"}            -> {"id":1,"ok":true,"url":"..."}
//   {"id":2,"kind":"header","method":"GET","path":"/","query":"a=1","headers":[["Host","h"]],
//    "body":"","region":"..","service":"..","time":..,"akid":..,"secret":..,"token":..,
//    "content_sha256":false}  -> {"id":2,"ok":true,"signature":"..","authorization":"..","headers":[[n,v]]}
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "iotlite/sigv4/iot_websocket_url.hpp"
#include "iotlite/sigv4/signer.hpp"

using nlohmann::json;
using namespace iotlite::sigv4;

namespace {

std::string str(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t num(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

bool flag(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

json sign_iot(const json& in, IotUrlSigner& signer) {
    IotUrlRequest r;
    r.endpoint = str(in, "endpoint");
    r.region = str(in, "region");
    r.credentials = {str(in, "akid"), str(in, "secret"), str(in, "token")};
    r.time = num(in, "time");
    r.expires_seconds = static_cast<std::uint32_t>(num(in, "expires"));
    r.scheme = str(in, "scheme") == "ws" ? UrlScheme::ws : UrlScheme::wss;
    auto url = signer.presign(r);
    if (!url) return {{"ok", false}, {"error", url.error().message}};
    return {{"ok", true}, {"url", url.value()}};
}

json sign_headers(const json& in) {
    HttpRequest request;
    request.method = str(in, "method");
    request.path = str(in, "path");
    request.query = str(in, "query");
    request.body = str(in, "body");
    const auto headers = in.find("headers");
    if (headers != in.end() && headers->is_array()) {
        for (const auto& pair : *headers) {
            if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
                request.headers.push_back({pair[0].get<std::string>(), pair[1].get<std::string>()});
            }
        }
    }
    SigningConfig config;
    config.type = SignatureType::headers;
    config.region = str(in, "region");
    config.service = str(in, "service");
    config.time = num(in, "time");
    config.add_content_sha256_header = flag(in, "content_sha256");
    auto signed_request = sign_request(request, config, Credentials{str(in, "akid"), str(in, "secret"), str(in, "token")});
    if (!signed_request) return {{"ok", false}, {"error", signed_request.error().message}};
    json out_headers = json::array();
    for (const auto& h : signed_request.value().request.headers) out_headers.push_back(json::array({h.name, h.value}));
    return {{"ok", true},
            {"signature", signed_request.value().signature},
            {"authorization", signed_request.value().authorization},
            {"canonical_request", signed_request.value().canonical.text},
            {"headers", out_headers}};
}

}  // namespace

int main() {
    IotUrlSigner signer;  // one signer for the whole run: the cache must never change a result
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty()) continue;
        const json in = json::parse(line, nullptr, false);
        json out;
        if (in.is_discarded() || !in.is_object()) {
            out = {{"ok", false}, {"error", "input line is not a JSON object"}};
        } else if (str(in, "kind") == "iot") {
            out = sign_iot(in, signer);
        } else if (str(in, "kind") == "header") {
            out = sign_headers(in);
        } else {
            out = {{"ok", false}, {"error", "unknown kind"}};
        }
        if (in.is_object() && in.contains("id")) out["id"] = in["id"];
        std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    }
    return 0;
}
