// The Lemonade profile's forward-without-download flow (draft section 2.4,
// RFC 4550 §2.4): CATENATE into Sent, GENURLAUTH for the submit server,
// BURL pipelined on submission, URLFETCH from the submit server to IMAP —
// and the recipient gets the catenated message byte for byte.
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/lemonade_fixture.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class ForwardWithoutDownloadTest : public LemonadeFixture {
 protected:
  // Puts `message` into `user`'s INBOX directly through the store.
  uint32_t Deliver(const std::string& user, const std::string& message) {
    store::Mailbox* inbox = store_->FindMailbox(*store_->FindUser(user), "INBOX");
    auto uid = store_->Append(*inbox, message, 0, {}, world_->Now().unix_seconds(), 0);
    EXPECT_TRUE(uid.ok());
    bool durable = false;
    store_->Commit([&durable](absl::Status s) { durable = s.ok(); });
    EXPECT_TRUE(RunUntil([&durable] { return durable; }));
    return *uid;
  }

  static std::string Between(const std::string& text, const std::string& open,
                             const std::string& close) {
    size_t p = text.find(open);
    if (p == std::string::npos) return "";
    p += open.size();
    return text.substr(p, text.find(close, p) - p);
  }

  // The authorized URL of bob's Sent message `uid` for the submit server.
  std::string Authorize(TestConnection& imap, uint32_t uidvalidity, uint32_t uid,
                        const std::string& access = "submit+bob") {
    std::string reply = Command(imap, "g1",
                                absl::StrCat("GENURLAUTH \"imap://bob@imap.example.org/Sent;"
                                             "UIDVALIDITY=", uidvalidity, "/;UID=", uid,
                                             ";urlauth=", access, "\" INTERNAL"));
    EXPECT_THAT(reply, HasSubstr("g1 OK"));
    return Between(reply, "* GENURLAUTH \"", "\"");
  }

  // A pipelined submission with BURL; returns the transcript.
  std::string SubmitWithBurl(const std::string& url, const std::string& to = "alice@example.org",
                             const std::string& user = "bob", const std::string& password = "secret") {
    auto smtp = ConnectSubmit();
    EXPECT_TRUE(smtp->WaitFor("220 "));
    smtp->Send("EHLO phone.example.org\r\n");
    std::string ehlo = smtp->WaitForLine("250 ");
    EXPECT_THAT(ehlo, HasSubstr("PIPELINING"));
    std::string plain = absl::Base64Escape(std::string("\0", 1) + user + std::string("\0", 1) +
                                           password);
    smtp->Send(absl::StrCat("AUTH PLAIN ", plain, "\r\n", "MAIL FROM:<", user, "@example.org>\r\n",
                            "RCPT TO:<", to, ">\r\n", "BURL ", url, " LAST\r\n"));
    std::string replies;
    for (int i = 0; i < 4; ++i) replies += smtp->WaitForLine("");
    smtp->Send("QUIT\r\n");
    smtp->WaitForClose();
    return replies;
  }
};

constexpr char kOriginal[] =
    "From: Alice <alice@example.org>\r\n"
    "To: Bob <bob@example.org>\r\n"
    "Subject: Your trip details\r\n"
    "Message-ID: <trip@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"XX\"\r\n"
    "\r\n"
    "--XX\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "The schedule is attached.\r\n"
    "--XX\r\n"
    "Content-Type: application/pdf; name=\"trip.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K\r\n"
    "--XX--\r\n";

