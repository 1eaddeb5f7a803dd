#include "iotlite/firmware/websocket_transport.hpp"

#include <mbedtls/base64.h>
#include <mbedtls/sha1.h>
#include <wslay/wslay.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "frame_stager.hpp"
#include "http_head.hpp"
#include "iotlite/connection/http_status.hpp"
#include "iotlite/firmware/http_answer_parser.hpp"
#include "iotlite/mqtt/client.hpp"

namespace iotlite::firmware {

namespace {

constexpr std::size_t kMaxBodyShown = 512;
constexpr std::size_t kMaxQueuedBytes = IOTLITE_WS_MAX_QUEUED_BYTES;  // 64 KB by default; beyond this send() says "try again"
// Frame payload held for recv() before wslay is told "would block" (it then stops reading the
// lower transport until recv() drained it): a fast server cannot grow it without bound.
constexpr std::size_t kMaxInboundBytes = IOTLITE_WS_MAX_INBOUND_BYTES;  // 16 KB by default

std::string base64(const unsigned char* data, std::size_t size) {
    unsigned char out[64];
    std::size_t n = 0;
    if (mbedtls_base64_encode(out, sizeof out, &n, data, size) != 0) return std::string();
    return std::string(reinterpret_cast<char*>(out), n);
}

}  // namespace

struct WebSocketTransport::Impl {
    enum class Phase { lower, send_request, read_head, read_body, open, failed };
    std::unique_ptr<Transport> lower;
    Random* random = nullptr;
    std::string host, resource, subprotocol;
    std::function<void(const std::string&)> on_server_date;
    Phase phase = Phase::lower;
    std::string request;
    std::size_t request_sent = 0;
    std::string key;
    HttpAnswerParser answer{0, HttpAnswerParser::Until::end_of_head};  // the upgrade answer's head
    std::string body;       // start of a refused answer's body, to show why
    FrameStager staged;     // server bytes not yet handed to wslay (from the 101 head on)
    std::size_t body_expected = 0;
    wslay_event_context_ptr ws = nullptr;
    std::vector<std::uint8_t> inbound;  // data-frame payload not yet handed to recv()
    std::size_t inbound_pos = 0;
    bool frame_is_data = false;
    bool lower_failed = false;
    bool failure_pending = false;  // recv(): fail once `inbound` is drained (error already set)
    bool text_refused = false;     // a text frame came: stop reading, then fail
    Error error;

    ~Impl() {
        if (ws) wslay_event_context_free(ws);
    }

    Error fail(Errc code, std::string message, std::uint16_t http_status = 0) {
        phase = Phase::failed;
        error = make_error(code, std::move(message), http_status);
        return error;
    }

