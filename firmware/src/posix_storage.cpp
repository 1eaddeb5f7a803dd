#include "iotlite/firmware/posix_storage.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace iotlite::firmware {
namespace {

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

Error io_failure([[maybe_unused]] const char* what, [[maybe_unused]] const std::string& path) {
    return make_error(Errc::io_error, IOTLITE_TEXT(std::string("storage: ") + what + " '" + path + "': " + std::strerror(errno)));
}

}  // namespace

Result<std::string> PosixStorage::path_of(std::string_view name) const {
    bool ok = !name.empty() && name.size() <= 64 && name.front() != '.';
    for (char c : name) ok = ok && name_char(c);
    if (!ok)
        return make_error(Errc::invalid_argument, IOTLITE_TEXT("storage: item name '" + std::string(name) +
                                                               "' is not 1..64 of [a-zA-Z0-9._-] without a leading '.'"));
    return directory_ + "/" + std::string(name);
}

Result<std::string> PosixStorage::read(std::string_view name) {
    auto path = path_of(name);
    if (!path) return path.error();
    const int fd = ::open(path.value().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return make_error(Errc::invalid_state, IOTLITE_TEXT("storage: no item '" + std::string(name) + "'"));
        return io_failure("cannot open", path.value());
    }
    std::string data;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            Error e = io_failure("cannot read", path.value());
            ::close(fd);
            return e;
        }
        if (n == 0) break;
        data.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return data;
}

Result<void> PosixStorage::write(std::string_view name, std::string_view data, bool secret) {
    auto path = path_of(name);
    if (!path) return path.error();
    const std::string tmp = path.value() + ".tmp";
    ::unlink(tmp.c_str());  // a leftover of a cut write, maybe with other permissions
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, secret ? 0600 : 0644);
    if (fd < 0) return io_failure("cannot create", tmp);
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            Error e = io_failure("cannot write", tmp);
            ::close(fd);
            ::unlink(tmp.c_str());
            return e;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        Error e = io_failure("cannot flush", tmp);
        ::unlink(tmp.c_str());
        return e;
    }
    if (::rename(tmp.c_str(), path.value().c_str()) != 0) {
        Error e = io_failure("cannot rename into", path.value());
        ::unlink(tmp.c_str());
        return e;
    }
    return {};
}

}  // namespace iotlite::firmware
