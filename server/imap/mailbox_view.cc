#include "server/imap/mailbox_view.h"

#include <algorithm>

namespace lemonade::imap_server {

MailboxView::MailboxView(store::Mailbox* mailbox, bool read_only, bool claim_recent)
    : mailbox_(mailbox),
      read_only_(read_only),
      show_recent_(claim_recent),
      // RFC 3501 §2.3.2, §6.3.2: a read-only session sees \Recent but
      // leaves it for the next session.
      claim_recent_(claim_recent && !read_only) {
  uids_.reserve(mailbox->messages().size());
  const uint32_t recent_floor = mailbox->recent_claimed_uid();
  for (const store::Message& m : mailbox->messages()) {
    uids_.push_back(m.uid);
    if (m.uid > recent_floor && show_recent_) recent_.insert(m.uid);
  }
  if (!uids_.empty()) max_uid_seen_ = uids_.back();
  if (claim_recent_) mailbox->ClaimRecent(max_uid_seen_);
  flags_modseq_ = expunge_modseq_ = mailbox->highest_modseq();
}

const store::Message* MailboxView::message(size_t index) const {
  const uint32_t uid = uids_[index];
  const auto& messages = mailbox_->messages();
  // Fast path: with no unreported expunges the indexes coincide.
  if (index < messages.size() && messages[index].uid == uid) return &messages[index];
  return mailbox_->FindUid(uid);
}

int64_t MailboxView::IndexOfUid(uint32_t uid) const {
  auto it = std::lower_bound(uids_.begin(), uids_.end(), uid);
  if (it == uids_.end() || *it != uid) return -1;
  return it - uids_.begin();
}

bool MailboxView::ResolveSequenceSet(const imap::SequenceSet& set,
                                     std::vector<size_t>* out) const {
  out->clear();
  const uint32_t largest = static_cast<uint32_t>(uids_.size());
  for (const auto& r : set.ranges()) {
    uint32_t a = r.first == imap::kSequenceStar ? largest : r.first;
    uint32_t b = r.last == imap::kSequenceStar ? largest : r.last;
    if (a == 0 || b == 0 || a > largest || b > largest) return false;
  }
  for (const auto& [a, b] : set.Resolve(largest)) {
    for (uint32_t seq = a; seq <= b; ++seq) out->push_back(seq - 1);
  }
  return true;
}

void MailboxView::ResolveUidSet(const imap::SequenceSet& set, std::vector<size_t>* out) const {
  out->clear();
  if (uids_.empty()) return;
  for (const auto& [a, b] : set.Resolve(uids_.back())) {
    auto it = std::lower_bound(uids_.begin(), uids_.end(), a);
    for (; it != uids_.end() && *it <= b; ++it) out->push_back(it - uids_.begin());
  }
}

uint64_t MailboxView::LowestPendingExpungeModseq() const {
  const auto& expunged = mailbox_->expunged();
  for (auto it = expunged.upper_bound(expunge_modseq_); it != expunged.end(); ++it) {
    for (uint32_t uid : it->second) {
      if (IndexOfUid(uid) >= 0) return it->first;
    }
  }
  return 0;
}

uint64_t MailboxView::SafeHighestModseq() const {
  const uint64_t pending = LowestPendingExpungeModseq();
  return pending != 0 ? std::min(flags_modseq_, pending - 1) : flags_modseq_;
}

MailboxView::Updates MailboxView::Sync(bool allow_expunge) {
  Updates u;
  const uint64_t highest = mailbox_->highest_modseq();

  // Expunges: each reported one shifts the sequence numbers after it.
  if (allow_expunge && expunge_modseq_ < highest) {
    std::vector<uint32_t> gone = mailbox_->UidsExpungedSince(expunge_modseq_);
    // Also messages that arrived and vanished between two syncs are in
    // `gone` but were never in the view; only report what the view holds.
    for (uint32_t uid : gone) {
      int64_t index = IndexOfUid(uid);
      if (index < 0) continue;
      u.expunged_seqs.push_back(static_cast<uint32_t>(index + 1));
      u.expunged_uids.push_back(uid);
      uids_.erase(uids_.begin() + index);
      recent_.erase(uid);
      reported_.erase(uid);
    }
    expunge_modseq_ = highest;
  }

  // New messages.
  const auto& messages = mailbox_->messages();
  auto first_new = std::upper_bound(
      messages.begin(), messages.end(), max_uid_seen_,
      [](uint32_t uid, const store::Message& m) { return uid < m.uid; });
  if (first_new != messages.end()) {
    const uint32_t recent_floor = mailbox_->recent_claimed_uid();
    for (auto it = first_new; it != messages.end(); ++it) {
      uids_.push_back(it->uid);
      if (show_recent_ && it->uid > recent_floor) recent_.insert(it->uid);
    }
    max_uid_seen_ = messages.back().uid;
    if (claim_recent_) mailbox_->ClaimRecent(max_uid_seen_);
    u.exists_changed = true;
    u.exists = static_cast<uint32_t>(uids_.size());
    u.recent = static_cast<uint32_t>(recent_.size());
  }

  // Flag changes of messages the client already knew.
  if (flags_modseq_ < highest) {
    for (uint32_t uid : mailbox_->UidsChangedSince(flags_modseq_)) {
      int64_t index = IndexOfUid(uid);
      if (index < 0) continue;
      const store::Message* m = message(index);
      if (m == nullptr) continue;
      if (first_new != messages.end() && uid >= first_new->uid) continue;  // announced by EXISTS
      auto reported = reported_.find(uid);
      if (reported != reported_.end() && reported->second >= m->modseq) continue;
      u.flags_changed.push_back(index);
    }
    flags_modseq_ = highest;
  }
  reported_.clear();
  // Every flag change up to `highest` has now been reported (or the client
  // will learn the message from EXISTS).
  unreported_.clear();
  return u;
}

void MailboxView::NoteUnreportedChange(uint32_t uid, const store::FlagSet& flags,
                                       uint64_t modseq) {
  if (uid > max_uid_seen_ || IndexOfUid(uid) < 0) return;  // not one the client knows
  unreported_.try_emplace(uid, store::KnownFlags{flags, modseq});
}

std::optional<store::KnownFlags> MailboxView::UnreportedChangeOf(uint32_t uid) const {
  auto it = unreported_.find(uid);
  if (it == unreported_.end()) return std::nullopt;
  return it->second;
}

}  // namespace lemonade::imap_server
