#include "protocol/imap/imap_date.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace lemonade::imap {
namespace {

// SEARCH dates (RFC 3501 §6.4.4 examples): days since 1970-01-01.
TEST(ImapDateTest, ParsesSearchDates) {
  EXPECT_EQ(ParseImapDate("1-Feb-1994"), 8797);
  EXPECT_EQ(ParseImapDate("01-feb-1994"), 8797);
  EXPECT_EQ(ParseImapDate("1-Jan-1970"), 0);
  EXPECT_EQ(ParseImapDate("31-Dec-1969"), -1);
  EXPECT_EQ(ParseImapDate("1-Jan-0001"), -719162);
  EXPECT_EQ(ParseImapDate("31-Dec-9999"), 2932896);
}

// Dates that do not exist, and malformed ones, are refused.
TEST(ImapDateTest, RefusesInvalidDates) {
  for (const char* text :
       {"30-Feb-2001", "29-Feb-2001", "29-Feb-1900", "0-Jan-2000", "32-Jan-2000", "31-Apr-2000",
        "1-Foo-2000", "1-Jan-99", "1-Jan-10000", "1-Jan-0000", "001-Jan-2000", "1-January-2000",
        "1 Jan 2000", "-Jan-2000", "1-Jan-", "", "x-Jan-2000", "1-Jan-20a0", "+1-Jan-2000"}) {
    EXPECT_FALSE(ParseImapDate(text).has_value()) << text;
  }
  EXPECT_TRUE(ParseImapDate("29-Feb-2000").has_value());
  EXPECT_TRUE(ParseImapDate("29-Feb-2004").has_value());
}

// date-time of INTERNALDATE and APPEND (RFC 3501 §8 and §6.3.11 examples),
// with the day fixed-width or space-padded.
TEST(ImapDateTest, ParsesDateTimes) {
  std::optional<ImapDateTime> t = ParseImapDateTime("17-Jul-1996 02:44:25 -0700");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->unix_seconds, 837596665);
  EXPECT_EQ(t->zone_offset_minutes, -420);
  t = ParseImapDateTime(" 7-Feb-1994 21:52:25 -0800");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->unix_seconds, 760686745);
  EXPECT_EQ(t->zone_offset_minutes, -480);
  t = ParseImapDateTime("01-Jan-1970 05:30:00 +0530");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->unix_seconds, 0);
  EXPECT_EQ(t->zone_offset_minutes, 330);
}

// Malformed date-times are refused: field widths, ranges and separators.
TEST(ImapDateTest, RefusesInvalidDateTimes) {
  for (const char* text :
       {"17-Jul-1996 02:44:25", "17-Jul-1996 02:44:25 0700", "17-Jul-1996 24:00:00 +0000",
        "17-Jul-1996 02:60:00 +0000", "17-Jul-1996 02:44:61 +0000", "17-Jul-1996 02:44:25 +0060",
        "7-Jul-1996 02:44:25 +0000", "17-Jul-1996 2:44:25 +0000", "31-Jun-1996 02:44:25 +0000",
        "17/Jul/1996 02:44:25 +0000", "17-Jul-1996T02:44:25 +0000", "17-Jul-1996 02:44:25 +00a0",
        ""}) {
    EXPECT_FALSE(ParseImapDateTime(text).has_value()) << text;
  }
}

// Formatting writes the INTERNALDATE form in the sender's zone; parsing it
// gives the same moment and zone back.
TEST(ImapDateTest, FormatRoundTrips) {
  EXPECT_EQ(FormatImapDateTime({837596665, -420}), "17-Jul-1996 02:44:25 -0700");
  EXPECT_EQ(FormatImapDateTime({0, 0}), "01-Jan-1970 00:00:00 +0000");
  EXPECT_EQ(FormatImapDateTime({-1, 0}), "31-Dec-1969 23:59:59 +0000");
  EXPECT_EQ(FormatImapDateTime({0, 330}), "01-Jan-1970 05:30:00 +0530");
  for (int64_t seconds : {int64_t{-62135596800}, int64_t{-1}, int64_t{0}, int64_t{951782400},
                          int64_t{1700000000}, int64_t{253402300799}}) {
    for (int32_t zone : {-720, -420, 0, 45, 330, 840}) {
      const ImapDateTime t{seconds, zone};
      if (seconds == -62135596800 && zone < 0) continue;  // before year 1 locally
      if (seconds == 253402300799 && zone > 0) continue;  // after year 9999 locally
      const std::string text = FormatImapDateTime(t);
      EXPECT_EQ(ParseImapDateTime(text), t) << text;
    }
  }
}

// A leap second (":60") is accepted and counts as the next minute.
TEST(ImapDateTest, LeapSecondIsTheNextMinute) {
  EXPECT_EQ(ParseImapDateTime("31-Dec-2016 23:59:60 +0000")->unix_seconds,
            ParseImapDateTime("01-Jan-2017 00:00:00 +0000")->unix_seconds);
}

// DaysFromCivil() and CivilFromDays() are inverses over the whole range of
// IMAP years.
TEST(ImapDateTest, CivilDayConversionsAreInverses) {
  for (int64_t days = -719162; days <= 2932896; days += 97) {
    int64_t year;
    int month, day;
    CivilFromDays(days, &year, &month, &day);
    ASSERT_TRUE(IsValidCivilDate(year, month, day)) << days;
    ASSERT_EQ(DaysFromCivil(year, month, day), days);
  }
}

// DayOf() takes the day in the date-time's own zone (RFC 3501 §6.4.4).
TEST(ImapDateTest, DayOfUsesTheOwnZone) {
  // 1996-07-17 23:30 -0700 is already the 18th in UTC, but the 17th here.
  const ImapDateTime late = *ParseImapDateTime("17-Jul-1996 23:30:00 -0700");
  EXPECT_EQ(DayOf(late), *ParseImapDate("17-Jul-1996"));
  const ImapDateTime early = *ParseImapDateTime("01-Jan-1970 00:30:00 +0100");
  EXPECT_EQ(DayOf(early), 0);
  EXPECT_EQ(DayOf({-1, 0}), -1);
}

// Month names in any case; MonthName() gives the canonical spelling.
TEST(ImapDateTest, MonthNames) {
  EXPECT_EQ(MonthFromName("jan"), 1);
  EXPECT_EQ(MonthFromName("DEC"), 12);
  EXPECT_EQ(MonthFromName("Sept"), 0);
  EXPECT_EQ(MonthFromName(""), 0);
  for (int m = 1; m <= 12; ++m) EXPECT_EQ(MonthFromName(MonthName(m)), m);
}

}  // namespace
}  // namespace lemonade::imap
