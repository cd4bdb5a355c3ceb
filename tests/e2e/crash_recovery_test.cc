// Durability under power loss, in netsim: a client APPENDs, STOREs and
// EXPUNGEs over IMAP while the server's host crashes at a seed-chosen
// moment (losing unsynced writes, possibly tearing the last one) and
// restarts. After recovery every change that got a tagged OK must be
// there — across 1,000 seeds. Changes never acknowledged may or may not
// have survived; both are correct.
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/imap_client.h"
#include "gtest/gtest.h"
#include "netsim/world.h"
#include "server/imap/imap_server.h"
#include "server/store/mail_store.h"

namespace lemonade {
namespace {

constexpr char kImapHost[] = "imap.example.org";
constexpr char kPhoneHost[] = "phone";

struct Acknowledged {
  std::map<uint32_t, std::string> appended;  // uid -> body marker
  std::set<uint32_t> flagged;
  std::set<uint32_t> expunged;
  // Expunges sent but never acknowledged may or may not have happened.
  std::set<uint32_t> expunge_attempted;
};

// The server side of one run: store and IMAP server on the crashing host.
class ServerHost {
 public:
  explicit ServerHost(netsim::World* world) : world_(world) {}

  absl::Status Start() {
    Env env = world_->EnvFor(kImapHost);
    store::StoreOptions options;
    options.password_iterations = 10;
    auto store = store::MailStore::Open(env, options);
    if (!store.ok()) return store.status();
    store_ = std::move(*store);
    if (store_->FindUser("bob") == nullptr) {
      if (absl::Status s = store_->AddUser("bob", "secret"); !s.ok()) return s;
    }
    imap_server::ImapServerConfig config;
    config.hostname = kImapHost;
    config.allow_plaintext_auth = true;
    server_ = std::make_unique<imap_server::ImapServer>(env, store_.get(), config);
    return server_->Listen({kImapHost, 143}).status();
  }

  void Crash() {
    server_.reset();
    store_.reset();
  }

  store::MailStore* store() { return store_.get(); }

