// HMAC-SHA256 (RFC 2104) over the mbedTLS SHA-256 above.
//
// A key object absorbs the ipad and opad blocks once; every MAC then costs only the message
// blocks plus one outer block. That is what makes a cached SigV4 signing key cheap to reuse.
#pragma once

#include <cstddef>
#include <string_view>

#include "iotlite/result.hpp"
#include "iotlite/sigv4/sha256.hpp"

namespace iotlite::sigv4 {

class HmacSha256 {
public:
    HmacSha256();  // the empty key
    explicit HmacSha256(std::string_view key);
    HmacSha256(const void* key, std::size_t size);

    void set_key(const void* key, std::size_t size);

    // Streaming use: start() returns the inner hash primed with the key; feed it the message,
    // then finish(inner) gives the MAC.
    Sha256 start() const { return inner_; }
    Result<Digest> finish(Sha256& inner) const;
    bool finish_into(Sha256& inner, Digest& out) const;  // no allocation; false on crypto failure

    Result<Digest> mac(std::string_view message) const;

private:
    Sha256 inner_;  // after absorbing key ^ ipad
    Sha256 outer_;  // after absorbing key ^ opad
    bool failed_ = false;
};

// One-shot HMAC-SHA256. Errc::crypto_error on a backend failure.
Result<Digest> hmac_sha256(std::string_view key, std::string_view message);

}  // namespace iotlite::sigv4
