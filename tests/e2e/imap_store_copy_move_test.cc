// IMAP conformance: STORE (RFC 3501 §6.4.6) in every mode, conditional
// STORE with UNCHANGEDSINCE/MODIFIED (RFC 7162 §3.1.3), COPY with COPYUID
// (RFC 4315), MOVE with its untagged COPYUID before the expunges (RFC
// 6851), EXPUNGE, UID EXPUNGE and CLOSE (RFC 3501 §6.4.2, §6.4.3, RFC
// 4315 §2.1, RFC 7162 §3.2.7 to §3.2.9).
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/imap_test_support.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class ImapStoreCopyMoveTest : public ImapConformanceTest {
 protected:
  // Delivers `n` copies of the simple message (UIDs 1..n).
  void DeliverMany(int n, const std::string& mailbox = "INBOX") {
    for (int i = 0; i < n; ++i) Deliver(kSimpleMessage, mailbox);
  }
};

// ---- RFC examples ----

// RFC 3501 §6.4.6: +FLAGS answers each message's new flags.
TEST_F(ImapStoreCopyMoveTest, Rfc3501StoreExample) {
  Deliver(kSimpleMessage);
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagSeen);
  Deliver(kSimpleMessage);
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagSeen | store::kFlagFlagged);
  ClaimRecent();
  auto c = Selected();
  RunTranscript("rfc3501 6.4.6 STORE", {c.get()});
}

// RFC 3501 §6.4.3: each EXPUNGE already counts the ones before it.
TEST_F(ImapStoreCopyMoveTest, Rfc3501ExpungeExample) {
  for (int i = 1; i <= 11; ++i) {
    const bool deleted = i == 3 || i == 4 || i == 7 || i == 11;
    Deliver(kSimpleMessage, "INBOX", "bob", deleted ? store::kFlagDeleted : 0);
  }
  auto c = Selected();
  RunTranscript("rfc3501 6.4.3 EXPUNGE", {c.get()});
}

// RFC 3501 §6.4.2: CLOSE expunges without a word.
TEST_F(ImapStoreCopyMoveTest, Rfc3501CloseExample) {
  for (int i = 1; i <= 11; ++i) {
    const bool deleted = i == 3 || i == 4 || i == 7 || i == 11;
    Deliver(kSimpleMessage, "INBOX", "bob", deleted ? store::kFlagDeleted : 0);
  }
  auto c = Selected();
  RunTranscript("rfc3501 6.4.2 CLOSE", {c.get()});
}

// RFC 4315 §2.1: UID EXPUNGE removes only listed \Deleted messages.
TEST_F(ImapStoreCopyMoveTest, Rfc4315UidExpungeExample) {
  for (int i = 1; i <= 7; ++i)
    Deliver(kSimpleMessage, "INBOX", "bob", i >= 4 ? store::kFlagDeleted : 0);
  ExpungeUids({3});
  ClaimRecent();
  auto c = Selected();
  RunTranscript("rfc4315 2.1 UID EXPUNGE", {c.get()});
}

// RFC 4315 §3: COPYUID pairs source and destination UIDs in order.
TEST_F(ImapStoreCopyMoveTest, Rfc4315CopyuidExample) {
  DeliverMany(7);
  ExpungeUids({3});
  auto c = Selected();
  Command(*c, "a0", "CREATE MEETING");
  RunTranscript("rfc4315 3 COPYUID", {c.get()}, {{"V", absl::StrCat(UidValidity("MEETING"))}});
}

// RFC 6851 §3.3: UID MOVE, untagged COPYUID, then the expunges.
TEST_F(ImapStoreCopyMoveTest, Rfc6851MoveExample) {
  DeliverMany(5);
  auto c = Selected();
  Command(*c, "a0", "CREATE foo");
  RunTranscript("rfc6851 3.3 UID MOVE", {c.get()}, {{"V", absl::StrCat(UidValidity("foo"))}});
}

