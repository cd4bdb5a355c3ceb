// IMAP conformance: the not-authenticated state and the state machine
// (RFC 3501 §3, §6.1, §6.2.3): greeting, CAPABILITY, LOGIN, LOGOUT, NOOP,
// failed logins, which commands each state accepts, and the autologout
// timer. SASL, STARTTLS and LOGINDISABLED are in imap_extensions_test.cc.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/imap_test_support.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ImapAuthTest : public ImapConformanceTest {};

constexpr char kCapabilitiesCommon[] =
    "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS CHILDREN SPECIAL-USE "
    "CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS MOVE BINARY CATENATE URLAUTH URLAUTH=BINARY "
    "URL-PARTIAL CONDSTORE ESEARCH SEARCHRES SORT ESORT STATUS=SIZE MULTIAPPEND QRESYNC APPENDLIMIT=67108864 "
    "COMPRESS=DEFLATE X-DRAFT-W02-RECONNECT";

// The greeting is an untagged OK carrying the CAPABILITY response code
// (RFC 3501 §7.1), plaintext mechanisms included on this private link.
TEST_F(ImapAuthTest, GreetingCarriesCapabilities) {
  auto c = ConnectImap();
  EXPECT_EQ(c->WaitForLine("* "),
            absl::StrCat("* OK [CAPABILITY ", kCapabilitiesCommon,
                         " AUTH=PLAIN AUTH=LOGIN] imap.example.org Lemonade IMAP4rev1 server "
                         "ready\r\n"));
}

// CAPABILITY before login lists the same capabilities as the greeting
// (RFC 3501 §6.1.1).
TEST_F(ImapAuthTest, CapabilityBeforeLoginMatchesGreeting) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  EXPECT_EQ(Command(*c, "a1", "CAPABILITY"), absl::StrCat("* CAPABILITY ", kCapabilitiesCommon,
                                                          " AUTH=PLAIN AUTH=LOGIN\r\n"
                                                          "a1 OK CAPABILITY completed\r\n"));
}

// A successful LOGIN's tagged OK carries the post-login capabilities,
// without AUTH= mechanisms (RFC 3501 §6.2.3, §7.1), after the session id
// of the quick reconnect extension.
TEST_F(ImapAuthTest, LoginOkCarriesPostLoginCapabilities) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  std::string reply = Command(*c, "a1", "LOGIN bob secret");
  const std::string sid = Between(reply, "[X-SID ", "]");
  EXPECT_EQ(sid.size(), 25u) << reply;
  EXPECT_EQ(reply,
            absl::StrCat("* OK [X-SID ", sid, "] Session id for quick reconnect\r\n",
                         "a1 OK [CAPABILITY ", kCapabilitiesCommon, "] bob authenticated\r\n"));
  EXPECT_EQ(Command(*c, "a2", "CAPABILITY"), absl::StrCat("* CAPABILITY ", kCapabilitiesCommon,
                                                          "\r\na2 OK CAPABILITY completed\r\n"));
}

// LOGIN arguments may be quoted strings or literals (RFC 3501 §6.2.3
// example); a synchronizing literal is invited with "+".
TEST_F(ImapAuthTest, LoginAcceptsQuotedAndLiteralArguments) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  c->TakeNew();
  c->Send("a1 LOGIN \"bob\" {6}\r\n");
  EXPECT_EQ(c->WaitForLine("+"), "+ Ready for literal data\r\n");
  c->Send("secret\r\n");
  EXPECT_THAT(c->WaitForLine("a1 "), HasSubstr("a1 OK [CAPABILITY IMAP4rev1"));
}

// A wrong password is refused with AUTHENTICATIONFAILED (RFC 5530) only
// after the failure delay, and the session stays usable.
TEST_F(ImapAuthTest, WrongPasswordIsRefusedAfterDelay) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  const Time before = world_->Now();
  EXPECT_EQ(Command(*c, "a1", "LOGIN bob wrong"),
            "a1 NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
  EXPECT_GE(world_->Now() - before, Duration::Seconds(1));
  EXPECT_THAT(Command(*c, "a2", "LOGIN bob secret"), HasSubstr("a2 OK [CAPABILITY"));
}

// An unknown user gets exactly the same answer as a wrong password, so
// user names cannot be probed.
TEST_F(ImapAuthTest, UnknownUserIsRefusedLikeWrongPassword) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  const Time before = world_->Now();
  EXPECT_EQ(Command(*c, "a1", "LOGIN mallory secret"),
            "a1 NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
  EXPECT_GE(world_->Now() - before, Duration::Seconds(1));
}

