// HttpAnswerParser fed bytes directly: each bound accepted at its limit and refused one byte
// past it with the bound named, framing details, and feeding one byte at a time.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "iotlite/firmware/http_answer_parser.hpp"

namespace iotlite::firmware::test {
namespace {

// Feeds `bytes` in pieces of `piece` (0: at once), then finish() if `close`.
Result<bool> parse(HttpAnswerParser& p, const std::string& bytes, std::size_t piece = 0, bool close = false) {
    const std::size_t step = piece == 0 ? bytes.size() : piece;
    Result<bool> r = false;
    for (std::size_t off = 0; off < bytes.size(); off += step) {
        std::size_t used = 0;
        r = p.feed(std::string_view(bytes).substr(off, step), used);
        if (!r.ok() || r.value()) return r;
    }
    return close ? p.finish() : r;
}

std::string head_with_line_of(std::size_t line_bytes) {
    // "X-A: aaa...\r\n" of exactly line_bytes bytes.
    return "HTTP/1.1 200 OK\r\nX-A: " + std::string(line_bytes - 7, 'a') + "\r\nContent-Length: 0\r\n\r\n";
}

void expect_limit(const Result<bool>& r, const std::string& what, std::size_t limit) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::limit_exceeded) << r.error().message;
    EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(std::to_string(limit)), std::string::npos) << r.error().message;
}

TEST(HttpAnswerParser, ChunkedOneByteAtATime_SameAnswer) {
    const std::string a = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-B:  v \r\n\r\n"
                          "4;x=y\r\nabcd\r\n2\r\nef\r\n0\r\nT: 1\r\n\r\nextra";
    HttpAnswerParser whole, bytewise;
    std::size_t used = 0;
    auto r = whole.feed(a, used);
    ASSERT_TRUE(r.ok() && r.value()) << (r.ok() ? "" : r.error().message);
    EXPECT_EQ(used, a.size() - 5);  // "extra" follows the answer
    ASSERT_TRUE(parse(bytewise, a, 1).ok());
    EXPECT_EQ(whole.answer().body, "abcdef");
    EXPECT_EQ(bytewise.answer().body, "abcdef");
    ASSERT_NE(whole.answer().header("x-b"), nullptr);
    EXPECT_EQ(*whole.answer().header("X-B"), "v");
}

TEST(HttpAnswerParser, StatusLineAtLimit_AcceptedOneMore_Refused) {
    const std::string ok_line = "HTTP/1.1 200 " + std::string(kHttpMaxStatusLine - 15, 'R') + "\r\n";
    ASSERT_EQ(ok_line.size(), kHttpMaxStatusLine);
    HttpAnswerParser a, b;
    EXPECT_TRUE(parse(a, ok_line + "Content-Length: 0\r\n\r\n").ok());
    expect_limit(parse(b, "HTTP/1.1 200 R" + ok_line.substr(13) + "Content-Length: 0\r\n\r\n"), "status line",
                 kHttpMaxStatusLine);
}

TEST(HttpAnswerParser, HeaderLineAtLimit_AcceptedOneMore_Refused) {
    HttpAnswerParser a, b;
    auto ok = parse(a, head_with_line_of(kHttpMaxHeaderLine));
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_TRUE(ok.value());
    expect_limit(parse(b, head_with_line_of(kHttpMaxHeaderLine + 1)), "header line", kHttpMaxHeaderLine);
}

TEST(HttpAnswerParser, HeaderCountAtLimit_AcceptedOneMore_Refused) {
    auto answer = [](std::size_t n) {
        std::string s = "HTTP/1.1 204 No Content\r\n";
        for (std::size_t i = 0; i < n; ++i) s += "X: 1\r\n";
        return s + "\r\n";
    };
    HttpAnswerParser a, b;
    auto ok = parse(a, answer(kHttpMaxHeaders));
    ASSERT_TRUE(ok.ok() && ok.value());
    expect_limit(parse(b, answer(kHttpMaxHeaders + 1)), "header lines", kHttpMaxHeaders);
}

TEST(HttpAnswerParser, HeadOverLimit_Refused) {
    std::string s = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 3; ++i) s += "X: " + std::string(3000, 'v') + "\r\n";
    HttpAnswerParser p;
    expect_limit(parse(p, s + "\r\n"), "head", kHttpMaxHeadBytes);
}

TEST(HttpAnswerParser, ChunkSizeLineAtLimit_AcceptedOneMore_Refused) {
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string line = std::string(kHttpMaxChunkSizeLine - 3, '0') + "1\r\n";  // leading zeros
    ASSERT_EQ(line.size(), kHttpMaxChunkSizeLine);
    HttpAnswerParser a, b;
    auto ok = parse(a, head + line + "x\r\n0\r\n\r\n");
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(a.answer().body, "x");
    expect_limit(parse(b, head + "0" + line + "x\r\n0\r\n\r\n"), "chunk-size line", kHttpMaxChunkSizeLine);
}

