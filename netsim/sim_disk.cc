#include "netsim/sim_disk.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/check.h"

namespace lemonade::netsim {
namespace {

std::string ParentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace

absl::Status ValidateDiskPath(const std::string& path, bool allow_root) {
  if (path.empty()) {
    return allow_root ? absl::OkStatus() : absl::InvalidArgumentError("empty path");
  }
  if (path.front() == '/') return absl::InvalidArgumentError(absl::StrCat("absolute path: ", path));
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == "." || part == "..") {
      return absl::InvalidArgumentError(absl::StrCat("bad path component in: ", path));
    }
  }
  return absl::OkStatus();
}

// A handle on one inode, valid until the next crash.
class SimDisk::SimFile final : public File {
 public:
  SimFile(SimDisk* disk, std::string path, uint64_t inode, uint64_t epoch)
      : disk_(disk), path_(std::move(path)), inode_(inode), epoch_(epoch) {}

  absl::Status Append(absl::string_view bytes) override {
    absl::StatusOr<Inode*> node = Get();
    if (!node.ok()) return node.status();
    if (disk_->options_.capacity_bytes > 0 &&
        disk_->used_bytes_ + bytes.size() > disk_->options_.capacity_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat("disk full appending to ", path_));
    }
    (*node)->data.append(bytes.data(), bytes.size());
    disk_->used_bytes_ += bytes.size();
    return absl::OkStatus();
  }

  void Sync(absl::AnyInvocable<void(absl::Status)> done) override {
    absl::StatusOr<Inode*> node = Get();
    if (!node.ok()) {
      absl::Status status = node.status();
      disk_->ScheduleDeviceOp(0, 0, [done = std::move(done), status]() mutable { done(status); },
                              /*queue=*/false);
      return;
    }
    // Everything appended before this call becomes durable at completion.
    const uint64_t target = (*node)->data.size();
    const uint64_t dirty = target > (*node)->durable ? target - (*node)->durable : 0;
    SimDisk* disk = disk_;
    const uint64_t inode = inode_;
    std::string path = path_;
    disk_->ScheduleDeviceOp(dirty, 1, [disk, inode, target, path, done = std::move(done)]() mutable {
      Inode* n = disk->Find(inode);
      uint64_t made = 0;
      if (n != nullptr) {
        const uint64_t upto = std::min<uint64_t>(target, n->data.size());
        if (upto > n->durable) {
          made = upto - n->durable;
          n->durable = upto;
        }
      }
      disk->trace_->Record(TraceKind::kDiskSync, disk->host_id_, made, 0, 0, path);
      done(n != nullptr ? absl::OkStatus()
                        : absl::NotFoundError(absl::StrCat("file removed before sync: ", path)));
    });
  }

  absl::StatusOr<std::string> ReadAt(uint64_t offset, uint64_t length) override {
    absl::StatusOr<Inode*> node = Get();
    if (!node.ok()) return node.status();
    const std::string& data = (*node)->data;
    if (offset > data.size()) {
      return absl::OutOfRangeError(absl::StrCat("read at ", offset, " past end ", data.size(),
                                                " of ", path_));
    }
    return data.substr(offset, std::min<uint64_t>(length, data.size() - offset));
  }

  uint64_t size() const override {
    Inode* node = disk_->Find(inode_);
    return node == nullptr || epoch_ != disk_->epoch_ ? 0 : node->data.size();
  }

 private:
  absl::StatusOr<Inode*> Get() const {
    if (epoch_ != disk_->epoch_) {
      return absl::FailedPreconditionError(
          absl::StrCat("file handle for ", path_, " predates a disk crash"));
    }
    Inode* node = disk_->Find(inode_);
    if (node == nullptr) return absl::NotFoundError(absl::StrCat("file was removed: ", path_));
    return node;
  }

  SimDisk* disk_;
  std::string path_;
  uint64_t inode_;
  uint64_t epoch_;
};

SimDisk::SimDisk(EventLoop* loop, TraceRecorder* trace, uint64_t host_id, Rng rng,
                 DiskOptions options)
    : loop_(loop),
      trace_(trace),
      host_id_(host_id),
      rng_(std::move(rng)),
      options_(options),
      device_busy_until_(loop->Now()) {}

SimDisk::~SimDisk() {
  for (const auto& [op, timer] : pending_ops_) loop_->Cancel(timer);
}

