// iotlite::firmware::Transport — a byte stream in the coreMQTT transport style.
//
// Every call is non-blocking. send()/recv() return the number of bytes moved (> 0),
// 0 for "nothing possible right now, try again later", or a negative value for a fatal
// error (then last_error() says why; the transport is dead and must be closed).
// connect() is step-able: call it until it returns true, waiting on io_wait() between calls.
//
// Transports stack: TlsTransport runs over any Transport (TCP), WebSocketTransport over
// any Transport (TLS or TCP), and the HTTP client over any Transport.
#pragma once

#include <cstddef>
#include <cstdint>

#include "iotlite/result.hpp"

namespace iotlite::firmware {

// What the transport waits for before the next call can make progress.
struct IoWait {
    int fd = -1;             // native handle to wait on (-1: none, e.g. an RTOS stack without fds)
    bool read = false;       // wait until readable
    bool write = false;      // wait until writable
    bool ready_now = false;  // data is buffered inside the transport: do not wait at all
};

class Transport {
public:
    virtual ~Transport() = default;

    // One step of opening (TCP connect, TLS handshake, WebSocket upgrade).
    // Returns true when open, false when it needs more I/O. Errors (final):
    // io_error (socket), crypto_error (TLS alert, certificate verification, with the reason),
    // auth_failed (WebSocket upgrade 401/403), connection_refused (other upgrade answers),
    // protocol_error (malformed handshake answer), timeout (never: the caller owns deadlines).
    virtual Result<bool> connect(std::uint64_t now_ms) = 0;

    // > 0 bytes written / read, 0 try again, < 0 fatal (see last_error()).
    // A peer that closes cleanly makes recv() return < 0 with Errc::closed.
    virtual std::int32_t send(const std::uint8_t* data, std::size_t size) = 0;
    virtual std::int32_t recv(std::uint8_t* data, std::size_t size) = 0;

    // Closes (best effort, non-blocking) and releases the connection. Idempotent.
    virtual void close() = 0;

    // What to wait on before calling connect()/recv()/send() again.
    virtual IoWait io_wait() const = 0;

    // The reason for the last fatal result.
    virtual const Error& last_error() const = 0;
};

}  // namespace iotlite::firmware
