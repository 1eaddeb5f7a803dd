// firmware::Storage on POSIX: one file per item in a directory. Writes go to a temporary file,
// fsync()ed, then rename()d over the item (atomic on POSIX file systems); secret items are created
// with mode 0600, the others 0644.
#pragma once

#include <string>

#include "iotlite/firmware/storage.hpp"

namespace iotlite::firmware {

class PosixStorage final : public Storage {
public:
    // `directory` must exist.
    explicit PosixStorage(std::string directory) : directory_(std::move(directory)) {}
    // Item names: 1..64 of [a-zA-Z0-9._-], not starting with '.' (no paths).
    Result<std::string> read(std::string_view name) override;
    Result<void> write(std::string_view name, std::string_view data, bool secret) override;

private:
    Result<std::string> path_of(std::string_view name) const;
    std::string directory_;
};

}  // namespace iotlite::firmware
