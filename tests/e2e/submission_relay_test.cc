// Relaying (RFC 5321 client side of the submission server): mail for a
// non-local domain goes to the configured next hop — here a scripted SMTP
// sink on its own netsim host — with SIZE/DSN parameters only where the
// next hop offers them, retries with exponential backoff on 4xx, "delayed"
// and finally "failed" notices when it stays unreachable, a failure DSN on
// 5xx, and "relayed" notices only for a next hop without DSN (RFC 3461
// §5.2).
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/lemonade_fixture.h"
#include "tests/testing/smtp_replies.h"
#include "tests/testing/smtp_sink.h"

namespace lemonade::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kRelayHost[] = "relay.example.net";
constexpr char kMessage[] =
    "From: Bob <bob@example.org>\r\nTo: Carol <carol@remote.example>\r\nSubject: Hello\r\n"
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <hello@example.org>\r\n\r\n"
    ".Hi, Carol.\r\n";

class SubmissionRelayTest : public LemonadeFixture {
 protected:
  SubmissionRelayTest() { world_->AddHost(kRelayHost); }

  submission::SubmissionServerConfig SubmitConfig() override {
    submission::SubmissionServerConfig config = LemonadeFixture::SubmitConfig();
    config.relay.host = kRelayHost;
    config.relay.port = 25;
    config.delivery_expiry = delivery_expiry_;
    config.delay_notice_after = delay_notice_after_;
    config.relay.tls = relay_tls_;
    config.relay.user = relay_user_;
    config.relay.password = relay_password_;
    return config;
  }

  // The diagnostic of every recipient of the only queued message.
  std::vector<std::string> QueuedDiagnostics() {
    std::vector<std::string> out;
    for (const auto& [id, message] : submission_->queue()->entries()) {
      for (const submission::QueuedRecipient& r : message.recipients) out.push_back(r.diagnostic);
    }
    return out;
  }

  // Starts the next hop with `options`.
  SmtpSink& StartSink(SmtpSink::Options options = SmtpSink::Options()) {
    sink_ = std::make_unique<SmtpSink>(world_->EnvFor(kRelayHost), options);
    EXPECT_TRUE(sink_->Listen(25).ok());
    return *sink_;
  }

  // Submits kMessage from bob with MAIL `parameters` to each of `rcpts`
  // ("<addr> PARAMS"); returns the queue id.
  std::string Submit(const std::vector<std::string>& rcpts, const std::string& parameters = "",
                     const std::string& content = kMessage) {
    auto c = SubmitLoggedIn();
    std::string commands = absl::StrCat("MAIL FROM:<bob@example.org>", parameters, "\r\n");
    for (const std::string& r : rcpts) absl::StrAppend(&commands, "RCPT TO:", r, "\r\n");
    const std::string replies =
        Exchange(*c, commands + Bdat(content), 2 + static_cast<int>(rcpts.size()));
    const size_t at = replies.find("250 2.0.0 Ok, queued as ");
    EXPECT_NE(at, std::string::npos) << replies;
    if (at == std::string::npos) return "";
    return replies.substr(at + 24, replies.find("\r\n", at) - at - 24);
  }

  // What the submission server puts in front of kMessage (no Return-Path:
  // that is added at final delivery, not by a relay).
  static std::string Received(const std::string& id, const std::string& for_line) {
    return absl::StrCat("Received: from phone.example.org ([10.0.0.3])\r\n",
                        "\tby submit.example.org (lemonade) with ESMTPA id ", id, for_line,
                        "; Mon, 1 Jan 2024 00:00:00 +0000\r\n");
  }

  Duration delivery_expiry_ = Duration::Days(5);
  Duration delay_notice_after_ = Duration::Hours(4);
  submission::RelayConfig::Tls relay_tls_ = submission::RelayConfig::Tls::kOpportunistic;
  std::string relay_user_;
  std::string relay_password_;
  std::unique_ptr<SmtpSink> sink_;
};

