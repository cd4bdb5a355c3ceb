// IMAP conformance: APPEND (RFC 3501 §6.3.11) with flags, date, TRYCREATE
// and APPENDUID (RFC 4315), binary APPEND with literal8 (RFC 3516 §4.4),
// and CATENATE (RFC 4469) with every URL form we accept or refuse
// (RFC 5092 absolute paths, full URLs, URLAUTH URLs, ;PARTIAL of RFC 5550
// URL-PARTIAL), BADURL and TOOBIG.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/imap_test_support.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class ImapAppendTest : public ImapConformanceTest {
 protected:
  // The bytes of message `uid` of `mailbox`, read over IMAP.
  std::string Body(TestConnection& c, const std::string& mailbox, uint32_t uid) {
    Command(c, "r0", "EXAMINE " + mailbox);
    std::string reply = Command(c, "r1", absl::StrCat("UID FETCH ", uid, " BODY.PEEK[]"));
    const std::string size = Between(reply, "BODY[] {", "}");
    const size_t start = reply.find("}\r\n");
    Command(c, "r2", "UNSELECT");
    if (size.empty() || start == std::string::npos) return "";
    return reply.substr(start + 3, std::stoul(size));
  }
};

// ---- APPEND ----

// The RFC 3501 §6.3.11 example, with APPENDUID (RFC 4315 §3), over a
// synchronizing and a non-synchronizing literal.
TEST_F(ImapAppendTest, Rfc3501AppendExample) {
  auto c = Login();
  Command(*c, "a0", "CREATE saved-messages");
  RunTranscript("rfc3501 6.3.11 APPEND", {c.get()},
                {{"W", absl::StrCat(UidValidity("saved-messages"))}});
}

// Flags and INTERNALDATE given with APPEND are kept (RFC 3501 §6.3.11).
TEST_F(ImapAppendTest, AppendKeepsFlagsAndDate) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1",
                    absl::StrCat(
                        "APPEND INBOX (\\Seen $Label \\Flagged) \"14-Jul-2023 02:44:25 -0700\" {",
                        sizeof(kSimpleMessage) - 1, "+}\r\n", kSimpleMessage)),
            absl::StrCat("a1 OK [APPENDUID ", UidValidity("INBOX"), " 1] APPEND completed\r\n"));
  Command(*c, "a2", "SELECT INBOX");
  EXPECT_EQ(Command(*c, "a3", "FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE)"),
            absl::StrCat("* 1 FETCH (FLAGS (\\Seen \\Flagged \\Recent $Label) INTERNALDATE "
                         "\"14-Jul-2023 02:44:25 -0700\" RFC822.SIZE ",
                         sizeof(kSimpleMessage) - 1, ")\r\na3 OK FETCH completed\r\n"));
}

// Without a date the INTERNALDATE is the time of arrival.
TEST_F(ImapAppendTest, AppendWithoutDateUsesArrivalTime) {
  auto c = Login();
  world_->RunUntil(Time::FromUnixSeconds(kEpochUnixSeconds + 20 * 60 + 7));
  Command(*c, "a1", AppendCommand("INBOX", "", kSimpleMessage));
  Command(*c, "a2", "SELECT INBOX");
  EXPECT_EQ(Command(*c, "a3", "FETCH 1 INTERNALDATE"),
            "* 1 FETCH (INTERNALDATE \"01-Jan-2024 00:20:07 +0000\")\r\na3 OK FETCH completed\r\n");
}

// APPEND to a missing mailbox says TRYCREATE (RFC 3501 §6.3.11).
TEST_F(ImapAppendTest, AppendToMissingMailboxIsTrycreate) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", AppendCommand("nosuch", "", kSimpleMessage)),
            "a1 NO [TRYCREATE] No such mailbox\r\n");
}

// APPEND to the selected mailbox announces the message with EXISTS.
TEST_F(ImapAppendTest, AppendToSelectedMailboxAnnouncesExists) {
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", AppendCommand("INBOX", "", kSimpleMessage)),
            absl::StrCat("* 1 EXISTS\r\n* 1 RECENT\r\na1 OK [APPENDUID ", UidValidity("INBOX"),
                         " 1] APPEND completed\r\n"));
}

