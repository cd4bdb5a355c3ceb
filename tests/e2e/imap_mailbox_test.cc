// IMAP conformance: mailbox management — CREATE, DELETE, RENAME (INBOX
// included), SUBSCRIBE/UNSUBSCRIBE, LIST and LSUB with patterns and
// \Noselect superiors (RFC 3501 §6.3), LIST-EXTENDED selection and return
// options with RECURSIVEMATCH (RFC 5258), LIST-STATUS (RFC 5819) and
// SPECIAL-USE (RFC 6154). The RFC examples run as transcripts
// (testdata/rfc3501.txt, rfc5258.txt, rfc6154.txt).
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/imap_test_support.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ImapMailboxTest : public ImapConformanceTest {};

constexpr char kDefaultList[] =
    "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts\r\n"
    "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
    "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
    "* LIST (\\HasNoChildren \\Trash) \"/\" Trash\r\n";

// ---- RFC examples ----

// RFC 3501 §6.3.3 (CREATE with a trailing separator).
TEST_F(ImapMailboxTest, Rfc3501CreateExample) {
  auto c = Login();
  RunTranscript("rfc3501 6.3.3 CREATE", {c.get()});
}

// RFC 3501 §6.3.4, first example (DELETE and \Noselect names).
TEST_F(ImapMailboxTest, Rfc3501DeleteExample) {
  auto c = Login();
  RunTranscript("rfc3501 6.3.4 DELETE", {c.get()});
}

// RFC 3501 §6.3.4, second example (inferiors survive their superior).
TEST_F(ImapMailboxTest, Rfc3501DeleteWithInferiorsExample) {
  auto c = Login();
  RunTranscript("rfc3501 6.3.4 DELETE with inferiors", {c.get()});
}

// RFC 3501 §6.3.5 (RENAME moves inferiors along).
TEST_F(ImapMailboxTest, Rfc3501RenameExample) {
  auto c = Login();
  RunTranscript("rfc3501 6.3.5 RENAME", {c.get()});
}

// RFC 3501 §6.3.8 (LIST "" "", references, % with \Noselect levels).
TEST_F(ImapMailboxTest, Rfc3501ListExample) {
  auto c = Login();
  RunTranscript("rfc3501 6.3.8 LIST", {c.get()});
}

// RFC 3501 §6.3.1: every response SELECT owes, and the tagged
// READ-WRITE.
TEST_F(ImapMailboxTest, Rfc3501SelectExample) {
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagSeen);
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagSeen, {"$Forwarded"});
  Deliver(kSimpleMessage);
  ClaimRecent();
  Deliver(kSimpleMessage);
  auto c = Login();
  RunTranscript("rfc3501 6.3.1 SELECT", {c.get()},
                {{"UIDVALIDITY", absl::StrCat(UidValidity("INBOX"))},
                 {"H", absl::StrCat(HighestModseq("INBOX"))}});
}

// RFC 3501 §6.3.2: EXAMINE is SELECT read-only, and takes no \Recent.
TEST_F(ImapMailboxTest, Rfc3501ExamineExample) {
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagSeen);
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagSeen, {"$Forwarded"});
  Deliver(kSimpleMessage);
  ClaimRecent();
  Deliver(kSimpleMessage);
  auto c = Login();
  const std::map<std::string, std::string> vars = {
      {"UIDVALIDITY", absl::StrCat(UidValidity("INBOX"))},
      {"H", absl::StrCat(HighestModseq("INBOX"))}};
  RunTranscript("rfc3501 6.3.2 EXAMINE", {c.get()}, vars);
  auto d = Login();
  RunTranscript("rfc3501 6.3.1 SELECT", {d.get()}, vars);
}

// RFC 3501 §6.3.6 and §6.3.9 (SUBSCRIBE, LSUB with \Noselect superiors).
TEST_F(ImapMailboxTest, Rfc3501SubscribeAndLsubExample) {
  auto c = Login();
  RunTranscript("rfc3501 6.3.6 SUBSCRIBE and 6.3.9 LSUB", {c.get()});
}

