// The simulated disk: durability, crash and torn-write semantics.
#include "netsim/sim_disk.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace lemonade::netsim {
namespace {

const Time kStart = Time::FromUnixSeconds(1704067200);
constexpr uint64_t kSeed = 17;

class SimDiskTest : public ::testing::Test {
 protected:
  SimDiskTest() : loop_(kStart), trace_(&loop_) {}
  std::unique_ptr<SimDisk> MakeDisk(DiskOptions options = DiskOptions(), uint64_t seed = kSeed) {
    return std::make_unique<SimDisk>(&loop_, &trace_, 0, Rng(seed).Child("disk"), options);
  }
  EventLoop loop_;
  TraceRecorder trace_;
  ::testing::ScopedTrace seed_trace_{__FILE__, __LINE__, "seed=17 unless stated"};
};

TEST_F(SimDiskTest, AppendsAreVisibleAtOnceAndDurableAfterSync) {
  auto disk = MakeDisk();
  auto file = disk->OpenForAppend("log");
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Append("hello ").ok());
  EXPECT_EQ(*disk->ReadFile("log"), "hello ");
  EXPECT_EQ(*disk->DurableSize("log"), 0u);
  absl::Status synced = absl::UnknownError("pending");
  Time synced_at;
  (*file)->Sync([&](absl::Status s) {
    synced = s;
    synced_at = loop_.Now();
  });
  ASSERT_TRUE((*file)->Append("world").ok());  // After the Sync call.
  EXPECT_FALSE(synced.ok());                    // Never synchronously.
  loop_.RunUntilIdle(Time::InfiniteFuture());
  EXPECT_TRUE(synced.ok()) << synced;
  EXPECT_GE(synced_at - kStart, DiskOptions().sync_latency);
  EXPECT_EQ(*disk->DurableSize("log"), 6u);
  EXPECT_EQ(*(*file)->ReadAt(6, 100), "world");
  EXPECT_EQ((*file)->size(), 11u);
}

TEST_F(SimDiskTest, CrashKeepsSyncedDataAndAPrefixOfTheRest) {
  // Across many seeds: synced bytes always survive, and what survives of
  // the unsynced tail is a prefix (a torn last write), sometimes all or
  // nothing of it.
  bool saw_torn = false, saw_none = false;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    auto disk = MakeDisk(DiskOptions(), seed);
    auto file = disk->OpenForAppend("log");
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append("durable|").ok());
    (*file)->Sync([](absl::Status) {});
    loop_.RunUntilIdle(Time::InfiniteFuture());
    ASSERT_TRUE((*file)->Append("first unsynced|second unsynced").ok());
    DiskCrashReport report = disk->Crash();
    const std::string after = *disk->ReadFile("log");
    const std::string full = "durable|first unsynced|second unsynced";
    ASSERT_EQ(full.substr(0, after.size()), after) << "not a prefix; seed " << seed;
    ASSERT_GE(after.size(), 8u) << "synced data lost; seed " << seed;
    EXPECT_EQ(report.bytes_lost + report.torn_bytes_kept, full.size() - 8) << "seed " << seed;
    saw_torn |= after.size() > 8 && after.size() < full.size();
    saw_none |= after.size() == 8;
    // Old handles are dead; the file reopens.
    EXPECT_EQ((*file)->Append("x").code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_TRUE(disk->OpenForAppend("log").ok());
  }
  EXPECT_TRUE(saw_torn);
  EXPECT_TRUE(saw_none);
}

TEST_F(SimDiskTest, WithoutTornWritesACrashLosesAllUnsyncedBytes) {
  DiskOptions options;
  options.torn_writes = false;
  auto disk = MakeDisk(options);
  auto file = disk->OpenForAppend("log");
  ASSERT_TRUE((*file)->Append("gone").ok());
  disk->Crash();
  EXPECT_EQ(*disk->ReadFile("log"), "");
}

TEST_F(SimDiskTest, CrashDropsPendingSyncCallbacks) {
  auto disk = MakeDisk();
  auto file = disk->OpenForAppend("log");
  ASSERT_TRUE((*file)->Append("data").ok());
  bool called = false;
  (*file)->Sync([&](absl::Status) { called = true; });
  DiskCrashReport report = disk->Crash();
  loop_.RunUntilIdle(Time::InfiniteFuture());
  EXPECT_FALSE(called);
  EXPECT_EQ(report.pending_operations_dropped, 1u);
}

