#include "posix/socket_connection.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "posix/posix_network.h"
#include "posix/posix_stream.h"
#include "posix/tls_context.h"

namespace lemonade::posix {
namespace {

// Reads per readiness event before yielding to other sockets.
constexpr int kReadsPerEvent = 4;
// Memory BIO buffers larger than this are replaced once empty.
constexpr size_t kBioKeepBytes = 4096;
// `out_` keeps at most this much capacity once drained.
constexpr size_t kOutKeepBytes = 4096;

absl::Status SocketError(absl::string_view what, int err) {
  std::string message = absl::StrCat(what, ": ", std::strerror(err));
  switch (err) {
    case ETIMEDOUT:
      return absl::DeadlineExceededError(message);
    default:
      return absl::UnavailableError(message);
  }
}

bool IsIpLiteral(const std::string& host) {
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

}  // namespace

SocketConnection::SocketConnection(PosixNetwork* network, int fd, uint64_t id, PeerInfo peer,
                                   bool inbound, std::string tls_host)
    : network_(network),
      loop_(network->loop()),
      fd_(fd),
      id_(id),
      peer_(std::move(peer)),
      inbound_(inbound),
      tls_host_(std::move(tls_host)) {}

SocketConnection::~SocketConnection() {
  CancelTimer(&close_timer_);
  CancelTimer(&handshake_timer_);
  if (fd_ >= 0) {
    if (registered_) loop_->Unwatch(fd_);
    close(fd_);
  }
  SSL_free(ssl_);
}

void SocketConnection::Start() { UpdateInterest(); }

// ---- Handle bookkeeping ----

void SocketConnection::AttachHandle(PosixStream* handle) {
  CHECK(handle_ == nullptr);
  handle_ = handle;
  network_->OnStreamCreated();
}

void SocketConnection::DetachHandle() {
  network_->OnStreamDestroyed();
  handle_ = nullptr;
  handler_ = nullptr;
  if (!user_closed_) {
    Close();  // also releases once the socket is done
  } else {
    MaybeRelease();
  }
}

void SocketConnection::NetworkGone() {
  if (handle_ != nullptr) handle_->connection_ = nullptr;
  handle_ = nullptr;
  handler_ = nullptr;
  user_closed_ = true;
  handshake_done_ = nullptr;
  CancelTimer(&close_timer_);
  CancelTimer(&handshake_timer_);
  if (fd_ >= 0) {
    if (registered_) loop_->Unwatch(fd_);
    registered_ = false;
    close(fd_);
    fd_ = -1;
  }
}

void SocketConnection::MaybeRelease() {
  if (fd_ < 0 && handle_ == nullptr) network_->ReleaseConnection(id_);
}

// ---- Interest ----

bool SocketConnection::ShouldRead() const {
  if (fd_ < 0 || peer_eof_) return false;
  // After Close()/Abort() we still read, to discard and to see the peer's FIN.
  if (user_closed_) return true;
  return pending_in_.size() < network_->options().read_buffer_max_bytes;
}

void SocketConnection::UpdateInterest() {
  if (fd_ < 0) return;
  uint32_t want = 0;
  if (ShouldRead()) want |= EPOLLIN;
  if (OutPending()) want |= EPOLLOUT;
  if (registered_ && want == interest_) return;
  if (want == 0) {
    // Unregister entirely: a level-triggered EPOLLHUP would otherwise spin
    // while reading is paused.
    if (registered_) loop_->Unwatch(fd_);
    registered_ = false;
    interest_ = 0;
    return;
  }
  absl::Status status =
      registered_ ? loop_->SetEvents(fd_, want) : loop_->Watch(fd_, want, this);
  CHECK(status.ok()) << status;
  registered_ = true;
  interest_ = want;
}

// ---- Events from the loop ----

void SocketConnection::OnIoReady(uint32_t events) {
  std::shared_ptr<SocketConnection> self = shared_from_this();
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) ReadFromSocket();
  if (fd_ >= 0 && (events & EPOLLERR)) {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) Fail(SocketError("socket error", err));
  }
  if (fd_ >= 0 && (events & (EPOLLOUT | EPOLLHUP)) && OutPending()) {
    SendToSocket();
    AfterSend();
  }
  UpdateInterest();
}

