// Rng must give the same numbers on every machine and library version:
// golden values (computed by an independent Python implementation of the
// same algorithms) freeze the streams.
#include "netsim/rng.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace lemonade::netsim {
namespace {

TEST(RngTest, SplitMix64MatchesTheReferenceOutputs) {
  // The reference implementation's first outputs for state 0.
  uint64_t state = 0;
  EXPECT_EQ(SplitMix64(state), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(SplitMix64(state), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(SplitMix64(state), 0x06c45d188009454fULL);
}

TEST(RngTest, GoldenValuesForSeeds) {
  Rng r42(42);
  EXPECT_EQ(r42.NextU64(), 0x15780b2e0c2ec716ULL);
  EXPECT_EQ(r42.NextU64(), 0x6104d9866d113a7eULL);
  EXPECT_EQ(r42.NextU64(), 0xae17533239e499a1ULL);
  EXPECT_EQ(r42.NextU64(), 0xecb8ad4703b360a1ULL);
  Rng r0(0);
  EXPECT_EQ(r0.NextU64(), 0x99ec5f36cb75f2b4ULL);
  EXPECT_EQ(r0.NextU64(), 0xbf6e1f784956452aULL);
}

TEST(RngTest, ChildStreamsDependOnlyOnSeedAndName) {
  Rng root(42);
  EXPECT_EQ(root.Child("host/phone").NextU64(), 0xc6ff795e6e734247ULL);
  root.NextU64();
  root.NextU64();
  // Draws on the parent do not shift the child.
  EXPECT_EQ(root.Child("host/phone").NextU64(), 0xc6ff795e6e734247ULL);
  EXPECT_NE(root.Child("host/phone").NextU64(), root.Child("host/phone2").NextU64());
  EXPECT_NE(root.Child("a").Child("b").NextU64(), root.Child("b").Child("a").NextU64());
}

TEST(RngTest, CopiesContinueIdentically) {
  Rng a(5);
  a.NextU64();
  Rng b = a;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.NextU64(), b.NextU64());
}

TEST(RngTest, UniformInRangeStaysInRangeAndIsFlat) {
  SCOPED_TRACE("seed=1");
  Rng r(1);
  std::vector<int> counts(10);
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    uint64_t v = r.UniformInRange(10, 19);
    ASSERT_GE(v, 10u);
    ASSERT_LE(v, 19u);
    ++counts[v - 10];
  }
  // Each bucket expects 10000; binomial sd ~95, so 600 is > 6 sd.
  for (int c : counts) EXPECT_NEAR(c, n / 10, 600);
  EXPECT_EQ(r.UniformInRange(7, 7), 7u);
}

TEST(RngTest, BernoulliIsExactAtTheEndsAndCloseInBetween) {
  SCOPED_TRACE("seed=2");
  Rng r(2);
  int hits = 0;
  const int n = 300000;
  for (int i = 0; i < n; ++i) {
    EXPECT_FALSE(r.Bernoulli(Probability::Zero()));
    EXPECT_TRUE(r.Bernoulli(Probability::One()));
    hits += r.Bernoulli(Probability::Ratio(1, 3)) ? 1 : 0;
  }
  // Expect 100000, sd ~258; 1500 is > 5 sd.
  EXPECT_NEAR(hits, n / 3, 1500);
}

TEST(RngTest, FixedPointLogarithm) {
  // -ln(1/2^53) = 53 ln 2, -ln(1/2) = ln 2, -ln(1) = 0 (Q32.32).
  EXPECT_EQ(rng_internal::NegLnQ32(1), 157783357006ULL);
  EXPECT_EQ(rng_internal::NegLnQ32(uint64_t{1} << 52), 2977044471ULL);
  EXPECT_EQ(rng_internal::NegLnQ32(uint64_t{1} << 53), 0u);
}

TEST(RngTest, ExponentialGoldenValuesAndMean) {
  Rng r(7);
  const std::vector<int64_t> expected = {355851736, 1277435545, 174796983, 19083206, 9181744};
  for (int64_t ns : expected) EXPECT_EQ(r.Exponential(Duration::Seconds(1)).nanoseconds(), ns);
  SCOPED_TRACE("seeds 7 and 99");
  Rng m(99);
  int64_t sum = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) sum += m.Exponential(Duration::Milliseconds(1)).nanoseconds();
  // Mean 1 ms; the sample mean's sd is 1/sqrt(n) = 0.22%.
  EXPECT_NEAR(static_cast<double>(sum) / n, 1e6, 1e6 * 0.01);
}

TEST(RngTest, UniformDurationCoversTheInterval) {
  Rng r(3);
  for (int i = 0; i < 1000; ++i) {
    Duration d = r.UniformDuration(Duration::Milliseconds(5), Duration::Milliseconds(6));
    EXPECT_GE(d, Duration::Milliseconds(5));
    EXPECT_LE(d, Duration::Milliseconds(6));
  }
}

TEST(ProbabilityTest, ParsesFractionsPercentagesAndDecimalsExactly) {
  Probability p;
  ASSERT_TRUE(ParseProbability("1/3", &p));
  EXPECT_EQ(p, Probability::Ratio(1, 3));
  ASSERT_TRUE(ParseProbability("30%", &p));
  EXPECT_EQ(p, Probability::Ratio(3, 10));
  ASSERT_TRUE(ParseProbability("0.25", &p));
  EXPECT_EQ(p, Probability::Ratio(1, 4));
  ASSERT_TRUE(ParseProbability("0.5%", &p));
  EXPECT_EQ(p, Probability::Ratio(1, 200));
  ASSERT_TRUE(ParseProbability("1", &p));
  EXPECT_TRUE(p.is_one());
  EXPECT_EQ(Probability::Ratio(2, 4).ToString(), "1/2");
  EXPECT_FALSE(ParseProbability("", &p));
  EXPECT_FALSE(ParseProbability("4/3", &p));
  EXPECT_FALSE(ParseProbability("1/0", &p));
  EXPECT_FALSE(ParseProbability("120%", &p));
  EXPECT_FALSE(ParseProbability("0.x", &p));
}

}  // namespace
}  // namespace lemonade::netsim