// RFC 6851 §4.4: with QRESYNC, VANISHED and the new HIGHESTMODSEQ.
TEST_F(ImapStoreCopyMoveTest, Rfc6851MoveWithQresync) {
  DeliverMany(5);
  auto c = Login();
  Command(*c, "a0", "CREATE foo");
  Command(*c, "a1", "ENABLE QRESYNC");
  Command(*c, "a2", "SELECT INBOX");
  RunTranscript("rfc6851 4.4 MOVE with QRESYNC", {c.get()},
                {{"V", absl::StrCat(UidValidity("foo"))}});
  EXPECT_EQ(HighestModseq("INBOX"), ModseqOf(5) + 1);
}

// RFC 7162 examples 3 to 5: conditional STOREs that all pass.
TEST_F(ImapStoreCopyMoveTest, Rfc7162ConditionalStoreExamples) {
  DeliverMany(8);
  ExpungeUids({1, 2, 3, 5});
  ClaimRecent();
  auto c = Selected();
  RunTranscript("rfc7162 example 3 to 5 conditional STORE", {c.get()});
}

// RFC 7162 example 6: MODIFIED for the messages changed meanwhile.
TEST_F(ImapStoreCopyMoveTest, Rfc7162ModifiedExample) {
  DeliverMany(10);
  ExpungeUids({1});
  ClaimRecent();
  auto c = Selected();
  const std::string since = absl::StrCat(HighestModseq("INBOX"));
  auto other = Selected();
  // \Deleted, the flag the conditional STORE sets: a change to other
  // flags would not fail it (§3.1.12, below).
  Command(*other, "o1", "STORE 7 +FLAGS (\\Deleted)");
  Command(*other, "o2", "STORE 9 +FLAGS (\\Deleted)");
  RunTranscript("rfc7162 example 6 MODIFIED", {c.get()}, {{"SINCE", since}});
}

// RFC 7162 §3.1.12: another client changed \Deleted on message 2, which
// this client has not been told yet; a conditional +FLAGS of $Processed
// (or -FLAGS of \Seen) does not care, so it succeeds without a spurious
// MODIFIED and the client gets message 2's new FLAGS even with .SILENT.
// A change to the flag being stored, or a replacing FLAGS, still gets
// MODIFIED.
TEST_F(ImapStoreCopyMoveTest, Rfc7162NoSpuriousModified) {
  DeliverMany(4);
  ClaimRecent();
  auto c = Selected();
  const std::string since = absl::StrCat(HighestModseq("INBOX"));
  auto other = Selected();
  Command(*other, "o1", "STORE 2 +FLAGS (\\Deleted)");
  Command(*other, "o2", "STORE 3 +FLAGS ($Processed)");
  RunTranscript("rfc7162 3.1.12 no spurious MODIFIED", {c.get(), other.get()},
                {{"SINCE", since}});
}

// RFC 7162 example 7: UNCHANGEDSINCE 0 always fails.
TEST_F(ImapStoreCopyMoveTest, Rfc7162UnchangedSinceZero) {
  DeliverMany(12);
  auto c = Selected();
  RunTranscript("rfc7162 example 7 UNCHANGEDSINCE 0", {c.get()});
}

// RFC 7162 example 11: a conditional STORE over expunged messages.
TEST_F(ImapStoreCopyMoveTest, Rfc7162ExpungedMessagesExample) {
  DeliverMany(7);
  ClaimRecent();
  auto c = Selected();
  const std::string since = absl::StrCat(HighestModseq("INBOX"));
  auto other = Selected();
  Command(*other, "o1", "STORE 4:7 +FLAGS.SILENT (\\Deleted)");
  Command(*other, "o2", "EXPUNGE");
  Command(*other, "o3", "STORE 2 +FLAGS.SILENT (\\Seen \\Answered)");
  const std::string safe = absl::StrCat(ModseqOf(2) - 2);  // below the expunge
  RunTranscript("rfc7162 example 11 expunged messages", {c.get()},
                {{"SINCE", since}, {"SAFE", safe}});
}

