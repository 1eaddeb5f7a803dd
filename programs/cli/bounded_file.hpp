// Reading a file the user named, with a bound. The CLI and the example device read every file
// (payloads, PEM files, the AWS credentials file, JSON and request inputs) through
// read_bounded_file: a directory, a device node, a FIFO or a socket is refused before it is
// read, and nothing is read past the limit of its kind (never "read everything, then check").
#pragma once

#include <cstddef>
#include <string>

#include "iotlite/result.hpp"

namespace iotlite::cli {

// The most a file of one kind can legitimately hold, and the rule quoted when it holds more.
struct FileLimit {
    std::size_t max_bytes;
    const char* kind;  // "payload file": the message reads "<kind> is N bytes; <rule>"
    const char* rule;  // "AWS IoT allows 131072 (128 KB)"
};

// pub -f: AWS IoT's payload limit, 128 KB (the same number as core's
// mqtt::limits::max_payload_bytes; cmd_pub.cpp checks that they agree).
inline constexpr FileLimit kPayloadFileLimit{131072, "payload file", "AWS IoT allows 131072 (128 KB)"};
// --cafile, --cert, --key (and the example device's --ca, --cert, --key): a certificate or a key
// is a few KB; a whole CA bundle is ~150 roots (Debian's ca-certificates.crt: 215 KB).
inline constexpr FileLimit kPemFileLimit{512 * 1024, "PEM file", "iotlite reads at most 524288 (512 KiB)"};
// The AWS shared credentials file (AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials) and config
// file: a profile with a session token is 1-2 KB, so hundreds of profiles fit.
inline constexpr FileLimit kAwsConfigFileLimit{512 * 1024, "AWS credentials file",
                                               "iotlite reads at most 524288 (512 KiB)"};
// JSON and text inputs (sigv4 --context / --request, in AWS's test-suite format: < 2 KB each).
inline constexpr FileLimit kInputFileLimit{256 * 1024, "input file", "iotlite reads at most 262144 (256 KiB)"};

// Reads the regular file `path` when it holds at most limit.max_bytes. `label` names the file in
// messages ("-f payload.bin", "--cafile /x/ca.pem"); the content never appears in a message.
// Errors (one line, starting with `label`):
//   io_error          "<label>: cannot open (<reason>)", "<label>: read failed (<reason>)"
//   invalid_argument  "<label>: not a regular file (a directory)" (also a character device,
//                     a block device, a FIFO, a socket), checked before anything is read
//   limit_exceeded    "<label>: <kind> is N bytes; <rule>" (from the file's size), or
//                     "<label>: <kind> is more than N bytes; <rule>" (it grew while being read)
Result<std::string> read_bounded_file(const std::string& path, const FileLimit& limit, const std::string& label);

}  // namespace iotlite::cli
