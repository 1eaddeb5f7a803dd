#include "iotlite/firmware/http_client.hpp"

#include <cstdlib>

#include "http_head.hpp"

namespace iotlite::firmware {

const std::string* HttpResponse::header(std::string_view name) const {
    const std::string wanted = detail::lower(name);
    for (const auto& h : headers)
        if (h.first == wanted) return &h.second;
    return nullptr;
}

HttpExchange::HttpExchange(Transport& transport, const HttpRequest& request, std::size_t max_response)
    : transport_(transport), max_response_(max_response) {
    out_ = request.method + " " + request.target + " HTTP/1.1\r\nHost: " + request.host + "\r\n";
    for (const auto& h : request.headers) out_ += h.first + ": " + h.second + "\r\n";
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT")
        out_ += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
    out_ += "Connection: close\r\n\r\n";
    out_ += request.body;
}

Result<bool> HttpExchange::step() {
    while (sent_ < out_.size()) {
        std::int32_t n = transport_.send(reinterpret_cast<const std::uint8_t*>(out_.data()) + sent_, out_.size() - sent_);
        if (n < 0) return transport_.last_error();
        if (n == 0) return false;
        sent_ += static_cast<std::size_t>(n);
    }
    std::uint8_t buf[1024];
    for (;;) {
        std::int32_t n = transport_.recv(buf, sizeof buf);
        if (n == 0) return false;
        if (n < 0) {
            // A body delimited by the end of the connection ends here.
            if (transport_.last_error().code == Errc::closed && have_head_ && until_close_) {
                response_.body = in_.substr(body_start_);
                return true;
            }
            return make_error(transport_.last_error().code, "HTTP response: " + transport_.last_error().message);
        }
        in_.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
        if (in_.size() > max_response_)
            return make_error(Errc::limit_exceeded, "HTTP response is over " + std::to_string(max_response_) + " bytes");
        if (!have_head_) {
            std::size_t end = detail::head_end(in_);
            if (end == 0) continue;
            Result<detail::HttpHead> head = detail::parse_head(std::string_view(in_).substr(0, end));
            if (!head.ok()) return head.error();
            response_.status = head.value().status;
            response_.reason = head.value().reason;
            response_.headers = head.value().headers;
            have_head_ = true;
            body_start_ = end;
            const std::string* te = head.value().find("transfer-encoding");
            const std::string* cl = head.value().find("content-length");
            if (te != nullptr && detail::has_token(*te, "chunked")) {
                chunked_ = true;
            } else if (cl != nullptr) {
                char* endp = nullptr;
                unsigned long v = std::strtoul(cl->c_str(), &endp, 10);
                if (endp == cl->c_str() || *endp != '\0') return make_error(Errc::protocol_error, "malformed Content-Length");
                content_length_ = v;
            } else if (response_.status == 204 || response_.status == 304) {
                content_length_ = 0;
            } else {
                until_close_ = true;
            }
        }
        Result<bool> done = parse_body();
        if (!done.ok() || done.value()) return done;
    }
}

Result<bool> HttpExchange::parse_body() {
    if (until_close_) return false;
    if (!chunked_) {
        if (in_.size() - body_start_ < content_length_) return false;
        response_.body = in_.substr(body_start_, content_length_);
        return true;
    }
    // Chunked: walk the chunks present so far; complete at the zero-size chunk.
    std::string body;
    std::size_t pos = body_start_;
    for (;;) {
        std::size_t eol = in_.find("\r\n", pos);
        if (eol == std::string::npos) return false;
        char* endp = nullptr;
        unsigned long size = std::strtoul(in_.c_str() + pos, &endp, 16);
        if (endp == in_.c_str() + pos) return make_error(Errc::protocol_error, "malformed chunk size in HTTP response");
        std::size_t data = eol + 2;
        if (size == 0) {
            // Trailers are not used by AWS; require the final CRLF.
            if (in_.find("\r\n", data) == std::string::npos) return false;
            response_.body = std::move(body);
            return true;
        }
        if (in_.size() < data + size + 2) return false;
        body.append(in_, data, size);
        pos = data + size + 2;
    }
}

namespace {

int month_index(std::string_view m) {
    static const char* const names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; ++i)
        if (m == names[i]) return i;
    return -1;
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, int& out) {
    if (s.empty()) return false;
    out = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        out = out * 10 + (c - '0');
    }
    return true;
}

}  // namespace

Result<std::int64_t> parse_http_date(std::string_view t) {
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    if (t.size() != 29 || t[3] != ',' || t.substr(26) != "GMT")
        return make_error(Errc::invalid_argument, "HTTP date must look like 'Sun, 06 Nov 1994 08:49:37 GMT'");
    int day, year, h, mi, s;
    const int mon = month_index(t.substr(8, 3));
    if (!digits(t.substr(5, 2), day) || mon < 0 || !digits(t.substr(12, 4), year) || !digits(t.substr(17, 2), h) ||
        !digits(t.substr(20, 2), mi) || !digits(t.substr(23, 2), s))
        return make_error(Errc::invalid_argument, "HTTP date must look like 'Sun, 06 Nov 1994 08:49:37 GMT'");
    return days_from_civil(year, static_cast<unsigned>(mon + 1), static_cast<unsigned>(day)) * 86400 + h * 3600 +
           mi * 60 + s;
}

Result<HttpResponse> HttpClient::perform(Transport& transport, const HttpRequest& request, Port port,
                                         std::uint32_t timeout_ms, std::size_t max_response) {
    const std::uint64_t deadline = port.clock.now_ms() + timeout_ms;
    auto remaining = [&]() -> std::uint32_t {
        std::uint64_t now = port.clock.now_ms();
        return now >= deadline ? 0u : static_cast<std::uint32_t>(deadline - now);
    };
    // Steps the connect (no exchange yet) or the exchange until done, waiting on the transport in
    // between. On an error or at the deadline the transport is closed.
    auto step_until_done = [&](HttpExchange* exchange) -> Result<void> {
        for (;;) {
            Result<bool> r = exchange != nullptr ? exchange->step() : transport.connect(port.clock.now_ms());
            if (!r.ok()) {
                transport.close();
                return r.error();
            }
            if (r.value()) return {};
            if (remaining() == 0) {
                transport.close();
                const std::string what = exchange != nullptr
                                             ? "HTTP: no complete response from " + request.host + " within "
                                             : "HTTP: connection to " + request.host + " not open within ";
                return make_error(Errc::timeout, what + std::to_string(timeout_ms) + " ms");
            }
            port.waiter.wait(transport.io_wait(), std::min<std::uint32_t>(remaining(), 100));
        }
    };
    Result<void> opened = step_until_done(nullptr);
    if (!opened.ok()) return opened.error();
    HttpExchange exchange(transport, request, max_response);
    Result<void> answered = step_until_done(&exchange);
    if (!answered.ok()) return answered.error();
    transport.close();
    return exchange.response();
}

}  // namespace iotlite::firmware
