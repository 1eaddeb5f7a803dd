#include "tcp_probe.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace iotlite::cli {

TcpProbe probe_tcp(const std::string& host, std::uint16_t port, std::uint32_t timeout_ms) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
    if (rc == EAI_NONAME) return TcpProbe::unknown_host;
    if (rc != 0 || list == nullptr) return TcpProbe::inconclusive;
    const int fd = ::socket(list->ai_family, list->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, list->ai_protocol);
    if (fd < 0) {
        ::freeaddrinfo(list);
        return TcpProbe::inconclusive;
    }
    int err = ::connect(fd, list->ai_addr, list->ai_addrlen) == 0 ? 0 : errno;
    ::freeaddrinfo(list);
    if (err == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, static_cast<int>(timeout_ms)) <= 0) {
            ::close(fd);
            return TcpProbe::inconclusive;
        }
        socklen_t len = sizeof err;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    }
    ::close(fd);
    if (err == 0) return TcpProbe::reachable;
    return err == ECONNREFUSED ? TcpProbe::refused : TcpProbe::inconclusive;
}

}  // namespace iotlite::cli
