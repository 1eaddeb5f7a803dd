// iotlite::firmware::HttpClient — a small HTTP/1.1 client over any Transport (TLS for HTTPS).
// One request per connection ("Connection: close"); Content-Length and chunked bodies.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iotlite/firmware/port.hpp"
#include "iotlite/firmware/transport.hpp"
#include "iotlite/result.hpp"

namespace iotlite::firmware {

struct HttpRequest {
    std::string method = "GET";
    std::string target = "/";  // path and query, already encoded
    std::string host;          // Host header value
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Host/Content-Length/Connection are added)
    std::string body;
};

struct HttpResponse {
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;

    // First value of a header (any case), or nullptr.
    const std::string* header(std::string_view name) const;
};

// One exchange on an already-open transport, step by step (non-blocking).
class HttpExchange {
public:
    // max_response: head + body bytes accepted before failing with limit_exceeded.
    HttpExchange(Transport& transport, const HttpRequest& request, std::size_t max_response = 64 * 1024);

    // true when the response is complete. Errors: those of the transport, protocol_error
    // (malformed response), limit_exceeded (response over max_response).
    Result<bool> step();
    const HttpResponse& response() const { return response_; }

private:
    Result<bool> parse_body();
    Transport& transport_;
    std::string out_;
    std::size_t sent_ = 0;
    std::string in_;
    std::size_t max_response_;
    bool have_head_ = false;
    bool chunked_ = false;
    bool until_close_ = false;
    std::size_t content_length_ = 0;
    std::size_t body_start_ = 0;
    HttpResponse response_;
};

// Parses an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", the Date header) to epoch seconds.
// Errc::invalid_argument naming the expected form otherwise.
Result<std::int64_t> parse_http_date(std::string_view text);

class HttpClient {
public:
    // Opens `transport` (steps connect()), performs the request and closes. Waits with
    // port.waiter between steps; timeout covers the whole exchange (Errc::timeout).
    // Non-2xx statuses are not errors here: the caller reads response.status.
    static Result<HttpResponse> perform(Transport& transport, const HttpRequest& request, Port port,
                                        std::uint32_t timeout_ms, std::size_t max_response = 64 * 1024);
};

}  // namespace iotlite::firmware
