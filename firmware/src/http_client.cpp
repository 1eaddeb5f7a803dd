#include "iotlite/firmware/http_client.hpp"

#include <algorithm>

namespace iotlite::firmware {

HttpExchange::HttpExchange(Transport& transport, const HttpRequest& request, std::size_t max_body)
    : transport_(transport), parser_(max_body) {
    out_ = request.method + " " + request.target + " HTTP/1.1\r\nHost: " + request.host + "\r\n";
    for (const auto& h : request.headers) out_ += h.first + ": " + h.second + "\r\n";
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT")
        out_ += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
    out_ += "Connection: close\r\n\r\n";
    out_ += request.body;
}

Result<bool> HttpExchange::step() {
    if (done_) return true;
    while (sent_ < out_.size()) {
        std::int32_t n = transport_.send(reinterpret_cast<const std::uint8_t*>(out_.data()) + sent_, out_.size() - sent_);
        if (n < 0) return transport_.last_error();
        if (n == 0) return false;
        sent_ += static_cast<std::size_t>(n);
    }
    // Bounded: every byte read advances the parser, whose bounds end any answer.
    std::uint8_t buf[1024];
    for (;;) {
        std::int32_t n = transport_.recv(buf, sizeof buf);
        if (n == 0) return false;
        Result<bool> r = true;
        if (n < 0) {
            const Error& e = transport_.last_error();
            if (e.code != Errc::closed) return make_error(e.code, "HTTP answer: " + e.message);
            r = parser_.finish();  // completes a body delimited by the close
        } else {
            std::size_t used = 0;
            r = parser_.feed(buf, static_cast<std::size_t>(n), used);
        }
        if (!r.ok()) return r;
        if (!r.value()) continue;
        response_ = parser_.take_answer();
        done_ = true;
        return true;
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
                                         std::uint32_t timeout_ms, std::size_t max_body) {
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
                                             ? "HTTP: no complete answer from " + request.host
                                             : "HTTP: connection to " + request.host + " not open";
                return make_error(Errc::timeout, what + " within the deadline of " + std::to_string(timeout_ms) + " ms");
            }
            port.waiter.wait(transport.io_wait(), std::min<std::uint32_t>(remaining(), 100));
        }
    };
    Result<void> opened = step_until_done(nullptr);
    if (!opened.ok()) return opened.error();
    HttpExchange exchange(transport, request, max_body);
    Result<void> answered = step_until_done(&exchange);
    if (!answered.ok()) return answered.error();
    transport.close();
    return exchange.response();
}

}  // namespace iotlite::firmware
