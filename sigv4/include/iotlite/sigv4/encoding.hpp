// The encodings SigV4 uses: RFC 3986 percent-encoding with the unreserved set
// A-Z a-z 0-9 - . _ ~ (uppercase hex), and lowercase hex for digests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "iotlite/sigv4/sha256.hpp"

namespace iotlite::sigv4 {

// Appends `in` percent-encoded. Every byte outside the unreserved set becomes %XX; '/' is kept
// as is when keep_slash is true (paths) and encoded as %2F otherwise (query keys and values).
void append_uri_encoded(std::string& out, std::string_view in, bool keep_slash);
std::string uri_encode(std::string_view in, bool keep_slash);

// Percent-decodes. '+' stays '+' (SigV4 does not use form encoding). A '%' that is not followed
// by two hex digits is kept literally, as AWS's canonicalisation does.
std::string uri_decode(std::string_view in);

void append_hex(std::string& out, const std::uint8_t* data, std::size_t size);
// Writes 2*size lowercase hex characters to `out` (no terminator).
void write_hex(char* out, const std::uint8_t* data, std::size_t size);
std::string to_hex(const Digest& digest);

}  // namespace iotlite::sigv4
