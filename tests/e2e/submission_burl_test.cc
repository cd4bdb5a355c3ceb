// BURL (RFC 4468) on the submission server: several BURLs mixed with BDAT
// chunks make one message in order, and every error path gets the reply
// RFC 4468 §6 gives it and fails the whole transaction (§3.2): forged,
// expired and revoked URLs, wrong access identifiers, another user's URL,
// an untrusted host, the IMAP server down, content too big, BURL without
// a recipient.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/lemonade_fixture.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kEnvelope[] = "MAIL FROM:<bob@example.org>\r\nRCPT TO:<alice@example.org>\r\n";
constexpr char kAccepted[] =
    "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient <alice@example.org> OK\r\n";
constexpr char kEarlyChunk[] = "X-Early: chunk\r\n";  // 16 octets
constexpr char kPartOne[] = "Content-Type: text/plain\r\n\r\nPart one.\r\n";
constexpr char kPartTwo[] = "Content-Type: application/octet-stream\r\n\r\nPART-TWO-BYTES\r\n";

class SubmissionBurlTest : public LemonadeFixture {
 protected:
  void SetUp() override {
    LemonadeFixture::SetUp();
    one_ = StoreMessage("bob", "Sent", kPartOne);
    two_ = StoreMessage("bob", "Sent", kPartTwo);
    alice_ = StoreMessage("alice", "Sent", kPartOne);
    imap_ = LoggedIn();
  }

  // "imap://bob@imap.example.org/Sent;UIDVALIDITY=v/;UID=u" for `where`.
  static std::string Rump(const std::string& where, const std::string& user = "bob") {
    return absl::StrCat("imap://", user, "@imap.example.org/Sent;UIDVALIDITY=", where);
  }

  // GENURLAUTH (as bob) of `rump` with `access` ("submit+bob").
  std::string Authorize(const std::string& rump, const std::string& access = "submit+bob") {
    const std::string url = GenUrlAuth(*imap_, absl::StrCat(rump, ";urlauth=", access));
    EXPECT_FALSE(url.empty()) << rump;
    return url;
  }

  // Sends MAIL, RCPT and "BURL <url> LAST" as `user`; returns the three
  // replies, then checks the transaction is gone (a following "BDAT 0
  // LAST" needs MAIL) and nothing was queued.
  std::string BurlFails(const std::string& url, const std::string& user = "bob",
                        const std::string& password = "secret") {
    auto c = SubmitLoggedIn(user, password);
    const std::string replies = Exchange(
        *c,
        absl::StrCat("MAIL FROM:<", user, "@example.org>\r\nRCPT TO:<alice@example.org>\r\n",
                     Bdat(kEarlyChunk, false), "BURL ", url, " LAST\r\n"),
        4);
    EXPECT_EQ(Exchange(*c, "BDAT 0 LAST\r\n", 1), "503 5.5.1 Need MAIL command\r\n")
        << "the failed BURL must fail the whole transaction";
    world_->RunFor(Duration::Seconds(1));
    EXPECT_TRUE(submission_->queue()->entries().empty());
    EXPECT_TRUE(MessagesIn("alice").empty());
    // Only the BURL's reply is interesting to the caller.
    const std::string chunk_reply = "250 2.0.0 16 octets received\r\n";
    const size_t chunk = replies.find(chunk_reply);
    EXPECT_NE(chunk, std::string::npos) << replies;
    return chunk == std::string::npos ? replies : replies.substr(chunk + chunk_reply.size());
  }

  std::string one_, two_, alice_;
  std::unique_ptr<TestConnection> imap_;
};

