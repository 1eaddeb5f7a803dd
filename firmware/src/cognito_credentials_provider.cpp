#include "iotlite/firmware/cognito_credentials_provider.hpp"

#include <memory>

#include "iotlite/firmware/http_client.hpp"

namespace iotlite::firmware {

Result<CognitoCredentialsProvider> CognitoCredentialsProvider::create(TransportFactory& factory, Port port,
                                                                      connection::CognitoConfig config,
                                                                      connection::ClockSkew* skew, Logins logins,
                                                                      std::uint32_t timeout_ms) {
    Result<connection::CognitoIdentity> identity = connection::CognitoIdentity::create(std::move(config));
    if (!identity.ok()) return identity.error();
    return CognitoCredentialsProvider(factory, port, std::move(identity).value(), skew, std::move(logins), timeout_ms);
}

Result<connection::TimedCredentials> CognitoCredentialsProvider::fetch(std::int64_t now_ms) {
    Result<connection::CognitoRequest> next =
        identity_.start(logins_ ? logins_() : std::vector<connection::CognitoLogin>{});
    if (!next.ok()) return next.error();
    connection::CognitoRequest request = std::move(next).value();
    for (int exchange = 0; exchange < 3; ++exchange) {  // GetId, GetCredentialsForIdentity, one start-over
        Result<std::unique_ptr<Transport>> transport = request.secure
                                                           ? factory_->open_tls(request.host, request.port, "", false)
                                                           : port_.tcp.open(request.host, request.port);
        if (!transport.ok()) return transport.error();
        HttpRequest http;
        http.method = request.method;
        http.target = request.path;
        http.host = request.authority;
        http.headers = request.headers;
        http.body = std::move(request.body);  // holds the login tokens: never logged
        Result<HttpResponse> answer =
            HttpClient::perform(*transport.value(), http, port_, timeout_ms_, connection::kCognitoMaxAnswerBytes);
        if (!answer.ok()) {
            Error e = answer.error();
            e.message = IOTLITE_TEXT("Cognito at " + request.authority + ": " + e.message);
            return e;
        }
        const HttpResponse& a = answer.value();
        const std::string* date = a.header("date");
        const std::string_view date_view = date != nullptr ? std::string_view(*date) : std::string_view();
        Result<connection::CognitoStep> step = identity_.on_answer(
            {static_cast<std::uint16_t>(a.status), a.body, date_view}, port_.clock.unix_time_s() * 1000, skew_);
        if (!step.ok()) return step.error();
        if (step.value().done) {
            connection::TimedCredentials credentials = std::move(step.value().credentials);
            if (auto ok = connection::check_credentials(credentials, now_ms, "Cognito"); !ok) return ok.error();
            return credentials;
        }
        request = std::move(step.value().request);
    }
    return make_error(Errc::protocol_error, IOTLITE_TEXT("Cognito: no credentials after 3 exchanges"));  // on_answer allows 3
}

}  // namespace iotlite::firmware
