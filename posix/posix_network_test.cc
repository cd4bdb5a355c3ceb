#include "posix/posix_network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "posix/posix_stream.h"
#include "posix/posix_test_util.h"

namespace lemonade::posix {
namespace {

using testing::ConnectAndWait;
using testing::EchoHandler;
using testing::kBound;
using testing::Pattern;
using testing::RawClient;
using testing::RecordingHandler;

class PosixNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loop = EventLoop::Create();
    ASSERT_TRUE(loop.ok()) << loop.status();
    loop_ = std::move(*loop);
    Recreate(NetworkOptions());
  }

  void Recreate(NetworkOptions options) {
    accepted_.clear();
    echoes_.clear();
    network_.reset();
    auto network = PosixNetwork::Create(loop_.get(), std::move(options));
    ASSERT_TRUE(network.ok()) << network.status();
    network_ = std::move(*network);
  }

  // Listens on 127.0.0.1:0; accepted streams land in accepted_.
  uint16_t ListenCollecting() {
    auto port = network_->Listen({"127.0.0.1", 0},
                                 [this](std::unique_ptr<Stream> s) { accepted_.push_back(std::move(s)); });
    EXPECT_TRUE(port.ok()) << port.status();
    return port.ok() ? *port : 0;
  }

  // Listens on `address`:0 with an echo handler per connection.
  uint16_t ListenEcho(const std::string& address = "127.0.0.1") {
    auto port = network_->Listen({address, 0}, [this](std::unique_ptr<Stream> s) {
      echoes_.push_back(std::make_unique<EchoHandler>(std::move(s)));
    });
    EXPECT_TRUE(port.ok()) << port.status();
    return port.ok() ? *port : 0;
  }

  std::unique_ptr<Stream> Connect(uint16_t port, const std::string& host = "127.0.0.1") {
    auto stream = ConnectAndWait(loop_.get(), network_.get(), host, port);
    EXPECT_TRUE(stream.ok()) << stream.status();
    return stream.ok() ? std::move(*stream) : nullptr;
  }

  bool RunUntil(absl::FunctionRef<bool()> done) { return loop_->RunUntil(done, kBound); }

  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<PosixNetwork> network_;
  std::vector<std::unique_ptr<Stream>> accepted_;
  std::vector<std::unique_ptr<EchoHandler>> echoes_;
};

// 1 MB each way through a real socket, every byte checked.
TEST_F(PosixNetworkTest, EchoesOneMegabyteEachWay) {
  const uint16_t port = ListenEcho();
  std::unique_ptr<Stream> client = Connect(port);
  ASSERT_NE(client, nullptr);
  RecordingHandler handler;
  client->SetHandler(&handler);
  const std::string payload = Pattern(1 << 20, 1);
  for (size_t i = 0; i < payload.size(); i += 100000) {
    client->Write(absl::string_view(payload).substr(i, 100000));
  }
  ASSERT_TRUE(RunUntil([&] { return handler.data.size() >= payload.size(); }));
  EXPECT_TRUE(handler.data == payload) << "echoed bytes differ";
  ASSERT_EQ(echoes_.size(), 1u);
  EXPECT_EQ(echoes_[0]->received(), payload.size());
  EXPECT_EQ(handler.closed, 0);
}

// Bytes that arrive before SetHandler() wait for it, and are delivered from
// the loop, not from inside SetHandler().
TEST_F(PosixNetworkTest, BuffersDataUntilAHandlerIsSet) {
  const uint16_t port = ListenCollecting();
  std::unique_ptr<Stream> client = Connect(port);
  client->Write("hello");
  client->Close();
  ASSERT_TRUE(RunUntil([&] {
    return accepted_.size() == 1 &&
           static_cast<PosixStream*>(accepted_[0].get())->buffered_read_bytes() == 5;
  }));
  RecordingHandler handler;
  accepted_[0]->SetHandler(&handler);
  EXPECT_EQ(handler.data, "");
  ASSERT_TRUE(RunUntil([&] { return handler.closed == 1; }));
  EXPECT_EQ(handler.data, "hello");
  EXPECT_TRUE(handler.close_status.ok()) << handler.close_status;
}

