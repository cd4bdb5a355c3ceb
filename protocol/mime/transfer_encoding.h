// Content-Transfer-Encoding decoding (RFC 2045 §6) for BINARY (RFC 3516),
// URLFETCH BINARY (RFC 5524), SEARCH and RFC 2047 encoded-words.
//
// Decoders are lenient in the way deployed servers are, never fail, never
// read outside their input, and come in pairs: Append*Decoded() produces
// the octets, *DecodedSize() counts them without allocating (BINARY.SIZE),
// and the two always agree.
//
//   std::string out;
//   AppendDecoded(TransferEncoding::kBase64, "aGVsbG8=\r\n", &out);  // "hello"
//   DecodedSize(TransferEncoding::kBase64, "aGVsbG8=\r\n");          // 5
//
// base64 (RFC 2045 §6.8): octets outside the alphabet are ignored, as §6.8
// says. '=' ends the current 4-character group (a final group of 2 or 3
// characters yields 1 or 2 octets, a lone character none) and decoding
// resumes with the next alphabet character, so concatenated base64 blobs
// decode whole, as Dovecot's decoder does.
//
// quoted-printable (RFC 2045 §6.7): "=XY" with hex digits in either case
// (§6.7 note 4 asks decoders to accept lower case) is one octet; '=' at the
// end of a line, trailing white space allowed, is a soft line break; a '='
// that starts neither is kept as is (note 2's recommendation); trailing
// white space before a line end is deleted (rule 3, "transport may add
// it"); line ends are kept exactly as they are (CRLF or bare LF).
#ifndef LEMONADE_PROTOCOL_MIME_TRANSFER_ENCODING_H_
#define LEMONADE_PROTOCOL_MIME_TRANSFER_ENCODING_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lemonade::mime {

enum class TransferEncoding {
  k7Bit,  // also the default when the field is absent or invalid
  k8Bit,
  kBinary,
  kBase64,
  kQuotedPrintable,
  kUnknown,  // e.g. "x-uuencode": RFC 3516 §4.2 [UNKNOWN-CTE]
};

// ParseTransferEncoding()
//
// Classifies a Content-Transfer-Encoding token (case-insensitive). The empty
// token is k7Bit (RFC 2045 §6.1 default).
TransferEncoding ParseTransferEncoding(absl::string_view token);

// Whether the body's octets are its content (7bit, 8bit, binary).
inline bool IsIdentityEncoding(TransferEncoding e) {
  return e == TransferEncoding::k7Bit || e == TransferEncoding::k8Bit ||
         e == TransferEncoding::kBinary;
}

void AppendBase64Decoded(absl::string_view in, std::string* out);
uint64_t Base64DecodedSize(absl::string_view in);

void AppendQuotedPrintableDecoded(absl::string_view in, std::string* out);
uint64_t QuotedPrintableDecodedSize(absl::string_view in);

// AppendDecoded()
//
// Decodes `in` according to `encoding`; identity encodings are copied.
// Returns false, appending nothing, for kUnknown.
[[nodiscard]] bool AppendDecoded(TransferEncoding encoding, absl::string_view in, std::string* out);

// DecodedSize()
//
// The size AppendDecoded() would produce; nullopt for kUnknown.
std::optional<uint64_t> DecodedSize(TransferEncoding encoding, absl::string_view in);

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_TRANSFER_ENCODING_H_
