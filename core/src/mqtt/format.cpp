#include "format.hpp"

namespace iotlite::mqtt::detail {

std::string decimal(std::size_t value) {
    char buf[24];
    char* p = buf + sizeof buf;
    do {
        *--p = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    return std::string(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

Error error_of(Errc code, std::initializer_list<std::string_view> parts) {
    std::size_t size = 0;
    for (auto part : parts) size += part.size();
    Error error{code, std::string()};
    error.message.reserve(size);
    for (auto part : parts) error.message.append(part.data(), part.size());
    return error;
}

}  // namespace iotlite::mqtt::detail
