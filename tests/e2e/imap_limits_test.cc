// IMAP conformance: every limit the server enforces (ImapLimits and the
// session's own bounds), each answered with BAD and a response code where
// one exists (TOOBIG, LIMIT: RFC 5530, RFC 7888 §4), and bad input of any
// kind — garbage, NULs, bare line ends, broken literals — never ending
// the session.
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/imap_test_support.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A server with small limits, so each can be reached cheaply.
class ImapLimitsTest : public ImapConformanceTest {
 protected:
  imap_server::ImapServerConfig ImapConfig() override {
    imap_server::ImapServerConfig config = ImapConformanceTest::ImapConfig();
    config.limits.line_bytes_max = 1000;
    config.limits.literal_bytes_max = 2000;
    config.limits.command_bytes_max = 5000;
    config.limits.literals_max = 4;
    config.limits.nesting_depth_max = 8;
    config.limits.list_items_max = 20;
    config.limits.sequence_ranges_max = 10;
    return config;
  }

  // The session must still work after whatever came before.
  void ExpectAlive(TestConnection& c) {
    EXPECT_EQ(Command(c, "alive", "NOOP"), "alive OK NOOP completed\r\n");
  }
};

// ---- Wire limits ----

// A command line over line_bytes_max is BAD [TOOBIG], naming its tag; the
// rest of the line is skipped.
TEST_F(ImapLimitsTest, OverlongLineIsTooBig) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "NOOP " + std::string(1100, 'x')),
            "a1 BAD [TOOBIG] command line too long\r\n");
  ExpectAlive(*c);
}

// Without a recognisable tag the BAD is untagged.
TEST_F(ImapLimitsTest, OverlongLineWithoutTagIsUntaggedBad) {
  auto c = Login();
  c->TakeNew();
  c->Send(std::string(1500, 'x') + "\r\n");
  EXPECT_EQ(c->WaitForLine("* BAD"), "* BAD [TOOBIG] command line too long\r\n");
  ExpectAlive(*c);
}

// An over-long line arriving in many small pieces is refused the same
// way, and its remainder does not become a command.
TEST_F(ImapLimitsTest, OverlongLineInPieces) {
  auto c = Login();
  c->TakeNew();
  c->Send("a1 NOOP ");
  for (int i = 0; i < 30; ++i) {
    c->Send(std::string(100, 'y'));
    world_->RunFor(Duration::Milliseconds(10));
  }
  c->Send(" a2 NOOP\r\n");
  EXPECT_EQ(c->WaitForLine("a1"), "a1 BAD [TOOBIG] command line too long\r\n");
  ExpectAlive(*c);
  EXPECT_THAT(c->received(), Not(HasSubstr("a2 ")));
}

// A synchronizing literal over literal_bytes_max is refused instead of
// invited (no "+"), so the client never sends it (RFC 7888 §4).
TEST_F(ImapLimitsTest, SynchronizingLiteralOverLimitIsRefusedBeforeUpload) {
  auto c = Login();
  c->TakeNew();
  c->Send("a1 APPEND INBOX {2001}\r\n");
  EXPECT_EQ(c->WaitForLine("a1"), "a1 BAD [TOOBIG] literal too big\r\n");
  ExpectAlive(*c);
}

// A non-synchronizing literal over the limit is refused at once, and its
// octets and the rest of its command are skipped (RFC 7888 §4).
TEST_F(ImapLimitsTest, NonSynchronizingLiteralOverLimitIsSkipped) {
  auto c = Login();
  EXPECT_EQ(
      Command(*c, "a1",
              absl::StrCat("APPEND INBOX {2001+}\r\n", std::string(2001, 'z'), " trailing junk")),
      "a1 BAD [TOOBIG] literal too big\r\n");
  ExpectAlive(*c);
  EXPECT_EQ(Command(*c, "a2", "STATUS INBOX (MESSAGES)"),
            "* STATUS INBOX (MESSAGES 0)\r\na2 OK STATUS completed\r\n");
}

