#include "iotlite/connection/retry.hpp"

#include "iotlite/config.hpp"

namespace iotlite::connection {
namespace {

// A refusal that may pass later: HTTP 429 (throttled) or 5xx from the upgrade, CONNACK 3 server
// unavailable (MQTT 3.1.1), MQTT 5 0x88 server unavailable and 0x89 server busy.
bool transient_refusal(std::uint16_t http_status, std::uint8_t mqtt_reason) {
    if (http_status == 429 || (http_status >= 500 && http_status <= 599)) return true;
    return mqtt_reason == 3 || mqtt_reason == 0x88 || mqtt_reason == 0x89;
}

RetryVerdict final_because(FinalBecause because) { return RetryVerdict{false, because}; }

}  // namespace

RetryVerdict retry_verdict(Errc code, std::uint16_t http_status, std::uint8_t mqtt_reason, RetryCredentials credentials,
                           ErrorOrigin origin) {
    const bool identity = origin == ErrorOrigin::identity_service;
    switch (code) {
        case Errc::invalid_argument:
        case Errc::invalid_topic:
        case Errc::unsupported:
            // MQTT 5 0x9C use another server, 0x9D server moved: a redirection this client does not follow.
            if (mqtt_reason == 0x9C || mqtt_reason == 0x9D) return final_because(FinalBecause::refused);
            return final_because(identity ? FinalBecause::identity_input : FinalBecause::input_rule);
        case Errc::crypto_error:
            return final_because(FinalBecause::key_unusable);
        case Errc::protocol_error:
            return final_because(FinalBecause::protocol);
        case Errc::auth_failed:
            if (identity) return final_because(FinalBecause::identity_refuses);
            if (credentials == RetryCredentials::fixed) return final_because(FinalBecause::credentials_refused);
            return {};
        case Errc::connection_refused:
            if (transient_refusal(http_status, mqtt_reason)) return {};
            return final_because(FinalBecause::refused);
        case Errc::limit_exceeded:
            if (mqtt_reason == 0x95) return final_because(FinalBecause::connect_too_large);
            return {};
        default:
            return {};
    }
}

const char* final_because_name(FinalBecause because) {
    switch (because) {
        case FinalBecause::none: return "none";
        case FinalBecause::input_rule: return "input_rule";
        case FinalBecause::identity_input: return "identity_input";
        case FinalBecause::identity_refuses: return "identity_refuses";
        case FinalBecause::credentials_refused: return "credentials_refused";
        case FinalBecause::key_unusable: return "key_unusable";
        case FinalBecause::protocol: return "protocol";
        case FinalBecause::refused: return "refused";
        case FinalBecause::connect_too_large: return "connect_too_large";
    }
    return "unknown";
}

const char* final_because_text(FinalBecause because) {
    switch (because) {
        case FinalBecause::none: return "";
        case FinalBecause::input_rule: return IOTLITE_TEXT("a setting breaks a rule, and the same setting breaks it again");
        case FinalBecause::identity_input:
            return IOTLITE_TEXT("the identity service refused the identity pool id or a parameter as it is");
        case FinalBecause::identity_refuses:
            return IOTLITE_TEXT("the identity service will not issue credentials for this pool and these logins");
        case FinalBecause::credentials_refused:
            return IOTLITE_TEXT("the endpoint refused these credentials, and every retry presents the same ones");
        case FinalBecause::key_unusable: return IOTLITE_TEXT("the key or certificate cannot be used");
        case FinalBecause::protocol: return IOTLITE_TEXT("the exchange breaks the MQTT protocol, and the same exchange breaks it again");
        case FinalBecause::refused: return IOTLITE_TEXT("the endpoint refused the connection, and not for a reason that passes");
        case FinalBecause::connect_too_large: return IOTLITE_TEXT("the CONNECT packet (its Will) is larger than the server accepts");
    }
    return "";
}

}  // namespace iotlite::connection
