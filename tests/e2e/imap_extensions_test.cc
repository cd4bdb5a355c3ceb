// IMAP conformance: the session-level extensions — ENABLE (RFC 5161), ID
// (RFC 2971), NAMESPACE (RFC 2342), UNSELECT (RFC 3691), IDLE's syntax
// (RFC 2177), COMPRESS=DEFLATE (RFC 4978, driven from the test with zlib),
// LITERAL+ (RFC 7888), STARTTLS (RFC 3501 §6.2.1, netsim's TLS model),
// AUTHENTICATE PLAIN and LOGIN with SASL-IR (RFC 4959) and LOGINDISABLED.
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/compress/deflate_stream.h"
#include "tests/e2e/imap_test_support.h"

namespace lemonade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class ImapExtensionsTest : public ImapConformanceTest {
 protected:
  // The client's half of COMPRESS=DEFLATE on top of a TestConnection:
  // what it sends is deflated, what arrives after `raw_offset` inflated.
  class Deflated {
   public:
    Deflated(ImapExtensionsTest* test, TestConnection* c, size_t raw_offset)
        : test_(test), c_(c), raw_offset_(raw_offset) {}

    std::string Compress(absl::string_view plain) {
      std::string wire;
      deflate_.Compress(plain, &wire);
      return wire;
    }
    void Send(absl::string_view plain) { c_->Send(Compress(plain)); }
    // Where in the raw input the compressed responses begin.
    void set_raw_offset(size_t offset) { raw_offset_ = offset; }
    // Runs until a whole line starting with `prefix` has been inflated;
    // returns the plain text up to and including it ("" on timeout).
    std::string WaitForLine(absl::string_view prefix) {
      size_t end = std::string::npos;
      bool ok = test_->RunUntil([&] {
        Pump();
        size_t pos = mark_;
        while (pos < plain_.size()) {
          size_t eol = plain_.find("\r\n", pos);
          if (eol == std::string::npos) return false;
          if (absl::StartsWith(absl::string_view(plain_).substr(pos), prefix)) {
            end = eol + 2;
            return true;
          }
          pos = eol + 2;
        }
        return false;
      });
      if (!ok) return "";
      std::string out = plain_.substr(mark_, end - mark_);
      mark_ = end;
      return out;
    }
    std::string Command(const std::string& tag, const std::string& command) {
      Send(tag + " " + command + "\r\n");
      return WaitForLine(tag + " ");
    }
    bool broken() const { return !status_.ok(); }

   private:
    void Pump() {
      const std::string& raw = c_->received();
      if (raw.size() <= raw_offset_ || !status_.ok()) return;
      status_ = inflate_.Decompress(absl::string_view(raw).substr(raw_offset_), &plain_);
      raw_offset_ = raw.size();
    }

    ImapExtensionsTest* test_;
    TestConnection* c_;
    size_t raw_offset_;
    compress::DeflateStream deflate_;
    compress::InflateStream inflate_;
    absl::Status status_;
    std::string plain_;
    size_t mark_ = 0;
  };

  // Sends COMPRESS DEFLATE and returns the compressed channel; the tagged
  // OK must be the last uncompressed thing the server says.
  std::unique_ptr<Deflated> StartCompression(TestConnection& c) {
    EXPECT_EQ(Command(c, "z1", "COMPRESS DEFLATE"), "z1 OK DEFLATE active\r\n");
    return std::make_unique<Deflated>(this, &c, c.received().size());
  }
};

std::string Base64(absl::string_view raw) { return absl::Base64Escape(raw); }

std::string PlainResponse(absl::string_view authzid, absl::string_view authcid,
                          absl::string_view password) {
  return Base64(
      absl::StrCat(authzid, std::string(1, '\0'), authcid, std::string(1, '\0'), password));
}

// ---- ENABLE (RFC 5161) ----

// ENABLE CONDSTORE answers ENABLED CONDSTORE (RFC 5161 §3.1 example).
TEST_F(ImapExtensionsTest, EnableCondstoreIsReported) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "ENABLE CONDSTORE"),
            "* ENABLED CONDSTORE\r\na1 OK ENABLE completed\r\n");
}

