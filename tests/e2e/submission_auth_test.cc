// The submission server's AUTH (RFC 4954: PLAIN and LOGIN, with and
// without an initial response, "*" cancel, the failure delay and the
// failure limit) and STARTTLS (RFC 3207: what is offered before and after,
// and that everything learnt before TLS — EHLO, AUTH, pipelined plaintext —
// is discarded), in netsim.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/lemonade_fixture.h"
#include "tests/testing/smtp_replies.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kEhlo[] = "EHLO phone.example.org\r\n";

class SubmissionAuthTest : public LemonadeFixture {
 protected:
  // A connection after EHLO, not authenticated.
  std::unique_ptr<TestConnection> Greeted() {
    auto c = OpenSubmission();
    EXPECT_THAT(Exchange(*c, kEhlo, 1), HasSubstr("250 FUTURERELEASE"));
    return c;
  }
};

// AUTH PLAIN with the credentials on the command line succeeds at once.
TEST_F(SubmissionAuthTest, PlainWithInitialResponseSucceeds) {
  auto c = Greeted();
  EXPECT_EQ(Exchange(*c, AuthPlainCommand("bob", "secret"), 1),
            "235 2.7.0 Authentication successful\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org>\r\n", 1), "250 2.1.0 Sender OK\r\n");
}

// AUTH PLAIN without an initial response gets an empty "334 " challenge
// (RFC 4954 §4) and takes the credentials on the next line.
TEST_F(SubmissionAuthTest, PlainWithoutInitialResponseSendsAnEmptyChallenge) {
  auto c = Greeted();
  EXPECT_EQ(Exchange(*c, "AUTH PLAIN\r\n", 1), "334 \r\n");
  EXPECT_EQ(Exchange(*c, Base64(std::string("\0bob\0secret", 11)) + "\r\n", 1),
            "235 2.7.0 Authentication successful\r\n");
}

// An empty initial response is sent as "=" and then PLAIN has nothing to
// parse: 501 5.5.2.
TEST_F(SubmissionAuthTest, PlainWithEmptyInitialResponseIsMalformed) {
  auto c = Greeted();
  EXPECT_EQ(Exchange(*c, "AUTH PLAIN =\r\n", 1),
            "501 5.5.2 Invalid SASL data: malformed message\r\n");
}

// AUTH LOGIN asks for the user name, then the password.
TEST_F(SubmissionAuthTest, LoginWithoutInitialResponseAsksUsernameThenPassword) {
  auto c = Greeted();
  EXPECT_EQ(Exchange(*c, "AUTH LOGIN\r\n", 1), "334 VXNlcm5hbWU6\r\n");
  EXPECT_EQ(Exchange(*c, Base64("bob") + "\r\n", 1), "334 UGFzc3dvcmQ6\r\n");
  EXPECT_EQ(Exchange(*c, Base64("secret") + "\r\n", 1),
            "235 2.7.0 Authentication successful\r\n");
}

// AUTH LOGIN with the user name as initial response asks only for the
// password.
TEST_F(SubmissionAuthTest, LoginWithInitialResponseAsksOnlyThePassword) {
  auto c = Greeted();
  EXPECT_EQ(Exchange(*c, "AUTH LOGIN " + Base64("alice") + "\r\n", 1), "334 UGFzc3dvcmQ6\r\n");
  EXPECT_EQ(Exchange(*c, Base64("wonder") + "\r\n", 1),
            "235 2.7.0 Authentication successful\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<alice@example.org>\r\n", 1), "250 2.1.0 Sender OK\r\n");
}

// "*" cancels an exchange with 501 (RFC 4954 §4); the session stays
// unauthenticated and may try again.
TEST_F(SubmissionAuthTest, StarCancelsTheExchangeWith501) {
  auto c = Greeted();
  EXPECT_EQ(Exchange(*c, "AUTH LOGIN\r\n", 1), "334 VXNlcm5hbWU6\r\n");
  EXPECT_EQ(Exchange(*c, Base64("bob") + "\r\n", 1), "334 UGFzc3dvcmQ6\r\n");
  EXPECT_EQ(Exchange(*c, "*\r\n", 1), "501 5.0.0 Authentication cancelled\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org>\r\n", 1),
            "530 5.7.0 Authentication required\r\n");
  EXPECT_EQ(Exchange(*c, "AUTH PLAIN\r\n*\r\n", 2),
            "334 \r\n501 5.0.0 Authentication cancelled\r\n");
  EXPECT_EQ(Exchange(*c, AuthPlainCommand("bob", "secret"), 1),
            "235 2.7.0 Authentication successful\r\n");
}

