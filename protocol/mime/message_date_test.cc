#include "protocol/mime/message_date.h"

#include "gtest/gtest.h"

namespace lemonade::mime {
namespace {

// RFC 5322 Appendix A.1.1.
TEST(MessageDateTest, Rfc5322Date) {
  auto d = ParseMessageDate(" Fri, 21 Nov 1997 09:55:06 -0600");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->unix_seconds, 880127706);
  EXPECT_EQ(d->zone_offset_minutes, -360);
  EXPECT_EQ(d->local_day, DaysFromCivil(1997, 11, 21));
}

// RFC 5322 Appendix A.5: folding, missing seconds, a trailing comment.
TEST(MessageDateTest, FoldingAndComments) {
  auto d = ParseMessageDate(
      " Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n"
      "               -0330 (Newfoundland Time)");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->zone_offset_minutes, -210);
  // 1969-02-13 23:32 at -03:30 is 1969-02-14 03:02 UTC.
  EXPECT_EQ(d->unix_seconds, DaysFromCivil(1969, 2, 14) * 86400 + 3 * 3600 + 2 * 60);
  EXPECT_EQ(d->local_day, DaysFromCivil(1969, 2, 13));
}

// RFC 5322 Appendix A.6.2 and §4.3: 2-digit years, obsolete zones.
TEST(MessageDateTest, ObsoleteForms) {
  auto d = ParseMessageDate("21 Nov 97 09:55:06 GMT");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->unix_seconds, 880106106);
  EXPECT_EQ(d->zone_offset_minutes, 0);
  EXPECT_EQ(ParseMessageDate("1 Jan 49 00:00 UT")->local_day, DaysFromCivil(2049, 1, 1));
  EXPECT_EQ(ParseMessageDate("1 Jan 50 00:00 UT")->local_day, DaysFromCivil(1950, 1, 1));
  EXPECT_EQ(ParseMessageDate("1 Jan 103 00:00 UT")->local_day, DaysFromCivil(2003, 1, 1));
  EXPECT_EQ(ParseMessageDate("Mon, 1 Jan 2001 00:00:00 EST")->zone_offset_minutes, -300);
  EXPECT_EQ(ParseMessageDate("Mon, 1 Jan 2001 00:00:00 PDT")->zone_offset_minutes, -420);
  // Military zones (and unknown names) are taken as +0000 (§4.3).
  EXPECT_EQ(ParseMessageDate("Mon, 1 Jan 2001 00:00:00 Z")->unix_seconds, 978307200);
  EXPECT_EQ(ParseMessageDate("Mon, 1 Jan 2001 00:00:00 A")->zone_offset_minutes, 0);
  EXPECT_EQ(ParseMessageDate("Mon, 1 Jan 2001 00:00:00 CEST")->zone_offset_minutes, 0);
}

// What real mail adds: no comma, no day name, one-digit hour, a missing
// time or zone, '-' separators, a zone followed by junk.
TEST(MessageDateTest, LenientForms) {
  EXPECT_EQ(ParseMessageDate("Mon 1 Jan 2001 9:05:00 +0100")->unix_seconds, 978336300);
  EXPECT_EQ(ParseMessageDate("1 January 2001")->unix_seconds, 978307200);
  EXPECT_EQ(ParseMessageDate("1 Jan 2001 10:00")->zone_offset_minutes, 0);
  EXPECT_EQ(ParseMessageDate("01-Jan-2001 00:00:00 +0000")->unix_seconds, 978307200);
  EXPECT_EQ(ParseMessageDate("Mon, 01 Jan 2001 00:00:00 +0000 (UTC) extra")->unix_seconds,
            978307200);
  EXPECT_EQ(ParseMessageDate("Mon, 1 Jan 2001 00:00:60 +0000")->unix_seconds, 978307260);
}

TEST(MessageDateTest, RefusesWhatIsNotADate) {
  EXPECT_FALSE(ParseMessageDate("").has_value());
  EXPECT_FALSE(ParseMessageDate("yesterday").has_value());
  EXPECT_FALSE(ParseMessageDate("31 Feb 2001 00:00 +0000").has_value());
  EXPECT_FALSE(ParseMessageDate("29 Feb 2001 00:00 +0000").has_value());
  EXPECT_TRUE(ParseMessageDate("29 Feb 2000 00:00 +0000").has_value());
  EXPECT_FALSE(ParseMessageDate("1 Foo 2001 00:00 +0000").has_value());
  EXPECT_FALSE(ParseMessageDate("1 Jan 2001 24:00 +0000").has_value());
  EXPECT_FALSE(ParseMessageDate("1 Jan 2001 10:60 +0000").has_value());
  EXPECT_FALSE(ParseMessageDate("1 Jan 2001 10:00 +0075").has_value());
  EXPECT_FALSE(ParseMessageDate("100 Jan 2001").has_value());
  EXPECT_FALSE(ParseMessageDate("1 Jan 20011 10:00").has_value());
}

TEST(MessageDateTest, DaysFromCivil) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(2038, 1, 19), 24855);
  EXPECT_EQ(DaysFromCivil(1, 1, 1), -719162);
}

}  // namespace
}  // namespace lemonade::mime