// Unknown extensions are silently left out of ENABLED (RFC 5161 §3.1).
TEST_F(ImapExtensionsTest, EnableIgnoresUnknownExtensions) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "t2", "ENABLE X-GOOD-IDEA CONDSTORE"),
            "* ENABLED CONDSTORE\r\nt2 OK ENABLE completed\r\n");
  EXPECT_EQ(Command(*c, "t3", "ENABLE X-GOOD-IDEA"), "* ENABLED\r\nt3 OK ENABLE completed\r\n");
}

// A second ENABLE lists only what it newly enabled (RFC 5161 §3.1).
TEST_F(ImapExtensionsTest, EnableTwiceListsNothingNew) {
  auto c = Login();
  Command(*c, "a1", "ENABLE CONDSTORE");
  EXPECT_EQ(Command(*c, "a2", "ENABLE CONDSTORE"), "* ENABLED\r\na2 OK ENABLE completed\r\n");
}

// ENABLE QRESYNC also turns CONDSTORE on (RFC 7162 §3.2.3), so a later
// ENABLE CONDSTORE has nothing to add.
TEST_F(ImapExtensionsTest, EnableQresyncImpliesCondstore) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "ENABLE QRESYNC"), "* ENABLED QRESYNC\r\na1 OK ENABLE completed\r\n");
  EXPECT_EQ(Command(*c, "a2", "ENABLE CONDSTORE"), "* ENABLED\r\na2 OK ENABLE completed\r\n");
}

// ENABLE does not change the capability list (RFC 5161 §3.1).
TEST_F(ImapExtensionsTest, EnableDoesNotChangeCapabilities) {
  auto c = Login();
  const std::string before = Command(*c, "a1", "CAPABILITY");
  Command(*c, "a2", "ENABLE QRESYNC CONDSTORE");
  const std::string after = Command(*c, "a3", "CAPABILITY");
  EXPECT_EQ(Between(before, "* CAPABILITY ", "\r\n"), Between(after, "* CAPABILITY ", "\r\n"));
}

// ENABLE is only valid in the authenticated state (RFC 5161 §3.1).
TEST_F(ImapExtensionsTest, EnableInSelectedStateIsBad) {
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "ENABLE CONDSTORE"), "a1 BAD ENABLE is not allowed after SELECT\r\n");
  Command(*c, "a2", "UNSELECT");
  EXPECT_EQ(Command(*c, "a3", "ENABLE CONDSTORE"),
            "* ENABLED CONDSTORE\r\na3 OK ENABLE completed\r\n");
}

// ---- ID (RFC 2971) ----

// ID with client parameters answers the server's own identification
// (RFC 2971 §3.1 example).
TEST_F(ImapExtensionsTest, IdReturnsServerIdentification) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a023",
                    "ID (\"name\" \"sodr\" \"version\" \"19.34\" \"vendor\" "
                    "\"Pink Floyd Music Limited\")"),
            "* ID (\"name\" \"lemonade\" \"vendor\" \"lemonade developers\" \"support-url\" "
            "\"https://datatracker.ietf.org/doc/rfc5550/\")\r\n"
            "a023 OK ID completed\r\n");
}

// ID NIL works in the not-authenticated state too (RFC 2971 §3.1).
TEST_F(ImapExtensionsTest, IdNilBeforeLogin) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  EXPECT_THAT(Command(*c, "a042", "ID NIL"), HasSubstr("* ID (\"name\" \"lemonade\""));
  EXPECT_THAT(c->received(), HasSubstr("a042 OK ID completed\r\n"));
}

// More than 30 field/value pairs are refused (RFC 2971 §3.3).
TEST_F(ImapExtensionsTest, IdWithTooManyFieldsIsBad) {
  auto c = Login();
  std::string params;
  for (int i = 0; i < 31; ++i) absl::StrAppend(&params, i ? " " : "", "\"f", i, "\" \"v\"");
  EXPECT_THAT(Command(*c, "a1", "ID (" + params + ")"), StartsWith("a1 BAD "));
  EXPECT_EQ(Command(*c, "a2", "NOOP"), "a2 OK NOOP completed\r\n");
}

// ---- NAMESPACE (RFC 2342) ----

