// IMAP conformance: FETCH and UID FETCH (RFC 3501 §6.4.5, §6.4.8, §7.4.2)
// — every data item and macro, BODY[section]<partial> on a nested MIME
// message, ENVELOPE and BODYSTRUCTURE of message/rfc822 parts, BINARY and
// BINARY.SIZE (RFC 3516), the \Seen side effect, MODSEQ and CHANGEDSINCE
// (RFC 7162 §3.1.4), and output flow control of large FETCHes.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/imap_test_support.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class ImapFetchTest : public ImapConformanceTest {};

// A multipart/mixed message with a text part, a forwarded message/rfc822
// (itself multipart/alternative with a quoted-printable part) and a
// base64 attachment holding NUL octets; 1131 octets, header 386. The line
// end after "--inner--" opens an empty epilogue line, which part 2 keeps;
// the CRLF before "--outer" is the delimiter's (RFC 2046 §5.1.1; the case
// without an epilogue is protocol/mime's
// CloseDelimiterFollowedByEnclosingDelimiter).
constexpr char kNestedMessage[] =
    "From: \"Alice Example\" <alice@example.org>\r\n"
    "Sender: alice@example.org\r\n"
    "To: Bob <bob@example.org>, carol@example.org\r\n"
    "Cc: Friends: dave@example.org, \"Eve\" <eve@example.org>;\r\n"
    "Subject: =?utf-8?q?Caf=C3=A9?= plans\r\n"
    "Date: Tue, 2 Jan 2024 09:30:00 -0500\r\n"
    "Message-ID: <plans@example.org>\r\n"
    "In-Reply-To: <lunch@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "Preamble\r\n"
    "--outer\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "See the forwarded note.\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "Content-Description: forwarded\r\n"
    "\r\n"
    "From: Carol <carol@example.org>\r\n"
    "To: Alice <alice@example.org>\r\n"
    "Subject: Note\r\n"
    "Date: Mon, 1 Jan 2024 08:00:00 +0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Caf=C3=A9 at noon\r\n"
    "--inner\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<p>Cafe at noon</p>\r\n"
    "--inner--\r\n"
    "\r\n"
    "--outer\r\n"
    "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
    "\r\n"
    "AAECAwQ=\r\n"
    "--outer--\r\n"
    "Epilogue\r\n";

constexpr char kNestedEnvelope[] =
    "(\"Tue, 2 Jan 2024 09:30:00 -0500\" \"=?utf-8?q?Caf=C3=A9?= plans\" "
    "((\"Alice Example\" NIL \"alice\" \"example.org\")) "
    "((NIL NIL \"alice\" \"example.org\")) "
    "((\"Alice Example\" NIL \"alice\" \"example.org\")) "
    "((\"Bob\" NIL \"bob\" \"example.org\")(NIL NIL \"carol\" \"example.org\")) "
    "((NIL NIL \"Friends\" NIL)(NIL NIL \"dave\" \"example.org\")"
    "(\"Eve\" NIL \"eve\" \"example.org\")(NIL NIL NIL NIL)) "
    "NIL \"<lunch@example.org>\" \"<plans@example.org>\")";

constexpr char kInnerEnvelope[] =
    "(\"Mon, 1 Jan 2024 08:00:00 +0000\" \"Note\" "
    "((\"Carol\" NIL \"carol\" \"example.org\")) ((\"Carol\" NIL \"carol\" \"example.org\")) "
    "((\"Carol\" NIL \"carol\" \"example.org\")) ((\"Alice\" NIL \"alice\" \"example.org\")) "
    "NIL NIL NIL NIL)";

class ImapNestedFetchTest : public ImapFetchTest {
 protected:
  void SetUp() override {
    ImapFetchTest::SetUp();
    Deliver(kNestedMessage, "INBOX", "bob", 0, {}, kEpochUnixSeconds + 3600, -300);
    c_ = Selected();
  }
  // FETCH 1 <items> and the expected single response, peeking.
  std::string Fetch(const std::string& items) { return Command(*c_, "f", "FETCH 1 " + items); }
  static std::string One(const std::string& data) {
    return absl::StrCat("* 1 FETCH (", data, ")\r\nf OK FETCH completed\r\n");
  }
  std::unique_ptr<TestConnection> c_;
};

// ---- Simple attributes and macros ----

