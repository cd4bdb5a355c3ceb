// End-to-end IMAP sessions in netsim: a client on the phone host talks to
// the Lemonade IMAP server over simulated TCP.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/lemonade_fixture.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class ImapSessionTest : public LemonadeFixture {};

constexpr char kMessage[] =
    "From: Alice <alice@example.org>\r\n"
    "To: Bob <bob@example.org>\r\n"
    "Subject: Lunch\r\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <lunch@example.org>\r\n"
    "\r\n"
    "Noon at the usual place?\r\n";

std::string AppendCommand(const std::string& mailbox, const std::string& flags,
                          const std::string& message) {
  return absl::StrCat("APPEND ", mailbox, " (", flags, ") {", message.size(), "+}\r\n", message);
}

// The greeting carries the capabilities (RFC 3501 §7.1 CAPABILITY code).
TEST_F(ImapSessionTest, GreetingAdvertisesLemonadeCapabilities) {
  auto c = ConnectImap();
  std::string greeting = c->WaitForLine("* OK");
  EXPECT_THAT(greeting, HasSubstr("[CAPABILITY IMAP4rev1"));
  for (const char* cap : {"CATENATE", "URLAUTH", "CONDSTORE", "QRESYNC", "IDLE", "UIDPLUS",
                          "LITERAL+", "BINARY", "COMPRESS=DEFLATE", "ESEARCH", "ENABLE",
                          "X-DRAFT-W02-RECONNECT"}) {
    EXPECT_THAT(greeting, HasSubstr(cap)) << cap;
  }
}

// Wrong passwords are refused with AUTHENTICATIONFAILED after the delay.
TEST_F(ImapSessionTest, WrongPasswordIsRefused) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("* OK"));
  const Time before = world_->Now();
  std::string reply = Command(*c, "a1", "LOGIN bob wrong");
  EXPECT_THAT(reply, HasSubstr("a1 NO [AUTHENTICATIONFAILED]"));
  EXPECT_GE(world_->Now() - before, Duration::Seconds(1));
  EXPECT_THAT(Command(*c, "a2", "SELECT INBOX"), HasSubstr("a2 BAD"));
}

// APPEND, SELECT, FETCH, STORE, SEARCH, EXPUNGE: the RFC 3501 basics.
TEST_F(ImapSessionTest, AppendSelectFetchStoreSearchExpunge) {
  auto c = LoggedIn();
  std::string appended = Command(*c, "a1", AppendCommand("INBOX", "\\Flagged", kMessage));
  EXPECT_THAT(appended, HasSubstr("a1 OK [APPENDUID "));
  std::string select = Command(*c, "a2", "SELECT INBOX");
  EXPECT_THAT(select, HasSubstr("* 1 EXISTS"));
  EXPECT_THAT(select, HasSubstr("* 1 RECENT"));
  EXPECT_THAT(select, HasSubstr("OK [UIDNEXT 2]"));
  EXPECT_THAT(select, HasSubstr("a2 OK [READ-WRITE]"));

  std::string fetch = Command(*c, "a3", "FETCH 1 (FLAGS RFC822.SIZE UID BODY.PEEK[HEADER.FIELDS (Subject)])");
  EXPECT_THAT(fetch, HasSubstr("FLAGS (\\Flagged \\Recent)"));
  EXPECT_THAT(fetch, HasSubstr(absl::StrCat("RFC822.SIZE ", sizeof(kMessage) - 1)));
  EXPECT_THAT(fetch, HasSubstr("UID 1"));

  std::string body = Command(*c, "a4", "FETCH 1 BODY[TEXT]");
  EXPECT_THAT(body, HasSubstr("Noon at the usual place?"));
  EXPECT_THAT(body, HasSubstr("\\Seen"));  // BODY[] sets \Seen and says so

  EXPECT_THAT(Command(*c, "a5", "SEARCH UNSEEN"), HasSubstr("* SEARCH\r\n"));
  EXPECT_THAT(Command(*c, "a6", "SEARCH FLAGGED SEEN"), HasSubstr("* SEARCH 1\r\n"));

  std::string store = Command(*c, "a7", "STORE 1 +FLAGS (\\Deleted)");
  EXPECT_THAT(store, HasSubstr("* 1 FETCH (FLAGS (\\Seen \\Flagged \\Deleted \\Recent))"));
  std::string expunge = Command(*c, "a8", "EXPUNGE");
  EXPECT_THAT(expunge, HasSubstr("* 1 EXPUNGE"));
  EXPECT_THAT(expunge, HasSubstr("a8 OK"));
  EXPECT_THAT(Command(*c, "a9", "STATUS INBOX (MESSAGES UIDNEXT)"),
              HasSubstr("* STATUS INBOX (MESSAGES 0 UIDNEXT 2)"));
  EXPECT_THAT(Command(*c, "a10", "LOGOUT"), HasSubstr("* BYE"));
  EXPECT_TRUE(c->WaitForClose());
}