// Several BURLs and BDAT chunks in one transaction: the message is their
// concatenation in command order, byte for byte.
TEST_F(SubmissionBurlTest, BurlsMixedWithBdatChunksConcatenateInOrder) {
  const std::string url_one = Authorize(Rump(one_));
  const std::string url_two = Authorize(Rump(two_));
  const std::string head =
      "From: bob@example.org\r\nTo: alice@example.org\r\nSubject: parts\r\nDate: d\r\n"
      "Message-ID: <parts@example.org>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n";
  auto c = SubmitLoggedIn();
  const std::string replies = Exchange(
      *c,
      absl::StrCat(kEnvelope, Bdat(head, false), "BURL ", url_one, "\r\n", Bdat("--b\r\n", false),
                   "BURL ", url_two, "\r\n", "BURL ", url_one, "\r\n", Bdat("--b--\r\n", true)),
      8);
  EXPECT_THAT(replies,
              StartsWith(absl::StrCat(
                  kAccepted, "250 2.0.0 ", head.size(), " octets received\r\n",
                  "250 2.5.0 Waiting for additional BURL or BDAT commands\r\n",
                  "250 2.0.0 5 octets received\r\n",
                  "250 2.5.0 Waiting for additional BURL or BDAT commands\r\n",
                  "250 2.5.0 Waiting for additional BURL or BDAT commands\r\n",
                  "250 2.0.0 Ok, queued as ")));
  ASSERT_TRUE(WaitForMessages("alice", 1));
  const std::string expected =
      absl::StrCat(head, kPartOne, "--b\r\n", kPartTwo, kPartOne, "--b--\r\n");
  const std::string delivered = MessagesIn("alice")[0];
  ASSERT_GE(delivered.size(), expected.size());
  EXPECT_EQ(delivered.substr(delivered.size() - expected.size()), expected);
  EXPECT_THAT(delivered, StartsWith("Return-Path: <bob@example.org>\r\nReceived: from "));
}

// "BURL <url> LAST" after BDAT chunks completes the message with 250 2.5.0
// (RFC 4468 §6: the data is committed to persistent storage).
TEST_F(SubmissionBurlTest, BurlLastAfterChunksCommitsTheMessage) {
  const std::string url = Authorize(Rump(two_));
  auto c = SubmitLoggedIn();
  const std::string replies =
      Exchange(*c, absl::StrCat(kEnvelope, Bdat("Subject: s\r\nDate: d\r\nMessage-ID: <m@x>\r\n", false),
                                "BURL ", url, " LAST\r\n"),
               4);
  EXPECT_THAT(replies, HasSubstr("\r\n250 2.5.0 Ok, queued as "));
  ASSERT_TRUE(WaitForMessages("alice", 1));
  EXPECT_THAT(MessagesIn("alice")[0],
              HasSubstr(absl::StrCat("Subject: s\r\nDate: d\r\nMessage-ID: <m@x>\r\n", kPartTwo)));
}

// A token that does not verify: URLFETCH answers NIL, 554 5.6.6.
TEST_F(SubmissionBurlTest, ForgedTokenIs554With566) {
  std::string url = Authorize(Rump(one_));
  url.back() = url.back() == '0' ? '1' : '0';
  EXPECT_EQ(BurlFails(url), "554 5.6.6 IMAP URL resolution failed\r\n");
}

// A URL whose ;EXPIRE has passed no longer resolves: 554 5.6.6.
TEST_F(SubmissionBurlTest, ExpiredUrlIs554With566) {
  const std::string url = Authorize(Rump(one_) + ";EXPIRE=2024-01-01T00:01:00Z");
  ASSERT_FALSE(url.empty());
  world_->RunUntil(Time::FromUnixSeconds(1704067200 + 120));
  EXPECT_EQ(BurlFails(url), "554 5.6.6 IMAP URL resolution failed\r\n");
}

// The same URL before its expiry works (the expiry is what failed above).
TEST_F(SubmissionBurlTest, UnexpiredUrlWithExpireResolves) {
  const std::string url = Authorize(Rump(one_) + ";EXPIRE=2024-01-01T01:00:00Z");
  auto c = SubmitLoggedIn();
  EXPECT_THAT(Exchange(*c, absl::StrCat(kEnvelope, "BURL ", url, " LAST\r\n"), 3),
              HasSubstr("250 2.5.0 Ok, queued as "));
}

// RESETKEY revokes every URL issued before it: 554 5.6.6.
TEST_F(SubmissionBurlTest, UrlRevokedByResetKeyIs554With566) {
  const std::string url = Authorize(Rump(one_));
  EXPECT_THAT(Command(*imap_, "r1", "RESETKEY Sent"), HasSubstr("r1 OK"));
  EXPECT_EQ(BurlFails(url), "554 5.6.6 IMAP URL resolution failed\r\n");
}

