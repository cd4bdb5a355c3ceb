// IMAP conformance: several sessions on one mailbox. Each learns of the
// others' changes (EXISTS, EXPUNGE or VANISHED, FETCH FLAGS with MODSEQ)
// only at the moments RFC 3501 §7.4.1 (and RFC 7162 §3.2.10.2) allow: at
// the end of a command, never during FETCH, STORE or SEARCH by sequence
// number, and at once while IDLE (RFC 2177). \Recent belongs to exactly
// one session (RFC 3501 §2.3.2).
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/imap_test_support.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ImapConcurrencyTest : public ImapConformanceTest {
 protected:
  void DeliverMany(int n) {
    for (int i = 0; i < n; ++i) Deliver(kSimpleMessage);
  }
  // Someone else (here: the store itself, as a delivery agent's cleanup
  // would) expunges the message with `uid`.
  void ExpungeElsewhere(uint32_t uid) { ExpungeUids({uid}); }
};

// ---- When updates are sent ----

// Nothing is pushed to a session that is not idling; its next command
// reports the new message (RFC 3501 §7.3.1).
TEST_F(ImapConcurrencyTest, NewMessageWaitsForNextCommand) {
  DeliverMany(1);
  ClaimRecent();
  auto b = Selected();
  Deliver(kSimpleMessage);
  EXPECT_EQ(Unsolicited(*b), "");
  EXPECT_EQ(Command(*b, "b1", "NOOP"), "* 2 EXISTS\r\n* 1 RECENT\r\nb1 OK NOOP completed\r\n");
  EXPECT_EQ(Command(*b, "b2", "NOOP"), "b2 OK NOOP completed\r\n");
}

// RFC 3501 §6.1.2: NOOP reports what another session did meanwhile, in
// the order EXPUNGE, EXISTS/RECENT, FETCH.
TEST_F(ImapConcurrencyTest, Rfc3501NoopExample) {
  DeliverMany(22);
  ClaimRecent();
  auto a = Selected();
  auto b = Selected();
  Command(*b, "b1", "STORE 22 +FLAGS.SILENT (\\Deleted)");
  Command(*b, "b2", "EXPUNGE");
  Command(*b, "b3", "STORE 14 +FLAGS.SILENT (\\Seen \\Deleted)");
  Deliver(kSimpleMessage);
  Deliver(kSimpleMessage);
  RunTranscript("rfc3501 6.1.2 NOOP", {a.get()});
}

// An expunge by another session is not reported during FETCH, STORE or
// SEARCH by sequence number; the expunged message is skipped meanwhile
// (RFC 3501 §7.4.1, RFC 2180 §4.1), and NOOP then reports it.
TEST_F(ImapConcurrencyTest, ExpungeWaitsDuringFetchStoreAndSearch) {
  DeliverMany(3);
  ClaimRecent();
  auto b = Selected();
  ExpungeElsewhere(2);
  EXPECT_EQ(Unsolicited(*b), "");  // never while no command is in progress
  EXPECT_EQ(Command(*b, "b1", "FETCH 1:3 UID"),
            "* 1 FETCH (UID 1)\r\n* 3 FETCH (UID 3)\r\nb1 OK FETCH completed\r\n");
  EXPECT_EQ(Command(*b, "b2", "STORE 2:3 +FLAGS (\\Seen)"),
            "* 3 FETCH (FLAGS (\\Seen))\r\nb2 OK STORE completed\r\n");
  EXPECT_EQ(Command(*b, "b3", "SEARCH ALL"), "* SEARCH 1 3\r\nb3 OK SEARCH completed\r\n");
  EXPECT_EQ(Command(*b, "b4", "UID SEARCH 1:3"), "* SEARCH 1 3\r\nb4 OK SEARCH completed\r\n");
  EXPECT_EQ(Command(*b, "b5", "NOOP"), "* 2 EXPUNGE\r\nb5 OK NOOP completed\r\n");
  EXPECT_EQ(Command(*b, "b6", "FETCH 2 UID"), "* 2 FETCH (UID 3)\r\nb6 OK FETCH completed\r\n");
}