// A second session sees another's APPEND as EXISTS, and its flag change as
// FETCH, at its next command (RFC 3501 §7.3.1, §7.4.2).
TEST_F(ImapSessionTest, ConcurrentSessionsSeeEachOthersChanges) {
  auto a = LoggedIn();
  auto b = LoggedIn();
  Command(*a, "a1", "SELECT INBOX");
  Command(*b, "b1", "SELECT INBOX");
  Command(*a, "a2", AppendCommand("INBOX", "", kMessage));
  std::string noop = Command(*b, "b2", "NOOP");
  EXPECT_THAT(noop, HasSubstr("* 1 EXISTS"));
  Command(*a, "a3", "STORE 1 +FLAGS.SILENT (\\Answered)");
  EXPECT_THAT(Command(*b, "b3", "NOOP"), HasSubstr("* 1 FETCH (UID 1 FLAGS (\\Answered"));
  Command(*a, "a4", "STORE 1 +FLAGS.SILENT (\\Deleted)");
  Command(*a, "a5", "EXPUNGE");
  // Not during FETCH by sequence number...
  std::string fetch = Command(*b, "b4", "FETCH 1 FLAGS");
  EXPECT_THAT(fetch, Not(HasSubstr("EXPUNGE")));
  // ...but at the next NOOP.
  EXPECT_THAT(Command(*b, "b5", "NOOP"), HasSubstr("* 1 EXPUNGE"));
}

// IDLE pushes a new message at once (RFC 2177).
TEST_F(ImapSessionTest, IdlePushesNewMessagesImmediately) {
  auto a = LoggedIn();
  auto b = LoggedIn();
  Command(*b, "b1", "SELECT INBOX");
  b->TakeNew();
  b->Send("b2 IDLE\r\n");
  ASSERT_TRUE(b->WaitFor("+ idling"));
  Command(*a, "a1", AppendCommand("INBOX", "", kMessage));
  EXPECT_TRUE(b->WaitFor("* 1 EXISTS"));
  b->Send("DONE\r\n");
  EXPECT_TRUE(b->WaitFor("b2 OK"));
}

// CONDSTORE: UNCHANGEDSINCE conflicts are reported with MODIFIED (RFC 7162 §3.1.3).
TEST_F(ImapSessionTest, ConditionalStoreReportsModified) {
  auto c = LoggedIn();
  Command(*c, "a1", AppendCommand("INBOX", "", kMessage));
  Command(*c, "a2", AppendCommand("INBOX", "", kMessage));
  std::string select = Command(*c, "a3", "SELECT INBOX (CONDSTORE)");
  EXPECT_THAT(select, HasSubstr("[HIGHESTMODSEQ "));
  std::string fetch = Command(*c, "a4", "FETCH 1:2 (MODSEQ)");
  EXPECT_THAT(fetch, HasSubstr("MODSEQ ("));
  // Message 2 changes; a store conditional on the old MODSEQ then fails for it.
  Command(*c, "a5", "STORE 2 +FLAGS.SILENT (\\Flagged)");
  std::string conditional = Command(*c, "a6", "STORE 1:2 (UNCHANGEDSINCE 3) +FLAGS.SILENT ($Done)");
  EXPECT_THAT(conditional, HasSubstr("a6 OK [MODIFIED 2]"));
  // Message 1 passed: a FETCH with its new MODSEQ even though .SILENT.
  EXPECT_THAT(conditional, ::testing::ContainsRegex("\\* 1 FETCH \\((UID 1 )?MODSEQ \\("));
}

