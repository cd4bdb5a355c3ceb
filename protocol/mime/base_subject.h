// The "base subject" of RFC 5256 §2.1, which SORT (SUBJECT) compares:
// the subject without reply/forward markers, list tags and trailing
// "(fwd)", so a thread's messages sort together.
//
//   BaseSubject("Re: [lemonade] Fwd: Meeting (fwd)")  // "Meeting"
//   BaseSubject("[fwd: Re: Lunch]")                    // "Lunch"
//
// The input is already decoded text (DecodeHeaderText: unfolded, RFC 2047
// words decoded to UTF-8); step (1) here only turns tabs into spaces and
// collapses runs of spaces.
#ifndef LEMONADE_PROTOCOL_MIME_BASE_SUBJECT_H_
#define LEMONADE_PROTOCOL_MIME_BASE_SUBJECT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace lemonade::mime {

// BaseSubject()
//
// Steps (1)-(7) of RFC 5256 §2.1 over `decoded_subject`.
[[nodiscard]] std::string BaseSubject(absl::string_view decoded_subject);

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_BASE_SUBJECT_H_
