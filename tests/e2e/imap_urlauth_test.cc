// IMAP conformance: URLAUTH (RFC 4467) — GENURLAUTH and its validation
// errors, RESETKEY, URLFETCH with RFC 5524's extended forms and RFC 5550's
// ;PARTIAL — and the refusal matrix: a URL never grants more than it says
// (wrong user, wrong mailbox, changed UIDVALIDITY, expired ;EXPIRE,
// revoked by RESETKEY, wrong access identifier, tampered token). Each
// refused URL fetches as NIL with a tagged OK (RFC 4467 §7).
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/imap_test_support.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Part 1.2 holds the RFC's Latin; 1.3 is a PNG header in base64 (with
// NUL octets), 1.4 a part in an encoding nobody knows.
constexpr char kLatin[] =
    "From: Bob <bob@example.org>\r\n"
    "To: Fred <fred@example.org>\r\n"
    "Subject: Latin\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "--outer\r\n"
    "Content-Type: multipart/mixed; boundary=\"inner\"\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Intro\r\n"
    "--inner\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Si vis pacem, para bellum.\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: image/png\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "iVBORw0KGgoAAAA=\r\n"
    "--inner\r\n"
    "Content-Type: image/png\r\n"
    "Content-Transfer-Encoding: x-blurdybloop\r\n"
    "\r\n"
    "junk\r\n"
    "--inner--\r\n"
    "\r\n"
    "--outer--\r\n";

constexpr char kLatinText[] = "Si vis pacem, para bellum.\r\n";

class ImapUrlauthTest : public ImapConformanceTest {
 protected:
  void SetUp() override {
    ImapConformanceTest::SetUp();
    Deliver(kLatin);
    bob_ = Login("bob");
  }

  // The rump URL of bob's INBOX message 1, part `section`, for `access`.
  std::string Rump(const std::string& section, const std::string& access,
                   const std::string& extra = "") {
    return absl::StrCat("imap://bob@imap.example.org/INBOX;UIDVALIDITY=", UidValidity("INBOX"),
                        "/;UID=1/;SECTION=", section, extra, ";urlauth=", access);
  }
  // GENURLAUTH by bob; returns the authorized URL ("" on failure).
  std::string Authorize(const std::string& rump) {
    std::string reply = Command(*bob_, "g", absl::StrCat("GENURLAUTH \"", rump, "\" INTERNAL"));
    EXPECT_THAT(reply, HasSubstr("g OK GENURLAUTH completed")) << reply;
    return Between(reply, "* GENURLAUTH \"", "\"");
  }
  // URLFETCH of `url` as `user`: the data ("NIL" if refused).
  std::string Fetch(const std::string& user, const std::string& url) {
    auto c = Login(user);
    return FetchOn(*c, url);
  }
  std::string FetchOn(TestConnection& c, const std::string& url) {
    std::string reply = Command(c, "f", absl::StrCat("URLFETCH \"", url, "\""));
    const std::string head = absl::StrCat("* URLFETCH \"", url, "\" ");
    const std::string tail = "\r\nf OK URLFETCH completed\r\n";
    if (reply.compare(0, head.size(), head) != 0 || reply.size() < head.size() + tail.size() ||
        reply.compare(reply.size() - tail.size(), tail.size(), tail) != 0) {
      ADD_FAILURE() << reply;
      return reply;
    }
    std::string data = reply.substr(head.size(), reply.size() - head.size() - tail.size());
    if (data == "NIL") return data;
    const size_t open = data.find("}\r\n");
    return open == std::string::npos ? data : data.substr(open + 3);
  }

  std::unique_ptr<TestConnection> bob_;
};

// ---- RFC examples ----

// RFC 4467 §7: GENURLAUTH's errors, then a submission server fetching
// with its own login.
TEST_F(ImapUrlauthTest, Rfc4467Examples) {
  auto submit = Login("submit");
  RunTranscript("rfc4467 7 GENURLAUTH and URLFETCH", {bob_.get(), submit.get()});
}

// RFC 4467 §7 RESETKEY forms.
TEST_F(ImapUrlauthTest, Rfc4467ResetKeyExamples) {
  RunTranscript("rfc4467 7 RESETKEY", {bob_.get()});
}