// \Recent in APPEND's flags is accepted and ignored; unknown system flags
// and bad dates are BAD (RFC 3501 §6.3.11).
TEST_F(ImapAppendTest, AppendFlagAndDateValidation) {
  auto c = Login();
  EXPECT_THAT(Command(*c, "a1", AppendCommand("INBOX", "\\Recent", kSimpleMessage)),
              StartsWith("a1 OK [APPENDUID "));
  EXPECT_EQ(Command(*c, "a2", AppendCommand("INBOX", "\\Bogus", kSimpleMessage)),
            "a2 BAD Unknown system flag \\Bogus\r\n");
  EXPECT_THAT(Command(*c, "a3", "APPEND INBOX \"31-Feb-2024 25:00:00 +0000\" {1+}\r\nx"),
              StartsWith("a3 BAD "));
  EXPECT_EQ(Command(*c, "a4", "STATUS INBOX (MESSAGES)"),
            "* STATUS INBOX (MESSAGES 1)\r\na4 OK STATUS completed\r\n");
}

// An empty message is refused.
TEST_F(ImapAppendTest, EmptyMessageIsRefused) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "APPEND INBOX {0+}\r\n"),
            "a1 NO [CANNOT] Empty messages cannot be appended\r\n");
}

// RFC 3502 MULTIAPPEND: several messages, each with its own flags and
// date, appended in order under one APPENDUID with a UID set (RFC 4315 §3).
TEST_F(ImapAppendTest, MultiappendAppendsEveryMessageInOrder) {
  auto c = Login();
  Command(*c, "a0", "CREATE Archive");
  Deliver(kSimpleMessage, "Archive");  // UID 1
  const std::string a = "Subject: first\r\n\r\none\r\n";
  const std::string b = "Subject: second\r\n\r\ntwo\r\n";
  const std::string d = "Subject: third\r\n\r\nthree\r\n";
  EXPECT_EQ(Command(*c, "a1",
                    absl::StrCat("APPEND Archive (\\Seen) \"02-Jan-2024 09:00:00 +0000\" {",
                                 a.size(), "+}\r\n", a,
                                 " \"05-Jan-2024 10:00:00 +0100\" {", b.size(), "+}\r\n", b,
                                 " (\\Flagged $Work) \"06-Jan-2024 23:59:59 -0800\" {", d.size(),
                                 "+}\r\n", d)),
            absl::StrCat("a1 OK [APPENDUID ", UidValidity("Archive"), " 2:4] APPEND completed\r\n"));
  Command(*c, "a2", "SELECT Archive");
  EXPECT_EQ(Command(*c, "a3", "UID FETCH 2:4 (FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])"),
            absl::StrCat(
                "* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent) INTERNALDATE \"02-Jan-2024 09:00:00 +0000\" "
                "BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: first\r\n\r\n)\r\n",
                "* 3 FETCH (UID 3 FLAGS (\\Recent) INTERNALDATE \"05-Jan-2024 10:00:00 +0100\" "
                "BODY[HEADER.FIELDS (SUBJECT)] {19}\r\nSubject: second\r\n\r\n)\r\n",
                "* 4 FETCH (UID 4 FLAGS (\\Flagged \\Recent $Work) INTERNALDATE \"06-Jan-2024 23:59:59 -0800\" "
                "BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: third\r\n\r\n)\r\n",
                "a3 OK FETCH completed\r\n"));
  // The three share one MODSEQ: one operation.
  EXPECT_EQ(ModseqOf(2, "Archive"), ModseqOf(4, "Archive"));
}

// A MULTIAPPEND that cannot store one message stores none (RFC 3502): here
// the last one is empty, and a bad flag on the second is a BAD.
TEST_F(ImapAppendTest, MultiappendIsAllOrNothing) {
  auto c = Login();
  Command(*c, "a0", "CREATE Archive");
  Deliver(kSimpleMessage, "Archive");
  EXPECT_EQ(Command(*c, "a1", "APPEND Archive {1+}\r\nx {1+}\r\ny {0+}\r\n"),
            "a1 NO [CANNOT] Empty messages cannot be appended\r\n");
  EXPECT_THAT(Command(*c, "a2", "APPEND Archive {1+}\r\nx (\\Recent \\Bogus) {1+}\r\ny"),
              StartsWith("a2 BAD "));
  EXPECT_EQ(MailboxOf("Archive")->messages().size(), 1u);
  EXPECT_EQ(Command(*c, "a3", "STATUS Archive (MESSAGES UIDNEXT)"),
            "* STATUS Archive (MESSAGES 1 UIDNEXT 2)\r\na3 OK STATUS completed\r\n");
}

