// TcpConnection: one end of the simulated reliable byte-stream transport.
//
// It behaves like TCP where it matters for mobile mail, following the RFCs
// it cites:
//  - three-way handshake (RFC 9293 §3.5): the connecting side is
//    established after 1 RTT; SYNs retransmit with exponential backoff
//    until `connect_timeout`;
//  - MSS segmentation (MSS = MTU - 40, the smaller of both ends' MSS
//    options), cumulative ACKs, delayed ACKs (every second segment or after
//    `delayed_ack_timeout`; immediately for out-of-order data, RFC 5681
//    §4.2), out-of-order reassembly;
//  - retransmission timer per RFC 6298 (SRTT/RTTVAR, RTO = SRTT +
//    max(G, 4 RTTVAR), min/max clamps, Karn's rule, exponential backoff,
//    go-back-N from SND.UNA after a timeout);
//  - congestion control NewReno (RFC 5681 slow start and congestion
//    avoidance with byte counting, fast retransmit on the third duplicate
//    ACK, RFC 6582 fast recovery with partial ACKs);
//  - flow control by the receive window (bytes the application has not
//    read count against it), zero-window probing;
//  - orderly close (FIN after all queued data), reset (RST), TIME-WAIT,
//    and abort after `user_timeout` without any ACK while data is
//    outstanding (RFC 9293 §3.8.3 / RFC 5482 "user timeout"): an outage
//    longer than that kills the connection, as on a real phone.
// Not modelled: SACK, timestamps, ECN, PMTU discovery, keepalives, urgent
// data, simultaneous open.
//
// Ownership: the Host owns connections and destroys them only from the
// loop, after OnConnectionFinished; the observer (the Stream) is not owned
// and detaches itself. All observer calls are made at the end of a loop
// callback (segment arrival or timer), never from inside Write/Close/Abort.
//
//   (Used through Host and SimStream; see world.h for the public API.)
#ifndef LEMONADE_NETSIM_TCP_CONNECTION_H_
#define LEMONADE_NETSIM_TCP_CONNECTION_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "netsim/byte_queue.h"
#include "netsim/event_loop.h"
#include "netsim/metrics.h"
#include "netsim/packet.h"
#include "netsim/trace.h"

namespace lemonade::netsim {

struct TcpOptions {
  // Initial window in segments; 0 means RFC 5681 §3.1's rule (3 segments
  // for a 1460-byte MSS). Linux uses 10 (RFC 6928).
  int initial_window_segments = 0;
  // RFC 6298 §2.1 initial RTO, §2.4 minimum, §2.5 maximum (>= 60 s).
  Duration rto_initial = Duration::Seconds(1);
  Duration rto_min = Duration::Seconds(1);
  Duration rto_max = Duration::Seconds(60);
  // Clock granularity G of RFC 6298 §2.
  Duration clock_granularity = Duration::Milliseconds(1);
  // Delayed ACKs (RFC 5681 §4.2: ACK at least every second full segment,
  // within 500 ms). 40 ms is Linux's minimum delayed-ACK timeout.
  bool delayed_acks = true;
  Duration delayed_ack_timeout = Duration::Milliseconds(40);
  // Socket buffers (Linux's default autotuning maxima are 4-6 MiB).
  int64_t receive_buffer_bytes = 4 << 20;
  int64_t send_buffer_bytes = 4 << 20;
  // Abort when data stays unacknowledged this long with no ACK at all
  // (RFC 1122 §4.2.3.5: R2 at least 100 seconds).
  Duration user_timeout = Duration::Seconds(100);
  // Give up connecting after this long (BSD's 75 s connection timer).
  Duration connect_timeout = Duration::Seconds(75);
  int dupack_threshold = 3;  // RFC 5681 §3.2
  // Nagle's algorithm (RFC 896). Off, as mail servers set TCP_NODELAY.
  bool nagle = false;
  // RFC 5681 §4.1: after an idle period longer than the RTO, restart from
  // the initial window (Linux: tcp_slow_start_after_idle = 1).
  bool slow_start_after_idle = true;
  // TIME-WAIT (2 MSL; Linux uses 60 s) and the orphaned FIN-WAIT-2
  // timeout (Linux tcp_fin_timeout).
  Duration time_wait = Duration::Seconds(60);
  Duration fin_wait2_timeout = Duration::Seconds(60);
};

class TcpConnection;

// What the connection needs from its host.
class TcpHost {
 public:
  virtual ~TcpHost() = default;
  virtual EventLoop& loop() = 0;
  virtual TraceRecorder& trace() = 0;
  // Sends a packet from this host (assigns the id, records, routes).
  virtual void Transmit(std::unique_ptr<Packet> packet) = 0;
  // Handshake done: the host hands the connection to its connect callback
  // or listener. Called at the end of a loop callback.
  virtual void OnConnectionEstablished(TcpConnection* connection) = 0;
  // The connection failed before being established.
  virtual void OnConnectFailed(TcpConnection* connection, absl::Status status) = 0;
  // The connection is over; the host destroys it later from the loop.
  virtual void OnConnectionFinished(TcpConnection* connection) = 0;
};

// Events for the stream layer. Calls come from the loop only.
class TcpObserver {
 public:
  virtual ~TcpObserver() = default;
  virtual void OnTcpReadable() = 0;
  // The peer's FIN arrived after all its data (read everything first).
  virtual void OnTcpPeerClosed() = 0;
  virtual void OnTcpBroken(absl::Status status) = 0;
  // PendingWriteBytes() dropped to zero.
  virtual void OnTcpWritable() = 0;
  // The connection is being destroyed; drop the pointer.
  virtual void OnTcpDetached() = 0;
};

class TcpConnection {
 public:
  struct Endpoint {
    uint32_t ip = 0;
    uint16_t port = 0;
  };
  enum class State {
    kSynSent,
    kSynReceived,
    kEstablished,
    kTimeWait,
    kClosed,
  };