// RFC 5524 §4 examples: BINARY, an undecodable part, a missing part, the
// unextended form in parentheses.
TEST_F(ImapUrlauthTest, Rfc5524Examples) {
  auto alice = Login("alice");
  RunTranscript("rfc5524 4", {bob_.get(), alice.get()});
}

// RFC 5524 §4: BINARY with BODYPARTSTRUCTURE describes the decoded data
// (identity encoding, decoded size), sent as literal8 for its NULs.
TEST_F(ImapUrlauthTest, BinaryWithBodyPartStructureDescribesDecodedData) {
  const std::string url = Authorize(Rump("1.3", "anonymous"));
  auto alice = Login("alice");
  EXPECT_EQ(
      Command(*alice, "A001", absl::StrCat("URLFETCH (\"", url, "\" BINARY BODYPARTSTRUCTURE)")),
      absl::StrCat("* URLFETCH \"", url,
                   "\" (BODYPARTSTRUCTURE (\"image\" \"png\" NIL NIL NIL \"binary\" 11 NIL NIL NIL "
                   "NIL)) (BINARY ~{11}\r\n",
                   std::string("\x89PNG\r\n\x1a\n\0\0\0", 11),
                   ")\r\nA001 OK URLFETCH completed\r\n"));
  // Without BINARY the structure is the part as stored.
  EXPECT_EQ(
      Command(*alice, "A002", absl::StrCat("URLFETCH (\"", url, "\" BODYPARTSTRUCTURE BODY)")),
      absl::StrCat("* URLFETCH \"", url,
                   "\" (BODYPARTSTRUCTURE (\"image\" \"png\" NIL NIL NIL \"base64\" 16 NIL NIL NIL "
                   "NIL)) (BODY {16}\r\niVBORw0KGgoAAAA=)\r\nA002 OK URLFETCH completed\r\n"));
}

// ---- GENURLAUTH validation (RFC 4467 §7: BAD for an invalid URL) ----

// Every URL GENURLAUTH cannot honour is BAD, and one bad URL fails the
// whole command: no GENURLAUTH response at all.
TEST_F(ImapUrlauthTest, GenurlauthValidationErrors) {
  const std::string v = absl::StrCat(UidValidity("INBOX"));
  const struct {
    std::string url;
    std::string mechanism;
    std::string error;
  } cases[] = {
      {"imap://bob@imap.example.org/INBOX/;UID=1", "INTERNAL",
       "missing access identifier in supplied URL"},
      {"imap://imap.example.org/INBOX/;UID=1;urlauth=anonymous", "INTERNAL",
       "missing owner username in supplied URL"},
      {"imap://alice@imap.example.org/INBOX/;UID=1;urlauth=anonymous", "INTERNAL",
       "URL owner is not the logged-in user"},
      {"imap://bob@imap.example.org/Nosuch/;UID=1;urlauth=anonymous", "INTERNAL",
       "no such mailbox"},
      {"imap://bob@imap.example.org/INBOX/;UID=9;urlauth=anonymous", "INTERNAL", "no such message"},
      {"imap://bob@imap.example.org/INBOX;UIDVALIDITY=1/;UID=1;urlauth=anonymous", "INTERNAL",
       "UIDVALIDITY changed"},
      {"imap://bob@imap.example.org/INBOX;urlauth=anonymous", "INTERNAL",
       "invalid URL: misplaced parameter"},
      {"imap://bob@mail.elsewhere.example/INBOX/;UID=1;urlauth=anonymous", "INTERNAL",
       "URL names another server"},
      {"imap://bob@imap.example.org/INBOX/;UID=1;urlauth=anonymous", "XSAMPLE",
       "unsupported URLAUTH mechanism"},
      {"imap://bob@imap.example.org/INBOX/;UID=1;urlauth=anonymous:internal:"
       "0123456789abcdef0123456789abcdef",
       "INTERNAL", "URL is already authorized"},
      {"imap://bob@imap.example.org/INBOX/;UID=1;urlauth=submit", "INTERNAL",
       "invalid URL: invalid access identifier"},
      {"imap://bob@imap.example.org/INBOX/;UID=x;urlauth=anonymous", "INTERNAL",
       "invalid URL: invalid number"},
  };
  for (const auto& t : cases) {
    EXPECT_EQ(Command(*bob_, "a1", absl::StrCat("GENURLAUTH \"", t.url, "\" ", t.mechanism)),
              absl::StrCat("a1 BAD ", t.error, "\r\n"))
        << t.url;
  }
  EXPECT_EQ(
      Command(
          *bob_, "a2",
          absl::StrCat("GENURLAUTH \"", Rump("1.2", "anonymous"),
                       "\" INTERNAL \"imap://bob@imap.example.org/INBOX/;UID=9;urlauth=anonymous\" "
                       "INTERNAL")),
      "a2 BAD no such message\r\n");
}