// A literal8 message with NUL octets is accepted as it is (RFC 3516
// §4.4), and BINARY returns the binary part unchanged.
TEST_F(ImapAppendTest, BinaryAppendWithLiteral8) {
  const std::string payload("\x00\x01\x02\xff", 4);
  const std::string message = absl::StrCat(
      "Subject: bin\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
      "Content-Transfer-Encoding: binary\r\n\r\n",
      payload);
  auto c = Login();
  EXPECT_THAT(Command(*c, "a1", absl::StrCat("APPEND INBOX ~{", message.size(), "+}\r\n", message)),
              StartsWith("a1 OK [APPENDUID "));
  Command(*c, "a2", "SELECT INBOX");
  EXPECT_EQ(Command(*c, "a3", "FETCH 1 (RFC822.SIZE BINARY.SIZE[1] BINARY.PEEK[1])"),
            absl::StrCat("* 1 FETCH (RFC822.SIZE ", message.size(),
                         " BINARY.SIZE[1] 4 BINARY[1] ~{4}\r\n", payload,
                         ")\r\na3 OK FETCH completed\r\n"));
}

// BODY[] of a binary message cannot use literal8 (RFC 3501 §4.3): each
// NUL is sent as 0x80, so the size stays RFC822.SIZE; BINARY[] is exact.
TEST_F(ImapAppendTest, BodyOfABinaryMessageIsAPlainLiteral) {
  const std::string message = absl::StrCat(
      "Subject: bin\r\nContent-Transfer-Encoding: binary\r\n\r\n", std::string("a\0b\0", 4));
  auto c = Login();
  EXPECT_THAT(Command(*c, "a1", absl::StrCat("APPEND INBOX ~{", message.size(), "+}\r\n", message)),
              StartsWith("a1 OK [APPENDUID "));
  Command(*c, "a2", "SELECT INBOX");
  std::string shown = message;
  shown[shown.size() - 3] = '\x80';
  shown[shown.size() - 1] = '\x80';
  EXPECT_EQ(Command(*c, "a3", "FETCH 1 (BODY.PEEK[] BODY.PEEK[TEXT] RFC822.TEXT)"),
            absl::StrCat("* 1 FETCH (BODY[] {", message.size(), "}\r\n", shown,
                         " BODY[TEXT] {4}\r\na\x80" "b\x80 RFC822.TEXT {4}\r\na\x80" "b\x80"
                         " FLAGS (\\Seen \\Recent))\r\na3 OK FETCH completed\r\n"));
  EXPECT_EQ(Command(*c, "a4", "FETCH 1 BINARY.PEEK[]"),
            absl::StrCat("* 1 FETCH (BINARY[] ~{", message.size(), "}\r\n", message,
                         ")\r\na4 OK FETCH completed\r\n"));
}

// A NUL in a plain literal is BAD: that needs literal8 (RFC 3501 §4.3).
TEST_F(ImapAppendTest, NulInPlainLiteralIsBad) {
  auto c = Login();
  EXPECT_THAT(Command(*c, "a1", std::string("APPEND INBOX {3+}\r\na\0b", 22)),
              StartsWith("a1 BAD "));
  EXPECT_EQ(Command(*c, "a2", "NOOP"), "a2 OK NOOP completed\r\n");
}

// ---- CATENATE (RFC 4469) ----

// A draft with a text part and an attachment, and a message to attach.
constexpr char kDraft[] =
    "From: Bob <bob@example.org>\r\n"
    "Subject: About our holiday trip\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed;\r\n"
    "              boundary=\"------------030308070208000400050907\"\r\n"
    "\r\n"
    "--------------030308070208000400050907\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "Our travel agent has sent the updated schedule.\r\n"
    "--------------030308070208000400050907\r\n"
    "Content-Type: application/x-zip-compressed; name=\"a.zip\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "UEsDBAoAAAAAAA==\r\n"
    "--------------030308070208000400050907--\r\n";