// UID FETCH, UID STORE and UID SEARCH without sequence numbers may report
// expunges (RFC 3501 §7.4.1 note); after their own responses.
TEST_F(ImapConcurrencyTest, UidCommandsReportExpunges) {
  DeliverMany(3);
  ClaimRecent();
  auto b = Selected();
  ExpungeElsewhere(2);
  EXPECT_EQ(Command(*b, "b1", "UID FETCH 1:* UID"),
            "* 1 FETCH (UID 1)\r\n* 3 FETCH (UID 3)\r\n* 2 EXPUNGE\r\nb1 OK FETCH completed\r\n");
  ExpungeElsewhere(3);
  EXPECT_EQ(Command(*b, "b2", "UID STORE 1 +FLAGS.SILENT (\\Seen)"),
            "* 2 EXPUNGE\r\nb2 OK STORE completed\r\n");
  Deliver(kSimpleMessage);
  ExpungeElsewhere(1);
  EXPECT_EQ(Command(*b, "b3", "UID SEARCH UID 1:*"),
            "* SEARCH\r\n* 1 EXPUNGE\r\n* 1 EXISTS\r\n* 1 RECENT\r\nb3 OK SEARCH completed\r\n");
}

// A UID SEARCH that uses sequence numbers holds expunges back (RFC 7162
// §3.2.10.2).
TEST_F(ImapConcurrencyTest, UidSearchWithSequenceNumbersHoldsExpunges) {
  DeliverMany(3);
  ClaimRecent();
  auto b = Selected();
  ExpungeElsewhere(1);
  EXPECT_EQ(Command(*b, "b1", "UID SEARCH 2:3"), "* SEARCH 2 3\r\nb1 OK SEARCH completed\r\n");
  EXPECT_EQ(Command(*b, "b2", "UID SEARCH NOT 1"), "* SEARCH 2 3\r\nb2 OK SEARCH completed\r\n");
  EXPECT_EQ(Command(*b, "b3", "NOOP"), "* 1 EXPUNGE\r\nb3 OK NOOP completed\r\n");
}

// EXISTS may come during FETCH (only EXPUNGE may not).
TEST_F(ImapConcurrencyTest, ExistsIsReportedDuringFetch) {
  DeliverMany(1);
  ClaimRecent();
  auto b = Selected();
  Deliver(kSimpleMessage);
  EXPECT_EQ(Command(*b, "b1", "FETCH 1 UID"),
            "* 1 FETCH (UID 1)\r\n* 2 EXISTS\r\n* 1 RECENT\r\nb1 OK FETCH completed\r\n");
}

// Flag changes reach other sessions as FETCH with UID and FLAGS, and with
// MODSEQ once CONDSTORE is on (RFC 7162 §3.1.4.2).
TEST_F(ImapConcurrencyTest, FlagChangesReachOtherSessions) {
  DeliverMany(2);
  ClaimRecent();
  auto a = Selected();
  auto b = Selected();
  auto c = Login();
  Command(*c, "c0", "SELECT INBOX (CONDSTORE)");
  Command(*a, "a1", "STORE 2 +FLAGS.SILENT (\\Flagged $Work)");
  EXPECT_EQ(Command(*b, "b1", "NOOP"),
            "* 2 FETCH (UID 2 FLAGS (\\Flagged $Work))\r\nb1 OK NOOP completed\r\n");
  EXPECT_EQ(Command(*c, "c1", "NOOP"),
            absl::StrCat("* 2 FETCH (UID 2 FLAGS (\\Flagged $Work) MODSEQ (", ModseqOf(2),
                         "))\r\nc1 OK NOOP completed\r\n"));
  // Changed twice, reported once, as it now is.
  Command(*a, "a2", "STORE 1 +FLAGS.SILENT (\\Seen)");
  Command(*a, "a3", "STORE 1 +FLAGS.SILENT (\\Answered)");
  EXPECT_EQ(Command(*b, "b2", "NOOP"),
            "* 1 FETCH (UID 1 FLAGS (\\Seen \\Answered))\r\nb2 OK NOOP completed\r\n");
}

