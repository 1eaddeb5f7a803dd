#include "iotlite/sigv4/encoding.hpp"

namespace iotlite::sigv4 {

namespace {

constexpr char kUpperHex[] = "0123456789ABCDEF";
constexpr char kLowerHex[] = "0123456789abcdef";

constexpr bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

void append_uri_encoded(std::string& out, std::string_view in, bool keep_slash) {
    std::size_t run_start = 0;  // copy runs of unchanged bytes in one append
    for (std::size_t i = 0; i < in.size(); ++i) {
        const auto c = static_cast<unsigned char>(in[i]);
        if (is_unreserved(c) || (keep_slash && c == '/')) continue;
        out.append(in.data() + run_start, i - run_start);
        const char escaped[3] = {'%', kUpperHex[c >> 4], kUpperHex[c & 0x0f]};
        out.append(escaped, 3);
        run_start = i + 1;
    }
    out.append(in.data() + run_start, in.size() - run_start);
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