// A command whose literals together exceed command_bytes_max is TOOBIG.
TEST_F(ImapLimitsTest, CommandOverLimitIsTooBig) {
  auto c = Login();
  const std::string part = absl::StrCat("TEXT {1900+}\r\n", std::string(1900, 'p'));
  EXPECT_EQ(
      Command(*c, "a1", absl::StrCat("APPEND INBOX CATENATE (", part, " ", part, " ", part, ")")),
      "a1 BAD [TOOBIG] command too big\r\n");
  ExpectAlive(*c);
}

// More literals than literals_max in one command is LIMIT.
TEST_F(ImapLimitsTest, TooManyLiteralsIsLimit) {
  auto c = Login();
  std::string parts;
  for (int i = 0; i < 5; ++i) absl::StrAppend(&parts, i ? " " : "", "TEXT {1+}\r\nx");
  EXPECT_EQ(Command(*c, "a1", absl::StrCat("APPEND INBOX CATENATE (", parts, ")")),
            "a1 BAD [LIMIT] too many literals\r\n");
  ExpectAlive(*c);
}

// A malformed literal announcement is BAD.
TEST_F(ImapLimitsTest, MalformedLiteralIsBad) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "LOGIN {99999999999999999999}"), "a1 BAD invalid literal\r\n");
  EXPECT_EQ(Command(*c, "a2", "LOGIN {+}"), "a2 BAD invalid literal\r\n");
  ExpectAlive(*c);
}

// ---- Parser limits ----

// Parentheses nested deeper than nesting_depth_max are LIMIT.
TEST_F(ImapLimitsTest, DeepNestingIsLimit) {
  auto c = Selected();
  EXPECT_EQ(
      Command(*c, "a1", std::string("SEARCH ") + std::string(9, '(') + "ALL" + std::string(9, ')')),
      "a1 BAD [LIMIT] SEARCH: nesting too deep\r\n");
  EXPECT_EQ(Command(*c, "a2", "SEARCH " + std::string(7, '(') + "ALL" + std::string(7, ')')),
            "* SEARCH\r\na2 OK SEARCH completed\r\n");
  std::string nots;
  for (int i = 0; i < 9; ++i) nots += "NOT ";
  EXPECT_EQ(Command(*c, "a3", "SEARCH " + nots + "ALL"),
            "a3 BAD [LIMIT] SEARCH: nesting too deep\r\n");
}

// Lists longer than list_items_max are LIMIT: fetch attributes, flags,
// search keys.
TEST_F(ImapLimitsTest, LongListsAreLimit) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  std::string items, flags, keys;
  for (int i = 0; i < 21; ++i) {
    absl::StrAppend(&items, i ? " " : "", "UID");
    absl::StrAppend(&flags, i ? " " : "", "k", i);
    absl::StrAppend(&keys, i ? " " : "", "ALL");
  }
  EXPECT_EQ(Command(*c, "a1", "FETCH 1 (" + items + ")"),
            "a1 BAD [LIMIT] FETCH: too many fetch attributes\r\n");
  EXPECT_EQ(Command(*c, "a2", "STORE 1 +FLAGS (" + flags + ")"),
            "a2 BAD [LIMIT] STORE: too many flags\r\n");
  EXPECT_EQ(Command(*c, "a3", "SEARCH " + keys),
            "a3 BAD [LIMIT] SEARCH: search program too large\r\n");
  ExpectAlive(*c);
}

// Sequence sets with more than sequence_ranges_max ranges are LIMIT.
TEST_F(ImapLimitsTest, LongSequenceSetIsLimit) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  std::string set;
  for (int i = 1; i <= 11; ++i) absl::StrAppend(&set, i > 1 ? "," : "", i);
  EXPECT_EQ(Command(*c, "a1", "UID FETCH " + set + " UID"),
            "a1 BAD [LIMIT] FETCH: sequence set too large\r\n");
  ExpectAlive(*c);
}

// ---- Session limits ----

// A LIST pattern over 1024 octets is BAD [LIMIT].
TEST_F(ImapLimitsTest, LongListPatternIsLimit) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "LIST \"\" {1025+}\r\n" + std::string(1025, 'a')),
            "a1 BAD [LIMIT] Pattern too long\r\n");
  ExpectAlive(*c);
}

