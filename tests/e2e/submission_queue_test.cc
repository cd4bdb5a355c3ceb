// The submission server's durable queue across crashes of its host
// (netsim World::CrashHost; the server is recreated on restart with the
// same Env and so the same disk): a message acknowledged with 250 is never
// lost — checked for one held message, for a client that leaves before the
// reply, for 200 seeds each crashing at a seed-derived time in the middle
// of a stream of submissions and deliveries, and for a failure notice
// being queued at the moment of the crash.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "netsim/rng.h"
#include "protocol/smtp/smtp_reply_parser.h"
#include "tests/e2e/lemonade_fixture.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// One message of a crash run: its number is in its Message-ID.
std::string NumberedMessage(int i) {
  return absl::StrCat("From: bob@example.org\r\nTo: alice@example.org\r\nSubject: number ", i,
                      "\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <m", i,
                      "@phone.example.org>\r\n\r\nMessage ", i, ".\r\n");
}

// A phone that submits messages 0..n-1 to alice, one transaction at a time
// (EHLO, AUTH and the first transaction pipelined), and keeps going
// through crashes of the server: on a broken or silent connection it
// reconnects and resends the message it has no 250 for. It records which
// messages were acknowledged.
class CrashingSubmitter : public StreamHandler {
 public:
  CrashingSubmitter(const Env& env, int messages, std::vector<int> hold_seconds)
      : env_(env), messages_(messages), hold_seconds_(std::move(hold_seconds)) {}
  ~CrashingSubmitter() override {
    if (timer_ != kNoTimer) env_.timers->Cancel(timer_);
    if (stream_) stream_->SetHandler(nullptr);
  }

  void Start() { Connect(); }
  bool done() const { return next_ == messages_; }
  const std::set<int>& acknowledged() const { return acknowledged_; }
  int connections() const { return connections_; }

  void OnStreamData(absl::string_view bytes) override {
    while (!bytes.empty()) {
      smtp::SmtpReplyParseResult r = parser_.Parse(bytes);
      bytes.remove_prefix(r.consumed);
      if (r.kind == smtp::SmtpReplyParseResult::Kind::kError) return Retry();
      if (r.kind != smtp::SmtpReplyParseResult::Kind::kReply) continue;
      if (!OnReply(r.reply)) return;
    }
  }

  void OnStreamClosed(absl::Status status) override {
    if (!done()) Retry();
  }

 private:
  void Connect() {
    ++connections_;
    parser_.Reset();
    expected_ = 0;
    std::weak_ptr<bool> alive = alive_;
    env_.network->Connect(kSubmitHost, 587,
                          [this, alive](absl::StatusOr<std::unique_ptr<Stream>> stream) {
                            if (alive.expired()) return;
                            if (!stream.ok()) return Later();
                            stream_ = std::move(*stream);
                            stream_->SetHandler(this);
                            // Greeting, EHLO, AUTH, then the transaction.
                            expected_ = 3;
                            stream_->Write(absl::StrCat("EHLO phone.example.org\r\n",
                                                        AuthPlainCommand("bob", "secret"),
                                                        Transaction()));
                            Watch();
                          });
  }

  std::string Transaction() {
    expected_ += 3;  // MAIL, RCPT, BDAT LAST
    const std::string hold =
        hold_seconds_[next_] > 0 ? absl::StrCat(" HOLDFOR=", hold_seconds_[next_]) : "";
    const std::string content = NumberedMessage(next_);
    return absl::StrCat("MAIL FROM:<bob@example.org>", hold, "\r\nRCPT TO:<alice@example.org>\r\n",
                        "BDAT ", content.size(), " LAST\r\n", content);
  }

  // False when the connection was given up.
  bool OnReply(const smtp::SmtpReply& reply) {
    if (done()) return false;  // QUIT's reply
    --expected_;
    if (expected_ > 0) {
      if (reply.code >= 400) {
        Retry();
        return false;
      }
      return true;
    }
    // The final reply of the transaction.
    if (reply.code != 250) {
      Retry();
      return false;
    }
    acknowledged_.insert(next_);
    ++next_;
    if (done()) {
      if (timer_ != kNoTimer) env_.timers->Cancel(timer_);
      timer_ = kNoTimer;
      stream_->Write("QUIT\r\n");
      return false;
    }
    stream_->Write(Transaction());
    Watch();
    return true;
  }