// RFC 5258 §5 examples 1-6 (SUBSCRIBED, CHILDREN, REMOTE, \NonExistent).
TEST_F(ImapMailboxTest, Rfc5258Examples1To6) {
  auto c = Login();
  RunTranscript("rfc5258 examples 1 to 6", {c.get()});
}

// RFC 5258 §5 example 7 (several patterns).
TEST_F(ImapMailboxTest, Rfc5258Example7) {
  auto c = Login();
  RunTranscript("rfc5258 example 7", {c.get()});
}

// RFC 5258 §5 example 8 (RECURSIVEMATCH and CHILDINFO vs \HasChildren).
TEST_F(ImapMailboxTest, Rfc5258Example8) {
  auto c = Login();
  RunTranscript("rfc5258 example 8", {c.get()});
}

// RFC 5258 §5 example 8 A2 (CHILDINFO on a non-existent parent).
TEST_F(ImapMailboxTest, Rfc5258Example8A2) {
  auto c = Login();
  RunTranscript("rfc5258 example 8 A2", {c.get()});
}

// RFC 5258 §5 example 9 (CHILDINFO only for children no pattern lists).
TEST_F(ImapMailboxTest, Rfc5258Example9) {
  auto c = Login();
  RunTranscript("rfc5258 example 9", {c.get()});
}

// RFC 5258 §5 example 10 (CHILDINFO without \HasChildren).
TEST_F(ImapMailboxTest, Rfc5258Example10) {
  auto c = Login();
  RunTranscript("rfc5258 example 10", {c.get()});
}

// RFC 6154 §5.1 and §5.2 (special-use attributes, SPECIAL-USE option).
TEST_F(ImapMailboxTest, Rfc6154ListExamples) {
  auto c = Login();
  RunTranscript("rfc6154 5.1 and 5.2", {c.get()});
}

// RFC 6154 §5.3 (CREATE-SPECIAL-USE).
TEST_F(ImapMailboxTest, Rfc6154CreateExample) {
  auto c = Login();
  RunTranscript("rfc6154 5.3", {c.get()});
}

// ---- CREATE ----

// A new user has INBOX and the special-use Drafts, Sent and Trash.
TEST_F(ImapMailboxTest, NewUserHasDefaultMailboxes) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "LIST \"\" *"),
            absl::StrCat(kDefaultList, "a1 OK LIST completed\r\n"));
}

// CREATE makes missing superiors too, all selectable (RFC 3501 §6.3.3).
TEST_F(ImapMailboxTest, CreateMakesMissingSuperiors) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "CREATE a/b/c"), "a1 OK CREATE completed\r\n");
  EXPECT_EQ(Command(*c, "a2", "LIST \"\" a*"),
            "* LIST (\\HasChildren) \"/\" a\r\n"
            "* LIST (\\HasChildren) \"/\" a/b\r\n"
            "* LIST (\\HasNoChildren) \"/\" a/b/c\r\n"
            "a2 OK LIST completed\r\n");
  EXPECT_THAT(Command(*c, "a3", "SELECT a/b"), HasSubstr("a3 OK [READ-WRITE]"));
}

// CREATE of an existing name fails with ALREADYEXISTS (RFC 5530).
TEST_F(ImapMailboxTest, CreateExistingNameIsAlreadyExists) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "CREATE Sent"), "a1 NO [ALREADYEXISTS] mailbox Sent exists\r\n");
}

// INBOX exists in every case spelling (RFC 3501 §5.1).
TEST_F(ImapMailboxTest, CreateInboxInAnyCaseIsAlreadyExists) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "CREATE iNbOx"), "a1 NO [ALREADYEXISTS] mailbox INBOX exists\r\n");
}