// Mailbox names over 1024 octets cannot be created.
TEST_F(ImapLimitsTest, LongMailboxNameIsRefused) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "CREATE {1025+}\r\n" + std::string(1025, 'm')),
            "a1 NO [CANNOT] Invalid mailbox name\r\n");
  EXPECT_EQ(Command(*c, "a2", "CREATE {1024+}\r\n" + std::string(1024, 'm')),
            "a2 OK CREATE completed\r\n");
}

// A line the framer refuses as too long while AUTHENTICATE waits for a
// response ends the exchange with BAD; the next command is a command.
TEST_F(ImapLimitsTest, OverlongLineEndsAuthenticate) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  c->TakeNew();
  c->Send("a1 AUTHENTICATE PLAIN\r\n");
  ASSERT_EQ(c->WaitForLine("+"), "+ \r\n");
  c->Send(std::string(1500, 'A') + "\r\n");
  EXPECT_EQ(c->WaitForLine("a1"), "a1 BAD [TOOBIG] command line too long\r\n");
  ExpectAlive(*c);
}

// The same during IDLE ends IDLE.
TEST_F(ImapLimitsTest, OverlongLineEndsIdle) {
  auto c = Selected();
  c->Send("a1 IDLE\r\n");
  ASSERT_EQ(c->WaitForLine("+"), "+ idling\r\n");
  c->Send(std::string(1500, 'D') + "\r\n");
  EXPECT_EQ(c->WaitForLine("a1"), "a1 BAD [TOOBIG] command line too long\r\n");
  ExpectAlive(*c);
}

// With the default limits, a SASL response over 12288 octets is refused
// by the SASL layer (RFC 4954 §4's bound), with BAD.
class ImapDefaultLimitsTest : public ImapConformanceTest {};

TEST_F(ImapDefaultLimitsTest, LongSaslResponseIsBad) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  c->TakeNew();
  c->Send("a1 AUTHENTICATE PLAIN\r\n");
  ASSERT_EQ(c->WaitForLine("+"), "+ \r\n");
  c->Send(std::string(12292, 'A') + "\r\n");
  EXPECT_EQ(c->WaitForLine("a1"), "a1 BAD Invalid SASL response: response too long\r\n");
  EXPECT_EQ(Command(*c, "a2", "NOOP"), "a2 OK NOOP completed\r\n");
}

// The default line limit is 64 KiB: RFC 7162 §4 asks for at least 8192.
TEST_F(ImapDefaultLimitsTest, LongUidSetsFit) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  std::string set = "1";
  for (uint32_t uid = 3; set.size() < 20000; uid += 2) absl::StrAppend(&set, ",", uid);
  EXPECT_EQ(Command(*c, "a1", "UID FETCH " + set + " UID"),
            "* 1 FETCH (UID 1)\r\na1 OK FETCH completed\r\n");
}

// ---- Bad input ----

// Every malformed command gets BAD and the session carries on.
TEST_F(ImapLimitsTest, MalformedCommandsGetBad) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  const char* commands[] = {
      "FETCH 1 (FLAGS",
      "FETCH 1 FLAGS)",
      "FETCH 0 FLAGS",
      "FETCH 1:0x FLAGS",
      "FETCH 1 BODY[1.]",
      "FETCH 1 BODY[TEXT]<5>",
      "FETCH 1 BODY.PEEK",
      "FETCH 1 NOSUCHITEM",
      "STORE 1 FLAGS",
      "STORE 1 +FLAGZ (\\Seen)",
      "STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)",
      "SELECT",
      "SELECT \"INBOX",
      "LIST \"\"",
      "STATUS INBOX MESSAGES",
      "UID BOGUS 1",
      "UID",
      "NOOP extra",
      "LOGIN",
      "COPY 1",
      "SEARCH CHARSET",
      "ENABLE",
      "ID (\"a\")",
      "APPEND INBOX",
      "APPEND INBOX (\\Seen",
      "RENAME a",
      "CREATE a (USE)",
      "GENURLAUTH \"x\"",
      "URLFETCH",
      "EXPUNGE 1",
      "UID EXPUNGE",
      "IDLE now",
  };
  for (const char* command : commands) {
    EXPECT_THAT(Command(*c, "b", command), StartsWith("b BAD ")) << command;
  }
  ExpectAlive(*c);
  EXPECT_EQ(Command(*c, "a2", "FETCH 1 UID"), "* 1 FETCH (UID 1)\r\na2 OK FETCH completed\r\n");
}

