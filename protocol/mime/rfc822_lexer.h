// Rfc822Lexer: the lexical layer of structured header fields (RFC 5322 §3.2,
// RFC 2045 §5.1): comments and folding white space, atoms, MIME tokens,
// quoted strings and domain literals.
//
// Content-Type, Content-Disposition, Content-Transfer-Encoding, address
// lists and dates are all built from these pieces. The lexer works on a raw
// (still folded) field value and never fails: malformed input ends a token
// early, an unterminated quoted string or comment runs to the end, and the
// callers decide what to make of what is left.
//
//   Rfc822Lexer lex(" text/plain (comment); charset=\"us-ascii\"");
//   absl::string_view type;
//   lex.SkipCfws();
//   lex.ReadToken(&type);     // "text"
#ifndef LEMONADE_PROTOCOL_MIME_RFC822_LEXER_H_
#define LEMONADE_PROTOCOL_MIME_RFC822_LEXER_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace lemonade::mime {

// RFC 2045 §5.1 token character: any US-ASCII CHAR except SPACE, CTLs and
// tspecials ()<>@,;:\"/[]?=
bool IsTokenChar(unsigned char c);

// RFC 5322 §3.2.3 atext, plus octets >= 0x80 (RFC 6532 §3.2 allows UTF-8 in
// atoms; legacy 8-bit mail is kept byte for byte).
bool IsAtext(unsigned char c);

class Rfc822Lexer {
 public:
  explicit Rfc822Lexer(absl::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ >= text_.size(); }
  // The next octet. Requires !AtEnd().
  char Peek() const { return text_[pos_]; }
  size_t pos() const { return pos_; }
  void set_pos(size_t pos) { pos_ = pos < text_.size() ? pos : text_.size(); }
  void Advance() {
    if (pos_ < text_.size()) ++pos_;
  }
  absl::string_view text() const { return text_; }

  // Consumes `c` if it is next.
  bool Consume(char c);

  // Skips CFWS (RFC 5322 §3.2.2): SP, HTAB, CR, LF and comments, which nest
  // and may contain quoted-pairs. When `comment` is not null it receives the
  // unfolded text of the last comment skipped (RFC 822 mailers put the
  // personal name there: "joe@example.com (Joe Bloggs)").
  void SkipCfws(std::string* comment = nullptr);

  // Skips SP, HTAB, CR and LF only.
  void SkipWhiteSpace();

  // Reads an RFC 2045 token. False (nothing consumed) if none is next.
  bool ReadToken(absl::string_view* token);

  // Reads 1*atext. False (nothing consumed) if none is next.
  bool ReadAtom(absl::string_view* atom);

  // Reads a quoted-string (requires Peek() == '"') and appends its content
  // with quoted-pairs resolved and line ends removed (RFC 5322 §3.2.4).
  void ReadQuotedString(std::string* out);

  // Reads a domain literal (requires Peek() == '[') and appends it with its
  // brackets, line ends removed.
  void ReadDomainLiteral(std::string* out);

 private:
  absl::string_view text_;
  size_t pos_ = 0;
};

}  // namespace lemonade::mime

#endif  // LEMONADE_PROTOCOL_MIME_RFC822_LEXER_H_
