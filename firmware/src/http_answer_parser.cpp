#include "iotlite/firmware/http_answer_parser.hpp"

#include "http_head.hpp"

namespace iotlite::firmware {

namespace {

[[maybe_unused]] std::string longer_than(const char* what, std::size_t limit) {
    return std::string("HTTP answer: ") + what + " is longer than the limit of " + std::to_string(limit) + " bytes";
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

const std::string* HttpResponse::header(std::string_view name) const {
    const std::string wanted = detail::lower(name);
    for (const auto& h : headers)
        if (h.first == wanted) return &h.second;
    return nullptr;
}

HttpAnswerParser::HttpAnswerParser(std::size_t max_body, Until until) : max_body_(max_body), until_(until) {}

Result<bool> HttpAnswerParser::fail(Errc code, std::string message) {
    state_ = State::failed;
    line_.clear();
    line_.shrink_to_fit();
    error_ = make_error(code, std::move(message));
    return error_;
}

// Adds one byte to the current line; line_done once its LF came (the CR before it dropped).
Result<bool> HttpAnswerParser::line_byte(char c, std::size_t limit, [[maybe_unused]] const char* what, bool& line_done) {
    const bool after_cr = !line_.empty() && line_.back() == '\r';
    if (c == '\n') {
        if (after_cr) line_.pop_back();
        line_done = true;
        return false;
    }
    if (after_cr) return fail(Errc::protocol_error, IOTLITE_TEXT(std::string("HTTP answer: a CR without LF in the ") + what));
    if (c == '\0') return fail(Errc::protocol_error, IOTLITE_TEXT(std::string("HTTP answer: a NUL byte in the ") + what));
    line_ += c;
    // The LF still to come makes the line at least one byte longer.
    if (line_.size() >= limit) return fail(Errc::limit_exceeded, IOTLITE_TEXT(longer_than(what, limit)));
    return false;
}

Result<bool> HttpAnswerParser::feed(const std::uint8_t* data, std::size_t size, std::size_t& consumed) {
    // On an error, `consumed` ends just past the byte that broke the rule, wherever the pieces
    // were cut.
    consumed = 0;
    Result<bool> r = feed_at(data, size, consumed);
    if (!r.ok()) return r;
    return state_ == State::done;
}

Result<bool> HttpAnswerParser::feed_at(const std::uint8_t* data, std::size_t size, std::size_t& i) {
    while (i < size && state_ != State::done && state_ != State::failed) {
        const std::size_t avail = size - i;
        switch (state_) {
            case State::status_line:
            case State::headers: {
                const char c = static_cast<char>(data[i++]);
                if (++head_bytes_ > kHttpMaxHeadBytes) return fail(Errc::limit_exceeded, IOTLITE_TEXT(longer_than("head", kHttpMaxHeadBytes)));
                const bool status = state_ == State::status_line;
                bool done = false;
                Result<bool> r = line_byte(c, status ? kHttpMaxStatusLine : kHttpMaxHeaderLine,
                                           status ? "status line" : "header line", done);
                if (!r.ok()) return r;
                if (!done) break;
                r = status ? on_status_line() : line_.empty() ? on_head_end() : on_header_line();
                if (!r.ok()) return r;
                line_.clear();
                break;
            }
            case State::chunk_size:
            case State::trailers: {
                const bool size_line = state_ == State::chunk_size;
                bool done = false;
                Result<bool> r = line_byte(static_cast<char>(data[i++]), size_line ? kHttpMaxChunkSizeLine : kHttpMaxHeaderLine,
                                           size_line ? "chunk-size line" : "trailer line", done);
                if (!r.ok()) return r;
                if (!done) break;
                r = size_line ? on_chunk_size_line() : on_trailer_line();
                if (!r.ok()) return r;
                line_.clear();
                break;
            }
            case State::body_length:
            case State::chunk_data: {
                const std::size_t n = remaining_ < avail ? remaining_ : avail;
                answer_.body.append(reinterpret_cast<const char*>(data + i), n);
                i += n;
                remaining_ -= n;
                if (remaining_ == 0) {
                    saw_cr_ = false;
                    state_ = state_ == State::body_length ? State::done : State::chunk_crlf;
                }
                break;
            }
            case State::body_until_close: {
                const std::size_t room = max_body_ - answer_.body.size();
                const std::size_t n = room < avail ? room : avail;
                answer_.body.append(reinterpret_cast<const char*>(data + i), n);
                i += n;
                if (n < avail) {
                    ++i;  // the first byte over the limit
                    return fail(Errc::limit_exceeded, IOTLITE_TEXT(longer_than("body", max_body_)));
                }
                break;
            }
            case State::chunk_crlf: {
                const char c = static_cast<char>(data[i++]);
                if (c == '\r' && !saw_cr_) {
                    saw_cr_ = true;
                } else if (c == '\n') {
                    state_ = State::chunk_size;
                } else {
                    return fail(Errc::protocol_error, IOTLITE_TEXT("HTTP answer: chunk data is not followed by CRLF"));
                }
                break;
            }
            case State::done:
            case State::failed: break;
        }
    }
    if (state_ == State::failed) return error_;
    return state_ == State::done;
}

Result<bool> HttpAnswerParser::finish() {
    switch (state_) {
        case State::failed: return error_;
        case State::done: return true;
        case State::body_until_close: state_ = State::done; return true;
        case State::status_line:
        case State::headers: return fail(Errc::closed, IOTLITE_TEXT("HTTP answer: the connection closed before the end of the head"));
        case State::body_length:
            return fail(Errc::closed, IOTLITE_TEXT("HTTP answer: the connection closed " + std::to_string(remaining_) +
                                          " bytes before the end of the Content-Length body"));
        default: return fail(Errc::closed, IOTLITE_TEXT("HTTP answer: the connection closed inside the chunked body"));
    }
}

Result<bool> HttpAnswerParser::on_status_line() {
    // "HTTP/1.x NNN[ reason]"
    const std::string_view line = line_;
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ' || (line.size() > 12 && line[12] != ' '))
        return fail(Errc::protocol_error, IOTLITE_TEXT("HTTP answer: malformed status line (not 'HTTP/1.x NNN reason')"));
    int status = 0;
    for (std::size_t i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9') return fail(Errc::protocol_error, IOTLITE_TEXT("HTTP answer: malformed status code"));
        status = status * 10 + (line[i] - '0');
    }
    if (status < 100 || status > 599)
        return fail(Errc::protocol_error, IOTLITE_TEXT("HTTP answer: status code " + std::to_string(status) + " is outside 100-599"));
    answer_.status = status;
    answer_.reason = std::string(detail::trim(line.size() > 12 ? line.substr(13) : std::string_view()));
    state_ = State::headers;
    return false;
}

Result<bool> HttpAnswerParser::on_header_line() {
    if (++header_lines_ > kHttpMaxHeaders)
        return fail(Errc::limit_exceeded, IOTLITE_TEXT("HTTP answer: more header lines than the limit of " + std::to_string(kHttpMaxHeaders)));
    const std::string_view h = line_;
    const std::size_t colon = h.find(':');
    // No name, or white space in it (including obsolete line folding).
    if (colon == std::string_view::npos || colon == 0 || h.substr(0, colon).find_first_of(" \t") != std::string_view::npos)
        return fail(Errc::protocol_error, IOTLITE_TEXT("HTTP answer: malformed header line (not 'name: value')"));
    answer_.headers.emplace_back(detail::lower(h.substr(0, colon)), std::string(detail::trim(h.substr(colon + 1))));
    return false;
}

Result<bool> HttpAnswerParser::on_head_end() {
    const int s = answer_.status;
    if (until_ == Until::end_of_head || (s >= 100 && s < 200) || s == 204 || s == 304) {
        state_ = State::done;
        return true;
    }
    if (const std::string* te = answer_.header("transfer-encoding")) {
        state_ = detail::has_token(*te, "chunked") ? State::chunk_size : State::body_until_close;
        return false;
    }
    bool have_length = false;
    for (const auto& h : answer_.headers) {
        if (h.first != "content-length") continue;
        std::size_t v = 0;
        bool over = false;
        for (char c : h.second) {
            if (c < '0' || c > '9') return fail(Errc::protocol_error, IOTLITE_TEXT("HTTP answer: malformed Content-Length"));
            if (!over) v = v * 10 + static_cast<std::size_t>(c - '0');
            over = over || v > max_body_;
        }
        if (h.second.empty()) return fail(Errc::protocol_error, IOTLITE_TEXT("HTTP answer: malformed Content-Length"));
        if (over)
            return fail(Errc::limit_exceeded, IOTLITE_TEXT("HTTP answer: Content-Length " + h.second.substr(0, 24) +
                                                  " is over the body limit of " + std::to_string(max_body_) + " bytes"));
        if (have_length && v != remaining_) return fail(Errc::protocol_error, IOTLITE_TEXT("HTTP answer: two different Content-Length values"));
        have_length = true;
        remaining_ = v;
    }
    if (!have_length) {
        state_ = State::body_until_close;
        return false;
    }
    state_ = remaining_ == 0 ? State::done : State::body_length;
    return state_ == State::done;
}

Result<bool> HttpAnswerParser::on_chunk_size_line() {
    // chunk-size [ BWS ";" extension ], extensions ignored.
    std::size_t i = 0;
    std::size_t size = 0;
    bool over = false;
    for (int d; i < line_.size() && (d = hex_digit(line_[i])) >= 0; ++i) {
        if (!over) size = size * 16 + static_cast<std::size_t>(d);
        over = over || size > kHttpMaxChunkSize;
    }
    std::size_t rest = i;
    while (rest < line_.size() && (line_[rest] == ' ' || line_[rest] == '\t')) ++rest;
    if (i == 0 || (rest < line_.size() && line_[rest] != ';'))
        return fail(Errc::protocol_error, IOTLITE_TEXT("HTTP answer: malformed chunk-size line"));
    if (over)
        return fail(Errc::limit_exceeded, IOTLITE_TEXT("HTTP answer: chunk size 0x" + line_.substr(0, i) + " is over the limit of " +
                                              std::to_string(kHttpMaxChunkSize) + " bytes"));
    if (size == 0) {
        state_ = State::trailers;
        return false;
    }
    if (answer_.body.size() + size > max_body_) return fail(Errc::limit_exceeded, IOTLITE_TEXT(longer_than("body", max_body_)));
    remaining_ = size;
    state_ = State::chunk_data;
    return false;
}

Result<bool> HttpAnswerParser::on_trailer_line() {
    if (line_.empty()) {
        state_ = State::done;
        return true;
    }
    // Trailers are not used by AWS: counted with the headers, then dropped.
    if (++header_lines_ > kHttpMaxHeaders)
        return fail(Errc::limit_exceeded, IOTLITE_TEXT("HTTP answer: more header lines than the limit of " + std::to_string(kHttpMaxHeaders)));
    return false;
}

}  // namespace iotlite::firmware