// The whole flow, with a URL part that references the original message.
TEST_F(ForwardWithoutDownloadTest, CatenateGenurlauthBurlDeliversTheCatenatedMessage) {
  const uint32_t original_uid = Deliver("bob", kOriginal);
  auto imap = LoggedIn();
  std::string select = Command(*imap, "s1", "SELECT INBOX");
  const std::string inbox_validity = Between(select, "[UIDVALIDITY ", "]");

  const std::string head =
      "From: Bob <bob@example.org>\r\n"
      "To: Alice <alice@example.org>\r\n"
      "Subject: Fwd: Your trip details\r\n"
      "Message-ID: <fwd@example.org>\r\n"
      "Date: Mon, 1 Jan 2024 12:00:00 +0000\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: message/rfc822\r\n"
      "\r\n";
  const std::string url = absl::StrCat("/INBOX;UIDVALIDITY=", inbox_validity, "/;UID=", original_uid);
  imap->TakeNew();
  imap->Send(absl::StrCat("c1 APPEND Sent (\\Seen) CATENATE (TEXT {", head.size(), "}\r\n"));
  ASSERT_TRUE(imap->WaitFor("+ "));
  imap->Send(absl::StrCat(head, " URL \"", url, "\")\r\n"));
  std::string appended = imap->WaitForLine("c1 ");
  ASSERT_THAT(appended, HasSubstr("c1 OK [APPENDUID "));
  const std::string appenduid = Between(appended, "[APPENDUID ", "]");
  const uint32_t sent_validity = std::stoul(appenduid.substr(0, appenduid.find(' ')));
  const uint32_t sent_uid = std::stoul(appenduid.substr(appenduid.find(' ') + 1));

  EXPECT_THAT(Command(*imap, "c2", absl::StrCat("UID STORE ", original_uid, " +FLAGS.SILENT ($Forwarded)")),
              HasSubstr("c2 OK"));
  const std::string authorized = Authorize(*imap, sent_validity, sent_uid);
  ASSERT_THAT(authorized, HasSubstr(";urlauth=submit+bob:internal:"));

  std::string replies = SubmitWithBurl(authorized);
  EXPECT_THAT(replies, HasSubstr("235 2.7.0"));
  EXPECT_THAT(replies, HasSubstr("250 2.1.0"));
  EXPECT_THAT(replies, HasSubstr("250 2.1.5"));
  EXPECT_THAT(replies, HasSubstr("250 2.5.0"));

  // Delivery to alice's INBOX.
  store::Mailbox* alice_inbox = store_->FindMailbox(*store_->FindUser("alice"), "INBOX");
  ASSERT_TRUE(RunUntil([&] { return !alice_inbox->messages().empty(); }));
  auto delivered = store_->ReadMessage(alice_inbox->messages().back());
  ASSERT_TRUE(delivered.ok());
  const std::string expected_body = head + kOriginal;
  // Trace headers (Return-Path, Received) come first; then the exact bytes.
  EXPECT_THAT(**delivered, StartsWith("Return-Path: <bob@example.org>\r\nReceived: from "));
  ASSERT_GE((*delivered)->size(), expected_body.size());
  EXPECT_EQ((*delivered)->substr((*delivered)->size() - expected_body.size()), expected_body);
  // The forwarded flag is kept on the original.
  store::Mailbox* bob_inbox = store_->FindMailbox(*store_->FindUser("bob"), "INBOX");
  auto keyword = bob_inbox->keywords().Find("$Forwarded");
  ASSERT_TRUE(keyword.has_value());
  EXPECT_TRUE(bob_inbox->FindUid(original_uid)->flags.keywords & store::KeywordBit(*keyword));
}

// The draft's own CATENATE: only the attachment (part 2) is forwarded, by
// its MIME header (SECTION=2.MIME) and body (SECTION=2), in the draft's
// spelling without "/" before ";Section".
TEST_F(ForwardWithoutDownloadTest, SeedCatenateOfPartTwoIsExactToTheByte) {
  const uint32_t original_uid = Deliver("bob", kOriginal);
  auto imap = LoggedIn();
  std::string select = Command(*imap, "s1", "SELECT INBOX");
  const std::string validity = Between(select, "[UIDVALIDITY ", "]");
  // The optional first step: BODYSTRUCTURE shows part 2 is the attachment.
  std::string structure = Command(*imap, "a51", absl::StrCat("UID FETCH ", original_uid,
                                                              " (UID BODYSTRUCTURE)"));
  // Type names as sent (RFC 3501 matches them case-insensitively); the
  // text part's CRLF before the boundary belongs to the boundary
  // (RFC 2046 §5.1.1), so it is 25 octets and 0 lines.
  EXPECT_THAT(structure, HasSubstr("BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") "
                                   "NIL NIL \"7bit\" 25 0 NIL NIL NIL NIL)(\"application\" \"pdf\" "
                                   "(\"name\" \"trip.pdf\") NIL NIL \"base64\" 64 NIL NIL NIL NIL) "
                                   "\"mixed\" (\"boundary\" \"XX\") NIL NIL NIL)"));

  const std::string head =
      "From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: Trip\r\n"
      "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"YY\"\r\n\r\n"
      "--YY\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--YY\r\n";
  const std::string tail = "\r\n--YY--\r\n";
  const std::string base = absl::StrCat("/INBOX;UIDVALIDITY=", validity, "/;UID=", original_uid);
  std::string appended = Command(
      *imap, "a52",
      absl::StrCat("APPEND Sent (\\Seen $MDNSent) CATENATE (TEXT {", head.size(), "+}\r\n", head,
                   " URL \"", base, ";Section=2.MIME\" URL \"", base, ";Section=2\" TEXT {",
                   tail.size(), "+}\r\n", tail, ")"));
  ASSERT_THAT(appended, HasSubstr("a52 OK [APPENDUID "));
  const std::string appenduid = Between(appended, "[APPENDUID ", "]");
  const uint32_t sent_validity = std::stoul(appenduid.substr(0, appenduid.find(' ')));
  const uint32_t sent_uid = std::stoul(appenduid.substr(appenduid.find(' ') + 1));
  const std::string expected =
      head +
      "Content-Type: application/pdf; name=\"trip.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K" +
      tail;
  store::Mailbox* sent = store_->FindMailbox(*store_->FindUser("bob"), "Sent");
  auto bytes = store_->ReadMessage(*sent->FindUid(sent_uid));
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(**bytes, expected);

  // BINARY decodes the attachment; the PDF magic shows through.
  std::string binary = Command(*imap, "a53", absl::StrCat("UID FETCH ", original_uid, " BINARY.PEEK[2]"));
  EXPECT_THAT(binary, HasSubstr("%PDF-1.4"));

  // And the submit server sends exactly that.
  std::string replies = SubmitWithBurl(Authorize(*imap, sent_validity, sent_uid));
  EXPECT_THAT(replies, HasSubstr("250 2.5.0"));
  store::Mailbox* alice_inbox = store_->FindMailbox(*store_->FindUser("alice"), "INBOX");
  ASSERT_TRUE(RunUntil([&] { return !alice_inbox->messages().empty(); }));
  auto delivered = store_->ReadMessage(alice_inbox->messages().back());
  ASSERT_TRUE(delivered.ok());
  ASSERT_GT((*delivered)->size(), expected.size());
  EXPECT_EQ((*delivered)->substr((*delivered)->size() - expected.size()), expected);
}

