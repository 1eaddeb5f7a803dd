// Presigned AWS IoT WebSocket URLs per second, native. Same inputs as bench_js.mjs: temporary
// credentials (token appended after signing), an ATS endpoint, no X-Amz-Expires, and a signing
// time that advances one second per URL (so nothing but the per-date signing key can be reused).
// Prints one JSON line per variant.
#include <chrono>
#include <cstdio>
#include <string>

#include "iotlite/sigv4/iot_websocket_url.hpp"

using namespace iotlite::sigv4;
using Clock = std::chrono::steady_clock;

namespace {

IotUrlRequest make_request() {
    IotUrlRequest r;
    r.endpoint = "a1b2c3d4e5f6g7-ats.iot.us-east-1.amazonaws.com";
    r.credentials = {"ASIAEXAMPLEEXAMPLE12", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                     "IQoJb3JpZ2luX2VjEXAMPLE/session+token=with/slashes+plus=equals//////////ABCDEFGHIJ"
                     "KLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=="};
    r.time = 1767225600;  // 2026-01-01T00:00:00Z
    return r;
}

template <typename Sign>
void run(const char* name, double seconds, Sign sign) {
    IotUrlRequest request = make_request();
    std::string url;
    std::size_t checksum = 0;
    // Warm up, then time batches until `seconds` have passed (bounded by a hard iteration cap).
    for (int i = 0; i < 20000; ++i) {
        request.time = 1767225600 + i;
        sign(request, url);
    }
    const auto start = Clock::now();
    std::uint64_t count = 0;
    double elapsed = 0;
    while (elapsed < seconds && count < 500000000ULL) {
        for (int i = 0; i < 10000; ++i) {
            request.time = 1767225600 + static_cast<std::int64_t>(count % 86400);  // stays within one day
            if (!sign(request, url)) {
                std::fprintf(stderr, "signing failed\n");
                return;
            }
            checksum += static_cast<unsigned char>(url[url.size() - 100]);
            ++count;
        }
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    }
    std::printf("{\"signer\":\"%s\",\"urls\":%llu,\"seconds\":%.3f,\"urls_per_second\":%.0f,\"checksum\":%zu}\n", name,
                static_cast<unsigned long long>(count), elapsed, count / elapsed, checksum);
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
    if (argc > 2 && std::string(argv[2]) == "--sample") {
        auto url = presign_iot_websocket_url(make_request());
        std::printf("%s\n", url.ok() ? url.value().c_str() : url.error().message.c_str());
        return url.ok() ? 0 : 1;
    }
    IotUrlSigner signer;
    run("iotlite (IotUrlSigner, reused)", seconds, [&signer](const IotUrlRequest& r, std::string& out) {
        return signer.presign_into(r, out).ok();
    });
    run("iotlite (presign_iot_websocket_url, one-shot)", seconds, [](const IotUrlRequest& r, std::string& out) {
        auto url = presign_iot_websocket_url(r);
        if (!url) return false;
        out = std::move(url.value());
        return true;
    });
    return 0;
}
