// The TCP-like transport: correctness under hostile links, and the RFC
// behaviours the issue lists (handshake, RTO backoff, fast retransmit,
// receive window, user timeout, resets).
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "netsim/test_util.h"
#include "netsim/world.h"

namespace lemonade::netsim {
namespace {

std::string Payload(Rng& rng, size_t size) {
  std::string s(size, '\0');
  rng.Fill(absl::Span<uint8_t>(reinterpret_cast<uint8_t*>(s.data()), s.size()));
  return s;
}

LinkProfile Hostile(Probability loss, Probability reorder, Probability duplicate) {
  LinkProfile p;
  p.name = "hostile";
  LinkDirection d;
  d.bandwidth_bps = 2'000'000;
  d.delay = Duration::Milliseconds(40);
  d.jitter = Duration::Milliseconds(10);
  d.queue_limit_bytes = 64 * 1024;
  d.loss = LossModel::Bernoulli(loss);
  d.reorder = reorder;
  d.reorder_delay = Duration::Milliseconds(30);
  d.duplicate = duplicate;
  p.up = p.down = d;
  return p;
}

struct Transfer {
  std::string to_server;
  std::string to_client;
  std::string server_got;
  std::string client_got;
  bool server_closed = false;
  bool client_closed = false;
  absl::Status server_status;
  absl::Status client_status;
  Time finished;
  std::string report;
};

// Both sides write `bytes` in chunks as the connection allows, then close;
// everything runs until idle.
Transfer RunTransfer(uint64_t seed, const LinkProfile& phone_link, size_t bytes,
                     TcpOptions tcp = TcpOptions()) {
  WorldOptions options;
  options.seed = seed;
  options.tcp = tcp;
  World world(options);
  world.AddHost("server");
  HostOptions phone;
  phone.link = phone_link;
  world.AddHost("phone", phone);
  Rng data = world.RandomStream("test-data");
  Transfer t;
  t.to_server = Payload(data, bytes);
  t.to_client = Payload(data, bytes / 2 + 1);
  TestServer server(world.EnvFor("server"), 143);
  server.on_accept = [&](TestServer::Connection& c) {
    // Write in uneven chunks, then close after the client closes.
    for (size_t off = 0; off < t.to_client.size(); off += 7001) {
      c.stream->Write(absl::string_view(t.to_client).substr(off, 7001));
    }
    c.handler.on_closed = [&t, &c, &world] {
      t.server_closed = true;
      t.server_status = c.handler.status;
      c.stream->Close();
      t.finished = world.Now();
    };
  };
  TestClient client(world.EnvFor("phone"), "server", 143);
  client.on_connected = [&] {
    for (size_t off = 0; off < t.to_server.size(); off += 3000) {
      client.stream->Write(absl::string_view(t.to_server).substr(off, 3000));
    }
    client.stream->Close();
  };
  world.RunUntilIdle(world.Now() + Duration::Hours(10));
  t.client_got = client.handler.data;
  if (!server.connections().empty()) t.server_got = server.last().handler.data;
  t.client_closed = client.handler.closed();
  t.client_status = client.handler.status;
  t.report = world.MetricsReport();
  return t;
}

TEST(TcpTest, LosslessTransferIsExact) {
  SCOPED_TRACE("seed=1");
  Transfer t = RunTransfer(1, LosslessProfile(), 1 << 20);
  EXPECT_EQ(t.server_got, t.to_server) << t.report;
  EXPECT_TRUE(t.server_closed);
  EXPECT_TRUE(t.server_status.ok()) << t.server_status;
}

TEST(TcpTest, EveryByteOnceInOrderUnderThirtyPercentLossReorderingAndDuplication) {
  TcpOptions tcp;
  // So that no run can give up: this test is about the bytes.
  tcp.user_timeout = Duration::Hours(1);
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    Transfer t = RunTransfer(seed,
                             Hostile(Probability::Percent(30), Probability::Percent(10),
                                     Probability::Percent(10)),
                             64 * 1024, tcp);
    ASSERT_EQ(t.server_got.size(), t.to_server.size()) << "seed " << seed << "\n" << t.report;
    ASSERT_TRUE(t.server_got == t.to_server) << "corrupted stream; seed " << seed;
    ASSERT_TRUE(t.server_closed) << "seed " << seed;
    ASSERT_TRUE(t.server_status.ok()) << t.server_status << " seed " << seed;
  }
}

TEST(TcpTest, ReorderingAndDuplicationAloneNeverCorrupt) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    Transfer t = RunTransfer(
        seed, Hostile(Probability::Zero(), Probability::Percent(25), Probability::Percent(25)),
        256 * 1024);
    ASSERT_TRUE(t.server_got == t.to_server) << "seed " << seed << "\n" << t.report;
    ASSERT_TRUE(t.server_closed && t.server_status.ok()) << "seed " << seed;
  }
}