TEST(HttpAnswerParser, ChunkSizeOverLimitOrOverflowing_RefusedNamingTheSize) {
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    HttpAnswerParser a, b;
    expect_limit(parse(a, head + "10001\r\n"), "chunk size 0x10001", kHttpMaxChunkSize);
    expect_limit(parse(b, head + "1FFFFFFFFFFFFFFFF\r\n"), "chunk size", kHttpMaxChunkSize);
}

TEST(HttpAnswerParser, ChunkedBodyExactlyAtLimit_AcceptedOneMore_Refused) {
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    HttpAnswerParser a(100), b(100);
    auto ok = parse(a, head + "40\r\n" + std::string(64, 'a') + "\r\n24\r\n" + std::string(36, 'b') + "\r\n0\r\n\r\n");
    ASSERT_TRUE(ok.ok() && ok.value());
    EXPECT_EQ(a.answer().body.size(), 100u);
    // Refused at the size line, before the chunk's data arrives.
    expect_limit(parse(b, head + "40\r\n" + std::string(64, 'a') + "\r\n25\r\n"), "body", 100);
}

TEST(HttpAnswerParser, ContentLength_AtLimitAcceptedOverRefusedDuplicatesChecked) {
    HttpAnswerParser a, b, c, d, e;
    const std::string body(kHttpMaxBody, 'z');
    auto ok = parse(a, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kHttpMaxBody) + "\r\n\r\n" + body, 1000);
    ASSERT_TRUE(ok.ok() && ok.value());
    EXPECT_EQ(a.answer().body.size(), kHttpMaxBody);
    expect_limit(parse(b, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kHttpMaxBody + 1) + "\r\n\r\n"),
                 "Content-Length 65537", kHttpMaxBody);
    expect_limit(parse(c, "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999\r\n\r\n"), "Content-Length",
                 kHttpMaxBody);
    auto two = parse(d, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
    ASSERT_FALSE(two.ok());
    EXPECT_EQ(two.error().code, Errc::protocol_error);
    auto sign = parse(e, "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n");
    ASSERT_FALSE(sign.ok());
    EXPECT_EQ(sign.error().code, Errc::protocol_error);
}

TEST(HttpAnswerParser, BodyUntilClose_BoundedAndCompletedByFinish) {
    HttpAnswerParser a(10), b(10);
    auto ok = parse(a, "HTTP/1.1 200 OK\r\n\r\n0123456789", 3, true);
    ASSERT_TRUE(ok.ok() && ok.value());
    EXPECT_EQ(a.answer().body, "0123456789");
    expect_limit(parse(b, "HTTP/1.1 200 OK\r\n\r\n0123456789A", 3, true), "body", 10);
}

TEST(HttpAnswerParser, ClosedEarly_ClosedNamingWhere) {
    HttpAnswerParser a;
    auto r = parse(a, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, true);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::closed);
    EXPECT_NE(r.error().message.find("7 bytes before the end"), std::string::npos) << r.error().message;
}

TEST(HttpAnswerParser, MalformedBytes_ProtocolErrorAndSticky) {
    for (const char* bad : {"HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20x OK\r\n\r\n", "HTTP/1.1 200OK\r\n\r\n",
                            "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
                            "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n",
                            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n"}) {
        HttpAnswerParser p;
        auto r = parse(p, bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, Errc::protocol_error) << bad;
        std::size_t used = 0;
        auto again = p.feed("HTTP/1.1 200 OK\r\n\r\n", used);
        ASSERT_FALSE(again.ok());
        EXPECT_EQ(again.error().message, r.error().message);
    }
}

TEST(HttpAnswerParser, UpgradeHead_StopsAtHeadLeavingFrames) {
    HttpAnswerParser p(0, HttpAnswerParser::Until::end_of_head);
    const std::string a = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x82\x01x";
    std::size_t used = 0;
    auto r = p.feed(a, used);
    ASSERT_TRUE(r.ok() && r.value());
    EXPECT_EQ(p.answer().status, 101);
    EXPECT_EQ(a.substr(used), "\x82\x01x");
}

TEST(HttpAnswerParser, TwoMegabytesOfTinyChunks_LinearTime) {
    // 1-byte chunks up to the body limit: about 400 KB of wire bytes, each touched once.
    std::string a = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (std::size_t i = 0; i < kHttpMaxBody; ++i) a += "1\r\nx\r\n";
    a += "0\r\n\r\n";
    HttpAnswerParser p;
    const auto t0 = std::chrono::steady_clock::now();
    auto r = parse(p, a, 1024);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(r.ok() && r.value()) << (r.ok() ? "" : r.error().message);
    EXPECT_EQ(p.answer().body.size(), kHttpMaxBody);
    EXPECT_LT(ms, 1000);
}

}  // namespace
}  // namespace iotlite::firmware::test
