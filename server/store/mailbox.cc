#include "server/store/mailbox.h"

#include <algorithm>

#include "base/check.h"

namespace lemonade::store {

int64_t Mailbox::IndexOfUid(uint32_t uid) const {
  auto it = std::lower_bound(messages_.begin(), messages_.end(), uid,
                             [](const Message& m, uint32_t u) { return m.uid < u; });
  if (it == messages_.end() || it->uid != uid) return -1;
  return it - messages_.begin();
}

const Message* Mailbox::FindUid(uint32_t uid) const {
  int64_t i = IndexOfUid(uid);
  return i < 0 ? nullptr : &messages_[i];
}

std::vector<uint32_t> Mailbox::UidsChangedSince(uint64_t modseq) const {
  std::vector<uint32_t> out;
  if (modseq == UINT64_MAX) return out;
  for (auto it = by_modseq_.lower_bound({modseq + 1, 0}); it != by_modseq_.end(); ++it) {
    out.push_back(it->second);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint32_t> Mailbox::UidsExpungedSince(uint64_t modseq) const {
  std::vector<uint32_t> out;
  for (auto it = expunged_.upper_bound(modseq); it != expunged_.end(); ++it) {
    out.insert(out.end(), it->second.begin(), it->second.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void Mailbox::AddObserver(MailboxObserver* o) { observers_.push_back(o); }

void Mailbox::RemoveObserver(MailboxObserver* o) {
  observers_.erase(std::remove(observers_.begin(), observers_.end(), o), observers_.end());
}

void Mailbox::NotifyChanged() {
  // Observers may deregister while being notified; iterate over a copy.
  std::vector<MailboxObserver*> copy = observers_;
  for (MailboxObserver* o : copy) {
    if (std::find(observers_.begin(), observers_.end(), o) != observers_.end()) {
      o->OnMailboxChanged();
    }
  }
}

void Mailbox::NotifyGone() {
  std::vector<MailboxObserver*> copy = observers_;
  observers_.clear();
  for (MailboxObserver* o : copy) o->OnMailboxGone();
}

void Mailbox::NotifyKeyReset() {
  std::vector<MailboxObserver*> copy = observers_;
  for (MailboxObserver* o : copy) o->OnUrlauthKeyReset();
}

uint32_t Mailbox::CountUnseen() const {
  uint32_t n = 0;
  for (const Message& m : messages_) n += (m.flags.system & kFlagSeen) ? 0 : 1;
  return n;
}

uint32_t Mailbox::FirstUnseenSeq() const {
  for (size_t i = 0; i < messages_.size(); ++i) {
    if (!(messages_[i].flags.system & kFlagSeen)) return static_cast<uint32_t>(i + 1);
  }
  return 0;
}

uint64_t Mailbox::TotalSize() const {
  uint64_t n = 0;
  for (const Message& m : messages_) n += m.size;
  return n;
}

void Mailbox::IndexModseq(uint64_t modseq, uint32_t uid) { by_modseq_.insert({modseq, uid}); }

void Mailbox::UnindexModseq(uint64_t modseq, uint32_t uid) { by_modseq_.erase({modseq, uid}); }

void Mailbox::AddMessage(const Message& m) {
  CHECK(messages_.empty() || m.uid > messages_.back().uid) << "UIDs must strictly ascend";
  messages_.push_back(m);
  uidnext_ = m.uid + 1;
  BumpModseq(m.modseq);
  IndexModseq(m.modseq, m.uid);
}

void Mailbox::SetFlags(size_t index, const FlagSet& flags, uint64_t modseq) {
  Message& m = messages_[index];
  for (MailboxObserver* o : observers_) o->OnFlagsChanging(m.uid, m.flags, m.modseq);
  UnindexModseq(m.modseq, m.uid);
  m.flags = flags;
  m.modseq = modseq;
  IndexModseq(modseq, m.uid);
  BumpModseq(modseq);
}

void Mailbox::Expunge(const std::vector<uint32_t>& uids, uint64_t modseq) {
  if (uids.empty()) return;
  std::vector<uint32_t> removed;
  size_t w = 0;
  for (size_t r = 0; r < messages_.size(); ++r) {
    if (std::binary_search(uids.begin(), uids.end(), messages_[r].uid)) {
      UnindexModseq(messages_[r].modseq, messages_[r].uid);
      removed.push_back(messages_[r].uid);
      continue;
    }
    if (w != r) messages_[w] = messages_[r];
    ++w;
  }
  messages_.resize(w);
  if (!removed.empty()) {
    auto& list = expunged_[modseq];
    list.insert(list.end(), removed.begin(), removed.end());
  }
  BumpModseq(modseq);
}

}  // namespace lemonade::store