// A remote recipient's mail reaches the relay with the envelope and the
// exact content (dot-stuffing undone by the relay), pipelined.
TEST_F(SubmissionRelayTest, RemoteMailGoesToTheRelay) {
  SmtpSink& sink = StartSink();
  const std::string id = Submit({"<carol@remote.example>"});
  ASSERT_TRUE(WaitForEmptyQueue());
  ASSERT_THAT(sink.Delivered(), SizeIs(1));
  const SinkTransaction& t = *sink.Delivered()[0];
  EXPECT_EQ(t.mail, "MAIL FROM:<bob@example.org> BODY=8BITMIME");
  EXPECT_THAT(t.rcpts, ElementsAre("RCPT TO:<carol@remote.example>"));
  EXPECT_EQ(t.content, Received(id, "\r\n\tfor <carol@remote.example>") + kMessage);
  EXPECT_THAT(sink.commands(), ElementsAre("EHLO submit.example.org",
                                           "MAIL FROM:<bob@example.org> BODY=8BITMIME",
                                           "RCPT TO:<carol@remote.example>", "DATA", "QUIT"));
  EXPECT_EQ(submission_->delivery()->delivered(), 1u);
  EXPECT_TRUE(MessagesIn("bob").empty());
}

// RFC 1870: SIZE= goes only to a next hop that offered SIZE; a strict one
// would refuse it (555) and the message would bounce.
TEST_F(SubmissionRelayTest, SizeIsSentOnlyWhenOffered) {
  SmtpSink::Options options;
  options.size = true;
  SmtpSink& sink = StartSink(options);
  const std::string id = Submit({"<carol@remote.example>"});
  ASSERT_TRUE(WaitForEmptyQueue());
  ASSERT_THAT(sink.Delivered(), SizeIs(1));
  const size_t size =
      (Received(id, "\r\n\tfor <carol@remote.example>") + kMessage).size();
  EXPECT_EQ(sink.Delivered()[0]->mail,
            absl::StrCat("MAIL FROM:<bob@example.org> SIZE=", size, " BODY=8BITMIME"));
}

// A next hop without PIPELINING gets one command at a time, and the mail
// still goes through.
TEST_F(SubmissionRelayTest, RelayWithoutPipeliningGetsCommandsOneByOne) {
  SmtpSink::Options options;
  options.pipelining = false;
  options.eight_bit_mime = false;
  SmtpSink& sink = StartSink(options);
  Submit({"<carol@remote.example>", "<dave@remote.example>"});
  ASSERT_TRUE(WaitForEmptyQueue());
  ASSERT_THAT(sink.Delivered(), SizeIs(1));
  EXPECT_THAT(sink.Delivered()[0]->accepted,
              ElementsAre("carol@remote.example", "dave@remote.example"));
  EXPECT_EQ(sink.Delivered()[0]->mail, "MAIL FROM:<bob@example.org>");
}

// Local and remote recipients of one message: the local one gets it in
// her INBOX, only the remote one is relayed.
TEST_F(SubmissionRelayTest, LocalAndRemoteRecipientsAreSplit) {
  SmtpSink& sink = StartSink();
  Submit({"<alice@example.org>", "<carol@remote.example>"});
  ASSERT_TRUE(WaitForEmptyQueue());
  ASSERT_THAT(MessagesIn("alice"), SizeIs(1));
  ASSERT_THAT(sink.Delivered(), SizeIs(1));
  EXPECT_THAT(sink.Delivered()[0]->rcpts, ElementsAre("RCPT TO:<carol@remote.example>"));
}

