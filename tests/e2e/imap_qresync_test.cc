// IMAP conformance: QRESYNC (RFC 7162 §3.2) — ENABLE, SELECT/EXAMINE
// (QRESYNC ...) with known UIDs and seq-match-data, VANISHED (EARLIER),
// the VANISHED UID FETCH modifier, the CLOSED response code, and the case
// where the message with the highest UID was expunged.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/imap_test_support.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class ImapQresyncTest : public ImapConformanceTest {
 protected:
  // The mailbox of testdata/rfc7162_qresync.txt: the client's cache holds
  // UIDs 1 to 12 at modseq_; then 3, 7, 10 change and 2, 4-6, 12 go.
  void MakeHistory() {
    for (int i = 0; i < 12; ++i) Deliver(kSimpleMessage);
    ClaimRecent();
    modseq_ = HighestModseq("INBOX");
    auto other = Selected();
    Command(*other, "o1", "UID STORE 3 +FLAGS.SILENT (\\Seen \\Answered)");
    Command(*other, "o2", "UID STORE 7 +FLAGS.SILENT (\\Draft $MDNSent)");
    Command(*other, "o3", "UID STORE 10 +FLAGS.SILENT (\\Flagged)");
    Command(*other, "o4", "LOGOUT");
    ExpungeUids({2, 4, 5, 6, 12});
  }
  std::map<std::string, std::string> Vars() {
    return {{"UIDVALIDITY", absl::StrCat(UidValidity("INBOX"))},
            {"MODSEQ", absl::StrCat(modseq_)},
            {"H", absl::StrCat(HighestModseq("INBOX"))}};
  }
  // A session with QRESYNC enabled and Trash selected.
  std::unique_ptr<TestConnection> QresyncSession() {
    auto c = Login();
    EXPECT_EQ(Command(*c, "e1", "ENABLE QRESYNC"),
              "* ENABLED QRESYNC\r\ne1 OK ENABLE completed\r\n");
    Command(*c, "e2", "SELECT Trash");
    return c;
  }
  uint64_t modseq_ = 0;
};

// RFC 7162 §3.2.5: a UIDVALIDITY mismatch makes the parameters moot.
TEST_F(ImapQresyncTest, Rfc7162UidvalidityMismatch) {
  MakeHistory();
  auto c = QresyncSession();
  RunTranscript("rfc7162 3.2.5 UIDVALIDITY mismatch", {c.get()}, Vars());
}

// RFC 7162 §3.2.5.1 example A03: VANISHED (EARLIER) and FETCH for the
// known UIDs, the expunged highest UID included, after CLOSED.
TEST_F(ImapQresyncTest, Rfc7162QresyncSelect) {
  MakeHistory();
  auto c = QresyncSession();
  RunTranscript("rfc7162 3.2.5.1 QRESYNC", {c.get()}, Vars());
}

// Without known UIDs the server assumes 1:UIDNEXT-1; EXAMINE takes
// QRESYNC too.
TEST_F(ImapQresyncTest, QresyncExamineWithoutKnownUids) {
  MakeHistory();
  auto c = QresyncSession();
  RunTranscript("rfc7162 3.2.5.1 QRESYNC without known UIDs", {c.get()}, Vars());
}

// RFC 7162 §3.2.6: UID FETCH (CHANGEDSINCE ... VANISHED), "*" reaching
// the expunged highest UID.
TEST_F(ImapQresyncTest, Rfc7162VanishedFetchModifier) {
  MakeHistory();
  auto c = QresyncSession();
  Command(*c, "s0", "SELECT INBOX");
  RunTranscript("rfc7162 3.2.6 VANISHED UID FETCH modifier", {c.get()}, Vars());
}

