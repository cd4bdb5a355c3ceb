// The mail store on netsim's simulated disk: every change survives a
// reopen, a torn tail is cut, and compaction keeps the exact state
// (including what QRESYNC needs) while a crash during it loses nothing.
#include "server/store/mail_store.h"

#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "netsim/world.h"

namespace lemonade::store {
namespace {

// Everything observable about a store, for comparisons.
std::string Image(MailStore& store) {
  std::string out;
  for (const std::string& name : store.ListUsers()) {
    const User* user = store.FindUser(name);
    absl::StrAppend(&out, "user ", name, "\n");
    for (const std::string& sub : user->subscriptions) absl::StrAppend(&out, " sub ", sub, "\n");
    for (Mailbox* m : store.ListMailboxes(*user)) {
      absl::StrAppend(&out, " mailbox ", m->name(), " v", m->uidvalidity(), " next", m->uidnext(),
                      " modseq", m->highest_modseq(), " use", m->special_use(), "\n");
      for (const auto& [modseq, uids] : m->expunged()) {
        absl::StrAppend(&out, "  expunged@", modseq, ":");
        for (uint32_t uid : uids) absl::StrAppend(&out, " ", uid);
        out += "\n";
      }
      for (const Message& msg : m->messages()) {
        std::string flags;
        AppendFlagNames(msg.flags, m->keywords(), false, &flags);
        auto bytes = store.ReadMessage(msg);
        absl::StrAppend(&out, "  ", msg.uid, " modseq", msg.modseq, " size", msg.size, " date",
                        msg.internal_date, " [", flags, "] ", bytes.ok() ? **bytes : "<unreadable>",
                        "\n");
      }
    }
  }
  return out;
}

class MailStoreTest : public ::testing::Test {
 protected:
  MailStoreTest() {
    netsim::WorldOptions options;
    options.seed = 9;
    world_ = std::make_unique<netsim::World>(options);
    world_->AddHost("mail");
    env_ = world_->EnvFor("mail");
  }

