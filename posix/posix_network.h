// PosixNetwork: lemonade::Network over real, non-blocking TCP sockets
// (IPv4 and IPv6) on an EventLoop, with OpenSSL 3 TLS for STARTTLS and
// implicit-TLS (RFC 8314) listeners.
//
// Listen(). The address is a numeric IPv4/IPv6 address ("127.0.0.1",
// "0.0.0.0", "::1", "::"; "::" is dual-stack where the system allows) or
// "localhost" (127.0.0.1). SO_REUSEADDR is set, so a restarted server
// rebinds at once; port 0 binds an ephemeral port, which Listen() returns.
// With implicit_tls the handshake runs first and the accept handler gets
// the stream only once it is_tls(); failed handshakes are logged and
// dropped.
//
// Connect(). The host is resolved with getaddrinfo(), which blocks the loop
// (acceptable for BURL's occasional fetch from a configured, usually local,
// IMAP server; a resolver thread is the upgrade path). Each resolved
// address is tried in turn with a non-blocking connect; `done` always runs
// from the loop, never inside Connect(). Failures: NotFound (unknown host),
// Unavailable ("connection refused", unreachable), DeadlineExceeded
// (connect_timeout). Connected streams remember the host for TLS (SNI and
// certificate name check) if the client later calls StartTls(kClient).
//
// Limits. connections_max and connections_per_peer_max bound accepted
// connections (sockets still open, including those closing); a connection
// beyond a limit is accepted and closed at once, and counted in stats.
//
// Shutdown. StopListening() closes the listening sockets (stop accepting);
// the owner then lets sessions finish and close, and WhenAllClosed() tells
// it when the last socket is gone, so it can Stop() the loop.
//
// Lifetime: the EventLoop outlives the network; the network should outlive
// its streams (a stream that outlives it turns into a no-op).
//
//   auto loop = EventLoop::Create();
//   NetworkOptions options;
//   options.tls.cert_file = "cert.pem";
//   options.tls.key_file = "key.pem";
//   auto network = PosixNetwork::Create(loop->get(), options);
//   auto port = (*network)->Listen({"127.0.0.1", 1993, /*implicit_tls=*/true},
//                                  [](std::unique_ptr<Stream> s) { ... });
//   (*network)->Connect("localhost", *port, [](auto stream) { ... });
#ifndef LEMONADE_POSIX_POSIX_NETWORK_H_
#define LEMONADE_POSIX_POSIX_NETWORK_H_

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "env/env.h"
#include "posix/event_loop.h"
#include "posix/socket_connection.h"
#include "posix/tls_context.h"

namespace lemonade::posix {

struct NetworkOptions {
  TlsConfig tls;
  // Accepted connections open at once, in total and per peer IP; 0 means
  // no limit.
  size_t connections_max = 0;
  size_t connections_per_peer_max = 0;
  Duration connect_timeout = Duration::Seconds(30);
  // Close(): time allowed to hand queued bytes to the peer before the
  // connection is reset instead.
  Duration close_flush_timeout = Duration::Seconds(30);
  // Close(): after our FIN, time to wait for the peer's before close().
  Duration close_linger_timeout = Duration::Seconds(5);
  // Received bytes held for a stream without a handler before reading from
  // its socket pauses (TCP flow control then slows the peer).
  size_t read_buffer_max_bytes = size_t{1} << 20;
  // Where connection events (rejections, TLS failures) are reported; may be
  // null. Not owned.
  EventLog* log = nullptr;
};

struct NetworkStats {
  uint64_t open_sockets = 0;   // connected sockets not yet closed
  uint64_t open_streams = 0;   // PosixStream handles alive
  uint64_t accepted = 0;       // accepted and admitted
  uint64_t rejected = 0;       // accepted and closed by a limit
  uint64_t connected = 0;      // outbound connections established
  uint64_t tls_handshakes_failed = 0;
  uint64_t listeners = 0;
};

class PosixNetwork final : public Network {
 public:
  // Fails if the TLS files cannot be loaded.
  static absl::StatusOr<std::unique_ptr<PosixNetwork>> Create(EventLoop* loop,
                                                              NetworkOptions options = {});
  PosixNetwork(const PosixNetwork&) = delete;
  PosixNetwork& operator=(const PosixNetwork&) = delete;
  // Closes every socket at once (no flush); pending Connect() callbacks and
  // stream callbacks are dropped.
  ~PosixNetwork() override;

