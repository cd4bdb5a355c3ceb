// The submission server's EHLO extensions, each really exercised in
// netsim: SIZE (RFC 1870), 8BITMIME (RFC 6152), CHUNKING and BINARYMIME
// (RFC 3030), ENHANCEDSTATUSCODES (RFC 2034) on every reply, and the
// message submission rules of RFC 6409 (authentication, sender ownership,
// Received, Message-ID and Date).
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/lemonade_fixture.h"
#include "tests/testing/smtp_replies.h"

namespace lemonade::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr char kEnvelope[] = "MAIL FROM:<bob@example.org>\r\nRCPT TO:<alice@example.org>\r\n";
constexpr char kAccepted[] =
    "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient <alice@example.org> OK\r\n";
constexpr char kMessage[] =
    "From: Bob <bob@example.org>\r\n"
    "To: Alice <alice@example.org>\r\n"
    "Subject: Lunch\r\n"
    "Date: Sun, 31 Dec 2023 23:00:00 +0000\r\n"
    "Message-ID: <lunch@example.org>\r\n"
    "\r\n"
    "Noon?\r\n";

// The queue id in a "250 2.0.0 Ok, queued as <id>" reply.
std::string QueueIdOf(const std::string& reply) {
  const size_t at = reply.find("queued as ");
  if (at == std::string::npos) return "";
  return reply.substr(at + 10, reply.find("\r\n", at) - at - 10);
}

// The trace fields the submission server and the final delivery add in
// front of a message from bob (on the phone) to alice.
std::string TraceFor(const std::string& id, const std::string& with = "ESMTPA") {
  return absl::StrCat("Return-Path: <bob@example.org>\r\n",
                      "Received: from phone.example.org ([10.0.0.3])\r\n",
                      "\tby submit.example.org (lemonade) with ", with, " id ", id, "\r\n",
                      "\tfor <alice@example.org>; Mon, 1 Jan 2024 00:00:00 +0000\r\n");
}

class SubmissionExtensionsTest : public LemonadeFixture {};

// EHLO lists every extension a Lemonade submission server must offer
// (RFC 5550 §3), with SIZE's limit and FUTURERELEASE's bounds.
TEST_F(SubmissionExtensionsTest, EhloAdvertisesEveryExtension) {
  auto c = OpenSubmission();
  EXPECT_EQ(Exchange(*c, "EHLO phone.example.org\r\n", 1),
            "250-submit.example.org Hello phone.example.org\r\n"
            "250-PIPELINING\r\n"
            "250-SIZE 67108864\r\n"
            "250-8BITMIME\r\n"
            "250-CHUNKING\r\n"
            "250-BINARYMIME\r\n"
            "250-DSN\r\n"
            "250-ENHANCEDSTATUSCODES\r\n"
            "250-AUTH PLAIN LOGIN\r\n"
            "250-BURL\r\n"
            "250 FUTURERELEASE 604800 2024-01-08T00:00:00Z\r\n");
}

// HELO gets a plain 250 without extensions (and no enhanced code, RFC 2034
// §4), and a session greeted with HELO cannot use AUTH.
TEST_F(SubmissionExtensionsTest, HeloGetsNoExtensions) {
  auto c = OpenSubmission();
  EXPECT_EQ(Exchange(*c, "HELO phone.example.org\r\n", 1), "250 submit.example.org\r\n");
  EXPECT_EQ(Exchange(*c, AuthPlainCommand("bob", "secret"), 1), "503 5.5.1 Send EHLO first\r\n");
}

// RFC 6409 §4.3 / RFC 4954 §6: MAIL before authentication is 530 5.7.0.
TEST_F(SubmissionExtensionsTest, MailWithoutAuthIs530) {
  auto c = OpenSubmission();
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org>\r\n", 1),
            "503 5.5.1 Send EHLO or HELO first\r\n");
  Exchange(*c, "EHLO phone.example.org\r\n", 1);
  EXPECT_EQ(Exchange(*c, kEnvelope, 2),
            "530 5.7.0 Authentication required\r\n503 5.5.1 Need MAIL command\r\n");
}