  // A server that says nothing for 20 s is presumed dead (a crashed host
  // never answers; the TCP connection alone would wait forever).
  void Watch() {
    if (timer_ != kNoTimer) env_.timers->Cancel(timer_);
    timer_ = env_.timers->ScheduleAt(env_.Now() + Duration::Seconds(20), [this] {
      timer_ = kNoTimer;
      Retry();
    });
  }

  void Retry() {
    if (stream_) {
      stream_->SetHandler(nullptr);
      stream_->Abort();
      // Destroyed on the next turn, not inside its own callback.
      env_.timers->Post([doomed = std::shared_ptr<Stream>(std::move(stream_))] {});
    }
    Later();
  }

  void Later() {
    if (timer_ != kNoTimer) env_.timers->Cancel(timer_);
    timer_ = env_.timers->ScheduleAt(env_.Now() + Duration::Seconds(1), [this] {
      timer_ = kNoTimer;
      Connect();
    });
  }

  Env env_;
  const int messages_;
  const std::vector<int> hold_seconds_;
  std::unique_ptr<Stream> stream_;
  smtp::SmtpReplyParser parser_;
  int next_ = 0;
  int expected_ = 0;
  int connections_ = 0;
  std::set<int> acknowledged_;
  TimerId timer_ = kNoTimer;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

class SubmissionQueueTest : public LemonadeFixture {
 protected:
  explicit SubmissionQueueTest(uint64_t seed = 1) : LemonadeFixture(seed) {}

