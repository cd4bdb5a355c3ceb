// Delivery status notifications (RFC 3461 parameters, RFC 3464 reports)
// for local delivery: the report's multipart/report contents for a failed
// recipient (ENVID, ORCPT, RET, the FUTURERELEASE request of RFC 4865
// §5.1.2), success notices only when NOTIFY asked for them, and NOTIFY=NEVER
// suppressing everything.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/lemonade_fixture.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kMessage[] =
    "From: Bob <bob@example.org>\r\n"
    "To: Carol <carol@example.org>\r\n"
    "Subject: Minutes\r\n"
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "Message-ID: <minutes@example.org>\r\n"
    "\r\n"
    "Attached.\r\n";

class SubmissionDsnTest : public LemonadeFixture {
 protected:
  void SetUp() override {
    LemonadeFixture::SetUp();
    ASSERT_TRUE(store_->AddUser("carol", "carol-secret").ok());
    Commit();
  }

  void Commit() {
    bool durable = false;
    store_->Commit([&durable](absl::Status s) { durable = s.ok(); });
    ASSERT_TRUE(RunUntil([&durable] { return durable; }));
  }

  // Carol's account disappears after her address was accepted, so her
  // delivery fails permanently (550 5.1.1 at delivery time).
  void RemoveCarol() {
    ASSERT_TRUE(store_->DeleteUser("carol").ok());
    Commit();
  }

  // Submits kMessage: MAIL with `mail_parameters`, one RCPT per entry of
  // `rcpts` ("<addr> PARAMS"), then a RemoveCarol() if asked, then BDAT.
  // Returns the queue id.
  std::string Submit(const std::string& mail_parameters, const std::vector<std::string>& rcpts,
                     bool remove_carol) {
    auto c = SubmitLoggedIn();
    std::string envelope = absl::StrCat("MAIL FROM:<bob@example.org>", mail_parameters, "\r\n");
    for (const std::string& r : rcpts) absl::StrAppend(&envelope, "RCPT TO:", r, "\r\n");
    const std::string accepted = Exchange(*c, envelope, 1 + static_cast<int>(rcpts.size()));
    EXPECT_THAT(accepted, Not(HasSubstr("\r\n5"))) << accepted;
    if (remove_carol) RemoveCarol();
    const std::string done = Exchange(*c, Bdat(kMessage), 1);
    EXPECT_THAT(done, StartsWith("250 2.0.0 Ok, queued as "));
    return done.substr(24, done.size() - 26);
  }

  // The id a DSN gave itself (its Message-ID's local part).
  static std::string DsnIdOf(const std::string& dsn) {
    const size_t at = dsn.find("\r\nMessage-ID: <");
    if (at == std::string::npos) return "";
    const size_t start = at + 15;
    return dsn.substr(start, dsn.find('@', start) - start);
  }
};

