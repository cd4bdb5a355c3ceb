#include "protocol/mime/charset.h"

#include <string>

#include "gtest/gtest.h"
#include "protocol/mime/encoded_words.h"
#include "protocol/url/utf8.h"

namespace lemonade::mime {
namespace {

std::string ToUtf8(absl::string_view charset, absl::string_view bytes, bool* known = nullptr) {
  CharsetConverter conv;
  std::string out;
  const bool k = conv.AppendUtf8(charset, bytes, &out);
  if (known != nullptr) *known = k;
  return out;
}

TEST(CharsetTest, CommonCharsets) {
  EXPECT_EQ(ToUtf8("UTF-8", "caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(ToUtf8("iso-8859-1", "caf\xE9"), "caf\xC3\xA9");
  EXPECT_EQ(ToUtf8("ISO-8859-15", "\xA4"), "\xE2\x82\xAC");                        // €
  EXPECT_EQ(ToUtf8("windows-1252", "\x80"), "\xE2\x82\xAC");                       // €
  EXPECT_EQ(ToUtf8("KOI8-R", "\xF0\xD2\xC9"), "\xD0\x9F\xD1\x80\xD0\xB8");         // При
  EXPECT_EQ(ToUtf8("Shift_JIS", "\x93\xFA\x96\x7B"), "\xE6\x97\xA5\xE6\x9C\xAC");  // 日本
}

// Stateful ISO-2022-JP (RFC 1468), the classic Japanese mail charset.
TEST(CharsetTest, StatefulIso2022Jp) {
  EXPECT_EQ(ToUtf8("iso-2022-jp", "\x1B$BF|K\\\x1B(B!"), "\xE6\x97\xA5\xE6\x9C\xAC!");
}

// Labels that promise nothing: UTF-8 when valid, else Latin-1.
TEST(CharsetTest, UnlabelledAndUnknownCharsets) {
  bool known = false;
  EXPECT_EQ(ToUtf8("us-ascii", "caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(ToUtf8("us-ascii", "caf\xE9"), "caf\xC3\xA9");
  EXPECT_EQ(ToUtf8("", "caf\xE9"), "caf\xC3\xA9");
  EXPECT_EQ(ToUtf8("x-no-such-charset", "caf\xE9", &known), "caf\xC3\xA9");
  EXPECT_FALSE(known);
  // iconv options cannot be smuggled in through the name.
  EXPECT_EQ(ToUtf8("UTF-8//IGNORE", "a\xFF", &known), "a\xC3\xBF");
  EXPECT_FALSE(known);
}

// Octets invalid in a known charset become U+FFFD; the output stays UTF-8.
TEST(CharsetTest, InvalidOctetsBecomeReplacementCharacters) {
  EXPECT_EQ(ToUtf8("utf-8",
                   "a\xFF"
                   "b\xC3"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
  EXPECT_EQ(ToUtf8("shift_jis", "a\x81"), "a\xEF\xBF\xBD");
  const std::string out = ToUtf8("euc-jp", "\xA4\xA2\xFF\xFF\xA4");
  EXPECT_TRUE(url::IsValidUtf8(out));
  EXPECT_EQ(out.substr(0, 3), "\xE3\x81\x82");  // あ
}

// One converter, several charsets in turn (the cache is per name).
TEST(CharsetTest, ConverterReuse) {
  CharsetConverter conv;
  std::string out;
  conv.AppendUtf8("koi8-r", "\xC1", &out);
  conv.AppendUtf8("iso-8859-7", "\xE1", &out);
  conv.AppendUtf8("KOI8-R", "\xC2", &out);
  EXPECT_EQ(out, "\xD0\xB0\xCE\xB1\xD0\xB1");  // а α б
}

TEST(CharsetTest, NextUtf8) {
  const absl::string_view s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xC0\x80";
  size_t pos = 0;
  EXPECT_EQ(NextUtf8(s, &pos), 'a');
  EXPECT_EQ(NextUtf8(s, &pos), 0xE9);
  EXPECT_EQ(NextUtf8(s, &pos), 0x20AC);
  EXPECT_EQ(NextUtf8(s, &pos), 0x1F600);
  EXPECT_EQ(NextUtf8(s, &pos), -1);  // overlong
  EXPECT_EQ(pos, s.size() - 1);
  std::string out;
  AppendCodePoint(0x1F600, &out);
  EXPECT_EQ(out, "\xF0\x9F\x98\x80");
}

std::string Decode(absl::string_view raw) {
  CharsetConverter conv;
  std::string out = DecodeHeaderText(raw, &conv);
  EXPECT_TRUE(url::IsValidUtf8(out)) << raw;
  return out;
}

// RFC 2047 §8: the examples and how they display.
TEST(EncodedWordsTest, Rfc2047Examples) {
  EXPECT_EQ(Decode("=?ISO-8859-1?Q?a?="), "a");
  EXPECT_EQ(Decode("=?ISO-8859-1?Q?a?= b"), "a b");
  EXPECT_EQ(Decode("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?="), "ab");
  EXPECT_EQ(Decode("=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?="), "ab");
  EXPECT_EQ(Decode("=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?="), "ab");
  EXPECT_EQ(Decode("=?ISO-8859-1?Q?a_b?="), "a b");
  EXPECT_EQ(Decode("=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?="), "a b");
  EXPECT_EQ(Decode("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>"),
            "Keith Moore <moore@cs.utk.edu>");
  EXPECT_EQ(Decode("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?="), "Keld J\xC3\xB8rn Simonsen");
  EXPECT_EQ(Decode("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>"),
            "Andr\xC3\xA9 Pirard <PIRARD@vm1.ulg.ac.be>");
  EXPECT_EQ(Decode("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
                   " =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?="),
            "If you can read this you understand the example.");
}

// RFC 2231 §5: a language in the charset part is ignored.
TEST(EncodedWordsTest, LanguageSuffix) {
  EXPECT_EQ(Decode("=?US-ASCII*EN?Q?Keith_Moore?="), "Keith Moore");
}

// A UTF-8 character split across two encoded-words (a common encoder bug)
// is joined before conversion.
TEST(EncodedWordsTest, SplitMultiOctetCharacter) {
  EXPECT_EQ(Decode("=?UTF-8?B?w6k=?= =?utf-8?Q?=C3?= =?UTF-8?Q?=A9t=C3=A9?="),
            "\xC3\xA9\xC3\xA9t\xC3\xA9");
}

// Not encoded-words: left as they are, 8-bit text as Latin-1 when not UTF-8.
TEST(EncodedWordsTest, MalformedWordsAndRawText) {
  EXPECT_EQ(Decode("=?utf-8?X?abc?="), "=?utf-8?X?abc?=");
  EXPECT_EQ(Decode("=?utf-8?Q?a b?="), "=?utf-8?Q?a b?=");
  EXPECT_EQ(Decode("=?utf-8?Q?unterminated"), "=?utf-8?Q?unterminated");
  EXPECT_EQ(Decode("=??Q?x?="), "=??Q?x?=");
  EXPECT_EQ(Decode("a =?? b"), "a =?? b");
  EXPECT_EQ(Decode("Gr\xFC\xDF"
                   "e"),
            "Gr\xC3\xBC\xC3\x9F"
            "e");
  EXPECT_EQ(Decode("Gr\xC3\xBC\xC3\x9F"
                   "e"),
            "Gr\xC3\xBC\xC3\x9F"
            "e");
  // Glued to text (RFC 2047 §5 forbids it; mailers do it anyway).
  EXPECT_EQ(Decode("Re:=?utf-8?Q?caf=C3=A9?=!"), "Re:caf\xC3\xA9!");
}

// Text full of "=?" that never becomes an encoded-word is still decoded in
// one pass (the scanner remembers its searches).
TEST(EncodedWordsTest, ManyFalseStartsStayLinear) {
  std::string raw;
  for (int i = 0; i < 100000; ++i) raw += "=?x?q?a";
  EXPECT_EQ(Decode(raw), raw);
}

TEST(EncodedWordsTest, ParameterValues) {
  CharsetConverter conv;
  Parameter plain;
  plain.name = "name";
  plain.value = "=?UTF-8?B?w6l0w6kucGRm?=";
  EXPECT_EQ(DecodeParameterValue(plain, &conv), "\xC3\xA9t\xC3\xA9.pdf");
  Parameter extended;
  extended.name = "filename";
  extended.value = "\xE9t\xE9.txt";
  extended.extended = true;
  extended.charset = "iso-8859-1";
  EXPECT_EQ(DecodeParameterValue(extended, &conv), "\xC3\xA9t\xC3\xA9.txt");
}

}  // namespace
}  // namespace lemonade::mime