// FLAGS, INTERNALDATE (with the zone it was given) and RFC822.SIZE.
TEST_F(ImapNestedFetchTest, FlagsInternalDateAndSize) {
  EXPECT_EQ(Fetch("(FLAGS INTERNALDATE RFC822.SIZE)"),
            One("FLAGS (\\Recent) INTERNALDATE \"31-Dec-2023 20:00:00 -0500\" RFC822.SIZE 1131"));
}

// UID, and UID FETCH returns UID even when not asked (RFC 3501 §6.4.8).
TEST_F(ImapNestedFetchTest, UidFetchAlwaysReturnsUid) {
  EXPECT_EQ(Fetch("UID"), One("UID 1"));
  EXPECT_EQ(Command(*c_, "u", "UID FETCH 1 RFC822.SIZE"),
            "* 1 FETCH (UID 1 RFC822.SIZE 1131)\r\nu OK FETCH completed\r\n");
}

// ALL = FLAGS INTERNALDATE RFC822.SIZE ENVELOPE (RFC 3501 §6.4.5).
TEST_F(ImapNestedFetchTest, AllMacro) {
  EXPECT_EQ(Fetch("ALL"),
            One(absl::StrCat("FLAGS (\\Recent) INTERNALDATE \"31-Dec-2023 20:00:00 -0500\" "
                             "RFC822.SIZE 1131 ENVELOPE ",
                             kNestedEnvelope)));
}

// FAST = FLAGS INTERNALDATE RFC822.SIZE.
TEST_F(ImapNestedFetchTest, FastMacro) {
  EXPECT_EQ(Fetch("FAST"),
            One("FLAGS (\\Recent) INTERNALDATE \"31-Dec-2023 20:00:00 -0500\" RFC822.SIZE 1131"));
}

// FULL = ALL + BODY (the non-extensible structure).
TEST_F(ImapNestedFetchTest, FullMacro) {
  std::string reply = Fetch("FULL");
  EXPECT_THAT(reply, StartsWith(absl::StrCat(
                         "* 1 FETCH (FLAGS (\\Recent) INTERNALDATE \"31-Dec-2023 20:00:00 -0500\" "
                         "RFC822.SIZE 1131 ENVELOPE ",
                         kNestedEnvelope, " BODY ((\"text\" \"plain\"")));
  EXPECT_THAT(reply, HasSubstr("f OK FETCH completed"));
}

// ENVELOPE: group syntax, Sender and Reply-To defaults, encoded words left
// as they are (RFC 3501 §7.4.2).
TEST_F(ImapNestedFetchTest, EnvelopeOfComplexHeader) {
  EXPECT_EQ(Fetch("ENVELOPE"), One(absl::StrCat("ENVELOPE ", kNestedEnvelope)));
}

// BODYSTRUCTURE of the nested message: extension data, the message/rfc822
// part's own envelope and structure and its line count (RFC 3501 §7.4.2).
// Type and parameter names keep the message's case (they are
// case-insensitive); lines count line ends, so a part's last line, whose
// CRLF belongs to the next delimiter, is not counted (as Dovecot does).
TEST_F(ImapNestedFetchTest, BodyStructureOfNestedMessage) {
  EXPECT_EQ(
      Fetch("BODYSTRUCTURE"),
      One(absl::StrCat(
          "BODYSTRUCTURE ("
          "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 23 0 NIL NIL NIL "
          "NIL)"
          "(\"message\" \"rfc822\" NIL NIL \"forwarded\" \"7bit\" 392 ",
          kInnerEnvelope,
          " ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 17 0 "
          "NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 19 0 "
          "NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"inner\") NIL NIL NIL) 17 NIL NIL "
          "NIL NIL)"
          "(\"application\" \"octet-stream\" (\"name\" \"data.bin\") NIL NIL \"base64\" 8 NIL "
          "(\"attachment\" (\"filename\" \"data.bin\")) NIL NIL) "
          "\"mixed\" (\"boundary\" \"outer\") NIL NIL NIL)")));
}

// BODY is the same without extension data.
TEST_F(ImapNestedFetchTest, BodyWithoutExtensionData) {
  EXPECT_EQ(Fetch("BODY"),
            One(absl::StrCat(
                "BODY ("
                "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 23 0)"
                "(\"message\" \"rfc822\" NIL NIL \"forwarded\" \"7bit\" 392 ",
                kInnerEnvelope,
                " ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 17 0)"
                "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 19 0) "
                "\"alternative\") 17)"
                "(\"application\" \"octet-stream\" (\"name\" \"data.bin\") NIL NIL \"base64\" 8) "
                "\"mixed\")")));
}