SimDisk::Inode* SimDisk::Find(uint64_t inode) {
  auto it = inodes_.find(inode);
  return it == inodes_.end() ? nullptr : &it->second;
}

absl::Status SimDisk::CheckParent(const std::string& path) const {
  const std::string parent = ParentOf(path);
  if (!parent.empty() && !dirs_.contains(parent)) {
    return absl::NotFoundError(absl::StrCat("no such directory: ", parent));
  }
  if (dirs_.contains(path)) return absl::FailedPreconditionError(absl::StrCat("is a directory: ", path));
  return absl::OkStatus();
}

void SimDisk::ScheduleDeviceOp(uint64_t bytes, int syncs, absl::AnyInvocable<void()> fn,
                               bool queue) {
  const int64_t write_ns =
      options_.write_bytes_per_second > 0
          ? static_cast<int64_t>((static_cast<__int128>(bytes) * 1000000000 +
                                  options_.write_bytes_per_second - 1) /
                                 options_.write_bytes_per_second)
          : 0;
  const Time start = queue ? std::max(loop_->Now(), device_busy_until_) : loop_->Now();
  const Time end = start + options_.sync_latency * syncs + Duration::Nanoseconds(write_ns);
  if (queue) device_busy_until_ = end;
  const uint64_t op = next_op_++;
  const TimerId timer = loop_->ScheduleAt(end, [this, op, fn = std::move(fn)]() mutable {
    pending_ops_.erase(op);
    fn();
  });
  pending_ops_[op] = timer;
}

absl::StatusOr<std::unique_ptr<File>> SimDisk::OpenForAppend(const std::string& path) {
  if (absl::Status s = ValidateDiskPath(path, false); !s.ok()) return s;
  auto it = paths_.find(path);
  uint64_t inode;
  if (it != paths_.end()) {
    inode = it->second;
  } else {
    if (absl::Status s = CheckParent(path); !s.ok()) return s;
    inode = next_inode_++;
    inodes_[inode] = Inode{};
    paths_[path] = inode;
  }
  return std::unique_ptr<File>(new SimFile(this, path, inode, epoch_));
}

absl::StatusOr<std::string> SimDisk::ReadFile(const std::string& path) {
  if (absl::Status s = ValidateDiskPath(path, false); !s.ok()) return s;
  auto it = paths_.find(path);
  if (it == paths_.end()) return absl::NotFoundError(absl::StrCat("no such file: ", path));
  return inodes_.at(it->second).data;
}

void SimDisk::WriteFileAtomically(const std::string& path, std::string contents,
                                  absl::AnyInvocable<void(absl::Status)> done) {
  absl::Status status = ValidateDiskPath(path, false);
  if (status.ok()) status = CheckParent(path);
  if (status.ok() && options_.capacity_bytes > 0 &&
      used_bytes_ + contents.size() > options_.capacity_bytes) {
    status = absl::ResourceExhaustedError(absl::StrCat("disk full writing ", path));
  }
  if (!status.ok()) {
    ScheduleDeviceOp(0, 0, [done = std::move(done), status]() mutable { done(status); },
                     /*queue=*/false);
    return;
  }
  // temp write + fsync, rename, directory fsync: two device syncs.
  const uint64_t bytes = contents.size();
  ScheduleDeviceOp(bytes, 2, [this, path, contents = std::move(contents),
                              done = std::move(done)]() mutable {
    if (absl::Status s = CheckParent(path); !s.ok()) {
      done(s);
      return;
    }
    auto it = paths_.find(path);
    if (it != paths_.end()) {
      used_bytes_ -= inodes_.at(it->second).data.size();
      inodes_.erase(it->second);
    }
    const uint64_t inode = next_inode_++;
    const uint64_t size = contents.size();
    used_bytes_ += size;
    inodes_[inode] = Inode{std::move(contents), size};
    paths_[path] = inode;
    trace_->Record(TraceKind::kDiskAtomicWrite, host_id_, size, 0, 0, path);
    done(absl::OkStatus());
  });
}

