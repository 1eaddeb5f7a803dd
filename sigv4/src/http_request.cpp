#include "iotlite/sigv4/http_request.hpp"

namespace iotlite::sigv4 {

namespace {

constexpr std::string_view kVersionSuffix = " HTTP/1.1";

// Next line without its '\n'; advances pos past the '\n' (or to the end).
std::string_view next_line(std::string_view text, std::size_t& pos) {
    const std::size_t end = text.find('\n', pos);
    std::string_view line = end == std::string_view::npos ? text.substr(pos) : text.substr(pos, end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    return line;
}

}  // namespace

Result<HttpRequest> parse_http_request(std::string_view text) {
    HttpRequest request;
    std::size_t pos = 0;
    const std::string_view request_line = next_line(text, pos);
    // The target may contain spaces ("GET /example space/ HTTP/1.1"): strip the version suffix.
    if (request_line.size() <= kVersionSuffix.size() ||
        request_line.substr(request_line.size() - kVersionSuffix.size()) != kVersionSuffix) {
        return make_error(Errc::invalid_argument, "request line 1 must be 'METHOD target HTTP/1.1'");
    }
    const std::string_view start = request_line.substr(0, request_line.size() - kVersionSuffix.size());
    const std::size_t space = start.find(' ');
    if (space == std::string_view::npos || space == 0 || space + 1 >= start.size()) {
        return make_error(Errc::invalid_argument, "request line 1 must be 'METHOD target HTTP/1.1'");
    }
    request.method = std::string(start.substr(0, space));
    const std::string_view target = start.substr(space + 1);
    const std::size_t question = target.find('?');
    request.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));

    int line_number = 1;
    while (pos < text.size()) {
        const std::string_view line = next_line(text, pos);
        ++line_number;
        if (line.empty()) {  // end of headers; the rest is the body, byte for byte
            request.body = std::string(text.substr(pos));
            return request;
        }
        if (line.front() == ' ' || line.front() == '\t') {  // folded continuation of the previous value
            if (request.headers.empty()) {
                return make_error(Errc::invalid_argument,
                                  "line " + std::to_string(line_number) + " continues a header but none precedes it");
            }
            auto& value = request.headers.back().value;
            value.push_back('\n');
            value.append(line);
            continue;
        }
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            return make_error(Errc::invalid_argument,
                              "line " + std::to_string(line_number) + " is not a 'Name:value' header");
        }
        request.headers.push_back(HttpHeader{std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
    }
    return request;
}

std::string serialize_http_request(const HttpRequest& request) {
    // An empty path and query would leave the request line without a target ("GET  HTTP/1.1"),
    // which parse_http_request refuses; "?" is what it reads back as both empty.
    const std::string target = request.path.empty() && request.query.empty() ? std::string("?") : request.target();
    std::string out = request.method + " " + target + std::string(kVersionSuffix) + "\n";
    for (const auto& header : request.headers) {
        out += header.name;
        out += ':';
        out += header.value;
        out += '\n';
    }
    out += '\n';
    out += request.body;
    return out;
}

}  // namespace iotlite::sigv4