// A recipient that fails at delivery gets the sender a complete RFC 3464
// report: human-readable part, message/delivery-status with ENVID, ORCPT,
// Action, Status, Diagnostic-Code, and (RET=HDRS) only the headers back.
TEST_F(SubmissionDsnTest, FailedLocalRecipientGetsAMultipartReport) {
  const std::string id =
      Submit(" RET=HDRS ENVID=QQ314159",
             {"<carol@example.org> NOTIFY=FAILURE ORCPT=rfc822;Carol@Example.org"}, true);
  ASSERT_TRUE(WaitForMessages("bob", 1));
  const std::string dsn = MessagesIn("bob")[0];
  const std::string dsn_id = DsnIdOf(dsn);
  ASSERT_FALSE(dsn_id.empty()) << dsn;
  const std::string boundary = "=_report_" + dsn_id;
  const std::string original_headers = absl::StrCat(
      "Received: from phone.example.org ([10.0.0.3])\r\n"
      "\tby submit.example.org (lemonade) with ESMTPA id ",
      id,
      "\r\n\tfor <carol@example.org>; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
      "From: Bob <bob@example.org>\r\nTo: Carol <carol@example.org>\r\nSubject: Minutes\r\n"
      "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <minutes@example.org>\r\n\r\n");
  EXPECT_EQ(dsn,
            absl::StrCat(
                "Return-Path: <>\r\n"
                "From: Mail Delivery System <MAILER-DAEMON@submit.example.org>\r\n"
                "To: <bob@example.org>\r\n"
                "Subject: Undelivered Mail Returned to Sender\r\n"
                "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
                "Message-ID: <",
                dsn_id,
                "@submit.example.org>\r\n"
                "Auto-Submitted: auto-replied\r\n"
                "MIME-Version: 1.0\r\n"
                "Content-Type: multipart/report; report-type=delivery-status;\r\n"
                "\tboundary=\"",
                boundary,
                "\"\r\n\r\n"
                "This is a MIME-encapsulated message.\r\n\r\n"
                "--",
                boundary,
                "\r\n"
                "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
                "This is the mail system at host submit.example.org.\r\n\r\n"
                "Your message could not be delivered to these recipients:\r\n\r\n"
                "<carol@example.org>: 550 5.1.1 mailbox unavailable\r\n\r\n"
                "--",
                boundary,
                "\r\n"
                "Content-Type: message/delivery-status\r\n\r\n"
                "Reporting-MTA: dns; submit.example.org\r\n"
                "Original-Envelope-Id: QQ314159\r\n"
                "Arrival-Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
                "\r\n"
                "Original-Recipient: rfc822;Carol@Example.org\r\n"
                "Final-Recipient: rfc822; carol@example.org\r\n"
                "Action: failed\r\n"
                "Status: 5.1.1\r\n"
                "Diagnostic-Code: smtp; 550 5.1.1 mailbox unavailable\r\n"
                "\r\n"
                "--",
                boundary,
                "\r\n"
                "Content-Type: text/rfc822-headers\r\n\r\n",
                original_headers, "\r\n--", boundary, "--\r\n"));
  EXPECT_EQ(submission_->delivery()->failed(), 1u);
}

// ENVID and ORCPT are xtext on the wire and decoded in the report.
TEST_F(SubmissionDsnTest, XtextInEnvidAndOrcptIsDecoded) {
  Submit(" ENVID=a+2Bb+3Dc", {"<carol@example.org> ORCPT=rfc822;c+2Bx@example.org"}, true);
  ASSERT_TRUE(WaitForMessages("bob", 1));
  const std::string dsn = MessagesIn("bob")[0];
  EXPECT_THAT(dsn, HasSubstr("\r\nOriginal-Envelope-Id: a+b=c\r\n"));
  EXPECT_THAT(dsn, HasSubstr("\r\nOriginal-Recipient: rfc822;c+x@example.org\r\n"));
}

// RET=FULL returns the whole message as message/rfc822.
TEST_F(SubmissionDsnTest, RetFullReturnsTheWholeMessage) {
  Submit(" RET=FULL", {"<carol@example.org>"}, true);
  ASSERT_TRUE(WaitForMessages("bob", 1));
  const std::string dsn = MessagesIn("bob")[0];
  EXPECT_THAT(dsn, HasSubstr(absl::StrCat("Content-Type: message/rfc822\r\n\r\nReceived: from ")));
  EXPECT_THAT(dsn, HasSubstr(absl::StrCat("\r\n", kMessage, "\r\n--=_report_")));
}

// RFC 4865 §5.1.2: the report on a held message has its Arrival-Date and a
// Future-Release-Request with the hold parameter as given.
TEST_F(SubmissionDsnTest, ReportOnAHeldMessageCarriesTheReleaseRequest) {
  Submit(" HOLDFOR=60", {"<carol@example.org>"}, true);
  ASSERT_TRUE(WaitForMessages("bob", 1));
  const std::string dsn = MessagesIn("bob")[0];
  EXPECT_THAT(dsn, HasSubstr("\r\nDate: Mon, 1 Jan 2024 00:01:00 +0000\r\n"));
  EXPECT_THAT(dsn, HasSubstr("\r\nArrival-Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
                             "Future-Release-Request: for;60\r\n\r\n"));
}

