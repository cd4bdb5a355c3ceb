// PosixStream: the lemonade::Stream handed out by PosixNetwork (accepted or
// connected TCP, optionally upgraded to TLS).
//
// It is a handle: the socket itself belongs to the network, so destroying
// the stream right after Close() (what servers do) still flushes every
// queued byte and finishes the FIN exchange. Destroying a stream without
// Close() or Abort() closes it in order, as Close() would.
//
// Semantics, beyond env.h:
//  - Close(): queued bytes (and a TLS close_notify) are sent, then
//    shutdown(SHUT_WR); the socket is closed when the peer's FIN arrives or
//    after NetworkOptions::close_linger_timeout. If the peer does not take
//    the bytes within close_flush_timeout, the connection is reset.
//  - Abort(): SO_LINGER 0 and close: the peer sees a reset (ECONNRESET).
//  - After Close() or Abort() the handler receives no further calls, not
//    even a pending StartTls completion. Writes after that, or after the
//    connection broke, are dropped.
//  - OnStreamClosed(OK): the peer's FIN or TLS close_notify; a non-OK
//    status: reset (Unavailable), timeout (DeadlineExceeded), TLS failure.
//    The stream stays writable after the peer's FIN (TCP half-close).
//  - OnStreamWritable(): after Write()s, once all of them have been handed
//    to the kernel.
//  - SetHandler(nullptr) pauses delivery: bytes and the close event wait
//    (reading stops at NetworkOptions::read_buffer_max_bytes, so TCP flow
//    control slows the peer) until a handler is set again.
//  - StartTls(): per env.h, undelivered plaintext is discarded; bytes
//    arriving after the call are TLS records (plaintext injected by an
//    attacker makes the handshake fail). Writes issued after StartTls() are
//    held and sent encrypted once the handshake completes; writes issued
//    before it go out in plaintext first.
//
//   network->Listen({"127.0.0.1", 0}, [&](std::unique_ptr<Stream> s) {
//     s->SetHandler(&session);
//     s->Write("* OK ready\r\n");
//   });
#ifndef LEMONADE_POSIX_POSIX_STREAM_H_
#define LEMONADE_POSIX_POSIX_STREAM_H_

#include <cstdint>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "env/env.h"

namespace lemonade::posix {

class SocketConnection;

class PosixStream final : public Stream {
 public:
  // Attaches to `connection`, which outlives this handle unless the network
  // is destroyed first (then every call is a no-op).
  explicit PosixStream(SocketConnection* connection);
  PosixStream(const PosixStream&) = delete;
  PosixStream& operator=(const PosixStream&) = delete;
  ~PosixStream() override;

  void SetHandler(StreamHandler* handler) override;
  void Write(absl::string_view bytes) override;
  size_t PendingWriteBytes() const override;
  void Close() override;
  void Abort() override;
  void StartTls(TlsRole role, absl::AnyInvocable<void(absl::Status)> done) override;
  bool is_tls() const override;
  std::string peer_address() const override { return peer_address_; }
  bool peer_is_local() const override { return peer_is_local_; }
  uint64_t id() const override { return id_; }

  // Protocol and cipher once TLS is up ("TLSv1.3 TLS_AES_256_GCM_SHA384"),
  // for logs and the "using" clause of Received: headers; "" otherwise.
  std::string tls_description() const;

  // Bytes received (decrypted, with TLS) but not yet handed to a handler;
  // they wait for SetHandler(), and StartTls() discards them.
  size_t buffered_read_bytes() const;

 private:
  friend class SocketConnection;  // clears connection_ when the network dies

  SocketConnection* connection_;
  // Copied, so they stay valid after the network is gone.
  const uint64_t id_;
  const std::string peer_address_;
  const bool peer_is_local_;
};

}  // namespace lemonade::posix

#endif  // LEMONADE_POSIX_POSIX_STREAM_H_
