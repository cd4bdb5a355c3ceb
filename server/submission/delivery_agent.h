// DeliveryAgent: works the MailQueue — delivers to local recipients'
// INBOX in the store, relays the rest to the next hop, retries with
// exponential backoff, holds FUTURERELEASE messages until their release
// time (on the environment's clock: virtual time in netsim), and sends
// RFC 3464 DSNs (failure, delay, success) to the sender as NOTIFY asked.
//
//   DeliveryAgent agent(env, config, queue, store);
//   agent.Start();                // picks up whatever the queue holds
//   agent.Schedule(message_id);   // after a new message was queued
#ifndef LEMONADE_SERVER_SUBMISSION_DELIVERY_AGENT_H_
#define LEMONADE_SERVER_SUBMISSION_DELIVERY_AGENT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "env/env.h"
#include "server/store/mail_store.h"
#include "server/submission/dsn.h"
#include "server/submission/mail_queue.h"
#include "server/submission/relay_client.h"
#include "server/submission/submission_config.h"

namespace lemonade::submission {

class DeliveryAgent {
 public:
  DeliveryAgent(const Env& env, const SubmissionServerConfig& config, MailQueue* queue,
                store::MailStore* store);
  ~DeliveryAgent();

  // Schedules every queued message.
  void Start();
  // Queues a newly accepted `message` durably, then schedules its delivery
  // and runs `done` (on failure the message is forgotten and `done` gets
  // the error). Delivery does not depend on the caller still existing: a
  // message whose client left before its final 250 is still delivered
  // (RFC 5321 §6.1: once it is safely queued it is ours).
  void Submit(QueuedMessage message, absl::AnyInvocable<void(absl::Status)> done);
  // Schedules one message at its due time.
  void Schedule(const std::string& id);

  // Whether `domain` is served by the local store.
  bool IsLocalDomain(absl::string_view domain) const;
  // The store user a local address delivers to, or nullptr.
  const store::User* LocalUser(absl::string_view address) const;

  // Counters for tests and experiments.
  uint64_t delivered() const { return delivered_; }
  uint64_t failed() const { return failed_; }
  uint64_t dsns_sent() const { return dsns_sent_; }
  bool idle() const { return attempting_.empty(); }

 private:
  void Attempt(const std::string& id);
  void DeliverLocally(QueuedMessage& message);
  void AfterRelay(const std::string& id, const RelayClient::Result& result);
  // Ends an attempt: notices, then the queue file is removed (all done) or
  // rewritten for the next retry — only once the store's deliveries and
  // every notice queued here are durable, so a crash in between repeats
  // the attempt instead of losing a notice. `relay_has_dsn`: the next hop
  // took over DSN duties for what it accepted (RFC 3461 §5.2.1).
  void Finish(const std::string& id, bool relay_has_dsn = false);
  // The DSN about `recipients` of `message`, to its sender; none for a
  // DSN or a message from <>. Does not touch the queue's entries.
  std::optional<QueuedMessage> MakeNotice(const QueuedMessage& message, DsnAction action,
                                          const std::vector<const QueuedRecipient*>& recipients);
  // Queues a notice durably, schedules it, then runs `durable`.
  void QueueNotice(QueuedMessage notice, absl::AnyInvocable<void(absl::Status)> durable);

  Env env_;
  const SubmissionServerConfig& config_;
  MailQueue* queue_;
  store::MailStore* store_;
  absl::btree_map<std::string, TimerId> timers_;
  absl::btree_set<std::string> attempting_;
  absl::btree_map<std::string, std::unique_ptr<RelayClient>> relays_;
  uint64_t delivered_ = 0;
  uint64_t failed_ = 0;
  uint64_t dsns_sent_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lemonade::submission

#endif  // LEMONADE_SERVER_SUBMISSION_DELIVERY_AGENT_H_
