#include "protocol/mime/envelope.h"

#include <string>

#include "gtest/gtest.h"
#include "protocol/mime/test_support.h"

namespace lemonade::mime {
namespace {

std::string EnvelopeOf(absl::string_view raw) {
  MessageStructure s = MessageStructure::Parse(raw, Limits());
  std::string out;
  imap::ImapWriter w(&out);
  AppendEnvelope(ParseEnvelope(raw, s, 0), &w);
  std::string error;
  EXPECT_TRUE(testing::IsValidEnvelope(out, &error)) << error << "\n" << out;
  return out;
}

// RFC 3501 §8's sample FETCH response, from the header it implies.
TEST(EnvelopeTest, Rfc3501Sample) {
  const std::string raw =
      "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n"
      "From: Terry Gray <gray@cac.washington.edu>\r\n"
      "Subject: IMAP4rev1 WG mtg summary and minutes\r\n"
      "To: imap@cac.washington.edu\r\n"
      "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n"
      "Message-Id: <B27397-0100000@cac.washington.edu>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\nbody\r\n";
  EXPECT_EQ(EnvelopeOf(raw),
            "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" "
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            "((NIL NIL \"imap\" \"cac.washington.edu\")) "
            "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
            "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
            "\"<B27397-0100000@cac.washington.edu>\")");
}

// Absent fields are NIL; present but empty text fields are ""; empty
// address fields are NIL; Sender and Reply-To default to From.
TEST(EnvelopeTest, AbsentEmptyAndDefaults) {
  EXPECT_EQ(EnvelopeOf("X: y\r\n\r\n"), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
  EXPECT_EQ(EnvelopeOf("Subject:\r\nDate: \r\nTo:\r\nFrom: a@b\r\nReply-To: \r\n"
                       "Sender: s@t\r\nIn-Reply-To: <x@y>\r\n\r\n"),
            "(\"\" \"\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"s\" \"t\")) ((NIL NIL \"a\" \"b\")) "
            "NIL NIL NIL \"<x@y>\" NIL)");
}

// Values are unfolded; encoded-words and 8-bit text stay as they are, the
// latter as literals.
TEST(EnvelopeTest, FoldedEncodedAnd8Bit) {
  EXPECT_EQ(EnvelopeOf("Subject: =?utf-8?Q?caf=C3=A9?=\r\n and more\r\n\r\n"),
            "(NIL \"=?utf-8?Q?caf=C3=A9?= and more\" NIL NIL NIL NIL NIL NIL NIL NIL)");
  EXPECT_EQ(EnvelopeOf("Subject: Gr\xFC\xDF"
                       "e\r\nFrom: J\xF6rg <j@x>\r\n\r\n"),
            "(NIL {5}\r\nGr\xFC\xDF"
            "e (({4}\r\nJ\xF6rg NIL \"j\" \"x\")) "
            "(({4}\r\nJ\xF6rg NIL \"j\" \"x\")) (({4}\r\nJ\xF6rg NIL \"j\" \"x\")) "
            "NIL NIL NIL NIL NIL)");
}

// Group syntax per RFC 3501, and NUL octets never reach the output.
TEST(EnvelopeTest, GroupsAndNuls) {
  constexpr char kRaw[] = "To: undisclosed-recipients:;\r\nSubject: a\0b\r\n\r\n";
  EXPECT_EQ(EnvelopeOf(std::string(kRaw, sizeof(kRaw) - 1)),
            "(NIL \"ab\" NIL NIL NIL ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) "
            "NIL NIL NIL NIL)");
}

// The first of repeated fields is used.
TEST(EnvelopeTest, FirstOfRepeatedFields) {
  EXPECT_EQ(EnvelopeOf("Subject: one\r\nSubject: two\r\n\r\n"),
            "(NIL \"one\" NIL NIL NIL NIL NIL NIL NIL NIL)");
}

// The envelope of an encapsulated message comes from its own header.
TEST(EnvelopeTest, EncapsulatedMessage) {
  const std::string raw =
      "Subject: outer\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nbody";
  MessageStructure s = MessageStructure::Parse(raw, Limits());
  ASSERT_TRUE(s.part(0).IsMessage());
  Envelope inner = ParseEnvelope(raw, s, s.part(0).children[0]);
  EXPECT_EQ(inner.subject, "inner");
  EXPECT_EQ(ParseEnvelope(raw, s, 0).subject, "outer");
}

}  // namespace
}  // namespace lemonade::mime