  void SetUp() override {
    LemonadeFixture::SetUp();
    RestartSubmissionAfterCrash();
  }
};

// A held message acknowledged before a crash of the submit host is still
// queued after the restart and released at its original time.
TEST_F(SubmissionQueueTest, AcknowledgedMessageSurvivesACrash) {
  auto c = SubmitLoggedIn();
  EXPECT_THAT(Exchange(*c,
                       "MAIL FROM:<bob@example.org> HOLDFOR=600\r\nRCPT TO:<alice@example.org>\r\n" +
                           Bdat(NumberedMessage(1)),
                       3),
              HasSubstr("250 2.0.0 Ok, queued as "));
  ASSERT_EQ(submission_->queue()->entries().size(), 1u);
  const Time release = submission_->queue()->entries().begin()->second.release;
  world_->CrashHost(kSubmitHost, world_->Now() + Duration::Seconds(60), Duration::Seconds(10));
  world_->RunUntil(release - Duration::Seconds(1));
  ASSERT_NE(submission_, nullptr) << "the restart hook did not recreate the server";
  EXPECT_EQ(submission_->queue()->entries().size(), 1u);
  EXPECT_TRUE(MessagesIn("alice").empty());
  ASSERT_TRUE(WaitForMessages("alice", 1));
  EXPECT_EQ(world_->Now(), release);
  EXPECT_THAT(MessagesIn("alice")[0], HasSubstr(NumberedMessage(1)));
  RunUntil([this] { return submission_->queue()->entries().empty(); });
  EXPECT_TRUE(submission_->queue()->entries().empty());
}

// A client that sends the end of its message and leaves at once (before
// the 250 could reach it) does not leave the message stranded in the
// queue: it is delivered, and the queue empties.
TEST_F(SubmissionQueueTest, MessageOfAClientThatLeftBeforeTheReplyIsDelivered) {
  auto c = SubmitLoggedIn();
  c->Send("MAIL FROM:<bob@example.org>\r\nRCPT TO:<alice@example.org>\r\n" +
          Bdat(NumberedMessage(2)));
  c->Close();
  ASSERT_TRUE(WaitForMessages("alice", 1));
  EXPECT_THAT(MessagesIn("alice")[0], HasSubstr(NumberedMessage(2)));
  RunUntil([this] { return submission_->queue()->entries().empty(); });
  EXPECT_TRUE(submission_->queue()->entries().empty());
}

// Many seeds: a phone submits a stream of messages (some held) while the
// submit host crashes at a seed-derived moment and restarts a
// seed-derived time later. Every message that got its 250 reaches alice
// (at least once: delivery is at-least-once by design), nothing else
// does, and the queue ends empty.
class SubmissionQueueCrashTest : public SubmissionQueueTest,
                                 public ::testing::WithParamInterface<uint64_t> {
 protected:
  SubmissionQueueCrashTest() : SubmissionQueueTest(GetParam()) {}
};

TEST_P(SubmissionQueueCrashTest, NothingAcknowledgedIsLost) {
  netsim::Rng rng = world_->RandomStream("test/queue-crash");
  const int messages = static_cast<int>(rng.UniformInRange(5, 25));
  std::vector<int> hold(messages, 0);
  for (int& h : hold) h = rng.Bernoulli(netsim::Probability::Percent(20)) ? 30 : 0;
  const Duration crash_after = rng.UniformDuration(Duration::Zero(), Duration::Seconds(1));
  const Duration down_for = rng.UniformDuration(Duration::Seconds(1), Duration::Seconds(60));
  const std::string run = absl::StrCat("reproduce with seed=", GetParam(), " (", messages,
                                       " messages, crash after ", crash_after.milliseconds(),
                                       " ms, down for ", down_for.milliseconds(), " ms)");

  CrashingSubmitter phone(world_->EnvFor(kPhoneHost), messages, hold);
  phone.Start();
  world_->CrashHost(kSubmitHost, world_->Now() + crash_after, down_for);
  ASSERT_TRUE(RunUntil([&phone] { return phone.done(); })) << run;
  ASSERT_EQ(phone.acknowledged().size(), static_cast<size_t>(messages)) << run;

  // Every acknowledged message arrives; nothing the phone did not send.
  auto delivered = [this] {
    std::multiset<std::string> ids;
    for (const std::string& m : MessagesIn("alice")) {
      const size_t at = m.find("\r\nMessage-ID: <m");
      ids.insert(at == std::string::npos ? std::string("?")
                                         : m.substr(at + 15, m.find('>', at) - at - 15));
    }
    return ids;
  };
  const bool all = RunUntil([&] {
    const std::multiset<std::string> ids = delivered();
    for (int i : phone.acknowledged()) {
      if (ids.count(absl::StrCat("m", i, "@phone.example.org")) == 0) return false;
    }
    return submission_ != nullptr && submission_->queue()->entries().empty();
  });
  const std::multiset<std::string> ids = delivered();
  for (int i : phone.acknowledged()) {
    EXPECT_GE(ids.count(absl::StrCat("m", i, "@phone.example.org")), 1u)
        << "acknowledged message " << i << " was lost; " << run;
  }
  for (const std::string& id : ids) {
    EXPECT_THAT(id, StartsWith("m")) << run;
  }
  EXPECT_TRUE(all) << run;
  EXPECT_GE(phone.connections(), 1) << run;
}

std::vector<uint64_t> Seeds() {
  std::vector<uint64_t> seeds;
  for (uint64_t s = 1; s <= 200; ++s) seeds.push_back(s);
  return seeds;
}

INSTANTIATE_TEST_SUITE_P(Seeds, SubmissionQueueCrashTest, ::testing::ValuesIn(Seeds()));

// A crash while a failure notice is being queued: the notice is either
// durable before the failed message leaves the queue, or the message is
// still there after the restart and the notice is made again. Crashes are
// placed every 250 µs over the few milliseconds the delivery attempt, the
// store commit and the notice's queue write take.
class SubmissionNoticeCrashTest : public SubmissionQueueTest,
                                  public ::testing::WithParamInterface<int> {};

TEST_P(SubmissionNoticeCrashTest, FailureNoticeIsNotLost) {
  ASSERT_TRUE(store_->AddUser("carol", "carol-secret").ok());
  auto c = SubmitLoggedIn();
  EXPECT_EQ(Exchange(*c, "MAIL FROM:<bob@example.org> HOLDFOR=60\r\nRCPT TO:<carol@example.org>\r\n",
                     2),
            "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient <carol@example.org> OK\r\n");
  ASSERT_TRUE(store_->DeleteUser("carol").ok());
  EXPECT_THAT(Exchange(*c, Bdat(NumberedMessage(3)), 1), StartsWith("250 2.0.0 Ok, queued as "));
  ASSERT_EQ(submission_->queue()->entries().size(), 1u);
  const Time release = submission_->queue()->entries().begin()->second.release;
  const Duration offset = Duration::Microseconds(250) * GetParam();
  world_->CrashHost(kSubmitHost, release + offset, Duration::Seconds(5));
  ASSERT_TRUE(WaitForMessages("bob", 1)) << "the failure notice was lost; crash at +"
                                         << offset.microseconds() << " us";
  EXPECT_THAT(MessagesIn("bob")[0], HasSubstr("Final-Recipient: rfc822; carol@example.org\r\n"
                                              "Action: failed\r\n"));
}

INSTANTIATE_TEST_SUITE_P(Offsets, SubmissionNoticeCrashTest, ::testing::Range(0, 24));

}  // namespace
}  // namespace lemonade::testing
