// iotlite::firmware::HttpClient — a small HTTP/1.1 client over any Transport (TLS for HTTPS).
// One request per connection ("Connection: close"); the answer goes through HttpAnswerParser
// (Content-Length, chunked and until-close bodies; every dimension bounded).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iotlite/firmware/http_answer_parser.hpp"
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

// One exchange on an already-open transport, step by step (non-blocking).
class HttpExchange {
public:
    // max_body: body bytes accepted (the head has its own bounds, see http_answer_parser.hpp).
    HttpExchange(Transport& transport, const HttpRequest& request, std::size_t max_body = kHttpMaxBody);

    // true when the response is complete. Errors: those of the transport, protocol_error
    // (malformed answer), limit_exceeded (an answer bound broken, named with its limit),
    // closed (the peer closed before the answer was complete).
    Result<bool> step();
    const HttpResponse& response() const { return response_; }

private:
    Transport& transport_;
    std::string out_;
    std::size_t sent_ = 0;
    HttpAnswerParser parser_;
    bool done_ = false;
    HttpResponse response_;
};

class HttpClient {
public:
    // Opens `transport` (steps connect()), performs the request and closes. Waits with
    // port.waiter between steps; timeout_ms is the deadline of the whole exchange, connect
    // included (Errc::timeout naming it: a slowly trickled answer ends there too).
    // Non-2xx statuses are not errors here: the caller reads response.status.
    static Result<HttpResponse> perform(Transport& transport, const HttpRequest& request, Port port,
                                        std::uint32_t timeout_ms = kHttpDefaultDeadlineMs,
                                        std::size_t max_body = kHttpMaxBody);
};

}  // namespace iotlite::firmware
