// Validation of the simulated transport against theory, with stated
// tolerances:
//  1. loss-free transfer time vs handshake + slow-start rounds +
//     size / bandwidth, using the slow-start latency model of Kurose &
//     Ross ("Computer Networking", §3.7 in the 2nd-4th editions), with the
//     RFC 5681 initial window of 3 segments instead of 1;
//  2. steady throughput under random loss vs Mathis, Semke, Mahdavi &
//     Ott, "The Macroscopic Behavior of the TCP Congestion Avoidance
//     Algorithm", CCR 27(3), 1997: rate = (MSS / RTT) * C / sqrt(p),
//     C = sqrt(3/2) with an ACK per segment.
// (The Gilbert-Elliott burst-length check is in link_test.cc.)
#include <cmath>
#include <memory>
#include <string>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "netsim/test_util.h"
#include "netsim/world.h"

namespace lemonade::netsim {
namespace {

constexpr int kMss = 1460;
constexpr int kWireSegment = kMss + kIpTcpHeaderBytes;
constexpr int kInitialWindow = 3;  // RFC 5681 §3.1 for a 1460-byte MSS.

struct PathSetup {
  Duration one_way;       // phone link propagation delay, each direction
  int64_t bandwidth_bps;  // phone link rate, each direction
  Probability loss;       // on the data direction (phone -> server) only
};

// The phone streams to a datacenter server. Returns when `done` holds.
class Upload {
 public:
  Upload(uint64_t seed, const PathSetup& setup) {
    WorldOptions options;
    options.seed = seed;
    options.tcp.delayed_acks = false;  // The models assume an ACK per segment.
    options.tcp.user_timeout = Duration::Hours(1);
    options.tcp.receive_buffer_bytes = 64 << 20;
    options.tcp.send_buffer_bytes = 4 << 20;
    world_ = std::make_unique<World>(options);
    world_->AddHost("server");
    HostOptions phone;
    LinkProfile link = LosslessProfile();
    link.up.delay = link.down.delay = setup.one_way;
    link.up.bandwidth_bps = link.down.bandwidth_bps = setup.bandwidth_bps;
    link.up.loss = LossModel::Bernoulli(setup.loss);
    phone.link = link;
    world_->AddHost("phone", phone);
    server_ = std::make_unique<TestServer>(world_->EnvFor("server"), 143);
    server_->on_accept = [this](TestServer::Connection& c) {
      c.handler.on_data = [this, &c](absl::string_view b) {
        received_ += b.size();
        last_byte_ = world_->Now();
        c.handler.data.clear();  // Count only; do not keep megabytes.
      };
    };
    start_ = world_->Now();
    client_ = std::make_unique<TestClient>(world_->EnvFor("phone"), "server", 143);
  }
  ~Upload() {
    client_.reset();
    server_.reset();
  }

  // Sends exactly `bytes`.
  void SendOnce(uint64_t bytes) {
    client_->on_connected = [this, bytes] { client_->stream->Write(std::string(bytes, 'u')); };
  }
  // Keeps the sender busy forever (refills whenever its buffer drains).
  void SendForever() {
    client_->on_connected = [this] {
      client_->stream->Write(std::string(8 << 20, 'u'));
      client_->handler.on_data = nullptr;
    };
    refill_ = true;
  }
  void RunUntilReceived(uint64_t bytes, Duration limit) {
    world_->RunUntil(
        [&] {
          Refill();
          return received_ >= bytes;
        },
        start_ + limit);
  }
  void RunFor(Duration d) {
    const Time end = world_->Now() + d;
    while (world_->Now() < end) {
      Refill();
      world_->RunFor(std::min(Duration::Milliseconds(100), end - world_->Now()));
    }
  }
  World& world() { return *world_; }
  uint64_t received() const { return received_; }
  Duration elapsed() const { return last_byte_ - start_; }
  const FlowMetrics& flow() { return *world_->Flow(1); }

 private:
  void Refill() {
    if (refill_ && client_->stream != nullptr && client_->stream->PendingWriteBytes() == 0) {
      client_->stream->Write(std::string(4 << 20, 'u'));
    }
  }

