// PIPELINING (RFC 2920) on the submission server: replies come back
// complete and in order whatever the grouping; a session fed one octet at a
// time gets exactly the replies it gets when fed all at once; replies to a
// group of RSET/MAIL/RCPT/BDAT leave in one segment, while replies RFC 2920
// §3.2 (5)(6) forbids buffering (EHLO, NOOP, DATA, unknown commands) are
// not held back behind the rest.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/lemonade_fixture.h"
#include "tests/testing/netsim_byte_feeder.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kAttachment[] =
    "From: Alice <alice@example.org>\r\nSubject: plans\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "Message-ID: <plans@example.org>\r\n\r\nSee you at noon.\r\n";

// The message without the trace fields the servers prepend (Return-Path
// and the Received field with its continuation lines).
std::string WithoutTrace(const std::string& message) {
  size_t pos = 0;
  while (pos < message.size()) {
    const size_t eol = message.find("\r\n", pos);
    if (eol == std::string::npos) break;
    const bool trace = message.compare(pos, 12, "Return-Path:") == 0 ||
                       message.compare(pos, 9, "Received:") == 0 ||
                       (pos > 0 && message[pos] == '\t');
    if (!trace) break;
    pos = eol + 2;
  }
  return message.substr(pos);
}

class SubmissionPipeliningTest : public LemonadeFixture {
 protected:
  const netsim::FlowMetrics& FlowOf(TestConnection& c) {
    return *world_->Flow(netsim::World::FlowOf(*c.stream()));
  }

  // A URLAUTH URL for kAttachment in bob's Sent mailbox, for submit+bob.
  std::string AttachmentUrl() {
    const std::string where = StoreMessage("bob", "Sent", kAttachment);
    auto imap = LoggedIn();
    return GenUrlAuth(*imap, absl::StrCat("imap://bob@imap.example.org/Sent;UIDVALIDITY=", where,
                                          ";urlauth=submit+bob"));
  }

  // A session that uses every kind of exchange: a delayed AUTH failure,
  // AUTH LOGIN's challenges, DATA with dot-stuffing, a refused recipient,
  // BDAT chunks around a BURL, VRFY, NOOP and QUIT.
  static std::string FullSession(const std::string& url) {
    const std::string head =
        "From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: Fwd: plans\r\n"
        "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <fwd@example.org>\r\n"
        "Content-Type: message/rfc822\r\n\r\n";
    return absl::StrCat(
        "EHLO phone.example.org\r\n", AuthPlainCommand("bob", "nope"), "AUTH LOGIN\r\n",
        Base64("bob"), "\r\n", Base64("secret"), "\r\n",
        "MAIL FROM:<bob@example.org> BODY=8BITMIME\r\nRCPT TO:<alice@example.org>\r\n"
        "RCPT TO:<nobody@example.org>\r\nDATA\r\n",
        "Subject: pipelined\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <p@x>\r\n\r\n"
        "..dot\r\nbody \xc3\xa9\r\n.\r\n",
        "RSET\r\nMAIL FROM:<bob@example.org>\r\nRCPT TO:<alice@example.org>\r\n",
        Bdat(head, false), "BURL ", url, "\r\n", "BDAT 0 LAST\r\n",
        "VRFY alice\r\nNOOP\r\nQUIT\r\n");
  }

  // The replies FullSession() must get, clock-dependent parts normalised.
  static std::string FullSessionReplies() {
    return "220 submit.example.org ESMTP Lemonade submission server ready\r\n"
           "250-submit.example.org Hello phone.example.org\r\n"
           "250-PIPELINING\r\n250-SIZE 67108864\r\n250-8BITMIME\r\n250-CHUNKING\r\n"
           "250-BINARYMIME\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-AUTH PLAIN LOGIN\r\n"
           "250-BURL\r\n250 FUTURERELEASE 604800 <DATE>\r\n"
           "535 5.7.8 Authentication credentials invalid\r\n"
           "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n"
           "235 2.7.0 Authentication successful\r\n"
           "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient <alice@example.org> OK\r\n"
           "550 5.1.1 User unknown: <nobody@example.org>\r\n"
           "354 Start mail input; end with <CRLF>.<CRLF>\r\n"
           "250 2.0.0 Ok, queued as <ID>\r\n"
           "250 2.0.0 Flushed\r\n"
           "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient <alice@example.org> OK\r\n"
           "250 2.0.0 174 octets received\r\n"
           "250 2.5.0 Waiting for additional BURL or BDAT commands\r\n"
           "250 2.0.0 Ok, queued as <ID>\r\n"
           "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery\r\n"
           "250 2.0.0 OK\r\n"
           "221 2.0.0 Bye\r\n";
  }
};

