// Strict base64 for SASL exchanges (RFC 4648 §4), on top of Abseil's codec.
//
// RFC 4954 §4 (and RFC 3501 §6.2.2 by reference) require that servers and
// clients "MUST reject (and not ignore) any character not explicitly
// allowed by the BASE64 alphabet, and MUST reject any sequence of BASE64
// characters that contains the pad character ('=') anywhere other than the
// end of the string". absl::Base64Unescape() is lenient (it skips white
// space and accepts missing padding), so StrictBase64Decode() checks the
// shape first: alphabet only, length a multiple of 4, at most two "=" and
// only at the end, and canonical trailing bits (RFC 4648 §3.5), so that
// every byte string has exactly one accepted encoding.
//
//   std::string raw;
//   StrictBase64Decode("AHRpbQB0YW5zdGFhZnRhbnN0YWFm", &raw);  // "\0tim\0tanstaaftanstaaf"
//   StrictBase64Decode("AHRpbQ", &raw) == false                 // missing padding
#ifndef LEMONADE_PROTOCOL_SASL_BASE64_H_
#define LEMONADE_PROTOCOL_SASL_BASE64_H_

#include <string>

#include "absl/strings/string_view.h"

namespace lemonade::sasl {

// StrictBase64Decode()
//
// Decodes `encoded` into `*raw`. Returns false (and clears `*raw`) unless
// `encoded` is the canonical, padded RFC 4648 §4 encoding of some bytes.
// The empty string decodes to the empty string.
[[nodiscard]] bool StrictBase64Decode(absl::string_view encoded, std::string* raw);

// Base64Encode()
//
// The canonical padded encoding of `raw`.
std::string Base64Encode(absl::string_view raw);

}  // namespace lemonade::sasl

#endif  // LEMONADE_PROTOCOL_SASL_BASE64_H_
