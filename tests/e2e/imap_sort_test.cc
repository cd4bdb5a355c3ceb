// IMAP conformance: SORT and UID SORT (RFC 5256) with every sort key,
// REVERSE, several criteria, ties in mailbox order, the base subject
// (§2.1), the DATE fallback to INTERNALDATE (§3), the ESORT return options
// (RFC 5267 §3), SAVE (RFC 5182) and MODSEQ (RFC 7162 §3.1.5).
#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/imap_test_support.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;

// Body padding that fixes the SIZE order whatever the headers weigh.
std::string Padding(int kilobytes) { return std::string(kilobytes * 1000, 'x') + "\r\n"; }

// Five messages, at sequence numbers 1-5 and UIDs 2-6. Base subjects,
// first addresses, dates and sizes are chosen so that every key orders
// them differently; see each test for the keys.
class ImapSortTest : public ImapConformanceTest {
 protected:
  void SetUp() override {
    ImapConformanceTest::SetUp();
    constexpr int64_t kDay = 86400;
    Deliver(kSimpleMessage);  // UID 1, expunged: UIDs differ from numbers
    Deliver(absl::StrCat("From: \"Zed\" <zed@example.org>\r\nTo: bob@example.org\r\n"
                         "Cc: Carol <carol@example.org>\r\nSubject: Re: Lunch\r\n"
                         "Date: Tue, 2 Jan 2024 10:00:00 +0000\r\n\r\n",
                         Padding(3)),
            "INBOX", "bob", 0, {}, kEpochUnixSeconds + 5 * kDay);
    // 12:00 +0200 is 10:00 UTC on 1 January.
    Deliver(absl::StrCat("From: alice@example.org\r\nTo: Dave <dave@example.org>\r\n"
                         "Subject: Lunch (fwd)\r\nDate: Mon, 1 Jan 2024 12:00:00 +0200\r\n\r\n",
                         Padding(1)),
            "INBOX", "bob", 0, {}, kEpochUnixSeconds + 1 * kDay);
    // No Date: DATE sorts it by INTERNALDATE (4 January).
    Deliver(absl::StrCat("From: Bob <BOB@example.org>\r\nSubject: [list] Agenda\r\n\r\n",
                         Padding(5)),
            "INBOX", "bob", 0, {}, kEpochUnixSeconds + 3 * kDay);
    Deliver(absl::StrCat("From: =?UTF-8?Q?Andr=C3=A9?= <andre@example.org>\r\n"
                         "To: alice@example.org\r\nSubject: =?UTF-8?Q?Fwd=3A_agenda?=\r\n"
                         "Date: Wed, 3 Jan 2024 09:00:00 +0000\r\n\r\n",
                         Padding(4)),
            "INBOX", "bob", 0, {}, kEpochUnixSeconds + 2 * kDay);
    // An unparsable Date: INTERNALDATE again (1 January, 00:00).
    Deliver(absl::StrCat("From: carol@example.org\r\nTo: undisclosed-recipients:;\r\n"
                         "Subject: [fwd: Re: Budget]\r\nDate: sometime soon\r\n\r\n",
                         Padding(2)),
            "INBOX", "bob", 0, {}, kEpochUnixSeconds);
    ExpungeUids({1});
    ClaimRecent();
    c_ = Selected();
  }

  // The untagged response(s) to `command`, or the whole reply if it failed.
  std::string Run(const std::string& command) {
    std::string reply = Command(*c_, "s", command);
    const std::string ok = "s OK SORT completed\r\n";
    if (reply.size() < ok.size() || reply.compare(reply.size() - ok.size(), ok.size(), ok) != 0) {
      return reply;
    }
    return reply.substr(0, reply.size() - ok.size());
  }

  std::unique_ptr<TestConnection> c_;
};

// Base subjects: Lunch, Lunch, Agenda, agenda, Budget; compared without
// case, ties in mailbox order (RFC 5256 §2.1, §3).
TEST_F(ImapSortTest, SubjectSortsByBaseSubject) {
  EXPECT_EQ(Run("SORT (SUBJECT) UTF-8 ALL"), "* SORT 3 4 5 1 2\r\n");
  // REVERSE turns the key around, not the ties.
  EXPECT_EQ(Run("SORT (REVERSE SUBJECT) UTF-8 ALL"), "* SORT 1 2 5 3 4\r\n");
}

// Sent dates in UTC: 2 Jan 10:00, 1 Jan 10:00 (+0200), none (INTERNALDATE
// 4 Jan), 3 Jan, unparsable (INTERNALDATE 1 Jan 00:00).
TEST_F(ImapSortTest, DateUsesTheSentDateElseInternalDate) {
  EXPECT_EQ(Run("SORT (DATE) UTF-8 ALL"), "* SORT 5 2 1 4 3\r\n");
  EXPECT_EQ(Run("SORT (REVERSE DATE) UTF-8 ALL"), "* SORT 3 4 1 2 5\r\n");
}

TEST_F(ImapSortTest, ArrivalIsInternalDate) {
  EXPECT_EQ(Run("SORT (ARRIVAL) US-ASCII ALL"), "* SORT 5 2 4 3 1\r\n");
}