// The whole session sent in one write gets every reply, in order.
TEST_F(SubmissionPipeliningTest, AllAtOnceGetsEveryReplyInOrder) {
  const std::string url = AttachmentUrl();
  ASSERT_FALSE(url.empty());
  auto c = ConnectSubmit();
  c->Send(FullSession(url));
  ASSERT_TRUE(c->WaitForClose());
  EXPECT_EQ(NormalizeClockDependentText(c->received()), FullSessionReplies());
}

// The same session fed one octet at a time gets the very same replies,
// and delivers the very same messages.
TEST_F(SubmissionPipeliningTest, ByteByByteGetsTheSameRepliesAsAllAtOnce) {
  const std::string url = AttachmentUrl();
  ASSERT_FALSE(url.empty());
  auto whole = ConnectSubmit();
  whole->Send(FullSession(url));
  ASSERT_TRUE(whole->WaitForClose());
  ASSERT_TRUE(WaitForMessages("alice", 2));

  auto bytewise = ConnectSubmit();
  ASSERT_TRUE(SendByteByByte(*world_, *bytewise, FullSession(url)));
  ASSERT_TRUE(bytewise->WaitForClose());
  ASSERT_TRUE(WaitForMessages("alice", 4));

  EXPECT_EQ(NormalizeClockDependentText(bytewise->received()),
            NormalizeClockDependentText(whole->received()));
  EXPECT_EQ(NormalizeClockDependentText(bytewise->received()), FullSessionReplies());
  // The server really read octet by octet: one delivery per octet.
  EXPECT_EQ(FlowOf(*bytewise).c2s.payload_bytes, FullSession(url).size());
  const std::vector<std::string> delivered = MessagesIn("alice");
  ASSERT_THAT(delivered, SizeIs(4));
  EXPECT_EQ(WithoutTrace(delivered[2]), WithoutTrace(delivered[0]));
  EXPECT_EQ(WithoutTrace(delivered[3]), WithoutTrace(delivered[1]));
  EXPECT_THAT(delivered[1], HasSubstr(absl::StrCat("\r\n\r\n", kAttachment)));
}

// Replies to a group of RSET, MAIL and RCPT commands are written together:
// one segment on the wire, one arrival at the client.
TEST_F(SubmissionPipeliningTest, RepliesToAGroupLeaveInOneSegment) {
  auto c = SubmitLoggedIn();
  const uint64_t segments = FlowOf(*c).s2c.data_packets;
  const size_t arrivals = c->arrivals().size();
  EXPECT_EQ(Exchange(*c,
                     "RSET\r\nMAIL FROM:<bob@example.org>\r\nRCPT TO:<alice@example.org>\r\n"
                     "RCPT TO:<nobody@example.org>\r\nRCPT TO:<bob@example.org>\r\n",
                     5),
            "250 2.0.0 Flushed\r\n250 2.1.0 Sender OK\r\n"
            "250 2.1.5 Recipient <alice@example.org> OK\r\n"
            "550 5.1.1 User unknown: <nobody@example.org>\r\n"
            "250 2.1.5 Recipient <bob@example.org> OK\r\n");
  EXPECT_EQ(FlowOf(*c).s2c.data_packets - segments, 1u);
  EXPECT_EQ(c->arrivals().size() - arrivals, 1u);
}

// BDAT chunks pipelined with the envelope are answered in the same single
// segment (their replies may be buffered).
TEST_F(SubmissionPipeliningTest, BdatRepliesAreBufferedWithTheEnvelope) {
  auto c = SubmitLoggedIn();
  const uint64_t segments = FlowOf(*c).s2c.data_packets;
  EXPECT_EQ(Exchange(*c,
                     "MAIL FROM:<bob@example.org>\r\nRCPT TO:<alice@example.org>\r\n" +
                         Bdat("one", false) + Bdat("two", false),
                     4),
            "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient <alice@example.org> OK\r\n"
            "250 2.0.0 3 octets received\r\n250 2.0.0 3 octets received\r\n");
  EXPECT_EQ(FlowOf(*c).s2c.data_packets - segments, 1u);
}

// RFC 2920 §3.2 (5): the reply to EHLO is sent at once, not held back with
// the replies to the MAIL and RCPT pipelined behind it.
TEST_F(SubmissionPipeliningTest, EhloReplyIsNotHeldBack) {
  auto c = OpenSubmission();
  const size_t arrivals = c->arrivals().size();
  const std::string replies = Exchange(
      *c, "EHLO phone.example.org\r\n" + AuthPlainCommand("bob", "secret") +
              "MAIL FROM:<bob@example.org>\r\nRCPT TO:<alice@example.org>\r\n",
      4);
  const size_t ehlo_bytes = replies.find("235 ");
  ASSERT_EQ(c->arrivals().size() - arrivals, 2u);
  EXPECT_EQ(c->arrivals()[arrivals].bytes, ehlo_bytes);
  EXPECT_EQ(c->arrivals()[arrivals + 1].bytes, replies.size() - ehlo_bytes);
}