  // `side` 0: the connecting end; 1: the accepting end.
  TcpConnection(TcpHost* host, const TcpOptions& options, uint64_t flow, uint8_t side,
                Endpoint local, Endpoint remote, int local_mss, uint64_t iss,
                FlowMetrics* metrics);
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;
  ~TcpConnection();

  // Active open: sends the SYN.
  void Connect();
  // Passive open from a received SYN: sends the SYN-ACK.
  void AcceptSyn(const Packet& syn);
  // A segment for this connection arrived (from the loop).
  void OnSegment(const Packet& packet);

  // Application side. None of these calls the observer.
  void Write(absl::string_view bytes);
  // Bytes written but not yet accepted into the send buffer.
  size_t PendingWriteBytes() const;
  // Orderly close: FIN after everything written. Further incoming data is
  // acknowledged and discarded.
  void Close();
  // Sends RST and finishes immediately; no further observer calls.
  void Abort();
  // Breaks the connection locally without sending anything (address
  // change): the observer gets OnTcpBroken(status) from the loop.
  void BreakLocally(absl::Status status);
  // Drops the connection silently (host crash): nothing is sent, no
  // observer call is made.
  void Vanish();
  // In-order bytes received and not yet read.
  absl::string_view readable() const { return recv_buf_.view(); }
  void Consume(size_t n);
  // Discards unread bytes (STARTTLS: no plaintext across the upgrade).
  void DiscardReadable() { Consume(recv_buf_.size()); }

  void set_observer(TcpObserver* observer) { observer_ = observer; }
  TcpObserver* observer() const { return observer_; }
  // Flushes observer notifications; hosts call this after running a
  // connection from the loop.
  void Notify();

  uint64_t flow() const { return flow_; }
  uint8_t side() const { return side_; }
  State state() const { return state_; }
  const Endpoint& local() const { return local_; }
  const Endpoint& remote() const { return remote_; }
  int mss() const { return mss_; }
  int64_t cwnd() const { return cwnd_; }
  int64_t ssthresh() const { return ssthresh_; }
  Duration srtt() const { return srtt_; }
  Duration rto() const { return rto_; }
  bool peer_closed() const { return peer_fin_received_; }
  bool finished() const { return state_ == State::kClosed; }
  FlowMetrics* metrics() const { return metrics_; }
  FlowDirectionMetrics& sent_metrics() const { return side_ == 0 ? metrics_->c2s : metrics_->s2c; }
  FlowDirectionMetrics& received_metrics() const {
    return side_ == 0 ? metrics_->s2c : metrics_->c2s;
  }

