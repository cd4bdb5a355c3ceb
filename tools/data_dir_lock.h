// DataDirLock: an exclusive lock on a data directory (flock on
// "<dir>/lock"), so `lemonade user` never writes a store a running server
// is appending to, and two servers never share one.
#ifndef LEMONADE_TOOLS_DATA_DIR_LOCK_H_
#define LEMONADE_TOOLS_DATA_DIR_LOCK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace lemonade::tools {

class DataDirLock {
 public:
  // Creates the directory if needed and takes the lock without waiting;
  // FailedPrecondition if another process holds it.
  static absl::StatusOr<std::unique_ptr<DataDirLock>> Acquire(const std::string& dir);
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace lemonade::tools

#endif  // LEMONADE_TOOLS_DATA_DIR_LOCK_H_
