// Header text decoding for SEARCH and display: unfolding, RFC 2047
// encoded-words, RFC 2231 parameter values, all to UTF-8.
//
// IMAP sends header strings still encoded (ENVELOPE and BODYSTRUCTURE carry
// what the message says; the client decodes), but SEARCH must compare
// decoded text (RFC 3501 §6.4.4: "strings ... in the message are decoded").
//
//   CharsetConverter conv;
//   DecodeHeaderText("=?ISO-8859-1?Q?Andr=E9?= Pirard", &conv)  // "André Pirard"
//
// Rules (RFC 2047, loosened the way Dovecot's message-header-decode is):
//   - an encoded-word is "=?" charset ["*" language] "?" ("B"/"Q") "?"
//     encoded-text "?=", recognised anywhere in the text (mailers glue
//     them to words and put them inside quoted strings, RFC 2047 §5
//     notwithstanding), with encoded-text free of white space;
//   - white space between two encoded-words is dropped (RFC 2047 §6.2);
//   - adjacent encoded-words in the same charset are joined before
//     conversion, so a multi-octet character split across two words (a
//     common encoder bug) survives;
//   - text outside encoded-words is UTF-8 if valid, else ISO-8859-1 (8-bit
//     headers from legacy mailers);
//   - an encoded-word in an unknown charset decodes its octets as above;
//   - the result is always valid UTF-8.
#ifndef LEMONADE_PROTOCOL_MIME_ENCODED_WORDS_H_
#define LEMONADE_PROTOCOL_MIME_ENCODED_WORDS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "protocol/mime/charset.h"
#include "protocol/mime/content_type.h"

namespace lemonade::mime {

// DecodeHeaderText()
//
// A raw field value (as HeaderField::value spans it) unfolded, NULs removed,
// trimmed, and with encoded-words decoded, as UTF-8.
[[nodiscard]] std::string DecodeHeaderText(absl::string_view raw_value,
                                           CharsetConverter* converter);

// DecodeParameterValue()
//
// A parameter's value as UTF-8: RFC 2231 extended values are converted
// from their charset; plain values get RFC 2047 decoding (file names like
// name="=?UTF-8?B?...?=" are what Outlook and Gmail send).
std::string DecodeParameterValue(const Parameter& param, CharsetConverter* converter);

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_ENCODED_WORDS_H_
