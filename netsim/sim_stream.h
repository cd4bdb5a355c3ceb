// SimStream: lemonade::Stream over a simulated TcpConnection, with a
// deterministic model of TLS.
//
// Stream contract (env.h), as implemented here:
//  - handler calls come only from the loop, never from inside Write,
//    Close, Abort, StartTls or SetHandler; data arriving before a handler
//    is set stays buffered (it counts against the TCP receive window, so a
//    stream nobody reads stalls its sender, as with a real socket);
//  - OnStreamClosed(OK) follows the last byte after the peer's orderly
//    close; OnStreamClosed(error) after a reset (Unavailable), a user
//    timeout (DeadlineExceeded) or an address change (Unavailable). After
//    Close() or Abort() the handler is never called again;
//  - destroying the stream without Close() closes it gracefully (queued
//    data is still sent), like closing a socket;
//  - PendingWriteBytes() counts wire bytes not yet accepted by the socket
//    send buffer (TcpOptions::send_buffer_bytes); OnStreamWritable fires
//    when it drops to zero.
//
// TLS model: the handshake is a sequence of flights of realistic sizes
// (TlsModel), really sent over the simulated connection, alternately by
// client and server, so it costs round trips and wire bytes under loss
// and latency: TLS 1.3 is ClientHello, the server's flight, the client's
// Finished (1 RTT before the client may send; RFC 8446 §2). Afterwards each
// Write becomes TLS records of at most 16 KiB plaintext with 22 bytes of
// overhead each (5-byte header, inner content type, 16-byte AEAD tag; RFC
// 8446 §5.2). The record framing is real (a peer that is not speaking TLS
// fails the handshake), the encryption is not. StartTls discards received
// bytes not yet delivered that the peer sent before its own StartTls (no
// plaintext injection across STARTTLS); its handshake bytes, if they are
// already here, are kept, as a real TLS library reads them from the
// socket. A
// handshake failure, or the connection breaking during the handshake, is
// reported to StartTls's `done` callback only (no OnStreamClosed follows;
// the stream is dead and its transport is reset).
#ifndef LEMONADE_NETSIM_SIM_STREAM_H_
#define LEMONADE_NETSIM_SIM_STREAM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "env/env.h"
#include "netsim/event_loop.h"
#include "netsim/metrics.h"
#include "netsim/rng.h"
#include "netsim/tcp_connection.h"
#include "netsim/trace.h"

namespace lemonade::netsim {

struct TlsModel {
  // Wire bytes of each handshake flight, alternating client, server,
  // client, ... Defaults: TLS 1.3 with a 517-byte ClientHello (Chrome's
  // padded size), a ~3 KB server flight (ServerHello, EncryptedExtensions,
  // an RSA-2048 leaf + intermediate certificate chain, CertificateVerify,
  // Finished), and the client's ChangeCipherSpec + Finished.
  std::vector<int> flight_bytes = {517, 3000, 64};
  // Per-record overhead: 5-byte header + 1 inner type + 16-byte tag.
  int record_overhead_bytes = 22;
  int max_record_plaintext = 16384;  // RFC 8446 §5.1

  // TLS 1.3 full handshake: 1 RTT.
  static TlsModel Tls13() { return TlsModel(); }
  // TLS 1.2 full handshake (RFC 5246 §7.3): 2 RTTs; ECDHE client key
  // exchange + CCS + Finished, then the server's CCS + Finished.
  static TlsModel Tls12() {
    TlsModel m;
    m.flight_bytes = {517, 3300, 126, 51};
    m.record_overhead_bytes = 29;  // AES-GCM: 8-byte explicit nonce + 16-byte tag
    return m;
  }
};

// What a stream needs from its world.
struct StreamContext {
  EventLoop* loop = nullptr;
  TraceRecorder* trace = nullptr;
  const TlsModel* tls = nullptr;
  // When set, delivered data is cut at random points (parser robustness).
  Rng* split_rng = nullptr;
  // Record delivered bytes in the trace (see WorldOptions::trace_payload).
  bool trace_payload = false;
};

class SimStream final : public Stream, public TcpObserver {
 public:
  SimStream(StreamContext context, TcpConnection* connection, uint64_t id,
            std::string peer_address, bool peer_is_local);
  SimStream(const SimStream&) = delete;
  SimStream& operator=(const SimStream&) = delete;
  ~SimStream() override;

  // Stream.
  void SetHandler(StreamHandler* handler) override;
  void Write(absl::string_view bytes) override;
  size_t PendingWriteBytes() const override;
  void Close() override;
  void Abort() override;
  void StartTls(TlsRole role, absl::AnyInvocable<void(absl::Status)> done) override;
  bool is_tls() const override { return tls_state_ == TlsState::kEstablished; }
  std::string peer_address() const override { return peer_address_; }
  bool peer_is_local() const override { return peer_is_local_; }
  uint64_t id() const override { return id_; }

  // The flow (connection) this stream belongs to, for metrics.
  uint64_t flow() const { return flow_; }
  // Whether the transport is gone (crash, finished and reaped).
  bool detached() const { return connection_ == nullptr; }

  // TcpObserver.
  void OnTcpReadable() override;
  void OnTcpPeerClosed() override;
  void OnTcpBroken(absl::Status status) override;
  void OnTcpWritable() override;
  void OnTcpDetached() override;

 private:
  enum class TlsState { kNone, kHandshaking, kEstablished, kFailed };

  void SchedulePump();
  void Pump();
  // Parses and handles complete records in tls_in_; false if the stream
  // must stop (closed, failed, or data waiting for a handler).
  bool PumpTlsRecords();
  void Deliver(absl::string_view bytes);
  void AdvanceHandshake();
  void SendFlight(size_t index);
  void FailTls(absl::Status status);
  void FinishTls(absl::Status status);
  std::string FrameRecords(uint8_t type, absl::string_view plaintext) const;
  void CountTurn();
  bool alive() const { return connection_ != nullptr && !closed_by_app_; }
  // Writes/consumes transport bytes, keeping the stream offsets.
  void WriteRaw(absl::string_view bytes);
  void ConsumeRaw(size_t n);

  StreamContext context_;
  TcpConnection* connection_;
  FlowMetrics* metrics_;
  const uint64_t id_;
  const uint64_t flow_;
  const uint8_t side_;
  const std::string peer_address_;
  const bool peer_is_local_;
  StreamHandler* handler_ = nullptr;
  TimerId pump_timer_ = kNoTimer;
  bool closed_by_app_ = false;
  bool peer_closed_ = false;
  bool broken_ = false;
  absl::Status broken_status_;
  bool close_delivered_ = false;
  // Bytes rescued from a connection that broke before a handler was set.
  std::string held_;
  // Transport bytes written and consumed so far (stream offsets).
  int64_t bytes_written_ = 0;
  int64_t bytes_consumed_ = 0;

  TlsState tls_state_ = TlsState::kNone;
  TlsRole tls_role_ = TlsRole::kClient;
  size_t next_flight_ = 0;
  absl::AnyInvocable<void(absl::Status)> tls_done_;
  std::string tls_in_;            // raw record bytes not yet parsed
  std::string tls_plain_queued_;  // written during the handshake
};

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_SIM_STREAM_H_
