// The `lemonade` command: run the demo, simulate scenarios, serve real
// clients, manage users.
//
//   lemonade demo
//   lemonade sim --scenario forward --profile gprs --seed 7 --transcript
//   lemonade serve
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/sim/scenario.h"

ABSL_FLAG(std::string, scenario, "forward", "sim: forward | reconnect | submit");
ABSL_FLAG(std::string, profile, "gprs", "sim: network profile (gprs, edge, umts, hspa, lte, 5g, "
                                        "geo-satellite, wifi, lossless, trace:<name>)");
ABSL_FLAG(uint64_t, seed, 1, "sim: the run's seed");
ABSL_FLAG(std::string, variants, "", "sim: comma-separated variants (default: all)");
ABSL_FLAG(uint64_t, attachment_bytes, 1 << 20, "sim forward: attachment size in octets");
ABSL_FLAG(uint64_t, mailbox_messages, 10000, "sim reconnect: messages in the mailbox");
ABSL_FLAG(uint64_t, changes, 100, "sim reconnect: changes made while offline");
ABSL_FLAG(uint64_t, recipients, 1, "sim submit: recipients");
ABSL_FLAG(uint64_t, message_bytes, 20 * 1024, "sim submit: message size in octets");
ABSL_FLAG(bool, starttls, false, "sim: use STARTTLS (modelled TLS) on IMAP and submission");
ABSL_FLAG(bool, compress, false, "sim: use IMAP COMPRESS=DEFLATE");
ABSL_FLAG(bool, transcript, false, "sim: print the exchange in the profile's M:/I:/S: notation");
ABSL_FLAG(bool, json, false, "sim: print the summary as JSON");
ABSL_FLAG(std::string, trace, "", "sim: record the run's event trace into this file");
ABSL_FLAG(std::string, pcap, "", "sim: write a packet capture of the run to this file");
ABSL_FLAG(std::string, trace_directory, "../shared/traces/mahimahi",
          "sim: where the Mahimahi traces for trace: profiles are");

namespace {

constexpr char kUsage[] =
    "lemonade: a deterministic IETF Lemonade mail system (IMAP + submission with BURL)\n"
    "\n"
    "Usage: lemonade <command> [flags]\n"
    "\n"
    "Commands:\n"
    "  demo        forward-without-download of a 1 MB attachment over GPRS, with the\n"
    "              transcript and the comparison against a traditional forward\n"
    "  sim         run a scenario in the simulated network and print its summary\n"
    "              (--scenario --profile --seed --variants --transcript --json --trace --pcap)\n"
    "\n"
    "Run 'lemonade <command> --help' for a command's flags.\n";

int Fail(const std::string& message, int code = 2) {
  std::fprintf(stderr, "lemonade: %s\n", message.c_str());
  return code;
}

bool WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return static_cast<bool>(out);
}

lemonade::sim::ScenarioOptions OptionsFromFlags() {
  lemonade::sim::ScenarioOptions o;
  o.scenario = absl::GetFlag(FLAGS_scenario);
  o.profile = absl::GetFlag(FLAGS_profile);
  o.seed = absl::GetFlag(FLAGS_seed);
  for (absl::string_view v : absl::StrSplit(absl::GetFlag(FLAGS_variants), ',', absl::SkipEmpty())) {
    o.variants.emplace_back(v);
  }
  o.attachment_bytes = absl::GetFlag(FLAGS_attachment_bytes);
  o.mailbox_messages = absl::GetFlag(FLAGS_mailbox_messages);
  o.changes_offline = absl::GetFlag(FLAGS_changes);
  o.recipients = absl::GetFlag(FLAGS_recipients);
  o.message_bytes = absl::GetFlag(FLAGS_message_bytes);
  o.starttls = absl::GetFlag(FLAGS_starttls);
  o.compress = absl::GetFlag(FLAGS_compress);
  o.transcript = absl::GetFlag(FLAGS_transcript);
  o.keep_trace = !absl::GetFlag(FLAGS_trace).empty();
  o.capture_packets = !absl::GetFlag(FLAGS_pcap).empty();
  o.trace_directory = absl::GetFlag(FLAGS_trace_directory);
  return o;
}

int RunSim(const lemonade::sim::ScenarioOptions& options, bool json) {
  auto result = lemonade::sim::RunScenario(options);
  if (!result.ok()) return Fail(std::string(result.status().message()), 1);
  for (const auto& v : result->variants) {
    if (options.transcript && !v.transcript.empty()) {
      std::cout << "=== transcript: " << v.variant << " ===\n" << v.transcript << "\n";
    }
  }
  std::cout << (json ? lemonade::sim::FormatJson(*result) : lemonade::sim::FormatSummary(*result));
  const std::string trace_path = absl::GetFlag(FLAGS_trace);
  if (!trace_path.empty()) {
    std::string all;
    for (const auto& v : result->variants) {
      absl::StrAppend(&all, "# lemonade-sim scenario=", options.scenario, " profile=",
                      options.profile, " seed=", options.seed, " variant=", v.variant, "\n",
                      v.trace_text);
    }
    if (!WriteFile(trace_path, all)) return Fail("cannot write " + trace_path, 1);
  }
  const std::string pcap_path = absl::GetFlag(FLAGS_pcap);
  if (!pcap_path.empty() && !result->variants.empty()) {
    // One capture per variant: file.pcap, file.<variant>.pcap for the rest.
    for (size_t i = 0; i < result->variants.size(); ++i) {
      std::string path = i == 0 ? pcap_path : absl::StrCat(pcap_path, ".", result->variants[i].variant, ".pcap");
      if (!WriteFile(path, result->variants[i].pcap)) return Fail("cannot write " + path, 1);
    }
  }
  for (const auto& v : result->variants) {
    if (!v.ok) return 1;
  }
  return 0;
}

int RunDemo() {
  lemonade::sim::ScenarioOptions options = OptionsFromFlags();
  options.scenario = "forward";
  std::cout << "Lemonade demo: Bob's phone on a simulated " << options.profile
            << " link forwards a message with a " << options.attachment_bytes / 1024
            << " KiB attachment to Alice.\n"
            << "First the Lemonade way (CATENATE + URLAUTH + BURL, draft section 2.4), then the\n"
            << "traditional way (download, compose, upload to Sent, submit), from the same seed.\n\n";
  options.transcript = true;
  options.variants = {"traditional", "without-download"};
  auto result = lemonade::sim::RunScenario(options);
  if (!result.ok()) return Fail(std::string(result.status().message()), 1);
  for (const auto& v : result->variants) {
    if (v.variant == "without-download") {
      std::cout << "=== forward without download: the exchange (M: phone, I: IMAP server, "
                   "S: submission server) ===\n"
                << v.transcript << "\n";
    }
  }
  std::cout << lemonade::sim::FormatSummary(*result);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
      std::string(argv[1]) == "help") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  // Flags follow the command.
  std::vector<char*> args = {argv[0]};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  int n = static_cast<int>(args.size());
  char** rest = args.data();
  std::vector<char*> positional;
  for (char* a : absl::ParseCommandLine(n, rest)) positional.push_back(a);
  if (command == "demo") return RunDemo();
  if (command == "sim") return RunSim(OptionsFromFlags(), absl::GetFlag(FLAGS_json));
  return Fail("unknown command '" + command + "'; run 'lemonade --help'");
}
