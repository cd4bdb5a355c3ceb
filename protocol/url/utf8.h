// UTF-8 validation (RFC 3629), shared by the URL, SASL and SMTP code.
//
// IMAP URLs carry mailbox and user names as percent-encoded UTF-8 (RFC 5092
// §8) and SASL PLAIN carries UTF-8 identities (RFC 4616 §2); both must refuse
// malformed sequences before the names reach a store or a log. The check is
// strict: no overlong forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing
// above U+10FFFF.
//
//   if (!IsValidUtf8(decoded_mailbox)) return UrlError::kInvalidUtf8;
#ifndef LEMONADE_PROTOCOL_URL_UTF8_H_
#define LEMONADE_PROTOCOL_URL_UTF8_H_

#include "absl/strings/string_view.h"

namespace lemonade::url {

// IsValidUtf8()
//
// Whether `text` is well-formed UTF-8 per RFC 3629 §4. The empty string and
// any 7-bit text (including NUL) are valid.
bool IsValidUtf8(absl::string_view text);

}  // namespace lemonade::url

#endif  // LEMONADE_PROTOCOL_URL_UTF8_H_