// Sends `bytes` from the phone and returns the world for inspection.
class TcpScenario {
 public:
  explicit TcpScenario(LinkProfile phone_link, uint64_t seed = 5, TcpOptions tcp = TcpOptions())
      : seed_trace_(__FILE__, __LINE__, absl::StrCat("seed=", seed)) {
    WorldOptions options;
    options.seed = seed;
    options.tcp = tcp;
    world_ = std::make_unique<World>(options);
    world_->AddHost("server");
    HostOptions phone;
    phone.link = std::move(phone_link);
    world_->AddHost("phone", phone);
    server_ = std::make_unique<TestServer>(world_->EnvFor("server"), 143);
    client_ = std::make_unique<TestClient>(world_->EnvFor("phone"), "server", 143);
    world_->RunFor(Duration::Seconds(5));
    CHECK(client_->stream != nullptr) << client_->connect_status;
  }
  ~TcpScenario() {
    client_.reset();
    server_.reset();
  }
  World& world() { return *world_; }
  TestClient& client() { return *client_; }
  TestServer::Connection& server() { return server_->last(); }
  const FlowMetrics& flow() { return *world_->Flow(World::FlowOf(*client_->stream)); }

 private:
  ::testing::ScopedTrace seed_trace_;  // every failure names the seed
  std::unique_ptr<World> world_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<TestClient> client_;
};

LinkProfile SimpleLink(Duration one_way, int64_t bandwidth_bps) {
  LinkProfile p = LosslessProfile();
  p.up.delay = p.down.delay = one_way;
  p.up.bandwidth_bps = p.down.bandwidth_bps = bandwidth_bps;
  return p;
}

TEST(TcpTest, RetransmissionTimerBacksOffExponentially) {
  TcpScenario s(SimpleLink(Duration::Milliseconds(50), 10'000'000));
  // Data into a dead link: RTO fires at RTO, then 2x, 4x ... (RFC 6298 §5.5).
  s.world().Outage("phone", s.world().Now(), Duration::Minutes(10));
  s.world().RunFor(Duration::Zero());
  s.client().stream->Write("x");
  s.world().RunFor(Duration::Seconds(60));
  const FlowMetrics& f = s.flow();
  // RTO starts at 1 s (the minimum); expirations at 1, 3, 7, 15, 31 s.
  EXPECT_EQ(f.c2s.timeouts, 5u);
}

TEST(TcpTest, OutageLongerThanTheUserTimeoutKillsTheConnection) {
  TcpOptions tcp;
  tcp.user_timeout = Duration::Seconds(30);
  TcpScenario s(SimpleLink(Duration::Milliseconds(50), 10'000'000), 5, tcp);
  const Time start = s.world().Now();
  s.world().Outage("phone", start, Duration::Minutes(10));
  s.world().RunFor(Duration::Zero());
  s.client().stream->Write("a1 NOOP\r\n");
  Time closed;
  s.client().handler.on_closed = [&] { closed = s.world().Now(); };
  s.world().RunFor(Duration::Minutes(2));
  ASSERT_TRUE(s.client().handler.closed());
  EXPECT_EQ(s.client().handler.status.code(), absl::StatusCode::kDeadlineExceeded)
      << s.client().handler.status;
  // Exactly at the user timeout (the RTO is clamped to it).
  EXPECT_EQ(closed - start, Duration::Seconds(30));
}

TEST(TcpTest, OutageShorterThanTheUserTimeoutIsOnlyDelay) {
  TcpScenario s(SimpleLink(Duration::Milliseconds(50), 10'000'000));
  s.world().Outage("phone", s.world().Now(), Duration::Seconds(20));
  s.world().RunFor(Duration::Zero());
  s.client().stream->Write("a1 NOOP\r\n");
  s.world().RunFor(Duration::Minutes(2));
  EXPECT_EQ(s.server().handler.data, "a1 NOOP\r\n");
  EXPECT_FALSE(s.client().handler.closed());
}

