// IMAP conformance: SEARCH and UID SEARCH (RFC 3501 §6.4.4) with every
// search key, OR/NOT/parenthesised nesting, CHARSET and BADCHARSET,
// ESEARCH (RFC 4731), SEARCHRES's SAVE and "$" (RFC 5182), and the MODSEQ
// criterion (RFC 7162 §3.1.5, §3.1.10).
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/imap_test_support.h"

namespace lemonade::testing {
namespace {

using ::testing::StartsWith;

// Six messages, each with something the others lack.
constexpr char kM1[] =
    "From: Alice <alice@example.org>\r\n"
    "To: Bob <bob@example.org>\r\n"
    "Cc: Carol <carol@example.org>\r\n"
    "Subject: Lunch plans\r\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    "\r\n"
    "Noon at the usual place?\r\n";
constexpr char kM2[] =
    "From: Bob <bob@example.org>\r\n"
    "To: Alice <alice@example.org>\r\n"
    "Bcc: Dave <dave@example.org>\r\n"
    "Subject: Re: Lunch plans\r\n"
    "Date: Tue, 2 Jan 2024 09:00:00 +0000\r\n"
    "\r\n"
    "Yes, see you there.\r\n";
constexpr char kM3[] =
    "From: Carol <carol@example.org>\r\n"
    "To: bob@example.org\r\n"
    "Subject: =?utf-8?q?Caf=C3=A9?= order\r\n"
    "Date: Wed, 3 Jan 2024 12:00:00 +0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Un caf=C3=A9 au lait, s'il vous pla=C3=AEt.\r\n";
constexpr char kM5[] =
    "From: eve@example.org\r\n"
    "To: Bob <bob@example.org>\r\n"
    "Subject: encoded\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "aGVsbG8gd29ybGQ=\r\n";
constexpr char kM6[] =
    "From: Alice <alice@example.org>\r\n"
    "To: Carol <carol@example.org>\r\n"
    "Subject: New one\r\n"
    "Date: Sat, 6 Jan 2024 08:00:00 +0000\r\n"
    "\r\n"
    "fresh\r\n";

std::string BigMessage() {
  std::string m =
      "From: \"Dave Example\" <dave@example.org>\r\n"
      "To: Bob <bob@example.org>\r\n"
      "Subject: Big report\r\n"
      "X-Priority: 1\r\n"
      "Date: Sun, 31 Dec 2023 23:30:00 -0500\r\n"
      "\r\n";
  for (int i = 0; i < 100; ++i) m += "report line of the big report\r\n";
  return m;
}

class ImapSearchTest : public ImapConformanceTest {
 protected:
  // Messages 1 to 5 are old (\Recent taken by another session), 6 is new.
  void SetUp() override {
    ImapConformanceTest::SetUp();
    constexpr int64_t kDay = 86400;
    Deliver(kM1, "INBOX", "bob", store::kFlagSeen, {}, kEpochUnixSeconds + 10 * 3600);
    Deliver(kM2, "INBOX", "bob", store::kFlagAnswered | store::kFlagFlagged, {"$Forwarded"},
            kEpochUnixSeconds + kDay + 9 * 3600);
    Deliver(kM3, "INBOX", "bob", store::kFlagDraft, {}, kEpochUnixSeconds + 2 * kDay + 12 * 3600);
    // 2023-12-31 23:30 -0500 is already 1 January in UTC.
    Deliver(BigMessage(), "INBOX", "bob", store::kFlagDeleted, {},
            kEpochUnixSeconds + 4 * 3600 + 1800, -300);
    Deliver(kM5, "INBOX", "bob", 0, {}, kEpochUnixSeconds + 4 * kDay + 8 * 3600);
    ClaimRecent();
    Deliver(kM6, "INBOX", "bob", 0, {}, kEpochUnixSeconds + 5 * kDay + 8 * 3600);
    c_ = Selected();
  }

  // The untagged SEARCH line for `keys`, or the whole reply if it failed.
  std::string Search(const std::string& keys) {
    std::string reply = Command(*c_, "s", "SEARCH " + keys);
    const std::string ok = "s OK SEARCH completed\r\n";
    if (reply.size() < ok.size() || reply.compare(reply.size() - ok.size(), ok.size(), ok) != 0) {
      return reply;
    }
    return reply.substr(0, reply.size() - ok.size());
  }

