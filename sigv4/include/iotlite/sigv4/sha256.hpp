// SHA-256 through mbedTLS, as a small copyable streaming object.
//
// Copying an object copies the hash state, so a common prefix can be absorbed once and
// reused (the IoT URL signer and HMAC keys rely on this).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <mbedtls/sha256.h>

#include "iotlite/result.hpp"

namespace iotlite::sigv4 {

using Digest = std::array<std::uint8_t, 32>;

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256& other);
    Sha256& operator=(const Sha256& other);

    void update(const void* data, std::size_t size);
    void update(std::string_view data) { update(data.data(), data.size()); }
    // Completes the hash. Errc::crypto_error if mbedTLS reported a failure at any step.
    // The object must be reset() before it is used again.
    Result<Digest> finish();
    // Same, writing into `out`; returns false on a crypto failure (no allocation on any path).
    bool finish_into(Digest& out);
    void reset();

private:
    mbedtls_sha256_context ctx_;
    bool failed_ = false;
};

// One-shot SHA-256. Errc::crypto_error on a backend failure.
Result<Digest> sha256(std::string_view data);

}  // namespace iotlite::sigv4
