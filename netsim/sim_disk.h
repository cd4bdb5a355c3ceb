// SimDisk: a host's simulated disk (lemonade::Disk) with fsync latency and
// crash injection, so the store's durability can be tested in simulation.
//
// Semantics (what a crash may do, modelled on ext4 data=ordered with an
// append-only workload; see Pillai et al., "All File Systems Are Not
// Created Equal", OSDI 2014, for what real file systems do):
//  - Append() lands in the page cache at once: visible to reads, not durable.
//  - File::Sync(done) makes every append issued before the call durable,
//    after the disk's latency (syncs queue behind each other on the device:
//    `sync_latency` plus the dirty bytes at `write_bytes_per_second`), then
//    runs `done` from the loop.
//  - Crash() loses every unsynced byte of every file, except that with
//    `torn_writes` a random prefix of each file's unsynced tail survives
//    (the last write torn at a random byte). Synced bytes always survive.
//    Pending Sync and WriteFileAtomically callbacks never run, and File
//    handles opened before the crash fail with FailedPrecondition.
//  - WriteFileAtomically is all-or-nothing across crashes: until its `done`
//    runs, readers and crashes see the old file (or none); at completion the
//    new contents are durable.
//  - Metadata operations (creating a file, MakeDirectories, Remove,
//    Truncate) are durable immediately, as with a journaling file system
//    that commits metadata synchronously. A parent directory must exist.
//
//   SimDisk disk(&loop, &trace, /*host=*/0, rng.Child("disk/imap"), {});
//   auto file = disk.OpenForAppend("mail/log");
//   (*file)->Append("record");
//   (*file)->Sync([](absl::Status s) { /* durable now */ });
//   disk.Crash();  // unsynced bytes are gone (or torn)
#ifndef LEMONADE_NETSIM_SIM_DISK_H_
#define LEMONADE_NETSIM_SIM_DISK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "env/env.h"
#include "netsim/event_loop.h"
#include "netsim/rng.h"
#include "netsim/trace.h"

namespace lemonade::netsim {

struct DiskOptions {
  // One fsync on a datacenter SATA/NVMe SSD with a volatile write cache
  // flush is on the order of a millisecond; make it larger for HDDs.
  Duration sync_latency = Duration::Milliseconds(1);
  // Rate at which dirty data is written out during a sync.
  int64_t write_bytes_per_second = 500LL * 1000 * 1000;
  // On a crash, keep a random prefix of each file's unsynced tail.
  bool torn_writes = true;
  // Total bytes the disk holds; 0 means unlimited.
  uint64_t capacity_bytes = 0;
};

// What a crash did, for tests and reports.
struct DiskCrashReport {
  uint64_t files_affected = 0;
  uint64_t bytes_lost = 0;       // unsynced bytes discarded
  uint64_t torn_bytes_kept = 0;  // unsynced bytes that survived as a torn tail
  uint64_t pending_operations_dropped = 0;
};

class SimDisk final : public Disk {
 public:
  SimDisk(EventLoop* loop, TraceRecorder* trace, uint64_t host_id, Rng rng, DiskOptions options);
  SimDisk(const SimDisk&) = delete;
  SimDisk& operator=(const SimDisk&) = delete;
  ~SimDisk() override;

  // Disk.
  absl::StatusOr<std::unique_ptr<File>> OpenForAppend(const std::string& path) override;
  absl::StatusOr<std::string> ReadFile(const std::string& path) override;
  void WriteFileAtomically(const std::string& path, std::string contents,
                           absl::AnyInvocable<void(absl::Status)> done) override;
  absl::Status Remove(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> List(const std::string& dir) override;
  absl::Status MakeDirectories(const std::string& dir) override;
  absl::Status Truncate(const std::string& path, uint64_t size) override;

  // Simulates power loss now (see the header comment).
  DiskCrashReport Crash();

  // Inspection for tests: bytes of `path` that would survive a crash
  // without torn writes; NotFound if missing.
  absl::StatusOr<uint64_t> DurableSize(const std::string& path) const;
  uint64_t used_bytes() const { return used_bytes_; }
  uint64_t crashes() const { return epoch_; }

 private:
  class SimFile;
  struct Inode {
    std::string data;
    uint64_t durable = 0;
  };

  absl::Status CheckParent(const std::string& path) const;
  // Schedules `fn` after a device operation writing `bytes` (plus
  // `syncs` fsync latencies), FIFO on the device when `queue`. Every
  // callback the disk runs goes through here, so Crash() can drop them.
  void ScheduleDeviceOp(uint64_t bytes, int syncs, absl::AnyInvocable<void()> fn,
                        bool queue = true);
  Inode* Find(uint64_t inode);

  EventLoop* loop_;
  TraceRecorder* trace_;
  const uint64_t host_id_;
  Rng rng_;
  DiskOptions options_;
  uint64_t epoch_ = 0;  // crashes so far; handles and pending ops carry it
  uint64_t next_inode_ = 1;
  uint64_t used_bytes_ = 0;
  Time device_busy_until_;
  absl::btree_map<std::string, uint64_t> paths_;  // file path -> inode
  absl::btree_map<uint64_t, Inode> inodes_;
  absl::btree_set<std::string> dirs_;  // "" (the root) is implicit
  uint64_t next_op_ = 1;
  absl::btree_map<uint64_t, TimerId> pending_ops_;  // op id -> loop timer
};

// Checks a relative '/'-separated path (no empty, "." or ".." parts).
absl::Status ValidateDiskPath(const std::string& path, bool allow_root);

}  // namespace lemonade::netsim

#endif  // LEMONADE_NETSIM_SIM_DISK_H_
