#include "server/store/store_log.h"

#include <zlib.h>

#include "absl/strings/str_cat.h"
#include "server/store/record_codec.h"

namespace lemonade::store {
namespace {

uint32_t Crc32(absl::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; feed large payloads in pieces.
  while (!data.empty()) {
    uInt n = static_cast<uInt>(std::min<size_t>(data.size(), 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), n);
    data.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace

absl::StatusOr<std::unique_ptr<StoreLog>> StoreLog::Open(Disk* disk, Timers* timers,
                                                         const std::string& path, ApplyFn apply,
                                                         LogRecoveryStats* stats) {
  auto file = disk->OpenForAppend(path);
  if (!file.ok()) return file.status();
  LogRecoveryStats local;
  uint64_t offset = 0;
  const uint64_t size = (*file)->size();
  while (offset + kHeaderBytes <= size) {
    auto header = (*file)->ReadAt(offset, kHeaderBytes);
    if (!header.ok()) return header.status();
    RecordReader hr(*header);
    uint32_t length = 0, crc = 0;
    hr.Fixed32(&length);
    hr.Fixed32(&crc);
    if (length == 0 || length > kRecordBytesMax || offset + kHeaderBytes + length > size) break;
    auto payload = (*file)->ReadAt(offset + kHeaderBytes, length);
    if (!payload.ok()) return payload.status();
    if (Crc32(*payload) != crc) break;
    LogRecord record;
    record.type = static_cast<uint8_t>((*payload)[0]);
    record.body = absl::string_view(*payload).substr(1);
    record.body_offset = offset + kHeaderBytes + 1;
    if (absl::Status s = apply(record); !s.ok()) {
      return absl::DataLossError(
          absl::StrCat(path, ": record at offset ", offset, " cannot be applied: ", s.message()));
    }
    offset += kHeaderBytes + length;
    ++local.records;
  }
  local.valid_bytes = offset;
  local.truncated_bytes = size - offset;
  if (offset < size) {
    // The tail was never acknowledged (acknowledgement follows its sync),
    // so cutting it loses nothing a client was promised.
    file->reset();
    if (absl::Status s = disk->Truncate(path, offset); !s.ok()) return s;
    file = disk->OpenForAppend(path);
    if (!file.ok()) return file.status();
  }
  if (stats) *stats = local;
  return std::unique_ptr<StoreLog>(new StoreLog(std::move(*file), timers));
}

absl::StatusOr<uint64_t> StoreLog::Append(uint8_t type, absl::string_view body) {
  if (!failure_.ok()) return failure_;
  if (body.size() + 1 > kRecordBytesMax) return absl::InvalidArgumentError("record too large");
  std::string header;
  header.reserve(kHeaderBytes + 1);
  RecordWriter w(&header);
  w.Fixed32(static_cast<uint32_t>(body.size() + 1));
  // The CRC covers the type byte and the body without concatenating them.
  uLong crc = crc32(0L, Z_NULL, 0);
  const Bytef type_byte = type;
  crc = crc32(crc, &type_byte, 1);
  absl::string_view rest = body;
  while (!rest.empty()) {
    uInt n = static_cast<uInt>(std::min<size_t>(rest.size(), 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(rest.data()), n);
    rest.remove_prefix(n);
  }
  w.Fixed32(static_cast<uint32_t>(crc));
  w.U8(type);
  const uint64_t body_offset = file_->size() + header.size();
  absl::Status s = file_->Append(header);
  if (s.ok()) s = file_->Append(body);
  if (!s.ok()) {
    failure_ = s;
    return s;
  }
  dirty_ = true;
  return body_offset;
}

void StoreLog::Sync(absl::AnyInvocable<void(absl::Status)> done) {
  if (!failure_.ok()) {
    timers_->Post([done = std::move(done), s = failure_]() mutable { done(s); });
    return;
  }
  if (!dirty_) {
    if (sync_in_flight_) {
      // Everything this caller wrote is covered by the sync in flight.
      in_flight_.push_back(std::move(done));
    } else {
      timers_->Post([done = std::move(done)]() mutable { done(absl::OkStatus()); });
    }
    return;
  }
  waiting_.push_back(std::move(done));
  if (!sync_in_flight_) StartSync();
}

void StoreLog::StartSync() {
  in_flight_ = std::move(waiting_);
  waiting_.clear();
  dirty_ = false;
  sync_in_flight_ = true;
  ++syncs_;
  std::weak_ptr<bool> alive = alive_;
  file_->Sync([this, alive](absl::Status status) {
    if (alive.expired()) return;  // the store was closed (or crashed) meanwhile
    if (!status.ok()) failure_ = status;
    auto batch = std::move(in_flight_);
    in_flight_.clear();
    sync_in_flight_ = false;
    for (auto& cb : batch) cb(status);
    if (!alive.expired() && !waiting_.empty()) StartSync();
  });
}

absl::StatusOr<std::string> StoreLog::ReadAt(uint64_t offset, uint64_t length) {
  return file_->ReadAt(offset, length);
}

}  // namespace lemonade::store
