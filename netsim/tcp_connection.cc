#include "netsim/tcp_connection.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace lemonade::netsim {
namespace {

constexpr int64_t kHugeSsthresh = std::numeric_limits<int64_t>::max() / 4;

Duration Max(Duration a, Duration b) { return a > b ? a : b; }
Duration Min(Duration a, Duration b) { return a < b ? a : b; }
Time Min(Time a, Time b) { return a < b ? a : b; }
Duration Abs(Duration d) { return d < Duration::Zero() ? Duration::Zero() - d : d; }

}  // namespace

TcpConnection::TcpConnection(TcpHost* host, const TcpOptions& options, uint64_t flow,
                             uint8_t side, Endpoint local, Endpoint remote, int local_mss,
                             uint64_t iss, FlowMetrics* metrics)
    : host_(host),
      options_(options),
      flow_(flow),
      side_(side),
      local_(local),
      remote_(remote),
      mss_(local_mss),
      metrics_(metrics),
      state_(side == 0 ? State::kSynSent : State::kSynReceived),
      created_(host->loop().Now()),
      iss_(iss),
      snd_una_(iss),
      snd_nxt_(iss),
      snd_max_(iss),
      send_buf_seq_(iss + 1),
      cwnd_(0),
      ssthresh_(kHugeSsthresh),
      recover_(iss),
      rto_(options.rto_initial),
      retransmit_high_(iss),
      last_progress_(host->loop().Now()),
      retransmit_alarm_(&host->loop(), [this] { OnRetransmitTimer(); }),
      delayed_ack_alarm_(&host->loop(), [this] { OnDelayedAckTimer(); }),
      linger_alarm_(&host->loop(), [this] {
        Finish(absl::OkStatus(), /*notify=*/false);
      }) {
  CHECK(mss_ > 0) << "MSS must be positive";
}

TcpConnection::~TcpConnection() {
  if (observer_ != nullptr) {
    TcpObserver* o = observer_;
    observer_ = nullptr;
    o->OnTcpDetached();
  }
}

uint32_t TcpConnection::ReceiveWindow() const {
  const int64_t free_bytes =
      options_.receive_buffer_bytes - static_cast<int64_t>(recv_buf_.size());
  return static_cast<uint32_t>(std::max<int64_t>(0, free_bytes));
}

std::unique_ptr<Packet> TcpConnection::MakePacket(uint8_t flags, uint64_t seq) {
  auto p = std::make_unique<Packet>();
  p->flow = flow_;
  p->side = side_;
  p->src_ip = local_.ip;
  p->src_port = local_.port;
  p->dst_ip = remote_.ip;
  p->dst_port = remote_.port;
  p->seq = seq;
  p->flags = flags;
  if (flags & kAck) p->ack = rcv_nxt_;
  p->window = ReceiveWindow();
  return p;
}

void TcpConnection::SendSyn() {
  const uint8_t flags = side_ == 0 ? kSyn : (kSyn | kAck);
  auto p = MakePacket(flags, iss_);
  // The SYN's window is never scaled (RFC 7323 §2.2).
  p->window = std::min<uint32_t>(p->window, 65535);
  p->mss = static_cast<uint16_t>(mss_);
  // Enough shift for the whole receive buffer (RFC 7323 §2.3, at most 14).
  uint8_t shift = 0;
  while (shift < 14 && (options_.receive_buffer_bytes >> shift) > 65535) ++shift;
  p->window_shift = shift;
  p->retransmission = syn_retransmitted_;
  if (!syn_retransmitted_) syn_sent_time_ = host_->loop().Now();
  snd_nxt_ = std::max(snd_nxt_, iss_ + 1);
  snd_max_ = std::max(snd_max_, iss_ + 1);
  FlowDirectionMetrics& m = sent_metrics();
  m.packets++;
  m.wire_bytes += p->wire_bytes();
  if (p->retransmission) m.retransmitted_packets++;
  last_advertised_window_ = p->window;
  host_->Transmit(std::move(p));
}