// The addr-mailbox (local part) of the first address: zed, alice, BOB,
// andre (display name encoded), carol; a missing field or a group without
// members sorts as "".
TEST_F(ImapSortTest, AddressKeysUseTheFirstMailbox) {
  EXPECT_EQ(Run("SORT (FROM) UTF-8 ALL"), "* SORT 2 4 3 5 1\r\n");
  EXPECT_EQ(Run("SORT (TO) UTF-8 ALL"), "* SORT 3 5 4 1 2\r\n");
  EXPECT_EQ(Run("SORT (CC) UTF-8 ALL"), "* SORT 2 3 4 5 1\r\n");
}

TEST_F(ImapSortTest, SizeIsRfc822Size) {
  EXPECT_EQ(Run("SORT (SIZE) UTF-8 ALL"), "* SORT 2 5 1 4 3\r\n");
}

// Later criteria break the ties of earlier ones.
TEST_F(ImapSortTest, SeveralCriteria) {
  EXPECT_EQ(Run("SORT (SUBJECT DATE) UTF-8 ALL"), "* SORT 4 3 5 2 1\r\n");
  EXPECT_EQ(Run("SORT (SUBJECT REVERSE SIZE) UTF-8 ALL"), "* SORT 3 4 5 1 2\r\n");
}

// The search program selects; UID SORT answers with UIDs.
TEST_F(ImapSortTest, SearchKeysAndUidSort) {
  EXPECT_EQ(Run("SORT (REVERSE ARRIVAL) UTF-8 SINCE 2-Jan-2024"), "* SORT 1 3 4 2\r\n");
  EXPECT_EQ(Run("UID SORT (SUBJECT) UTF-8 ALL"), "* SORT 4 5 6 2 3\r\n");
  EXPECT_EQ(Run("UID SORT (SUBJECT) UTF-8 UID 2:4"), "* SORT 4 2 3\r\n");
  EXPECT_EQ(Run("SORT (SUBJECT) UTF-8 SUBJECT nowhere"), "* SORT\r\n");
}

TEST_F(ImapSortTest, UnknownCharsetIsBadCharset) {
  EXPECT_EQ(Command(*c_, "s", "SORT (SUBJECT) KOI8-R ALL"),
            "s NO [BADCHARSET (US-ASCII UTF-8)] Unsupported charset\r\n");
}

TEST_F(ImapSortTest, SortNeedsASelectedMailbox) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "s", "SORT (SUBJECT) UTF-8 ALL"), "s BAD No mailbox selected\r\n");
  EXPECT_THAT(Command(*c, "c", "CAPABILITY"), HasSubstr(" SORT ESORT "));
}

// RFC 5267 §3.1: MIN and MAX are the first and last in sort order; ALL
// is in sort order with ascending ranges only (§3.2).
TEST_F(ImapSortTest, EsortReturnOptions) {
  EXPECT_EQ(Run("SORT RETURN (MIN MAX COUNT) (DATE) UTF-8 ALL"),
            "* ESEARCH (TAG \"s\") MIN 5 MAX 3 COUNT 5\r\n");
  EXPECT_EQ(Run("UID SORT RETURN () (SUBJECT) UTF-8 ALL"),
            "* ESEARCH (TAG \"s\") UID ALL 4:6,2:3\r\n");
  EXPECT_EQ(Run("UID SORT RETURN (ALL) (REVERSE SUBJECT) UTF-8 ALL"),
            "* ESEARCH (TAG \"s\") UID ALL 2:3,6,4:5\r\n");
  EXPECT_EQ(Run("SORT RETURN (COUNT) (SIZE) UTF-8 SUBJECT nowhere"),
            "* ESEARCH (TAG \"s\") COUNT 0\r\n");
}

// SAVE with MIN keeps just the first message in sort order (RFC 5182 §2.4).
TEST_F(ImapSortTest, SaveKeepsWhatWasReturned) {
  EXPECT_EQ(Run("SORT RETURN (SAVE MIN) (DATE) UTF-8 ALL"),
            "* ESEARCH (TAG \"s\") MIN 5\r\n");
  EXPECT_EQ(Command(*c_, "f", "FETCH $ (UID)"), "* 5 FETCH (UID 6)\r\nf OK FETCH completed\r\n");
}

// RFC 7162 §3.1.5: with the MODSEQ key, SORT carries the highest MODSEQ
// of the matches; as the first CONDSTORE-enabling command it also reports
// the mailbox's HIGHESTMODSEQ (§3.1).
TEST_F(ImapSortTest, ModseqKeyAddsModseq) {
  uint64_t highest = 0;
  for (uint32_t uid = 2; uid <= 6; ++uid) highest = std::max(highest, ModseqOf(uid));
  EXPECT_EQ(Run("SORT (SUBJECT) UTF-8 MODSEQ 1"),
            absl::StrCat("* OK [HIGHESTMODSEQ ", HighestModseq("INBOX"), "] Highest\r\n",
                         "* SORT 3 4 5 1 2 (MODSEQ ", highest, ")\r\n"));
  EXPECT_EQ(Run("SORT (SUBJECT) UTF-8 MODSEQ 1 FROM zed"),
            absl::StrCat("* SORT 1 (MODSEQ ", ModseqOf(2), ")\r\n"));
}

}  // namespace
}  // namespace lemonade::testing
