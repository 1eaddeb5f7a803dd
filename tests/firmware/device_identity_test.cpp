// The device's identity for Fleet Provisioning: the EC P-256 key and CSR made with mbedTLS
// (firmware::generate_device_key), checked by an independent parser (the openssl CLI), the POSIX
// storage that keeps the certificate and key across boots (firmware::PosixStorage) and the saved
// identity on it (firmware::save_identity / load_identity).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "iotlite/firmware/device_identity.hpp"
#include "iotlite/firmware/device_key.hpp"
#include "iotlite/firmware/posix_port.hpp"
#include "iotlite/firmware/posix_storage.hpp"

namespace {

namespace fw = iotlite::firmware;
using iotlite::Errc;

class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/iotlite-identity-XXXXXX";
        const char* made = ::mkdtemp(tmpl);
        EXPECT_NE(made, nullptr);
        path = made ? made : "";
    }
    ~TempDir() {
        if (!path.empty()) std::system(("rm -rf '" + path + "'").c_str());
    }
    void put(const std::string& name, const std::string& text) const { std::ofstream(path + "/" + name) << text; }
    std::string path;
};

// stdout of a shell command (bounded by what openssl prints), and its exit status.
std::string run(const std::string& command, int& status) {
    std::string out;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) { status = -1; return out; }
    std::array<char, 512> buf{};
    while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe) != nullptr) out += buf.data();
    status = ::pclose(pipe);
    return out;
}

TEST(DeviceKey, Generate_OpensslVerifiesTheCsrSignatureSubjectCurveAndKeyMatch) {
    fw::PosixRandom random;
    auto key = fw::generate_device_key(random, "device-42");
    ASSERT_TRUE(key.ok()) << key.error().message;
    EXPECT_EQ(key.value().csr_pem.rfind("-----BEGIN CERTIFICATE REQUEST-----", 0), 0u);
    EXPECT_EQ(key.value().private_key_pem.rfind("-----BEGIN EC PRIVATE KEY-----", 0), 0u);
    EXPECT_LE(key.value().csr_pem.size(), 4096u) << "AWS's CSR limit";

    TempDir dir;
    dir.put("device.csr", key.value().csr_pem);
    dir.put("device.key", key.value().private_key_pem);
    int status = 0;
    const std::string verify = run("openssl req -in '" + dir.path + "/device.csr' -noout -verify -subject -nameopt RFC2253", status);
    EXPECT_EQ(status, 0) << verify;
    EXPECT_NE(verify.find("CN=device-42"), std::string::npos) << verify;
    const std::string text = run("openssl req -in '" + dir.path + "/device.csr' -noout -text", status);
    EXPECT_NE(text.find("prime256v1"), std::string::npos) << text;
    EXPECT_NE(text.find("ecdsa-with-SHA256"), std::string::npos) << text;
    const std::string from_csr = run("openssl req -in '" + dir.path + "/device.csr' -noout -pubkey", status);
    const std::string from_key = run("openssl pkey -in '" + dir.path + "/device.key' -pubout", status);
    EXPECT_EQ(status, 0) << from_key;
    EXPECT_EQ(from_csr, from_key) << "the CSR carries the device's public key";
}

TEST(DeviceKey, TwoKeys_Differ) {
    fw::PosixRandom random;
    auto a = fw::generate_device_key(random, "d");
    auto b = fw::generate_device_key(random, "d");
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_NE(a.value().private_key_pem, b.value().private_key_pem);
}

TEST(DeviceKey, BadCommonName_RefusedNamingTheRule) {
    fw::PosixRandom random;
    auto long_name = fw::generate_device_key(random, std::string(65, 'a'));
    ASSERT_FALSE(long_name.ok());
    EXPECT_EQ(long_name.error().code, Errc::limit_exceeded);
    EXPECT_STREQ(long_name.error().rule, "device_key.common_name");
    EXPECT_EQ(long_name.error().limit, 64u);
    EXPECT_TRUE(fw::generate_device_key(random, std::string(64, 'a')).ok());
    for (const char* bad : {"", "a,O=evil", "a=b", "a b", "x/y"}) {
        auto r = fw::generate_device_key(random, bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, Errc::invalid_argument) << bad;
    }
}

class FailingRandom final : public fw::Random {
public:
    iotlite::Result<void> fill(std::uint8_t*, std::size_t) override {
        return iotlite::make_error(Errc::crypto_error, "no entropy");
    }
};

