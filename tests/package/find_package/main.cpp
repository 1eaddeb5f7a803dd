// The downstream program of tests/package, built against iotlite three ways (find_package from an
// install prefix, add_subdirectory, pkg-config) and run. It checks real results: an MQTT CONNECT
// against its bytes in the MQTT 3.1.1 specification, a presigned AWS IoT URL against the published
// vector V3 of ../shared/testdata/sigv4/iot-websocket-vectors.md (aws-iot-device-sdk-java), and a
// JSON document through the shadow parser. Exit 0 when all match; otherwise 1, naming the mismatch.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "iotlite/mqtt/codec.hpp"
#include "iotlite/services/shadow/document.hpp"
#include "iotlite/sigv4/iot_websocket_url.hpp"
#include "iotlite/version.hpp"
#if defined(IOTLITE_CONSUMER_FIRMWARE)
#include "iotlite/firmware/tls_context.hpp"
#endif

// The projects ask for C++14; iotlite's cxx_std_17 usage requirement must have raised it.
static_assert(__cplusplus >= 201703L, "iotlite's targets did not raise this program to C++17");

// Definitions that are iotlite's own business must not reach its users.
#if defined(JSON_NOEXCEPTION) || defined(IOTLITE_SHA256_X86_ALT) || defined(mbedtls_sha256_init)
#error "iotlite leaked a compile definition (JSON_NOEXCEPTION / the SHA-256 renames) into its user"
#endif

namespace {

int failures = 0;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "FAIL: %s\n", what);
        ++failures;
    }
}

void check_connect() {
    iotlite::mqtt::ConnectPacket connect;
    connect.client_id = "dev1";
    connect.keep_alive_s = 60;  // clean_session is the default
    std::vector<std::uint8_t> bytes;
    const auto encoded = iotlite::mqtt::encode(connect, bytes);
    // Fixed header 0x10 + remaining length 16; "MQTT", level 4, flags 0x02 (clean session),
    // keep-alive 60; the client id as a length-prefixed string (MQTT 3.1.1 sections 3.1.1-3.1.3).
    const std::vector<std::uint8_t> want = {0x10, 16, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 4, 'd', 'e', 'v', '1'};
    check(encoded.ok(), "encode(ConnectPacket) returned an error");
    check(bytes == want, "CONNECT bytes differ from MQTT 3.1.1's layout");
}

void check_presigned_url() {
    iotlite::sigv4::IotUrlRequest request;
    request.endpoint = "iot.us-east-1.AMAZONAWS.COM";
    request.credentials = {"123", "456", "abc"};
    request.time = 1451606400;  // 2016-01-01T00:00:00Z
    request.service = "iotdata";
    const auto url = iotlite::sigv4::presign_iot_websocket_url(request);
    const std::string want =
        "wss://iot.us-east-1.amazonaws.com/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=123%2F20160101%2F"
        "us-east-1%2Fiotdata%2Faws4_request&X-Amz-Date=20160101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature="
        "b50019dd3ec2d316a6a7938f363f6c792b5f58c04e1e6535d6ae277bf8cf3304&X-Amz-Security-Token=abc";
    check(url.ok(), "presign_iot_websocket_url returned an error");
    check(url.ok() && url.value() == want, "presigned URL differs from the published vector V3");
}

void check_shadow_json() {
    const auto parsed = iotlite::shadow::parse_json(R"({"state":{"reported":{"led":true}}})");
    check(parsed.ok() && parsed.value()["state"]["reported"]["led"] == true, "shadow parse_json lost the document");
    check(!iotlite::shadow::parse_json("{\"state\":").ok(), "shadow parse_json accepted truncated JSON");
}

}  // namespace

int main() {
    check_connect();
    check_presigned_url();
    check_shadow_json();
#if defined(IOTLITE_EXPECTED_VERSION)
    check(std::strcmp(IOTLITE_VERSION_STRING, IOTLITE_EXPECTED_VERSION) == 0, "iotlite/version.hpp is not the package's version");
#endif
#if defined(IOTLITE_CONSUMER_FIRMWARE)
    // Linking the TLS context pulls mbedTLS (ssl, x509, crypto) through iotlite::firmware.
    auto* volatile create = &iotlite::firmware::TlsContext::create;
    check(create != nullptr, "iotlite::firmware::TlsContext::create did not link");
#endif
    if (failures == 0) std::printf("iotlite %s: downstream program OK\n", IOTLITE_VERSION_STRING);
    return failures == 0 ? 0 : 1;
}