// RFC 6409 §8: an envelope sender the user does not own is refused with
// 553 5.7.1 — another user's address, or the user's name at a foreign
// domain.
TEST_F(SubmissionExtensionsTest, SenderNotOwnedByTheUserIs553) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<alice@example.org>\r\n", 1),
            "553 5.7.1 Sender address <alice@example.org> does not belong to bob\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@elsewhere.example>\r\n", 1),
            "553 5.7.1 Sender address <bob@elsewhere.example> does not belong to bob\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<>\r\n", 1),
            "553 5.7.1 Sender address <> does not belong to bob\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<BOB@Example.ORG>\r\n", 1), "250 2.1.0 Sender OK\r\n");
}

// RFC 6409 §8.2/§8.3 and RFC 5321 §4.4: a message without Date and
// Message-ID gets both, after the Received field the server prepends.
TEST_F(SubmissionExtensionsTest, ReceivedDateAndMessageIdAreAddedWhenAbsent) {
  auto c = SubmitLoggedIn();
  const std::string content = "From: bob@example.org\r\nSubject: bare\r\n\r\nHi\r\n";
  const std::string replies = Exchange(*c, kEnvelope + Bdat(content), 3);
  ASSERT_THAT(replies, StartsWith(absl::StrCat(kAccepted, "250 2.0.0 Ok, queued as ")));
  const std::string id = QueueIdOf(replies);
  ASSERT_TRUE(WaitForMessages("alice", 1));
  EXPECT_EQ(MessagesIn("alice")[0],
            absl::StrCat(TraceFor(id), "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n",
                         "Message-ID: <", id, "@submit.example.org>\r\n", content));
}

// A message that has Date and Message-ID keeps them and gets only the
// trace fields.
TEST_F(SubmissionExtensionsTest, DateAndMessageIdAreKeptWhenPresent) {
  auto c = SubmitLoggedIn();
  const std::string replies = Exchange(*c, kEnvelope + Bdat(kMessage), 3);
  const std::string id = QueueIdOf(replies);
  ASSERT_FALSE(id.empty()) << replies;
  ASSERT_TRUE(WaitForMessages("alice", 1));
  EXPECT_EQ(MessagesIn("alice")[0], TraceFor(id) + kMessage);
}

// Field names match case-insensitively, and only in the header block: a
// "Date:" line in the body does not count.
TEST_F(SubmissionExtensionsTest, HeaderFieldsAreFoundOnlyInTheHeader) {
  auto c = SubmitLoggedIn();
  const std::string content = "message-id: <x@example.org>\r\nSubject: s\r\n\r\nDate: none\r\n";
  const std::string id = QueueIdOf(Exchange(*c, kEnvelope + Bdat(content), 3));
  ASSERT_TRUE(WaitForMessages("alice", 1));
  EXPECT_EQ(MessagesIn("alice")[0],
            absl::StrCat(TraceFor(id), "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n", content));
}

// ---- Recipients ----------------------------------------------------------------

// The same recipient twice (the domain in another case) is accepted and
// gets one copy; two spellings of one user's address (the local part in
// another case) also deliver once, at the mailbox.
TEST_F(SubmissionExtensionsTest, DuplicateRecipientsGetOneCopy) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c,
                     "MAIL FROM:<bob@example.org>\r\nRCPT TO:<alice@example.org>\r\n"
                     "RCPT TO:<alice@EXAMPLE.org>\r\nRCPT TO:<Alice@example.org>\r\n",
                     4),
            "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient <alice@example.org> OK\r\n"
            "250 2.1.5 Recipient <alice@EXAMPLE.org> OK (duplicate)\r\n"
            "250 2.1.5 Recipient <Alice@example.org> OK\r\n");
  EXPECT_THAT(Exchange(*c, Bdat(kMessage), 1), StartsWith("250 2.0.0 Ok, queued as "));
  ASSERT_TRUE(WaitForEmptyQueue());
  EXPECT_EQ(MessagesIn("alice").size(), 1u);
}