// QRESYNC: a reconnecting client learns what vanished and what changed,
// including an expunge of the highest UID (RFC 7162 §3.2.5).
TEST_F(ImapSessionTest, QresyncReportsVanishedIncludingHighestUid) {
  auto c = LoggedIn();
  for (int i = 0; i < 5; ++i) Command(*c, "a" + std::to_string(i), AppendCommand("INBOX", "", kMessage));
  Command(*c, "e1", "ENABLE QRESYNC");
  std::string select = Command(*c, "s1", "SELECT INBOX");
  std::string modseq;
  {
    size_t p = select.find("[HIGHESTMODSEQ ");
    ASSERT_NE(p, std::string::npos);
    p += 15;
    modseq = select.substr(p, select.find(']', p) - p);
  }
  std::string uidvalidity;
  {
    size_t p = select.find("[UIDVALIDITY ");
    p += 13;
    uidvalidity = select.substr(p, select.find(']', p) - p);
  }
  Command(*c, "l1", "LOGOUT");
  // Offline: another session flags 2 and expunges 3 and 5 (the highest).
  auto other = LoggedIn();
  Command(*other, "o1", "SELECT INBOX");
  Command(*other, "o2", "STORE 2 +FLAGS.SILENT (\\Seen)");
  Command(*other, "o3", "STORE 3,5 +FLAGS.SILENT (\\Deleted)");
  Command(*other, "o4", "EXPUNGE");

  auto again = LoggedIn();
  Command(*again, "e2", "ENABLE QRESYNC");
  std::string resync = Command(
      *again, "s2", absl::StrCat("SELECT INBOX (QRESYNC (", uidvalidity, " ", modseq, " 1:5))"));
  EXPECT_THAT(resync, HasSubstr("* VANISHED (EARLIER) 3,5"));
  EXPECT_THAT(resync, HasSubstr("FETCH (UID 2 FLAGS (\\Seen"));
  EXPECT_THAT(resync, Not(HasSubstr("UID 1 FLAGS")));
  EXPECT_THAT(resync, HasSubstr("* 3 EXISTS"));
}

// A dropped session resumes in one round trip (the profile's section 4).
TEST_F(ImapSessionTest, SessionResumeRestoresSelectionInOneRoundTrip) {
  std::string sid, modseq;
  {
    auto c = LoggedIn();
    std::string select = Command(*c, "s1", "SELECT INBOX");
    size_t p = select.find("[HIGHESTMODSEQ ") + 15;
    modseq = select.substr(p, select.find(']', p) - p);
    // The session id came with the login.
    size_t q = c->received().find("[X-SID ");
    ASSERT_NE(q, std::string::npos);
    q += 7;
    sid = c->received().substr(q, c->received().find(']', q) - q);
    c->Close();  // the phone loses coverage: no LOGOUT
  }
  RunUntil([this] { return imap_server_->connection_count() == 0; });
  auto other = LoggedIn("bob", "secret");
  Command(*other, "o1", AppendCommand("INBOX", "", kMessage));

  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("* OK"));
  std::string resumed = Command(*c, "r1", "LOGIN bob secret (SID " + sid + " " + modseq + ")");
  EXPECT_THAT(resumed, HasSubstr("* 1 EXISTS"));
  EXPECT_THAT(resumed, HasSubstr("[UIDVALIDITY "));
  EXPECT_THAT(resumed, HasSubstr("* 1 FETCH (UID 1 FLAGS"));
  EXPECT_THAT(resumed, HasSubstr("r1 OK"));
  // The selection is back: FETCH works without SELECT.
  EXPECT_THAT(Command(*c, "r2", "FETCH 1 UID"), HasSubstr("* 1 FETCH (UID 1)"));
  // A session id works once.
  auto third = ConnectImap();
  ASSERT_TRUE(third->WaitFor("* OK"));
  EXPECT_THAT(Command(*third, "t1", "LOGIN bob secret (SID " + sid + " 1)"),
              HasSubstr("[X-SID-EXPIRED]"));
}

// Malformed input gets BAD and the session goes on.
TEST_F(ImapSessionTest, MalformedCommandsGetBadAndSessionSurvives) {
  auto c = LoggedIn();
  EXPECT_THAT(Command(*c, "a1", "FETCH"), HasSubstr("a1 BAD"));
  EXPECT_THAT(Command(*c, "a2", "NOSUCHCOMMAND"), HasSubstr("a2 BAD"));
  EXPECT_THAT(Command(*c, "a3", "SELECT \"unterminated"), HasSubstr("a3 BAD"));
  EXPECT_THAT(Command(*c, "a4", "FETCH 1 FLAGS"), HasSubstr("a4 BAD"));  // nothing selected
  EXPECT_THAT(Command(*c, "a5", "NOOP"), HasSubstr("a5 OK"));
}

// A literal beyond APPENDLIMIT is refused before it is sent (TOOBIG).
TEST_F(ImapSessionTest, OversizedLiteralIsRefusedBeforeUpload) {
  auto c = LoggedIn();
  c->TakeNew();
  c->Send("a1 APPEND INBOX {999999999999}\r\n");
  std::string reply = c->WaitForLine("a1 ");
  EXPECT_THAT(reply, HasSubstr("a1 BAD [TOOBIG]"));
  EXPECT_THAT(reply, Not(HasSubstr("+ ")));
  EXPECT_THAT(Command(*c, "a2", "NOOP"), HasSubstr("a2 OK"));
}

}  // namespace
}  // namespace lemonade::testing
