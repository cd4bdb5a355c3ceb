// IMAP conformance: STATUS (RFC 3501 §6.3.10) with every data item,
// HIGHESTMODSEQ (RFC 7162 §3.1.7) and SIZE (RFC 8438).
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/imap_test_support.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class ImapStatusTest : public ImapConformanceTest {};

// Every data item, in the order asked for.
TEST_F(ImapStatusTest, AllItemsInRequestedOrder) {
  Deliver(kSimpleMessage);
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagSeen);
  Deliver(kSimpleMessage);
  auto c = Login();
  const std::string size = absl::StrCat(3 * (sizeof(kSimpleMessage) - 1));
  EXPECT_EQ(Command(*c, "a1",
                    "STATUS INBOX (UNSEEN MESSAGES UIDNEXT UIDVALIDITY RECENT HIGHESTMODSEQ SIZE)"),
            absl::StrCat("* STATUS INBOX (UNSEEN 2 MESSAGES 3 UIDNEXT 4 UIDVALIDITY ",
                         UidValidity("INBOX"), " RECENT 3 HIGHESTMODSEQ ", HighestModseq("INBOX"),
                         " SIZE ", size, ")\r\na1 OK STATUS completed\r\n"));
}

// The RFC 3501 §6.3.10 example, on a mailbox of ours.
TEST_F(ImapStatusTest, Rfc3501Example) {
  auto c = Login();
  Command(*c, "a0", "CREATE blurdybloop");
  Deliver(kSimpleMessage, "blurdybloop");
  EXPECT_EQ(Command(*c, "A042", "STATUS blurdybloop (UIDNEXT MESSAGES)"),
            "* STATUS blurdybloop (UIDNEXT 2 MESSAGES 1)\r\nA042 OK STATUS completed\r\n");
}

// Items are case-insensitive; INBOX is found in any case and reported
// under its canonical name.
TEST_F(ImapStatusTest, ItemsAndInboxAreCaseInsensitive) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "STATUS inbox (messages UidNext)"),
            "* STATUS INBOX (MESSAGES 0 UIDNEXT 1)\r\na1 OK STATUS completed\r\n");
}

// A name needing quotes is quoted in the response.
TEST_F(ImapStatusTest, QuotedMailboxName) {
  auto c = Login();
  Command(*c, "a0", "CREATE \"My Folder\"");
  EXPECT_EQ(Command(*c, "a1", "STATUS \"My Folder\" (MESSAGES)"),
            "* STATUS \"My Folder\" (MESSAGES 0)\r\na1 OK STATUS completed\r\n");
}

// STATUS of a mailbox that does not exist: NO [NONEXISTENT] (RFC 5530).
TEST_F(ImapStatusTest, NonexistentMailboxIsNo) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "STATUS nosuch (MESSAGES)"),
            "a1 NO [NONEXISTENT] No such mailbox\r\n");
}

// A \Noselect name has no status either.
TEST_F(ImapStatusTest, NoselectNameIsNo) {
  auto c = Login();
  Command(*c, "a0", "CREATE p/q");
  Command(*c, "a1", "DELETE p");
  EXPECT_EQ(Command(*c, "a2", "STATUS p (MESSAGES)"), "a2 NO [NONEXISTENT] No such mailbox\r\n");
}

// An unknown item is BAD; an empty list is BAD (RFC 3501 §9 status-att).
TEST_F(ImapStatusTest, UnknownOrMissingItemsAreBad) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "STATUS INBOX (MESSAGES BOGUS)"),
            "a1 BAD Unknown STATUS item BOGUS\r\n");
  EXPECT_THAT(Command(*c, "a2", "STATUS INBOX ()"), StartsWith("a2 BAD "));
  EXPECT_THAT(Command(*c, "a3", "STATUS INBOX"), StartsWith("a3 BAD "));
}

// STATUS works on the selected mailbox too, and does not disturb the
// selection (RFC 3501 §6.3.10 allows it, only discourages it).
TEST_F(ImapStatusTest, StatusOfSelectedMailbox) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "STATUS INBOX (MESSAGES RECENT)"),
            "* STATUS INBOX (MESSAGES 1 RECENT 0)\r\na1 OK STATUS completed\r\n");
  EXPECT_EQ(Command(*c, "a2", "FETCH 1 (FLAGS)"),
            "* 1 FETCH (FLAGS (\\Recent))\r\na2 OK FETCH completed\r\n");
}

