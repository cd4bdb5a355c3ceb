// Determinism: one seed is one run. The busy scenario (two servers with
// disks, two mobile clients, STARTTLS, NAT, random outages, handovers,
// loss bursts and a server crash) gives the same trace hash every time
// for the same seed, different hashes for different seeds, and a recorded
// trace replays event by event.
#include <cstdint>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "netsim/busy_scenario.h"
#include "netsim/trace.h"

namespace lemonade::netsim {
namespace {

BusyScenarioOptions Minutes(int minutes) {
  BusyScenarioOptions options;
  options.duration = Duration::Minutes(minutes);
  return options;
}

TEST(DeterminismTest, TheBusyScenarioDoesRealWork) {
  BusyScenarioResult r = RunBusyScenario(3, Minutes(10));
  EXPECT_GT(r.requests_answered, 500u);
  EXPECT_GT(r.connections, 4u);  // Some reconnected after faults.
  EXPECT_GT(r.crashes, 0u);
  EXPECT_GT(r.trace_events, 20000u);
  RecordProperty("requests", r.requests_answered);
  RecordProperty("connections", r.connections);
  RecordProperty("trace_events", r.trace_events);
  RecordProperty("loop_events", r.events);
}

TEST(DeterminismTest, SameSeedSameHashAcrossAHundredSeeds) {
  std::set<uint64_t> hashes;
  uint64_t crashes = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    BusyScenarioResult a = RunBusyScenario(seed, Minutes(5));
    BusyScenarioResult b = RunBusyScenario(seed, Minutes(5));
    ASSERT_EQ(a.trace_hash, b.trace_hash) << "nondeterministic run; reproduce with seed=" << seed;
    ASSERT_EQ(a.events, b.events) << "seed=" << seed;
    hashes.insert(a.trace_hash);
    crashes += a.crashes;
  }
  // Different seeds differ.
  EXPECT_EQ(hashes.size(), 100u);
  EXPECT_GT(crashes, 0u);  // The fault plans did crash the server.
}

TEST(DeterminismTest, RecordedTraceReplaysEventByEvent) {
  BusyScenarioOptions record = Minutes(5);
  record.keep_trace = true;
  BusyScenarioResult recorded = RunBusyScenario(42, record);
  absl::StatusOr<RecordedTrace> trace = ParseTrace(recorded.trace_text);
  ASSERT_TRUE(trace.ok()) << trace.status();
  ASSERT_EQ(trace->header.at("seed"), "42");
  EXPECT_EQ(trace->hash, recorded.trace_hash);

  std::string error = "not run";
  BusyScenarioOptions replay = Minutes(5);
  replay.expect = &*trace;
  replay.replay_error = &error;
  BusyScenarioResult again = RunBusyScenario(42, replay);
  EXPECT_EQ(error, "") << "seed=42";
  EXPECT_EQ(again.trace_hash, recorded.trace_hash);
}

TEST(DeterminismTest, ReplayWithAnotherSeedReportsTheFirstDivergence) {
  BusyScenarioOptions record = Minutes(1);
  record.keep_trace = true;
  absl::StatusOr<RecordedTrace> trace = ParseTrace(RunBusyScenario(42, record).trace_text);
  ASSERT_TRUE(trace.ok());
  std::string error;
  BusyScenarioOptions replay = Minutes(1);
  replay.expect = &*trace;
  replay.replay_error = &error;
  RunBusyScenario(43, replay);
  EXPECT_NE(error.find("trace diverged at event #"), std::string::npos) << error;
  EXPECT_NE(error.find("expected ["), std::string::npos) << error;
  EXPECT_NE(error.find("but got ["), std::string::npos) << error;
}

TEST(DeterminismTest, ShorterReplayReportsTheMissingEvents) {
  BusyScenarioOptions record = Minutes(2);
  record.keep_trace = true;
  absl::StatusOr<RecordedTrace> trace = ParseTrace(RunBusyScenario(5, record).trace_text);
  ASSERT_TRUE(trace.ok());
  std::string error;
  BusyScenarioOptions replay = Minutes(1);
  replay.expect = &*trace;
  replay.replay_error = &error;
  RunBusyScenario(5, replay);
  EXPECT_NE(error.find("ended early"), std::string::npos) << error;
}

}  // namespace
}  // namespace lemonade::netsim