// A message both added and expunged between two commands is never
// mentioned: neither EXISTS nor EXPUNGE/VANISHED (RFC 7162 §3.2.10.2).
TEST_F(ImapConcurrencyTest, MessageAddedAndExpungedMeanwhileIsNeverMentioned) {
  DeliverMany(1);
  ClaimRecent();
  auto b = Selected();
  auto q = Login();
  Command(*q, "q0", "ENABLE QRESYNC");
  Command(*q, "q1", "SELECT INBOX");
  const uint32_t uid = Deliver(kSimpleMessage);
  ExpungeElsewhere(uid);
  EXPECT_EQ(Command(*b, "b1", "NOOP"), "b1 OK NOOP completed\r\n");
  EXPECT_EQ(Command(*q, "q2", "NOOP"), "q2 OK NOOP completed\r\n");
}

// With QRESYNC, others' expunges come as VANISHED (RFC 7162 §3.2.10.2).
TEST_F(ImapConcurrencyTest, QresyncSessionGetsVanished) {
  DeliverMany(4);
  auto q = Login();
  Command(*q, "q0", "ENABLE QRESYNC");
  Command(*q, "q1", "SELECT INBOX");
  const uint64_t modseq = ModseqOf(4);
  ExpungeElsewhere(2);
  ExpungeElsewhere(4);
  // Held back during FETCH, with a HIGHESTMODSEQ below them (RFC 7162 §3.2).
  EXPECT_EQ(Command(*q, "q2", "FETCH 1 UID"),
            absl::StrCat("* 1 FETCH (UID 1)\r\n* OK [HIGHESTMODSEQ ", modseq,
                         "] Expunges are pending\r\nq2 OK FETCH completed\r\n"));
  EXPECT_EQ(Command(*q, "q3", "NOOP"), "* VANISHED 2,4\r\nq3 OK NOOP completed\r\n");
}

// Pipelined commands each get the updates that happened before them.
TEST_F(ImapConcurrencyTest, PipelinedCommandsReportInOrder) {
  DeliverMany(2);
  ClaimRecent();
  auto b = Selected();
  ExpungeElsewhere(1);
  b->TakeNew();
  b->Send("b1 FETCH 1:2 UID\r\nb2 NOOP\r\nb3 FETCH 1 UID\r\n");
  EXPECT_EQ(b->WaitForLine("b3 "),
            "* 2 FETCH (UID 2)\r\nb1 OK FETCH completed\r\n"
            "* 1 EXPUNGE\r\nb2 OK NOOP completed\r\n"
            "* 1 FETCH (UID 2)\r\nb3 OK FETCH completed\r\n");
}

// ---- IDLE ----

// While IDLE, new messages, flag changes and expunges are pushed at once
// (RFC 2177 §3).
TEST_F(ImapConcurrencyTest, IdlePushesEveryKindOfUpdateAtOnce) {
  DeliverMany(2);
  ClaimRecent();
  auto b = Selected();
  auto a = Selected();
  b->Send("b1 IDLE\r\n");
  ASSERT_EQ(b->WaitForLine("+"), "+ idling\r\n");
  Deliver(kSimpleMessage);
  EXPECT_EQ(b->WaitForLine("* 1 RECENT"), "* 3 EXISTS\r\n* 1 RECENT\r\n");
  Command(*a, "a1", "STORE 1 +FLAGS.SILENT (\\Seen)");
  EXPECT_EQ(b->WaitForLine("* 1 FETCH"), "* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n");
  Command(*a, "a2", "STORE 2 +FLAGS.SILENT (\\Deleted)");
  Command(*a, "a3", "EXPUNGE");
  EXPECT_EQ(b->WaitForLine("* 2 EXPUNGE"),
            "* 2 FETCH (UID 2 FLAGS (\\Deleted))\r\n* 2 EXPUNGE\r\n");
  b->Send("DONE\r\n");
  EXPECT_EQ(b->WaitForLine("b1"), "b1 OK IDLE terminated\r\n");
}

