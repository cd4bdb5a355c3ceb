// TLS through PosixNetwork: implicit TLS, STARTTLS in the middle of a
// stream, the plaintext-injection rules of RFC 3207 §4.2 / RFC 3501
// §6.2.1, and client-side certificate checks.
#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "posix/posix_network.h"
#include "posix/posix_stream.h"
#include "posix/posix_test_util.h"
#include "posix/self_signed_certificate.h"

namespace lemonade::posix {
namespace {

using testing::ConnectAndWait;
using testing::EchoHandler;
using testing::kBound;
using testing::NewTempDir;
using testing::Pattern;
using testing::RawClient;
using testing::RecordingHandler;
using testing::SharedTestCertificate;

// Collects a StartTls result.
struct TlsResult {
  std::optional<absl::Status> status;
  absl::AnyInvocable<void(absl::Status)> Callback() {
    return [this](absl::Status s) { status = std::move(s); };
  }
  bool done() const { return status.has_value(); }
};

class PosixTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loop = EventLoop::Create();
    ASSERT_TRUE(loop.ok()) << loop.status();
    loop_ = std::move(*loop);
    NetworkOptions server_options;
    server_options.tls.cert_file = SharedTestCertificate().cert_file;
    server_options.tls.key_file = SharedTestCertificate().key_file;
    server_ = MakeNetwork(server_options);
    client_ = MakeNetwork(TrustingClient());
  }

  // A client that trusts exactly the test certificate.
  static NetworkOptions TrustingClient() {
    NetworkOptions options;
    options.tls.ca_file = SharedTestCertificate().cert_file;
    return options;
  }

  std::unique_ptr<PosixNetwork> MakeNetwork(NetworkOptions options) {
    auto network = PosixNetwork::Create(loop_.get(), std::move(options));
    EXPECT_TRUE(network.ok()) << network.status();
    return network.ok() ? std::move(*network) : nullptr;
  }

  uint16_t Listen(bool implicit_tls, const std::string& address = "127.0.0.1") {
    auto port = server_->Listen({address, 0, implicit_tls}, [this](std::unique_ptr<Stream> s) {
      accepted_.push_back(std::move(s));
    });
    EXPECT_TRUE(port.ok()) << port.status();
    return port.ok() ? *port : 0;
  }

  std::unique_ptr<Stream> Connect(uint16_t port, const std::string& host = "localhost",
                                  PosixNetwork* network = nullptr) {
    auto stream = ConnectAndWait(loop_.get(), network != nullptr ? network : client_.get(), host,
                                 port);
    EXPECT_TRUE(stream.ok()) << stream.status();
    return stream.ok() ? std::move(*stream) : nullptr;
  }

  bool RunUntil(absl::FunctionRef<bool()> done) { return loop_->RunUntil(done, kBound); }

  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<PosixNetwork> server_;
  std::unique_ptr<PosixNetwork> client_;
  std::vector<std::unique_ptr<Stream>> accepted_;
};

// Implicit TLS (RFC 8314): the accept handler gets an established TLS
// stream; 256 KiB each way survive record framing intact. Run with TLS 1.3
// and with TLS 1.2, whose handshake flights differ.
class PosixTlsVersionTest : public PosixTlsTest, public ::testing::WithParamInterface<int> {};

