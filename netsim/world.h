// World: the deterministic simulated world — hosts on a star network, their
// environments (lemonade::Env), faults, the run's trace and metrics.
//
// Topology: every host has an access link (up: host -> router, down:
// router -> host) to one central router, configured per host by a
// LinkProfile (a mobile profile for the phone, "datacenter" for servers).
// A packet from A to B crosses A's uplink and B's downlink, so "bytes on
// the mobile link" and "server-to-server bytes" are separate link metrics.
//
// Determinism: one seed is one run. All randomness is split from the seed
// by name ("host/<name>" is what a host's Env::random draws from; links,
// TCP, disks and faults have their own streams), time is virtual, and
// every event goes into the trace whose hash identifies the run.
//
//   WorldOptions options;
//   options.seed = 42;
//   World world(options);
//   world.AddHost("imap.example.org");                // datacenter link
//   HostOptions phone;
//   phone.link = LteProfile();
//   world.AddHost("phone", phone);
//   Env server_env = world.EnvFor("imap.example.org");
//   Env phone_env = world.EnvFor("phone");
//   ... start a server on server_env, a client on phone_env ...
//   world.Outage("phone", world.Now() + Duration::Seconds(5), Duration::Seconds(20));
//   world.RunUntilIdle(world.Now() + Duration::Minutes(10));
//   uint64_t run_id = world.TraceHash();
//
// Fault methods schedule the fault on the loop at `at` (clamped to now), so
// they are safe to call from inside any callback.
#ifndef LEMONADE_NETSIM_WORLD_H_
#define LEMONADE_NETSIM_WORLD_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "env/env.h"
#include "netsim/event_loop.h"
#include "netsim/fault_plan.h"
#include "netsim/host.h"
#include "netsim/link.h"
#include "netsim/metrics.h"
#include "netsim/packet.h"
#include "netsim/pcap.h"
#include "netsim/rng.h"
#include "netsim/sim_stream.h"
#include "netsim/tcp_connection.h"
#include "netsim/trace.h"

namespace lemonade::netsim {

// A log line or protocol line from a host's EventLog.
struct LogRecord {
  Time time;
  std::string host;
  LogLevel level = LogLevel::kInfo;
  std::string component;  // "protocol" for Protocol() lines
  std::string message;    // for protocol lines: "<who> <line>"
  uint64_t connection = 0;
};

struct WorldOptions {
  uint64_t seed = 1;
  // The run's epoch: 2024-01-01T00:00:00Z, so dates in mail are fixed.
  Time start = Time::FromUnixSeconds(1704067200);
  TcpOptions tcp;
  TlsModel tls;
  // Keep every trace event (TraceText(), replay). Hashing is always on.
  bool keep_trace = false;
  // Keep every packet for pcap export.
  bool capture_packets = false;
  // Deliver stream data cut at random points (robustness testing).
  bool split_reads = false;
  // Put the delivered stream bytes themselves (not only their hash) into
  // kept trace events: self-contained traces for small runs (fuzz cases).
  bool trace_payload = false;
  // One-way delay of a host's loopback interface.
  Duration loopback_delay = Duration::Microseconds(20);
  // Receives log and protocol lines (e.g. to print them); optional.
  std::function<void(const LogRecord&)> log_sink;
};

class World : private Link::Observer {
 public:
  explicit World(WorldOptions options = WorldOptions());
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  ~World() override;

  uint64_t seed() const { return options_.seed; }
  const WorldOptions& options() const { return options_; }
  // A random stream named `name` split from the root seed, for components
  // outside netsim (a fault generator, a client workload).
  Rng RandomStream(absl::string_view name) const { return root_rng_.Child(name); }

  // Topology. Names are unique; CHECK-fails on duplicates or bad addresses.
  Host& AddHost(const std::string& name, HostOptions options = HostOptions());
  Host* FindHost(absl::string_view name);
  Host& host(absl::string_view name);
  // Hosts in the order they were added.
  const std::vector<std::unique_ptr<Host>>& hosts() const { return hosts_; }
  // The environment of `name` (pointers stay valid for the World's life).
  Env EnvFor(absl::string_view name);

  // Time.
  EventLoop& loop() { return loop_; }
  Time Now() const { return loop_.Now(); }
  void RunFor(Duration d) { loop_.RunFor(d); }
  void RunUntil(Time t) { loop_.RunUntil(t); }
  bool RunUntilIdle(Time limit) { return loop_.RunUntilIdle(limit); }
  bool RunUntil(absl::FunctionRef<bool()> done, Time limit) { return loop_.RunUntil(done, limit); }

