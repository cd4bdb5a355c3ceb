// ImapWriter: appends IMAP syntax elements to a buffer, choosing the right
// string form (atom, quoted, literal) so the result always parses.
//
// RFC 3501 §4.3: a quoted string may not contain CR, LF, NUL or 8-bit
// octets, and '"' and '\' must be escaped; anything else goes as a literal.
// Servers send literals freely (no continuation is needed server->client).
//
//   std::string out;
//   ImapWriter w(&out);
//   w.Raw("* 1 FETCH (UID 7 ENVELOPE ");
//   w.OpenList(); w.NString(date); w.Space(); w.NString(subject); ...
#ifndef LEMONADE_PROTOCOL_IMAP_IMAP_WRITER_H_
#define LEMONADE_PROTOCOL_IMAP_IMAP_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace lemonade::imap {

// Whether `s` can be sent as an IMAP quoted string (7-bit, no CR/LF/NUL).
bool CanBeQuoted(absl::string_view s);

// Whether `s` is a valid IMAP atom (RFC 3501 ATOM-CHAR+).
bool IsAtom(absl::string_view s);

// Whether `s` is a valid astring that can be sent without quoting
// (1*ASTRING-CHAR, i.e. atom chars plus ']').
bool IsAstringAtom(absl::string_view s);

class ImapWriter {
 public:
  // Quoted strings longer than this are sent as literals, which keeps lines
  // short and avoids escaping cost on large values.
  static constexpr size_t kQuotedBytesMax = 1024;

  explicit ImapWriter(std::string* out) : out_(out) {}

  ImapWriter& Raw(absl::string_view s) {
    out_->append(s.data(), s.size());
    return *this;
  }
  ImapWriter& Space() {
    out_->push_back(' ');
    return *this;
  }
  ImapWriter& Crlf() { return Raw("\r\n"); }
  ImapWriter& Nil() { return Raw("NIL"); }
  ImapWriter& Number(uint64_t n);
  ImapWriter& OpenList() {
    out_->push_back('(');
    return *this;
  }
  ImapWriter& CloseList() {
    out_->push_back(')');
    return *this;
  }

  // A string: quoted when possible, otherwise a literal.
  ImapWriter& String(absl::string_view s);
  // A string or NIL.
  ImapWriter& NString(const std::optional<absl::string_view>& s);
  ImapWriter& NString(const std::optional<std::string>& s);
  // An astring: bare atom when possible, else quoted/literal (mailbox names,
  // flags in some contexts).
  ImapWriter& AString(absl::string_view s);
  // Always quoted (the caller guarantees CanBeQuoted), e.g. for
  // BODYSTRUCTURE type names, which clients expect in quotes.
  ImapWriter& Quoted(absl::string_view s);
  // Always a literal: "{n}\r\n" + bytes.
  ImapWriter& Literal(absl::string_view s);
  // A literal8 (RFC 3516) if `s` contains NUL, else a plain literal.
  ImapWriter& Literal8IfNeeded(absl::string_view s);

  std::string* buffer() { return out_; }

 private:
  std::string* out_;
};

}  // namespace lemonade::imap

#endif  // LEMONADE_PROTOCOL_IMAP_IMAP_WRITER_H_