// Several URLs are authorized in one command, in order.
TEST_F(ImapUrlauthTest, GenurlauthSeveralUrls) {
  const std::string a = Rump("1.1", "anonymous");
  const std::string b = Rump("1.2", "user+alice");
  std::string reply =
      Command(*bob_, "a1", absl::StrCat("GENURLAUTH \"", a, "\" INTERNAL \"", b, "\" internal"));
  EXPECT_THAT(reply, StartsWith(absl::StrCat("* GENURLAUTH \"", a, ":internal:")));
  EXPECT_THAT(reply, HasSubstr(absl::StrCat("\" \"", b, ":internal:")));
  EXPECT_THAT(reply, HasSubstr("a1 OK GENURLAUTH completed\r\n"));
}

// ---- URLFETCH ----

// URLFETCH needs no selected mailbox and leaves a selection alone (RFC
// 4467 §7).
TEST_F(ImapUrlauthTest, UrlfetchLeavesSelectionAlone) {
  const std::string url = Authorize(Rump("1.2", "authuser"));
  auto alice = Login("alice");
  Command(*alice, "a0", "SELECT Trash");
  EXPECT_EQ(FetchOn(*alice, url), kLatinText);
  EXPECT_EQ(Command(*alice, "a1", "STATUS Trash (MESSAGES)"),
            "* STATUS Trash (MESSAGES 0)\r\na1 OK STATUS completed\r\n");
  EXPECT_EQ(Command(*alice, "a2", "FETCH 1:* UID"), "a2 BAD Invalid message sequence number\r\n");
}

// Several URLs, good and bad, get one response with a value each.
TEST_F(ImapUrlauthTest, UrlfetchSeveralUrls) {
  const std::string good = Authorize(Rump("1.1", "anonymous"));
  const std::string bad = good.substr(0, good.size() - 1) + (good.back() == '0' ? "1" : "0");
  auto alice = Login("alice");
  EXPECT_EQ(Command(*alice, "a1", absl::StrCat("URLFETCH \"", good, "\" \"", bad, "\"")),
            absl::StrCat("* URLFETCH \"", good, "\" {5}\r\nIntro \"", bad,
                         "\" NIL\r\na1 OK URLFETCH completed\r\n"));
}

// ;PARTIAL returns a slice (RFC 5550 §5.7.1 URL-PARTIAL).
TEST_F(ImapUrlauthTest, PartialUrl) {
  EXPECT_EQ(Fetch("alice", Authorize(Rump("1.2", "anonymous", "/;PARTIAL=7.5"))), "pacem");
  EXPECT_EQ(Fetch("alice", Authorize(Rump("1.2", "anonymous", "/;PARTIAL=19"))), "bellum.\r\n");
}

// A URL without URLAUTH, even one naming the user's own message, is NIL:
// URLFETCH takes only authorized URLs.
TEST_F(ImapUrlauthTest, PlainUrlIsNil) {
  EXPECT_EQ(FetchOn(*bob_, "imap://bob@imap.example.org/INBOX/;UID=1/;SECTION=1.2"), "NIL");
}

// ---- The refusal matrix ----

// Access identifiers (RFC 4467 §3): anonymous and authuser admit anyone
// logged in; user+x only x; submit+x only a submission server's user.
TEST_F(ImapUrlauthTest, AccessIdentifiers) {
  EXPECT_EQ(Fetch("alice", Authorize(Rump("1.2", "anonymous"))), kLatinText);
  EXPECT_EQ(Fetch("alice", Authorize(Rump("1.2", "authuser"))), kLatinText);
  const std::string for_alice = Authorize(Rump("1.2", "user+alice"));
  EXPECT_EQ(Fetch("alice", for_alice), kLatinText);
  EXPECT_EQ(FetchOn(*bob_, for_alice), "NIL");  // wrong user, the owner included
  EXPECT_EQ(Fetch("submit", for_alice), "NIL");
  const std::string for_submit = Authorize(Rump("1.2", "submit+bob"));
  EXPECT_EQ(Fetch("submit", for_submit), kLatinText);
  EXPECT_EQ(Fetch("alice", for_submit), "NIL");  // wrong access identifier
  EXPECT_EQ(FetchOn(*bob_, for_submit), "NIL");
}

