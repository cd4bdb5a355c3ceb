#include "env/env.h"

#include <cstring>

namespace lemonade {

TimerId Timers::Post(absl::AnyInvocable<void()> fn) {
  return ScheduleAt(clock().Now(), std::move(fn));
}

void Random::Fill(absl::Span<uint8_t> out) {
  size_t i = 0;
  while (i < out.size()) {
    uint64_t word = NextU64();
    size_t n = std::min<size_t>(8, out.size() - i);
    std::memcpy(out.data() + i, &word, n);
    i += n;
  }
}

uint64_t Random::Uniform(uint64_t bound) {
  // Lemire's rejection: unbiased, and the number of draws depends only on
  // the stream, so a seed still means one run.
  uint64_t threshold = (0 - bound) % bound;
  while (true) {
    uint64_t r = NextU64();
    if (r >= threshold) return r % bound;
  }
}

}  // namespace lemonade