// A simple text message's structure and envelope.
TEST_F(ImapFetchTest, SimpleMessageStructureAndEnvelope) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  EXPECT_EQ(
      Command(*c, "a1", "FETCH 1 (ENVELOPE BODYSTRUCTURE)"),
      "* 1 FETCH (ENVELOPE (\"Mon, 1 Jan 2024 10:00:00 +0000\" \"Lunch\" "
      "((\"Alice\" NIL \"alice\" \"example.org\")) ((\"Alice\" NIL \"alice\" \"example.org\")) "
      "((\"Alice\" NIL \"alice\" \"example.org\")) ((\"Bob\" NIL \"bob\" \"example.org\")) "
      "NIL NIL NIL \"<lunch@example.org>\") BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" "
      "\"us-ascii\") NIL NIL \"7bit\" 26 1 NIL NIL NIL NIL))\r\n"
      "a1 OK FETCH completed\r\n");
}

// ---- Sections ----

// BODY.PEEK[] is the whole message, byte for byte.
TEST_F(ImapNestedFetchTest, WholeMessage) {
  EXPECT_EQ(Fetch("BODY.PEEK[]"), One(absl::StrCat("BODY[] {1131}\r\n", kNestedMessage)));
}

// HEADER and TEXT split the message at the empty line (the header keeps
// it).
TEST_F(ImapNestedFetchTest, HeaderAndText) {
  const std::string message = kNestedMessage;
  EXPECT_EQ(Fetch("BODY.PEEK[HEADER]"),
            One(absl::StrCat("BODY[HEADER] {386}\r\n", message.substr(0, 386))));
  EXPECT_EQ(Fetch("BODY.PEEK[TEXT]"),
            One(absl::StrCat("BODY[TEXT] {745}\r\n", message.substr(386))));
}

// HEADER.FIELDS and HEADER.FIELDS.NOT select fields case-insensitively,
// and the item name echoes the field list (RFC 3501 §6.4.5).
TEST_F(ImapNestedFetchTest, HeaderFieldsAndNot) {
  EXPECT_EQ(Fetch("BODY.PEEK[HEADER.FIELDS (subject FROM)]"),
            One("BODY[HEADER.FIELDS (subject FROM)] {83}\r\n"
                "From: \"Alice Example\" <alice@example.org>\r\n"
                "Subject: =?utf-8?q?Caf=C3=A9?= plans\r\n\r\n"));
  EXPECT_EQ(Fetch("BODY.PEEK[HEADER.FIELDS.NOT (From Sender To Cc Subject Date In-Reply-To "
                  "Content-Type)]"),
            One("BODY[HEADER.FIELDS.NOT (From Sender To Cc Subject Date In-Reply-To "
                "Content-Type)] {54}\r\n"
                "Message-ID: <plans@example.org>\r\nMIME-Version: 1.0\r\n\r\n"));
  EXPECT_EQ(Fetch("BODY.PEEK[HEADER.FIELDS (X-Absent)]"),
            One("BODY[HEADER.FIELDS (X-Absent)] {2}\r\n\r\n"));
  // Keywords come back in upper case; a quoted name that needs quoting
  // stays validly quoted, escapes included.
  EXPECT_EQ(Fetch("BODY.PEEK[header.fields (\"Subject\" \"a\\\"b\")]"),
            One("BODY[HEADER.FIELDS (Subject \"a\\\"b\")] {40}\r\n"
                "Subject: =?utf-8?q?Caf=C3=A9?= plans\r\n\r\n"));
}

// Part numbers: a leaf part, the MIME header of a part, and a part
// inside the forwarded message (RFC 3501 §6.4.5 section-part).
TEST_F(ImapNestedFetchTest, PartSections) {
  EXPECT_EQ(Fetch("BODY.PEEK[1]"), One("BODY[1] {23}\r\nSee the forwarded note."));
  EXPECT_EQ(Fetch("BODY.PEEK[1.MIME]"),
            One("BODY[1.MIME] {46}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"));
  EXPECT_EQ(Fetch("BODY.PEEK[2.1]"), One("BODY[2.1] {17}\r\nCaf=C3=A9 at noon"));
  EXPECT_EQ(Fetch("BODY.PEEK[2.2]"), One("BODY[2.2] {19}\r\n<p>Cafe at noon</p>"));
  EXPECT_EQ(Fetch("BODY.PEEK[3]"), One("BODY[3] {8}\r\nAAECAwQ="));
}

