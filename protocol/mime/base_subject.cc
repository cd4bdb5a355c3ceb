#include "protocol/mime/base_subject.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace lemonade::mime {
namespace {

bool IsWsp(char c) { return c == ' ' || c == '\t'; }

// subj-blob = "[" *BLOBCHAR "]" *WSP, where BLOBCHAR is any octet but NUL,
// "[" and "]". Returns the length matched at the start of `s`, or 0.
size_t BlobLength(absl::string_view s) {
  if (s.empty() || s[0] != '[') return 0;
  size_t i = 1;
  while (i < s.size() && s[i] != ']' && s[i] != '[' && s[i] != '\0') ++i;
  if (i >= s.size() || s[i] != ']') return 0;
  ++i;
  while (i < s.size() && IsWsp(s[i])) ++i;
  return i;
}

// subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"; 0 if none.
size_t RefwdLength(absl::string_view s) {
  size_t i;
  if (absl::StartsWithIgnoreCase(s, "re")) {
    i = 2;
  } else if (absl::StartsWithIgnoreCase(s, "fwd")) {
    i = 3;
  } else if (absl::StartsWithIgnoreCase(s, "fw")) {
    i = 2;
  } else {
    return 0;
  }
  while (i < s.size() && IsWsp(s[i])) ++i;
  i += BlobLength(s.substr(i));
  return i < s.size() && s[i] == ':' ? i + 1 : 0;
}

// subj-leader = (*subj-blob subj-refwd) / WSP; 0 if none.
size_t LeaderLength(absl::string_view s) {
  if (!s.empty() && IsWsp(s[0])) return 1;
  size_t i = 0;
  while (size_t blob = BlobLength(s.substr(i))) i += blob;
  const size_t refwd = RefwdLength(s.substr(i));
  return refwd == 0 ? 0 : i + refwd;
}

}  // namespace

std::string BaseSubject(absl::string_view decoded_subject) {
  // (1) Tabs and line breaks become spaces; runs of spaces become one.
  std::string text;
  text.reserve(decoded_subject.size());
  for (char c : decoded_subject) {
    if (c == '\t' || c == '\r' || c == '\n') c = ' ';
    if (c == ' ' && !text.empty() && text.back() == ' ') continue;
    text.push_back(c);
  }
  absl::string_view s = text;
  while (true) {
    // (2) Trailing subj-trailer: "(fwd)" or WSP, repeatedly.
    while (true) {
      if (!s.empty() && IsWsp(s.back())) {
        s.remove_suffix(1);
      } else if (absl::EndsWithIgnoreCase(s, "(fwd)")) {
        s.remove_suffix(5);
      } else {
        break;
      }
    }
    // (3)-(5) Leading subj-leader, and a subj-blob that does not leave the
    // subject empty, until neither is left.
    while (true) {
      if (size_t leader = LeaderLength(s)) {
        s.remove_prefix(leader);
        continue;
      }
      const size_t blob = BlobLength(s);
      if (blob != 0 && blob < s.size()) {
        s.remove_prefix(blob);
        continue;
      }
      break;
    }
    // (6) "[fwd:" ... "]" wrapping the rest: unwrap and start over at (2).
    if (s.size() >= 6 && absl::StartsWithIgnoreCase(s, "[fwd:") && s.back() == ']') {
      s.remove_prefix(5);
      s.remove_suffix(1);
      continue;
    }
    return std::string(s);  // (7)
  }
}

}  // namespace lemonade::mime
