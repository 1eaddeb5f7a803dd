// TcpDriver — runs an iotlite::mqtt::Client over plain TCP on the host (test support).
//
// A single-threaded poll() loop over one non-blocking POSIX socket. The driver owns the clock
// (CLOCK_MONOTONIC, milliseconds) and calls Client::on_tick at next_deadline_ms(). It answers
// Event::need_target with a TCP target, connects on open_transport (non-blocking connect, then
// on_open / on_closed), closes on close_transport, and writes output_data() as far as the socket
// takes it. Application events (connected, message, published, ...) are queued for the caller, or
// given to a handler when one is set. This is test/benchmark support, not the firmware loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "iotlite/mqtt/client.hpp"

namespace iotlite::test {

class TcpDriver {
public:
    TcpDriver(mqtt::Client& client, std::string host, std::uint16_t port);
    ~TcpDriver();
    TcpDriver(const TcpDriver&) = delete;
    TcpDriver& operator=(const TcpDriver&) = delete;

    // CLOCK_MONOTONIC in milliseconds: the now_ms given to every Client input.
    static std::uint64_t now_ms();

    // Where the next need_target sends the client (e.g. a restarted broker on another port).
    void set_target(std::string host, std::uint16_t port);

    // One loop iteration: flush output, wait for the socket or the next deadline (at most
    // max_wait_ms), feed what arrived, tick when due, process the resulting events.
    void step(int max_wait_ms);

    // Processes pending events and writes pending output now, without waiting (e.g. right after
    // publish(), as a blocking client would write in the call).
    void flush();

    // Steps until pred() holds or timeout_ms elapse; returns pred().
    bool run_until(const std::function<bool()>& pred, std::uint32_t timeout_ms);

    // Steps until an application event of `type` is queued; removes and returns it (events before
    // it stay queued). nullopt on timeout.
    std::optional<mqtt::Event> wait_for(mqtt::Event::Type type, std::uint32_t timeout_ms);

    // Queued application events (all but need_target/open_transport/close_transport), in order.
    std::deque<mqtt::Event>& events() { return events_; }

    // When set, application events go to the handler instead of the queue.
    void set_event_handler(std::function<void(mqtt::Event&)> handler) { handler_ = std::move(handler); }

    bool socket_open() const { return fd_ >= 0; }
    // Number of transports opened so far (connect attempts that reached the socket).
    std::uint32_t opens() const { return opens_; }
    // Drops the TCP connection abruptly, as a network failure would (the client gets on_closed).
    void sever();

private:
    void process_events();
    void open_socket(const mqtt::ConnectionTarget& target);
    void close_socket();
    void fail_socket(Errc code, const std::string& why);
    void flush_output();
    void read_input();
    void finish_connect();

    mqtt::Client& client_;
    std::string host_;
    std::uint16_t port_;
    int fd_ = -1;
    bool connecting_ = false;
    std::uint32_t opens_ = 0;
    std::vector<std::uint8_t> rx_;
    std::deque<mqtt::Event> events_;
    std::function<void(mqtt::Event&)> handler_;
};

}  // namespace iotlite::test