// A message/rfc822 part: [2] is the whole encapsulated message, [2.HEADER]
// and [2.TEXT] its header and body (RFC 3501 §6.4.5).
TEST_F(ImapNestedFetchTest, EncapsulatedMessageSections) {
  const std::string message = kNestedMessage;
  const size_t start = message.find("From: Carol");
  const std::string inner = message.substr(start, 392);
  EXPECT_EQ(Fetch("BODY.PEEK[2]"), One(absl::StrCat("BODY[2] {392}\r\n", inner)));
  EXPECT_EQ(Fetch("BODY.PEEK[2.HEADER]"),
            One(absl::StrCat("BODY[2.HEADER] {193}\r\n", inner.substr(0, 193))));
  EXPECT_EQ(Fetch("BODY.PEEK[2.TEXT]"),
            One(absl::StrCat("BODY[2.TEXT] {199}\r\n", inner.substr(193))));
  EXPECT_EQ(Fetch("BODY.PEEK[2.HEADER.FIELDS (Subject)]"),
            One("BODY[2.HEADER.FIELDS (Subject)] {17}\r\nSubject: Note\r\n\r\n"));
}

// A part number beyond the structure yields an empty string.
TEST_F(ImapNestedFetchTest, MissingPartIsEmpty) {
  EXPECT_EQ(Fetch("BODY.PEEK[9]"), One("BODY[9] {0}\r\n"));
}

// <origin.length> returns that slice, named by its origin only; an origin
// past the end gives an empty string (RFC 3501 §6.4.5).
TEST_F(ImapNestedFetchTest, PartialFetch) {
  EXPECT_EQ(Fetch("BODY.PEEK[]<0.4>"), One("BODY[]<0> {4}\r\nFrom"));
  EXPECT_EQ(Fetch("BODY.PEEK[1]<4.3>"), One("BODY[1]<4> {3}\r\nthe"));
  EXPECT_EQ(Fetch("BODY.PEEK[1]<20.100>"), One("BODY[1]<20> {3}\r\nte."));
  EXPECT_EQ(Fetch("BODY.PEEK[1]<23.5>"), One("BODY[1]<23> {0}\r\n"));
  EXPECT_EQ(Fetch("BODY.PEEK[1]<4000.5>"), One("BODY[1]<4000> {0}\r\n"));
}

// RFC822, RFC822.HEADER and RFC822.TEXT are BODY[], BODY.PEEK[HEADER] and
// BODY[TEXT] under their own names.
TEST_F(ImapNestedFetchTest, Rfc822Items) {
  const std::string message = kNestedMessage;
  EXPECT_EQ(Fetch("RFC822.HEADER"),
            One(absl::StrCat("RFC822.HEADER {386}\r\n", message.substr(0, 386))));
  EXPECT_EQ(Fetch("FLAGS"), One("FLAGS (\\Recent)"));
  EXPECT_EQ(Fetch("RFC822.TEXT"), One(absl::StrCat("RFC822.TEXT {745}\r\n", message.substr(386),
                                                   " FLAGS (\\Seen \\Recent)")));
  EXPECT_EQ(Fetch("RFC822"), One(absl::StrCat("RFC822 {1131}\r\n", message)));
}

// ---- \Seen ----

// BODY[...] sets \Seen and the response says so (RFC 3501 §6.4.5); the
// next fetch finds it set and says nothing more.
TEST_F(ImapNestedFetchTest, BodySetsSeenOnce) {
  EXPECT_EQ(Fetch("BODY[1]"),
            One("BODY[1] {23}\r\nSee the forwarded note. FLAGS (\\Seen \\Recent)"));
  EXPECT_EQ(Fetch("BODY[1]"), One("BODY[1] {23}\r\nSee the forwarded note."));
}

// Asking for FLAGS too reports them once, after the change.
TEST_F(ImapNestedFetchTest, SeenWithFlagsItemReportsOnce) {
  EXPECT_EQ(Fetch("(FLAGS BODY[1])"),
            One("FLAGS (\\Seen \\Recent) BODY[1] {23}\r\nSee the forwarded note."));
}