// A submit+ URL for another submitter is refused by the submit server
// itself (RFC 4468 §3.3): 554 5.7.0.
TEST_F(SubmissionBurlTest, SubmitAccessForAnotherUserIs554With570) {
  EXPECT_EQ(BurlFails(Authorize(Rump(one_), "submit+alice")),
            "554 5.7.0 IMAP URL authorization failed\r\n");
}

// A user+ URL is for an IMAP user, not for submission: 554 5.7.0.
TEST_F(SubmissionBurlTest, UserAccessIdentifierIs554With570) {
  EXPECT_EQ(BurlFails(Authorize(Rump(one_), "user+bob")),
            "554 5.7.0 IMAP URL authorization failed\r\n");
  EXPECT_EQ(BurlFails(Authorize(Rump(one_), "user+x")),
            "554 5.7.0 IMAP URL authorization failed\r\n");
}

// Alice's own submit+alice URL used by bob is refused (554 5.7.0); a URL
// bob made up for alice's mailbox with his own key does not verify (554
// 5.6.6).
TEST_F(SubmissionBurlTest, UrlOfAnotherUsersMessageIsRefused) {
  auto alice_imap = LoggedIn("alice", "wonder");
  const std::string alices =
      GenUrlAuth(*alice_imap, Rump(alice_, "alice") + ";urlauth=submit+alice");
  ASSERT_FALSE(alices.empty());
  EXPECT_EQ(BurlFails(alices), "554 5.7.0 IMAP URL authorization failed\r\n");
  // Bob's token spliced onto a URL naming alice's mailbox.
  const std::string bobs = Authorize(Rump(one_));
  const std::string token = bobs.substr(bobs.rfind(':'));
  EXPECT_EQ(BurlFails(absl::StrCat(Rump(alice_, "alice"), ";urlauth=submit+bob:internal", token)),
            "554 5.6.6 IMAP URL resolution failed\r\n");
}

// A URL on a server the submit server has no trust relationship with, or a
// plain URL without URLAUTH: 554 5.7.8.
TEST_F(SubmissionBurlTest, UntrustedHostIs554With578) {
  const std::string url = Authorize(Rump(one_));
  std::string elsewhere = url;
  elsewhere.replace(elsewhere.find("imap.example.org"), 16, "imap.evil.example");
  EXPECT_EQ(BurlFails(elsewhere), "554 5.7.8 URL resolution requires trust relationship\r\n");
  EXPECT_EQ(BurlFails(Rump(one_)), "554 5.7.8 URL resolution requires trust relationship\r\n");
}

// A BURL argument that is not an IMAP URL is refused and fails the
// transaction too.
TEST_F(SubmissionBurlTest, MalformedUrlIs554) {
  EXPECT_EQ(BurlFails("http://example.org/"), "554 5.5.4 Invalid IMAP URL: not an imap URL\r\n");
}

// The IMAP server being down is a temporary failure: 451 4.4.1.
TEST_F(SubmissionBurlTest, ImapServerDownIs451With441) {
  const std::string url = Authorize(Rump(one_));
  imap_.reset();
  imap_server_.reset();
  EXPECT_EQ(BurlFails(url), "451 4.4.1 IMAP server unavailable\r\n");
}

// An IMAP host that does not answer at all: 451 4.4.1 once the BURL
// timeout (60 s) has passed.
TEST_F(SubmissionBurlTest, UnreachableImapHostIs451AfterTheTimeout) {
  const std::string url = Authorize(Rump(one_));
  world_->Outage(kImapHost, world_->Now(), Duration::Minutes(10));
  const Time start = world_->Now();
  EXPECT_EQ(BurlFails(url), "451 4.4.1 IMAP server unavailable\r\n");
  EXPECT_GE(world_->Now() - start, Duration::Seconds(60));
}

// RFC 4468 §3.2 / §6: BURL when every RCPT failed is 554 5.5.0, and the
// URL is not even resolved.
TEST_F(SubmissionBurlTest, BurlWithoutRecipientsIs554With550) {
  const std::string url = Authorize(Rump(one_));
  auto c = SubmitLoggedIn();
  const uint64_t fetched = submission_->burl_bytes_received();
  EXPECT_EQ(Exchange(*c,
                     absl::StrCat("MAIL FROM:<bob@example.org>\r\nRCPT TO:<malfoy@example.org>\r\n",
                                  "BURL ", url, " LAST\r\n"),
                     3),
            "250 2.1.0 Sender OK\r\n550 5.1.1 User unknown: <malfoy@example.org>\r\n"
            "554 5.5.0 No recipients have been specified\r\n");
  EXPECT_EQ(submission_->burl_bytes_received(), fetched);
  EXPECT_EQ(Exchange(*c, "BDAT 0 LAST\r\n", 1), "503 5.5.1 Need MAIL command\r\n");
}

