// SocketConnection: one connected TCP socket and its optional TLS session;
// the state machine behind PosixStream. Internal to PosixNetwork.
//
// Ownership. PosixNetwork owns every SocketConnection (shared_ptr, so loop
// callbacks can hold a weak reference); the user holds a PosixStream handle.
// The two lifetimes are separate on purpose: a server typically calls
// Close() and destroys the stream at once, while the socket still has
// queued bytes to flush and a FIN handshake to finish. The connection lives
// until both the handle is gone and the socket is closed.
//
// Byte paths:
//   read:  recv -> [TLS: rbio -> SSL_read] -> handler (or `pending_in_`
//          while no handler is set, bounded by read_buffer_max_bytes)
//   write: Write() -> `out_` (plaintext) or `tls_plain_out_` (encrypted at
//          the next flush) -> send(); EPOLLOUT only while bytes remain.
// TLS uses memory BIOs, so every byte on the wire passes through recv/send
// here (MSG_NOSIGNAL, no SIGPIPE) and OpenSSL never sees the socket.
//
// Re-entrancy. Methods the user calls (Write, Close, Abort, StartTls,
// SetHandler, handle destruction) never call the handler: whatever they
// set in motion runs from a posted task or an I/O event. After Close() or
// Abort() the handler gets no further calls at all (including a pending
// StartTls completion).
//
//   // Inside PosixNetwork, on accept:
//   auto c = std::make_shared<SocketConnection>(this, fd, id, peer, true, "");
//   c->Start();
//   on_accept(std::make_unique<PosixStream>(c.get()));
#ifndef LEMONADE_POSIX_SOCKET_CONNECTION_H_
#define LEMONADE_POSIX_SOCKET_CONNECTION_H_

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "env/env.h"
#include "posix/event_loop.h"

namespace lemonade::posix {

class PosixNetwork;
class PosixStream;

// Who is at the other end of a socket.
struct PeerInfo {
  std::string ip;       // "127.0.0.1", "::1" (IPv4-mapped IPv6 shown as IPv4)
  uint16_t port = 0;
  std::string address;  // "127.0.0.1:5555" or "[::1]:5555"
  bool local = false;   // loopback
};

class SocketConnection final : public IoHandler,
                               public std::enable_shared_from_this<SocketConnection> {
 public:
  // Takes ownership of the connected, non-blocking `fd`. `tls_host` is the
  // name or address the user connected to (for SNI and certificate name
  // checks); empty for accepted sockets.
  SocketConnection(PosixNetwork* network, int fd, uint64_t id, PeerInfo peer, bool inbound,
                   std::string tls_host);
  SocketConnection(const SocketConnection&) = delete;
  SocketConnection& operator=(const SocketConnection&) = delete;
  ~SocketConnection();

  // Start: begins watching the socket. Called once, right after creation.
  void Start();

  // The Stream operations, forwarded by PosixStream.
  void SetHandler(StreamHandler* handler);
  void Write(absl::string_view bytes);
  size_t PendingWriteBytes() const;
  void Close();
  void Abort();
  void StartTls(TlsRole role, absl::AnyInvocable<void(absl::Status)> done);
  bool is_tls() const { return tls_established_; }
  // "TLSv1.3 TLS_AES_256_GCM_SHA384" once TLS is up, else "".
  const std::string& tls_description() const { return tls_description_; }
  const PeerInfo& peer() const { return peer_; }
  uint64_t id() const { return id_; }
  // Bytes received (after decryption) and not yet handed to a handler.
  size_t buffered_read_bytes() const { return pending_in_.size(); }

  // Handle bookkeeping. DetachHandle closes the stream (orderly) if the user
  // did not, so dropping a stream never loses queued output.
  void AttachHandle(PosixStream* handle);
  void DetachHandle();
  // The network is being destroyed: close the socket now, forget the handle
  // and every callback.
  void NetworkGone();

  bool socket_open() const { return fd_ >= 0; }
  bool has_handle() const { return handle_ != nullptr; }
  bool inbound() const { return inbound_; }
  bool user_closed() const { return user_closed_; }

  void OnIoReady(uint32_t events) override;

 private:
  bool OutPending() const { return out_offset_ < out_.size(); }
  bool ShouldRead() const;
  void UpdateInterest();

  void ReadFromSocket();
  void OnWireBytes(const char* data, size_t size);
  void OnWireEof();
  // The connection broke (reset, TLS failure, handshake failure).
  void Fail(absl::Status status);

  void Deliver(const char* data, size_t size);
  void ScheduleDelivery();
  void DeliverPending();
  void EmitClosed(absl::Status status);

  void ScheduleFlush();
  void Flush();
  // Sends from `out_` until it is empty or the socket is full.
  void SendToSocket();
  // Follow-ups once `out_` may have drained: the FIN of an orderly close,
  // or OnStreamWritable.
  void AfterSend();

  void DriveTls();
  void ReadTls();
  void EncryptPending();
  void DrainWbio();
  // Replaces an empty memory BIO whose buffer grew large, so an idle TLS
  // stream does not keep a 64 KiB buffer from its last burst.
  void TrimBios();
  void HandshakeFailed(absl::Status status);
  absl::Status HandshakeErrorStatus(int ssl_error);

  void ArmTimer(TimerId* timer, Duration delay, void (SocketConnection::*method)());
  void CancelTimer(TimerId* timer);
  void OnCloseTimeout();
  void OnLingerTimeout();
  void OnHandshakeTimeout();
  // Closes the socket; with `reset`, sends RST (SO_LINGER 0).
  void CloseSocket(bool reset);
  void MaybeRelease();
  void Post(void (SocketConnection::*method)());

  PosixNetwork* network_;
  EventLoop* loop_;
  int fd_;
  const uint64_t id_;
  const PeerInfo peer_;
  const bool inbound_;
  const std::string tls_host_;

  PosixStream* handle_ = nullptr;
  StreamHandler* handler_ = nullptr;

  uint32_t interest_ = 0;  // epoll events currently registered
  bool registered_ = false;

  // Read side.
  bool peer_eof_ = false;
  std::string pending_in_;                   // undelivered bytes
  std::optional<absl::Status> pending_close_;  // undelivered close event
  bool close_reported_ = false;
  bool delivery_scheduled_ = false;

  // Write side.
  std::string out_;  // bytes for the wire (plaintext or TLS records)
  size_t out_offset_ = 0;
  bool flush_scheduled_ = false;
  bool wrote_since_writable_ = false;

  // Close.
  bool user_closed_ = false;  // Close() or Abort() called
  bool closing_ = false;      // Close(): flush, then FIN
  bool fin_sent_ = false;
  TimerId close_timer_ = kNoTimer;

  // TLS.
  SSL* ssl_ = nullptr;
  bool handshaking_ = false;
  bool tls_established_ = false;
  bool tls_shutdown_sent_ = false;
  std::string tls_plain_out_;  // written by the user, not yet encrypted
  std::string tls_description_;
  absl::AnyInvocable<void(absl::Status)> handshake_done_;
  TimerId handshake_timer_ = kNoTimer;
};

}  // namespace lemonade::posix

#endif  // LEMONADE_POSIX_SOCKET_CONNECTION_H_