// One personal namespace with "/" as delimiter (RFC 2342 §5 example 5.1).
TEST_F(ImapExtensionsTest, NamespaceHasOnePersonalNamespace) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "A001", "NAMESPACE"),
            "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\nA001 OK NAMESPACE completed\r\n");
}

// ---- UNSELECT (RFC 3691) ----

// UNSELECT leaves the selected state without expunging \Deleted messages
// (RFC 3691 §2).
TEST_F(ImapExtensionsTest, UnselectDoesNotExpunge) {
  Deliver(kSimpleMessage, "INBOX", "bob", store::kFlagDeleted);
  auto c = Selected();
  EXPECT_EQ(Command(*c, "a1", "UNSELECT"), "a1 OK UNSELECT completed\r\n");
  EXPECT_EQ(Command(*c, "a2", "FETCH 1 FLAGS"), "a2 BAD No mailbox selected\r\n");
  EXPECT_EQ(Command(*c, "a3", "STATUS INBOX (MESSAGES)"),
            "* STATUS INBOX (MESSAGES 1)\r\na3 OK STATUS completed\r\n");
}

// UNSELECT needs a selected mailbox (RFC 3691 §2: BAD otherwise).
TEST_F(ImapExtensionsTest, UnselectWithoutSelectionIsBad) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "UNSELECT"), "a1 BAD No mailbox selected\r\n");
}

// UNSELECT sends no CLOSED, even with QRESYNC on (RFC 7162 §3.2.11).
TEST_F(ImapExtensionsTest, UnselectSendsNoClosedWithQresync) {
  auto c = Login();
  Command(*c, "e1", "ENABLE QRESYNC");
  Command(*c, "s1", "SELECT INBOX");
  EXPECT_EQ(Command(*c, "a1", "UNSELECT"), "a1 OK UNSELECT completed\r\n");
}

// ---- IDLE (RFC 2177) ----

// IDLE answers "+", and DONE ends it with the tagged OK (RFC 2177 §3).
TEST_F(ImapExtensionsTest, IdleEndsWithDone) {
  auto c = Selected();
  c->Send("A002 IDLE\r\n");
  EXPECT_EQ(c->WaitForLine("+"), "+ idling\r\n");
  c->Send("DONE\r\n");
  EXPECT_EQ(c->WaitForLine("A002"), "A002 OK IDLE terminated\r\n");
  EXPECT_EQ(Command(*c, "a3", "NOOP"), "a3 OK NOOP completed\r\n");
}

// IDLE works in the authenticated state too, and "done" is
// case-insensitive.
TEST_F(ImapExtensionsTest, IdleInAuthenticatedState) {
  auto c = Login();
  c->Send("a1 IDLE\r\n");
  EXPECT_EQ(c->WaitForLine("+"), "+ idling\r\n");
  c->Send("done\r\n");
  EXPECT_EQ(c->WaitForLine("a1"), "a1 OK IDLE terminated\r\n");
}

// Anything but DONE during IDLE ends it with BAD (RFC 2177 §3); the
// session goes on.
TEST_F(ImapExtensionsTest, IdleInterruptedByCommandIsBad) {
  auto c = Selected();
  c->Send("a1 IDLE\r\n");
  ASSERT_EQ(c->WaitForLine("+"), "+ idling\r\n");
  c->Send("a2 NOOP\r\n");
  EXPECT_EQ(c->WaitForLine("a1"), "a1 BAD Expected DONE to end IDLE\r\n");
  EXPECT_EQ(Command(*c, "a3", "NOOP"), "a3 OK NOOP completed\r\n");
}

// ---- COMPRESS=DEFLATE (RFC 4978) ----

// After COMPRESS DEFLATE both directions are raw DEFLATE: commands and
// responses (literals included) flow compressed.
TEST_F(ImapExtensionsTest, CompressDeflateCompressesBothDirections) {
  Deliver(kSimpleMessage);
  auto c = Selected();
  auto z = StartCompression(*c);
  EXPECT_EQ(z->Command("a1", "NOOP"), "a1 OK NOOP completed\r\n");
  EXPECT_EQ(z->Command("a2", "FETCH 1 BODY.PEEK[TEXT]"),
            "* 1 FETCH (BODY[TEXT] {26}\r\nNoon at the usual place?\r\n)\r\n"
            "a2 OK FETCH completed\r\n");
  EXPECT_FALSE(z->broken());
  // The wire carries no plain text after the OK.
  const std::string raw = c->received();
  EXPECT_THAT(raw.substr(raw.find("z1 OK DEFLATE active\r\n") + 22), Not(HasSubstr("FETCH")));
}