void TcpConnection::SendSegment(uint64_t seq, size_t length, bool fin) {
  uint8_t flags = kAck;
  if (fin) flags |= kFin;
  if (length > 0 && seq + length == DataEnd()) flags |= kPsh;
  auto p = MakePacket(flags, seq);
  if (length > 0) {
    CHECK(seq >= send_buf_seq_) << "sending acknowledged data";
    absl::string_view bytes = send_buf_.View(seq - send_buf_seq_, length);
    CHECK(bytes.size() == length) << "sending beyond the send buffer";
    p->payload.assign(bytes.data(), bytes.size());
  }
  const uint64_t end = seq + length + (fin ? 1 : 0);
  p->retransmission = seq < snd_max_;
  FlowDirectionMetrics& m = sent_metrics();
  m.packets++;
  m.wire_bytes += p->wire_bytes();
  if (length > 0) m.data_packets++;
  if (p->retransmission) {
    m.retransmitted_packets++;
    m.retransmitted_bytes += length;
  }
  if (length > 0) last_data_sent_ = host_->loop().Now();
  if (end > snd_max_) {
    if (snd_una_ == snd_max_) last_progress_ = host_->loop().Now();
    // Only first transmissions are timed (Karn's rule).
    if (seq >= snd_max_ && length > 0) {
      sent_records_.push_back(SentRecord{seq, seq + length, host_->loop().Now()});
    }
    snd_max_ = end;
  }
  // The segment carries our ACK: no separate one is due.
  segments_unacked_ = 0;
  delayed_ack_alarm_.Cancel();
  last_advertised_window_ = p->window;
  host_->Transmit(std::move(p));
}

void TcpConnection::SendAck() {
  auto p = MakePacket(kAck, snd_nxt_);
  FlowDirectionMetrics& m = sent_metrics();
  m.packets++;
  m.wire_bytes += p->wire_bytes();
  segments_unacked_ = 0;
  delayed_ack_alarm_.Cancel();
  last_advertised_window_ = p->window;
  host_->Transmit(std::move(p));
}

void TcpConnection::SendRst() {
  auto p = MakePacket(kRst | kAck, snd_nxt_);
  p->window = 0;
  FlowDirectionMetrics& m = sent_metrics();
  m.packets++;
  m.wire_bytes += p->wire_bytes();
  host_->Transmit(std::move(p));
}

void TcpConnection::Connect() {
  CHECK(side_ == 0 && state_ == State::kSynSent) << "Connect on a passive connection";
  SendSyn();
  retransmit_alarm_.Set(Min(host_->loop().Now() + rto_, created_ + options_.connect_timeout));
}

void TcpConnection::AcceptSyn(const Packet& syn) {
  CHECK(side_ == 1 && state_ == State::kSynReceived) << "AcceptSyn on an active connection";
  irs_ = syn.seq;
  rcv_nxt_ = irs_ + 1;
  if (syn.mss > 0) mss_ = std::min<int>(mss_, syn.mss);
  snd_wnd_ = syn.window;
  snd_wl1_ = syn.seq;
  snd_wl2_ = 0;
  SendSyn();
  retransmit_alarm_.Set(Min(host_->loop().Now() + rto_, created_ + options_.connect_timeout));
}

int64_t TcpConnection::InitialWindow() const {
  int segments = options_.initial_window_segments;
  if (segments <= 0) {
    // RFC 5681 §3.1, equation (1).
    segments = mss_ > 2190 ? 2 : mss_ > 1095 ? 3 : 4;
  }
  return static_cast<int64_t>(segments) * mss_;
}

void TcpConnection::EnterEstablished() {
  state_ = State::kEstablished;
  cwnd_ = InitialWindow();
  ssthresh_ = kHugeSsthresh;
  consecutive_timeouts_ = 0;
  retransmit_alarm_.Cancel();
  if (syn_retransmitted_ && !has_rtt_) {
    // RFC 6298 §5.7: after a SYN timeout, start data with RTO = 3 s.
    rto_ = Max(Duration::Seconds(3), options_.rto_min);
  }
  if (side_ == 0) metrics_->established = host_->loop().Now();
  host_->trace().Record(TraceKind::kEstablished, flow_, side_);
}