TEST(TcpTest, SingleLossIsRepairedByFastRetransmit) {
  LinkProfile link = SimpleLink(Duration::Milliseconds(20), 10'000'000);
  TcpScenario s(link);
  // Once ACKs clock the sender (~1.2 ms per segment at 10 Mbit/s), a
  // 1 ms burst loses one or two segments: duplicate ACKs, not a timeout.
  s.client().stream->Write(std::string(600000, 'b'));
  s.world().LossBurst("phone", s.world().Now() + Duration::Milliseconds(150),
                      Duration::Milliseconds(2), Probability::One());
  s.world().RunFor(Duration::Seconds(10));
  EXPECT_EQ(s.server().handler.data.size(), 600000u);
  const FlowMetrics& f = s.flow();
  EXPECT_GE(f.c2s.retransmitted_packets, 1u);
  EXPECT_EQ(f.c2s.fast_retransmits, 1u);
  EXPECT_EQ(f.c2s.timeouts, 0u);
}

TEST(TcpTest, UnreadDataClosesTheWindowAndReadingReopensIt) {
  TcpOptions tcp;
  tcp.receive_buffer_bytes = 64 * 1024;
  tcp.send_buffer_bytes = 64 * 1024;
  TcpScenario s(SimpleLink(Duration::Milliseconds(10), 100'000'000), 5, tcp);
  // The server stops reading.
  s.server().stream->SetHandler(nullptr);
  s.client().stream->Write(std::string(1 << 20, 'w'));
  s.world().RunFor(Duration::Seconds(30));
  // Only the window's worth crossed; the rest waits at the sender.
  EXPECT_EQ(s.flow().c2s.stream_bytes, 64u * 1024);
  EXPECT_GT(s.client().stream->PendingWriteBytes(), 0u);
  EXPECT_FALSE(s.client().handler.closed());  // Zero window is not a timeout.
  s.server().stream->SetHandler(&s.server().handler);
  s.world().RunFor(Duration::Seconds(30));
  EXPECT_EQ(s.server().handler.data.size(), static_cast<size_t>(1 << 20));
  EXPECT_EQ(s.client().stream->PendingWriteBytes(), 0u);
  EXPECT_GE(s.client().handler.writable_calls, 1);
}

TEST(TcpTest, LostSynIsRetransmittedAndRttSampleSkipped) {
  SCOPED_TRACE("seed=3");
  LinkProfile link = SimpleLink(Duration::Milliseconds(50), 10'000'000);
  WorldOptions options;
  options.seed = 3;
  World world(options);
  world.AddHost("server");
  HostOptions phone;
  phone.link = link;
  world.AddHost("phone", phone);
  TestServer server(world.EnvFor("server"), 143);
  world.Outage("phone", world.Now(), Duration::Milliseconds(500));
  Time connected;
  TestClient client(world.EnvFor("phone"), "server", 143);
  client.on_connected = [&] { connected = world.Now(); };
  world.RunFor(Duration::Seconds(10));
  ASSERT_TRUE(client.stream != nullptr) << client.connect_status;
  // First SYN lost; the retransmission after the 1 s initial RTO works.
  // 1 s RTO + 2 x 50 ms phone link + 2 x 50 us datacenter link +
  // serialization of the 48-byte SYN and SYN-ACK (38.4 us at 10 Mbit/s,
  // 39 ns rounded up at 10 Gbit/s, each way).
  EXPECT_EQ(connected - world.options().start,
            Duration::Seconds(1) + Duration::Milliseconds(100) + Duration::Microseconds(100) +
                Duration::Nanoseconds(2 * 38400 + 2 * 39));
  const FlowMetrics& f = *world.Flow(World::FlowOf(*client.stream));
  EXPECT_TRUE(f.c2s.rtt_samples.empty());  // Karn: no sample from a retransmitted SYN.
}

TEST(TcpTest, ConnectTimesOutAgainstADeadHost) {
  SCOPED_TRACE("seed=1");
  WorldOptions options;
  World world(options);
  world.AddHost("server");
  world.AddHost("phone");
  world.CrashHost("server", world.Now());
  world.RunFor(Duration::Zero());
  TestClient client(world.EnvFor("phone"), "server", 143);
  world.RunFor(Duration::Minutes(2));
  ASSERT_TRUE(client.done);
  EXPECT_EQ(client.connect_status.code(), absl::StatusCode::kDeadlineExceeded)
      << client.connect_status;
}

