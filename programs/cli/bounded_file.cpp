#include "bounded_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace iotlite::cli {

namespace {

// read() interrupted by a signal is retried, a bounded number of times.
constexpr int kMaxInterruptedReads = 100;

std::string reason(int error) { return std::strerror(error); }

const char* file_type(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a file";
}

Error not_regular(const std::string& label, mode_t mode) {
    return make_error(Errc::invalid_argument, label + ": not a regular file (" + file_type(mode) + ")");
}

Error too_big(const std::string& label, const FileLimit& limit, const std::string& size) {
    return make_error(Errc::limit_exceeded, label + ": " + limit.kind + " is " + size + " bytes; " + limit.rule);
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_;
};

}  // namespace

Result<std::string> read_bounded_file(const std::string& path, const FileLimit& limit, const std::string& label) {
    // The type and size are checked before the file is even opened (opening a FIFO waits for a
    // writer; opening a device can have effects), then again on the open descriptor (the path
    // may have been replaced in between).
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return make_error(Errc::io_error, label + ": cannot open (" + reason(errno) + ")");
    if (!S_ISREG(st.st_mode)) return not_regular(label, st.st_mode);
    if (st.st_size > 0 && static_cast<unsigned long long>(st.st_size) > limit.max_bytes) {
        return too_big(label, limit, std::to_string(st.st_size));
    }
    // O_NONBLOCK: should the path have become a FIFO since, open() does not wait for a writer.
    Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (fd.get() < 0) return make_error(Errc::io_error, label + ": cannot open (" + reason(errno) + ")");
    if (::fstat(fd.get(), &st) != 0) return make_error(Errc::io_error, label + ": cannot open (" + reason(errno) + ")");
    if (!S_ISREG(st.st_mode)) return not_regular(label, st.st_mode);

    // At most max_bytes + 1 bytes: the extra byte tells a file that grew (or whose size the
    // kernel does not report, as in /proc) from one that fits.
    const std::size_t cap = limit.max_bytes + 1;
    std::string out;
    out.resize(st.st_size > 0 ? static_cast<std::size_t>(st.st_size) + 1 : (cap < 4096 ? cap : 4096));
    std::size_t total = 0;
    int interrupted = 0;
    while (total < cap) {  // every pass reads >= 1 byte, ends, or counts an interruption
        if (total == out.size()) out.resize(out.size() * 2 < cap ? out.size() * 2 : cap);
        const ssize_t n = ::read(fd.get(), &out[total], out.size() - total);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR && ++interrupted < kMaxInterruptedReads) continue;
            return make_error(Errc::io_error, label + ": read failed (" + reason(errno) + ")");
        }
        total += static_cast<std::size_t>(n);
    }
    if (total > limit.max_bytes) return too_big(label, limit, "more than " + std::to_string(limit.max_bytes));
    out.resize(total);
    return out;
}

}  // namespace iotlite::cli