void TcpConnection::SampleRtt(Duration rtt) {
  // RFC 6298 §2.2 and §2.3 with alpha = 1/8, beta = 1/4, K = 4.
  if (!has_rtt_) {
    srtt_ = rtt;
    rttvar_ = rtt / 2;
    has_rtt_ = true;
  } else {
    rttvar_ = (rttvar_ * 3 + Abs(srtt_ - rtt)) / 4;
    srtt_ = (srtt_ * 7 + rtt) / 8;
  }
  rto_ = srtt_ + Max(options_.clock_granularity, rttvar_ * 4);
  rto_ = Min(Max(rto_, options_.rto_min), options_.rto_max);
  sent_metrics().rtt_samples.push_back(rtt);
}

void TcpConnection::ArmRetransmitTimer() {
  Time deadline = host_->loop().Now() + rto_;
  if (state_ == State::kEstablished && snd_max_ > snd_una_) {
    // Never sleep past the user timeout (as Linux clamps the RTO to
    // TCP_USER_TIMEOUT), so an outage aborts exactly on time.
    deadline = Min(deadline, last_progress_ + options_.user_timeout);
  }
  retransmit_alarm_.Set(deadline);
}

void TcpConnection::OnSegment(const Packet& p) {
  if (state_ == State::kClosed) return;
  const Time now = host_->loop().Now();

  if (p.has(kRst)) {
    if (state_ == State::kSynSent) {
      if (p.has(kAck) && p.ack == iss_ + 1) {
        Finish(absl::UnavailableError("connection refused"), /*notify=*/false);
        host_->OnConnectFailed(this, absl::UnavailableError("connection refused"));
      }
      return;
    }
    // RFC 9293 §3.10.7.4 (with RFC 5961's stricter check relaxed to the
    // window): accept a reset whose sequence number is in the window.
    const uint64_t window = std::max<uint64_t>(ReceiveWindow(), 1);
    if (p.seq < rcv_nxt_ || p.seq >= rcv_nxt_ + window) return;
    if (state_ == State::kSynReceived || state_ == State::kTimeWait) {
      Finish(absl::OkStatus(), /*notify=*/false);
      return;
    }
    Finish(absl::UnavailableError("connection reset by peer"), /*notify=*/true);
    Notify();
    return;
  }

  bool newly_established = false;
  switch (state_) {
    case State::kSynSent: {
      if (!(p.has(kSyn) && p.has(kAck) && p.ack == iss_ + 1)) return;
      irs_ = p.seq;
      rcv_nxt_ = irs_ + 1;
      if (p.mss > 0) mss_ = std::min<int>(mss_, p.mss);
      snd_una_ = iss_ + 1;
      snd_wnd_ = p.window;
      snd_wl1_ = p.seq;
      snd_wl2_ = p.ack;
      if (!syn_retransmitted_) SampleRtt(now - syn_sent_time_);
      EnterEstablished();
      SendAck();
      host_->OnConnectionEstablished(this);
      Notify();
      return;
    }
    case State::kSynReceived: {
      if (p.has(kSyn) && !p.has(kAck)) {
        if (p.seq == irs_) SendSyn();  // Our SYN-ACK was lost.
        return;
      }
      if (!p.has(kAck) || p.ack != iss_ + 1) return;
      snd_una_ = iss_ + 1;
      if (!syn_retransmitted_) SampleRtt(now - syn_sent_time_);
      EnterEstablished();
      newly_established = true;
      break;  // Process the rest of the segment (window, data) below.
    }
    case State::kEstablished:
    case State::kTimeWait:
      break;
    case State::kClosed:
      return;
  }

  if (p.has(kSyn)) {
    // A retransmitted SYN-ACK: our handshake ACK was lost.
    SendAck();
    return;
  }
  if (p.has(kAck)) ProcessAck(p);
  if (state_ == State::kClosed) {
    Notify();
    return;
  }
  bool acceptable = false;
  const bool ack_now = ProcessData(p, &acceptable);
  if (state_ == State::kTimeWait) {
    if (p.has(kFin)) {
      SendAck();
      linger_alarm_.Set(now + options_.time_wait);
    }
    return;
  }
  const uint64_t packets_before = sent_metrics().packets;
  TrySend();
  const bool sent_something = sent_metrics().packets != packets_before;
  if (ack_now && !sent_something) {
    SendAck();
  } else if (segments_unacked_ > 0 && !delayed_ack_alarm_.is_set()) {
    delayed_ack_alarm_.Set(now + options_.delayed_ack_timeout);
  }
  MaybeFinish();
  if (newly_established) host_->OnConnectionEstablished(this);
  Notify();
}

