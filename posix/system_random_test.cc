#include "posix/system_random.h"

#include <array>
#include <cstdint>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace lemonade::posix {
namespace {

// 1,000 draws of 64 bits never repeat (p of a collision ~ 2^-44).
TEST(SystemRandomTest, DrawsDoNotRepeat) {
  SystemRandom random;
  absl::flat_hash_set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(random.NextU64()).second);
}

// Two generators are independent streams, not copies of one seed.
TEST(SystemRandomTest, InstancesAreIndependent) {
  SystemRandom a, b;
  EXPECT_NE(a.NextU64(), b.NextU64());
}

// Uniform stays in range and reaches every value.
TEST(SystemRandomTest, UniformCoversTheRange) {
  SystemRandom random;
  std::array<int, 10> counts{};
  for (int i = 0; i < 2000; ++i) {
    uint64_t v = random.Uniform(10);
    ASSERT_LT(v, 10u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_GT(c, 0);
}

// Fill writes every byte, across the internal buffer's refill boundary.
TEST(SystemRandomTest, FillWritesEveryByte) {
  SystemRandom random;
  std::array<uint8_t, 1000> bytes{};
  random.Fill(absl::MakeSpan(bytes));
  std::array<int, 256> counts{};
  for (uint8_t b : bytes) ++counts[b];
  // 1000 uniform bytes: each value ~4 times; zero-filled would give 1000.
  for (int c : counts) EXPECT_LT(c, 30);
  std::array<uint8_t, 33> direct{};
  FillFromSystem(absl::MakeSpan(direct));
  int zeros = 0;
  for (uint8_t b : direct) zeros += b == 0;
  EXPECT_LT(zeros, 10);
}

}  // namespace
}  // namespace lemonade::posix