// Names the store cannot hold are refused with CANNOT: empty levels,
// wildcards, controls, broken modified UTF-7 (RFC 3501 §5.1).
TEST_F(ImapMailboxTest, CreateInvalidNamesIsCannot) {
  auto c = Login();
  const char* names[] = {"a//b",     "/a",      "\"a*b\"",      "\"a%b\"",
                         "\"&Jjo\"", "\"a&b\"", "{3+}\r\na\tb", "\"\""};
  int n = 0;
  for (const char* name : names) {
    const std::string tag = absl::StrCat("c", ++n);
    std::string reply = Command(*c, tag, absl::StrCat("CREATE ", name));
    EXPECT_THAT(reply, ::testing::StartsWith(tag + " NO [CANNOT] ")) << name;
  }
  EXPECT_EQ(Command(*c, "a1", "LIST \"\" *"),
            absl::StrCat(kDefaultList, "a1 OK LIST completed\r\n"));
}

// International names travel in modified UTF-7 and come back unchanged
// (RFC 3501 §5.1.3).
TEST_F(ImapMailboxTest, CreateModifiedUtf7Name) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "CREATE &ZeVnLIqe-"), "a1 OK CREATE completed\r\n");
  EXPECT_EQ(Command(*c, "a2", "LIST \"\" &ZeVnLIqe-"),
            "* LIST (\\HasNoChildren) \"/\" &ZeVnLIqe-\r\na2 OK LIST completed\r\n");
  EXPECT_THAT(Command(*c, "a3", "SELECT &ZeVnLIqe-"), HasSubstr("a3 OK [READ-WRITE]"));
}

// Names with spaces are quoted in responses.
TEST_F(ImapMailboxTest, NamesWithSpacesAreQuoted) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "CREATE \"My Folder\""), "a1 OK CREATE completed\r\n");
  EXPECT_EQ(Command(*c, "a2", "LIST \"\" My*"),
            "* LIST (\\HasNoChildren) \"/\" \"My Folder\"\r\na2 OK LIST completed\r\n");
}

// ---- DELETE ----

// INBOX cannot be deleted (RFC 3501 §6.3.4).
TEST_F(ImapMailboxTest, DeleteInboxIsRefused) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "DELETE inbox"), "a1 NO [CANNOT] INBOX cannot be deleted\r\n");
}

// Deleting a name that does not exist fails with NONEXISTENT.
TEST_F(ImapMailboxTest, DeleteNonexistentIsNonexistent) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "DELETE nosuch"), "a1 NO [NONEXISTENT] No such mailbox\r\n");
}

// A mailbox created again after DELETE has a greater UIDVALIDITY (RFC 3501
// §2.3.1.1), so no client confuses its UIDs with the old ones.
TEST_F(ImapMailboxTest, RecreatedMailboxHasGreaterUidValidity) {
  auto c = Login();
  Command(*c, "a1", "CREATE box");
  const uint32_t before = UidValidity("box");
  Command(*c, "a2", "DELETE box");
  world_->RunFor(Duration::Seconds(1));
  Command(*c, "a3", "CREATE box");
  EXPECT_GT(UidValidity("box"), before);
}

// DELETE does not touch the subscription list (RFC 3501 §6.3.4, §6.3.6).
TEST_F(ImapMailboxTest, DeleteKeepsSubscription) {
  auto c = Login();
  Command(*c, "a1", "CREATE box");
  Command(*c, "a2", "SUBSCRIBE box");
  EXPECT_EQ(Command(*c, "a3", "DELETE box"), "a3 OK DELETE completed\r\n");
  EXPECT_EQ(Command(*c, "a4", "LSUB \"\" *"), "* LSUB () \"/\" box\r\na4 OK LSUB completed\r\n");
}

// Deleting the selected mailbox leaves the selected state.
TEST_F(ImapMailboxTest, DeleteSelectedMailboxDeselects) {
  auto c = Login();
  Command(*c, "a1", "CREATE box");
  Command(*c, "a2", "SELECT box");
  EXPECT_EQ(Command(*c, "a3", "DELETE box"), "a3 OK DELETE completed\r\n");
  EXPECT_EQ(Command(*c, "a4", "FETCH 1 FLAGS"), "a4 BAD No mailbox selected\r\n");
}

