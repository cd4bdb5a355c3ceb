#include "netsim/rng.h"

#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/check.h"

namespace lemonade::netsim {
namespace {

constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// Returns floor(log2(x)) for x > 0.
int FloorLog2(uint64_t x) { return 63 - __builtin_clzll(x); }

uint64_t Gcd(uint64_t a, uint64_t b) {
  while (b != 0) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

}  // namespace

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t SplitMix64(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  return Mix64(state);
}

uint64_t HashName(absl::string_view name) {
  // FNV-1a 64 (offset basis and prime from the FNV specification), then a
  // mixer so similar names give unrelated seeds.
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return Mix64(h);
}

Probability Probability::Ratio(uint64_t numerator, uint64_t denominator) {
  CHECK(denominator > 0) << "probability denominator must be positive";
  CHECK(numerator <= denominator) << "probability " << numerator << "/" << denominator << " > 1";
  // Reduced, so equal probabilities compare (and print) equal.
  uint64_t g = Gcd(numerator, denominator);
  if (g == 0) g = 1;
  return Probability(numerator / g, denominator / g);
}

std::string Probability::ToString() const { return absl::StrCat(num_, "/", den_); }

bool ParseProbability(absl::string_view text, Probability* out) {
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return false;
  size_t slash = text.find('/');
  if (slash != absl::string_view::npos) {
    uint64_t num = 0, den = 0;
    if (!absl::SimpleAtoi(text.substr(0, slash), &num) ||
        !absl::SimpleAtoi(text.substr(slash + 1), &den) || den == 0 || num > den) {
      return false;
    }
    *out = Probability::Ratio(num, den);
    return true;
  }
  uint64_t scale = 1;
  if (absl::ConsumeSuffix(&text, "%")) scale = 100;
  // A decimal "a.b" with up to 9 fractional digits, exactly.
  absl::string_view whole = text, frac;
  size_t dot = text.find('.');
  if (dot != absl::string_view::npos) {
    whole = text.substr(0, dot);
    frac = text.substr(dot + 1);
  }
  if (frac.size() > 9 || (whole.empty() && frac.empty())) return false;
  uint64_t w = 0, f = 0;
  if (!whole.empty() && !absl::SimpleAtoi(whole, &w)) return false;
  if (!frac.empty()) {
    for (char c : frac) {
      if (c < '0' || c > '9') return false;
    }
    if (!absl::SimpleAtoi(frac, &f)) return false;
  }
  uint64_t frac_den = 1;
  for (size_t i = 0; i < frac.size(); ++i) frac_den *= 10;
  if (w > 100) return false;
  uint64_t num = w * frac_den + f;
  uint64_t den = frac_den * scale;
  if (num > den) return false;
  *out = Probability::Ratio(num, den);
  return true;
}

Rng::Rng(uint64_t seed) : seed_(seed) {
  // The xoshiro authors' recommended seeding: four SplitMix64 outputs.
  uint64_t sm = seed;
  for (uint64_t& word : s_) word = SplitMix64(sm);
}

Rng Rng::Child(absl::string_view name) const {
  return Rng(Mix64(seed_ ^ HashName(name)) + 0x632be59bd9b4e019ULL);
}

uint64_t Rng::NextU64() {
  // xoshiro256** 1.0, https://prng.di.unimi.it/xoshiro256starstar.c
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

uint64_t Rng::UniformInRange(uint64_t lo, uint64_t hi) {
  CHECK(lo <= hi) << "UniformInRange(" << lo << ", " << hi << ")";
  if (lo == 0 && hi == std::numeric_limits<uint64_t>::max()) return NextU64();
  return lo + Uniform(hi - lo + 1);
}

bool Rng::Bernoulli(Probability p) {
  if (p.is_zero()) return false;
  if (p.is_one()) return true;
  return Uniform(p.denominator()) < p.numerator();
}

Duration Rng::UniformDuration(Duration lo, Duration hi) {
  CHECK(lo <= hi) << "UniformDuration: lo > hi";
  const uint64_t span = static_cast<uint64_t>(hi.nanoseconds() - lo.nanoseconds());
  return lo + Duration::Nanoseconds(static_cast<int64_t>(UniformInRange(0, span)));
}

namespace rng_internal {

uint64_t NegLnQ32(uint64_t x) {
  CHECK(x >= 1 && x <= (uint64_t{1} << 53)) << "NegLnQ32 domain";
  // log2(x) = e + log2(m), m = x / 2^e in [1, 2), by repeated squaring:
  // each squaring of m doubles log2(m); when m reaches 2 that bit of the
  // fraction is 1 (the classic digit-by-digit binary logarithm).
  const int e = FloorLog2(x);
  unsigned __int128 m = static_cast<unsigned __int128>(x) << (62 - e);  // Q62.
  const unsigned __int128 two = static_cast<unsigned __int128>(1) << 63;
  uint64_t frac = 0;
  for (int i = 0; i < 32; ++i) {
    m = (m * m) >> 62;
    frac <<= 1;
    if (m >= two) {
      frac |= 1;
      m >>= 1;
    }
  }
  // -log2(x / 2^53) = 53 - e - frac/2^32, in Q32.
  const uint64_t neg_log2_q32 = ((uint64_t{53} - static_cast<uint64_t>(e)) << 32) - frac;
  // ln 2 in Q62 (computed to 60 digits; floor).
  constexpr uint64_t kLn2Q62 = 3196577161300663914ULL;
  return static_cast<uint64_t>(
      (static_cast<unsigned __int128>(neg_log2_q32) * kLn2Q62) >> 62);
}

}  // namespace rng_internal

Duration Rng::Exponential(Duration mean) {
  CHECK(mean >= Duration::Zero()) << "Exponential: negative mean";
  // U in (0, 1] with 53 bits, so -ln U is finite (at most 53 ln 2).
  const uint64_t x = (NextU64() >> 11) + 1;
  const uint64_t neg_ln = rng_internal::NegLnQ32(x);
  const unsigned __int128 ns =
      (static_cast<unsigned __int128>(mean.nanoseconds()) * neg_ln) >> 32;
  const unsigned __int128 cap = std::numeric_limits<int64_t>::max();
  return Duration::Nanoseconds(static_cast<int64_t>(ns > cap ? cap : ns));
}

}  // namespace lemonade::netsim
