#include "netsim/host.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/check.h"
#include "netsim/world.h"

namespace lemonade::netsim {

std::string FormatIpv4(uint32_t ip) {
  return absl::StrCat(ip >> 24, ".", (ip >> 16) & 0xff, ".", (ip >> 8) & 0xff, ".", ip & 0xff);
}

bool ParseIpv4(absl::string_view text, uint32_t* ip) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  if (parts.size() != 4) return false;
  uint32_t value = 0;
  for (absl::string_view part : parts) {
    uint32_t octet = 0;
    if (part.empty() || part.size() > 3 || !absl::SimpleAtoi(part, &octet) || octet > 255) {
      return false;
    }
    value = (value << 8) | octet;
  }
  *ip = value;
  return true;
}

HostTimers::HostTimers(EventLoop* loop, TraceRecorder* trace, uint64_t host_index,
                       const bool* crashed)
    : loop_(loop), trace_(trace), host_(host_index), crashed_(crashed) {}

HostTimers::~HostTimers() { CancelAll(); }

TimerId HostTimers::ScheduleAt(Time when, absl::AnyInvocable<void()> fn) {
  const TimerId id = next_id_++;
  // A crashed host runs nothing; whatever scheduled this is being torn down.
  if (*crashed_) return id;
  const TimerId loop_id = loop_->ScheduleAt(when, [this, id, fn = std::move(fn)]() mutable {
    pending_.erase(id);
    trace_->Record(TraceKind::kTimerFired, host_, id);
    fn();
  });
  pending_[id] = loop_id;
  return id;
}

void HostTimers::Cancel(TimerId id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  const TimerId loop_id = it->second;
  pending_.erase(it);
  loop_->Cancel(loop_id);
}

void HostTimers::CancelAll() {
  // Cancelling may destroy callbacks whose destructors cancel more timers.
  while (!pending_.empty()) Cancel(pending_.begin()->first);
}

Host::Host(World* world, uint32_t index, std::string name, uint32_t ip, HostOptions options)
    : world_(world),
      index_(index),
      name_(std::move(name)),
      ip_(ip),
      public_ip_(ip),
      options_(std::move(options)),
      tcp_options_(options_.tcp.value_or(world->options().tcp)),
      blackout_until_(world->Now()),
      radio_last_activity_(world->Now()),
      radio_ready_at_(world->Now()),
      random_(world->RandomStream(absl::StrCat("host/", name_))),
      tcp_rng_(world->RandomStream(absl::StrCat("tcp/", name_))),
      timers_(&world->loop(), &world->mutable_trace(), index, &crashed_) {
  if (behind_nat()) {
    // Carrier-grade NAT shared address space, RFC 6598.
    public_ip_ = 0x64400000u + index + 1;
  }
  // Host is World's friend: it may see World as the links' observer.
  Link::Observer* observer = world;
  up_ = std::make_unique<Link>(index * 2, absl::StrCat(name_, "/up"), options_.link.up,
                               &world->loop(),
                               world->RandomStream(absl::StrCat("link/", name_, "/up")), observer);
  down_ = std::make_unique<Link>(index * 2 + 1, absl::StrCat(name_, "/down"), options_.link.down,
                                 &world->loop(),
                                 world->RandomStream(absl::StrCat("link/", name_, "/down")),
                                 observer);
  disk_ = std::make_unique<SimDisk>(&world->loop(), &world->mutable_trace(), index,
                                    world->RandomStream(absl::StrCat("disk/", name_)),
                                    options_.disk);
}

Host::~Host() {
  for (const auto& [id, timer] : posted_) world_->loop().Cancel(timer);
  posted_.clear();
  // Streams handed out may outlive us only if the World is destroyed
  // first; detach them so they do not touch freed connections.
  for (auto& [key, connection] : connections_) connection->Vanish();
  connections_.clear();
  tls_accepts_.clear();
}

Env Host::env() {
  Env env;
  env.timers = &timers_;
  env.random = &random_;
  env.network = this;
  env.disk = disk_.get();
  env.log = this;
  return env;
}

EventLoop& Host::loop() { return world_->loop(); }
TraceRecorder& Host::trace() { return world_->mutable_trace(); }

