// libFuzzer target: the firmware WebSocket client fed hostile server bytes — the upgrade answer
// (101 or refused, through HttpAnswerParser) and then the frame path (wslay receive, pings,
// close, fragmented and oversized frames), over a scripted lower transport.
//
// Input: byte 0 = control (bit 0: ask for subprotocol "mqtt"; bits 1-2: recv() buffer size 1 /
// 7 / 64 / 4096); bytes 1-4 = seed of the lower transport's pseudo-random pieces and "try
// again" answers; the rest = the server's bytes. The key is made from zero random bytes, so its
// Sec-WebSocket-Accept is fixed ("ICX+Yqv66kxgM0FcWaLWlFLwTAI=") and seeds can pass the check.
// Checked properties (a violation traps, so libFuzzer reports it):
//   1. Fragmentation does not matter: with the bytes handed over at once or in pseudo-random
//      pieces with "try again" in between, and read with any buffer size, the outcome is the
//      same (opened or the error code, HTTP status and text; the payload stream; the final code).
//   2. No stall: while the lower transport has bytes, connect()/recv() make progress (bounded
//      number of calls).
//   3. Bounds: the payload handed out is never longer than the server's bytes; a refused upgrade
//      carries its status (100-599, not 101) in Error::http_status, other errors carry none.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "iotlite/firmware/port.hpp"
#include "iotlite/firmware/websocket_transport.hpp"

using iotlite::Errc;
using iotlite::Error;
using iotlite::Result;
namespace fw = iotlite::firmware;

namespace {

void check(bool condition) {
    if (!condition) __builtin_trap();
}

class ZeroRandom final : public fw::Random {
public:
    Result<void> fill(std::uint8_t* out, std::size_t size) override {
        std::memset(out, 0, size);
        return {};
    }
};

// The server's bytes, handed out whole (seed 0) or in pieces with "try again" between them;
// then closed. Sends are all accepted.
class ScriptedLower final : public fw::Transport {
public:
    ScriptedLower(std::string_view bytes, std::uint32_t seed) : bytes_(bytes), rng_(seed), seed_(seed) {}
    Result<bool> connect(std::uint64_t) override { return true; }
    std::int32_t send(const std::uint8_t*, std::size_t size) override {
        return static_cast<std::int32_t>(std::min<std::size_t>(size, 1 << 20));
    }
    std::int32_t recv(std::uint8_t* data, std::size_t size) override {
        if (pos_ == bytes_.size()) {
            error_ = iotlite::make_error(Errc::closed, "scripted server closed");
            return -1;
        }
        std::size_t n = std::min(size, bytes_.size() - pos_);
        if (seed_ != 0) {
            rng_ = rng_ * 1664525u + 1013904223u;
            if ((rng_ >> 28) < 5) return 0;  // "try again" about one time in three
            n = std::min<std::size_t>(n, 1 + (rng_ >> 8) % 200);
        }
        std::memcpy(data, bytes_.data() + pos_, n);
        pos_ += n;
        return static_cast<std::int32_t>(n);
    }
    void close() override {}
    fw::IoWait io_wait() const override { return fw::IoWait{}; }
    const Error& last_error() const override { return error_; }
    bool drained() const { return pos_ == bytes_.size(); }

private:
    std::string_view bytes_;
    std::size_t pos_ = 0;
    std::uint32_t rng_;
    std::uint32_t seed_;
    Error error_;
};

struct Outcome {
    bool opened = false;
    Errc connect_code = Errc::ok;
    std::uint16_t http_status = 0;
    std::string connect_message;
    std::string payload;
    Errc final_code = Errc::ok;
};

bool same(const Outcome& a, const Outcome& b) {
    return a.opened == b.opened && a.connect_code == b.connect_code && a.http_status == b.http_status &&
           a.connect_message == b.connect_message && a.payload == b.payload && a.final_code == b.final_code;
}

Outcome run(std::string_view bytes, std::uint32_t seed, bool subprotocol, std::size_t read_size) {
    ZeroRandom random;
    auto lower = std::make_unique<ScriptedLower>(bytes, seed);
    auto created = fw::WebSocketTransport::create(std::move(lower), "example.com", "/mqtt", random,
                                                  subprotocol ? "mqtt" : "");
    check(created.ok());
    fw::WebSocketTransport& ws = *created.value();
    Outcome out;
    // Each call either consumes bytes or gets a "try again" that the next call does not get
    // twice in a row for long; 3 calls per byte is far more than enough.
    const std::size_t guard = 3 * bytes.size() + 64;
    std::size_t calls = 0;
    for (; calls < guard; ++calls) {
        Result<bool> r = ws.connect(0);
        if (!r.ok()) {
            out.connect_code = r.error().code;
            out.http_status = r.error().http_status;
            out.connect_message = r.error().message;
            check(!out.connect_message.empty());
            const bool refused = r.error().code == Errc::auth_failed || r.error().code == Errc::connection_refused;
            check(out.http_status == 0 || (refused && out.http_status >= 100 && out.http_status <= 599 &&
                                           out.http_status != 101));
            return out;
        }
        if (r.value()) break;
    }
    check(calls < guard);  // no stall during the upgrade
    out.opened = true;
    static const std::uint8_t kHello[] = {0x10, 0x02, 0x00, 0x00};
    const std::int32_t sent = ws.send(kHello, sizeof kHello);
    check(sent == static_cast<std::int32_t>(sizeof kHello) || sent < 0);
    std::string buf(read_size, '\0');
    for (calls = 0; calls < guard; ++calls) {
        const std::int32_t n = ws.recv(reinterpret_cast<std::uint8_t*>(&buf[0]), buf.size());
        check(n <= static_cast<std::int32_t>(buf.size()));
        if (n > 0) out.payload.append(buf.data(), static_cast<std::size_t>(n));
        if (n < 0) {
            out.final_code = ws.last_error().code;
            check(ws.last_error().http_status == 0);
            break;
        }
    }
    check(calls < guard);  // no stall in the frame path
    check(out.payload.size() <= bytes.size());
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 5) return 0;
    const bool subprotocol = (data[0] & 1) != 0;
    static constexpr std::size_t kReadSizes[] = {1, 7, 64, 4096};
    const std::size_t read_size = kReadSizes[(data[0] >> 1) & 3];
    const std::uint32_t seed =
        (std::uint32_t{data[1]} << 24 | std::uint32_t{data[2]} << 16 | std::uint32_t{data[3]} << 8 | data[4]) | 1u;
    const std::string_view bytes(reinterpret_cast<const char*>(data + 5), size - 5);

    const Outcome whole = run(bytes, 0, subprotocol, 4096);
    const Outcome pieces = run(bytes, seed, subprotocol, read_size);
    if (!same(whole, pieces)) {
        for (const Outcome* o : {&whole, &pieces})
            std::fprintf(stderr, "opened %d code %s status %u payload %zu final %s: %s\n", o->opened,
                         iotlite::errc_name(o->connect_code), o->http_status, o->payload.size(),
                         iotlite::errc_name(o->final_code), o->connect_message.c_str());
        check(false);
    }
    return 0;
}
