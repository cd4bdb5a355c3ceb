// `lemonade demo`, `sim`, `replay` and `experiment`: the simulator's
// front door.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/commands.h"
#include "tools/sim/scenario.h"

ABSL_FLAG(std::string, scenario, "forward", "sim: forward | reconnect | submit");
ABSL_FLAG(std::string, profile, "gprs",
          "sim: network profile (gprs, edge, umts, hspa, lte, 5g, geo-satellite, wifi, lossless, "
          "trace:<name>)");
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
ABSL_FLAG(std::string, trace_directory, "netsim/traces/mahimahi",
          "sim: where the Mahimahi traces for trace: profiles are");
ABSL_FLAG(std::string, scenarios, "forward,reconnect,submit", "experiment: scenarios to sweep");
ABSL_FLAG(std::string, profiles, "gprs,edge,umts,lte,5g,geo-satellite",
          "experiment: profiles to sweep");
ABSL_FLAG(std::string, seeds, "1-5", "experiment: seeds, as 'a-b' or a comma list");
ABSL_FLAG(std::string, out, "lemonade-experiment", "experiment: output directory");

namespace lemonade::tools {
namespace {

bool WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return static_cast<bool>(out);
}

sim::ScenarioOptions OptionsFromFlags() {
  sim::ScenarioOptions o;
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

// The first line of a trace file: every option needed to run it again.
std::string TraceHeader(const sim::ScenarioOptions& o, const std::string& variant) {
  return absl::StrCat("# lemonade-sim scenario=", o.scenario, " profile=", o.profile,
                      " seed=", o.seed, " variant=", variant, " attachment_bytes=",
                      o.attachment_bytes, " mailbox_messages=", o.mailbox_messages,
                      " changes=", o.changes_offline, " recipients=", o.recipients,
                      " message_bytes=", o.message_bytes, " starttls=", o.starttls ? 1 : 0,
                      " compress=", o.compress ? 1 : 0, "\n");
}

}  // namespace

int RunSim(const std::vector<std::string>& args) {
  if (!args.empty()) return Fail("sim takes no arguments (got '" + args[0] + "')");
  const sim::ScenarioOptions options = OptionsFromFlags();
  auto result = sim::RunScenario(options);
  if (!result.ok()) {
    return Fail(std::string(result.status().message()),
                result.status().code() == absl::StatusCode::kInvalidArgument ||
                        result.status().code() == absl::StatusCode::kNotFound
                    ? 2
                    : 1);
  }
  for (const auto& v : result->variants) {
    if (options.transcript && !v.transcript.empty()) {
      std::cout << "=== transcript: " << v.variant << " ===\n" << v.transcript << "\n";
    }
  }
  std::cout << (absl::GetFlag(FLAGS_json) ? sim::FormatJson(*result) : sim::FormatSummary(*result));
  const std::string trace_path = absl::GetFlag(FLAGS_trace);
  if (!trace_path.empty()) {
    // One file per variant: the given name for the first, name.<variant>
    // for the others.
    for (size_t i = 0; i < result->variants.size(); ++i) {
      const auto& v = result->variants[i];
      std::string path = i == 0 ? trace_path : absl::StrCat(trace_path, ".", v.variant);
      if (!WriteFile(path, TraceHeader(options, v.variant) + v.trace_text)) {
        return Fail("cannot write " + path, 1);
      }
      std::cerr << "trace of " << v.variant << " written to " << path << "\n";
    }
  }
  const std::string pcap_path = absl::GetFlag(FLAGS_pcap);
  if (!pcap_path.empty()) {
    for (size_t i = 0; i < result->variants.size(); ++i) {
      const auto& v = result->variants[i];
      std::string path = i == 0 ? pcap_path : absl::StrCat(pcap_path, ".", v.variant, ".pcap");
      if (!WriteFile(path, v.pcap)) return Fail("cannot write " + path, 1);
      std::cerr << "capture of " << v.variant << " written to " << path << "\n";
    }
  }
  for (const auto& v : result->variants) {
    if (!v.ok) return 1;
  }
  return 0;
}

int RunDemo(const std::vector<std::string>& args) {
  if (!args.empty()) return Fail("demo takes no arguments");
  sim::ScenarioOptions options = OptionsFromFlags();
  options.scenario = "forward";
  options.transcript = true;
  options.variants = {"traditional", "without-download"};
  std::cout << "Lemonade demo: Bob's phone, on a simulated " << options.profile
            << " link, forwards the " << options.attachment_bytes / 1024
            << " KiB attachment of a message to Alice: the traditional way (download, compose,\n"
               "APPEND to Sent, submit) and forward-without-download (CATENATE + URLAUTH + BURL,\n"
               "draft-ietf-lemonade-profile section 2.4), both from seed "
            << options.seed << ".\n\n";
  auto result = sim::RunScenario(options);
  if (!result.ok()) return Fail(std::string(result.status().message()), 1);
  for (const auto& v : result->variants) {
    if (v.variant != "without-download") continue;
    std::cout << "=== forward without download, as it happened (M: phone, I: IMAP server, "
                 "S: submission server; virtual seconds) ===\n"
              << v.transcript << "\n";
  }
  std::cout << sim::FormatSummary(*result)
            << "\nmobile up/down: wire octets on the phone's radio link (TCP/IP headers and\n"
               "retransmissions included); server-srv: the submit server's URLFETCH from IMAP.\n"
               "Run 'lemonade sim --help' to try other profiles, scenarios and seeds.\n";
  for (const auto& v : result->variants) {
    if (!v.ok) return 1;
  }
  return 0;
}

int RunReplay(const std::vector<std::string>& args) {
  if (args.size() != 1) return Fail("replay takes one trace file");
  std::ifstream in(args[0], std::ios::binary);
  if (!in) return Fail("cannot read " + args[0], 1);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t eol = text.find('\n');
  absl::string_view header = absl::string_view(text).substr(0, eol);
  if (!absl::ConsumePrefix(&header, "# lemonade-sim ")) {
    return Fail(args[0] + " is not a lemonade sim trace (no '# lemonade-sim' header)");
  }
  sim::ScenarioOptions o;
  for (absl::string_view field : absl::StrSplit(header, ' ', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(field, absl::MaxSplits('=', 1));
    uint64_t n = 0;
    const bool numeric = absl::SimpleAtoi(kv.second, &n);
    if (kv.first == "scenario") o.scenario = kv.second;
    else if (kv.first == "profile") o.profile = kv.second;
    else if (kv.first == "variant") o.variants = {kv.second};
    else if (!numeric) return Fail("bad trace header field '" + std::string(field) + "'");
    else if (kv.first == "seed") o.seed = n;
    else if (kv.first == "attachment_bytes") o.attachment_bytes = n;
    else if (kv.first == "mailbox_messages") o.mailbox_messages = n;
    else if (kv.first == "changes") o.changes_offline = n;
    else if (kv.first == "recipients") o.recipients = n;
    else if (kv.first == "message_bytes") o.message_bytes = n;
    else if (kv.first == "starttls") o.starttls = n != 0;
    else if (kv.first == "compress") o.compress = n != 0;
  }
  o.trace_directory = absl::GetFlag(FLAGS_trace_directory);
  o.keep_trace = true;
  o.replay_trace = text.substr(eol + 1);
  auto result = sim::RunScenario(o);
  if (!result.ok()) return Fail(std::string(result.status().message()), 1);
  const auto& v = result->variants.front();
  if (!v.replay.ok()) {
    std::cout << "replay of " << args[0] << " DIVERGED: " << v.replay.message() << "\n";
    return 1;
  }
  std::cout << "replay of " << args[0] << " verified: every event identical (trace hash "
            << absl::StrFormat("%016x", v.trace_hash) << ")\n";
  return 0;
}

int RunExperiment(const std::vector<std::string>& args) {
  if (!args.empty()) return Fail("experiment takes no arguments");
  std::vector<uint64_t> seeds;
  const std::string seed_text = absl::GetFlag(FLAGS_seeds);
  if (size_t dash = seed_text.find('-'); dash != std::string::npos) {
    uint64_t a = 0, b = 0;
    if (!absl::SimpleAtoi(seed_text.substr(0, dash), &a) ||
        !absl::SimpleAtoi(seed_text.substr(dash + 1), &b) || a > b || b - a > 100000) {
      return Fail("--seeds must be 'a-b' (a <= b) or a comma list");
    }
    for (uint64_t s = a; s <= b; ++s) seeds.push_back(s);
  } else {
    for (absl::string_view s : absl::StrSplit(seed_text, ',', absl::SkipEmpty())) {
      uint64_t n = 0;
      if (!absl::SimpleAtoi(s, &n)) return Fail("bad seed '" + std::string(s) + "'");
      seeds.push_back(n);
    }
  }
  std::vector<std::string> scenarios = absl::StrSplit(absl::GetFlag(FLAGS_scenarios), ',', absl::SkipEmpty());
  std::vector<std::string> profiles = absl::StrSplit(absl::GetFlag(FLAGS_profiles), ',', absl::SkipEmpty());
  const std::string out_dir = absl::GetFlag(FLAGS_out);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Fail("cannot create " + out_dir + ": " + ec.message(), 1);
  std::string csv;
  std::string json = "[\n";
  const size_t total = scenarios.size() * profiles.size() * seeds.size();
  size_t done = 0;
  bool all_ok = true;
  for (const std::string& scenario : scenarios) {
    for (const std::string& profile : profiles) {
      for (uint64_t seed : seeds) {
        sim::ScenarioOptions o = OptionsFromFlags();
        o.scenario = scenario;
        o.profile = profile;
        o.seed = seed;
        o.variants.clear();
        o.transcript = false;
        auto result = sim::RunScenario(o);
        ++done;
        std::fprintf(stderr, "\r[%zu/%zu] %s %s seed %llu   ", done, total, scenario.c_str(),
                     profile.c_str(), static_cast<unsigned long long>(seed));
        if (!result.ok()) return Fail(std::string(result.status().message()), 1);
        csv += sim::FormatCsv(*result, csv.empty());
        absl::StrAppend(&json, done > 1 ? ",\n" : "", sim::FormatJson(*result));
        for (const auto& v : result->variants) all_ok &= v.ok;
      }
    }
  }
  std::fprintf(stderr, "\n");
  json += "]\n";
  if (!WriteFile(out_dir + "/results.csv", csv) || !WriteFile(out_dir + "/results.json", json)) {
    return Fail("cannot write results into " + out_dir, 1);
  }
  // Plots: per scenario, time and mobile bytes of each variant per
  // profile, with the spread across seeds (min, mean, max).
  std::string gnuplot;
  for (const std::string& scenario : scenarios) {
    absl::StrAppend(
        &gnuplot, "set terminal pngcairo size 1200,500 noenhanced\nset datafile separator ','\n",
        "set output '", out_dir, "/", scenario, ".png'\nset multiplot layout 1,2 title '", scenario,
        " (", seeds.size(), " seeds; bars: min..max)'\nset logscale y\nset style data yerrorbars\n",
        "set xtics rotate by -30\nset offsets 0.5, 0.5, 0, 0\nset grid ytics\n");
    for (const char* metric : {"completion_s", "mobile_wire_bytes"}) {
      // Aggregate in C++ to keep the plot script simple: one data file per
      // metric with columns x, mean, min, max, label.
      std::string data;
      int x = 0;
      for (const std::string& profile : profiles) {
        for (const std::string& variant : sim::VariantNames(scenario)) {
          double sum = 0, lo = 1e300, hi = 0;
          int n = 0;
          for (absl::string_view line : absl::StrSplit(csv, '\n', absl::SkipEmpty())) {
            std::vector<std::string> f = absl::StrSplit(line, ',');
            if (f.size() < 14 || f[0] != scenario || f[1] != profile || f[3] != variant) continue;
            double value = 0;
            if (std::string(metric) == "completion_s") {
              absl::SimpleAtod(f[5], &value);
            } else {
              double up = 0, down = 0;
              absl::SimpleAtod(f[9], &up);
              absl::SimpleAtod(f[10], &down);
              value = up + down;
            }
            sum += value;
            lo = std::min(lo, value);
            hi = std::max(hi, value);
            ++n;
          }
          if (n == 0) continue;
          absl::StrAppendFormat(&data, "%d,%g,%g,%g,%s/%s\n", x++, sum / n, std::max(lo, 1e-9),
                                std::max(hi, 1e-9), profile, variant);
        }
      }
      const std::string data_path = absl::StrCat(out_dir, "/", scenario, "_", metric, ".csv");
      if (!WriteFile(data_path, data)) return Fail("cannot write " + data_path, 1);
      absl::StrAppend(&gnuplot, "set title '", metric, "'\nplot '", data_path,
                      "' using 1:2:3:4:xticlabels(5) with yerrorbars pt 7 notitle\n");
    }
    gnuplot += "unset multiplot\n";
  }
  const std::string script = out_dir + "/plots.gnuplot";
  if (!WriteFile(script, gnuplot)) return Fail("cannot write " + script, 1);
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
    if (std::system(("gnuplot " + script).c_str()) != 0) {
      std::cerr << "gnuplot failed; the data and " << script << " are in " << out_dir << "\n";
    }
  } else {
    std::cerr << "gnuplot not installed (apt-get install gnuplot-nox); plot later with: gnuplot "
              << script << "\n";
  }
  std::cout << "experiment: " << total << " runs; results in " << out_dir
            << "/results.csv and results.json, plots " << out_dir << "/<scenario>.png\n";
  return all_ok ? 0 : 1;
}

}  // namespace lemonade::tools