void Host::PostToLoop(absl::AnyInvocable<void()> fn) {
  const uint64_t id = next_posted_++;
  const TimerId timer = world_->loop().Post([this, id, fn = std::move(fn)]() mutable {
    posted_.erase(id);
    fn();
  });
  posted_[id] = timer;
}

int Host::LocalMss() const {
  const int mtu = std::min(options_.link.up.mtu, options_.link.down.mtu);
  return mtu - kIpTcpHeaderBytes;
}

bool Host::IsLocalAddress(uint32_t ip) const {
  return ip == kLoopbackIp || ip == ip_ || ip == public_ip_;
}

uint16_t Host::AllocateEphemeralPort() {
  // Sequential in the dynamic range, skipping ports in use.
  for (int tries = 0; tries < 16384; ++tries) {
    const uint16_t port = next_ephemeral_port_;
    next_ephemeral_port_ = port == 65535 ? 49152 : static_cast<uint16_t>(port + 1);
    if (listeners_.contains(port)) continue;
    auto it = connections_.lower_bound(ConnKey{port, 0, 0});
    if (it != connections_.end() && std::get<0>(it->first) == port) continue;
    return port;
  }
  CHECK(false) << "host " << name_ << " ran out of ephemeral ports";
  return 0;
}

absl::StatusOr<uint16_t> Host::Listen(const ListenOptions& options, AcceptHandler on_accept) {
  if (crashed_) return absl::UnavailableError(absl::StrCat("host ", name_, " is down"));
  bool local_only = false;
  uint32_t ip = 0;
  if (options.address == "127.0.0.1" || options.address == "localhost") {
    local_only = true;
  } else if (options.address.empty() || options.address == "0.0.0.0" ||
             options.address == name_) {
  } else if (ParseIpv4(options.address, &ip) && ip == ip_) {
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot listen on ", options.address, ": not an address of host ", name_));
  }
  uint16_t port = options.port;
  if (port == 0) {
    port = AllocateEphemeralPort();
  } else if (listeners_.contains(port)) {
    return absl::AlreadyExistsError(absl::StrCat("port ", port, " already in use on ", name_));
  }
  auto listener = std::make_unique<Listener>();
  listener->local_only = local_only;
  listener->implicit_tls = options.implicit_tls;
  listener->on_accept = std::move(on_accept);
  listeners_[port] = std::move(listener);
  trace().Record(TraceKind::kListen, index_, port);
  return port;
}

void Host::Connect(const std::string& host, uint16_t port,
                   absl::AnyInvocable<void(absl::StatusOr<std::unique_ptr<Stream>>)> done) {
  if (crashed_) return;  // Nothing runs on a crashed host.
  uint32_t dst = 0;
  std::string server_name;
  if (host == "localhost" || host == "127.0.0.1") {
    dst = kLoopbackIp;
    server_name = name_;
  } else if (ParseIpv4(host, &dst)) {
    Host* h = world_->RouteTo(dst);
    server_name = h != nullptr ? h->name() : host;
  } else if (Host* h = world_->FindHost(host); h != nullptr) {
    dst = h == this ? ip_ : h->public_ip();
    server_name = h->name();
  } else {
    absl::Status status = absl::NotFoundError(absl::StrCat("unknown host: ", host));
    PostToLoop([done = std::move(done), status]() mutable { done(status); });
    return;
  }
  uint64_t flow = 0;
  FlowMetrics* metrics = world_->NewFlow(&flow);
  metrics->client_host = name_;
  metrics->server_host = server_name;
  metrics->server_port = port;
  metrics->opened = world_->Now();
  const uint16_t local_port = AllocateEphemeralPort();
  const uint32_t local_ip = dst == kLoopbackIp ? kLoopbackIp : ip_;
  const uint64_t iss = tcp_rng_.NextU64() & 0xffffffffu;  // RFC 6528: unpredictable ISN
  auto connection = std::make_unique<TcpConnection>(
      this, tcp_options_, flow, 0, TcpConnection::Endpoint{local_ip, local_port},
      TcpConnection::Endpoint{dst, port}, LocalMss(), iss, metrics);
  TcpConnection* raw = connection.get();
  connections_[ConnKey{local_port, dst, port}] = std::move(connection);
  pending_connects_[flow] = PendingConnect{std::move(done)};
  trace().Record(TraceKind::kConnect, flow, index_, dst, port);
  raw->Connect();
}

