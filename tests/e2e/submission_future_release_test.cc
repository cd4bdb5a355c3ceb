// FUTURERELEASE (RFC 4865) in virtual time: HOLDFOR and HOLDUNTIL keep a
// message in the queue until its release time and not a moment longer;
// values over the advertised limits, two hold parameters or malformed
// values are 501 5.5.4 (§4.2 items 7-11).
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

constexpr char kMessage[] =
    "From: bob@example.org\r\nTo: alice@example.org\r\nSubject: later\r\n"
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <later@example.org>\r\n\r\nBoo!\r\n";

// 2024-01-01T00:00:00Z, where every world starts.
constexpr int64_t kEpochSeconds = 1704067200;

class SubmissionFutureReleaseTest : public LemonadeFixture {
 protected:
  // Submits kMessage from bob to alice with MAIL `parameters`; returns the
  // replies to MAIL, RCPT and BDAT.
  std::string Submit(TestConnection& c, const std::string& parameters) {
    return Exchange(c,
                    absl::StrCat("MAIL FROM:<bob@example.org>", parameters,
                                 "\r\nRCPT TO:<alice@example.org>\r\n", Bdat(kMessage)),
                    3);
  }

  // The queue entry of the one message queued.
  const submission::QueuedMessage* OnlyQueued() {
    EXPECT_EQ(submission_->queue()->entries().size(), 1u);
    if (submission_->queue()->entries().empty()) return nullptr;
    return &submission_->queue()->entries().begin()->second;
  }

  // Runs to just before `release` and checks alice has nothing, then checks
  // the message arrives at `release` itself (within a millisecond).
  void ExpectDeliveredExactlyAt(Time release) {
    world_->RunUntil(release - Duration::Nanoseconds(1));
    EXPECT_TRUE(MessagesIn("alice").empty()) << "delivered before its release time";
    EXPECT_TRUE(world_->RunUntil([this] { return !MessagesIn("alice").empty(); },
                                 release + Duration::Milliseconds(1)))
        << "not delivered right after its release time";
    EXPECT_EQ(MailboxOf("alice")->messages()[0].internal_date, release.unix_seconds());
  }
};

// HOLDFOR=3600 holds the message for exactly an hour after it was accepted.
TEST_F(SubmissionFutureReleaseTest, HoldForReleasesTheMessageAfterTheInterval) {
  auto c = SubmitLoggedIn();
  EXPECT_THAT(Submit(*c, " HOLDFOR=3600"), HasSubstr("250 2.0.0 Ok, queued as "));
  const submission::QueuedMessage* queued = OnlyQueued();
  ASSERT_NE(queued, nullptr);
  EXPECT_EQ(queued->release - queued->arrival, Duration::Hours(1));
  ExpectDeliveredExactlyAt(queued->release);
}

// HOLDUNTIL holds the message until that date-time.
TEST_F(SubmissionFutureReleaseTest, HoldUntilReleasesTheMessageAtThatTime) {
  auto c = SubmitLoggedIn();
  EXPECT_THAT(Submit(*c, " HOLDUNTIL=2024-01-01T06:30:00Z"),
              HasSubstr("250 2.0.0 Ok, queued as "));
  const Time release = Time::FromUnixSeconds(kEpochSeconds + 6 * 3600 + 30 * 60);
  ASSERT_NE(OnlyQueued(), nullptr);
  EXPECT_EQ(OnlyQueued()->release, release);
  ExpectDeliveredExactlyAt(release);
}

// HOLDUNTIL with a zone offset means the same instant in UTC (RFC 3339).
TEST_F(SubmissionFutureReleaseTest, HoldUntilWithAnOffsetIsConvertedToUtc) {
  auto c = SubmitLoggedIn();
  EXPECT_THAT(Submit(*c, " HOLDUNTIL=2024-01-01T03:00:00+02:00"),
              HasSubstr("250 2.0.0 Ok, queued as "));
  ASSERT_NE(OnlyQueued(), nullptr);
  EXPECT_EQ(OnlyQueued()->release, Time::FromUnixSeconds(kEpochSeconds + 3600));
}