// 4xx from the next hop is retried with exponential backoff (1, 2, 4
// minutes) until it is accepted; no notice is sent.
TEST_F(SubmissionRelayTest, TemporaryFailuresAreRetriedWithBackoff) {
  SmtpSink& sink = StartSink();
  sink.rcpt_reply = [](int session, absl::string_view) {
    return session <= 3 ? std::string("451 4.3.0 Try again later") : std::string();
  };
  Submit({"<carol@remote.example>"});
  ASSERT_TRUE(WaitForEmptyQueue());
  ASSERT_THAT(sink.transactions(), SizeIs(4));
  ASSERT_THAT(sink.Delivered(), SizeIs(1));
  const std::vector<SinkTransaction>& t = sink.transactions();
  const Duration expected[] = {Duration::Minutes(1), Duration::Minutes(2), Duration::Minutes(4)};
  for (int i = 0; i < 3; ++i) {
    const Duration gap = t[i + 1].mail_at - t[i].mail_at;
    EXPECT_GE(gap, expected[i]) << "retry " << i + 1;
    EXPECT_LT(gap, expected[i] + Duration::Seconds(1)) << "retry " << i + 1;
  }
  EXPECT_TRUE(MessagesIn("bob").empty());
}

// 5xx for a recipient is final: no retry, and the sender gets a failure
// DSN with the next hop's reply as Diagnostic-Code.
TEST_F(SubmissionRelayTest, PermanentFailureBouncesWithADsn) {
  SmtpSink& sink = StartSink();
  sink.rcpt_reply = [](int, absl::string_view address) {
    return address == "carol@remote.example" ? std::string("550 5.1.1 No such user here")
                                             : std::string();
  };
  Submit({"<carol@remote.example>", "<dave@remote.example>"});
  ASSERT_TRUE(WaitForEmptyQueue());
  ASSERT_TRUE(WaitForMessages("bob", 1));
  EXPECT_EQ(sink.sessions(), 1);
  ASSERT_THAT(sink.Delivered(), SizeIs(1));
  EXPECT_THAT(sink.Delivered()[0]->accepted, ElementsAre("dave@remote.example"));
  const std::string dsn = MessagesIn("bob")[0];
  EXPECT_THAT(dsn, HasSubstr("\r\n<carol@remote.example>: 550 5.1.1 No such user here\r\n"));
  EXPECT_THAT(dsn, HasSubstr("\r\nFinal-Recipient: rfc822; carol@remote.example\r\n"
                             "Action: failed\r\nStatus: 5.1.1\r\n"
                             "Diagnostic-Code: smtp; 550 5.1.1 No such user here\r\n"));
  EXPECT_THAT(dsn, Not(HasSubstr("dave@remote.example")));
}

// A 5xx to the message content fails every recipient it was for.
TEST_F(SubmissionRelayTest, RejectedContentBouncesEveryRecipient) {
  SmtpSink& sink = StartSink();
  sink.data_reply = [](int) { return std::string("554 5.6.0 Content rejected"); };
  Submit({"<carol@remote.example>", "<dave@remote.example>"});
  ASSERT_TRUE(WaitForEmptyQueue());
  ASSERT_TRUE(WaitForMessages("bob", 1));
  const std::string dsn = MessagesIn("bob")[0];
  EXPECT_THAT(dsn, HasSubstr("Final-Recipient: rfc822; carol@remote.example\r\n"
                             "Action: failed\r\nStatus: 5.6.0\r\n"));
  EXPECT_THAT(dsn, HasSubstr("Final-Recipient: rfc822; dave@remote.example\r\n"
                             "Action: failed\r\nStatus: 5.6.0\r\n"));
}

// RFC 3461 §5.2.1: a next hop with DSN gets RET, ENVID, NOTIFY and ORCPT
// unchanged, and takes over the success notice — we send no "relayed"
// one.
TEST_F(SubmissionRelayTest, DsnParametersGoToADsnRelayWhichReportsItself) {
  SmtpSink::Options options;
  options.dsn = true;
  SmtpSink& sink = StartSink(options);
  Submit({"<carol@remote.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Carol@Remote.Example"},
         " RET=HDRS ENVID=QQ+2B314159");
  ASSERT_TRUE(WaitForEmptyQueue());
  ASSERT_THAT(sink.Delivered(), SizeIs(1));
  EXPECT_EQ(sink.Delivered()[0]->mail,
            "MAIL FROM:<bob@example.org> BODY=8BITMIME RET=HDRS ENVID=QQ+2B314159");
  EXPECT_THAT(sink.Delivered()[0]->rcpts,
              ElementsAre("RCPT TO:<carol@remote.example> NOTIFY=SUCCESS,FAILURE "
                          "ORCPT=rfc822;Carol@Remote.Example"));
  world_->RunFor(Duration::Minutes(5));
  EXPECT_THAT(MessagesIn("bob"), IsEmpty());
}

