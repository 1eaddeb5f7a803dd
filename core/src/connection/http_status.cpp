#include "iotlite/connection/http_status.hpp"

namespace iotlite::connection {

namespace {

struct Row {
    std::uint16_t first, last;  // status range, inclusive
    Errc request, upgrade;
};

// Scanned in order, first match wins; the header explains each row.
constexpr Row kRows[] = {
    {101, 101, Errc::server_error, Errc::ok},
    {200, 299, Errc::ok, Errc::connection_refused},
    {401, 401, Errc::auth_failed, Errc::auth_failed},
    {403, 403, Errc::auth_failed, Errc::auth_failed},
    {409, 409, Errc::conflict, Errc::connection_refused},
    {413, 413, Errc::limit_exceeded, Errc::connection_refused},
    {429, 429, Errc::limit_exceeded, Errc::connection_refused},
};

}  // namespace

Errc errc_for_http_status(std::uint16_t status, HttpStatusUse use) {
    for (const Row& row : kRows) {
        if (status >= row.first && status <= row.last) return use == HttpStatusUse::request ? row.request : row.upgrade;
    }
    return use == HttpStatusUse::request ? Errc::server_error : Errc::connection_refused;
}

}  // namespace iotlite::connection