  absl::StatusOr<uint16_t> Listen(const ListenOptions& options, AcceptHandler on_accept) override;
  void Connect(const std::string& host, uint16_t port,
               absl::AnyInvocable<void(absl::StatusOr<std::unique_ptr<Stream>>)> done) override;

  // StopListening: closes every listening socket (graceful shutdown starts
  // here). Connections already accepted are untouched.
  void StopListening();
  // StopListening(port): closes one listener; NotFound if none is bound there.
  absl::Status StopListening(uint16_t port);
  // WhenAllClosed: runs `fn` from the loop once no connected socket is open
  // (at once, via the loop, if none is).
  void WhenAllClosed(absl::AnyInvocable<void()> fn);

  NetworkStats stats() const;
  // Whether StartTls(kServer) and implicit-TLS listeners are possible.
  bool server_tls_available() const { return tls_->server() != nullptr; }
  EventLoop* loop() const { return loop_; }
  const NetworkOptions& options() const { return options_; }

 private:
  friend class SocketConnection;
  class Listener;
  class Connector;

  PosixNetwork(EventLoop* loop, NetworkOptions options, std::unique_ptr<TlsContext> tls);

  // For SocketConnection.
  TlsContext& tls() { return *tls_; }
  std::pair<char*, size_t> read_buffer() { return {read_buffer_.data(), read_buffer_.size()}; }
  void OnSocketClosed(SocketConnection* connection);
  void OnHandshakeFailed(SocketConnection* connection, const absl::Status& status);
  void ReleaseConnection(uint64_t id);
  void OnStreamCreated() { ++open_streams_; }
  void OnStreamDestroyed() { --open_streams_; }

  // For Listener and Connector.
  void Accepted(Listener* listener, int fd, const struct sockaddr_storage& address);
  std::shared_ptr<SocketConnection> AddConnection(int fd, PeerInfo peer, bool inbound,
                                                  std::string tls_host);
  void HandOver(Listener* listener, uint64_t listener_id, std::shared_ptr<SocketConnection> c);
  void ConnectorDone(uint64_t connector_id);
  void Log(LogLevel level, absl::string_view message);
  // Runs `fn` from the loop unless the network is gone by then.
  void PostGuarded(absl::AnyInvocable<void()> fn);

  EventLoop* loop_;
  NetworkOptions options_;
  std::unique_ptr<TlsContext> tls_;
  std::shared_ptr<char> alive_ = std::make_shared<char>(0);
  std::vector<char> read_buffer_;  // shared by all sockets: one loop thread

  uint64_t next_listener_id_ = 1;
  absl::btree_map<uint64_t, std::unique_ptr<Listener>> listeners_;
  uint64_t next_connector_id_ = 1;
  absl::btree_map<uint64_t, std::unique_ptr<Connector>> connectors_;
  absl::btree_map<uint64_t, std::shared_ptr<SocketConnection>> connections_;
  absl::flat_hash_map<std::string, size_t> inbound_per_peer_;
  size_t inbound_open_ = 0;
  std::vector<absl::AnyInvocable<void()>> all_closed_waiters_;

  uint64_t open_sockets_ = 0;
  uint64_t open_streams_ = 0;
  uint64_t accepted_ = 0;
  uint64_t rejected_ = 0;
  uint64_t connected_ = 0;
  uint64_t handshakes_failed_ = 0;
};

// DescribePeer: the PeerInfo of a socket address (IPv4-mapped IPv6 shown
// as IPv4; loopback = 127.0.0.0/8 or ::1).
PeerInfo DescribePeer(const struct sockaddr_storage& address);

}  // namespace lemonade::posix

#endif  // LEMONADE_POSIX_POSIX_NETWORK_H_