// A command sent in the same packet right behind COMPRESS is already
// compressed, and is understood (RFC 4978 §3).
TEST_F(ImapExtensionsTest, CommandPipelinedBehindCompressIsInflated) {
  auto c = Login();
  c->TakeNew();
  Deflated z(this, c.get(), 0);
  c->Send("z1 COMPRESS DEFLATE\r\n" + z.Compress("a1 NOOP\r\n"));
  ASSERT_EQ(c->WaitForLine("z1"), "z1 OK DEFLATE active\r\n");
  z.set_raw_offset(c->received().size());
  EXPECT_EQ(z.WaitForLine("a1"), "a1 OK NOOP completed\r\n");
}

// APPEND with a literal and IDLE's continuation both work compressed.
TEST_F(ImapExtensionsTest, CompressedSessionCarriesLiteralsAndIdle) {
  auto c = Selected();
  auto a = Selected();
  auto z = StartCompression(*c);
  const std::string message = kSimpleMessage;
  z->Send(absl::StrCat("a1 APPEND INBOX {", message.size(), "}\r\n"));
  EXPECT_EQ(z->WaitForLine("+"), "+ Ready for literal data\r\n");
  z->Send(message + "\r\n");
  EXPECT_THAT(z->WaitForLine("a1 "), HasSubstr("a1 OK [APPENDUID "));
  z->Send("a2 IDLE\r\n");
  EXPECT_EQ(z->WaitForLine("+"), "+ idling\r\n");
  Deliver(kSimpleMessage);
  EXPECT_EQ(z->WaitForLine("* 2 RECENT"), "* 2 EXISTS\r\n* 2 RECENT\r\n");
  z->Send("DONE\r\n");
  EXPECT_EQ(z->WaitForLine("a2"), "a2 OK IDLE terminated\r\n");
}

// Once compression is on, CAPABILITY no longer offers it, and a second
// COMPRESS is refused (RFC 4978 §3: BAD when COMPRESS is already active).
TEST_F(ImapExtensionsTest, CompressTwiceIsRefused) {
  auto c = Login();
  auto z = StartCompression(*c);
  EXPECT_THAT(z->Command("a1", "CAPABILITY"), Not(HasSubstr("COMPRESS=DEFLATE")));
  EXPECT_EQ(z->Command("a2", "COMPRESS DEFLATE"),
            "a2 BAD [COMPRESSIONACTIVE] DEFLATE is already active\r\n");
  EXPECT_EQ(z->Command("a3", "NOOP"), "a3 OK NOOP completed\r\n");
}

// An unknown algorithm is an invalid argument: BAD, and nothing changes
// (RFC 4978 §3).
TEST_F(ImapExtensionsTest, CompressUnknownAlgorithmIsBad) {
  auto c = Login();
  EXPECT_EQ(Command(*c, "a1", "COMPRESS LZW"), "a1 BAD Unknown compression algorithm\r\n");
  EXPECT_EQ(Command(*c, "a2", "NOOP"), "a2 OK NOOP completed\r\n");
}

// A corrupt DEFLATE stream from the client ends the connection; nothing
// sensible can be answered in it.
TEST_F(ImapExtensionsTest, CorruptCompressedInputClosesConnection) {
  auto c = Login();
  StartCompression(*c);
  c->Send(std::string("\xff\xff\xff\xff\xff\xff", 6));
  EXPECT_TRUE(c->WaitForClose());
}

// ---- LITERAL+ (RFC 7888) ----