// RFC 7162 example 14: another session's changes carry MODSEQ.
TEST_F(ImapStoreCopyMoveTest, Rfc7162OtherSessionsExample) {
  DeliverMany(7);
  ClaimRecent();
  auto a = Login();
  Command(*a, "a0", "ENABLE CONDSTORE");
  Command(*a, "a1", "SELECT INBOX");
  auto b = Login();
  Command(*b, "b0", "SELECT INBOX (CONDSTORE)");
  RunTranscript("rfc7162 example 14 other sessions", {a.get(), b.get()});
}

// ---- STORE ----

// FLAGS replaces, +FLAGS adds, -FLAGS removes; each answers the result.
TEST_F(ImapStoreCopyMoveTest, StoreModes) {
  Deliver(kSimpleMessage);
  ClaimRecent();
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "STORE 1 FLAGS (\\Seen \\Draft kw1)"),
            "* 1 FETCH (FLAGS (\\Seen \\Draft kw1))\r\na1 OK STORE completed\r\n");
  EXPECT_EQ(Command(*c, "a2", "STORE 1 +FLAGS (\\Answered kw2)"),
            "* 1 FETCH (FLAGS (\\Seen \\Answered \\Draft kw1 kw2))\r\na2 OK STORE completed\r\n");
  EXPECT_EQ(Command(*c, "a3", "STORE 1 -FLAGS (\\Seen KW1)"),
            "* 1 FETCH (FLAGS (\\Answered \\Draft kw2))\r\na3 OK STORE completed\r\n");
  EXPECT_EQ(Command(*c, "a4", "STORE 1 FLAGS ()"),
            "* 1 FETCH (FLAGS ())\r\na4 OK STORE completed\r\n");
}

// .SILENT suppresses the FETCH responses (RFC 3501 §6.4.6).
TEST_F(ImapStoreCopyMoveTest, StoreSilent) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "STORE 1 +FLAGS.SILENT (\\Seen)"), "a1 OK STORE completed\r\n");
  EXPECT_EQ(Command(*c, "a2", "FETCH 1 FLAGS"),
            "* 1 FETCH (FLAGS (\\Seen \\Recent))\r\na2 OK FETCH completed\r\n");
}

// UID STORE includes UID in its FETCH responses (RFC 3501 §6.4.8).
TEST_F(ImapStoreCopyMoveTest, UidStoreIncludesUid) {
  DeliverMany(3);
  ExpungeUids({1});
  ClaimRecent();
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "UID STORE 3 +FLAGS (\\Flagged)"),
            "* 2 FETCH (UID 3 FLAGS (\\Flagged))\r\na1 OK STORE completed\r\n");
  EXPECT_EQ(Command(*c, "a2", "UID STORE 1:2 +FLAGS (\\Flagged)"),
            "* 1 FETCH (UID 2 FLAGS (\\Flagged))\r\na2 OK STORE completed\r\n");
}

// Flags without parentheses are accepted (RFC 3501 §9 store-att-flags).
TEST_F(ImapStoreCopyMoveTest, StoreFlagsWithoutParentheses) {
  Deliver(kSimpleMessage);
  ClaimRecent();
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "STORE 1 +FLAGS \\Seen $Forwarded"),
            "* 1 FETCH (FLAGS (\\Seen $Forwarded))\r\na1 OK STORE completed\r\n");
}

// \Recent cannot be stored, unknown system flags and invalid keywords are
// BAD (RFC 3501 §2.3.2).
TEST_F(ImapStoreCopyMoveTest, StoreRejectsInvalidFlags) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "STORE 1 +FLAGS (\\Recent)"), "a1 BAD \\Recent cannot be stored\r\n");
  EXPECT_EQ(Command(*c, "a2", "STORE 1 +FLAGS (\\Bogus)"),
            "a2 BAD Unknown system flag \\Bogus\r\n");
  EXPECT_THAT(Command(*c, "a3", "STORE 1 +FLAGS (a]b)"), StartsWith("a3 BAD "));
  EXPECT_EQ(Command(*c, "a4", "FETCH 1 FLAGS"),
            "* 1 FETCH (FLAGS (\\Recent))\r\na4 OK FETCH completed\r\n");
}

