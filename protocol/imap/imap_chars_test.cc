#include "protocol/imap/imap_chars.h"

#include <string>

#include "gtest/gtest.h"

namespace lemonade::imap {
namespace {

// The classes, spelled out from RFC 3501 §9 independently of the header.
bool InSet(unsigned char c, const std::string& set) { return set.find(static_cast<char>(c)) != std::string::npos; }

bool Char(unsigned char c) { return c >= 0x01 && c <= 0x7f; }            // CHAR
bool Ctl(unsigned char c) { return c <= 0x1f || c == 0x7f; }             // CTL
bool AtomSpecial(unsigned char c) {                                      // atom-specials
  return InSet(c, "(){ ") || Ctl(c) || InSet(c, "%*") || InSet(c, "\"\\") || c == ']';
}
bool AtomChar(unsigned char c) { return Char(c) && !AtomSpecial(c); }    // ATOM-CHAR

// The table-driven predicates agree with the grammar for all 256 octets.
TEST(ImapCharsTest, ClassesMatchTheGrammarForEveryOctet) {
  for (int i = 0; i < 256; ++i) {
    const unsigned char c = static_cast<unsigned char>(i);
    EXPECT_EQ(IsAtomChar(c), AtomChar(c)) << i;
    EXPECT_EQ(IsAstringChar(c), AtomChar(c) || c == ']') << i;
    EXPECT_EQ(IsListChar(c), AtomChar(c) || InSet(c, "%*]")) << i;
    EXPECT_EQ(IsTextChar(c), Char(c) && c != '\r' && c != '\n') << i;
    EXPECT_EQ(IsTagChar(c), (AtomChar(c) || c == ']') && c != '+') << i;
    EXPECT_EQ(IsCtl(c), Ctl(c)) << i;
    EXPECT_EQ(IsAtomSpecial(c), !AtomChar(c)) << i;
  }
}

// The predicates are usable in constant expressions.
TEST(ImapCharsTest, PredicatesAreConstexpr) {
  static_assert(IsAtomChar('a') && !IsAtomChar(']') && IsAstringChar(']'));
  static_assert(IsListChar('%') && !IsTagChar('+') && !IsTextChar('\n'));
  SUCCEED();
}

}  // namespace
}  // namespace lemonade::imap