TEST(DeviceKey, RandomFails_CryptoErrorWithTheMbedtlsCode) {
    FailingRandom random;
    auto key = fw::generate_device_key(random, "d");
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.error().code, Errc::crypto_error);
    EXPECT_NE(key.error().tls_code, 0);
}

TEST(PosixStorage, WriteRead_SecretIs0600_OthersReadable_OverwriteReplaces) {
    TempDir dir;
    fw::PosixStorage storage(dir.path);
    ASSERT_TRUE(storage.write("private.key", "KEY1", true).ok());
    ASSERT_TRUE(storage.write("certificate.pem", "CERT", false).ok());
    struct stat st{};
    ASSERT_EQ(::stat((dir.path + "/private.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat((dir.path + "/certificate.pem").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0600, 0600u);
    EXPECT_EQ(st.st_mode & 0111, 0u);
    ASSERT_TRUE(storage.write("private.key", "KEY2", true).ok());
    auto read = storage.read("private.key");
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read.value(), "KEY2");
    EXPECT_NE(::access((dir.path + "/private.key.tmp").c_str(), F_OK), 0) << "no temporary file left";
}

TEST(PosixStorage, MissingItem_InvalidState_BadName_InvalidArgument) {
    TempDir dir;
    fw::PosixStorage storage(dir.path);
    auto missing = storage.read("certificate.pem");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, Errc::invalid_state);
    for (const char* bad : {"", "../x", "a/b", ".hidden"}) {
        EXPECT_EQ(storage.write(bad, "x", false).error().code, Errc::invalid_argument) << bad;
        EXPECT_EQ(storage.read(bad).error().code, Errc::invalid_argument) << bad;
    }
}

TEST(DeviceIdentity, SaveThenLoad_SameIdentity_FilesAsTheCliDocuments) {
    TempDir dir;
    fw::PosixStorage storage(dir.path);
    fw::DeviceIdentity saved;
    saved.thing_name = "device-42";
    saved.certificate_id = "ab12";
    saved.template_name = "fleet";
    saved.certificate_pem = "CERT";
    saved.private_key_pem = "KEY";
    saved.device_configuration = iotlite::shadow::parse_json(R"({"Fallback":"x"})").value();
    ASSERT_TRUE(fw::save_identity(storage, saved).ok());
    std::ifstream thing(dir.path + "/thing.json");
    std::stringstream text;
    text << thing.rdbuf();
    // nlohmann (independent of core's JSON) reads the file the device wrote.
    EXPECT_EQ(nlohmann::json::parse(text.str(), nullptr, false),
              nlohmann::json::parse(R"({"thingName":"device-42","certificateId":"ab12","template":"fleet","deviceConfiguration":{"Fallback":"x"}})"));
    auto loaded = fw::load_identity(storage);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    ASSERT_TRUE(loaded.value().has_value());
    EXPECT_EQ(loaded.value()->thing_name, "device-42");
    EXPECT_EQ(loaded.value()->certificate_id, "ab12");
    EXPECT_EQ(loaded.value()->certificate_pem, "CERT");
    EXPECT_EQ(loaded.value()->private_key_pem, "KEY");
    EXPECT_EQ(loaded.value()->device_configuration["Fallback"], "x");
}

TEST(DeviceIdentity, FirstBootOrCutSave_Absent_BrokenStore_ProtocolError) {
    TempDir dir;
    fw::PosixStorage storage(dir.path);
    auto none = fw::load_identity(storage);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none.value().has_value()) << "first boot";
    ASSERT_TRUE(storage.write("private.key", "KEY", true).ok());
    ASSERT_TRUE(storage.write("certificate.pem", "CERT", false).ok());
    auto cut = fw::load_identity(storage);
    ASSERT_TRUE(cut.ok());
    EXPECT_FALSE(cut.value().has_value()) << "no thing.json: the save did not finish";

    dir.put("thing.json", "[1]");
    auto bad = fw::load_identity(storage);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, Errc::protocol_error);
    dir.put("thing.json", R"({"certificateId":"x"})");
    EXPECT_EQ(fw::load_identity(storage).error().code, Errc::protocol_error) << "no thingName";
    dir.put("thing.json", R"({"thingName":"t"})");
    ::unlink((dir.path + "/private.key").c_str());
    EXPECT_EQ(fw::load_identity(storage).error().code, Errc::protocol_error) << "no key next to thing.json";
    fw::DeviceIdentity empty;
    EXPECT_EQ(fw::save_identity(storage, empty).error().code, Errc::invalid_argument);
}

}  // namespace
