// Links: serialization, queueing, loss models, jitter, reordering,
// duplication, MTU and trace-driven capacity — and the Gilbert-Elliott
// burst-length distribution against its parameters.
#include "netsim/link.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "netsim/mahimahi_trace.h"
#include "netsim/test_util.h"

namespace lemonade::netsim {
namespace {

const Time kStart = Time::FromUnixSeconds(1704067200);

class Recorder : public Link::Observer {
 public:
  struct Arrival {
    uint64_t id;
    Time time;
  };
  void OnLinkDeliver(Link&, std::unique_ptr<Packet> p) override {
    arrivals.push_back({p->id, loop->Now()});
  }
  void OnLinkDrop(Link&, const Packet& p, DropReason reason) override {
    drops.push_back({p.id, reason});
  }
  void OnLinkDuplicate(Link&, const Packet&) override { ++duplicates; }
  EventLoop* loop = nullptr;
  std::vector<Arrival> arrivals;
  std::vector<std::pair<uint64_t, DropReason>> drops;
  int duplicates = 0;
};

class LinkTest : public ::testing::Test {
 protected:
  LinkTest() : loop_(kStart) { recorder_.loop = &loop_; }
  std::unique_ptr<Link> MakeLink(LinkDirection config, uint64_t seed = 1) {
    return std::make_unique<Link>(0, "test", std::move(config), &loop_, Rng(seed), &recorder_);
  }
  // A packet of `wire_bytes` on the wire (40 header bytes + payload).
  std::unique_ptr<Packet> MakePacket(int wire_bytes) {
    auto p = std::make_unique<Packet>();
    p->id = next_id_++;
    p->flags = kAck;
    p->payload.assign(static_cast<size_t>(wire_bytes - kIpTcpHeaderBytes), 'p');
    return p;
  }
  EventLoop loop_;
  Recorder recorder_;
  uint64_t next_id_ = 1;
  ::testing::ScopedTrace seed_trace_{__FILE__, __LINE__, "link rng seed=1 unless stated"};
};

TEST_F(LinkTest, SerializationAndPropagation) {
  LinkDirection d;
  d.bandwidth_bps = 12'000'000;  // 1500 bytes = 1 ms
  d.delay = Duration::Milliseconds(10);
  auto link = MakeLink(d);
  link->Send(MakePacket(1500), kStart);
  link->Send(MakePacket(1500), kStart);
  loop_.RunUntilIdle(Time::InfiniteFuture());
  ASSERT_EQ(recorder_.arrivals.size(), 2u);
  EXPECT_EQ(recorder_.arrivals[0].time - kStart, Duration::Milliseconds(11));
  EXPECT_EQ(recorder_.arrivals[1].time - kStart, Duration::Milliseconds(12));
}

TEST_F(LinkTest, DropTailQueueIsLimitedInBytes) {
  LinkDirection d;
  d.bandwidth_bps = 12'000'000;
  d.queue_limit_bytes = 4500;  // three full packets, including the one on the wire
  auto link = MakeLink(d);
  for (int i = 0; i < 5; ++i) link->Send(MakePacket(1500), kStart);
  EXPECT_EQ(link->QueuedBytes(), 4500);
  loop_.RunUntilIdle(Time::InfiniteFuture());
  EXPECT_EQ(recorder_.arrivals.size(), 3u);
  ASSERT_EQ(recorder_.drops.size(), 2u);
  EXPECT_EQ(recorder_.drops[0].second, DropReason::kQueueFull);
  EXPECT_EQ(link->metrics().max_queue_bytes, 4500);
  EXPECT_EQ(link->metrics().max_queue_delay, Duration::Milliseconds(2));
  // Once drained, the queue accepts again.
  link->Send(MakePacket(1500), loop_.Now());
  EXPECT_EQ(link->QueuedBytes(), 1500);
}

TEST_F(LinkTest, MtuAndLinkDown) {
  LinkDirection d;
  d.mtu = 576;
  auto link = MakeLink(d);
  link->Send(MakePacket(577), kStart);
  link->set_up(false);
  link->Send(MakePacket(100), kStart);
  loop_.RunUntilIdle(Time::InfiniteFuture());
  ASSERT_EQ(recorder_.drops.size(), 2u);
  EXPECT_EQ(recorder_.drops[0].second, DropReason::kMtu);
  EXPECT_EQ(recorder_.drops[1].second, DropReason::kLinkDown);
}

TEST_F(LinkTest, JitterNeverReordersUnlessAsked) {
  LinkDirection d;
  d.bandwidth_bps = 100'000'000;
  d.delay = Duration::Milliseconds(20);
  d.jitter = Duration::Milliseconds(15);
  auto link = MakeLink(d);
  // Dense traffic: order is kept (later packets wait for earlier ones).
  for (int i = 0; i < 2000; ++i) {
    link->Send(MakePacket(200), loop_.Now());
    loop_.RunFor(Duration::Microseconds(100));
  }
  loop_.RunUntilIdle(Time::InfiniteFuture());
  ASSERT_EQ(recorder_.arrivals.size(), 2000u);
  for (size_t i = 0; i < recorder_.arrivals.size(); ++i) {
    ASSERT_EQ(recorder_.arrivals[i].id, i + 1) << "reordered at " << i;
  }
  // Sparse traffic: delays spread over the whole jitter range.
  recorder_.arrivals.clear();
  std::vector<Time> sent;
  for (int i = 0; i < 500; ++i) {
    sent.push_back(loop_.Now());
    link->Send(MakePacket(200), loop_.Now());
    loop_.RunFor(Duration::Milliseconds(40));
  }
  loop_.RunUntilIdle(Time::InfiniteFuture());
  ASSERT_EQ(recorder_.arrivals.size(), 500u);
  Duration min_delay = Duration::Infinite(), max_delay = Duration::Zero();
  for (size_t i = 0; i < recorder_.arrivals.size(); ++i) {
    const Duration delay = recorder_.arrivals[i].time - sent[i];
    min_delay = std::min(min_delay, delay);
    max_delay = std::max(max_delay, delay);
  }
  EXPECT_GE(min_delay, Duration::Milliseconds(20));
  EXPECT_LT(min_delay, Duration::Milliseconds(21));
  EXPECT_GT(max_delay, Duration::Milliseconds(34));
  EXPECT_LE(max_delay, Duration::Milliseconds(36));
}

TEST_F(LinkTest, ReorderingAndDuplicationHappenAtTheirRates) {
  LinkDirection d;
  d.delay = Duration::Milliseconds(20);
  d.reorder = Probability::Percent(10);
  d.reorder_delay = Duration::Milliseconds(5);
  d.duplicate = Probability::Percent(5);
  auto link = MakeLink(d);
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    link->Send(MakePacket(100), loop_.Now());
    loop_.RunFor(Duration::Microseconds(500));
  }
  loop_.RunUntilIdle(Time::InfiniteFuture());
  EXPECT_EQ(recorder_.arrivals.size(), static_cast<size_t>(n + recorder_.duplicates));
  // Binomial sd: 42 (10%) and 31 (5%); tolerances are 5 sd.
  EXPECT_NEAR(link->metrics().reordered, n / 10, 210);
  EXPECT_NEAR(recorder_.duplicates, n / 20, 155);
  int out_of_order = 0;
  uint64_t highest = 0;
  for (const auto& a : recorder_.arrivals) {
    if (a.id < highest) ++out_of_order;
    highest = std::max(highest, a.id);
  }
  EXPECT_GT(out_of_order, n / 20);
}

TEST_F(LinkTest, BernoulliLossRate) {
  LinkDirection d;
  d.loss = LossModel::Bernoulli(Probability::Percent(30));
  auto link = MakeLink(d);
  const int n = 50000;
  for (int i = 0; i < n; ++i) link->Send(MakePacket(100), kStart);
  loop_.RunUntilIdle(Time::InfiniteFuture());
  // sd = sqrt(n p (1-p)) = 102; 5 sd.
  EXPECT_NEAR(static_cast<int>(recorder_.drops.size()), n * 3 / 10, 510);
}

// Gilbert-Elliott with loss only in the bad state: the loss process
// alternates geometric bursts (mean 1/r) and geometric gaps (mean 1/p).
TEST_F(LinkTest, GilbertElliottBurstLengthsFollowTheParameters) {
  GilbertElliott ge;
  ge.good_to_bad = Probability::Percent(5);   // p
  ge.bad_to_good = Probability::Percent(30);  // r
  ge.loss_in_good = Probability::Zero();
  ge.loss_in_bad = Probability::One();
  LinkDirection d;
  d.loss = LossModel::Gilbert(ge);
  SCOPED_TRACE("seed=99");
  auto link = MakeLink(d, 99);
  const int n = 400000;
  for (int i = 0; i < n; ++i) link->Send(MakePacket(100), kStart);
  loop_.RunUntilIdle(Time::InfiniteFuture());
  std::vector<bool> lost(n + 1, false);
  for (const auto& [id, reason] : recorder_.drops) lost[id] = true;
  std::vector<int> bursts;
  int run = 0;
  for (int i = 1; i <= n; ++i) {
    if (lost[i]) {
      ++run;
    } else if (run > 0) {
      bursts.push_back(run);
      run = 0;
    }
  }
  const double p = 0.05, r = 0.30;
  const double loss_rate = static_cast<double>(recorder_.drops.size()) / n;
  // Stationary loss rate p / (p + r) = 0.142857; tolerance 3% relative.
  EXPECT_NEAR(loss_rate, p / (p + r), 0.03 * p / (p + r));
  double mean = 0;
  for (int b : bursts) mean += b;
  mean /= bursts.size();
  // Mean burst length 1/r = 3.333; ~17000 bursts, sd of the mean ~0.022;
  // tolerance 3% relative (> 4 sd).
  EXPECT_NEAR(mean, 1 / r, 0.03 / r);
  // The distribution: P(L = k) = r (1 - r)^(k - 1), k = 1..6, each within
  // 10% relative (the smallest bucket holds ~700 bursts, sd ~3.8%).
  std::vector<int> counts(7, 0);
  for (int b : bursts) {
    if (b <= 6) ++counts[b];
  }
  for (int k = 1; k <= 6; ++k) {
    const double expected = r * std::pow(1 - r, k - 1);
    const double observed = static_cast<double>(counts[k]) / bursts.size();
    EXPECT_NEAR(observed, expected, 0.10 * expected) << "k = " << k;
  }
}

TEST_F(LinkTest, MahimahiTraceDrivesCapacity) {
  // Two opportunities per millisecond: 24 Mbit/s.
  absl::StatusOr<MahimahiTrace> trace = MahimahiTrace::Parse("1\n1\n");
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->MeanBitsPerSecond(), 24'000'000);
  LinkDirection d;
  d.trace = std::make_shared<const MahimahiTrace>(*trace);
  auto link = MakeLink(d);
  // 1000 full packets take 500 opportunity-milliseconds.
  for (int i = 0; i < 1000; ++i) link->Send(MakePacket(1500), kStart);
  loop_.RunUntilIdle(Time::InfiniteFuture());
  ASSERT_EQ(recorder_.arrivals.size(), 1000u);
  EXPECT_EQ(recorder_.arrivals.front().time - kStart, Duration::Milliseconds(1));
  EXPECT_EQ(recorder_.arrivals.back().time - kStart, Duration::Milliseconds(500));
  // Small packets share an opportunity: 1500 / 100 = 15 per opportunity.
  recorder_.arrivals.clear();
  const Time t0 = loop_.Now();
  for (int i = 0; i < 30; ++i) link->Send(MakePacket(100), t0);
  loop_.RunUntilIdle(Time::InfiniteFuture());
  EXPECT_EQ(recorder_.arrivals.back().time, recorder_.arrivals.front().time);
}