void TcpConnection::ProcessAck(const Packet& p) {
  const Time now = host_->loop().Now();
  const uint64_t ack = p.ack;
  if (ack > snd_max_ || ack < snd_una_) return;  // Not for anything we sent / old.
  last_progress_ = now;  // The peer is alive.
  bool window_changed = false;
  // RFC 9293 §3.10.7.4: take the window only from segments newer than the
  // one it last came from, so reordered ACKs do not shrink it.
  if (p.seq > snd_wl1_ || (p.seq == snd_wl1_ && ack >= snd_wl2_)) {
    window_changed = snd_wnd_ != p.window;
    snd_wnd_ = p.window;
    snd_wl1_ = p.seq;
    snd_wl2_ = ack;
  }
  if (ack > snd_una_) {
    const uint64_t newly = ack - snd_una_;
    if (fin_queued_ && snd_max_ > fin_seq_ && ack == fin_seq_ + 1) fin_acked_ = true;
    const uint64_t data_acked_to = std::min(ack, DataEnd());
    if (data_acked_to > send_buf_seq_) {
      const size_t pending_before = PendingWriteBytes();
      send_buf_.Consume(data_acked_to - send_buf_seq_);
      send_buf_seq_ = data_acked_to;
      if (pending_before > 0 && PendingWriteBytes() == 0) notify_writable_ = true;
    }
    // RTT from the newest fully acknowledged, never retransmitted segment.
    const SentRecord* sample = nullptr;
    SentRecord last{};
    while (!sent_records_.empty() && sent_records_.front().end <= ack) {
      if (sent_records_.front().start >= retransmit_high_) {
        last = sent_records_.front();
        sample = &last;
      }
      sent_records_.pop_front();
    }
    if (sample != nullptr) SampleRtt(now - sample->sent);
    snd_una_ = ack;
    if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;
    consecutive_timeouts_ = 0;

    bool restart_timer = true;
    if (in_recovery_) {
      if (ack >= recover_) {
        // Full ACK: RFC 6582 §3.2 step 3, option (1).
        const int64_t flight = static_cast<int64_t>(snd_max_ - snd_una_);
        cwnd_ = std::min<int64_t>(ssthresh_, std::max<int64_t>(flight, mss_) + mss_);
        in_recovery_ = false;
        dupacks_ = 0;
      } else {
        // Partial ACK: retransmit the next hole, deflate by what was
        // acknowledged, add back one SMSS if at least that much was
        // (RFC 6582 §3.2 step 4). Only the first resets the timer.
        const size_t length =
            static_cast<size_t>(std::min<uint64_t>(mss_, DataEnd() > snd_una_ ? DataEnd() - snd_una_ : 0));
        const bool fin = fin_queued_ && snd_una_ + length == fin_seq_ && snd_max_ > fin_seq_;
        if (length > 0 || fin) {
          retransmit_high_ = std::max(retransmit_high_, snd_una_ + length);
          SendSegment(snd_una_, length, fin);
        }
        cwnd_ = std::max<int64_t>(cwnd_ - static_cast<int64_t>(newly), mss_);
        if (newly >= static_cast<uint64_t>(mss_)) cwnd_ += mss_;
        restart_timer = first_partial_ack_;
        first_partial_ack_ = false;
      }
    } else {
      dupacks_ = 0;
      if (cwnd_ < ssthresh_) {
        // Slow start, RFC 5681 equation (2).
        cwnd_ += std::min<int64_t>(static_cast<int64_t>(newly), mss_);
      } else {
        // Congestion avoidance with byte counting (RFC 5681 §3.1, RFC
        // 3465): one SMSS per cwnd of acknowledged data.
        bytes_acked_ca_ += static_cast<int64_t>(newly);
        if (bytes_acked_ca_ >= cwnd_) {
          bytes_acked_ca_ -= cwnd_;
          cwnd_ += mss_;
        }
      }
    }
    // RFC 6298 §5.2 and §5.3.
    if (snd_una_ == snd_max_) {
      retransmit_alarm_.Cancel();
    } else if (restart_timer) {
      ArmRetransmitTimer();
    }
    return;
  }
  // ack == snd_una_: a duplicate ACK per RFC 5681 §2 (no data, no SYN/FIN,
  // same window, data outstanding)? Zero-window probes do not count.
  if (!p.payload.empty() || p.has(kSyn) || p.has(kFin) || window_changed ||
      snd_max_ == snd_una_ || snd_wnd_ == 0) {
    return;
  }
  ++dupacks_;
  if (in_recovery_) {
    cwnd_ += mss_;  // RFC 6582 §3.2 step 3 (inflation).
    return;
  }
  if (dupacks_ == options_.dupack_threshold && ack > recover_) {
    // Fast retransmit (RFC 5681 §3.2 steps 2-4, RFC 6582 §3.2 step 2).
    const int64_t flight = static_cast<int64_t>(snd_max_ - snd_una_);
    ssthresh_ = std::max<int64_t>(flight / 2, 2 * static_cast<int64_t>(mss_));
    recover_ = snd_max_;
    in_recovery_ = true;
    first_partial_ack_ = true;
    sent_metrics().fast_retransmits++;
    host_->trace().Record(TraceKind::kFastRetransmit, flow_, side_, snd_una_);
    const size_t length =
        static_cast<size_t>(std::min<uint64_t>(mss_, DataEnd() > snd_una_ ? DataEnd() - snd_una_ : 0));
    const bool fin = fin_queued_ && snd_una_ + length == fin_seq_ && snd_max_ > fin_seq_;
    retransmit_high_ = std::max(retransmit_high_, snd_una_ + length);
    if (length > 0 || fin) SendSegment(snd_una_, length, fin);
    cwnd_ = ssthresh_ + 3 * static_cast<int64_t>(mss_);
  }
}

