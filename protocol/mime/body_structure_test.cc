#include "protocol/mime/body_structure.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "protocol/mime/test_support.h"
#include "protocol/mime/testdata_files.h"

namespace lemonade::mime {
namespace {

std::string Structure(absl::string_view raw, bool extensible, const Limits& limits = Limits()) {
  MessageStructure s = MessageStructure::Parse(raw, limits);
  std::string out;
  imap::ImapWriter w(&out);
  AppendBodyStructure(raw, s, extensible, &w);
  std::string error;
  EXPECT_TRUE(testing::IsValidBody(out, extensible, &error)) << error << "\n" << out;
  return out;
}

// Dovecot's src/lib-imap/test-imap-bodystructure.c vector (its writer omits
// the outermost parentheses, which the `body` production has).
TEST(BodyStructureTest, DovecotTestVector) {
  const absl::string_view raw = testing::Testdata("dovecot_bodystructure.eml");
  EXPECT_EQ(
      Structure(raw, true),
      "((\"text\" \"x-myown\" (\"charset\" \"us-ascii\" \"foo\" \"quoted\\\"string\") "
      "\"<foo@example.com>\" \"hellodescription\" \"7bit\" 7 1 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" "
      "(\"inline\" (\"foo\" \"bar\")) (\"en\" \"fi\" \"se\") \"http://example.com/test.txt\")"
      "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 412 (\"Sun, 12 Aug 2012 12:34:56 +0300\" "
      "\"submsg\" ((NIL NIL \"sub\" \"domain.org\")) ((NIL NIL \"sub\" \"domain.org\")) "
      "((NIL NIL \"sub\" \"domain.org\")) ((NIL NIL \"sub-to1\" \"domain.org\")(NIL NIL "
      "\"sub-to2\" \"domain.org\")) NIL NIL NIL NIL) ((\"text\" \"html\" (\"charset\" "
      "\"us-ascii\") NIL NIL \"8bit\" 20 1 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" "
      "\"us-ascii\") NIL NIL \"7bit\" 21 1 NIL NIL NIL NIL) \"alternative\" (\"boundary\" "
      "\"sub1\") NIL NIL NIL) 21 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"foo bar\") NIL NIL "
      "NIL)");
  EXPECT_EQ(
      Structure(raw, false),
      "((\"text\" \"x-myown\" (\"charset\" \"us-ascii\" \"foo\" \"quoted\\\"string\") "
      "\"<foo@example.com>\" \"hellodescription\" \"7bit\" 7 1)(\"message\" \"rfc822\" NIL NIL "
      "NIL \"7bit\" 412 (\"Sun, 12 Aug 2012 12:34:56 +0300\" \"submsg\" ((NIL NIL \"sub\" "
      "\"domain.org\")) ((NIL NIL \"sub\" \"domain.org\")) ((NIL NIL \"sub\" \"domain.org\")) "
      "((NIL NIL \"sub-to1\" \"domain.org\")(NIL NIL \"sub-to2\" \"domain.org\")) NIL NIL NIL "
      "NIL) ((\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"8bit\" 20 1)(\"text\" "
      "\"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 21 1) \"alternative\") 21) "
      "\"mixed\")");
}

// Lines of exactly `octets` octets in total, `lines` of them ending in CRLF.
std::string Text(size_t octets, size_t lines) {
  std::string text;
  const size_t per_line = octets / lines;
  for (size_t i = 0; i < lines; ++i) {
    const size_t n = i + 1 < lines ? per_line : octets - text.size();
    text += std::string(n - 2, 'x') + "\r\n";
  }
  return text;
}

// RFC 3501 §7.4.2's BODY examples, from messages with those sizes.
TEST(BodyStructureTest, Rfc3501Examples) {
  const std::string simple =
      "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
      "Content-Transfer-Encoding: 7BIT\r\n\r\n" +
      Text(2279, 48);
  EXPECT_EQ(Structure(simple, false),
            "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 2279 48)");

  // Each part's body ends before the CRLF that precedes the delimiter, so
  // the 23rd and 73rd lines are written without one.
  std::string one = Text(1152 + 2, 24);
  one.resize(1152);
  std::string two = Text(4554 + 2, 74);
  two.resize(4554);
  const std::string mixed =
      "MIME-Version: 1.0\r\nContent-Type: MULTIPART/MIXED; BOUNDARY=\"b\"\r\n\r\n"
      "--b\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\nContent-Transfer-Encoding: 7BIT\r\n"
      "\r\n" +
      one +
      "\r\n--b\r\n"
      "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=cc.diff\r\n"
      "Content-ID: <960723163407.20117h@cac.washington.edu>\r\n"
      "Content-Description: Compiler diff\r\nContent-Transfer-Encoding: BASE64\r\n\r\n" +
      two + "\r\n--b--\r\n";
  EXPECT_EQ(Structure(mixed, false),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)"
            "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
            "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73) "
            "\"MIXED\")");
}

// Defaults: text/plain, charset us-ascii appended to other parameters,
// 7bit; non-text parts get no charset and NIL parameters.
TEST(BodyStructureTest, Defaults) {
  EXPECT_EQ(Structure("Subject: x\r\n\r\nhello\r\n", true),
            "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1 NIL NIL NIL NIL)");
  EXPECT_EQ(Structure("Content-Type: text/plain; format=flowed\r\n\r\n", false),
            "(\"text\" \"plain\" (\"format\" \"flowed\" \"charset\" \"us-ascii\") NIL NIL "
            "\"7bit\" 0 0)");
  EXPECT_EQ(Structure("Content-Type: image/png\r\nContent-Transfer-Encoding: Base64\r\n\r\n"
                      "iVBORw0KGgo=\r\n",
                      true),
            "(\"image\" \"png\" NIL NIL NIL \"Base64\" 14 NIL NIL NIL NIL)");
}

// A multipart without children gets Dovecot's empty text/plain child; a
// part left unexpanded by the limits is application/octet-stream.
TEST(BodyStructureTest, ChildlessAndOverflowParts) {
  EXPECT_EQ(Structure(testing::Testdata("no_boundary.eml"), true),
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) "
            "\"mixed\" NIL NIL NIL NIL)");
  Limits limits;
  limits.depth_max = 1;
  const std::string raw =
      "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n"
      "Content-Type: message/rfc822\r\n\r\nSubject: deep\r\n\r\nx\r\n--a--\r\n";
  EXPECT_EQ(Structure(raw, false, limits),
            "((\"application\" \"octet-stream\" NIL NIL NIL \"7bit\" 18) \"mixed\")");
}

