#include "protocol/imap/imap_writer.h"

#include "absl/strings/str_cat.h"
#include "protocol/imap/imap_chars.h"

namespace lemonade::imap {

bool CanBeQuoted(absl::string_view s) {
  for (unsigned char c : s) {
    if (c == '\r' || c == '\n' || c == 0 || c >= 0x80) return false;
  }
  return true;
}

bool IsAtom(absl::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!IsAtomChar(c)) return false;
  }
  return true;
}

bool IsAstringAtom(absl::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!IsAstringChar(c)) return false;
  }
  return true;
}

ImapWriter& ImapWriter::Number(uint64_t n) {
  absl::StrAppend(out_, n);
  return *this;
}

ImapWriter& ImapWriter::String(absl::string_view s) {
  if (s.size() <= kQuotedBytesMax && CanBeQuoted(s)) return Quoted(s);
  return Literal(s);
}

ImapWriter& ImapWriter::NString(const std::optional<absl::string_view>& s) {
  if (!s.has_value()) return Nil();
  return String(*s);
}

ImapWriter& ImapWriter::NString(const std::optional<std::string>& s) {
  if (!s.has_value()) return Nil();
  return String(*s);
}

ImapWriter& ImapWriter::AString(absl::string_view s) {
  // "NIL" as a bare atom would read back as nil, so it is quoted.
  if (IsAstringAtom(s) && !(s.size() == 3 && (s[0] == 'N' || s[0] == 'n') &&
                            (s[1] == 'I' || s[1] == 'i') && (s[2] == 'L' || s[2] == 'l'))) {
    return Raw(s);
  }
  return String(s);
}

ImapWriter& ImapWriter::Quoted(absl::string_view s) {
  out_->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out_->push_back('\\');
    out_->push_back(c);
  }
  out_->push_back('"');
  return *this;
}

ImapWriter& ImapWriter::Literal(absl::string_view s) {
  absl::StrAppend(out_, "{", s.size(), "}\r\n");
  return Raw(s);
}

ImapWriter& ImapWriter::Literal8IfNeeded(absl::string_view s) {
  if (s.find('\0') != absl::string_view::npos) out_->push_back('~');
  return Literal(s);
}

}  // namespace lemonade::imap
