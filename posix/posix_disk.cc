#include "posix/posix_disk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/check.h"

namespace lemonade::posix {
namespace {

constexpr absl::string_view kTempPrefix = ".lemonade-tmp-";

absl::Status ErrnoStatus(int err, absl::string_view what) {
  std::string message = absl::StrCat(what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EEXIST:
      return absl::AlreadyExistsError(message);
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return absl::ResourceExhaustedError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    case ENOTDIR:
    case EISDIR:
    case ENOTEMPTY:
      return absl::FailedPreconditionError(message);
    case EIO:
      return absl::DataLossError(message);
    default:
      return absl::InternalError(message);
  }
}

std::string ParentOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// openat() path for a directory relative to the root ("" is the root).
const char* DirArgument(const std::string& dir) { return dir.empty() ? "." : dir.c_str(); }

// Writes all of `bytes`, retrying short writes and EINTR.
int WriteAll(int fd, absl::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}

int FsyncRetry(int fd, bool data_only) {
  while (true) {
    const int result = data_only ? fdatasync(fd) : fsync(fd);
    if (result == 0) return 0;
    if (errno != EINTR) return errno;
  }
}

}  // namespace

absl::Status ValidatePosixDiskPath(absl::string_view path, bool allow_root) {
  if (path.empty()) {
    return allow_root ? absl::OkStatus() : absl::InvalidArgumentError("empty path");
  }
  if (path.front() == '/') return absl::InvalidArgumentError(absl::StrCat("absolute path: ", path));
  if (path.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError("NUL byte in path");
  }
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == "." || part == "..") {
      return absl::InvalidArgumentError(absl::StrCat("bad path component in: ", path));
    }
    if (absl::StartsWith(part, kTempPrefix)) {
      return absl::InvalidArgumentError(absl::StrCat("reserved name in: ", path));
    }
  }
  return absl::OkStatus();
}

// ---- PosixFile ----

class PosixDisk::PosixFile final : public File {
 public:
  PosixFile(Timers* timers, std::shared_ptr<DiskStats> stats, std::string path, int fd)
      : timers_(timers), state_(std::make_shared<State>()) {
    state_->fd = fd;
    state_->path = std::move(path);
    state_->stats = std::move(stats);
  }
  // Closing is safe with a sync pending: the posted task owns the state.
  ~PosixFile() override = default;

  absl::Status Append(absl::string_view bytes) override {
    if (bytes.empty()) return absl::OkStatus();
    struct stat info;
    const off_t before = fstat(state_->fd, &info) == 0 ? info.st_size : -1;
    if (int err = WriteAll(state_->fd, bytes); err != 0) {
      // Keep appends all-or-nothing: cut a partial record off again, so the
      // next append does not land after garbage.
      if (before >= 0 && ftruncate(state_->fd, before) != 0) {
        return ErrnoStatus(err, absl::StrCat("append to ", state_->path,
                                             " (and the partial write could not be undone)"));
      }
      return ErrnoStatus(err, absl::StrCat("append to ", state_->path));
    }
    return absl::OkStatus();
  }

  void Sync(absl::AnyInvocable<void(absl::Status)> done) override {
    ++state_->stats->sync_requests;
    ++state_->stats->pending_operations;
    state_->waiters.push_back(std::move(done));
    if (state_->sync_scheduled) return;
    state_->sync_scheduled = true;
    // One fdatasync for every Sync() of this iteration; it covers all the
    // appends issued before any of them.
    timers_->Post([state = state_] { RunSync(*state); });
  }

  absl::StatusOr<std::string> ReadAt(uint64_t offset, uint64_t length) override {
    const uint64_t file_size = size();
    if (offset > file_size) {
      return absl::OutOfRangeError(
          absl::StrCat("read at ", offset, " past end ", file_size, " of ", state_->path));
    }
    std::string out(std::min(length, file_size - offset), '\0');
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = pread(state_->fd, out.data() + done, out.size() - done,
                        static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, absl::StrCat("read ", state_->path));
      }
      if (n == 0) break;  // truncated meanwhile
      done += static_cast<size_t>(n);
    }
    out.resize(done);
    return out;
  }

  uint64_t size() const override {
    // Asked of the kernel, so a Truncate() through the disk is seen at once.
    struct stat info;
    return fstat(state_->fd, &info) == 0 ? static_cast<uint64_t>(info.st_size) : 0;
  }

 private:
  struct State {
    ~State() { close(fd); }
    int fd = -1;
    std::string path;
    std::shared_ptr<DiskStats> stats;
    std::vector<absl::AnyInvocable<void(absl::Status)>> waiters;
    bool sync_scheduled = false;
    absl::Status sticky_error;
  };

  static void RunSync(State& state) {
    state.sync_scheduled = false;
    std::vector<absl::AnyInvocable<void(absl::Status)>> waiters = std::move(state.waiters);
    state.waiters.clear();
    absl::Status status = state.sticky_error;
    if (status.ok()) {
      ++state.stats->file_syncs;
      if (int err = FsyncRetry(state.fd, /*data_only=*/true); err != 0) {
        // After a failed fsync Linux may have dropped the dirty pages and
        // cleared the error; a later fsync would "succeed" without the
        // data. Never report success for this handle again.
        state.sticky_error = absl::DataLossError(
            absl::StrCat("fsync ", state.path, ": ", std::strerror(err),
                         "; appends since the last good sync may be lost"));
        status = state.sticky_error;
      }
    }
    state.stats->pending_operations -= waiters.size();
    for (auto& waiter : waiters) waiter(status);
  }

  Timers* timers_;
  std::shared_ptr<State> state_;
};

