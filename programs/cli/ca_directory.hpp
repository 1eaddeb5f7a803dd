// --capath DIR (mosquitto's, OpenSSL's "CA directory"): the trusted roots are the certificates
// in the directory's *.pem and *.crt files. mbedTLS takes one PEM buffer, so they are read
// (each through read_bounded_file: symlinks followed, a regular file of at most 512 KiB) and
// joined; a file that does not parse as certificates is skipped, as OpenSSL skips it.
#pragma once

#include <cstddef>
#include <string>

#include "iotlite/result.hpp"

namespace iotlite::cli {

// Bounds of one --capath directory (Debian's /etc/ssl/certs: ~150 roots and one bundle).
inline constexpr std::size_t kMaxCaDirectoryFiles = 1024;
inline constexpr std::size_t kMaxCaDirectoryBytes = 4 * 1024 * 1024;

// Errors: io_error "--capath DIR: cannot open (reason)"; invalid_argument "--capath DIR: no
// *.pem or *.crt file with a certificate that parses"; limit_exceeded naming the bound
// (files or bytes) that was passed.
Result<std::string> read_ca_directory(const std::string& dir);

}  // namespace iotlite::cli