// Without a configured postmaster and without a user of that name, mail
// to postmaster has nowhere to go.
TEST_F(SubmissionExtensionsTest, PostmasterWithoutAMailboxIs550) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org>\r\nRCPT TO:<Postmaster>\r\n", 2),
            "250 2.1.0 Sender OK\r\n"
            "550 5.1.1 User unknown: <postmaster@example.org>\r\n");
}

class SubmissionPostmasterTest : public LemonadeFixture {
 protected:
  submission::SubmissionServerConfig SubmitConfig() override {
    submission::SubmissionServerConfig config = LemonadeFixture::SubmitConfig();
    config.postmaster_user = "alice";
    return config;
  }
};

// RFC 5321 §4.5.1: "postmaster" is a case-insensitive local name every
// delivering server supports, with or without the domain (§4.1.1.3).
// Both forms reach the configured user's INBOX, once.
TEST_F(SubmissionPostmasterTest, PostmasterReachesTheConfiguredUser) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c,
                     "MAIL FROM:<bob@example.org>\r\nRCPT TO:<Postmaster>\r\n"
                     "RCPT TO:<POSTMASTER@example.org>\r\n",
                     3),
            "250 2.1.0 Sender OK\r\n"
            "250 2.1.5 Recipient <postmaster@example.org> OK\r\n"
            "250 2.1.5 Recipient <POSTMASTER@example.org> OK\r\n");
  EXPECT_THAT(Exchange(*c, Bdat(kMessage), 1), StartsWith("250 2.0.0 Ok, queued as "));
  ASSERT_TRUE(WaitForEmptyQueue());
  ASSERT_EQ(MessagesIn("alice").size(), 1u);
  EXPECT_THAT(MessagesIn("alice")[0], HasSubstr("Subject: Lunch\r\n"));
}

// ---- SIZE (RFC 1870) ----------------------------------------------------------

class SubmissionSizeTest : public LemonadeFixture {
 protected:
  submission::SubmissionServerConfig SubmitConfig() override {
    submission::SubmissionServerConfig config = LemonadeFixture::SubmitConfig();
    config.message_bytes_max = 1000;
    return config;
  }
};

// The limit is advertised; MAIL with SIZE= over it is 552 5.3.4, at it 250.
TEST_F(SubmissionSizeTest, MailSizeOverTheLimitIs552) {
  auto c = OpenSubmission();
  EXPECT_THAT(Exchange(*c, "EHLO phone.example.org\r\n", 1), HasSubstr("250-SIZE 1000\r\n"));
  EXPECT_THAT(Exchange(*c, AuthPlainCommand("bob", "secret"), 1), HasSubstr("235"));
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> SIZE=1001\r\n", 1),
            "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> SIZE=1000\r\n", 1),
            "250 2.1.0 Sender OK\r\n");
}

// A DATA body over the limit is refused at its end with 552 5.3.4 and the
// transaction is gone; nothing is delivered.
TEST_F(SubmissionSizeTest, DataBodyOverTheLimitIs552) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c, absl::StrCat(kEnvelope, "DATA\r\n"), 3),
            absl::StrCat(kAccepted, "354 Start mail input; end with <CRLF>.<CRLF>\r\n"));
  std::string body = "Subject: big\r\n\r\n";
  for (int i = 0; i < 20; ++i) body += std::string(60, 'x') + "\r\n";
  EXPECT_EQ(Exchange(*c, body + ".\r\nRCPT TO:<alice@example.org>\r\n", 2),
            "552 5.3.4 Message size exceeds fixed maximum message size\r\n"
            "503 5.5.1 Need MAIL command\r\n");
  world_->RunFor(Duration::Seconds(5));
  EXPECT_TRUE(MessagesIn("alice").empty());
}

