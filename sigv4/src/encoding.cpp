#include "iotlite/sigv4/encoding.hpp"

#include <algorithm>

namespace iotlite::sigv4 {

namespace {

constexpr char kUpperHex[] = "0123456789ABCDEF";
constexpr char kLowerHex[] = "0123456789abcdef";

constexpr bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

// Bit c of the table (word c / 32, bit c % 32) is set when byte c is unreserved.
struct UnreservedBits {
    std::uint32_t words[8] = {};
    constexpr UnreservedBits() {
        for (unsigned c = 0; c < 256; ++c) {
            if (is_unreserved(static_cast<unsigned char>(c))) words[c >> 5] |= 1u << (c & 31);
        }
    }
};
constexpr UnreservedBits kUnreservedBits{};

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

void append_uri_encoded(std::string& out, std::string_view in, bool keep_slash) {
    // Runs on every presigned URL over the session token (~1 KB of base64, so a '+' or '/' every
    // ~30 bytes): written for wasm -Oz, which does not inline small functions. Output goes through
    // a stack buffer: one string append per 128 input bytes, not two per escaped byte.
    const char* p = in.data();
    const char* const end = p + in.size();
    char buf[3 * 128];
    while (p != end) {
        const char* const stop = p + std::min<std::size_t>(static_cast<std::size_t>(end - p), sizeof buf / 3);
        char* o = buf;
        while (p != stop) {
            const auto c = static_cast<unsigned char>(*p++);
            if (((kUnreservedBits.words[c >> 5] >> (c & 31)) & 1u) != 0 || (keep_slash && c == '/')) {
                *o++ = static_cast<char>(c);
            } else {
                o[0] = '%';
                o[1] = kUpperHex[c >> 4];
                o[2] = kUpperHex[c & 0x0f];
                o += 3;
            }
        }
        out.append(buf, static_cast<std::size_t>(o - buf));
    }
}

std::string uri_encode(std::string_view in, bool keep_slash) {
    std::string out;
    out.reserve(in.size() + in.size() / 2);
    append_uri_encoded(out, in, keep_slash);
    return out;
}

std::string uri_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%' && i + 2 < in.size()) {
            const int hi = hex_value(in[i + 1]);
            const int lo = hex_value(in[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>((hi << 4) | lo));
                i += 2;
                continue;
            }
        }
        out.push_back(in[i]);
    }
    return out;
}

void write_hex(char* out, const std::uint8_t* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
        out[2 * i] = kLowerHex[data[i] >> 4];
        out[2 * i + 1] = kLowerHex[data[i] & 0x0f];
    }
}

void append_hex(std::string& out, const std::uint8_t* data, std::size_t size) {
    const std::size_t start = out.size();
    out.resize(start + 2 * size);
    write_hex(&out[start], data, size);
}

std::string to_hex(const Digest& digest) {
    std::string out;
    append_hex(out, digest.data(), digest.size());
    return out;
}

}  // namespace iotlite::sigv4