void SocketConnection::ReadFromSocket() {
  auto [buffer, capacity] = network_->read_buffer();
  for (int i = 0; i < kReadsPerEvent && ShouldRead(); ++i) {
    ssize_t n = recv(fd_, buffer, capacity, 0);
    if (n > 0) {
      OnWireBytes(buffer, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < capacity) break;  // drained for now
    } else if (n == 0) {
      OnWireEof();
      break;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      break;
    } else {
      Fail(SocketError("read", errno));
      break;
    }
  }
}

void SocketConnection::OnWireBytes(const char* data, size_t size) {
  if (user_closed_) return;  // draining after Close(): nobody listens
  if (ssl_ != nullptr) {
    BIO_write(SSL_get_rbio(ssl_), data, static_cast<int>(size));
    DriveTls();
    if (fd_ >= 0 && OutPending()) {
      SendToSocket();
      AfterSend();
    }
  } else {
    Deliver(data, size);
  }
}

void SocketConnection::OnWireEof() {
  peer_eof_ = true;
  if (user_closed_) {
    // Our FIN went out (or is about to): the conversation is over.
    if (fin_sent_) CloseSocket(/*reset=*/false);
    return;
  }
  if (handshaking_) {
    HandshakeFailed(absl::UnavailableError("peer closed the connection during the TLS handshake"));
    return;
  }
  // A TLS peer that closes TCP without close_notify is treated as an
  // orderly close: IMAP and SMTP frame their own ends, so truncation cannot
  // turn a partial command into a complete one.
  EmitClosed(absl::OkStatus());
}

void SocketConnection::Fail(absl::Status status) {
  if (fd_ < 0) return;
  if (handshaking_) {
    HandshakeFailed(std::move(status));
    return;
  }
  CloseSocket(/*reset=*/false);
  EmitClosed(std::move(status));
}

// ---- Delivery ----

void SocketConnection::Deliver(const char* data, size_t size) {
  if (handler_ != nullptr && pending_in_.empty() && !delivery_scheduled_) {
    handler_->OnStreamData(absl::string_view(data, size));
    return;
  }
  pending_in_.append(data, size);
  if (handler_ != nullptr) ScheduleDelivery();
}

void SocketConnection::ScheduleDelivery() {
  if (delivery_scheduled_) return;
  delivery_scheduled_ = true;
  Post(&SocketConnection::DeliverPending);
}

void SocketConnection::DeliverPending() {
  delivery_scheduled_ = false;
  if (user_closed_ || handler_ == nullptr) return;
  if (!pending_in_.empty()) {
    std::string data;
    data.swap(pending_in_);
    handler_->OnStreamData(data);
    UpdateInterest();  // reading may resume
  }
  if (pending_close_.has_value() && pending_in_.empty() && handler_ != nullptr &&
      !user_closed_) {
    absl::Status status = std::move(*pending_close_);
    pending_close_.reset();
    close_reported_ = true;
    handler_->OnStreamClosed(std::move(status));
  }
}

void SocketConnection::EmitClosed(absl::Status status) {
  if (close_reported_ || pending_close_.has_value()) return;
  if (user_closed_) {
    close_reported_ = true;
    return;
  }
  if (handler_ != nullptr && pending_in_.empty() && !delivery_scheduled_) {
    close_reported_ = true;
    handler_->OnStreamClosed(std::move(status));
    return;
  }
  pending_close_ = std::move(status);
  if (handler_ != nullptr) ScheduleDelivery();
}

void SocketConnection::SetHandler(StreamHandler* handler) {
  handler_ = handler;
  if (handler_ != nullptr && !user_closed_ &&
      (!pending_in_.empty() || pending_close_.has_value())) {
    ScheduleDelivery();
  }
}

// ---- Writing ----

void SocketConnection::Write(absl::string_view bytes) {
  if (user_closed_ || fd_ < 0 || bytes.empty()) return;
  wrote_since_writable_ = true;
  if (ssl_ != nullptr) {
    // Encrypted at the next flush: small writes of one loop iteration
    // share TLS records, and any TLS error surfaces from the loop.
    tls_plain_out_.append(bytes.data(), bytes.size());
  } else {
    out_.append(bytes.data(), bytes.size());
  }
  ScheduleFlush();
}

size_t SocketConnection::PendingWriteBytes() const {
  return out_.size() - out_offset_ + tls_plain_out_.size();
}

void SocketConnection::ScheduleFlush() {
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  Post(&SocketConnection::Flush);
}