  // Faults, taking effect at `at` (see also FaultPlan and Apply).
  // Coverage outage: the host's access link is down for `duration`.
  void Outage(absl::string_view host, Time at, Duration duration);
  // Handover blackout: packets to and from the host wait until it ends.
  void Handover(absl::string_view host, Time at, Duration blackout);
  // Extra Bernoulli loss on both directions of the access link.
  void LossBurst(absl::string_view host, Time at, Duration duration, Probability loss);
  // New address (empty: the next free one); every connection breaks.
  void ChangeAddress(absl::string_view host, Time at, std::string new_address = "");
  // Power loss: connections vanish (peers see timeouts, later resets),
  // timers are cancelled, the disk loses unsynced data, crash hooks run.
  // With `restart_after`, the host restarts that much later.
  void CrashHost(absl::string_view host, Time at,
                 std::optional<Duration> restart_after = std::nullopt);
  void RestartHost(absl::string_view host, Time at);
  // Disk power loss alone (the host keeps running).
  void CrashDisk(absl::string_view host, Time at);
  // Hooks for the layers above (netsim knows nothing of IMAP): on crash,
  // destroy the server running on the host; on restart, start a new one
  // with the same EnvFor(host).
  void OnHostCrash(absl::string_view host, absl::AnyInvocable<void()> hook);
  void OnHostRestart(absl::string_view host, absl::AnyInvocable<void()> hook);
  // Schedules every fault of `plan` (times relative to the run's start).
  void Apply(const FaultPlan& plan);

  // Annotations from the layers above (e.g. "imap.request"), recorded in
  // the trace and counted per label.
  void Annotate(absl::string_view host, absl::string_view label, uint64_t value = 0);
  const absl::btree_map<std::string, uint64_t>& annotation_counts() const {
    return annotation_counts_;
  }

  // Trace.
  uint64_t TraceHash() const { return trace_.hash(); }
  const TraceRecorder& trace() const { return trace_; }
  TraceRecorder& mutable_trace() { return trace_; }
  // The trace file (needs keep_trace). The header carries the seed.
  std::string TraceText() const;
  // Replay: verify this run event by event against a recorded trace.
  // Call before anything happens (right after construction).
  void ExpectTrace(const RecordedTrace& recorded);
  // OK, or the first divergence (or "ended early").
  absl::Status VerifyReplay() const { return trace_.VerifyComplete(); }

  // Metrics.
  const std::map<uint64_t, FlowMetrics>& flows() const { return flows_; }
  const FlowMetrics* Flow(uint64_t flow) const;
  // The flow of a stream created by this world (0 for other streams).
  static uint64_t FlowOf(const Stream& stream);
  // A human-readable summary of links and flows.
  std::string MetricsReport() const;

  // pcap (needs capture_packets). See pcap.h.
  std::string Pcap(const PcapOptions& options = PcapOptions()) const;
  const std::vector<CapturedPacket>& captured_packets() const { return captured_; }

  // Counters.
  uint64_t packets_sent() const { return next_packet_id_ - 1; }

 private:
  friend class Host;

  struct LinkEnd {
    uint32_t host = 0;
    bool uplink = false;
  };

  Host* HostOrDie(absl::string_view name);
  uint32_t AllocateAddress();
  void ScheduleFault(Time at, absl::AnyInvocable<void()> fn);
  // Routing.
  Host* RouteTo(uint32_t ip);
  void Capture(uint32_t point, bool outbound, const Packet& packet);
  FlowMetrics* NewFlow(uint64_t* id);
  FlowMetrics* FlowMetricsFor(uint64_t flow);
  uint64_t NextPacketId() { return next_packet_id_++; }
  uint64_t NextStreamId() { return next_stream_id_++; }
  void RecordDrop(const Link* link, const Packet& packet, DropReason reason);
  void EmitLog(const LogRecord& record);

  // Link::Observer.
  void OnLinkDeliver(Link& link, std::unique_ptr<Packet> packet) override;
  void OnLinkDrop(Link& link, const Packet& packet, DropReason reason) override;
  void OnLinkDuplicate(Link& link, const Packet& packet) override;

  WorldOptions options_;
  EventLoop loop_;
  TraceRecorder trace_;
  Rng root_rng_;
  Rng split_rng_;
  std::vector<std::unique_ptr<Host>> hosts_;
  absl::btree_map<std::string, uint32_t> host_by_name_;
  absl::btree_map<uint32_t, uint32_t> host_by_ip_;  // routable address -> host index
  absl::btree_map<uint32_t, LinkEnd> link_ends_;    // link id -> end
  std::map<uint64_t, FlowMetrics> flows_;           // node-stable
  absl::btree_map<std::string, uint64_t> annotation_counts_;
  std::vector<CapturedPacket> captured_;
  uint64_t next_packet_id_ = 1;
  uint64_t next_stream_id_ = 1;
  uint64_t next_flow_id_ = 1;
  uint32_t next_address_ = 0x0a000001;  // 10.0.0.1
};

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_WORLD_H_