// Messages held for different times come out in release order, not in
// submission order.
TEST_F(SubmissionFutureReleaseTest, HeldMessagesAreReleasedInReleaseOrder) {
  auto c = SubmitLoggedIn();
  EXPECT_THAT(Submit(*c, " HOLDFOR=600"), HasSubstr("250 2.0.0 Ok"));
  EXPECT_THAT(Exchange(*c,
                       absl::StrCat("MAIL FROM:<bob@example.org> HOLDFOR=60\r\n"
                                    "RCPT TO:<alice@example.org>\r\n",
                                    Bdat("Subject: first\r\n\r\n")),
                       3),
              HasSubstr("250 2.0.0 Ok"));
  ASSERT_TRUE(WaitForMessages("alice", 1));
  EXPECT_THAT(MessagesIn("alice")[0], HasSubstr("Subject: first\r\n"));
  EXPECT_GE(world_->Now() - Time::FromUnixSeconds(kEpochSeconds), Duration::Seconds(60));
  EXPECT_LT(world_->Now() - Time::FromUnixSeconds(kEpochSeconds), Duration::Seconds(61));
  ASSERT_TRUE(WaitForMessages("alice", 2));
  EXPECT_THAT(MessagesIn("alice")[1], HasSubstr("Subject: later\r\n"));
}

// §4.2 items 7 and 10-11: HOLDFOR beyond the advertised interval is 501
// 5.5.4; exactly the interval is fine.
TEST_F(SubmissionFutureReleaseTest, HoldForOverTheMaximumIs501) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> HOLDFOR=604801\r\n", 1),
            "501 5.5.4 HOLDFOR exceeds the maximum release interval\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> HOLDFOR=604800\r\n", 1),
            "250 2.1.0 Sender OK\r\n");
}

// §4.2 item 8: HOLDUNTIL after the advertised date-time is 501 5.5.4; the
// advertised date-time itself is fine.
TEST_F(SubmissionFutureReleaseTest, HoldUntilAfterTheMaximumIs501) {
  auto c = OpenSubmission();
  EXPECT_THAT(Exchange(*c, "EHLO phone.example.org\r\n", 1),
              HasSubstr("250 FUTURERELEASE 604800 2024-01-08T00:00:00Z\r\n"));
  EXPECT_THAT(Exchange(*c, AuthPlainCommand("bob", "secret"), 1), StartsWith("235 "));
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> HOLDUNTIL=2024-01-08T00:00:01Z\r\n", 1),
            "501 5.5.4 HOLDUNTIL is later than the maximum release date\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> HOLDUNTIL=2024-01-08T00:00:00Z\r\n", 1),
            "250 2.1.0 Sender OK\r\n");
}

// Far-future dates (RFC 3339 allows up to 9999) are just "too late",
// however far they are beyond what the clock can represent.
TEST_F(SubmissionFutureReleaseTest, HoldUntilFarInTheFutureIs501) {
  auto c = SubmitLoggedIn();
  for (const char* until : {"2300-01-01T00:00:00Z", "9999-12-31T23:59:59Z"}) {
    EXPECT_EQ(Exchange(*c, absl::StrCat("MAIL FROM:<bob@example.org> HOLDUNTIL=", until, "\r\n"), 1),
              "501 5.5.4 HOLDUNTIL is later than the maximum release date\r\n")
        << until;
  }
}

// A HOLDUNTIL already past (even long before the clock's range) releases
// the message at once.
TEST_F(SubmissionFutureReleaseTest, HoldUntilInThePastReleasesAtOnce) {
  auto c = SubmitLoggedIn();
  EXPECT_THAT(Submit(*c, " HOLDUNTIL=0001-01-01T00:00:00Z"), HasSubstr("250 2.0.0 Ok, queued as "));
  ASSERT_TRUE(world_->RunUntil([this] { return !MessagesIn("alice").empty(); },
                               world_->Now() + Duration::Milliseconds(10)));
}

// §4.2 item 9: more than one hold parameter is 501 5.5.4.
TEST_F(SubmissionFutureReleaseTest, TwoHoldParametersAre501) {
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> HOLDFOR=60 HOLDUNTIL=2024-01-02T00:00:00Z\r\n",
                     1),
            "501 5.5.4 Duplicate parameter\r\n");
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> HOLDFOR=60 HOLDFOR=70\r\n", 1),
            "501 5.5.4 Duplicate parameter\r\n");
}

// Malformed hold values ("otherwise invalid", items 7-8) are 501 5.5.4.
TEST_F(SubmissionFutureReleaseTest, MalformedHoldValuesAre501) {
  auto c = SubmitLoggedIn();
  for (const char* parameter : {"HOLDFOR=0", "HOLDFOR=1000000000", "HOLDFOR=ten", "HOLDFOR",
                                "HOLDUNTIL=tomorrow", "HOLDUNTIL=2024-01-02"}) {
    EXPECT_EQ(Exchange(*c, absl::StrCat("MAIL FROM:<bob@example.org> ", parameter, "\r\n"), 1),
              "501 5.5.4 Invalid parameter value\r\n")
        << parameter;
  }
}

}  // namespace
}  // namespace lemonade::testing