void SocketConnection::Flush() {
  flush_scheduled_ = false;
  if (fd_ < 0) return;
  if (ssl_ != nullptr && !handshaking_) {
    EncryptPending();
    if (fd_ < 0) return;
    if (closing_ && !tls_shutdown_sent_) {
      // close_notify (RFC 8446 §6.1), queued behind the last data.
      ERR_clear_error();
      SSL_shutdown(ssl_);
      tls_shutdown_sent_ = true;
      DrainWbio();
    }
  }
  SendToSocket();
  AfterSend();
  UpdateInterest();
}

void SocketConnection::SendToSocket() {
  while (fd_ >= 0 && OutPending()) {
    ssize_t n = send(fd_, out_.data() + out_offset_, out_.size() - out_offset_, MSG_NOSIGNAL);
    if (n > 0) {
      out_offset_ += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      Fail(SocketError("write", n < 0 ? errno : EPIPE));
      return;
    }
  }
  if (!OutPending()) {
    out_offset_ = 0;
    if (out_.capacity() > kOutKeepBytes) {
      std::string().swap(out_);
    } else {
      out_.clear();
    }
  } else if (out_offset_ > (1u << 16) && out_offset_ > out_.size() / 2) {
    out_.erase(0, out_offset_);
    out_offset_ = 0;
  }
}

void SocketConnection::AfterSend() {
  if (fd_ < 0 || OutPending()) return;
  if (closing_) {
    if (fin_sent_ || handshaking_ || !tls_plain_out_.empty() ||
        (ssl_ != nullptr && !tls_shutdown_sent_)) {
      return;
    }
    // Everything is out: half-close, then wait (bounded) for the peer's
    // FIN so that closing never resets data the peer has yet to read.
    shutdown(fd_, SHUT_WR);
    fin_sent_ = true;
    if (peer_eof_) {
      CloseSocket(/*reset=*/false);
      return;
    }
    CancelTimer(&close_timer_);
    ArmTimer(&close_timer_, network_->options().close_linger_timeout,
             &SocketConnection::OnLingerTimeout);
    return;
  }
  if (wrote_since_writable_ && tls_plain_out_.empty() && !handshaking_ && !user_closed_ &&
      handler_ != nullptr) {
    wrote_since_writable_ = false;
    handler_->OnStreamWritable();
  }
}

// ---- Close ----

void SocketConnection::Close() {
  if (user_closed_) return;
  user_closed_ = true;
  closing_ = true;
  pending_in_.clear();
  pending_close_.reset();
  handshake_done_ = nullptr;
  if (fd_ < 0) {
    MaybeRelease();
    return;
  }
  if (handshaking_) {
    // Nothing can be sent securely; abandon TLS and just finish TCP.
    CancelTimer(&handshake_timer_);
    handshaking_ = false;
    tls_plain_out_.clear();
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  ArmTimer(&close_timer_, network_->options().close_flush_timeout,
           &SocketConnection::OnCloseTimeout);
  ScheduleFlush();
}

void SocketConnection::Abort() {
  // Also after Close(): a lingering close becomes a reset.
  user_closed_ = true;
  pending_in_.clear();
  pending_close_.reset();
  handshake_done_ = nullptr;
  if (fd_ >= 0) {
    CloseSocket(/*reset=*/true);
  } else {
    MaybeRelease();
  }
}

void SocketConnection::OnCloseTimeout() {
  close_timer_ = kNoTimer;
  // The peer would not take our bytes (or its FIN) in time.
  CloseSocket(/*reset=*/!fin_sent_);
}

void SocketConnection::OnLingerTimeout() {
  close_timer_ = kNoTimer;
  CloseSocket(/*reset=*/false);
}

void SocketConnection::CloseSocket(bool reset) {
  if (fd_ < 0) return;
  CancelTimer(&close_timer_);
  CancelTimer(&handshake_timer_);
  if (registered_) loop_->Unwatch(fd_);
  registered_ = false;
  interest_ = 0;
  if (reset) {
    struct linger linger = {1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger));
  }
  close(fd_);
  fd_ = -1;
  std::string().swap(out_);
  out_offset_ = 0;
  std::string().swap(tls_plain_out_);
  SSL_free(ssl_);
  ssl_ = nullptr;
  handshaking_ = false;
  network_->OnSocketClosed(this);
  MaybeRelease();
}

// ---- TLS ----