// Removing a keyword the mailbox never had is a quiet no-op.
TEST_F(ImapStoreCopyMoveTest, RemovingUnknownKeywordIsNoop) {
  Deliver(kSimpleMessage);
  ClaimRecent();
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "STORE 1 -FLAGS (NeverSeen)"),
            "* 1 FETCH (FLAGS ())\r\na1 OK STORE completed\r\n");
}

// A mailbox holds at most 64 keywords; one more is refused with LIMIT.
TEST_F(ImapStoreCopyMoveTest, TooManyKeywordsIsLimit) {
  Deliver(kSimpleMessage);
  ClaimRecent();
  auto c = Selected();
  std::string keywords;
  for (int i = 0; i < 64; ++i) absl::StrAppend(&keywords, i ? " " : "", "k", i);
  EXPECT_THAT(Command(*c, "a1", "STORE 1 +FLAGS.SILENT (" + keywords + ")"), StartsWith("a1 OK"));
  EXPECT_THAT(Command(*c, "a2", "STORE 1 +FLAGS.SILENT (one-more)"), StartsWith("a2 NO [LIMIT] "));
  EXPECT_EQ(Command(*c, "a3", "STORE 1 -FLAGS.SILENT (k0)"), "a3 OK STORE completed\r\n");
}

// STORE in a mailbox opened with EXAMINE is refused (RFC 3501 §6.3.2).
TEST_F(ImapStoreCopyMoveTest, StoreInExamineIsRefused) {
  Deliver(kSimpleMessage);
  auto c = Login();
  Command(*c, "a0", "EXAMINE INBOX");
  EXPECT_EQ(Command(*c, "a1", "STORE 1 +FLAGS (\\Seen)"),
            "a1 NO [READ-ONLY] Mailbox is read-only\r\n");
}

// A message listed twice is processed once, and UNCHANGEDSINCE does not
// fail its second occurrence (RFC 7162 §3.1.3 note).
TEST_F(ImapStoreCopyMoveTest, DuplicateMessagesInConditionalStore) {
  DeliverMany(3);
  ClaimRecent();
  auto c = Selected();
  std::string reply = Command(*c, "e105",
                              absl::StrCat("STORE 2,1:3 (UNCHANGEDSINCE ", HighestModseq("INBOX"),
                                           ") +FLAGS.SILENT (\\Deleted)"));
  EXPECT_THAT(reply, HasSubstr("e105 OK STORE completed\r\n"));
  EXPECT_THAT(reply, HasSubstr("* 2 FETCH (UID 2 MODSEQ ("));
}

// With CONDSTORE on, a plain STORE's FETCH carries UID and MODSEQ (RFC
// 7162 §3.2.4), .SILENT included.
TEST_F(ImapStoreCopyMoveTest, StoreWithCondstoreCarriesUidAndModseq) {
  DeliverMany(2);
  ClaimRecent();
  auto c = Login();
  Command(*c, "a0", "ENABLE CONDSTORE");
  Command(*c, "a1", "SELECT INBOX");
  std::string reply = Command(*c, "a2", "STORE 2 +FLAGS (\\Seen)");
  EXPECT_EQ(reply, absl::StrCat("* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (", ModseqOf(2),
                                "))\r\na2 OK STORE completed\r\n"));
  reply = Command(*c, "a3", "STORE 1 +FLAGS.SILENT (\\Seen)");
  EXPECT_EQ(reply, absl::StrCat("* 1 FETCH (UID 1 MODSEQ (", ModseqOf(1),
                                "))\r\na3 OK STORE completed\r\n"));
}

// ---- COPY ----

// COPY keeps flags, keywords and INTERNALDATE; the copies are \Recent in
// the destination (RFC 3501 §6.4.7).
TEST_F(ImapStoreCopyMoveTest, CopyKeepsFlagsKeywordsAndDate) {
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagSeen | store::kFlagAnswered, {"$Forwarded"},
          kEpochUnixSeconds - 86400, 120);
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "COPY 1 Trash"),
            absl::StrCat("a1 OK [COPYUID ", UidValidity("Trash"), " 1 1] COPY completed\r\n"));
  Command(*c, "a2", "SELECT Trash");
  EXPECT_EQ(Command(*c, "a3", "FETCH 1 (FLAGS INTERNALDATE)"),
            "* 1 FETCH (FLAGS (\\Seen \\Answered \\Recent $Forwarded) INTERNALDATE "
            "\"31-Dec-2023 02:00:00 +0200\")\r\na3 OK FETCH completed\r\n");
}