    static ssize_t ws_recv(wslay_event_context_ptr ctx, uint8_t* buf, size_t len, int, void* user) {
        auto* im = static_cast<Impl*>(user);
        if (im->text_refused || im->inbound.size() - im->inbound_pos >= kMaxInboundBytes) {
            wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
            return -1;
        }
        for (;;) {
            if (const std::size_t n = im->staged.ready(len); n > 0) {
                im->staged.take(buf, n);
                return static_cast<ssize_t>(n);
            }
            if (im->lower_failed) {  // its error is kept; what was held has been handed over
                wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
                return -1;
            }
            // wslay's buffer doubles as the landing place for the lower transport's bytes.
            const std::int32_t got = im->lower->recv(buf, len);
            if (got == 0) {
                wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
                return -1;
            }
            if (got > 0) {
                im->staged.add(buf, static_cast<std::size_t>(got));
            } else {
                im->lower_failed = true;
                im->error = im->lower->last_error();
                im->staged.end();
            }
        }
    }
    static ssize_t ws_send(wslay_event_context_ptr ctx, const uint8_t* data, size_t len, int, void* user) {
        auto* im = static_cast<Impl*>(user);
        return im->lower_result(ctx, im->lower->send(data, len));
    }
    // A lower recv()/send() result as wslay wants it: > 0 bytes moved; 0 "would block"; < 0 the
    // lower transport failed (its error kept).
    ssize_t lower_result(wslay_event_context_ptr ctx, std::int32_t n) {
        if (n > 0) return n;
        if (n == 0) {
            wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
            return -1;
        }
        lower_failed = true;
        error = lower->last_error();
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    static int ws_genmask(wslay_event_context_ptr, uint8_t* buf, size_t len, void* user) {
        return static_cast<Impl*>(user)->random->fill(buf, len).ok() ? 0 : -1;
    }
    static void ws_frame_start(wslay_event_context_ptr, const wslay_event_on_frame_recv_start_arg* arg, void* user) {
        auto* im = static_cast<Impl*>(user);
        // MQTT over WebSocket uses binary frames only: a text frame ends the connection (and
        // nothing from it or after it is handed out). Binary (2) and its continuations (0) carry
        // the stream; control frames (>= 8) do not.
        if (arg->opcode == WSLAY_TEXT_FRAME) im->text_refused = true;
        im->frame_is_data = (arg->opcode & 0x8) == 0;
    }
    static void ws_frame_chunk(wslay_event_context_ptr, const wslay_event_on_frame_recv_chunk_arg* arg, void* user) {
        auto* im = static_cast<Impl*>(user);
        if (!im->frame_is_data || im->text_refused) return;
        if (im->inbound_pos == im->inbound.size()) {
            im->inbound.clear();
            im->inbound_pos = 0;
        }
        im->inbound.insert(im->inbound.end(), arg->data, arg->data + arg->data_length);
    }

    Result<bool> start_frames() {
        wslay_event_callbacks callbacks{};
        callbacks.recv_callback = &Impl::ws_recv;
        callbacks.send_callback = &Impl::ws_send;
        callbacks.genmask_callback = &Impl::ws_genmask;
        callbacks.on_frame_recv_start_callback = &Impl::ws_frame_start;
        callbacks.on_frame_recv_chunk_callback = &Impl::ws_frame_chunk;
        if (wslay_event_context_client_init(&ws, &callbacks, this) != 0)
            return fail(Errc::io_error, IOTLITE_TEXT("out of memory for the WebSocket context"));
        wslay_event_config_set_no_buffering(ws, 1);
        phase = Phase::open;
        return true;
    }

    Result<bool> check_upgrade(const HttpResponse& h) {
        const std::string where = "WebSocket upgrade at " + host;
        const std::string* upgrade = h.header("upgrade");
        const std::string* connection = h.header("connection");
        const std::string* accept = h.header("sec-websocket-accept");
        const std::string* proto = h.header("sec-websocket-protocol");
        if (upgrade == nullptr || detail::lower(*upgrade) != "websocket" || connection == nullptr ||
            !detail::has_token(*connection, "upgrade"))
            return fail(Errc::protocol_error, IOTLITE_TEXT(where + ": 101 answer without 'Upgrade: websocket' / 'Connection: Upgrade'"));
        std::string magic = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
        unsigned char digest[20];
        if (mbedtls_sha1_ret(reinterpret_cast<const unsigned char*>(magic.data()), magic.size(), digest) != 0)
            return fail(Errc::crypto_error, IOTLITE_TEXT(where + ": SHA-1 failed"));
        if (accept == nullptr || *accept != base64(digest, sizeof digest))
            return fail(Errc::protocol_error, IOTLITE_TEXT(where + ": Sec-WebSocket-Accept does not match our Sec-WebSocket-Key"));
        if (!subprotocol.empty() && (proto == nullptr || *proto != subprotocol))
            return fail(Errc::connection_refused, IOTLITE_TEXT(where + ": the server did not accept subprotocol '" + subprotocol + "'"));
        return start_frames();
    }

    Error refused_error() {
        std::string shown = body.substr(0, std::min(body.size(), kMaxBodyShown));
        for (char& c : shown)
            if (c == '\r' || c == '\n') c = ' ';
        const HttpResponse& refused = answer.answer();
        const auto status = static_cast<std::uint16_t>(refused.status);  // never 101 here: that upgraded
        return fail(connection::errc_for_http_status(status, connection::HttpStatusUse::upgrade),
                    "WebSocket upgrade at " + host + " refused: HTTP " + std::to_string(refused.status) + " " +
                        refused.reason + (shown.empty() ? std::string() : ": " + shown),
                    status);
    }
};

WebSocketTransport::WebSocketTransport() : impl_(new Impl) {}
WebSocketTransport::~WebSocketTransport() { close(); }

Result<std::unique_ptr<WebSocketTransport>> WebSocketTransport::create(
    std::unique_ptr<Transport> lower, std::string host, std::string resource, Random& random, std::string subprotocol,
    std::function<void(const std::string&)> on_server_date) {
    if (!lower) return make_error(Errc::invalid_argument, IOTLITE_TEXT("WebSocket transport needs a lower transport"));
    if (host.empty()) return make_error(Errc::invalid_argument, IOTLITE_TEXT("WebSocket transport needs the Host header value"));
    if (resource.empty() || resource[0] != '/')
        return make_error(Errc::invalid_argument, IOTLITE_TEXT("WebSocket resource must start with '/' (path and query)"));
    std::unique_ptr<WebSocketTransport> t(new WebSocketTransport);
    Impl& im = *t->impl_;
    im.lower = std::move(lower);
    im.random = &random;
    im.host = std::move(host);
    im.resource = std::move(resource);
    im.subprotocol = std::move(subprotocol);
    im.on_server_date = std::move(on_server_date);
    return t;
}

Result<bool> WebSocketTransport::connect(std::uint64_t now_ms) {
    Impl& im = *impl_;
    using Phase = Impl::Phase;
    if (im.phase == Phase::failed) return im.error;
    if (im.phase == Phase::open) return true;
    if (im.phase == Phase::lower) {
        Result<bool> r = im.lower->connect(now_ms);
        if (!r.ok()) return im.fail(r.error().code, r.error().message);
        if (!r.value()) return false;
        unsigned char nonce[16];
        Result<void> rr = im.random->fill(nonce, sizeof nonce);
        if (!rr.ok()) return im.fail(rr.error().code, rr.error().message);
        im.key = base64(nonce, sizeof nonce);
        im.request = "GET " + im.resource + " HTTP/1.1\r\nHost: " + im.host +
                     "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + im.key +
                     "\r\nSec-WebSocket-Version: 13\r\n";
        if (!im.subprotocol.empty()) im.request += "Sec-WebSocket-Protocol: " + im.subprotocol + "\r\n";
        im.request += "\r\n";
        im.phase = Phase::send_request;
    }
    if (im.phase == Phase::send_request) {
        while (im.request_sent < im.request.size()) {
            std::int32_t n = im.lower->send(reinterpret_cast<const std::uint8_t*>(im.request.data()) + im.request_sent,
                                            im.request.size() - im.request_sent);
            if (n < 0) return im.fail(im.lower->last_error().code, im.lower->last_error().message);
            if (n == 0) return false;
            im.request_sent += static_cast<std::size_t>(n);
        }
        im.request.clear();
        im.request.shrink_to_fit();
        im.phase = Phase::read_head;
    }
    std::uint8_t buf[512];
    // Bounded: the parser bounds the head, and the refused body is read up to kMaxBodyShown.
    while (im.phase == Phase::read_head || im.phase == Phase::read_body) {
        std::int32_t n = im.lower->recv(buf, sizeof buf);
        if (n == 0) return false;
        if (n < 0) {
            if (im.phase == Phase::read_body) return im.refused_error();  // body ends with the connection
            return im.fail(im.lower->last_error().code,
                           "WebSocket upgrade at " + im.host + ": " + im.lower->last_error().message);
        }
        const auto size = static_cast<std::size_t>(n);
        if (im.phase == Phase::read_body) {
            im.body.append(reinterpret_cast<const char*>(buf), std::min(size, im.body_expected - im.body.size()));
            if (im.body.size() >= im.body_expected) return im.refused_error();
            continue;
        }
        std::size_t used = 0;
        Result<bool> done = im.answer.feed(buf, size, used);
        if (!done.ok()) return im.fail(done.error().code, "WebSocket upgrade at " + im.host + ": " + done.error().message);
        if (!done.value()) continue;
        const HttpResponse& head = im.answer.answer();
        const char* rest = reinterpret_cast<const char*>(buf) + used;
        if (im.on_server_date) {
            if (const std::string* date = head.header("date")) im.on_server_date(*date);
        }
        if (head.status == 101) {
            im.staged.add(reinterpret_cast<const std::uint8_t*>(rest), size - used);
            return im.check_upgrade(head);
        }
        // Refused: read the (short) body to show why, e.g. AWS's 403 text.
        std::size_t expected = kMaxBodyShown;
        if (const std::string* cl = head.header("content-length"))
            expected = std::min<std::size_t>(std::strtoul(cl->c_str(), nullptr, 10), kMaxBodyShown);
        im.body_expected = expected;
        im.body.assign(rest, std::min(size - used, expected));
        im.phase = Phase::read_body;
        if (im.body.size() >= im.body_expected) return im.refused_error();
    }
    return im.error;
}

std::int32_t WebSocketTransport::send(const std::uint8_t* data, std::size_t size) {
    Impl& im = *impl_;
    if (im.phase == Impl::Phase::failed) return -1;
    if (im.phase != Impl::Phase::open) {
        im.fail(Errc::invalid_state, "WebSocket transport is not open");
        return -1;
    }
    if (size == 0) return 0;
    std::int32_t accepted = 0;
    if (wslay_event_get_queued_msg_length(im.ws) < kMaxQueuedBytes) {
        std::size_t len = std::min(size, mqtt::max_websocket_message_bytes);
        wslay_event_msg msg{WSLAY_BINARY_FRAME, data, len};
        if (wslay_event_queue_msg(im.ws, &msg) != 0) {
            im.fail(Errc::closed, "WebSocket is closing; cannot send");
            return -1;
        }
        accepted = static_cast<std::int32_t>(len);
    }
    int rc = wslay_event_send(im.ws);
    if (rc != 0) {
        if (im.lower_failed) im.phase = Impl::Phase::failed;
        else im.fail(Errc::io_error, "WebSocket send failed (wslay " + std::to_string(rc) + ")");
        return -1;
    }
    return accepted;
}

std::int32_t WebSocketTransport::recv(std::uint8_t* data, std::size_t size) {
    Impl& im = *impl_;
    if (im.phase == Impl::Phase::failed) return -1;
    if (im.phase != Impl::Phase::open) {
        im.fail(Errc::invalid_state, "WebSocket transport is not open");
        return -1;
    }
    // A failure seen while reading is reported once the payload read before it is handed out.
    if (im.inbound_pos == im.inbound.size() && !im.failure_pending) {
        int rc = wslay_event_recv(im.ws);
        if (rc != 0) {
            if (!im.lower_failed)
                im.error = make_error(Errc::protocol_error,
                                      IOTLITE_TEXT("malformed WebSocket frame from the server (wslay " + std::to_string(rc) + ")"));
            im.failure_pending = true;
        } else if (im.text_refused) {
            im.error = make_error(Errc::protocol_error,
                                  IOTLITE_TEXT("the server sent a WebSocket text frame: MQTT over WebSocket uses binary frames only"));
            im.failure_pending = true;
            wslay_event_queue_close(im.ws, WSLAY_CODE_UNSUPPORTED_DATA, nullptr, 0);
            wslay_event_send(im.ws);  // best effort
        } else {
            // Flush what wslay queued itself (pongs, close replies).
            const bool flush_failed = wslay_event_want_write(im.ws) && wslay_event_send(im.ws) != 0 && im.lower_failed;
            if (!wslay_event_get_read_enabled(im.ws) && !wslay_event_get_close_received(im.ws)) {
                // wslay refused a frame (masked, bad opcode or length, invalid close...) and reads no
                // more; the refusal is the cause even when its close reply could not be sent.
                std::string why = "malformed WebSocket frame from the server";
                if (wslay_event_get_close_sent(im.ws))
                    why += " (closed with status " + std::to_string(wslay_event_get_status_code_sent(im.ws)) + ")";
                im.error = make_error(Errc::protocol_error, std::move(why));
                im.failure_pending = true;
            } else if (flush_failed) {
                im.failure_pending = true;
            }
        }
    }
    if (im.inbound_pos < im.inbound.size()) {
        std::size_t n = std::min(size, im.inbound.size() - im.inbound_pos);
        std::memcpy(data, im.inbound.data() + im.inbound_pos, n);
        im.inbound_pos += n;
        return static_cast<std::int32_t>(n);
    }
    if (im.failure_pending) {
        im.phase = Impl::Phase::failed;
        return -1;
    }
    if (wslay_event_get_close_received(im.ws)) {
        im.fail(Errc::closed, "the server closed the WebSocket (status " +
                                  std::to_string(wslay_event_get_status_code_received(im.ws)) + ")");
        return -1;
    }
    return 0;
}

void WebSocketTransport::close() {
    Impl& im = *impl_;
    if (im.phase == Impl::Phase::open && im.ws != nullptr) {
        wslay_event_queue_close(im.ws, WSLAY_CODE_NORMAL_CLOSURE, nullptr, 0);
        wslay_event_send(im.ws);  // best effort
    }
    if (im.phase != Impl::Phase::failed) im.fail(Errc::closed, "WebSocket transport closed");
    if (im.lower) im.lower->close();
}

IoWait WebSocketTransport::io_wait() const {
    IoWait w = impl_->lower->io_wait();
    if (impl_->phase == Impl::Phase::open) {
        if (impl_->inbound_pos < impl_->inbound.size() || impl_->staged.ready(SIZE_MAX) > 0 ||
            impl_->failure_pending)
            w.ready_now = true;
        if (wslay_event_want_write(impl_->ws) && wslay_event_get_queued_msg_count(impl_->ws) > 0) w.write = true;
    }
    return w;
}

const Error& WebSocketTransport::last_error() const { return impl_->error; }

}  // namespace iotlite::firmware
