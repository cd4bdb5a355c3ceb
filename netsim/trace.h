// Trace: the record of everything that happens in a run, with a stable hash,
// a text form for files, and event-by-event replay verification.
//
// Every component records what it does (connections, segments sent,
// dropped and delivered, stream payload, timers, faults, disk activity,
// annotations from the layers above) as a TraceEvent: a kind, a subject id
// and three integers, plus text for logs and annotations. The hash of a run
// folds every event's canonical encoding, so two runs have equal hashes iff
// (up to a 64-bit collision) they did the same things at the same times.
// Hashing is always on and cheap; keeping the events (for files, replay or
// pcap) is optional.
//
// Replay: parse a recorded trace, re-run the same scenario with the seed
// from its header, and hand the expected events to TraceRecorder::Expect;
// the first event that differs is reported with its index, time and both
// texts.
//
//   TraceRecorder trace(&loop);
//   trace.Record(TraceKind::kAnnotation, host, 0, 0, 0, "login done");
//   uint64_t h = trace.hash();
//
// File format (one event per line after a header; `#` lines are comments):
//   lemonade-netsim-trace 1
//   seed 42
//   <time_ns> <kind> <subject> <a> <b> <c> "<C-escaped text>"
//   ...
//   end <count> <hash as 16 hex digits>
#ifndef LEMONADE_NETSIM_TRACE_H_
#define LEMONADE_NETSIM_TRACE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "env/env.h"

namespace lemonade::netsim {

// What an event is about. The meaning of subject/a/b/c per kind is listed
// here and is part of the trace format (changing it changes hashes).
enum class TraceKind : uint16_t {
  kHostAdded = 1,         // subject host, a ipv4, text name
  kListen = 2,            // subject host, a port
  kConnect = 3,           // subject flow, a client host, b server ipv4, c server port
  kConnectFailed = 4,     // subject flow, a status code, text message
  kEstablished = 5,       // subject flow, a side (0 client, 1 server)
  kSegmentSent = 6,       // subject flow, a packet, b seq, c len | flags << 32 | side << 40
  kSegmentDropped = 7,    // subject flow, a packet, b link, c DropReason
  kSegmentDuplicated = 8, // subject flow, a packet, b link
  kSegmentDelivered = 9,  // subject flow, a packet, b host
  kRetransmitTimeout = 10,// subject flow, a side, b rto ns, c consecutive timeouts
  kFastRetransmit = 11,   // subject flow, a side, b seq
  kConnectionClosed = 12, // subject flow, a side, b status code, text message
  kStreamOpened = 13,     // subject stream, a flow, b side
  kStreamData = 14,       // subject stream, a bytes, b payload hash, text payload (optional)
  kStreamClosed = 15,     // subject stream, a status code, text message
  kTlsStart = 16,         // subject stream, a role (0 client, 1 server)
  kTlsDone = 17,          // subject stream, a status code
  kTimerFired = 18,       // subject host, a timer id
  kFault = 19,            // subject host, a FaultKind, b duration ns, text detail
  kRadioPromotion = 20,   // subject host, a promotion delay ns
  kNatExpired = 21,       // subject host, a flow
  kDiskSync = 22,         // subject host, a bytes made durable, text path
  kDiskCrash = 23,        // subject host, a unsynced bytes lost, b torn bytes kept
  kDiskAtomicWrite = 24,  // subject host, a bytes, text path
  kLog = 25,              // subject host, a LogLevel, text "component: message"
  kProtocol = 26,         // subject stream, text "who line"
  kAnnotation = 27,       // subject host, a value, text label
  kHostCrash = 28,        // subject host
  kHostRestart = 29,      // subject host
  kAddressChange = 30,    // subject host, a old ipv4, b new ipv4
};

// A short stable name ("seg_sent"); ParseTraceKind inverts it.
absl::string_view TraceKindName(TraceKind kind);
bool ParseTraceKind(absl::string_view name, TraceKind* kind);

struct TraceEvent {
  int64_t time_ns = 0;
  TraceKind kind = TraceKind::kAnnotation;
  uint64_t subject = 0;
  uint64_t a = 0;
  uint64_t b = 0;
  uint64_t c = 0;
  std::string text;

  bool operator==(const TraceEvent& o) const {
    return time_ns == o.time_ns && kind == o.kind && subject == o.subject && a == o.a &&
           b == o.b && c == o.c && text == o.text;
  }
  bool operator!=(const TraceEvent& o) const { return !(*this == o); }
};

// One line of the file format (no newline).
std::string FormatTraceEvent(const TraceEvent& event);
absl::StatusOr<TraceEvent> ParseTraceEvent(absl::string_view line);

// A stable 64-bit hash of bytes (xxHash64-style lanes, little-endian
// reads), identical on every machine. Used for payload in the trace.
uint64_t HashBytes(absl::string_view bytes);

// A parsed trace file.
struct RecordedTrace {
  absl::btree_map<std::string, std::string> header;  // e.g. "seed" -> "42"
  std::vector<TraceEvent> events;
  uint64_t hash = 0;  // as written in the file's end line
};

// The file text for `header` and `events`; the end line carries the hash
// of the events.
std::string SerializeTrace(const absl::btree_map<std::string, std::string>& header,
                           const std::vector<TraceEvent>& events);
// Parses SerializeTrace's output and checks the end line's count and hash.
absl::StatusOr<RecordedTrace> ParseTrace(absl::string_view text);

// The hash of a sequence of events, as TraceRecorder computes it.
uint64_t HashTraceEvents(const std::vector<TraceEvent>& events);

// Where a replay first differed from the recording.
struct TraceDivergence {
  uint64_t index = 0;                 // 0-based event index
  std::optional<TraceEvent> expected; // absent: the run produced extra events
  std::optional<TraceEvent> actual;   // absent: the run ended early
  std::string ToString() const;
};

// Records, hashes and (optionally) keeps and verifies events. Times come
// from `clock`.
class TraceRecorder {
 public:
  explicit TraceRecorder(const Clock* clock);

  // Keep every event in memory (for files, pcap, replay). Off by default:
  // hashing alone is enough for determinism checks.
  void set_keep_events(bool keep) { keep_ = keep; }
  bool keep_events() const { return keep_; }

  void Record(TraceKind kind, uint64_t subject, uint64_t a = 0, uint64_t b = 0,
              uint64_t c = 0, absl::string_view text = {});

  uint64_t hash() const;
  uint64_t count() const { return count_; }
  const std::vector<TraceEvent>& events() const { return events_; }

  // Verifies every following event against `expected`, in order.
  void Expect(std::vector<TraceEvent> expected);
  // The first divergence so far, if any.
  const std::optional<TraceDivergence>& divergence() const { return divergence_; }
  // OK if every expected event was seen and nothing diverged; otherwise
  // the divergence (including "ended early").
  absl::Status VerifyComplete() const;

 private:
  void Check(TraceEvent event);

  const Clock* clock_;
  bool keep_ = false;
  bool verifying_ = false;
  uint64_t hash_;
  uint64_t count_ = 0;
  std::vector<TraceEvent> events_;
  std::vector<TraceEvent> expected_;
  std::optional<TraceDivergence> divergence_;
};

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_TRACE_H_
