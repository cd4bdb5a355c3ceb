// The research instrument's headline numbers, checked: each is a claim the
// README and the issue make about Lemonade flows in the simulator.
#include "tools/sim/scenario.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lemonade::sim {
namespace {

const VariantResult& Variant(const ScenarioResult& r, absl::string_view name) {
  for (const VariantResult& v : r.variants) {
    if (v.variant == name) return v;
  }
  static const VariantResult kMissing;
  ADD_FAILURE() << "no variant " << name;
  return kMissing;
}

ScenarioOptions Options(const std::string& scenario, const std::string& profile, uint64_t seed) {
  ScenarioOptions o;
  o.scenario = scenario;
  o.profile = profile;
  o.seed = seed;
  return o;
}

// Forward-without-download of a 1 MB attachment over GPRS moves at most 5%
// of the traditional forward's bytes over the mobile link, in at most 10%
// of its time, and the forward arrives both ways.
TEST(ScenarioTest, ForwardWithoutDownloadOverGprsSavesBytesAndTime) {
  ScenarioOptions o = Options("forward", "gprs", 7);
  auto result = RunScenario(o);
  ASSERT_TRUE(result.ok()) << result.status();
  const VariantResult& traditional = Variant(*result, "traditional");
  const VariantResult& lemonade = Variant(*result, "without-download");
  ASSERT_TRUE(traditional.ok) << traditional.error;
  ASSERT_TRUE(lemonade.ok) << lemonade.error;
  // The message crosses the radio link three times the traditional way.
  EXPECT_GT(traditional.mobile_wire_bytes(), 3 * o.attachment_bytes);
  EXPECT_LE(lemonade.mobile_wire_bytes() * 100, traditional.mobile_wire_bytes() * 5)
      << FormatSummary(*result);
  EXPECT_LE(lemonade.completion.nanoseconds() * 10, traditional.completion.nanoseconds())
      << FormatSummary(*result);
  // The attachment travels between the servers instead.
  EXPECT_GT(lemonade.server_wire_bytes, o.attachment_bytes);
  EXPECT_EQ(traditional.server_wire_bytes, 0u);
}

// Reconnecting to a 10,000-message mailbox after 100 changes: QRESYNC and
// session resume each move at most 2% of a full resync's bytes and need at
// most 2 round trips once the connection is up; all three end with the
// cache equal to the server's mailbox (checked inside the scenario).
TEST(ScenarioTest, QuickReconnectMovesLittleAndTakesFewRoundTrips) {
  ScenarioOptions o = Options("reconnect", "umts", 3);
  auto result = RunScenario(o);
  ASSERT_TRUE(result.ok()) << result.status();
  const VariantResult& full = Variant(*result, "full");
  ASSERT_TRUE(full.ok) << full.error;
  for (const char* quick : {"qresync", "resume"}) {
    const VariantResult& v = Variant(*result, quick);
    ASSERT_TRUE(v.ok) << quick << ": " << v.error;
    EXPECT_LE(v.mobile_wire_bytes() * 100, full.mobile_wire_bytes() * 2)
        << quick << "\n" << FormatSummary(*result);
    EXPECT_LE(v.round_trips, 2u) << quick;
  }
}

// Pipelined submission with CHUNKING takes the protocol's minimum: after
// the greeting, one round trip for EHLO (the client must see PIPELINING
// first, RFC 2920 §3.1) and one for everything else. DATA adds one (the
// content waits for 354); without pipelining every command is a round trip.
TEST(ScenarioTest, PipelinedSubmissionTakesTheMinimumRoundTrips) {
  ScenarioOptions o = Options("submit", "lte", 5);
  o.recipients = 3;
  auto result = RunScenario(o);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(Variant(*result, "pipelined").round_trips, 2u);
  EXPECT_EQ(Variant(*result, "pipelined-data").round_trips, 3u);
  // EHLO, AUTH, MAIL, 3 x RCPT, DATA, content.
  EXPECT_EQ(Variant(*result, "sequential").round_trips, 8u);
  for (const VariantResult& v : result->variants) EXPECT_TRUE(v.ok) << v.variant << v.error;
}

// One seed is one run: the same options give the same trace hash and the
// same numbers; another seed gives another run.
TEST(ScenarioTest, SameSeedSameRunDifferentSeedDifferentRun) {
  ScenarioOptions o = Options("forward", "hspa", 11);
  o.attachment_bytes = 50000;
  auto a = RunScenario(o);
  auto b = RunScenario(o);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->variants.size(), b->variants.size());
  for (size_t i = 0; i < a->variants.size(); ++i) {
    EXPECT_EQ(a->variants[i].trace_hash, b->variants[i].trace_hash);
    EXPECT_EQ(a->variants[i].mobile_wire_bytes(), b->variants[i].mobile_wire_bytes());
    EXPECT_EQ(a->variants[i].completion, b->variants[i].completion);
  }
  EXPECT_EQ(FormatJson(*a), FormatJson(*b));
  o.seed = 12;
  auto c = RunScenario(o);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(c->variants[0].trace_hash, a->variants[0].trace_hash);
}

// A commute with outages, handovers, loss bursts and a forgetful NAT:
// every variant keeps the phone's INBOX in sync (all arrivals noticed);
// IDLE notices sooner than polling, and QRESYNC reconnects move far fewer
// bytes than full resynchronisation.
TEST(ScenarioTest, CommuteKeepsInSyncAndIdleBeatsPolling) {
  ScenarioOptions o = Options("commute", "umts", 3);
  auto result = RunScenario(o);
  ASSERT_TRUE(result.ok()) << result.status();
  for (const VariantResult& v : result->variants) {
    EXPECT_TRUE(v.ok) << v.variant << ": " << v.error;
    EXPECT_EQ(v.notified, v.arrivals) << v.variant;
    EXPECT_GT(v.reconnects, 0u) << v.variant << " never had to reconnect: no faults?";
  }
  const VariantResult& idle = Variant(*result, "idle-qresync");
  const VariantResult& poll = Variant(*result, "poll-qresync");
  const VariantResult& full = Variant(*result, "idle-full");
  EXPECT_LT(idle.notify_latency_mean, poll.notify_latency_mean) << FormatSummary(*result);
  EXPECT_LT(idle.mobile_wire_bytes() * 2, full.mobile_wire_bytes()) << FormatSummary(*result);
}

// Unknown scenarios and variants are refused with a clear message.
TEST(ScenarioTest, UnknownNamesAreRefused) {
  auto r = RunScenario(Options("teleport", "gprs", 1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  ScenarioOptions o = Options("forward", "gprs", 1);
  o.variants = {"pigeon"};
  EXPECT_THAT(RunScenario(o).status().message(), ::testing::HasSubstr("unknown variant 'pigeon'"));
  EXPECT_EQ(RunScenario(Options("forward", "carrier-pigeon", 1)).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace lemonade::sim
