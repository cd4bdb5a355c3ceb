// ImapConformanceTest: the fixture of the IMAP conformance suites
// (imap_*_test.cc) — LemonadeFixture plus what every suite needs: messages
// put straight into the store, mailbox facts read back from it, sessions
// logged in and selected, and the transcript runner that replays the RFC
// examples of testdata/*.txt against the server.
//
//   class ImapFetchTest : public ImapConformanceTest {};
//   TEST_F(ImapFetchTest, Something) {
//     Deliver(kSimpleMessage);
//     auto c = Selected("INBOX");
//     EXPECT_EQ(Command(*c, "a1", "FETCH 1 UID"),
//               "* 1 FETCH (UID 1)\r\na1 OK FETCH completed\r\n");
//     RunTranscript("fetch: partial", {c.get()});
//   }
//
// Transcripts (format in testdata/README.md) are compiled in by a genrule,
// as protocol/imap does with its vectors, so the tests read no files.
#ifndef LEMONADE_TESTS_E2E_IMAP_TEST_SUPPORT_H_
#define LEMONADE_TESTS_E2E_IMAP_TEST_SUPPORT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "tests/e2e/lemonade_fixture.h"

namespace lemonade::testing {

// One transcript file compiled into the binary (imap_transcripts.cc).
struct ImapTranscriptFile {
  const char* name;
  const char* contents;
};
extern const ImapTranscriptFile kImapTranscripts[];
extern const size_t kImapTranscriptCount;

// 2024-01-01T00:00:00Z, the netsim epoch; messages delivered without a
// date get it as INTERNALDATE.
inline constexpr int64_t kEpochUnixSeconds = 1704067200;

// A small text message (RFC 5322), 7bit.
inline constexpr char kSimpleMessage[] =
    "From: Alice <alice@example.org>\r\n"
    "To: Bob <bob@example.org>\r\n"
    "Subject: Lunch\r\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <lunch@example.org>\r\n"
    "\r\n"
    "Noon at the usual place?\r\n";

class ImapConformanceTest : public LemonadeFixture {
 protected:
  // The password of each fixture user.
  static std::string PasswordOf(const std::string& user);

  // Appends `message` to `user`'s `mailbox` through the store, durably,
  // as a delivery agent would; returns its UID.
  uint32_t Deliver(const std::string& message, const std::string& mailbox = "INBOX",
                   const std::string& user = "bob", uint8_t system_flags = 0,
                   const std::vector<std::string>& keywords = {},
                   int64_t internal_date = kEpochUnixSeconds, int16_t zone_offset_minutes = 0);
  // Waits for everything the store holds to be durable.
  void CommitStore();

  store::Mailbox* MailboxOf(const std::string& name, const std::string& user = "bob");
  uint32_t UidValidity(const std::string& name, const std::string& user = "bob");
  uint64_t HighestModseq(const std::string& name, const std::string& user = "bob");
  uint64_t ModseqOf(uint32_t uid, const std::string& name = "INBOX",
                    const std::string& user = "bob");

  // Logs in as `user` (greeting and login consumed).
  std::unique_ptr<TestConnection> Login(const std::string& user = "bob") {
    return LoggedIn(user, PasswordOf(user));
  }
  // Logs in and selects `mailbox` (its responses consumed).
  std::unique_ptr<TestConnection> Selected(const std::string& mailbox = "INBOX",
                                           const std::string& user = "bob");

  // Selects `mailbox` in a throwaway session, which takes the \Recent of
  // every message now in it, so later sessions' FLAGS stay plain.
  void ClaimRecent(const std::string& mailbox = "INBOX", const std::string& user = "bob");
  // Expunges `uids` of `mailbox` through the store, durably.
  void ExpungeUids(const std::vector<uint32_t>& uids, const std::string& mailbox = "INBOX",
                   const std::string& user = "bob");

  // Runs the world a little (virtual time) and returns whatever `c`
  // received that was not yet taken: "" when the server kept quiet.
  std::string Unsolicited(TestConnection& c);

  // Replays the transcript case `name` (see testdata/README.md) on
  // `sessions` (C:/S: lines are sessions[0], C2:/S2: sessions[1], ...).
  // `vars` pre-binds ${NAME} placeholders; others bind on first use.
  void RunTranscript(absl::string_view name, const std::vector<TestConnection*>& sessions,
                     std::map<std::string, std::string> vars = {});

  // Text between `open` and the next `close` after it ("" if absent).
  static std::string Between(const std::string& text, const std::string& open,
                             const std::string& close);
  // APPEND `message` with a non-synchronizing literal.
  static std::string AppendCommand(const std::string& mailbox, const std::string& flags,
                                   const std::string& message);
};

}  // namespace lemonade::testing

#endif  // LEMONADE_TESTS_E2E_IMAP_TEST_SUPPORT_H_
