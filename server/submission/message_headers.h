// Small RFC 5322 helpers the submission server needs when it accepts and
// reports mail: finding a header field, dates in RFC 5322 form, and the
// header block of a message.
//
//   if (!HasHeaderField(message, "Message-ID")) ...
//   std::string date = FormatRfc5322Date(now);  // "Thu, 12 Nov 2004 16:57:05 +0000"
#ifndef LEMONADE_SERVER_SUBMISSION_MESSAGE_HEADERS_H_
#define LEMONADE_SERVER_SUBMISSION_MESSAGE_HEADERS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "base/time.h"

namespace lemonade::submission {

// The header block: everything up to and including the empty line (or
// the whole message if it has none). Accepts bare LF line ends.
absl::string_view HeaderBlock(absl::string_view message);

// Whether the header block has a field named `name` (case-insensitive).
bool HasHeaderField(absl::string_view message, absl::string_view name);

// RFC 5322 §3.3 date-time in UTC: "Thu, 12 Nov 2004 16:57:05 +0000".
std::string FormatRfc5322Date(Time t);

}  // namespace lemonade::submission

#endif  // LEMONADE_SERVER_SUBMISSION_MESSAGE_HEADERS_H_
