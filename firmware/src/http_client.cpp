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
            if (e.code != Errc::closed) return make_error(e.code, IOTLITE_TEXT("HTTP answer: " + e.message));
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
                const std::string what = IOTLITE_TEXT(exchange != nullptr
                                                          ? "HTTP: no complete answer from " + request.host
                                                          : "HTTP: connection to " + request.host + " not open");
                return make_error(Errc::timeout, IOTLITE_TEXT(what + " within the deadline of " + std::to_string(timeout_ms) + " ms"));
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