bool TcpConnection::ProcessData(const Packet& p, bool* acceptable) {
  *acceptable = false;
  bool fin = p.has(kFin);
  if (p.payload.empty() && !fin) return false;
  if (peer_fin_received_) return true;  // Retransmission of what we have: re-ACK.
  uint64_t seq = p.seq;
  absl::string_view data = p.payload;
  const uint64_t end = seq + data.size() + (fin ? 1 : 0);
  if (end <= rcv_nxt_) return true;  // Duplicate: ACK at once (RFC 5681 §4.2).
  if (seq < rcv_nxt_) {
    data.remove_prefix(static_cast<size_t>(rcv_nxt_ - seq));
    seq = rcv_nxt_;
  }
  const uint64_t right = rcv_nxt_ + ReceiveWindow();
  if (seq > right || (seq == right && !data.empty())) return true;  // Outside the window.
  if (seq + data.size() > right) {
    data = data.substr(0, static_cast<size_t>(right - seq));
    fin = false;
  }
  *acceptable = true;
  if (fin) {
    peer_fin_known_ = true;
    peer_fin_seq_ = seq + data.size();
  }
  if (seq != rcv_nxt_) {
    // Out of order: keep it (longest copy per start) and send a duplicate
    // ACK at once so the sender can fast-retransmit.
    if (!data.empty()) {
      std::string& slot = out_of_order_[seq];
      if (slot.size() < data.size()) slot.assign(data.data(), data.size());
    }
    return true;
  }
  const bool filled_hole = !out_of_order_.empty();
  uint64_t delivered = data.size();
  if (!app_closed_) recv_buf_.Append(data);
  rcv_nxt_ += data.size();
  while (!out_of_order_.empty()) {
    auto it = out_of_order_.begin();
    if (it->first > rcv_nxt_) break;
    const uint64_t piece_end = it->first + it->second.size();
    if (piece_end > rcv_nxt_) {
      absl::string_view rest = absl::string_view(it->second).substr(rcv_nxt_ - it->first);
      if (!app_closed_) recv_buf_.Append(rest);
      delivered += rest.size();
      rcv_nxt_ = piece_end;
    }
    out_of_order_.erase(it);
  }
  received_metrics().stream_bytes += delivered;
  if (delivered > 0 && !app_closed_) notify_readable_ = true;
  bool ack_now = filled_hole || !options_.delayed_acks;
  if (peer_fin_known_ && rcv_nxt_ == peer_fin_seq_) {
    rcv_nxt_ += 1;
    peer_fin_received_ = true;
    notify_peer_closed_ = true;
    out_of_order_.clear();
    ack_now = true;
  }
  ++segments_unacked_;
  if (segments_unacked_ >= 2) ack_now = true;
  return ack_now;
}

