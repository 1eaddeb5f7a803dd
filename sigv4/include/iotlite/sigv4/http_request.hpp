// A plain HTTP request as the signer sees it, plus the text format of AWS's SigV4 test suites
// ("METHOD target HTTP/1.1", "Name:value" lines, folded continuation lines, blank line, body).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "iotlite/result.hpp"

namespace iotlite::sigv4 {

struct HttpHeader {
    std::string name;
    std::string value;  // as given; may contain folded lines ("a\n  b"), which signing joins
};

struct HttpRequest {
    std::string method;                // "GET"
    std::string path;                  // raw, as on the wire: "/example space/"
    std::string query;                 // raw, without '?': "a=1&b=%2F"; empty when none
    std::vector<HttpHeader> headers;   // in order
    std::string body;

    std::string target() const { return query.empty() ? path : path + "?" + query; }
};

// Parses the suites' request.txt / .req format. Errc::invalid_argument naming the broken line.
Result<HttpRequest> parse_http_request(std::string_view text);

// The inverse: request line, header lines, an empty line, the body. parse_http_request reads the
// text back to the same request (an empty path and query are written as the target "?").
std::string serialize_http_request(const HttpRequest& request);

}  // namespace iotlite::sigv4