// RECENT counts messages no session has claimed yet; STATUS itself claims
// nothing.
TEST_F(ImapStatusTest, RecentCountsUnclaimedMessages) {
  Deliver(kSimpleMessage);
  Deliver(kSimpleMessage);
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "STATUS INBOX (RECENT)"),
            "* STATUS INBOX (RECENT 2)\r\na1 OK STATUS completed\r\n");
  EXPECT_EQ(Command(*c, "a2", "STATUS INBOX (RECENT)"),
            "* STATUS INBOX (RECENT 2)\r\na2 OK STATUS completed\r\n");
  auto other = Selected();
  EXPECT_EQ(Command(*c, "a3", "STATUS INBOX (RECENT)"),
            "* STATUS INBOX (RECENT 0)\r\na3 OK STATUS completed\r\n");
}

// UIDNEXT never goes down, even when the highest UID is expunged (RFC
// 3501 §2.3.1.1).
TEST_F(ImapStatusTest, UidnextSurvivesExpungeOfHighestUid) {
  Deliver(kSimpleMessage);
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagDeleted);
  auto c = Selected();
  Command(*c, "a1", "EXPUNGE");
  Command(*c, "a2", "UNSELECT");
  EXPECT_EQ(Command(*c, "a3", "STATUS INBOX (MESSAGES UIDNEXT)"),
            "* STATUS INBOX (MESSAGES 1 UIDNEXT 3)\r\na3 OK STATUS completed\r\n");
}

// HIGHESTMODSEQ grows with every change, expunges included (RFC 7162
// §3.1.7, §3.2).
TEST_F(ImapStatusTest, HighestModseqGrowsWithChanges) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  const uint64_t start = HighestModseq("INBOX");
  Command(*c, "a1", "STORE 1 +FLAGS (\\Deleted)");
  Command(*c, "a2", "EXPUNGE");
  EXPECT_EQ(
      Command(*c, "a3", "STATUS INBOX (HIGHESTMODSEQ)"),
      absl::StrCat("* OK [HIGHESTMODSEQ ", start + 2, "] Highest\r\n",
                   "* STATUS INBOX (HIGHESTMODSEQ ", start + 2, ")\r\na3 OK STATUS completed\r\n"));
}

// STATUS (HIGHESTMODSEQ) is a CONDSTORE enabling command (RFC 7162 §3.1):
// from then on flag updates carry MODSEQ.
TEST_F(ImapStatusTest, HighestModseqEnablesCondstore) {
  Deliver(kSimpleMessage);
  auto c = Login();
  Command(*c, "a1", "STATUS INBOX (HIGHESTMODSEQ)");
  Command(*c, "a2", "SELECT INBOX");
  std::string reply = Command(*c, "a3", "STORE 1 +FLAGS (\\Flagged)");
  EXPECT_EQ(reply, absl::StrCat("* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent) MODSEQ (", ModseqOf(1),
                                "))\r\na3 OK STORE completed\r\n"));
}

// With a mailbox selected, that first enabling STATUS reports the
// selected mailbox's HIGHESTMODSEQ (RFC 7162 §3.1).
TEST_F(ImapStatusTest, FirstEnablingStatusReportsSelectedHighestModseq) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "STATUS Trash (HIGHESTMODSEQ)"),
            absl::StrCat("* OK [HIGHESTMODSEQ ", HighestModseq("INBOX"), "] Highest\r\n",
                         "* STATUS Trash (HIGHESTMODSEQ ", HighestModseq("Trash"), ")\r\n",
                         "a1 OK STATUS completed\r\n"));
  EXPECT_EQ(Command(*c, "a2", "STATUS Trash (HIGHESTMODSEQ)"),
            absl::StrCat("* STATUS Trash (HIGHESTMODSEQ ", HighestModseq("Trash"), ")\r\n",
                         "a2 OK STATUS completed\r\n"));
}

// SIZE is the sum of RFC822.SIZE of the messages (RFC 8438), advertised
// as STATUS=SIZE.
TEST_F(ImapStatusTest, SizeSumsMessageSizes) {
  Deliver("Subject: a\r\n\r\nx\r\n");
  Deliver("Subject: bb\r\n\r\nyy\r\n");
  auto c = Login();
  EXPECT_THAT(Command(*c, "a0", "CAPABILITY"), HasSubstr(" STATUS=SIZE "));
  EXPECT_EQ(Command(*c, "a1", "STATUS INBOX (SIZE)"),
            "* STATUS INBOX (SIZE 36)\r\na1 OK STATUS completed\r\n");
}

}  // namespace
}  // namespace lemonade::testing