void TcpConnection::TrySend() {
  if (state_ != State::kEstablished) return;
  if (options_.slow_start_after_idle && snd_una_ == snd_max_ && DataEnd() > snd_nxt_ &&
      last_data_sent_ != Time() && host_->loop().Now() - last_data_sent_ > rto_) {
    // RFC 5681 §4.1 restart window: min(IW, cwnd).
    cwnd_ = std::min(cwnd_, InitialWindow());
  }
  while (true) {
    const uint64_t data_end = DataEnd();
    if (snd_nxt_ < data_end) {
      const int64_t flight = static_cast<int64_t>(snd_nxt_ - snd_una_);
      const int64_t window = std::min<int64_t>(cwnd_, static_cast<int64_t>(snd_wnd_));
      if (flight >= window) {
        // Zero window with nothing in flight: the persist timer (the
        // retransmission alarm) will probe (RFC 9293 §3.8.6.1).
        if (snd_wnd_ == 0 && snd_una_ == snd_max_ && !retransmit_alarm_.is_set()) {
          retransmit_alarm_.Set(host_->loop().Now() + rto_);
        }
        return;
      }
      const uint64_t remaining = data_end - snd_nxt_;
      const uint64_t length = std::min<uint64_t>(
          {static_cast<uint64_t>(mss_), remaining, static_cast<uint64_t>(window - flight)});
      // Sender silly-window avoidance (RFC 9293 §3.8.6.2.1): no runt
      // segments cut short by the window while data is in flight.
      if (length < static_cast<uint64_t>(mss_) && length < remaining && flight > 0) return;
      if (options_.nagle && length < static_cast<uint64_t>(mss_) && flight > 0) return;
      const bool fin = fin_queued_ && snd_nxt_ + length == fin_seq_;
      SendSegment(snd_nxt_, static_cast<size_t>(length), fin);
      snd_nxt_ += length + (fin ? 1 : 0);
      if (!retransmit_alarm_.is_set()) ArmRetransmitTimer();
    } else if (fin_queued_ && snd_nxt_ == fin_seq_) {
      SendSegment(fin_seq_, 0, true);
      snd_nxt_ = fin_seq_ + 1;
      if (!retransmit_alarm_.is_set()) ArmRetransmitTimer();
    } else {
      return;
    }
  }
}

