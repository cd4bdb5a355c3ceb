// The `lemonade` command: run the demo, simulate scenarios, replay and
// sweep them, serve real clients, manage users.
//
//   lemonade demo
//   lemonade sim --scenario forward --profile gprs --seed 7 --transcript
//   lemonade serve
//   lemonade user add alice
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "tools/commands.h"

namespace lemonade::tools {

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "lemonade: %s\n", message.c_str());
  return code;
}

namespace {

constexpr char kUsage[] =
    "lemonade: a deterministic IETF Lemonade mail system (IMAP + submission with BURL)\n"
    "\n"
    "Usage: lemonade <command> [arguments] [--flags]\n"
    "\n"
    "Commands:\n"
    "  demo          forward a 1 MB attachment over simulated GPRS, with and without download,\n"
    "                showing the exchange and the comparison\n"
    "  sim           run a scenario (forward, reconnect, submit) in the simulated network\n"
    "  replay FILE   re-run a trace recorded with 'sim --trace FILE' and verify every event\n"
    "  experiment    sweep scenarios x profiles x seeds into CSV, JSON and plots\n"
    "  serve         serve IMAP and submission on real sockets (embedded default config)\n"
    "  user ACTION   manage accounts: add NAME | passwd NAME | del NAME | list\n"
    "  help          this text\n"
    "\n"
    "Run 'lemonade <command> --help' for a command's flags. Flags may also come from\n"
    "a file: --flagfile=lemonade.conf (one --flag=value per line).\n";

struct Command {
  int (*run)(const std::vector<std::string>&);
  std::set<std::string> flags;  // the flags this command reads
  const char* summary;
};

const std::map<std::string, Command>& Commands() {
  static const std::set<std::string> kSimFlags = {
      "scenario", "profile", "seed", "variants", "attachment_bytes", "mailbox_messages", "changes",
      "recipients", "message_bytes", "starttls", "compress", "transcript", "json", "trace", "pcap",
      "trace_directory"};
  std::set<std::string> experiment = kSimFlags;
  experiment.insert({"scenarios", "profiles", "seeds", "out"});
  static const auto* commands = new std::map<std::string, Command>{
      {"demo", {RunDemo, {"profile", "seed", "attachment_bytes", "trace_directory"},
                "lemonade demo [--profile gprs] [--seed 1] [--attachment_bytes N]"}},
      {"sim", {RunSim, kSimFlags,
               "lemonade sim --scenario forward|reconnect|submit --profile P --seed N "
               "[--variants a,b] [--transcript] [--json] [--trace FILE] [--pcap FILE]"}},
      {"replay", {RunReplay, {"trace_directory"}, "lemonade replay TRACE_FILE"}},
      {"experiment", {RunExperiment, experiment,
                      "lemonade experiment --scenarios a,b --profiles p,q --seeds 1-10 --out DIR"}},
      {"serve", {RunServe,
                 {"data_dir", "imap_listen", "imaps_listen", "submission_listen",
                  "submissions_listen", "hostname", "domains", "cert_file", "key_file", "demo_user",
                  "postmaster",
                  "allow_plaintext_auth", "relay", "relay_tls", "relay_user", "relay_password",
                  "submit_user", "message_bytes_max",
                  "imap_line_bytes_max", "imap_literals_max", "imap_nesting_depth_max",
                  "imap_list_items_max", "imap_sequence_ranges_max", "smtp_line_bytes_max",
                  "smtp_recipients_max", "connections_max", "connections_per_peer_max",
                  "imap_idle_timeout_s", "smtp_idle_timeout_s", "auth_failure_delay_ms",
                  "password_iterations", "log_level", "log_protocol"},
                 "lemonade serve [--data_dir DIR] [--imap_listen HOST:PORT] ..."}},
      {"user", {RunUser, {"data_dir", "password"},
                "lemonade user add NAME | passwd NAME | del NAME | list [--data_dir DIR] "
                "[--password P]"}},
  };
  return *commands;
}

// Only the owning command's flags are accepted, so a typo or a flag meant
// for another command is a usage error rather than silently ignored.
bool CheckFlags(const std::string& name, const Command& command, int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "--") && !absl::ConsumePrefix(&arg, "-")) continue;
    std::string flag(arg.substr(0, arg.find('=')));
    if (absl::StartsWith(flag, "no")) {
      const std::string positive = flag.substr(2);
      if (command.flags.count(positive)) continue;
    }
    if (command.flags.count(flag) || flag == "help" || flag == "helpfull" || flag == "flagfile") {
      continue;
    }
    Fail(absl::StrCat("unknown flag --", flag, " for '", name, "'; usage: ", command.summary));
    return false;
  }
  return true;
}

}  // namespace
}  // namespace lemonade::tools

int main(int argc, char** argv) {
  using lemonade::tools::Commands;
  absl::SetProgramUsageMessage(lemonade::tools::kUsage);
  if (argc < 2) {
    std::fputs(lemonade::tools::kUsage, stderr);
    return 2;
  }
  const std::string name = argv[1];
  if (name == "help" || name == "--help" || name == "-h") {
    std::fputs(lemonade::tools::kUsage, stdout);
    return 0;
  }
  auto it = Commands().find(name);
  if (it == Commands().end()) {
    return lemonade::tools::Fail("unknown command '" + name + "'; run 'lemonade help'");
  }
  const auto& command = it->second;
  for (int i = 2; i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      std::printf("usage: %s\n\nflags:\n", command.summary);
      for (const std::string& f : command.flags) std::printf("  --%s\n", f.c_str());
      std::printf("\nSee 'lemonade help' for all commands; --helpfull describes every flag.\n");
      return 0;
    }
  }
  if (!lemonade::tools::CheckFlags(name, command, argc, argv)) return 2;
  // Abseil parses the flags after the command; leftovers are arguments.
  std::vector<char*> args = {argv[0]};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  std::vector<char*> rest = absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  std::vector<std::string> positional;
  for (size_t i = 1; i < rest.size(); ++i) positional.emplace_back(rest[i]);
  return command.run(positional);
}
