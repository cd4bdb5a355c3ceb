// MailQueue: accepted messages waiting for delivery, durable on the
// environment's disk.
//
// Each message is one file, written atomically and durably (temp file,
// sync, rename, directory sync: Disk::WriteFileAtomically) before the
// submission server says 250 — nothing accepted is lost in a crash. State
// changes (a recipient delivered, the next retry time) rewrite the file the
// same way; a finished message's file is removed. Delivery is therefore
// at-least-once: a crash between delivering and recording it can repeat a
// delivery, as with any SMTP server.
//
//   auto queue = MailQueue::Open(env, "queue").value();
//   queue->Put(std::move(message), [](absl::Status s) { /* reply 250 */ });
#ifndef LEMONADE_SERVER_SUBMISSION_MAIL_QUEUE_H_
#define LEMONADE_SERVER_SUBMISSION_MAIL_QUEUE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "env/env.h"
#include "protocol/smtp/smtp_command.h"

namespace lemonade::submission {

struct QueuedRecipient {
  enum class State : uint8_t { kPending = 0, kDelivered = 1, kFailed = 2 };
  std::string address;      // local-part@domain, local part unquoted
  uint8_t notify = 0;       // smtp::DsnNotify bits; 0: default (FAILURE,DELAY)
  std::string orcpt;        // "rfc822;addr" (decoded), or empty
  State state = State::kPending;
  std::string diagnostic;   // the last reply or reason, for DSNs
  std::string status;       // enhanced status code of the outcome ("5.1.1")
  bool delay_notified = false;  // a "delayed" DSN went out
  bool reported = false;        // the final state was handled (DSN or none needed)
  bool local = false;           // delivered into the local store (not relayed)
};

struct QueuedMessage {
  std::string id;
  std::string sender;       // envelope sender; empty for <>
  std::string envid;        // ENVID (decoded)
  smtp::DsnReturn ret = smtp::DsnReturn::kUnspecified;
  smtp::BodyType body = smtp::BodyType::kUnspecified;
  Time arrival;
  Time release;             // FUTURERELEASE: not before this
  // The RFC 4865 hold-param as requested ("for;3600" or
  // "until;2024-01-01T06:00:00Z"), for DSNs' Future-Release-Request
  // (§5.1.2); empty if none.
  std::string hold;
  Time next_attempt;
  uint32_t attempts = 0;
  bool is_dsn = false;      // a bounce never causes another bounce
  std::vector<QueuedRecipient> recipients;
  std::string content;

  bool done() const;
};

std::string EncodeQueuedMessage(const QueuedMessage& message);
absl::StatusOr<QueuedMessage> DecodeQueuedMessage(absl::string_view bytes);

class MailQueue {
 public:
  // Loads every message in `directory` (creating it if needed).
  static absl::StatusOr<std::unique_ptr<MailQueue>> Open(const Env& env, std::string directory);

  // A new, unique queue id.
  std::string NewId();

  // Writes `message` durably, then runs `done`; the message is in
  // entries() at once.
  void Put(QueuedMessage message, absl::AnyInvocable<void(absl::Status)> done);
  // Rewrites a message already in the queue after its state changed.
  void Update(const std::string& id, absl::AnyInvocable<void(absl::Status)> done);
  // Forgets a finished message.
  void Remove(const std::string& id);

  QueuedMessage* Find(const std::string& id);
  const absl::btree_map<std::string, QueuedMessage>& entries() const { return entries_; }

 private:
  MailQueue(const Env& env, std::string directory) : env_(env), directory_(std::move(directory)) {}
  std::string PathOf(const std::string& id) const { return directory_ + "/" + id; }

  Env env_;
  std::string directory_;
  absl::btree_map<std::string, QueuedMessage> entries_;
  uint64_t sequence_ = 0;
};

}  // namespace lemonade::submission

#endif  // LEMONADE_SERVER_SUBMISSION_MAIL_QUEUE_H_