 private:
  netsim::World* world_;
  std::unique_ptr<store::MailStore> store_;
  std::unique_ptr<imap_server::ImapServer> server_;
};

// Runs one seed; returns "" or a description of what was lost.
std::string RunSeed(uint64_t seed) {
  netsim::WorldOptions options;
  options.seed = seed;
  netsim::World world(options);
  netsim::HostOptions server_options;
  server_options.disk.sync_latency = Duration::Milliseconds(2);
  world.AddHost(kImapHost, server_options);
  world.AddHost(kPhoneHost);
  ServerHost host(&world);
  if (absl::Status s = host.Start(); !s.ok()) return absl::StrCat("start: ", s.ToString());
  // The user's creation must be durable before the experiment starts.
  bool ready = false;
  host.store()->Commit([&ready](absl::Status) { ready = true; });
  world.RunUntil([&] { return ready; }, world.Now() + Duration::Seconds(10));

  absl::Status restart_status;
  bool restarted = false;
  world.OnHostCrash(kImapHost, [&] { host.Crash(); });
  world.OnHostRestart(kImapHost, [&] {
    restart_status = host.Start();
    restarted = true;
  });
  netsim::Rng rng = world.RandomStream("crash-test");
  // Crash somewhere in the first 400 ms of client activity.
  const Duration crash_after = Duration::Microseconds(static_cast<int64_t>(rng.Uniform(400000)));
  world.CrashHost(kImapHost, world.Now() + crash_after, Duration::Milliseconds(50));

  Acknowledged ack;
  client::ImapClient imap(world.EnvFor(kPhoneHost));
  bool connected = false, dead = false;
  imap.set_closed_handler([&](absl::Status) { dead = true; });
  imap.Connect(kImapHost, 143, [&](absl::Status s) {
    connected = s.ok();
    dead = !s.ok();
  });
  world.RunUntil([&] { return connected || dead; }, world.Now() + Duration::Seconds(5));
  if (connected) {
    imap.Send(client::ImapRequest::Text("LOGIN bob secret"), [](client::ImapResult) {});
    imap.Send(client::ImapRequest::Text("SELECT INBOX"), [](client::ImapResult) {});
    // A stream of changes, pipelined; each acknowledgement is recorded.
    for (int i = 0; i < 40; ++i) {
      const std::string marker = absl::StrCat("seed ", seed, " message ", i);
      imap.Send(client::ImapRequest::Text("APPEND INBOX ")
                    .Literal(absl::StrCat("Subject: ", marker, "\r\n\r\n", marker, "\r\n")),
                [&ack, marker](client::ImapResult r) {
                  uint32_t validity = 0, uid = 0;
                  size_t sp = r.code_args.find(' ');
                  if (r.ok() && r.code == "APPENDUID" &&
                      absl::SimpleAtoi(r.code_args.substr(0, sp), &validity) &&
                      absl::SimpleAtoi(r.code_args.substr(sp + 1), &uid)) {
                    ack.appended[uid] = marker;
                  }
                });
      if (i % 3 == 2) {
        const uint32_t target = static_cast<uint32_t>(i);  // UIDs count from 1
        imap.Send(client::ImapRequest::Text(absl::StrCat("UID STORE ", target, " +FLAGS.SILENT (\\Flagged)")),
                  [&ack, target](client::ImapResult r) {
                    if (r.ok() && ack.appended.count(target)) ack.flagged.insert(target);
                  });
      }
      if (i % 7 == 6) {
        const uint32_t target = static_cast<uint32_t>(i - 1);
        ack.expunge_attempted.insert(target);
        imap.Send(client::ImapRequest::Text(absl::StrCat("UID STORE ", target, " +FLAGS.SILENT (\\Deleted)")),
                  [](client::ImapResult) {});
        imap.Send(client::ImapRequest::Text(absl::StrCat("UID EXPUNGE ", target)),
                  [&ack, target](client::ImapResult r) {
                    if (r.ok()) ack.expunged.insert(target);
                  });
      }
    }
  }
  world.RunUntil([&] { return restarted; }, world.Now() + Duration::Seconds(30));
  world.RunFor(Duration::Milliseconds(100));
  if (!restarted) return "the host never restarted";
  if (!restart_status.ok()) return absl::StrCat("recovery failed: ", restart_status.ToString());

  // Compare the recovered store with what was acknowledged.
  store::MailStore* store = host.store();
  store::Mailbox* inbox = store->FindMailbox(*store->FindUser("bob"), "INBOX");
  if (inbox == nullptr) return "INBOX lost";
  for (const auto& [uid, marker] : ack.appended) {
    const store::Message* m = inbox->FindUid(uid);
    if (ack.expunged.count(uid)) {
      if (m != nullptr) return absl::StrCat("acknowledged expunge of UID ", uid, " undone");
      continue;
    }
    if (m == nullptr) {
      if (ack.expunge_attempted.count(uid)) continue;  // its expunge may have landed
      return absl::StrCat("acknowledged APPEND of UID ", uid, " lost");
    }
    auto bytes = store->ReadMessage(*m);
    if (!bytes.ok() || (*bytes)->find(marker) == std::string::npos) {
      return absl::StrCat("UID ", uid, " has the wrong content");
    }
    if (ack.flagged.count(uid) && !(m->flags.system & store::kFlagFlagged)) {
      return absl::StrCat("acknowledged \\Flagged of UID ", uid, " lost");
    }
  }
  return "";
}

// Every acknowledged change survives a crash at any moment (1,000 seeds).
TEST(CrashRecoveryTest, AcknowledgedChangesSurviveCrashesAcrossSeeds) {
  int with_acks = 0;
  for (uint64_t seed = 1; seed <= 1000; ++seed) {
    std::string lost = RunSeed(seed);
    ASSERT_EQ(lost, "") << "reproduce with seed=" << seed;
    ++with_acks;
  }
  EXPECT_EQ(with_acks, 1000);
}

}  // namespace
}  // namespace lemonade
