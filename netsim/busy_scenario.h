// BusyScenario: a deterministic workout of the whole simulated world, for
// determinism tests and benchmarks.
//
// Two servers ("imap.example.org" on 143, "submit.example.org" on 587 with
// STARTTLS) answer each request line after appending it to their disk and
// syncing; a phone on a lossy LTE link behind a NAT and a laptop on Wi-Fi
// run clients that send requests at random intervals and reconnect after
// failures. A random fault plan adds outages, handovers, loss bursts and a
// crash-and-restart of the submission server. Everything written only
// against env.h, like the real server and client.
//
//   BusyScenarioResult r = RunBusyScenario(/*seed=*/7, Duration::Minutes(10));
//   // r.trace_hash identifies the run; equal seeds give equal hashes.
#ifndef LEMONADE_NETSIM_BUSY_SCENARIO_H_
#define LEMONADE_NETSIM_BUSY_SCENARIO_H_

#include <cstdint>
#include <string>

#include "base/time.h"
#include "netsim/trace.h"

namespace lemonade::netsim {

struct BusyScenarioResult {
  uint64_t trace_hash = 0;
  uint64_t events = 0;
  uint64_t trace_events = 0;
  uint64_t requests_answered = 0;
  uint64_t connections = 0;
  uint64_t crashes = 0;
  std::string trace_text;  // when asked to keep the trace
};

struct BusyScenarioOptions {
  Duration duration = Duration::Minutes(10);
  bool keep_trace = false;
  // When set, the run verifies itself against this recording.
  const RecordedTrace* expect = nullptr;
  // Set by the run when `expect` is given.
  std::string* replay_error = nullptr;
};

BusyScenarioResult RunBusyScenario(uint64_t seed, const BusyScenarioOptions& options);

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_BUSY_SCENARIO_H_