TEST_P(PosixTlsVersionTest, ImplicitTlsEcho) {
  NetworkOptions server_options;
  server_options.tls.cert_file = SharedTestCertificate().cert_file;
  server_options.tls.key_file = SharedTestCertificate().key_file;
  server_options.tls.max_version = GetParam();
  server_ = MakeNetwork(server_options);
  std::vector<std::unique_ptr<EchoHandler>> echoes;
  auto port = server_->Listen({"127.0.0.1", 0, /*implicit_tls=*/true},
                              [&](std::unique_ptr<Stream> s) {
                                EXPECT_TRUE(s->is_tls());
                                echoes.push_back(std::make_unique<EchoHandler>(std::move(s)));
                              });
  ASSERT_TRUE(port.ok()) << port.status();
  std::unique_ptr<Stream> client = Connect(*port);
  ASSERT_NE(client, nullptr);
  TlsResult tls;
  client->StartTls(TlsRole::kClient, tls.Callback());
  EXPECT_FALSE(tls.done());
  ASSERT_TRUE(RunUntil([&] { return tls.done(); }));
  ASSERT_TRUE(tls.status->ok()) << *tls.status;
  EXPECT_TRUE(client->is_tls());
  const std::string expected_version = GetParam() == TLS1_2_VERSION ? "TLSv1.2 " : "TLSv1.3 ";
  EXPECT_TRUE(absl::StartsWith(static_cast<PosixStream*>(client.get())->tls_description(),
                               expected_version))
      << static_cast<PosixStream*>(client.get())->tls_description();
  RecordingHandler handler;
  client->SetHandler(&handler);
  const std::string payload = Pattern(256 * 1024, 7);
  client->Write(payload);
  ASSERT_TRUE(RunUntil([&] { return handler.data.size() >= payload.size(); }));
  EXPECT_TRUE(handler.data == payload);
  ASSERT_EQ(echoes.size(), 1u);
  // An orderly close crosses TLS as close_notify + FIN: the server sees OK.
  client->Close();
  ASSERT_TRUE(RunUntil([&] { return echoes[0]->closed(); }));
  ASSERT_TRUE(RunUntil([&] {
    return server_->stats().open_sockets == 0 && client_->stats().open_sockets == 0;
  }));
}

INSTANTIATE_TEST_SUITE_P(Versions, PosixTlsVersionTest,
                         ::testing::Values(0, TLS1_2_VERSION),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(info.param == 0 ? "Tls13" : "Tls12");
                         });

// Writes issued right after StartTls() wait for the handshake and arrive
// encrypted.
TEST_F(PosixTlsTest, WritesQueuedDuringTheHandshakeArrive) {
  const uint16_t port = Listen(/*implicit_tls=*/true);
  std::unique_ptr<Stream> client = Connect(port);
  TlsResult tls;
  client->StartTls(TlsRole::kClient, tls.Callback());
  client->Write("early bird\r\n");
  ASSERT_TRUE(RunUntil([&] { return accepted_.size() == 1; }));
  RecordingHandler server_handler;
  accepted_[0]->SetHandler(&server_handler);
  ASSERT_TRUE(RunUntil([&] { return server_handler.data == "early bird\r\n"; }));
  ASSERT_TRUE(tls.status->ok()) << *tls.status;
}

// STARTTLS in the middle of a plaintext conversation, IMAP style.
TEST_F(PosixTlsTest, StartTlsUpgradesMidStream) {
  const uint16_t port = Listen(/*implicit_tls=*/false);
  std::unique_ptr<Stream> client = Connect(port);
  ASSERT_TRUE(RunUntil([&] { return accepted_.size() == 1; }));
  Stream* server = accepted_[0].get();

  TlsResult server_tls, client_tls;
  RecordingHandler server_handler;
  server_handler.on_data = [&](absl::string_view bytes) {
    if (bytes == "a001 STARTTLS\r\n") {
      server->Write("a001 OK Begin TLS negotiation now\r\n");
      server->StartTls(TlsRole::kServer, server_tls.Callback());
    }
  };
  server->SetHandler(&server_handler);
  server->Write("* OK IMAP4rev1 ready\r\n");

  RecordingHandler client_handler;
  client_handler.on_data = [&](absl::string_view bytes) {
    if (absl::StrContains(bytes, "a001 OK")) {
      client->StartTls(TlsRole::kClient, client_tls.Callback());
    }
  };
  client->SetHandler(&client_handler);
  ASSERT_TRUE(RunUntil([&] { return client_handler.data == "* OK IMAP4rev1 ready\r\n"; }));
  client->Write("a001 STARTTLS\r\n");
  ASSERT_TRUE(RunUntil([&] { return server_tls.done() && client_tls.done(); }));
  ASSERT_TRUE(server_tls.status->ok()) << *server_tls.status;
  ASSERT_TRUE(client_tls.status->ok()) << *client_tls.status;
  EXPECT_TRUE(server->is_tls());
  EXPECT_TRUE(client->is_tls());

  client->Write("a002 NOOP\r\n");
  ASSERT_TRUE(RunUntil([&] { return absl::EndsWith(server_handler.data, "a002 NOOP\r\n"); }));
  EXPECT_EQ(server_handler.data, "a001 STARTTLS\r\na002 NOOP\r\n");
  server->Write("a002 OK NOOP completed\r\n");
  ASSERT_TRUE(RunUntil([&] { return absl::EndsWith(client_handler.data, "a002 OK NOOP completed\r\n"); }));
  EXPECT_EQ(client_handler.data,
            "* OK IMAP4rev1 ready\r\na001 OK Begin TLS negotiation now\r\n"
            "a002 OK NOOP completed\r\n");
}