// Changing the access identifier of an authorized URL breaks its token.
TEST_F(ImapUrlauthTest, RewrittenAccessIdentifierIsRefused) {
  const std::string url = Authorize(Rump("1.2", "user+alice"));
  std::string forged = url;
  forged.replace(forged.find("user+alice"), 10, "user+carol");
  EXPECT_EQ(Fetch("alice", forged), "NIL");
  forged = url;
  forged.replace(forged.find("user+alice"), 10, "anonymous");
  EXPECT_EQ(Fetch("alice", forged), "NIL");
}

// The URL names one mailbox: its token does not open another mailbox,
// nor another part or message.
TEST_F(ImapUrlauthTest, WrongMailboxOrPartIsRefused) {
  Command(*bob_, "a0", "CREATE Other");
  Deliver(kLatin, "Other");
  const std::string url = Authorize(Rump("1.2", "anonymous"));
  std::string forged = url;
  forged.replace(forged.find("/INBOX;UIDVALIDITY=") + 1, 5, "Other");
  forged.replace(forged.find("UIDVALIDITY=") + 12, absl::StrCat(UidValidity("INBOX")).size(),
                 absl::StrCat(UidValidity("Other")));
  EXPECT_EQ(Fetch("alice", forged), "NIL");
  forged = url;
  forged.replace(forged.find("SECTION=1.2"), 11, "SECTION=1.1");
  EXPECT_EQ(Fetch("alice", forged), "NIL");
  forged = url;
  forged.replace(forged.find(";UID=1/"), 7, ";UID=2/");
  EXPECT_EQ(Fetch("alice", forged), "NIL");
}

// A renamed mailbox no longer answers to the old name's URLs.
TEST_F(ImapUrlauthTest, RenamedMailboxIsRefused) {
  Command(*bob_, "a0", "CREATE Box");
  Deliver(kLatin, "Box");
  const std::string url =
      Authorize(absl::StrCat("imap://bob@imap.example.org/Box;UIDVALIDITY=", UidValidity("Box"),
                             "/;UID=1;urlauth=anonymous"));
  EXPECT_EQ(Fetch("alice", url).size(), sizeof(kLatin) - 1);
  Command(*bob_, "a1", "RENAME Box Box2");
  EXPECT_EQ(Fetch("alice", url), "NIL");
}

// A mailbox deleted and created again has a new UIDVALIDITY (and key):
// URLs of the old one are refused even for a message with the same UID.
TEST_F(ImapUrlauthTest, ChangedUidvalidityIsRefused) {
  Command(*bob_, "a0", "CREATE Box");
  Deliver(kLatin, "Box");
  const std::string rump =
      absl::StrCat("imap://bob@imap.example.org/Box;UIDVALIDITY=", UidValidity("Box"),
                   "/;UID=1;urlauth=anonymous");
  const std::string url = Authorize(rump);
  Command(*bob_, "a1", "DELETE Box");
  world_->RunFor(Duration::Seconds(2));
  Command(*bob_, "a2", "CREATE Box");
  ASSERT_EQ(Deliver(kLatin, "Box"), 1u);
  EXPECT_EQ(Fetch("alice", url), "NIL");
  // Without UIDVALIDITY in the URL the new mailbox's key still refuses it.
  const std::string bare =
      Authorize(absl::StrCat("imap://bob@imap.example.org/Box/;UID=1;urlauth=anonymous"));
  Command(*bob_, "a3", "DELETE Box");
  Command(*bob_, "a4", "CREATE Box");
  Deliver(kLatin, "Box");
  EXPECT_EQ(Fetch("alice", bare), "NIL");
}

// ;EXPIRE is honoured to the second (RFC 4467 §3).
TEST_F(ImapUrlauthTest, ExpiredUrlIsRefused) {
  // The world starts at 2024-01-01T00:00:00Z.
  const std::string url = Authorize(Rump("1.2", "anonymous", ";EXPIRE=2024-01-01T00:10:00Z"));
  auto alice = Login("alice");
  EXPECT_EQ(FetchOn(*alice, url), kLatinText);
  world_->RunUntil(Time::FromUnixSeconds(kEpochUnixSeconds + 600));
  EXPECT_EQ(FetchOn(*alice, url), kLatinText);
  world_->RunUntil(Time::FromUnixSeconds(kEpochUnixSeconds + 601));
  EXPECT_EQ(FetchOn(*alice, url), "NIL");
}

