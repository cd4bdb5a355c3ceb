// Fault plans: text round trip, the seeded generator, and applying a plan.
#include "netsim/fault_plan.h"

#include <string>

#include "gtest/gtest.h"
#include "netsim/test_util.h"
#include "netsim/world.h"

namespace lemonade::netsim {
namespace {

TEST(FaultPlanTest, ParsesAndFormatsEveryKind) {
  const std::string text =
      "# a commute\n"
      "at=5s outage host=phone for=20s\n"
      "at=30s handover host=phone for=150ms\n"
      "at=1m loss_burst host=phone for=10s loss=30%\n"
      "at=90s address_change host=phone\n"
      "at=95s address_change host=phone address=10.9.0.1\n"
      "at=2m crash host=imap.example.org restart_after=15s\n"
      "at=3m restart host=imap.example.org\n"
      "at=3m disk_crash host=imap.example.org\n";
  absl::StatusOr<FaultPlan> plan = FaultPlan::Parse(text);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->faults.size(), 8u);
  EXPECT_EQ(plan->faults[0].kind, FaultKind::kOutage);
  EXPECT_EQ(plan->faults[0].at, Duration::Seconds(5));
  EXPECT_EQ(plan->faults[0].duration, Duration::Seconds(20));
  EXPECT_EQ(plan->faults[2].loss, Probability::Percent(30));
  EXPECT_EQ(plan->faults[4].address, "10.9.0.1");
  EXPECT_EQ(plan->faults[5].duration, Duration::Seconds(15));
  // The text form round-trips.
  absl::StatusOr<FaultPlan> again = FaultPlan::Parse(plan->ToString());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->faults, plan->faults);
  EXPECT_EQ(again->ToString(), plan->ToString());
}

TEST(FaultPlanTest, RejectsMalformedLines) {
  EXPECT_FALSE(FaultPlan::Parse("outage host=phone for=1s").ok());       // no at=
  EXPECT_FALSE(FaultPlan::Parse("at=1s host=phone for=1s").ok());        // no kind
  EXPECT_FALSE(FaultPlan::Parse("at=1s outage for=1s").ok());            // no host
  EXPECT_FALSE(FaultPlan::Parse("at=1x outage host=p for=1s").ok());     // bad unit
  EXPECT_FALSE(FaultPlan::Parse("at=1s outage host=p color=red").ok());  // unknown key
  EXPECT_FALSE(FaultPlan::Parse("at=1s loss_burst host=p loss=2").ok()); // p > 1
}

TEST(FaultPlanTest, DurationsUseTheLargestExactUnit) {
  EXPECT_EQ(FormatDuration(Duration::Milliseconds(1500)), "1500ms");
  EXPECT_EQ(FormatDuration(Duration::Seconds(120)), "2m");
  EXPECT_EQ(FormatDuration(Duration::Nanoseconds(7)), "7ns");
  EXPECT_EQ(FormatDuration(Duration::Zero()), "0s");
  Duration d;
  ASSERT_TRUE(ParseDuration("250us", &d));
  EXPECT_EQ(d, Duration::Microseconds(250));
  EXPECT_FALSE(ParseDuration("ms", &d));
}

TEST(FaultPlanTest, RandomPlansAreSeededAndIndependentPerHost) {
  SCOPED_TRACE("seeds 1 and 2");
  RandomFaultOptions options;
  options.horizon = Duration::Hours(1);
  options.mobile_hosts = {"phone"};
  options.server_hosts = {"imap"};
  options.mean_time_between_crashes = Duration::Minutes(10);
  const FaultPlan a = RandomFaultPlan(Rng(1).Child("faults"), options);
  const FaultPlan b = RandomFaultPlan(Rng(1).Child("faults"), options);
  const FaultPlan c = RandomFaultPlan(Rng(2).Child("faults"), options);
  EXPECT_EQ(a.faults, b.faults);
  EXPECT_NE(a.faults, c.faults);
  EXPECT_GT(a.faults.size(), 20u);
  for (size_t i = 1; i < a.faults.size(); ++i) EXPECT_LE(a.faults[i - 1].at, a.faults[i].at);
  // Adding a host leaves the phone's faults unchanged.
  RandomFaultOptions more = options;
  more.mobile_hosts.push_back("laptop");
  const FaultPlan d = RandomFaultPlan(Rng(1).Child("faults"), more);
  std::vector<Fault> phone_a, phone_d;
  for (const Fault& f : a.faults) {
    if (f.host == "phone") phone_a.push_back(f);
  }
  for (const Fault& f : d.faults) {
    if (f.host == "phone") phone_d.push_back(f);
  }
  EXPECT_EQ(phone_a, phone_d);
}

TEST(FaultPlanTest, AppliedPlanFiresAtItsTimes) {
  SCOPED_TRACE("seed=1 (default)");
  World world;
  world.AddHost("imap");
  world.AddHost("phone");
  int crashes = 0, restarts = 0;
  Time crashed_at, restarted_at;
  world.OnHostCrash("imap", [&] {
    ++crashes;
    crashed_at = world.Now();
  });
  world.OnHostRestart("imap", [&] {
    ++restarts;
    restarted_at = world.Now();
  });
  absl::StatusOr<FaultPlan> plan = FaultPlan::Parse(
      "at=10s crash host=imap restart_after=5s\n"
      "at=20s outage host=phone for=3s\n");
  ASSERT_TRUE(plan.ok());
  world.Apply(*plan);
  world.RunFor(Duration::Seconds(21));
  EXPECT_EQ(crashes, 1);
  EXPECT_EQ(restarts, 1);
  EXPECT_EQ(crashed_at - world.options().start, Duration::Seconds(10));
  EXPECT_EQ(restarted_at - world.options().start, Duration::Seconds(15));
  EXPECT_FALSE(world.host("phone").uplink().up());
  world.RunFor(Duration::Seconds(3));
  EXPECT_TRUE(world.host("phone").uplink().up());
}

}  // namespace
}  // namespace lemonade::netsim
