// Fuzzes netsim's transport: the input picks the seed, a hostile phone
// link (loss model, reordering, duplication, jitter, queue), STARTTLS and
// split reads, what each side writes and when, and a schedule of faults
// (outages, handovers, loss bursts, NAT timeouts). Checked invariants:
//  - exactly-once, in-order delivery: each side reads a prefix of what the
//    other wrote, and all of it when the connection closed cleanly;
//  - liveness: without faults that may kill connections, on a link that
//    loses at most half its packets each way, the exchange completes;
//  - determinism: the same input gives the same trace hash twice.
// A failure prints the seed and the fault plan; re-run the input file with
// the standalone driver to reproduce it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "netsim/test_util.h"
#include "netsim/world.h"

namespace lemonade::netsim {
namespace {

// Reads integers from the fuzz input; zeros once it runs out.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint64_t Bits(int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | (pos_ < size_ ? data_[pos_++] : 0);
    return v;
  }
  // In [lo, hi].
  uint64_t Range(uint64_t lo, uint64_t hi) {
    const uint64_t span = hi - lo + 1;
    const int bytes = span <= 256 ? 1 : span <= 65536 ? 2 : 4;
    return lo + Bits(bytes) % span;
  }
  bool Bool() { return Bits(1) & 1; }
  bool empty() const { return pos_ >= size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

struct WritePlan {
  Duration after;  // since the connection opened
  size_t bytes;
};

struct Plan {
  uint64_t seed = 0;
  LinkProfile link;
  bool tls = false;
  bool split_reads = false;
  bool client_aborts = false;
  Duration nat_timeout = Duration::Zero();
  std::vector<WritePlan> client_writes;
  std::vector<WritePlan> server_writes;
  FaultPlan faults;
  bool may_break = false;  // faults that can legitimately kill the connection
};

// The long-run loss rate of a direction: p for Bernoulli; for
// Gilbert-Elliott the stationary mix, the bad state's share being
// good_to_bad / (good_to_bad + bad_to_good).
double MeanLoss(const LossModel& m) {
  switch (m.kind) {
    case LossModel::Kind::kNone:
      return 0;
    case LossModel::Kind::kBernoulli:
      return m.bernoulli.ToDouble();
    case LossModel::Kind::kGilbertElliott: {
      const GilbertElliott& ge = m.gilbert_elliott;
      const double p = ge.good_to_bad.ToDouble(), r = ge.bad_to_good.ToDouble();
      const double bad = p + r > 0 ? p / (p + r) : 0;
      return bad * ge.loss_in_bad.ToDouble() + (1 - bad) * ge.loss_in_good.ToDouble();
    }
  }
  return 0;
}

Plan ReadPlan(FuzzInput& in) {
  Plan plan;
  plan.seed = in.Bits(8);
  LinkDirection d;
  d.delay = Duration::Milliseconds(static_cast<int64_t>(in.Range(1, 300)));
  d.jitter = Duration::Milliseconds(static_cast<int64_t>(in.Range(0, 50)));
  static constexpr int64_t kRates[] = {0, 64'000, 384'000, 2'000'000, 20'000'000, 1'000'000'000};
  d.bandwidth_bps = kRates[in.Range(0, 5)];
  d.queue_limit_bytes = static_cast<int64_t>(in.Range(0, 4)) * 16 * 1024;
  if (in.Bool()) {
    d.loss = LossModel::Bernoulli(Probability::Percent(in.Range(0, 40)));
  } else {
    GilbertElliott ge;
    ge.good_to_bad = Probability::Percent(in.Range(0, 20));
    ge.bad_to_good = Probability::Percent(in.Range(10, 90));
    ge.loss_in_good = Probability::Percent(in.Range(0, 5));
    ge.loss_in_bad = Probability::Percent(in.Range(30, 100));
    d.loss = LossModel::Gilbert(ge);
  }
  d.reorder = Probability::Percent(in.Range(0, 30));
  d.reorder_delay = Duration::Milliseconds(static_cast<int64_t>(in.Range(1, 100)));
  d.duplicate = Probability::Percent(in.Range(0, 20));
  plan.link.name = "fuzz";
  plan.link.up = d;
  plan.link.down = d;
  if (in.Bool()) plan.link.down.loss = LossModel::Bernoulli(Probability::Percent(in.Range(0, 40)));
  if (in.Bool()) {
    plan.link.radio.idle_timeout = Duration::Seconds(static_cast<int64_t>(in.Range(1, 20)));
    plan.link.radio.promotion_delay = Duration::Milliseconds(static_cast<int64_t>(in.Range(0, 2000)));
  }
  // Past half the packets lost each way (and in bursts), a retransmission
  // and its ACK both get through less than a quarter of the time, and RTO
  // backoff up to 60 s can legitimately stretch a transfer past the
  // run's horizon or the user timeout — as on real TCP. Such links still
  // check exactly-once delivery and determinism, not liveness. (A 59%
  // Gilbert-Elliott link took over 3 simulated hours for 55 KB.)
  if (MeanLoss(plan.link.up.loss) > 0.5 || MeanLoss(plan.link.down.loss) > 0.5) {
    plan.may_break = true;
  }
  plan.tls = in.Bool();
  plan.split_reads = in.Bool();
  plan.client_aborts = in.Range(0, 15) == 0;
  if (in.Range(0, 7) == 0) {
    plan.nat_timeout = Duration::Seconds(static_cast<int64_t>(in.Range(5, 120)));
    plan.may_break = true;
  }
  // Writes: up to 64 KiB each side in total.
  for (auto* writes : {&plan.client_writes, &plan.server_writes}) {
    const int count = static_cast<int>(in.Range(0, 12));
    size_t total = 0;
    Duration at = Duration::Zero();
    for (int i = 0; i < count; ++i) {
      at += Duration::Milliseconds(static_cast<int64_t>(in.Range(0, 5000)));
      const size_t bytes = std::min<size_t>(in.Range(1, 20000), 65536 - total);
      if (bytes == 0) break;
      total += bytes;
      writes->push_back({at, bytes});
    }
  }
  const int faults = static_cast<int>(in.Range(0, 6));
  for (int i = 0; i < faults; ++i) {
    Fault f;
    f.host = "phone";
    f.at = Duration::Milliseconds(static_cast<int64_t>(in.Range(0, 60000)));
    switch (in.Range(0, 3)) {
      case 0:
        f.kind = FaultKind::kOutage;
        f.duration = Duration::Milliseconds(static_cast<int64_t>(in.Range(1, 90000)));
        break;
      case 1:
        f.kind = FaultKind::kHandover;
        f.duration = Duration::Milliseconds(static_cast<int64_t>(in.Range(1, 3000)));
        break;
      case 2:
        f.kind = FaultKind::kLossBurst;
        f.duration = Duration::Milliseconds(static_cast<int64_t>(in.Range(1, 20000)));
        f.loss = Probability::Percent(in.Range(10, 100));
        break;
      default:
        f.kind = FaultKind::kAddressChange;
        plan.may_break = true;
        break;
    }
    plan.faults.faults.push_back(f);
  }
  plan.faults.Sort();
  return plan;
}

struct Outcome {
  uint64_t hash = 0;
  std::string failure;
};

[[noreturn]] void Fail(const Plan& plan, const std::string& why) {
  std::fprintf(stderr, "netsim transport invariant violated: %s\nseed=%llu tls=%d split=%d\n%s",
               why.c_str(), static_cast<unsigned long long>(plan.seed), plan.tls,
               plan.split_reads, plan.faults.ToString().c_str());
  std::abort();
}

std::string Payload(Rng& rng, size_t n) {
  std::string s(n, '\0');
  rng.Fill(absl::Span<uint8_t>(reinterpret_cast<uint8_t*>(s.data()), s.size()));
  return s;
}

uint64_t Run(const Plan& plan) {
  WorldOptions options;
  options.seed = plan.seed;
  options.split_reads = plan.split_reads;
  // Long enough that only the faults chosen to break connections do.
  options.tcp.user_timeout = Duration::Hours(2);
  options.tcp.connect_timeout = Duration::Hours(2);
  World world(options);
  world.AddHost("server");
  HostOptions phone;
  phone.link = plan.link;
  phone.nat_idle_timeout = plan.nat_timeout;
  world.AddHost("phone", phone);

  Rng data = world.RandomStream("fuzz-data");
  std::string client_sent, server_sent;
  TestServer server(world.EnvFor("server"), 143);
  Env server_env = world.EnvFor("server");
  Env phone_env = world.EnvFor("phone");
  bool server_tls_ready = !plan.tls;
  TestServer::Connection* accepted = nullptr;
  auto server_writes = [&]() {
    const Time opened = world.Now();
    for (const WritePlan& w : plan.server_writes) {
      std::string bytes = Payload(data, w.bytes);
      server_env.timers->ScheduleAt(opened + w.after, [&, bytes] {
        if (accepted == nullptr || !server_tls_ready) return;
        accepted->stream->Write(bytes);
        server_sent += bytes;
      });
    }
  };
  server.on_accept = [&](TestServer::Connection& c) {
    if (accepted != nullptr) return;  // Only the first connection counts.
    accepted = &c;
    if (plan.tls) {
      c.stream->StartTls(TlsRole::kServer, [&](absl::Status s) {
        server_tls_ready = s.ok();
        if (s.ok()) server_writes();
      });
    } else {
      server_writes();
    }
  };
  TestClient client(phone_env, "server", 143);
  bool client_ready = false;
  auto client_writes = [&]() {
    client_ready = true;
    const Time opened = world.Now();
    for (size_t i = 0; i < plan.client_writes.size(); ++i) {
      const WritePlan& w = plan.client_writes[i];
      std::string bytes = Payload(data, w.bytes);
      const bool last = i + 1 == plan.client_writes.size();
      phone_env.timers->ScheduleAt(opened + w.after, [&, bytes, last] {
        if (client.stream == nullptr) return;
        client.stream->Write(bytes);
        client_sent += bytes;
        if (last && plan.client_aborts) client.stream->Abort();
      });
    }
  };
  client.on_connected = [&] {
    if (plan.tls) {
      client.stream->StartTls(TlsRole::kClient, [&](absl::Status s) {
        if (s.ok()) client_writes();
      });
    } else {
      client_writes();
    }
  };
  world.Apply(plan.faults);
  // Run until both sides wrote everything and everything arrived.
  size_t client_total = 0, server_total = 0;
  for (const WritePlan& w : plan.client_writes) client_total += w.bytes;
  for (const WritePlan& w : plan.server_writes) server_total += w.bytes;
  auto done = [&] {
    return client_ready && server_tls_ready && accepted != nullptr &&
           client_sent.size() == client_total && server_sent.size() == server_total &&
           accepted->handler.data.size() == client_total &&
           client.handler.data.size() == server_total;
  };
  const bool completed = world.RunUntil(done, world.Now() + Duration::Hours(3));
  auto state = [&] {
    return absl::StrCat("client: connected=", client.done, " connect=",
                        client.connect_status.ToString(), " ready=", client_ready,
                        " sent=", client_sent.size(), "/", client_total,
                        " got=", client.handler.data.size(), " closed=",
                        client.handler.closed(), " ", client.handler.status.ToString(),
                        "\nserver: accepted=", accepted != nullptr, " tls_ready=",
                        server_tls_ready, " sent=", server_sent.size(), "/", server_total,
                        " got=", accepted ? accepted->handler.data.size() : 0,
                        "\n", world.MetricsReport());
  };

  // Exactly once, in order: what arrived is a prefix of what was sent.
  const std::string& server_got = accepted != nullptr ? accepted->handler.data : std::string();
  if (server_got.size() > client_sent.size() ||
      client_sent.compare(0, server_got.size(), server_got) != 0) {
    Fail(plan, "server received bytes the client did not send (or out of order)");
  }
  const std::string& client_got = client.handler.data;
  if (client_got.size() > server_sent.size() ||
      server_sent.compare(0, client_got.size(), client_got) != 0) {
    Fail(plan, "client received bytes the server did not send (or out of order)");
  }
  const bool broken = client.handler.closed() ||
                      (accepted != nullptr && accepted->handler.closed()) || !client.done ||
                      !client.connect_status.ok() || plan.client_aborts;
  if (!completed && !broken && !plan.may_break) {
    Fail(plan, "transfer did not complete although nothing could break the connection\n" + state());
  }
  if (broken && !plan.may_break && !plan.client_aborts) {
    // Closed or failed without a reason.
    if (!client.connect_status.ok()) {
      Fail(plan, "connect failed: " + std::string(client.connect_status.message()));
    }
    Fail(plan, "connection broke\n" + state());
  }
  const uint64_t hash = world.TraceHash();
  client.stream.reset();
  return hash;
}

}  // namespace
}  // namespace lemonade::netsim

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lemonade::netsim;
  FuzzInput in(data, size);
  const Plan plan = ReadPlan(in);
  const uint64_t first = Run(plan);
  const uint64_t second = Run(plan);
  if (first != second) Fail(plan, "same input, different trace hash (nondeterminism)");
  return 0;
}
