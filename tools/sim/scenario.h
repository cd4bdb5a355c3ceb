// Scenarios: named, parameterised Lemonade experiments run in netsim from a
// seed — the research instrument behind `lemonade sim` and `lemonade
// experiment`.
//
// Each variant of a scenario runs in its own World built from the same
// seed and options, so variants are paired: they see the same link, the
// same losses drawn from the same streams, the same mailbox. A result
// holds, per variant, what the phone paid (round trips, octets, time) and
// what the network carried (wire bytes on the mobile link, server-to-server
// bytes, retransmissions), plus the trace hash that identifies the run.
//
//   ScenarioOptions options;
//   options.scenario = "forward";
//   options.profile = "gprs";
//   options.seed = 7;
//   absl::StatusOr<ScenarioResult> result = RunScenario(options);
#ifndef LEMONADE_TOOLS_SIM_SCENARIO_H_
#define LEMONADE_TOOLS_SIM_SCENARIO_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/time.h"

namespace lemonade::sim {

struct ScenarioOptions {
  // "forward", "reconnect", "submit" or "commute".
  std::string scenario = "forward";
  // A netsim profile name ("gprs", "lte", "trace:TMobile-LTE-short", ...).
  std::string profile = "gprs";
  uint64_t seed = 1;
  // Variants to run (empty: all of the scenario's variants).
  std::vector<std::string> variants;

  // forward: size of the attachment being forwarded.
  size_t attachment_bytes = 1 << 20;
  // reconnect: mailbox size, and changes made by another client offline.
  size_t mailbox_messages = 10000;
  size_t changes_offline = 100;
  // submit: recipients and message size.
  size_t recipients = 1;
  size_t message_bytes = 20 * 1024;
  // commute: length of the simulated day and the mail it brings.
  Duration commute_length = Duration::Hours(2);
  size_t commute_arrivals = 20;

  bool starttls = false;
  bool compress = false;
  // Directory holding the Mahimahi traces for "trace:" profiles.
  std::string trace_directory = "netsim/traces/mahimahi";

  // Outputs to collect.
  bool transcript = false;     // seed-notation exchange
  bool keep_trace = false;     // the full event trace (for replay files)
  bool capture_packets = false;  // pcap

  // Replay: the recorded trace text of one variant (as produced with
  // keep_trace); the run verifies every event against it and reports the
  // first divergence in VariantResult::replay.
  std::string replay_trace;
};

struct VariantResult {
  std::string scenario;
  std::string variant;
  bool ok = false;
  std::string error;
  std::string detail;
  // What the phone saw.
  uint64_t round_trips = 0;
  uint64_t client_bytes_up = 0;
  uint64_t client_bytes_down = 0;
  Duration completion;
  // What the network carried: wire bytes (TCP/IP headers, TLS records and
  // retransmissions included) on the phone's access link, each way.
  uint64_t mobile_wire_bytes_up = 0;
  uint64_t mobile_wire_bytes_down = 0;
  // Server-to-server wire bytes (the submit server's URLFETCH).
  uint64_t server_wire_bytes = 0;
  uint64_t retransmissions = 0;
  uint64_t trace_hash = 0;
  // commute: how quickly the phone learnt of new mail.
  uint64_t arrivals = 0;
  uint64_t notified = 0;
  Duration notify_latency_mean;
  Duration notify_latency_max;
  uint64_t reconnects = 0;
  // Optional outputs.
  std::string transcript;
  std::string trace_text;
  std::string pcap;
  std::string metrics_report;
  // With ScenarioOptions::replay_trace: OK, or the first divergence.
  absl::Status replay;

  uint64_t mobile_wire_bytes() const { return mobile_wire_bytes_up + mobile_wire_bytes_down; }
};

struct ScenarioResult {
  ScenarioOptions options;
  std::vector<VariantResult> variants;
};

// The scenarios and their variants, for --help and validation.
std::vector<std::string> ScenarioNames();
std::vector<std::string> VariantNames(absl::string_view scenario);

absl::StatusOr<ScenarioResult> RunScenario(const ScenarioOptions& options);

// A plain-text table: one row per variant, with ratios to the first.
std::string FormatSummary(const ScenarioResult& result);
// The same as a JSON object (stable key order).
std::string FormatJson(const ScenarioResult& result);
// CSV rows (with a header row when `header`).
std::string FormatCsv(const ScenarioResult& result, bool header);

}  // namespace lemonade::sim

#endif  // LEMONADE_TOOLS_SIM_SCENARIO_H_