// Another session that has the deleted mailbox selected is told at once
// and returns to the authenticated state.
TEST_F(ImapMailboxTest, DeleteClosesMailboxInOtherSessions) {
  auto a = Login();
  Command(*a, "a1", "CREATE box");
  auto b = Selected("box");
  EXPECT_EQ(Command(*a, "a2", "DELETE box"), "a2 OK DELETE completed\r\n");
  EXPECT_TRUE(b->WaitFor("* OK [CLOSED] Mailbox was deleted or renamed\r\n"));
  EXPECT_EQ(Command(*b, "b1", "FETCH 1 FLAGS"), "b1 BAD No mailbox selected\r\n");
}

// Deleted messages are gone with the mailbox: a new one of the same name
// starts empty.
TEST_F(ImapMailboxTest, DeleteDiscardsMessages) {
  auto c = Login();
  Command(*c, "a1", "CREATE box");
  Deliver(kSimpleMessage, "box");
  Command(*c, "a2", "DELETE box");
  Command(*c, "a3", "CREATE box");
  EXPECT_EQ(Command(*c, "a4", "STATUS box (MESSAGES UIDNEXT)"),
            "* STATUS box (MESSAGES 0 UIDNEXT 1)\r\na4 OK STATUS completed\r\n");
}

// ---- RENAME ----

// Renaming INBOX moves its messages to the new name and leaves INBOX
// empty; INBOX's inferiors stay (RFC 3501 §6.3.5).
TEST_F(ImapMailboxTest, RenameInboxMovesMessagesAndKeepsInbox) {
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagSeen);
  Deliver(kSimpleMessage);
  auto c = Login();
  Command(*c, "a1", "CREATE INBOX/child");
  const uint32_t inbox_validity = UidValidity("INBOX");
  EXPECT_EQ(Command(*c, "a2", "RENAME INBOX old-mail"), "a2 OK RENAME completed\r\n");
  EXPECT_EQ(Command(*c, "a3", "STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY)"),
            absl::StrCat("* STATUS INBOX (MESSAGES 0 UIDNEXT 3 UIDVALIDITY ", inbox_validity,
                         ")\r\na3 OK STATUS completed\r\n"));
  EXPECT_EQ(Command(*c, "a4", "STATUS old-mail (MESSAGES UNSEEN)"),
            "* STATUS old-mail (MESSAGES 2 UNSEEN 1)\r\na4 OK STATUS completed\r\n");
  EXPECT_EQ(Command(*c, "a5", "LIST \"\" INBOX*"),
            "* LIST (\\HasChildren) \"/\" INBOX\r\n"
            "* LIST (\\HasNoChildren) \"/\" INBOX/child\r\n"
            "a5 OK LIST completed\r\n");
}

// A session with INBOX selected sees the rename as expunges.
TEST_F(ImapMailboxTest, RenameInboxWhileSelectedReportsExpunges) {
  Deliver(kSimpleMessage);
  Deliver(kSimpleMessage);
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "RENAME INBOX old-mail"),
            "* 1 EXPUNGE\r\n* 1 EXPUNGE\r\na1 OK RENAME completed\r\n");
  EXPECT_EQ(Command(*c, "a2", "NOOP"), "a2 OK NOOP completed\r\n");
}

// RENAME to an existing name fails with ALREADYEXISTS.
TEST_F(ImapMailboxTest, RenameToExistingNameIsAlreadyExists) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "RENAME Drafts Sent"),
            "a1 NO [ALREADYEXISTS] target mailbox exists\r\n");
}

// RENAME of a name that does not exist fails with NONEXISTENT.
TEST_F(ImapMailboxTest, RenameNonexistentIsNonexistent) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "RENAME nosuch other"), "a1 NO [NONEXISTENT] no such mailbox\r\n");
}

// A mailbox cannot become its own inferior, and nothing can become INBOX.
TEST_F(ImapMailboxTest, RenameIntoItselfOrToInboxIsCannot) {
  auto c = Login();
  Command(*c, "a1", "CREATE foo");
  EXPECT_EQ(Command(*c, "a2", "RENAME foo foo/bar"),
            "a2 NO [CANNOT] cannot rename a mailbox into itself\r\n");
  EXPECT_THAT(Command(*c, "a3", "RENAME foo inbox"), ::testing::StartsWith("a3 NO ["));
  EXPECT_EQ(Command(*c, "a4", "RENAME foo \"a*b\""), "a4 NO [CANNOT] Invalid mailbox name\r\n");
}