// RFC 3461 §5.2.2: a next hop without DSN gets no DSN parameters, and
// NOTIFY=SUCCESS makes us send a "relayed" notice.
TEST_F(SubmissionRelayTest, RelayWithoutDsnGetsNoParametersAndARelayedNotice) {
  SmtpSink& sink = StartSink();
  Submit({"<carol@remote.example> NOTIFY=SUCCESS"}, " RET=FULL ENVID=e1");
  ASSERT_TRUE(WaitForEmptyQueue());
  ASSERT_THAT(sink.Delivered(), SizeIs(1));
  EXPECT_EQ(sink.Delivered()[0]->mail, "MAIL FROM:<bob@example.org> BODY=8BITMIME");
  EXPECT_THAT(sink.Delivered()[0]->rcpts, ElementsAre("RCPT TO:<carol@remote.example>"));
  ASSERT_TRUE(WaitForMessages("bob", 1));
  const std::string dsn = MessagesIn("bob")[0];
  EXPECT_THAT(dsn, HasSubstr("\r\nOriginal-Envelope-Id: e1\r\n"));
  EXPECT_THAT(dsn, HasSubstr("\r\nFinal-Recipient: rfc822; carol@remote.example\r\n"
                             "Action: relayed\r\nStatus: 2.0.0\r\n"));
}

// ---- CHUNKING and BINARYMIME to the next hop (RFC 3030) ----------------------

// A next hop with CHUNKING gets the content as one BDAT LAST, pipelined
// with the envelope: the exact octets, with no dot-stuffing to undo.
TEST_F(SubmissionRelayTest, ChunkingRelayGetsOneBdatLast) {
  SmtpSink::Options options;
  options.chunking = true;
  SmtpSink& sink = StartSink(options);
  const std::string id = Submit({"<carol@remote.example>"});
  ASSERT_TRUE(WaitForEmptyQueue());
  ASSERT_THAT(sink.Delivered(), SizeIs(1));
  const std::string content = Received(id, "\r\n\tfor <carol@remote.example>") + kMessage;
  EXPECT_TRUE(sink.Delivered()[0]->bdat);
  EXPECT_EQ(sink.Delivered()[0]->content, content);
  EXPECT_THAT(sink.commands(),
              ElementsAre("EHLO submit.example.org", "MAIL FROM:<bob@example.org> BODY=8BITMIME",
                          "RCPT TO:<carol@remote.example>",
                          absl::StrCat("BDAT ", content.size(), " LAST"), "QUIT"));
}

// BINARYMIME content (NUL, bare CR and LF) reaches a BINARYMIME next hop
// octet for octet.
TEST_F(SubmissionRelayTest, BinaryMimeGoesToABinaryMimeRelayExactly) {
  SmtpSink::Options options;
  options.chunking = true;
  options.binary_mime = true;
  SmtpSink& sink = StartSink(options);
  const std::string binary = std::string(
      "From: bob@example.org\r\nSubject: bin\r\nMIME-Version: 1.0\r\n"
      "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"
      "\x00\x01\r.\n.\r\n\xff", 142);
  const std::string id = Submit({"<carol@remote.example>"}, " BODY=BINARYMIME", binary);
  ASSERT_TRUE(WaitForEmptyQueue());
  ASSERT_THAT(sink.Delivered(), SizeIs(1));
  EXPECT_EQ(sink.Delivered()[0]->mail, "MAIL FROM:<bob@example.org> BODY=BINARYMIME");
  const std::string& got = sink.Delivered()[0]->content;
  ASSERT_GE(got.size(), binary.size());
  EXPECT_EQ(got.substr(got.size() - binary.size()), binary);
  EXPECT_THAT(got, ::testing::HasSubstr(absl::StrCat(" id ", id)));
}

