#include "base/time.h"

#include "gtest/gtest.h"

namespace lemonade {
namespace {

// Arithmetic between times and durations is exact integer nanoseconds.
TEST(TimeTest, ArithmeticIsExact) {
  Time t = Time::FromUnixSeconds(1700000000);
  Time later = t + Duration::Milliseconds(1500);
  EXPECT_EQ((later - t).nanoseconds(), 1500000000);
  EXPECT_EQ(later.unix_seconds(), 1700000001);
  EXPECT_EQ((Duration::Minutes(2) / Duration::Seconds(1)), 120);
}

// Seconds round towards the past for times before the epoch.
TEST(TimeTest, UnixSecondsFloorsNegativeTimes) {
  EXPECT_EQ(Time::FromUnixNanos(-1).unix_seconds(), -1);
  EXPECT_EQ(Time::FromUnixNanos(-1000000000).unix_seconds(), -1);
  EXPECT_EQ(Time::FromUnixNanos(-1000000001).unix_seconds(), -2);
  EXPECT_EQ(Time::FromUnixNanos(999999999).unix_seconds(), 0);
}

}  // namespace
}  // namespace lemonade