// RENAME creates the target's missing superiors (RFC 3501 §6.3.5).
TEST_F(ImapMailboxTest, RenameCreatesMissingSuperiors) {
  auto c = Login();
  Command(*c, "a1", "CREATE foo");
  EXPECT_EQ(Command(*c, "a2", "RENAME foo x/y/z"), "a2 OK RENAME completed\r\n");
  EXPECT_EQ(Command(*c, "a3", "LIST \"\" x*"),
            "* LIST (\\HasChildren) \"/\" x\r\n"
            "* LIST (\\HasChildren) \"/\" x/y\r\n"
            "* LIST (\\HasNoChildren) \"/\" x/y/z\r\n"
            "a3 OK LIST completed\r\n");
}

// Renaming keeps the messages and their UIDs.
TEST_F(ImapMailboxTest, RenameKeepsMessages) {
  auto c = Login();
  Command(*c, "a1", "CREATE foo");
  Deliver(kSimpleMessage, "foo");
  const uint32_t validity = UidValidity("foo");
  Command(*c, "a2", "RENAME foo bar");
  EXPECT_EQ(Command(*c, "a3", "STATUS bar (MESSAGES UIDNEXT UIDVALIDITY)"),
            absl::StrCat("* STATUS bar (MESSAGES 1 UIDNEXT 2 UIDVALIDITY ", validity,
                         ")\r\na3 OK STATUS completed\r\n"));
}

// Renaming the selected mailbox leaves the selected state; other sessions
// with it selected are told.
TEST_F(ImapMailboxTest, RenameSelectedMailboxDeselects) {
  auto a = Login();
  Command(*a, "a1", "CREATE foo");
  auto b = Selected("foo");
  Command(*a, "a2", "SELECT foo");
  EXPECT_EQ(Command(*a, "a3", "RENAME foo bar"), "a3 OK RENAME completed\r\n");
  EXPECT_EQ(Command(*a, "a4", "FETCH 1 FLAGS"), "a4 BAD No mailbox selected\r\n");
  EXPECT_TRUE(b->WaitFor("* OK [CLOSED] Mailbox was deleted or renamed\r\n"));
}

// ---- SUBSCRIBE / UNSUBSCRIBE / LSUB ----

// SUBSCRIBE of a name that does not exist is refused (RFC 3501 §6.3.6
// lets the server decide).
TEST_F(ImapMailboxTest, SubscribeNonexistentIsRefused) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "SUBSCRIBE nosuch"), "a1 NO [NONEXISTENT] No such mailbox\r\n");
  EXPECT_EQ(Command(*c, "a2", "LSUB \"\" *"), "a2 OK LSUB completed\r\n");
}

// INBOX subscribes under its canonical name.
TEST_F(ImapMailboxTest, SubscribeInboxIsCanonical) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "SUBSCRIBE inbox"), "a1 OK SUBSCRIBE completed\r\n");
  EXPECT_EQ(Command(*c, "a2", "LSUB \"\" *"), "* LSUB () \"/\" INBOX\r\na2 OK LSUB completed\r\n");
  EXPECT_EQ(Command(*c, "a3", "UNSUBSCRIBE Inbox"), "a3 OK UNSUBSCRIBE completed\r\n");
  EXPECT_EQ(Command(*c, "a4", "LSUB \"\" *"), "a4 OK LSUB completed\r\n");
}

// Subscriptions survive RENAME of the mailbox (they are names).
TEST_F(ImapMailboxTest, SubscriptionIsAName) {
  auto c = Login();
  Command(*c, "a1", "CREATE foo");
  Command(*c, "a2", "SUBSCRIBE foo");
  Command(*c, "a3", "RENAME foo bar");
  EXPECT_EQ(Command(*c, "a4", "LIST (SUBSCRIBED) \"\" *"),
            "* LIST (\\NonExistent \\Subscribed) \"/\" foo\r\na4 OK LIST completed\r\n");
}