// A BDAT chunk that takes the message over the limit is 552 5.3.4 (RFC
// 3030 §2); chunks still in the pipeline are read and discarded, and the
// session goes on.
TEST_F(SubmissionSizeTest, BdatBodyOverTheLimitIs552AndLaterChunksAreDiscarded) {
  auto c = SubmitLoggedIn();
  const std::string chunk(600, 'y');
  EXPECT_EQ(Exchange(*c, kEnvelope + Bdat(chunk, false) + Bdat(chunk, false) +
                             Bdat("tail", true) + "NOOP\r\n",
                     6),
            absl::StrCat(kAccepted, "250 2.0.0 600 octets received\r\n",
                         "552 5.3.4 Message size exceeds fixed maximum message size\r\n",
                         "503 5.5.1 Need MAIL command\r\n", "250 2.0.0 OK\r\n"));
  EXPECT_THAT(Exchange(*c, kEnvelope + Bdat(kMessage), 3), HasSubstr("250 2.0.0 Ok, queued as "));
  ASSERT_TRUE(WaitForMessages("alice", 1));
  EXPECT_EQ(MessagesIn("alice").size(), 1u);
}

// Input piling up behind a waiting command (here the AUTH failure delay)
// is bounded by SIZE plus some slack; a client that floods past it is
// disconnected with 421 4.7.0 instead of being buffered without end.
TEST_F(SubmissionSizeTest, FloodWhileWaitingIsCutOffWith421) {
  auto c = OpenSubmission();
  Exchange(*c, "EHLO phone.example.org\r\n", 1);
  std::string flood;
  while (flood.size() < 300 * 1024) flood += "NOOP\r\n";
  c->Send(AuthPlainCommand("bob", "wrong") + flood);
  EXPECT_EQ(WaitForReplies(*c, 1), "421 4.7.0 Too much pipelined input; closing\r\n");
  EXPECT_TRUE(c->WaitForClose());
}

// A pipelined message of up to SIZE octets behind a waiting command is
// fine.
TEST_F(SubmissionSizeTest, WholeMessagePipelinedBehindAWaitIsKept) {
  auto c = OpenSubmission();
  Exchange(*c, "EHLO phone.example.org\r\n", 1);
  const std::string content = "Subject: x\r\n\r\n" + std::string(900, 'z');
  c->Send(AuthPlainCommand("bob", "wrong") + AuthPlainCommand("bob", "secret") +
          "MAIL FROM:<bob@example.org>\r\nRCPT TO:<alice@example.org>\r\n" + Bdat(content));
  EXPECT_THAT(WaitForReplies(*c, 5), HasSubstr("250 2.0.0 Ok, queued as "));
}

// ---- 8BITMIME (RFC 6152) --------------------------------------------------------

// BODY=8BITMIME content with octets above 127 is delivered unchanged.
TEST_F(SubmissionExtensionsTest, EightBitContentIsDeliveredUnchanged) {
  auto c = SubmitLoggedIn();
  const std::string content =
      "Subject: caf\xc3\xa9\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <8@x>\r\n"
      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
      "\xe2\x82\xac 5 \xff\xfe\r\n";
  const std::string replies =
      Exchange(*c, "MAIL FROM:<bob@example.org> BODY=8BITMIME\r\nRCPT TO:<alice@example.org>\r\n"
                   "DATA\r\n",
               3);
  EXPECT_THAT(replies, HasSubstr("354 "));
  const std::string done = Exchange(*c, content + ".\r\n", 1);
  ASSERT_THAT(done, StartsWith("250 2.0.0 Ok, queued as "));
  ASSERT_TRUE(WaitForMessages("alice", 1));
  EXPECT_EQ(MessagesIn("alice")[0], TraceFor(QueueIdOf(done)) + content);
}