// BODY.PEEK and BINARY.PEEK leave \Seen alone; BINARY sets it.
TEST_F(ImapNestedFetchTest, PeekLeavesSeenAlone) {
  Fetch("(BODY.PEEK[1] BINARY.PEEK[1] BINARY.SIZE[1])");
  EXPECT_EQ(Fetch("FLAGS"), One("FLAGS (\\Recent)"));
  EXPECT_EQ(Fetch("BINARY[1]"),
            One("BINARY[1] {23}\r\nSee the forwarded note. FLAGS (\\Seen \\Recent)"));
}

// In a mailbox opened with EXAMINE nothing sets \Seen (RFC 3501 §6.3.2).
TEST_F(ImapFetchTest, ExamineNeverSetsSeen) {
  Deliver(kSimpleMessage);
  auto c = Login();
  Command(*c, "a1", "EXAMINE INBOX");
  EXPECT_EQ(
      Command(*c, "a2", "FETCH 1 BODY[TEXT]"),
      "* 1 FETCH (BODY[TEXT] {26}\r\nNoon at the usual place?\r\n)\r\na2 OK FETCH completed\r\n");
  EXPECT_EQ(Command(*c, "a3", "FETCH 1 FLAGS"),
            "* 1 FETCH (FLAGS (\\Recent))\r\na3 OK FETCH completed\r\n");
}

// The \Seen flag set by FETCH is durable and seen by other sessions.
TEST_F(ImapFetchTest, SeenSetByFetchReachesOtherSessions) {
  Deliver(kSimpleMessage);
  auto a = Selected();
  auto b = Selected();
  Command(*a, "a1", "FETCH 1 BODY[]");
  EXPECT_EQ(Command(*b, "b1", "NOOP"),
            "* 1 FETCH (UID 1 FLAGS (\\Seen))\r\nb1 OK NOOP completed\r\n");
}

// ---- BINARY (RFC 3516) ----

// BINARY decodes base64; NUL octets need a literal8 (RFC 3516 §4.3).
TEST_F(ImapNestedFetchTest, BinaryDecodesBase64IntoLiteral8) {
  EXPECT_EQ(Fetch("BINARY.PEEK[3]"),
            One(absl::StrCat("BINARY[3] ~{5}\r\n", std::string("\0\1\2\3\4", 5))));
  EXPECT_EQ(Fetch("BINARY.SIZE[3]"), One("BINARY.SIZE[3] 5"));
}

// BINARY decodes quoted-printable; 8-bit data without NUL is a literal.
TEST_F(ImapNestedFetchTest, BinaryDecodesQuotedPrintable) {
  EXPECT_EQ(Fetch("BINARY.PEEK[2.1]"), One("BINARY[2.1] {13}\r\nCaf\xC3\xA9 at noon"));
  EXPECT_EQ(Fetch("BINARY.SIZE[2.1]"), One("BINARY.SIZE[2.1] 13"));
}

// A 7bit part is returned as it is.
TEST_F(ImapNestedFetchTest, BinaryOfIdentityEncoding) {
  EXPECT_EQ(Fetch("BINARY.PEEK[1]"), One("BINARY[1] {23}\r\nSee the forwarded note."));
  EXPECT_EQ(Fetch("BINARY.SIZE[1]"), One("BINARY.SIZE[1] 23"));
}

// <partial> counts decoded octets (RFC 3516 §4.2).
TEST_F(ImapNestedFetchTest, BinaryPartial) {
  EXPECT_EQ(Fetch("BINARY.PEEK[3]<1.2>"), One("BINARY[3]<1> {2}\r\n\1\2"));
  EXPECT_EQ(Fetch("BINARY.PEEK[2.1]<3.2>"), One("BINARY[2.1]<3> {2}\r\n\xC3\xA9"));
}

// BINARY of a part that does not exist is NIL.
TEST_F(ImapNestedFetchTest, BinaryOfMissingPartIsNil) {
  EXPECT_EQ(Fetch("BINARY.PEEK[7]"), One("BINARY[7] NIL"));
}

// A transfer encoding the server cannot decode fails the FETCH with NO
// [UNKNOWN-CTE] (RFC 3516 §4.3).
TEST_F(ImapFetchTest, BinaryOfUnknownEncodingIsUnknownCte) {
  Deliver(
      "Subject: odd\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n"
      "\r\nbegin 644 x\r\n");
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "FETCH 1 BINARY.PEEK[1]"),
            "* 1 FETCH ()\r\na1 NO [UNKNOWN-CTE] Unknown transfer encoding\r\n");
  EXPECT_EQ(Command(*c, "a2", "FETCH 1 BINARY.SIZE[1]"),
            "* 1 FETCH ()\r\na2 NO [UNKNOWN-CTE] Unknown transfer encoding\r\n");
}