  std::unique_ptr<TestConnection> c_;
};

// ---- Flag keys ----

// ALL, and the flag keys and their UN- forms (RFC 3501 §6.4.4).
TEST_F(ImapSearchTest, FlagKeys) {
  EXPECT_EQ(Search("ALL"), "* SEARCH 1 2 3 4 5 6\r\n");
  EXPECT_EQ(Search("ANSWERED"), "* SEARCH 2\r\n");
  EXPECT_EQ(Search("UNANSWERED"), "* SEARCH 1 3 4 5 6\r\n");
  EXPECT_EQ(Search("DELETED"), "* SEARCH 4\r\n");
  EXPECT_EQ(Search("UNDELETED"), "* SEARCH 1 2 3 5 6\r\n");
  EXPECT_EQ(Search("DRAFT"), "* SEARCH 3\r\n");
  EXPECT_EQ(Search("UNDRAFT"), "* SEARCH 1 2 4 5 6\r\n");
  EXPECT_EQ(Search("FLAGGED"), "* SEARCH 2\r\n");
  EXPECT_EQ(Search("UNFLAGGED"), "* SEARCH 1 3 4 5 6\r\n");
  EXPECT_EQ(Search("SEEN"), "* SEARCH 1\r\n");
  EXPECT_EQ(Search("UNSEEN"), "* SEARCH 2 3 4 5 6\r\n");
}

// KEYWORD/UNKEYWORD match keywords case-insensitively; an unknown one
// matches nothing.
TEST_F(ImapSearchTest, KeywordKeys) {
  EXPECT_EQ(Search("KEYWORD $Forwarded"), "* SEARCH 2\r\n");
  EXPECT_EQ(Search("KEYWORD $forwarded"), "* SEARCH 2\r\n");
  EXPECT_EQ(Search("UNKEYWORD $Forwarded"), "* SEARCH 1 3 4 5 6\r\n");
  EXPECT_EQ(Search("KEYWORD NoSuch"), "* SEARCH\r\n");
  EXPECT_EQ(Search("UNKEYWORD NoSuch"), "* SEARCH 1 2 3 4 5 6\r\n");
}

// RECENT, NEW (recent and unseen) and OLD (not recent) are per session.
TEST_F(ImapSearchTest, RecentNewOld) {
  EXPECT_EQ(Search("RECENT"), "* SEARCH 6\r\n");
  EXPECT_EQ(Search("NEW"), "* SEARCH 6\r\n");
  EXPECT_EQ(Search("OLD"), "* SEARCH 1 2 3 4 5\r\n");
  Command(*c_, "a1", "STORE 6 +FLAGS.SILENT (\\Seen)");
  EXPECT_EQ(Search("NEW"), "* SEARCH\r\n");
  EXPECT_EQ(Search("RECENT"), "* SEARCH 6\r\n");
}

// ---- Header and text keys ----

// FROM, TO, CC, BCC and SUBJECT are case-insensitive substring matches
// of their header (display names included).
TEST_F(ImapSearchTest, AddressAndSubjectKeys) {
  EXPECT_EQ(Search("FROM alice"), "* SEARCH 1 6\r\n");
  EXPECT_EQ(Search("FROM \"Dave Example\""), "* SEARCH 4\r\n");
  EXPECT_EQ(Search("TO bob"), "* SEARCH 1 3 4 5\r\n");
  EXPECT_EQ(Search("CC carol"), "* SEARCH 1\r\n");
  EXPECT_EQ(Search("BCC DAVE"), "* SEARCH 2\r\n");
  EXPECT_EQ(Search("SUBJECT lunch"), "* SEARCH 1 2\r\n");
  EXPECT_EQ(Search("SUBJECT \"re: lunch\""), "* SEARCH 2\r\n");
}

// Encoded words in headers are decoded before matching; the string is
// UTF-8 under CHARSET UTF-8 (RFC 3501 §6.4.4).
TEST_F(ImapSearchTest, EncodedWordSubjectMatchesUtf8) {
  EXPECT_EQ(Search("CHARSET UTF-8 SUBJECT {5+}\r\ncaf\xC3\xA9"), "* SEARCH 3\r\n");
  EXPECT_EQ(Search("CHARSET UTF-8 SUBJECT {5+}\r\nCAF\xC3\xA9"), "* SEARCH 3\r\n");
}

// HEADER matches a field's contents; an empty string matches every
// message that has the field (RFC 3501 §6.4.4).
TEST_F(ImapSearchTest, HeaderKey) {
  EXPECT_EQ(Search("HEADER X-Priority 1"), "* SEARCH 4\r\n");
  EXPECT_EQ(Search("HEADER x-priority \"\""), "* SEARCH 4\r\n");
  EXPECT_EQ(Search("HEADER Content-Transfer-Encoding base64"), "* SEARCH 5\r\n");
  EXPECT_EQ(Search("HEADER Date \"\""), "* SEARCH 1 2 3 4 6\r\n");
  EXPECT_EQ(Search("HEADER X-Absent \"\""), "* SEARCH\r\n");
}

// BODY searches the decoded body only; TEXT searches header and body.
TEST_F(ImapSearchTest, BodyAndTextKeys) {
  EXPECT_EQ(Search("BODY usual"), "* SEARCH 1\r\n");
  EXPECT_EQ(Search("BODY lunch"), "* SEARCH\r\n");
  EXPECT_EQ(Search("BODY \"hello world\""), "* SEARCH 5\r\n");
  EXPECT_EQ(Search("TEXT lunch"), "* SEARCH 1 2\r\n");
  EXPECT_EQ(Search("TEXT hello"), "* SEARCH 5\r\n");
  EXPECT_EQ(Search("CHARSET UTF-8 BODY {13+}\r\ncaf\xC3\xA9 au lait"), "* SEARCH 3\r\n");
  EXPECT_EQ(Search("CHARSET UTF-8 TEXT {6+}\r\npla\xC3\xAEt"), "* SEARCH 3\r\n");
}

// ---- Dates and sizes ----

// BEFORE, ON and SINCE use INTERNALDATE's day, disregarding time and
// zone: message 4 arrived on 31 December in its own zone (RFC 3501
// §6.4.4).
TEST_F(ImapSearchTest, InternalDateKeys) {
  EXPECT_EQ(Search("BEFORE 2-Jan-2024"), "* SEARCH 1 4\r\n");
  EXPECT_EQ(Search("ON 1-Jan-2024"), "* SEARCH 1\r\n");
  EXPECT_EQ(Search("ON 31-Dec-2023"), "* SEARCH 4\r\n");
  EXPECT_EQ(Search("SINCE 3-Jan-2024"), "* SEARCH 3 5 6\r\n");
  EXPECT_EQ(Search("SINCE \"3-Jan-2024\""), "* SEARCH 3 5 6\r\n");
}

// SENTBEFORE, SENTON and SENTSINCE use the Date: header's day in its own
// zone; a message without Date: never matches.
TEST_F(ImapSearchTest, SentDateKeys) {
  EXPECT_EQ(Search("SENTBEFORE 1-Jan-2024"), "* SEARCH 4\r\n");
  EXPECT_EQ(Search("SENTON 2-Jan-2024"), "* SEARCH 2\r\n");
  EXPECT_EQ(Search("SENTSINCE 3-Jan-2024"), "* SEARCH 3 6\r\n");
  EXPECT_EQ(Search("NOT SENTSINCE 1-Jan-1970"), "* SEARCH 5\r\n");
}

// LARGER and SMALLER compare RFC822.SIZE strictly.
TEST_F(ImapSearchTest, SizeKeys) {
  const size_t size1 = sizeof(kM1) - 1;
  EXPECT_EQ(Search("LARGER 1000"), "* SEARCH 4\r\n");
  EXPECT_EQ(Search("SMALLER 1000"), "* SEARCH 1 2 3 5 6\r\n");
  EXPECT_EQ(Search(absl::StrCat("SMALLER ", size1, " FROM alice")), "* SEARCH 6\r\n");
  EXPECT_EQ(Search(absl::StrCat("SMALLER ", size1 + 1, " FROM alice")), "* SEARCH 1 6\r\n");
  EXPECT_EQ(Search(absl::StrCat("LARGER ", size1 - 1, " FROM alice")), "* SEARCH 1\r\n");
}

// ---- Sets and logic ----

// Sequence sets and UID sets, "*" included.
TEST_F(ImapSearchTest, SetKeys) {
  EXPECT_EQ(Search("2,4:*"), "* SEARCH 2 4 5 6\r\n");
  EXPECT_EQ(Search("UID 2:4"), "* SEARCH 2 3 4\r\n");
  EXPECT_EQ(Search("UID *"), "* SEARCH 6\r\n");
  EXPECT_EQ(Search("99"), "* SEARCH\r\n");
}

// Several keys AND together; OR, NOT and parentheses nest.
TEST_F(ImapSearchTest, LogicalCombinations) {
  EXPECT_EQ(Search("FROM alice SINCE 2-Jan-2024"), "* SEARCH 6\r\n");
  EXPECT_EQ(Search("NOT SEEN"), "* SEARCH 2 3 4 5 6\r\n");
  EXPECT_EQ(Search("NOT NOT SEEN"), "* SEARCH 1\r\n");
  EXPECT_EQ(Search("OR SEEN FLAGGED"), "* SEARCH 1 2\r\n");
  EXPECT_EQ(Search("OR (OR SEEN FLAGGED) DRAFT"), "* SEARCH 1 2 3\r\n");
  EXPECT_EQ(Search("OR SEEN OR FLAGGED DRAFT"), "* SEARCH 1 2 3\r\n");
  EXPECT_EQ(Search("(SEEN FLAGGED)"), "* SEARCH\r\n");
  EXPECT_EQ(Search("((SEEN))"), "* SEARCH 1\r\n");
  EXPECT_EQ(Search("NOT (FROM alice OR SEEN DRAFT)"), "* SEARCH 2 3 4 5 6\r\n");
  EXPECT_EQ(Search("OR NOT 1:3 KEYWORD $Forwarded DELETED"), "* SEARCH 4\r\n");
}

// UID SEARCH answers UIDs.
TEST_F(ImapSearchTest, UidSearchAnswersUids) {
  Command(*c_, "a1", "EXPUNGE");  // message 4 (UID 4) had \Deleted
  EXPECT_EQ(Command(*c_, "a2", "UID SEARCH 4:5"), "* SEARCH 5 6\r\na2 OK SEARCH completed\r\n");
  EXPECT_EQ(Command(*c_, "a3", "UID SEARCH UID 4:5"), "* SEARCH 5\r\na3 OK SEARCH completed\r\n");
}

// ---- Errors ----

// CHARSET other than US-ASCII and UTF-8 is refused with BADCHARSET and
// the supported list (RFC 3501 §6.4.4, §7.1).
TEST_F(ImapSearchTest, UnsupportedCharsetIsBadcharset) {
  EXPECT_EQ(Command(*c_, "a1", "SEARCH CHARSET KOI8-R TEXT x"),
            "a1 NO [BADCHARSET (US-ASCII UTF-8)] Unsupported charset\r\n");
  EXPECT_EQ(Search("CHARSET us-ascii SEEN"), "* SEARCH 1\r\n");
  EXPECT_EQ(Search("CHARSET \"utf-8\" SEEN"), "* SEARCH 1\r\n");
}

// Malformed programs are BAD, and the session goes on.
TEST_F(ImapSearchTest, MalformedProgramsAreBad) {
  for (const char* keys : {"", "BOGUS", "OR SEEN", "NOT", "(SEEN", "SINCE 32-Jan-2024", "LARGER x",
                           "HEADER Subject", "UID", "KEYWORD \\Seen ("}) {
    EXPECT_THAT(Command(*c_, "b", absl::StrCat("SEARCH ", keys)), StartsWith("b BAD ")) << keys;
  }
  EXPECT_EQ(Search("SEEN"), "* SEARCH 1\r\n");
}

// ---- ESEARCH and SEARCHRES: the RFC examples ----

class ImapEsearchTest : public ImapConformanceTest {
 protected:
  // The mailbox described in testdata/rfc4731_rfc5182.txt.
  void SetUp() override {
    ImapConformanceTest::SetUp();
    Deliver(kSimpleMessage);  // UID 1, expunged below
    for (int seq = 1; seq <= 12; ++seq) {
      if (seq == 7) Deliver(kSimpleMessage);  // UID 8, expunged below
      uint8_t flags = 0;
      if (seq == 2 || seq == 5 || seq == 10 || seq == 11) flags |= store::kFlagFlagged;
      if (seq <= 3) flags |= store::kFlagSeen;
      if (seq == 3 || seq == 6 || seq == 7) flags |= store::kFlagDeleted;
      std::vector<std::string> keywords;
      if (seq == 4 || seq == 9) keywords.push_back("$Junk");
      Deliver(seq == 5 ? "From: John Smith <smith@example.org>\r\nSubject: x\r\n\r\nx\r\n"
                       : kSimpleMessage,
              "INBOX", "bob", flags, keywords);
    }
    ExpungeUids({1, 8});
    ClaimRecent();
    c_ = Selected();
  }
  std::unique_ptr<TestConnection> c_;
};

// RFC 3501 §6.4.4 examples (with a synchronizing literal).
TEST_F(ImapEsearchTest, Rfc3501SearchExample) { RunTranscript("rfc3501 6.4.4 SEARCH", {c_.get()}); }

// RFC 4731 §3.1 examples (MIN, MAX, ALL, COUNT, RETURN (), UID).
TEST_F(ImapEsearchTest, Rfc4731Examples) { RunTranscript("rfc4731 3.1", {c_.get()}); }

// RFC 5182 examples 1 and 2 (SAVE, then FETCH $, pipelined too).
TEST_F(ImapEsearchTest, Rfc5182SaveThenFetch) {
  RunTranscript("rfc5182 examples 1 and 2", {c_.get()});
}

// RFC 5182 examples 3 and 4 ("$" inside other search programs).
TEST_F(ImapEsearchTest, Rfc5182DollarInSearch) {
  RunTranscript("rfc5182 examples 3 and 4", {c_.get()});
}

// RFC 5182 example 5 (failed searches and "$").
TEST_F(ImapEsearchTest, Rfc5182FailedSearch) { RunTranscript("rfc5182 example 5", {c_.get()}); }

// RFC 5182 examples 6 and 7 (empty "$", COPY $ and STORE $).
TEST_F(ImapEsearchTest, Rfc5182CopyAndStoreDollar) {
  Command(*c_, "a0", "CREATE Junk");
  RunTranscript("rfc5182 examples 6 and 7", {c_.get()}, {{"V", absl::StrCat(UidValidity("Junk"))}});
}

// RFC 5182 example 10 ("$" after SAVE with MIN, MAX, ALL, COUNT).
TEST_F(ImapEsearchTest, Rfc5182SaveWithMinMax) { RunTranscript("rfc5182 example 10", {c_.get()}); }

// "$" is emptied by SELECT (RFC 5182 §2.1).
TEST_F(ImapEsearchTest, SelectResetsSavedResult) {
  Command(*c_, "a1", "SEARCH RETURN (SAVE) SEEN");
  Command(*c_, "a2", "SELECT INBOX");
  EXPECT_EQ(Command(*c_, "a3", "FETCH $ UID"), "a3 OK FETCH completed\r\n");
}

// An expunged message leaves "$" (RFC 5182 §2.1).
TEST_F(ImapEsearchTest, ExpungedMessagesLeaveSavedResult) {
  Command(*c_, "a1", "SEARCH RETURN (SAVE) OR SEEN DELETED");
  Command(*c_, "a2", "EXPUNGE");
  EXPECT_EQ(Command(*c_, "a3", "FETCH $ UID"),
            "* 1 FETCH (UID 2)\r\n* 2 FETCH (UID 3)\r\na3 OK FETCH completed\r\n");
}

// ---- MODSEQ (RFC 7162) ----

class ImapModseqSearchTest : public ImapConformanceTest {
 protected:
  void SetUp() override {
    ImapConformanceTest::SetUp();
    for (int i = 0; i < 5; ++i) Deliver(kSimpleMessage);
    ClaimRecent();
    c_ = Selected();
    base_ = HighestModseq("INBOX");
    Command(*c_, "p1", "STORE 2 +FLAGS.SILENT (\\Draft)");  // base+1
    Command(*c_, "p2", "STORE 4 +FLAGS.SILENT (\\Draft)");  // base+2
    Command(*c_, "p3", "STORE 5 +FLAGS.SILENT ($Junk)");    // base+3
  }
  std::unique_ptr<TestConnection> c_;
  uint64_t base_ = 0;
};

// SEARCH MODSEQ appends the highest MODSEQ of the matches (Example 15);
// an entry name is ignored by a server with one MODSEQ per message.
TEST_F(ImapModseqSearchTest, SearchModseqAppendsHighest) {
  EXPECT_EQ(Command(*c_, "a", absl::StrCat("SEARCH MODSEQ \"/flags/\\\\draft\" all ", base_ + 1)),
            absl::StrCat("* OK [HIGHESTMODSEQ ", base_ + 3, "] Highest\r\n* SEARCH 2 4 5 (MODSEQ ",
                         base_ + 3, ")\r\na OK SEARCH completed\r\n"));
  EXPECT_EQ(Command(*c_, "b", absl::StrCat("SEARCH MODSEQ ", base_ + 2, " DRAFT")),
            absl::StrCat("* SEARCH 4 (MODSEQ ", base_ + 2, ")\r\nb OK SEARCH completed\r\n"));
}

// No match, no MODSEQ (Example 16).
TEST_F(ImapModseqSearchTest, EmptyResultHasNoModseq) {
  EXPECT_EQ(Command(*c_, "t", "SEARCH OR NOT MODSEQ 1 LARGER 50000"),
            absl::StrCat("* OK [HIGHESTMODSEQ ", base_ + 3, "] Highest\r\n",
                         "* SEARCH\r\nt OK SEARCH completed\r\n"));
}

// ESEARCH carries MODSEQ: of the MIN or MAX message alone, of the higher
// of the two, else of all returned (RFC 4731 §3.2, RFC 7162 Example 19).
TEST_F(ImapModseqSearchTest, EsearchModseqFollowsReturnedMessages) {
  EXPECT_EQ(Command(*c_, "a", absl::StrCat("SEARCH RETURN (ALL) MODSEQ ", base_ + 1)),
            absl::StrCat("* OK [HIGHESTMODSEQ ", base_ + 3, "] Highest\r\n",
                         "* ESEARCH (TAG \"a\") ALL 2,4:5 MODSEQ ", base_ + 3,
                         "\r\na OK SEARCH completed\r\n"));
  EXPECT_EQ(Command(*c_, "a1", absl::StrCat("SEARCH RETURN (MIN) MODSEQ ", base_ + 1)),
            absl::StrCat("* ESEARCH (TAG \"a1\") MIN 2 MODSEQ ", base_ + 1,
                         "\r\na1 OK SEARCH completed\r\n"));
  EXPECT_EQ(Command(*c_, "a2", absl::StrCat("SEARCH RETURN (MAX) MODSEQ ", base_ + 1, " DRAFT")),
            absl::StrCat("* ESEARCH (TAG \"a2\") MAX 4 MODSEQ ", base_ + 2,
                         "\r\na2 OK SEARCH completed\r\n"));
  EXPECT_EQ(
      Command(*c_, "a3", absl::StrCat("SEARCH RETURN (MIN MAX) MODSEQ ", base_ + 1, " DRAFT")),
      absl::StrCat("* ESEARCH (TAG \"a3\") MIN 2 MAX 4 MODSEQ ", base_ + 2,
                   "\r\na3 OK SEARCH completed\r\n"));
  EXPECT_EQ(Command(*c_, "a4", absl::StrCat("SEARCH RETURN (MIN COUNT) MODSEQ ", base_ + 1)),
            absl::StrCat("* ESEARCH (TAG \"a4\") MIN 2 COUNT 3 MODSEQ ", base_ + 3,
                         "\r\na4 OK SEARCH completed\r\n"));
}

}  // namespace
}  // namespace lemonade::testing
