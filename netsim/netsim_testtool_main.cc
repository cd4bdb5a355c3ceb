// A small driver for the shell tests: netsim itself does no I/O, so the
// tests hand it files on stdin and take its output from stdout.
//
//   netsim_testtool pcap-demo > demo.pcap          # the MailDemo capture
//   netsim_testtool list-traces                    # name up_file down_file
//   netsim_testtool check-trace NAME < up-and-down # see below
//
// check-trace reads the uplink trace, a line "---", then the downlink
// trace; it builds the shipped-trace profile (which checks the line
// counts), runs a 20 s bulk download over it and prints the goodput next
// to the trace's capacity. It exits non-zero on any mismatch.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "netsim/mail_demo.h"
#include "netsim/profiles.h"
#include "netsim/test_util.h"
#include "netsim/world.h"

namespace lemonade::netsim {
namespace {

int PcapDemo() {
  MailDemoResult demo = RunMailDemo(1);
  if (!demo.imap_done || !demo.smtp_done) {
    std::fprintf(stderr, "mail demo did not complete\n");
    return 1;
  }
  std::fwrite(demo.pcap.data(), 1, demo.pcap.size(), stdout);
  return 0;
}

int ListTraces() {
  for (const ShippedTrace& t : ShippedTraces()) {
    std::printf("%s %s %s\n", t.name.c_str(), t.up_file.c_str(), t.down_file.c_str());
  }
  return 0;
}

int CheckTrace(const std::string& name) {
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  const size_t separator = input.find("\n---\n");
  if (separator == std::string::npos) {
    std::fprintf(stderr, "expected uplink, ---, downlink on stdin\n");
    return 1;
  }
  const std::string up = input.substr(0, separator + 1);
  const std::string down = input.substr(separator + 5);
  const ShippedTrace* shipped = nullptr;
  for (const ShippedTrace& t : ShippedTraces()) {
    if (t.name == name) shipped = &t;
  }
  if (shipped == nullptr) {
    std::fprintf(stderr, "unknown trace %s\n", name.c_str());
    return 1;
  }
  absl::StatusOr<LinkProfile> profile =
      ProfileByName("trace:" + name, [&](absl::string_view file) -> absl::StatusOr<std::string> {
        if (file == shipped->up_file) return up;
        if (file == shipped->down_file) return down;
        return absl::NotFoundError(std::string(file));
      });
  if (!profile.ok()) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), std::string(profile.status().message()).c_str());
    return 1;
  }
  // A bulk download over the trace: goodput must be positive and below
  // the downlink's capacity over the same window.
  WorldOptions options;
  options.seed = 1;
  World world(options);
  world.AddHost("server");
  HostOptions phone;
  phone.link = *profile;
  world.AddHost("phone", phone);
  TestServer server(world.EnvFor("server"), 80);
  server.on_accept = [](TestServer::Connection& c) { c.stream->Write(std::string(64 << 20, 'd')); };
  TestClient client(world.EnvFor("phone"), "server", 80);
  uint64_t received = 0;
  client.handler.on_data = [&](absl::string_view b) {
    received += b.size();
    client.handler.data.clear();
  };
  const Duration window = Duration::Seconds(20);
  world.RunFor(window);
  const double goodput_mbps = received * 8 / window.seconds_double() / 1e6;
  const double mean_mbps = profile->down.trace->MeanBitsPerSecond() / 1e6;
  std::printf("%-22s up %7zu opportunities, down %7zu, mean down %6.2f Mbit/s, 20 s goodput %6.2f Mbit/s\n",
              name.c_str(), profile->up.trace->size(), profile->down.trace->size(), mean_mbps,
              goodput_mbps);
  if (received == 0) {
    std::fprintf(stderr, "%s: nothing arrived\n", name.c_str());
    return 1;
  }
  // The first 20 s of a trace may run well above or below its mean, so
  // bound by the opportunities that actually occurred in the window.
  const uint64_t opportunities = profile->down.trace->FirstOpportunityAtOrAfter(window);
  const double capacity_bytes = static_cast<double>(opportunities) * MahimahiTrace::kBytesPerOpportunity;
  if (static_cast<double>(received) > capacity_bytes) {
    std::fprintf(stderr, "%s: goodput above the trace's capacity\n", name.c_str());
    return 1;
  }
  client.stream.reset();
  return 0;
}

}  // namespace
}  // namespace lemonade::netsim

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "pcap-demo") return lemonade::netsim::PcapDemo();
  if (command == "list-traces") return lemonade::netsim::ListTraces();
  if (command == "check-trace" && argc > 2) return lemonade::netsim::CheckTrace(argv[2]);
  std::fprintf(stderr, "usage: netsim_testtool pcap-demo | list-traces | check-trace NAME\n");
  return 2;
}