void Host::Log(LogLevel level, absl::string_view component, absl::string_view message) {
  trace().Record(TraceKind::kLog, index_, static_cast<uint64_t>(level), 0, 0,
                 absl::StrCat(component, ": ", message));
  LogRecord record;
  record.time = world_->Now();
  record.host = name_;
  record.level = level;
  record.component = std::string(component);
  record.message = std::string(message);
  world_->EmitLog(record);
}

void Host::Protocol(absl::string_view who, uint64_t connection, absl::string_view line) {
  trace().Record(TraceKind::kProtocol, connection, 0, 0, 0, absl::StrCat(who, " ", line));
  LogRecord record;
  record.time = world_->Now();
  record.host = name_;
  record.component = "protocol";
  record.message = absl::StrCat(who, " ", line);
  record.connection = connection;
  world_->EmitLog(record);
}

std::string Host::PeerAddress(const TcpConnection& connection) const {
  return absl::StrCat(FormatIpv4(connection.remote().ip), ":", connection.remote().port);
}

std::unique_ptr<SimStream> Host::MakeStream(TcpConnection* connection) {
  StreamContext context;
  context.loop = &world_->loop();
  context.trace = &world_->mutable_trace();
  context.tls = &world_->options().tls;
  context.split_rng = world_->options().split_reads ? &world_->split_rng_ : nullptr;
  context.trace_payload = world_->options().trace_payload;
  return std::make_unique<SimStream>(context, connection, world_->NextStreamId(),
                                     PeerAddress(*connection),
                                     IsLocalAddress(connection->remote().ip));
}

void Host::OnConnectionEstablished(TcpConnection* connection) {
  if (connection->side() == 0) {
    auto node = pending_connects_.extract(connection->flow());
    if (node.empty()) return;
    std::unique_ptr<Stream> stream = MakeStream(connection);
    node.mapped().done(std::move(stream));
    return;
  }
  auto it = listeners_.find(connection->local().port);
  if (it == listeners_.end()) {
    connection->Abort();
    return;
  }
  Listener* listener = it->second.get();
  std::unique_ptr<SimStream> stream = MakeStream(connection);
  if (!listener->implicit_tls) {
    listener->on_accept(std::move(stream));
    return;
  }
  // RFC 8314: TLS from the first byte; hand the stream over once the
  // handshake is done.
  SimStream* raw = stream.get();
  const uint64_t id = raw->id();
  const uint16_t port = connection->local().port;
  tls_accepts_[id] = std::move(stream);
  raw->StartTls(TlsRole::kServer, [this, id, port](absl::Status status) {
    auto node = tls_accepts_.extract(id);
    if (node.empty()) return;
    std::unique_ptr<SimStream> accepted = std::move(node.mapped());
    auto listener_it = listeners_.find(port);
    if (status.ok() && listener_it != listeners_.end()) {
      listener_it->second->on_accept(std::move(accepted));
      return;
    }
    // Destroy it later: we are inside its callback.
    SimStream* doomed = accepted.release();
    PostToLoop([doomed] { delete doomed; });
  });
}

void Host::OnConnectFailed(TcpConnection* connection, absl::Status status) {
  trace().Record(TraceKind::kConnectFailed, connection->flow(),
                 static_cast<uint64_t>(status.code()), 0, 0, status.message());
  auto node = pending_connects_.extract(connection->flow());
  if (node.empty()) return;
  node.mapped().done(std::move(status));
}

void Host::OnConnectionFinished(TcpConnection* connection) {
  const ConnKey key{connection->local().port, connection->remote().ip,
                    connection->remote().port};
  PostToLoop([this, key, connection] {
    auto it = connections_.find(key);
    if (it != connections_.end() && it->second.get() == connection) connections_.erase(it);
  });
}

void Host::Transmit(std::unique_ptr<Packet> packet) {
  packet->id = world_->NextPacketId();
  trace().Record(TraceKind::kSegmentSent, packet->flow, packet->id, packet->seq,
                 static_cast<uint64_t>(packet->payload.size()) |
                     (static_cast<uint64_t>(packet->flags) << 32) |
                     (static_cast<uint64_t>(packet->side) << 40));
  world_->Capture(index_, /*outbound=*/true, *packet);
  if (IsLocalAddress(packet->dst_ip)) {
    world_->loop().ScheduleAfter(world_->options().loopback_delay,
                                 [this, p = std::move(packet)]() mutable { Receive(std::move(p)); });
    return;
  }
  up_->Send(std::move(packet), RadioReadyTime());
}

