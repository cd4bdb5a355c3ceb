// Modified UTF-7 (RFC 3501 §5.1.3), the encoding of IMAP mailbox names.
//
// Printable US-ASCII except "&" stands for itself, "&" is "&-", and other
// characters are UTF-16 in a modified base64 ("," for "/", no padding)
// between "&" and "-". Decoding is strict, as a server must be: it rejects
// encoded printable ASCII, adjacent shift sequences, non-zero leftover bits
// and broken surrogate pairs, so every name has exactly one spelling.
//
//   std::optional<std::string> utf8 = DecodeModifiedUtf7("Entw&APw-rfe");  // "Entwürfe"
//   std::string wire = EncodeModifiedUtf7("Entwürfe");                     // "Entw&APw-rfe"
#ifndef LEMONADE_PROTOCOL_IMAP_MUTF7_H_
#define LEMONADE_PROTOCOL_IMAP_MUTF7_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lemonade::imap {

// UTF-8 -> modified UTF-7. Invalid UTF-8 sequences become U+FFFD.
std::string EncodeModifiedUtf7(absl::string_view utf8);

// Modified UTF-7 -> UTF-8, or nullopt if `mutf7` is not valid.
std::optional<std::string> DecodeModifiedUtf7(absl::string_view mutf7);

// Whether `name` is valid modified UTF-7.
bool IsValidModifiedUtf7(absl::string_view name);

}  // namespace lemonade::imap

#endif  // LEMONADE_PROTOCOL_IMAP_MUTF7_H_
