#include "server/submission/mail_queue.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/store/record_codec.h"

namespace lemonade::submission {

using store::RecordReader;
using store::RecordWriter;

namespace {

constexpr uint32_t kFormatMagicV1 = 0x4c514d31;  // "LQM1"
// "LQM2" adds the FUTURERELEASE hold-param after is_dsn; LQM1 files (from
// before) still load, with no hold-param.
constexpr uint32_t kFormatMagic = 0x4c514d32;

}  // namespace

bool QueuedMessage::done() const {
  for (const QueuedRecipient& r : recipients) {
    if (r.state == QueuedRecipient::State::kPending) return false;
  }
  return true;
}

std::string EncodeQueuedMessage(const QueuedMessage& m) {
  std::string out;
  RecordWriter w(&out);
  w.Fixed32(kFormatMagic);
  w.Bytes(m.id);
  w.Bytes(m.sender);
  w.Bytes(m.envid);
  w.U8(static_cast<uint8_t>(m.ret));
  w.U8(static_cast<uint8_t>(m.body));
  w.SignedVarint(m.arrival.unix_nanos());
  w.SignedVarint(m.release.unix_nanos());
  w.SignedVarint(m.next_attempt.unix_nanos());
  w.Varint(m.attempts);
  w.U8(m.is_dsn ? 1 : 0);
  w.Bytes(m.hold);
  w.Varint(m.recipients.size());
  for (const QueuedRecipient& r : m.recipients) {
    w.Bytes(r.address);
    w.U8(r.notify);
    w.Bytes(r.orcpt);
    w.U8(static_cast<uint8_t>(r.state));
    w.Bytes(r.diagnostic);
    w.Bytes(r.status);
    w.U8((r.delay_notified ? 1 : 0) | (r.reported ? 2 : 0) | (r.local ? 4 : 0));
  }
  w.Bytes(m.content);
  return out;
}

absl::StatusOr<QueuedMessage> DecodeQueuedMessage(absl::string_view bytes) {
  RecordReader r(bytes);
  QueuedMessage m;
  uint32_t magic;
  absl::string_view id, sender, envid, hold, content;
  uint8_t ret, body, is_dsn;
  int64_t arrival, release, next;
  uint64_t attempts, count;
  if (!r.Fixed32(&magic) || (magic != kFormatMagic && magic != kFormatMagicV1) ||
      !r.Bytes(&id) || !r.Bytes(&sender) || !r.Bytes(&envid) || !r.U8(&ret) || !r.U8(&body) ||
      !r.SignedVarint(&arrival) || !r.SignedVarint(&release) || !r.SignedVarint(&next) ||
      !r.Varint(&attempts) || !r.U8(&is_dsn) || (magic == kFormatMagic && !r.Bytes(&hold)) ||
      !r.Varint(&count) || ret > 2 || body > 3 || count > 100000) {
    return absl::DataLossError("corrupt queue file header");
  }
  m.hold = std::string(hold);
  m.id = std::string(id);
  m.sender = std::string(sender);
  m.envid = std::string(envid);
  m.ret = static_cast<smtp::DsnReturn>(ret);
  m.body = static_cast<smtp::BodyType>(body);
  m.arrival = Time::FromUnixNanos(arrival);
  m.release = Time::FromUnixNanos(release);
  m.next_attempt = Time::FromUnixNanos(next);
  m.attempts = static_cast<uint32_t>(attempts);
  m.is_dsn = is_dsn != 0;
  for (uint64_t i = 0; i < count; ++i) {
    QueuedRecipient rc;
    absl::string_view address, orcpt, diagnostic, status;
    uint8_t state, delay;
    if (!r.Bytes(&address) || !r.U8(&rc.notify) || !r.Bytes(&orcpt) || !r.U8(&state) ||
        !r.Bytes(&diagnostic) || !r.Bytes(&status) || !r.U8(&delay) || state > 2 || delay > 7) {
      return absl::DataLossError("corrupt queue file recipient");
    }
    rc.address = std::string(address);
    rc.orcpt = std::string(orcpt);
    rc.state = static_cast<QueuedRecipient::State>(state);
    rc.diagnostic = std::string(diagnostic);
    rc.status = std::string(status);
    rc.delay_notified = (delay & 1) != 0;
    rc.reported = (delay & 2) != 0;
    rc.local = (delay & 4) != 0;
    m.recipients.push_back(std::move(rc));
  }
  if (!r.Bytes(&content) || !r.empty()) return absl::DataLossError("corrupt queue file content");
  m.content = std::string(content);
  return m;
}

absl::StatusOr<std::unique_ptr<MailQueue>> MailQueue::Open(const Env& env,
                                                           std::string directory) {
  std::unique_ptr<MailQueue> queue(new MailQueue(env, std::move(directory)));
  if (absl::Status s = env.disk->MakeDirectories(queue->directory_); !s.ok()) return s;
  auto names = env.disk->List(queue->directory_);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    // Leftover temporary files of an interrupted atomic write are not
    // messages (their rename never happened, so nothing was acknowledged).
    if (absl::StrContains(name, ".tmp")) continue;
    auto bytes = env.disk->ReadFile(queue->PathOf(name));
    if (!bytes.ok()) return bytes.status();
    auto message = DecodeQueuedMessage(*bytes);
    if (!message.ok()) {
      return absl::DataLossError(absl::StrCat("queue file ", name, ": ", message.status().message()));
    }
    queue->entries_[message->id] = std::move(*message);
  }
  return queue;
}

std::string MailQueue::NewId() {
  // Time-ordered and unique: virtual or real nanoseconds, a counter, and a
  // few random bits so ids do not collide across restarts.
  uint8_t salt[4];
  env_.random->Fill(absl::MakeSpan(salt));
  return absl::StrCat(absl::Hex(env_.Now().unix_nanos(), absl::kZeroPad16), "-",
                      absl::Hex(++sequence_, absl::kZeroPad4), "-",
                      absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(salt), 4)));
}

void MailQueue::Put(QueuedMessage message, absl::AnyInvocable<void(absl::Status)> done) {
  const std::string id = message.id;
  std::string bytes = EncodeQueuedMessage(message);
  entries_[id] = std::move(message);
  env_.disk->WriteFileAtomically(PathOf(id), std::move(bytes), std::move(done));
}

void MailQueue::Update(const std::string& id, absl::AnyInvocable<void(absl::Status)> done) {
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    env_.timers->Post([done = std::move(done)]() mutable {
      done(absl::NotFoundError("no such queue entry"));
    });
    return;
  }
  env_.disk->WriteFileAtomically(PathOf(id), EncodeQueuedMessage(it->second), std::move(done));
}

void MailQueue::Remove(const std::string& id) {
  entries_.erase(id);
  // Not synced: if the removal is lost in a crash the message is retried
  // and each recipient's recorded state prevents most duplicates.
  env_.disk->Remove(PathOf(id)).IgnoreError();
}

QueuedMessage* MailQueue::Find(const std::string& id) {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second;
}

}  // namespace lemonade::submission
