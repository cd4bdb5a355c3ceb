#include "posix/posix_disk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "posix/event_loop.h"
#include "posix/posix_test_util.h"

namespace lemonade::posix {
namespace {

using testing::kBound;

class PosixDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loop = EventLoop::Create();
    ASSERT_TRUE(loop.ok());
    loop_ = std::move(*loop);
    root_ = testing::NewTempDir() + "/data/root";  // created by Open
    auto disk = PosixDisk::Open(loop_.get(), root_);
    ASSERT_TRUE(disk.ok()) << disk.status();
    disk_ = std::move(*disk);
  }

  // Runs the loop until `done` has been called, returning its status.
  absl::Status Await(std::optional<absl::Status>& result) {
    EXPECT_TRUE(loop_->RunUntil([&] { return result.has_value(); }, kBound));
    return result.value_or(absl::DeadlineExceededError("never completed"));
  }

  absl::Status WriteAtomically(const std::string& path, std::string contents) {
    std::optional<absl::Status> result;
    disk_->WriteFileAtomically(path, std::move(contents),
                               [&](absl::Status s) { result = std::move(s); });
    EXPECT_FALSE(result.has_value()) << "completion must come from the loop";
    return Await(result);
  }

  std::unique_ptr<EventLoop> loop_;
  std::string root_;
  std::unique_ptr<PosixDisk> disk_;
};

// Appends are readable at once, durable after Sync, and visible to a new
// handle (and a new disk) afterwards.
TEST_F(PosixDiskTest, AppendSyncReadBack) {
  ASSERT_TRUE(disk_->MakeDirectories("mail/alice").ok());
  auto file = disk_->OpenForAppend("mail/alice/log");
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Append("record one\n").ok());
  ASSERT_TRUE((*file)->Append("record two\n").ok());
  EXPECT_EQ((*file)->size(), 22u);
  EXPECT_EQ(*(*file)->ReadAt(7, 3), "one");
  EXPECT_EQ(*(*file)->ReadAt(11, 100), "record two\n");
  EXPECT_EQ((*file)->ReadAt(23, 1).status().code(), absl::StatusCode::kOutOfRange);

  const uint64_t syncs_before = disk_->stats().file_syncs;
  std::optional<absl::Status> synced;
  (*file)->Sync([&](absl::Status s) { synced = std::move(s); });
  EXPECT_FALSE(synced.has_value());
  EXPECT_EQ(disk_->stats().pending_operations, 1u);
  ASSERT_TRUE(Await(synced).ok());
  EXPECT_EQ(disk_->stats().file_syncs, syncs_before + 1) << "Sync must fsync";
  EXPECT_EQ(disk_->stats().pending_operations, 0u);

  file->reset();
  auto again = PosixDisk::Open(loop_.get(), root_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->ReadFile("mail/alice/log"), "record one\nrecord two\n");
  auto reopened = (*again)->OpenForAppend("mail/alice/log");
  ASSERT_TRUE(reopened.ok());
  ASSERT_TRUE((*reopened)->Append("three\n").ok());
  EXPECT_EQ(*(*again)->ReadFile("mail/alice/log"), "record one\nrecord two\nthree\n");
}

// Syncs issued in one loop iteration share one fdatasync; each caller
// still hears back.
TEST_F(PosixDiskTest, SyncsInOneIterationShareOneFsync) {
  auto file = disk_->OpenForAppend("log");
  ASSERT_TRUE(file.ok());
  const uint64_t before = disk_->stats().file_syncs;
  int done = 0;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE((*file)->Append("x").ok());
    (*file)->Sync([&](absl::Status s) {
      EXPECT_TRUE(s.ok()) << s;
      ++done;
    });
  }
  ASSERT_TRUE(loop_->RunUntil([&] { return done == 5; }, kBound));
  EXPECT_EQ(disk_->stats().file_syncs, before + 1);
  EXPECT_EQ(disk_->stats().sync_requests, 5u);
  // A sync still pending when the handle is dropped completes anyway.
  std::optional<absl::Status> late;
  (*file)->Sync([&](absl::Status s) { late = std::move(s); });
  file->reset();
  EXPECT_TRUE(Await(late).ok());
}

// Creating a file fsyncs its directory, so the name survives power loss.
TEST_F(PosixDiskTest, CreatingAFileSyncsItsDirectory) {
  const uint64_t before = disk_->stats().directory_syncs;
  ASSERT_TRUE(disk_->OpenForAppend("new").ok());
  EXPECT_EQ(disk_->stats().directory_syncs, before + 1);
  ASSERT_TRUE(disk_->OpenForAppend("new").ok());  // exists: nothing to sync
  EXPECT_EQ(disk_->stats().directory_syncs, before + 1);
}