absl::Status SimDisk::Remove(const std::string& path) {
  if (absl::Status s = ValidateDiskPath(path, false); !s.ok()) return s;
  auto it = paths_.find(path);
  if (it != paths_.end()) {
    used_bytes_ -= inodes_.at(it->second).data.size();
    inodes_.erase(it->second);
    paths_.erase(it);
    return absl::OkStatus();
  }
  if (dirs_.contains(path)) {
    const std::string prefix = path + "/";
    auto file = paths_.lower_bound(prefix);
    auto dir = dirs_.lower_bound(prefix);
    if ((file != paths_.end() && absl::StartsWith(file->first, prefix)) ||
        (dir != dirs_.end() && absl::StartsWith(*dir, prefix))) {
      return absl::FailedPreconditionError(absl::StrCat("directory not empty: ", path));
    }
    dirs_.erase(path);
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("no such file or directory: ", path));
}

absl::StatusOr<std::vector<std::string>> SimDisk::List(const std::string& dir) {
  if (absl::Status s = ValidateDiskPath(dir, true); !s.ok()) return s;
  if (!dir.empty() && !dirs_.contains(dir)) {
    return absl::NotFoundError(absl::StrCat("no such directory: ", dir));
  }
  const std::string prefix = dir.empty() ? "" : dir + "/";
  absl::btree_set<std::string> names;
  auto direct_child = [&](const std::string& full) -> bool {
    if (!absl::StartsWith(full, prefix) || full.size() == prefix.size()) return false;
    return full.find('/', prefix.size()) == std::string::npos;
  };
  for (auto it = paths_.lower_bound(prefix); it != paths_.end() && absl::StartsWith(it->first, prefix); ++it) {
    if (direct_child(it->first)) names.insert(it->first.substr(prefix.size()));
  }
  for (auto it = dirs_.lower_bound(prefix); it != dirs_.end() && absl::StartsWith(*it, prefix); ++it) {
    if (direct_child(*it)) names.insert(it->substr(prefix.size()));
  }
  return std::vector<std::string>(names.begin(), names.end());
}

absl::Status SimDisk::MakeDirectories(const std::string& dir) {
  if (absl::Status s = ValidateDiskPath(dir, true); !s.ok()) return s;
  if (dir.empty()) return absl::OkStatus();
  std::string partial;
  for (absl::string_view part : absl::StrSplit(dir, '/')) {
    if (!partial.empty()) partial += "/";
    absl::StrAppend(&partial, part);
    if (paths_.contains(partial)) {
      return absl::FailedPreconditionError(absl::StrCat("not a directory: ", partial));
    }
    dirs_.insert(partial);
  }
  return absl::OkStatus();
}

absl::Status SimDisk::Truncate(const std::string& path, uint64_t size) {
  if (absl::Status s = ValidateDiskPath(path, false); !s.ok()) return s;
  auto it = paths_.find(path);
  if (it == paths_.end()) return absl::NotFoundError(absl::StrCat("no such file: ", path));
  Inode& node = inodes_.at(it->second);
  if (size > node.data.size()) {
    return absl::OutOfRangeError(absl::StrCat("truncate ", path, " to ", size,
                                              " would grow it from ", node.data.size()));
  }
  used_bytes_ -= node.data.size() - size;
  node.data.resize(size);
  node.durable = std::min(node.durable, size);
  return absl::OkStatus();
}

DiskCrashReport SimDisk::Crash() {
  DiskCrashReport report;
  report.pending_operations_dropped = pending_ops_.size();
  for (const auto& [op, timer] : pending_ops_) loop_->Cancel(timer);
  pending_ops_.clear();
  device_busy_until_ = loop_->Now();
  // Path order, so the random draws (and the trace) are deterministic.
  for (const auto& [path, inode] : paths_) {
    Inode& node = inodes_.at(inode);
    if (node.data.size() <= node.durable) continue;
    const uint64_t unsynced = node.data.size() - node.durable;
    const uint64_t kept = options_.torn_writes ? rng_.UniformInRange(0, unsynced) : 0;
    ++report.files_affected;
    report.bytes_lost += unsynced - kept;
    report.torn_bytes_kept += kept;
    used_bytes_ -= unsynced - kept;
    node.data.resize(node.durable + kept);
    node.durable = node.data.size();
  }
  ++epoch_;
  trace_->Record(TraceKind::kDiskCrash, host_id_, report.bytes_lost, report.torn_bytes_kept,
                 report.pending_operations_dropped);
  return report;
}

absl::StatusOr<uint64_t> SimDisk::DurableSize(const std::string& path) const {
  auto it = paths_.find(path);
  if (it == paths_.end()) return absl::NotFoundError(absl::StrCat("no such file: ", path));
  return inodes_.at(it->second).durable;
}

}  // namespace lemonade::netsim
