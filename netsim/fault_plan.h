// FaultPlan: a schedule of faults for a run — written by hand, parsed from
// text, or generated from a seeded random stream.
//
// Times are offsets from the run's start (virtual time; no wall clock).
// The text form has one fault per line, `#` comments allowed:
//
//   at=5s outage host=phone for=20s
//   at=30s handover host=phone for=150ms
//   at=1m loss_burst host=phone for=10s loss=30%
//   at=90s address_change host=phone
//   at=2m crash host=imap.example.org restart_after=15s
//   at=3m disk_crash host=imap.example.org
//
//   FaultPlan plan = *FaultPlan::Parse(text);
//   world.Apply(plan);
//   // or: FaultPlan plan = RandomFaultPlan(world.RandomStream("faults"), options);
//   std::string again = plan.ToString();   // Parse(again) == plan
#ifndef LEMONADE_NETSIM_FAULT_PLAN_H_
#define LEMONADE_NETSIM_FAULT_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "netsim/rng.h"

namespace lemonade::netsim {

enum class FaultKind : uint8_t {
  kOutage = 1,         // access link down for `duration`
  kHandover = 2,       // packets held for `duration` (blackout)
  kLossBurst = 3,      // extra Bernoulli `loss` for `duration`
  kAddressChange = 4,  // new address (`address`, or the next free one)
  kCrash = 5,          // power loss; restart after `duration` if > 0
  kRestart = 6,
  kDiskCrash = 7,
};
const char* FaultKindName(FaultKind kind);

struct Fault {
  FaultKind kind = FaultKind::kOutage;
  Duration at = Duration::Zero();
  std::string host;
  Duration duration = Duration::Zero();
  Probability loss;
  std::string address;

  bool operator==(const Fault& o) const {
    return kind == o.kind && at == o.at && host == o.host && duration == o.duration &&
           loss == o.loss && address == o.address;
  }
};

struct FaultPlan {
  std::vector<Fault> faults;

  // One line per fault, in order.
  std::string ToString() const;
  static absl::StatusOr<FaultPlan> Parse(absl::string_view text);
  // Faults sorted by time (stable).
  void Sort();
};

// Durations in the plan's text form: "250ms", "5s", "2m", "1h", "100us",
// "7ns"; FormatDuration picks the largest exact unit.
std::string FormatDuration(Duration d);
bool ParseDuration(absl::string_view text, Duration* out);

// Parameters of the random fault generator: independent Poisson processes
// (exponential gaps with the given means; zero disables a kind) over
// [0, horizon), with uniform durations.
struct RandomFaultOptions {
  Duration horizon = Duration::Minutes(10);
  std::vector<std::string> mobile_hosts;    // outages, handovers, bursts, address changes
  std::vector<std::string> server_hosts;    // crashes
  Duration mean_time_between_outages = Duration::Minutes(3);
  Duration outage_min = Duration::Seconds(1);
  Duration outage_max = Duration::Seconds(60);
  Duration mean_time_between_handovers = Duration::Minutes(1);
  Duration handover_min = Duration::Milliseconds(50);
  Duration handover_max = Duration::Milliseconds(500);
  Duration mean_time_between_loss_bursts = Duration::Minutes(2);
  Duration loss_burst_min = Duration::Seconds(1);
  Duration loss_burst_max = Duration::Seconds(10);
  Probability loss_burst_loss = Probability::Percent(30);
  Duration mean_time_between_address_changes = Duration::Zero();
  Duration mean_time_between_crashes = Duration::Zero();
  Duration restart_min = Duration::Seconds(1);
  Duration restart_max = Duration::Seconds(30);
};

// A plan drawn from `rng` (pass world.RandomStream("faults")): the same
// stream and options always give the same plan.
FaultPlan RandomFaultPlan(Rng rng, const RandomFaultOptions& options);

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_FAULT_PLAN_H_
