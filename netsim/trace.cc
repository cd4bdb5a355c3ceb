#include "netsim/trace.h"

#include <cstring>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "netsim/rng.h"

namespace lemonade::netsim {
namespace {

struct KindName {
  TraceKind kind;
  const char* name;
};

constexpr KindName kKindNames[] = {
    {TraceKind::kHostAdded, "host"},
    {TraceKind::kListen, "listen"},
    {TraceKind::kConnect, "connect"},
    {TraceKind::kConnectFailed, "connect_failed"},
    {TraceKind::kEstablished, "established"},
    {TraceKind::kSegmentSent, "seg_sent"},
    {TraceKind::kSegmentDropped, "seg_drop"},
    {TraceKind::kSegmentDuplicated, "seg_dup"},
    {TraceKind::kSegmentDelivered, "seg_recv"},
    {TraceKind::kRetransmitTimeout, "rto"},
    {TraceKind::kFastRetransmit, "fast_rexmit"},
    {TraceKind::kConnectionClosed, "conn_closed"},
    {TraceKind::kStreamOpened, "stream_open"},
    {TraceKind::kStreamData, "stream_data"},
    {TraceKind::kStreamClosed, "stream_closed"},
    {TraceKind::kTlsStart, "tls_start"},
    {TraceKind::kTlsDone, "tls_done"},
    {TraceKind::kTimerFired, "timer"},
    {TraceKind::kFault, "fault"},
    {TraceKind::kRadioPromotion, "rrc_promotion"},
    {TraceKind::kNatExpired, "nat_expired"},
    {TraceKind::kDiskSync, "disk_sync"},
    {TraceKind::kDiskCrash, "disk_crash"},
    {TraceKind::kDiskAtomicWrite, "disk_atomic_write"},
    {TraceKind::kLog, "log"},
    {TraceKind::kProtocol, "protocol"},
    {TraceKind::kAnnotation, "note"},
    {TraceKind::kHostCrash, "host_crash"},
    {TraceKind::kHostRestart, "host_restart"},
    {TraceKind::kAddressChange, "address_change"},
};

constexpr uint64_t kHashSeed = 0x6c656d6f6e616465ULL;  // "lemonade"

inline uint64_t Fold(uint64_t h, uint64_t word) { return Mix64(h ^ Mix64(word + 0x9e3779b97f4a7c15ULL)); }

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

constexpr uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kP3 = 0x165667B19E3779F9ULL;

inline uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
inline uint64_t Round(uint64_t acc, uint64_t input) {
  acc += input * kP2;
  acc = Rotl(acc, 31);
  return acc * kP1;
}

uint64_t EventHash(uint64_t h, const TraceEvent& e) {
  h = Fold(h, static_cast<uint64_t>(e.time_ns));
  h = Fold(h, static_cast<uint64_t>(e.kind));
  h = Fold(h, e.subject);
  h = Fold(h, e.a);
  h = Fold(h, e.b);
  h = Fold(h, e.c);
  return Fold(h, e.text.empty() ? 0 : HashBytes(e.text));
}

}  // namespace

absl::string_view TraceKindName(TraceKind kind) {
  for (const KindName& k : kKindNames) {
    if (k.kind == kind) return k.name;
  }
  return "unknown";
}

bool ParseTraceKind(absl::string_view name, TraceKind* kind) {
  for (const KindName& k : kKindNames) {
    if (name == k.name) {
      *kind = k.kind;
      return true;
    }
  }
  return false;
}

uint64_t HashBytes(absl::string_view bytes) {
  // The xxHash64 structure (four lanes of 8-byte rounds, then a tail), with
  // a fixed seed; not bit-compatible with xxHash, just stable and fast.
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  uint64_t h;
  if (bytes.size() >= 32) {
    uint64_t v1 = kHashSeed + kP1 + kP2, v2 = kHashSeed + kP2, v3 = kHashSeed,
             v4 = kHashSeed - kP1;
    while (end - p >= 32) {
      v1 = Round(v1, Load64(p));
      v2 = Round(v2, Load64(p + 8));
      v3 = Round(v3, Load64(p + 16));
      v4 = Round(v4, Load64(p + 24));
      p += 32;
    }
    h = Rotl(v1, 1) + Rotl(v2, 7) + Rotl(v3, 12) + Rotl(v4, 18);
    h = Mix64(h ^ Mix64(v1)) ^ Mix64(v2 + v3 + v4);
  } else {
    h = kHashSeed + kP3;
  }
  h += bytes.size();
  while (end - p >= 8) {
    h = Rotl(h ^ Round(0, Load64(p)), 27) * kP1 + kP2;
    p += 8;
  }
  while (p < end) {
    h = Rotl(h ^ (static_cast<uint64_t>(static_cast<unsigned char>(*p)) * kP3), 11) * kP1;
    ++p;
  }
  return Mix64(h);
}

std::string FormatTraceEvent(const TraceEvent& e) {
  return absl::StrCat(e.time_ns, " ", TraceKindName(e.kind), " ", e.subject, " ", e.a, " ", e.b,
                      " ", e.c, " \"", absl::CEscape(e.text), "\"");
}

absl::StatusOr<TraceEvent> ParseTraceEvent(absl::string_view line) {
  // Six space-separated fields, then the quoted text (which may contain
  // spaces, but CEscape leaves no quote or newline unescaped).
  std::vector<absl::string_view> parts = absl::StrSplit(line, absl::MaxSplits(' ', 6));
  if (parts.size() != 7) {
    return absl::InvalidArgumentError(absl::StrCat("trace line has too few fields: ", line));
  }
  TraceEvent e;
  if (!absl::SimpleAtoi(parts[0], &e.time_ns) || !ParseTraceKind(parts[1], &e.kind) ||
      !absl::SimpleAtoi(parts[2], &e.subject) || !absl::SimpleAtoi(parts[3], &e.a) ||
      !absl::SimpleAtoi(parts[4], &e.b) || !absl::SimpleAtoi(parts[5], &e.c)) {
    return absl::InvalidArgumentError(absl::StrCat("malformed trace line: ", line));
  }
  absl::string_view text = parts[6];
  if (text.size() < 2 || text.front() != '"' || text.back() != '"') {
    return absl::InvalidArgumentError(absl::StrCat("trace text not quoted: ", line));
  }
  std::string error;
  if (!absl::CUnescape(text.substr(1, text.size() - 2), &e.text, &error)) {
    return absl::InvalidArgumentError(absl::StrCat("bad escape in trace text (", error, "): ", line));
  }
  return e;
}

uint64_t HashTraceEvents(const std::vector<TraceEvent>& events) {
  uint64_t h = kHashSeed;
  for (const TraceEvent& e : events) h = EventHash(h, e);
  return Mix64(h ^ events.size());
}

std::string SerializeTrace(const absl::btree_map<std::string, std::string>& header,
                           const std::vector<TraceEvent>& events) {
  std::string out = "lemonade-netsim-trace 1\n";
  for (const auto& [key, value] : header) {
    absl::StrAppend(&out, key, " ", absl::CEscape(value), "\n");
  }
  absl::StrAppend(&out, "events\n");
  for (const TraceEvent& e : events) {
    absl::StrAppend(&out, FormatTraceEvent(e), "\n");
  }
  absl::StrAppend(&out, "end ", events.size(), " ",
                  absl::StrFormat("%016x", HashTraceEvents(events)), "\n");
  return out;
}

absl::StatusOr<RecordedTrace> ParseTrace(absl::string_view text) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (lines.empty() || lines[0] != "lemonade-netsim-trace 1") {
    return absl::InvalidArgumentError("not a lemonade netsim trace (bad first line)");
  }
  RecordedTrace trace;
  size_t i = 1;
  for (; i < lines.size(); ++i) {
    absl::string_view line = lines[i];
    if (line.empty() || line[0] == '#') continue;
    if (line == "events") break;
    size_t space = line.find(' ');
    std::string value;
    std::string error;
    absl::string_view raw = space == absl::string_view::npos ? "" : line.substr(space + 1);
    if (!absl::CUnescape(raw, &value, &error)) {
      return absl::InvalidArgumentError(absl::StrCat("bad header line ", i + 1, ": ", error));
    }
    trace.header[std::string(line.substr(0, space))] = value;
  }
  if (i == lines.size()) return absl::InvalidArgumentError("trace has no 'events' line");
  bool ended = false;
  for (++i; i < lines.size(); ++i) {
    absl::string_view line = lines[i];
    if (line.empty() || line[0] == '#') continue;
    if (absl::ConsumePrefix(&line, "end ")) {
      std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
      uint64_t count = 0;
      if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &count) ||
          !absl::SimpleHexAtoi(parts[1], &trace.hash)) {
        return absl::InvalidArgumentError(absl::StrCat("malformed end line ", i + 1));
      }
      if (count != trace.events.size()) {
        return absl::DataLossError(absl::StrCat("trace is truncated: end line says ", count,
                                                " events, file has ", trace.events.size()));
      }
      if (trace.hash != HashTraceEvents(trace.events)) {
        return absl::DataLossError("trace hash does not match its events (file corrupted?)");
      }
      ended = true;
      break;
    }
    absl::StatusOr<TraceEvent> event = ParseTraceEvent(line);
    if (!event.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", i + 1, ": ", event.status().message()));
    }
    trace.events.push_back(*std::move(event));
  }
  if (!ended) return absl::DataLossError("trace has no end line (truncated?)");
  return trace;
}