// A next hop without BINARYMIME cannot take such content as it is, and we
// do not re-encode it: the sender gets a failure DSN (5.6.3), the relay
// never sees the envelope.
TEST_F(SubmissionRelayTest, BinaryMimeToARelayWithoutItBounces) {
  SmtpSink& sink = StartSink();
  Submit({"<carol@remote.example>"}, " BODY=BINARYMIME",
         std::string("Subject: bin\r\n\r\n\x00\r\n", 17));
  ASSERT_TRUE(WaitForEmptyQueue());
  EXPECT_THAT(sink.transactions(), IsEmpty());
  ASSERT_TRUE(WaitForMessages("bob", 1));
  EXPECT_THAT(MessagesIn("bob")[0], HasSubstr("\r\nAction: failed\r\nStatus: 5.6.3\r\n"));
}

// ---- TLS and credentials to the next hop (RFC 3207, RFC 4954) ----------------

// A relay that offers STARTTLS gets the mail inside TLS (opportunistic TLS
// is the default), after a fresh EHLO (RFC 3207 §4.2).
TEST_F(SubmissionRelayTest, StartTlsIsUsedWhenTheRelayOffersIt) {
  SmtpSink::Options options;
  options.starttls = true;
  SmtpSink& sink = StartSink(options);
  Submit({"<carol@remote.example>"});
  ASSERT_TRUE(WaitForEmptyQueue());
  ASSERT_THAT(sink.Delivered(), SizeIs(1));
  EXPECT_TRUE(sink.Delivered()[0]->tls);
  EXPECT_THAT(sink.commands(),
              ElementsAre("EHLO submit.example.org", "STARTTLS", "EHLO submit.example.org",
                          "MAIL FROM:<bob@example.org> BODY=8BITMIME",
                          "RCPT TO:<carol@remote.example>", "DATA", "QUIT"));
}

class SubmissionRelayAuthTest : public SubmissionRelayTest {
 protected:
  SubmissionRelayAuthTest() {
    relay_user_ = "lemonade";
    relay_password_ = "relay-secret";
  }
};

// A smarthost that wants credentials gets AUTH PLAIN inside TLS.
TEST_F(SubmissionRelayAuthTest, CredentialsGoInsideTls) {
  SmtpSink::Options options;
  options.starttls = true;
  options.auth_user = "lemonade";
  options.auth_password = "relay-secret";
  SmtpSink& sink = StartSink(options);
  Submit({"<carol@remote.example>"});
  ASSERT_TRUE(WaitForEmptyQueue());
  ASSERT_THAT(sink.Delivered(), SizeIs(1));
  EXPECT_TRUE(sink.Delivered()[0]->tls);
  EXPECT_EQ(sink.Delivered()[0]->auth_user, "lemonade");
  ASSERT_THAT(sink.commands(), SizeIs(8));
  EXPECT_EQ(sink.commands()[3], "AUTH PLAIN " + Base64(std::string("\0lemonade\0relay-secret", 22)));
}

// Credentials never travel in the clear: a relay without STARTTLS gets
// no AUTH, and the mail waits in the queue (4.7.0) instead of bouncing.
TEST_F(SubmissionRelayAuthTest, NoCredentialsWithoutTls) {
  SmtpSink& sink = StartSink();
  Submit({"<carol@remote.example>"});
  world_->RunFor(Duration::Minutes(5));
  EXPECT_GE(sink.sessions(), 2);  // retried
  EXPECT_THAT(sink.transactions(), IsEmpty());
  for (const std::string& command : sink.commands()) EXPECT_THAT(command, Not(StartsWith("AUTH")));
  EXPECT_THAT(QueuedDiagnostics(),
              ElementsAre("451 4.7.0 not sending relay credentials without TLS"));
  EXPECT_THAT(MessagesIn("bob"), IsEmpty());
}