// Write() and Close() never call the handler before returning.
TEST_F(PosixNetworkTest, WriteAndCloseNeverCallTheHandler) {
  const uint16_t port = ListenEcho();
  std::unique_ptr<Stream> client = Connect(port);
  bool inside = false;
  bool reentered = false;
  RecordingHandler handler;
  handler.on_data = [&](absl::string_view) { reentered |= inside; };
  handler.on_writable = [&] { reentered |= inside; };
  handler.on_closed = [&](const absl::Status&) { reentered |= inside; };
  client->SetHandler(&handler);
  inside = true;
  client->Write("ping");
  inside = false;
  ASSERT_TRUE(RunUntil([&] { return handler.data == "ping" && handler.writable > 0; }));
  inside = true;
  client->Write("more");
  client->Close();
  inside = false;
  loop_->RunOnce(Duration::Milliseconds(10));
  EXPECT_FALSE(reentered);
  // After Close() the handler hears nothing more, not even the echo.
  EXPECT_EQ(handler.data, "ping");
  EXPECT_EQ(handler.closed, 0);
}

// OnStreamWritable comes once everything written has left our buffer.
TEST_F(PosixNetworkTest, WritableAfterTheBufferDrains) {
  const uint16_t port = ListenEcho();
  std::unique_ptr<Stream> client = Connect(port);
  RecordingHandler handler;
  size_t pending_at_writable = 1;
  handler.on_writable = [&] { pending_at_writable = client->PendingWriteBytes(); };
  client->SetHandler(&handler);
  const std::string payload = Pattern(4 << 20, 2);
  client->Write(payload);
  EXPECT_EQ(client->PendingWriteBytes(), payload.size());
  ASSERT_TRUE(RunUntil([&] { return handler.writable > 0; }));
  EXPECT_EQ(pending_at_writable, 0u);
  ASSERT_TRUE(RunUntil([&] { return handler.data.size() == payload.size(); }));
  EXPECT_TRUE(handler.data == payload);
}

// 200 concurrent connections, each with its own round trip.
TEST_F(PosixNetworkTest, ManyConcurrentConnections) {
  constexpr int kConnections = 200;
  const uint16_t port = ListenEcho();
  std::vector<std::unique_ptr<Stream>> clients(kConnections);
  std::vector<RecordingHandler> handlers(kConnections);
  int connected = 0;
  for (int i = 0; i < kConnections; ++i) {
    network_->Connect("127.0.0.1", port, [&, i](absl::StatusOr<std::unique_ptr<Stream>> s) {
      ASSERT_TRUE(s.ok()) << s.status();
      clients[i] = std::move(*s);
      clients[i]->SetHandler(&handlers[i]);
      clients[i]->Write("ping " + std::to_string(i));
      ++connected;
    });
  }
  ASSERT_TRUE(RunUntil([&] {
    if (connected < kConnections) return false;
    for (int i = 0; i < kConnections; ++i) {
      if (handlers[i].data != "ping " + std::to_string(i)) return false;
    }
    return true;
  }));
  EXPECT_EQ(network_->stats().open_sockets, 2u * kConnections);
  EXPECT_EQ(network_->stats().accepted, static_cast<uint64_t>(kConnections));
  std::vector<uint64_t> ids;
  for (auto& c : clients) ids.push_back(c->id());
  for (auto& e : echoes_) ids.push_back(e->stream().id());
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end()) << "stream ids repeat";
  clients.clear();  // orderly close of every client
  ASSERT_TRUE(RunUntil([&] { return network_->stats().open_sockets == 0; }));
}