// message/rfc822: envelope, body and lines of the encapsulated message.
TEST(BodyStructureTest, MessageRfc822) {
  const std::string raw =
      "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\nFrom: a@b\r\n\r\nhi\r\n";
  EXPECT_EQ(
      Structure(raw, true),
      "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 33 (NIL \"inner\" ((NIL NIL \"a\" \"b\")) "
      "((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL) (\"text\" "
      "\"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 1 NIL NIL NIL NIL) 4 NIL NIL NIL "
      "NIL)");
}

// RFC 2231 parameters come out joined; extended ones as name*.
TEST(BodyStructureTest, Rfc2231Parameters) {
  EXPECT_EQ(Structure(testing::Testdata("encoded_words.eml"), true),
            "(\"application\" \"x-stuff\" (\"title*\" "
            "\"us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!\") NIL "
            "NIL \"7bit\" 7 NIL (\"attachment\" (\"filename*\" \"utf-8''%C3%A9t%C3%A9.txt\")) "
            "(\"en\" \"fr\") NIL)");
}

// 8-bit parameter values and descriptions travel as literals.
TEST(BodyStructureTest, EightBitValuesAsLiterals) {
  EXPECT_EQ(Structure("Content-Type: text/plain; name=\"B\xFCro.txt\"\r\n"
                      "Content-Description: f\xFCr dich\r\n\r\n",
                      false),
            "(\"text\" \"plain\" (\"name\" {8}\r\nB\xFCro.txt \"charset\" \"us-ascii\") NIL "
            "{8}\r\nf\xFCr dich \"7bit\" 0 0)");
}

// The grammar check itself: RFC 3501's examples pass, malformed text and
// extension data in BODY fail.
TEST(BodyStructureTest, GrammarCheck) {
  std::string error;
  EXPECT_TRUE(testing::IsValidBody(
      "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 2279 48)", false, &error));
  EXPECT_TRUE(testing::IsValidBody(
      "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)(\"TEXT\" "
      "\"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
      "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73) "
      "\"MIXED\")",
      false, &error));
  EXPECT_FALSE(testing::IsValidBody("(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1)", false, &error));
  EXPECT_FALSE(
      testing::IsValidBody("(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1 NIL)", false, &error));
  EXPECT_TRUE(
      testing::IsValidBody("(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1 NIL)", true, &error));
  EXPECT_FALSE(testing::IsValidBody("(\"A\" \"B\" () NIL NIL \"7BIT\" 1)", true, &error));
  EXPECT_FALSE(testing::IsValidBody("(\"A\" \"B\" NIL NIL NIL \"7BIT\" 1", true, &error));
  EXPECT_FALSE(testing::IsValidBody("(\"A\" \"B\" NIL NIL NIL \"7BIT\" 1) ", true, &error));
  EXPECT_FALSE(testing::IsValidBody("(\"A\r\" \"B\" NIL NIL NIL \"7BIT\" 1)", true, &error));
  constexpr char kNulInLiteral[] = "(\"A\" {1}\r\n\0 NIL NIL NIL \"7BIT\" 1)";
  EXPECT_FALSE(testing::IsValidBody(std::string(kNulInLiteral, sizeof(kNulInLiteral) - 1), true,
                                    &error));
  EXPECT_NE(error.find("NUL"), std::string::npos) << error;
  EXPECT_FALSE(
      testing::IsValidBody("(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 1 1)", true, &error));
  EXPECT_FALSE(testing::IsValidEnvelope("(NIL NIL () NIL NIL NIL NIL NIL NIL NIL)", &error));
}

// Every test message, in both forms, follows the grammar.
TEST(BodyStructureTest, EveryTestMessageFollowsTheGrammar) {
  for (const testing::TestdataFile& f : testing::AllTestdata()) {
    if (!absl::EndsWith(f.name, ".eml")) continue;
    SCOPED_TRACE(f.name);
    Structure(f.bytes, true);
    Structure(f.bytes, false);
  }
}

}  // namespace
}  // namespace lemonade::mime