Time Host::RadioReadyTime() {
  const Time now = world_->Now();
  Time ready = now;
  const RadioOptions& radio = options_.link.radio;
  if (radio.idle_timeout > Duration::Zero()) {
    if (radio_ready_at_ <= now &&
        (!radio_active_ || now - radio_last_activity_ >= radio.idle_timeout)) {
      // RRC IDLE -> CONNECTED: the first packet after idleness waits.
      radio_ready_at_ = now + radio.promotion_delay;
      trace().Record(TraceKind::kRadioPromotion, index_,
                     static_cast<uint64_t>(radio.promotion_delay.nanoseconds()));
    }
    radio_active_ = true;
    ready = std::max(ready, radio_ready_at_);
    radio_last_activity_ = std::max(radio_last_activity_, ready);
  }
  return std::max(ready, blackout_until_);
}

void Host::DeliverFromLink(std::unique_ptr<Packet> packet) {
  const Time now = world_->Now();
  if (now < blackout_until_) {
    // Handover with data forwarding (3GPP TS 36.300 §10.1.2.1): held, not
    // lost, until the target cell takes over.
    world_->loop().ScheduleAt(blackout_until_, [this, p = std::move(packet)]() mutable {
      DeliverFromLink(std::move(p));
    });
    return;
  }
  if (options_.link.radio.idle_timeout > Duration::Zero()) {
    radio_active_ = true;
    radio_last_activity_ = std::max(radio_last_activity_, now);
  }
  Receive(std::move(packet));
}

void Host::Receive(std::unique_ptr<Packet> packet) {
  if (crashed_) {
    world_->RecordDrop(nullptr, *packet, DropReason::kHostDown);
    return;
  }
  trace().Record(TraceKind::kSegmentDelivered, packet->flow, packet->id, index_);
  world_->Capture(index_, /*outbound=*/false, *packet);
  const Packet& p = *packet;
  auto it = connections_.find(ConnKey{p.dst_port, p.src_ip, p.src_port});
  if (it != connections_.end()) {
    it->second->OnSegment(p);
    return;
  }
  if (p.has(kRst)) return;
  if (p.has(kSyn) && !p.has(kAck)) {
    auto listener = listeners_.find(p.dst_port);
    if (listener != listeners_.end() &&
        (!listener->second->local_only || IsLocalAddress(p.src_ip))) {
      FlowMetrics* metrics = world_->FlowMetricsFor(p.flow);
      const uint64_t iss = tcp_rng_.NextU64() & 0xffffffffu;
      auto connection = std::make_unique<TcpConnection>(
          this, tcp_options_, p.flow, 1, TcpConnection::Endpoint{p.dst_ip, p.dst_port},
          TcpConnection::Endpoint{p.src_ip, p.src_port}, LocalMss(), iss, metrics);
      TcpConnection* raw = connection.get();
      connections_[ConnKey{p.dst_port, p.src_ip, p.src_port}] = std::move(connection);
      raw->AcceptSyn(p);
      return;
    }
  }
  SendReset(p);
}

void Host::SendReset(const Packet& offending) {
  // RFC 9293 §3.10.7.1: a segment for no connection is answered by RST.
  auto rst = std::make_unique<Packet>();
  rst->flow = offending.flow;
  rst->side = static_cast<uint8_t>(1 - offending.side);
  rst->src_ip = offending.dst_ip;
  rst->src_port = offending.dst_port;
  rst->dst_ip = offending.src_ip;
  rst->dst_port = offending.src_port;
  if (offending.has(kAck)) {
    rst->seq = offending.ack;
    rst->flags = kRst;
  } else {
    rst->seq = 0;
    rst->ack = offending.seq + offending.seq_len();
    rst->flags = kRst | kAck;
  }
  FlowMetrics* metrics = world_->FlowMetricsFor(offending.flow);
  FlowDirectionMetrics& m = rst->side == 0 ? metrics->c2s : metrics->s2c;
  m.packets++;
  m.wire_bytes += rst->wire_bytes();
  Transmit(std::move(rst));
}

