// LemonadeFixture: a netsim world with the Lemonade IMAP and submission
// servers running on their own hosts, a phone host to connect from, and
// users bob and alice — the stage for end-to-end tests.
//
//   class MyTest : public LemonadeFixture {};
//   TEST_F(MyTest, Something) {
//     auto c = ConnectImap();
//     ASSERT_TRUE(c->WaitFor("* OK"));
//   }
#ifndef LEMONADE_TESTS_E2E_LEMONADE_FIXTURE_H_
#define LEMONADE_TESTS_E2E_LEMONADE_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "netsim/world.h"
#include "server/imap/imap_server.h"
#include "server/store/mail_store.h"
#include "server/submission/submission_server.h"
#include "tests/testing/smtp_replies.h"
#include "tests/testing/test_connection.h"

namespace lemonade::testing {

inline constexpr char kImapHost[] = "imap.example.org";
inline constexpr char kSubmitHost[] = "submit.example.org";
inline constexpr char kPhoneHost[] = "phone";

class LemonadeFixture : public ::testing::Test {
 protected:
  explicit LemonadeFixture(uint64_t seed = 1) {
    netsim::WorldOptions options;
    options.seed = seed;
    world_ = std::make_unique<netsim::World>(options);
    world_->AddHost(kImapHost);
    world_->AddHost(kSubmitHost);
    netsim::HostOptions phone;
    phone.link = netsim::LosslessProfile();
    world_->AddHost(kPhoneHost, phone);
  }

  void SetUp() override { StartServers(); }

