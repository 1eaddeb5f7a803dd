// iotlite::services::ServiceEvents — the queue of a service's own events (responses, failures,
// streams) and the delivery rule of the mqtt::Service contract (iotlite/mqtt/service.hpp), once for
// every service: deliver() hands over only the events queued so far (a handler that starts a
// request from every event cannot keep the driver there), each popped before its handler runs (the
// handler may re-enter the service).
#pragma once

#include <cstddef>
#include <functional>
#include <utility>

#include "iotlite/internal/list.hpp"

namespace iotlite::services {

template <typename EventT>
class ServiceEvents {
public:
    using Handler = std::function<void(const EventT&)>;

    void push(EventT&& event) { events_.push_back(std::move(event)); }
    // Takes the next event (for callers that drive a service by hand).
    bool poll(EventT& out) {
        if (events_.empty()) return false;
        out = std::move(events_.front());
        events_.pop_front();
        return true;
    }
    // Hands the events queued so far to `handler` (dropped when there is none); true if any.
    bool deliver(const Handler& handler) {
        bool any = false;
        for (std::size_t n = events_.size(); n > 0 && !events_.empty(); --n) {
            EventT event = std::move(events_.front());
            events_.pop_front();
            any = true;
            if (handler) handler(event);
        }
        return any;
    }

private:
    iotlite::internal::List<EventT> events_;  // a linked FIFO: see iotlite/internal/list.hpp for why
};

}  // namespace iotlite::services
