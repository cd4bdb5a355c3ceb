// StoreLog: the store's checksummed append-only log on the environment's
// disk, with group commit.
//
// Each record is [u32 payload length][u32 CRC-32 of payload][payload]; the
// payload's first byte is the record type. A change is acknowledged only
// after Sync() of the record covering it completes, so after a crash
// (simulated or real) recovery finds every acknowledged record intact; what
// may be missing or torn is the unsynced tail, which recovery truncates at
// the first record that is incomplete or fails its checksum.
//
//   auto log = StoreLog::Open(disk, timers, "store/mail.log",
//                             [&](const LogRecord& r) { return Apply(r); });
//   uint64_t at = log->Append(kRecordAppend, payload).value();
//   log->Sync([](absl::Status s) { /* now durable: send the tagged OK */ });
#ifndef LEMONADE_SERVER_STORE_STORE_LOG_H_
#define LEMONADE_SERVER_STORE_STORE_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "env/env.h"

namespace lemonade::store {

struct LogRecord {
  uint8_t type = 0;
  absl::string_view body;      // payload after the type byte
  uint64_t body_offset = 0;    // file offset of `body`
};

// Recovery statistics, for logs and tests.
struct LogRecoveryStats {
  uint64_t records = 0;
  uint64_t valid_bytes = 0;
  uint64_t truncated_bytes = 0;  // torn or unsynced tail cut off
};

class StoreLog {
 public:
  static constexpr uint32_t kRecordBytesMax = 1u << 30;
  static constexpr size_t kHeaderBytes = 8;

  using ApplyFn = absl::FunctionRef<absl::Status(const LogRecord&)>;

  // Opens (creating if needed) the log at `path`, replays every valid
  // record through `apply` in order, and truncates an invalid tail.
  static absl::StatusOr<std::unique_ptr<StoreLog>> Open(Disk* disk, Timers* timers,
                                                        const std::string& path, ApplyFn apply,
                                                        LogRecoveryStats* stats = nullptr);

  // Appends a record (buffered, not yet durable). Returns the file offset
  // of the byte after the type byte, i.e. where `body` starts, so callers
  // can later read parts of it back with ReadAt.
  absl::StatusOr<uint64_t> Append(uint8_t type, absl::string_view body);

  // Runs `done` once every record appended before this call is durable.
  // Concurrent callers share one fsync (group commit).
  void Sync(absl::AnyInvocable<void(absl::Status)> done);

  absl::StatusOr<std::string> ReadAt(uint64_t offset, uint64_t length);

  uint64_t size() const { return file_->size(); }
  uint64_t syncs() const { return syncs_; }

 private:
  StoreLog(std::unique_ptr<File> file, Timers* timers) : file_(std::move(file)), timers_(timers) {}
  void StartSync();

  std::unique_ptr<File> file_;
  Timers* timers_;
  bool dirty_ = false;
  bool sync_in_flight_ = false;
  absl::Status failure_;  // sticky: after a failed write or sync nothing is acknowledged
  std::vector<absl::AnyInvocable<void(absl::Status)>> in_flight_;
  std::vector<absl::AnyInvocable<void(absl::Status)>> waiting_;
  uint64_t syncs_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lemonade::store

#endif  // LEMONADE_SERVER_STORE_STORE_LOG_H_
