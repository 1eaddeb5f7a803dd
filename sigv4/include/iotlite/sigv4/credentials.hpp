// AWS credentials used to sign. Never logged, never placed in an error message.
#pragma once

#include <string>

namespace iotlite::sigv4 {

struct Credentials {
    std::string access_key_id;      // e.g. "AKIDEXAMPLE"; appears in signed URLs (it is not a secret)
    std::string secret_access_key;  // secret: only used to derive the signing key
    std::string session_token;      // secret; empty for long-term credentials
};

}  // namespace iotlite::sigv4