// A response that is not strict base64 is 501 5.5.2 (RFC 4954 §4).
TEST_F(SubmissionAuthTest, InvalidBase64Is501WithCode552) {
  auto c = Greeted();
  EXPECT_EQ(Exchange(*c, "AUTH PLAIN\r\n", 1), "334 \r\n");
  EXPECT_EQ(Exchange(*c, "=AAA\r\n", 1), "501 5.5.2 Invalid SASL data: invalid base64\r\n");
}

// A wrong password is answered with 535 5.7.8, but only after the
// configured delay, and commands pipelined behind it wait for it.
TEST_F(SubmissionAuthTest, WrongPasswordIs535AfterTheDelay) {
  auto c = Greeted();
  const Time sent = world_->Now();
  const size_t arrivals = c->arrivals().size();
  EXPECT_EQ(Exchange(*c, AuthPlainCommand("bob", "wrong") + "NOOP\r\n", 2),
            "535 5.7.8 Authentication credentials invalid\r\n250 2.0.0 OK\r\n");
  ASSERT_GT(c->arrivals().size(), arrivals);
  const Duration waited = c->arrivals()[arrivals].at - sent;
  EXPECT_GE(waited, Duration::Seconds(2));
  EXPECT_LT(waited, Duration::Seconds(2) + Duration::Milliseconds(100));
}

// The third failure in a session ends it with 421 4.7.0.
TEST_F(SubmissionAuthTest, TooManyFailuresCloseTheSessionWith421) {
  auto c = Greeted();
  EXPECT_EQ(Exchange(*c, AuthPlainCommand("bob", "one"), 1),
            "535 5.7.8 Authentication credentials invalid\r\n");
  EXPECT_EQ(Exchange(*c, "AUTH LOGIN " + Base64("bob") + "\r\n" + Base64("two") + "\r\n", 2),
            "334 UGFzc3dvcmQ6\r\n535 5.7.8 Authentication credentials invalid\r\n");
  EXPECT_EQ(Exchange(*c, AuthPlainCommand("nobody", "three"), 2),
            "535 5.7.8 Authentication credentials invalid\r\n"
            "421 4.7.0 Too many authentication failures\r\n");
  EXPECT_TRUE(c->WaitForClose());
}

// PLAIN with an authorization identity other than the authentication
// identity is refused: there is no proxy authorization.
TEST_F(SubmissionAuthTest, AuthorizationIdentityOfAnotherUserIsRefused) {
  auto c = Greeted();
  EXPECT_EQ(Exchange(*c, "AUTH PLAIN " + Base64(std::string("alice\0bob\0secret", 16)) + "\r\n", 1),
            "535 5.7.8 Authentication credentials invalid\r\n");
}

// A mechanism we do not offer is 504 5.5.4 (RFC 4954 §4).
TEST_F(SubmissionAuthTest, UnknownMechanismIs504) {
  auto c = Greeted();
  EXPECT_EQ(Exchange(*c, "AUTH CRAM-MD5\r\n", 1), "504 5.5.4 Unrecognized authentication type\r\n");
}

// AUTH needs EHLO first and works only once per session.
TEST_F(SubmissionAuthTest, AuthBeforeEhloAndAuthTwiceAre503) {
  auto c = OpenSubmission();
  EXPECT_EQ(Exchange(*c, AuthPlainCommand("bob", "secret"), 1), "503 5.5.1 Send EHLO first\r\n");
  EXPECT_THAT(Exchange(*c, kEhlo, 1), HasSubstr("250-AUTH PLAIN LOGIN\r\n"));
  EXPECT_EQ(Exchange(*c, AuthPlainCommand("bob", "secret"), 1),
            "235 2.7.0 Authentication successful\r\n");
  EXPECT_EQ(Exchange(*c, AuthPlainCommand("bob", "secret"), 1),
            "503 5.5.1 Already authenticated\r\n");
}