  // (Re)creates store and servers on their hosts (also after a crash).
  void StartServers() {
    imap_env_ = world_->EnvFor(kImapHost);
    store::StoreOptions store_options;
    store_options.password_iterations = 10;  // fast: tests log in a lot
    store_options.directory = "store";
    auto opened = store::MailStore::Open(imap_env_, store_options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    if (store_->FindUser("bob") == nullptr) {
      ASSERT_TRUE(store_->AddUser("bob", "secret").ok());
      ASSERT_TRUE(store_->AddUser("alice", "wonder").ok());
      ASSERT_TRUE(store_->AddUser("submit", "submit-secret").ok());
      bool durable = false;
      store_->Commit([&durable](absl::Status s) { durable = s.ok(); });
      ASSERT_TRUE(RunUntil([&durable] { return durable; }));
    }
    imap_server_ = std::make_unique<imap_server::ImapServer>(imap_env_, store_.get(),
                                                             ImapConfig());
    ASSERT_TRUE(imap_server_->Listen({kImapHost, 143}).ok());

    StartSubmissionServer();
  }

  // (Re)creates the submission server on its host with the host's Env (so
  // its disk): after a crash of kSubmitHost it recovers its queue. The
  // store it delivers into lives on the IMAP host.
  void StartSubmissionServer() {
    submission::SubmissionServerConfig submit_config = SubmitConfig();
    submit_env_ = world_->EnvFor(kSubmitHost);
    auto submission = submission::SubmissionServer::Create(submit_env_, store_.get(),
                                                           submit_config, "queue");
    ASSERT_TRUE(submission.ok()) << submission.status();
    submission_ = std::move(*submission);
    ASSERT_TRUE(submission_->Listen({kSubmitHost, 587}).ok());
  }

  // From now on a crash of the submit host destroys the submission server
  // (netsim knows nothing of it) and the host's restart starts a new one.
  void RestartSubmissionAfterCrash() {
    world_->OnHostCrash(kSubmitHost, [this] { submission_.reset(); });
    world_->OnHostRestart(kSubmitHost, [this] { StartSubmissionServer(); });
  }

  virtual imap_server::ImapServerConfig ImapConfig() {
    imap_server::ImapServerConfig config;
    config.hostname = kImapHost;
    config.allow_plaintext_auth = true;  // the simulated links are private
    config.auth_failure_delay = Duration::Seconds(1);
    return config;
  }

  virtual submission::SubmissionServerConfig SubmitConfig() {
    submission::SubmissionServerConfig config;
    config.hostname = kSubmitHost;
    config.local_domains = {"example.org"};
    config.allow_plaintext_auth = true;
    submission::BurlTrust trust;
    trust.host = kImapHost;
    trust.port = 143;
    trust.user = "submit";
    trust.password = "submit-secret";
    config.burl_trust.push_back(trust);
    return config;
  }

  // Runs the world until `done` (at most a simulated hour).
  bool RunUntil(std::function<bool()> done) {
    return world_->RunUntil([&done] { return done(); }, world_->Now() + Duration::Hours(1));
  }

  RunUntilFn Runner() {
    return [this](std::function<bool()> done) { return RunUntil(std::move(done)); };
  }

  std::unique_ptr<TestConnection> ConnectImap(const std::string& from = kPhoneHost) {
    return std::make_unique<TestConnection>(world_->EnvFor(from), kImapHost, 143, Runner());
  }
  std::unique_ptr<TestConnection> ConnectSubmit(const std::string& from = kPhoneHost) {
    return std::make_unique<TestConnection>(world_->EnvFor(from), kSubmitHost, 587, Runner());
  }

  // Connects and logs in as `user`; the greeting and login are consumed.
  std::unique_ptr<TestConnection> LoggedIn(const std::string& user = "bob",
                                           const std::string& password = "secret") {
    auto c = ConnectImap();
    EXPECT_TRUE(c->WaitFor("* OK"));
    c->Send("l1 LOGIN " + user + " " + password + "\r\n");
    EXPECT_TRUE(c->WaitFor("l1 OK"));
    c->TakeNew();
    return c;
  }

  // ---- Submission helpers ----

  // Runs until `count` more complete SMTP replies arrived on `c`; returns
  // them ("" on timeout).
  static std::string WaitForReplies(TestConnection& c, int count) {
    std::string replies;
    for (int i = 0; i < count; ++i) {
      std::string reply = c.WaitForLineWhere(
          [](absl::string_view line) {
            return line.size() >= 3 && absl::ascii_isdigit(line[0]) &&
                   absl::ascii_isdigit(line[1]) && absl::ascii_isdigit(line[2]) &&
                   (line.size() == 3 || line[3] == ' ');
          });
      if (reply.empty()) return "";
      replies += reply;
    }
    return replies;
  }

  // Sends `bytes` and returns the next `count` complete replies.
  static std::string Exchange(TestConnection& c, const std::string& bytes, int count) {
    c.Send(bytes);
    return WaitForReplies(c, count);
  }

  // "BDAT <size> [LAST]\r\n" followed by `content` (RFC 3030 §2).
  static std::string Bdat(const std::string& content, bool last = true) {
    return absl::StrCat("BDAT ", content.size(), last ? " LAST" : "", "\r\n", content);
  }

  // A submission connection whose greeting was consumed.
  std::unique_ptr<TestConnection> OpenSubmission(const std::string& from = kPhoneHost) {
    auto c = ConnectSubmit(from);
    EXPECT_NE(WaitForReplies(*c, 1).substr(0, 4), "");
    return c;
  }

  // A submission connection after EHLO and AUTH PLAIN as `user`; the
  // replies are consumed.
  std::unique_ptr<TestConnection> SubmitLoggedIn(const std::string& user = "bob",
                                                 const std::string& password = "secret") {
    auto c = OpenSubmission();
    const std::string replies =
        Exchange(*c, "EHLO phone.example.org\r\n" + AuthPlainCommand(user, password), 2);
    EXPECT_NE(replies.find("235 2.7.0"), std::string::npos) << replies;
    return c;
  }

  // ---- Store helpers ----

  store::Mailbox* MailboxOf(const std::string& user, const std::string& name = "INBOX") {
    const store::User* u = store_->FindUser(user);
    return u == nullptr ? nullptr : store_->FindMailbox(*u, name);
  }

  // The bytes of every message in `user`'s `mailbox`, in UID order.
  std::vector<std::string> MessagesIn(const std::string& user,
                                      const std::string& mailbox = "INBOX") {
    std::vector<std::string> out;
    store::Mailbox* m = MailboxOf(user, mailbox);
    if (m == nullptr) return out;
    for (const store::Message& message : m->messages()) {
      auto bytes = store_->ReadMessage(message);
      out.push_back(bytes.ok() ? **bytes : std::string());
    }
    return out;
  }

  // Runs until `user`'s `mailbox` holds at least `count` messages.
  bool WaitForMessages(const std::string& user, size_t count,
                       const std::string& mailbox = "INBOX") {
    return RunUntil([&] {
      store::Mailbox* m = MailboxOf(user, mailbox);
      return m != nullptr && m->messages().size() >= count;
    });
  }

  // Runs until the submission queue has finished with every message.
  bool WaitForEmptyQueue() {
    return RunUntil([this] { return submission_->queue()->entries().empty(); });
  }

  // Appends `bytes` to `user`'s `mailbox` through the store, durably;
  // returns "UIDVALIDITY/;UID=uid" for building IMAP URLs.
  std::string StoreMessage(const std::string& user, const std::string& mailbox,
                           const std::string& bytes) {
    store::Mailbox* m = MailboxOf(user, mailbox);
    if (m == nullptr) {
      auto created = store_->CreateMailbox(*store_->FindUser(user), mailbox);
      EXPECT_TRUE(created.ok()) << created.status();
      if (!created.ok()) return "";
      m = *created;
    }
    auto uid = store_->Append(*m, bytes, 0, {}, world_->Now().unix_seconds(), 0);
    EXPECT_TRUE(uid.ok()) << uid.status();
    bool durable = false;
    store_->Commit([&durable](absl::Status s) { durable = s.ok(); });
    EXPECT_TRUE(RunUntil([&durable] { return durable; }));
    return absl::StrCat(m->uidvalidity(), "/;UID=", uid.value_or(0));
  }

  // GENURLAUTH over `imap` (logged in as the URL's owner) for `rump`
  // ("imap://bob@imap.example.org/Sent;UIDVALIDITY=1/;UID=1;urlauth=submit+bob");
  // the authorized URL, or "" if the server refused.
  static std::string GenUrlAuth(TestConnection& imap, const std::string& rump) {
    const std::string reply = Command(imap, "gu", absl::StrCat("GENURLAUTH \"", rump, "\" INTERNAL"));
    const std::string open = "* GENURLAUTH \"";
    const size_t start = reply.find(open);
    if (start == std::string::npos || reply.find("gu OK") == std::string::npos) return "";
    const size_t end = reply.find('"', start + open.size());
    return reply.substr(start + open.size(), end - start - open.size());
  }

  // Sends one tagged command and returns the responses through its tagged
  // line ("" on timeout).
  static std::string Command(TestConnection& c, const std::string& tag,
                             const std::string& command) {
    c.TakeNew();
    c.Send(tag + " " + command + "\r\n");
    return c.WaitForLine(tag + " ");
  }

  std::unique_ptr<netsim::World> world_;
  Env imap_env_;
  Env submit_env_;
  std::unique_ptr<store::MailStore> store_;
  std::unique_ptr<imap_server::ImapServer> imap_server_;
  std::unique_ptr<submission::SubmissionServer> submission_;
};

}  // namespace lemonade::testing

#endif  // LEMONADE_TESTS_E2E_LEMONADE_FIXTURE_H_
