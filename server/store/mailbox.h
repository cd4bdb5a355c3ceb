// Mailbox and Message: the in-memory state of one mailbox, rebuilt from the
// store log on start-up.
//
// Messages are kept sorted by UID. Two indexes serve quick reconnect
// (RFC 7162): `by_modseq` maps each live message's current MODSEQ to its
// UID, so "what changed since N" is a range scan; `expunged` maps the
// MODSEQ of each expunge to the UIDs it removed, so VANISHED can be
// answered for any client state. Sessions that have the mailbox selected
// register as observers and are told (synchronously, on the loop) that it
// changed; they compute what to report at the moments RFC 3501 allows.
//
// A Mailbox is owned by MailStore; all mutation goes through MailStore so
// every change is logged before it is acknowledged.
#ifndef LEMONADE_SERVER_STORE_MAILBOX_H_
#define LEMONADE_SERVER_STORE_MAILBOX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "server/store/flags.h"

namespace lemonade::store {

struct Message {
  uint32_t uid = 0;
  uint32_t size = 0;              // RFC822.SIZE, octets
  uint64_t modseq = 0;            // MODSEQ of the last metadata change
  int64_t internal_date = 0;      // unix seconds
  int16_t zone_offset_minutes = 0;
  FlagSet flags;
  uint64_t body_offset = 0;       // where the bytes sit in the store log
};

class MailboxObserver {
 public:
  virtual ~MailboxObserver() = default;
  // Something changed (messages added, flags changed, messages expunged).
  virtual void OnMailboxChanged() = 0;
  // The mailbox is being deleted or renamed away: the session must
  // deselect it (RFC 3501 leaves this to the server; we close it with BYE
  // or [CLOSED] as the session sees fit).
  virtual void OnMailboxGone() = 0;
  // The mailbox's URLAUTH key was replaced (RESETKEY, RFC 4467 §7).
  virtual void OnUrlauthKeyReset() {}
  // A message's flags are about to change from `old_flags`, which it has
  // had since `old_modseq`. Must not touch the mailbox.
  virtual void OnFlagsChanging(uint32_t uid, const FlagSet& old_flags, uint64_t old_modseq) {}
};

class Mailbox {
 public:
  Mailbox(uint64_t id, uint64_t owner_id, std::string name, uint32_t uidvalidity)
      : id_(id), owner_id_(owner_id), name_(std::move(name)), uidvalidity_(uidvalidity) {}

  uint64_t id() const { return id_; }
  uint64_t owner_id() const { return owner_id_; }
  const std::string& name() const { return name_; }
  uint32_t uidvalidity() const { return uidvalidity_; }
  uint32_t uidnext() const { return uidnext_; }
  uint64_t highest_modseq() const { return highest_modseq_; }
  const std::string& special_use() const { return special_use_; }
  const std::vector<Message>& messages() const { return messages_; }
  const KeywordTable& keywords() const { return keywords_; }
  const absl::btree_map<uint64_t, std::vector<uint32_t>>& expunged() const { return expunged_; }
  // (modseq, uid) of every live message.
  const absl::btree_set<std::pair<uint64_t, uint32_t>>& by_modseq() const { return by_modseq_; }

  // Index of the message with `uid` in messages(), or -1.
  int64_t IndexOfUid(uint32_t uid) const;
  const Message* FindUid(uint32_t uid) const;

  // Messages whose metadata changed after `modseq` (including new ones),
  // as UIDs, ascending.
  std::vector<uint32_t> UidsChangedSince(uint64_t modseq) const;
  // UIDs expunged after `modseq`, ascending.
  std::vector<uint32_t> UidsExpungedSince(uint64_t modseq) const;

  // The highest UID whose \Recent belongs to some session, and claiming
  // the ones above it for the caller (RFC 3501 §2.3.2: \Recent is seen by
  // exactly one session).
  uint32_t recent_claimed_uid() const { return recent_claimed_uid_; }
  void ClaimRecent(uint32_t up_to_uid) {
    if (up_to_uid > recent_claimed_uid_) recent_claimed_uid_ = up_to_uid;
  }

  void AddObserver(MailboxObserver* o);
  void RemoveObserver(MailboxObserver* o);
  void NotifyChanged();
  void NotifyGone();
  void NotifyKeyReset();

  // Unseen count and first unseen sequence number (1-based, 0 if none).
  uint32_t CountUnseen() const;
  uint32_t FirstUnseenSeq() const;
  uint64_t TotalSize() const;

 private:
  friend class MailStore;

  // Mutators, called by MailStore while applying log records.
  void set_name(std::string name) { name_ = std::move(name); }
  void set_special_use(std::string s) { special_use_ = std::move(s); }
  void AddMessage(const Message& m);
  // Replaces a message's flags, giving it `modseq`.
  void SetFlags(size_t index, const FlagSet& flags, uint64_t modseq);
  void Expunge(const std::vector<uint32_t>& uids, uint64_t modseq);
  void BumpModseq(uint64_t modseq) {
    if (modseq > highest_modseq_) highest_modseq_ = modseq;
  }
  void IndexModseq(uint64_t modseq, uint32_t uid);
  void UnindexModseq(uint64_t modseq, uint32_t uid);
  KeywordTable& mutable_keywords() { return keywords_; }

  uint64_t id_;
  uint64_t owner_id_;
  std::string name_;
  uint32_t uidvalidity_;
  uint32_t uidnext_ = 1;
  // RFC 7162 §3.1.1: a mailbox that supports MODSEQ starts above 0.
  uint64_t highest_modseq_ = 1;
  std::string special_use_;
  std::vector<Message> messages_;
  KeywordTable keywords_;
  absl::btree_set<std::pair<uint64_t, uint32_t>> by_modseq_;
  absl::btree_map<uint64_t, std::vector<uint32_t>> expunged_;
  uint32_t recent_claimed_uid_ = 0;
  std::vector<MailboxObserver*> observers_;
};

}  // namespace lemonade::store

#endif  // LEMONADE_SERVER_STORE_MAILBOX_H_