// Plaintext that arrived before STARTTLS and was not delivered yet is
// discarded by StartTls(): it never shows up as if it had been protected.
TEST_F(PosixTlsTest, StartTlsDiscardsUndeliveredPlaintext) {
  const uint16_t port = Listen(/*implicit_tls=*/false);
  std::unique_ptr<Stream> client = Connect(port);
  ASSERT_TRUE(RunUntil([&] { return accepted_.size() == 1; }));
  auto* server = static_cast<PosixStream*>(accepted_[0].get());
  // The attacker's bytes ride right behind the command, in one segment.
  const std::string sent = "a001 STARTTLS\r\na002 LOGIN evil evil\r\n";
  client->Write(sent);
  ASSERT_TRUE(RunUntil([&] { return server->buffered_read_bytes() == sent.size(); }));

  TlsResult server_tls, client_tls;
  server->StartTls(TlsRole::kServer, server_tls.Callback());
  EXPECT_EQ(server->buffered_read_bytes(), 0u);
  RecordingHandler server_handler;
  server->SetHandler(&server_handler);
  client->StartTls(TlsRole::kClient, client_tls.Callback());
  ASSERT_TRUE(RunUntil([&] { return server_tls.done() && client_tls.done(); }));
  ASSERT_TRUE(server_tls.status->ok()) << *server_tls.status;
  ASSERT_TRUE(client_tls.status->ok()) << *client_tls.status;
  client->Write("a003 CAPABILITY\r\n");
  ASSERT_TRUE(RunUntil([&] { return !server_handler.data.empty(); }));
  EXPECT_EQ(server_handler.data, "a003 CAPABILITY\r\n");
}

// Plaintext injected on the wire after the server has switched to TLS is
// fed to the TLS engine: the handshake fails and the bytes are never
// delivered, before or after.
TEST_F(PosixTlsTest, PlaintextInjectedBeforeTheHandshakeIsNeverDelivered) {
  const uint16_t port = Listen(/*implicit_tls=*/false);
  std::unique_ptr<Stream> client = Connect(port);
  ASSERT_TRUE(RunUntil([&] { return accepted_.size() == 1; }));
  Stream* server = accepted_[0].get();

  TlsResult server_tls, client_tls;
  RecordingHandler server_handler;
  server_handler.on_data = [&](absl::string_view bytes) {
    if (bytes == "a001 STARTTLS\r\n") {
      server->Write("a001 OK Begin TLS\r\n");
      server->StartTls(TlsRole::kServer, server_tls.Callback());
    }
  };
  server->SetHandler(&server_handler);
  RecordingHandler client_handler;
  bool injected = false;
  client_handler.on_data = [&](absl::string_view bytes) {
    if (injected) return;
    injected = true;
    // A man in the middle slips a command in before the ClientHello.
    client->Write("a002 DELETE INBOX\r\n");
    client->StartTls(TlsRole::kClient, client_tls.Callback());
  };
  client->SetHandler(&client_handler);
  client->Write("a001 STARTTLS\r\n");
  ASSERT_TRUE(RunUntil([&] { return server_tls.done() && client_tls.done(); }));
  EXPECT_FALSE(server_tls.status->ok());
  EXPECT_FALSE(client_tls.status->ok());
  EXPECT_FALSE(server->is_tls());
  loop_->RunOnce(Duration::Milliseconds(10));
  EXPECT_EQ(server_handler.data, "a001 STARTTLS\r\n");
  EXPECT_EQ(server_->stats().tls_handshakes_failed, 1u);
}