// RFC 4469 example 1: header, text part and a whole message catenated by
// URL around new boundary lines, with synchronizing literals.
TEST_F(ImapAppendTest, Rfc4469ReplaceAttachmentExample) {
  Deliver(kDraft, "Drafts");
  Deliver(kSimpleMessage, "Drafts");
  auto c = Login();
  RunTranscript("rfc4469 example 1", {c.get()}, {{"V", absl::StrCat(UidValidity("Drafts"))}});
  const std::string draft = kDraft;
  const std::string boundary = "\r\n--------------030308070208000400050907";
  const size_t header_end = draft.find("\r\n\r\n") + 4;
  const size_t part1 = draft.find("Content-Type: text/plain");
  const size_t body1 = draft.find("Our travel");
  const size_t body1_end = draft.find(boundary, body1);
  EXPECT_EQ(Body(*c, "Drafts", 3),
            absl::StrCat(draft.substr(0, header_end), boundary, "\r\n",
                         draft.substr(part1, body1 - part1), draft.substr(body1, body1_end - body1),
                         boundary, "\r\n", kSimpleMessage, boundary, "--\r\n"));
}

// RFC 4469 example 4: a URL to a part that does not exist fails the whole
// APPEND with BADURL naming that URL; nothing is appended.
TEST_F(ImapAppendTest, Rfc4469BadUrlExample) {
  Deliver(kSimpleMessage);
  Deliver(kDraft);
  auto c = Login();
  RunTranscript("rfc4469 example 4", {c.get()}, {{"V", absl::StrCat(UidValidity("INBOX"))}});
}

// URL forms that name a message or part of the user's own: absolute
// paths with or without UIDVALIDITY, sections, ;PARTIAL (RFC 5550 §5.7.1)
// and full URLs naming this server and user.
TEST_F(ImapAppendTest, CatenateAcceptedUrlForms) {
  Deliver(kDraft);
  auto c = Login();
  const std::string v = absl::StrCat(UidValidity("INBOX"));
  const struct {
    std::string url;
    std::string content;
  } cases[] = {
      {"/INBOX/;UID=1/;SECTION=1", "Our travel agent has sent the updated schedule."},
      {"/INBOX;UIDVALIDITY=" + v + "/;UID=1/;SECTION=2.MIME",
       "Content-Type: application/x-zip-compressed; name=\"a.zip\"\r\n"
       "Content-Transfer-Encoding: base64\r\n\r\n"},
      {"/INBOX/;UID=1/;SECTION=HEADER.FIELDS%20(Subject)",
       "Subject: About our holiday trip\r\n\r\n"},
      {"/INBOX/;UID=1/;SECTION=1/;PARTIAL=4.6", "travel"},
      {"/inbox/;uid=1/;section=1/;partial=43", "ule."},
      {"imap://bob@imap.example.org/INBOX/;UID=1/;SECTION=2", "UEsDBAoAAAAAAA=="},
      {"imap://imap.example.org/INBOX/;UID=1/;SECTION=2", "UEsDBAoAAAAAAA=="},
  };
  uint32_t uid = 1;
  for (const auto& t : cases) {
    EXPECT_EQ(Command(*c, "a1",
                      absl::StrCat("APPEND Trash CATENATE (TEXT {2+}\r\n<< URL \"", t.url,
                                   "\" TEXT {2+}\r\n>>)")),
              absl::StrCat("a1 OK [APPENDUID ", UidValidity("Trash"), " ", uid,
                           "] CATENATE completed\r\n"))
        << t.url;
    EXPECT_EQ(Body(*c, "Trash", uid), "<<" + t.content + ">>") << t.url;
    ++uid;
  }
}

// With a mailbox selected, a relative-path URL names a message in it
// (RFC 4469 §3: the base is imap://user@server/mailbox).
TEST_F(ImapAppendTest, CatenateRelativeToSelectedMailbox) {
  Deliver(kDraft);
  auto c = Selected();
  EXPECT_THAT(Command(*c, "a1", "APPEND Trash CATENATE (URL \";UID=1/;SECTION=1\")"),
              StartsWith("a1 OK [APPENDUID "));
  EXPECT_EQ(Body(*c, "Trash", 1), "Our travel agent has sent the updated schedule.");
}