  std::unique_ptr<MailStore> Open() {
    StoreOptions options;
    options.password_iterations = 10;
    auto store = MailStore::Open(env_, options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  absl::Status Commit(MailStore& store) {
    absl::Status status = absl::DeadlineExceededError("no answer");
    bool done = false;
    store.Commit([&](absl::Status s) {
      status = s;
      done = true;
    });
    world_->RunUntil([&] { return done; }, world_->Now() + Duration::Seconds(10));
    return status;
  }

  absl::Status Compact(MailStore& store) {
    absl::Status status = absl::DeadlineExceededError("no answer");
    bool done = false;
    store.Compact([&](absl::Status s) {
      status = s;
      done = true;
    });
    world_->RunUntil([&] { return done; }, world_->Now() + Duration::Seconds(10));
    return status;
  }

  // A store with history: copies, flag changes, expunges (including the
  // highest UID), keywords, a rename, a deleted mailbox, URLAUTH keys.
  void Populate(MailStore& store) {
    ASSERT_TRUE(store.AddUser("bob", "secret").ok());
    ASSERT_TRUE(store.AddUser("alice", "wonder").ok());
    const User& bob = *store.FindUser("bob");
    Mailbox* inbox = store.FindMailbox(bob, "INBOX");
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(store.Append(*inbox, absl::StrCat("Subject: ", i, "\r\n\r\nbody ", i, "\r\n"),
                               i % 2 ? kFlagSeen : 0, i % 3 ? std::vector<std::string>{} :
                               std::vector<std::string>{"$Forwarded"}, 1704067200 + i, 60)
                      .ok());
    }
    auto work = store.CreateMailbox(bob, "Work/Projects", "\\Archive");
    ASSERT_TRUE(work.ok());
    ASSERT_TRUE(store.Copy(*inbox, {2, 3, 4}, **work).ok());
    ASSERT_TRUE(store.StoreFlags(*inbox, {5, 6}, StoreMode::kAdd, kFlagFlagged, {"$Submitted"},
                                 std::nullopt).ok());
    ASSERT_TRUE(store.Expunge(*inbox, {1, 7, 20}).ok());  // 20 is the highest UID
    ASSERT_TRUE(store.Expunge(*inbox, {9}).ok());
    ASSERT_TRUE(store.SetSubscribed(bob, "Work/Projects", true).ok());
    ASSERT_TRUE(store.RenameMailbox(bob, "Work", "Office").ok());
    auto scratch = store.CreateMailbox(bob, "Scratch");
    ASSERT_TRUE(scratch.ok());
    ASSERT_TRUE(store.Append(**scratch, "Subject: gone\r\n\r\nx\r\n", 0, {}, 1, 0).ok());
    ASSERT_TRUE(store.DeleteMailbox(bob, "Scratch").ok());
    ASSERT_TRUE(store.UrlauthKey(*inbox).ok());
    // A MULTIAPPEND: one record, one MODSEQ.
    std::vector<MailStore::NewMessage> batch(3);
    for (int i = 0; i < 3; ++i) {
      batch[i].bytes = i == 0 ? "Subject: a\r\n\r\na\r\n" : i == 1 ? "Subject: b\r\n\r\nb\r\n"
                                                                  : "Subject: c\r\n\r\nc\r\n";
      batch[i].system_flags = i == 1 ? kFlagDraft : 0;
      if (i == 2) batch[i].keywords = {"$SubmitPending"};
      batch[i].internal_date = 1704067200 + 100 + i;
    }
    auto uids = store.AppendMany(*inbox, batch);
    ASSERT_TRUE(uids.ok());
    ASSERT_THAT(*uids, ::testing::ElementsAre(21, 22, 23));
    ASSERT_TRUE(Commit(store).ok());
  }

  std::unique_ptr<netsim::World> world_;
  Env env_;
};

// A reopened store is the store that was closed, change for change.
TEST_F(MailStoreTest, ReopenRecoversEveryCommittedChange) {
  std::string before;
  {
    auto store = Open();
    Populate(*store);
    before = Image(*store);
  }
  auto again = Open();
  EXPECT_EQ(Image(*again), before);
  const Mailbox* inbox = again->FindMailbox(*again->FindUser("bob"), "INBOX");
  EXPECT_EQ(inbox->uidnext(), 24u);  // 20 was expunged, not reused: 21-23 followed
  EXPECT_THAT(inbox->UidsExpungedSince(0), ::testing::ElementsAre(1, 7, 9, 20));
}

// A torn, never-acknowledged tail is cut at recovery; the rest is intact.
TEST_F(MailStoreTest, TornTailIsCutAndAcknowledgedStateKept) {
  std::string acknowledged;
  {
    auto store = Open();
    Populate(*store);
    acknowledged = Image(*store);
    Mailbox* inbox = store->FindMailbox(*store->FindUser("bob"), "INBOX");
    // Written but not synced when the power goes.
    ASSERT_TRUE(store->Append(*inbox, std::string(100000, 'x'), 0, {}, 0, 0).ok());
    world_->CrashDisk("mail", world_->Now());
    world_->RunFor(Duration::Milliseconds(1));
  }
  auto again = Open();
  EXPECT_EQ(Image(*again), acknowledged);
}

// A MULTIAPPEND cut by a power loss at any moment of its fsync is
// recovered as all or none of its messages, never some. Each round starts
// from a fresh disk; both outcomes must occur for the test to mean much.
TEST_F(MailStoreTest, AppendManyIsAllOrNothingAcrossCrashes) {
  int none = 0, all = 0;
  for (int delay_us = 0; delay_us <= 2000; delay_us += 50) {
    netsim::WorldOptions options;
    options.seed = 100 + delay_us;
    world_ = std::make_unique<netsim::World>(options);
    world_->AddHost("mail");
    env_ = world_->EnvFor("mail");
    std::string acknowledged, all_image;
    {
      auto store = Open();
      Populate(*store);
      acknowledged = Image(*store);
      Mailbox* inbox = store->FindMailbox(*store->FindUser("bob"), "INBOX");
      std::vector<MailStore::NewMessage> batch(3);
      const std::string big(40000, 'x');
      for (MailStore::NewMessage& m : batch) m.bytes = big;
      ASSERT_TRUE(store->AppendMany(*inbox, batch).ok());
      all_image = Image(*store);
      // The fsync races the crash: it may or may not land, or land torn.
      store->Commit([](absl::Status) {});
      world_->CrashDisk("mail", world_->Now() + Duration::Microseconds(delay_us));
      world_->RunFor(Duration::Milliseconds(50));
    }
    auto again = Open();
    const std::string image = Image(*again);
    if (image == acknowledged) {
      ++none;
    } else {
      ASSERT_EQ(image, all_image) << "a partial MULTIAPPEND survived a crash at +" << delay_us;
      ++all;
    }
  }
  EXPECT_GT(none, 0);
  EXPECT_GT(all, 0);
}

// Compaction shrinks the log and keeps everything observable, also after
// a reopen from the compacted file.
TEST_F(MailStoreTest, CompactionKeepsTheExactState) {
  auto store = Open();
  Populate(*store);
  Mailbox* inbox = store->FindMailbox(*store->FindUser("bob"), "INBOX");
  // Garbage to reclaim: a big message appended and expunged.
  auto big = store->Append(*inbox, std::string(3 << 20, 'g'), 0, {}, 0, 0);
  ASSERT_TRUE(big.ok());
  ASSERT_TRUE(store->Expunge(*inbox, {*big}).ok());
  ASSERT_TRUE(Commit(*store).ok());
  const std::string before = Image(*store);
  const uint64_t log_before = store->log_bytes();
  ASSERT_TRUE(store->CompactionWorthwhile());
  ASSERT_TRUE(Compact(*store).ok());
  EXPECT_LT(store->log_bytes() * 10, log_before);
  EXPECT_EQ(Image(*store), before);
  // New changes after compaction land in the new log.
  ASSERT_TRUE(store->Append(*inbox, "Subject: after\r\n\r\nafter\r\n", 0, {}, 5, 0).ok());
  ASSERT_TRUE(Commit(*store).ok());
  const std::string after = Image(*store);
  store.reset();
  auto again = Open();
  EXPECT_EQ(Image(*again), after);
}

// Power loss while the compacted log is being written loses nothing: the
// old log stays in place until the new one is durable.
TEST_F(MailStoreTest, CrashDuringCompactionLosesNothing) {
  std::string before;
  {
    auto store = Open();
    Populate(*store);
    before = Image(*store);
    bool done = false;
    store->Compact([&done](absl::Status) { done = true; });
    world_->CrashDisk("mail", world_->Now());
    world_->RunFor(Duration::Milliseconds(100));
  }
  auto again = Open();
  EXPECT_EQ(Image(*again), before);
}

// Changes are refused, not lost, while a compaction is in flight.
TEST_F(MailStoreTest, ChangesDuringCompactionAreRefused) {
  auto store = Open();
  Populate(*store);
  Mailbox* inbox = store->FindMailbox(*store->FindUser("bob"), "INBOX");
  bool done = false;
  store->Compact([&done](absl::Status) { done = true; });
  auto refused = store->Append(*inbox, "Subject: x\r\n\r\nx\r\n", 0, {}, 0, 0);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  world_->RunUntil([&] { return done; }, world_->Now() + Duration::Seconds(10));
  EXPECT_TRUE(store->Append(*inbox, "Subject: x\r\n\r\nx\r\n", 0, {}, 0, 0).ok());
}

// Keywords are per mailbox and capped; COPY translates them.
TEST_F(MailStoreTest, KeywordsArePerMailboxAndCapped) {
  auto store = Open();
  ASSERT_TRUE(store->AddUser("bob", "secret").ok());
  const User& bob = *store->FindUser("bob");
  Mailbox* inbox = store->FindMailbox(bob, "INBOX");
  auto uid = store->Append(*inbox, "Subject: k\r\n\r\nk\r\n", 0, {"$Forwarded", "Work"}, 0, 0);
  ASSERT_TRUE(uid.ok());
  Mailbox* sent = store->FindMailbox(bob, "Sent");
  ASSERT_TRUE(store->Append(*sent, "Subject: s\r\n\r\ns\r\n", 0, {"Other"}, 0, 0).ok());
  ASSERT_TRUE(store->Copy(*inbox, {*uid}, *sent).ok());
  std::string flags;
  AppendFlagNames(sent->messages().back().flags, sent->keywords(), false, &flags);
  EXPECT_EQ(flags, "$Forwarded Work");
  for (size_t i = 0; i < kKeywordsMax; ++i) {
    (void)store->StoreFlags(*inbox, {*uid}, StoreMode::kAdd, 0, {absl::StrCat("k", i)}, std::nullopt);
  }
  auto over = store->StoreFlags(*inbox, {*uid}, StoreMode::kAdd, 0, {"one-too-many"}, std::nullopt);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
}

// RFC 3501 §6.3.5: a \Noselect name left by DELETE is renamed with its
// inferiors; a name with neither a mailbox nor inferiors is not found.
TEST_F(MailStoreTest, RenamingANoselectNameMovesItsInferiors) {
  std::string before;
  {
    auto store = Open();
    ASSERT_TRUE(store->AddUser("bob", "secret").ok());
    const User& bob = *store->FindUser("bob");
    auto bar = store->CreateMailbox(bob, "foo/bar");
    ASSERT_TRUE(bar.ok());
    ASSERT_TRUE(store->Append(**bar, "Subject: b\r\n\r\nb\r\n", 0, {}, 0, 0).ok());
    ASSERT_TRUE(store->DeleteMailbox(bob, "foo").ok());
    ASSERT_EQ(store->FindMailbox(bob, "foo"), nullptr);
    EXPECT_EQ(store->RenameMailbox(bob, "fo", "x").code(), absl::StatusCode::kNotFound);
    ASSERT_TRUE(store->RenameMailbox(bob, "foo", "zowie").ok());
    EXPECT_EQ(store->FindMailbox(bob, "foo/bar"), nullptr);
    EXPECT_EQ(store->FindMailbox(bob, "zowie"), nullptr);  // still \Noselect
    const Mailbox* moved = store->FindMailbox(bob, "zowie/bar");
    ASSERT_NE(moved, nullptr);
    EXPECT_EQ(moved->messages().size(), 1u);
    ASSERT_TRUE(Commit(*store).ok());
    before = Image(*store);
  }
  auto again = Open();
  EXPECT_EQ(Image(*again), before);
}

// Passwords are stored as salted PBKDF2 hashes and checked exactly.
TEST_F(MailStoreTest, PasswordsAreSaltedHashes) {
  auto store = Open();
  ASSERT_TRUE(store->AddUser("bob", "secret").ok());
  ASSERT_TRUE(store->AddUser("eve", "secret").ok());
  EXPECT_NE(store->FindUser("bob")->password_hash, store->FindUser("eve")->password_hash);
  EXPECT_THAT(store->FindUser("bob")->password_hash, ::testing::StartsWith("$pbkdf2-sha256$10$"));
  EXPECT_NE(store->Authenticate("bob", "secret"), nullptr);
  EXPECT_EQ(store->Authenticate("bob", "Secret"), nullptr);
  EXPECT_EQ(store->Authenticate("nobody", "secret"), nullptr);
  EXPECT_EQ(store->AddUser("bad name", "x").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->AddUser("bob", "x").code(), absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace lemonade::store
