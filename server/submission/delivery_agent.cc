#include "server/submission/delivery_agent.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace lemonade::submission {

DeliveryAgent::DeliveryAgent(const Env& env, const SubmissionServerConfig& config,
                             MailQueue* queue, store::MailStore* store)
    : env_(env), config_(config), queue_(queue), store_(store) {}

DeliveryAgent::~DeliveryAgent() {
  for (auto& [id, timer] : timers_) env_.timers->Cancel(timer);
}

void DeliveryAgent::Start() {
  std::vector<std::string> ids;
  for (const auto& [id, message] : queue_->entries()) ids.push_back(id);
  for (const std::string& id : ids) Schedule(id);
}

void DeliveryAgent::Submit(QueuedMessage message, absl::AnyInvocable<void(absl::Status)> done) {
  const std::string id = message.id;
  std::weak_ptr<bool> alive = alive_;
  queue_->Put(std::move(message),
              [this, alive, id, done = std::move(done)](absl::Status status) mutable {
                if (alive.expired()) return;
                if (status.ok()) {
                  Schedule(id);
                } else {
                  // Nothing may be acknowledged (or delivered) that is not
                  // durable.
                  queue_->Remove(id);
                }
                done(status);
              });
}

bool DeliveryAgent::IsLocalDomain(absl::string_view domain) const {
  for (const std::string& d : config_.local_domains) {
    if (absl::EqualsIgnoreCase(d, domain)) return true;
  }
  return false;
}

const store::User* DeliveryAgent::LocalUser(absl::string_view address) const {
  size_t at = address.rfind('@');
  if (at == absl::string_view::npos || !IsLocalDomain(address.substr(at + 1))) return nullptr;
  absl::string_view local = address.substr(0, at);
  // RFC 5321 §4.5.1: "postmaster" is a case-insensitive local name.
  if (absl::EqualsIgnoreCase(local, "postmaster") && !config_.postmaster_user.empty()) {
    return store_->FindUser(config_.postmaster_user);
  }
  if (const store::User* u = store_->FindUser(local)) return u;
  // Local parts are case-sensitive in principle (RFC 5321 §2.4) but user
  // names are not, in practice.
  return store_->FindUser(absl::AsciiStrToLower(local));
}

void DeliveryAgent::Schedule(const std::string& id) {
  QueuedMessage* m = queue_->Find(id);
  if (m == nullptr || attempting_.count(id)) return;
  auto existing = timers_.find(id);
  if (existing != timers_.end()) env_.timers->Cancel(existing->second);
  const Time when = std::max(m->next_attempt, m->release);
  std::weak_ptr<bool> alive = alive_;
  timers_[id] = env_.timers->ScheduleAt(when, [this, alive, id] {
    if (alive.expired()) return;
    timers_.erase(id);
    Attempt(id);
  });
}

