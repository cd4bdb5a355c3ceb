#include "netsim/sim_stream.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/check.h"

namespace lemonade::netsim {
namespace {

// TLS record content types (RFC 8446 §5.1).
constexpr uint8_t kAlert = 0x15;
constexpr uint8_t kHandshake = 0x16;
constexpr uint8_t kApplicationData = 0x17;
constexpr size_t kRecordHeaderBytes = 5;
// Largest record body we accept: 2^14 plaintext + 256 (RFC 8446 §5.2).
constexpr size_t kMaxRecordBody = 16384 + 256;
// Cap per OnStreamData call, like a socket read buffer.
constexpr size_t kMaxDeliveryBytes = 64 * 1024;

}  // namespace

SimStream::SimStream(StreamContext context, TcpConnection* connection, uint64_t id,
                     std::string peer_address, bool peer_is_local)
    : context_(context),
      connection_(connection),
      metrics_(connection->metrics()),
      id_(id),
      flow_(connection->flow()),
      side_(connection->side()),
      peer_address_(std::move(peer_address)),
      peer_is_local_(peer_is_local) {
  connection_->set_observer(this);
  context_.trace->Record(TraceKind::kStreamOpened, id_, flow_, side_);
}

SimStream::~SimStream() {
  if (pump_timer_ != kNoTimer) context_.loop->Cancel(pump_timer_);
  if (connection_ != nullptr) {
    connection_->set_observer(nullptr);
    // Like closing a socket: queued data still goes out, then FIN.
    if (!closed_by_app_) connection_->Close();
    connection_ = nullptr;
  }
}

void SimStream::SetHandler(StreamHandler* handler) {
  handler_ = handler;
  if (handler_ != nullptr) SchedulePump();
}

void SimStream::SchedulePump() {
  if (pump_timer_ != kNoTimer || closed_by_app_) return;
  pump_timer_ = context_.loop->Post([this] {
    pump_timer_ = kNoTimer;
    Pump();
  });
}

void SimStream::WriteRaw(absl::string_view bytes) {
  bytes_written_ += static_cast<int64_t>(bytes.size());
  connection_->Write(bytes);
}

void SimStream::ConsumeRaw(size_t n) {
  bytes_consumed_ += static_cast<int64_t>(n);
  connection_->Consume(n);
}

void SimStream::CountTurn() {
  if (metrics_->last_writer_side == 0 && side_ == 1) ++metrics_->turns;
  metrics_->last_writer_side = side_;
}

void SimStream::Write(absl::string_view bytes) {
  if (!alive() || bytes.empty() || tls_state_ == TlsState::kFailed) return;
  CountTurn();
  switch (tls_state_) {
    case TlsState::kNone:
      WriteRaw(bytes);
      break;
    case TlsState::kHandshaking:
      tls_plain_queued_.append(bytes.data(), bytes.size());
      break;
    case TlsState::kEstablished:
      WriteRaw(FrameRecords(kApplicationData, bytes));
      break;
    case TlsState::kFailed:
      break;
  }
}

size_t SimStream::PendingWriteBytes() const {
  if (connection_ == nullptr) return 0;
  return connection_->PendingWriteBytes() + tls_plain_queued_.size();
}

void SimStream::Close() {
  if (closed_by_app_) return;
  if (connection_ != nullptr && tls_state_ == TlsState::kEstablished) {
    // close_notify (RFC 8446 §6.1) before the FIN.
    WriteRaw(FrameRecords(kAlert, absl::string_view("\x01\x00", 2)));
  }
  closed_by_app_ = true;
  if (pump_timer_ != kNoTimer) {
    context_.loop->Cancel(pump_timer_);
    pump_timer_ = kNoTimer;
  }
  if (connection_ != nullptr) connection_->Close();
}

void SimStream::Abort() {
  if (closed_by_app_) return;
  closed_by_app_ = true;
  if (pump_timer_ != kNoTimer) {
    context_.loop->Cancel(pump_timer_);
    pump_timer_ = kNoTimer;
  }
  if (connection_ != nullptr) connection_->Abort();
}

std::string SimStream::FrameRecords(uint8_t type, absl::string_view plaintext) const {
  const TlsModel& tls = *context_.tls;
  const size_t max_plain = static_cast<size_t>(tls.max_record_plaintext);
  const size_t trailer = static_cast<size_t>(tls.record_overhead_bytes) - kRecordHeaderBytes;
  std::string out;
  const size_t records = plaintext.empty() ? 1 : (plaintext.size() + max_plain - 1) / max_plain;
  out.reserve(plaintext.size() + records * (kRecordHeaderBytes + trailer));
  size_t offset = 0;
  do {
    const size_t n = std::min(max_plain, plaintext.size() - offset);
    const size_t body = n + trailer;
    out.push_back(static_cast<char>(type));
    out.push_back('\x03');
    out.push_back('\x03');
    out.push_back(static_cast<char>(body >> 8));
    out.push_back(static_cast<char>(body & 0xff));
    out.append(plaintext.data() + offset, n);
    // Inner content type, then the (modelled) tag.
    if (trailer > 0) {
      out.push_back(static_cast<char>(type));
      out.append(trailer - 1, '\0');
    }
    offset += n;
  } while (offset < plaintext.size());
  return out;
}

void SimStream::StartTls(TlsRole role, absl::AnyInvocable<void(absl::Status)> done) {
  if (!alive() || tls_state_ != TlsState::kNone) {
    absl::Status status = absl::FailedPreconditionError(
        tls_state_ != TlsState::kNone ? "TLS already started on this stream"
                                      : "stream is closed");
    context_.loop->Post([done = std::move(done), status]() mutable { done(status); });
    return;
  }
  tls_state_ = TlsState::kHandshaking;
  tls_role_ = role;
  tls_done_ = std::move(done);
  next_flight_ = 0;
  context_.trace->Record(TraceKind::kTlsStart, id_, role == TlsRole::kClient ? 0 : 1);
  // RFC 3207 §4.2 / RFC 3501 §6.2.1: nothing received in plaintext before
  // the handshake may be read after it. Drop what the peer sent before its
  // own TLS start (everything here, if it has not started yet).
  metrics_->tls_start_offset[side_] = bytes_written_;
  const int64_t peer_start = metrics_->tls_start_offset[1 - side_];
  const int64_t readable = static_cast<int64_t>(connection_->readable().size());
  const int64_t drop =
      peer_start < 0 ? readable : std::max<int64_t>(0, std::min(readable, peer_start - bytes_consumed_));
  ConsumeRaw(static_cast<size_t>(drop));
  held_.clear();
  AdvanceHandshake();
  // The handshake proceeds without a handler; make sure bytes already
  // received (the peer's first flight) are looked at.
  SchedulePump();
}

void SimStream::SendFlight(size_t index) {
  const int total = context_.tls->flight_bytes[index];
  CHECK(total >= static_cast<int>(kRecordHeaderBytes) + 2) << "TLS flight too small";
  std::string out;
  int remaining = total;
  while (remaining > 0) {
    int body = std::min(remaining - static_cast<int>(kRecordHeaderBytes),
                        context_.tls->max_record_plaintext);
    // Never leave a remainder too small to be a record.
    if (remaining - body - static_cast<int>(kRecordHeaderBytes) > 0 &&
        remaining - body - static_cast<int>(kRecordHeaderBytes) < static_cast<int>(kRecordHeaderBytes) + 2) {
      body -= static_cast<int>(kRecordHeaderBytes) + 2;
    }
    remaining -= body + static_cast<int>(kRecordHeaderBytes);
    out.push_back(static_cast<char>(kHandshake));
    out.push_back('\x03');
    out.push_back('\x03');
    out.push_back(static_cast<char>(body >> 8));
    out.push_back(static_cast<char>(body & 0xff));
    out.push_back(static_cast<char>(index));
    out.push_back(remaining == 0 ? '\x01' : '\x00');
    out.append(static_cast<size_t>(body - 2), '\x5a');
  }
  WriteRaw(out);
}

void SimStream::AdvanceHandshake() {
  const size_t flights = context_.tls->flight_bytes.size();
  const size_t mine = tls_role_ == TlsRole::kClient ? 0 : 1;
  while (next_flight_ < flights && next_flight_ % 2 == mine) {
    SendFlight(next_flight_);
    ++next_flight_;
  }
  if (next_flight_ == flights) FinishTls(absl::OkStatus());
}

void SimStream::FinishTls(absl::Status status) {
  const bool ok = status.ok();
  tls_state_ = ok ? TlsState::kEstablished : TlsState::kFailed;
  context_.trace->Record(TraceKind::kTlsDone, id_, static_cast<uint64_t>(status.code()), 0, 0,
                         status.message());
  if (ok && side_ == 0) {
    metrics_->tls = true;
    metrics_->tls_established = context_.loop->Now();
  }
  if (ok && !tls_plain_queued_.empty()) {
    std::string queued = std::move(tls_plain_queued_);
    tls_plain_queued_.clear();
    WriteRaw(FrameRecords(kApplicationData, queued));
  }
  if (!ok) {
    tls_plain_queued_.clear();
    closed_by_app_ = true;  // Dead: no handler calls follow.
    if (connection_ != nullptr) connection_->Abort();
  }
  // `done` may be called from inside StartTls's own stack only via the
  // loop: FinishTls runs from AdvanceHandshake, which StartTls calls only
  // for a client's first flight (never the last one), or from Pump.
  auto done = std::move(tls_done_);
  tls_done_ = nullptr;
  if (done) done(std::move(status));
}

void SimStream::FailTls(absl::Status status) { FinishTls(std::move(status)); }

void SimStream::OnTcpReadable() { Pump(); }

void SimStream::OnTcpPeerClosed() {
  peer_closed_ = true;
  Pump();
}

void SimStream::OnTcpBroken(absl::Status status) {
  broken_ = true;
  broken_status_ = std::move(status);
  // The connection will be destroyed: keep what was received but not read.
  if (connection_ != nullptr && tls_state_ == TlsState::kNone) {
    absl::string_view rest = connection_->readable();
    held_.append(rest.data(), rest.size());
    ConsumeRaw(rest.size());
  } else if (connection_ != nullptr) {
    absl::string_view rest = connection_->readable();
    tls_in_.append(rest.data(), rest.size());
    ConsumeRaw(rest.size());
  }
  Pump();
}

void SimStream::OnTcpWritable() {
  if (handler_ != nullptr && !closed_by_app_ && tls_state_ != TlsState::kFailed) {
    handler_->OnStreamWritable();
  }
}

void SimStream::OnTcpDetached() { connection_ = nullptr; }

void SimStream::Deliver(absl::string_view bytes) {
  FlowDirectionMetrics& received = side_ == 0 ? metrics_->s2c : metrics_->c2s;
  while (!bytes.empty() && !closed_by_app_ && handler_ != nullptr) {
    size_t n = std::min(bytes.size(), kMaxDeliveryBytes);
    if (context_.split_rng != nullptr && n > 1) {
      n = static_cast<size_t>(context_.split_rng->UniformInRange(1, n));
    }
    absl::string_view piece = bytes.substr(0, n);
    bytes.remove_prefix(n);
    received.payload_bytes += piece.size();
    context_.trace->Record(TraceKind::kStreamData, id_, piece.size(), HashBytes(piece), 0,
                           context_.trace_payload ? piece : absl::string_view());
    handler_->OnStreamData(piece);
  }
}

bool SimStream::PumpTlsRecords() {
  const size_t trailer =
      static_cast<size_t>(context_.tls->record_overhead_bytes) - kRecordHeaderBytes;
  while (tls_in_.size() >= kRecordHeaderBytes) {
    const uint8_t type = static_cast<uint8_t>(tls_in_[0]);
    const size_t body = (static_cast<size_t>(static_cast<uint8_t>(tls_in_[3])) << 8) |
                        static_cast<uint8_t>(tls_in_[4]);
    if ((type != kAlert && type != kHandshake && type != kApplicationData) ||
        tls_in_[1] != '\x03' || tls_in_[2] != '\x03' || body > kMaxRecordBody) {
      FailTls(absl::UnavailableError("TLS: malformed record (peer is not speaking TLS)"));
      return false;
    }
    if (tls_in_.size() < kRecordHeaderBytes + body) return true;  // Need more.
    if (tls_state_ == TlsState::kHandshaking) {
      const size_t flights = context_.tls->flight_bytes.size();
      const size_t theirs = tls_role_ == TlsRole::kClient ? 1 : 0;
      if (type != kHandshake || body < 2 || static_cast<uint8_t>(tls_in_[5]) != next_flight_ ||
          next_flight_ >= flights || next_flight_ % 2 != theirs) {
        FailTls(absl::UnavailableError(
            absl::StrCat("TLS: unexpected record during the handshake (type ", type, ")")));
        return false;
      }
      const bool last = tls_in_[6] == '\x01';
      tls_in_.erase(0, kRecordHeaderBytes + body);
      if (last) {
        ++next_flight_;
        AdvanceHandshake();
        if (!alive()) return false;
      }
      continue;
    }
    // Established.
    if (type == kApplicationData) {
      if (handler_ == nullptr) return false;  // Keep it for the handler.
      if (body < trailer) {
        FailTls(absl::UnavailableError("TLS: record shorter than its overhead"));
        return false;
      }
      std::string plain = tls_in_.substr(kRecordHeaderBytes, body - trailer);
      tls_in_.erase(0, kRecordHeaderBytes + body);
      Deliver(plain);
      if (!alive() && !broken_) return false;
      if (closed_by_app_) return false;
      continue;
    }
    // Alerts (close_notify) and post-handshake messages carry no data.
    tls_in_.erase(0, kRecordHeaderBytes + body);
  }
  return true;
}

void SimStream::Pump() {
  if (closed_by_app_ || tls_state_ == TlsState::kFailed) return;
  if (tls_state_ == TlsState::kNone) {
    if (handler_ == nullptr) return;
    if (!held_.empty()) {
      std::string held = std::move(held_);
      held_.clear();
      Deliver(held);
      if (closed_by_app_) return;
    }
    while (connection_ != nullptr && !connection_->readable().empty()) {
      absl::string_view view = connection_->readable();
      std::string chunk(view.substr(0, kMaxDeliveryBytes));
      ConsumeRaw(chunk.size());
      Deliver(chunk);
      if (closed_by_app_ || handler_ == nullptr) return;
    }
  } else {
    if (connection_ != nullptr && (tls_state_ == TlsState::kHandshaking || handler_ != nullptr)) {
      absl::string_view view = connection_->readable();
      tls_in_.append(view.data(), view.size());
      ConsumeRaw(view.size());
    }
    if (!PumpTlsRecords()) return;
    if (closed_by_app_ || tls_state_ == TlsState::kFailed) return;
    if (tls_state_ == TlsState::kHandshaking && (peer_closed_ || broken_)) {
      FailTls(broken_ ? broken_status_
                      : absl::UnavailableError("connection closed during the TLS handshake"));
      return;
    }
    if (handler_ == nullptr) return;
  }
  if (handler_ == nullptr || close_delivered_) return;
  if (broken_) {
    close_delivered_ = true;
    context_.trace->Record(TraceKind::kStreamClosed, id_,
                           static_cast<uint64_t>(broken_status_.code()), 0, 0,
                           broken_status_.message());
    handler_->OnStreamClosed(broken_status_);
  } else if (peer_closed_ && (connection_ == nullptr || connection_->readable().empty())) {
    close_delivered_ = true;
    context_.trace->Record(TraceKind::kStreamClosed, id_, 0);
    handler_->OnStreamClosed(absl::OkStatus());
  }
}

}  // namespace lemonade::netsim
