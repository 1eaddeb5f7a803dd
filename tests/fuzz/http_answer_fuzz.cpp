// libFuzzer target: the firmware's HTTP answer parser (HttpAnswerParser: status line, headers,
// Content-Length / chunked / until-close bodies).
//
// Input: byte 0 = control (bit 0: stop after the head, as the WebSocket upgrade does; bits 1-2:
// body limit 64 KB / 1 KB / 16 bytes / 0; bit 3: the peer closes after the bytes); bytes 1-4 =
// seed of the pseudo-random fragmentation; the rest = the server's bytes.
// Checked properties (a violation traps, so libFuzzer reports it):
//   1. Fragmentation does not matter: fed at once, in pseudo-random pieces and (inputs up to
//      1 KB) one byte at a time, the outcome is the same (complete or not, error code and text,
//      bytes consumed, answer).
//   2. Bounds hold: body <= body limit, headers <= kHttpMaxHeaders, each header and the reason
//      within their line limits; errors are protocol_error / limit_exceeded / closed with a text.
//   3. Errors are sticky: feeding more after an error repeats it.
//   4. Round trip: a complete answer re-serialized with a Content-Length body parses to the same
//      status, reason, headers and body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "iotlite/firmware/http_answer_parser.hpp"

using iotlite::Errc;
using iotlite::Result;
using iotlite::firmware::HttpAnswerParser;
using iotlite::firmware::HttpResponse;
namespace fw = iotlite::firmware;

namespace {

void check(bool condition) {
    if (!condition) __builtin_trap();
}

struct Outcome {
    bool ok = false;
    bool complete = false;
    Errc code = Errc::ok;
    std::string message;
    std::size_t consumed = 0;
    HttpResponse answer;
};

bool same(const HttpResponse& a, const HttpResponse& b) {
    return a.status == b.status && a.reason == b.reason && a.headers == b.headers && a.body == b.body;
}

bool same(const Outcome& a, const Outcome& b) {
    return a.ok == b.ok && a.complete == b.complete && a.code == b.code && a.message == b.message &&
           a.consumed == b.consumed && same(a.answer, b.answer);
}

// Feeds `bytes` in pieces chosen by `seed` (0: at once; 1: one byte at a time), stopping at the
// end of the answer or the first error; then finish() when `close`.
Outcome run(std::string_view bytes, std::size_t max_body, HttpAnswerParser::Until until, bool close, std::uint32_t seed) {
    HttpAnswerParser p(max_body, until);
    Outcome out;
    std::uint32_t rng = seed;
    Result<bool> r = false;
    std::size_t off = 0;
    while (off < bytes.size()) {
        std::size_t piece = bytes.size() - off;
        if (seed == 1) {
            piece = 1;
        } else if (seed != 0) {
            rng = rng * 1664525u + 1013904223u;
            piece = std::min<std::size_t>(piece, 1 + (rng >> 16) % 300);
        }
        std::size_t used = 0;
        r = p.feed(bytes.substr(off, piece), used);
        check(used <= piece);
        off += used;
        if (!r.ok() || r.value()) break;
        check(used == piece);  // an incomplete answer consumes everything
    }
    if (r.ok() && !r.value() && close) r = p.finish();
    out.ok = r.ok();
    out.consumed = off;
    if (r.ok()) {
        out.complete = r.value();
        check(out.complete == p.complete());
    } else {
        out.code = r.error().code;
        out.message = r.error().message;
        check(!out.message.empty());
        check(out.code == Errc::protocol_error || out.code == Errc::limit_exceeded || out.code == Errc::closed);
        std::size_t used = 0;
        Result<bool> again = p.feed("x", used);
        check(!again.ok() && again.error().code == out.code && again.error().message == out.message);
    }
    out.answer = p.answer();
    // Bounds.
    check(out.answer.status == 0 || (out.answer.status >= 100 && out.answer.status <= 599));
    check(out.answer.body.size() <= max_body);
    check(out.answer.headers.size() <= fw::kHttpMaxHeaders);
    check(out.answer.reason.size() < fw::kHttpMaxStatusLine);
    for (const auto& h : out.answer.headers) check(h.first.size() + h.second.size() < fw::kHttpMaxHeaderLine);
    return out;
}

// The answer with a Content-Length body; `fits` false when a line or the head would break a
// bound the original kept (it may have ended lines with a bare LF, one byte shorter).
std::string serialize(const HttpResponse& a, bool& fits) {
    std::string s = "HTTP/1.1 " + std::to_string(a.status);
    if (!a.reason.empty()) s += " " + a.reason;
    s += "\r\n";
    fits = s.size() <= fw::kHttpMaxStatusLine;
    std::size_t lines = 1;
    for (const auto& h : a.headers) {
        if (h.first == "content-length" || h.first == "transfer-encoding") continue;
        const std::string line = h.first + ":" + h.second + "\r\n";
        fits = fits && line.size() <= fw::kHttpMaxHeaderLine;
        s += line;
        ++lines;
    }
    s += "content-length:" + std::to_string(a.body.size()) + "\r\n\r\n";
    fits = fits && lines <= fw::kHttpMaxHeaders && s.size() <= fw::kHttpMaxHeadBytes;
    return s + a.body;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 5) return 0;
    const std::uint8_t control = data[0];
    const auto until = (control & 1) ? HttpAnswerParser::Until::end_of_head : HttpAnswerParser::Until::end_of_body;
    static constexpr std::size_t kBodyLimits[] = {fw::kHttpMaxBody, 1024, 16, 0};
    const std::size_t max_body = kBodyLimits[(control >> 1) & 3];
    const bool close = (control & 8) != 0;
    const std::uint32_t seed = (std::uint32_t{data[1]} << 24 | std::uint32_t{data[2]} << 16 |
                                std::uint32_t{data[3]} << 8 | data[4]) | 2u;  // never 0 or 1
    const std::string_view bytes(reinterpret_cast<const char*>(data + 5), size - 5);

    const Outcome whole = run(bytes, max_body, until, close, 0);
    check(same(whole, run(bytes, max_body, until, close, seed)));
    if (bytes.size() <= 1024) check(same(whole, run(bytes, max_body, until, close, 1)));

    // Round trip of a complete answer.
    if (whole.ok && whole.complete && until == HttpAnswerParser::Until::end_of_body) {
        bool fits = false;
        const std::string again = serialize(whole.answer, fits);
        if (fits) {
            const Outcome re = run(again, max_body, until, false, 0);
            check(re.ok && re.complete && re.consumed == again.size());
            HttpResponse expected = whole.answer;
            HttpResponse got = re.answer;
            auto strip = [](HttpResponse& a) {
                std::size_t w = 0;
                for (std::size_t i = 0; i < a.headers.size(); ++i)
                    if (a.headers[i].first != "content-length" && a.headers[i].first != "transfer-encoding")
                        a.headers[w++] = a.headers[i];
                a.headers.resize(w);
            };
            strip(expected);
            strip(got);
            check(same(expected, got));
        }
    }
    return 0;
}
