// MosquittoBroker — a private Mosquitto broker on a free loopback port, for tests and benchmarks.
//
// Writes a generated config into a fresh temp dir (`listener <port> 127.0.0.1`,
// `allow_anonymous true`), starts `mosquitto -c <config>`, waits until the port accepts a
// connection, and stops the broker (SIGTERM, then SIGKILL) in stop()/the destructor. The child
// also gets PR_SET_PDEATHSIG, so a test process that crashes does not leave a broker behind.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "iotlite/result.hpp"

namespace iotlite::test {

class MosquittoBroker {
public:
    // `extra_config` is appended to the generated config (one directive per line). `port` 0 picks
    // a free port; a given port is used as is (e.g. to restart a broker where clients expect it).
    // Errc::io_error naming what failed (no mosquitto binary, broker exited, port never opened).
    static Result<std::unique_ptr<MosquittoBroker>> start(const std::string& extra_config = "",
                                                          std::uint16_t port = 0,
                                                          std::uint32_t startup_timeout_ms = 5000);

    // The mosquitto binary: $IOTLITE_MOSQUITTO, else the path found at configure time, else PATH.
    static std::string executable();

    std::uint16_t port() const { return port_; }
    const std::string& dir() const { return dir_; }
    // The broker's stdout/stderr (for failure messages).
    std::string log() const;
    bool running();
    // Idempotent; also called by the destructor.
    void stop();

    ~MosquittoBroker();
    MosquittoBroker(const MosquittoBroker&) = delete;
    MosquittoBroker& operator=(const MosquittoBroker&) = delete;

private:
    MosquittoBroker() = default;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
    std::string dir_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back, close).
Result<std::uint16_t> pick_free_loopback_port();

// True when a TCP connect to 127.0.0.1:port succeeds within timeout_ms.
bool loopback_port_accepts(std::uint16_t port, std::uint32_t timeout_ms);

}  // namespace iotlite::test