// Refused credentials are the operator's to fix: the mail is deferred,
// not bounced.
TEST_F(SubmissionRelayAuthTest, RefusedCredentialsDeferTheMail) {
  SmtpSink::Options options;
  options.starttls = true;
  options.auth_user = "lemonade";
  options.auth_password = "another-secret";
  SmtpSink& sink = StartSink(options);
  Submit({"<carol@remote.example>"});
  world_->RunFor(Duration::Minutes(5));
  EXPECT_THAT(sink.transactions(), IsEmpty());
  EXPECT_THAT(QueuedDiagnostics(),
              ElementsAre("451 4.7.0 relay refused our credentials: 535 Authentication "
                          "credentials invalid"));
  EXPECT_THAT(MessagesIn("bob"), IsEmpty());
}

class SubmissionRelayTlsRequiredTest : public SubmissionRelayTest {
 protected:
  SubmissionRelayTlsRequiredTest() { relay_tls_ = submission::RelayConfig::Tls::kRequired; }
};

// With TLS required, a relay that does not offer STARTTLS never sees the
// envelope; once it does, the queued mail goes through inside TLS.
TEST_F(SubmissionRelayTlsRequiredTest, RelayWithoutStartTlsIsNotUsed) {
  SmtpSink& plain = StartSink();
  Submit({"<carol@remote.example>"});
  world_->RunFor(Duration::Minutes(2));
  EXPECT_THAT(plain.commands(), ElementsAre("EHLO submit.example.org", "QUIT",
                                            "EHLO submit.example.org", "QUIT"));
  EXPECT_THAT(QueuedDiagnostics(),
              ElementsAre("451 4.7.0 relay does not offer STARTTLS, which is required"));
  plain.options().starttls = true;
  ASSERT_TRUE(WaitForEmptyQueue());
  ASSERT_THAT(plain.Delivered(), SizeIs(1));
  EXPECT_TRUE(plain.Delivered()[0]->tls);
  EXPECT_THAT(MessagesIn("bob"), IsEmpty());
}

class SubmissionRelayExpiryTest : public SubmissionRelayTest {
 protected:
  SubmissionRelayExpiryTest() {
    delivery_expiry_ = Duration::Hours(2);
    delay_notice_after_ = Duration::Minutes(30);
  }
};

// A next hop that never answers: retries back off (1, 2, 4, 8, 16, 32, 60
// minutes), the sender hears "delayed" once the message has waited 30
// minutes, and "failed" (4.4.7) when it expires after two hours.
TEST_F(SubmissionRelayExpiryTest, UnreachableRelayIsRetriedThenExpires) {
  Submit({"<carol@remote.example>"});  // nothing listens on the relay host
  ASSERT_TRUE(WaitForMessages("bob", 1));
  const std::string delayed = MessagesIn("bob")[0];
  EXPECT_THAT(delayed, HasSubstr("\r\nSubject: Delayed Mail (still being retried)\r\n"
                                 "Date: Mon, 1 Jan 2024 00:31:00 +0000\r\n"));
  EXPECT_THAT(delayed, HasSubstr("\r\nAction: delayed\r\nStatus: 4.4.1\r\n"
                                 "Diagnostic-Code: smtp; 451 4.4.1 cannot connect to relay\r\n"
                                 "Will-Retry-Until: Mon, 1 Jan 2024 02:00:00 +0000\r\n"));
  ASSERT_TRUE(world_->RunUntil([this] { return MessagesIn("bob").size() >= 2; },
                               world_->Now() + Duration::Hours(3)));
  const std::string failed = MessagesIn("bob")[1];
  EXPECT_THAT(failed, HasSubstr("\r\nDate: Mon, 1 Jan 2024 02:00:00 +0000\r\n"));
  EXPECT_THAT(failed, HasSubstr("\r\nAction: failed\r\nStatus: 4.4.7\r\n"));
  ASSERT_TRUE(WaitForEmptyQueue());
  EXPECT_THAT(MessagesIn("bob"), SizeIs(2));
}

}  // namespace
}  // namespace lemonade::testing
