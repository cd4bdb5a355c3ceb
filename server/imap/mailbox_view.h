// MailboxView: what one session believes about its selected mailbox — the
// message sequence numbers it has announced, which messages are \Recent for
// it, and how far it has been told about changes.
//
// IMAP sequence numbers are per session: they only shift when the session
// is told of an expunge, which RFC 3501 §7.4.1 forbids during FETCH, STORE
// and SEARCH by sequence number. So messages another session expunges stay
// in this view as "ghosts" (message() returns nullptr) until Sync() is
// allowed to report them.
//
//   MailboxView view(mailbox, /*read_only=*/false, /*claim_recent=*/true);
//   MailboxView::Updates u = view.Sync(/*allow_expunge=*/true);
//   for (uint32_t seq : u.expunged_seqs) out << "* " << seq << " EXPUNGE";
#ifndef LEMONADE_SERVER_IMAP_MAILBOX_VIEW_H_
#define LEMONADE_SERVER_IMAP_MAILBOX_VIEW_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "protocol/imap/sequence_set.h"
#include "server/store/mail_store.h"
#include "server/store/mailbox.h"

namespace lemonade::imap_server {

class MailboxView {
 public:
  MailboxView(store::Mailbox* mailbox, bool read_only, bool claim_recent);

  store::Mailbox* mailbox() const { return mailbox_; }
  bool read_only() const { return read_only_; }
  size_t size() const { return uids_.size(); }
  uint32_t uid(size_t index) const { return uids_[index]; }
  const std::vector<uint32_t>& uids() const { return uids_; }
  // The message at `index` (0-based), or nullptr if it has been expunged
  // but the expunge is not yet reported.
  const store::Message* message(size_t index) const;
  bool recent(uint32_t uid) const { return recent_.count(uid) > 0; }
  size_t recent_count() const { return recent_.size(); }
  // Index of `uid` in the view, or -1.
  int64_t IndexOfUid(uint32_t uid) const;

  // Sequence set -> view indexes (ascending). Returns false if a number is
  // beyond the view (RFC 3501 §9: a BAD for the client's mistake).
  bool ResolveSequenceSet(const imap::SequenceSet& set, std::vector<size_t>* out) const;
  // UID set -> view indexes of the UIDs present (ascending). "*" is the
  // highest UID in the view (RFC 3501 §6.4.8: even if the set's lower
  // bound is above it).
  void ResolveUidSet(const imap::SequenceSet& set, std::vector<size_t>* out) const;

  struct Updates {
    // Expunges to report, as sequence numbers in emission order (each one
    // already accounts for the ones before it), and as UIDs.
    std::vector<uint32_t> expunged_seqs;
    std::vector<uint32_t> expunged_uids;
    bool exists_changed = false;
    uint32_t exists = 0;
    uint32_t recent = 0;
    // View indexes whose flags changed (after expunges are applied).
    std::vector<size_t> flags_changed;
  };
  // Brings the view up to date with the mailbox and says what changed.
  Updates Sync(bool allow_expunge);

  // The session itself already told the client about `uid` at `modseq`
  // (in a STORE or FETCH response), so Sync need not repeat it.
  void NoteReported(uint32_t uid, uint64_t modseq) {
    reported_[uid] = modseq;
    unreported_.erase(uid);
  }

  // Another change to `uid` is about to happen; until the client is told,
  // remember what it last saw (the first such state only).
  void NoteUnreportedChange(uint32_t uid, const store::FlagSet& flags, uint64_t modseq);
  // What the client last saw of `uid`, if a change since is unreported.
  std::optional<store::KnownFlags> UnreportedChangeOf(uint32_t uid) const;

  // The highest MODSEQ the client has been told about.
  uint64_t notified_modseq() const { return flags_modseq_; }

  // The MODSEQ of the oldest expunge of a message still in the view (one
  // the client has not been told about yet), or 0 if there is none.
  uint64_t LowestPendingExpungeModseq() const;
  // A HIGHESTMODSEQ the client may safely resynchronize from: everything
  // up to it has been reported (RFC 7162 §3.2: below any delayed expunge).
  uint64_t SafeHighestModseq() const;

 private:
  store::Mailbox* mailbox_;
  bool read_only_;
  bool show_recent_;   // \Recent is reported to this session
  bool claim_recent_;  // ...and taken from later sessions (read-write only)
  std::vector<uint32_t> uids_;
  absl::flat_hash_set<uint32_t> recent_;
  absl::flat_hash_map<uint32_t, uint64_t> reported_;
  // RFC 7162 §3.1.12: the flags each changed message had when the client
  // last saw it, until the change is reported.
  absl::flat_hash_map<uint32_t, store::KnownFlags> unreported_;
  uint32_t max_uid_seen_ = 0;
  uint64_t flags_modseq_ = 0;    // flag changes reported up to here
  uint64_t expunge_modseq_ = 0;  // expunges reported up to here
};

}  // namespace lemonade::imap_server

#endif  // LEMONADE_SERVER_IMAP_MAILBOX_VIEW_H_