void SocketConnection::StartTls(TlsRole role, absl::AnyInvocable<void(absl::Status)> done) {
  if (user_closed_) return;
  auto post_done = [this](absl::AnyInvocable<void(absl::Status)> done, absl::Status status) {
    std::weak_ptr<SocketConnection> weak = weak_from_this();
    loop_->Post([weak, done = std::move(done), status = std::move(status)]() mutable {
      std::shared_ptr<SocketConnection> self = weak.lock();
      if (self != nullptr && !self->user_closed_) done(std::move(status));
    });
  };
  if (ssl_ != nullptr || tls_established_) {
    post_done(std::move(done), absl::FailedPreconditionError("TLS is already active"));
    return;
  }
  if (fd_ < 0 || peer_eof_) {
    post_done(std::move(done), absl::UnavailableError("the connection is closed"));
    return;
  }
  SSL_CTX* ctx = nullptr;
  if (role == TlsRole::kServer) {
    ctx = network_->tls().server();
    if (ctx == nullptr) {
      post_done(std::move(done),
                absl::FailedPreconditionError("no TLS certificate is configured"));
      return;
    }
  } else {
    absl::StatusOr<SSL_CTX*> client = network_->tls().client();
    if (!client.ok()) {
      post_done(std::move(done), client.status());
      return;
    }
    ctx = *client;
  }
  // RFC 3207 §4.2 / RFC 3501 §6.2.1: plaintext that arrived before the
  // handshake and was not delivered must not be taken as protected input.
  pending_in_.clear();
  ERR_clear_error();
  ssl_ = SSL_new(ctx);
  CHECK(ssl_ != nullptr) << TlsErrorString();
  SSL_set_bio(ssl_, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
  if (role == TlsRole::kServer) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
    if (!tls_host_.empty()) {
      if (IsIpLiteral(tls_host_)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), tls_host_.c_str());
      } else {
        SSL_set_tlsext_host_name(ssl_, tls_host_.c_str());
        SSL_set1_host(ssl_, tls_host_.c_str());
      }
    }
    if (peer_.local) TlsContext::MarkLoopbackPeer(ssl_);
  }
  handshaking_ = true;
  handshake_done_ = std::move(done);
  ArmTimer(&handshake_timer_, network_->tls().config().handshake_timeout,
           &SocketConnection::OnHandshakeTimeout);
  // The client speaks first; either way the work happens on the loop.
  Post(&SocketConnection::Flush);
  Post(&SocketConnection::DriveTls);
}

void SocketConnection::DriveTls() {
  if (ssl_ == nullptr || fd_ < 0) return;
  if (handshaking_) {
    ERR_clear_error();
    int result = SSL_do_handshake(ssl_);
    if (result != 1) {
      int error = SSL_get_error(ssl_, result);
      if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
        DrainWbio();
        if (OutPending()) ScheduleFlush();
        return;
      }
      HandshakeFailed(HandshakeErrorStatus(error));
      return;
    }
    handshaking_ = false;
    tls_established_ = true;
    tls_description_ =
        absl::StrCat(SSL_get_version(ssl_), " ", SSL_CIPHER_get_name(SSL_get_current_cipher(ssl_)));
    CancelTimer(&handshake_timer_);
    DrainWbio();
    // The done callback first: the session unblocks before any protected
    // data that arrived with the handshake's last flight is delivered.
    absl::AnyInvocable<void(absl::Status)> done = std::move(handshake_done_);
    handshake_done_ = nullptr;
    if (done && !user_closed_) done(absl::OkStatus());
    if (ssl_ == nullptr || fd_ < 0 || user_closed_) return;
    ScheduleFlush();
  }
  ReadTls();
}

void SocketConnection::ReadTls() {
  char buffer[16 * 1024];
  while (ssl_ != nullptr && fd_ >= 0 && !user_closed_) {
    ERR_clear_error();
    int n = SSL_read(ssl_, buffer, sizeof(buffer));
    if (n > 0) {
      Deliver(buffer, static_cast<size_t>(n));
      continue;
    }
    int error = SSL_get_error(ssl_, n);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) break;
    if (error == SSL_ERROR_ZERO_RETURN) {
      // close_notify: the peer finished sending.
      peer_eof_ = true;
      DrainWbio();
      EmitClosed(absl::OkStatus());
      return;
    }
    Fail(absl::UnavailableError(absl::StrCat("TLS error: ", TlsErrorString())));
    return;
  }
  DrainWbio();  // KeyUpdate responses, session tickets
  TrimBios();
}