 private:
  struct SentRecord {
    uint64_t start;
    uint64_t end;
    Time sent;
  };

  uint64_t DataEnd() const { return send_buf_seq_ + send_buf_.size(); }
  uint64_t FlightSize() const { return snd_nxt_ - snd_una_; }
  uint32_t ReceiveWindow() const;
  std::unique_ptr<Packet> MakePacket(uint8_t flags, uint64_t seq);
  void SendSegment(uint64_t seq, size_t length, bool fin);
  void SendAck();
  void SendRst();
  void SendSyn();
  void TrySend();
  void ArmRetransmitTimer();
  void OnRetransmitTimer();
  void OnDelayedAckTimer();
  void ProcessAck(const Packet& p);
  // Returns true if an immediate ACK is due.
  bool ProcessData(const Packet& p, bool* acceptable);
  void SampleRtt(Duration rtt);
  void EnterEstablished();
  int64_t InitialWindow() const;
  void MaybeFinish();
  void Finish(absl::Status status, bool notify);
  void MaybeSendWindowUpdate();

  TcpHost* const host_;
  const TcpOptions options_;
  const uint64_t flow_;
  const uint8_t side_;
  Endpoint local_;
  Endpoint remote_;
  int mss_;
  FlowMetrics* const metrics_;
  TcpObserver* observer_ = nullptr;
  State state_;
  Time created_;

  // Send side (RFC 9293 names).
  const uint64_t iss_;
  uint64_t snd_una_;
  uint64_t snd_nxt_;
  uint64_t snd_max_;
  uint64_t snd_wnd_ = 0;
  uint64_t snd_wl1_ = 0;
  uint64_t snd_wl2_ = 0;
  ByteQueue send_buf_;
  uint64_t send_buf_seq_;  // sequence number of send_buf_'s first byte
  bool fin_queued_ = false;
  uint64_t fin_seq_ = 0;
  bool fin_acked_ = false;
  bool app_closed_ = false;
  bool closed_first_ = false;
  bool syn_retransmitted_ = false;

  // Congestion control.
  int64_t cwnd_;
  int64_t ssthresh_;
  int64_t bytes_acked_ca_ = 0;
  bool in_recovery_ = false;
  uint64_t recover_;
  int dupacks_ = 0;
  bool first_partial_ack_ = false;

  // RTT estimation (RFC 6298).
  bool has_rtt_ = false;
  Duration srtt_ = Duration::Zero();
  Duration rttvar_ = Duration::Zero();
  Duration rto_;
  uint64_t consecutive_timeouts_ = 0;
  uint64_t retransmit_high_;  // bytes below this may have been retransmitted
  std::deque<SentRecord> sent_records_;
  Time syn_sent_time_;
  Time last_data_sent_;
  Time last_progress_;  // last ACK arrival, or when data became outstanding

  // Receive side.
  uint64_t irs_ = 0;
  uint64_t rcv_nxt_ = 0;
  ByteQueue recv_buf_;
  absl::btree_map<uint64_t, std::string> out_of_order_;
  bool peer_fin_known_ = false;
  uint64_t peer_fin_seq_ = 0;
  bool peer_fin_received_ = false;
  int segments_unacked_ = 0;
  uint32_t last_advertised_window_ = 0;

  Alarm retransmit_alarm_;
  Alarm delayed_ack_alarm_;
  Alarm linger_alarm_;  // TIME-WAIT and orphaned FIN-WAIT-2

  // Pending observer notifications (flushed by Notify()).
  bool notify_readable_ = false;
  bool notify_peer_closed_ = false;
  bool notify_writable_ = false;
  bool notify_broken_ = false;
  bool peer_closed_notified_ = false;
  absl::Status broken_status_;
};

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_TCP_CONNECTION_H_