// RFC 7162 §3.2.5.2 examples A04/B04: matching seq-match-data spares the
// client the VANISHED of what it already knows; the first pair that does
// not match bounds what is spared.
TEST_F(ImapQresyncTest, SeqMatchDataLimitsVanished) {
  for (int i = 0; i < 30; ++i) Deliver(kSimpleMessage);
  ClaimRecent();
  const uint64_t modseq = HighestModseq("INBOX");
  std::vector<uint32_t> gone;
  for (uint32_t uid = 1; uid <= 30; ++uid) {
    if (uid % 3 != 0) gone.push_back(uid);
  }
  ExpungeUids(gone);
  auto c = QresyncSession();
  const std::string prefix =
      absl::StrCat("SELECT INBOX (QRESYNC (", UidValidity("INBOX"), " ", modseq);
  std::string reply = Command(*c, "A04", prefix + " 1:30))");
  EXPECT_THAT(reply, HasSubstr("* VANISHED (EARLIER) 1:2,4:5,7:8,10:11,13:14,16:17,19:20,22:23,"
                               "25:26,28:29\r\n"));
  reply = Command(*c, "B04", prefix + " 1:30 (1,5,10 3,15,30)))");
  EXPECT_THAT(reply, Not(HasSubstr("VANISHED")));
  EXPECT_THAT(reply, HasSubstr("B04 OK [READ-WRITE]"));
  reply = Command(*c, "B05", prefix + " 1:30 (1,5,10 3,15,29)))");
  EXPECT_THAT(reply, HasSubstr("* VANISHED (EARLIER) 16:17,19:20,22:23,25:26,28:29\r\n"));
  reply = Command(*c, "B06", prefix + " 1:30 (5,10 16,30)))");
  EXPECT_THAT(reply, HasSubstr("* VANISHED (EARLIER) 1:2,4:5,7:8,10:11,13:14,16:17,19:20,22:23,"
                               "25:26,28:29\r\n"));
}

// The QRESYNC parameter and the VANISHED modifier need ENABLE QRESYNC
// first (RFC 7162 §3.2.3).
TEST_F(ImapQresyncTest, QresyncNeedsEnable) {
  Deliver(kSimpleMessage);
  auto c = Login();
  EXPECT_EQ(
      Command(*c, "a1", absl::StrCat("SELECT INBOX (QRESYNC (", UidValidity("INBOX"), " 1))")),
      "a1 BAD QRESYNC parameter requires ENABLE QRESYNC\r\n");
  Command(*c, "a2", "SELECT INBOX");
  EXPECT_EQ(Command(*c, "a3", "UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)"),
            "a3 BAD VANISHED requires ENABLE QRESYNC\r\n");
}

// Malformed QRESYNC parameters are BAD and select nothing (RFC 7162
// §3.2.5).
TEST_F(ImapQresyncTest, MalformedQresyncParametersAreBad) {
  auto c = QresyncSession();
  for (const char* params : {"(QRESYNC (0 1))", "(QRESYNC (1 0))", "(QRESYNC (1))", "(QRESYNC 1 2)",
                             "(QRESYNC (1 2 $))"}) {
    EXPECT_THAT(Command(*c, "a1", absl::StrCat("SELECT INBOX ", params)), StartsWith("a1 BAD "))
        << params;
  }
}

// Expunging the highest UID while the client is away: the default known
// set, an explicit "*" and the VANISHED modifier all report it.
TEST_F(ImapQresyncTest, ExpungedHighestUidIsReported) {
  for (int i = 0; i < 3; ++i) Deliver(kSimpleMessage);
  const uint64_t modseq = HighestModseq("INBOX");
  ExpungeUids({3});
  auto c = QresyncSession();
  const std::string prefix =
      absl::StrCat("SELECT INBOX (QRESYNC (", UidValidity("INBOX"), " ", modseq);
  EXPECT_THAT(Command(*c, "a1", prefix + "))"), HasSubstr("* VANISHED (EARLIER) 3\r\n"));
  EXPECT_THAT(Command(*c, "a2", prefix + " 2:*))"), HasSubstr("* VANISHED (EARLIER) 3\r\n"));
  EXPECT_EQ(
      Command(*c, "a3", absl::StrCat("UID FETCH 2:* UID (CHANGEDSINCE ", modseq, " VANISHED)")),
      "* VANISHED (EARLIER) 3\r\na3 OK FETCH completed\r\n");
}

