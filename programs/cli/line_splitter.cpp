#include "line_splitter.hpp"

namespace iotlite::cli {

Error LineSplitter::too_long() const {
    return make_error(Errc::limit_exceeded, "-l: line " + std::to_string(line_number_ + 1) + " is longer than " +
                                                std::to_string(max_line_bytes_) +
                                                " bytes (AWS IoT's payload limit; one line is one message)");
}

Result<void> LineSplitter::feed(std::string_view bytes, std::vector<std::string>& lines) {
    if (failed_) return too_long();
    while (!bytes.empty()) {
        const std::size_t nl = bytes.find('\n');
        const std::string_view part = bytes.substr(0, nl);
        if (pending_.size() + part.size() > max_line_bytes_) {
            failed_ = true;
            return too_long();
        }
        pending_.append(part.data(), part.size());
        if (nl == std::string_view::npos) break;
        lines.push_back(std::move(pending_));
        pending_.clear();
        ++line_number_;
        bytes.remove_prefix(nl + 1);
    }
    return Result<void>();
}

void LineSplitter::finish(std::vector<std::string>& lines) {
    if (failed_ || pending_.empty()) return;
    lines.push_back(std::move(pending_));
    pending_.clear();
    ++line_number_;
}

}  // namespace iotlite::cli