TEST_F(LinkTest, MahimahiIdleCapacityIsLost) {
  absl::StatusOr<MahimahiTrace> trace = MahimahiTrace::Parse("10\n20\n");
  ASSERT_TRUE(trace.ok());
  LinkDirection d;
  d.trace = std::make_shared<const MahimahiTrace>(*trace);
  auto link = MakeLink(d);
  loop_.RunFor(Duration::Milliseconds(15));
  link->Send(MakePacket(1500), loop_.Now());
  loop_.RunUntilIdle(Time::InfiniteFuture());
  ASSERT_EQ(recorder_.arrivals.size(), 1u);
  // The opportunity at 10 ms passed unused; the next is at 20 ms.
  EXPECT_EQ(recorder_.arrivals[0].time - kStart, Duration::Milliseconds(20));
}

TEST(MahimahiTraceTest, ParsingAndLooping) {
  EXPECT_FALSE(MahimahiTrace::Parse("").ok());
  EXPECT_FALSE(MahimahiTrace::Parse("5\n3\n").ok());
  EXPECT_FALSE(MahimahiTrace::Parse("0\n").ok());
  EXPECT_FALSE(MahimahiTrace::Parse("1\nx\n").ok());
  absl::StatusOr<MahimahiTrace> t = MahimahiTrace::Parse("0\n2\n2\n5\n");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->period(), Duration::Milliseconds(5));
  EXPECT_EQ(t->OpportunityTime(3), Duration::Milliseconds(5));
  EXPECT_EQ(t->OpportunityTime(4), Duration::Milliseconds(5));   // next loop's 0
  EXPECT_EQ(t->OpportunityTime(5), Duration::Milliseconds(7));
  EXPECT_EQ(t->FirstOpportunityAtOrAfter(Duration::Zero()), 0u);
  EXPECT_EQ(t->FirstOpportunityAtOrAfter(Duration::Microseconds(1)), 1u);
  EXPECT_EQ(t->FirstOpportunityAtOrAfter(Duration::Milliseconds(3)), 3u);
  EXPECT_EQ(t->FirstOpportunityAtOrAfter(Duration::Milliseconds(5)), 3u);
  EXPECT_EQ(t->FirstOpportunityAtOrAfter(Duration::Milliseconds(6)), 5u);
  // Monotone across loops.
  for (uint64_t k = 0; k < 40; ++k) {
    EXPECT_LE(t->OpportunityTime(k), t->OpportunityTime(k + 1));
    EXPECT_LE(t->FirstOpportunityAtOrAfter(t->OpportunityTime(k)), k);
  }
}

}  // namespace
}  // namespace lemonade::netsim
