// MahimahiTrace: a packet-delivery schedule in the Mahimahi trace format,
// for trace-driven links.
//
// Format (Netravali et al., "Mahimahi: Accurate Record-and-Replay for
// HTTP", USENIX ATC 2015; mm-link): one unsigned integer per line, a
// millisecond offset at which the link may deliver one 1500-byte packet
// ("delivery opportunity"); repeated lines mean several packets in that
// millisecond; the schedule loops, each loop offset by the last timestamp.
// As in mm-link, an opportunity carries up to 1500 bytes: a larger packet
// spends several, small packets share one, and capacity unused while the
// queue is empty is lost.
//
// Parsing is pure (text in); reading the file is the caller's business.
//
//   absl::StatusOr<MahimahiTrace> t = MahimahiTrace::Parse("1\n");  // 12 Mbit/s
//   t->OpportunityTime(0);  // 1 ms after the link's epoch
#ifndef LEMONADE_NETSIM_MAHIMAHI_TRACE_H_
#define LEMONADE_NETSIM_MAHIMAHI_TRACE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"

namespace lemonade::netsim {

class MahimahiTrace {
 public:
  // Bytes one delivery opportunity carries (the traces' convention; see
  // netsim/traces/mahimahi/README).
  static constexpr int64_t kBytesPerOpportunity = 1500;

  // Parses the file text. Errors: empty trace, a non-integer line,
  // decreasing timestamps, or a last timestamp of 0 (no period).
  static absl::StatusOr<MahimahiTrace> Parse(absl::string_view text);

  // Number of opportunities per period (lines in the file).
  size_t size() const { return offsets_ms_.size(); }
  // The loop period: the last timestamp.
  Duration period() const { return Duration::Milliseconds(period_ms_); }
  // When opportunity `k` (counting across loops) occurs, relative to the
  // link's epoch.
  Duration OpportunityTime(uint64_t k) const;
  // The first opportunity at or after `t` (relative to the epoch).
  uint64_t FirstOpportunityAtOrAfter(Duration t) const;
  // Mean capacity over one period, in bits per second (integer).
  int64_t MeanBitsPerSecond() const;

 private:
  std::vector<uint32_t> offsets_ms_;
  int64_t period_ms_ = 0;
};

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_MAHIMAHI_TRACE_H_