// URLs are refused with BADURL when they name another user's mailbox, a
// foreign server, a stale UIDVALIDITY, a missing message or part, or no
// message at all (a relative path with no mailbox selected).
TEST_F(ImapAppendTest, CatenateRefusedUrlForms) {
  Deliver(kSimpleMessage);
  Deliver(kSimpleMessage, "INBOX", "alice");
  auto c = Login();
  const std::string v = absl::StrCat(UidValidity("INBOX"));
  const struct {
    std::string url;
    std::string error;
  } cases[] = {
      {"imap://alice@imap.example.org/INBOX/;UID=1", "URL refers to another server or user"},
      {"imap://bob@mail.elsewhere.example/INBOX/;UID=1", "URL refers to another server or user"},
      {";UID=1", "invalid URL: invalid mailbox"},
      {"/INBOX;UIDVALIDITY=" + absl::StrCat(UidValidity("INBOX") + 1) + "/;UID=1",
       "UIDVALIDITY changed"},
      {"/INBOX/;UID=9", "no such message"},
      {"/INBOX/;UID=1/;SECTION=4", "no such body part"},
      {"/INBOX", "URL does not name a message"},
      {"/Nosuch/;UID=1", "no such mailbox"},
  };
  for (const auto& t : cases) {
    std::string reply = Command(
        *c, "a1", absl::StrCat("APPEND Trash CATENATE (TEXT {2+}\r\nxx URL \"", t.url, "\")"));
    EXPECT_EQ(reply,
              absl::StrCat("a1 NO [BADURL ", t.url, "] Cannot catenate URL: ", t.error, "\r\n"))
        << t.url;
  }
  EXPECT_EQ(Command(*c, "a2", "STATUS Trash (MESSAGES)"),
            "* STATUS Trash (MESSAGES 0)\r\na2 OK STATUS completed\r\n");
}

// A BADURL code stays well-formed whatever the URL holds: "]" and line
// ends are percent-encoded (RFC 4469 §5 url-resp-text).
TEST_F(ImapAppendTest, BadUrlCodeIsWellFormed) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "APPEND Trash CATENATE (URL {12+}\r\n/a]b\r\n;UID=1)"),
            "a1 NO [BADURL /a%5Db%0D%0A;UID=1] Cannot catenate URL: invalid URL: invalid "
            "percent-encoding\r\n");
}

// A URLAUTH URL another user issued for us may be catenated (the forward
// without download of RFC 5550 §5.7).
TEST_F(ImapAppendTest, CatenateUrlauthUrlOfAnotherUser) {
  Deliver(kSimpleMessage, "INBOX", "alice");
  auto alice = Login("alice");
  std::string reply =
      Command(*alice, "g1",
              absl::StrCat("GENURLAUTH \"imap://alice@imap.example.org/INBOX;UIDVALIDITY=",
                           UidValidity("INBOX", "alice"),
                           "/;UID=1/;SECTION=TEXT;urlauth=user+bob\" INTERNAL"));
  const std::string url = Between(reply, "* GENURLAUTH \"", "\"");
  ASSERT_FALSE(url.empty()) << reply;
  auto c = Login();
  EXPECT_THAT(Command(*c, "a1", absl::StrCat("APPEND Trash CATENATE (URL \"", url, "\")")),
              StartsWith("a1 OK [APPENDUID "));
  EXPECT_EQ(Body(*c, "Trash", 1), "Noon at the usual place?\r\n");
}

// TEXT parts may be literal8 (RFC 4469 with RFC 3516).
TEST_F(ImapAppendTest, CatenateBinaryTextPart) {
  auto c = Login();
  const std::string bin("Subject: b\r\n\r\n\x00\x01", 16);
  EXPECT_THAT(
      Command(*c, "a1",
              absl::StrCat("APPEND Trash CATENATE (TEXT ~{", bin.size(), "+}\r\n", bin, ")")),
      StartsWith("a1 OK [APPENDUID "));
  EXPECT_EQ(Command(*c, "a2", "STATUS Trash (MESSAGES SIZE)"),
            "* STATUS Trash (MESSAGES 1 SIZE 16)\r\na2 OK STATUS completed\r\n");
}