// The target: 1,000 connections held open at once on loopback.
TEST_F(PosixNetworkTest, HoldsOneThousandConnections) {
  constexpr int kConnections = 1000;
  struct rlimit limit;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  const rlim_t needed = 2 * kConnections + 64;
  if (limit.rlim_cur < needed) {
    ASSERT_GE(limit.rlim_max, needed) << "the hard descriptor limit is too low for this test";
    limit.rlim_cur = needed;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
  }
  const uint16_t port = ListenEcho();
  std::vector<std::unique_ptr<Stream>> clients;
  std::vector<RecordingHandler> handlers(kConnections);
  int failures = 0;
  for (int i = 0; i < kConnections; ++i) {
    network_->Connect("127.0.0.1", port, [&, i](absl::StatusOr<std::unique_ptr<Stream>> s) {
      if (!s.ok()) {
        ++failures;
        return;
      }
      (*s)->SetHandler(&handlers[i]);
      (*s)->Write("x");
      clients.push_back(std::move(*s));
    });
  }
  ASSERT_TRUE(RunUntil([&] {
    if (clients.size() + failures < kConnections) return false;
    for (auto& h : handlers) {
      if (h.data.empty()) return failures > 0;
    }
    return true;
  }));
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(network_->stats().open_sockets, 2u * kConnections);
  // Idle for a moment, then every connection must still be alive.
  loop_->RunOnce(Duration::Milliseconds(20));
  for (auto& h : handlers) EXPECT_EQ(h.closed, 0);
  clients.clear();
  ASSERT_TRUE(RunUntil([&] { return network_->stats().open_sockets == 0; }));
}

// Close(): the peer receives every queued byte, then an orderly end, even
// when the stream object is destroyed right after Close().
TEST_F(PosixNetworkTest, OrderlyCloseFlushesBeforeFin) {
  const uint16_t port = ListenCollecting();
  std::unique_ptr<Stream> client = Connect(port);
  RecordingHandler handler;
  client->SetHandler(&handler);
  ASSERT_TRUE(RunUntil([&] { return accepted_.size() == 1; }));
  const std::string payload = Pattern(3 << 20, 3);
  accepted_[0]->Write(payload);
  accepted_[0]->Close();
  accepted_.clear();  // what servers do: drop the stream at once
  ASSERT_TRUE(RunUntil([&] { return handler.closed == 1; }));
  EXPECT_TRUE(handler.close_status.ok()) << handler.close_status;
  EXPECT_TRUE(handler.data == payload) << "got " << handler.data.size() << " bytes";
  // Our side answers the FIN; both sockets go away.
  client->Close();
  ASSERT_TRUE(RunUntil([&] { return network_->stats().open_sockets == 0; }));
}

// Abort(): the peer sees a reset, not an orderly close.
TEST_F(PosixNetworkTest, AbortIsSeenAsAReset) {
  const uint16_t port = ListenCollecting();
  std::unique_ptr<Stream> client = Connect(port);
  RecordingHandler handler;
  client->SetHandler(&handler);
  ASSERT_TRUE(RunUntil([&] { return accepted_.size() == 1; }));
  accepted_[0]->Write("never sent");
  accepted_[0]->Abort();
  ASSERT_TRUE(RunUntil([&] { return handler.closed == 1; }));
  EXPECT_EQ(handler.close_status.code(), absl::StatusCode::kUnavailable) << handler.close_status;
  EXPECT_TRUE(absl::StrContains(handler.close_status.message(), "reset"))
      << handler.close_status;
  EXPECT_EQ(handler.data, "");
}

// A peer's FIN is OnStreamClosed(OK), and we can still answer (half-close).
TEST_F(PosixNetworkTest, PeerFinLeavesTheStreamWritable) {
  const uint16_t port = ListenCollecting();
  auto raw = RawClient::Connect(loop_.get(), port);
  raw->Send("question");
  raw->ShutdownWrite();
  ASSERT_TRUE(RunUntil([&] { return accepted_.size() == 1; }));
  RecordingHandler handler;
  handler.on_closed = [&](const absl::Status&) {
    accepted_[0]->Write("answer");
    accepted_[0]->Close();
  };
  accepted_[0]->SetHandler(&handler);
  ASSERT_TRUE(RunUntil([&] { return raw->eof; }));
  EXPECT_EQ(handler.data, "question");
  EXPECT_TRUE(handler.close_status.ok());
  EXPECT_EQ(raw->received, "answer");
  EXPECT_EQ(raw->error, 0);
}

