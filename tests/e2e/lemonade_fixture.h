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

#include "gtest/gtest.h"
#include "netsim/world.h"
#include "server/imap/imap_server.h"
#include "server/store/mail_store.h"
#include "server/submission/submission_server.h"
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

    submission::SubmissionServerConfig submit_config = SubmitConfig();
    submit_env_ = world_->EnvFor(kSubmitHost);
    auto submission = submission::SubmissionServer::Create(submit_env_, store_.get(),
                                                           submit_config, "queue");
    ASSERT_TRUE(submission.ok()) << submission.status();
    submission_ = std::move(*submission);
    ASSERT_TRUE(submission_->Listen({kSubmitHost, 587}).ok());
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