void TcpConnection::OnRetransmitTimer() {
  const Time now = host_->loop().Now();
  switch (state_) {
    case State::kSynSent:
    case State::kSynReceived: {
      if (now >= created_ + options_.connect_timeout) {
        const absl::Status status = absl::DeadlineExceededError(absl::StrCat(
            "connect timed out after ", options_.connect_timeout.seconds(), " s"));
        const bool active = state_ == State::kSynSent;
        Finish(status, /*notify=*/false);
        if (active) host_->OnConnectFailed(this, status);
        return;
      }
      syn_retransmitted_ = true;
      rto_ = Min(rto_ * 2, options_.rto_max);
      SendSyn();
      retransmit_alarm_.Set(Min(now + rto_, created_ + options_.connect_timeout));
      return;
    }
    case State::kTimeWait:
    case State::kClosed:
      return;
    case State::kEstablished:
      break;
  }
  if (snd_una_ == snd_max_) {
    // Persist timer: probe a zero window with one byte beyond it.
    if (snd_wnd_ == 0 && DataEnd() > snd_nxt_) {
      SendSegment(snd_nxt_, 1, false);
      snd_nxt_ += 1;
      rto_ = Min(rto_ * 2, options_.rto_max);
      ArmRetransmitTimer();
    }
    return;
  }
  if (now >= last_progress_ + options_.user_timeout) {
    Finish(absl::DeadlineExceededError(absl::StrCat(
               "connection timed out: no acknowledgment for ",
               options_.user_timeout.seconds(), " s")),
           /*notify=*/true);
    Notify();
    return;
  }
  sent_metrics().timeouts++;
  ++consecutive_timeouts_;
  host_->trace().Record(TraceKind::kRetransmitTimeout, flow_, side_,
                        static_cast<uint64_t>(rto_.nanoseconds()), consecutive_timeouts_);
  const bool probing = snd_wnd_ == 0;
  if (!probing) {
    // RFC 5681 §3.1 equation (4), loss window of one segment; RFC 6582
    // §3.2 step 1 bars fast retransmit on the old data's duplicate ACKs.
    const int64_t flight = static_cast<int64_t>(snd_max_ - snd_una_);
    ssthresh_ = std::max<int64_t>(flight / 2, 2 * static_cast<int64_t>(mss_));
    cwnd_ = mss_;
    bytes_acked_ca_ = 0;
    in_recovery_ = false;
    dupacks_ = 0;
    recover_ = snd_max_;
  }
  retransmit_high_ = snd_max_;
  rto_ = Min(rto_ * 2, options_.rto_max);  // RFC 6298 §5.5 (back off).
  if (probing) {
    const uint64_t length = std::min<uint64_t>(std::max<uint64_t>(snd_max_ - snd_una_, 1),
                                               DataEnd() > snd_una_ ? DataEnd() - snd_una_ : 0);
    if (length > 0) SendSegment(snd_una_, static_cast<size_t>(length), false);
  } else {
    // Go back N: resend from the first unacknowledged byte (RFC 6298
    // §5.4), in slow start.
    snd_nxt_ = snd_una_;
    TrySend();
  }
  ArmRetransmitTimer();
  Notify();
}

void TcpConnection::OnDelayedAckTimer() {
  if (state_ != State::kEstablished || segments_unacked_ == 0) return;
  SendAck();
}

void TcpConnection::Write(absl::string_view bytes) {
  if (state_ != State::kEstablished || fin_queued_ || bytes.empty()) return;
  send_buf_.Append(bytes);
  TrySend();
}

size_t TcpConnection::PendingWriteBytes() const {
  // The socket send buffer holds unacknowledged and unsent bytes up to its
  // size; what lies beyond is still "queued locally" (env.h).
  const int64_t beyond = static_cast<int64_t>(send_buf_.size()) - options_.send_buffer_bytes;
  return beyond > 0 ? static_cast<size_t>(beyond) : 0;
}

void TcpConnection::Close() {
  if (state_ == State::kClosed || app_closed_) return;
  app_closed_ = true;
  closed_first_ = !peer_fin_received_;
  recv_buf_.Clear();
  if (state_ != State::kEstablished) {
    // Not connected yet (cannot happen through the Stream API) or already
    // in TIME-WAIT: nothing to flush.
    return;
  }
  fin_queued_ = true;
  fin_seq_ = DataEnd();
  TrySend();
  MaybeFinish();
}