// Non-synchronizing literals need no continuation request (RFC 7888 §3).
TEST_F(ImapExtensionsTest, NonSynchronizingLiteralsNeedNoContinuation) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  c->TakeNew();
  c->Send("a1 LOGIN {3+}\r\nbob {6+}\r\nsecret\r\n");
  std::string reply = c->WaitForLine("a1 ");
  EXPECT_THAT(reply, Not(HasSubstr("+ Ready")));
  EXPECT_THAT(reply, HasSubstr("a1 OK [CAPABILITY"));
}

// Synchronizing literals get one continuation each.
TEST_F(ImapExtensionsTest, SynchronizingLiteralsGetOneContinuationEach) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  c->TakeNew();
  c->Send("a1 LOGIN {3}\r\n");
  EXPECT_EQ(c->WaitForLine("+"), "+ Ready for literal data\r\n");
  c->Send("bob {6}\r\n");
  EXPECT_EQ(c->WaitForLine("+"), "+ Ready for literal data\r\n");
  c->Send("secret\r\n");
  EXPECT_THAT(c->WaitForLine("a1 "), HasSubstr("a1 OK [CAPABILITY"));
}

// ---- AUTHENTICATE (RFC 3501 §6.2.2, RFC 4616, SASL-IR RFC 4959) ----

// PLAIN with an initial response completes in one round trip (RFC 4959
// §3).
TEST_F(ImapExtensionsTest, AuthenticatePlainWithInitialResponse) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  std::string reply = Command(*c, "a1", "AUTHENTICATE PLAIN " + PlainResponse("", "bob", "secret"));
  EXPECT_THAT(reply, HasSubstr("a1 OK [CAPABILITY IMAP4rev1"));
  EXPECT_THAT(reply, HasSubstr("] bob authenticated\r\n"));
  EXPECT_THAT(reply, Not(StartsWith("+")));
}

// PLAIN without an initial response gets an empty challenge first
// (RFC 3501 §6.2.2, RFC 4616 §2).
TEST_F(ImapExtensionsTest, AuthenticatePlainWithContinuation) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  c->TakeNew();
  c->Send("a1 AUTHENTICATE PLAIN\r\n");
  EXPECT_EQ(c->WaitForLine("+"), "+ \r\n");
  c->Send(PlainResponse("bob", "bob", "secret") + "\r\n");
  EXPECT_THAT(c->WaitForLine("a1 "), HasSubstr("a1 OK [CAPABILITY IMAP4rev1"));
}

// The LOGIN mechanism asks for user name and password in turn.
TEST_F(ImapExtensionsTest, AuthenticateLoginMechanism) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  c->TakeNew();
  c->Send("a1 AUTHENTICATE LOGIN\r\n");
  EXPECT_EQ(c->WaitForLine("+"), "+ " + Base64("Username:") + "\r\n");
  c->Send(Base64("bob") + "\r\n");
  EXPECT_EQ(c->WaitForLine("+"), "+ " + Base64("Password:") + "\r\n");
  c->Send(Base64("secret") + "\r\n");
  EXPECT_THAT(c->WaitForLine("a1 "), HasSubstr("a1 OK [CAPABILITY IMAP4rev1"));
}

// The LOGIN mechanism's user name may come as the initial response.
TEST_F(ImapExtensionsTest, AuthenticateLoginWithInitialResponse) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  c->TakeNew();
  c->Send("a1 AUTHENTICATE LOGIN " + Base64("bob") + "\r\n");
  EXPECT_EQ(c->WaitForLine("+"), "+ " + Base64("Password:") + "\r\n");
  c->Send(Base64("secret") + "\r\n");
  EXPECT_THAT(c->WaitForLine("a1 "), HasSubstr("a1 OK [CAPABILITY IMAP4rev1"));
}

// "*" cancels the exchange with BAD (RFC 3501 §6.2.2); the session goes
// on unauthenticated.
TEST_F(ImapExtensionsTest, AuthenticateCancelledIsBad) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  c->TakeNew();
  c->Send("a1 AUTHENTICATE PLAIN\r\n");
  ASSERT_EQ(c->WaitForLine("+"), "+ \r\n");
  c->Send("*\r\n");
  EXPECT_EQ(c->WaitForLine("a1"), "a1 BAD AUTHENTICATE cancelled\r\n");
  EXPECT_EQ(Command(*c, "a2", "SELECT INBOX"), "a2 BAD Not authenticated\r\n");
}

