// iotlite::firmware::HttpAnswerParser — the sans-I/O parser of an HTTP/1.1 answer: status line,
// headers, then a Content-Length, chunked or until-close body. It is fed bytes as they arrive,
// keeps no more than one line besides the body, and touches each byte once (linear time).
// Every dimension of an answer is bounded by a constant below; an answer that breaks one fails
// with Errc::limit_exceeded and a message naming the bound and its limit. The time bound is the
// caller's (HttpClient::perform's deadline): the parser reads no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iotlite/result.hpp"

namespace iotlite::firmware {

struct HttpResponse {
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed
    std::string body;

    // First value of a header (any case), or nullptr.
    const std::string* header(std::string_view name) const;
};

// Bounds of an HTTP answer. Line lengths count the line's CRLF.
inline constexpr std::size_t kHttpMaxStatusLine = 512;      // "HTTP/1.1 403 Forbidden\r\n"
inline constexpr std::size_t kHttpMaxHeaderLine = 4096;     // one header (or trailer) line
inline constexpr std::size_t kHttpMaxHeaders = 64;          // header lines, trailers included
inline constexpr std::size_t kHttpMaxHeadBytes = 8192;      // status line + headers + blank line
inline constexpr std::size_t kHttpMaxChunkSizeLine = 32;    // "1f4;ext=v\r\n"
inline constexpr std::size_t kHttpMaxChunkSize = 64 * 1024; // one chunk's data
inline constexpr std::size_t kHttpMaxBody = IOTLITE_HTTP_MAX_BODY;  // 64 KB: default body limit, however framed
inline constexpr std::uint32_t kHttpDefaultDeadlineMs = 10000;  // connect + whole exchange

class HttpAnswerParser {
public:
    // end_of_body: the whole answer. end_of_head: stop after the blank line (the WebSocket
    // upgrade: frames follow the head).
    enum class Until : std::uint8_t { end_of_body, end_of_head };

    // max_body: body bytes accepted (at most kHttpMaxBody is sensible on a device).
    explicit HttpAnswerParser(std::size_t max_body = kHttpMaxBody, Until until = Until::end_of_body);

    // Consumes bytes; `consumed` says how many: all of them while incomplete, up to the end of
    // the answer once complete (the rest follows it), up to and including the offending byte on
    // an error. true when the answer is complete. Errors, final and repeated by later calls:
    // protocol_error (malformed answer, status outside 100-599, two different Content-Length),
    // limit_exceeded (a bound above, named with its limit). 1xx, 204 and 304 answers have no body;
    // chunked wins over Content-Length; with neither, the body runs until finish().
    Result<bool> feed(const std::uint8_t* data, std::size_t size, std::size_t& consumed);
    Result<bool> feed(std::string_view bytes, std::size_t& consumed) {
        return feed(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), consumed);
    }

    // The peer closed the connection: true if that completes the answer (a body delimited by the
    // close, or an answer already complete); otherwise Errc::closed naming where it stopped.
    Result<bool> finish();

    bool head_complete() const { return state_ > State::headers; }
    bool complete() const { return state_ == State::done; }
    // The answer so far (the body grows while it arrives); move it out once complete.
    const HttpResponse& answer() const { return answer_; }
    HttpResponse take_answer() { return std::move(answer_); }

private:
    enum class State : std::uint8_t {
        status_line, headers, body_length, body_until_close, chunk_size, chunk_data, chunk_crlf, trailers, done, failed
    };
    Result<bool> feed_at(const std::uint8_t* data, std::size_t size, std::size_t& i);
    Result<bool> fail(Errc code, std::string message);
    Result<bool> line_byte(char c, std::size_t limit, const char* what, bool& line_done);
    Result<bool> on_status_line();
    Result<bool> on_header_line();
    Result<bool> on_head_end();
    Result<bool> on_chunk_size_line();
    Result<bool> on_trailer_line();

    std::size_t max_body_;
    Until until_;
    State state_ = State::status_line;
    std::string line_;               // the line being read (bounded by the line limits)
    std::size_t head_bytes_ = 0;
    std::size_t header_lines_ = 0;   // headers and trailers
    std::size_t remaining_ = 0;      // of the Content-Length body or of the current chunk
    bool saw_cr_ = false;            // chunk_crlf: the CR came
    HttpResponse answer_;
    Error error_;
};

}  // namespace iotlite::firmware