// After AUTH, EHLO no longer offers AUTH and offers "BURL imap" instead of
// a bare "BURL" (RFC 4468 §3.1 item 3).
TEST_F(SubmissionAuthTest, EhloAfterAuthOffersBurlImapAndNoAuth) {
  auto c = Greeted();
  EXPECT_EQ(Exchange(*c, AuthPlainCommand("bob", "secret"), 1),
            "235 2.7.0 Authentication successful\r\n");
  const std::string ehlo = Exchange(*c, kEhlo, 1);
  EXPECT_THAT(ehlo, HasSubstr("250-BURL imap\r\n"));
  EXPECT_THAT(ehlo, Not(HasSubstr("AUTH")));
}

// ---- STARTTLS ---------------------------------------------------------------

class SubmissionStartTlsTest : public LemonadeFixture {
 protected:
  submission::SubmissionServerConfig SubmitConfig() override {
    submission::SubmissionServerConfig config = LemonadeFixture::SubmitConfig();
    config.tls_available = true;
    config.allow_plaintext_auth = plaintext_auth_;
    return config;
  }

  // Runs the client side of the TLS handshake; true once it succeeded.
  bool Upgrade(TestConnection& c) {
    bool done = false;
    bool ok = false;
    c.StartTls([&done, &ok](absl::Status s) {
      done = true;
      ok = s.ok();
    });
    return RunUntil([&done] { return done; }) && ok;
  }

  bool plaintext_auth_ = true;
};

// STARTTLS is offered before TLS and not after; the handshake works and
// mail submitted over it is marked ESMTPSA (RFC 3848).
TEST_F(SubmissionStartTlsTest, UpgradesAndSubmitsOverTls) {
  auto c = OpenSubmission();
  EXPECT_THAT(Exchange(*c, kEhlo, 1), HasSubstr("250-STARTTLS\r\n"));
  EXPECT_EQ(Exchange(*c, "STARTTLS\r\n", 1), "220 2.0.0 Ready to start TLS\r\n");
  ASSERT_TRUE(Upgrade(*c));
  const std::string ehlo = Exchange(*c, kEhlo, 1);
  EXPECT_THAT(ehlo, Not(HasSubstr("STARTTLS")));
  EXPECT_THAT(ehlo, HasSubstr("250-AUTH PLAIN LOGIN\r\n"));
  const std::string expected =
      "235 2.7.0 Authentication successful\r\n250 2.1.0 Sender OK\r\n"
      "250 2.1.5 Recipient <alice@example.org> OK\r\n250 2.0.0 Ok, queued as ";
  EXPECT_EQ(Exchange(*c, AuthPlainCommand("bob", "secret") +
                             "MAIL FROM:<bob@example.org>\r\nRCPT TO:<alice@example.org>\r\n" +
                             Bdat("Subject: t\r\n\r\n"),
                     4)
                .substr(0, expected.size()),
            expected);
  ASSERT_TRUE(WaitForMessages("alice", 1));
  EXPECT_THAT(MessagesIn("alice")[0], HasSubstr("(lemonade) with ESMTPSA id "));
  EXPECT_EQ(Exchange(*c, "STARTTLS\r\n", 1), "503 5.5.1 TLS already active\r\n");
}

// RFC 3207 §4.2: after TLS the server forgets the EHLO and the AUTH it got
// in plaintext.
TEST_F(SubmissionStartTlsTest, TlsDiscardsEhloAndAuthentication) {
  auto c = OpenSubmission();
  EXPECT_THAT(Exchange(*c, std::string(kEhlo) + AuthPlainCommand("bob", "secret"), 2),
              HasSubstr("235 2.7.0"));
  EXPECT_EQ(Exchange(*c, "STARTTLS\r\n", 1), "220 2.0.0 Ready to start TLS\r\n");
  ASSERT_TRUE(Upgrade(*c));
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org>\r\n", 1),
            "503 5.5.1 Send EHLO or HELO first\r\n");
  EXPECT_THAT(Exchange(*c, kEhlo, 1), HasSubstr("250-AUTH PLAIN LOGIN\r\n"));
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org>\r\n", 1),
            "530 5.7.0 Authentication required\r\n");
}

