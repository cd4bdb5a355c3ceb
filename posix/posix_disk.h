// PosixDisk: lemonade::Disk over a directory of the real file system, with
// the fsync discipline that makes an acknowledged APPEND survive kill -9
// and power loss.
//
// Durability rules (what "durable" means here; see Pillai et al., OSDI 2014,
// for why each step is needed on ext4/xfs/btrfs):
//  - File::Append() write(2)s into the page cache at once: visible to reads
//    and to other processes, not yet durable.
//  - File::Sync(done) fdatasync(2)s the file (data and the size that makes
//    it reachable), then posts `done` on the loop. The fdatasync runs
//    synchronously on the loop thread, in a task posted by the first Sync()
//    of a loop iteration: every Sync() issued on that file in the same
//    iteration shares one fdatasync (group commit). A failed fsync is
//    sticky: the kernel may have dropped the dirty pages and cleared the
//    error, so every later Sync() of that handle fails with DataLoss too.
//  - Creating a file (OpenForAppend of a new path), MakeDirectories,
//    Remove and Truncate fsync what they change (the parent directory, or
//    the file) before returning, like the metadata journaling SimDisk
//    models.
//  - WriteFileAtomically: write a temporary file in the same directory,
//    fsync it, rename(2) it over the target, fsync the directory, then post
//    `done`. Readers and crashes see the old file or the new one, never a
//    mix. Temporary names start with ".lemonade-tmp-"; List() hides them
//    and the name prefix is reserved.
//
// Paths are relative to the root, '/'-separated, without empty, "." or ".."
// components; anything else (absolute paths, escapes) is InvalidArgument.
// Files are opened with openat(2) on the root's descriptor. Symbolic links
// placed inside the root by an operator are followed.
//
// Lifetime: the Timers (the loop) outlive the disk; Files may outlive the
// disk (they own their descriptor).
//
//   auto disk = PosixDisk::Open(loop.get(), "data");
//   auto log = (*disk)->OpenForAppend("mail/alice/log");
//   (*log)->Append(record);
//   (*log)->Sync([](absl::Status s) { /* durable now: send the tagged OK */ });
#ifndef LEMONADE_POSIX_POSIX_DISK_H_
#define LEMONADE_POSIX_POSIX_DISK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "env/env.h"

namespace lemonade::posix {

// What the disk has asked of the kernel, for tests and operations.
struct DiskStats {
  uint64_t sync_requests = 0;    // File::Sync() calls
  uint64_t file_syncs = 0;       // fdatasync/fsync of files
  uint64_t directory_syncs = 0;  // fsync of directories
  uint64_t atomic_writes = 0;
  uint64_t pending_operations = 0;  // Sync/WriteFileAtomically not yet completed
};

class PosixDisk final : public Disk {
 public:
  // Open: uses `root` (created with its parents if missing) as the data
  // root. `timers` posts completions; not owned.
  static absl::StatusOr<std::unique_ptr<PosixDisk>> Open(Timers* timers, const std::string& root);
  PosixDisk(const PosixDisk&) = delete;
  PosixDisk& operator=(const PosixDisk&) = delete;
  ~PosixDisk() override;

  absl::StatusOr<std::unique_ptr<File>> OpenForAppend(const std::string& path) override;
  absl::StatusOr<std::string> ReadFile(const std::string& path) override;
  void WriteFileAtomically(const std::string& path, std::string contents,
                           absl::AnyInvocable<void(absl::Status)> done) override;
  absl::Status Remove(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> List(const std::string& dir) override;
  absl::Status MakeDirectories(const std::string& dir) override;
  absl::Status Truncate(const std::string& path, uint64_t size) override;

  const std::string& root() const { return root_; }
  DiskStats stats() const { return *stats_; }

 private:
  class PosixFile;

  PosixDisk(Timers* timers, std::string root, int root_fd);
  // fsyncs the directory containing `path` ("" is the root itself).
  absl::Status SyncParent(const std::string& path);
  absl::Status SyncDirectory(const std::string& dir);
  void Complete(absl::AnyInvocable<void(absl::Status)> done, absl::Status status);

  Timers* timers_;
  const std::string root_;
  const int root_fd_;
  uint64_t next_temp_ = 0;
  // Shared with files and posted completions, which may outlive the disk.
  std::shared_ptr<DiskStats> stats_ = std::make_shared<DiskStats>();
};

// ValidatePosixDiskPath: the path rules above. With `allow_root`, "" (the
// root) is accepted.
absl::Status ValidatePosixDiskPath(absl::string_view path, bool allow_root);

}  // namespace lemonade::posix

#endif  // LEMONADE_POSIX_POSIX_DISK_H_