TEST_F(SimDiskTest, WriteFileAtomicallyIsAllOrNothing) {
  auto disk = MakeDisk();
  ASSERT_TRUE(disk->MakeDirectories("mail/INBOX").ok());
  absl::Status done = absl::UnknownError("pending");
  disk->WriteFileAtomically("mail/INBOX/index", "version 1", [&](absl::Status s) { done = s; });
  loop_.RunUntilIdle(Time::InfiniteFuture());
  ASSERT_TRUE(done.ok()) << done;
  EXPECT_EQ(*disk->ReadFile("mail/INBOX/index"), "version 1");
  // A crash before completion keeps the old contents, entirely.
  bool second_done = false;
  disk->WriteFileAtomically("mail/INBOX/index", "version 2, longer",
                            [&](absl::Status) { second_done = true; });
  EXPECT_EQ(*disk->ReadFile("mail/INBOX/index"), "version 1");
  disk->Crash();
  loop_.RunUntilIdle(Time::InfiniteFuture());
  EXPECT_FALSE(second_done);
  EXPECT_EQ(*disk->ReadFile("mail/INBOX/index"), "version 1");
  // Completed atomic writes survive a crash.
  disk->WriteFileAtomically("mail/INBOX/index", "version 3", [](absl::Status) {});
  loop_.RunUntilIdle(Time::InfiniteFuture());
  disk->Crash();
  EXPECT_EQ(*disk->ReadFile("mail/INBOX/index"), "version 3");
}

TEST_F(SimDiskTest, DirectoriesListRemoveAndTruncate) {
  auto disk = MakeDisk();
  EXPECT_EQ(disk->OpenForAppend("a/b").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(disk->MakeDirectories("a/sub").ok());
  ASSERT_TRUE(disk->OpenForAppend("a/b").ok());
  ASSERT_TRUE(disk->OpenForAppend("a/a").ok());
  auto list = disk->List("a");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, (std::vector<std::string>{"a", "b", "sub"}));
  EXPECT_EQ(*disk->List(""), (std::vector<std::string>{"a"}));
  EXPECT_EQ(disk->Remove("a").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(disk->Remove("a/a").ok());
  EXPECT_EQ(disk->Remove("a/a").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(disk->ReadFile("a/a").status().code(), absl::StatusCode::kNotFound);
  auto file = disk->OpenForAppend("a/b");
  ASSERT_TRUE((*file)->Append("0123456789").ok());
  EXPECT_TRUE(disk->Truncate("a/b", 4).ok());
  EXPECT_EQ(*disk->ReadFile("a/b"), "0123");
  EXPECT_EQ(disk->Truncate("a/b", 10).code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(disk->OpenForAppend("/abs").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(disk->OpenForAppend("a/../b").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(disk->OpenForAppend("a//b").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(disk->List("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SimDiskTest, CapacityLimitsAppends) {
  DiskOptions options;
  options.capacity_bytes = 10;
  auto disk = MakeDisk(options);
  auto file = disk->OpenForAppend("f");
  EXPECT_TRUE((*file)->Append("12345678").ok());
  EXPECT_EQ((*file)->Append("abc").code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(SimDiskTest, SyncsQueueOnTheDevice) {
  DiskOptions options;
  options.sync_latency = Duration::Milliseconds(5);
  options.write_bytes_per_second = 1000 * 1000;  // 1 MB/s: 1000 bytes = 1 ms
  auto disk = MakeDisk(options);
  auto a = disk->OpenForAppend("a");
  auto b = disk->OpenForAppend("b");
  ASSERT_TRUE((*a)->Append(std::string(1000, 'a')).ok());
  ASSERT_TRUE((*b)->Append(std::string(1000, 'b')).ok());
  Time done_a, done_b;
  (*a)->Sync([&](absl::Status) { done_a = loop_.Now(); });
  (*b)->Sync([&](absl::Status) { done_b = loop_.Now(); });
  loop_.RunUntilIdle(Time::InfiniteFuture());
  EXPECT_EQ(done_a - kStart, Duration::Milliseconds(6));
  EXPECT_EQ(done_b - kStart, Duration::Milliseconds(12));
}

}  // namespace
}  // namespace lemonade::netsim