// ---- LIST patterns ----

// "%" stops at the hierarchy delimiter, "*" does not (RFC 3501 §6.3.8).
TEST_F(ImapMailboxTest, ListWildcards) {
  auto c = Login();
  Command(*c, "a1", "CREATE a/b/c");
  EXPECT_EQ(Command(*c, "a2", "LIST \"\" %"),
            absl::StrCat("* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts\r\n"
                         "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
                         "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
                         "* LIST (\\HasNoChildren \\Trash) \"/\" Trash\r\n"
                         "* LIST (\\HasChildren) \"/\" a\r\n"
                         "a2 OK LIST completed\r\n"));
  EXPECT_EQ(Command(*c, "a3", "LIST \"\" a/%"),
            "* LIST (\\HasChildren) \"/\" a/b\r\na3 OK LIST completed\r\n");
  EXPECT_EQ(Command(*c, "a4", "LIST \"\" a/*"),
            "* LIST (\\HasChildren) \"/\" a/b\r\n* LIST (\\HasNoChildren) \"/\" a/b/c\r\n"
            "a4 OK LIST completed\r\n");
  EXPECT_EQ(Command(*c, "a5", "LIST a/ %"),
            "* LIST (\\HasChildren) \"/\" a/b\r\na5 OK LIST completed\r\n");
  EXPECT_EQ(Command(*c, "a6", "LIST \"\" %/%/%"),
            "* LIST (\\HasNoChildren) \"/\" a/b/c\r\na6 OK LIST completed\r\n");
  EXPECT_EQ(Command(*c, "a7", "LIST \"\" *r*"),
            "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts\r\n"
            "* LIST (\\HasNoChildren \\Trash) \"/\" Trash\r\na7 OK LIST completed\r\n");
}

// "%" at the end lists \Noselect levels as well (RFC 3501 §6.3.8).
TEST_F(ImapMailboxTest, ListPercentShowsNoselectLevels) {
  auto c = Login();
  Command(*c, "a1", "CREATE p/q");
  Command(*c, "a2", "DELETE p");
  EXPECT_EQ(Command(*c, "a3", "LIST \"\" p%"),
            "* LIST (\\Noselect \\HasChildren) \"/\" p\r\na3 OK LIST completed\r\n");
  EXPECT_THAT(Command(*c, "a4", "SELECT p"), ::testing::StartsWith("a4 NO [NONEXISTENT]"));
}

// INBOX matches case-insensitively, other names do not.
TEST_F(ImapMailboxTest, ListInboxIsCaseInsensitive) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "LIST \"\" inbox"),
            "* LIST (\\HasNoChildren) \"/\" INBOX\r\na1 OK LIST completed\r\n");
  EXPECT_EQ(Command(*c, "a2", "LIST \"\" sent"), "a2 OK LIST completed\r\n");
}

// An extended LIST does not treat "" as the request for the delimiter
// (RFC 5258 §3).
TEST_F(ImapMailboxTest, ExtendedListIgnoresEmptyPattern) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "LIST () \"\" \"\""), "a1 OK LIST completed\r\n");
  EXPECT_EQ(Command(*c, "a2", "LIST \"\" (\"\" INBOX)"),
            "* LIST (\\HasNoChildren) \"/\" INBOX\r\na2 OK LIST completed\r\n");
}

// Unknown selection or return options are BAD; RECURSIVEMATCH alone (or
// with only REMOTE) is BAD (RFC 5258 §3, §3.1).
TEST_F(ImapMailboxTest, ListRejectsBadOptions) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "LIST (BOGUS) \"\" *"), "a1 BAD Unknown LIST selection option\r\n");
  EXPECT_EQ(Command(*c, "a2", "LIST \"\" * RETURN (BOGUS)"),
            "a2 BAD Unknown LIST return option\r\n");
  EXPECT_EQ(Command(*c, "a3", "LIST (RECURSIVEMATCH) \"\" *"),
            "a3 BAD RECURSIVEMATCH needs another selection option\r\n");
  EXPECT_EQ(Command(*c, "a4", "LIST (REMOTE RECURSIVEMATCH) \"\" *"),
            "a4 BAD RECURSIVEMATCH needs another selection option\r\n");
}