// Even with every message gone, "1:*" still reaches them.
TEST_F(ImapQresyncTest, EmptiedMailboxReportsEveryExpunge) {
  for (int i = 0; i < 3; ++i) Deliver(kSimpleMessage);
  const uint64_t modseq = HighestModseq("INBOX");
  ExpungeUids({1, 2, 3});
  auto c = QresyncSession();
  std::string reply = Command(
      *c, "a1", absl::StrCat("SELECT INBOX (QRESYNC (", UidValidity("INBOX"), " ", modseq, "))"));
  EXPECT_THAT(reply, HasSubstr("* 0 EXISTS\r\n"));
  EXPECT_THAT(reply, HasSubstr("* VANISHED (EARLIER) 1:3\r\n"));
  EXPECT_EQ(
      Command(*c, "a2", absl::StrCat("UID FETCH 1:* UID (CHANGEDSINCE ", modseq, " VANISHED)")),
      "* VANISHED (EARLIER) 1:3\r\na2 OK FETCH completed\r\n");
}

// A client that is up to date gets neither VANISHED nor FETCH.
TEST_F(ImapQresyncTest, UpToDateClientGetsNothingExtra) {
  for (int i = 0; i < 3; ++i) Deliver(kSimpleMessage);
  ExpungeUids({2});
  auto c = QresyncSession();
  std::string reply = Command(*c, "a1",
                              absl::StrCat("SELECT INBOX (QRESYNC (", UidValidity("INBOX"), " ",
                                           HighestModseq("INBOX"), "))"));
  EXPECT_THAT(reply, Not(HasSubstr("VANISHED")));
  EXPECT_THAT(reply, Not(HasSubstr("FETCH")));
}

// ---- CLOSED (RFC 7162 §3.2.11) ----

// SELECT or EXAMINE over a selected mailbox sends CLOSED first, even with
// nothing enabled.
TEST_F(ImapQresyncTest, ReselectSendsClosedFirst) {
  auto c = Selected();
  EXPECT_THAT(Command(*c, "a1", "EXAMINE Trash"),
              StartsWith("* OK [CLOSED] Previous mailbox closed\r\n"));
  EXPECT_THAT(Command(*c, "a2", "SELECT INBOX"),
              StartsWith("* OK [CLOSED] Previous mailbox closed\r\n"));
  EXPECT_THAT(Command(*c, "a3", "SELECT INBOX"),
              StartsWith("* OK [CLOSED] Previous mailbox closed\r\n"));
}

// A SELECT that fails still closes the previous mailbox (RFC 3501
// §6.3.1), and says so.
TEST_F(ImapQresyncTest, FailedSelectStillCloses) {
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "SELECT nosuch"),
            "* OK [CLOSED] Previous mailbox closed\r\na1 NO [NONEXISTENT] No such mailbox\r\n");
  EXPECT_EQ(Command(*c, "a2", "FETCH 1 UID"), "a2 BAD No mailbox selected\r\n");
}

// CLOSE and UNSELECT send no CLOSED.
TEST_F(ImapQresyncTest, CloseAndUnselectSendNoClosed) {
  auto c = QresyncSession();
  EXPECT_EQ(Command(*c, "a1", "CLOSE"), "a1 OK CLOSE completed\r\n");
  Command(*c, "a2", "SELECT INBOX");
  EXPECT_EQ(Command(*c, "a3", "UNSELECT"), "a3 OK UNSELECT completed\r\n");
}

// The session's own changes and others' after QRESYNC selection are
// reported as VANISHED and FETCH with MODSEQ, never EXPUNGE.
TEST_F(ImapQresyncTest, AfterSelectionVanishedReplacesExpunge) {
  for (int i = 0; i < 3; ++i) Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagDeleted);
  auto c = QresyncSession();
  Command(*c, "a0", "SELECT INBOX");
  std::string reply = Command(*c, "a1", "EXPUNGE");
  EXPECT_THAT(reply, StartsWith("* VANISHED 1:3\r\na1 OK [HIGHESTMODSEQ "));
  EXPECT_THAT(reply, Not(HasSubstr("EXPUNGE\r\n")));
}

}  // namespace
}  // namespace lemonade::testing