std::string TraceDivergence::ToString() const {
  std::string out = absl::StrCat("trace diverged at event #", index, ": ");
  if (expected && actual) {
    absl::StrAppend(&out, "expected [", FormatTraceEvent(*expected), "] but got [",
                    FormatTraceEvent(*actual), "]");
  } else if (expected) {
    absl::StrAppend(&out, "run ended early; expected next [", FormatTraceEvent(*expected), "]");
  } else if (actual) {
    absl::StrAppend(&out, "run produced an extra event [", FormatTraceEvent(*actual), "]");
  }
  return out;
}

TraceRecorder::TraceRecorder(const Clock* clock) : clock_(clock), hash_(kHashSeed) {}

void TraceRecorder::Record(TraceKind kind, uint64_t subject, uint64_t a, uint64_t b, uint64_t c,
                           absl::string_view text) {
  const int64_t t = clock_->Now().unix_nanos();
  // Hash without building a TraceEvent (the hot path for segments).
  uint64_t h = hash_;
  h = Fold(h, static_cast<uint64_t>(t));
  h = Fold(h, static_cast<uint64_t>(kind));
  h = Fold(h, subject);
  h = Fold(h, a);
  h = Fold(h, b);
  h = Fold(h, c);
  hash_ = Fold(h, text.empty() ? 0 : HashBytes(text));
  ++count_;
  if (!keep_ && !verifying_) return;
  TraceEvent event{t, kind, subject, a, b, c, std::string(text)};
  if (verifying_) Check(event);
  if (keep_) events_.push_back(std::move(event));
}

uint64_t TraceRecorder::hash() const { return Mix64(hash_ ^ count_); }

void TraceRecorder::Expect(std::vector<TraceEvent> expected) {
  expected_ = std::move(expected);
  verifying_ = true;
}

void TraceRecorder::Check(TraceEvent event) {
  if (divergence_) return;
  const uint64_t index = count_ - 1;
  if (index >= expected_.size()) {
    divergence_ = TraceDivergence{index, std::nullopt, std::move(event)};
  } else if (expected_[index] != event) {
    divergence_ = TraceDivergence{index, expected_[index], std::move(event)};
  }
}

absl::Status TraceRecorder::VerifyComplete() const {
  if (divergence_) return absl::DataLossError(divergence_->ToString());
  if (verifying_ && count_ < expected_.size()) {
    TraceDivergence early{count_, expected_[count_], std::nullopt};
    return absl::DataLossError(early.ToString());
  }
  return absl::OkStatus();
}

}  // namespace lemonade::netsim
