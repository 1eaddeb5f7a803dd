// The port's persistent storage, for what a device keeps across boots: the identity Fleet
// Provisioning gave it (certificate, private key, thing name). A port implements it on its flash
// file system or key store (a secure element may keep the key and store only a handle); the POSIX
// one (posix_storage.hpp) is files in a directory.
#pragma once

#include <string>
#include <string_view>

#include "iotlite/result.hpp"

namespace iotlite::firmware {

class Storage {
public:
    virtual ~Storage() = default;
    // The item's bytes; Errc::invalid_state when there is no such item (first boot),
    // io_error when it cannot be read.
    virtual Result<std::string> read(std::string_view name) = 0;
    // Replaces the item as a whole (a power cut leaves the old or the new one, never a mix).
    // `secret`: a private key, readable by the device only.
    virtual Result<void> write(std::string_view name, std::string_view data, bool secret) = 0;
};

}  // namespace iotlite::firmware
