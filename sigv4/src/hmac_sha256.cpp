#include "iotlite/sigv4/hmac_sha256.hpp"

#include <cstdint>
#include <cstring>

#include <mbedtls/platform_util.h>

namespace iotlite::sigv4 {

namespace {
constexpr std::size_t kBlock = 64;
}

HmacSha256::HmacSha256() { set_key(nullptr, 0); }

HmacSha256::HmacSha256(std::string_view key) { set_key(key.data(), key.size()); }

HmacSha256::HmacSha256(const void* key, std::size_t size) { set_key(key, size); }

void HmacSha256::set_key(const void* key, std::size_t size) {
    std::uint8_t block[kBlock] = {};
    failed_ = false;
    if (size > kBlock) {  // RFC 2104: long keys are hashed first
        Sha256 hash;
        hash.update(key, size);
        Digest digest{};
        failed_ = !hash.finish_into(digest);
        std::memcpy(block, digest.data(), digest.size());
    } else if (size > 0) {
        std::memcpy(block, key, size);
    }
    std::uint8_t pad[kBlock];
    for (std::size_t i = 0; i < kBlock; ++i) pad[i] = static_cast<std::uint8_t>(block[i] ^ 0x36);
    inner_.reset();
    inner_.update(pad, kBlock);
    for (std::size_t i = 0; i < kBlock; ++i) pad[i] = static_cast<std::uint8_t>(block[i] ^ 0x5c);
    outer_.reset();
    outer_.update(pad, kBlock);
    // The key material may be a secret (or derived from one).
    mbedtls_platform_zeroize(block, sizeof block);
    mbedtls_platform_zeroize(pad, sizeof pad);
}

bool HmacSha256::finish_into(Sha256& inner, Digest& out) const {
    if (failed_) return false;
    Digest inner_digest{};
    if (!inner.finish_into(inner_digest)) return false;
    Sha256 outer = outer_;
    outer.update(inner_digest.data(), inner_digest.size());
    return outer.finish_into(out);
}

Result<Digest> HmacSha256::finish(Sha256& inner) const {
    Digest out{};
    if (!finish_into(inner, out)) return make_error(Errc::crypto_error, "HMAC-SHA256 failed in the mbedTLS backend");
    return out;
}

Result<Digest> HmacSha256::mac(std::string_view message) const {
    Sha256 inner = inner_;
    inner.update(message);
    return finish(inner);
}

Result<Digest> hmac_sha256(std::string_view key, std::string_view message) {
    return HmacSha256(key).mac(message);
}

}  // namespace iotlite::sigv4
