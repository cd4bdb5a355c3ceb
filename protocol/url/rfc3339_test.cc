#include "protocol/url/rfc3339.h"

#include "gtest/gtest.h"

namespace lemonade::url {
namespace {

// The examples of RFC 3339 §5.8, converted by hand to Unix seconds.
TEST(Rfc3339Test, ParsesTheRfcExamples) {
  EXPECT_EQ(ParseRfc3339DateTime("1985-04-12T23:20:50.52Z"), 482196050);
  EXPECT_EQ(ParseRfc3339DateTime("1996-12-19T16:39:57-08:00"), 851042397);
  // Leap seconds count as the next second: POSIX time has none.
  EXPECT_EQ(ParseRfc3339DateTime("1990-12-31T23:59:60Z"), 662688000);
  EXPECT_EQ(ParseRfc3339DateTime("1990-12-31T15:59:60-08:00"), 662688000);
  EXPECT_EQ(ParseRfc3339DateTime("1937-01-01T12:00:27.87+00:20"), -1041337173);
}

// Lower-case "t"/"z" (§5.6 NOTE) and the unknown-offset "-00:00" (§4.3).
TEST(Rfc3339Test, AcceptsLowerCaseSeparatorsAndUnknownOffset) {
  EXPECT_EQ(ParseRfc3339DateTime("2008-02-29t23:59:59z"), 1204329599);
  EXPECT_EQ(ParseRfc3339DateTime("2008-02-29T23:59:59-00:00"), 1204329599);
}

// Calendar checks: month lengths, leap years (including the 100/400 rules).
TEST(Rfc3339Test, ChecksTheCalendar) {
  EXPECT_TRUE(ParseRfc3339DateTime("2000-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339DateTime("1900-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339DateTime("2007-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339DateTime("2007-04-31T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339DateTime("2007-13-01T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339DateTime("2007-00-01T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339DateTime("2007-01-00T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339DateTime("2007-01-01T24:00:00Z"));
  EXPECT_FALSE(ParseRfc3339DateTime("2007-01-01T00:60:00Z"));
  EXPECT_FALSE(ParseRfc3339DateTime("2007-01-01T00:00:61Z"));
}

// Everything outside the grammar is refused, including white space.
TEST(Rfc3339Test, RefusesMalformedText) {
  EXPECT_FALSE(ParseRfc3339DateTime(""));
  EXPECT_FALSE(ParseRfc3339DateTime("2007-01-01"));
  EXPECT_FALSE(ParseRfc3339DateTime("2007-01-01T00:00:00"));      // no offset
  EXPECT_FALSE(ParseRfc3339DateTime("2007-01-01 00:00:00Z"));     // space
  EXPECT_FALSE(ParseRfc3339DateTime(" 2007-01-01T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339DateTime("2007-01-01T00:00:00Z "));
  EXPECT_FALSE(ParseRfc3339DateTime("2007-01-01T00:00:00.Z"));    // empty fraction
  EXPECT_FALSE(ParseRfc3339DateTime("2007-01-01T00:00:00+0100"));
  EXPECT_FALSE(ParseRfc3339DateTime("2007-01-01T00:00:00+24:00"));
  EXPECT_FALSE(ParseRfc3339DateTime("07-01-01T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339DateTime("0000-01-01T00:00:00+00:01"));  // below year 0
}

// Formatting is the inverse of parsing for whole seconds in range.
TEST(Rfc3339Test, FormatsCanonicallyAndRoundTrips) {
  EXPECT_EQ(FormatRfc3339DateTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339DateTime(1204329599), "2008-02-29T23:59:59Z");
  EXPECT_EQ(FormatRfc3339DateTime(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339DateTime(kRfc3339UnixSecondsMin), "0000-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339DateTime(kRfc3339UnixSecondsMax), "9999-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339DateTime(kRfc3339UnixSecondsMax + 1000), "9999-12-31T23:59:59Z");
  for (int64_t t : {int64_t{-62135596800}, int64_t{-1041337173}, int64_t{0},
                    int64_t{951782400}, int64_t{4102444800}, kRfc3339UnixSecondsMin,
                    kRfc3339UnixSecondsMax}) {
    EXPECT_EQ(ParseRfc3339DateTime(FormatRfc3339DateTime(t)), t) << t;
  }
}

// DaysFromCivil agrees with known dates on both sides of the epoch.
TEST(Rfc3339Test, DaysFromCivil) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(1, 1, 1), -719162);
}

}  // namespace
}  // namespace lemonade::url
