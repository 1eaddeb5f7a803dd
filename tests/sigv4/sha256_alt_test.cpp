// SHA-256 as sigv4 computes it (through mbedTLS), on every compression path of this build:
// on x86-64 hosts the SHA-NI path and the portable fallback of MBEDTLS_SHA256_PROCESS_ALT
// (sigv4/src/sha256_block_x86.cpp); elsewhere mbedTLS's own code. Oracles: FIPS 180-4 / NIST
// example digests, the `openssl dgst` CLI, and Debian's libmbedcrypto (mbedtls_md) in-process.
#include <gtest/gtest.h>

#include <mbedtls/md.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "iotlite/sigv4/sha256.hpp"
#if defined(IOTLITE_SHA256_X86_ALT)
#include "iotlite/sigv4/sha256_block_x86.hpp"
#endif

namespace {

using iotlite::sigv4::Digest;
using iotlite::sigv4::Sha256;

std::string hex(const Digest& d) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (auto b : d) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::string hash_hex(const std::string& message) {
    auto digest = iotlite::sigv4::sha256(message);
    EXPECT_TRUE(digest.ok());
    return digest.ok() ? hex(digest.value()) : std::string();
}

// Messages of every length 0..200: deterministic pseudo-random bytes.
std::vector<std::string> length_sweep_messages() {
    std::mt19937 rng(20261121);
    std::vector<std::string> out;
    for (std::size_t n = 0; n <= 200; ++n) {
        std::string m(n, '\0');
        for (auto& c : m) c = static_cast<char>(rng() & 0xff);
        out.push_back(std::move(m));
    }
    return out;
}

// Digests of length_sweep_messages() from the `openssl dgst` CLI (one run for all files), hex.
const std::vector<std::string>& openssl_sweep_digests() {
    static const std::vector<std::string> digests = [] {
        const auto messages = length_sweep_messages();
        char dir_template[] = "/tmp/iotlite-sha256-XXXXXX";
        const char* dir = mkdtemp(dir_template);
        if (dir == nullptr) return std::vector<std::string>{};
        std::string command = "openssl dgst -sha256 -r";
        std::vector<std::string> paths;
        for (std::size_t n = 0; n < messages.size(); ++n) {
            paths.push_back(std::string(dir) + "/m" + std::to_string(n));
            std::ofstream(paths.back(), std::ios::binary) << messages[n];
            command += " " + paths.back();
        }
        std::map<std::string, std::string> by_path;  // "-r" lines: "<hex> *<path>"
        if (FILE* pipe = popen(command.c_str(), "r")) {
            char line[512];
            while (std::fgets(line, sizeof line, pipe) != nullptr) {
                std::string s(line);
                while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
                const auto star = s.find(" *");
                if (star != std::string::npos) by_path[s.substr(star + 2)] = s.substr(0, star);
            }
            pclose(pipe);
        }
        std::vector<std::string> out;
        for (const auto& p : paths) {
            out.push_back(by_path.count(p) ? by_path[p] : std::string());
            std::remove(p.c_str());
        }
        rmdir(dir);
        return out;
    }();
    return digests;
}

// Debian's libmbedcrypto, through its md layer: its own SHA-256 code, not ours (the copy with the
// ALT hook is renamed iotlite_mbedtls_*; the Sha256Symbols ctest checks that nothing interposes).
std::string debian_md_hex(const std::string& message) {
    const mbedtls_md_info_t* info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    Digest out{};
    if (info == nullptr ||
        mbedtls_md(info, reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data()) != 0) {
        return "mbedtls_md failed";
    }
    return hex(out);
}

enum class Path { sha_ni, portable, mbedtls_builtin };

std::string path_name(const testing::TestParamInfo<Path>& info) {
    switch (info.param) {
        case Path::sha_ni: return "ShaNi";
        case Path::portable: return "Portable";
        case Path::mbedtls_builtin: return "MbedtlsBuiltin";
    }
    return "Unknown";
}

class Sha256Path : public testing::TestWithParam<Path> {
protected:
    void SetUp() override {
#if defined(IOTLITE_SHA256_X86_ALT)
        namespace x86 = iotlite::sigv4::sha256_x86;
        if (GetParam() == Path::sha_ni && !x86::cpu_has_sha_ni()) {
            GTEST_SKIP() << "this CPU has no SHA extensions (CPUID.(EAX=7,ECX=0):EBX bit 29); "
                            "the portable instantiation covers the path it uses";
        }
        x86::force_portable(GetParam() == Path::portable);
        ASSERT_EQ(x86::active_backend(),
                  GetParam() == Path::portable ? x86::Backend::portable : x86::Backend::sha_ni);
#endif
    }
    void TearDown() override {
#if defined(IOTLITE_SHA256_X86_ALT)
        iotlite::sigv4::sha256_x86::force_portable(false);
#endif
    }
};

TEST_P(Sha256Path, NistVectors_MatchPublishedDigests) {
    // FIPS 180-4 examples (NIST "SHA256.pdf"), the 896-bit message from FIPS 180-2 appendix C,
    // and the one-million-'a' message.
    EXPECT_EQ(hash_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(hash_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hash_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(hash_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                       "mnopqrstnopqrstu"),
              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    EXPECT_EQ(hash_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_P(Sha256Path, EveryLength0To200_MatchesOpensslCli) {
    const auto messages = length_sweep_messages();
    const auto& expected = openssl_sweep_digests();
    ASSERT_EQ(expected.size(), messages.size()) << "could not run `openssl dgst`";
    for (std::size_t n = 0; n < messages.size(); ++n) {
        ASSERT_EQ(expected[n].size(), 64u) << "no openssl digest for length " << n;
        EXPECT_EQ(hash_hex(messages[n]), expected[n]) << "length " << n;
    }
}

TEST_P(Sha256Path, SplitUpdates_MatchOpensslCli) {
    // The same messages fed in pieces, so that blocks are completed from mbedTLS's buffer and
    // straight from the input at every offset.
    const auto messages = length_sweep_messages();
    const auto& expected = openssl_sweep_digests();
    ASSERT_EQ(expected.size(), messages.size()) << "could not run `openssl dgst`";
    for (std::size_t n = 0; n < messages.size(); ++n) {
        for (std::size_t piece : {1u, 3u, 63u, 64u, 65u}) {
            Sha256 hash;
            for (std::size_t at = 0; at < n; at += piece) hash.update(messages[n].data() + at, std::min(piece, n - at));
            Digest out{};
            ASSERT_TRUE(hash.finish_into(out));
            EXPECT_EQ(hex(out), expected[n]) << "length " << n << ", pieces of " << piece;
        }
    }
}

TEST_P(Sha256Path, RandomMessages_MatchDebianLibmbedcryptoInSameProcess) {
    std::mt19937 rng(7);
    for (int i = 0; i < 300; ++i) {
        std::string m(rng() % 2000, '\0');
        for (auto& c : m) c = static_cast<char>(rng() & 0xff);
        EXPECT_EQ(hash_hex(m), debian_md_hex(m)) << "length " << m.size();
    }
}

#if defined(IOTLITE_SHA256_X86_ALT)
INSTANTIATE_TEST_SUITE_P(X86Alt, Sha256Path, testing::Values(Path::sha_ni, Path::portable), path_name);

TEST(Sha256X86, ShaNiCompression_MatchesPortableFromArbitraryStates) {
    namespace x86 = iotlite::sigv4::sha256_x86;
    if (!x86::cpu_has_sha_ni()) {
        GTEST_SKIP() << "this CPU has no SHA extensions (CPUID.(EAX=7,ECX=0):EBX bit 29)";
    }
    // Arbitrary (non-IV) chaining values check the state shuffles into and out of the
    // SHA256RNDS2 register layout word by word.
    std::mt19937 rng(99);
    for (int i = 0; i < 5000; ++i) {
        std::uint32_t a[8];
        std::uint8_t block[64];
        for (auto& w : a) w = static_cast<std::uint32_t>(rng());
        for (auto& b : block) b = static_cast<std::uint8_t>(rng());
        std::uint32_t b[8];
        std::copy(a, a + 8, b);
        x86::compress_sha_ni(a, block);
        x86::compress_portable(b, block);
        ASSERT_TRUE(std::equal(a, a + 8, b)) << "iteration " << i;
    }
}
#else
// mbedTLS's own compression (no ALT hook in this build: not an x86-64 host).
INSTANTIATE_TEST_SUITE_P(Builtin, Sha256Path, testing::Values(Path::mbedtls_builtin), path_name);
#endif

}  // namespace