// WriteFileAtomically replaces the whole file and leaves no temporary.
TEST_F(PosixDiskTest, WriteFileAtomicallyReplaces) {
  ASSERT_TRUE(disk_->MakeDirectories("conf").ok());
  ASSERT_TRUE(WriteAtomically("conf/users", "alice\n").ok());
  EXPECT_EQ(*disk_->ReadFile("conf/users"), "alice\n");
  const uint64_t dir_syncs = disk_->stats().directory_syncs;
  ASSERT_TRUE(WriteAtomically("conf/users", "bob\n").ok());
  EXPECT_EQ(*disk_->ReadFile("conf/users"), "bob\n");
  EXPECT_GE(disk_->stats().directory_syncs, dir_syncs + 1);
  EXPECT_EQ(disk_->stats().atomic_writes, 2u);
  // Nothing else in the directory, not even hidden.
  auto names = disk_->List("conf");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"users"});
  DIR* dir = opendir((root_ + "/conf").c_str());
  ASSERT_NE(dir, nullptr);
  std::vector<std::string> raw;
  while (struct dirent* entry = readdir(dir)) raw.push_back(entry->d_name);
  closedir(dir);
  std::sort(raw.begin(), raw.end());
  EXPECT_EQ(raw, (std::vector<std::string>{".", "..", "users"})) << "a temporary was left behind";
  EXPECT_EQ(WriteAtomically("missing/dir/file", "x").code(), absl::StatusCode::kNotFound);
}

// Absolute paths and ".." escapes never reach the file system.
TEST_F(PosixDiskTest, PathEscapesAreRejected) {
  for (const std::string& bad : std::vector<std::string>{"/etc/passwd", "../outside", "a/../../b", "a//b", "./a", "a/.", "", "a/",
        std::string("a\0b", 3), ".lemonade-tmp-x"}) {
    EXPECT_EQ(disk_->OpenForAppend(bad).status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_EQ(disk_->ReadFile(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(disk_->Remove(bad).code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(disk_->Truncate(bad, 0).code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(WriteAtomically(bad, "x").code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(disk_->List("..").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(disk_->MakeDirectories("/tmp/x").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(disk_->List("").ok());  // the root itself
}

// List() is sorted, names only, directories included.
TEST_F(PosixDiskTest, ListIsSorted) {
  for (const char* name : {"zeta", "alpha", "Mid", "beta", "10", "9"}) {
    ASSERT_TRUE(disk_->OpenForAppend(name).ok());
  }
  ASSERT_TRUE(disk_->MakeDirectories("dir/sub").ok());
  auto names = disk_->List("");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"10", "9", "Mid", "alpha", "beta", "dir", "zeta"}));
  EXPECT_EQ(*disk_->List("dir"), std::vector<std::string>{"sub"});
  EXPECT_EQ(disk_->List("nope").status().code(), absl::StatusCode::kNotFound);
}

// Missing files and directories are NotFound; Remove and Truncate behave
// like SimDisk's.
TEST_F(PosixDiskTest, ErrorsMatchTheContract) {
  EXPECT_EQ(disk_->ReadFile("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(disk_->OpenForAppend("no/dir").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(disk_->Remove("nope").code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(disk_->MakeDirectories("d/e").ok());
  ASSERT_TRUE(disk_->MakeDirectories("d/e").ok());  // idempotent
  EXPECT_EQ(disk_->Remove("d").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(disk_->ReadFile("d").status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(disk_->Remove("d/e").ok());
  ASSERT_TRUE(disk_->Remove("d").ok());

  auto file = disk_->OpenForAppend("t");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("0123456789").ok());
  EXPECT_EQ(disk_->Truncate("t", 11).code(), absl::StatusCode::kOutOfRange);
  ASSERT_TRUE(disk_->Truncate("t", 4).ok());
  EXPECT_EQ((*file)->size(), 4u);  // an open handle sees the cut
  ASSERT_TRUE((*file)->Append("X").ok());
  EXPECT_EQ(*disk_->ReadFile("t"), "0123X");
  ASSERT_TRUE(disk_->Remove("t").ok());
  EXPECT_EQ(disk_->ReadFile("t").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(disk_->OpenForAppend("file").ok());
  EXPECT_EQ(disk_->MakeDirectories("file/sub").code(), absl::StatusCode::kFailedPrecondition);
}

// A root that cannot be created is an error from Open.
TEST(PosixDiskOpenTest, BadRootFails) {
  auto loop = EventLoop::Create();
  ASSERT_TRUE(loop.ok());
  const std::string dir = testing::NewTempDir();
  int fd = open((dir + "/file").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  close(fd);
  EXPECT_FALSE(PosixDisk::Open(loop->get(), dir + "/file/root").ok());
  EXPECT_EQ(PosixDisk::Open(loop->get(), "").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lemonade::posix