// BINARY takes part numbers only.
TEST_F(ImapNestedFetchTest, BinaryWithSectionTextIsBad) {
  EXPECT_THAT(Fetch("BINARY[1.MIME]"), StartsWith("f BAD "));
  EXPECT_THAT(Fetch("BINARY[HEADER]"), StartsWith("f BAD "));
}

// ---- Message sets ----

// Sequence numbers beyond the mailbox are BAD (RFC 3501 §9); "*" is the
// last message.
TEST_F(ImapFetchTest, SequenceNumbersBeyondMailboxAreBad) {
  Deliver(kSimpleMessage);
  Deliver(kSimpleMessage);
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "FETCH 3 UID"), "a1 BAD Invalid message sequence number\r\n");
  EXPECT_EQ(Command(*c, "a2", "FETCH 2:4 UID"), "a2 BAD Invalid message sequence number\r\n");
  EXPECT_EQ(Command(*c, "a3", "FETCH * UID"), "* 2 FETCH (UID 2)\r\na3 OK FETCH completed\r\n");
  EXPECT_EQ(Command(*c, "a4", "FETCH 2:1 UID"),
            "* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2)\r\na4 OK FETCH completed\r\n");
  EXPECT_EQ(Command(*c, "a5", "FETCH 2,1,2 UID"),
            "* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2)\r\na5 OK FETCH completed\r\n");
}

// UIDs that do not exist are silently skipped; "n:*" includes the highest
// UID even when n is above it (RFC 3501 §6.4.8).
TEST_F(ImapFetchTest, UidSetsSkipMissingUids) {
  Deliver(kSimpleMessage);
  Deliver(kSimpleMessage);
  Deliver(kSimpleMessage);
  auto c = Selected();
  Command(*c, "a0", "STORE 2 +FLAGS (\\Deleted)");
  Command(*c, "a1", "EXPUNGE");
  EXPECT_EQ(Command(*c, "a2", "UID FETCH 1:3 FLAGS"),
            "* 1 FETCH (UID 1 FLAGS (\\Recent))\r\n* 2 FETCH (UID 3 FLAGS (\\Recent))\r\n"
            "a2 OK FETCH completed\r\n");
  EXPECT_EQ(Command(*c, "a3", "UID FETCH 2 FLAGS"), "a3 OK FETCH completed\r\n");
  EXPECT_EQ(Command(*c, "a4", "UID FETCH 10:* UID"),
            "* 2 FETCH (UID 3)\r\na4 OK FETCH completed\r\n");
}

// In an empty mailbox "*" has no value: FETCH by sequence number is BAD
// (RFC 9051 §9 seq-number).
TEST_F(ImapFetchTest, SequenceStarInEmptyMailboxIsBad) {
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "FETCH 1:* FLAGS"), "a1 BAD Invalid message sequence number\r\n");
  EXPECT_EQ(Command(*c, "a2", "FETCH * FLAGS"), "a2 BAD Invalid message sequence number\r\n");
}

// A message that is not multipart has its body as part 1 (RFC 3501
// §6.4.5).
TEST_F(ImapFetchTest, SinglePartBodyIsPartOne) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  EXPECT_EQ(
      Command(*c, "a1", "FETCH 1 BODY.PEEK[1]"),
      "* 1 FETCH (BODY[1] {26}\r\nNoon at the usual place?\r\n)\r\na1 OK FETCH completed\r\n");
}

// FETCH in an empty mailbox: UID FETCH 1:* answers nothing.
TEST_F(ImapFetchTest, UidFetchInEmptyMailbox) {
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "UID FETCH 1:* FLAGS"), "a1 OK FETCH completed\r\n");
}

// Flags are listed system flags first, then \Recent, then keywords.
TEST_F(ImapFetchTest, FlagsListKeywords) {
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagSeen | store::kFlagDraft,
          {"$Forwarded", "Work"});
  auto c = Selected();
  EXPECT_EQ(
      Command(*c, "a1", "FETCH 1 FLAGS"),
      "* 1 FETCH (FLAGS (\\Seen \\Draft \\Recent $Forwarded Work))\r\na1 OK FETCH completed\r\n");
}