// A response that is not base64 is BAD (RFC 3501 §6.2.2).
TEST_F(ImapExtensionsTest, AuthenticateInvalidBase64IsBad) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  c->TakeNew();
  c->Send("a1 AUTHENTICATE PLAIN\r\n");
  ASSERT_EQ(c->WaitForLine("+"), "+ \r\n");
  c->Send("not base64!\r\n");
  EXPECT_EQ(c->WaitForLine("a1"), "a1 BAD Invalid SASL response: invalid base64\r\n");
}

// A well-formed base64 response that is not a PLAIN message is a failed
// authentication: NO, not BAD (RFC 3501 §6.2.2).
TEST_F(ImapExtensionsTest, AuthenticateMalformedPlainMessageIsNo) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  EXPECT_EQ(Command(*c, "a1", "AUTHENTICATE PLAIN " + Base64("no separators")),
            "a1 NO Invalid SASL response: malformed message\r\n");
}

// Wrong credentials through SASL fail like LOGIN's (RFC 5530
// AUTHENTICATIONFAILED).
TEST_F(ImapExtensionsTest, AuthenticateWrongPasswordIsNo) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  EXPECT_EQ(Command(*c, "a1", "AUTHENTICATE PLAIN " + PlainResponse("", "bob", "nope")),
            "a1 NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
}

// An authorization identity other than the user itself is refused: there
// is no proxy authorization (RFC 4616 §2).
TEST_F(ImapExtensionsTest, AuthenticateAsAnotherUserIsRefused) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  EXPECT_EQ(Command(*c, "a1", "AUTHENTICATE PLAIN " + PlainResponse("alice", "bob", "secret")),
            "a1 NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
}

// An unknown mechanism is refused with NO (RFC 3501 §6.2.2).
TEST_F(ImapExtensionsTest, AuthenticateUnknownMechanismIsNo) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  EXPECT_EQ(Command(*c, "a1", "AUTHENTICATE CRAM-MD5"),
            "a1 NO [CANNOT] Unsupported authentication mechanism\r\n");
}

// ---- STARTTLS and LOGINDISABLED ----

// A server with a certificate that refuses plaintext passwords on
// unencrypted connections from other hosts.
class ImapTlsTest : public ImapExtensionsTest {
 protected:
  imap_server::ImapServerConfig ImapConfig() override {
    imap_server::ImapServerConfig config = ImapExtensionsTest::ImapConfig();
    config.tls_available = true;
    config.allow_plaintext_auth = false;
    return config;
  }

  bool NegotiateTls(TestConnection& c) {
    bool done = false;
    absl::Status status;
    c.StartTls([&](absl::Status s) {
      status = s;
      done = true;
    });
    return RunUntil([&] { return done; }) && status.ok();
  }
};

// Without TLS from a remote peer the greeting offers STARTTLS and says
// LOGINDISABLED, with no AUTH= mechanisms (RFC 3501 §6.2.3, §7.2.1).
TEST_F(ImapTlsTest, GreetingOffersStartTlsAndDisablesLogin) {
  auto c = ConnectImap();
  std::string greeting = c->WaitForLine("* OK");
  EXPECT_THAT(greeting, HasSubstr(" STARTTLS LOGINDISABLED] "));
  EXPECT_THAT(greeting, Not(HasSubstr(" AUTH=")));
}

// LOGIN and AUTHENTICATE are refused before TLS with PRIVACYREQUIRED
// (RFC 5530).
TEST_F(ImapTlsTest, PlaintextLoginIsRefusedBeforeTls) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  EXPECT_EQ(Command(*c, "a1", "LOGIN bob secret"),
            "a1 NO [PRIVACYREQUIRED] Plaintext authentication is disabled; use STARTTLS\r\n");
  EXPECT_EQ(Command(*c, "a2", "AUTHENTICATE PLAIN " + PlainResponse("", "bob", "secret")),
            "a2 NO [PRIVACYREQUIRED] Plaintext authentication is disabled; use STARTTLS\r\n");
}

