// Character classes of the IMAP grammar (RFC 3501 §9, RFC 9051 §9).
#ifndef LEMONADE_PROTOCOL_IMAP_IMAP_CHARS_H_
#define LEMONADE_PROTOCOL_IMAP_IMAP_CHARS_H_

namespace lemonade::imap {

// CTL: %x00-1F / %x7F.
constexpr bool IsCtl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// list-wildcards = "%" / "*"; quoted-specials = DQUOTE / "\";
// resp-specials = "]".
constexpr bool IsAtomSpecial(unsigned char c) {
  return c == '(' || c == ')' || c == '{' || c == ' ' || IsCtl(c) || c == '%' ||
         c == '*' || c == '"' || c == '\\' || c == ']' || c >= 0x80;
}

// ATOM-CHAR = <any CHAR except atom-specials>.
constexpr bool IsAtomChar(unsigned char c) { return !IsAtomSpecial(c); }

// ASTRING-CHAR = ATOM-CHAR / resp-specials.
constexpr bool IsAstringChar(unsigned char c) { return IsAtomChar(c) || c == ']'; }

// list-char = ATOM-CHAR / list-wildcards / resp-specials.
constexpr bool IsListChar(unsigned char c) {
  return IsAtomChar(c) || c == '%' || c == '*' || c == ']';
}

// TEXT-CHAR = <any CHAR except CR and LF> (CHAR is 7-bit, excluding NUL).
constexpr bool IsTextChar(unsigned char c) {
  return c != '\r' && c != '\n' && c != 0 && c < 0x80;
}

// tag = 1*<any ASTRING-CHAR except "+">.
constexpr bool IsTagChar(unsigned char c) { return IsAstringChar(c) && c != '+'; }

}  // namespace lemonade::imap

#endif  // LEMONADE_PROTOCOL_IMAP_IMAP_CHARS_H_
