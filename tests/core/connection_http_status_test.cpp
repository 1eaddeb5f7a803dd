// errc_for_http_status: the one HTTP status -> Errc table (requests and WebSocket upgrades).
#include <gtest/gtest.h>

#include "iotlite/connection/http_status.hpp"

namespace iotlite::connection {
namespace {

TEST(HttpStatus, RequestSuccess_OkFor2xxOnly) {
    EXPECT_EQ(errc_for_http_status(200), Errc::ok);
    EXPECT_EQ(errc_for_http_status(204), Errc::ok);
    EXPECT_EQ(errc_for_http_status(299), Errc::ok);
    EXPECT_EQ(errc_for_http_status(101), Errc::server_error);
    EXPECT_EQ(errc_for_http_status(199), Errc::server_error);
    EXPECT_EQ(errc_for_http_status(300), Errc::server_error);
    EXPECT_EQ(errc_for_http_status(302), Errc::server_error);
}

TEST(HttpStatus, RequestRefusals_EachRow) {
    EXPECT_EQ(errc_for_http_status(401), Errc::auth_failed);
    EXPECT_EQ(errc_for_http_status(403), Errc::auth_failed);
    EXPECT_EQ(errc_for_http_status(409), Errc::conflict);
    EXPECT_EQ(errc_for_http_status(413), Errc::limit_exceeded);
    EXPECT_EQ(errc_for_http_status(429), Errc::limit_exceeded);
    EXPECT_EQ(errc_for_http_status(400), Errc::server_error);
    EXPECT_EQ(errc_for_http_status(404), Errc::server_error);
    EXPECT_EQ(errc_for_http_status(402), Errc::server_error);
    EXPECT_EQ(errc_for_http_status(500), Errc::server_error);
    EXPECT_EQ(errc_for_http_status(503), Errc::server_error);
    EXPECT_EQ(errc_for_http_status(0), Errc::server_error);
    EXPECT_EQ(errc_for_http_status(65535), Errc::server_error);
}

TEST(HttpStatus, Upgrade_Only101IsSuccessAuthStillAuth) {
    EXPECT_EQ(errc_for_http_status(101, HttpStatusUse::upgrade), Errc::ok);
    EXPECT_EQ(errc_for_http_status(200, HttpStatusUse::upgrade), Errc::connection_refused);
    EXPECT_EQ(errc_for_http_status(401, HttpStatusUse::upgrade), Errc::auth_failed);
    EXPECT_EQ(errc_for_http_status(403, HttpStatusUse::upgrade), Errc::auth_failed);
    for (std::uint16_t s : {400, 404, 409, 413, 426, 429, 500, 503}) {
        EXPECT_EQ(errc_for_http_status(s, HttpStatusUse::upgrade), Errc::connection_refused) << s;
    }
}

}  // namespace
}  // namespace iotlite::connection