// The same check from a raw socket, so no TLS client is involved at all:
// the injected line is not delivered and the server gives up on the
// handshake.
TEST_F(PosixTlsTest, RawInjectionAfterStartTlsFailsTheHandshake) {
  const uint16_t port = Listen(/*implicit_tls=*/false);
  auto raw = RawClient::Connect(loop_.get(), port);
  ASSERT_TRUE(RunUntil([&] { return accepted_.size() == 1; }));
  Stream* server = accepted_[0].get();
  TlsResult server_tls;
  RecordingHandler server_handler;
  server_handler.on_data = [&](absl::string_view bytes) {
    server->Write("OK\r\n");
    server->StartTls(TlsRole::kServer, server_tls.Callback());
  };
  server->SetHandler(&server_handler);
  raw->Send("STARTTLS\r\n");
  ASSERT_TRUE(RunUntil([&] { return raw->received == "OK\r\n"; }));
  raw->Send("RCPT TO:<victim@example.com>\r\n");
  ASSERT_TRUE(RunUntil([&] { return server_tls.done(); }));
  EXPECT_EQ(server_tls.status->code(), absl::StatusCode::kUnavailable) << *server_tls.status;
  EXPECT_EQ(server_handler.data, "STARTTLS\r\n");
  EXPECT_EQ(server_handler.closed, 1);
  ASSERT_TRUE(RunUntil([&] { return raw->eof || raw->error != 0; }));
}

// A client that trusts another CA refuses our certificate.
TEST_F(PosixTlsTest, ClientRejectsAnUntrustedCertificate) {
  const std::string dir = NewTempDir();
  ASSERT_TRUE(GenerateSelfSignedCertificate("localhost", dir + "/other.pem", dir + "/other.key").ok());
  NetworkOptions options;
  options.tls.ca_file = dir + "/other.pem";
  std::unique_ptr<PosixNetwork> wary = MakeNetwork(options);
  const uint16_t port = Listen(/*implicit_tls=*/true);
  std::unique_ptr<Stream> client = Connect(port, "localhost", wary.get());
  TlsResult tls;
  RecordingHandler handler;
  client->SetHandler(&handler);
  client->StartTls(TlsRole::kClient, tls.Callback());
  ASSERT_TRUE(RunUntil([&] { return tls.done(); }));
  EXPECT_EQ(tls.status->code(), absl::StatusCode::kUnauthenticated) << *tls.status;
  EXPECT_FALSE(client->is_tls());
  // The failed stream also reports its end.
  ASSERT_TRUE(RunUntil([&] { return handler.closed == 1; }));
  EXPECT_FALSE(handler.close_status.ok());
  EXPECT_TRUE(accepted_.empty());
}

// The certificate names localhost and 127.0.0.1; 127.0.0.2 is a mismatch.
TEST_F(PosixTlsTest, ClientChecksTheNameItConnectedTo) {
  const uint16_t port = Listen(/*implicit_tls=*/true, "127.0.0.2");
  std::unique_ptr<Stream> client = Connect(port, "127.0.0.2");
  TlsResult tls;
  client->StartTls(TlsRole::kClient, tls.Callback());
  ASSERT_TRUE(RunUntil([&] { return tls.done(); }));
  EXPECT_EQ(tls.status->code(), absl::StatusCode::kUnauthenticated) << *tls.status;
  EXPECT_TRUE(absl::StrContains(tls.status->message(), "mismatch")) << *tls.status;

  const uint16_t port1 = Listen(/*implicit_tls=*/true, "127.0.0.1");
  std::unique_ptr<Stream> by_ip = Connect(port1, "127.0.0.1");
  TlsResult ip_tls;
  by_ip->StartTls(TlsRole::kClient, ip_tls.Callback());
  ASSERT_TRUE(RunUntil([&] { return ip_tls.done(); }));
  EXPECT_TRUE(ip_tls.status->ok()) << *ip_tls.status;
}

// BURL's mode for its own IMAP server: no CA file, but a self-signed
// certificate is accepted from a loopback peer.
TEST_F(PosixTlsTest, TrustSelfSignedOnLoopback) {
  NetworkOptions options;
  options.tls.trust_self_signed_on_loopback = true;
  std::unique_ptr<PosixNetwork> burl = MakeNetwork(options);
  const uint16_t port = Listen(/*implicit_tls=*/true);
  std::unique_ptr<Stream> client = Connect(port, "localhost", burl.get());
  TlsResult tls;
  client->StartTls(TlsRole::kClient, tls.Callback());
  ASSERT_TRUE(RunUntil([&] { return tls.done(); }));
  EXPECT_TRUE(tls.status->ok()) << *tls.status;

  // Without the option, the system trust store knows nothing of it.
  std::unique_ptr<PosixNetwork> strict = MakeNetwork(NetworkOptions());
  std::unique_ptr<Stream> refused = Connect(port, "localhost", strict.get());
  TlsResult strict_tls;
  refused->StartTls(TlsRole::kClient, strict_tls.Callback());
  ASSERT_TRUE(RunUntil([&] { return strict_tls.done(); }));
  EXPECT_EQ(strict_tls.status->code(), absl::StatusCode::kUnauthenticated) << *strict_tls.status;
}