// Close() gives up (with a reset) on a peer that never reads.
TEST_F(PosixNetworkTest, CloseGivesUpOnAPeerThatDoesNotRead) {
  NetworkOptions options;
  options.close_flush_timeout = Duration::Milliseconds(100);
  Recreate(options);
  const uint16_t port = ListenCollecting();
  auto raw = RawClient::Connect(loop_.get(), port, /*read=*/false);
  ASSERT_TRUE(RunUntil([&] { return accepted_.size() == 1; }));
  accepted_[0]->Write(Pattern(32 << 20, 5));
  accepted_[0]->Close();
  accepted_.clear();
  ASSERT_TRUE(RunUntil([&] { return network_->stats().open_sockets == 0; }));
}

// After our FIN, the wait for the peer's FIN is bounded too.
TEST_F(PosixNetworkTest, CloseLingerIsBounded) {
  NetworkOptions options;
  options.close_linger_timeout = Duration::Milliseconds(50);
  Recreate(options);
  const uint16_t port = ListenCollecting();
  auto raw = RawClient::Connect(loop_.get(), port);
  ASSERT_TRUE(RunUntil([&] { return accepted_.size() == 1; }));
  accepted_[0]->Write("bye\r\n");
  accepted_[0]->Close();
  ASSERT_TRUE(RunUntil([&] { return raw->eof; }));  // our FIN arrived
  EXPECT_EQ(raw->received, "bye\r\n");
  EXPECT_EQ(network_->stats().open_sockets, 1u);  // waiting for theirs
  ASSERT_TRUE(RunUntil([&] { return network_->stats().open_sockets == 0; }));
}

// Connecting to a port nobody listens on fails with "connection refused".
TEST_F(PosixNetworkTest, ConnectRefusedIsAnError) {
  // A bound socket that does not listen: its port is ours and refuses.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<struct sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<struct sockaddr*>(&address), &length), 0);
  auto stream = ConnectAndWait(loop_.get(), network_.get(), "127.0.0.1", ntohs(address.sin_port));
  close(fd);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kUnavailable) << stream.status();
  EXPECT_TRUE(absl::StrContains(stream.status().message(), "refused")) << stream.status();
}

// An unknown host name is reported, never thrown or hung on.
TEST_F(PosixNetworkTest, ConnectToUnknownHostFails) {
  auto stream = ConnectAndWait(loop_.get(), network_.get(), "no-such-host.invalid", 143);
  ASSERT_FALSE(stream.ok());
  // NotFound from a resolver that answers, Unavailable from one that cannot
  // be reached; both say which name failed.
  EXPECT_TRUE(stream.status().code() == absl::StatusCode::kNotFound ||
              stream.status().code() == absl::StatusCode::kUnavailable)
      << stream.status();
  EXPECT_TRUE(absl::StrContains(stream.status().message(), "no-such-host.invalid"));
}

// Connect()'s callback runs from the loop, never inside Connect().
TEST_F(PosixNetworkTest, ConnectNeverCompletesInsideTheCall) {
  const uint16_t port = ListenEcho();
  bool done = false;
  std::unique_ptr<Stream> client;
  network_->Connect("127.0.0.1", port, [&](absl::StatusOr<std::unique_ptr<Stream>> s) {
    done = true;
    if (s.ok()) client = std::move(*s);
  });
  network_->Connect("no-such-host.invalid", 1, [&](auto) { done = true; });
  EXPECT_FALSE(done);
  ASSERT_TRUE(RunUntil([&] { return client != nullptr; }));
}