void SocketConnection::EncryptPending() {
  while (!tls_plain_out_.empty() && ssl_ != nullptr) {
    const int chunk = static_cast<int>(std::min<size_t>(tls_plain_out_.size(), 1 << 20));
    ERR_clear_error();
    // With a memory BIO a write never blocks, so SSL_write takes it all.
    int n = SSL_write(ssl_, tls_plain_out_.data(), chunk);
    if (n <= 0) {
      Fail(absl::UnavailableError(absl::StrCat("TLS write failed: ", TlsErrorString())));
      return;
    }
    tls_plain_out_.erase(0, static_cast<size_t>(n));
  }
  if (tls_plain_out_.capacity() > kOutKeepBytes) std::string().swap(tls_plain_out_);
  DrainWbio();
  TrimBios();
}

void SocketConnection::DrainWbio() {
  if (ssl_ == nullptr) return;
  BIO* wbio = SSL_get_wbio(ssl_);
  const size_t pending = BIO_ctrl_pending(wbio);
  if (pending == 0) return;
  if (!OutPending()) {
    out_.clear();
    out_offset_ = 0;
  }
  const size_t old_size = out_.size();
  out_.resize(old_size + pending);
  const int n = BIO_read(wbio, out_.data() + old_size, static_cast<int>(pending));
  out_.resize(old_size + static_cast<size_t>(std::max(n, 0)));
}

void SocketConnection::TrimBios() {
  if (ssl_ == nullptr) return;
  BIO* rbio = SSL_get_rbio(ssl_);
  BUF_MEM* memory = nullptr;
  if (BIO_ctrl_pending(rbio) == 0 && BIO_get_mem_ptr(rbio, &memory) == 1 && memory != nullptr &&
      memory->max > kBioKeepBytes) {
    SSL_set0_rbio(ssl_, BIO_new(BIO_s_mem()));
  }
  BIO* wbio = SSL_get_wbio(ssl_);
  memory = nullptr;
  if (BIO_ctrl_pending(wbio) == 0 && BIO_get_mem_ptr(wbio, &memory) == 1 && memory != nullptr &&
      memory->max > kBioKeepBytes) {
    SSL_set0_wbio(ssl_, BIO_new(BIO_s_mem()));
  }
}

absl::Status SocketConnection::HandshakeErrorStatus(int ssl_error) {
  const long verify = SSL_get_verify_result(ssl_);
  if (verify != X509_V_OK) {
    ERR_clear_error();
    return absl::UnauthenticatedError(absl::StrCat(
        "TLS certificate verification failed: ", X509_verify_cert_error_string(verify)));
  }
  if (ssl_error == SSL_ERROR_SSL) {
    return absl::UnavailableError(absl::StrCat("TLS handshake failed: ", TlsErrorString()));
  }
  ERR_clear_error();
  return absl::UnavailableError(absl::StrCat("TLS handshake failed (error ", ssl_error, ")"));
}

void SocketConnection::HandshakeFailed(absl::Status status) {
  if (!handshaking_) return;
  handshaking_ = false;
  CancelTimer(&handshake_timer_);
  network_->OnHandshakeFailed(this, status);
  // Best effort, one try: let the peer see our alert before the socket
  // closes. Its failure changes nothing, so it is not reported.
  DrainWbio();
  if (OutPending()) {
    ssize_t sent = send(fd_, out_.data() + out_offset_, out_.size() - out_offset_,
                        MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)sent;
  }
  absl::AnyInvocable<void(absl::Status)> done = std::move(handshake_done_);
  handshake_done_ = nullptr;
  CloseSocket(/*reset=*/false);
  if (done && !user_closed_) done(status);
  EmitClosed(std::move(status));
}

void SocketConnection::OnHandshakeTimeout() {
  handshake_timer_ = kNoTimer;
  HandshakeFailed(absl::DeadlineExceededError("TLS handshake timed out"));
}

// ---- Loop plumbing ----

void SocketConnection::ArmTimer(TimerId* timer, Duration delay,
                                void (SocketConnection::*method)()) {
  CancelTimer(timer);
  std::weak_ptr<SocketConnection> weak = weak_from_this();
  *timer = loop_->ScheduleAfter(delay, [weak, method] {
    if (std::shared_ptr<SocketConnection> self = weak.lock()) ((*self).*method)();
  });
}

void SocketConnection::CancelTimer(TimerId* timer) {
  if (*timer != kNoTimer) loop_->Cancel(*timer);
  *timer = kNoTimer;
}

void SocketConnection::Post(void (SocketConnection::*method)()) {
  std::weak_ptr<SocketConnection> weak = weak_from_this();
  loop_->Post([weak, method] {
    if (std::shared_ptr<SocketConnection> self = weak.lock()) ((*self).*method)();
  });
}

}  // namespace lemonade::posix