// Without a certificate there is no server-side TLS, and it says so.
TEST_F(PosixTlsTest, NoCertificateNoServerTls) {
  std::unique_ptr<PosixNetwork> plain = MakeNetwork(NetworkOptions());
  EXPECT_FALSE(plain->server_tls_available());
  auto implicit = plain->Listen({"127.0.0.1", 0, true}, [](std::unique_ptr<Stream>) {});
  EXPECT_EQ(implicit.status().code(), absl::StatusCode::kFailedPrecondition) << implicit.status();
  std::vector<std::unique_ptr<Stream>> accepted;
  auto port = plain->Listen({"127.0.0.1", 0},
                            [&](std::unique_ptr<Stream> s) { accepted.push_back(std::move(s)); });
  ASSERT_TRUE(port.ok());
  std::unique_ptr<Stream> client = Connect(*port);
  ASSERT_TRUE(RunUntil([&] { return accepted.size() == 1; }));
  TlsResult tls;
  accepted[0]->StartTls(TlsRole::kServer, tls.Callback());
  EXPECT_FALSE(tls.done());
  ASSERT_TRUE(RunUntil([&] { return tls.done(); }));
  EXPECT_EQ(tls.status->code(), absl::StatusCode::kFailedPrecondition) << *tls.status;
  // STARTTLS twice is refused too.
  const uint16_t tls_port = Listen(/*implicit_tls=*/true);
  std::unique_ptr<Stream> secure = Connect(tls_port);
  TlsResult first, second;
  secure->StartTls(TlsRole::kClient, first.Callback());
  ASSERT_TRUE(RunUntil([&] { return first.done(); }));
  secure->StartTls(TlsRole::kClient, second.Callback());
  ASSERT_TRUE(RunUntil([&] { return second.done(); }));
  EXPECT_EQ(second.status->code(), absl::StatusCode::kFailedPrecondition);
}

// A peer that never completes the handshake is dropped after the timeout.
TEST_F(PosixTlsTest, HandshakeTimesOut) {
  NetworkOptions options;
  options.tls.cert_file = SharedTestCertificate().cert_file;
  options.tls.key_file = SharedTestCertificate().key_file;
  options.tls.handshake_timeout = Duration::Milliseconds(100);
  server_ = MakeNetwork(options);
  const uint16_t port = Listen(/*implicit_tls=*/true);
  auto raw = RawClient::Connect(loop_.get(), port);
  ASSERT_TRUE(RunUntil([&] { return raw->eof || raw->error != 0; }));
  EXPECT_EQ(server_->stats().tls_handshakes_failed, 1u);
  EXPECT_TRUE(accepted_.empty());
  ASSERT_TRUE(RunUntil([&] { return server_->stats().open_sockets == 0; }));
}

// Bad certificate files are a startup error, not a first-STARTTLS one.
TEST(TlsContextTest, BadFilesFailAtCreate) {
  TlsConfig config;
  config.cert_file = "/nonexistent/cert.pem";
  config.key_file = "/nonexistent/key.pem";
  EXPECT_EQ(TlsContext::Create(config).status().code(), absl::StatusCode::kInvalidArgument);
  config = TlsConfig();
  config.cert_file = SharedTestCertificate().cert_file;
  EXPECT_EQ(TlsContext::Create(config).status().code(), absl::StatusCode::kInvalidArgument);
  // A key that belongs to another certificate.
  const std::string dir = NewTempDir();
  ASSERT_TRUE(GenerateSelfSignedCertificate("localhost", dir + "/c.pem", dir + "/k.pem").ok());
  config.key_file = dir + "/k.pem";
  EXPECT_EQ(TlsContext::Create(config).status().code(), absl::StatusCode::kInvalidArgument);
  config = TlsConfig();
  config.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(TlsContext::Create(config).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lemonade::posix