// RESETKEY of the mailbox revokes its URLs; new ones work (RFC 4467 §7).
TEST_F(ImapUrlauthTest, ResetKeyRevokesUrls) {
  const std::string old_url = Authorize(Rump("1.2", "anonymous"));
  EXPECT_EQ(Fetch("alice", old_url), kLatinText);
  EXPECT_EQ(Command(*bob_, "a1", "RESETKEY INBOX"), "a1 OK [URLMECH INTERNAL] Key reset\r\n");
  EXPECT_EQ(Fetch("alice", old_url), "NIL");
  const std::string new_url = Authorize(Rump("1.2", "anonymous"));
  EXPECT_NE(new_url, old_url);
  EXPECT_EQ(Fetch("alice", new_url), kLatinText);
}

// RESETKEY without a mailbox revokes the URLs of every mailbox.
TEST_F(ImapUrlauthTest, ResetAllKeysRevokesEverything) {
  Deliver(kLatin, "Sent");
  const std::string inbox_url = Authorize(Rump("1.2", "anonymous"));
  const std::string sent_url = Authorize(
      absl::StrCat("imap://bob@imap.example.org/Sent/;UID=1/;SECTION=1.2;urlauth=anonymous"));
  EXPECT_EQ(Command(*bob_, "a1", "RESETKEY"), "a1 OK All keys removed\r\n");
  EXPECT_EQ(Fetch("alice", inbox_url), "NIL");
  EXPECT_EQ(Fetch("alice", sent_url), "NIL");
}

// Sessions with the mailbox selected are told of RESETKEY with URLMECH
// (RFC 4467 §7).
TEST_F(ImapUrlauthTest, ResetKeyIsAnnouncedToSelectingSessions) {
  auto s = Selected();
  s->Send("s1 IDLE\r\n");
  ASSERT_EQ(s->WaitForLine("+"), "+ idling\r\n");
  Command(*bob_, "a1", "RESETKEY INBOX");
  EXPECT_EQ(s->WaitForLine("* OK"), "* OK [URLMECH INTERNAL] URLAUTH key was reset\r\n");
  s->Send("DONE\r\n");
  EXPECT_EQ(s->WaitForLine("s1"), "s1 OK IDLE terminated\r\n");
}

// A token with one digit changed is refused; its case does not matter.
TEST_F(ImapUrlauthTest, TamperedTokenIsRefused) {
  const std::string url = Authorize(Rump("1.2", "anonymous"));
  std::string tampered = url;
  char& digit = tampered[tampered.size() - 5];
  digit = digit == 'a' ? 'b' : 'a';
  EXPECT_EQ(Fetch("alice", tampered), "NIL");
  std::string upper = url;
  for (size_t i = upper.rfind(':') + 1; i < upper.size(); ++i) {
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  }
  EXPECT_EQ(Fetch("alice", upper), kLatinText);
  std::string short_token = url.substr(0, url.size() - 2);
  EXPECT_EQ(Fetch("alice", short_token), "NIL");
}

// A URL for another host or another mechanism is refused.
TEST_F(ImapUrlauthTest, ForeignHostOrMechanismIsRefused) {
  const std::string url = Authorize(Rump("1.2", "anonymous"));
  std::string other_host = url;
  other_host.replace(other_host.find("imap.example.org"), 16, "mail.example.org");
  EXPECT_EQ(Fetch("alice", other_host), "NIL");
  std::string other_mech = url;
  other_mech.replace(other_mech.find(":internal:"), 10, ":xsample:");
  EXPECT_EQ(Fetch("alice", other_mech), "NIL");
}

// The URL grants the owner's current access: once the message is
// expunged, it fetches nothing (RFC 4467 §7).
TEST_F(ImapUrlauthTest, ExpungedMessageIsNil) {
  const std::string url = Authorize(Rump("1.2", "anonymous"));
  ExpungeUids({1});
  EXPECT_EQ(Fetch("alice", url), "NIL");
}

}  // namespace
}  // namespace lemonade::testing