// COPY to a mailbox that does not exist says TRYCREATE (RFC 3501 §6.4.7).
TEST_F(ImapStoreCopyMoveTest, CopyToMissingMailboxIsTrycreate) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "COPY 1 nosuch"), "a1 NO [TRYCREATE] No such mailbox\r\n");
  EXPECT_EQ(Command(*c, "a2", "MOVE 1 nosuch"), "a2 NO [TRYCREATE] No such mailbox\r\n");
}

// COPY into the selected mailbox announces the copies with EXISTS.
TEST_F(ImapStoreCopyMoveTest, CopyIntoSelectedMailboxAnnouncesExists) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "COPY 1 INBOX"),
            absl::StrCat("* 2 EXISTS\r\n* 2 RECENT\r\na1 OK [COPYUID ", UidValidity("INBOX"),
                         " 1 2] COPY completed\r\n"));
}

// COPY works from a read-only (EXAMINE) mailbox.
TEST_F(ImapStoreCopyMoveTest, CopyFromExamine) {
  Deliver(kSimpleMessage);
  auto c = Login();
  Command(*c, "a0", "EXAMINE INBOX");
  EXPECT_THAT(Command(*c, "a1", "COPY 1 Trash"), StartsWith("a1 OK [COPYUID "));
}

// ---- MOVE ----

// MOVE by sequence numbers: COPYUID first, then EXPUNGE responses; the
// moved messages never get \Deleted (RFC 6851 §3.3).
TEST_F(ImapStoreCopyMoveTest, MoveExpungesWithoutDeletedFlag) {
  DeliverMany(3);
  ClaimRecent();
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "MOVE 1,3 Trash"),
            absl::StrCat("* OK [COPYUID ", UidValidity("Trash"), " 1,3 1:2] Moved\r\n",
                         "* 1 EXPUNGE\r\n* 2 EXPUNGE\r\na1 OK MOVE completed\r\n"));
  Command(*c, "a2", "SELECT Trash");
  EXPECT_EQ(
      Command(*c, "a3", "FETCH 1:* FLAGS"),
      "* 1 FETCH (FLAGS (\\Recent))\r\n* 2 FETCH (FLAGS (\\Recent))\r\na3 OK FETCH completed\r\n");
}

// MOVE within the selected mailbox gives new UIDs and removes the
// originals (RFC 6851 §3.3) — it must not duplicate them.
TEST_F(ImapStoreCopyMoveTest, MoveIntoSameMailbox) {
  DeliverMany(2);
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "MOVE 1 INBOX"),
            absl::StrCat("* OK [COPYUID ", UidValidity("INBOX"), " 1 3] Moved\r\n",
                         "* 1 EXPUNGE\r\n* 2 EXISTS\r\n* 2 RECENT\r\na1 OK MOVE completed\r\n"));
  EXPECT_EQ(Command(*c, "a2", "FETCH 1:* UID"),
            "* 1 FETCH (UID 2)\r\n* 2 FETCH (UID 3)\r\na2 OK FETCH completed\r\n");
}

// MOVE needs write access to the source (RFC 6851 §4.2).
TEST_F(ImapStoreCopyMoveTest, MoveInExamineIsRefused) {
  Deliver(kSimpleMessage);
  auto c = Login();
  Command(*c, "a0", "EXAMINE INBOX");
  EXPECT_EQ(Command(*c, "a1", "MOVE 1 Trash"), "a1 NO [READ-ONLY] Mailbox is read-only\r\n");
  EXPECT_EQ(Command(*c, "a2", "STATUS Trash (MESSAGES)"),
            "* STATUS Trash (MESSAGES 0)\r\na2 OK STATUS completed\r\n");
}