// STARTTLS inside a mail transaction is refused, so no transaction can
// cross into TLS.
TEST_F(SubmissionStartTlsTest, StartTlsInsideATransactionIs503) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org>\r\nSTARTTLS\r\n", 2),
            "250 2.1.0 Sender OK\r\n503 5.5.1 STARTTLS not allowed in a transaction\r\n");
  EXPECT_EQ(Exchange(*c, "RSET\r\nSTARTTLS\r\n", 2),
            "250 2.0.0 Flushed\r\n220 2.0.0 Ready to start TLS\r\n");
  ASSERT_TRUE(Upgrade(*c));
  EXPECT_EQ(Exchange(*c, "RCPT TO:<alice@example.org>\r\n", 1), "503 5.5.1 Need MAIL command\r\n");
}

// Plaintext pipelined after STARTTLS (the CVE-2011-0411 injection) is
// thrown away, never executed: no reply for it, and its effects are absent.
TEST_F(SubmissionStartTlsTest, PlaintextPipelinedAfterStartTlsIsNeverExecuted) {
  auto c = OpenSubmission();
  EXPECT_THAT(Exchange(*c, std::string(kEhlo) + AuthPlainCommand("bob", "secret"), 2),
              HasSubstr("235 2.7.0"));
  c->TakeNew();
  c->Send("STARTTLS\r\nMAIL FROM:<bob@example.org>\r\nRCPT TO:<alice@example.org>\r\n"
          "BDAT 9 LAST\r\nInjected!NOOP\r\n");
  EXPECT_EQ(WaitForReplies(*c, 1), "220 2.0.0 Ready to start TLS\r\n");
  ASSERT_TRUE(Upgrade(*c));
  EXPECT_EQ(Exchange(*c, kEhlo, 1).substr(0, 46), "250-submit.example.org Hello phone.example.org");
  EXPECT_EQ(Exchange(*c, AuthPlainCommand("bob", "secret") + "RCPT TO:<alice@example.org>\r\n", 2),
            "235 2.7.0 Authentication successful\r\n503 5.5.1 Need MAIL command\r\n");
  world_->RunFor(Duration::Seconds(10));
  EXPECT_TRUE(MessagesIn("alice").empty());
  EXPECT_TRUE(submission_->queue()->entries().empty());
}

// Without TLS configured STARTTLS is not offered and is 454 4.7.0.
TEST_F(SubmissionAuthTest, StartTlsWithoutTlsIs454) {
  auto c = OpenSubmission();
  EXPECT_THAT(Exchange(*c, kEhlo, 1), Not(HasSubstr("STARTTLS")));
  EXPECT_EQ(Exchange(*c, "STARTTLS\r\n", 1), "454 4.7.0 TLS not available\r\n");
}

class SubmissionTlsRequiredTest : public SubmissionStartTlsTest {
 protected:
  SubmissionTlsRequiredTest() { plaintext_auth_ = false; }
};

// With plaintext authentication off, AUTH is offered only after STARTTLS
// (RFC 4954 §4) and refused before it with 530 5.7.0.
TEST_F(SubmissionTlsRequiredTest, AuthIsOfferedOnlyOverTls) {
  auto c = OpenSubmission();
  EXPECT_THAT(Exchange(*c, kEhlo, 1), Not(HasSubstr("AUTH")));
  EXPECT_EQ(Exchange(*c, AuthPlainCommand("bob", "secret"), 1),
            "530 5.7.0 Must issue a STARTTLS command first\r\n");
  EXPECT_EQ(Exchange(*c, "STARTTLS\r\n", 1), "220 2.0.0 Ready to start TLS\r\n");
  ASSERT_TRUE(Upgrade(*c));
  EXPECT_THAT(Exchange(*c, kEhlo, 1), HasSubstr("250-AUTH PLAIN LOGIN\r\n"));
  EXPECT_EQ(Exchange(*c, AuthPlainCommand("bob", "secret"), 1),
            "235 2.7.0 Authentication successful\r\n");
}

}  // namespace
}  // namespace lemonade::testing