// After STARTTLS the capabilities change (no STARTTLS, no LOGINDISABLED,
// AUTH=PLAIN) and LOGIN works (RFC 3501 §6.2.1).
TEST_F(ImapTlsTest, StartTlsEnablesLogin) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  EXPECT_EQ(Command(*c, "a002", "STARTTLS"), "a002 OK Begin TLS negotiation now\r\n");
  ASSERT_TRUE(NegotiateTls(*c));
  c->TakeNew();
  std::string caps = Command(*c, "a003", "CAPABILITY");
  EXPECT_THAT(caps, HasSubstr(" AUTH=PLAIN AUTH=LOGIN\r\n"));
  EXPECT_THAT(caps, Not(HasSubstr("STARTTLS")));
  EXPECT_THAT(caps, Not(HasSubstr("LOGINDISABLED")));
  EXPECT_THAT(Command(*c, "a004", "LOGIN bob secret"), HasSubstr("a004 OK [CAPABILITY"));
}

// Commands pipelined behind STARTTLS in the clear are discarded, never
// executed (RFC 3501 §6.2.1: a man in the middle could have added them).
TEST_F(ImapTlsTest, CommandsPipelinedBehindStartTlsAreDiscarded) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  c->TakeNew();
  c->Send("a1 STARTTLS\r\na2 CAPABILITY\r\n");
  EXPECT_EQ(c->WaitForLine("a1"), "a1 OK Begin TLS negotiation now\r\n");
  ASSERT_TRUE(NegotiateTls(*c));
  EXPECT_EQ(Unsolicited(*c), "");
  EXPECT_THAT(Command(*c, "a3", "NOOP"), HasSubstr("a3 OK NOOP completed"));
  EXPECT_THAT(c->received(), Not(HasSubstr("a2 ")));
}

// STARTTLS on a TLS connection, or after login, is BAD.
TEST_F(ImapTlsTest, StartTlsTwiceIsBad) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  Command(*c, "a1", "STARTTLS");
  ASSERT_TRUE(NegotiateTls(*c));
  EXPECT_EQ(Command(*c, "a2", "STARTTLS"), "a2 BAD TLS is already active\r\n");
  Command(*c, "a3", "LOGIN bob secret");
  EXPECT_EQ(Command(*c, "a4", "STARTTLS"), "a4 BAD Already authenticated\r\n");
}

// RFC 4978 §3's example: STARTTLS, LOGIN, then COMPRESS; the data is
// compressed before it is encrypted.
TEST_F(ImapTlsTest, CompressOverTls) {
  auto c = ConnectImap();
  ASSERT_TRUE(c->WaitFor("ready\r\n"));
  EXPECT_EQ(Command(*c, "a", "STARTTLS"), "a OK Begin TLS negotiation now\r\n");
  ASSERT_TRUE(NegotiateTls(*c));
  EXPECT_THAT(Command(*c, "b", "LOGIN bob secret"), HasSubstr("b OK [CAPABILITY"));
  auto z = StartCompression(*c);
  EXPECT_EQ(z->Command("d", "NAMESPACE"),
            "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\nd OK NAMESPACE completed\r\n");
}

// Connections from the server's own host may use plaintext passwords.
TEST_F(ImapTlsTest, LocalPeerMayLoginWithoutTls) {
  auto c = ConnectImap(kImapHost);
  std::string greeting = c->WaitForLine("* OK");
  EXPECT_THAT(greeting, HasSubstr("STARTTLS AUTH=PLAIN AUTH=LOGIN]"));
  EXPECT_THAT(Command(*c, "a1", "LOGIN bob secret"), HasSubstr("a1 OK [CAPABILITY"));
}

// Without a certificate there is no STARTTLS (RFC 3501 §6.2.1: BAD).
TEST_F(ImapExtensionsTest, StartTlsWithoutCertificateIsBad) {
  auto c = ConnectImap();
  std::string greeting = c->WaitForLine("* OK");
  EXPECT_THAT(greeting, Not(HasSubstr("STARTTLS")));
  EXPECT_EQ(Command(*c, "a1", "STARTTLS"), "a1 BAD STARTTLS is not available\r\n");
  EXPECT_EQ(Command(*c, "a2", "NOOP"), "a2 OK NOOP completed\r\n");
}

}  // namespace
}  // namespace lemonade::testing
