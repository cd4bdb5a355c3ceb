// Host: one simulated machine in a World — its address, access link, TCP
// stack, listeners, timers, randomness, disk and event log. It implements
// the env.h Network and EventLog for that machine; World::EnvFor() hands
// them out as a lemonade::Env.
//
// Owned by World; create hosts with World::AddHost. Everything here runs on
// the World's loop. Hosts can crash (their connections vanish silently,
// timers are cancelled, the disk loses unsynced data) and restart, change
// address (every connection breaks), sit behind a NAT, and have a radio
// that sleeps when idle (see profiles.h).
#ifndef LEMONADE_NETSIM_HOST_H_
#define LEMONADE_NETSIM_HOST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/functional/any_invocable.h"
#include "env/env.h"
#include "netsim/event_loop.h"
#include "netsim/link.h"
#include "netsim/profiles.h"
#include "netsim/rng.h"
#include "netsim/sim_disk.h"
#include "netsim/sim_stream.h"
#include "netsim/tcp_connection.h"
#include "netsim/trace.h"

namespace lemonade::netsim {

class World;

struct HostOptions {
  // IPv4 address, dotted quad; empty: the next free 10.0.0.x.
  std::string address;
  // The access link to the router (default: a datacenter link).
  LinkProfile link = DatacenterProfile();
  DiskOptions disk;
  // Overrides WorldOptions::tcp for connections of this host.
  std::optional<TcpOptions> tcp;
  // > 0: the host sits behind a carrier-grade NAT (public address in
  // 100.64.0.0/10, RFC 6598) that silently forgets a flow idle this long;
  // the next inbound packet of the flow is dropped, the next outbound one
  // gets a new public port, which the peer answers with a reset. Typical
  // cellular NAT timeouts are minutes (RFC 4787 REQ-5 asks for >= 2 min).
  Duration nat_idle_timeout = Duration::Zero();
};

// Env timers scoped to one host: the host's crash cancels them all, and
// each firing is recorded in the trace.
class HostTimers final : public Timers {
 public:
  HostTimers(EventLoop* loop, TraceRecorder* trace, uint64_t host_index, const bool* crashed);
  ~HostTimers() override;
  TimerId ScheduleAt(Time when, absl::AnyInvocable<void()> fn) override;
  void Cancel(TimerId id) override;
  const Clock& clock() const override { return *loop_; }
  void CancelAll();
  size_t pending() const { return pending_.size(); }

 private:
  EventLoop* loop_;
  TraceRecorder* trace_;
  uint64_t host_;
  const bool* crashed_;
  TimerId next_id_ = 1;
  absl::btree_map<TimerId, TimerId> pending_;  // our id -> loop id
};

class Host final : public TcpHost, public Network, public EventLog {
 public:
  Host(World* world, uint32_t index, std::string name, uint32_t ip, HostOptions options);
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;
  ~Host() override;

  const std::string& name() const { return name_; }
  uint32_t index() const { return index_; }
  uint32_t ip() const { return ip_; }
  // The address others reach this host at (the NAT's, if behind one).
  uint32_t public_ip() const { return public_ip_; }
  bool behind_nat() const { return options_.nat_idle_timeout > Duration::Zero(); }
  bool crashed() const { return crashed_; }
  const HostOptions& options() const { return options_; }
  Link& uplink() { return *up_; }
  Link& downlink() { return *down_; }
  SimDisk& disk() { return *disk_; }
  Rng& random() { return random_; }
  HostTimers& timers() { return timers_; }
  Env env();
  // Open connections (including TIME-WAIT), for tests and reports.
  size_t connection_count() const { return connections_.size(); }

  // Network.
  absl::StatusOr<uint16_t> Listen(const ListenOptions& options, AcceptHandler on_accept) override;
  void Connect(const std::string& host, uint16_t port,
               absl::AnyInvocable<void(absl::StatusOr<std::unique_ptr<Stream>>)> done) override;

  // EventLog.
  void Log(LogLevel level, absl::string_view component, absl::string_view message) override;
  void Protocol(absl::string_view who, uint64_t connection, absl::string_view line) override;