  std::unique_ptr<World> world_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<TestClient> client_;
  Time start_;
  Time last_byte_;
  uint64_t received_ = 0;
  bool refill_ = false;
};

// Round-trip time of the path: both links' propagation both ways (the
// server's datacenter link is 50 us each way).
Duration BaseRtt(const PathSetup& s) { return (s.one_way + Duration::Microseconds(50)) * 2; }

double Seconds(Duration d) { return d.seconds_double(); }

// Kurose & Ross slow-start latency, generalized to an initial window:
// windows of IW * 2^(k-1) segments; after window k the sender stalls for
// max(0, S + RTT - w_k S) (S: one segment's transmission time) unless the
// object ends; total = 1 RTT handshake + O/R + stalls + last one-way trip.
double ModelTransferSeconds(const PathSetup& s, uint64_t bytes) {
  const double rate = static_cast<double>(s.bandwidth_bps);
  const double seg_time = kWireSegment * 8 / rate;
  const double rtt = Seconds(BaseRtt(s));
  const uint64_t segments = (bytes + kMss - 1) / kMss;
  const double object_time = static_cast<double>(bytes + segments * kIpTcpHeaderBytes) * 8 / rate;
  double stalls = 0;
  uint64_t sent = 0;
  uint64_t window = kInitialWindow;
  while (true) {
    sent += window;
    if (sent >= segments) break;
    stalls += std::max(0.0, seg_time + rtt - static_cast<double>(window) * seg_time);
    window *= 2;
  }
  return rtt + object_time + stalls + rtt / 2;
}

struct TransferCase {
  const char* name;
  PathSetup setup;
  uint64_t bytes;
};

class TransferTimeTest : public ::testing::TestWithParam<TransferCase> {};

// Tolerance: 1% of the model (observed: within 0.5%). The model ignores
// ACK serialization and the datacenter link's serialization, which the
// simulation includes.
TEST_P(TransferTimeTest, MatchesTheSlowStartModel) {
  const TransferCase& c = GetParam();
  SCOPED_TRACE("seed=1");
  Upload upload(1, c.setup);
  upload.SendOnce(c.bytes);
  upload.RunUntilReceived(c.bytes, Duration::Hours(1));
  ASSERT_EQ(upload.received(), c.bytes);
  const double simulated = Seconds(upload.elapsed());
  const double model = ModelTransferSeconds(c.setup, c.bytes);
  RecordProperty("simulated_s", absl::StrFormat("%.6f", simulated));
  RecordProperty("model_s", absl::StrFormat("%.6f", model));
  EXPECT_NEAR(simulated, model, 0.01 * model)
      << c.name << ": simulated " << simulated << " s, model " << model << " s";
  EXPECT_EQ(upload.flow().c2s.retransmitted_packets, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TransferTimeTest,
    ::testing::Values(
        // Latency-bound: a 100 KB message over a fast, far link.
        TransferCase{"latency_bound",
                     {Duration::Milliseconds(50), 100'000'000, Probability::Zero()},
                     100 * 1000},
        // Bandwidth-bound: 5 MB over 10 Mbit/s, 60 ms RTT.
        TransferCase{"bandwidth_bound",
                     {Duration::Milliseconds(30), 10'000'000, Probability::Zero()},
                     5 * 1000 * 1000},
        // Satellite-like: 1 MB over 2 Mbit/s with 560 ms RTT.
        TransferCase{"long_fat",
                     {Duration::Milliseconds(280), 2'000'000, Probability::Zero()},
                     1000 * 1000},
        // A small mail (20 KB) over a 3G-like link.
        TransferCase{"small_mail",
                     {Duration::Milliseconds(100), 384'000, Probability::Zero()},
                     20 * 1000}),
    [](const ::testing::TestParamInfo<TransferCase>& info) { return info.param.name; });

struct MathisCase {
  const char* name;
  Probability loss;
};

class MathisTest : public ::testing::TestWithParam<MathisCase> {};

// Tolerance: the simulated rate is within [0.8, 1.2] of the formula
// (observed: 1.07 at p = 0.1%, 1.01 at 0.5%, 0.95 at 1%, 0.88 at 2%).
// Mathis et al. derive C for periodic loss and note that random loss and
// Reno's recovery details move the constant (their §3.3: C between 0.87
// and 1.31 depending on the loss process and ACK strategy); RTO episodes
// pull the rate down at higher p.
TEST_P(MathisTest, SteadyThroughputFollowsTheInverseSquareRootLaw) {
  const MathisCase& c = GetParam();
  const PathSetup setup{Duration::Milliseconds(50), 1'000'000'000, c.loss};
  SCOPED_TRACE("seed=2");
  Upload upload(2, setup);
  upload.SendForever();
  upload.RunFor(Duration::Seconds(30));  // warm up
  const uint64_t before = upload.received();
  const Duration measure = Duration::Seconds(600);
  upload.RunFor(measure);
  const double rate = static_cast<double>(upload.received() - before) / Seconds(measure);
  const double p = c.loss.ToDouble();
  const double rtt = Seconds(BaseRtt(setup));
  const double model = kMss / rtt * std::sqrt(1.5) / std::sqrt(p);
  RecordProperty("simulated_Bps", absl::StrFormat("%.0f", rate));
  RecordProperty("model_Bps", absl::StrFormat("%.0f", model));
  EXPECT_GE(rate / model, 0.8) << c.name << ": " << rate << " B/s vs Mathis " << model;
  EXPECT_LE(rate / model, 1.2) << c.name << ": " << rate << " B/s vs Mathis " << model;
}

INSTANTIATE_TEST_SUITE_P(Cases, MathisTest,
                         ::testing::Values(MathisCase{"p0_1pct", Probability::PerMille(1)},
                                           MathisCase{"p0_5pct", Probability::PerMille(5)},
                                           MathisCase{"p1pct", Probability::Percent(1)},
                                           MathisCase{"p2pct", Probability::Percent(2)}),
                         [](const ::testing::TestParamInfo<MathisCase>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace lemonade::netsim