// The push reaches the idling client with no command of its own.
TEST_F(ImapConcurrencyTest, IdlePushNeedsNoClientTraffic) {
  auto b = Selected();
  b->Send("b1 IDLE\r\n");
  ASSERT_EQ(b->WaitForLine("+"), "+ idling\r\n");
  const Time before = world_->Now();
  Deliver(kSimpleMessage);
  EXPECT_EQ(b->WaitForLine("* 1 RECENT"), "* 1 EXISTS\r\n* 1 RECENT\r\n");
  EXPECT_LT(world_->Now() - before, Duration::Seconds(1));
}

// Updates pending when IDLE starts are sent before "+".
TEST_F(ImapConcurrencyTest, PendingUpdatesPrecedeIdleContinuation) {
  auto b = Selected();
  Deliver(kSimpleMessage);
  b->TakeNew();
  b->Send("b1 IDLE\r\n");
  EXPECT_EQ(b->WaitForLine("+"), "* 1 EXISTS\r\n* 1 RECENT\r\n+ idling\r\n");
  b->Send("DONE\r\n");
  EXPECT_EQ(b->WaitForLine("b1"), "b1 OK IDLE terminated\r\n");
}

// An idling QRESYNC session gets VANISHED pushed.
TEST_F(ImapConcurrencyTest, IdlePushesVanishedWithQresync) {
  DeliverMany(2);
  auto q = Login();
  Command(*q, "q0", "ENABLE QRESYNC");
  Command(*q, "q1", "SELECT INBOX");
  q->Send("q2 IDLE\r\n");
  ASSERT_EQ(q->WaitForLine("+"), "+ idling\r\n");
  ExpungeElsewhere(1);
  EXPECT_THAT(q->WaitForLine("* VANISHED"), HasSubstr("* VANISHED 1\r\n"));
  q->Send("DONE\r\n");
  EXPECT_EQ(q->WaitForLine("q2"), "q2 OK IDLE terminated\r\n");
}

// ---- \Recent ----

// \Recent goes to exactly one session: the first one told of the message
// (RFC 3501 §2.3.2).
TEST_F(ImapConcurrencyTest, RecentIsSeenByExactlyOneSession) {
  auto a = Selected();
  auto b = Selected();
  Deliver(kSimpleMessage);
  EXPECT_EQ(Command(*a, "a1", "NOOP"), "* 1 EXISTS\r\n* 1 RECENT\r\na1 OK NOOP completed\r\n");
  EXPECT_EQ(Command(*b, "b1", "NOOP"), "* 1 EXISTS\r\n* 0 RECENT\r\nb1 OK NOOP completed\r\n");
  EXPECT_EQ(Command(*a, "a2", "FETCH 1 FLAGS"),
            "* 1 FETCH (FLAGS (\\Recent))\r\na2 OK FETCH completed\r\n");
  EXPECT_EQ(Command(*b, "b2", "FETCH 1 FLAGS"),
            "* 1 FETCH (FLAGS ())\r\nb2 OK FETCH completed\r\n");
  EXPECT_EQ(Command(*b, "b3", "SEARCH RECENT"), "* SEARCH\r\nb3 OK SEARCH completed\r\n");
  auto c = Login();
  EXPECT_THAT(Command(*c, "c1", "SELECT INBOX"), HasSubstr("* 0 RECENT\r\n"));
}