// BURL outside a transaction is 503.
TEST_F(SubmissionBurlTest, BurlWithoutMailIs503) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c, "BURL " + Authorize(Rump(one_)) + " LAST\r\n", 1),
            "503 5.5.1 Need MAIL command\r\n");
}

// An "IMAP server" that greets, then answers anything with a URLFETCH
// response whose literal length is garbage.
class GarbledImapServer : public StreamHandler {
 public:
  explicit GarbledImapServer(const Env& env) : env_(env) {}
  ~GarbledImapServer() override {
    if (stream_) stream_->SetHandler(nullptr);
  }
  absl::Status Listen(const std::string& host) {
    return env_.network
        ->Listen({host, 143},
                 [this](std::unique_ptr<Stream> stream) {
                   stream_ = std::move(stream);
                   stream_->SetHandler(this);
                   stream_->Write("* OK IMAP4rev1 ready\r\n");
                 })
        .status();
  }
  void OnStreamData(absl::string_view bytes) override {
    if (answered_) return;
    answered_ = true;
    stream_->Write("b1 OK logged in\r\n* URLFETCH \"imap://x\" {12x}\r\n");
  }
  void OnStreamClosed(absl::Status status) override {}

 private:
  Env env_;
  std::unique_ptr<Stream> stream_;
  bool answered_ = false;
};

class SubmissionBurlGarbledImapTest : public SubmissionBurlTest {
 protected:
  SubmissionBurlGarbledImapTest() { world_->AddHost("garbled.example.org"); }
  submission::SubmissionServerConfig SubmitConfig() override {
    submission::SubmissionServerConfig config = LemonadeFixture::SubmitConfig();
    submission::BurlTrust trust = config.burl_trust[0];
    trust.host = "garbled.example.org";
    config.burl_trust.push_back(trust);
    return config;
  }
};

// A malformed answer from the IMAP server is its fault, not the message's:
// 451 4.4.1 (temporary), not "554 5.3.4 Message too big".
TEST_F(SubmissionBurlGarbledImapTest, MalformedImapResponseIsTemporaryFailure) {
  GarbledImapServer garbled(world_->EnvFor("garbled.example.org"));
  ASSERT_TRUE(garbled.Listen("garbled.example.org").ok());
  EXPECT_EQ(BurlFails("imap://bob@garbled.example.org/Sent;UIDVALIDITY=1/;UID=1;"
                      "urlauth=submit+bob:internal:0123456789abcdef0123456789abcdef"),
            "451 4.4.1 IMAP server unavailable\r\n");
}

class SubmissionBurlSizeTest : public SubmissionBurlTest {
 protected:
  submission::SubmissionServerConfig SubmitConfig() override {
    submission::SubmissionServerConfig config = LemonadeFixture::SubmitConfig();
    config.message_bytes_max = 64;
    return config;
  }
};

// Content that would take the message over SIZE is 554 5.3.4 (RFC 4468
// §6), whether the URL alone is too big or the chunks before it filled
// the room.
TEST_F(SubmissionBurlSizeTest, ContentTooBigIs554With534) {
  const std::string big = StoreMessage("bob", "Sent", std::string(100, 'z') + "\r\n");
  EXPECT_EQ(BurlFails(Authorize(Rump(big))), "554 5.3.4 Message too big for system\r\n");
  // kPartTwo (58 octets) fits alone but not after the 16-octet chunk.
  EXPECT_EQ(BurlFails(Authorize(Rump(two_))), "554 5.3.4 Message too big for system\r\n");
  auto c = SubmitLoggedIn();
  EXPECT_THAT(Exchange(*c, absl::StrCat(kEnvelope, "BURL ", Authorize(Rump(two_)), " LAST\r\n"), 3),
              HasSubstr("250 2.5.0 Ok, queued as "));
}

}  // namespace
}  // namespace lemonade::testing