void DeliveryAgent::Attempt(const std::string& id) {
  QueuedMessage* m = queue_->Find(id);
  if (m == nullptr) return;
  attempting_.insert(id);
  ++m->attempts;
  DeliverLocally(*m);
  // Remote recipients go to the relay in one session.
  std::vector<std::string> remote;
  for (QueuedRecipient& r : m->recipients) {
    if (r.state == QueuedRecipient::State::kPending) remote.push_back(r.address);
  }
  if (remote.empty()) {
    Finish(id);
    return;
  }
  if (config_.relay.host.empty()) {
    for (QueuedRecipient& r : m->recipients) {
      if (r.state != QueuedRecipient::State::kPending) continue;
      r.state = QueuedRecipient::State::kFailed;
      r.status = "5.7.1";
      r.diagnostic = "550 5.7.1 no relay is configured for remote recipients";
    }
    Finish(id);
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  auto client = std::make_unique<RelayClient>(
      env_, config_.relay, config_.hostname, *m, remote,
      [this, alive, id](RelayClient::Result result) {
        if (alive.expired()) return;
        AfterRelay(id, result);
      });
  RelayClient* raw = client.get();
  relays_[id] = std::move(client);
  raw->Start();
}

void DeliveryAgent::DeliverLocally(QueuedMessage& m) {
  // Two addresses of one user (an alias such as postmaster, a different
  // case) get one copy, as in Postfix's duplicate filter. Users already
  // served by an earlier attempt count too.
  absl::flat_hash_set<const store::User*> served;
  for (const QueuedRecipient& r : m.recipients) {
    if (r.state == QueuedRecipient::State::kDelivered && r.local) {
      if (const store::User* user = LocalUser(r.address)) served.insert(user);
    }
  }
  for (QueuedRecipient& r : m.recipients) {
    if (r.state != QueuedRecipient::State::kPending) continue;
    size_t at = r.address.rfind('@');
    if (at == std::string::npos || !IsLocalDomain(r.address.substr(at + 1))) continue;
    const store::User* user = LocalUser(r.address);
    store::Mailbox* inbox = user ? store_->FindMailbox(*user, "INBOX") : nullptr;
    if (inbox == nullptr) {
      r.state = QueuedRecipient::State::kFailed;
      r.status = "5.1.1";
      r.diagnostic = "550 5.1.1 mailbox unavailable";
      continue;
    }
    if (served.contains(user)) {
      r.state = QueuedRecipient::State::kDelivered;
      r.local = true;
      r.status = "2.0.0";
      r.diagnostic = "250 2.0.0 delivered to INBOX (one copy per mailbox)";
      continue;
    }
    // RFC 5321 §4.4: the final delivery adds Return-Path.
    std::string bytes = absl::StrCat("Return-Path: <", m.sender, ">\r\n", m.content);
    auto uid = store_->Append(*inbox, bytes, 0, {}, env_.Now().unix_seconds(), 0);
    if (!uid.ok()) {
      r.status = "4.3.0";
      r.diagnostic = absl::StrCat("451 4.3.0 ", uid.status().message());
      continue;  // stays pending: retried
    }
    r.state = QueuedRecipient::State::kDelivered;
    r.local = true;
    r.status = "2.0.0";
    r.diagnostic = "250 2.0.0 delivered to INBOX";
    served.insert(user);
    ++delivered_;
  }
}

void DeliveryAgent::AfterRelay(const std::string& id, const RelayClient::Result& result) {
  auto node = relays_.extract(id);
  // Destroy the client on the next turn, not inside its own callback.
  if (!node.empty()) {
    auto client = std::move(node.mapped());
    env_.timers->Post([client = std::shared_ptr<RelayClient>(std::move(client))] {});
  }
  QueuedMessage* m = queue_->Find(id);
  if (m == nullptr) return;
  for (const RelayClient::RecipientOutcome& o : result.recipients) {
    for (QueuedRecipient& r : m->recipients) {
      if (r.address != o.address || r.state != QueuedRecipient::State::kPending) continue;
      r.diagnostic = absl::StrCat(o.code, " ", o.status, " ", o.text);
      r.status = o.status;
      if (o.code >= 200 && o.code < 300) {
        // Its notice (if any) is decided in Finish().
        r.state = QueuedRecipient::State::kDelivered;
        ++delivered_;
      } else if (o.code >= 500) {
        r.state = QueuedRecipient::State::kFailed;
      }
    }
  }
  Finish(id, result.dsn);
}

void DeliveryAgent::Finish(const std::string& id, bool relay_has_dsn) {
  QueuedMessage* m = queue_->Find(id);
  attempting_.erase(id);
  if (m == nullptr) return;
  const Time now = env_.Now();
  const Time expiry = m->arrival + config_.delivery_expiry;
  // Give up on what is still pending after the expiry.
  if (now >= expiry) {
    for (QueuedRecipient& r : m->recipients) {
      if (r.state != QueuedRecipient::State::kPending) continue;
      r.state = QueuedRecipient::State::kFailed;
      r.status = "4.4.7";
      r.diagnostic = absl::StrCat("delivery time expired; last error: ", r.diagnostic);
    }
  }
  // Notices: failures and successes once, delays once.
  std::vector<const QueuedRecipient*> failed, delivered, relayed, delayed;
  for (QueuedRecipient& r : m->recipients) {
    if (r.state == QueuedRecipient::State::kFailed && !r.reported) {
      r.reported = true;
      ++failed_;
      if (WantsNotice(r, DsnAction::kFailed)) failed.push_back(&r);
    } else if (r.state == QueuedRecipient::State::kDelivered && !r.reported) {
      r.reported = true;
      if (r.local) {
        if (WantsNotice(r, DsnAction::kDelivered)) delivered.push_back(&r);
      } else if (!relay_has_dsn && WantsNotice(r, DsnAction::kRelayed)) {
        // RFC 3461 §5.2.2 (b): a next hop without DSN cannot confirm
        // delivery, so we say "relayed"; one with DSN got NOTIFY and will
        // report itself (§5.2.1).
        relayed.push_back(&r);
      }
    } else if (r.state == QueuedRecipient::State::kPending && !r.delay_notified &&
               now - m->arrival >= config_.delay_notice_after) {
      r.delay_notified = true;
      if (WantsNotice(r, DsnAction::kDelayed)) delayed.push_back(&r);
    }
  }
  // The queue file changes only once the store's deliveries and every
  // notice are durable: until then a crash repeats this attempt (the old
  // file still says "pending, not reported").
  struct Pending {
    int remaining = 1;
    absl::Status status;
    absl::AnyInvocable<void(absl::Status)> then;
  };
  auto pending = std::make_shared<Pending>();
  auto arrived = [pending](absl::Status status) {
    if (!status.ok() && pending->status.ok()) pending->status = status;
    if (--pending->remaining == 0) pending->then(pending->status);
  };
  const bool done = m->done();
  std::weak_ptr<bool> alive = alive_;
  pending->then = [this, alive, id, done](absl::Status status) {
    if (alive.expired()) return;
    QueuedMessage* message = queue_->Find(id);
    if (message == nullptr) return;
    if (!status.ok()) {
      // Try again later; the recipients' states keep what was done.
      message->next_attempt = env_.Now() + config_.retry_initial;
      Schedule(id);
      return;
    }
    if (done) {
      queue_->Remove(id);
      return;
    }
    queue_->Update(id, [this, alive, id](absl::Status) {
      if (alive.expired()) return;
      Schedule(id);
    });
  };
  if (!done) {
    // Retry later with exponential backoff.
    Duration backoff = config_.retry_initial;
    for (uint32_t i = 1; i < m->attempts && backoff < config_.retry_max; ++i) backoff = backoff * 2;
    if (backoff > config_.retry_max) backoff = config_.retry_max;
    m->next_attempt = std::min(now + backoff, expiry);
  }
  // Compose every notice before queueing any: queueing inserts into the
  // queue's map, which may move `m` (btree nodes do not keep addresses).
  std::vector<QueuedMessage> notices;
  const std::pair<DsnAction, const std::vector<const QueuedRecipient*>*> kinds[] = {
      {DsnAction::kFailed, &failed},
      {DsnAction::kDelivered, &delivered},
      {DsnAction::kRelayed, &relayed},
      {DsnAction::kDelayed, &delayed}};
  for (const auto& [action, recipients] : kinds) {
    if (recipients->empty()) continue;
    std::optional<QueuedMessage> notice = MakeNotice(*m, action, *recipients);
    if (notice) notices.push_back(std::move(*notice));
  }
  m = nullptr;
  for (QueuedMessage& notice : notices) {
    ++pending->remaining;
    QueueNotice(std::move(notice), arrived);
  }
  store_->Commit(arrived);
}

std::optional<QueuedMessage> DeliveryAgent::MakeNotice(
    const QueuedMessage& message, DsnAction action,
    const std::vector<const QueuedRecipient*>& recipients) {
  // Never answer a bounce with a bounce (RFC 3461 §6.2), nor notify <>.
  if (message.is_dsn || message.sender.empty()) return std::nullopt;
  QueuedMessage dsn;
  dsn.id = queue_->NewId();
  dsn.sender = "";
  dsn.arrival = dsn.release = dsn.next_attempt = env_.Now();
  dsn.is_dsn = true;
  QueuedRecipient to;
  to.address = message.sender;
  to.notify = smtp::kDsnNotifyNever;
  dsn.recipients.push_back(to);
  dsn.content = ComposeDsn(message, action, recipients, config_.hostname, env_.Now(), dsn.id,
                           message.arrival + config_.delivery_expiry);
  return dsn;
}

void DeliveryAgent::QueueNotice(QueuedMessage notice,
                                absl::AnyInvocable<void(absl::Status)> durable) {
  ++dsns_sent_;
  const std::string id = notice.id;
  std::weak_ptr<bool> alive = alive_;
  queue_->Put(std::move(notice),
              [this, alive, id, durable = std::move(durable)](absl::Status status) mutable {
                if (alive.expired()) return;
                if (status.ok()) {
                  Schedule(id);
                } else {
                  queue_->Remove(id);
                }
                durable(status);
              });
}

}  // namespace lemonade::submission
