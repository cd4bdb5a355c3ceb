// Tests of the World and its streams against the env.h contract.
#include "netsim/world.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "netsim/test_util.h"

namespace lemonade::netsim {
namespace {

constexpr uint64_t kSeed = 7;

// A phone on a lossless 10 ms link and a server in a datacenter.
class WorldTest : public ::testing::Test {
 protected:
  explicit WorldTest(WorldOptions options = Options()) : world_(std::move(options)) {
    HostOptions server;
    world_.AddHost("imap.example.org", server);
    HostOptions phone;
    phone.link = LosslessProfile();
    world_.AddHost("phone", phone);
  }
  static WorldOptions Options() {
    WorldOptions o;
    o.seed = kSeed;
    return o;
  }
  Env server_env() { return world_.EnvFor("imap.example.org"); }
  // Every failure message names the seed.
  ::testing::ScopedTrace seed_trace_{__FILE__, __LINE__, "seed=7"};
  Env phone_env() { return world_.EnvFor("phone"); }
  // One round trip phone <-> server for a small packet.
  static Duration Rtt() { return Duration::Milliseconds(20) + Duration::Microseconds(100); }

  World world_;
};

TEST_F(WorldTest, EchoDeliversBytesInOrder) {
  TestServer server(server_env(), 143, /*echo=*/true);
  TestClient client(phone_env(), "imap.example.org", 143);
  world_.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(client.done) << "seed " << kSeed;
  ASSERT_TRUE(client.connect_status.ok()) << client.connect_status << " seed " << kSeed;
  client.stream->Write("a1 CAPABILITY\r\n");
  client.stream->Write("a2 NOOP\r\n");
  world_.RunFor(Duration::Seconds(1));
  EXPECT_EQ(client.handler.data, "a1 CAPABILITY\r\na2 NOOP\r\n") << "seed " << kSeed;
  EXPECT_EQ(server.last().handler.data, "a1 CAPABILITY\r\na2 NOOP\r\n");
}

TEST_F(WorldTest, ConnectTakesOneRoundTrip) {
  TestServer server(server_env(), 143);
  Time connected;
  TestClient client(phone_env(), "imap.example.org", 143);
  client.on_connected = [&] { connected = world_.Now(); };
  const Time start = world_.Now();
  world_.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(client.stream != nullptr) << "seed " << kSeed;
  // SYN and SYN-ACK are 48 bytes: serialization at 100 Mbit/s adds ~8 us.
  const Duration took = connected - start;
  EXPECT_GE(took, Rtt());
  EXPECT_LT(took, Rtt() + Duration::Microseconds(20)) << took.nanoseconds();
}

TEST_F(WorldTest, DataIsBufferedUntilAHandlerIsSet) {
  std::unique_ptr<Stream> accepted;
  ListenOptions listen;
  listen.port = 143;
  ASSERT_TRUE(server_env()
                  .network->Listen(listen, [&](std::unique_ptr<Stream> s) { accepted = std::move(s); })
                  .ok());
  TestClient client(phone_env(), "imap.example.org", 143);
  client.on_connected = [&] { client.stream->Write("early bytes"); };
  world_.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(accepted != nullptr);
  RecordingHandler handler;
  accepted->SetHandler(&handler);
  // Never from inside SetHandler: only from the loop.
  EXPECT_EQ(handler.data, "");
  world_.RunFor(Duration::Zero());
  EXPECT_EQ(handler.data, "early bytes") << "seed " << kSeed;
}

TEST_F(WorldTest, WriteAndCloseNeverCallTheHandler) {
  TestServer server(server_env(), 143, /*echo=*/true);
  TestClient client(phone_env(), "imap.example.org", 143);
  world_.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(client.stream != nullptr);
  bool inside_call = false;
  client.handler.on_data = [&](absl::string_view) { EXPECT_FALSE(inside_call); };
  inside_call = true;
  client.stream->Write("x");
  EXPECT_EQ(client.stream->PendingWriteBytes(), 0u);
  inside_call = false;
  world_.RunFor(Duration::Seconds(1));
  EXPECT_EQ(client.handler.data, "x");
  inside_call = true;
  client.stream->Close();
  inside_call = false;
  EXPECT_EQ(client.handler.closed_calls, 0);
}

TEST_F(WorldTest, OrderlyCloseDeliversDataThenClosed) {
  TestServer server(server_env(), 143);
  TestClient client(phone_env(), "imap.example.org", 143);
  world_.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(client.stream != nullptr);
  client.stream->Write("a LOGOUT\r\n");
  client.stream->Close();
  world_.RunFor(Duration::Seconds(1));
  TestServer::Connection& c = server.last();
  EXPECT_EQ(c.handler.data, "a LOGOUT\r\n");
  EXPECT_EQ(c.handler.closed_calls, 1);
  EXPECT_TRUE(c.handler.status.ok()) << c.handler.status;
  // The closing side hears nothing more.
  c.stream->Write("* BYE\r\n");
  c.stream->Close();
  world_.RunFor(Duration::Seconds(1));
  EXPECT_EQ(client.handler.data, "");
  EXPECT_EQ(client.handler.closed_calls, 0);
  const FlowMetrics* flow = world_.Flow(World::FlowOf(*client.stream));
  ASSERT_NE(flow, nullptr);
  EXPECT_TRUE(flow->status.ok());
  EXPECT_GT(flow->closed, flow->established);
}

TEST_F(WorldTest, DestroyingAStreamClosesItGracefully) {
  TestServer server(server_env(), 143);
  TestClient client(phone_env(), "imap.example.org", 143);
  world_.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(client.stream != nullptr);
  client.stream->Write(std::string(100000, 'q'));
  client.stream.reset();
  world_.RunFor(Duration::Seconds(5));
  EXPECT_EQ(server.last().handler.data, std::string(100000, 'q'));
  EXPECT_TRUE(server.last().handler.closed());
  EXPECT_TRUE(server.last().handler.status.ok());
}

TEST_F(WorldTest, AbortResetsThePeer) {
  TestServer server(server_env(), 143);
  TestClient client(phone_env(), "imap.example.org", 143);
  world_.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(client.stream != nullptr);
  client.stream->Write("queued and lost?");
  client.stream->Abort();
  world_.RunFor(Duration::Seconds(1));
  TestServer::Connection& c = server.last();
  EXPECT_EQ(c.handler.closed_calls, 1);
  EXPECT_EQ(c.handler.status.code(), absl::StatusCode::kUnavailable) << c.handler.status;
  EXPECT_EQ(client.handler.closed_calls, 0);
}

TEST_F(WorldTest, ConnectToAPortNobodyListensOnIsRefused) {
  TestClient client(phone_env(), "imap.example.org", 993);
  world_.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(client.done);
  EXPECT_EQ(client.connect_status.code(), absl::StatusCode::kUnavailable)
      << client.connect_status;
}

TEST_F(WorldTest, ConnectToAnUnknownHostFails) {
  TestClient client(phone_env(), "nowhere.example.org", 143);
  EXPECT_FALSE(client.done);  // Never from inside Connect.
  world_.RunFor(Duration::Zero());
  ASSERT_TRUE(client.done);
  EXPECT_EQ(client.connect_status.code(), absl::StatusCode::kNotFound);
}

TEST_F(WorldTest, ConnectByAddressAndPeerAddresses) {
  TestServer server(server_env(), 587);
  const std::string server_ip = FormatIpv4(world_.host("imap.example.org").ip());
  TestClient client(phone_env(), server_ip, 587);
  world_.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(client.stream != nullptr) << client.connect_status;
  EXPECT_EQ(client.stream->peer_address(), absl::StrCat(server_ip, ":587"));
  EXPECT_EQ(server.last().stream->peer_address(),
            absl::StrCat(FormatIpv4(world_.host("phone").ip()), ":49152"));
  EXPECT_FALSE(client.stream->peer_is_local());
  EXPECT_FALSE(server.last().stream->peer_is_local());
  EXPECT_NE(client.stream->id(), server.last().stream->id());
}

TEST_F(WorldTest, LoopbackConnectionsAreLocal) {
  TestServer server(server_env(), 143, /*echo=*/true);
  TestClient client(server_env(), "127.0.0.1", 143);
  world_.RunFor(Duration::Milliseconds(1));
  ASSERT_TRUE(client.stream != nullptr) << client.connect_status;
  EXPECT_TRUE(client.stream->peer_is_local());
  EXPECT_TRUE(server.last().stream->peer_is_local());
  client.stream->Write("ping");
  world_.RunFor(Duration::Milliseconds(1));
  EXPECT_EQ(client.handler.data, "ping");
}

TEST_F(WorldTest, ListenOnLoopbackRefusesOtherHosts) {
  ListenOptions listen;
  listen.address = "127.0.0.1";
  listen.port = 4190;
  ASSERT_TRUE(server_env().network->Listen(listen, [](std::unique_ptr<Stream>) {}).ok());
  TestClient remote(phone_env(), "imap.example.org", 4190);
  world_.RunFor(Duration::Seconds(1));
  EXPECT_EQ(remote.connect_status.code(), absl::StatusCode::kUnavailable);
}

TEST_F(WorldTest, ListenErrors) {
  ListenOptions listen;
  listen.port = 143;
  ASSERT_TRUE(server_env().network->Listen(listen, [](std::unique_ptr<Stream>) {}).ok());
  EXPECT_EQ(server_env().network->Listen(listen, [](std::unique_ptr<Stream>) {}).status().code(),
            absl::StatusCode::kAlreadyExists);
  listen.address = "192.0.2.1";
  listen.port = 144;
  EXPECT_EQ(server_env().network->Listen(listen, [](std::unique_ptr<Stream>) {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  listen.address = "";
  listen.port = 0;
  absl::StatusOr<uint16_t> port =
      server_env().network->Listen(listen, [](std::unique_ptr<Stream>) {});
  ASSERT_TRUE(port.ok());
  EXPECT_GE(*port, 49152);
}

TEST_F(WorldTest, StartTlsTakesOneRoundTripAndCountsWireBytes) {
  TestServer server(server_env(), 143);
  TestClient client(phone_env(), "imap.example.org", 143);
  world_.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(client.stream != nullptr);
  TestServer::Connection& c = server.last();
  absl::Status server_tls = absl::UnknownError("pending");
  absl::Status client_tls = absl::UnknownError("pending");
  Time client_done;
  c.stream->StartTls(TlsRole::kServer, [&](absl::Status s) { server_tls = s; });
  const Time start = world_.Now();
  client.stream->StartTls(TlsRole::kClient, [&](absl::Status s) {
    client_tls = s;
    client_done = world_.Now();
    client.stream->Write("a1 LOGIN user pass\r\n");
  });
  EXPECT_FALSE(client.stream->is_tls());
  world_.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(client_tls.ok()) << client_tls;
  ASSERT_TRUE(server_tls.ok()) << server_tls;
  EXPECT_TRUE(client.stream->is_tls());
  EXPECT_TRUE(c.stream->is_tls());
  // TLS 1.3: one round trip, plus serializing the ~3 KB server flight.
  const Duration took = client_done - start;
  EXPECT_GE(took, Rtt());
  EXPECT_LT(took, Rtt() + Duration::Milliseconds(2)) << took.nanoseconds();
  EXPECT_EQ(c.handler.data, "a1 LOGIN user pass\r\n");
  const FlowMetrics* flow = world_.Flow(World::FlowOf(*client.stream));
  ASSERT_NE(flow, nullptr);
  EXPECT_TRUE(flow->tls);
  // ClientHello + Finished + one 20-byte record with 22 bytes of overhead.
  EXPECT_EQ(flow->c2s.stream_bytes, 517u + 64u + 20u + 22u);
  EXPECT_EQ(flow->s2c.stream_bytes, 3000u);
  EXPECT_EQ(flow->c2s.payload_bytes, 20u);
}

TEST_F(WorldTest, StartTlsDiscardsUndeliveredPlaintext) {
  std::unique_ptr<Stream> accepted;
  ListenOptions listen;
  listen.port = 25;
  ASSERT_TRUE(server_env()
                  .network->Listen(listen, [&](std::unique_ptr<Stream> s) { accepted = std::move(s); })
                  .ok());
  TestClient client(phone_env(), "imap.example.org", 25);
  world_.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(accepted != nullptr && client.stream != nullptr);
  // The attacker's pipelined plaintext arrives before the server upgrades.
  client.stream->Write("STARTTLS\r\nRCPT TO:<injected>\r\n");
  world_.RunFor(Duration::Seconds(1));
  RecordingHandler server_handler;
  absl::Status server_tls = absl::UnknownError("pending");
  accepted->StartTls(TlsRole::kServer, [&](absl::Status s) { server_tls = s; });
  accepted->SetHandler(&server_handler);
  absl::Status client_tls = absl::UnknownError("pending");
  client.stream->StartTls(TlsRole::kClient, [&](absl::Status s) { client_tls = s; });
  world_.RunFor(Duration::Seconds(1));
  EXPECT_TRUE(server_tls.ok()) << server_tls;
  EXPECT_TRUE(client_tls.ok()) << client_tls;
  EXPECT_EQ(server_handler.data, "");
}

TEST_F(WorldTest, ServerStartTlsKeepsAClientHelloThatAlreadyArrived) {
  // The client starts TLS at once; the server, not reading meanwhile,
  // only later: the ClientHello already buffered must not be discarded.
  std::unique_ptr<Stream> accepted;
  ListenOptions listen;
  listen.port = 465;
  ASSERT_TRUE(server_env()
                  .network->Listen(listen, [&](std::unique_ptr<Stream> s) { accepted = std::move(s); })
                  .ok());
  TestClient client(phone_env(), "imap.example.org", 465);
  absl::Status client_tls = absl::UnknownError("pending");
  client.on_connected = [&] {
    client.stream->StartTls(TlsRole::kClient, [&](absl::Status s) { client_tls = s; });
  };
  world_.RunFor(Duration::Milliseconds(500));
  ASSERT_TRUE(accepted != nullptr);
  absl::Status server_tls = absl::UnknownError("pending");
  accepted->StartTls(TlsRole::kServer, [&](absl::Status s) { server_tls = s; });
  world_.RunFor(Duration::Seconds(1));
  EXPECT_TRUE(server_tls.ok()) << server_tls;
  EXPECT_TRUE(client_tls.ok()) << client_tls;
}

TEST_F(WorldTest, TlsHandshakeWithAPlaintextPeerFails) {
  TestServer server(server_env(), 143);
  TestClient client(phone_env(), "imap.example.org", 143);
  world_.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(client.stream != nullptr);
  absl::Status client_tls = absl::UnknownError("pending");
  client.stream->StartTls(TlsRole::kClient, [&](absl::Status s) { client_tls = s; });
  world_.RunFor(Duration::Milliseconds(100));
  // The server never starts TLS; it answers in plaintext.
  server.last().stream->Write("* BAD not now\r\n");
  world_.RunFor(Duration::Seconds(1));
  EXPECT_EQ(client_tls.code(), absl::StatusCode::kUnavailable) << client_tls;
  EXPECT_FALSE(client.stream->is_tls());
  EXPECT_EQ(client.handler.closed_calls, 0);
}

TEST_F(WorldTest, ImplicitTlsListenerHandsOverAfterTheHandshake) {
  TestServer server(server_env(), 993, /*echo=*/true, /*implicit_tls=*/true);
  TestClient client(phone_env(), "imap.example.org", 993);
  absl::Status tls = absl::UnknownError("pending");
  client.on_connected = [&] {
    client.stream->StartTls(TlsRole::kClient, [&](absl::Status s) {
      tls = s;
      client.stream->Write("a1 NOOP\r\n");
    });
  };
  world_.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(tls.ok()) << tls;
  ASSERT_EQ(server.connections().size(), 1u);
  EXPECT_TRUE(server.last().stream->is_tls());
  EXPECT_EQ(client.handler.data, "a1 NOOP\r\n");
}

TEST_F(WorldTest, HostRandomIsTheNamedChildStream) {
  Rng expected = world_.RandomStream("host/phone");
  EXPECT_EQ(phone_env().random->NextU64(), expected.NextU64());
}

TEST_F(WorldTest, HostCrashCancelsTimersAndBreaksPeers) {
  TestServer server(server_env(), 143);
  TestClient client(phone_env(), "imap.example.org", 143);
  world_.RunFor(Duration::Seconds(1));
  ASSERT_TRUE(client.stream != nullptr);
  bool fired = false;
  server_env().timers->ScheduleAt(world_.Now() + Duration::Seconds(10), [&] { fired = true; });
  int crash_hooks = 0, restart_hooks = 0;
  world_.OnHostCrash("imap.example.org", [&] {
    ++crash_hooks;
    server.connections().clear();  // The upper layer drops its server.
  });
  world_.OnHostRestart("imap.example.org", [&] { ++restart_hooks; });
  world_.CrashHost("imap.example.org", world_.Now() + Duration::Seconds(1),
                   Duration::Seconds(5));
  world_.RunFor(Duration::Seconds(2));
  EXPECT_EQ(crash_hooks, 1);
  EXPECT_TRUE(world_.host("imap.example.org").crashed());
  world_.RunFor(Duration::Seconds(20));
  EXPECT_EQ(restart_hooks, 1);
  EXPECT_FALSE(fired);
  // The client learns when it next sends: the restarted host resets it.
  client.stream->Write("a2 NOOP\r\n");
  world_.RunFor(Duration::Seconds(5));
  EXPECT_EQ(client.handler.closed_calls, 1);
  EXPECT_EQ(client.handler.status.code(), absl::StatusCode::kUnavailable) << client.handler.status;
}

TEST_F(WorldTest, EventLogGoesIntoTheTrace) {
  const uint64_t before = world_.trace().count();
  phone_env().log->Log(LogLevel::kInfo, "client", "hello");
  phone_env().log->Protocol("C", 3, "a1 NOOP");
  world_.Annotate("phone", "imap.request");
  EXPECT_EQ(world_.trace().count(), before + 3);
  EXPECT_EQ(world_.annotation_counts().at("imap.request"), 1u);
}

TEST(WorldTraceTest, TracePayloadPutsStreamBytesIntoTheTrace) {
  SCOPED_TRACE("seed=1");
  WorldOptions options;
  options.keep_trace = true;
  options.trace_payload = true;
  World world(options);
  world.AddHost("server");
  world.AddHost("phone");
  TestServer server(world.EnvFor("server"), 143);
  TestClient client(world.EnvFor("phone"), "server", 143);
  client.on_connected = [&] { client.stream->Write("a1 NOOP\r\n"); };
  world.RunFor(Duration::Seconds(1));
  int found = 0;
  for (const TraceEvent& e : world.trace().events()) {
    if (e.kind == TraceKind::kStreamData) {
      EXPECT_EQ(e.text, "a1 NOOP\r\n");
      EXPECT_EQ(e.b, HashBytes(e.text));
      ++found;
    }
  }
  EXPECT_EQ(found, 1);
  // The payload survives the file form.
  absl::StatusOr<RecordedTrace> parsed = ParseTrace(world.TraceText());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->events, world.trace().events());
}

// A small session with a few exchanges, returning the trace hash.
uint64_t RunSession(uint64_t seed, bool keep_trace = false, std::string* text = nullptr) {
  WorldOptions options;
  options.seed = seed;
  options.keep_trace = keep_trace;
  World world(options);
  world.AddHost("imap.example.org");
  HostOptions phone;
  phone.link = LteProfile();
  world.AddHost("phone", phone);
  TestServer server(world.EnvFor("imap.example.org"), 143, /*echo=*/true);
  TestClient client(world.EnvFor("phone"), "imap.example.org", 143);
  int sent = 0;
  client.handler.on_data = [&](absl::string_view) {
    if (sent < 5 && client.handler.data.size() >= static_cast<size_t>(sent) * 1000) {
      client.stream->Write(std::string(1000, static_cast<char>('a' + sent)));
      ++sent;
    }
  };
  client.on_connected = [&] {
    client.stream->Write(std::string(1000, 'z'));
  };
  world.RunFor(Duration::Seconds(30));
  if (text != nullptr) *text = world.TraceText();
  return world.TraceHash();
}

TEST(WorldDeterminismTest, SameSeedSameTraceDifferentSeedDifferentTrace) {
  SCOPED_TRACE("seeds 1 and 2");
  EXPECT_EQ(RunSession(1), RunSession(1));
  EXPECT_NE(RunSession(1), RunSession(2));
}

TEST(WorldDeterminismTest, ReplayOfARecordedTraceMatches) {
  SCOPED_TRACE("seed=11");
  std::string text;
  const uint64_t hash = RunSession(11, /*keep_trace=*/true, &text);
  absl::StatusOr<RecordedTrace> recorded = ParseTrace(text);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->header.at("seed"), "11");
  EXPECT_EQ(HashTraceEvents(recorded->events), hash);
}

}  // namespace
}  // namespace lemonade::netsim