// ---- CONDSTORE (RFC 7162 §3.1.4) ----

// FETCH MODSEQ returns each message's MODSEQ (Example 13).
TEST_F(ImapFetchTest, FetchModseq) {
  Deliver(kSimpleMessage);
  Deliver(kSimpleMessage);
  auto c = Login();
  Command(*c, "a0", "SELECT INBOX (CONDSTORE)");
  EXPECT_EQ(Command(*c, "a", "FETCH 1:2 (MODSEQ)"),
            absl::StrCat("* 1 FETCH (MODSEQ (", ModseqOf(1), "))\r\n* 2 FETCH (MODSEQ (",
                         ModseqOf(2), "))\r\na OK FETCH completed\r\n"));
}

// CHANGEDSINCE returns only messages changed after it, with MODSEQ added
// (Example 12).
TEST_F(ImapFetchTest, ChangedSinceFiltersAndAddsModseq) {
  Deliver(kSimpleMessage);
  Deliver(kSimpleMessage);
  Deliver(kSimpleMessage);
  auto c = Selected();
  const uint64_t since = HighestModseq("INBOX");
  Command(*c, "a1", "STORE 2 +FLAGS.SILENT (\\Seen)");
  EXPECT_EQ(Command(*c, "s100", absl::StrCat("UID FETCH 1:* (FLAGS) (CHANGEDSINCE ", since, ")")),
            absl::StrCat("* OK [HIGHESTMODSEQ ", since + 1, "] Highest\r\n",
                         "* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent) MODSEQ (", since + 1,
                         "))\r\ns100 OK FETCH completed\r\n"));
}

// With CONDSTORE on, a FETCH that sets \Seen reports UID, FLAGS and
// MODSEQ (RFC 7162 §3.2.4).
TEST_F(ImapFetchTest, ImplicitSeenReportsUidAndModseqWithCondstore) {
  Deliver(kSimpleMessage);
  auto c = Login();
  Command(*c, "a0", "ENABLE CONDSTORE");
  Command(*c, "a1", "SELECT INBOX");
  std::string reply = Command(*c, "a2", "FETCH 1 BODY[TEXT]");
  EXPECT_EQ(reply, absl::StrCat("* 1 FETCH (BODY[TEXT] {26}\r\nNoon at the usual place?\r\n FLAGS "
                                "(\\Seen \\Recent) UID 1 MODSEQ (",
                                ModseqOf(1), "))\r\na2 OK FETCH completed\r\n"));
}

// VANISHED needs UID FETCH and CHANGEDSINCE (RFC 7162 §3.2.6).
TEST_F(ImapFetchTest, VanishedModifierRules) {
  Deliver(kSimpleMessage);
  auto c = Login();
  Command(*c, "a0", "ENABLE QRESYNC");
  Command(*c, "a1", "SELECT INBOX");
  EXPECT_THAT(Command(*c, "a2", "FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)"),
              StartsWith("a2 BAD "));
  EXPECT_THAT(Command(*c, "a3", "UID FETCH 1:* FLAGS (VANISHED)"), StartsWith("a3 BAD "));
}

// ---- Flow control ----

// A FETCH larger than the output high-water mark is paced by the network
// but complete, in order, and commands behind it wait their turn.
TEST_F(ImapFetchTest, LargeFetchIsCompleteAndOrdered) {
  const std::string big = absl::StrCat("Subject: big\r\n\r\n", std::string(100000, 'x'), "\r\n");
  for (int i = 0; i < 8; ++i) Deliver(big);
  auto c = Selected();
  c->TakeNew();
  c->Send("a1 FETCH 1:8 BODY.PEEK[]\r\na2 NOOP\r\n");
  std::string reply = c->WaitForLine("a2 ");
  ASSERT_THAT(reply, HasSubstr("a1 OK FETCH completed\r\na2 OK NOOP completed\r\n"));
  for (int i = 1; i <= 8; ++i) {
    EXPECT_THAT(reply, HasSubstr(absl::StrCat("* ", i, " FETCH (BODY[] {", big.size(), "}\r\n")));
  }
  EXPECT_EQ(reply.size(), 8 * (big.size() + 31) + 45);  // nothing else
}

}  // namespace
}  // namespace lemonade::testing