// The same for HOLDUNTIL, with the date-time in RFC 3339 form.
TEST_F(SubmissionDsnTest, ReportOnAMessageHeldUntilADateCarriesIt) {
  Submit(" HOLDUNTIL=2024-01-01T01:00:00Z", {"<carol@example.org>"}, true);
  ASSERT_TRUE(WaitForMessages("bob", 1));
  EXPECT_THAT(MessagesIn("bob")[0],
              HasSubstr("\r\nFuture-Release-Request: until;2024-01-01T01:00:00Z\r\n"));
}

// NOTIFY=SUCCESS gets a "delivered" report; the recipient gets the mail.
TEST_F(SubmissionDsnTest, SuccessNoticeWhenNotifySuccess) {
  Submit("", {"<alice@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice@example.org"}, false);
  ASSERT_TRUE(WaitForMessages("alice", 1));
  ASSERT_TRUE(WaitForMessages("bob", 1));
  const std::string dsn = MessagesIn("bob")[0];
  EXPECT_THAT(dsn, HasSubstr("\r\nSubject: Successful Mail Delivery Report\r\n"));
  EXPECT_THAT(dsn, HasSubstr("\r\n\r\nOriginal-Recipient: rfc822;alice@example.org\r\n"
                             "Final-Recipient: rfc822; alice@example.org\r\n"
                             "Action: delivered\r\n"
                             "Status: 2.0.0\r\n"
                             "Diagnostic-Code: smtp; 250 2.0.0 delivered to INBOX\r\n"));
  // RET unset and a small message: the whole message comes back.
  EXPECT_THAT(dsn, HasSubstr("Content-Type: message/rfc822\r\n\r\n"));
}

// Without NOTIFY a success is silent (RFC 3461 §4.1: FAILURE,DELAY is the
// default) and only failures are reported, once, for the failed recipient.
TEST_F(SubmissionDsnTest, DefaultNotifyReportsOnlyFailures) {
  Submit("", {"<alice@example.org>", "<carol@example.org>"}, true);
  ASSERT_TRUE(WaitForMessages("alice", 1));
  ASSERT_TRUE(WaitForMessages("bob", 1));
  world_->RunFor(Duration::Minutes(10));
  ASSERT_EQ(MessagesIn("bob").size(), 1u);
  const std::string dsn = MessagesIn("bob")[0];
  EXPECT_THAT(dsn, HasSubstr("Final-Recipient: rfc822; carol@example.org\r\n"));
  EXPECT_THAT(dsn, Not(HasSubstr("Final-Recipient: rfc822; alice@example.org")));
  EXPECT_EQ(submission_->delivery()->dsns_sent(), 1u);
}

// NOTIFY=NEVER suppresses the failure report entirely.
TEST_F(SubmissionDsnTest, NotifyNeverSuppressesTheReport) {
  Submit("", {"<carol@example.org> NOTIFY=NEVER"}, true);
  RunUntil([this] { return submission_->delivery()->failed() == 1; });
  world_->RunFor(Duration::Minutes(10));
  EXPECT_EQ(submission_->delivery()->failed(), 1u);
  EXPECT_EQ(submission_->delivery()->dsns_sent(), 0u);
  EXPECT_TRUE(MessagesIn("bob").empty());
  EXPECT_TRUE(submission_->queue()->entries().empty());
}

// NOTIFY=SUCCESS alone does not ask for failure reports.
TEST_F(SubmissionDsnTest, NotifySuccessAloneSuppressesTheFailureReport) {
  Submit("", {"<carol@example.org> NOTIFY=SUCCESS"}, true);
  RunUntil([this] { return submission_->delivery()->failed() == 1; });
  world_->RunFor(Duration::Minutes(10));
  EXPECT_TRUE(MessagesIn("bob").empty());
}