// An option given twice counts once (RFC 5258 §3).
TEST_F(ImapMailboxTest, ListOptionGivenTwiceCountsOnce) {
  auto c = Login();
  Command(*c, "a1", "SUBSCRIBE Sent");
  EXPECT_EQ(Command(*c, "a2", "LIST (SUBSCRIBED SUBSCRIBED) \"\" * RETURN (CHILDREN CHILDREN)"),
            "* LIST (\\HasNoChildren \\Sent \\Subscribed) \"/\" Sent\r\na2 OK LIST completed\r\n");
}

// RECURSIVEMATCH works with SPECIAL-USE as the other criterion.
TEST_F(ImapMailboxTest, RecursiveMatchWithSpecialUse) {
  auto c = Login();
  Command(*c, "a1", "CREATE Archive/2024 (USE (\\Archive))");
  EXPECT_EQ(Command(*c, "a2", "LIST (SPECIAL-USE RECURSIVEMATCH) \"\" %"),
            "* LIST (\\HasChildren) \"/\" Archive (\"CHILDINFO\" (\"SPECIAL-USE\"))\r\n"
            "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts\r\n"
            "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
            "* LIST (\\HasNoChildren \\Trash) \"/\" Trash\r\n"
            "a2 OK LIST completed\r\n");
}

// ---- LIST-STATUS (RFC 5819) ----

// RETURN (STATUS (...)) follows each selectable mailbox's LIST response
// with its STATUS; \Noselect names get none (RFC 5819 §2 example).
TEST_F(ImapMailboxTest, ListStatusReturnsStatusOfSelectableMailboxes) {
  Deliver(kSimpleMessage);
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagSeen);
  auto c = Login();
  Command(*c, "a1", "CREATE bar/baz");
  Command(*c, "a2", "DELETE bar");
  Command(*c, "a3", "CREATE foo");
  EXPECT_EQ(Command(*c, "A01", "LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN))"),
            "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts\r\n"
            "* STATUS Drafts (MESSAGES 0 UNSEEN 0)\r\n"
            "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
            "* STATUS INBOX (MESSAGES 2 UNSEEN 1)\r\n"
            "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
            "* STATUS Sent (MESSAGES 0 UNSEEN 0)\r\n"
            "* LIST (\\HasNoChildren \\Trash) \"/\" Trash\r\n"
            "* STATUS Trash (MESSAGES 0 UNSEEN 0)\r\n"
            "* LIST (\\Noselect \\HasChildren) \"/\" bar\r\n"
            "* LIST (\\HasNoChildren) \"/\" foo\r\n"
            "* STATUS foo (MESSAGES 0 UNSEEN 0)\r\n"
            "A01 OK LIST completed\r\n");
}

// An unknown STATUS item in RETURN (STATUS ...) is BAD before anything is
// listed.
TEST_F(ImapMailboxTest, ListStatusWithUnknownItemIsBad) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "LIST \"\" % RETURN (STATUS (MESSAGES BOGUS))"),
            "a1 BAD Unknown STATUS item BOGUS\r\n");
}

// LIST-STATUS combines with the SUBSCRIBED selection option.
TEST_F(ImapMailboxTest, ListStatusWithSubscribedSelection) {
  auto c = Login();
  Command(*c, "a1", "SUBSCRIBE Trash");
  EXPECT_EQ(Command(*c, "a2", "LIST (SUBSCRIBED) \"\" * RETURN (STATUS (UIDNEXT))"),
            "* LIST (\\HasNoChildren \\Trash \\Subscribed) \"/\" Trash\r\n"
            "* STATUS Trash (UIDNEXT 1)\r\n"
            "a2 OK LIST completed\r\n");
}

}  // namespace
}  // namespace lemonade::testing
