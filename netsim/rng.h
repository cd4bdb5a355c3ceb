// Rng: the simulation's only source of randomness — xoshiro256** with our
// own integer distribution code, split into independent named streams.
//
// A seed must mean the same run on every machine, compiler and library
// version, so nothing here uses <random>, Abseil distributions or floating
// point: the generator is xoshiro256** (Blackman & Vigna, "Scrambled linear
// pseudorandom number generators", ACM TOMS 2021), seeded through
// SplitMix64 as its authors recommend, and every distribution is integer
// arithmetic (exponential samples use a fixed-point logarithm). Golden
// values in rng_test.cc freeze the streams.
//
// Streams are split by name, not by draw order: `root.Child("link/phone/up")`
// depends only on the root seed and the name, so adding a component (or a
// debug draw) never shifts another component's stream.
//
//   Rng root(42);
//   Rng loss = root.Child("link/phone/down");
//   if (loss.Bernoulli(Probability::Percent(1))) { /* drop */ }
//   Duration gap = loss.Exponential(Duration::Seconds(30));
#ifndef LEMONADE_NETSIM_RNG_H_
#define LEMONADE_NETSIM_RNG_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "base/time.h"
#include "env/env.h"

namespace lemonade::netsim {

// SplitMix64 (Steele, Lea & Flood, OOPSLA 2014): advances `state` and
// returns the next output. Used to expand seeds.
uint64_t SplitMix64(uint64_t& state);

// The SplitMix64 output function: a strong 64-bit bijective mixer.
uint64_t Mix64(uint64_t x);

// A stable 64-bit hash of a name (FNV-1a, then Mix64), for deriving child
// streams. Never changes between versions: that would change every run.
uint64_t HashName(absl::string_view name);

// An exact rational probability num/den (den > 0, num <= den). Integer, so a
// Bernoulli draw is the same on every machine.
//
//   Probability::Percent(30)           // 0.3
//   Probability::Ratio(1, 3)           // exactly one third
//   Probability::PerMillion(250)       // 0.00025
class Probability {
 public:
  constexpr Probability() = default;
  static constexpr Probability Zero() { return Probability(0, 1); }
  static constexpr Probability One() { return Probability(1, 1); }
  static Probability Ratio(uint64_t numerator, uint64_t denominator);
  static Probability Percent(uint64_t percent) { return Ratio(percent, 100); }
  static Probability PerMille(uint64_t per_mille) { return Ratio(per_mille, 1000); }
  static Probability PerMillion(uint64_t ppm) { return Ratio(ppm, 1000000); }

  constexpr uint64_t numerator() const { return num_; }
  constexpr uint64_t denominator() const { return den_; }
  constexpr bool is_zero() const { return num_ == 0; }
  constexpr bool is_one() const { return num_ == den_; }
  // For reports only (never feeds back into the simulation).
  double ToDouble() const { return static_cast<double>(num_) / static_cast<double>(den_); }
  // "num/den", parsed back by ParseProbability.
  std::string ToString() const;

  constexpr bool operator==(const Probability& o) const {
    return num_ == o.num_ && den_ == o.den_;
  }
  constexpr bool operator!=(const Probability& o) const { return !(*this == o); }

 private:
  constexpr Probability(uint64_t num, uint64_t den) : num_(num), den_(den) {}
  uint64_t num_ = 0;
  uint64_t den_ = 1;
};

// Parses "1/3", "30%", "0.25" (a decimal with up to 9 fractional digits,
// converted exactly) or "0". Returns false on malformed input.
bool ParseProbability(absl::string_view text, Probability* out);

// A seeded xoshiro256** stream. Copyable (a copy continues identically).
class Rng final : public Random {
 public:
  explicit Rng(uint64_t seed);

  // The seed this stream was created from (its identity, for messages).
  uint64_t seed() const { return seed_; }

  // A child stream named `name`, derived from this stream's seed only:
  // independent of how many numbers were drawn here. Names are paths,
  // e.g. "host/phone", "link/phone/up", "faults".
  Rng Child(absl::string_view name) const;

  uint64_t NextU64() override;
  // Uniform in [lo, hi], inclusive; lo <= hi.
  uint64_t UniformInRange(uint64_t lo, uint64_t hi);
  // True with probability p: one draw, exact (rejection-free for
  // power-of-two denominators, unbiased otherwise).
  bool Bernoulli(Probability p);
  // Uniform in [lo, hi] at nanosecond resolution.
  Duration UniformDuration(Duration lo, Duration hi);
  // Exponentially distributed with the given mean (>= 0), rounded down to
  // a nanosecond. Inverse transform with a fixed-point logarithm.
  Duration Exponential(Duration mean);

 private:
  uint64_t seed_;
  uint64_t s_[4];
};

namespace rng_internal {
// -ln(x / 2^53) for x in [1, 2^53], in unsigned Q32.32 fixed point.
// Exposed for tests.
uint64_t NegLnQ32(uint64_t x);
}  // namespace rng_internal

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_RNG_H_