// An unknown BODY value is a syntax error in the parameter (501 5.5.4).
TEST_F(SubmissionExtensionsTest, UnknownBodyValueIs501) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> BODY=9BIT\r\n", 1),
            "501 5.5.4 Invalid parameter value\r\n");
}

// DATA content is dot-unstuffed (RFC 5321 §4.5.2).
TEST_F(SubmissionExtensionsTest, DataIsDotUnstuffed) {
  auto c = SubmitLoggedIn();
  Exchange(*c, absl::StrCat(kEnvelope, "DATA\r\n"), 3);
  const std::string done =
      Exchange(*c, "Subject: dots\r\nDate: x\r\nMessage-ID: <d@x>\r\n\r\n..one\r\n.\r\n", 1);
  ASSERT_TRUE(WaitForMessages("alice", 1));
  EXPECT_EQ(MessagesIn("alice")[0],
            TraceFor(QueueIdOf(done)) + "Subject: dots\r\nDate: x\r\nMessage-ID: <d@x>\r\n\r\n.one\r\n");
}

// A bare LF in DATA content is refused at the end (RFC 5321 §2.3.8; no
// SMTP smuggling).
TEST_F(SubmissionExtensionsTest, BareLineFeedInDataIsRefused) {
  auto c = SubmitLoggedIn();
  Exchange(*c, absl::StrCat(kEnvelope, "DATA\r\n"), 3);
  EXPECT_EQ(Exchange(*c, "Subject: x\r\n\r\nsneaky\n.\nMAIL FROM:<bob@example.org>\r\n.\r\n", 1),
            "550 5.6.0 Message contains bare LF line ends; use CRLF\r\n");
}

// ---- CHUNKING and BINARYMIME (RFC 3030) -----------------------------------------

// BDAT chunks are acknowledged one by one and the message is their
// concatenation; "BDAT 0 LAST" ends it.
TEST_F(SubmissionExtensionsTest, BdatChunksAreConcatenatedAndZeroLastEnds) {
  auto c = SubmitLoggedIn();
  const std::string replies =
      Exchange(*c, absl::StrCat(kEnvelope, Bdat("Subject: chunks\r\nDate: d\r\n", false),
                                Bdat("Message-ID: <c@x>\r\n\r\n", false), Bdat("body\r\n", false),
                                "BDAT 0 LAST\r\n"),
               6);
  EXPECT_THAT(replies, StartsWith(absl::StrCat(kAccepted, "250 2.0.0 26 octets received\r\n",
                                               "250 2.0.0 21 octets received\r\n",
                                               "250 2.0.0 6 octets received\r\n",
                                               "250 2.0.0 Ok, queued as ")));
  ASSERT_TRUE(WaitForMessages("alice", 1));
  EXPECT_EQ(MessagesIn("alice")[0],
            TraceFor(QueueIdOf(replies)) +
                "Subject: chunks\r\nDate: d\r\nMessage-ID: <c@x>\r\n\r\nbody\r\n");
}

// RFC 3030 §3: DATA after MAIL BODY=BINARYMIME is 503.
TEST_F(SubmissionExtensionsTest, BinaryMimeWithDataIs503) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> BODY=BINARYMIME\r\n"
                         "RCPT TO:<alice@example.org>\r\nDATA\r\n",
                     3),
            absl::StrCat(kAccepted, "503 5.5.1 BINARYMIME requires BDAT\r\n"));
}

// BINARYMIME content (NUL, bare CR and LF, a lone dot line) arrives
// untouched through BDAT.
TEST_F(SubmissionExtensionsTest, BinaryMimeWithBdatIsDeliveredExactly) {
  auto c = SubmitLoggedIn();
  const std::string content = std::string(
      "Subject: bin\r\nDate: d\r\nMessage-ID: <b@x>\r\nContent-Transfer-Encoding: binary\r\n\r\n"
      "\x00\x01\r.\n.\r\n\xff",
      85);
  const std::string replies = Exchange(
      *c, absl::StrCat("MAIL FROM:<bob@example.org> BODY=BINARYMIME\r\nRCPT TO:<alice@example.org>\r\n",
                       Bdat(content)),
      3);
  ASSERT_THAT(replies, HasSubstr("250 2.0.0 Ok, queued as "));
  ASSERT_TRUE(WaitForMessages("alice", 1));
  EXPECT_EQ(MessagesIn("alice")[0], TraceFor(QueueIdOf(replies)) + content);
}

