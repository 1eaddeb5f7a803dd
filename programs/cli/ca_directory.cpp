#include "ca_directory.hpp"

#include <dirent.h>

#include <mbedtls/x509_crt.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "bounded_file.hpp"

namespace iotlite::cli {

namespace {

bool ends_with(const std::string& s, const char* suffix) {
    const std::size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// True when every certificate in `pem` parses (mbedTLS returns the count of failed ones).
bool parses_as_certificates(const std::string& pem) {
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    const int rc = mbedtls_x509_crt_parse(&crt, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1);
    mbedtls_x509_crt_free(&crt);
    return rc == 0;
}

}  // namespace

Result<std::string> read_ca_directory(const std::string& dir) {
    const std::string label = "--capath " + dir;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return make_error(Errc::io_error, label + ": cannot open (" + std::strerror(errno) + ")");
    std::vector<std::string> names;
    bool too_many = false;
    while (dirent* entry = ::readdir(d)) {
        const std::string name = entry->d_name;
        if (name.empty() || name[0] == '.' || !(ends_with(name, ".pem") || ends_with(name, ".crt"))) continue;
        if (names.size() == kMaxCaDirectoryFiles) {
            too_many = true;
            break;
        }
        names.push_back(name);
    }
    ::closedir(d);
    if (too_many) {
        return make_error(Errc::limit_exceeded, label + ": more than " + std::to_string(kMaxCaDirectoryFiles) +
                                                    " *.pem / *.crt files; iotlite reads at most " +
                                                    std::to_string(kMaxCaDirectoryFiles));
    }
    std::sort(names.begin(), names.end());  // the same trust order on every run
    std::string joined;
    for (const std::string& name : names) {
        Result<std::string> pem = read_bounded_file(dir + "/" + name, kPemFileLimit, label + "/" + name);
        if (!pem.ok() || !parses_as_certificates(pem.value())) continue;  // skipped, as OpenSSL does
        if (joined.size() + pem.value().size() + 1 > kMaxCaDirectoryBytes) {
            return make_error(Errc::limit_exceeded, label + ": the certificates hold more than " +
                                                        std::to_string(kMaxCaDirectoryBytes) +
                                                        " bytes; iotlite reads at most that");
        }
        joined += pem.value();
        joined += '\n';
    }
    if (joined.empty()) {
        return make_error(Errc::invalid_argument, label + ": no *.pem or *.crt file with a certificate that parses");
    }
    return joined;
}

}  // namespace iotlite::cli
