#include "netsim/mahimahi_trace.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace lemonade::netsim {

absl::StatusOr<MahimahiTrace> MahimahiTrace::Parse(absl::string_view text) {
  MahimahiTrace trace;
  size_t line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    uint32_t ms = 0;
    if (!absl::SimpleAtoi(line, &ms)) {
      return absl::InvalidArgumentError(
          absl::StrCat("mahimahi trace line ", line_number, ": not a millisecond count: ", line));
    }
    if (!trace.offsets_ms_.empty() && ms < trace.offsets_ms_.back()) {
      return absl::InvalidArgumentError(absl::StrCat("mahimahi trace line ", line_number,
                                                     ": timestamps must not decrease"));
    }
    trace.offsets_ms_.push_back(ms);
  }
  if (trace.offsets_ms_.empty()) return absl::InvalidArgumentError("mahimahi trace is empty");
  trace.period_ms_ = trace.offsets_ms_.back();
  if (trace.period_ms_ == 0) {
    return absl::InvalidArgumentError("mahimahi trace's last timestamp must be positive");
  }
  return trace;
}

Duration MahimahiTrace::OpportunityTime(uint64_t k) const {
  const uint64_t n = offsets_ms_.size();
  const int64_t loop = static_cast<int64_t>(k / n);
  return Duration::Milliseconds(loop * period_ms_ + offsets_ms_[k % n]);
}

uint64_t MahimahiTrace::FirstOpportunityAtOrAfter(Duration t) const {
  if (t < Duration::Zero()) t = Duration::Zero();
  const int64_t period_ns = period_ms_ * 1000000;
  // Offsets lie in [0, period]; an offset equal to the period coincides
  // with offset 0 of the next loop, which the search below handles by
  // looking into the next loop when nothing in this one is late enough.
  int64_t loop = t.nanoseconds() / period_ns;
  const int64_t within_ns = t.nanoseconds() - loop * period_ns;
  if (within_ns == 0 && loop > 0) {
    // The previous loop's last opportunities (offset == period) happen
    // exactly now and come first in index order.
    auto last = std::lower_bound(offsets_ms_.begin(), offsets_ms_.end(),
                                 static_cast<uint32_t>(period_ms_));
    return static_cast<uint64_t>(loop - 1) * offsets_ms_.size() +
           static_cast<uint64_t>(last - offsets_ms_.begin());
  }
  // First offset whose time (in ns) is >= within_ns.
  const uint32_t within_ms_ceil = static_cast<uint32_t>((within_ns + 999999) / 1000000);
  auto it = std::lower_bound(offsets_ms_.begin(), offsets_ms_.end(), within_ms_ceil);
  uint64_t index;
  if (it == offsets_ms_.end()) {
    ++loop;
    index = 0;
  } else {
    index = static_cast<uint64_t>(it - offsets_ms_.begin());
  }
  return static_cast<uint64_t>(loop) * offsets_ms_.size() + index;
}

int64_t MahimahiTrace::MeanBitsPerSecond() const {
  return static_cast<int64_t>(offsets_ms_.size()) * kBytesPerOpportunity * 8 * 1000 /
         period_ms_;
}

}  // namespace lemonade::netsim