// Lines that are not commands at all: untagged BAD, session alive.
TEST_F(ImapLimitsTest, NonCommandsGetUntaggedBad) {
  auto c = Login();
  for (const std::string& line :
       {std::string(""), std::string("   "), std::string("*"), std::string("+ hello"),
        std::string("(x)"), std::string("\"quoted\" NOOP")}) {
    c->TakeNew();
    c->Send(line + "\r\n");
    EXPECT_THAT(c->WaitForLine(""), StartsWith("* BAD ")) << absl::CEscape(line);
  }
  // A tag alone is answered with that tag.
  EXPECT_EQ(Command(*c, "a1", ""), "a1 BAD missing command\r\n");
  ExpectAlive(*c);
}

// NUL octets, 8-bit junk and control characters in command lines are
// refused, not obeyed.
TEST_F(ImapLimitsTest, BinaryJunkIsRefused) {
  auto c = Login();
  c->TakeNew();
  c->Send(std::string("a1 NOOP\0\r\n", 10));
  EXPECT_THAT(c->WaitForLine("a1"), StartsWith("a1 BAD "));
  c->Send("a2 \xff\xfe\x01\x02 \x80\r\n");
  EXPECT_THAT(c->WaitForLine("a2"), StartsWith("a2 BAD "));
  c->Send(
      "a3 SELECT \"IN\x01"
      "BOX\"\r\n");
  EXPECT_THAT(c->WaitForLine("a3"), StartsWith("a3 "));
  ExpectAlive(*c);
}

// Bare LF line ends are accepted, as most servers do.
TEST_F(ImapLimitsTest, BareLineFeedsAreAccepted) {
  auto c = Login();
  c->TakeNew();
  c->Send("a1 NOOP\na2 CAPABILITY\n");
  EXPECT_THAT(c->WaitForLine("a2"), HasSubstr("a1 OK NOOP completed\r\n"));
}

// Deterministic pseudo-random garbage, fed in random pieces, never kills
// the session (seeded from the world, so a failure replays exactly).
TEST_F(ImapLimitsTest, RandomGarbageNeverKillsSession) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  netsim::Rng rng = world_->RandomStream("imap_limits_test/garbage");
  const std::string alphabet = "a1 ()[]{}<>\"\\*%$:,.+-~0123456789\r\n\t\x00\xff\x80UIDFETCHBODY";
  for (int round = 0; round < 50; ++round) {
    std::string junk;
    const size_t size = rng.UniformInRange(1, 300);
    for (size_t i = 0; i < size; ++i)
      junk.push_back(alphabet[rng.UniformInRange(0, alphabet.size() - 1)]);
    // Never leave a literal open or a synchronizing one waiting: end the
    // round with a line the framer must see whatever came before.
    c->Send(junk);
    c->Send("\r\n");
    world_->RunFor(Duration::Milliseconds(50));
  }
  // Whatever state the garbage left (e.g. a non-synchronizing literal
  // being skipped), one clean command line ends it within 2 KB.
  c->Send(std::string(2100, 'x') + "\r\n");
  world_->RunFor(Duration::Seconds(1));
  c->TakeNew();
  EXPECT_FALSE(c->closed()) << "seed " << world_->seed();
  ExpectAlive(*c);
}

// A client that disconnects mid-literal leaves the server in good order.
TEST_F(ImapLimitsTest, DisconnectMidLiteral) {
  auto c = Login();
  c->Send("a1 APPEND INBOX {100+}\r\nhalf of it");
  world_->RunFor(Duration::Milliseconds(100));
  c->Close();
  ASSERT_TRUE(RunUntil([this] { return imap_server_->connection_count() == 0; }));
  auto d = Login();
  EXPECT_EQ(Command(*d, "a1", "STATUS INBOX (MESSAGES)"),
            "* STATUS INBOX (MESSAGES 0)\r\na1 OK STATUS completed\r\n");
}

}  // namespace
}  // namespace lemonade::testing
