// TlsConfig and TlsContext: the OpenSSL 3 contexts behind STARTTLS and
// implicit-TLS streams.
//
// TlsConfig is what an operator configures: the server certificate and key
// (PEM files), and how this process checks the servers it connects to as a
// client (the submission server's BURL fetch from an IMAP server). TlsContext
// turns it into one server and one client SSL_CTX, both TLS 1.2 minimum with
// renegotiation off (RFC 7525), loaded once at start so a bad file is an
// error at startup rather than at the first STARTTLS.
//
//   TlsConfig tls;
//   tls.cert_file = "data/tls/cert.pem";
//   tls.key_file = "data/tls/key.pem";
//   tls.ca_file = tls.cert_file;  // BURL trusts our own self-signed cert
//   auto context = TlsContext::Create(tls);
//
// Client verification modes:
//  - verify_peer with ca_file: the chain must end at a CA in the file and
//    the name (or IP) we connected to must match the certificate.
//  - verify_peer with an empty ca_file: OpenSSL's default trust store.
//  - trust_self_signed_on_loopback: additionally accept a self-signed leaf
//    when the peer is a loopback address (our own IMAP server); every other
//    check (dates, name) still applies.
//  - !verify_peer: no checks at all (tests and experiments only).
#ifndef LEMONADE_POSIX_TLS_CONTEXT_H_
#define LEMONADE_POSIX_TLS_CONTEXT_H_

#include <openssl/types.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/time.h"

namespace lemonade::posix {

struct TlsConfig {
  // Server credentials: a PEM certificate chain (leaf first) and its PEM
  // private key. Both empty: no server-side TLS (StartTls(kServer) fails
  // with FailedPrecondition and implicit-TLS listeners are refused).
  std::string cert_file;
  std::string key_file;
  // Client side: verify the server's certificate chain and name.
  bool verify_peer = true;
  // PEM bundle of trusted CAs for client connections; empty means OpenSSL's
  // default trust store.
  std::string ca_file;
  // Accept a self-signed server certificate from a loopback peer.
  bool trust_self_signed_on_loopback = false;
  // Highest protocol version offered/accepted: 0 for the newest OpenSSL
  // supports (TLS 1.3), TLS1_2_VERSION (0x0303) to pin TLS 1.2 for interop
  // tests. The floor is always TLS 1.2.
  int max_version = 0;
  // A handshake that has not finished by then fails with DeadlineExceeded.
  Duration handshake_timeout = Duration::Seconds(30);
};

class TlsContext {
 public:
  static absl::StatusOr<std::unique_ptr<TlsContext>> Create(const TlsConfig& config);
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  ~TlsContext();

  // The server context, or null when no credentials were configured.
  SSL_CTX* server() const { return server_; }
  // The client context. Built on first use when it relies on the system
  // trust store: parsing that bundle costs tens of milliseconds, which a
  // server that never connects out should not pay at startup. A ca_file is
  // loaded by Create(), so a bad one is a startup error.
  absl::StatusOr<SSL_CTX*> client();
  const TlsConfig& config() const { return config_; }

  // Marks a client `ssl` as talking to a loopback peer, which lets the
  // verify callback accept a self-signed leaf if the config allows it.
  static void MarkLoopbackPeer(SSL* ssl);

 private:
  TlsContext(TlsConfig config, SSL_CTX* server, SSL_CTX* client)
      : config_(std::move(config)), server_(server), client_(client) {}
  static absl::StatusOr<SSL_CTX*> NewClientContext(const TlsConfig& config);

  TlsConfig config_;
  SSL_CTX* server_;
  SSL_CTX* client_;  // null until built
};

// TlsErrorString: OpenSSL's error queue as one line; empties the queue.
std::string TlsErrorString();

}  // namespace lemonade::posix

#endif  // LEMONADE_POSIX_TLS_CONTEXT_H_