// Commands pipelined behind a failing LOGIN wait for its answer and then
// run in order (RFC 3501 §5.5).
TEST_F(ImapAuthTest, CommandsPipelinedAfterFailedLoginRunInOrder) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  c->TakeNew();
  c->Send("a1 LOGIN bob wrong\r\na2 NOOP\r\n");
  EXPECT_EQ(c->WaitForLine("a2 "),
            "a1 NO [AUTHENTICATIONFAILED] Authentication failed\r\na2 OK NOOP completed\r\n");
}

// The third failed authentication ends the connection with BYE.
TEST_F(ImapAuthTest, RepeatedFailuresCloseTheConnection) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  EXPECT_THAT(Command(*c, "a1", "LOGIN bob x"), HasSubstr("a1 NO [AUTHENTICATIONFAILED]"));
  EXPECT_THAT(Command(*c, "a2", "LOGIN bob y"), HasSubstr("a2 NO [AUTHENTICATIONFAILED]"));
  EXPECT_EQ(Command(*c, "a3", "LOGIN bob z"),
            "a3 NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
  EXPECT_TRUE(c->WaitFor("* BYE Too many failed authentications\r\n"));
  EXPECT_TRUE(c->WaitForClose());
}

// LOGIN and AUTHENTICATE are only valid before authentication (RFC 3501
// §6.2).
TEST_F(ImapAuthTest, LoginAfterLoginIsBad) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "LOGIN bob secret"), "a1 BAD Already authenticated\r\n");
  EXPECT_EQ(Command(*c, "a2", "AUTHENTICATE PLAIN AGJvYgBzZWNyZXQ="),
            "a2 BAD Already authenticated\r\n");
  EXPECT_EQ(Command(*c, "a3", "NOOP"), "a3 OK NOOP completed\r\n");
}

// Every authenticated-state command is refused before login (RFC 3501
// §3.1).
TEST_F(ImapAuthTest, AuthenticatedCommandsAreRefusedBeforeLogin) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  const char* commands[] = {
      "SELECT INBOX",
      "EXAMINE INBOX",
      "CREATE x",
      "DELETE x",
      "RENAME x y",
      "SUBSCRIBE INBOX",
      "UNSUBSCRIBE INBOX",
      "LIST \"\" *",
      "LSUB \"\" *",
      "STATUS INBOX (MESSAGES)",
      "APPEND INBOX {1+}\r\nx",
      "NAMESPACE",
      "IDLE",
      "RESETKEY",
      "GENURLAUTH \"imap://bob@imap.example.org/INBOX/;UID=1;urlauth=anonymous\" INTERNAL",
      "URLFETCH \"imap://bob@imap.example.org/INBOX/;UID=1;urlauth=anonymous:internal:00\"",
      "COMPRESS DEFLATE",
      "ENABLE CONDSTORE"};
  int n = 0;
  for (const char* command : commands) {
    const std::string tag = absl::StrCat("t", ++n);
    EXPECT_EQ(Command(*c, tag, command), tag + " BAD Not authenticated\r\n") << command;
  }
}

// Selected-state commands are refused in the authenticated state (RFC
// 3501 §3.2).
TEST_F(ImapAuthTest, SelectedCommandsAreRefusedWithoutSelection) {
  auto c = Login();
  const char* commands[] = {"CHECK",
                            "CLOSE",
                            "UNSELECT",
                            "EXPUNGE",
                            "UID EXPUNGE 1",
                            "SEARCH ALL",
                            "UID SEARCH ALL",
                            "FETCH 1 FLAGS",
                            "UID FETCH 1 FLAGS",
                            "STORE 1 +FLAGS (\\Seen)",
                            "COPY 1 Trash",
                            "MOVE 1 Trash",
                            "UID MOVE 1 Trash"};
  int n = 0;
  for (const char* command : commands) {
    const std::string tag = absl::StrCat("t", ++n);
    EXPECT_EQ(Command(*c, tag, command), tag + " BAD No mailbox selected\r\n") << command;
  }
}

// The same commands are refused before login too, as not authenticated.
TEST_F(ImapAuthTest, SelectedCommandsAreRefusedBeforeLogin) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  EXPECT_EQ(Command(*c, "a1", "FETCH 1 FLAGS"), "a1 BAD Not authenticated\r\n");
  EXPECT_EQ(Command(*c, "a2", "CLOSE"), "a2 BAD Not authenticated\r\n");
}