void Host::BeginOutage() {
  if (outages_++ == 0) {
    up_->set_up(false);
    down_->set_up(false);
  }
}

void Host::EndOutage() {
  if (outages_ > 0 && --outages_ == 0) {
    up_->set_up(true);
    down_->set_up(true);
  }
}

void Host::BeginHandover(Duration blackout) {
  blackout_until_ = std::max(blackout_until_, world_->Now() + blackout);
}

void Host::Crash() {
  if (crashed_) return;
  crashed_ = true;
  trace().Record(TraceKind::kHostCrash, index_);
  timers_.CancelAll();
  // Connections vanish without a packet: peers find out by timeouts, or by
  // resets once the host is back and answers their segments.
  for (auto& [key, connection] : connections_) connection->Vanish();
  connections_.clear();
  pending_connects_.clear();
  tls_accepts_.clear();
  listeners_.clear();
  radio_active_ = false;
  disk_->Crash();
  for (size_t i = 0; i < crash_hooks_.size(); ++i) crash_hooks_[i]();
}

void Host::Restart() {
  if (!crashed_) return;
  crashed_ = false;
  trace().Record(TraceKind::kHostRestart, index_);
  for (size_t i = 0; i < restart_hooks_.size(); ++i) restart_hooks_[i]();
}

void Host::ChangeAddress(uint32_t new_ip) {
  const uint32_t old_ip = ip_;
  ip_ = new_ip;
  if (!behind_nat()) public_ip_ = new_ip;
  nat_out_.clear();
  nat_in_.clear();
  // Every connection bound to the old address breaks; loopback ones live.
  std::vector<TcpConnection*> broken;
  for (auto& [key, connection] : connections_) {
    if (connection->local().ip == old_ip && !connection->finished()) {
      broken.push_back(connection.get());
    }
  }
  const absl::Status status = absl::UnavailableError("network address changed");
  for (TcpConnection* connection : broken) {
    connection->BreakLocally(status);
    connection->Notify();
  }
}

bool Host::NatExpired(const NatMapping& mapping) const {
  return world_->Now() - mapping.last_used > options_.nat_idle_timeout;
}

bool Host::NatOutbound(Packet& p) {
  const ConnKey key{p.src_port, p.dst_ip, p.dst_port};
  uint16_t port = 0;
  auto it = nat_out_.find(key);
  if (it != nat_out_.end()) {
    NatMapping& mapping = nat_in_.at(it->second);
    if (NatExpired(mapping)) {
      trace().Record(TraceKind::kNatExpired, index_, mapping.flow);
      nat_in_.erase(it->second);
      nat_out_.erase(it);
    } else {
      port = it->second;
      mapping.last_used = world_->Now();
    }
  }
  if (port == 0) {
    for (int tries = 0; tries < 65536 && port == 0; ++tries) {
      const uint16_t candidate = next_nat_port_;
      next_nat_port_ = candidate == 65535 ? 1024 : static_cast<uint16_t>(candidate + 1);
      if (!nat_in_.contains(candidate)) port = candidate;
    }
    CHECK(port != 0) << "NAT of " << name_ << " ran out of ports";
    nat_out_[key] = port;
    nat_in_[port] = NatMapping{p.src_port, p.dst_ip, p.dst_port, p.flow, world_->Now()};
  }
  p.src_ip = public_ip_;
  p.src_port = port;
  return true;
}

bool Host::NatInbound(Packet& p) {
  auto it = nat_in_.find(p.dst_port);
  if (it == nat_in_.end()) return false;
  NatMapping& mapping = it->second;
  if (NatExpired(mapping)) {
    trace().Record(TraceKind::kNatExpired, index_, mapping.flow);
    nat_out_.erase(ConnKey{mapping.private_port, mapping.remote_ip, mapping.remote_port});
    nat_in_.erase(it);
    return false;
  }
  // Address- and port-dependent filtering (RFC 4787 §5).
  if (mapping.remote_ip != p.src_ip || mapping.remote_port != p.src_port) return false;
  mapping.last_used = world_->Now();
  p.dst_ip = ip_;
  p.dst_port = mapping.private_port;
  return true;
}

}  // namespace lemonade::netsim