  // TcpHost.
  EventLoop& loop() override;
  TraceRecorder& trace() override;
  void Transmit(std::unique_ptr<Packet> packet) override;
  void OnConnectionEstablished(TcpConnection* connection) override;
  void OnConnectFailed(TcpConnection* connection, absl::Status status) override;
  void OnConnectionFinished(TcpConnection* connection) override;

  // Called by World.
  // A packet reached this host over its downlink (or loopback).
  void DeliverFromLink(std::unique_ptr<Packet> packet);
  // When a packet offered to this host's access link now may start
  // (radio promotion, handover blackout); records promotions.
  Time RadioReadyTime();
  void BeginOutage();
  void EndOutage();
  void BeginHandover(Duration blackout);
  void Crash();
  void Restart();
  void ChangeAddress(uint32_t new_ip);
  void AddCrashHook(absl::AnyInvocable<void()> hook) { crash_hooks_.push_back(std::move(hook)); }
  void AddRestartHook(absl::AnyInvocable<void()> hook) {
    restart_hooks_.push_back(std::move(hook));
  }
  // NAT translation at the router; false: drop (mapping forgotten).
  bool NatOutbound(Packet& packet);
  bool NatInbound(Packet& packet);

 private:
  // (local port, remote ip, remote port)
  using ConnKey = std::tuple<uint16_t, uint32_t, uint16_t>;
  struct Listener {
    bool local_only = false;
    bool implicit_tls = false;
    AcceptHandler on_accept;
  };
  struct PendingConnect {
    absl::AnyInvocable<void(absl::StatusOr<std::unique_ptr<Stream>>)> done;
  };
  struct NatMapping {
    uint16_t private_port = 0;
    uint32_t remote_ip = 0;
    uint16_t remote_port = 0;
    uint64_t flow = 0;
    Time last_used;
  };

  void Receive(std::unique_ptr<Packet> packet);
  void SendReset(const Packet& offending);
  uint16_t AllocateEphemeralPort();
  int LocalMss() const;
  std::string PeerAddress(const TcpConnection& connection) const;
  bool IsLocalAddress(uint32_t ip) const;
  std::unique_ptr<SimStream> MakeStream(TcpConnection* connection);
  void PostToLoop(absl::AnyInvocable<void()> fn);
  bool NatExpired(const NatMapping& mapping) const;

  World* const world_;
  const uint32_t index_;
  const std::string name_;
  uint32_t ip_;
  uint32_t public_ip_;
  HostOptions options_;
  TcpOptions tcp_options_;
  bool crashed_ = false;
  std::unique_ptr<Link> up_;
  std::unique_ptr<Link> down_;
  int outages_ = 0;
  Time blackout_until_;
  bool radio_active_ = false;
  Time radio_last_activity_;
  Time radio_ready_at_;
  Rng random_;
  Rng tcp_rng_;
  HostTimers timers_;
  std::unique_ptr<SimDisk> disk_;
  uint16_t next_ephemeral_port_ = 49152;  // RFC 6335 §6 dynamic ports
  absl::btree_map<uint16_t, std::unique_ptr<Listener>> listeners_;  // stable: handlers may Listen
  absl::btree_map<ConnKey, std::unique_ptr<TcpConnection>> connections_;
  absl::btree_map<uint64_t, PendingConnect> pending_connects_;  // by flow
  absl::btree_map<uint64_t, std::unique_ptr<SimStream>> tls_accepts_;  // by stream id
  absl::btree_map<uint64_t, TimerId> posted_;  // host-scoped loop callbacks
  uint64_t next_posted_ = 1;
  std::vector<absl::AnyInvocable<void()>> crash_hooks_;
  std::vector<absl::AnyInvocable<void()>> restart_hooks_;
  // NAT state: outbound key -> public port; public port -> mapping.
  absl::btree_map<ConnKey, uint16_t> nat_out_;
  absl::btree_map<uint16_t, NatMapping> nat_in_;
  uint16_t next_nat_port_ = 1024;
};

// "a.b.c.d" <-> host-order IPv4.
std::string FormatIpv4(uint32_t ip);
bool ParseIpv4(absl::string_view text, uint32_t* ip);
inline constexpr uint32_t kLoopbackIp = 0x7f000001;  // 127.0.0.1

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_HOST_H_