// MOVE of nothing succeeds without COPYUID.
TEST_F(ImapStoreCopyMoveTest, MoveOfNothing) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "UID MOVE 50:60 Trash"), "a1 OK MOVE completed\r\n");
}

// ---- EXPUNGE and CLOSE ----

// EXPUNGE in an EXAMINEd mailbox is refused.
TEST_F(ImapStoreCopyMoveTest, ExpungeInExamineIsRefused) {
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagDeleted);
  auto c = Login();
  Command(*c, "a0", "EXAMINE INBOX");
  EXPECT_EQ(Command(*c, "a1", "EXPUNGE"), "a1 NO [READ-ONLY] Mailbox is read-only\r\n");
}

// With QRESYNC, EXPUNGE answers VANISHED and puts HIGHESTMODSEQ in its OK
// (RFC 7162 §3.2.7); with nothing to expunge the OK is plain.
TEST_F(ImapStoreCopyMoveTest, ExpungeWithQresync) {
  for (int i = 1; i <= 6; ++i) {
    Deliver(kSimpleMessage, "INBOX", "bob", i % 2 == 0 ? store::kFlagDeleted : 0);
  }
  auto c = Login();
  Command(*c, "a0", "ENABLE QRESYNC");
  Command(*c, "a1", "SELECT INBOX");
  std::string reply = Command(*c, "B202", "EXPUNGE");
  EXPECT_EQ(reply, absl::StrCat("* VANISHED 2,4,6\r\nB202 OK [HIGHESTMODSEQ ",
                                HighestModseq("INBOX"), "] EXPUNGE completed\r\n"));
  EXPECT_EQ(Command(*c, "B203", "EXPUNGE"), "B203 OK EXPUNGE completed\r\n");
}

// UID EXPUNGE with QRESYNC likewise (RFC 7162 §3.2.9).
TEST_F(ImapStoreCopyMoveTest, UidExpungeWithQresync) {
  for (int i = 1; i <= 4; ++i) Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagDeleted);
  auto c = Login();
  Command(*c, "a0", "ENABLE QRESYNC");
  Command(*c, "a1", "SELECT INBOX");
  std::string reply = Command(*c, "a2", "UID EXPUNGE 2:3");
  EXPECT_EQ(reply, absl::StrCat("* VANISHED 2:3\r\na2 OK [HIGHESTMODSEQ ", HighestModseq("INBOX"),
                                "] EXPUNGE completed\r\n"));
}

// CLOSE sends no HIGHESTMODSEQ and no VANISHED (RFC 7162 §3.2.8).
TEST_F(ImapStoreCopyMoveTest, CloseWithQresyncIsSilent) {
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagDeleted);
  auto c = Login();
  Command(*c, "a0", "ENABLE QRESYNC");
  Command(*c, "a1", "SELECT INBOX");
  EXPECT_EQ(Command(*c, "A202", "CLOSE"), "A202 OK CLOSE completed\r\n");
  EXPECT_EQ(Command(*c, "a3", "STATUS INBOX (MESSAGES)"),
            "* STATUS INBOX (MESSAGES 0)\r\na3 OK STATUS completed\r\n");
}

// CLOSE of an EXAMINEd mailbox expunges nothing (RFC 3501 §6.4.2).
TEST_F(ImapStoreCopyMoveTest, CloseAfterExamineKeepsDeleted) {
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagDeleted);
  auto c = Login();
  Command(*c, "a0", "EXAMINE INBOX");
  EXPECT_EQ(Command(*c, "a1", "CLOSE"), "a1 OK CLOSE completed\r\n");
  EXPECT_EQ(Command(*c, "a2", "STATUS INBOX (MESSAGES)"),
            "* STATUS INBOX (MESSAGES 1)\r\na2 OK STATUS completed\r\n");
}

// CHECK completes once everything is durable (RFC 3501 §6.4.1).
TEST_F(ImapStoreCopyMoveTest, CheckCompletes) {
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "CHECK"), "a1 OK CHECK completed\r\n");
}

}  // namespace
}  // namespace lemonade::testing
