// The answer of AWS STS AssumeRole (Query protocol, XML; STS API Reference, "AssumeRole"):
//   <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
//     <AssumeRoleResult> ... <Credentials>
//         <AccessKeyId/> <SecretAccessKey/> <SessionToken/> <Expiration>ISO 8601</Expiration>
//     </Credentials> ... </AssumeRoleResult> ...
//   </AssumeRoleResponse>
// and its errors:
//   <ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>...</Message>
//   </Error><RequestId>...</RequestId></ErrorResponse>
// A small bounded scanner, not an XML parser: it finds these elements in order, reads their
// text (the five predefined entities and numeric character references decoded) and nothing
// else. Each value has a length bound named in its error. No error quotes a credential value;
// `redact` lists further strings (the source credentials' secrets) that never appear in one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "iotlite/connection/credentials_provider.hpp"
#include "iotlite/result.hpp"

namespace iotlite::cli {

inline constexpr std::size_t kStsMaxAnswerBytes = 64 * 1024;
inline constexpr std::size_t kStsMaxKeyIdBytes = 128;         // AccessKeyId: 16-128 characters (STS)
inline constexpr std::size_t kStsMaxSecretBytes = 256;
inline constexpr std::size_t kStsMaxTokenBytes = 16 * 1024;
inline constexpr std::size_t kStsMaxErrorCodeBytes = 64;      // Code as shown (AWS's are short names)
inline constexpr std::size_t kStsMaxErrorTextBytes = 256;     // Message as shown

// status: the HTTP status. 2xx with the shape above: the credentials (Expiration required).
// Otherwise an error: the HTTP status in Error::http_status, its Errc from
// connection::errc_for_http_status, the text "STS AssumeRole: HTTP 403 AccessDenied: <Message>"
// (Code and Message from the answer when readable, printable ASCII only, bounded). A 2xx answer
// without the shape: protocol_error naming the missing element; a value over its bound:
// limit_exceeded naming the element and the bound; an answer over kStsMaxAnswerBytes:
// limit_exceeded.
Result<connection::TimedCredentials> parse_assume_role_response(int status, std::string_view body,
                                                                 const std::vector<std::string>& redact = {});

}  // namespace iotlite::cli