void TcpConnection::Abort() {
  if (state_ == State::kClosed) return;
  app_closed_ = true;
  if (state_ == State::kEstablished || state_ == State::kSynReceived) SendRst();
  Finish(absl::AbortedError("aborted locally"), /*notify=*/false);
}

void TcpConnection::BreakLocally(absl::Status status) {
  if (state_ == State::kClosed) return;
  if (state_ == State::kSynSent) {
    Finish(status, /*notify=*/false);
    host_->OnConnectFailed(this, std::move(status));
    return;
  }
  Finish(std::move(status), /*notify=*/state_ == State::kEstablished);
}

void TcpConnection::Vanish() {
  state_ = State::kClosed;
  app_closed_ = true;
  retransmit_alarm_.Cancel();
  delayed_ack_alarm_.Cancel();
  linger_alarm_.Cancel();
  if (observer_ != nullptr) {
    TcpObserver* o = observer_;
    observer_ = nullptr;
    o->OnTcpDetached();
  }
}

void TcpConnection::Consume(size_t n) {
  recv_buf_.Consume(n);
  MaybeSendWindowUpdate();
}

void TcpConnection::MaybeSendWindowUpdate() {
  if (state_ != State::kEstablished || peer_fin_received_) return;
  // Receiver silly-window avoidance (RFC 9293 §3.8.6.2.2): announce a
  // reopened window only once it is worth a segment or half the buffer.
  const uint32_t threshold = static_cast<uint32_t>(
      std::min<int64_t>(options_.receive_buffer_bytes / 2, mss_));
  if (last_advertised_window_ < threshold && ReceiveWindow() >= threshold) SendAck();
}

void TcpConnection::MaybeFinish() {
  if (state_ != State::kEstablished) return;
  if (fin_acked_ && peer_fin_received_) {
    // The side that closed first (FIN-WAIT-1) goes through TIME-WAIT
    // (RFC 9293 §3.6), to re-acknowledge a retransmitted FIN.
    if (closed_first_) {
      state_ = State::kTimeWait;
      retransmit_alarm_.Cancel();
      delayed_ack_alarm_.Cancel();
      linger_alarm_.Set(host_->loop().Now() + options_.time_wait);
      if (metrics_->closed == Time()) metrics_->closed = host_->loop().Now();
      return;
    }
    Finish(absl::OkStatus(), /*notify=*/false);
    return;
  }
  if (fin_acked_ && app_closed_ && !peer_fin_received_ && !linger_alarm_.is_set()) {
    // Orphaned FIN-WAIT-2: the peer may never close.
    linger_alarm_.Set(host_->loop().Now() + options_.fin_wait2_timeout);
  }
}

void TcpConnection::Finish(absl::Status status, bool notify) {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  retransmit_alarm_.Cancel();
  delayed_ack_alarm_.Cancel();
  linger_alarm_.Cancel();
  host_->trace().Record(TraceKind::kConnectionClosed, flow_, side_,
                        static_cast<uint64_t>(status.code()), 0, status.message());
  if (metrics_->closed == Time()) {
    metrics_->closed = host_->loop().Now();
    metrics_->status = status;
  }
  if (notify) {
    notify_broken_ = true;
    broken_status_ = std::move(status);
  }
  host_->OnConnectionFinished(this);
}

void TcpConnection::Notify() {
  while (true) {
    TcpObserver* o = observer_;
    if (o == nullptr || app_closed_) {
      notify_readable_ = notify_peer_closed_ = notify_writable_ = notify_broken_ = false;
      return;
    }
    if (notify_readable_) {
      notify_readable_ = false;
      o->OnTcpReadable();
    } else if (notify_peer_closed_) {
      notify_peer_closed_ = false;
      if (!peer_closed_notified_) {
        peer_closed_notified_ = true;
        o->OnTcpPeerClosed();
      }
    } else if (notify_writable_) {
      notify_writable_ = false;
      o->OnTcpWritable();
    } else if (notify_broken_) {
      notify_broken_ = false;
      o->OnTcpBroken(broken_status_);
    } else {
      return;
    }
  }
}

}  // namespace lemonade::netsim
