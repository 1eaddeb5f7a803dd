// abi.cpp — see abi.hpp.
#include "abi.hpp"

#include <cstring>

namespace iotlite::wasm {

Scratch g_scratch;
Error g_error;
std::size_t g_len = 0;
std::string g_out;

std::string_view Args::next() {
    if (pos_ + 4 > g_scratch.size) return {};
    std::uint32_t n = 0;
    std::memcpy(&n, g_scratch.bytes + pos_, 4);  // wasm is little-endian, like the JS writer
    pos_ += 4;
    if (n > g_scratch.size - pos_) n = static_cast<std::uint32_t>(g_scratch.size - pos_);
    std::string_view out(reinterpret_cast<const char*>(g_scratch.bytes + pos_), n);
    pos_ += n;
    return out;
}

int fail(const Error& e) {
    g_error = e;
    return 0;
}

Result<connection::TimedCredentials> HandedCredentials::fetch(std::int64_t now_ms) {
    if (auto ok = connection::check_credentials(value, now_ms, "credentials"); !ok) return ok.error();
    return value;
}

const char* hand_out(const std::string& s) {
    g_len = s.size();
    return s.data();
}

}  // namespace iotlite::wasm