// RFC 3030 §2: DATA after BDAT in one transaction is 503, and BDAT after
// "BDAT LAST" is 503 too.
TEST_F(SubmissionExtensionsTest, DataAfterBdatAndBdatAfterLastAre503) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c, absl::StrCat(kEnvelope, Bdat("a", false), "DATA\r\n"), 4),
            absl::StrCat(kAccepted, "250 2.0.0 1 octets received\r\n",
                         "503 5.5.1 DATA cannot follow BDAT or BURL\r\n"));
  EXPECT_THAT(Exchange(*c, Bdat(kMessage) + Bdat("more"), 2),
              HasSubstr("\r\n503 5.5.1 Need MAIL command\r\n"));
}

// BDAT outside a transaction is refused, and its chunk is still read (and
// discarded) so the commands after it stay in sync.
TEST_F(SubmissionExtensionsTest, BdatWithoutMailIsRefusedAndItsChunkSkipped) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c, "BDAT 6\r\nNOOP\r\nNOOP\r\n", 2),
            "503 5.5.1 Need MAIL command\r\n250 2.0.0 OK\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org>\r\nRCPT TO:<nobody@example.org>\r\n" +
                             Bdat("x"),
                     3),
            "250 2.1.0 Sender OK\r\n550 5.1.1 User unknown: <nobody@example.org>\r\n"
            "554 5.5.0 No recipients have been specified\r\n");
}

// An unreadable BDAT size leaves the chunk's end unknowable: 501 and the
// connection is closed.
TEST_F(SubmissionExtensionsTest, UnreadableBdatSizeClosesTheSession) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c, "BDAT lots\r\n", 1), "501 5.5.4 Invalid BDAT chunk size; closing connection\r\n");
  EXPECT_TRUE(c->WaitForClose());
}

// ---- ENHANCEDSTATUSCODES (RFC 2034) and the basic commands ---------------------

// Every 2xx/4xx/5xx reply of a session that touches every command and many
// error paths carries an enhanced status code of its class.
TEST_F(SubmissionExtensionsTest, EveryReplyCarriesAnEnhancedStatusCode) {
  auto c = OpenSubmission();
  const std::string script = absl::StrCat(
      "NOOP\r\nMAIL FROM:<bob@example.org>\r\nFOO\r\nEHLO phone.example.org\r\n",
      AuthPlainCommand("bob", "wrong"), AuthPlainCommand("bob", "secret"),
      "VRFY bob\r\nEXPN list\r\nHELP\r\nRSET\r\nRCPT TO:<alice@example.org>\r\n",
      "MAIL FROM:<bob@example.org> SIZE=99999999999\r\nMAIL FROM:<bob@example.org> X-FOO=1\r\n",
      "MAIL FROM:<bob@example.org> HOLDFOR=999999999\r\nMAIL FROM:<alice@example.org>\r\n",
      "MAIL FROM:bob\r\n", kEnvelope,
      "RCPT TO:<nobody@example.org>\r\nRCPT TO:<x@remote.example>\r\nRCPT TO:<a@b> FOO=1\r\n",
      "RCPT TO:<alice@example.org> NOTIFY=SOMETIMES\r\nMAIL FROM:<bob@example.org>\r\n",
      "BURL notaurl\r\n", kEnvelope, "BURL imap://bob@imap.example.org/Sent/;UID=1 LAST\r\n",
      kEnvelope, Bdat("Subject: x\r\n\r\n"), "DATA\r\n", Bdat("x"), "QUIT\r\n");
  c->Send(script);
  ASSERT_TRUE(c->WaitForClose());
  EXPECT_THAT(CheckReplyStream(c->received(), "submit.example.org"), IsEmpty());
  EXPECT_THAT(ReplyCodes(c->received()),
              ElementsAre("220", "250 2.0.0", "503 5.5.1", "500 5.5.1", "250", "535 5.7.8",
                          "235 2.7.0", "252 2.5.0", "502 5.5.1", "214 2.0.0", "250 2.0.0",
                          "503 5.5.1", "552 5.3.4", "555 5.5.4", "501 5.5.4", "553 5.7.1",
                          "501 5.1.7", "250 2.1.0", "250 2.1.5", "550 5.1.1", "550 5.7.1",
                          "555 5.5.4", "501 5.5.4", "503 5.5.1", "554 5.5.4", "250 2.1.0",
                          "250 2.1.5", "554 5.7.8", "250 2.1.0", "250 2.1.5", "250 2.0.0",
                          "503 5.5.1", "503 5.5.1", "221 2.0.0"));
}