TEST(TcpTest, AddressChangeBreaksEveryConnection) {
  TcpScenario s(SimpleLink(Duration::Milliseconds(20), 10'000'000));
  const uint32_t before = s.world().host("phone").ip();
  s.world().ChangeAddress("phone", s.world().Now());
  s.world().RunFor(Duration::Seconds(1));
  EXPECT_NE(s.world().host("phone").ip(), before);
  ASSERT_TRUE(s.client().handler.closed());
  EXPECT_EQ(s.client().handler.status.code(), absl::StatusCode::kUnavailable);
  // A new connection from the new address works.
  TestClient again(s.world().EnvFor("phone"), "server", 143);
  s.world().RunFor(Duration::Seconds(1));
  ASSERT_TRUE(again.stream != nullptr) << again.connect_status;
  EXPECT_EQ(again.stream->peer_address(),
            absl::StrCat(FormatIpv4(s.world().host("server").ip()), ":143"));
}

TEST(TcpTest, NatForgetsIdleFlowsAndThePeerResets) {
  SCOPED_TRACE("seed=1");
  WorldOptions options;
  World world(options);
  world.AddHost("server");
  HostOptions phone;
  phone.link = SimpleLink(Duration::Milliseconds(20), 10'000'000);
  phone.nat_idle_timeout = Duration::Minutes(2);
  world.AddHost("phone", phone);
  TestServer server(world.EnvFor("server"), 143);
  TestClient client(world.EnvFor("phone"), "server", 143);
  world.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(client.stream != nullptr);
  // The server sees the NAT's public address (RFC 6598 space).
  EXPECT_EQ(server.last().stream->peer_address().substr(0, 7), "100.64.");
  client.stream->Write("a1 IDLE\r\n");
  world.RunFor(Duration::Minutes(5));  // Idle past the NAT timeout.
  // The server's push is silently dropped by the NAT ...
  server.last().stream->Write("* 3 EXISTS\r\n");
  world.RunFor(Duration::Seconds(5));
  EXPECT_EQ(client.handler.data, "");
  // ... and the phone's next packet gets a new mapping, which the server
  // does not know: it answers with a reset.
  client.stream->Write("DONE\r\n");
  world.RunFor(Duration::Seconds(5));
  ASSERT_TRUE(client.handler.closed());
  EXPECT_EQ(client.handler.status.code(), absl::StatusCode::kUnavailable);
}

TEST(TcpTest, HandoverDelaysButDoesNotLose) {
  TcpScenario s(SimpleLink(Duration::Milliseconds(20), 10'000'000));
  const Time start = s.world().Now();
  s.world().Handover("phone", start, Duration::Milliseconds(300));
  s.world().RunFor(Duration::Zero());  // Faults take effect via the loop.
  Time echoed;
  s.server().handler.on_data = [&](absl::string_view) { echoed = s.world().Now(); };
  s.client().stream->Write("x");
  s.world().RunFor(Duration::Seconds(2));
  EXPECT_EQ(s.server().handler.data, "x");
  EXPECT_GE(echoed - start, Duration::Milliseconds(300));
  EXPECT_EQ(s.flow().c2s.retransmitted_packets, 0u);
}

TEST(TcpTest, RadioPromotionDelaysTheFirstPacketAfterIdleness) {
  LinkProfile link = SimpleLink(Duration::Milliseconds(20), 10'000'000);
  link.radio.idle_timeout = Duration::Seconds(10);
  link.radio.promotion_delay = Duration::Milliseconds(260);
  TcpScenario s(link);
  // Busy radio: no promotion.
  Time got;
  s.server().handler.on_data = [&](absl::string_view) { got = s.world().Now(); };
  s.world().RunFor(Duration::Seconds(1));
  Time sent = s.world().Now();
  s.client().stream->Write("a");
  s.world().RunFor(Duration::Seconds(1));
  const Duration busy = got - sent;
  EXPECT_LT(busy, Duration::Milliseconds(25));
  // After 30 s of silence the radio is idle again.
  s.world().RunFor(Duration::Seconds(30));
  sent = s.world().Now();
  s.client().stream->Write("b");
  s.world().RunFor(Duration::Seconds(1));
  EXPECT_EQ((got - sent) - busy, Duration::Milliseconds(260));
}

}  // namespace
}  // namespace lemonade::netsim