// CATENATE does not set \Seen on the messages it reads (RFC 4469 §3).
TEST_F(ImapAppendTest, CatenateDoesNotSetSeen) {
  Deliver(kSimpleMessage);
  ClaimRecent();
  auto c = Selected();
  Command(*c, "a1", "APPEND Trash CATENATE (URL \"/INBOX/;UID=1\")");
  EXPECT_EQ(Command(*c, "a2", "FETCH 1 FLAGS"),
            "* 1 FETCH (FLAGS ())\r\na2 OK FETCH completed\r\n");
}

// CATENATE into the selected mailbox, from it, announces the new message.
TEST_F(ImapAppendTest, CatenateIntoSelectedMailbox) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "APPEND INBOX CATENATE (URL \"/INBOX/;UID=1\")"),
            absl::StrCat("* 2 EXISTS\r\n* 2 RECENT\r\na1 OK [APPENDUID ", UidValidity("INBOX"),
                         " 2] CATENATE completed\r\n"));
}

// URLs into mailboxes with international names carry UTF-8,
// percent-encoded (RFC 5092 §3).
TEST_F(ImapAppendTest, CatenateUrlWithInternationalMailbox) {
  auto c = Login();
  Command(*c, "a0", "CREATE Entw&APw-rfe");
  Deliver(kSimpleMessage, "Entw&APw-rfe");
  EXPECT_THAT(
      Command(*c, "a1", "APPEND Trash CATENATE (URL \"/Entw%C3%BCrfe/;UID=1/;SECTION=TEXT\")"),
      StartsWith("a1 OK [APPENDUID "));
  EXPECT_EQ(Body(*c, "Trash", 1), "Noon at the usual place?\r\n");
}

// A server whose messages may not exceed 1000 octets.
class ImapSmallAppendTest : public ImapAppendTest {
 protected:
  imap_server::ImapServerConfig ImapConfig() override {
    imap_server::ImapServerConfig config = ImapAppendTest::ImapConfig();
    config.limits.literal_bytes_max = 1000;
    return config;
  }
};

// APPENDLIMIT tells clients the limit (RFC 7889).
TEST_F(ImapSmallAppendTest, AppendlimitIsAdvertised) {
  auto c = Login();
  EXPECT_THAT(Command(*c, "a1", "CAPABILITY"), HasSubstr(" APPENDLIMIT=1000 "));
}

// A catenated message over the limit fails with TOOBIG (RFC 4469 §4.2),
// although each part is small.
TEST_F(ImapSmallAppendTest, CatenatedMessageOverLimitIsTooBig) {
  Deliver(std::string(600, 'x'));
  auto c = Login();
  EXPECT_EQ(
      Command(*c, "a1", "APPEND Trash CATENATE (URL \"/INBOX/;UID=1\" URL \"/INBOX/;UID=1\")"),
      "a1 NO [TOOBIG] Catenated message too large\r\n");
  EXPECT_EQ(Command(*c, "a2",
                    absl::StrCat("APPEND Trash CATENATE (URL \"/INBOX/;UID=1\" TEXT {500+}\r\n",
                                 std::string(500, 'y'), ")")),
            "a2 NO [TOOBIG] Catenated message too large\r\n");
  EXPECT_THAT(Command(*c, "a3",
                      "APPEND Trash CATENATE (URL \"/INBOX/;UID=1\" TEXT {400+}\r\n" +
                          std::string(400, 'y') + ")"),
              StartsWith("a3 OK [APPENDUID "));
}

// A message literal over the limit is refused before it is sent, with
// TOOBIG (RFC 7888 §4, RFC 7889).
TEST_F(ImapSmallAppendTest, LiteralOverLimitIsRefusedBeforeUpload) {
  auto c = Login();
  c->TakeNew();
  c->Send("a1 APPEND INBOX {1001}\r\n");
  EXPECT_EQ(c->WaitForLine("a1"), "a1 BAD [TOOBIG] literal too big\r\n");
  EXPECT_EQ(Command(*c, "a2", "NOOP"), "a2 OK NOOP completed\r\n");
}

}  // namespace
}  // namespace lemonade::testing