// One delivery attempt that owes two notices (a success and a failure)
// describes the same message in both, even with a busy queue around it
// (queueing the first notice reshapes the queue's map).
TEST_F(SubmissionDsnTest, TwoNoticesFromOneAttemptDescribeTheSameMessage) {
  auto c = SubmitLoggedIn();
  for (int i = 0; i < 8; ++i) {
    EXPECT_THAT(Exchange(*c,
                         absl::StrCat("MAIL FROM:<bob@example.org> HOLDFOR=3600\r\n"
                                      "RCPT TO:<alice@example.org>\r\n",
                                      Bdat(absl::StrCat("Subject: held ", i, "\r\n\r\n"))),
                         3),
                HasSubstr("250 2.0.0 Ok"));
  }
  Submit(" RET=HDRS", {"<alice@example.org> NOTIFY=SUCCESS", "<carol@example.org> NOTIFY=FAILURE"},
         true);
  ASSERT_TRUE(WaitForMessages("bob", 2));
  for (const std::string& dsn : MessagesIn("bob")) {
    EXPECT_THAT(dsn, HasSubstr("\r\nTo: <bob@example.org>\r\n"));
    EXPECT_THAT(dsn, HasSubstr("Content-Type: text/rfc822-headers\r\n\r\nReceived: from "));
    EXPECT_THAT(dsn, HasSubstr("\r\nSubject: Minutes\r\n"));
  }
  EXPECT_THAT(MessagesIn("bob")[0], HasSubstr("Final-Recipient: rfc822; carol@example.org\r\n"
                                              "Action: failed\r\n"));
  EXPECT_THAT(MessagesIn("bob")[1], HasSubstr("Final-Recipient: rfc822; alice@example.org\r\n"
                                              "Action: delivered\r\n"));
}

// The DSN parameters are checked at MAIL and RCPT (RFC 3461 §4).
TEST_F(SubmissionDsnTest, MalformedDsnParametersAre501) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> RET=BODY\r\n", 1),
            "501 5.5.4 Invalid parameter value\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> ENVID=a+2b\r\n", 1),
            "501 5.5.4 Invalid parameter value\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> RET=FULL RET=HDRS\r\n", 1),
            "501 5.5.4 Duplicate parameter\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org>\r\n", 1), "250 2.1.0 Sender OK\r\n");
  EXPECT_EQ(Exchange(*c, "RCPT TO:<alice@example.org> NOTIFY=NEVER,SUCCESS\r\n", 1),
            "501 5.5.4 Invalid parameter value\r\n");
  EXPECT_EQ(Exchange(*c, "RCPT TO:<alice@example.org> ORCPT=rfc822\r\n", 1),
            "501 5.5.4 Invalid parameter value\r\n");
}

// RFC 3461 §4.2/§4.4: ENVID and ORCPT must decode to printable US-ASCII;
// a CR or LF (or NUL, or 8-bit) hidden in xtext would otherwise forge lines
// in the report's delivery-status part.
TEST_F(SubmissionDsnTest, UnprintableEnvidOrOrcptIsRefused) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> ENVID=x+0D+0AAction:+20delivered\r\n", 1),
            "501 5.5.4 Invalid parameter value\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> ENVID=x+00y\r\n", 1),
            "501 5.5.4 Invalid parameter value\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> ENVID=tab+09and+20space\r\n", 1),
            "250 2.1.0 Sender OK\r\n");
  EXPECT_EQ(Exchange(*c, "RCPT TO:<alice@example.org> ORCPT=rfc822;a+0Ab@example.org\r\n", 1),
            "501 5.5.4 Invalid parameter value\r\n");
  EXPECT_EQ(Exchange(*c, "RCPT TO:<alice@example.org> ORCPT=rfc822;a+E9@example.org\r\n", 1),
            "501 5.5.4 Invalid parameter value\r\n");
  EXPECT_EQ(Exchange(*c, "RCPT TO:<alice@example.org> ORCPT=rfc822;alice@example.org\r\n", 1),
            "250 2.1.5 Recipient <alice@example.org> OK\r\n");
}

}  // namespace
}  // namespace lemonade::testing