// RFC 2920 §3.2 (5)(6): NOOP and an unrecognised command flush what is
// pending with their own reply; the rest of the group follows separately.
TEST_F(SubmissionPipeliningTest, NoopAndUnknownCommandsFlush) {
  auto c = SubmitLoggedIn();
  const size_t arrivals = c->arrivals().size();
  const std::string first = "250 2.1.0 Sender OK\r\n250 2.0.0 OK\r\n";
  const std::string second =
      "250 2.1.5 Recipient <alice@example.org> OK\r\n500 5.5.1 Command unrecognized\r\n";
  const std::string third = "250 2.0.0 Flushed\r\n";
  EXPECT_EQ(Exchange(*c,
                     "MAIL FROM:<bob@example.org>\r\nNOOP\r\nRCPT TO:<alice@example.org>\r\n"
                     "FROB\r\nRSET\r\n",
                     5),
            first + second + third);
  ASSERT_EQ(c->arrivals().size() - arrivals, 3u);
  EXPECT_EQ(c->arrivals()[arrivals].bytes, first.size());
  EXPECT_EQ(c->arrivals()[arrivals + 1].bytes, second.size());
  EXPECT_EQ(c->arrivals()[arrivals + 2].bytes, third.size());
}

// DATA and its content may be pipelined with the envelope; the server
// makes no assumption about commands before it has read them (§3.2 (8)).
TEST_F(SubmissionPipeliningTest, DataWithContentPipelinedWorks) {
  auto c = SubmitLoggedIn();
  const std::string replies = Exchange(
      *c,
      "MAIL FROM:<bob@example.org>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n"
      "Subject: one\r\nDate: d\r\nMessage-ID: <1@x>\r\n\r\nhi\r\n.\r\n"
      "MAIL FROM:<bob@example.org>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n"
      "Subject: two\r\nDate: d\r\nMessage-ID: <2@x>\r\n\r\nho\r\n.\r\nQUIT\r\n",
      9);
  EXPECT_EQ(NormalizeClockDependentText(replies),
            "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient <alice@example.org> OK\r\n"
            "354 Start mail input; end with <CRLF>.<CRLF>\r\n250 2.0.0 Ok, queued as <ID>\r\n"
            "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient <alice@example.org> OK\r\n"
            "354 Start mail input; end with <CRLF>.<CRLF>\r\n250 2.0.0 Ok, queued as <ID>\r\n"
            "221 2.0.0 Bye\r\n");
  ASSERT_TRUE(WaitForMessages("alice", 2));
  EXPECT_THAT(MessagesIn("alice")[0], HasSubstr("Subject: one\r\n"));
  EXPECT_THAT(MessagesIn("alice")[1], HasSubstr("Subject: two\r\n"));
}

// RFC 2920 §3.1: when every RCPT of a pipelined group fails, DATA is 554
// and the content the client already sent is read as (bad) commands — the
// server must not guess otherwise; nothing is delivered.
TEST_F(SubmissionPipeliningTest, RefusedDataTurnsTheContentIntoCommands) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c,
                     "MAIL FROM:<bob@example.org>\r\nRCPT TO:<nobody@example.org>\r\nDATA\r\n"
                     "Subject: lost\r\n.\r\nNOOP\r\n",
                     6),
            "250 2.1.0 Sender OK\r\n550 5.1.1 User unknown: <nobody@example.org>\r\n"
            "554 5.5.1 No valid recipients\r\n500 5.5.1 Command unrecognized\r\n"
            "500 5.5.1 Command unrecognized\r\n250 2.0.0 OK\r\n");
  world_->RunFor(Duration::Seconds(5));
  EXPECT_TRUE(MessagesIn("nobody").empty());
  EXPECT_TRUE(submission_->queue()->entries().empty());
}

// A command after a blocking one (BURL fetching its URL) waits its turn:
// replies stay in command order.
TEST_F(SubmissionPipeliningTest, CommandsBehindABurlWaitForIt) {
  const std::string url = AttachmentUrl();
  auto c = SubmitLoggedIn();
  const std::string replies =
      Exchange(*c,
               absl::StrCat("MAIL FROM:<bob@example.org>\r\nRCPT TO:<alice@example.org>\r\nBURL ",
                            url, "\r\n", Bdat("--\r\n", false), "BURL ", url,
                            " LAST\r\nNOOP\r\n"),
               6);
  EXPECT_EQ(NormalizeClockDependentText(replies),
            "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient <alice@example.org> OK\r\n"
            "250 2.5.0 Waiting for additional BURL or BDAT commands\r\n"
            "250 2.0.0 4 octets received\r\n"
            "250 2.5.0 Ok, queued as <ID>\r\n250 2.0.0 OK\r\n");
  ASSERT_TRUE(WaitForMessages("alice", 1));
  EXPECT_EQ(WithoutTrace(MessagesIn("alice")[0]), absl::StrCat(kAttachment, "--\r\n", kAttachment));
}

}  // namespace
}  // namespace lemonade::testing