// Streams report who is at the other end.
TEST_F(PosixNetworkTest, PeerAddressAndLocality) {
  const uint16_t port = ListenCollecting();
  std::unique_ptr<Stream> client = Connect(port, "localhost");
  ASSERT_TRUE(RunUntil([&] { return accepted_.size() == 1; }));
  EXPECT_EQ(client->peer_address(), "127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(client->peer_is_local());
  EXPECT_TRUE(absl::StartsWith(accepted_[0]->peer_address(), "127.0.0.1:"));
  EXPECT_TRUE(accepted_[0]->peer_is_local());
  EXPECT_NE(client->id(), accepted_[0]->id());
  EXPECT_FALSE(client->is_tls());
}

// IPv6 loopback works and is shown in brackets.
TEST_F(PosixNetworkTest, Ipv6Loopback) {
  const uint16_t port = ListenEcho("::1");
  std::unique_ptr<Stream> client = Connect(port, "::1");
  ASSERT_NE(client, nullptr);
  RecordingHandler handler;
  client->SetHandler(&handler);
  client->Write("six");
  ASSERT_TRUE(RunUntil([&] { return handler.data == "six"; }));
  EXPECT_EQ(client->peer_address(), "[::1]:" + std::to_string(port));
  EXPECT_TRUE(client->peer_is_local());
  ASSERT_EQ(echoes_.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(echoes_[0]->stream().peer_address(), "[::1]:"));
}

// Classifying addresses: loopback, mapped IPv4, the rest.
TEST(DescribePeerTest, ClassifiesAddresses) {
  struct sockaddr_storage storage = {};
  auto* v4 = reinterpret_cast<struct sockaddr_in*>(&storage);
  v4->sin_family = AF_INET;
  v4->sin_port = htons(25);
  inet_pton(AF_INET, "192.0.2.7", &v4->sin_addr);
  PeerInfo peer = DescribePeer(storage);
  EXPECT_EQ(peer.address, "192.0.2.7:25");
  EXPECT_FALSE(peer.local);
  inet_pton(AF_INET, "127.1.2.3", &v4->sin_addr);
  EXPECT_TRUE(DescribePeer(storage).local);

  storage = {};
  auto* v6 = reinterpret_cast<struct sockaddr_in6*>(&storage);
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons(993);
  inet_pton(AF_INET6, "::ffff:127.0.0.1", &v6->sin6_addr);
  peer = DescribePeer(storage);
  EXPECT_EQ(peer.address, "127.0.0.1:993");
  EXPECT_TRUE(peer.local);
  inet_pton(AF_INET6, "2001:db8::1", &v6->sin6_addr);
  peer = DescribePeer(storage);
  EXPECT_EQ(peer.address, "[2001:db8::1]:993");
  EXPECT_FALSE(peer.local);
}

// Beyond the per-peer limit a connection is closed at once; closing one
// makes room again.
TEST_F(PosixNetworkTest, PerPeerLimitRejectsExtraConnections) {
  NetworkOptions options;
  options.connections_per_peer_max = 2;
  Recreate(options);
  const uint16_t port = ListenCollecting();
  std::unique_ptr<Stream> a = Connect(port);
  std::unique_ptr<Stream> b = Connect(port);
  ASSERT_TRUE(RunUntil([&] { return accepted_.size() == 2; }));
  std::unique_ptr<Stream> c = Connect(port);
  RecordingHandler c_handler;
  c->SetHandler(&c_handler);
  ASSERT_TRUE(RunUntil([&] { return c_handler.closed == 1; }));
  EXPECT_EQ(network_->stats().rejected, 1u);
  EXPECT_EQ(accepted_.size(), 2u);
  // Close a (both ends) and c's client end: only b's pair stays open.
  a.reset();
  accepted_[0]->Close();
  c.reset();
  ASSERT_TRUE(RunUntil([&] { return network_->stats().open_sockets == 2; }));
  std::unique_ptr<Stream> d = Connect(port);
  ASSERT_TRUE(RunUntil([&] { return accepted_.size() == 3; }));
  EXPECT_EQ(network_->stats().rejected, 1u);
}

// The total limit counts accepted connections across peers.
TEST_F(PosixNetworkTest, TotalLimitRejectsExtraConnections) {
  NetworkOptions options;
  options.connections_max = 1;
  Recreate(options);
  const uint16_t port = ListenCollecting();
  std::unique_ptr<Stream> a = Connect(port);
  ASSERT_TRUE(RunUntil([&] { return accepted_.size() == 1; }));
  std::unique_ptr<Stream> b = Connect(port);
  RecordingHandler b_handler;
  b->SetHandler(&b_handler);
  ASSERT_TRUE(RunUntil([&] { return b_handler.closed == 1; }));
  EXPECT_EQ(network_->stats().rejected, 1u);
  EXPECT_EQ(network_->stats().accepted, 1u);
}

// After StopListening() new connections are refused; WhenAllClosed fires
// once the last socket is gone.
TEST_F(PosixNetworkTest, StopListeningThenDrain) {
  const uint16_t port = ListenEcho();
  std::unique_ptr<Stream> client = Connect(port);
  ASSERT_TRUE(RunUntil([&] { return echoes_.size() == 1; }));
  network_->StopListening();
  EXPECT_EQ(network_->stats().listeners, 0u);
  auto refused = ConnectAndWait(loop_.get(), network_.get(), "127.0.0.1", port);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  bool all_closed = false;
  network_->WhenAllClosed([&] { all_closed = true; });
  loop_->RunOnce(Duration::Zero());
  EXPECT_FALSE(all_closed);
  client->Close();
  ASSERT_TRUE(RunUntil([&] { return all_closed; }));
  EXPECT_EQ(network_->stats().open_sockets, 0u);
  EXPECT_EQ(network_->StopListening(port).code(), absl::StatusCode::kNotFound);
}

// Without a handler, reading pauses at the buffer limit (the sender feels
// TCP back-pressure); nothing is lost when reading resumes.
TEST_F(PosixNetworkTest, ReadingPausesWhileNobodyListens) {
  NetworkOptions options;
  options.read_buffer_max_bytes = 64 * 1024;
  Recreate(options);
  const uint16_t port = ListenCollecting();
  std::unique_ptr<Stream> client = Connect(port);
  ASSERT_TRUE(RunUntil([&] { return accepted_.size() == 1; }));
  auto* server = static_cast<PosixStream*>(accepted_[0].get());
  const std::string payload = Pattern(16 << 20, 4);
  client->Write(payload);
  ASSERT_TRUE(RunUntil([&] { return server->buffered_read_bytes() >= 64 * 1024; }));
  for (int i = 0; i < 5; ++i) loop_->RunOnce(Duration::Milliseconds(5));
  // One readiness event reads at most 4 x 64 KiB past the limit.
  EXPECT_LE(server->buffered_read_bytes(), 64 * 1024 + 4 * 64 * 1024);
  RecordingHandler handler;
  server->SetHandler(&handler);
  ASSERT_TRUE(RunUntil([&] { return handler.data.size() == payload.size(); }));
  EXPECT_TRUE(handler.data == payload);
}

// Listening on a port that is taken fails with a clear status.
TEST_F(PosixNetworkTest, ListenOnATakenPortFails) {
  const uint16_t port = ListenEcho();
  auto again = network_->Listen({"127.0.0.1", port}, [](std::unique_ptr<Stream>) {});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kUnavailable) << again.status();
  auto bad = network_->Listen({"not an address", 0}, [](std::unique_ptr<Stream>) {});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << bad.status();
}

// A stream that outlives its network turns into a harmless no-op.
TEST_F(PosixNetworkTest, StreamOutlivingTheNetworkIsInert) {
  const uint16_t port = ListenEcho();
  std::unique_ptr<Stream> client = Connect(port);
  const uint64_t id = client->id();
  echoes_.clear();
  network_.reset();
  client->Write("into the void");
  client->Close();
  EXPECT_EQ(client->PendingWriteBytes(), 0u);
  EXPECT_EQ(client->id(), id);
  loop_->RunOnce(Duration::Zero());
}

}  // namespace
}  // namespace lemonade::posix
