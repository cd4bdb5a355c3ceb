#include "netsim/world.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/check.h"

namespace lemonade::netsim {

World::World(WorldOptions options)
    : options_(std::move(options)),
      loop_(options_.start),
      trace_(&loop_),
      root_rng_(options_.seed),
      split_rng_(root_rng_.Child("split-reads")) {
  trace_.set_keep_events(options_.keep_trace);
  CHECK(options_.tls.flight_bytes.size() >= 2)
      << "a TLS model needs at least a client and a server flight";
  CHECK(options_.tls.record_overhead_bytes >= 6 && options_.tls.max_record_plaintext > 0 &&
        options_.tls.max_record_plaintext <= 16384)
      << "bad TLS record parameters";
}

World::~World() {
  // Hosts go first (their connections cancel loop events); the loop's
  // remaining callbacks are destroyed with it, never run.
  hosts_.clear();
}

Host& World::AddHost(const std::string& name, HostOptions options) {
  CHECK(!name.empty() && name.find(' ') == std::string::npos) << "bad host name '" << name << "'";
  CHECK(!host_by_name_.contains(name)) << "duplicate host name " << name;
  uint32_t ip = 0;
  if (options.address.empty()) {
    ip = AllocateAddress();
  } else {
    CHECK(ParseIpv4(options.address, &ip)) << "bad address " << options.address;
    for (const auto& h : hosts_) CHECK(h->ip() != ip) << "address in use: " << options.address;
  }
  const uint32_t index = static_cast<uint32_t>(hosts_.size());
  hosts_.push_back(std::make_unique<Host>(this, index, name, ip, std::move(options)));
  Host& host = *hosts_.back();
  host_by_name_[name] = index;
  host_by_ip_[host.public_ip()] = index;
  link_ends_[index * 2] = LinkEnd{index, true};
  link_ends_[index * 2 + 1] = LinkEnd{index, false};
  trace_.Record(TraceKind::kHostAdded, index, ip, 0, 0, name);
  return host;
}

uint32_t World::AllocateAddress() {
  while (true) {
    const uint32_t ip = next_address_++;
    if ((ip & 0xff) == 0 || (ip & 0xff) == 255) continue;
    bool used = host_by_ip_.contains(ip);
    for (const auto& h : hosts_) used = used || h->ip() == ip;
    if (!used) return ip;
  }
}

Host* World::FindHost(absl::string_view name) {
  auto it = host_by_name_.find(std::string(name));
  return it == host_by_name_.end() ? nullptr : hosts_[it->second].get();
}

Host& World::host(absl::string_view name) { return *HostOrDie(name); }

Host* World::HostOrDie(absl::string_view name) {
  Host* h = FindHost(name);
  CHECK(h != nullptr) << "no host named " << name << " (seed " << options_.seed << ")";
  return h;
}

Env World::EnvFor(absl::string_view name) { return HostOrDie(name)->env(); }

Host* World::RouteTo(uint32_t ip) {
  auto it = host_by_ip_.find(ip);
  return it == host_by_ip_.end() ? nullptr : hosts_[it->second].get();
}

FlowMetrics* World::NewFlow(uint64_t* id) {
  *id = next_flow_id_++;
  FlowMetrics& m = flows_[*id];
  m.flow = *id;
  return &m;
}

FlowMetrics* World::FlowMetricsFor(uint64_t flow) {
  FlowMetrics& m = flows_[flow];
  m.flow = flow;
  return &m;
}

const FlowMetrics* World::Flow(uint64_t flow) const {
  auto it = flows_.find(flow);
  return it == flows_.end() ? nullptr : &it->second;
}

uint64_t World::FlowOf(const Stream& stream) {
  const auto* sim = dynamic_cast<const SimStream*>(&stream);
  return sim == nullptr ? 0 : sim->flow();
}

void World::Capture(uint32_t point, bool outbound, const Packet& packet) {
  if (!options_.capture_packets) return;
  captured_.push_back(CapturedPacket{loop_.Now().unix_nanos(), point, outbound, packet});
}

void World::RecordDrop(const Link* link, const Packet& packet, DropReason reason) {
  trace_.Record(TraceKind::kSegmentDropped, packet.flow, packet.id,
                link != nullptr ? link->id() : 0xffffffffu, static_cast<uint64_t>(reason));
}

void World::EmitLog(const LogRecord& record) {
  if (options_.log_sink) options_.log_sink(record);
}

void World::OnLinkDeliver(Link& link, std::unique_ptr<Packet> packet) {
  const LinkEnd end = link_ends_.at(link.id());
  Host& from = *hosts_[end.host];
  if (!end.uplink) {
    from.DeliverFromLink(std::move(packet));
    return;
  }
  // At the router.
  if (from.behind_nat()) from.NatOutbound(*packet);
  Capture(kRouterCapturePoint, false, *packet);
  Host* to = RouteTo(packet->dst_ip);
  if (to == nullptr) {
    RecordDrop(&link, *packet, DropReason::kNoRoute);
    return;
  }
  if (to->behind_nat() && packet->dst_ip == to->public_ip() && !to->NatInbound(*packet)) {
    RecordDrop(&link, *packet, DropReason::kNat);
    return;
  }
  to->downlink().Send(std::move(packet), to->RadioReadyTime());
}

void World::OnLinkDrop(Link& link, const Packet& packet, DropReason reason) {
  RecordDrop(&link, packet, reason);
}

void World::OnLinkDuplicate(Link& link, const Packet& packet) {
  trace_.Record(TraceKind::kSegmentDuplicated, packet.flow, packet.id, link.id());
}

void World::ScheduleFault(Time at, absl::AnyInvocable<void()> fn) {
  loop_.ScheduleAt(at, std::move(fn));
}

void World::Outage(absl::string_view host, Time at, Duration duration) {
  Host* h = HostOrDie(host);
  ScheduleFault(at, [this, h, duration] {
    trace_.Record(TraceKind::kFault, h->index(), static_cast<uint64_t>(FaultKind::kOutage),
                  static_cast<uint64_t>(duration.nanoseconds()));
    h->BeginOutage();
    loop_.ScheduleAfter(duration, [h] { h->EndOutage(); });
  });
}

void World::Handover(absl::string_view host, Time at, Duration blackout) {
  Host* h = HostOrDie(host);
  ScheduleFault(at, [this, h, blackout] {
    trace_.Record(TraceKind::kFault, h->index(), static_cast<uint64_t>(FaultKind::kHandover),
                  static_cast<uint64_t>(blackout.nanoseconds()));
    h->BeginHandover(blackout);
  });
}

void World::LossBurst(absl::string_view host, Time at, Duration duration, Probability loss) {
  Host* h = HostOrDie(host);
  ScheduleFault(at, [this, h, duration, loss] {
    trace_.Record(TraceKind::kFault, h->index(), static_cast<uint64_t>(FaultKind::kLossBurst),
                  static_cast<uint64_t>(duration.nanoseconds()), 0, loss.ToString());
    h->uplink().set_extra_loss(loss);
    h->downlink().set_extra_loss(loss);
    loop_.ScheduleAfter(duration, [h] {
      h->uplink().set_extra_loss(Probability::Zero());
      h->downlink().set_extra_loss(Probability::Zero());
    });
  });
}

void World::ChangeAddress(absl::string_view host, Time at, std::string new_address) {
  Host* h = HostOrDie(host);
  ScheduleFault(at, [this, h, new_address = std::move(new_address)] {
    uint32_t ip = 0;
    if (new_address.empty()) {
      ip = AllocateAddress();
    } else {
      CHECK(ParseIpv4(new_address, &ip)) << "bad address " << new_address << " (seed "
                                         << options_.seed << ")";
    }
    trace_.Record(TraceKind::kAddressChange, h->index(), h->ip(), ip);
    if (!h->behind_nat()) {
      host_by_ip_.erase(h->ip());
      host_by_ip_[ip] = h->index();
    }
    h->ChangeAddress(ip);
  });
}

void World::CrashHost(absl::string_view host, Time at, std::optional<Duration> restart_after) {
  Host* h = HostOrDie(host);
  ScheduleFault(at, [this, h, restart_after] {
    trace_.Record(TraceKind::kFault, h->index(), static_cast<uint64_t>(FaultKind::kCrash),
                  restart_after ? static_cast<uint64_t>(restart_after->nanoseconds()) : 0);
    h->Crash();
    if (restart_after) loop_.ScheduleAfter(*restart_after, [h] { h->Restart(); });
  });
}

void World::RestartHost(absl::string_view host, Time at) {
  Host* h = HostOrDie(host);
  ScheduleFault(at, [h] { h->Restart(); });
}

void World::CrashDisk(absl::string_view host, Time at) {
  Host* h = HostOrDie(host);
  ScheduleFault(at, [this, h] {
    trace_.Record(TraceKind::kFault, h->index(), static_cast<uint64_t>(FaultKind::kDiskCrash));
    h->disk().Crash();
  });
}

void World::OnHostCrash(absl::string_view host, absl::AnyInvocable<void()> hook) {
  HostOrDie(host)->AddCrashHook(std::move(hook));
}

void World::OnHostRestart(absl::string_view host, absl::AnyInvocable<void()> hook) {
  HostOrDie(host)->AddRestartHook(std::move(hook));
}

void World::Apply(const FaultPlan& plan) {
  for (const Fault& f : plan.faults) {
    const Time at = options_.start + f.at;
    switch (f.kind) {
      case FaultKind::kOutage:
        Outage(f.host, at, f.duration);
        break;
      case FaultKind::kHandover:
        Handover(f.host, at, f.duration);
        break;
      case FaultKind::kLossBurst:
        LossBurst(f.host, at, f.duration, f.loss);
        break;
      case FaultKind::kAddressChange:
        ChangeAddress(f.host, at, f.address);
        break;
      case FaultKind::kCrash:
        CrashHost(f.host, at,
                  f.duration > Duration::Zero() ? std::optional<Duration>(f.duration)
                                                : std::nullopt);
        break;
      case FaultKind::kRestart:
        RestartHost(f.host, at);
        break;
      case FaultKind::kDiskCrash:
        CrashDisk(f.host, at);
        break;
    }
  }
}

void World::Annotate(absl::string_view host, absl::string_view label, uint64_t value) {
  trace_.Record(TraceKind::kAnnotation, HostOrDie(host)->index(), value, 0, 0, label);
  ++annotation_counts_[std::string(label)];
}

std::string World::TraceText() const {
  CHECK(trace_.keep_events()) << "TraceText needs WorldOptions::keep_trace";
  absl::btree_map<std::string, std::string> header;
  header["seed"] = absl::StrCat(options_.seed);
  header["start_unix_ns"] = absl::StrCat(options_.start.unix_nanos());
  return SerializeTrace(header, trace_.events());
}

void World::ExpectTrace(const RecordedTrace& recorded) {
  CHECK(trace_.count() == 0) << "ExpectTrace must be called before anything happens";
  trace_.Expect(recorded.events);
}

std::string World::Pcap(const PcapOptions& options) const {
  CHECK(options_.capture_packets) << "Pcap needs WorldOptions::capture_packets";
  uint32_t point = kRouterCapturePoint;
  if (options.host) {
    auto it = host_by_name_.find(*options.host);
    CHECK(it != host_by_name_.end()) << "no host named " << *options.host;
    point = it->second;
  }
  return WritePcap(captured_, point);
}

std::string World::MetricsReport() const {
  std::string out;
  absl::StrAppendFormat(&out, "seed %d, virtual time %.6f s, %d events, trace hash %016x\n",
                        options_.seed, (loop_.Now() - options_.start).seconds_double(),
                        loop_.events_run(), trace_.hash());
  absl::StrAppend(&out, "links (wire bytes; drops by reason):\n");
  for (const auto& h : hosts_) {
    for (const Link* link : {&h->uplink(), &h->downlink()}) {
      const LinkMetrics& m = link->metrics();
      absl::StrAppendFormat(
          &out,
          "  %-28s offered %d pkts %d B, delivered %d pkts %d B, drop queue %d loss %d down %d "
          "mtu %d, dup %d, reorder %d, max queue %d B\n",
          link->name(), m.packets_offered, m.bytes_offered, m.packets_delivered,
          m.bytes_delivered, m.dropped_queue, m.dropped_loss, m.dropped_down, m.dropped_mtu,
          m.duplicated, m.reordered, m.max_queue_bytes);
    }
  }
  absl::StrAppend(&out, "flows:\n");
  for (const auto& [id, f] : flows_) {
    absl::StrAppendFormat(&out, "  flow %d %s -> %s:%d, %s, turns %d\n", id, f.client_host,
                          f.server_host, f.server_port,
                          f.status.ok() ? "ok" : std::string(f.status.message()), f.turns);
    for (const auto* d : {&f.c2s, &f.s2c}) {
      Duration rtt_sum = Duration::Zero();
      for (Duration r : d->rtt_samples) rtt_sum += r;
      absl::StrAppendFormat(
          &out,
          "    %s payload %d B, stream %d B, wire %d B, %d pkts, %d rexmit, %d rto, %d fast, "
          "mean rtt %.3f ms (%d samples)\n",
          d == &f.c2s ? "c2s" : "s2c", d->payload_bytes, d->stream_bytes, d->wire_bytes,
          d->packets, d->retransmitted_packets, d->timeouts, d->fast_retransmits,
          d->rtt_samples.empty() ? 0.0
                                 : (rtt_sum / static_cast<int64_t>(d->rtt_samples.size()))
                                       .milliseconds_double(),
          d->rtt_samples.size());
    }
  }
  return out;
}

}  // namespace lemonade::netsim
