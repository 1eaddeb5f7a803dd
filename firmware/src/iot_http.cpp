#include "iotlite/firmware/iot_http.hpp"

#include <cstring>

#include "iotlite/connection/http_date.hpp"
#include "iotlite/connection/http_status.hpp"
#include "iotlite/firmware/tls_transport.hpp"
#include "iotlite/mqtt/topic.hpp"
#include "iotlite/services/shadow/names.hpp"
#include "iotlite/sigv4/encoding.hpp"
#include "iotlite/sigv4/signer.hpp"

namespace iotlite::firmware {

Result<HttpRequest> make_publish_request(std::string_view host, std::string_view topic, std::string_view payload,
                                         mqtt::QoS qos) {
    Result<void> t = mqtt::validate_publish_topic(topic);
    if (!t.ok()) return t.error();
    Result<void> p = mqtt::validate_payload_size(payload.size());
    if (!p.ok()) return p.error();
    HttpRequest r;
    r.method = "POST";
    // '/' inside the topic is encoded too (%2F): the topic is one path label.
    r.target = "/topics/" + sigv4::uri_encode(topic, false) + "?qos=" + (qos == mqtt::QoS::at_least_once ? "1" : "0");
    r.host = std::string(host);
    r.body = std::string(payload);
    r.headers.emplace_back("Content-Type", "application/octet-stream");
    return r;
}

Result<HttpRequest> make_shadow_request(std::string_view host, ShadowOp op, std::string_view thing,
                                        std::string_view shadow_name, std::string_view body) {
    Result<void> id = shadow::validate_shadow_id(shadow::ShadowId{std::string(thing), std::string(shadow_name)});
    if (!id.ok()) return id.error();
    HttpRequest r;
    r.host = std::string(host);
    r.method = op == ShadowOp::get ? "GET" : op == ShadowOp::update ? "POST" : "DELETE";
    r.target = "/things/" + std::string(thing) + "/shadow";
    if (!shadow_name.empty()) r.target += "?name=" + std::string(shadow_name);
    if (op == ShadowOp::update) {
        if (body.empty()) return make_error(Errc::invalid_argument, IOTLITE_TEXT("a shadow update needs a JSON document body"));
        r.body = std::string(body);
        r.headers.emplace_back("Content-Type", "application/json");
    }
    return r;
}

IotHttpClient::IotHttpClient(TransportFactory& factory, Port port, std::string endpoint, std::uint16_t port_number,
                             std::optional<SigV4Auth> auth)
    : factory_(factory), port_(port), endpoint_(std::move(endpoint)), port_number_(port_number), auth_(std::move(auth)) {}

Result<HttpResponse> IotHttpClient::publish(std::string_view topic, std::string_view payload, mqtt::QoS qos,
                                            std::uint32_t timeout_ms) {
    Result<HttpRequest> r = make_publish_request(endpoint_, topic, payload, qos);
    if (!r.ok()) return r.error();
    return perform(std::move(r.value()), timeout_ms);
}

Result<HttpResponse> IotHttpClient::shadow(ShadowOp op, std::string_view thing, std::string_view shadow_name,
                                           std::string_view body, std::uint32_t timeout_ms) {
    Result<HttpRequest> r = make_shadow_request(endpoint_, op, thing, shadow_name, body);
    if (!r.ok()) return r.error();
    return perform(std::move(r.value()), timeout_ms);
}

Result<void> IotHttpClient::sign(HttpRequest& request) {
    sigv4::HttpRequest s;
    s.method = request.method;
    const std::size_t q = request.target.find('?');
    s.path = request.target.substr(0, q);
    if (q != std::string::npos) s.query = request.target.substr(q + 1);
    s.headers.push_back(sigv4::HttpHeader{"host", request.host});
    s.body = request.body;
    sigv4::SigningConfig config;
    config.type = sigv4::SignatureType::headers;
    config.region = auth_->region;
    config.service = "iotdata";
    const std::int64_t local = port_.clock.unix_time_s();
    config.time = auth_->clock_skew != nullptr ? auth_->clock_skew->corrected_s(local) : local + auth_->clock_offset_s;
    const sigv4::Credentials* credentials = &auth_->credentials;
    Result<connection::TimedCredentials> fetched = connection::TimedCredentials{};
    if (auth_->provider != nullptr) {
        fetched = auth_->provider->fetch(config.time * 1000);
        if (!fetched.ok()) return fetched.error();
        credentials = &fetched.value().credentials;
    }
    Result<sigv4::SignedRequest> signed_request = sigv4::sign_request(s, config, *credentials);
    if (!signed_request.ok()) return signed_request.error();
    for (const sigv4::HttpHeader& h : signed_request.value().request.headers) {
        if (h.name == "host" || h.name == "Host") continue;
        request.headers.emplace_back(h.name, h.value);
    }
    return {};
}

Result<HttpResponse> IotHttpClient::perform(HttpRequest request, std::uint32_t timeout_ms) {
    if (request.host.empty()) request.host = endpoint_;
    if (auth_) {
        Result<void> s = sign(request);
        if (!s.ok()) return s.error();
    }
    Result<std::unique_ptr<Transport>> t = factory_.open_tls(endpoint_, port_number_, std::string(), !auth_.has_value());
    if (!t.ok()) return t.error();
    Result<HttpResponse> r = HttpClient::perform(*t.value(), request, port_, timeout_ms);
    if (!r.ok()) return r.error();
    const HttpResponse& resp = r.value();
    observed_offset_s_ = 0;
    if (const std::string* date = resp.header("date")) {
        // An unreadable Date, or one over the skew bound, is not applied (a hint only).
        const std::int64_t local = port_.clock.unix_time_s();
        Result<std::int64_t> server = connection::parse_http_date(*date);
        if (server.ok()) {
            observed_offset_s_ = server.value() - local;
            if (auth_ && auth_->clock_skew != nullptr) (void)auth_->clock_skew->observe(server.value(), local);
        }
    }
    if (resp.status >= 200 && resp.status < 300) return r;
    std::string body = resp.body.substr(0, 512);
    const std::string what = request.method + " " + request.target.substr(0, request.target.find('?')) + " -> HTTP " +
                             std::to_string(resp.status) + " " + resp.reason + (body.empty() ? "" : ": " + body);
    const auto status = static_cast<std::uint16_t>(resp.status);  // three digits: the parser checked
    return make_error(connection::errc_for_http_status(status), what, status);
}

}  // namespace iotlite::firmware