// Twenty-one bad commands in a row end the session with 421 4.7.0.
TEST_F(SubmissionExtensionsTest, TooManyBadCommandsCloseTheSession) {
  auto c = OpenSubmission();
  std::string junk;
  for (int i = 0; i < 21; ++i) junk += "XYZZY\r\n";
  c->Send(junk);
  ASSERT_TRUE(c->WaitForClose());
  EXPECT_EQ(CountReplies(c->received()), 23);
  EXPECT_THAT(c->received(), HasSubstr("500 5.5.1 Command unrecognized\r\n"
                                       "421 4.7.0 Too many errors, closing\r\n"));
}

// A session that says nothing for five minutes is closed with 421 4.4.2
// (RFC 5321 §4.5.3.2.7); one that keeps sending, however slowly, is not.
TEST_F(SubmissionExtensionsTest, IdleSessionIsClosedAfterFiveMinutes) {
  auto slow = SubmitLoggedIn();
  auto idle = OpenSubmission();
  const Time start = world_->Now();
  EXPECT_EQ(Exchange(*slow, "MAIL FROM:<bob@example.org>\r\nRCPT TO:<alice@example.org>\r\n"
                            "BDAT 100 LAST\r\n",
                     2),
            "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient <alice@example.org> OK\r\n");
  for (int i = 0; i < 10; ++i) {
    world_->RunFor(Duration::Minutes(1));
    slow->Send(std::string(10, 'a' + i));
  }
  EXPECT_EQ(WaitForReplies(*idle, 1), "421 4.4.2 Idle timeout, closing\r\n");
  EXPECT_TRUE(idle->WaitForClose());
  EXPECT_GE(world_->Now() - start, Duration::Minutes(5));
  EXPECT_THAT(WaitForReplies(*slow, 1), StartsWith("250 2.0.0 Ok, queued as "));
}

// Shutting the server down tells every session 421 4.3.2 and closes it.
TEST_F(SubmissionExtensionsTest, ShutdownSays421) {
  auto c = SubmitLoggedIn();
  submission_->Shutdown();
  EXPECT_EQ(WaitForReplies(*c, 1), "421 4.3.2 Service shutting down\r\n");
  EXPECT_TRUE(c->WaitForClose());
}

// QUIT is answered with 221 and the server closes the connection.
TEST_F(SubmissionExtensionsTest, QuitIs221AndCloses) {
  auto c = OpenSubmission();
  EXPECT_EQ(Exchange(*c, "QUIT\r\n", 1), "221 2.0.0 Bye\r\n");
  EXPECT_TRUE(c->WaitForClose());
  RunUntil([this] { return submission_->session_count() == 0; });
  EXPECT_EQ(submission_->session_count(), 0u);
}

}  // namespace
}  // namespace lemonade::testing
