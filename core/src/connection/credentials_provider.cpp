#include "iotlite/connection/credentials_provider.hpp"

#include <string>

#include "../mqtt/format.hpp"
#include "iotlite/sigv4/amz_date.hpp"

namespace iotlite::connection {

Result<std::int64_t> parse_expiration(std::string_view text) {
    // A trailing "+hh:mm" / "-hh:mm" offset is applied here; the rest is sigv4's UTC parser.
    std::int64_t offset_s = 0;
    std::string utc(text);
    if (text.size() > 6) {
        const std::string_view tail = text.substr(text.size() - 6);
        const bool digits = tail[1] >= '0' && tail[1] <= '9' && tail[2] >= '0' && tail[2] <= '9' && tail[3] == ':' &&
                            tail[4] >= '0' && tail[4] <= '9' && tail[5] >= '0' && tail[5] <= '9';
        if ((tail[0] == '+' || tail[0] == '-') && digits && text.find('T') != std::string_view::npos) {
            const int hours = (tail[1] - '0') * 10 + (tail[2] - '0');
            const int minutes = (tail[4] - '0') * 10 + (tail[5] - '0');
            if (hours > 23 || minutes > 59) {
                return make_error(Errc::invalid_argument, "expiration '" + std::string(text.substr(0, 40)) +
                                                              "': the UTC offset must be at most +-23:59");
            }
            offset_s = (hours * 3600 + minutes * 60) * (tail[0] == '+' ? 1 : -1);
            utc = std::string(text.substr(0, text.size() - 6)) + "Z";
        }
    }
    Result<std::int64_t> at = sigv4::parse_iso8601(utc);
    if (!at.ok()) {
        return make_error(Errc::invalid_argument, "expiration '" + std::string(text.substr(0, 40)) +
                                                      "' is not ISO 8601 (2026-01-01T00:00:00Z or ...+01:00)");
    }
    return (at.value() - offset_s) * 1000;
}

Result<void> check_credentials(const TimedCredentials& c, std::int64_t now_ms, const char* source) {
    using mqtt::detail::error_fmt;
    if (c.credentials.access_key_id.empty()) return error_fmt(Errc::invalid_argument, "%: the access key id is empty", source);
    if (c.credentials.secret_access_key.empty()) {
        return error_fmt(Errc::invalid_argument, "%: the secret access key is empty", source);
    }
    if (c.expiration_ms != 0 && c.expiration_ms <= now_ms) {
        return error_fmt(Errc::auth_failed, "%: the credentials (access key %) expired % s ago", source,
                         c.credentials.access_key_id, static_cast<std::uint64_t>(now_ms - c.expiration_ms) / 1000);
    }
    return {};
}

Result<TimedCredentials> StaticCredentialsProvider::fetch(std::int64_t now_ms) {
    if (auto ok = check_credentials(credentials_, now_ms, "static credentials"); !ok) return ok.error();
    return credentials_;
}

Result<TimedCredentials> CallbackCredentialsProvider::fetch(std::int64_t now_ms) {
    if (!fetch_) return make_error(Errc::invalid_argument, "credentials callback is empty");
    Result<TimedCredentials> got = fetch_(now_ms);
    if (!got.ok()) return got.error();
    if (auto ok = check_credentials(got.value(), now_ms, "credentials callback"); !ok) return ok.error();
    return got;
}

}  // namespace iotlite::connection