// A read-only (EXAMINE) session sees \Recent but does not take it: the
// next read-write session still gets it (RFC 3501 §2.3.2, §6.3.2).
TEST_F(ImapConcurrencyTest, ExamineSeesRecentWithoutTakingIt) {
  Deliver(kSimpleMessage);
  auto e = Login();
  EXPECT_THAT(Command(*e, "e1", "EXAMINE INBOX"), HasSubstr("* 1 RECENT\r\n"));
  EXPECT_EQ(Command(*e, "e2", "FETCH 1 FLAGS"),
            "* 1 FETCH (FLAGS (\\Recent))\r\ne2 OK FETCH completed\r\n");
  Deliver(kSimpleMessage);
  EXPECT_EQ(Command(*e, "e3", "NOOP"), "* 2 EXISTS\r\n* 2 RECENT\r\ne3 OK NOOP completed\r\n");
  auto s = Login();
  EXPECT_THAT(Command(*s, "s1", "SELECT INBOX"), HasSubstr("* 2 RECENT\r\n"));
  auto t = Login();
  EXPECT_THAT(Command(*t, "t1", "EXAMINE INBOX"), HasSubstr("* 0 RECENT\r\n"));
}

// ---- Consistency ----

// Three sessions working on one mailbox end up agreeing on it.
TEST_F(ImapConcurrencyTest, SessionsAgreeAfterInterleavedChanges) {
  DeliverMany(5);
  ClaimRecent();
  auto a = Selected();
  auto b = Selected();
  auto c = Login();
  Command(*c, "c0", "ENABLE QRESYNC");
  Command(*c, "c1", "SELECT INBOX");
  Command(*a, "a1", "STORE 1:2 +FLAGS.SILENT (\\Deleted)");
  Command(*b, "b1", "COPY 3 INBOX");
  Command(*c, "c2", "UID STORE 4 +FLAGS.SILENT (\\Flagged)");
  Command(*a, "a2", "EXPUNGE");
  Command(*b, "b2", "MOVE 5 Trash");
  Deliver(kSimpleMessage);
  const std::string expected =
      "* 1 FETCH (UID 3 FLAGS ())\r\n* 2 FETCH (UID 4 FLAGS (\\Flagged))\r\n"
      "* 3 FETCH (UID 6 FLAGS ())\r\n* 4 FETCH (UID 7 FLAGS ())\r\n";
  for (TestConnection* s : {a.get(), b.get(), c.get()}) {
    Command(*s, "n", "NOOP");
    std::string reply = Command(*s, "f", "FETCH 1:* (UID FLAGS)");
    // Messages 6 and 7 are \Recent for whichever session saw them first.
    std::string plain = reply;
    for (size_t p; (p = plain.find(" \\Recent")) != std::string::npos;) plain.erase(p, 8);
    for (size_t p; (p = plain.find("\\Recent")) != std::string::npos;) plain.erase(p, 7);
    EXPECT_EQ(plain, expected + "f OK FETCH completed\r\n");
  }
}

// Two sessions storing on the same message each see the other's change.
TEST_F(ImapConcurrencyTest, ConcurrentStoresMerge) {
  DeliverMany(1);
  ClaimRecent();
  auto a = Selected();
  auto b = Selected();
  a->TakeNew();
  b->TakeNew();
  a->Send("a1 STORE 1 +FLAGS (\\Seen)\r\n");
  b->Send("b1 STORE 1 +FLAGS (\\Flagged)\r\n");
  a->WaitForLine("a1 ");
  b->WaitForLine("b1 ");
  EXPECT_EQ(Command(*a, "a2", "FETCH 1 FLAGS"),
            "* 1 FETCH (FLAGS (\\Seen \\Flagged))\r\na2 OK FETCH completed\r\n");
  EXPECT_EQ(Command(*b, "b2", "FETCH 1 FLAGS"),
            "* 1 FETCH (FLAGS (\\Seen \\Flagged))\r\nb2 OK FETCH completed\r\n");
}

}  // namespace
}  // namespace lemonade::testing