// CAPABILITY, NOOP and LOGOUT work in every state (RFC 3501 §6.1).
TEST_F(ImapAuthTest, AnyStateCommandsWorkInEveryState) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  EXPECT_EQ(Command(*c, "a1", "NOOP"), "a1 OK NOOP completed\r\n");
  ASSERT_THAT(Command(*c, "a2", "LOGIN bob secret"), HasSubstr("a2 OK"));
  EXPECT_EQ(Command(*c, "a3", "NOOP"), "a3 OK NOOP completed\r\n");
  ASSERT_THAT(Command(*c, "a4", "SELECT INBOX"), HasSubstr("a4 OK"));
  EXPECT_EQ(Command(*c, "a5", "NOOP"), "a5 OK NOOP completed\r\n");
  EXPECT_THAT(Command(*c, "a6", "CAPABILITY"), HasSubstr("a6 OK CAPABILITY completed"));
}

// LOGOUT answers BYE, then the tagged OK, then closes (RFC 3501 §6.1.3).
TEST_F(ImapAuthTest, LogoutSaysByeThenOkAndCloses) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "LOGOUT"), "* BYE Logging out\r\na1 OK LOGOUT completed\r\n");
  EXPECT_TRUE(c->WaitForClose());
}

// LOGOUT works before authentication as well.
TEST_F(ImapAuthTest, LogoutBeforeLogin) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  EXPECT_EQ(Command(*c, "a1", "LOGOUT"), "* BYE Logging out\r\na1 OK LOGOUT completed\r\n");
  EXPECT_TRUE(c->WaitForClose());
}

// Commands pipelined after LOGOUT are not executed.
TEST_F(ImapAuthTest, CommandsAfterLogoutAreIgnored) {
  auto c = Login();
  c->TakeNew();
  c->Send("a1 LOGOUT\r\na2 NOOP\r\n");
  EXPECT_TRUE(c->WaitForClose());
  EXPECT_EQ(c->TakeNew(), "* BYE Logging out\r\na1 OK LOGOUT completed\r\n");
}

// The autologout timer is at least 30 minutes (RFC 3501 §5.4): an idle
// session survives 29 minutes, and is logged out after 30 with BYE.
TEST_F(ImapAuthTest, IdleSessionIsLoggedOutAfterThirtyMinutes) {
  auto c = Login();
  world_->RunFor(Duration::Minutes(29));
  EXPECT_EQ(c->TakeNew(), "");
  EXPECT_EQ(Command(*c, "a1", "NOOP"), "a1 OK NOOP completed\r\n");
  world_->RunFor(Duration::Minutes(29));
  EXPECT_EQ(c->TakeNew(), "");
  world_->RunFor(Duration::Minutes(2));
  EXPECT_EQ(c->TakeNew(), "* BYE Autologout; idle for too long\r\n");
  EXPECT_TRUE(c->WaitForClose());
}

// An unauthenticated connection is subject to the same timer.
TEST_F(ImapAuthTest, UnauthenticatedSessionIsLoggedOutWhenIdle) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  world_->RunFor(Duration::Minutes(31));
  EXPECT_EQ(c->TakeNew(), "* BYE Autologout; idle for too long\r\n");
  EXPECT_TRUE(c->WaitForClose());
}

// The server's shutdown tells every session BYE (RFC 3501 §7.1.5).
TEST_F(ImapAuthTest, ServerShutdownSaysBye) {
  auto a = Login();
  auto b = ConnectImap();
  ASSERT_TRUE(b->WaitFor("ready\r\n"));
  b->TakeNew();
  imap_server_->Shutdown();
  EXPECT_TRUE(a->WaitFor("* BYE Server shutting down\r\n"));
  EXPECT_TRUE(b->WaitFor("* BYE Server shutting down\r\n"));
  EXPECT_TRUE(a->WaitForClose());
  EXPECT_TRUE(b->WaitForClose());
}

// The RFC 3501 §6.2.3 example, with our user.
TEST_F(ImapAuthTest, Rfc3501LoginExample) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  RunTranscript("rfc3501 6.2.3 LOGIN", {c.get()}, {{"CAPS", kCapabilitiesCommon}});
}

}  // namespace
}  // namespace lemonade::testing