// ---- PosixDisk ----

absl::StatusOr<std::unique_ptr<PosixDisk>> PosixDisk::Open(Timers* timers,
                                                           const std::string& root) {
  CHECK(timers != nullptr);
  if (root.empty()) return absl::InvalidArgumentError("empty data root");
  // mkdir -p, absolute or relative to the working directory.
  std::string partial;
  for (absl::string_view part : absl::StrSplit(root, '/')) {
    if (partial.empty() && root.front() == '/') partial = "/";
    if (part.empty()) continue;
    if (!partial.empty() && partial.back() != '/') partial += "/";
    absl::StrAppend(&partial, part);
    if (mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, absl::StrCat("create data root ", partial));
    }
  }
  int fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open data root ", root));
  return std::unique_ptr<PosixDisk>(new PosixDisk(timers, root, fd));
}

PosixDisk::PosixDisk(Timers* timers, std::string root, int root_fd)
    : timers_(timers), root_(std::move(root)), root_fd_(root_fd) {}

PosixDisk::~PosixDisk() { close(root_fd_); }

absl::Status PosixDisk::SyncDirectory(const std::string& dir) {
  int fd = openat(root_fd_, DirArgument(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open directory ", dir));
  ++stats_->directory_syncs;
  const int err = FsyncRetry(fd, /*data_only=*/false);
  close(fd);
  if (err != 0) return ErrnoStatus(err, absl::StrCat("fsync directory ", dir));
  return absl::OkStatus();
}

absl::Status PosixDisk::SyncParent(const std::string& path) {
  return SyncDirectory(ParentOf(path));
}

void PosixDisk::Complete(absl::AnyInvocable<void(absl::Status)> done, absl::Status status) {
  ++stats_->pending_operations;
  timers_->Post([stats = stats_, done = std::move(done), status = std::move(status)]() mutable {
    --stats->pending_operations;
    done(std::move(status));
  });
}

absl::StatusOr<std::unique_ptr<File>> PosixDisk::OpenForAppend(const std::string& path) {
  if (absl::Status s = ValidatePosixDiskPath(path, false); !s.ok()) return s;
  bool created = true;
  int fd = openat(root_fd_, path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST) {
    created = false;
    fd = openat(root_fd_, path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  }
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", path));
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return absl::FailedPreconditionError(absl::StrCat("not a regular file: ", path));
  }
  if (created) {
    // The new directory entry is metadata of the parent: without this, a
    // synced file could vanish with its name after power loss.
    if (absl::Status s = SyncParent(path); !s.ok()) {
      close(fd);
      return s;
    }
  }
  return std::unique_ptr<File>(new PosixFile(timers_, stats_, path, fd));
}

absl::StatusOr<std::string> PosixDisk::ReadFile(const std::string& path) {
  if (absl::Status s = ValidatePosixDiskPath(path, false); !s.ok()) return s;
  int fd = openat(root_fd_, path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", path));
  std::string out;
  struct stat info;
  if (fstat(fd, &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      close(fd);
      return absl::FailedPreconditionError(absl::StrCat("is a directory: ", path));
    }
    out.reserve(static_cast<size_t>(info.st_size));
  }
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      close(fd);
      return ErrnoStatus(err, absl::StrCat("read ", path));
    }
    if (n == 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

void PosixDisk::WriteFileAtomically(const std::string& path, std::string contents,
                                    absl::AnyInvocable<void(absl::Status)> done) {
  if (absl::Status s = ValidatePosixDiskPath(path, false); !s.ok()) {
    Complete(std::move(done), std::move(s));
    return;
  }
  const std::string parent = ParentOf(path);
  // Same directory as the target, so rename(2) is atomic (same file system).
  const std::string temp =
      absl::StrCat(parent.empty() ? "" : parent + "/", kTempPrefix, BaseName(path), ".",
                   getpid(), ".", next_temp_++);
  auto fail = [&](int err, absl::string_view what) {
    unlinkat(root_fd_, temp.c_str(), 0);
    Complete(std::move(done), ErrnoStatus(err, absl::StrCat(what, " ", path)));
  };
  int fd = openat(root_fd_, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    Complete(std::move(done), ErrnoStatus(errno, absl::StrCat("create temporary for ", path)));
    return;
  }
  if (int err = WriteAll(fd, contents); err != 0) {
    close(fd);
    fail(err, "write");
    return;
  }
  ++stats_->file_syncs;
  if (int err = FsyncRetry(fd, /*data_only=*/false); err != 0) {
    close(fd);
    fail(err, "fsync");
    return;
  }
  if (close(fd) != 0 && errno != EINTR) {
    fail(errno, "close");
    return;
  }
  if (renameat(root_fd_, temp.c_str(), root_fd_, path.c_str()) != 0) {
    fail(errno, "rename into");
    return;
  }
  ++stats_->atomic_writes;
  // The rename is durable only once the directory is.
  Complete(std::move(done), SyncParent(path));
}

absl::Status PosixDisk::Remove(const std::string& path) {
  if (absl::Status s = ValidatePosixDiskPath(path, false); !s.ok()) return s;
  if (unlinkat(root_fd_, path.c_str(), 0) != 0) {
    if (errno != EISDIR && errno != EPERM) return ErrnoStatus(errno, absl::StrCat("remove ", path));
    if (unlinkat(root_fd_, path.c_str(), AT_REMOVEDIR) != 0) {
      return ErrnoStatus(errno, absl::StrCat("remove directory ", path));
    }
  }
  return SyncParent(path);
}

absl::StatusOr<std::vector<std::string>> PosixDisk::List(const std::string& dir) {
  if (absl::Status s = ValidatePosixDiskPath(dir, true); !s.ok()) return s;
  int fd = openat(root_fd_, DirArgument(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("list ", dir));
  DIR* stream = fdopendir(fd);
  if (stream == nullptr) {
    const int err = errno;
    close(fd);
    return ErrnoStatus(err, absl::StrCat("list ", dir));
  }
  std::vector<std::string> names;
  while (struct dirent* entry = readdir(stream)) {
    absl::string_view name = entry->d_name;
    if (name == "." || name == ".." || absl::StartsWith(name, kTempPrefix)) continue;
    names.emplace_back(name);
  }
  closedir(stream);  // closes fd
  // readdir order is the file system's hash order; the contract is sorted.
  std::sort(names.begin(), names.end());
  return names;
}

absl::Status PosixDisk::MakeDirectories(const std::string& dir) {
  if (absl::Status s = ValidatePosixDiskPath(dir, true); !s.ok()) return s;
  if (dir.empty()) return absl::OkStatus();
  std::string partial;
  for (absl::string_view part : absl::StrSplit(dir, '/')) {
    if (!partial.empty()) partial += "/";
    absl::StrAppend(&partial, part);
    if (mkdirat(root_fd_, partial.c_str(), 0755) == 0) {
      if (absl::Status s = SyncParent(partial); !s.ok()) return s;
      continue;
    }
    if (errno != EEXIST) return ErrnoStatus(errno, absl::StrCat("create directory ", partial));
    struct stat info;
    if (fstatat(root_fd_, partial.c_str(), &info, 0) != 0 || !S_ISDIR(info.st_mode)) {
      return absl::FailedPreconditionError(absl::StrCat("not a directory: ", partial));
    }
  }
  return absl::OkStatus();
}

absl::Status PosixDisk::Truncate(const std::string& path, uint64_t size) {
  if (absl::Status s = ValidatePosixDiskPath(path, false); !s.ok()) return s;
  int fd = openat(root_fd_, path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", path));
  struct stat info;
  if (fstat(fd, &info) != 0) {
    const int err = errno;
    close(fd);
    return ErrnoStatus(err, absl::StrCat("stat ", path));
  }
  if (size > static_cast<uint64_t>(info.st_size)) {
    close(fd);
    return absl::OutOfRangeError(absl::StrCat("truncate ", path, " to ", size,
                                              " would grow it from ", info.st_size));
  }
  int err = 0;
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    err = errno;
  } else {
    ++stats_->file_syncs;
    err = FsyncRetry(fd, /*data_only=*/false);
  }
  close(fd);
  if (err != 0) return ErrnoStatus(err, absl::StrCat("truncate ", path));
  return absl::OkStatus();
}

}  // namespace lemonade::posix
