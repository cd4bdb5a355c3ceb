// Character classes of the IMAP grammar (RFC 3501 §9, RFC 9051 §9).
//
// The Is*Char() predicates are table lookups: the parsers call them for
// every octet of a command. The table is computed at compile time from the
// grammar's definitions below, which stay the reference.
#ifndef LEMONADE_PROTOCOL_IMAP_IMAP_CHARS_H_
#define LEMONADE_PROTOCOL_IMAP_IMAP_CHARS_H_

#include <cstdint>

namespace lemonade::imap {

// CTL: %x00-1F / %x7F.
constexpr bool IsCtl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// list-wildcards = "%" / "*"; quoted-specials = DQUOTE / "\";
// resp-specials = "]".
constexpr bool IsAtomSpecial(unsigned char c) {
  return c == '(' || c == ')' || c == '{' || c == ' ' || IsCtl(c) || c == '%' ||
         c == '*' || c == '"' || c == '\\' || c == ']' || c >= 0x80;
}

namespace imap_chars_internal {

enum CharClass : uint8_t {
  kAtom = 1,     // ATOM-CHAR = <any CHAR except atom-specials>
  kAstring = 2,  // ASTRING-CHAR = ATOM-CHAR / resp-specials
  kList = 4,     // list-char = ATOM-CHAR / list-wildcards / resp-specials
  kText = 8,     // TEXT-CHAR = <any CHAR except CR and LF> (7-bit, no NUL)
  kTag = 16,     // tag = 1*<any ASTRING-CHAR except "+">
};

constexpr uint8_t ClassOf(unsigned char c) {
  const bool atom = !IsAtomSpecial(c);
  const bool astring = atom || c == ']';
  return static_cast<uint8_t>((atom ? kAtom : 0) | (astring ? kAstring : 0) |
                              (atom || c == '%' || c == '*' || c == ']' ? kList : 0) |
                              (c != '\r' && c != '\n' && c != 0 && c < 0x80 ? kText : 0) |
                              (astring && c != '+' ? kTag : 0));
}

struct CharTable {
  uint8_t classes[256];
};

constexpr CharTable MakeCharTable() {
  CharTable t{};
  for (int c = 0; c < 256; ++c) t.classes[c] = ClassOf(static_cast<unsigned char>(c));
  return t;
}

inline constexpr CharTable kCharTable = MakeCharTable();

}  // namespace imap_chars_internal

// ATOM-CHAR = <any CHAR except atom-specials>.
constexpr bool IsAtomChar(unsigned char c) {
  return imap_chars_internal::kCharTable.classes[c] & imap_chars_internal::kAtom;
}

// ASTRING-CHAR = ATOM-CHAR / resp-specials.
constexpr bool IsAstringChar(unsigned char c) {
  return imap_chars_internal::kCharTable.classes[c] & imap_chars_internal::kAstring;
}

// list-char = ATOM-CHAR / list-wildcards / resp-specials.
constexpr bool IsListChar(unsigned char c) {
  return imap_chars_internal::kCharTable.classes[c] & imap_chars_internal::kList;
}

// TEXT-CHAR = <any CHAR except CR and LF> (CHAR is 7-bit, excluding NUL).
constexpr bool IsTextChar(unsigned char c) {
  return imap_chars_internal::kCharTable.classes[c] & imap_chars_internal::kText;
}

// tag = 1*<any ASTRING-CHAR except "+">.
constexpr bool IsTagChar(unsigned char c) {
  return imap_chars_internal::kCharTable.classes[c] & imap_chars_internal::kTag;
}

}  // namespace lemonade::imap

#endif  // LEMONADE_PROTOCOL_IMAP_IMAP_CHARS_H_