// BURL with a forged token fails the transaction with 554 5.7.0-class
// errors from URLFETCH's NIL (RFC 4468 §6: 554 5.6.6).
TEST_F(ForwardWithoutDownloadTest, ForgedTokenIsRefused) {
  auto imap = LoggedIn();
  std::string appended = Command(*imap, "a1", absl::StrCat("APPEND Sent {", sizeof(kOriginal) - 1,
                                                         "+}\r\n", kOriginal));
  const std::string appenduid = Between(appended, "[APPENDUID ", "]");
  const uint32_t validity = std::stoul(appenduid.substr(0, appenduid.find(' ')));
  const uint32_t uid = std::stoul(appenduid.substr(appenduid.find(' ') + 1));
  std::string authorized = Authorize(*imap, validity, uid);
  authorized.back() = authorized.back() == '0' ? '1' : '0';  // flip a hex digit
  std::string replies = SubmitWithBurl(authorized);
  EXPECT_THAT(replies, HasSubstr("554 5.6.6"));
}

// RESETKEY revokes URLs issued before it.
TEST_F(ForwardWithoutDownloadTest, ResetKeyRevokesIssuedUrls) {
  auto imap = LoggedIn();
  std::string appended = Command(*imap, "a1", absl::StrCat("APPEND Sent {", sizeof(kOriginal) - 1,
                                                         "+}\r\n", kOriginal));
  const std::string appenduid = Between(appended, "[APPENDUID ", "]");
  const uint32_t validity = std::stoul(appenduid.substr(0, appenduid.find(' ')));
  const uint32_t uid = std::stoul(appenduid.substr(appenduid.find(' ') + 1));
  std::string authorized = Authorize(*imap, validity, uid);
  EXPECT_THAT(Command(*imap, "r1", "RESETKEY Sent"), HasSubstr("r1 OK [URLMECH INTERNAL]"));
  EXPECT_THAT(SubmitWithBurl(authorized), HasSubstr("554 5.6.6"));
}

// A submit+ URL for another user is refused by the submit server itself.
TEST_F(ForwardWithoutDownloadTest, UrlForAnotherSubmitterIsRefused) {
  auto imap = LoggedIn();
  std::string appended = Command(*imap, "a1", absl::StrCat("APPEND Sent {", sizeof(kOriginal) - 1,
                                                         "+}\r\n", kOriginal));
  const std::string appenduid = Between(appended, "[APPENDUID ", "]");
  const uint32_t validity = std::stoul(appenduid.substr(0, appenduid.find(' ')));
  const uint32_t uid = std::stoul(appenduid.substr(appenduid.find(' ') + 1));
  std::string for_bob = Authorize(*imap, validity, uid, "submit+bob");
  // Alice tries to submit bob's URL.
  EXPECT_THAT(SubmitWithBurl(for_bob, "bob@example.org", "alice", "wonder"),
              HasSubstr("554 5.7.0"));
}

// The IMAP server being down is a temporary failure (451 4.4.1).
TEST_F(ForwardWithoutDownloadTest, ImapServerDownIsTemporaryFailure) {
  auto imap = LoggedIn();
  std::string appended = Command(*imap, "a1", absl::StrCat("APPEND Sent {", sizeof(kOriginal) - 1,
                                                         "+}\r\n", kOriginal));
  const std::string appenduid = Between(appended, "[APPENDUID ", "]");
  const uint32_t validity = std::stoul(appenduid.substr(0, appenduid.find(' ')));
  const uint32_t uid = std::stoul(appenduid.substr(appenduid.find(' ') + 1));
  std::string authorized = Authorize(*imap, validity, uid);
  imap_server_.reset();  // the IMAP server stops listening
  EXPECT_THAT(SubmitWithBurl(authorized), HasSubstr("451 4.4.1"));
}

}  // namespace
}  // namespace lemonade::testing
